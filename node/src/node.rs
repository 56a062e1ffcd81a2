//! The node: its key, configuration, store, roster and batches, and every operation the API
//! offers. One `Node` value owns the database's writes; the API holds it behind a mutex, so
//! operations are serialised and each one is a single synced write batch.
//!
//! Each write follows the same path: check the request (validation comes from `common`), make the
//! Automerge change on the loaded document, wrap it in this node's next feed entry, sign it,
//! and commit entry, feed head, snapshot, summary and indexes together. Only then is the
//! document put back in the cache and the caller answered.

use std::collections::BTreeMap;

use fedrec_common::batch::Batch;
use fedrec_common::feed::Entry;
use fedrec_common::form::{Application, Attachment, AttachmentKind, FieldError};
use fedrec_common::i18n::{self, s, tr};
use fedrec_common::identity::{NodeId, NodeKey};
use fedrec_common::ids::{DocId, RecommenderId, RecordId, Topic};
use fedrec_common::record::{HistoryItem, RecordDoc, RecordError, Status};
use fedrec_common::roster::{KeyRole, Roster, SignedRoster};
use fedrec_common::signed::SignedText;
use fedrec_common::timestamp::Timestamp;
use fedrec_config::{NodeConfig, Role};
use serde::{Deserialize, Serialize};

use crate::metrics::Metrics;
use crate::records::{DocCache, RecordSummary};
use crate::store::{Store, StoreError};

/// Documents kept loaded at once.
const CACHE_CAPACITY: usize = 64;

/// Why an operation was refused; each maps to one HTTP status and CLI exit code.
///
/// The texts are worded from the catalogue (`common/locales/*/errors.ftl`) when the error is
/// made, in the language of the reader the thread works for ([`i18n::speaking`]): the API runs
/// each request's work in the language the request asked for.
#[derive(Debug)]
pub enum NodeError {
    BadRequest(String),
    Invalid(Vec<FieldError>),
    NotFound(String),
    Forbidden(String),
    Conflict(String),
    /// The node cannot write yet (see [`Node::ensure_writable`]).
    Unavailable(String),
    TooLarge {
        what: String,
        size: u64,
        limit: u64,
    },
    Store(StoreError),
    Record(RecordError),
}

impl std::fmt::Display for NodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            NodeError::BadRequest(text)
            | NodeError::NotFound(text)
            | NodeError::Forbidden(text)
            | NodeError::Conflict(text)
            | NodeError::Unavailable(text) => return f.write_str(text),
            NodeError::Invalid(problems) => tr(
                "error-invalid-application",
                &[("count", s(problems.len().to_string()))],
            ),
            NodeError::TooLarge { what, size, limit } => tr(
                "error-too-large",
                &[
                    ("what", s(what.as_str())),
                    ("size", s(size.to_string())),
                    ("limit", s(limit.to_string())),
                ],
            ),
            NodeError::Store(error) => tr("error-storage", &[("detail", s(i18n::worded(error)))]),
            NodeError::Record(error) => tr(
                "error-record-document",
                &[("detail", s(i18n::worded(error)))],
            ),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for NodeError {}

impl From<StoreError> for NodeError {
    fn from(error: StoreError) -> Self {
        NodeError::Store(error)
    }
}

impl From<RecordError> for NodeError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::Frozen | RecordError::Transition { .. } => {
                NodeError::Conflict(i18n::worded(&error))
            }
            other => NodeError::Record(other),
        }
    }
}

/// How an edit is given: a whole application, or single boxes by dotted path.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    #[serde(default)]
    pub application: Option<Application>,
    #[serde(default)]
    pub set: BTreeMap<String, String>,
}

/// A record as the API shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct RecordView {
    pub summary: RecordSummary,
    /// The application as the document holds it now.
    pub application: Application,
    /// For a submitted record, the application as submitted: at the heads the ministry's
    /// receipt pinned when this node holds it, else at the submission acts this node sees.
    /// Reviews, exports, the printable page and the published list show this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_submitted: Option<Application>,
    /// The boxes (dotted paths) where the document differs from the submission: edits made
    /// concurrently with the submission, which merged into the document but not into it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_since_submission: Vec<String>,
}

/// One line of a record's history, with the author named from the roster.
#[derive(Debug, Serialize, Deserialize)]
pub struct HistoryLine {
    #[serde(flatten)]
    pub item: HistoryItem,
    pub author: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FeedStatus {
    pub author: NodeId,
    pub topic: Topic,
    pub seq: u64,
}

/// What `fedrec status` shows.
#[derive(Debug, Serialize, Deserialize)]
pub struct NodeStatus {
    pub node_id: NodeId,
    pub peer_id: String,
    pub role: String,
    pub name: String,
    pub recommender: Option<RecommenderId>,
    pub roster_version: Option<u64>,
    /// When the ministry signed the roster this node holds (absent for rosters signed before
    /// rosters carried their issue time).
    #[serde(default)]
    pub roster_issued_at: Option<Timestamp>,
    pub batches: Vec<u32>,
    pub feeds: Vec<FeedStatus>,
    pub records: BTreeMap<String, u64>,
    pub quarantine: u64,
    pub loaded_documents: usize,
    /// Connected peers (filled in by the API from the network loop).
    #[serde(default)]
    pub peers: Vec<crate::net::PeerInfo>,
}

/// The roster and batch definitions as they travel between nodes before any network exists.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterBundle {
    pub roster: SignedRoster,
    pub batches: Vec<SignedText>,
}

pub struct Node {
    key: NodeKey,
    config: NodeConfig,
    store: Store,
    cache: DocCache,
    pub metrics: std::sync::Arc<Metrics>,
    /// Whether this node may sign new entries on every topic: true for a node started
    /// `--offline` (or opened directly, as tests and the benchmarks do), false for a daemon
    /// until peers have shown it its own feeds' true heads (see [`Node::ensure_writable`]).
    writable: bool,
    /// The topics whose own feed heads a peer that may read them has confirmed since start-up.
    confirmed: std::collections::BTreeSet<Topic>,
    /// The roster as last read and verified, with the store's roster generation then (see
    /// `Store::roster_generation`), and the batch definitions by the signatures they were
    /// verified under: verifying a roster checks every key (a scalar multiplication each), and
    /// even reading it decodes a few hundred keys' text, far too slow to repeat for every
    /// request and round with hundreds of offices.
    verified_roster: std::cell::RefCell<Option<(u64, Option<std::sync::Arc<Roster>>)>>,
    verified_batches: std::cell::RefCell<Option<VerifiedBatches>>,
    /// The person on whose behalf the web interface is writing, named in the changes' messages;
    /// set only for the length of one operation (see [`Node::as_operator`]).
    operator: Option<fedrec_common::operator::OperatorName>,
    /// Whether intake writes the ministry's receipts right after its commit. Only a test turns
    /// it off, to stand for a crash between the two.
    pub(crate) receipts_after_intake: bool,
    /// What each peer was last seen to hold of the feeds shared with it, for `status`.
    pub(crate) peer_heads:
        std::collections::HashMap<NodeId, Vec<fedrec_common::sync::FeedPosition>>,
    /// Parked changes per author, across documents: loaded from the store when intake first
    /// needs it, then kept in step by intake's commits.
    pub(crate) parked_tally: Option<crate::parking::ParkedTally>,
    /// The ministry's receipts read so far (see [`crate::ministry::ReceiptLog`]).
    pub(crate) receipt_log: crate::ministry::ReceiptLog,
    /// Each recommender's verdicts by the hash of the decisions snapshot they were read from
    /// (see [`Node::verdicts_of`]).
    pub(crate) verdicts_cache: std::cell::RefCell<
        std::collections::HashMap<
            fedrec_common::ids::RecommenderId,
            (fedrec_common::identity::Hash32, crate::ministry::Verdicts),
        >,
    >,
    /// Topics this node signed entries on outside the API's writes (the ministry's receipts and
    /// verdicts), since the network last asked: it starts rounds with the peers who read them,
    /// as it does for entries learned from a peer.
    pub(crate) written_topics: std::collections::BTreeSet<fedrec_common::ids::Topic>,
    /// When this node last answered each peer's digest with its heads: that peer is pushing
    /// what it holds beyond them, so this node's own round with it fetches none of that
    /// ([`fedrec_common::sync::push_awaited`]).
    pub(crate) digests_answered:
        std::collections::HashMap<NodeId, fedrec_common::timestamp::Timestamp>,
    /// When this node started a round with each peer because the connection to it had just
    /// been established: the peer starts one at the same moment and pushes what it holds beyond
    /// this node's heads, so this round fetches none of that. Taken by the round's plan.
    pub(crate) rounds_at_connect:
        std::collections::HashMap<NodeId, fedrec_common::timestamp::Timestamp>,
    /// Peers whose last round plan was cut short by its [`fedrec_common::sync::RoundBudget`]:
    /// the network starts another round with them as soon as the current one ends.
    pub(crate) unfinished_rounds: std::collections::HashSet<NodeId>,
    /// Who may connect, as the roster stands: published after every roster change, so the
    /// network's gate decides from its own copy without this node's mutex.
    admitted: tokio::sync::watch::Sender<std::sync::Arc<crate::net::gate::Admitted>>,
    /// Where every time this node writes comes from (see [`crate::clock`]).
    clock: crate::clock::Clock,
    /// The rules the ministry decides by: always [`rules::evaluate`], except where the
    /// simulator plants a flawed ministry to show that its checker catches it.
    pub(crate) rules: Rules,
}

/// How the ministry turns a batch's receipts into verdicts.
pub type Rules =
    fn(
        &Batch,
        &Roster,
        &[fedrec_common::rules::Receipt],
    ) -> BTreeMap<fedrec_common::rules::RecordKey, fedrec_common::rules::RecordVerdict>;

/// Batch definitions as verified, with the signatures they were verified under.
type VerifiedBatches = (Vec<String>, BTreeMap<u32, Batch>);

/// The system clock's time, for what is not the node's own record (sessions, logs, the
/// network's timers). A node's writes read [`Node::now`].
pub fn now() -> Timestamp {
    crate::clock::system_now()
}

impl Node {
    pub fn new(
        key: NodeKey,
        config: NodeConfig,
        store: Store,
        metrics: std::sync::Arc<Metrics>,
    ) -> Self {
        let ministry = match &config.ministry {
            Some(peer) => peer.key,
            None => key.id(),
        };
        let nobody = crate::net::gate::Admitted::new(ministry, None, Vec::new());
        let cache = DocCache::new(CACHE_CAPACITY, config.limits.doc_cache_max_operations);
        let node = Self {
            admitted: tokio::sync::watch::channel(std::sync::Arc::new(nobody)).0,
            key,
            config,
            store,
            cache,
            metrics,
            writable: true,
            confirmed: std::collections::BTreeSet::new(),
            operator: None,
            receipts_after_intake: true,
            verified_roster: std::cell::RefCell::new(None),
            verified_batches: std::cell::RefCell::new(None),
            peer_heads: std::collections::HashMap::new(),
            unfinished_rounds: std::collections::HashSet::new(),
            digests_answered: std::collections::HashMap::new(),
            rounds_at_connect: std::collections::HashMap::new(),
            written_topics: std::collections::BTreeSet::new(),
            parked_tally: None,
            receipt_log: crate::ministry::ReceiptLog::default(),
            verdicts_cache: std::cell::RefCell::default(),
            clock: crate::clock::Clock::System,
            rules: fedrec_common::rules::evaluate,
        };
        node.publish_admitted();
        node
    }

    /// A node as the daemon starts it. Restore protection, for every role: until peers that
    /// hold this node's feeds confirm their heads, it signs nothing (see
    /// [`Node::ensure_writable`]); `offline` is the one override. On the ministry, the receipts
    /// and decisions a crash interrupted are finished before anything else (see `intake`).
    /// The simulator starts and restarts its nodes through this too.
    pub fn start(
        key: NodeKey,
        config: NodeConfig,
        store: Store,
        metrics: std::sync::Arc<Metrics>,
        clock: crate::clock::Clock,
        offline: bool,
    ) -> Self {
        let mut node = Node::new(key, config, store, metrics);
        node.clock = clock;
        if !offline {
            node.set_writable(false);
            tracing::info!("writes wait until peers confirm this node's own feed heads");
        }
        if node.is_ministry() {
            node.resume_receipts();
            if let Err(error) = node.decide_all() {
                tracing::error!(%error, "cannot decide at start-up; decided again at the next receipt");
            }
        }
        node
    }

    /// Takes a new snapshot of who may connect, and tells the network if it changed.
    pub(crate) fn publish_admitted(&self) {
        let roster = match self.shared_roster() {
            Ok(roster) => roster,
            Err(error) => {
                tracing::error!(%error, "cannot read the roster; the gate keeps its last snapshot");
                return;
            }
        };
        let admitted = crate::net::gate::Admitted::new(
            self.ministry_key(),
            roster.as_deref(),
            self.configured_peers(),
        );
        self.admitted.send_if_modified(|current| {
            let changed = **current != admitted;
            if changed {
                *current = std::sync::Arc::new(admitted);
            }
            changed
        });
    }

    /// Snapshots of who may connect: the current one at once, then one per roster change.
    pub fn admitted_updates(
        &self,
    ) -> tokio::sync::watch::Receiver<std::sync::Arc<crate::net::gate::Admitted>> {
        self.admitted.subscribe()
    }

    /// Whether a peer with this key may sync with this node at all.
    pub fn admits(&self, peer: &NodeId) -> bool {
        self.admitted.borrow().admits(peer)
    }

    pub fn id(&self) -> NodeId {
        self.key.id()
    }

    /// The time this node writes now, from its clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Sets where this node reads the time (the system clock unless set).
    pub fn set_clock(&mut self, clock: crate::clock::Clock) {
        self.clock = clock;
    }

    /// Replaces the rules the ministry decides by. Nothing the daemon runs calls this: the
    /// simulator plants a flawed ministry with it, to show that its checker catches one.
    pub fn plant_rules(&mut self, rules: Rules) {
        self.rules = rules;
    }

    /// Whether intake writes the ministry's receipts right after its commit (it does unless
    /// turned off). The simulator turns it off and calls [`Node::resume_receipts`] itself, as a
    /// separate step, so that a crash can fall between a merge and its receipt.
    pub fn set_receipts_after_intake(&mut self, on: bool) {
        self.receipts_after_intake = on;
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The ministry's key: this node's own on the ministry, the configured trust root elsewhere.
    pub(crate) fn ministry_key(&self) -> NodeId {
        match &self.config.ministry {
            Some(peer) => peer.key,
            None => self.key.id(),
        }
    }

    pub fn roster(&self) -> Result<Option<Roster>, NodeError> {
        Ok(self.shared_roster()?.map(|roster| (*roster).clone()))
    }

    /// [`Node::roster`] without copying it: for the paths that read it for every round and
    /// message.
    pub(crate) fn shared_roster(&self) -> Result<Option<std::sync::Arc<Roster>>, NodeError> {
        let generation = self.store.roster_generation();
        if let Some((held, roster)) = self.verified_roster.borrow().as_ref()
            && *held == generation
        {
            return Ok(roster.clone());
        }
        let signed: Option<SignedRoster> = self.store.meta(crate::store::ROSTER_META)?;
        let roster = match signed {
            None => None,
            Some(signed) => Some(std::sync::Arc::new(
                signed.verify(&self.ministry_key()).map_err(|e| {
                    NodeError::Store(StoreError::Corrupt {
                        what: "roster".into(),
                        problem: e.to_string(),
                    })
                })?,
            )),
        };
        *self.verified_roster.borrow_mut() = Some((generation, roster.clone()));
        Ok(roster)
    }

    /// Batch definitions: those the ministry signed, then the configured files for batches the
    /// ministry has not published here yet.
    pub fn batches(&self) -> Result<BTreeMap<u32, Batch>, NodeError> {
        let mut batches = BTreeMap::new();
        for path in &self.config.batch_files {
            if let Ok(batch) = fedrec_config::load_batch(path) {
                batches.insert(batch.number.0, batch);
            }
        }
        let mut signed_batches = Vec::new();
        for name in self.store.meta_keys("batch/")? {
            if let Some(signed) = self.store.meta::<SignedText>(&name)? {
                signed_batches.push(signed);
            }
        }
        let signatures: Vec<String> = signed_batches.iter().map(|s| s.signature.clone()).collect();
        let cached = self
            .verified_batches
            .borrow()
            .as_ref()
            .filter(|(held, _)| *held == signatures)
            .map(|(_, verified)| verified.clone());
        let verified = match cached {
            Some(verified) => verified,
            None => {
                let verified: BTreeMap<u32, Batch> = signed_batches
                    .iter()
                    .filter_map(|s| Batch::verify_signed(s, &self.ministry_key()).ok())
                    .map(|batch| (batch.number.0, batch))
                    .collect();
                *self.verified_batches.borrow_mut() = Some((signatures, verified.clone()));
                verified
            }
        };
        batches.extend(verified);
        Ok(batches)
    }

    fn batch_for(&self, application: &Application) -> Result<Batch, NodeError> {
        self.batches()?.remove(&application.batch).ok_or_else(|| {
            NodeError::Invalid(vec![FieldError::new(
                "batch",
                "no-batch",
                &[("batch", application.batch.to_string())],
            )])
        })
    }

    pub(crate) fn own_recommender(&self) -> Result<RecommenderId, NodeError> {
        match (self.config.role, &self.config.recommender) {
            (Role::Ministry, _) => Err(NodeError::Forbidden(tr(
                "error-ministry-writes-no-records",
                &[],
            ))),
            (_, Some(id)) => Ok(id.clone()),
            (_, None) => Err(NodeError::Forbidden(tr("error-no-recommender", &[]))),
        }
    }

    fn validate(&self, application: &Application) -> Result<(), NodeError> {
        let batch = self.batch_for(application)?;
        let problems = application.validate(&batch);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(NodeError::Invalid(problems))
        }
    }

    /// Creates a record from a valid application; returns its summary.
    pub fn create_record(&mut self, application: Application) -> Result<RecordSummary, NodeError> {
        self.ensure_writable()?;
        let recommender = self.own_recommender()?;
        self.validate(&application)?;
        let now = self.now();
        let topic = Topic::Recommender(recommender.clone());
        let seq = self.next_seq(&topic)?;
        let batch = fedrec_common::batch::BatchNumber(application.batch);
        let doc = DocId::Record {
            batch,
            recommender: recommender.clone(),
            record: RecordId::derive(&self.id(), &topic, seq),
        };
        let (record, change) = RecordDoc::create_as(
            &self.id(),
            batch,
            &recommender,
            &application,
            now,
            self.operator.clone(),
        )?;
        self.write(doc, record, change, &application, None, now)
    }

    /// Applies an edit to a draft; returns the summary, unchanged if nothing differed.
    pub fn edit_record(&mut self, id: &str, edit: EditRequest) -> Result<RecordSummary, NodeError> {
        self.ensure_writable()?;
        let (summary, mut record) = self.load_own(id)?;
        let mut application = match edit.application {
            Some(application) => application,
            None => record.application()?,
        };
        for (path, value) in &edit.set {
            application
                .set_from_text(path, value)
                .map_err(|e| NodeError::BadRequest(i18n::field_error(i18n::reader(), &e)))?;
        }
        if application.batch != summary.batch.0 {
            return Err(NodeError::BadRequest(tr(
                "error-batch-move",
                &[
                    ("id", s(id)),
                    ("held", s(summary.batch.to_string())),
                    ("asked", s(application.batch.to_string())),
                ],
            )));
        }
        let current = record.application()?;
        // Attachments keep their stored content when an edit names the same file.
        for attachment in &mut application.attachments {
            if attachment.blake3.is_none()
                && let Some(stored) = current
                    .attachments
                    .iter()
                    .find(|a| a.file == attachment.file && a.kind == attachment.kind)
            {
                attachment.blake3.clone_from(&stored.blake3);
                attachment.size = stored.size;
            }
        }
        self.validate(&application)?;
        let now = self.now();
        match record.update(&application, now)? {
            None => {
                self.cache.put(summary.doc.clone(), record);
                Ok(summary)
            }
            Some(change) => self.write(
                summary.doc.clone(),
                record,
                change,
                &application,
                Some(&summary),
                now,
            ),
        }
    }

    pub fn submit(&mut self, id: &str) -> Result<RecordSummary, NodeError> {
        self.ensure_writable()?;
        let (summary, mut record) = self.load_own(id)?;
        self.ensure_may_act(&summary)?;
        let application = record.application()?;
        self.validate(&application)?;
        let now = self.now();
        let change = record.submit(now)?;
        self.write(
            summary.doc.clone(),
            record,
            change,
            &application,
            Some(&summary),
            now,
        )
    }

    pub fn withdraw(&mut self, id: &str) -> Result<RecordSummary, NodeError> {
        self.ensure_writable()?;
        let (summary, mut record) = self.load_own(id)?;
        self.ensure_may_act(&summary)?;
        let application = record.application()?;
        let now = self.now();
        let change = record.withdraw(now)?;
        self.write(
            summary.doc.clone(),
            record,
            change,
            &application,
            Some(&summary),
            now,
        )
    }

    /// Stores a file (once per content) and lists it on the record.
    pub fn attach(
        &mut self,
        id: &str,
        kind: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<RecordSummary, NodeError> {
        self.ensure_writable()?;
        let limit = self.config.max_attachment_bytes;
        if bytes.len() as u64 > limit {
            return Err(NodeError::TooLarge {
                what: format!("attachment {name}"),
                size: bytes.len() as u64,
                limit,
            });
        }
        if AttachmentKind::parse(kind).is_none() {
            return Err(NodeError::BadRequest(tr(
                "error-attachment-kind",
                &[("kind", s(kind))],
            )));
        }
        if bytes.is_empty() {
            return Err(NodeError::BadRequest(tr(
                "error-attachment-empty",
                &[("name", s(name))],
            )));
        }
        let (summary, mut record) = self.load_own(id)?;
        let mut application = record.application()?;
        let hash = *blake3::hash(bytes).as_bytes();
        let attachment = Attachment {
            kind: kind.to_string(),
            file: name.to_string(),
            blake3: Some(hex::encode(hash)),
            size: Some(bytes.len() as u64),
        };
        match application.attachments.iter_mut().find(|a| a.file == name) {
            Some(existing) => *existing = attachment,
            None => application.attachments.push(attachment),
        }
        self.validate(&application)?;
        let now = self.now();
        let Some(change) = record.update(&application, now)? else {
            self.cache.put(summary.doc.clone(), record);
            return Ok(summary);
        };
        let store_bytes = !self.store.has_attachment(&hash)?;
        self.write_with(
            summary.doc.clone(),
            record,
            change,
            &application,
            Some(&summary),
            now,
            |batch| {
                if store_bytes {
                    batch.attachment(&hash, bytes);
                }
            },
        )
    }

    pub fn record(&mut self, id: &str) -> Result<RecordView, NodeError> {
        let (summary, mut record) = self.load(id)?;
        let application = record.application()?;
        let as_submitted = self.as_submitted(&summary, &mut record);
        self.cache.put(summary.doc.clone(), record);
        let as_submitted = as_submitted?;
        let changed_since_submission = match &as_submitted {
            Some(submitted) => fedrec_common::form::all_fields()
                .filter(|spec| submitted.get(spec.path) != application.get(spec.path))
                .map(|spec| spec.path.to_string())
                .chain(
                    (submitted.attachments != application.attachments)
                        .then(|| "attachments".to_string()),
                )
                .collect(),
            None => Vec::new(),
        };
        Ok(RecordView {
            summary,
            application,
            as_submitted,
            changed_since_submission,
        })
    }

    /// The application as submitted, for a record that is submitted: at the heads of the
    /// ministry's receipt if this node holds one, else at the submission acts it sees.
    fn as_submitted(
        &self,
        summary: &RecordSummary,
        record: &mut RecordDoc,
    ) -> Result<Option<Application>, NodeError> {
        let receipted = self
            .decisions_doc(&summary.recommender)
            .ok()
            .and_then(|doc| {
                doc.receipts()
                    .into_iter()
                    .rev()
                    .find_map(|receipt| match receipt.event {
                        fedrec_common::rules::ReceiptEvent::Submitted(s)
                            if s.record == summary.id && !s.heads.is_empty() =>
                        {
                            Some(s.heads)
                        }
                        _ => None,
                    })
            })
            .and_then(|heads| {
                heads
                    .iter()
                    .map(|h| h.parse::<automerge::ChangeHash>().ok())
                    .collect::<Option<Vec<_>>>()
            });
        let heads = match (record.status()?, receipted) {
            (Status::Submitted, Some(heads)) => heads,
            (Status::Submitted, None) => match record.submission_heads()? {
                Some(heads) => heads,
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        if heads == record.heads() {
            return Ok(Some(record.application()?));
        }
        Ok(Some(record.application_at(&heads)?))
    }

    /// Record summaries, optionally only those under one index value (batch, recommender or
    /// credit code). Reads the indexes only, never a document.
    pub fn records(&self, filter: &RecordFilter) -> Result<Vec<RecordSummary>, NodeError> {
        let selections = [
            ("by_batch", filter.batch.map(|b| b.to_string())),
            ("by_recommender", filter.recommender.clone()),
            (
                "by_code",
                filter
                    .credit_code
                    .as_ref()
                    .map(|c| c.trim().to_ascii_uppercase()),
            ),
        ];
        let mut chosen: Option<std::collections::BTreeSet<String>> = None;
        for (index, value) in selections {
            if let Some(value) = value {
                let ids: std::collections::BTreeSet<String> =
                    self.store.indexed(index, &value)?.into_iter().collect();
                chosen = Some(match chosen {
                    None => ids,
                    Some(previous) => previous.intersection(&ids).cloned().collect(),
                });
            }
        }
        match chosen {
            None => Ok(self.store.records()?),
            Some(ids) => {
                let mut records = Vec::with_capacity(ids.len());
                for id in ids {
                    records.extend(self.store.record(&id)?);
                }
                Ok(records)
            }
        }
    }

    /// A stored attachment's bytes, by BLAKE3 hash.
    pub fn attachment(&self, hash: &str) -> Result<Vec<u8>, NodeError> {
        let bytes: [u8; 32] = hex::decode(hash)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| NodeError::BadRequest(tr("error-not-a-hash", &[("hash", s(hash))])))?;
        self.store
            .attachment(&bytes)?
            .ok_or_else(|| NodeError::NotFound(tr("error-no-attachment", &[("hash", s(hash))])))
    }

    pub fn history(&mut self, id: &str) -> Result<Vec<HistoryLine>, NodeError> {
        let (summary, mut record) = self.load(id)?;
        let items = record.history()?;
        self.cache.put(summary.doc.clone(), record);
        let roster = self.roster()?;
        Ok(items
            .into_iter()
            .map(|item| {
                let author = self.describe_actor(&item.actor, roster.as_ref());
                HistoryLine { item, author }
            })
            .collect())
    }

    /// The history with each change's boxes from what to what, and the author of each.
    pub fn history_diffs(
        &mut self,
        id: &str,
    ) -> Result<Vec<(fedrec_common::record::HistoryDiff, String)>, NodeError> {
        let (summary, mut record) = self.load(id)?;
        let diffs = record.history_diffs();
        self.cache.put(summary.doc.clone(), record);
        let roster = self.roster()?;
        Ok(diffs?
            .into_iter()
            .map(|diff| {
                let author = self.describe_actor(&diff.item.actor, roster.as_ref());
                (diff, author)
            })
            .collect())
    }

    /// Who made a change, as the reader of this thread's language reads it (the API answers in
    /// the request's language, the web interface in the page's).
    fn describe_actor(&self, actor: &str, roster: Option<&Roster>) -> String {
        let Ok(id) = actor.parse::<NodeId>() else {
            return tr("history-actor-unknown", &[("actor", s(actor))]);
        };
        if id == self.id() {
            return tr("history-actor-this-node", &[("name", s(&self.config.name))]);
        }
        if id == self.ministry_key() {
            return tr("history-actor-ministry", &[]);
        }
        match roster.and_then(|r| r.grant(&id).map(|g| (g, r.recommender(&g.recommender)))) {
            Some((grant, Some(recommender))) => {
                let role = match grant.role {
                    KeyRole::Hq => tr("key-role-hq", &[]),
                    KeyRole::FieldOffice => tr("key-role-field-office", &[]),
                };
                tr(
                    "history-actor-grant",
                    &[
                        ("recommender", s(&recommender.name)),
                        ("role", s(role)),
                        ("id", s(id.short())),
                    ],
                )
            }
            _ => tr("history-actor-node", &[("id", s(id.short()))]),
        }
    }

    /// The raw Automerge document, loadable by any Automerge implementation.
    pub fn export(&mut self, id: &str) -> Result<Vec<u8>, NodeError> {
        let (summary, mut record) = self.load(id)?;
        let bytes = record.save();
        self.cache.put(summary.doc.clone(), record);
        Ok(bytes)
    }

    pub fn status(&self, peer_id: String) -> Result<NodeStatus, NodeError> {
        let mut records = BTreeMap::new();
        for summary in self.store.records()? {
            *records.entry(summary.status.key().to_string()).or_insert(0) += 1;
        }
        Ok(NodeStatus {
            node_id: self.id(),
            peer_id,
            role: self.config.role.key().into(),
            name: self.config.name.clone(),
            recommender: self.config.recommender.clone(),
            roster_version: self.shared_roster()?.map(|r| r.version),
            roster_issued_at: self.shared_roster()?.and_then(|r| r.issued_at),
            batches: self.batches()?.into_keys().collect(),
            feeds: self
                .store
                .heads()?
                .into_iter()
                .map(|(author, topic, head)| FeedStatus {
                    author,
                    topic,
                    seq: head.seq,
                })
                .collect(),
            records,
            quarantine: self.store.quarantine_usage().0,
            loaded_documents: self.cache.len(),
            peers: Vec::new(),
        })
    }

    /// Re-verifies every stored feed: signatures (batch fast path, as each entry was verified or
    /// signed here once already) and hash chains. Returns the number of entries checked.
    pub fn verify_store(&self) -> Result<u64, NodeError> {
        crate::backup::verify_feeds(&self.store)
    }

    /// The topics this node signed entries on since the last call, outside the API's writes
    /// (which tell the network themselves): receipts and verdicts written while taking in a
    /// message, or when a peer's answer opened a topic that held them back.
    pub fn take_written_topics(&mut self) -> std::collections::BTreeSet<fedrec_common::ids::Topic> {
        std::mem::take(&mut self.written_topics)
    }

    /// The node's configuration as it started.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// Restore protection: a node started from a backup may hold an old head of its own feed
    /// while its peers hold later entries it signed before the backup was restored. Signing
    /// again at those positions would fork its own feed (an equivocation its peers would refuse
    /// it for). So a daemon starts closed for writes, and opens each topic it writes once a
    /// peer that may *read* that topic has shown, in a sync round, that this node's feed there
    /// is at least as far along here as there (a peer of another recommender sees nothing of
    /// it and proves nothing). This holds for the ministry too: its recommenders hold its
    /// decisions (their own topics) and the public feed; the `ministry` topic, which no other
    /// node reads, is exempt. `fedrec run --offline` opens at once, for a node that must work
    /// alone and was not restored.
    pub fn ensure_writable(&self) -> Result<(), NodeError> {
        if self.is_writable() {
            return Ok(());
        }
        Err(NodeError::Unavailable(tr(
            "error-not-writable-restored",
            &[],
        )))
    }

    /// Whether the node's main topic is open for writes: its recommender's topic on a bureau's
    /// node. The ministry's own operations (roster, batches, review) need no peer, so it
    /// answers writable at once; each entry it signs on a shared topic (decisions, the
    /// published list) still waits for that topic's confirmation (see `write_ministry_entry`).
    pub fn is_writable(&self) -> bool {
        match self.main_topic() {
            Some(topic) => self.topic_writable(&topic),
            None => self.writable,
        }
    }

    /// Whether this node may sign an entry on `topic` now.
    pub fn topic_writable(&self, topic: &Topic) -> bool {
        self.writable || *topic == Topic::Ministry || self.confirmed.contains(topic)
    }

    fn main_topic(&self) -> Option<Topic> {
        if self.role() == Role::Ministry {
            Some(Topic::Ministry)
        } else {
            self.own_recommender().ok().map(Topic::Recommender)
        }
    }

    /// Opens (`true`: `--offline`) or closes every topic for writes.
    pub fn set_writable(&mut self, writable: bool) {
        self.writable = writable;
        if !writable {
            self.confirmed.clear();
        }
    }

    /// Notes what a sync answer from `peer` shows of this node's own feeds: every topic this
    /// node writes that the peer may read is confirmed, unless the peer holds a later entry of
    /// this node's feed there (`remote` is the peer's heads; `None` when it answered `InSync`,
    /// that is with heads equal to this node's). Returns whether a topic opened.
    pub(crate) fn confirm_own_feeds(
        &mut self,
        peer: &NodeId,
        remote: Option<&[fedrec_common::sync::FeedPosition]>,
    ) -> bool {
        // The configured ministry reads every topic, so its answer counts even before this node
        // holds the roster that says so (a new node's first round comes before its roster).
        let roster = self.roster().ok().flatten();
        let is_ministry_peer = *peer == self.ministry_key();
        let own = self.id();
        let topics: Vec<Topic> = if self.role() == Role::Ministry {
            std::iter::once(Topic::Public)
                .chain(
                    roster
                        .iter()
                        .flat_map(|r| r.recommenders.iter())
                        .map(|r| Topic::Recommender(r.id.clone())),
                )
                .collect()
        } else {
            self.main_topic().into_iter().collect()
        };
        let mut opened = false;
        for topic in topics {
            let reads =
                is_ministry_peer || roster.as_ref().is_some_and(|r| r.may_read(peer, &topic));
            if self.confirmed.contains(&topic) || !reads {
                continue;
            }
            let theirs = remote.and_then(|heads| {
                heads
                    .iter()
                    .find(|p| p.author == own && p.topic == topic)
                    .map(|p| p.seq)
            });
            let ours = self
                .store
                .head(&own, &topic)
                .ok()
                .flatten()
                .map_or(0, |h| h.seq);
            if theirs.is_some_and(|theirs| theirs > ours) {
                tracing::warn!(peer = %peer.short(), %topic, "a peer holds later entries of this node's own feed: fetching them before writing there again");
                continue;
            }
            tracing::info!(peer = %peer.short(), %topic, "own feed head confirmed by a peer: writes open");
            self.confirmed.insert(topic);
            opened = true;
        }
        opened
    }

    pub(crate) fn role(&self) -> Role {
        self.config.role
    }

    pub(crate) fn key(&self) -> &NodeKey {
        &self.key
    }

    /// The configured bounds on what peers can make this node hold.
    pub(crate) fn limits(&self) -> &fedrec_config::Limits {
        &self.config.limits
    }

    /// The limits, to change in a unit test.
    #[cfg(test)]
    pub(crate) fn limits_mut(&mut self) -> &mut fedrec_config::Limits {
        &mut self.config.limits
    }

    /// The node ids of the peers named in the configuration.
    pub(crate) fn configured_peers(&self) -> Vec<NodeId> {
        self.config
            .peers
            .iter()
            .filter_map(|address| address.rsplit_once("/p2p/"))
            .filter_map(|(_, peer)| crate::daemon::node_id_of_peer(peer).ok())
            .collect()
    }

    pub(crate) fn cache_take(&mut self, doc: &DocId) -> Option<RecordDoc> {
        self.cache.take(doc)
    }

    pub(crate) fn cache_put(&mut self, doc: DocId, record: RecordDoc) {
        self.cache.put(doc, record);
    }

    // --- internals ---

    fn next_seq(&self, topic: &Topic) -> Result<u64, NodeError> {
        Ok(self
            .store
            .head(&self.id(), topic)?
            .map_or(1, |head| head.seq + 1))
    }

    /// Loads a record by id: from the cache, else from its snapshot.
    fn load(&mut self, id: &str) -> Result<(RecordSummary, RecordDoc), NodeError> {
        check_record_name(id)?;
        let summary = self
            .store
            .record(id)?
            .ok_or_else(|| NodeError::NotFound(tr("error-no-record", &[("id", s(id))])))?;
        if let Some(record) = self.cache.take(&summary.doc) {
            return Ok((summary, record));
        }
        let bytes = self
            .store
            .snapshot(&summary.doc.to_string())?
            .ok_or_else(|| NodeError::NotFound(tr("error-record-no-document", &[("id", s(id))])))?;
        let record = RecordDoc::load(&bytes, &self.id())?;
        Ok((summary, record))
    }

    /// Refuses a submission or withdrawal this node's key may not make: a field office's, unless
    /// the roster grants it the right. (The ministry would judge it `unauthorised`.)
    fn ensure_may_act(&self, summary: &RecordSummary) -> Result<(), NodeError> {
        let roster = self
            .roster()?
            .ok_or_else(|| NodeError::Conflict(tr("error-no-roster-import", &[])))?;
        let seq = self.next_seq(&summary.doc.topic())?;
        roster
            .may_act(&self.id(), &summary.doc, seq)
            .map_err(|error| NodeError::Forbidden(i18n::worded(&error)))
    }

    /// Loads a record this node may edit.
    /// Runs `operation` on behalf of `operator`: the changes it makes carry the person's name.
    pub fn as_operator<T>(
        &mut self,
        operator: fedrec_common::operator::OperatorName,
        operation: impl FnOnce(&mut Node) -> T,
    ) -> T {
        self.operator = Some(operator);
        let result = operation(self);
        self.operator = None;
        result
    }

    fn load_own(&mut self, id: &str) -> Result<(RecordSummary, RecordDoc), NodeError> {
        let recommender = self.own_recommender()?;
        let (summary, mut record) = self.load(id)?;
        record.set_operator(self.operator.clone());
        if summary.recommender != recommender {
            let doc = summary.doc.clone();
            self.cache.put(doc, record);
            return Err(NodeError::Forbidden(tr(
                "error-not-own-record",
                &[
                    ("id", s(id)),
                    ("owner", s(summary.recommender.to_string())),
                    ("recommender", s(recommender.to_string())),
                ],
            )));
        }
        Ok((summary, record))
    }

    fn write(
        &mut self,
        doc: DocId,
        record: RecordDoc,
        change: automerge::Change,
        application: &Application,
        previous: Option<&RecordSummary>,
        now: Timestamp,
    ) -> Result<RecordSummary, NodeError> {
        self.write_with(doc, record, change, application, previous, now, |_| {})
    }

    /// Signs `change` as this node's next entry and commits everything it implies at once.
    #[allow(clippy::too_many_arguments)]
    fn write_with(
        &mut self,
        doc: DocId,
        mut record: RecordDoc,
        change: automerge::Change,
        application: &Application,
        previous: Option<&RecordSummary>,
        now: Timestamp,
        extra: impl FnOnce(&mut crate::store::Batch<'_>),
    ) -> Result<RecordSummary, NodeError> {
        let topic = doc.topic();
        let head = self.store.head(&self.id(), &topic)?;
        let signed = Entry {
            author: self.id(),
            topic,
            seq: head.map_or(1, |h| h.seq + 1),
            prev: head.map(|h| h.id),
            doc: doc.clone(),
            change: change.raw_bytes().to_vec(),
        }
        .sign(&self.key);
        let summary =
            RecordSummary::after_write(previous, &doc, &mut record, application, self.id(), now)
                .ok_or_else(|| {
                    NodeError::BadRequest(tr(
                        "error-not-a-record-doc",
                        &[("doc", s(doc.to_string()))],
                    ))
                })?;
        let snapshot = record.save_for_store();
        let mut batch = self.store.batch();
        batch.entry(&signed);
        batch.snapshot(&doc.to_string(), &snapshot);
        batch.record(&summary, previous);
        extra(&mut batch);
        // On failure the document is dropped, not cached: the next read reloads what is on disk.
        batch.commit()?;
        self.metrics
            .entries_written
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::debug!(record = %summary.id, seq = signed.entry.seq, status = summary.status.key(), "entry written");
        // The person's name is for this write only; the next writer names their own.
        record.set_operator(None);
        self.cache.put(doc, record);
        Ok(summary)
    }
}

/// Checks that `id` names a record: its id (16 hex digits) or its full document id.
pub(crate) fn check_record_name(id: &str) -> Result<(), NodeError> {
    let is_doc = matches!(id.parse::<DocId>(), Ok(DocId::Record { .. }));
    if is_doc || id.parse::<RecordId>().is_ok() {
        Ok(())
    } else {
        Err(NodeError::BadRequest(tr(
            "error-not-a-record-id",
            &[("id", s(id))],
        )))
    }
}

/// Which records a listing shows.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordFilter {
    pub batch: Option<u32>,
    pub recommender: Option<String>,
    pub credit_code: Option<String>,
}

/// A request to add a recommender (and optionally a key) to the roster.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RosterAdd {
    pub recommender: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    /// For a field office's key: whether it may submit and withdraw.
    #[serde(default)]
    pub may_submit: bool,
}
