//! `trailwatch test-metric-filter`: `aws logs test-metric-filter`, offline.

use std::path::{Path, PathBuf};

use trailwatch::matcher::{self, Matcher, Prefilter};
use trailwatch::pattern;
use trailwatch::source::{
    read_bytes, read_inputs_parallel, InputFormat, LineScreen, Parts, Position, ReadOptions, Record, Rejection,
};
use trailwatch::test_metric_filter::{
    cli_json_stream, test_metric_filter, to_cli_json, ApiError, Limits, MatchRecord, Request,
};

use super::output::{Terminal, EXIT_ERROR};
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

    #[command(flatten)]
    reading: super::Reading,
}

pub fn run(args: Args, term: &mut Terminal) -> i32 {
    if let (Some(path), None) = (&args.log_event_file, &args.cli_input_json) {
        let path = path.clone();
        super::note_if_reading_a_terminal(std::slice::from_ref(&path), term);
        return match args.filter_pattern.as_deref().map(super::read_parameter) {
            Some(Ok(pattern)) => stream_file(&pattern, &path, args.reading, term),
            Some(Err(message)) => {
                term.note(message);
                EXIT_USAGE
            }
            None => {
                term.note("the following arguments are required: --filter-pattern");
                EXIT_USAGE
            }
        };
    }
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

/// The largest `--log-event-file` read from a pipe, standard input or a device, which is
/// held whole (a regular file is read in chunks on every core, whatever its size).
const MAX_MESSAGE_FILE: u64 = 64 << 20;

fn read_lines(path: &Path) -> Result<Vec<String>, String> {
    let text = trailwatch::source::read_text_file(path, MAX_MESSAGE_FILE)?;
    Ok(text.lines().map(str::to_string).collect())
}

/// How many rejected lines are listed one by one.
const LISTED_REJECTIONS: usize = 20;

/// `--log-event-file`: every line is a message, its line number the eventNumber. The answer
/// is written as the matches arrive, in line order, so memory does not grow with the file.
/// A line that is not UTF-8 (or too long) is reported with its location, the run goes on,
/// and the exit status is 2.
fn stream_file(pattern_text: &str, path: &Path, reading: super::Reading, term: &mut Terminal) -> i32 {
    let compiled = pattern::parse(pattern_text).and_then(|p| Ok((matcher::compile(&p)?, Prefilter::for_pattern(&p))));
    let (matcher, prefilter) = match compiled {
        Ok(compiled) => compiled,
        Err(error) => {
            let request = Request { filter_pattern: pattern_text.to_string(), log_event_messages: Vec::new() };
            report(&request, &ApiError::from(error), term);
            return EXIT_SERVICE_ERROR;
        }
    };
    let options = reading.apply(ReadOptions {
        format: InputFormat::Lines,
        read_timestamps: false,
        stop: term.stop(),
        ..ReadOptions::default()
    });
    let parts = Answering { matcher: matcher.as_ref(), screen: LineScreen::for_prefilter(&prefilter) };
    let mut any = false;
    let (mut rejected, mut listed) = (0u64, 0usize);
    let mut merge = |part: Answer, term: &mut Terminal| {
        let body = match part.out.split_first() {
            Some((b',', rest)) if !any => rest,
            _ => &part.out[..],
        };
        term.write(body);
        any |= part.matches > 0;
        rejected += part.rejected;
        for rejection in part.rejections.into_iter().take(LISTED_REJECTIONS.saturating_sub(listed)) {
            term.note(format_args!("rejected {rejection}"));
            listed += 1;
        }
    };
    // The file is opened (or, when not a regular file, read) before the answer begins, so a
    // file that cannot be read gets the CLI's usage status and no half-written answer.
    let regular = path.as_os_str() != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file());
    let whole = if regular {
        if let Err(error) = std::fs::File::open(path) {
            term.note(format_args!("{}: cannot read: {error}", path.display()));
            return EXIT_USAGE;
        }
        None
    } else {
        // A pipe or a device is read whole, with a cap (it may never end).
        match trailwatch::source::read_file_capped(path, MAX_MESSAGE_FILE) {
            Ok(bytes) => Some(bytes),
            Err(message) => {
                term.note(message);
                return EXIT_USAGE;
            }
        }
    };
    term.print(format_args!("{}", cli_json_stream::START));
    match whole {
        None => {
            let tally = read_inputs_parallel(&[path.to_path_buf()], &options, &parts, |part| merge(part, term));
            if tally.unreadable > 0 {
                rejected += 1;
            }
        }
        Some(bytes) => {
            let mut part = parts.start();
            read_bytes(&path.display().to_string(), &bytes, &options, &mut |record| parts.take(&mut part, record));
            merge(part, term);
        }
    }
    term.println(cli_json_stream::end(any));
    if rejected > 0 {
        term.note(format_args!("{rejected} line(s) rejected; the answer covers the others"));
        return EXIT_ERROR;
    }
    0
}

/// The matches of one part of the file, as the answer's JSON.
#[derive(Default)]
struct Answer {
    out: Vec<u8>,
    matches: u64,
    rejected: u64,
    rejections: Vec<Rejection>,
}

struct Answering<'a> {
    matcher: &'a dyn Matcher,
    screen: Option<LineScreen>,
}

impl Parts for Answering<'_> {
    type Part = Answer;

    fn start(&self) -> Answer {
        Answer::default()
    }

    fn take(&self, part: &mut Answer, record: Record) {
        let event = match record {
            Record::Event(event) => event,
            Record::Rejected(rejection) => {
                part.rejected += 1;
                if part.rejections.len() < LISTED_REJECTIONS {
                    part.rejections.push(rejection);
                }
                return;
            }
        };
        let Some(extracted_values) = self.matcher.evaluate(&event.message) else { return };
        let event_number = match event.origin.position {
            Position::Line(line) => line,
            _ => 0,
        };
        let record = MatchRecord { event_number, event_message: event.message, extracted_values };
        cli_json_stream::push_match(&record, &mut part.out);
        part.matches += 1;
    }

    fn screen(&self) -> Option<&LineScreen> {
        self.screen.as_ref()
    }

    fn is_full(&self, part: &Answer) -> bool {
        part.out.len() >= 2 << 20
    }
}
