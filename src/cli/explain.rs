//! `trailwatch explain`: how trailwatch reads a pattern.

use trailwatch::explain::explain;
use trailwatch::pattern;

/// Show how a filter pattern is read: its kind, its normalised form and each condition.
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
            print!("{}", explain(&parsed));
            0
        }
        Err(error) => {
            eprint!("{}", error.render(&args.pattern));
            2
        }
    }
}
