//! `fedrec demo`, the README's first command, in its short form: the whole federation in one
//! process must finish and give every verdict kind the demo promises, each on the record the
//! rules say (the demo checks its own verdicts and exits 1 otherwise; this test checks the
//! printed table as well, and that the temporary data is gone).

use std::process::Command;

use fedrec_tests::process::fedrec_bin;

#[test]
fn the_demo_shows_every_verdict_and_cleans_up() {
    // A longer deadline than the default: a debug build on a loaded 2-core machine is slower.
    let output = Command::new(fedrec_bin())
        .args(["demo", "--deadline-secs", "25"])
        .env("RUST_LOG", "warn")
        // The narration and the table follow the language: English here, Chinese by default.
        .env("FEDREC_LANG", "en")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "demo failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let table = stdout
        .split("The ministry's nationwide table")
        .nth(1)
        .expect("the demo prints the ministry's table");
    for verdict in [
        " accepted ",
        " rejected ",
        " conflict ",
        " late ",
        " withdrawn ",
        " invalid ",
    ] {
        assert!(table.contains(verdict), "no{verdict}verdict in:\n{table}");
    }
    for reason in [
        "quota exceeded",
        "不得多头申报",
        "after the deadline",
        "above batch 6's cap",
    ] {
        assert!(table.contains(reason), "no '{reason}' in:\n{table}");
    }
    assert!(stdout.contains("every verdict is as the rules require"));
    let root = stdout
        .lines()
        .next()
        .and_then(|line| line.rsplit_once(" in "))
        .map(|(_, dir)| std::path::PathBuf::from(dir.trim()))
        .expect("the first line names the directory");
    assert!(
        !root.exists(),
        "{} should be removed after the demo",
        root.display()
    );
}
