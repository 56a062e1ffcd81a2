//! README.md's "Run a ministry and a bureau's node" commands, run as a new user would run them
//! (ports moved to free ones, so parallel tests never collide).

use std::process::Command;

use fedrec_tests::process::{fedrec_bin, free_port, workspace};

const MARKER: &str = "<!-- readme-test:";

/// The shell block that follows the marker comment in README.md.
fn readme_block() -> String {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let after = &readme[readme
        .find(MARKER)
        .expect("README.md has the readme-test marker")..];
    let start = after
        .find("```sh\n")
        .expect("a sh block follows the marker")
        + "```sh\n".len();
    let end = after[start..].find("\n```").expect("the block ends");
    after[start..start + end].to_string()
}

#[test]
fn the_readme_commands_work_for_a_new_user() {
    let (ministry_port, shanghai_port) = (free_port(), free_port());
    let script = readme_block()
        .replace("127.0.0.1:7401", "127.0.0.1:0")
        .replace("127.0.0.1:7411", "127.0.0.1:0")
        .replace("/tcp/7400", &format!("/tcp/{ministry_port}"))
        .replace("/tcp/7410", &format!("/tcp/{shanghai_port}"));
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(workspace().join("config"), dir.path().join("config")).unwrap();
    let bin = fedrec_bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        // The checks below read the English messages; Chinese is tested in cli.rs.
        .env("FEDREC_LANG", "en")
        .env_remove("FEDREC_DATA")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the README's commands failed:\n{stdout}\n{stderr}"
    );
    for expected in [
        "is now submitted",
        "published batch 6",
        "imported roster version",
        "1 submitted",
        "entries verified",
        "plan.targets",
    ] {
        assert!(
            stdout.contains(expected),
            "'{expected}' missing from the README run:\n{stdout}"
        );
    }
    assert!(
        !dir.path().join("ministry/daemon.json").exists(),
        "the ministry stopped cleanly"
    );
    assert!(
        !dir.path().join("shanghai/daemon.json").exists(),
        "the bureau's node stopped cleanly"
    );
}
