//! `trailwatch test-metric-filter`: `aws logs test-metric-filter`, offline.

use std::path::{Path, PathBuf};

use trailwatch::test_metric_filter::{test_metric_filter, to_cli_json, ApiError, Limits, Request};

use super::output::Terminal;
use super::{EXIT_SERVICE_ERROR, EXIT_USAGE};

/// Test a filter pattern on sample messages, answering exactly as `aws logs
/// test-metric-filter` does.
///
/// Prints the service's JSON answer (matching messages with their 1-based eventNumber and
/// extractedValues). An invalid pattern prints AWS's InvalidParameterException message and
/// a diagnosis on stderr, and exits with 254 as the aws CLI does.
///
/// Examples:
///   trailwatch test-metric-filter --filter-pattern '[ip, user, ..., status=4*, bytes]' \
///       --log-event-messages '127.0.0.1 - frank 404 2326' '10.0.0.1 - joe 200 12'
///   trailwatch test-metric-filter --filter-pattern '{ $.eventName = ConsoleLogin }' \
///       --log-event-messages file://events.json
///   grep ConsoleLogin trail.ndjson | trailwatch test-metric-filter \
///       --filter-pattern '{ $.errorMessage = "Failed authentication" }' --log-event-file -
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The filter pattern to test (`file://PATH` reads it from a file).
    #[arg(long, value_name = "PATTERN", required_unless_present = "cli_input_json", allow_hyphen_values = true)]
    filter_pattern: Option<String>,

    /// The messages to test (1 to 50), or `file://PATH` naming a JSON array of strings.
    #[arg(long, value_name = "MESSAGE", num_args = 1.., allow_hyphen_values = true, conflicts_with = "log_event_file")]
    log_event_messages: Vec<String>,

    /// Read the messages from a file, one per line (`-` for stdin). Unlike the service,
    /// takes any number of messages.
    #[arg(long, value_name = "PATH")]
    log_event_file: Option<PathBuf>,

    /// The whole request as JSON (`{"filterPattern": ..., "logEventMessages": [...]}`),
    /// inline or as `file://PATH`; other flags override its fields.
    #[arg(long, value_name = "JSON")]
    cli_input_json: Option<String>,

    /// Output format; only `json` (the aws CLI's default) is supported.
    #[arg(long, value_name = "FORMAT", default_value = "json", value_parser = ["json"])]
    output: String,
}

pub fn run(args: Args, term: &mut Terminal) -> i32 {
    let (request, limits) = match build_request(args) {
        Ok(built) => built,
        Err(message) => {
            term.note(message);
            return EXIT_USAGE;
        }
    };
    match test_metric_filter(&request, limits) {
        Ok(response) => {
            term.println(to_cli_json(&response));
            0
        }
        Err(error) => {
            report(&request, &error, term);
            EXIT_SERVICE_ERROR
        }
    }
}

fn report(request: &Request, error: &ApiError, term: &mut Terminal) {
    term.eprint(format_args!(
        "\nAn error occurred ({}) when calling the TestMetricFilter operation: {}\n",
        ApiError::CODE,
        error.message
    ));
    if let Some(pattern_error) = &error.pattern_error {
        term.eprint(format_args!("\n{}", pattern_error.render(&request.filter_pattern)));
    }
}

fn build_request(args: Args) -> Result<(Request, Limits), String> {
    let mut request = match &args.cli_input_json {
        Some(value) => {
            let text = super::read_parameter(value)?;
            serde_json::from_str::<Request>(&text)
                .map_err(|e| format!("--cli-input-json is not a TestMetricFilter request: {e}"))?
        }
        None => Request::default(),
    };
    if let Some(pattern) = &args.filter_pattern {
        request.filter_pattern = super::read_parameter(pattern)?;
    }
    let mut limits = Limits::Aws;
    if let Some(path) = &args.log_event_file {
        request.log_event_messages = read_lines(path)?;
        limits = Limits::Unlimited;
    } else if let [single] = args.log_event_messages.as_slice() {
        request.log_event_messages = match single.strip_prefix("file://") {
            Some(_) => {
                let text = super::read_parameter(single)?;
                serde_json::from_str::<Vec<String>>(&text)
                    .map_err(|e| format!("{single} is not a JSON array of strings: {e}"))?
            }
            None => vec![single.clone()],
        };
    } else if !args.log_event_messages.is_empty() {
        request.log_event_messages = args.log_event_messages;
    }
    if args.cli_input_json.is_none() && args.log_event_file.is_none() && request.log_event_messages.is_empty() {
        return Err("the following arguments are required: --log-event-messages (or --log-event-file)".into());
    }
    Ok((request, limits))
}

/// The largest `--log-event-file` read: every message is held, as the service holds them.
const MAX_MESSAGE_FILE: u64 = 64 << 20;

fn read_lines(path: &Path) -> Result<Vec<String>, String> {
    let text = trailwatch::source::read_text_file(path, MAX_MESSAGE_FILE)?;
    Ok(text.lines().map(str::to_string).collect())
}
