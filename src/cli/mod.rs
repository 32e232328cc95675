//! Command-line parsing and dispatch; one file per subcommand.

mod bench;
mod explain;
mod filter;
mod replay;
mod test_metric_filter;

use clap::{Parser, Subcommand};

/// Amazon CloudWatch Logs filter patterns, offline and exact.
///
/// trailwatch answers as the CloudWatch Logs service does: the same matches, the same
/// extracted values, the same rejections of invalid patterns.
#[derive(Parser)]
#[command(name = "trailwatch", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    TestMetricFilter(test_metric_filter::Args),
    Filter(filter::Args),
    Explain(explain::Args),
    Replay(replay::Args),
    Bench(bench::Args),
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::TestMetricFilter(args) => test_metric_filter::run(args),
        Command::Filter(args) => filter::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Bench(args) => bench::run(args),
    }
}

/// Reads `file://PATH` (as the aws CLI does for parameter values) or returns the text.
fn read_parameter(value: &str) -> Result<String, String> {
    match value.strip_prefix("file://") {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}")),
        None => Ok(value.to_string()),
    }
}
