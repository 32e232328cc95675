//! `trailwatch completions SHELL`: the shell's completion script, from the command line's
//! own definition (clap_complete), so it never falls behind the flags.

use clap::CommandFactory;
use clap_complete::Shell;

use super::output::Terminal;

/// Print a completion script for a shell.
///
/// Examples:
///   trailwatch completions bash > ~/.local/share/bash-completion/completions/trailwatch
///   trailwatch completions zsh > ~/.zfunc/_trailwatch        # with fpath+=~/.zfunc
///   trailwatch completions fish > ~/.config/fish/completions/trailwatch.fish
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// bash, zsh, fish, elvish or powershell.
    shell: Shell,
}

pub fn run(args: Args, term: &mut Terminal) -> i32 {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut super::Cli::command(), "trailwatch", &mut script);
    term.write(&script);
    0
}
