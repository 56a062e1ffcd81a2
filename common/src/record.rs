//! Application records as Automerge documents.
//!
//! A record document holds the batch, the recommender, a `status` key that mirrors the status
//! for plain Automerge readers (the status itself is derived from submission and withdrawal
//! acts, see [`crate::acts`]), and a `form` map with one key per box of the form, named by the box's dotted path (see
//! [`crate::form::FIELDS`]). Free-text boxes are Automerge Text, so an edit of a few characters
//! makes a change of a few hundred bytes, and concurrent edits to different parts of one box from
//! HQ and a field office both survive the merge. One-line boxes, numbers and yes/no answers are
//! scalars: the last writer wins, and `get_all` still shows a concurrent loser.
//!
//! The document's actor is always the local node's key, so every change names its signer; the
//! feed layer checks that the actor equals the entry's author. Remote bytes are applied inside
//! `catch_unwind`, because Automerge may panic on malformed input.

use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    AutoCommit, Change, ObjId, ObjType, PatchAction, Prop, ROOT, ReadDoc, ScalarValue, Value,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::acts::{Act, ChangeGraph, classify};
use crate::batch::BatchNumber;
use crate::form::{Application, Attachment, FieldKind, FieldValue, all_fields};
use crate::identity::NodeId;
use crate::ids::RecommenderId;
use crate::operator::{EDIT_MESSAGE, OperatorName, message_with_operator, operator_of};
use crate::timestamp::Timestamp;

pub use crate::acts::Status;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    #[error("the Automerge data is malformed: {0}")]
    Malformed(String),
    #[error("the Automerge library panicked on this input")]
    Panicked,
    #[error("record field `{field}` holds {found}, not {expected}")]
    Shape {
        field: String,
        expected: &'static str,
        found: String,
    },
    #[error("a {from} record cannot be {action}")]
    Transition {
        from: &'static str,
        action: &'static str,
    },
    #[error("a submitted record cannot be edited; withdraw it first")]
    Frozen,
    #[error("Automerge refused the edit: {0}")]
    Edit(String),
}

fn edit_error(error: automerge::AutomergeError) -> RecordError {
    RecordError::Edit(error.to_string())
}

/// Runs Automerge on untrusted input, turning a panic into an error.
fn guarded<T>(
    work: impl FnOnce() -> Result<T, automerge::AutomergeError>,
) -> Result<T, RecordError> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result.map_err(|e| RecordError::Malformed(e.to_string())),
        Err(_) => Err(RecordError::Panicked),
    }
}

/// One application record as an Automerge document.
#[derive(Debug, Clone)]
pub struct RecordDoc {
    doc: AutoCommit,
    /// The person whose local changes these are, named in their change messages (see
    /// [`crate::operator`]); `None` for changes made through the CLI or API.
    operator: Option<OperatorName>,
}

impl RecordDoc {
    /// Creates a record for `application` and returns it with the change that created it.
    pub fn create(
        author: &NodeId,
        batch: BatchNumber,
        recommender: &RecommenderId,
        application: &Application,
        now: Timestamp,
    ) -> Result<(Self, Change), RecordError> {
        Self::create_as(author, batch, recommender, application, now, None)
    }

    /// [`RecordDoc::create`] by a named person, whose name the creating change carries.
    pub fn create_as(
        author: &NodeId,
        batch: BatchNumber,
        recommender: &RecommenderId,
        application: &Application,
        now: Timestamp,
        operator: Option<OperatorName>,
    ) -> Result<(Self, Change), RecordError> {
        let mut doc = AutoCommit::new().with_actor(author.actor_id());
        doc.put(ROOT, "type", "application").map_err(edit_error)?;
        doc.put(ROOT, "batch", u64::from(batch.0))
            .map_err(edit_error)?;
        doc.put(ROOT, "recommender", recommender.as_str())
            .map_err(edit_error)?;
        doc.put(ROOT, "status", Status::Draft.key())
            .map_err(edit_error)?;
        doc.put_object(ROOT, "form", ObjType::Map)
            .map_err(edit_error)?;
        let mut record = Self { doc, operator };
        record.write_form(application, &Application::default(), true)?;
        let change = record
            .commit(now)?
            .ok_or(RecordError::Edit("nothing to create".into()))?;
        Ok((record, change))
    }

    /// An empty document for `actor`, into which a replica applies a record's verified changes.
    pub fn empty(actor: &NodeId) -> Self {
        Self {
            doc: AutoCommit::new().with_actor(actor.actor_id()),
            operator: None,
        }
    }

    /// Loads a saved document (a snapshot this node wrote, or an export), for edits by `actor`.
    pub fn load(bytes: &[u8], actor: &NodeId) -> Result<Self, RecordError> {
        let doc = guarded(|| AutoCommit::load(bytes))?;
        Ok(Self {
            doc: doc.with_actor(actor.actor_id()),
            operator: None,
        })
    }

    /// The whole document in Automerge's binary format, loadable by any Automerge implementation.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// [`RecordDoc::save`] without Automerge's own deflate, for the node's store: RocksDB
    /// compresses every value with zstd already, and deflating each new record's columns first
    /// was about 3 % of the ministry's CPU in the country scenario. Loads as any saved document.
    pub fn save_for_store(&mut self) -> Vec<u8> {
        self.doc.save_nocompress()
    }

    /// Applies verified changes from the feed. Changes whose dependencies have not arrived yet
    /// are held by Automerge until they do.
    pub fn apply(&mut self, changes: impl IntoIterator<Item = Change>) -> Result<(), RecordError> {
        let changes: Vec<Change> = changes.into_iter().collect();
        let applied = guarded(|| self.doc.apply_changes(changes));
        self.forget_patches();
        applied
    }

    /// Drops the events Automerge's patch log gathered while changes were applied. Automerge
    /// 0.12 records a text splice event for every inserted character even when its log is
    /// inactive, and keeps them until the document is dropped: about one event per operation,
    /// held by every cached document (a real application holds 12,000 operations). No reader
    /// here uses them (history diffs build their own log), so they go at once, off the node's
    /// lock when the document was built ahead.
    fn forget_patches(&mut self) {
        self.doc.reset_diff_cursor();
    }

    /// Merges another replica's document into this one.
    pub fn merge(&mut self, other: &mut RecordDoc) -> Result<(), RecordError> {
        let merged = guarded(|| self.doc.merge(&mut other.doc).map(|_| ()));
        self.forget_patches();
        merged
    }

    /// Whether the document holds the change with this hash.
    pub fn has_change(&mut self, hash: &automerge::ChangeHash) -> bool {
        self.doc.get_change_by_hash(hash).is_some()
    }

    pub fn heads(&mut self) -> Vec<automerge::ChangeHash> {
        self.doc.get_heads()
    }

    /// The operations the document holds: what its memory grows with (about 250 bytes each in
    /// memory; the example application's document holds 12,428).
    pub fn operations(&self) -> u64 {
        self.doc.stats().num_ops
    }

    /// Every change in the document, in causal order. Guarded: Automerge panics here when the
    /// document holds a change whose dependencies never arrived (found by the `ingest_apply`
    /// fuzz target; the input is kept in fuzz/regressions).
    pub fn changes(&mut self) -> Result<Vec<Change>, RecordError> {
        let missing = self.doc.get_missing_deps(&[]);
        if !missing.is_empty() {
            return Err(RecordError::Malformed(format!(
                "the document holds changes whose {} dependencies never arrived",
                missing.len()
            )));
        }
        guarded(|| Ok(self.doc.get_changes(&[])))
    }

    /// The status, derived from the submission and withdrawal acts in the document's history
    /// (see [`crate::acts`]), never from the last value written to the `status` key.
    pub fn status(&mut self) -> Result<Status, RecordError> {
        let heads = self.doc.get_heads();
        Ok(self.change_graph()?.status_at(&heads))
    }

    /// The causal graph of the document's changes with the acts marked, read from the changes'
    /// metadata (no operations are decoded).
    pub fn change_graph(&mut self) -> Result<ChangeGraph, RecordError> {
        if !self.doc.get_missing_deps(&[]).is_empty() {
            return Err(RecordError::Malformed(
                "the document holds changes whose dependencies never arrived".into(),
            ));
        }
        let metas = guarded(|| Ok(self.doc.get_changes_meta(&[])))?;
        let mut graph = ChangeGraph::default();
        for meta in metas {
            let act = classify(
                meta.message.as_deref(),
                !meta.deps.is_empty(),
                meta.max_op.saturating_sub(meta.start_op).saturating_add(1) as usize,
            )
            .ok()
            .and_then(|kind| match kind {
                crate::acts::ChangeKind::Act(act) => Some(act),
                _ => None,
            });
            graph.insert(meta.hash, meta.deps.clone(), act);
        }
        Ok(graph)
    }

    /// The heads of the submission: the latest submission acts when the record is submitted.
    /// The application at these heads is what was submitted; changes concurrent with the
    /// submission are in the document but not in the submission.
    pub fn submission_heads(&mut self) -> Result<Option<Vec<automerge::ChangeHash>>, RecordError> {
        let heads = self.doc.get_heads();
        let latest = self.change_graph()?.latest_acts(&heads);
        if crate::acts::status_of(&latest) != Status::Submitted {
            return Ok(None);
        }
        Ok(Some(latest.into_iter().map(|(hash, _)| hash).collect()))
    }

    /// The application as it stood at `heads` (for instance a submission's), or an error if the
    /// document does not hold them.
    pub fn application_at(
        &mut self,
        heads: &[automerge::ChangeHash],
    ) -> Result<Application, RecordError> {
        let doc = guarded(|| self.doc.fork_at(heads))?;
        Self {
            doc,
            operator: None,
        }
        .application()
    }

    pub fn batch(&self) -> Result<BatchNumber, RecordError> {
        match self.doc.get(ROOT, "batch") {
            Ok(Some((Value::Scalar(value), _))) => match value.as_ref() {
                ScalarValue::Uint(n) => u32::try_from(*n).ok().map(BatchNumber),
                ScalarValue::Int(n) => u32::try_from(*n).ok().map(BatchNumber),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| shape("batch", "a batch number", "something else"))
    }

    pub fn recommender(&self) -> Result<RecommenderId, RecordError> {
        let text = self.scalar_str(&ROOT, "recommender")?;
        text.parse()
            .map_err(|_| shape("recommender", "a recommender id", &text))
    }

    /// The application as the document holds it now.
    pub fn application(&self) -> Result<Application, RecordError> {
        let form = self.form()?;
        let mut application = Application {
            batch: self.batch()?.0,
            ..Application::default()
        };
        for spec in all_fields() {
            let value = match spec.kind {
                FieldKind::Prose(_) => FieldValue::Text(self.text_at(&form, spec.path)?),
                FieldKind::Line(_) => {
                    FieldValue::Text(self.optional_str(&form, spec.path)?.unwrap_or_default())
                }
                FieldKind::YesNo => FieldValue::YesNo(match self.doc.get(&form, spec.path) {
                    Ok(Some((Value::Scalar(value), _))) => match value.as_ref() {
                        ScalarValue::Boolean(b) => Some(*b),
                        _ => return Err(shape(spec.path, "yes or no", "something else")),
                    },
                    _ => None,
                }),
                FieldKind::Yuan => FieldValue::Yuan(match self.doc.get(&form, spec.path) {
                    Ok(Some((Value::Scalar(value), _))) => match value.as_ref() {
                        ScalarValue::Uint(n) => *n,
                        _ => {
                            return Err(shape(
                                spec.path,
                                "a whole number of yuan",
                                "something else",
                            ));
                        }
                    },
                    _ => 0,
                }),
                FieldKind::Areas => FieldValue::Areas(self.string_list(&form, spec.path)?),
            };
            application
                .set(spec.path, value)
                .map_err(|e| shape(spec.path, "a form value", &e.problem))?;
        }
        application.attachments = self.attachments(&form)?;
        Ok(application)
    }

    /// Brings the document to `application`, box by box, and returns the change, or `None` if
    /// nothing differed. A submitted record may not be edited: withdraw it first.
    pub fn update(
        &mut self,
        application: &Application,
        now: Timestamp,
    ) -> Result<Option<Change>, RecordError> {
        if self.status()? == Status::Submitted {
            return Err(RecordError::Frozen);
        }
        let current = self.application()?;
        self.write_form(application, &current, false)?;
        self.commit(now)
    }

    /// Submits the record (a draft, or a withdrawn record submitted again) with an explicit
    /// submission act.
    pub fn submit(&mut self, now: Timestamp) -> Result<Change, RecordError> {
        self.act(Act::Submit, now)
    }

    /// Withdraws a submitted record with an explicit withdrawal act.
    pub fn withdraw(&mut self, now: Timestamp) -> Result<Change, RecordError> {
        self.act(Act::Withdraw, now)
    }

    fn act(&mut self, act: Act, now: Timestamp) -> Result<Change, RecordError> {
        let status = self.status()?;
        let kind = crate::acts::ChangeKind::Act(act);
        if let Err(crate::acts::ActError::Transition { status, action }) =
            crate::acts::check_change(kind, status)
        {
            return Err(RecordError::Transition {
                from: status,
                action,
            });
        }
        // The `status` key mirrors the act for readers of the plain Automerge document; the
        // status itself is derived from the act's message and place in the history.
        self.doc
            .put(ROOT, "status", act.status().key())
            .map_err(edit_error)?;
        self.commit_with(now, Some(act.message()))?
            .ok_or(RecordError::Edit("status unchanged".into()))
    }

    /// Commits the pending operations as one change by the local actor, stamped with `now` in
    /// seconds since the epoch (Automerge's convention): the author's own clock, informational.
    fn commit(&mut self, now: Timestamp) -> Result<Option<Change>, RecordError> {
        self.commit_with(now, None)
    }

    /// Names the person whose local changes follow (`None`: nobody in particular).
    pub fn set_operator(&mut self, operator: Option<OperatorName>) {
        self.operator = operator;
    }

    fn commit_with(
        &mut self,
        now: Timestamp,
        message: Option<&str>,
    ) -> Result<Option<Change>, RecordError> {
        let mut options = CommitOptions::default().with_time(now.millis().div_euclid(1000));
        let message = match (&self.operator, message) {
            (Some(name), kind) => Some(message_with_operator(kind.unwrap_or(EDIT_MESSAGE), name)),
            (None, message) => message.map(str::to_string),
        };
        if let Some(message) = message {
            options = options.with_message(message);
        }
        let committed = self.doc.commit_with(options).is_some();
        self.forget_patches();
        if !committed {
            return Ok(None);
        }
        Ok(self.doc.get_last_local_change())
    }

    fn form(&self) -> Result<ObjId, RecordError> {
        match self.doc.get(ROOT, "form") {
            Ok(Some((Value::Object(ObjType::Map), id))) => Ok(id),
            _ => Err(shape("form", "a map", "something else")),
        }
    }

    /// Writes every box of `new` that differs from `old`. On creation every non-empty box is
    /// written.
    fn write_form(
        &mut self,
        new: &Application,
        old: &Application,
        creating: bool,
    ) -> Result<(), RecordError> {
        let form = self.form()?;
        for spec in all_fields() {
            let (Some(value), previous) = (new.get(spec.path), old.get(spec.path)) else {
                continue;
            };
            if !creating && previous.as_ref() == Some(&value) {
                continue;
            }
            match (spec.kind, value) {
                (FieldKind::Prose(_), FieldValue::Text(text)) => {
                    let obj = match self.doc.get(&form, spec.path) {
                        Ok(Some((Value::Object(ObjType::Text), id))) => id,
                        _ => self
                            .doc
                            .put_object(&form, spec.path, ObjType::Text)
                            .map_err(edit_error)?,
                    };
                    self.doc.update_text(&obj, &text).map_err(edit_error)?;
                }
                (_, FieldValue::Text(text)) if text.is_empty() => {
                    if !creating {
                        self.doc.delete(&form, spec.path).map_err(edit_error)?;
                    }
                }
                (_, FieldValue::Text(text)) => {
                    self.doc.put(&form, spec.path, text).map_err(edit_error)?
                }
                (_, FieldValue::YesNo(None)) => {
                    if !creating {
                        self.doc.delete(&form, spec.path).map_err(edit_error)?;
                    }
                }
                (_, FieldValue::YesNo(Some(answer))) => {
                    self.doc.put(&form, spec.path, answer).map_err(edit_error)?
                }
                (_, FieldValue::Yuan(yuan)) => {
                    self.doc.put(&form, spec.path, yuan).map_err(edit_error)?
                }
                (_, FieldValue::Areas(areas)) => {
                    let list = self
                        .doc
                        .put_object(&form, spec.path, ObjType::List)
                        .map_err(edit_error)?;
                    for (index, area) in areas.iter().enumerate() {
                        self.doc
                            .insert(&list, index, area.as_str())
                            .map_err(edit_error)?;
                    }
                }
            }
        }
        if creating || new.attachments != old.attachments {
            let list = self
                .doc
                .put_object(&form, "attachments", ObjType::List)
                .map_err(edit_error)?;
            for (index, attachment) in new.attachments.iter().enumerate() {
                let item = self
                    .doc
                    .insert_object(&list, index, ObjType::Map)
                    .map_err(edit_error)?;
                self.doc
                    .put(&item, "kind", attachment.kind.as_str())
                    .map_err(edit_error)?;
                self.doc
                    .put(&item, "file", attachment.file.as_str())
                    .map_err(edit_error)?;
                if let Some(hash) = &attachment.blake3 {
                    self.doc
                        .put(&item, "blake3", hash.as_str())
                        .map_err(edit_error)?;
                }
                if let Some(size) = attachment.size {
                    self.doc.put(&item, "size", size).map_err(edit_error)?;
                }
            }
        }
        Ok(())
    }

    fn scalar_str(&self, obj: &ObjId, key: &str) -> Result<String, RecordError> {
        self.optional_str(obj, key)?
            .ok_or_else(|| shape(key, "text", "nothing"))
    }

    fn optional_str(&self, obj: &ObjId, key: &str) -> Result<Option<String>, RecordError> {
        match self.doc.get(obj, key) {
            Ok(None) => Ok(None),
            Ok(Some((Value::Scalar(value), _))) => match value.as_ref() {
                ScalarValue::Str(text) => Ok(Some(text.to_string())),
                other => Err(shape(key, "text", &format!("{other:?}"))),
            },
            Ok(Some((Value::Object(ObjType::Text), id))) => {
                self.doc.text(&id).map(Some).map_err(edit_error)
            }
            _ => Err(shape(key, "text", "an object")),
        }
    }

    fn text_at(&self, obj: &ObjId, key: &str) -> Result<String, RecordError> {
        Ok(self.optional_str(obj, key)?.unwrap_or_default())
    }

    fn string_list(&self, obj: &ObjId, key: &str) -> Result<Vec<String>, RecordError> {
        let list = match self.doc.get(obj, key) {
            Ok(None) => return Ok(Vec::new()),
            Ok(Some((Value::Object(ObjType::List), id))) => id,
            _ => return Err(shape(key, "a list", "something else")),
        };
        (0..self.doc.length(&list))
            .map(|index| match self.doc.get(&list, index) {
                Ok(Some((Value::Scalar(value), _))) => match value.as_ref() {
                    ScalarValue::Str(text) => Ok(text.to_string()),
                    _ => Err(shape(key, "a list of text", "another value")),
                },
                _ => Err(shape(key, "a list of text", "an object")),
            })
            .collect()
    }

    fn attachments(&self, form: &ObjId) -> Result<Vec<Attachment>, RecordError> {
        let list = match self.doc.get(form, "attachments") {
            Ok(None) => return Ok(Vec::new()),
            Ok(Some((Value::Object(ObjType::List), id))) => id,
            _ => return Err(shape("attachments", "a list", "something else")),
        };
        (0..self.doc.length(&list))
            .map(|index| match self.doc.get(&list, index) {
                Ok(Some((Value::Object(ObjType::Map), item))) => Ok(Attachment {
                    kind: self.optional_str(&item, "kind")?.unwrap_or_default(),
                    file: self.optional_str(&item, "file")?.unwrap_or_default(),
                    blake3: self.optional_str(&item, "blake3")?,
                    size: match self.doc.get(&item, "size") {
                        Ok(Some((Value::Scalar(value), _))) => match value.as_ref() {
                            ScalarValue::Uint(n) => Some(*n),
                            _ => None,
                        },
                        _ => None,
                    },
                }),
                _ => Err(shape("attachments", "a list of maps", "something else")),
            })
            .collect()
    }
}

/// One change in a record's history: who made it, when (by the author's clock), and which boxes
/// it touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryItem {
    /// The Automerge change hash, in hex.
    pub change: String,
    /// The actor, which is the signing node's id, in hex.
    pub actor: String,
    pub time: Timestamp,
    /// The person the change message names (changes made in the web interface).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The dotted paths of the boxes changed, plus `status` and `attachments` when they changed.
    pub fields: Vec<String>,
}

impl RecordDoc {
    /// Replays the document's changes one by one and reports what each touched.
    pub fn history(&mut self) -> Result<Vec<HistoryItem>, RecordError> {
        let changes = self.changes()?;
        let mut replay = AutoCommit::new();
        let mut items = Vec::with_capacity(changes.len());
        for change in changes {
            let before = replay.get_heads();
            let item = HistoryItem {
                change: change.hash().to_string(),
                actor: change.actor_id().to_hex_string(),
                time: Timestamp::from_millis(change.timestamp().saturating_mul(1000)),
                operator: operator_of(change.message()).map(str::to_string),
                fields: Vec::new(),
            };
            guarded(|| replay.apply_changes([change]))?;
            let after = replay.get_heads();
            let mut fields: Vec<String> = replay
                .diff(&before, &after)
                .into_iter()
                .filter_map(|patch| touched_field(&patch))
                .collect();
            fields.sort();
            fields.dedup();
            items.push(HistoryItem { fields, ..item });
        }
        Ok(items)
    }
}

/// One change of a record's history with the boxes it changed, each from what to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryDiff {
    pub item: HistoryItem,
    pub changes: Vec<crate::diff::BoxChange>,
}

impl RecordDoc {
    /// The history with each change's per-box differences: the changes are replayed in order
    /// and the application read after each, compared with the one before (a blank form before
    /// the first); the status is compared at the same heads.
    pub fn history_diffs(&mut self) -> Result<Vec<HistoryDiff>, RecordError> {
        let items = self.history()?;
        let graph = self.change_graph()?;
        let changes = self.changes()?;
        let mut replay = Self {
            doc: AutoCommit::new(),
            operator: None,
        };
        let mut application = Application::default();
        let mut status = graph.status_at(&[]);
        let mut diffs = Vec::with_capacity(items.len());
        for (item, change) in items.into_iter().zip(changes) {
            guarded(|| replay.doc.apply_changes([change]))?;
            // A version that does not read as an application (none should) shows no box
            // changes rather than hiding the change.
            let next = replay.application().unwrap_or_else(|_| application.clone());
            let next_status = graph.status_at(&replay.doc.get_heads());
            let mut changes = crate::diff::box_changes(&application, &next);
            changes.extend(crate::diff::status_change(status, next_status));
            (application, status) = (next, next_status);
            diffs.push(HistoryDiff { item, changes });
        }
        Ok(diffs)
    }
}

/// The box a patch touched: a key of the root or of the `form` map, or the box that holds the
/// text or list being edited.
fn touched_field(patch: &automerge::Patch) -> Option<String> {
    let key_of = |prop: &Prop| match prop {
        Prop::Map(key) => Some(key.clone()),
        Prop::Seq(_) => None,
    };
    match patch.path.as_slice() {
        [] => match &patch.action {
            PatchAction::PutMap { key, .. } if key != "form" => Some(key.clone()),
            _ => None,
        },
        [(_, Prop::Map(form))] if form == "form" => match &patch.action {
            PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => Some(key.clone()),
            _ => None,
        },
        [(_, Prop::Map(form)), (_, field), ..] if form == "form" => key_of(field),
        [(_, top), ..] => key_of(top),
    }
}

fn shape(field: &str, expected: &'static str, found: &str) -> RecordError {
    RecordError::Shape {
        field: field.to_string(),
        expected,
        found: found.chars().take(80).collect(),
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
