//! `trailwatch explain`: how trailwatch reads a pattern.

use trailwatch::explain::explain;
use trailwatch::pattern;

use super::output::Terminal;

/// Show how a filter pattern is read: its kind, its normalised form, each condition, and
/// the literals trailwatch searches for before evaluating an event (its prefilter).
///
/// An invalid pattern is diagnosed as AWS would reject it, with a caret under the fault.
///
/// Example:
///   trailwatch explain '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The filter pattern (quote it for the shell; `file://PATH` reads it from a file).
    #[arg(allow_hyphen_values = true)]
    pattern: String,
}

pub fn run(mut args: Args, term: &mut Terminal) -> i32 {
    match super::read_parameter(&args.pattern) {
        Ok(text) => args.pattern = text,
        Err(message) => {
            term.note(message);
            return 2;
        }
    }
    match pattern::parse(&args.pattern) {
        Ok(parsed) => {
            term.print(format_args!("{}", explain(&parsed)));
            0
        }
        Err(error) => {
            term.eprint(format_args!("{}", error.render(&args.pattern)));
            2
        }
    }
}
