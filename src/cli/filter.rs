//! `trailwatch filter`: grep for CloudWatch Logs filter patterns.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use serde::Serialize;
use trailwatch::matcher::ExtractedValues;
use trailwatch::source::{LineSource, Record};
use trailwatch::{matcher, pattern};

const EXIT_MATCHED: i32 = 0;
const EXIT_NO_MATCH: i32 = 1;
const EXIT_ERROR: i32 = 2;
/// How many rejected records are listed one by one before only counting them.
const LISTED_REJECTIONS: u64 = 20;

/// Print the events (one per line) that match a filter pattern.
///
/// Reads each FILE in turn, or standard input when none is given (`-` also means stdin).
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

    /// Input files, one event per line (default: standard input).
    files: Vec<PathBuf>,

    /// Print only the number of selected events.
    #[arg(short, long)]
    count: bool,

    /// Select the events that do not match.
    #[arg(short = 'v', long)]
    invert: bool,

    /// Print nothing; report through the exit status only.
    #[arg(short, long)]
    quiet: bool,

    /// Fail (exit 2) when any record is rejected (unreadable file, invalid UTF-8).
    #[arg(long)]
    strict: bool,

    /// `text` prints each selected event; `json` prints one object per event with its
    /// origin and extracted values.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonLine<'a> {
    input: &'a str,
    line: u64,
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
    for record in LineSource::new(args.files) {
        let event = match record {
            Record::Event(event) => event,
            Record::Rejected(rejection) => {
                rejected += 1;
                if rejected <= LISTED_REJECTIONS {
                    eprintln!("trailwatch: rejected {rejection}");
                }
                continue;
            }
        };
        read += 1;
        let outcome = matcher.evaluate(&event.message);
        if outcome.is_some() == args.invert {
            continue;
        }
        selected += 1;
        if args.quiet || args.count {
            continue;
        }
        let written = if args.format == "json" {
            let line = JsonLine {
                input: &event.origin.input,
                line: event.origin.line,
                message: &event.message,
                extracted_values: outcome.as_ref().unwrap_or(&no_values),
            };
            serde_json::to_writer(&mut out, &line).map_err(io::Error::from).and_then(|_| out.write_all(b"\n"))
        } else {
            writeln!(out, "{}", event.message)
        };
        if written.is_err() {
            // The reader went away (e.g. `| head`): stop quietly, as grep does.
            return if selected > 0 { EXIT_MATCHED } else { EXIT_NO_MATCH };
        }
    }
    if args.count && !args.quiet {
        let _ = writeln!(out, "{selected}");
    }
    let _ = out.flush();
    if rejected > 0 {
        eprintln!(
            "trailwatch: {rejected} record(s) rejected; {read} event(s) read, {selected} selected, {} not selected",
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
