//! Runs the real `fedrec` binary the way a user does and checks its output and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs fedrec in English: most of these tests were written against its English messages.
fn fedrec(args: &[&str]) -> Output {
    fedrec_with(args, &[("FEDREC_LANG", "en")])
}

/// Runs fedrec with exactly these language variables (none: the default, Chinese).
fn fedrec_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fedrec"));
    command
        .args(args)
        .current_dir(workspace())
        .env_remove("FEDREC_LANG")
        .env_remove("LANG");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("fedrec runs")
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
        "applicant.credit_code (Unified social credit code): check character",
        "plan.requested_subsidy_yuan (Central subsidy requested (yuan)): 6000000 yuan",
        "applicant.nature (Nature of the institution): 'hospital'",
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

/// Words of three or more ASCII letters: what English left in Chinese output looks like.
fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| word.len() >= 3)
        .map(String::from)
        .collect()
}

fn broken_application(dir: &Path) -> PathBuf {
    let file = dir.join("application.toml");
    let broken = stdout(&fedrec(&["record", "template"]))
        .replace("123100004250015860", "123100004250015861")
        .replace(
            "requested_subsidy_yuan = 4800000",
            "requested_subsidy_yuan = 6000000",
        );
    std::fs::write(&file, broken).unwrap();
    file
}

#[test]
fn problems_are_in_chinese_by_default_with_each_box_by_label_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = broken_application(dir.path());
    let file = file.to_str().unwrap();
    let output = fedrec_with(&["record", "validate", file], &[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("2 个问题"), "{text}");
    assert!(
        text.contains("统一社会信用代码（applicant.credit_code）：校验码为“1”，但前17位要求“0”"),
        "{text}"
    );
    assert!(
        text.contains(
            "申请中央财政补助经费（元）（plan.requested_subsidy_yuan）：6000000 元超过第6批的补助上限 5000000 元"
        ),
        "{text}"
    );
    // Only the file's path and the boxes' stable paths are in Latin letters.
    let mut rest = text.replace(file, "");
    for path in ["applicant.credit_code", "plan.requested_subsidy_yuan"] {
        rest = rest.replace(path, "");
    }
    assert_eq!(english_words(&rest), Vec::<String>::new(), "{text}");

    // Scripts keep the stable keys and codes; the words are beside them.
    let json = fedrec_with(&["record", "validate", "--format", "json", file], &[]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let subsidy = &report["problems"][1];
    assert_eq!(subsidy["field"], "plan.requested_subsidy_yuan");
    assert_eq!(subsidy["code"], "subsidy-over-cap");
    assert_eq!(subsidy["args"]["cap"], "5000000");
    assert_eq!(subsidy["label"], "申请中央财政补助经费（元）");
    assert_eq!(
        subsidy["problem"],
        "6000000 yuan is above batch 6's cap of 5000000 yuan"
    );
    assert_eq!(
        subsidy["problem_text"],
        "6000000 元超过第6批的补助上限 5000000 元"
    );
}

#[test]
fn the_language_comes_from_the_flag_then_fedrec_lang_then_lang() {
    let dir = tempfile::tempdir().unwrap();
    let file = broken_application(dir.path());
    let file = file.to_str().unwrap();
    let english = "2 problems";
    let chinese = "2 个问题";
    // Flags, environment, and the words that show which language answered.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 6] = [
        (&[], &[("LANG", "en_US.UTF-8")], english),
        (&[], &[("LANG", "C.UTF-8")], chinese),
        (
            &[],
            &[("LANG", "en_US.UTF-8"), ("FEDREC_LANG", "zh")],
            chinese,
        ),
        (
            &[],
            &[("LANG", "zh_CN.UTF-8"), ("FEDREC_LANG", "en")],
            english,
        ),
        (&["--lang", "en"], &[("FEDREC_LANG", "zh")], english),
        (&["--lang", "zh"], &[("LANG", "en_US.UTF-8")], chinese),
    ];
    for (flags, env, expected) in cases {
        let mut args = vec!["record", "validate", file];
        args.extend_from_slice(flags);
        let text = stdout(&fedrec_with(&args, env));
        assert!(text.contains(expected), "{flags:?} {env:?}: {text}");
    }
    let output = fedrec_with(&["--lang", "fr", "record", "template"], &[]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "an unknown --lang is refused"
    );
}

#[test]
fn batch_check_reads_in_chinese_by_default() {
    let output = fedrec_with(&["batch", "check", "config/examples/batch-6.toml"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("截止时间：2016-03-15 23:59:59（北京时间）（之后收到的申报逾期不予受理）"),
        "{text}"
    );
    assert!(text.contains("补助上限：5000000 元"), "{text}");
    assert_eq!(english_words(&text), Vec::<String>::new(), "{text}");
    let missing = fedrec_with(&["record", "validate", "no/such/file.toml"], &[]);
    assert!(
        stderr(&missing).contains("错误：no/such/file.toml：无法读取"),
        "{}",
        stderr(&missing)
    );
}

/// The people who create and start a node read what is wrong in Chinese: the file, the key and
/// the problem for a configuration they got wrong, and `fedrec init`'s own refusals; the file
/// `fedrec init` writes is commented in Chinese too.
#[test]
fn init_and_run_explain_problems_in_chinese_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let data_arg = data.to_str().unwrap();
    let refused = fedrec_with(&["--data", data_arg, "init", "--role", "recommender"], &[]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("必须给出 --ministry"),
        "{}",
        stderr(&refused)
    );

    let made = fedrec_with(&["--data", data_arg, "init", "--role", "ministry"], &[]);
    assert!(made.status.success(), "{}", stderr(&made));
    let config = data.join("fedrec.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("# 本节点的类型"), "{text}");
    std::fs::write(&config, text.replace("127.0.0.1:7401", "0.0.0.0:7401")).unwrap();
    let run = fedrec_with(&["--data", data_arg, "run"], &[]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let said = stderr(&run);
    assert!(
        said.contains(&format!("文件 {} 中的 `api` 有误", config.display()))
            && said.contains("0.0.0.0:7401 不是本机回环地址"),
        "{said}"
    );
    let english = fedrec(&["--data", data_arg, "run"]);
    assert!(
        stderr(&english).contains("key `api`: 0.0.0.0:7401 is not a loopback address"),
        "{}",
        stderr(&english)
    );
}
