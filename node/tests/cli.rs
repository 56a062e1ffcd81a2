//! Runs the real `fedrec` binary the way a user does and checks its output and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fedrec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fedrec"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("fedrec runs")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_lists_the_commands() {
    let output = fedrec(&["--help"]);
    assert!(output.status.success());
    for command in ["record", "batch"] {
        assert!(stdout(&output).contains(command), "{}", stdout(&output));
    }
    let output = fedrec(&["record", "--help"]);
    assert!(stdout(&output).contains("validate") && stdout(&output).contains("template"));
}

#[test]
fn the_shipped_example_is_valid() {
    let output = fedrec(&["record", "validate", "config/examples/application.toml"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("valid application for batch 6"));
}

#[test]
fn every_problem_is_printed_with_its_field_and_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("application.toml");
    let template = stdout(&fedrec(&["record", "template"]));
    let broken = template
        .replace("123100004250015860", "123100004250015861")
        .replace(
            "requested_subsidy_yuan = 4800000",
            "requested_subsidy_yuan = 6000000",
        )
        .replace("nature = \"training_institution\"", "nature = \"hospital\"");
    assert_ne!(broken, template, "the template changed; update this test");
    std::fs::write(&file, broken).unwrap();
    let output = fedrec(&["record", "validate", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("3 problems"), "{text}");
    for field in [
        "applicant.credit_code:",
        "plan.requested_subsidy_yuan:",
        "applicant.nature:",
    ] {
        assert!(text.contains(field), "{field} missing from {text}");
    }
    let json = fedrec(&[
        "record",
        "validate",
        "--format",
        "json",
        file.to_str().unwrap(),
    ]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["problems"].as_array().unwrap().len(), 3);
}

#[test]
fn unreadable_or_malformed_files_exit_2_with_a_message() {
    let output = fedrec(&["record", "validate", "no/such/file.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no/such/file.toml: cannot read"),
        "{}",
        stderr(&output)
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "batch = 6\n[applicant]\nnmae = \"x\"\n").unwrap();
    let output = fedrec(&["record", "validate", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown field `nmae`"),
        "{}",
        stderr(&output)
    );

    std::fs::write(&file, "batch = 99\n").unwrap();
    let output = fedrec(&["record", "validate", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--batch-file"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn another_batch_file_can_be_named() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch-7.toml");
    let text = std::fs::read_to_string(workspace().join("config/examples/batch-6.toml"))
        .unwrap()
        .replace("number = 6", "number = 7")
        .replace("subsidy_cap_yuan = 5000000", "subsidy_cap_yuan = 3000000");
    std::fs::write(&batch, text).unwrap();
    let application = dir.path().join("application.toml");
    let template = stdout(&fedrec(&["record", "template"])).replace("batch = 6", "batch = 7");
    std::fs::write(&application, template).unwrap();
    let output = fedrec(&[
        "record",
        "validate",
        "--batch-file",
        batch.to_str().unwrap(),
        application.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("above batch 7's cap of 3000000 yuan"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn batch_check_shows_the_deadline_in_beijing_time() {
    let output = fedrec(&["batch", "check", "config/examples/batch-6.toml"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("deadline: 2016-03-15 23:59:59 CST"),
        "{}",
        stdout(&output)
    );
    let output = fedrec(&["batch", "check", "config/examples/application.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("config/examples/application.toml"));
}
