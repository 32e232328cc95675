//! `trailwatch filter`: grep for CloudWatch Logs filter patterns.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use serde::Serialize;
use trailwatch::matcher::ExtractedValues;
use trailwatch::source::{read_inputs, InputFormat, ReadOptions, Record};
use trailwatch::{matcher, pattern};

const EXIT_MATCHED: i32 = 0;
const EXIT_NO_MATCH: i32 = 1;
const EXIT_ERROR: i32 = 2;
/// How many rejected records are listed one by one before only counting them.
const LISTED_REJECTIONS: u64 = 20;

/// Print the events (one per line) that match a filter pattern.
///
/// Reads each FILE in turn, or standard input when none is given (`-` also means stdin).
/// Folders are walked; gzip is undone; CloudTrail files, CloudWatch Logs exports and the
/// aws CLI's event JSON are recognised, and each of their records is one event.
/// Exit status: 0 when an event was selected, 1 when none was, 2 on an invalid pattern (or,
/// with --strict, on any rejected record).
///
/// Examples:
///   trailwatch filter '{ $.errorCode = "AccessDenied*" }' events.ndjson
///   trailwatch filter --count '?ERROR ?WARN' app.log
///   trailwatch filter --format json '[ip, id, user, ..., status=5*, bytes]' access.log
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The filter pattern (quote it for the shell).
    #[arg(allow_hyphen_values = true)]
    pattern: String,

    /// Input files or folders (default: standard input).
    files: Vec<PathBuf>,

    /// The input format (default: recognised from each file's content).
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = parse_format)]
    input_format: InputFormat,

    /// Print only the number of selected events.
    #[arg(short, long)]
    count: bool,

    /// Select the events that do not match.
    #[arg(short = 'v', long)]
    invert: bool,

    /// Print nothing; report through the exit status only.
    #[arg(short, long)]
    quiet: bool,

    /// Fail (exit 2) when any record is rejected (unreadable file, invalid UTF-8, damaged
    /// gzip or JSON).
    #[arg(long)]
    strict: bool,

    /// `text` prints each selected event; `json` prints one object per event with its
    /// origin and extracted values.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

fn parse_format(text: &str) -> Result<InputFormat, String> {
    text.parse()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonLine<'a> {
    /// Where the event came from: `file:line` or `file (record n)`.
    input: &'a str,
    message: &'a str,
    extracted_values: &'a ExtractedValues,
}

pub fn run(args: Args) -> i32 {
    let matcher = match pattern::parse(&args.pattern).and_then(|p| matcher::compile(&p)) {
        Ok(matcher) => matcher,
        Err(error) => {
            eprint!("{}", error.render(&args.pattern));
            return EXIT_ERROR;
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut read, mut selected, mut rejected) = (0u64, 0u64, 0u64);
    let no_values = ExtractedValues::default();
    let options = ReadOptions { format: args.input_format, ..ReadOptions::default() };
    let mut output_closed = false;
    let tally = read_inputs(&args.files, &options, &mut |record| {
        let event = match record {
            Record::Event(event) => event,
            Record::Rejected(rejection) => {
                rejected += 1;
                if rejected <= LISTED_REJECTIONS {
                    eprintln!("trailwatch: rejected {rejection}");
                }
                return;
            }
        };
        read += 1;
        let outcome = matcher.evaluate(&event.message);
        if outcome.is_some() == args.invert {
            return;
        }
        selected += 1;
        if args.quiet || args.count || output_closed {
            return;
        }
        let written = if args.format == "json" {
            let line = JsonLine {
                input: &event.origin.to_string(),
                message: &event.message,
                extracted_values: outcome.as_ref().unwrap_or(&no_values),
            };
            serde_json::to_writer(&mut out, &line).map_err(io::Error::from).and_then(|_| out.write_all(b"\n"))
        } else {
            writeln!(out, "{}", event.message)
        };
        // The reader went away (e.g. `| head`): stop writing, as grep does.
        output_closed = written.is_err();
    });
    if args.count && !args.quiet {
        let _ = writeln!(out, "{selected}");
    }
    let _ = out.flush();
    if rejected > 0 || !tally.skipped.is_empty() {
        eprintln!(
            "trailwatch: {} file(s) read, {} skipped; {} record(s): {read} event(s), {selected} selected, {} not selected, {rejected} rejected",
            tally.files_read,
            tally.skipped.len(),
            read + rejected,
            read - selected
        );
        if args.strict {
            return EXIT_ERROR;
        }
    }
    if selected > 0 {
        EXIT_MATCHED
    } else {
        EXIT_NO_MATCH
    }
}
