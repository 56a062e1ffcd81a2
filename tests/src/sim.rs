//! A deterministic simulator of fedrec's federation, running the daemon's own code.
//!
//! Every simulated node is a real `fedrec_node::Node` over its own RocksDB database (on tmpfs
//! when there is one): the intake, the record rules (frozen submissions, acts), the ministry's
//! receipts and verdicts, restore protection and the sync protocol are the ones the daemon
//! ships; see [`replica`]. The simulator plays what is around the nodes: the network, the
//! users, the clocks and the faults.
//!
//! One seed fixes everything: the federation's shape (a ministry, two to four recommenders' HQs,
//! up to two field offices per HQ, each linked to its HQ only, some granted the right to
//! submit), the users' work and every fault. A seeded `StdRng` drives a scheduler that, step by
//! step, picks one event: a user's write request or its commit, a periodic sync round,
//! delivering a burst of messages (each picked among all deliverable ones, so messages are
//! reordered), dropping, duplicating or delaying a message, cutting or healing a link, crashing
//! a node (it loses its in-flight messages, its memory and any write not yet begun) or
//! restarting it as the daemon starts, skewing a node's clock, the ministry receipting what
//! intake marked, or a hostile peer replaying a stored entry or forging one. A node that takes
//! in new entries starts rounds with its peers, as the daemon's push notification does, but one
//! notification in ten is lost. Simulated time advances by one to twenty minutes a step, and
//! the batch's deadline falls at 80% of the run, so some submissions arrive late.
//!
//! After every step the [`check`] module verifies the invariants against what the nodes'
//! databases hold; at the end every node restarts, every link heals, delivery runs until
//! nothing new happens and the federation must have converged. A violation names the seed,
//! the step and the invariant, and `FEDREC_SIM_SEED=<seed>` replays it exactly.
//!
//! Nothing here reads the system clock or iterates a hash map, and every node reads the time
//! from the clock the simulator sets, so a seed replays bit for bit.

pub mod check;
pub mod ministry;
pub mod network;
pub mod replica;
pub mod report;
pub mod workload;

pub use report::{Report, Violation};

use std::collections::BTreeMap;
use std::path::PathBuf;

use fedrec_common::batch::Batch;
use fedrec_common::form::Application;
use fedrec_common::identity::NodeKey;
use fedrec_common::ids::RecommenderId;
use fedrec_common::roster::{RecommenderKind, Roster};
use fedrec_common::rules::{ReceiptEvent, RecordVerdict, Verdict};
use fedrec_common::sync::{self, Request, Response};
use fedrec_common::timestamp::Timestamp;
use fedrec_node::node::RosterAdd;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use check::{Broken, Checker, MINISTRY};
use network::{Frame, Link, Network};
use replica::{Role, SimNode, Written};

/// A fault planted on purpose, to show that the checker catches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// Nodes acknowledge a write before it is durable: a crash loses the last one (played by
    /// putting back, after the crash, a copy of the database taken just before that write).
    AcknowledgeBeforeStoring,
    /// The ministry accepts every eligible submission, ignoring the quota (flawed rules planted
    /// in the ministry's node).
    SecondAcceptance,
    /// Receipting only in reaction to merging one of a record's entries, with the merge and the
    /// receipt as two writes and nothing to finish the second after a crash: a submission can
    /// stay unreceipted for good. The simulation found this in the daemon; the daemon now writes
    /// a `to_receipt` marker in the merge's own batch and finishes leftover markers at start-up
    /// (`node/src/intake.rs`). Planted by deleting the ministry's markers when it crashes, as
    /// if they had lived in memory only.
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

/// Where the nodes' databases go: memory-backed `/dev/shm` when the machine has it (a synced
/// write there costs no disk flush), else the system's temporary directory.
fn scratch_dir() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    }
}

/// Runs one seed to the end, or to the first broken invariant.
pub fn run(config: &SimConfig) -> Result<Report, Violation> {
    let mut sim = Sim::new(config);
    for node in 0..sim.nodes.len() {
        sim.greet(node);
    }
    for step in 1..=config.steps {
        sim.step = step;
        sim.clock_ms += sim.rng.random_range(60_000..=1_200_000);
        sim.set_clocks();
        sim.one_event().map_err(|b| sim.violation(b))?;
        sim.acknowledge_fresh_entries();
        let full = step % FULL_CHECK_EVERY == 0;
        sim.checker
            .after_step(&sim.nodes, &sim.roster, &sim.batch, full)
            .map_err(|b| sim.violation(b))?;
    }
    sim.step = config.steps + 1;
    sim.settle().map_err(|b| sim.violation(b))?;
    sim.publish().map_err(|b| sim.violation(b))?;
    sim.acknowledge_fresh_entries();
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
    /// The nodes' databases; removed with the run.
    _dir: tempfile::TempDir,
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

/// A node the plan of a seed calls for: its name, role, key role and submit right.
type Planned = (String, Role, &'static str, bool);

impl<'a> Sim<'a> {
    /// The federation of one seed: the ministry first, then each HQ followed by its field
    /// offices; the ministry links to every HQ and each field office to its HQ alone. The
    /// ministry registers every key and publishes batch 6 through its node's own operations,
    /// and every other node imports the ministry's roster bundle, as `fedrec roster import`
    /// does.
    fn new(config: &'a SimConfig) -> Self {
        let mut rng = StdRng::seed_from_u64(config.seed);
        let key = |name: &str| NodeKey::for_test(&format!("simulation {}: {name}", config.seed));
        let dir = tempfile::Builder::new()
            .prefix("fedrec-sim-")
            .tempdir_in(scratch_dir())
            .expect("a scratch directory for the nodes' databases");
        let ministry_id = key("ministry").id();
        let mut plan: Vec<Planned> = Vec::new();
        let mut registered: BTreeMap<RecommenderId, (&str, RecommenderKind)> = BTreeMap::new();
        for (id, name, kind) in RECOMMENDERS.iter().take(rng.random_range(2..=4)) {
            let recommender: RecommenderId = id.parse().expect("a valid recommender id");
            registered.insert(recommender.clone(), (name, *kind));
            plan.push((
                format!("{id} hq"),
                Role::Hq(recommender.clone()),
                "hq",
                false,
            ));
            for n in 1..=rng.random_range(0..=2) {
                let role = Role::FieldOffice(recommender.clone());
                let may_submit = rng.random_bool(0.5);
                plan.push((format!("{id} field {n}"), role, "field_office", may_submit));
            }
        }
        let mut ministry = SimNode::new(
            "ministry".into(),
            Role::Ministry,
            key("ministry"),
            ministry_id,
            dir.path(),
            START,
        );
        if config.flaw == Some(Flaw::SecondAcceptance) {
            ministry.plant_rules(ministry::rules_without_quota);
        }
        for (name, role, key_role, may_submit) in &plan {
            let recommender = role.recommender().expect("a recommender's node");
            let (full_name, kind) = registered[recommender];
            ministry
                .node()
                .roster_add(RosterAdd {
                    recommender: recommender.to_string(),
                    name: full_name.into(),
                    kind: serde_json::to_value(kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .expect("a kind is named by a string"),
                    key: Some(key(name).id().to_hex()),
                    role: Some((*key_role).into()),
                    may_submit: *may_submit,
                })
                .expect("the ministry registers the key");
        }
        // Steps advance 10.5 minutes on average; the deadline falls at 80% of the run.
        let span_ms = config.steps as i64 * 630_000;
        let deadline = Timestamp(START.0 + span_ms * 4 / 5);
        let shipped = "deadline = \"2016-03-15T23:59:59+08:00\"";
        assert!(fedrec_config::BATCH_6_TOML.contains(shipped));
        let batch_text = fedrec_config::BATCH_6_TOML.replace(
            shipped,
            &format!("deadline = \"{}\"", deadline.to_rfc3339_cst()),
        );
        let batch = ministry
            .node()
            .publish_batch(&batch_text)
            .expect("the ministry publishes batch 6");
        let roster = ministry
            .node()
            .roster()
            .expect("the roster reads")
            .expect("the ministry holds its roster");
        ministry.reread();
        let mut nodes = vec![ministry];
        let mut net = Network::default();
        let mut hq = MINISTRY;
        for (name, role, ..) in plan {
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
            let mut node = SimNode::new(
                name.clone(),
                role,
                key(&name),
                ministry_id,
                dir.path(),
                START,
            );
            let bundle = nodes[MINISTRY]
                .node()
                .roster_bundle()
                .expect("the ministry's roster bundle");
            node.node()
                .import_bundle(bundle)
                .expect("the node imports the ministry's roster");
            node.reread();
            nodes.push(node);
        }
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
            _dir: dir,
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

    /// Moves every node's clock to the simulated time, each with its own skew.
    fn set_clocks(&self) {
        for node in &self.nodes {
            node.set_time(Timestamp(self.clock_ms));
        }
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
        if std::env::var_os("FEDREC_SIM_TRACE").is_some() {
            let open: Vec<String> = if self.nodes[MINISTRY].up {
                self.roster
                    .recommenders
                    .iter()
                    .filter(|r| {
                        self.nodes[MINISTRY]
                            .node_ref()
                            .topic_writable(&fedrec_common::ids::Topic::Recommender(r.id.clone()))
                    })
                    .map(|r| r.id.to_string())
                    .collect()
            } else {
                vec!["down".into()]
            };
            eprintln!("step {} {event:?} ministry open {open:?}", self.step);
        }
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
                self.nodes[node].set_time(Timestamp(self.clock_ms));
                self.report.count("clock-skew", 1);
            }
            Event::Decide => {
                self.decide();
            }
            Event::Replay => self.hostile(false),
            Event::Forge => self.hostile(true),
        }
        Ok(())
    }

    /// A user asks a node for a write; the node carries it out at a later commit event, unless
    /// it crashes first.
    fn request(&mut self) {
        let candidates =
            self.nodes_where(|n| n.up && n.pending.is_none() && n.role.recommender().is_some());
        let node = self.pick(&candidates);
        let Some(op) = workload::choose_op(&mut self.rng, &self.nodes[node], &self.template) else {
            return;
        };
        self.nodes[node].pending = Some(op);
        self.report.count("write-request", 1);
    }

    /// Carries out a node's pending write through the node's own operation, as the API would.
    fn commit(&mut self, node: usize) -> Result<(), Broken> {
        if self.nodes[node].pending.is_none() {
            return Ok(());
        }
        if self.config.flaw == Some(Flaw::AcknowledgeBeforeStoring) {
            self.nodes[node].keep_state_before_write();
        }
        let written = self.nodes[node].commit().map_err(|detail| Broken {
            invariant: check::invariant::ACKNOWLEDGED_DURABLE,
            detail: format!(
                "{} could not store its own write: {detail}",
                self.nodes[node].name
            ),
        })?;
        match written {
            Some((op, Written::Stored(_))) => {
                self.report.count("write-commit", 1);
                self.report.count(&format!("write-commit-{op}"), 1);
                self.notify(node, None);
            }
            Some((op, Written::Unchanged)) => {
                self.report.count(&format!("write-unchanged-{op}"), 1);
            }
            Some((op, Written::Refused(why))) => {
                self.report.count(&format!("write-refused-{op}-{why}"), 1);
            }
            None => {}
        }
        Ok(())
    }

    /// Shows the checker every entry a node signed during the step: the users' writes, and
    /// the ministry's receipts and verdicts.
    fn acknowledge_fresh_entries(&mut self) {
        for index in 0..self.nodes.len() {
            let what = if index == MINISTRY {
                "decision"
            } else {
                "write"
            };
            for entry in self.nodes[index].take_fresh_own() {
                self.checker.ack(index, &entry, what);
            }
        }
    }

    /// The daemon's push notification: a node with new entries starts a round with its linked
    /// peers (but the one it learned them from). One notification in ten is lost; periodic
    /// rounds are the safety net.
    fn notify(&mut self, node: usize, except: Option<usize>) {
        let peers = self.reachable_peers(node);
        for peer in peers.into_iter().filter(|&peer| Some(peer) != except) {
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
        if node == MINISTRY && self.config.flaw == Some(Flaw::ReceiptOnlyOnMerge) {
            self.nodes[node].forget_receipt_markers();
        }
        self.nodes[node].crash();
        if self.config.flaw == Some(Flaw::AcknowledgeBeforeStoring) {
            self.nodes[node].lose_last_write();
        }
        let lost = self.net.lose_node(node) as u64;
        self.report.count("crash", 1);
        self.report.count("lost-in-crash", lost);
    }

    fn restart(&mut self, node: usize) -> Result<(), Broken> {
        let problems = self.nodes[node].restart();
        self.report.count("restart", 1);
        match problems.first() {
            None => {
                self.greet(node);
                Ok(())
            }
            Some(problem) => Err(Broken {
                invariant: check::invariant::STORED_ENTRIES_VERIFY,
                detail: format!("{} on restart: {problem}", self.nodes[node].name),
            }),
        }
    }

    /// A started node connects to its linked peers and runs a round with each, as the daemon
    /// does on every new connection: that round is what opens it for writes.
    fn greet(&mut self, node: usize) {
        for peer in self.reachable_peers(node) {
            self.start_round(node, peer);
        }
    }

    /// The running peers `node` has a link up with, in link order.
    fn reachable_peers(&self, node: usize) -> Vec<usize> {
        self.net
            .links
            .iter()
            .filter(|link| link.up && (link.a == node || link.b == node))
            .map(|link| if link.a == node { link.b } else { link.a })
            .filter(|&peer| self.nodes[peer].up)
            .collect()
    }

    fn send(&mut self, from: usize, to: usize, frame: Frame) {
        if self.net.send(from, to, frame, self.step) {
            self.report.count("message", 1);
        }
    }

    fn start_round(&mut self, from: usize, to: usize) {
        let peer = self.nodes[to].id();
        let digest = self.nodes[from].digest_for(&peer);
        self.report.count("round", 1);
        let bytes = sync::encode(&digest).expect("a digest encodes");
        self.send(from, to, Frame::Request(bytes));
    }

    /// Delivers one message: the receiving node decodes it as the daemon does and answers or
    /// goes on with the round.
    fn deliver(&mut self, index: usize) -> Result<(), Broken> {
        let message = self.net.in_flight.remove(index);
        self.report.count("deliver", 1);
        let (from, to) = (message.from, message.to);
        if !self.nodes[to].up {
            return Ok(());
        }
        let peer = self.nodes[from].id();
        let learned = match message.frame {
            Frame::Request(bytes) => {
                let request: Request = sync::decode(&bytes).expect("our own frames decode");
                let (response, learned) = self.nodes[to].answer(&peer, request);
                let bytes = sync::encode(&response).expect("a response encodes");
                self.send(to, from, Frame::Response(bytes));
                learned
            }
            Frame::Response(bytes) => {
                let response: Response = sync::decode(&bytes).expect("our own frames decode");
                let (next, learned, unfinished) = self.nodes[to].on_response(&peer, response);
                for request in next {
                    let bytes = sync::encode(&request).expect("a request encodes");
                    self.send(to, from, Frame::Request(bytes));
                }
                if unfinished {
                    self.report.count("round-over-budget", 1);
                    self.start_round(to, from);
                }
                learned
            }
        };
        if !learned {
            return Ok(());
        }
        self.report.count("message-with-new-entries", 1);
        // The daemon receipts right after each intake; here that is a step of its own, which
        // follows most intakes at once, so that a crash can fall between the two.
        if to == MINISTRY && self.rng.random_bool(0.7) {
            self.decide();
        }
        self.notify(to, Some(from));
        Ok(())
    }

    /// The ministry writes the receipts (and verdicts) of the status changes its intake marked:
    /// the daemon's `Node::resume_receipts`. Returns whether it wrote anything.
    fn decide(&mut self) -> bool {
        if !self.nodes[MINISTRY].up {
            return false;
        }
        let before = self.nodes[MINISTRY].store.entry_count();
        self.nodes[MINISTRY].receipt();
        self.report.count("decide", 1);
        let wrote = self.nodes[MINISTRY].store.entry_count() != before;
        if wrote {
            self.notify(MINISTRY, None);
        }
        wrote
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
        let readable: Vec<&fedrec_common::feed::SignedEntry> = self.nodes[from]
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
    /// nothing and the ministry has nothing left to receipt.
    fn settle(&mut self) -> Result<(), Broken> {
        self.set_clocks();
        for node in 0..self.nodes.len() {
            if !self.nodes[node].up {
                self.restart(node)?;
            }
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
            // Writes asked for before the end go through once the node is open again.
            for node in 0..self.nodes.len() {
                self.commit(node)?;
            }
            let decided = self.decide();
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

    /// After the deadline and the settling, the ministry reviews and recognises every accepted
    /// record and publishes the list, through its node's own operations; once the list has
    /// replicated, what was published must be what was receipted.
    fn publish(&mut self) -> Result<(), Broken> {
        let accepted: Vec<RecordVerdict> =
            ministry::all_verdicts(&self.nodes[MINISTRY], &self.roster)
                .into_values()
                .filter(|v| v.verdict == Verdict::Accepted)
                .collect();
        if accepted.is_empty() {
            self.report.count("nothing-to-publish", 1);
            return Ok(());
        }
        let fail = |what: &str, error: fedrec_node::node::NodeError| Broken {
            invariant: check::invariant::PUBLISHED_AS_RECEIPTED,
            detail: format!("the ministry could not {what}: {error}"),
        };
        let subsidy = self.batch.subsidy_cap_yuan.min(3_000_000);
        let ministry = self.nodes[MINISTRY].node();
        for verdict in &accepted {
            let doc = fedrec_common::ids::DocId::Record {
                batch: self.batch.number,
                recommender: verdict.recommender.clone(),
                record: verdict.record,
            }
            .to_string();
            ministry
                .review(&doc, "专家甲", 85, "材料齐全，同意认定。")
                .map_err(|e| fail("record a review", e))?;
            ministry
                .recognise(&doc, subsidy)
                .map_err(|e| fail("recognise a base", e))?;
        }
        ministry
            .publish(self.batch.number.0)
            .map_err(|e| fail("publish", e))?;
        self.nodes[MINISTRY].reread();
        self.settle()?;
        let seen = check::published_as_receipted(&mut self.nodes, &self.roster)?;
        self.report.count("published-base", seen.bases);
        self.report.count(
            "published-base-document-changed-since",
            seen.document_differs,
        );
        self.report.count(
            "published-base-withdrawn-after-deadline",
            seen.withdrawn_after_deadline,
        );
        self.checker.checks += 1;
        Ok(())
    }

    fn finish(mut self) -> Report {
        self.report.steps = self.config.steps;
        self.report.invariant_checks = self.checker.checks;
        self.report.acknowledged_writes = self.checker.acknowledged() as u64;
        let receipts = ministry::all_receipts(&self.nodes[MINISTRY], &self.roster);
        let mut last: BTreeMap<_, &ReceiptEvent> = BTreeMap::new();
        for receipt in &receipts {
            self.report.receipts += 1;
            if !self.batch.is_on_time(receipt.received_at) {
                self.report.late_receipts += 1;
            }
            let record = *receipt.record().1;
            match &receipt.event {
                ReceiptEvent::Withdrawn { .. } => self.report.count("withdrawal-receipted", 1),
                ReceiptEvent::Submitted(_) => {
                    if matches!(last.get(&record), Some(ReceiptEvent::Withdrawn { .. })) {
                        self.report.count("resubmission-receipted", 1);
                    }
                }
            }
            last.insert(record, &receipt.event);
        }
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
