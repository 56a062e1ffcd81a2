//! The Debian package, installed: `scripts/package-deb` packages the `fedrec` binary under test;
//! the test copies a minimal Debian root (`scripts/install-root` makes it once with
//! debootstrap and caches it), installs the package there with `dpkg -i` inside a chroot, and
//! checks what installing did (the `fedrec` user, `/var/lib/fedrec` 0750, the unit, the manual
//! page). Then, as the `fedrec` user in the chroot, it creates a node and a record, backs it up
//! while the daemon runs, restores into a fresh directory and finds the record there; removing
//! the package keeps the data and purging deletes it. Nothing touches the machine's own system.
//!
//! chroot and debootstrap need root: run as another user the test says so and passes without
//! installing (CI runs it as root).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use fedrec_tests::process::*;

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("command runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        stdout(&output),
        stderr(&output)
    );
    output
}

fn is_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("id runs");
    stdout(&output).trim() == "0"
}

/// A command run in the chroot as root.
fn as_root(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("chroot");
    command
        .arg(root)
        .args([
            "env",
            "-i",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG=C.UTF-8",
        ])
        .args(args);
    command
}

/// `fedrec ARGS` in the chroot as the `fedrec` user, in English.
fn as_fedrec(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("chroot");
    command
        .arg("--userspec=fedrec:fedrec")
        .arg(root)
        .args([
            "env",
            "-i",
            "PATH=/usr/bin:/bin",
            "HOME=/var/lib/fedrec",
            "LANG=C.UTF-8",
            "FEDREC_LANG=en",
            "FEDREC_SYNC_INTERVAL_SECS=1",
            "/usr/bin/fedrec",
        ])
        .args(args);
    command
}

fn fedrec_in(root: &Path, args: &[&str]) -> String {
    stdout(&run(&mut as_fedrec(root, args)))
}

/// A daemon in the chroot, stopped with SIGTERM when dropped.
struct ChrootDaemon(Child);

impl ChrootDaemon {
    fn start(root: &Path, data: &str, flags: &[&str]) -> Self {
        let mut args = vec!["--data", data, "run"];
        args.extend_from_slice(flags);
        let child = as_fedrec(root, &args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("daemon starts");
        let info = root.join(data.trim_start_matches('/')).join("daemon.json");
        wait_until(
            "the daemon in the chroot to start",
            Duration::from_secs(60),
            || info.exists(),
        );
        Self(child)
    }

    fn stop(mut self) {
        run(Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string()));
        let status = self.0.wait().unwrap();
        assert!(status.success(), "daemon exited with {status}");
    }
}

impl Drop for ChrootDaemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The cached minimal root, made by `scripts/install-root` if needed.
fn cached_root() -> PathBuf {
    let output = run(&mut Command::new(workspace().join("scripts/install-root")));
    PathBuf::from(stdout(&output).trim())
}

#[test]
fn the_package_installs_runs_as_its_user_backs_up_restores_and_purges() {
    if !is_root() {
        eprintln!(
            "install test not run: chroot and debootstrap need root (CI runs it as root; run \
             `sudo -E cargo test -p fedrec-node --test install` to run it here)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let deb_dir = dir.path().join("deb");
    let deb = run(Command::new(workspace().join("scripts/package-deb"))
        .arg(fedrec_bin())
        .arg(&deb_dir));
    let deb = PathBuf::from(stdout(&deb).trim());
    let root = dir.path().join("root");
    run(Command::new("cp").arg("-a").arg(cached_root()).arg(&root));
    std::fs::copy(&deb, root.join("tmp/fedrec.deb")).unwrap();
    run(&mut as_root(&root, &["dpkg", "-i", "/tmp/fedrec.deb"]));

    // What installing made.
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    let user = passwd
        .lines()
        .find(|l| l.starts_with("fedrec:"))
        .expect("the fedrec user");
    assert!(
        user.ends_with(":/var/lib/fedrec:/usr/sbin/nologin"),
        "{user}"
    );
    let stat = stdout(&run(&mut as_root(
        &root,
        &["stat", "-c", "%a %U %G", "/var/lib/fedrec"],
    )));
    assert_eq!(stat.trim(), "750 fedrec fedrec");
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/fedrec.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/bin/fedrec run") && unit.contains("User=fedrec"));
    assert!(
        unit.contains("ProtectSystem=strict") && unit.contains("ReadWritePaths=/var/lib/fedrec")
    );
    assert!(root.join("usr/share/man/man1/fedrec.1.gz").exists());
    assert!(
        root.join("usr/share/bash-completion/completions/fedrec")
            .exists()
    );
    assert!(
        root.join("usr/share/fedrec/examples/application.toml")
            .exists()
    );

    // A ministry outside, on the host, whose roster admits the node made inside.
    let ministry = dir.path().join("ministry");
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
    let data = "/var/lib/fedrec/node";
    let init = fedrec_in(
        &root,
        &[
            "--data",
            data,
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
            &node_id(&init),
        ],
    );
    let batch = workspace().join("config/examples/batch-6.toml");
    ok(&ministry, &["batch", "publish", batch.to_str().unwrap()]);
    let bundle = root.join("tmp/roster.json");
    ok(
        &ministry,
        &["roster", "export", "--out", bundle.to_str().unwrap()],
    );
    daemon.terminate();
    run(Command::new("chmod").arg("0644").arg(&bundle));

    // The node at work, as its user: a record, then a backup while the daemon runs.
    let node = ChrootDaemon::start(&root, data, &["--offline"]);
    fedrec_in(
        &root,
        &["--data", data, "roster", "import", "/tmp/roster.json"],
    );
    let id = fedrec_in(
        &root,
        &[
            "--data",
            data,
            "record",
            "new",
            "--file",
            "/usr/share/fedrec/examples/application.toml",
        ],
    )
    .trim()
    .to_string();
    assert_eq!(id.len(), 16, "record id: {id}");
    let backup = "/var/lib/fedrec/backup-1";
    let said = fedrec_in(
        &root,
        &["--data", data, "backup", "--out", backup, "--with-key"],
    );
    assert!(said.contains(backup), "{said}");
    node.stop();

    // Restored into a fresh directory: verified, holding the record, closed for writes.
    let restored = "/var/lib/fedrec/restored";
    let said = fedrec_in(&root, &["--data", restored, "restore", "--from", backup]);
    assert!(said.contains("entries verified"), "{said}");
    let node = ChrootDaemon::start(&root, restored, &[]);
    let list = fedrec_in(
        &root,
        &["--data", restored, "record", "list", "--format", "json"],
    );
    let list = json(list.as_bytes());
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id.as_str()),
        "record {id} in the restored node: {list}"
    );
    fedrec_in(&root, &["--data", restored, "verify"]);
    node.stop();

    // Removing keeps the data; purging deletes it.
    run(&mut as_root(&root, &["dpkg", "-r", "fedrec"]));
    assert!(!root.join("usr/bin/fedrec").exists());
    assert!(
        root.join("var/lib/fedrec/node/node.key").exists(),
        "data kept on remove"
    );
    run(&mut as_root(&root, &["dpkg", "-P", "fedrec"]));
    assert!(
        !root.join("var/lib/fedrec").exists(),
        "data deleted on purge"
    );
}
