//! A deterministic simulator of fedrec's sync and rule core.
//!
//! One seed fixes everything: the federation's shape (a ministry, two to four recommenders' HQs,
//! up to two field offices per HQ, each linked to its HQ only), the users' work and every fault.
//! A seeded `StdRng` drives a scheduler that, step by step, picks one event: a user's write
//! request or its commit, a periodic sync round, delivering a burst of messages (each picked
//! among all deliverable ones, so messages are reordered), dropping, duplicating or delaying a
//! message, cutting or healing a link, crashing a node (it loses its in-flight messages, its
//! documents and any write not yet stored) or restarting it from its store, skewing a node's
//! clock, the ministry receipting and deciding, or a hostile peer replaying a stored entry or
//! forging one. A node that stores new entries starts rounds with its peers, as the daemon's
//! push notification does, but one notification in ten is lost. Simulated time advances by one
//! to twenty minutes a step, and the batch's deadline falls at 80% of the run, so some
//! submissions arrive late.
//!
//! Nodes use the daemon's own pure code (`common::ingest`, `common::sync`, `common::rules`,
//! the record and decisions documents); see [`replica`] and [`ministry`]. After every step the
//! [`check`] module verifies the invariants; at the end every node restarts, every link heals,
//! delivery runs until nothing new happens and the federation must have converged. A violation
//! names the seed, the step and the invariant, and `FEDREC_SIM_SEED=<seed>` replays it exactly.
//!
//! Nothing here reads a clock or iterates a hash map, so a seed replays bit for bit.

pub mod check;
pub mod ministry;
pub mod network;
pub mod replica;
pub mod report;
pub mod workload;

pub use report::{Report, Violation};

use std::collections::BTreeSet;

use fedrec_common::batch::{Batch, BatchNumber};
use fedrec_common::feed::SignedEntry;
use fedrec_common::form::Application;
use fedrec_common::identity::NodeKey;
use fedrec_common::ids::{DocId, RecommenderId};
use fedrec_common::roster::{KeyRole, Recommender, RecommenderKind, Roster};
use fedrec_common::rules::ReceiptEvent;
use fedrec_common::sync::{self, Request, Response};
use fedrec_common::timestamp::Timestamp;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use check::{Broken, Checker, MINISTRY};
use network::{Frame, Link, Network};
use replica::{Role, SimNode};

/// A fault planted on purpose, to show that the checker catches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// Nodes acknowledge a write when it is requested, before it is stored.
    AcknowledgeBeforeStoring,
    /// The ministry accepts every eligible submission, ignoring the quota.
    SecondAcceptance,
    /// Receipting only in reaction to merging one of a record's entries, with the merge and the
    /// receipt as two writes and nothing to finish the second after a crash: a submission can
    /// stay unreceipted for good. The simulation found this in the daemon; the daemon now writes
    /// a `to_receipt` marker in the merge's own batch and finishes leftover markers at start-up
    /// (`node/src/intake.rs`, tested there). Kept as a planted flaw the checker must catch.
    ReceiptOnlyOnMerge,
}

impl Flaw {
    pub const ALL: [Flaw; 3] = [
        Flaw::AcknowledgeBeforeStoring,
        Flaw::SecondAcceptance,
        Flaw::ReceiptOnlyOnMerge,
    ];

    /// The name `FEDREC_SIM_FLAW` takes.
    pub fn name(self) -> &'static str {
        match self {
            Flaw::AcknowledgeBeforeStoring => "acknowledge-before-storing",
            Flaw::SecondAcceptance => "second-acceptance",
            Flaw::ReceiptOnlyOnMerge => "receipt-only-on-merge",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|flaw| flaw.name() == name)
    }
}

/// One run's parameters.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub steps: u64,
    pub flaw: Option<Flaw>,
}

impl SimConfig {
    /// The CI-sized run of one seed.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            steps: 300,
            flaw: None,
        }
    }
}

/// Stored entries are re-verified in full every this many steps (and at the end): verifying
/// every signature of every node after every step would dominate the run time.
pub const FULL_CHECK_EVERY: u64 = 25;

/// Settling rounds allowed before the federation counts as never going quiet.
const SETTLE_ROUNDS: u64 = 30;

/// The simulated start: 2016-03-01 08:00 China Standard Time.
const START: Timestamp = crate::NOW;

/// Runs one seed to the end, or to the first broken invariant.
pub fn run(config: &SimConfig) -> Result<Report, Violation> {
    let mut sim = Sim::new(config);
    for step in 1..=config.steps {
        sim.step = step;
        sim.clock_ms += sim.rng.random_range(60_000..=1_200_000);
        sim.one_event().map_err(|b| sim.violation(b))?;
        let full = step % FULL_CHECK_EVERY == 0;
        sim.checker
            .after_step(&sim.nodes, &sim.roster, &sim.batch, full)
            .map_err(|b| sim.violation(b))?;
    }
    sim.step = config.steps + 1;
    sim.settle().map_err(|b| sim.violation(b))?;
    sim.checker
        .at_end(&sim.nodes, &sim.roster, &sim.batch)
        .map_err(|b| sim.violation(b))?;
    Ok(sim.finish())
}

/// The scheduler's choices, with their weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Request,
    Commit,
    Round,
    Deliver,
    Drop,
    Duplicate,
    Delay,
    Cut,
    Heal,
    Crash,
    Restart,
    Skew,
    Decide,
    Replay,
    Forge,
}

const EVENTS: [(Event, u32); 15] = [
    (Event::Request, 12),
    (Event::Commit, 12),
    (Event::Round, 8),
    (Event::Deliver, 150),
    (Event::Drop, 3),
    (Event::Duplicate, 3),
    (Event::Delay, 3),
    (Event::Cut, 2),
    (Event::Heal, 12),
    (Event::Crash, 1),
    (Event::Restart, 12),
    (Event::Skew, 1),
    (Event::Decide, 15),
    (Event::Replay, 1),
    (Event::Forge, 1),
];

struct Sim<'a> {
    config: &'a SimConfig,
    rng: StdRng,
    roster: Roster,
    batch: Batch,
    template: Application,
    nodes: Vec<SimNode>,
    net: Network,
    clock_ms: i64,
    step: u64,
    report: Report,
    checker: Checker,
    /// With [`Flaw::ReceiptOnlyOnMerge`]: records the ministry merged and has not receipted
    /// yet, held in memory only.
    merged_unreceipted: BTreeSet<DocId>,
}

const RECOMMENDERS: [(&str, &str, RecommenderKind); 4] = [
    (
        "beijing",
        "北京市人力资源和社会保障局",
        RecommenderKind::Province,
    ),
    (
        "shanghai",
        "上海市人力资源和社会保障局",
        RecommenderKind::Province,
    ),
    ("miit", "工业和信息化部", RecommenderKind::Department),
    (
        "sinopec",
        "中国石油化工集团公司",
        RecommenderKind::CentralEnterprise,
    ),
];

impl<'a> Sim<'a> {
    /// The federation of one seed: the ministry first, then each HQ followed by its field
    /// offices; the ministry links to every HQ and each field office to its HQ alone.
    fn new(config: &'a SimConfig) -> Self {
        let mut rng = StdRng::seed_from_u64(config.seed);
        let key = |name: &str| NodeKey::for_test(&format!("simulation {}: {name}", config.seed));
        let mut roster = Roster::new(key("ministry").id());
        let mut plan: Vec<(String, Role, KeyRole)> = Vec::new();
        for (id, name, kind) in RECOMMENDERS.iter().take(rng.random_range(2..=4)) {
            let recommender: RecommenderId = id.parse().expect("a valid recommender id");
            roster
                .add_recommender(Recommender {
                    id: recommender.clone(),
                    name: (*name).into(),
                    kind: *kind,
                })
                .expect("a valid recommender");
            plan.push((
                format!("{id} hq"),
                Role::Hq(recommender.clone()),
                KeyRole::Hq,
            ));
            for n in 1..=rng.random_range(0..=2) {
                let role = Role::FieldOffice(recommender.clone());
                plan.push((format!("{id} field {n}"), role, KeyRole::FieldOffice));
            }
        }
        for (name, role, key_role) in &plan {
            let recommender = role.recommender().expect("a recommender's node").clone();
            roster
                .add_key(key(name).id(), recommender, *key_role)
                .expect("a valid key");
        }
        let ministry = SimNode::new(
            "ministry".into(),
            Role::Ministry,
            key("ministry"),
            roster.clone(),
        );
        let mut nodes = vec![ministry];
        let mut net = Network::default();
        let mut hq = MINISTRY;
        for (name, role, _) in plan {
            let index = nodes.len();
            let peer = match role {
                Role::Hq(_) => {
                    hq = index;
                    MINISTRY
                }
                _ => hq,
            };
            net.links.push(Link {
                a: peer,
                b: index,
                up: true,
            });
            nodes.push(SimNode::new(name.clone(), role, key(&name), roster.clone()));
        }
        let mut batch = Batch::from_toml_str(include_str!("../../config/examples/batch-6.toml"))
            .expect("the shipped batch parses");
        // Steps advance 10.5 minutes on average; the deadline falls at 80% of the run.
        let span_ms = config.steps as i64 * 630_000;
        batch.deadline = Timestamp(START.0 + span_ms * 4 / 5);
        Self {
            config,
            rng,
            roster,
            batch,
            template: workload::template(),
            nodes,
            net,
            clock_ms: START.0,
            step: 0,
            report: Report {
                seeds: 1,
                ..Report::default()
            },
            checker: Checker::default(),
            merged_unreceipted: BTreeSet::new(),
        }
    }

    fn violation(&self, broken: Broken) -> Violation {
        Violation {
            seed: self.config.seed,
            flaw: self.config.flaw,
            step: self.step,
            invariant: broken.invariant,
            detail: broken.detail,
        }
    }

    fn now(&self, node: usize) -> Timestamp {
        Timestamp(self.clock_ms + self.nodes[node].skew_ms)
    }

    fn pick(&mut self, from: &[usize]) -> usize {
        from[self.rng.random_range(0..from.len())]
    }

    fn nodes_where(&self, wanted: impl Fn(&SimNode) -> bool) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| wanted(&self.nodes[i]))
            .collect()
    }

    /// Links that are up (or cut) between two nodes that are both up.
    fn links_where(&self, up: bool) -> Vec<usize> {
        (0..self.net.links.len())
            .filter(|&i| {
                let link = &self.net.links[i];
                link.up == up && (!up || (self.nodes[link.a].up && self.nodes[link.b].up))
            })
            .collect()
    }

    fn possible(&self, event: Event) -> bool {
        let deliverable = !self.net.deliverable(self.step).is_empty();
        match event {
            Event::Request => self
                .nodes
                .iter()
                .any(|n| n.up && n.pending.is_none() && n.role.recommender().is_some()),
            Event::Commit => self.nodes.iter().any(|n| n.up && n.pending.is_some()),
            Event::Round | Event::Cut | Event::Replay | Event::Forge => {
                !self.links_where(true).is_empty()
            }
            Event::Deliver | Event::Drop | Event::Duplicate => deliverable,
            Event::Delay => !self.net.in_flight.is_empty(),
            Event::Heal => !self.links_where(false).is_empty(),
            Event::Crash | Event::Skew => true,
            Event::Restart => self.nodes.iter().any(|n| !n.up),
            Event::Decide => self.nodes[MINISTRY].up,
        }
    }

    fn one_event(&mut self) -> Result<(), Broken> {
        let choices: Vec<(Event, u32)> = EVENTS
            .iter()
            .copied()
            .filter(|(event, _)| self.possible(*event))
            .collect();
        let total: u32 = choices.iter().map(|(_, w)| w).sum();
        let mut pick = self.rng.random_range(0..total);
        let event = choices
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map_or(Event::Deliver, |(event, _)| *event);
        self.carry_out(event)
    }

    fn carry_out(&mut self, event: Event) -> Result<(), Broken> {
        match event {
            Event::Request => self.request(),
            Event::Commit => {
                let node = self.pick(&self.nodes_where(|n| n.up && n.pending.is_some()));
                self.commit(node)?;
            }
            Event::Round => {
                let link = self.pick(&self.links_where(true));
                let (a, b) = (self.net.links[link].a, self.net.links[link].b);
                let (from, to) = if self.rng.random_bool(0.5) {
                    (a, b)
                } else {
                    (b, a)
                };
                self.start_round(from, to);
            }
            Event::Deliver => {
                // A burst: the network carries several messages while users do one thing.
                for _ in 0..self.rng.random_range(1..=4) {
                    let deliverable = self.net.deliverable(self.step);
                    if deliverable.is_empty() {
                        break;
                    }
                    let index = self.pick(&deliverable);
                    self.deliver(index)?;
                }
            }
            Event::Drop => {
                let index = self.pick(&self.net.deliverable(self.step));
                self.net.in_flight.remove(index);
                self.report.count("drop", 1);
            }
            Event::Duplicate => {
                let index = self.pick(&self.net.deliverable(self.step));
                let copy = self.net.in_flight[index].clone();
                self.net.in_flight.push(copy);
                self.report.count("duplicate", 1);
            }
            Event::Delay => {
                let index = self.rng.random_range(0..self.net.in_flight.len());
                self.net.in_flight[index].not_before = self.step + self.rng.random_range(5..=60);
                self.report.count("delay", 1);
            }
            Event::Cut => {
                let link = self.pick(&self.links_where(true));
                let lost = self.net.cut(link) as u64;
                self.report.count("partition", 1);
                self.report.count("lost-in-partition", lost);
            }
            Event::Heal => {
                let link = self.pick(&self.links_where(false));
                self.net.links[link].up = true;
                self.report.count("heal", 1);
            }
            Event::Crash => {
                let node = self.rng.random_range(0..self.nodes.len());
                self.crash(node);
            }
            Event::Restart => {
                let node = self.pick(&self.nodes_where(|n| !n.up));
                self.restart(node)?;
            }
            Event::Skew => {
                let node = self.rng.random_range(0..self.nodes.len());
                self.nodes[node].skew_ms = self.rng.random_range(-3 * 3_600_000..=3 * 3_600_000);
                self.report.count("clock-skew", 1);
            }
            Event::Decide => {
                self.decide()?;
            }
            Event::Replay => self.hostile(false),
            Event::Forge => self.hostile(true),
        }
        Ok(())
    }

    fn request(&mut self) {
        let candidates =
            self.nodes_where(|n| n.up && n.pending.is_none() && n.role.recommender().is_some());
        let node = self.pick(&candidates);
        let Some(op) = workload::choose_op(&mut self.rng, &self.nodes[node], &self.template) else {
            return;
        };
        let now = self.now(node);
        if !self.nodes[node].request(op, BatchNumber(6), now) {
            return;
        }
        self.report.count("write-request", 1);
        if self.config.flaw == Some(Flaw::AcknowledgeBeforeStoring)
            && let Some(pending) = &self.nodes[node].pending
        {
            // The flaw: the user is told the write is safe before the node has stored it.
            self.checker.ack(node, &pending.entry.clone(), pending.op);
        }
    }

    fn commit(&mut self, node: usize) -> Result<(), Broken> {
        let op = self.nodes[node].pending.as_ref().map_or("write", |p| p.op);
        let stored = self.nodes[node].commit().map_err(|detail| Broken {
            invariant: check::invariant::ACKNOWLEDGED_DURABLE,
            detail: format!(
                "{} could not store its own {op}: {detail}",
                self.nodes[node].name
            ),
        })?;
        if let Some(entry) = stored {
            self.report.count("write-commit", 1);
            if self.config.flaw != Some(Flaw::AcknowledgeBeforeStoring) {
                self.checker.ack(node, &entry, op);
            }
            self.notify(node, None);
        }
        Ok(())
    }

    /// The daemon's push notification: a node with new entries starts a round with its linked
    /// peers (but the one it learned them from). One notification in ten is lost; periodic
    /// rounds are the safety net.
    fn notify(&mut self, node: usize, except: Option<usize>) {
        let peers: Vec<usize> = self
            .net
            .links
            .iter()
            .filter(|link| link.up && (link.a == node || link.b == node))
            .map(|link| if link.a == node { link.b } else { link.a })
            .filter(|&peer| Some(peer) != except && self.nodes[peer].up)
            .collect();
        for peer in peers {
            if self.rng.random_bool(0.9) {
                self.report.count("notify", 1);
                self.start_round(node, peer);
            }
        }
    }

    fn crash(&mut self, node: usize) {
        if !self.nodes[node].up {
            return;
        }
        if self.nodes[node].pending.is_some() {
            self.report.count("write-lost-in-crash", 1);
        }
        self.nodes[node].crash();
        if node == MINISTRY {
            self.merged_unreceipted.clear();
        }
        let lost = self.net.lose_node(node) as u64;
        self.report.count("crash", 1);
        self.report.count("lost-in-crash", lost);
    }

    fn restart(&mut self, node: usize) -> Result<(), Broken> {
        let problems = self.nodes[node].restart();
        self.report.count("restart", 1);
        match problems.first() {
            None => Ok(()),
            Some(problem) => Err(Broken {
                invariant: check::invariant::STORED_ENTRIES_VERIFY,
                detail: format!("{} on restart: {problem}", self.nodes[node].name),
            }),
        }
    }

    fn send(&mut self, from: usize, to: usize, frame: Frame) {
        if self.net.send(from, to, frame, self.step) {
            self.report.count("message", 1);
        }
    }

    fn start_round(&mut self, from: usize, to: usize) {
        let digest = self.nodes[from].digest_for(&self.nodes[to].id());
        self.report.count("round", 1);
        let bytes = sync::encode(&digest).expect("a digest encodes");
        self.send(from, to, Frame::Request(bytes));
    }

    /// Delivers one message: the receiver decodes it as the daemon does and answers or goes on
    /// with the round.
    fn deliver(&mut self, index: usize) -> Result<(), Broken> {
        let message = self.net.in_flight.remove(index);
        self.report.count("deliver", 1);
        let (from, to) = (message.from, message.to);
        if !self.nodes[to].up {
            return Ok(());
        }
        let peer = self.nodes[from].id();
        let merged = match message.frame {
            Frame::Request(bytes) => {
                let request: Request = sync::decode(&bytes).expect("our own frames decode");
                let (response, merged) = self.nodes[to].answer(&peer, request);
                let bytes = sync::encode(&response).expect("a response encodes");
                self.send(to, from, Frame::Response(bytes));
                merged
            }
            Frame::Response(bytes) => {
                let response: Response = sync::decode(&bytes).expect("our own frames decode");
                let (next, merged) = self.nodes[to].on_response(&peer, response);
                for request in next {
                    let bytes = sync::encode(&request).expect("a request encodes");
                    self.send(to, from, Frame::Request(bytes));
                }
                merged
            }
        };
        self.report.count("entry-merged", merged.len() as u64);
        if merged.is_empty() {
            return Ok(());
        }
        // Like the daemon, the ministry often decides right after a merge; the scheduled
        // decision covers the times it does not.
        let record_merged = merged.iter().any(|d| matches!(d, DocId::Record { .. }));
        if to == MINISTRY && self.config.flaw == Some(Flaw::ReceiptOnlyOnMerge) {
            self.merged_unreceipted.extend(merged.iter().cloned());
        }
        if to == MINISTRY && record_merged && self.rng.random_bool(0.7) {
            self.decide()?;
        }
        self.notify(to, Some(from));
        Ok(())
    }

    fn decide(&mut self) -> Result<bool, Broken> {
        let now = self.now(MINISTRY);
        let decided = ministry::receipt_and_decide(
            &mut self.nodes[MINISTRY],
            &self.batch,
            &self.roster,
            now,
            self.config.flaw,
            (self.config.flaw == Some(Flaw::ReceiptOnlyOnMerge))
                .then_some(&self.merged_unreceipted),
        )
        .map_err(|detail| Broken {
            invariant: check::invariant::VERDICTS_FOLLOW_RECEIPTS,
            detail: format!("the ministry could not write its decisions: {detail}"),
        })?;
        self.merged_unreceipted.clear();
        self.report.count("decide", 1);
        self.report
            .count("resubmission-receipted", decided.resubmissions);
        for receipt in &decided.receipts {
            self.report.receipts += 1;
            if !self.batch.is_on_time(receipt.received_at) {
                self.report.late_receipts += 1;
            }
            if matches!(receipt.event, ReceiptEvent::Withdrawn { .. }) {
                self.report.count("withdrawal-receipted", 1);
            }
        }
        for entry in &decided.entries {
            self.checker.ack(MINISTRY, entry, "decision");
        }
        if !decided.entries.is_empty() {
            self.notify(MINISTRY, None);
        }
        Ok(!decided.entries.is_empty())
    }

    /// A hostile peer sends one stored entry again, or a forged copy of it.
    fn hostile(&mut self, forge: bool) {
        let link = self.pick(&self.links_where(true));
        let (a, b) = (self.net.links[link].a, self.net.links[link].b);
        let (from, to) = if self.rng.random_bool(0.5) {
            (a, b)
        } else {
            (b, a)
        };
        let readable: Vec<&SignedEntry> = self.nodes[from]
            .store
            .feeds
            .iter()
            .filter(|((_, topic), _)| self.roster.may_read(&self.nodes[to].id(), topic))
            .flat_map(|(_, feed)| feed.entries())
            .collect();
        if readable.is_empty() {
            return;
        }
        let mut bytes = readable[self.rng.random_range(0..readable.len())].encode();
        if forge {
            let last = bytes.len() - 1;
            bytes[last] ^= 0x20;
        }
        let push = sync::encode(&Request::Push {
            entries: vec![bytes],
        })
        .expect("a push encodes");
        self.report.count(
            if forge {
                "forged-entry"
            } else {
                "replayed-entry"
            },
            1,
        );
        self.send(from, to, Frame::Request(push));
    }

    /// Ends the faults: every node restarts, writes in progress complete, every link heals,
    /// and rounds on every link run with faithful, in-order delivery until a whole pass merges
    /// nothing and the ministry has nothing left to decide.
    fn settle(&mut self) -> Result<(), Broken> {
        for node in 0..self.nodes.len() {
            if !self.nodes[node].up {
                self.restart(node)?;
            }
            self.commit(node)?;
        }
        for link in &mut self.net.links {
            link.up = true;
        }
        for message in &mut self.net.in_flight {
            message.not_before = 0;
        }
        for _ in 0..SETTLE_ROUNDS {
            self.report.settle_rounds += 1;
            let before: usize = self.nodes.iter().map(|n| n.store.entry_count()).sum();
            for link in 0..self.net.links.len() {
                let (a, b) = (self.net.links[link].a, self.net.links[link].b);
                self.start_round(a, b);
                self.start_round(b, a);
            }
            while !self.net.in_flight.is_empty() {
                self.deliver(0)?;
            }
            let decided = self.decide()?;
            let after: usize = self.nodes.iter().map(|n| n.store.entry_count()).sum();
            if before == after && !decided {
                return Ok(());
            }
        }
        Err(Broken {
            invariant: check::invariant::QUIESCENCE,
            detail: format!("still merging entries after {SETTLE_ROUNDS} settling rounds"),
        })
    }

    fn finish(mut self) -> Report {
        self.report.steps = self.config.steps;
        self.report.invariant_checks = self.checker.checks;
        self.report.acknowledged_writes = self.checker.acknowledged() as u64;
        for verdict in ministry::all_verdicts(&self.nodes[MINISTRY], &self.roster).values() {
            *self
                .report
                .verdicts
                .entry(verdict.verdict.key())
                .or_default() += 1;
        }
        for node in &self.nodes {
            for (kind, n) in &node.store.quarantined {
                *self.report.refused.entry(kind.key()).or_default() += n;
            }
        }
        self.report
    }
}
