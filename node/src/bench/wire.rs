//! The *wire* scenario: sync traffic as the transport carries it. A ministry and Shanghai's HQ run
//! as daemons in this process; the HQ reaches the ministry through a counting TCP relay on
//! loopback, so every byte of their one connection is counted: noise handshake and encryption,
//! yamux framing, multistream-select negotiation of every stream, identify and ping, and the
//! sync frames themselves (TCP/IP headers are not counted). Beside each figure, the application
//! frames the sync codec counted on the HQ's side for the same window.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::federation::{runtime, start_daemons, stop_daemons};
use super::*;

/// A TCP relay on loopback that counts the bytes it forwards, both directions together.
struct Relay {
    port: u16,
    bytes: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Relay {
    fn start(target_port: u16) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let bytes = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (counter, stopping) = (Arc::clone(&bytes), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                let Ok((inbound, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let Ok(outbound) = TcpStream::connect(("127.0.0.1", target_port)) else {
                    continue;
                };
                for (from, to) in [
                    (inbound.try_clone(), outbound.try_clone()),
                    (outbound.try_clone(), inbound.try_clone()),
                ] {
                    if let (Ok(from), Ok(to)) = (from, to) {
                        let counter = Arc::clone(&counter);
                        std::thread::spawn(move || pump(from, to, &counter));
                    }
                }
            }
        });
        Ok(Self { port, bytes, stop })
    }

    fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Copies one direction of a connection, counting, until either side closes.
fn pump(mut from: TcpStream, mut to: TcpStream, counter: &AtomicU64) {
    let _ = from.set_nodelay(true);
    let _ = to.set_nodelay(true);
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                counter.fetch_add(n as u64, Ordering::Relaxed);
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// Application frames counted by a node's sync codec, both directions.
fn app_bytes(node: &daemon::RunningNode) -> u64 {
    let metrics = &node.state.metrics;
    metrics.sync_bytes_sent.load(Ordering::Relaxed)
        + metrics.sync_bytes_received.load(Ordering::Relaxed)
}

fn rounds(nodes: &[daemon::RunningNode]) -> u64 {
    nodes
        .iter()
        .map(|n| n.state.metrics.sync_rounds.load(Ordering::Relaxed))
        .sum()
}

fn set_interval(data: &Path, secs: u64) -> anyhow::Result<()> {
    let path = data.join(daemon::CONFIG_FILE);
    let text = std::fs::read_to_string(&path)?;
    let line = text
        .lines()
        .find(|l| l.starts_with("sync_interval_secs"))
        .context("sync_interval_secs in the configuration")?
        .to_string();
    std::fs::write(
        &path,
        text.replace(&line, &format!("sync_interval_secs = {secs}")),
    )?;
    Ok(())
}

/// Waits until the relay has carried nothing for `quiet`.
fn settle(relay: &Relay, quiet: Duration) {
    let mut last = relay.bytes();
    let mut since = Instant::now();
    while since.elapsed() < quiet {
        std::thread::sleep(Duration::from_millis(10));
        let now = relay.bytes();
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
}

pub(super) fn wire(report: &mut Report, root: &Path, quick: bool) -> anyhow::Result<()> {
    let (ministry_data, ministry_address) = new_ministry(root)?;
    let ministry_port: u16 = ministry_address
        .split('/')
        .nth(4)
        .and_then(|p| p.parse().ok())
        .context("the ministry's port")?;
    let relay = Relay::start(ministry_port)?;
    let via_relay = ministry_address.replace(
        &format!("/tcp/{ministry_port}/"),
        &format!("/tcp/{}/", relay.port),
    );
    let ministry = open_node(&ministry_data)?;
    let (office_data, _) = new_office(root, &ministry, &via_relay, "shanghai", "shanghai", None)?;
    let mut office = open_node(&office_data)?;
    give_roster(&ministry, &office)?;
    let record = write_record(&mut office, 0, 3, false)?;
    drop((ministry, office));
    let dirs = [ministry_data.clone(), office_data.clone()];
    let runtime = runtime()?;

    // Idle rounds: a short interval so that rounds happen, a window long enough for many.
    let window = Duration::from_secs(if quick { 6 } else { 20 });
    for data in &dirs {
        set_interval(data, 2)?;
    }
    let before_start = relay.bytes();
    let nodes = start_daemons(&runtime, &dirs)?;
    let client = crate::client::Client::connect(&office_data)?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client
        .get::<serde_json::Value>("/health")
        .is_ok_and(|h| h["writable"] == true)
    {
        if Instant::now() > deadline {
            bail!("the office did not become writable");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let setup = relay.bytes() - before_start;
    std::thread::sleep(Duration::from_secs(1));
    let (wire0, app0, rounds0) = (relay.bytes(), app_bytes(&nodes[1]), rounds(&nodes));
    std::thread::sleep(window);
    let (wire1, app1, rounds1) = (relay.bytes(), app_bytes(&nodes[1]), rounds(&nodes));
    stop_daemons(&runtime, nodes);
    let idle_rounds = (rounds1 - rounds0).max(1);
    report.add(
        "wire",
        "connection set-up to the first round's end (noise, yamux, identify, roster check)",
        format!("{setup} B"),
        "",
        None,
    );
    report.add(
        "wire",
        format!("idle round on the wire ({idle_rounds} rounds, pings included)"),
        format!("{} B", (wire1 - wire0) / idle_rounds),
        "(app frames below)",
        None,
    );
    report.add(
        "wire",
        "idle round, application frames only",
        format!("{} B", (app1 - app0) / idle_rounds),
        "",
        None,
    );

    // New entries, pushed: the default interval, so only the push notice starts rounds.
    for data in &dirs {
        set_interval(data, fedrec_config::DEFAULT_SYNC_INTERVAL_SECS)?;
    }
    let nodes = start_daemons(&runtime, &dirs)?;
    let client = crate::client::Client::connect(&office_data)?;
    settle(&relay, Duration::from_millis(500));
    let mut edit = 0;
    for k in [1usize, 10, 100] {
        let (wire0, app0) = (relay.bytes(), app_bytes(&nodes[1]));
        for _ in 0..k {
            edit += 1;
            let mut set = BTreeMap::new();
            set.insert(
                "plan.targets".to_string(),
                format!("绩效目标第{edit}稿：年培训专业技术人员不少于一万人次。"),
            );
            let _: serde_json::Value = client.send(
                "PATCH",
                &format!("/records/{record}"),
                &serde_json::json!({ "set": set }),
            )?;
        }
        settle(&relay, Duration::from_millis(500));
        let (wire1, app1) = (relay.bytes(), app_bytes(&nodes[1]));
        report.add(
            "wire",
            format!("{k} new entries pushed: on the wire (app frames)"),
            format!("{} B ({} B)", wire1 - wire0, app1 - app0),
            "",
            None,
        );
    }
    stop_daemons(&runtime, nodes);
    Ok(())
}
