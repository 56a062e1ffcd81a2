//! `--help` in the reader's language. The commands and their arguments are declared once, with
//! clap's derive ([`super::Cli`]); before parsing, [`command`] walks the `clap::Command` built
//! from it and replaces every command's description and every argument's help with the
//! catalogue's (`help.ftl`), in the language the command line, `FEDREC_LANG` or `LANG` asks for
//! ([`lang_from_args`]; Chinese by default, as for everything else fedrec prints). The doc
//! comments stay as the English source the catalogue's `en-US` copy follows.
//!
//! Catalogue ids: `help-fedrec` for the program, `help-fedrec-record-new` for a command (its
//! path), `help-fedrec-record-new--file` for an argument (the command's path, `--`, the
//! argument's id with `-` for `_`). Arguments every command has (`--help`, `--version` and the
//! global `--lang`, `--data`, `--verbose`) are `help-arg-<id>`; clap's own `help` command is
//! `help-cmd-help`. A command or argument may add `<id>-long` for its longer `--help` text.
//! Hidden commands (`fedrec debug`, a tool for testing deployments) keep their English.
//!
//! clap's notes after an argument's help (`[default: …]`, `[possible values: …]`, `[env: …]`)
//! are hidden and written again from the catalogue (`help-note-*`), with the values clap holds,
//! so that they cannot drift from the code; the usage line's `[OPTIONS]` and `<COMMAND>` are
//! the catalogue's too. clap's own error messages (a wrong argument) stay in clap's English, and
//! the value names (`<FILE>`, `<DIR>`) stay as the code names them.

use std::ffi::OsString;

use clap::{Arg, Command, CommandFactory};
use fedrec_common::i18n::{self, Lang};

/// Arguments that every command carries, worded once.
const SHARED_ARGS: [&str; 5] = ["help", "version", "lang", "data", "verbose"];

/// The language of this run as the command line states it (`--lang X` or `--lang=X`, before a
/// `--`), then `FEDREC_LANG`, then `LANG`: read before clap parses, so that `--help` and its
/// errors already speak it.
pub fn lang_from_args(args: &[OsString]) -> Lang {
    let mut flag = None;
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if word == "--lang" {
            flag = words.next().map(|value| value.into_owned());
        } else if let Some(value) = word.strip_prefix("--lang=") {
            flag = Some(value.to_string());
        }
    }
    Lang::from_env_and_flag(flag.as_deref())
}

/// The command line's definition, built, with every description and help in `lang`.
pub fn command(lang: Lang) -> Command {
    localised(super::Cli::command(), lang)
}

/// `command` (the CLI's definition, perhaps adjusted, such as without clap's `help` command for
/// the manual pages) built, with every description and help in `lang`.
pub fn localised(mut command: Command, lang: Lang) -> Command {
    command.build();
    let headings = Headings {
        // clap keeps headings as `&'static str` (without its `string` feature): these four
        // short texts are made once per run and live as long as the program.
        commands: Box::leak(say(lang, "help-heading-commands").into_boxed_str()),
        command: Box::leak(say(lang, "help-value-command").into_boxed_str()),
        options: Box::leak(say(lang, "help-heading-options").into_boxed_str()),
        arguments: Box::leak(say(lang, "help-heading-arguments").into_boxed_str()),
    };
    localise(command, "fedrec", lang, &headings)
}

/// The headings of a help page in this run's language.
struct Headings {
    commands: &'static str,
    /// The name of a subcommand in a usage line (clap's `<COMMAND>`).
    command: &'static str,
    options: &'static str,
    arguments: &'static str,
}

/// The catalogue id of a command at `path` (`fedrec`, `fedrec-record-new`).
pub fn command_id(path: &str, name: &str) -> String {
    if name == "help" && path != "fedrec" {
        "help-cmd-help".to_string()
    } else {
        format!("help-{path}")
    }
}

/// The catalogue id of the argument `id` of the command at `path`.
pub fn arg_id(path: &str, id: &str) -> String {
    if SHARED_ARGS.contains(&id) {
        format!("help-arg-{id}")
    } else {
        format!("help-{path}--{}", id.replace('_', "-"))
    }
}

/// Every catalogue id the visible commands and arguments use, for the completeness test.
pub fn ids() -> Vec<String> {
    let mut found = Vec::new();
    collect(&command(Lang::En), "fedrec", &mut found);
    found.sort();
    found.dedup();
    found
}

fn collect(command: &Command, path: &str, found: &mut Vec<String>) {
    found.push(command_id(path, command.get_name()));
    if command.get_name() == "help" && path != "fedrec" {
        return;
    }
    for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
        found.push(arg_id(path, arg.get_id().as_str()));
    }
    for sub in command.get_subcommands().filter(|c| !c.is_hide_set()) {
        collect(sub, &format!("{path}-{}", sub.get_name()), found);
    }
}

fn say(lang: Lang, id: &str) -> String {
    i18n::t(lang, id, &[])
}

/// The text of `id`, and of `id-long` when the catalogue has a longer one.
fn texts(lang: Lang, id: &str) -> (String, Option<String>) {
    let long = format!("{id}-long");
    let long = i18n::has(Lang::Zh, &long).then(|| say(lang, &long));
    (say(lang, id), long)
}

/// clap's notes after an argument's help, in `lang`: the environment variable it reads, its
/// default and its possible values, as clap would write them after the help, for an argument
/// that takes a value.
fn notes(arg: &Arg, lang: Lang) -> String {
    if !arg.get_action().takes_values() {
        return String::new();
    }
    let mut notes = Vec::new();
    if let Some(name) = arg.get_env() {
        let name = name.to_string_lossy().into_owned();
        notes.push(i18n::t(lang, "help-note-env", &[("name", i18n::s(name))]));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|value| value.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() {
        let value = i18n::s(defaults.join(" "));
        notes.push(i18n::t(lang, "help-note-default", &[("value", value)]));
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|value| !value.is_hide_set())
        .map(|value| value.get_name().to_string())
        .collect();
    if !values.is_empty() {
        let values = i18n::s(values.join(&say(lang, "help-note-separator")));
        notes.push(i18n::t(
            lang,
            "help-note-possible-values",
            &[("values", values)],
        ));
    }
    notes.iter().map(|note| format!(" {note}")).collect()
}

fn localise(mut command: Command, path: &str, lang: Lang, headings: &Headings) -> Command {
    let name = command.get_name().to_string();
    let (about, long_about) = texts(lang, &command_id(path, &name));
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
        say(lang, "help-heading-usage")
    );
    command = command
        .about(about)
        .help_template(template)
        .subcommand_help_heading(headings.commands)
        .subcommand_value_name(headings.command);
    // clap writes `[OPTIONS]` into the usage line itself; the line is rendered once and given
    // back with the catalogue's word (clap's title, `Usage: `, is replaced by the template's).
    let usage = command.render_usage().to_string();
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage);
    let options = format!("[{}]", say(lang, "help-value-options"));
    command = command.override_usage(usage.replace("[OPTIONS]", &options));
    command = match long_about {
        Some(text) => command.long_about(text),
        None => command.long_about(None::<&'static str>),
    };
    if name == "help" && path != "fedrec" {
        return command;
    }
    let args: Vec<(String, bool, String)> = command
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .map(|a| (a.get_id().to_string(), a.is_positional(), notes(a, lang)))
        .collect();
    // A heading of one's own makes clap order the options by their display order, which the
    // derive numbered before the global options were added: number them again, the command's
    // own first in their declared order, then the ones every command has.
    let mut order: Vec<&(String, bool, String)> = args.iter().collect();
    order.sort_by_key(|(id, _, _)| SHARED_ARGS.contains(&id.as_str()));
    let place = |id: &str| {
        order
            .iter()
            .position(|(other, _, _)| other == id)
            .unwrap_or(0)
    };
    for (id, positional, notes) in &args {
        let id = id.as_str();
        let position = place(id);
        let positional = *positional;
        let (help, long_help) = texts(lang, &arg_id(path, id));
        let help = format!("{help}{notes}");
        let long_help = long_help.map(|text| format!("{text}{notes}"));
        let heading = if positional {
            headings.arguments
        } else {
            headings.options
        };
        command = command.mut_arg(id, |arg: Arg| {
            let arg = arg
                .help(help)
                .help_heading(heading)
                .display_order(position)
                .hide_default_value(true)
                .hide_possible_values(true)
                .hide_env(true);
            match long_help {
                Some(text) => arg.long_help(text),
                None => arg.long_help(None::<&'static str>),
            }
        });
    }
    let subcommands: Vec<String> = command
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect();
    for sub in subcommands {
        let sub_path = format!("{path}-{sub}");
        command = command.mut_subcommand(&sub, |c| localise(c, &sub_path, lang, headings));
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_and_argument_has_help_in_both_languages() {
        let ids = ids();
        assert!(ids.len() > 80, "only {} ids: {ids:?}", ids.len());
        let missing: Vec<String> = ids
            .iter()
            .flat_map(|id| Lang::ALL.map(|lang| (lang, id)))
            .filter(|(lang, id)| !i18n::has(*lang, id))
            .map(|(lang, id)| format!("{} {id}", lang.tag()))
            .collect();
        assert!(
            missing.is_empty(),
            "commands or arguments without help in common/locales/*/help.ftl:\n{}",
            missing.join("\n")
        );
    }

    /// Every visible command's help, short and long, in `lang`: (path, text).
    fn every_help(command: &mut Command, path: &str, found: &mut Vec<(String, String)>) {
        found.push((path.to_string(), command.render_help().to_string()));
        found.push((path.to_string(), command.render_long_help().to_string()));
        for sub in command.get_subcommands_mut().filter(|c| !c.is_hide_set()) {
            let sub_path = format!("{path} {}", sub.get_name());
            every_help(sub, &sub_path, found);
        }
    }

    /// clap's own words are hidden from `--help` and said again from the catalogue: the
    /// defaults, possible values and environment variables, `[OPTIONS]` and `<COMMAND>`.
    #[test]
    fn help_shows_no_words_of_claps_own_in_chinese() {
        let mut pages = Vec::new();
        every_help(&mut command(Lang::Zh), "fedrec", &mut pages);
        assert!(pages.len() > 80, "{}", pages.len());
        for (path, page) in &pages {
            for clap in [
                "[default",
                "[possible values",
                "[env",
                "[OPTIONS]",
                "<COMMAND>",
            ] {
                assert!(!page.contains(clap), "{path}: {clap}\n{page}");
            }
        }
        let status = |lang| {
            let mut command = command(lang);
            let status = command.find_subcommand_mut("status").unwrap();
            status.render_help().to_string()
        };
        let zh = status(Lang::Zh);
        assert!(
            zh.contains("用法: fedrec status [选项]")
                && zh.contains("[默认：text] [可选值：text、json]"),
            "{zh}"
        );
        let en = status(Lang::En);
        assert!(
            en.contains("Usage: fedrec status [OPTIONS]")
                && en.contains("[default: text] [possible values: text, json]")
                && en.contains("[env: FEDREC_DATA] [default: fedrec-data]"),
            "{en}"
        );
    }

    #[test]
    fn help_reads_in_chinese_by_default_and_in_english_when_asked() {
        let args = |words: &[&str]| -> Vec<OsString> { words.iter().map(OsString::from).collect() };
        assert_eq!(
            lang_from_args(&args(&["fedrec", "--lang", "en", "record", "--help"])),
            Lang::En
        );
        assert_eq!(lang_from_args(&args(&["fedrec", "--lang=en"])), Lang::En);
        let mut zh = command(Lang::Zh);
        let zh = zh.render_help().to_string();
        assert!(zh.contains("用法") && zh.contains("申报"), "{zh}");
        let mut en = command(Lang::En);
        let en = en.render_help().to_string();
        assert!(en.contains("Usage:") && en.contains("Work with application records"));
        let mut record = command(Lang::Zh);
        let record = record
            .find_subcommand_mut("record")
            .unwrap()
            .render_help()
            .to_string();
        assert!(record.contains("validate") && !record.contains("Check an application"));
    }
}
