//! `fedrec demo`: a whole federation in one process, on loopback, in a temporary directory.
//!
//! A ministry, five recommenders (three provinces, a State Council department, a central
//! enterprise) and Shanghai's field office, each a full node (its own key, RocksDB, libp2p
//! network and HTTP API), driven through the same HTTP API the CLI uses. The story covers every
//! verdict the notice's rules can give:
//!
//! - Shanghai's HQ recommends one institution (accepted), and its field office, which the
//!   ministry's roster lets submit, working offline, recommends another that reaches the
//!   ministry later through the HQ (quota exceeded);
//! - Guangdong and Sichuan recommend the same institution (conflict, on both);
//! - the MIIT submits, withdraws (withdrawn), and resubmits after the deadline (late);
//! - the central enterprise works offline from a roster file while the ministry lowers the
//!   rehearsal's subsidy cap; its request, valid where it was signed, is invalid at the ministry.
//!
//! The sixth batch's real deadline (2016-03-15) has passed, so the demo publishes a rehearsal of
//! it whose deadline is a few seconds ahead. At the end every verdict is checked against what
//! the rules must give, and the demo fails (exit 1) if any differs: CI runs it that way.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fedrec_common::credit_code::CreditCode;
use fedrec_common::form::Application;
use fedrec_config::{Overrides, Role};
use serde_json::{Value, json};

use crate::cli::{arg, say};
use crate::client::Client;
use crate::daemon::{self, InitRequest, RunningNode};
use crate::ministry::DecisionRow;

/// What `fedrec demo` was asked for.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Keep the nodes running (until Ctrl-C) with their API addresses printed.
    pub keep_running: bool,
    /// Where to put the nodes' data; kept afterwards. Without it, a temporary directory that is
    /// removed at the end.
    pub dir: Option<PathBuf>,
    /// Seconds from publishing the rehearsal batch to its deadline.
    pub deadline_secs: u64,
}

/// One office of the demo.
struct Office {
    dir: String,
    recommender: &'static str,
    name: &'static str,
    kind: &'static str,
    role: &'static str,
}

const OFFICES: [(&str, &str, &str, &str, &str); 6] = [
    (
        "shanghai",
        "shanghai",
        "上海市人力资源和社会保障局",
        "province",
        "hq",
    ),
    (
        "pudong",
        "shanghai",
        "上海市浦东新区人力资源和社会保障局",
        "province",
        "field_office",
    ),
    (
        "guangdong",
        "guangdong",
        "广东省人力资源和社会保障厅",
        "province",
        "hq",
    ),
    (
        "sichuan",
        "sichuan",
        "四川省人力资源和社会保障厅",
        "province",
        "hq",
    ),
    (
        "miit",
        "miit",
        "工业和信息化部人事教育司",
        "department",
        "hq",
    ),
    (
        "cnpc",
        "cnpc",
        "中国石油天然气集团公司人事部",
        "central_enterprise",
        "hq",
    ),
];

/// The demo's federation while it runs.
struct Federation {
    root: PathBuf,
    runtime: tokio::runtime::Runtime,
    nodes: Vec<(String, RunningNode)>,
    started: Instant,
}

impl Federation {
    fn data(&self, office: &str) -> PathBuf {
        self.root.join(office)
    }

    fn client(&self, office: &str) -> anyhow::Result<Client> {
        Ok(Client::connect(&self.data(office))?)
    }

    fn say(&self, text: impl AsRef<str>) {
        println!(
            "[{:>5.1} s] {}",
            self.started.elapsed().as_secs_f64(),
            text.as_ref()
        );
    }

    /// Starts an office's node in this process; `offline` means no network at all.
    fn start(&mut self, office: &str, offline: bool) -> anyhow::Result<()> {
        let data = self.data(office);
        let node = self
            .runtime
            .block_on(daemon::start(&data, &Overrides::default(), offline))
            .with_context(|| say("demo-starting", &[("office", arg(office))]))?;
        self.nodes.push((office.to_string(), node));
        Ok(())
    }

    fn stop(&mut self, office: &str) -> anyhow::Result<()> {
        if let Some(index) = self.nodes.iter().position(|(name, _)| name == office) {
            let (_, node) = self.nodes.remove(index);
            self.runtime.block_on(node.stop())?;
        }
        Ok(())
    }

    fn stop_all(&mut self) {
        for (name, node) in self.nodes.drain(..).rev() {
            if let Err(error) = self.runtime.block_on(node.stop()) {
                let error = crate::wording::chain(&error, crate::cli::lang());
                eprintln!(
                    "{}",
                    say(
                        "demo-stopping-failed",
                        &[("name", arg(&name)), ("error", arg(error))]
                    )
                );
            }
        }
    }

    /// Waits for `condition`, printing `what` with the condition's progress text every second.
    fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        mut condition: impl FnMut() -> anyhow::Result<Option<String>>,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        let mut last_report = Instant::now();
        loop {
            match condition()? {
                None => return Ok(()),
                Some(progress) => {
                    if Instant::now() > deadline {
                        bail!(
                            "{}",
                            say(
                                "demo-gave-up",
                                &[
                                    ("what", arg(what)),
                                    ("seconds", arg(timeout.as_secs())),
                                    ("progress", arg(&progress)),
                                ],
                            )
                        );
                    }
                    if last_report.elapsed() >= Duration::from_secs(1) {
                        let waiting = say(
                            "demo-waiting",
                            &[("what", arg(what)), ("progress", arg(&progress))],
                        );
                        self.say(format!("  {waiting}"));
                        last_report = Instant::now();
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_writable(&self, office: &str) -> anyhow::Result<()> {
        let client = self.client(office)?;
        self.wait_for(
            &say("demo-hear-from-peer", &[("office", arg(office))]),
            Duration::from_secs(30),
            || {
                let health: Value = client.get("/health")?;
                let status: Value = client.get("/status")?;
                let has_batch = status["batches"]
                    .as_array()
                    .is_some_and(|b| b.contains(&json!(6)));
                Ok((health["writable"] != true || !has_batch)
                    .then(|| say("demo-waiting-roster", &[])))
            },
        )
    }

    /// The ministry's decisions, by record id.
    fn ministry_rows(&self) -> anyhow::Result<Vec<DecisionRow>> {
        Ok(self.client("ministry")?.get("/decisions")?)
    }

    /// Waits until the ministry shows `verdict` for `record`.
    fn wait_verdict(&self, record: &str, verdict: &str) -> anyhow::Result<()> {
        self.wait_for(
            &say("demo-verdict-on", &[("record", arg(record))]),
            Duration::from_secs(60),
            || {
                let rows = self.ministry_rows()?;
                let shown = rows
                    .iter()
                    .find(|r| r.record.as_deref() == Some(record))
                    .map(|r| r.verdict.clone());
                Ok(match shown {
                    Some(shown) if shown == verdict => None,
                    Some(shown) => Some(say("demo-verdict-now", &[("verdict", arg(shown))])),
                    None => Some(say("demo-verdict-not-yet", &[])),
                })
            },
        )
    }

    /// Creates a record from an application and returns its id.
    fn new_record(&self, office: &str, application: &Application) -> anyhow::Result<String> {
        let created: Value = self.client(office)?.send("POST", "/records", application)?;
        created["id"]
            .as_str()
            .map(str::to_string)
            .with_context(|| say("demo-no-record-id", &[]))
    }

    fn post(&self, office: &str, path: &str) -> anyhow::Result<Value> {
        Ok(self.client(office)?.send("POST", path, &json!({}))?)
    }
}

/// A valid unified social credit code (GB 32100) made from a 16-character body.
fn credit_code(body: &str) -> anyhow::Result<String> {
    Ok(CreditCode::complete(body)
        .with_context(|| say("demo-no-credit-code", &[("body", arg(body))]))?
        .as_str()
        .to_string())
}

/// The example application, for another institution, recommender and subsidy request.
fn application(
    institution: &str,
    credit_code: &str,
    recommender: &str,
    subsidy_yuan: u64,
) -> anyhow::Result<Application> {
    let text = fedrec_config::EXAMPLE_APPLICATION_TOML
        .replace("上海集成电路产业技术继续教育学院", institution)
        .replace("123100004250015860", credit_code)
        .replace("上海市人力资源和社会保障局", recommender)
        .replace(
            "requested_subsidy_yuan = 4800000",
            &format!("requested_subsidy_yuan = {subsidy_yuan}"),
        );
    Application::from_toml_str(&text).map_err(|e| {
        let error = fedrec_common::i18n::Worded::worded(&e, crate::cli::lang());
        anyhow::anyhow!(say("demo-bad-application", &[("error", arg(error))]))
    })
}

/// The rehearsal of batch 6: deadline `deadline`, subsidy cap `cap`.
fn rehearsal_batch(deadline: &fedrec_common::timestamp::Timestamp, cap: u64) -> String {
    fedrec_config::BATCH_6_TOML
        .replace(
            "title = \"第六批国家级专业技术人员继续教育基地\"",
            "title = \"第六批国家级专业技术人员继续教育基地（演练）\"",
        )
        .replace("2016-03-15T23:59:59+08:00", &deadline.to_rfc3339_cst())
        .replace(
            "subsidy_cap_yuan = 5000000",
            &format!("subsidy_cap_yuan = {cap}"),
        )
}

/// A loopback port free now for a node's p2p listener, below Linux's ephemeral range (32768
/// and up by default) and never handed out before by this process. Nodes bind their ports only
/// when they start; a port from the ephemeral range could meanwhile be taken by another node's
/// API socket or an outgoing connection (it happened to 4 of 300 offices).
pub fn free_port() -> anyhow::Result<u16> {
    const FIRST: u16 = 20_000;
    const COUNT: u16 = 12_000;
    static NEXT: std::sync::Mutex<Option<u16>> = std::sync::Mutex::new(None);
    let mut next = NEXT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Start at a place that depends on the process, so two demos or benches rarely meet.
    let mut offset = next.unwrap_or((std::process::id() % u32::from(COUNT)) as u16);
    for _ in 0..COUNT {
        let port = FIRST + offset;
        offset = (offset + 1) % COUNT;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            *next = Some(offset);
            return Ok(port);
        }
    }
    anyhow::bail!(say(
        "demo-no-free-port",
        &[("first", arg(FIRST)), ("last", arg(FIRST + COUNT))]
    ))
}

/// Runs the demo; returns the exit code (0 when every verdict is as the rules require).
pub fn run(options: DemoOptions) -> anyhow::Result<u8> {
    let temporary;
    let root = match &options.dir {
        Some(dir) => {
            if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
                bail!(say("demo-dir-not-empty", &[("dir", arg(dir.display()))]));
            }
            std::fs::create_dir_all(dir)?;
            dir.canonicalize()?
        }
        None => {
            temporary = tempfile::Builder::new().prefix("fedrec-demo-").tempdir()?;
            temporary.path().to_path_buf()
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()?;
    let mut federation = Federation {
        root,
        runtime,
        nodes: Vec::new(),
        started: Instant::now(),
    };
    let result = story(&mut federation, &options);
    if options.keep_running && result.is_ok() {
        println!();
        println!("{}", say("demo-keep-running", &[]));
        for (office, node) in &federation.nodes {
            let dir = federation.data(office);
            let command = say(
                "demo-command-status",
                &[("dir", arg(dir.display())), ("api", arg(node.api))],
            );
            println!("  {command}");
        }
        let dir = federation.data("ministry");
        let command = say("demo-command-decisions", &[("dir", arg(dir.display()))]);
        println!("  {command}");
        // Login links to two nodes' web interfaces, each good once within five minutes.
        for (office, user) in [("ministry", "演示管理员"), ("shanghai", "演示审核人")] {
            let data = federation.data(office);
            let link = crate::client::Client::connect(&data).and_then(|client| {
                client.send::<serde_json::Value>(
                    "POST",
                    "/login-links",
                    &serde_json::json!({ "user": user }),
                )
            });
            match link {
                Ok(link) => println!(
                    "  {}\n    {}",
                    say(
                        "demo-login-link",
                        &[
                            ("office", arg(office)),
                            ("user", arg(user)),
                            ("data", arg(data.display())),
                        ],
                    ),
                    link["url"].as_str().unwrap_or_default()
                ),
                Err(error) => println!(
                    "  {}",
                    say(
                        "demo-no-login-link",
                        &[("office", arg(office)), ("error", arg(error))],
                    )
                ),
            }
        }
        println!("{}", say("demo-ctrl-c", &[]));
        federation
            .runtime
            .block_on(async { tokio::signal::ctrl_c().await })?;
    }
    federation.stop_all();
    match &options.dir {
        Some(dir) => println!(
            "\n{}",
            say("demo-data-kept", &[("dir", arg(dir.display()))])
        ),
        None => println!("\n{}", say("demo-data-removed", &[])),
    }
    result
}

/// The demo's story, step by step.
fn story(federation: &mut Federation, options: &DemoOptions) -> anyhow::Result<u8> {
    let root = federation.root.clone();
    federation.say(say("demo-intro", &[("dir", arg(root.display()))]));

    // --- The ministry and the roster -------------------------------------------------------
    let ministry_port = free_port()?;
    let (_, ministry_peer) = daemon::init(InitRequest {
        role: Role::Ministry,
        data: root.join("ministry"),
        recommender: None,
        name: None,
        listen: Some(vec![format!("/ip4/127.0.0.1/tcp/{ministry_port}")]),
        api: Some("127.0.0.1:0".into()),
        ministry: None,
        peers: Vec::new(),
        mdns: false,
    })?;
    let ministry_address = format!("/ip4/127.0.0.1/tcp/{ministry_port}/p2p/{ministry_peer}");
    federation.start("ministry", false)?;
    federation.say(say(
        "demo-ministry-up",
        &[("address", arg(&ministry_address))],
    ));

    let offices: Vec<Office> = OFFICES
        .iter()
        .map(|(dir, recommender, name, kind, role)| Office {
            dir: dir.to_string(),
            recommender,
            name,
            kind,
            role,
        })
        .collect();
    let shanghai_port = free_port()?;
    let mut shanghai_peer = String::new();
    for office in &offices {
        let port = if office.dir == "shanghai" {
            shanghai_port
        } else {
            free_port()?
        };
        // The field office reaches the ministry only through its HQ.
        let (ministry, peers) = if office.role == "field_office" {
            (
                format!("/ip4/127.0.0.1/tcp/1/p2p/{ministry_peer}"),
                vec![format!(
                    "/ip4/127.0.0.1/tcp/{shanghai_port}/p2p/{shanghai_peer}"
                )],
            )
        } else {
            (ministry_address.clone(), Vec::new())
        };
        let (node_id, peer) = daemon::init(InitRequest {
            role: if office.role == "field_office" {
                Role::FieldOffice
            } else {
                Role::Recommender
            },
            data: root.join(&office.dir),
            recommender: Some(office.recommender.to_string()),
            name: Some(office.name.to_string()),
            listen: Some(vec![format!("/ip4/127.0.0.1/tcp/{port}")]),
            api: Some("127.0.0.1:0".into()),
            ministry: Some(ministry),
            peers,
            mdns: false,
        })?;
        if office.dir == "shanghai" {
            shanghai_peer = peer;
        }
        let _: Value = federation.client("ministry")?.send(
            "POST",
            "/roster/recommenders",
            &json!({
                "recommender": office.recommender,
                "name": office.name,
                "kind": office.kind,
                "key": node_id.to_hex(),
                "role": office.role,
                // A field office drafts; it submits only when the ministry grants it the right,
                // as it does for Pudong here.
                "may_submit": office.role == "field_office",
            }),
        )?;
    }
    federation.say(say("demo-roster-signed", &[("count", arg(offices.len()))]));

    let deadline = fedrec_common::timestamp::Timestamp::from_millis(
        crate::node::now().millis() + i64::try_from(options.deadline_secs)? * 1000,
    );
    let _: Value = federation.client("ministry")?.send_bytes(
        "POST",
        "/batches",
        "application/toml",
        rehearsal_batch(&deadline, 5_000_000).into_bytes(),
    )?;
    federation.say(say(
        "demo-batch-published",
        &[
            ("deadline", arg(deadline)),
            ("seconds", arg(options.deadline_secs)),
        ],
    ));

    // The field office and the central enterprise start with no network: they take the roster
    // and the batch from a file the ministry sent them.
    let roster_file: Value = federation.client("ministry")?.get("/roster")?;
    for office in ["shanghai", "guangdong", "sichuan", "miit"] {
        federation.start(office, false)?;
    }
    for office in ["pudong", "cnpc"] {
        federation.start(office, true)?;
        let _: Value = federation
            .client(office)?
            .send("POST", "/roster/import", &roster_file)?;
    }
    federation.say(say("demo-online", &[]));
    for office in ["shanghai", "guangdong", "sichuan", "miit"] {
        federation.wait_writable(office)?;
    }
    federation.say(say("demo-roster-held", &[]));

    // --- Submissions before the deadline ---------------------------------------------------
    let ic_institute = application(
        "上海集成电路产业技术继续教育学院",
        "123100004250015860",
        "上海市人力资源和社会保障局",
        4_800_000,
    )?;
    let shanghai_record = federation.new_record("shanghai", &ic_institute)?;
    federation.post("shanghai", &format!("/records/{shanghai_record}/submit"))?;
    federation.say(say(
        "demo-shanghai-submits",
        &[("record", arg(&shanghai_record))],
    ));

    let zhangjiang = application(
        "上海张江高科技园区专业技术人员继续教育中心",
        &credit_code("5231011532465817")?,
        "上海市浦东新区人力资源和社会保障局",
        3_500_000,
    )?;
    let pudong_record = federation.new_record("pudong", &zhangjiang)?;
    federation.post("pudong", &format!("/records/{pudong_record}/submit"))?;
    federation.say(say("demo-pudong-signs", &[("record", arg(&pudong_record))]));

    let uestc_code = credit_code("1210000045071930")?;
    let uestc = |recommender: &str| {
        application(
            "电子科技大学继续教育学院",
            &uestc_code,
            recommender,
            4_500_000,
        )
    };
    let guangdong_record =
        federation.new_record("guangdong", &uestc("广东省人力资源和社会保障厅")?)?;
    let sichuan_record = federation.new_record("sichuan", &uestc("四川省人力资源和社会保障厅")?)?;
    federation.post("guangdong", &format!("/records/{guangdong_record}/submit"))?;
    federation.post("sichuan", &format!("/records/{sichuan_record}/submit"))?;
    federation.say(say(
        "demo-same-institution",
        &[
            ("guangdong", arg(&guangdong_record)),
            ("sichuan", arg(&sichuan_record)),
            ("code", arg(&uestc_code)),
        ],
    ));

    let buaa_code = credit_code("1210000040001039")?;
    let buaa = application(
        "北京航空航天大学继续教育学院",
        &buaa_code,
        "工业和信息化部人事教育司",
        4_000_000,
    )?;
    let miit_first = federation.new_record("miit", &buaa)?;
    federation.post("miit", &format!("/records/{miit_first}/submit"))?;
    federation.wait_verdict(&miit_first, "accepted")?;
    federation.post("miit", &format!("/records/{miit_first}/withdraw"))?;
    federation.say(say("demo-miit-withdraws", &[("record", arg(&miit_first))]));

    federation.wait_verdict(&shanghai_record, "accepted")?;
    federation.wait_verdict(&guangdong_record, "conflict")?;
    federation.wait_verdict(&sichuan_record, "conflict")?;
    federation.wait_verdict(&miit_first, "withdrawn")?;
    federation.say(say("demo-receipted", &[]));

    // The field office comes back online, reaching the ministry through its HQ.
    federation.stop("pudong")?;
    federation.start("pudong", false)?;
    federation.say(say("demo-pudong-reconnects", &[]));
    federation.wait_verdict(&pudong_record, "rejected")?;
    federation.say(say("demo-pudong-through-hq", &[]));

    // The ministry lowers the rehearsal's cap while CNPC works offline under the old one.
    let _: Value = federation.client("ministry")?.send_bytes(
        "POST",
        "/batches",
        "application/toml",
        rehearsal_batch(&deadline, 4_000_000).into_bytes(),
    )?;
    federation.say(say("demo-cap-lowered", &[]));
    let petroleum = application(
        "中国石油大学（北京）继续教育学院",
        &credit_code("1210000040000182")?,
        "中国石油天然气集团公司人事部",
        4_800_000,
    )?;
    let cnpc_record = federation.new_record("cnpc", &petroleum)?;
    federation.post("cnpc", &format!("/records/{cnpc_record}/submit"))?;
    federation.say(say("demo-cnpc-submits", &[("record", arg(&cnpc_record))]));
    federation.stop("cnpc")?;
    federation.start("cnpc", false)?;
    federation.wait_verdict(&cnpc_record, "invalid")?;
    federation.say(say("demo-cnpc-reconnects", &[]));

    // --- After the deadline ----------------------------------------------------------------
    let now = crate::node::now();
    if now.millis() >= deadline.millis() {
        bail!(
            "{}",
            say("demo-too-slow", &[("seconds", arg(options.deadline_secs))],)
        );
    }
    let wait = format!("{:.1}", (deadline.millis() - now.millis()) as f64 / 1000.0);
    federation.say(say("demo-waiting-deadline", &[("seconds", arg(wait))]));
    std::thread::sleep(Duration::from_millis(
        u64::try_from(deadline.millis() - now.millis()).unwrap_or(0) + 200,
    ));
    let miit_second = federation.new_record("miit", &buaa)?;
    federation.post("miit", &format!("/records/{miit_second}/submit"))?;
    federation.say(say("demo-miit-late", &[("record", arg(&miit_second))]));
    federation.wait_verdict(&miit_second, "late")?;

    // --- The nationwide table --------------------------------------------------------------
    let mut rows = federation.ministry_rows()?;
    for row in &mut rows {
        row.localise(crate::cli::lang());
    }
    println!();
    println!("{}", say("demo-table", &[("dir", arg(root.display()))]));
    for row in &rows {
        println!(
            "  {:<10} {:<16} {:<15} {} {}",
            row.recommender.as_str(),
            row.record.as_deref().unwrap_or("-"),
            row.verdict_text,
            row.credit_code,
            row.institution
        );
        if !row.reason_text.is_empty() {
            println!("  {:<10} {:<16} {:<15} {}", "", "", "", row.reason_text);
        }
    }

    let expected = [
        (&shanghai_record, "accepted"),
        (&pudong_record, "rejected"),
        (&guangdong_record, "conflict"),
        (&sichuan_record, "conflict"),
        (&miit_first, "withdrawn"),
        (&miit_second, "late"),
        (&cnpc_record, "invalid"),
    ];
    let mut wrong = Vec::new();
    for (record, verdict) in expected {
        let shown = rows
            .iter()
            .find(|r| r.record.as_deref() == Some(record.as_str()))
            .map_or("missing", |r| r.verdict.as_str());
        if shown != verdict {
            wrong.push(say(
                "demo-wrong-verdict",
                &[
                    ("record", arg(record)),
                    ("verdict", arg(verdict)),
                    ("shown", arg(shown)),
                ],
            ));
        }
    }
    // The recommenders' own nodes show the ministry's verdicts too, replicated back.
    federation.wait_for(
        &say("demo-field-verdicts", &[]),
        Duration::from_secs(30),
        || {
            let rows: Vec<DecisionRow> = federation.client("pudong")?.get("/decisions")?;
            let verdict = |record: &str| {
                rows.iter()
                    .find(|r| r.record.as_deref() == Some(record))
                    .map(|r| r.verdict.clone())
                    .unwrap_or_default()
            };
            Ok(
                (verdict(&shanghai_record) != "accepted" || verdict(&pudong_record) != "rejected")
                    .then(|| say("demo-verdict-not-yet", &[])),
            )
        },
    )?;
    println!();
    let store_bytes = directory_bytes(&root);
    if wrong.is_empty() {
        let megabytes = format!("{:.1}", store_bytes as f64 / 1e6);
        federation.say(say(
            "demo-all-right",
            &[
                ("nodes", arg(federation.nodes.len())),
                ("megabytes", arg(megabytes)),
            ],
        ));
        Ok(0)
    } else {
        for line in &wrong {
            eprintln!("{}", say("demo-problem", &[("problem", arg(line))]));
        }
        Ok(1)
    }
}

/// Bytes in files under `dir`.
fn directory_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => directory_bytes(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}
