//! The process harness: starts real `fedrec` daemons on loopback (API on port 0, so tests never
//! collide), waits for conditions with a deadline, runs CLI commands against them, and stops them
//! with SIGTERM or SIGKILL. Used by the multi-node tests here and the single-node tests in
//! `node/tests/`.
//!
//! The API is closed to callers without the token the daemon writes to `DIR/.cookie`; [`http`]
//! sends it for every daemon this harness started (it remembers which data directory serves
//! which address), and [`http_with`] sends exactly the headers a test gives, to knock from outside.
//!
//! The binary is the `fedrec` built next to the running test (`cargo test --workspace` builds it
//! before any test runs), or the one `FEDREC_BIN` names.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Which data directory serves each API base URL this process started, so [`http`] can read the
/// daemon's current cookie (a restart writes a new one).
static API_DATA: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);

fn remember_api(api: &str, data: &Path) {
    API_DATA
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(HashMap::new)
        .insert(api.to_string(), data.to_path_buf());
}

/// The `Authorization` header for the daemon whose API `url` is on, if this process started it.
pub fn authorization_for(url: &str) -> Option<String> {
    let data = API_DATA
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()?
        .iter()
        .find(|(api, _)| url.starts_with(api.as_str()))
        .map(|(_, data)| data.clone())?;
    let text = std::fs::read_to_string(data.join(".cookie")).ok()?;
    let token = text.trim().strip_prefix("__cookie__:")?;
    Some(format!("Bearer {token}"))
}

/// The `fedrec` binary under test.
pub fn fedrec_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("FEDREC_BIN") {
        return PathBuf::from(path);
    }
    // A test runs as target/<profile>/deps/<name>-<hash>; the binary is target/<profile>/fedrec.
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from target/<profile>/deps");
    let bin = profile_dir.join("fedrec");
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, or build it with \
         `cargo build -p fedrec-node` (or set FEDREC_BIN)",
        bin.display()
    );
    bin
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// Runs `fedrec --data DATA ARGS...` in English (`FEDREC_LANG=en`): the scenario tests read
/// the CLI's words, and they were written in English. The Chinese default is tested with
/// [`fedrec_default_lang`].
pub fn fedrec(data: &Path, args: &[&str]) -> Output {
    Command::new(fedrec_bin())
        .env("FEDREC_LANG", "en")
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("fedrec runs")
}

/// Runs `fedrec --data DATA ARGS...` as a user whose environment names no language, so the
/// CLI speaks its default, Simplified Chinese.
pub fn fedrec_default_lang(data: &Path, args: &[&str]) -> Output {
    Command::new(fedrec_bin())
        .env_remove("FEDREC_LANG")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("fedrec runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs a command that must succeed and returns its standard output.
pub fn ok(data: &Path, args: &[&str]) -> String {
    let output = fedrec(data, args);
    assert!(
        output.status.success(),
        "fedrec {args:?} failed: {}{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Polls `condition` until it holds or `timeout` passes.
pub fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A ministry and a recommender node, initialised, with the roster moved across.
pub struct Pair {
    pub dir: tempfile::TempDir,
    pub ministry: PathBuf,
    pub shanghai: PathBuf,
}

pub fn node_id(init_output: &str) -> String {
    init_output
        .lines()
        .find_map(|l| l.strip_prefix("node id: "))
        .expect("node id printed")
        .to_string()
}

pub fn peer_id(init_output: &str) -> String {
    init_output
        .lines()
        .find_map(|l| l.strip_prefix("peer id: "))
        .expect("peer id printed")
        .to_string()
}

/// Initialises a ministry and a Shanghai recommender; starts the ministry to sign the roster and
/// batch 6, moves them to Shanghai, and leaves both stopped.
pub fn pair() -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let ministry = dir.path().join("ministry");
    let shanghai = dir.path().join("shanghai");
    let m = ok(
        &ministry,
        &[
            "init",
            "--role",
            "ministry",
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--api",
            "127.0.0.1:0",
        ],
    );
    let ministry_addr = format!("/ip4/127.0.0.1/tcp/7400/p2p/{}", peer_id(&m));
    let s = ok(
        &shanghai,
        &[
            "init",
            "--role",
            "recommender",
            "--recommender",
            "shanghai",
            "--name",
            "上海市人力资源和社会保障局",
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--api",
            "127.0.0.1:0",
            "--ministry",
            &ministry_addr,
        ],
    );
    let mut daemon = Daemon::start(&ministry);
    ok(
        &ministry,
        &[
            "roster",
            "add",
            "--recommender",
            "shanghai",
            "--name",
            "上海市人力资源和社会保障局",
            "--kind",
            "province",
            "--key",
            &node_id(&s),
        ],
    );
    let batch = workspace().join("config/examples/batch-6.toml");
    ok(&ministry, &["batch", "publish", batch.to_str().unwrap()]);
    let bundle = dir.path().join("roster.json");
    ok(
        &ministry,
        &["roster", "export", "--out", bundle.to_str().unwrap()],
    );
    daemon.terminate();
    let mut recommender = Daemon::start(&shanghai);
    ok(&shanghai, &["roster", "import", bundle.to_str().unwrap()]);
    recommender.terminate();
    Pair {
        dir,
        ministry,
        shanghai,
    }
}

/// A running `fedrec run` process.
pub struct Daemon {
    pub data: PathBuf,
    child: Option<Child>,
    pub api: String,
}

impl Daemon {
    /// Starts a daemon that writes at once (`--offline`): for tests of a node on its own.
    pub fn start(data: &Path) -> Self {
        Self::spawn(data, &["--offline"], &[])
    }

    /// Like [`Daemon::start`], with extra environment variables for the daemon.
    pub fn start_with_env(data: &Path, env: &[(&str, &str)]) -> Self {
        Self::spawn(data, &["--offline"], env)
    }

    /// Starts a daemon that, like a production node with peers, waits for a peer to confirm its
    /// own feed heads before it writes.
    pub fn start_online(data: &Path) -> Self {
        Self::spawn(data, &[], &[])
    }

    /// Starts an online daemon exactly as an operator would, with the default configuration: no
    /// short test interval, so anything that waits for the anti-entropy timer takes its 30 s.
    pub fn start_default(data: &Path) -> Self {
        Self::spawn_with(data, &[], &[], false)
    }

    fn spawn(data: &Path, flags: &[&str], env: &[(&str, &str)]) -> Self {
        Self::spawn_with(data, flags, env, true)
    }

    fn spawn_with(data: &Path, flags: &[&str], env: &[(&str, &str)], short_rounds: bool) -> Self {
        let _ = std::fs::remove_file(data.join("daemon.json"));
        let mut command = Command::new(fedrec_bin());
        command.arg("--data").arg(data).arg("run").args(flags);
        if short_rounds {
            // Short anti-entropy rounds, so tests wait seconds, not minutes, for a missed push.
            command.env("FEDREC_SYNC_INTERVAL_SECS", "1");
        } else {
            command.env_remove("FEDREC_SYNC_INTERVAL_SECS");
        }
        let child = command
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("daemon starts");
        let info = data.join("daemon.json");
        wait_until(
            "the daemon to publish daemon.json",
            Duration::from_secs(30),
            || info.exists(),
        );
        let text = std::fs::read_to_string(&info).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let api = format!("http://{}", value["api"].as_str().unwrap());
        remember_api(&api, data);
        Self {
            data: data.to_path_buf(),
            child: Some(child),
            api,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    fn signal(&mut self, signal: &str) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("daemon running");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "daemon did not stop after SIG{signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the daemon cleanly and checks it exited with success.
    pub fn terminate(&mut self) {
        let status = self.signal("TERM");
        assert!(
            status.success(),
            "daemon exited with {status} after SIGTERM"
        );
    }

    /// Kills the daemon without warning.
    pub fn kill(&mut self) {
        self.signal("KILL");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An HTTP client for the daemon's API that returns status and JSON body, never an error. It
/// authenticates with the cookie of the daemon at `url`, when the harness started that daemon.
pub fn http(method: &str, url: &str, body: Option<(&str, Vec<u8>)>) -> (u16, Vec<u8>) {
    let mut headers = Vec::new();
    if let Some(authorization) = authorization_for(url) {
        headers.push(("authorization".to_string(), authorization));
    }
    if let Some((content_type, _)) = &body {
        headers.push(("content-type".to_string(), content_type.to_string()));
    }
    // In English, as [`fedrec`] runs the CLI, so that tests can read the daemon's refusals.
    headers.push(("accept-language".to_string(), "en".to_string()));
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    http_with(method, url, &headers, body.map(|(_, bytes)| bytes))
}

/// Like [`http`], with exactly the `headers` given and no credential unless they hold one.
pub fn http_with(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let result = match body {
        Some(bytes) => request
            .body(bytes)
            .map_err(|e| ureq::Error::BadUri(e.to_string()))
            .and_then(|request| agent.run(request)),
        // An empty body says `Content-Length: 0`, as a client with nothing to send does.
        None if method != "GET" => request
            .body(Vec::new())
            .map_err(|e| ureq::Error::BadUri(e.to_string()))
            .and_then(|request| agent.run(request)),
        None => request
            .body(())
            .map_err(|e| ureq::Error::BadUri(e.to_string()))
            .and_then(|request| agent.run(request)),
    };
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_vec()
                .unwrap_or_default();
            (status, body)
        }
        Err(error) => (0, error.to_string().into_bytes()),
    }
}

pub fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or(serde_json::Value::Null)
}

/// The shipped example application, with another institution name.
pub fn application_named(name: &str) -> serde_json::Value {
    let text =
        std::fs::read_to_string(workspace().join("config/examples/application.toml")).unwrap();
    let mut application: serde_json::Value = toml::from_str(&text).unwrap();
    application["applicant"]["name"] = serde_json::Value::String(name.into());
    application
}

/// A TCP port free on loopback right now, for a server a test starts later: the demo's choice,
/// below the ephemeral range, because a port the OS picked from that range can meanwhile become
/// the local end of some outgoing connection (a CLI's call to an API), and the daemon that was
/// to listen there then fails to start.
pub fn free_port() -> u16 {
    fedrec_node::demo::free_port().expect("a free loopback port below the ephemeral range")
}

/// `fedrec record list --format json` on a node, as (id, status) pairs.
pub fn records(data: &Path) -> Vec<(String, String)> {
    let output = fedrec(data, &["record", "list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap_or_default().to_string(),
                        r["status"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A record's application as JSON, or Null if the node does not hold it.
pub fn application(data: &Path, id: &str) -> serde_json::Value {
    let output = fedrec(data, &["record", "show", id, "--format", "json"]);
    json(&output.stdout)["application"].clone()
}

/// Waits until a node's daemon accepts writes (a peer has confirmed its own feed heads).
pub fn wait_writable(data: &Path) {
    ok(data, &["wait", "--timeout-secs", "60"]);
}

/// Initialises a node in `dir/name` whose API binds port 0 and whose p2p side listens on a free
/// loopback port; returns its data directory and that port.
pub fn init_node(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, u16) {
    let data = dir.join(name);
    let port = free_port();
    let listen = format!("/ip4/127.0.0.1/tcp/{port}");
    let mut all = vec!["init", "--api", "127.0.0.1:0", "--listen", &listen];
    all.extend_from_slice(args);
    ok(&data, &all);
    (data, port)
}

/// The p2p address of the node in `data` listening on loopback `port`, with its peer id.
pub fn p2p_address(port: u16, data: &Path) -> String {
    format!(
        "/ip4/127.0.0.1/tcp/{port}/p2p/{}",
        ok(data, &["id", "--peer"]).trim()
    )
}

/// The shipped example application's path, for `record new --file`.
pub fn example_application() -> String {
    workspace()
        .join("config/examples/application.toml")
        .display()
        .to_string()
}

/// Has the ministry in `ministry` sign and publish the shipped sixth batch.
pub fn publish_batch_6(ministry: &Path) {
    let batch = workspace().join("config/examples/batch-6.toml");
    ok(ministry, &["batch", "publish", batch.to_str().unwrap()]);
}

/// Has the ministry publish a rehearsal of the shipped sixth batch whose deadline is `deadline`
/// (RFC 3339, e.g. `2099-03-15T23:59:59+08:00`) instead of the real one, which has passed.
pub fn publish_batch_6_due(ministry: &Path, deadline: &str) {
    let text = std::fs::read_to_string(workspace().join("config/examples/batch-6.toml")).unwrap();
    let rehearsal = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(
        rehearsal.path(),
        text.replace("2016-03-15T23:59:59+08:00", deadline),
    )
    .unwrap();
    ok(
        ministry,
        &["batch", "publish", rehearsal.path().to_str().unwrap()],
    );
}

/// The seed of a randomised test: `variable` from the environment when set (a replay), else a
/// fresh one. Printed with the command that replays it.
pub fn seed_from_env(variable: &str, test: &str) -> u64 {
    let seed = std::env::var(variable)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        });
    eprintln!("{test}: seed {seed} (replay with {variable}={seed})");
    seed
}

/// Adds `office`'s key to the ministry's roster for `recommender` (shown as `name`) with `role`
/// (hq or field_office), through the CLI; returns the office's node id.
pub fn roster_add(
    ministry: &Path,
    office: &Path,
    recommender: &str,
    name: &str,
    role: &str,
) -> String {
    let key = ok(office, &["id"]).trim().to_string();
    ok(
        ministry,
        &[
            "roster",
            "add",
            "--recommender",
            recommender,
            "--name",
            name,
            "--kind",
            "province",
            "--key",
            &key,
            "--role",
            role,
        ],
    );
    key
}

/// The shipped example application rewritten for another institution, written to `dir`; returns
/// the file's path for `record new --file`.
pub fn application_file(dir: &Path, name: &str, code: &str) -> String {
    let text = std::fs::read_to_string(workspace().join("config/examples/application.toml"))
        .unwrap()
        .replace("123100004250015860", code)
        .replace("上海集成电路产业技术继续教育学院", name);
    let file = dir.join(format!("{code}.toml"));
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

/// The row `fedrec decisions --format json` shows on `data` for `record`, or Null.
pub fn decision_row(data: &Path, record: &str) -> serde_json::Value {
    let rows = json(&fedrec(data, &["decisions", "--format", "json"]).stdout);
    rows.as_array()
        .and_then(|rows| rows.iter().find(|r| r["record"] == record).cloned())
        .unwrap_or_default()
}

/// The verdict a node shows for a record, or "" if it shows none.
pub fn verdict(data: &Path, record: &str) -> String {
    decision_row(data, record)["verdict"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
