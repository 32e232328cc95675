//! `trailwatch test-event-pattern`: `aws events test-event-pattern`, offline.

use trailwatch::test_event_pattern::{answer, to_cli_json, ApiError, Request};

use super::output::Terminal;
use super::{EXIT_SERVICE_ERROR, EXIT_USAGE};

/// Test whether an event matches an EventBridge event pattern, answering exactly as `aws
/// events test-event-pattern` does.
///
/// Prints the service's JSON answer, `{"Result": true}` or `{"Result": false}`. An invalid
/// pattern prints AWS's InvalidEventPatternException message and a diagnosis pointing at
/// the fault on stderr, and exits with 254 as the aws CLI does; so does an event the
/// service refuses (ValidationException: it must be a JSON object with id, account, source,
/// time, region and detail-type).
///
/// Examples:
///   trailwatch test-event-pattern --event-pattern '{"source": ["aws.ec2"]}' \
///       --event '{"id": "1", "account": "123456789012", "source": "aws.ec2",
///                 "time": "2024-01-01T00:00:00Z", "region": "us-east-1",
///                 "detail-type": "EC2 Instance State-change Notification"}'
///   trailwatch test-event-pattern --event-pattern file://pattern.json --event file://event.json
///   trailwatch test-event-pattern --cli-input-json file://request.json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The event pattern (`file://PATH` reads it from a file).
    #[arg(long, value_name = "PATTERN", required_unless_present = "cli_input_json", allow_hyphen_values = true)]
    event_pattern: Option<String>,

    /// The event, a JSON object (`file://PATH` reads it from a file).
    #[arg(long, value_name = "EVENT", required_unless_present = "cli_input_json", allow_hyphen_values = true)]
    event: Option<String>,

    /// The whole request as JSON (`{"EventPattern": "...", "Event": "..."}`), inline or as
    /// `file://PATH`; the other flags override its fields.
    #[arg(long, value_name = "JSON")]
    cli_input_json: Option<String>,

    /// Output format; only `json` (the aws CLI's default) is supported.
    #[arg(long, value_name = "FORMAT", default_value = "json", value_parser = ["json"])]
    output: String,
}

pub fn run(args: Args, term: &mut Terminal) -> i32 {
    let request = match build_request(&args) {
        Ok(request) => request,
        Err(message) => {
            term.note(message);
            return EXIT_USAGE;
        }
    };
    match answer(&request) {
        Ok(response) => {
            term.println(to_cli_json(&response));
            0
        }
        Err(error) => {
            report(&error, term);
            EXIT_SERVICE_ERROR
        }
    }
}

fn report(error: &ApiError, term: &mut Terminal) {
    term.eprint(format_args!(
        "\nAn error occurred ({}) when calling the TestEventPattern operation: {}\n",
        error.code, error.message
    ));
    if let Some(pattern_error) = &error.pattern_error {
        term.eprint(format_args!("\ntrailwatch: the fault is {}\n", pattern_error.pointer()));
    }
    if let Some(fault) = &error.event_fault {
        term.eprint(format_args!("\ntrailwatch: {fault}\n"));
    }
}

fn build_request(args: &Args) -> Result<Request, String> {
    let mut request = match &args.cli_input_json {
        Some(value) => {
            let text = super::read_parameter(value)?;
            serde_json::from_str::<Request>(&text)
                .map_err(|e| format!("--cli-input-json is not a TestEventPattern request: {e}"))?
        }
        None => Request::default(),
    };
    if let Some(pattern) = &args.event_pattern {
        request.event_pattern = super::read_parameter(pattern)?;
    }
    if let Some(event) = &args.event {
        request.event = super::read_parameter(event)?;
    }
    Ok(request)
}
