//! Finds words a person reads that were written into the code instead of the message catalogue
//! (common/locales), in the CLI's files, the exports, and the code of `fedrec init` (with the
//! configuration file it writes), the daemon's start-up, backups and the demo: the literal format strings of `println!`,
//! `eprintln!`, `print!`, `bail!`, `anyhow!`, `format!`, `write!` and `writeln!`, and the
//! literal messages of `.context(…)`. A literal may hold placeholders, punctuation, layout and
//! HTML markup (tags and the style sheet); a Latin word in what is left is English outside the
//! catalogue, unless it is listed in `ALLOWED` with the reason why.
//!
//! The daemon's refusals, which the CLI and the API's callers read, are checked across every
//! file of `node/src`: the text given to a `NodeError` refusal or to the API's `bad_request`
//! must come from the catalogue, never a literal.
//!
//! Errors reach people through their `Display`, which is English. So every error type of
//! `common`, `config` and `node` (a `thiserror` derive) must be worded from the catalogue (an
//! `impl Worded for …`, whose tests check every variant against the `Display`) or be listed in
//! `UNWORDED` with the reason, and a refusal may not be given an error's `.to_string()`.
//!
//! clap's `--help` texts come from the catalogue too (`cli/help.rs`, whose own test fails for a
//! command or argument without `help.ftl` entries in both languages). Not covered, and said
//! plainly: a hand-written `impl Display` (the scan looks for the derive only), details
//! from other libraries (TOML, Automerge, RocksDB), log lines (for IT staff, in English), and
//! `fedrec debug` (a hidden tool for testing deployments).

use std::path::{Path, PathBuf};

/// Literals that may keep Latin words, with the reason. (API paths, which start with `/`, are
/// let through by rule.)
const ALLOWED: &[(&str, &str)] = &[
    // Origins the gate compares with a browser's Origin header: URLs, not words.
    ("https://[{host}]:{port}", "an origin URL"),
    ("https://{host}:{port}", "an origin URL"),
    // clap's message for a --lang it cannot read: clap's own errors are English.
    (
        "'{text}': use zh or en",
        "a clap argument error, in clap's language",
    ),
    // The demo's edits of the shipped TOML files: keys and values, not words.
    (
        "requested_subsidy_yuan = {subsidy_yuan}",
        "a TOML line (demo.rs)",
    ),
    ("subsidy_cap_yuan = {cap}", "a TOML line (demo.rs)"),
    // A file name.
    ("{DAEMON_FILE}.tmp", "a file name (daemon.rs)"),
    // Catalogue ids built from a stable key.
    ("role-{}", "a catalogue id"),
    ("reason-{code}", "a catalogue id"),
    ("nature-{}", "a catalogue id"),
    ("attachment-{}", "a catalogue id"),
    ("help-{path}", "a catalogue id (cli/help.rs)"),
    ("help-arg-{id}", "a catalogue id (cli/help.rs)"),
    ("help-{path}--{}", "a catalogue id (cli/help.rs)"),
    ("{id}-long", "a catalogue id (cli/help.rs)"),
];

/// The files whose output people read: every CLI command but the hidden debug tool, the
/// exports, `fedrec init`'s, `fedrec run`'s start-up, `fedrec restore`'s and `fedrec demo`'s
/// own messages.
fn scanned_files() -> Vec<PathBuf> {
    let node = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(node.join("src/cli"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter(|path| !path.ends_with("debug.rs"))
        .collect();
    files.push(node.join("src/export.rs"));
    files.push(node.join("src/daemon.rs"));
    files.push(node.join("src/backup.rs"));
    files.push(node.join("src/config_file.rs"));
    files.push(node.join("src/demo.rs"));
    files.sort();
    files
}

const CALLS: [&str; 8] = [
    "println!(",
    "eprintln!(",
    "print!(",
    "bail!(",
    "anyhow!(",
    "format!(",
    ".context(",
    "eprint!(",
];

/// Calls whose format string is their second argument.
const WRITES: [&str; 2] = ["write!(", "writeln!("];

/// The string literal that starts `text` after blanks, if any (escapes kept as written).
fn leading_literal(text: &str) -> Option<String> {
    let text = text.trim_start();
    let body = text.strip_prefix('"')?;
    let mut literal = String::new();
    let mut escaped = false;
    for c in body.chars() {
        match (escaped, c) {
            (true, _) => {
                escaped = false;
                // `\"` and `\\` stand for themselves; `\n` and a line continuation are blanks.
                literal.push(if c == '"' || c == '\\' { c } else { ' ' });
            }
            (false, '\\') => escaped = true,
            (false, '"') => return Some(literal),
            _ => literal.push(c),
        }
    }
    None
}

/// The Latin words of a literal once its `{…}` placeholders, its style sheet and its HTML tags
/// are taken out.
fn words_outside_placeholders(literal: &str) -> Vec<String> {
    let mut text = literal.to_string();
    while let (Some(start), Some(end)) = (text.find("<style>"), text.find("</style>")) {
        if end < start {
            break;
        }
        text.replace_range(start..end + "</style>".len(), " ");
    }
    let mut plain = String::new();
    let (mut depth, mut in_tag) = (0, false);
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            '<' if depth == 0 => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if depth == 0 && !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| word.len() >= 2)
        .map(String::from)
        .collect()
}

/// Every literal with Latin words in a source text that is not allowed: (line, literal).
fn findings(source: &str) -> Vec<(usize, String)> {
    // Tests may say what they like.
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = Vec::new();
    for call in CALLS.iter().chain(&WRITES) {
        for (offset, _) in code.match_indices(call) {
            let mut after = &code[offset + call.len()..];
            if WRITES.contains(call) {
                // The format string follows the destination.
                after = after.split_once(',').map_or("", |(_, rest)| rest);
            }
            // `.with_context(|| format!("…"))` is found by its `format!(`.
            let Some(literal) = leading_literal(after) else {
                continue;
            };
            let allowed =
                ALLOWED.iter().any(|(text, _)| *text == literal) || literal.starts_with('/');
            if !allowed && !words_outside_placeholders(&literal).is_empty() {
                let line = code[..offset].lines().count();
                found.push((line, literal));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The constructors of the daemon's refusals, whose text a caller reads.
const REFUSALS: [&str; 6] = [
    "NodeError::BadRequest(",
    "NodeError::NotFound(",
    "NodeError::Forbidden(",
    "NodeError::Conflict(",
    "NodeError::Unavailable(",
    "bad_request(",
];

/// Every refusal in a source text given a literal text, directly or through `format!`:
/// (line, literal).
fn refusal_findings(source: &str) -> Vec<(usize, String)> {
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = Vec::new();
    for call in REFUSALS {
        for (offset, _) in code.match_indices(call) {
            let after = code[offset + call.len()..].trim_start();
            let after = after.strip_prefix("format!(").unwrap_or(after);
            if let Some(literal) = leading_literal(after)
                && !words_outside_placeholders(&literal).is_empty()
            {
                found.push((code[..offset].lines().count(), literal));
            }
        }
    }
    // A status answered with a text beside it: `(StatusCode::FORBIDDEN, "…")`.
    for (offset, _) in code.match_indices("StatusCode::") {
        let after = &code[offset + "StatusCode::".len()..];
        let name_end = after
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .unwrap_or(after.len());
        let Some(after) = after[name_end..].trim_start().strip_prefix(',') else {
            continue;
        };
        let after = after.trim_start();
        let after = after.strip_prefix("format!(").unwrap_or(after);
        if let Some(literal) = leading_literal(after)
            && !words_outside_placeholders(&literal).is_empty()
        {
            found.push((code[..offset].lines().count(), literal));
        }
    }
    found.sort();
    found
}

/// Error types that people may read but that are not worded by `Worded`, with the reason.
const UNWORDED: &[(&str, &str)] = &[
    (
        "MultipartError",
        "never shown: an unreadable upload is answered with ui-upload-broken from the catalogue",
    ),
    (
        "FieldError",
        "a validation problem: worded by i18n::field_error from its code",
    ),
    (
        "ClientError",
        "the CLI's view of the daemon: worded by cli::error_text",
    ),
];

/// The error types a source text declares with a `thiserror` derive.
fn derived_errors(source: &str) -> Vec<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = Vec::new();
    let mut derive_seen = false;
    for line in code.lines().map(str::trim) {
        if line.starts_with("#[derive(") && (line.contains(" Error") || line.contains("::Error")) {
            derive_seen = true;
        } else if derive_seen && let Some(rest) = line.strip_prefix("pub ") {
            let rest = rest
                .trim_start_matches("enum ")
                .trim_start_matches("struct ");
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
            derive_seen = false;
        }
    }
    found
}

/// Every refusal given an error's English `Display` (`NodeError::X(e.to_string())`): (line,
/// what it was given).
fn display_refusals(source: &str) -> Vec<(usize, String)> {
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = Vec::new();
    for call in REFUSALS {
        for (offset, _) in code.match_indices(call) {
            let after = code[offset + call.len()..].trim_start();
            let argument: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            if argument.ends_with(".to_string") && after[argument.len()..].starts_with("())") {
                found.push((code[..offset].lines().count(), format!("{argument}()")));
            }
        }
    }
    found
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn the_refusal_scanner_finds_literal_texts() {
    let sample = r#"
        return Err(NodeError::NotFound(format!("no record {id} on this node")));
        .ok_or_else(|| NodeError::Forbidden("no roster yet".into()))?;
        return Err(NodeError::Conflict(tr("error-no-verdict-yet", &[("id", s(id))])));
        .map_err(|e| NodeError::BadRequest(e.to_string()))?;
        Err(bad_request(format!("query: {e}")))
        Err((StatusCode::UNAUTHORIZED, "not signed in").into_response())
        return Err((StatusCode::FORBIDDEN, say("error-door-origin", &[])));
    "#;
    let found: Vec<String> = refusal_findings(sample)
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(
        found,
        [
            "no record {id} on this node",
            "no roster yet",
            "query: {e}",
            "not signed in"
        ]
    );
}

#[test]
fn the_daemons_refusals_are_worded_from_the_catalogue() {
    let mut report = Vec::new();
    let files = rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(files.len() >= 20, "{files:?}");
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for (line, literal) in refusal_findings(&source) {
            report.push(format!("{}:{line}: \"{literal}\"", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "refusals worded outside the catalogue (add the message to \
         common/locales/*/errors.ftl and word it with `tr`):\n{}",
        report.join("\n")
    );
}

#[test]
fn the_scanner_finds_english_and_lets_layout_through() {
    let sample = r#"
        println!("{}", say("cli-no-records", &[]));
        println!("  {:<10} {}  [{}]", a, b, c);
        println!("record {} is now {}", id, status);
        bail!("give --file FILE");
        let text = format!("{}: cannot write", out.display());
        let url = format!("/records/{id}/submit");
        let _ = writeln!(out, "<tr><th>{}</th></tr>\n<p class=\"sign\">{}</p>", a, b);
        let _ = writeln!(out, "</table>\n<h2>Attachments</h2>");
    "#;
    let found: Vec<String> = findings(sample).into_iter().map(|(_, l)| l).collect();
    assert_eq!(
        found,
        [
            "record {} is now {}",
            "give --file FILE",
            "{}: cannot write",
            "</table> <h2>Attachments</h2>"
        ]
    );
}

#[test]
fn no_english_is_left_outside_the_catalogue() {
    let mut report = Vec::new();
    let files = scanned_files();
    assert!(files.len() >= 7, "{files:?}");
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for (line, literal) in findings(&source) {
            report.push(format!("{}:{line}: \"{literal}\"", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "user-facing English outside the catalogue (move it to common/locales, or allow it \
         with a reason):\n{}",
        report.join("\n")
    );
}

/// The web interface's templates: every id they ask the catalogue for (`chrome.t("…")`,
/// `chrome.say("…"`) exists in both languages, and their own text between tags and
/// expressions holds no Latin word (every word comes from the catalogue).
fn template_findings(name: &str, text: &str) -> Vec<String> {
    use fedrec_common::i18n::{Lang, has};
    let mut found = Vec::new();
    for call in ["chrome.t(\"", "chrome.say(\""] {
        for (start, _) in text.match_indices(call) {
            let rest = &text[start + call.len()..];
            let id = &rest[..rest.find('"').unwrap_or(0)];
            for lang in Lang::ALL {
                if !has(lang, id) {
                    found.push(format!(
                        "{name}: `{id}` is not in the {} catalogue",
                        lang.tag()
                    ));
                }
            }
        }
    }
    // What a reader sees: the text outside `{% … %}`, `{{ … }}` and `<…>`.
    let mut visible = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(['<', '{']) {
        visible.push_str(&rest[..start]);
        let close = match &rest[start..start + 2.min(rest.len() - start)] {
            "{%" => "%}",
            "{{" => "}}",
            s if s.starts_with('<') => ">",
            _ => {
                visible.push('{');
                rest = &rest[start + 1..];
                continue;
            }
        };
        rest = match rest[start..].find(close) {
            Some(end) => &rest[start + end + close.len()..],
            None => "",
        };
        visible.push(' ');
    }
    visible.push_str(rest);
    for word in visible.split(|c: char| !c.is_ascii_alphabetic()) {
        if word.len() > 1 {
            found.push(format!(
                "{name}: the word `{word}` is outside the catalogue"
            ));
        }
    }
    found
}

#[test]
fn the_templates_take_every_word_from_the_catalogue() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut found = Vec::new();
    let mut ids = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        ids += text.matches("chrome.t(\"").count();
        found.extend(template_findings(
            &path.file_name().unwrap().to_string_lossy(),
            &text,
        ));
    }
    assert!(
        ids > 20,
        "the scan found only {ids} catalogue calls in {}",
        dir.display()
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
    // The scan can fail.
    let bad = template_findings("t.html", "<p>Save</p>{{ chrome.t(\"ui-no-such\") }}");
    assert_eq!(bad.len(), 3, "{bad:?}");
}

#[test]
fn the_error_scanners_find_unworded_errors_and_display_refusals() {
    let sample = r#"
        #[derive(Debug, Clone, PartialEq, Eq, Error)]
        pub enum NewError {
            #[error("something broke")]
            Broke,
        }
        #[derive(Debug, thiserror::Error)]
        #[error("{0}")]
        pub struct OtherError(pub String);
        #[derive(Debug, Clone)]
        pub struct NotAnError;
        .map_err(|e| NodeError::BadRequest(e.to_string()))?;
        .map_err(|e| NodeError::Conflict(i18n::worded(&e)))?;
    "#;
    assert_eq!(derived_errors(sample), ["NewError", "OtherError"]);
    let found: Vec<String> = display_refusals(sample)
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(found, ["e.to_string()"]);
}

#[test]
fn every_error_people_read_is_worded_from_the_catalogue() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for crate_dir in ["common/src", "config/src", "node/src"] {
        files.extend(rust_files(&workspace.join(crate_dir)));
    }
    let sources: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            (file, text)
        })
        .collect();
    let mut report = Vec::new();
    let mut errors = 0;
    for (file, source) in &sources {
        for name in derived_errors(source) {
            errors += 1;
            let worded = sources
                .iter()
                .any(|(_, text)| text.contains(&format!("impl Worded for {name} ")));
            let excused = UNWORDED.iter().any(|(unworded, _)| *unworded == name);
            if !worded && !excused {
                report.push(format!(
                    "{}: {name} is not worded (impl Worded for it, with a test over every \
                     variant, or list it in UNWORDED with the reason)",
                    file.display()
                ));
            }
        }
        for (line, given) in display_refusals(source) {
            report.push(format!(
                "{}:{line}: a refusal given {given}, an English Display (use i18n::worded)",
                file.display()
            ));
        }
    }
    assert!(errors >= 20, "the scan found only {errors} error types");
    assert!(report.is_empty(), "{}", report.join("\n"));
}
