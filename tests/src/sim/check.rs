//! The invariants the simulator checks after every step and once the federation has settled.
//!
//! The checker keeps its own ledger, outside every simulated node, of what was acknowledged and
//! of the verdicts the ministry had published when it last looked, so that a node losing or
//! rewriting state cannot hide it. Each check names its invariant; [`invariant`] lists them.

use std::collections::{BTreeMap, BTreeSet};

use fedrec_common::batch::Batch;
use fedrec_common::feed::{self, SignedEntry};
use fedrec_common::identity::{Hash32, NodeId};
use fedrec_common::ids::{DocId, RecommenderId, RecordId, Topic};
use fedrec_common::roster::Roster;
use fedrec_common::rules::{self, Receipt, ReceiptEvent, RecordVerdict, Verdict};

use super::ministry;
use super::replica::{Doc, SimNode};

/// The invariants' names, as violations report them.
pub mod invariant {
    /// Every acknowledged entry is still in its author's store.
    pub const ACKNOWLEDGED_DURABLE: &str = "acknowledged-write-durable";
    /// Every stored entry verifies: signature, actor, chain, roster, and the holder may read it.
    pub const STORED_ENTRIES_VERIFY: &str = "stored-entries-verify";
    /// No honest author is ever refused (an equivocation would reveal a lost or rewritten write).
    pub const NO_HONEST_AUTHOR_REFUSED: &str = "no-honest-author-refused";
    /// At most `quota` accepted records per recommender, in every node's view.
    pub const QUOTA: &str = "quota";
    /// No credit code accepted for two recommenders.
    pub const ONE_RECOMMENDER_PER_INSTITUTION: &str = "one-recommender-per-institution";
    /// An accepted verdict changes only to withdrawn (its own withdrawal, on time) or conflict
    /// (another recommender's on-time receipt for the same institution).
    pub const ACCEPTED_NOT_OVERTURNED: &str = "accepted-not-overturned";
    /// A receipt after the deadline changes no verdict already given.
    pub const FINAL_AFTER_DEADLINE: &str = "final-after-deadline";
    /// The ministry's published verdicts are the rules' verdicts over its published receipts.
    pub const VERDICTS_FOLLOW_RECEIPTS: &str = "verdicts-follow-receipts";
    /// With every link healed, delivery stops producing anything new.
    pub const QUIESCENCE: &str = "quiescence";
    /// Every node holds every feed it may read, at the same head.
    pub const CONVERGED_FEEDS: &str = "converged-feeds";
    /// Every node holds every document it may read, with the same contents.
    pub const CONVERGED_DOCUMENTS: &str = "converged-documents";
    /// Every acknowledged entry reached every node that may read it.
    pub const ACKNOWLEDGED_EVERYWHERE: &str = "acknowledged-write-everywhere";
    /// Every node of a recommender sees exactly the ministry's verdicts on its records.
    pub const VERDICTS_REPLICATED: &str = "verdicts-replicated";
    /// Every submission and withdrawal the ministry holds has its receipt.
    pub const EVERY_CHANGE_RECEIPTED: &str = "every-change-receipted";
    /// A withdrawal is never undone by an act that did not see it: a record holding a
    /// withdrawal that no submission descends from is withdrawn, on every node.
    pub const WITHDRAWAL_NOT_UNDONE: &str = "withdrawal-not-undone";
    /// What is published is what was receipted: every published base is an accepted record
    /// whose institution and credit code are its submission's receipt's, on every node, and
    /// the ministry shows each such record as submitted with that institution.
    pub const PUBLISHED_AS_RECEIPTED: &str = "published-as-receipted";
}

/// A broken invariant, before the simulator adds the seed and step.
#[derive(Debug, Clone)]
pub struct Broken {
    pub invariant: &'static str,
    pub detail: String,
}

fn broken(invariant: &'static str, detail: String) -> Result<(), Broken> {
    Err(Broken { invariant, detail })
}

/// An acknowledged entry, as the checker's ledger records it.
#[derive(Debug, Clone)]
struct Acked {
    node: usize,
    author: NodeId,
    topic: Topic,
    seq: u64,
    id: Hash32,
    what: &'static str,
}

/// The index of the ministry among the simulated nodes.
pub const MINISTRY: usize = 0;

#[derive(Debug, Default)]
pub struct Checker {
    acked: Vec<Acked>,
    /// The ministry's verdicts and highest receipt position when last seen.
    last_verdicts: BTreeMap<RecordId, RecordVerdict>,
    /// Per recommender, the highest receipt position when its verdicts were last looked at
    /// (with its topic open on the ministry).
    receipts_seen: BTreeMap<RecommenderId, u64>,
    /// Entries each node held when its verdicts were last checked: stores only grow, so an
    /// unchanged count means unchanged verdicts and the check can be skipped.
    verdicts_checked_at: BTreeMap<usize, usize>,
    /// How many invariant evaluations passed.
    pub checks: u64,
}

impl Checker {
    /// Records that `node` acknowledged `entry`.
    pub fn ack(&mut self, node: usize, entry: &SignedEntry, what: &'static str) {
        self.acked.push(Acked {
            node,
            author: entry.entry.author,
            topic: entry.entry.topic.clone(),
            seq: entry.entry.seq,
            id: entry.id(),
            what,
        });
    }

    pub fn acknowledged(&self) -> usize {
        self.acked.len()
    }

    /// The checks after one step; `full` adds re-verifying every stored entry.
    pub fn after_step(
        &mut self,
        nodes: &[SimNode],
        roster: &Roster,
        batch: &Batch,
        full: bool,
    ) -> Result<(), Broken> {
        self.acknowledged_durable(nodes)?;
        self.no_honest_author_refused(nodes)?;
        if full {
            self.stored_entries_verify(nodes, roster)?;
        }
        for (index, node) in nodes.iter().enumerate().filter(|(_, n)| n.up) {
            let held = node.store.entry_count();
            if self.verdicts_checked_at.get(&index) == Some(&held) {
                continue;
            }
            if index == MINISTRY {
                self.ministry_verdicts(node, roster, batch)?;
            } else {
                self.quota(&ministry::all_verdicts(node, roster), batch, &node.name)?;
            }
            self.withdrawals_stand(node)?;
            self.verdicts_checked_at.insert(index, held);
        }
        Ok(())
    }

    /// Checks [`invariant::WITHDRAWAL_NOT_UNDONE`] on every record a node holds, from the
    /// document's change graph directly (not through the status the record module derives).
    fn withdrawals_stand(&mut self, node: &SimNode) -> Result<(), Broken> {
        use fedrec_common::acts::{SUBMIT_MESSAGE, WITHDRAW_MESSAGE};
        for (doc, record) in node.records() {
            let mut record = record.clone();
            let Ok(changes) = record.changes() else {
                continue;
            };
            let deps: BTreeMap<automerge::ChangeHash, Vec<automerge::ChangeHash>> = changes
                .iter()
                .map(|c| (c.hash(), c.deps().to_vec()))
                .collect();
            let seen_by = |head: automerge::ChangeHash| {
                let mut seen = BTreeSet::new();
                let mut stack = vec![head];
                while let Some(hash) = stack.pop() {
                    if seen.insert(hash) {
                        stack.extend(deps.get(&hash).into_iter().flatten().copied());
                    }
                }
                seen
            };
            let with = |message: &str| -> Vec<automerge::ChangeHash> {
                changes
                    .iter()
                    .filter(|c| c.message() == Some(message))
                    .map(|c| c.hash())
                    .collect()
            };
            let submissions: Vec<BTreeSet<automerge::ChangeHash>> =
                with(SUBMIT_MESSAGE).into_iter().map(seen_by).collect();
            let standing = with(WITHDRAW_MESSAGE)
                .into_iter()
                .find(|w| !submissions.iter().any(|seen| seen.contains(w)));
            let status = record.status().ok();
            if let Some(withdrawal) = standing
                && status != Some(fedrec_common::record::Status::Withdrawn)
            {
                return broken(
                    invariant::WITHDRAWAL_NOT_UNDONE,
                    format!(
                        "{} shows {doc} as {status:?} although withdrawal {withdrawal} was seen by no submission",
                        node.name
                    ),
                );
            }
        }
        self.checks += 1;
        Ok(())
    }

    fn acknowledged_durable(&mut self, nodes: &[SimNode]) -> Result<(), Broken> {
        for acked in &self.acked {
            let held = nodes[acked.node]
                .store
                .entry_at(&acked.author, &acked.topic, acked.seq)
                .map(SignedEntry::id);
            if held != Some(acked.id) {
                return broken(
                    invariant::ACKNOWLEDGED_DURABLE,
                    format!(
                        "{} acknowledged a {} (entry {} of {}) that its store no longer holds",
                        nodes[acked.node].name, acked.what, acked.seq, acked.topic
                    ),
                );
            }
        }
        self.checks += 1;
        Ok(())
    }

    fn no_honest_author_refused(&mut self, nodes: &[SimNode]) -> Result<(), Broken> {
        for node in nodes {
            if let Some(author) = node.store.refused_authors.iter().next() {
                return broken(
                    invariant::NO_HONEST_AUTHOR_REFUSED,
                    format!(
                        "{} refuses author {} for equivocation",
                        node.name,
                        author.short()
                    ),
                );
            }
        }
        self.checks += 1;
        Ok(())
    }

    /// Re-verifies everything every node stores, whether it is up or not: the chain of each
    /// feed, then all of a node's signatures in one batch.
    pub fn stored_entries_verify(
        &mut self,
        nodes: &[SimNode],
        roster: &Roster,
    ) -> Result<(), Broken> {
        for node in nodes {
            let fail = |problem: String| {
                broken(
                    invariant::STORED_ENTRIES_VERIFY,
                    format!("{} holds {problem}", node.name),
                )
            };
            for ((author, topic), held) in &node.store.feeds {
                if !roster.may_read(&node.id(), topic) {
                    return fail(format!(
                        "feed {} {topic}, which it may not read",
                        author.short()
                    ));
                }
                if let Err(error) = feed::verify_chain(held.entries()) {
                    return fail(format!("feed {} {topic}: {error}", author.short()));
                }
            }
            let entries: Vec<SignedEntry> = node
                .store
                .feeds
                .values()
                .flat_map(|held| held.entries().iter().cloned())
                .collect();
            for (signed, result) in entries.iter().zip(feed::verify_many(&entries)) {
                let entry = &signed.entry;
                let authorised = roster
                    .may_write(&entry.author, &entry.doc, entry.seq)
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                if let Err(error) = result
                    .map(|_| ())
                    .map_err(|e| e.to_string())
                    .and(authorised)
                {
                    return fail(format!(
                        "entry {} of {} {}: {error}",
                        entry.seq,
                        entry.author.short(),
                        entry.topic
                    ));
                }
            }
        }
        self.checks += 1;
        Ok(())
    }

    fn quota(
        &mut self,
        verdicts: &BTreeMap<RecordId, RecordVerdict>,
        batch: &Batch,
        seen_by: &str,
    ) -> Result<(), Broken> {
        let mut accepted: BTreeMap<&RecommenderId, Vec<RecordId>> = BTreeMap::new();
        for verdict in verdicts.values().filter(|v| v.verdict == Verdict::Accepted) {
            accepted
                .entry(&verdict.recommender)
                .or_default()
                .push(verdict.record);
        }
        for (recommender, records) in accepted {
            if records.len() > batch.quota_per_recommender as usize {
                return broken(
                    invariant::QUOTA,
                    format!(
                        "{seen_by} sees {} accepted records of {recommender} (quota {}): {}",
                        records.len(),
                        batch.quota_per_recommender,
                        records
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        self.checks += 1;
        Ok(())
    }

    fn one_recommender_per_institution(
        &mut self,
        verdicts: &BTreeMap<RecordId, RecordVerdict>,
    ) -> Result<(), Broken> {
        let mut by_code: BTreeMap<String, BTreeSet<&RecommenderId>> = BTreeMap::new();
        for verdict in verdicts.values().filter(|v| v.verdict == Verdict::Accepted) {
            by_code
                .entry(verdict.credit_code.trim().to_ascii_uppercase())
                .or_default()
                .insert(&verdict.recommender);
        }
        if let Some((code, recommenders)) = by_code.iter().find(|(_, r)| r.len() > 1) {
            return broken(
                invariant::ONE_RECOMMENDER_PER_INSTITUTION,
                format!("institution {code} is accepted for {recommenders:?}"),
            );
        }
        self.checks += 1;
        Ok(())
    }

    /// The ministry's verdicts: the rules' limits, and how they may change since last seen.
    fn ministry_verdicts(
        &mut self,
        node: &SimNode,
        roster: &Roster,
        batch: &Batch,
    ) -> Result<(), Broken> {
        let receipts = ministry::all_receipts(node, roster);
        let verdicts = ministry::all_verdicts(node, roster);
        self.quota(&verdicts, batch, &node.name)?;
        self.one_recommender_per_institution(&verdicts)?;
        // The ministry writes a recommender's verdicts into that recommender's own topic, which
        // restore protection keeps closed after a restart until the recommender's node confirms
        // it: until then its verdicts may lag the receipts, and are judged once it opens.
        let open: BTreeSet<&RecommenderId> = roster
            .recommenders
            .iter()
            .map(|r| &r.id)
            .filter(|id| {
                node.node_ref()
                    .topic_writable(&Topic::Recommender((*id).clone()))
            })
            .collect();
        let expected: BTreeMap<RecordId, RecordVerdict> = rules::evaluate(batch, roster, &receipts)
            .into_iter()
            .filter(|((recommender, _), _)| open.contains(recommender))
            .map(|((_, record), verdict)| (record, verdict))
            .collect();
        let published: BTreeMap<RecordId, RecordVerdict> = verdicts
            .iter()
            .filter(|(_, v)| open.contains(&v.recommender))
            .map(|(record, v)| (*record, v.clone()))
            .collect();
        if expected != published {
            let differing: Vec<String> = expected
                .keys()
                .chain(published.keys())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .filter(|r| expected.get(r) != published.get(r))
                .map(|r| {
                    format!(
                        "{r}: rules say {:?}, published {:?}",
                        expected.get(r).map(|v| v.verdict.key()),
                        published.get(r).map(|v| v.verdict.key())
                    )
                })
                .collect();
            return broken(invariant::VERDICTS_FOLLOW_RECEIPTS, differing.join("; "));
        }
        self.checks += 1;
        for (record, before) in &self.last_verdicts {
            if !open.contains(&before.recommender) {
                continue;
            }
            let Some(after) = published.get(record) else {
                return broken(
                    invariant::VERDICTS_FOLLOW_RECEIPTS,
                    format!("the verdict on {record} disappeared"),
                );
            };
            if after.verdict == before.verdict {
                continue;
            }
            // The receipts since this recommender's verdicts were last looked at.
            let seen = self
                .receipts_seen
                .get(&before.recommender)
                .copied()
                .unwrap_or(0);
            let new: Vec<&Receipt> = receipts.iter().filter(|r| r.seq > seen).collect();
            check_change(before, after, &new, batch)?;
        }
        self.checks += 1;
        let last_seq = receipts.last().map_or(0, |r| r.seq);
        for recommender in &open {
            self.receipts_seen.insert((*recommender).clone(), last_seq);
        }
        self.last_verdicts
            .retain(|_, v| !open.contains(&v.recommender));
        self.last_verdicts.extend(published);
        Ok(())
    }

    /// The checks once every link is healed and delivery has gone quiet.
    pub fn at_end(
        &mut self,
        nodes: &[SimNode],
        roster: &Roster,
        batch: &Batch,
    ) -> Result<(), Broken> {
        self.after_step(nodes, roster, batch, true)?;
        converged_feeds(nodes, roster)?;
        converged_documents(nodes, roster)?;
        for acked in &self.acked {
            for node in nodes
                .iter()
                .filter(|n| roster.may_read(&n.id(), &acked.topic))
            {
                let held = node.store.entry_at(&acked.author, &acked.topic, acked.seq);
                if held.map(SignedEntry::id) != Some(acked.id) {
                    return broken(
                        invariant::ACKNOWLEDGED_EVERYWHERE,
                        format!(
                            "{}'s acknowledged {} (entry {} of {}) never reached {}",
                            nodes[acked.node].name, acked.what, acked.seq, acked.topic, node.name
                        ),
                    );
                }
            }
        }
        let published = ministry::all_verdicts(&nodes[MINISTRY], roster);
        for node in nodes.iter().skip(1) {
            let Some(recommender) = node.role.recommender() else {
                continue;
            };
            let expected: BTreeMap<RecordId, RecordVerdict> = published
                .iter()
                .filter(|(_, v)| &v.recommender == recommender)
                .map(|(k, v)| (*k, v.clone()))
                .collect();
            if ministry::all_verdicts(node, roster) != expected {
                return broken(
                    invariant::VERDICTS_REPLICATED,
                    format!("{} sees other verdicts than the ministry's", node.name),
                );
            }
        }
        let unreceipted = ministry::needing_receipt(&nodes[MINISTRY], batch, roster);
        if let Some(doc) = unreceipted.first() {
            return broken(
                invariant::EVERY_CHANGE_RECEIPTED,
                format!(
                    "the ministry holds {doc} as {:?} but has not receipted that ({} markers left)",
                    nodes[MINISTRY].record(doc).cloned().map(|mut r| r.status()),
                    nodes[MINISTRY]
                        .node_ref()
                        .store()
                        .meta_keys("to_receipt/")
                        .map_or(0, |k| k.len())
                ),
            );
        }
        self.checks += 4;
        Ok(())
    }
}

/// Whether one change of a verdict is one the rules allow, given the receipts since last seen.
fn check_change(
    before: &RecordVerdict,
    after: &RecordVerdict,
    new: &[&Receipt],
    batch: &Batch,
) -> Result<(), Broken> {
    let describe = || {
        format!(
            "{} of {}: {} became {} after receipts {:?}",
            before.record,
            before.recommender,
            before.verdict.key(),
            after.verdict.key(),
            new.iter().map(|r| r.seq).collect::<Vec<_>>()
        )
    };
    if new.is_empty() {
        return broken(
            invariant::VERDICTS_FOLLOW_RECEIPTS,
            format!("without a new receipt, {}", describe()),
        );
    }
    if new.iter().all(|r| !batch.is_on_time(r.received_at)) {
        return broken(invariant::FINAL_AFTER_DEADLINE, describe());
    }
    if before.verdict != Verdict::Accepted {
        return Ok(());
    }
    let on_time = |r: &&&Receipt| batch.is_on_time(r.received_at);
    let allowed = match &after.verdict {
        Verdict::Withdrawn => new.iter().filter(on_time).any(|r| {
            matches!(&r.event, ReceiptEvent::Withdrawn { record, .. } if *record == before.record)
        }),
        Verdict::Conflict { recommenders, .. } => {
            recommenders.contains(&before.recommender)
                && new.iter().filter(on_time).any(|r| {
                    let (recommender, _) = r.record();
                    recommender != &before.recommender && recommenders.contains(recommender)
                })
        }
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        broken(invariant::ACCEPTED_NOT_OVERTURNED, describe())
    }
}

/// Every node holds every feed it may read, at the same head as every other such node.
fn converged_feeds(nodes: &[SimNode], roster: &Roster) -> Result<(), Broken> {
    let mut heads: BTreeMap<(NodeId, Topic), BTreeSet<Option<Hash32>>> = BTreeMap::new();
    let all_feeds: BTreeSet<(NodeId, Topic)> = nodes
        .iter()
        .flat_map(|n| n.store.feeds.keys().cloned())
        .collect();
    for key in &all_feeds {
        for node in nodes.iter().filter(|n| roster.may_read(&n.id(), &key.1)) {
            let head = node
                .store
                .feeds
                .get(key)
                .and_then(fedrec_common::feed::Feed::head);
            heads
                .entry(key.clone())
                .or_default()
                .insert(head.map(|h| h.id));
        }
    }
    if let Some(((author, topic), seen)) = heads.iter().find(|(_, seen)| seen.len() > 1) {
        return broken(
            invariant::CONVERGED_FEEDS,
            format!(
                "feed {} {topic} has {} different heads among its readers",
                author.short(),
                seen.len()
            ),
        );
    }
    Ok(())
}

/// What a document holds, in a form two nodes' copies can be compared by.
fn contents(doc: &Doc) -> String {
    match doc {
        Doc::Record(record) => format!("{:?} {:?}", record.clone().status(), record.application()),
        Doc::Decisions(decisions) => {
            format!("{:?} {:?}", decisions.receipts(), decisions.verdicts())
        }
    }
}

/// Every node holds every document it may read, with the same contents as every other.
fn converged_documents(nodes: &[SimNode], roster: &Roster) -> Result<(), Broken> {
    let docs: BTreeSet<&DocId> = nodes.iter().flat_map(|n| n.docs().keys()).collect();
    for doc in docs {
        let mut seen: Option<(String, &str)> = None;
        for node in nodes
            .iter()
            .filter(|n| roster.may_read(&n.id(), &doc.topic()))
        {
            let Some(held) = node.docs().get(doc) else {
                return broken(
                    invariant::CONVERGED_DOCUMENTS,
                    format!("{} lacks {doc}", node.name),
                );
            };
            let here = contents(held);
            match &seen {
                None => seen = Some((here, &node.name)),
                Some((there, name)) if *there != here => {
                    return broken(
                        invariant::CONVERGED_DOCUMENTS,
                        format!("{doc} differs between {name} and {}", node.name),
                    );
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// What the publication check saw: how many bases, and how many of them whose document now
/// names another institution than its submission (edits concurrent with the submission,
/// merged into the document but not into what was submitted).
#[derive(Debug, Default)]
pub struct PublishedSeen {
    pub bases: u64,
    pub document_differs: u64,
    /// Bases whose record was withdrawn after the deadline (so after its verdict was final).
    pub withdrawn_after_deadline: u64,
}

/// Checks [`invariant::PUBLISHED_AS_RECEIPTED`] once the ministry has published and the list
/// has replicated.
pub fn published_as_receipted(
    nodes: &mut [SimNode],
    roster: &Roster,
) -> Result<PublishedSeen, Broken> {
    let fail = |detail: String| {
        Err(Broken {
            invariant: invariant::PUBLISHED_AS_RECEIPTED,
            detail,
        })
    };
    let receipts = ministry::all_receipts(&nodes[MINISTRY], roster);
    let verdicts = ministry::all_verdicts(&nodes[MINISTRY], roster);
    let published = nodes[MINISTRY].published();
    let mut seen = PublishedSeen::default();
    for base in &published {
        let Some(verdict) = verdicts
            .get(&base.record)
            .filter(|v| v.recommender == base.recommender)
        else {
            return fail(format!(
                "{}/{} is published without a verdict",
                base.recommender, base.record
            ));
        };
        if verdict.verdict != Verdict::Accepted {
            return fail(format!(
                "{}/{} is published but {}",
                base.recommender,
                base.record,
                verdict.verdict.key()
            ));
        }
        // The receipt the verdict rests on, which a later receipt (a withdrawal after the
        // deadline, which changes no verdict) does not replace.
        let Some(ReceiptEvent::Submitted(submission)) = receipts
            .iter()
            .find(|r| r.seq == verdict.receipt_seq)
            .map(|r| &r.event)
        else {
            return fail(format!(
                "{}/{} is published, but its verdict rests on no submission receipt",
                base.recommender, base.record
            ));
        };
        if submission.credit_code != base.credit_code || submission.institution != base.institution
        {
            return fail(format!(
                "{}/{} is published as {} {} but was receipted as {} {}",
                base.recommender,
                base.record,
                base.institution,
                base.credit_code,
                submission.institution,
                submission.credit_code
            ));
        }
        let doc = DocId::Record {
            batch: fedrec_common::batch::BatchNumber(6),
            recommender: base.recommender.clone(),
            record: base.record,
        };
        seen.bases += 1;
        let view = nodes[MINISTRY].view_of(&doc);
        let Some(shown) = view.as_submitted else {
            // Withdrawn after the deadline: the verdict stands, the record shows its withdrawal.
            seen.withdrawn_after_deadline += 1;
            continue;
        };
        if shown.applicant.credit_code.trim().to_ascii_uppercase() != submission.credit_code
            || shown.applicant.name != submission.institution
        {
            return fail(format!(
                "the ministry shows {doc} as submitted by {} {}, receipted as {} {}",
                shown.applicant.name,
                shown.applicant.credit_code,
                submission.institution,
                submission.credit_code
            ));
        }
        if view.application.applicant.credit_code != shown.applicant.credit_code {
            seen.document_differs += 1;
        }
    }
    for node in nodes.iter_mut().skip(1) {
        let mut theirs = node.published();
        let mut ours = published.clone();
        theirs.sort_by_key(|b| (b.recommender.clone(), b.record));
        ours.sort_by_key(|b| (b.recommender.clone(), b.record));
        if theirs != ours {
            return fail(format!(
                "{} holds {} published bases, the ministry {}",
                node.name,
                theirs.len(),
                ours.len()
            ));
        }
    }
    Ok(seen)
}
