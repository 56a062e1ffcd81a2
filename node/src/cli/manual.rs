//! The manual pages and shell completions, generated from the CLI's own clap definition
//! ([`super::Cli`], worded by [`super::help`] in the run's language) so they never drift from
//! `--help`: `fedrec debug man --out DIR` and `fedrec debug completions --out DIR`, which
//! `scripts/package-deb` runs to fill the package (Chinese pages in `man1`, English ones in
//! `en/man1`, which `man` picks for an English `LANG`).

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

/// Writes `fedrec.1` and one page per command (`fedrec-record.1`, ...) into `out`.
pub fn man_pages(out: &Path) -> anyhow::Result<u8> {
    std::fs::create_dir_all(out).with_context(|| out.display().to_string())?;
    // The pages leave out clap's `help` command, as clap_mangen does; it is removed before the
    // command is built and worded.
    let command = super::help::localised(
        super::Cli::command().disable_help_subcommand(true),
        super::lang(),
    );
    clap_mangen::generate_to(command, out).with_context(|| out.display().to_string())?;
    Ok(0)
}

/// Writes completions for bash (`fedrec.bash`), zsh (`_fedrec`) and fish (`fedrec.fish`).
pub fn completions(out: &Path) -> anyhow::Result<u8> {
    std::fs::create_dir_all(out).with_context(|| out.display().to_string())?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let mut command = super::help::command(super::lang());
        clap_complete::generate_to(shell, &mut command, "fedrec", out)
            .with_context(|| out.display().to_string())?;
    }
    Ok(0)
}
