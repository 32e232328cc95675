//! Command-line parsing and dispatch; one file per subcommand.

mod archive;
mod bench;
mod completions;
mod config_args;
mod explain;
mod filter;
mod lint;
mod lookup_events;
mod output;
mod replay;
#[cfg(feature = "serve")]
mod serve;
mod test_event_pattern;
mod test_metric_filter;

use clap::{Parser, Subcommand};

use output::Terminal;

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
    TestEventPattern(test_event_pattern::Args),
    Filter(filter::Args),
    Explain(explain::Args),
    Replay(Box<replay::Args>),
    Lint(lint::Args),
    LookupEvents(lookup_events::Args),
    Bench(bench::Args),
    #[cfg(feature = "serve")]
    Serve(serve::Args),
    Completions(completions::Args),
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse_from(values_end_at_options(std::env::args_os().collect())) {
        Ok(cli) => cli,
        Err(e) => {
            // `--help > /dev/full` is a failed write too.
            let printed = e.print().is_ok();
            return if e.use_stderr() || !printed { output::EXIT_ERROR } else { 0 };
        }
    };
    let mut term = Terminal::new();
    let code = match cli.command {
        Command::TestMetricFilter(args) => test_metric_filter::run(args, &mut term),
        Command::TestEventPattern(args) => test_event_pattern::run(args, &mut term),
        Command::Filter(args) => filter::run(args, &mut term),
        Command::Explain(args) => explain::run(args, &mut term),
        Command::Replay(args) => replay::run(*args, &mut term),
        Command::Lint(args) => lint::run(args, &mut term),
        Command::LookupEvents(args) => lookup_events::run(args, &mut term),
        Command::Bench(args) => bench::run(args, &mut term),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args, &mut term),
        Command::Completions(args) => completions::run(args, &mut term),
    };
    term.finish(code)
}

/// Options taking any number of values (`--log-event-messages A B ...`), which the aws CLI
/// ends at the next option of the command: here too, `--log-event-messages a b
/// --filter-pattern P` works. Each such option and its values move to the end of the command
/// line, where clap reads them to the end; a value spelled like one of the command's options
/// ends the list, as in the aws CLI.
fn values_end_at_options(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    use clap::CommandFactory;
    const MANY: [(&str, &str); 1] = [("test-metric-filter", "--log-event-messages")];
    let Some((_, many)) = MANY.iter().find(|(command, _)| args.get(1).is_some_and(|a| a == *command)) else {
        return args;
    };
    let cli = Cli::command();
    let Some(command) = args.get(1).and_then(|c| c.to_str()).and_then(|c| cli.find_subcommand(c)) else {
        return args;
    };
    let options: Vec<String> =
        command.get_arguments().filter_map(|a| a.get_long()).map(|long| format!("--{long}")).collect();
    let is_option = |arg: &std::ffi::OsString| {
        arg.to_str().is_some_and(|a| options.iter().any(|o| a == o || a.starts_with(&format!("{o}="))))
    };
    let (mut kept, mut moved) = (Vec::with_capacity(args.len()), Vec::new());
    let mut in_list = false;
    for arg in args {
        if arg == *many {
            in_list = true;
            moved.push(arg);
        } else if in_list && !is_option(&arg) {
            moved.push(arg);
        } else {
            in_list = false;
            kept.push(arg);
        }
    }
    kept.extend(moved);
    kept
}

/// The largest `file://` parameter read (a request of 50 messages of 256 KB fits).
const MAX_PARAMETER_FILE: u64 = 16 << 20;

/// The aws CLI's exit status when the service answers with an error.
const EXIT_SERVICE_ERROR: i32 = 254;
/// The aws CLI's exit status when the command line itself is wrong.
const EXIT_USAGE: i32 = 252;

/// Reads `file://PATH` (as the aws CLI does for parameter values) or returns the text.
fn read_parameter(value: &str) -> Result<String, String> {
    match value.strip_prefix("file://") {
        Some(path) => trailwatch::source::read_text_file(std::path::Path::new(path), MAX_PARAMETER_FILE),
        None => Ok(value.to_string()),
    }
}

/// `--input-format`: the names (listed in `--help` and in the error for an unknown one),
/// with `get-log-events` as another name for `filter-log-events`.
fn input_format_parser() -> impl clap::builder::TypedValueParser<Value = trailwatch::source::InputFormat> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = trailwatch::source::InputFormat::NAMES.into_iter().map(|name| match name {
        "filter-log-events" => PossibleValue::new(name).alias("get-log-events"),
        _ => PossibleValue::new(name),
    });
    PossibleValuesParser::new(values).try_map(|name: String| name.parse::<trailwatch::source::InputFormat>())
}

/// Says so when the events are to come from a terminal (no files given, or `-`), which
/// otherwise looks like a hang.
fn note_if_reading_a_terminal(inputs: &[std::path::PathBuf], term: &mut Terminal) {
    use std::io::IsTerminal;
    let reads_stdin = inputs.is_empty() || inputs.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin && std::io::stdin().is_terminal() {
        term.note("reading events from the terminal (standard input); end with Ctrl-D, or give files (see --help)");
    }
}

/// How the inputs are shared between threads (`filter`, `replay`); results never depend on it.
#[derive(clap::Args, Clone, Copy, Debug)]
struct Reading {
    /// Threads reading the inputs (0: one per core). Files, and chunks of large plain files,
    /// are read at once; output stays in input order.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=256))]
    threads: u16,

    /// The chunk size (bytes) large plain files are split into; for testing.
    #[arg(long, hide = true, value_name = "BYTES", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=1 << 40))]
    chunk_size: u64,
}

impl Reading {
    fn apply(self, options: trailwatch::source::ReadOptions) -> trailwatch::source::ReadOptions {
        trailwatch::source::ReadOptions { threads: usize::from(self.threads), chunk_size: self.chunk_size, ..options }
    }
}
