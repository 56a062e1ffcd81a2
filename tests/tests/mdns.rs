//! mDNS discovery, tested only where it cannot reach any real network: inside two network
//! namespaces this test creates, joined by a veth pair. The recommender is given a wrong
//! address for the ministry, so only multicast DNS can bring them together; it then receives
//! the roster from the ministry it found. Needs root (to create namespaces), as CI has.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use fedrec_tests::process::*;

/// Two namespaces and their veth pair, removed on drop.
struct Namespaces {
    names: [String; 2],
}

fn ip(args: &[&str]) {
    let status = Command::new("ip")
        .args(args)
        .status()
        .expect("iproute2 is installed");
    assert!(
        status.success(),
        "ip {args:?} failed (this test needs root and iproute2)"
    );
}

impl Namespaces {
    fn create() -> Self {
        let tag = std::process::id() % 100_000;
        let names = [format!("fedrec-a-{tag}"), format!("fedrec-b-{tag}")];
        let (veth_a, veth_b) = (format!("fra{tag}"), format!("frb{tag}"));
        let namespaces = Self { names };
        let [a, b] = &namespaces.names;
        ip(&["netns", "add", a]);
        ip(&["netns", "add", b]);
        ip(&[
            "link", "add", &veth_a, "type", "veth", "peer", "name", &veth_b,
        ]);
        ip(&["link", "set", &veth_a, "netns", a]);
        ip(&["link", "set", &veth_b, "netns", b]);
        for (ns, dev, address) in [(a, &veth_a, "10.213.0.1/24"), (b, &veth_b, "10.213.0.2/24")] {
            ip(&["-n", ns, "addr", "add", address, "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        namespaces
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = Command::new("ip").args(["netns", "del", name]).status();
        }
    }
}

/// `fedrec` run inside a namespace.
fn fedrec_in(ns: &str, data: &Path, args: &[&str]) -> Output {
    Command::new("ip")
        .args(["netns", "exec", ns])
        .arg(fedrec_bin())
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

fn ok_in(ns: &str, data: &Path, args: &[&str]) -> String {
    let output = fedrec_in(ns, data, args);
    assert!(
        output.status.success(),
        "fedrec {args:?} in {ns}: {}{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

struct NsDaemon(Child);

impl NsDaemon {
    fn start(ns: &str, data: &Path) -> Self {
        let child = Command::new("ip")
            .args(["netns", "exec", ns])
            .arg(fedrec_bin())
            .arg("--data")
            .arg(data)
            .arg("run")
            .env("FEDREC_SYNC_INTERVAL_SECS", "1")
            .env("RUST_LOG", "info,libp2p_mdns=debug")
            .stdout(Stdio::null())
            // Kept beside the data for a failure's post-mortem.
            .stderr(std::fs::File::create(data.with_extension("log")).unwrap())
            .spawn()
            .unwrap();
        let info = data.join("daemon.json");
        wait_until("the daemon to start", Duration::from_secs(30), || {
            info.exists()
        });
        Self(child)
    }
}

impl Drop for NsDaemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn nodes_on_one_lan_find_each_other_by_mdns() {
    let namespaces = Namespaces::create();
    let [a, b] = namespaces.names.clone();
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().to_path_buf();
    let _keep = std::env::var_os("FEDREC_KEEP_LOGS").map(|_| dir.keep());
    let dir = &dir_path;
    let ministry: PathBuf = dir.join("ministry");
    let bureau: PathBuf = dir.join("bureau");
    ok_in(
        &a,
        &ministry,
        &[
            "init",
            "--role",
            "ministry",
            "--api",
            "127.0.0.1:0",
            "--listen",
            "/ip4/10.213.0.1/tcp/7400",
            "--mdns",
        ],
    );
    let ministry_peer = ok_in(&a, &ministry, &["id", "--peer"]).trim().to_string();
    // A wrong address: only mDNS can find the ministry.
    let wrong = format!("/ip4/10.213.0.99/tcp/7400/p2p/{ministry_peer}");
    ok_in(
        &b,
        &bureau,
        &[
            "init",
            "--role",
            "recommender",
            "--recommender",
            "shanghai",
            "--name",
            "上海",
            "--api",
            "127.0.0.1:0",
            "--listen",
            "/ip4/10.213.0.2/tcp/7400",
            "--ministry",
            &wrong,
            "--mdns",
        ],
    );
    let bureau_key = ok_in(&b, &bureau, &["id"]).trim().to_string();

    let _ministry_daemon = NsDaemon::start(&a, &ministry);
    ok_in(
        &a,
        &ministry,
        &[
            "roster",
            "add",
            "--recommender",
            "shanghai",
            "--name",
            "上海",
            "--kind",
            "province",
            "--key",
            &bureau_key,
        ],
    );
    let _bureau_daemon = NsDaemon::start(&b, &bureau);
    wait_until(
        "the bureau to find the ministry by mDNS and get the roster",
        Duration::from_secs(60),
        || {
            let status = json(&fedrec_in(&b, &bureau, &["status", "--format", "json"]).stdout);
            status["roster_version"].as_u64().is_some()
        },
    );
}
