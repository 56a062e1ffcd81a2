//! Real processes under faults: six `fedrec` daemons on loopback (the ministry; Shanghai's HQ
//! and its field office; Guangdong, Sichuan and the MIIT), every link through a fault-injecting
//! proxy. While the five offices edit records, a seeded schedule cuts and heals links, delays
//! them, makes them drop connections mid-message, stops and SIGKILLs offices, and SIGKILLs the
//! ministry. After the final heal every replica converges on every record it may read within
//! the stated bound, no acknowledged edit is lost, and no record reaches a node that may not
//! read it.
//!
//! A failure prints the seed; `FEDREC_FAULTS_SEED=<seed>` replays the schedule (thread timing
//! still varies) and `FEDREC_FAULTS_STEPS` lengthens it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fedrec_tests::process::*;
use fedrec_tests::proxy::{LinkMode, Proxy};
use rand::{RngExt, SeedableRng};

/// How long the replicas may take to converge after the final heal.
const CONVERGENCE_BOUND: Duration = Duration::from_secs(120);

fn peer_id_of(data: &Path) -> String {
    ok(data, &["id", "--peer"]).trim().to_string()
}

fn listen_port(data: &Path) -> u16 {
    let config = std::fs::read_to_string(data.join("fedrec.toml")).unwrap();
    let start = config.find("/tcp/").unwrap() + 5;
    let end = start + config[start..].find('"').unwrap();
    config[start..end].parse().unwrap()
}

fn target(port: u16) -> std::net::SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

#[test]
fn replicas_converge_after_faults_with_no_acknowledged_edit_lost() {
    let seed = seed_from_env("FEDREC_FAULTS_SEED", "faults test");
    let steps: usize = std::env::var("FEDREC_FAULTS_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let (ministry, ministry_port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_peer = peer_id_of(&ministry);

    // Every office reaches the ministry through its own proxy; the field office also reaches
    // its HQ through one.
    let mut links: Vec<(String, Proxy)> = Vec::new();
    let mut office = |name: &str, recommender: &str, role: &str, hq: Option<(&Path, String)>| {
        let to_ministry = Proxy::start(target(ministry_port), seed ^ links.len() as u64);
        let mut args = vec![
            "--role".to_string(),
            role.to_string(),
            "--recommender".into(),
            recommender.into(),
            "--name".into(),
            name.into(),
            "--ministry".into(),
            to_ministry.multiaddr(&ministry_peer),
        ];
        links.push((format!("{name}–ministry"), to_ministry));
        if let Some((hq_data, hq_name)) = hq {
            let to_hq = Proxy::start(target(listen_port(hq_data)), seed ^ links.len() as u64);
            args.extend(["--peer".into(), to_hq.multiaddr(&peer_id_of(hq_data))]);
            links.push((format!("{name}–{hq_name}"), to_hq));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        init_node(dir.path(), name, &args).0
    };
    let hq = office("hq", "shanghai", "recommender", None);
    let field = office(
        "field",
        "shanghai",
        "field-office",
        Some((&hq, "hq".into())),
    );
    let guangdong = office("guangdong", "guangdong", "recommender", None);
    let sichuan = office("sichuan", "sichuan", "recommender", None);
    let miit = office("miit", "miit", "recommender", None);

    let mut ministry_daemon = Daemon::start_online(&ministry);
    for (node, recommender, role) in [
        (&hq, "shanghai", "hq"),
        (&field, "shanghai", "field_office"),
        (&guangdong, "guangdong", "hq"),
        (&sichuan, "sichuan", "hq"),
        (&miit, "miit", "hq"),
    ] {
        roster_add(&ministry, node, recommender, recommender, role);
    }
    publish_batch_6(&ministry);
    let bundle = dir.path().join("roster.json");
    ok(
        &ministry,
        &["roster", "export", "--out", bundle.to_str().unwrap()],
    );

    let editors: Vec<PathBuf> = vec![
        hq.clone(),
        field.clone(),
        guangdong.clone(),
        sichuan.clone(),
        miit.clone(),
    ];
    let mut daemons: Vec<Option<Daemon>> = editors
        .iter()
        .map(|data| Some(Daemon::start_online(data)))
        .collect();
    for data in &editors {
        ok(data, &["roster", "import", bundle.to_str().unwrap()]);
    }
    let example = example_application();
    // Each editor's own records, and the last acknowledged contact name written to each.
    let mut own: Vec<Vec<String>> = vec![Vec::new(); editors.len()];
    let mut acknowledged: BTreeMap<String, String> = BTreeMap::new();
    let mut events: BTreeMap<&'static str, usize> = BTreeMap::new();

    for step in 0..steps {
        let who = rng.random_range(0..editors.len());
        let link = rng.random_range(0..links.len());
        let event = match rng.random_range(0..13) {
            0 => {
                let Some(mut daemon) = daemons[who].take() else {
                    continue;
                };
                if rng.random_bool(0.5) {
                    daemon.kill();
                    "office killed (SIGKILL)"
                } else {
                    daemon.terminate();
                    "office stopped"
                }
            }
            1 => {
                if daemons[who].is_some() {
                    continue;
                }
                daemons[who] = Some(Daemon::start_online(&editors[who]));
                "office restarted"
            }
            2 => {
                links[link].1.set(LinkMode::Cut);
                "link cut"
            }
            3 | 4 => {
                links[link].1.set(LinkMode::Up);
                "link healed"
            }
            5 => {
                let delay = Duration::from_millis(rng.random_range(20..300));
                links[link].1.set(LinkMode::Delay(delay));
                "link delayed"
            }
            6 => {
                links[link]
                    .1
                    .set(LinkMode::Flaky(rng.random_range(0.02..0.3)));
                "link dropping messages"
            }
            7 => {
                if rng.random_bool(0.5) {
                    continue;
                }
                ministry_daemon.kill();
                ministry_daemon = Daemon::start_online(&ministry);
                "ministry killed (SIGKILL) and restarted"
            }
            _ => {
                if daemons[who].is_none() {
                    continue;
                }
                let data = &editors[who];
                // A restarted node may refuse writes until a peer confirms its own feed heads
                // (restore protection); such a write is simply not acknowledged.
                let refused_until_confirmed = |output: &std::process::Output| {
                    assert!(
                        stderr(output).contains("own feed's head"),
                        "seed {seed}: unexpected failure: {}",
                        stderr(output)
                    );
                };
                if own[who].is_empty() || rng.random_bool(0.3) {
                    let output = fedrec(data, &["record", "new", "--file", &example]);
                    if !output.status.success() {
                        refused_until_confirmed(&output);
                        continue;
                    }
                    let id = stdout(&output).trim().to_string();
                    own[who].push(id.clone());
                    acknowledged.insert(id, "陈思远".into());
                    "record created"
                } else {
                    let id = own[who][rng.random_range(0..own[who].len())].clone();
                    let contact = format!("联系人{step}");
                    let set = format!("applicant.contact={contact}");
                    let output = fedrec(data, &["record", "edit", &id, "--set", &set]);
                    if !output.status.success() {
                        refused_until_confirmed(&output);
                        continue;
                    }
                    acknowledged.insert(id, contact);
                    "record edited"
                }
            }
        };
        *events.entry(event).or_default() += 1;
    }

    // Final heal: every link up, everyone running.
    let healed = Instant::now();
    for (_, proxy) in &links {
        proxy.set(LinkMode::Up);
    }
    for (index, data) in editors.iter().enumerate() {
        if daemons[index].is_none() {
            daemons[index] = Some(Daemon::start_online(data));
        }
    }
    let shanghai_ids: Vec<&String> = own[0].iter().chain(&own[1]).collect();
    wait_until(
        &format!("convergence (seed {seed})"),
        CONVERGENCE_BOUND,
        || {
            acknowledged.iter().all(|(id, contact)| {
                application(&ministry, id)["applicant"]["contact"] == contact.as_str()
            }) && shanghai_ids.iter().all(|id| {
                let at_ministry = application(&ministry, id);
                application(&hq, id) == at_ministry && application(&field, id) == at_ministry
            }) && (2..editors.len()).all(|who| {
                own[who]
                    .iter()
                    .all(|id| application(&editors[who], id) == application(&ministry, id))
            })
        },
    );
    let converged = healed.elapsed();
    // Who-sees-what holds after the faults: no office holds another recommender's records.
    for (who, ids) in own.iter().enumerate() {
        for id in ids {
            for (other, data) in editors.iter().enumerate() {
                let same_recommender = who < 2 && other < 2;
                if other != who && !same_recommender {
                    assert_eq!(
                        application(data, id),
                        serde_json::Value::Null,
                        "seed {seed}: record {id} reached an office that may not read it"
                    );
                }
            }
        }
    }
    for data in std::iter::once(&ministry).chain(&editors) {
        assert!(
            ok(data, &["verify"]).contains("entries verified"),
            "seed {seed}"
        );
    }
    let (chunks, dropped) = links.iter().fold((0, 0), |(c, d), (_, proxy)| {
        let (chunks, dropped) = proxy.counts();
        (c + chunks, d + dropped)
    });
    eprintln!(
        "faults test: {steps} steps {events:?}; {} acknowledged writes on {} records; proxies passed {chunks} chunks and dropped {dropped} connections mid-message; converged {:.1} s after the final heal (bound {} s)",
        events
            .iter()
            .filter(|(e, _)| e.starts_with("record"))
            .map(|(_, n)| n)
            .sum::<usize>(),
        acknowledged.len(),
        converged.as_secs_f64(),
        CONVERGENCE_BOUND.as_secs()
    );
}
