//! `trailwatch explain`: how trailwatch reads a pattern.

use std::io::Write;

use trailwatch::explain::explain;
use trailwatch::pattern;

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
    /// The filter pattern (quote it for the shell).
    #[arg(allow_hyphen_values = true)]
    pattern: String,
}

pub fn run(args: Args) -> i32 {
    match pattern::parse(&args.pattern) {
        Ok(parsed) => {
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = write!(std::io::stdout(), "{}", explain(&parsed));
            0
        }
        Err(error) => {
            eprint!("{}", error.render(&args.pattern));
            2
        }
    }
}
