//! `trailwatch filter`: grep for CloudWatch Logs filter patterns.

use std::path::PathBuf;

use serde::Serialize;
use trailwatch::matcher::{ExtractedValues, Matcher, Prefilter};
use trailwatch::source::{
    accounting_json, read_inputs_parallel, InputFormat, LineScreen, Parts, ReadOptions, Record, Rejection,
};
use trailwatch::{matcher, pattern};

use super::archive::ArchiveArgs;
use super::output::{LineFile, Terminal, EXIT_ERROR};

const EXIT_MATCHED: i32 = 0;
const EXIT_NO_MATCH: i32 = 1;
/// How many rejected records are listed one by one before only counting them.
const LISTED_REJECTIONS: u64 = 20;

/// Print the events (one per line) that match a filter pattern.
///
/// Reads each FILE in turn, or standard input when none is given (`-` also means stdin).
/// Folders are walked, s3://BUCKET/PREFIX read through the AWS SDK; gzip is undone; CloudTrail files, CloudWatch Logs exports and the
/// aws CLI's event JSON are recognised, and each of their records is one event.
/// Exit status: 0 when an event was selected, 1 when none was, 2 on an invalid pattern, an
/// input that cannot be read, or a failed write (with --strict, also on any rejected record).
///
/// Examples:
///   trailwatch filter '{ $.errorCode = "AccessDenied*" }' events.ndjson
///   trailwatch filter --count '?ERROR ?WARN' app.log
///   trailwatch filter --format json '[ip, id, user, ..., status=5*, bytes]' access.log
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The filter pattern (quote it for the shell; `file://PATH` reads it from a file),
    /// then the input files or folders (default: standard input). A pattern starting with
    /// `-` goes after `--` or in `-e`, as with grep.
    #[arg(value_name = "PATTERN] [FILE", value_parser = clap::value_parser!(std::ffi::OsString))]
    operands: Vec<std::ffi::OsString>,

    /// The filter pattern, when it starts with `-` (or to put it anywhere); every operand is
    /// then an input.
    #[arg(short = 'e', long = "regexp", value_name = "PATTERN", allow_hyphen_values = true)]
    expression: Option<String>,

    /// The inputs, once the pattern is taken from the operands.
    #[arg(skip)]
    files: Vec<PathBuf>,

    /// The input format (default: recognised from each file's content).
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = super::input_format_parser())]
    input_format: InputFormat,

    /// Print only the number of selected events.
    #[arg(short, long)]
    count: bool,

    /// Select the events that do not match.
    #[arg(short = 'v', long = "invert-match", visible_alias = "invert")]
    invert: bool,

    /// Print nothing; report through the exit status only.
    #[arg(short, long)]
    quiet: bool,

    /// Fail (exit 2) when any record is rejected (unreadable file, invalid UTF-8, damaged
    /// gzip or JSON).
    #[arg(long)]
    strict: bool,

    /// Always print the accounting (files, records read, matched, not matched, rejected,
    /// where the first rejections are) on stderr; as JSON with `--format json`. Without it,
    /// it is printed only when something was rejected or skipped.
    #[arg(long)]
    stats: bool,

    /// Write every rejected record, one `FILE:LINE: reason` line each, to this file (stderr
    /// lists only the first 20; all are counted). Written whole or not at all.
    #[arg(long, value_name = "FILE")]
    rejections: Option<PathBuf>,

    /// `text` prints each selected event; `json` prints one object per event with its
    /// origin and extracted values.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,

    #[command(flatten)]
    archive: ArchiveArgs,

    #[command(flatten)]
    reading: super::Reading,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonLine<'a> {
    /// Where the event came from: `file:line` or `file (record n)`.
    input: &'a str,
    message: &'a str,
    extracted_values: &'a ExtractedValues,
}

pub fn run(mut args: Args, term: &mut Terminal) -> i32 {
    // The pattern is `-e PATTERN`, or else the first operand; the rest are inputs.
    let given = match args.expression.take() {
        Some(expression) => Some(expression),
        None if args.operands.is_empty() => None,
        None => Some(args.operands.remove(0).to_string_lossy().into_owned()),
    };
    let Some(given) = given else {
        term.note("the filter pattern is missing: trailwatch filter PATTERN [FILE]... (see --help)");
        return EXIT_ERROR;
    };
    let pattern_text = match super::read_parameter(&given) {
        Ok(text) => text,
        Err(message) => {
            term.note(message);
            return EXIT_ERROR;
        }
    };
    args.files = std::mem::take(&mut args.operands).into_iter().map(PathBuf::from).collect();
    super::note_if_reading_a_terminal(&args.files, term);
    let compiled = pattern::parse(&pattern_text).and_then(|p| Ok((matcher::compile(&p)?, Prefilter::for_pattern(&p))));
    let (matcher, prefilter) = match compiled {
        Ok(compiled) => compiled,
        Err(error) => {
            term.eprint(format_args!("{}", error.render(&pattern_text)));
            return EXIT_ERROR;
        }
    };
    let mut options = args.reading.apply(ReadOptions {
        format: args.input_format,
        read_timestamps: false,
        stop: term.stop(),
        ..ReadOptions::default()
    });
    if let Err(message) = args.archive.apply(&mut options) {
        term.note(message);
        return EXIT_ERROR;
    }
    let rejections_out = match args.rejections.as_deref().map(|p| LineFile::create(p, "rejections")).transpose() {
        Ok(file) => file,
        Err(message) => {
            term.note(message);
            return EXIT_ERROR;
        }
    };
    let mut output = Output { term, listed: Vec::new(), rejections_out };
    let mut total = Selection::default();
    // Lines of a large file that lack every literal the pattern needs are only counted;
    // with --invert those are the ones selected, so every line is looked at.
    let screen = LineScreen::for_prefilter(&prefilter).filter(|_| !args.invert);
    let parts = Selecting { matcher: matcher.as_ref(), args: &args, screen };
    // Files (and chunks of large files) are read on every core; their output is written in
    // input order as each part arrives.
    let tally = read_inputs_parallel(&args.files, &options, &parts, |mut part| {
        output.write(&mut part);
        total.absorb(part);
    });
    output.write(&mut total);
    let Output { term, listed, rejections_out } = output;
    if let (Some(file), Some(path)) = (rejections_out, args.rejections.as_deref()) {
        if let Err(message) = file.finish(path) {
            term.note(message);
            return EXIT_ERROR;
        }
    }
    if args.count && !args.quiet {
        term.println(total.selected);
    }
    term.flush();
    let Selection { read, selected, rejected, matched, .. } = total;
    if args.stats && args.format == "json" {
        let mut accounting = accounting_json(&tally, read + rejected, rejected, &listed);
        accounting.insert("matched".into(), matched.into());
        accounting.insert("notMatched".into(), (read - matched).into());
        accounting.insert("selected".into(), selected.into());
        term.eprint(format_args!("{}\n", serde_json::json!({ "accounting": accounting })));
    } else if args.stats || rejected > 0 || !tally.skipped.is_empty() {
        for skip in tally.skipped.iter().take(LISTED_REJECTIONS as usize) {
            term.note(format_args!("skipped {}: {}", skip.path, skip.reason));
        }
        term.note(format_args!(
            "{} file(s) read, {} skipped; {} record(s) read: {matched} matched, {} not matched, {rejected} rejected; {selected} selected",
            tally.files_read,
            tally.skipped.len(),
            read + rejected,
            read - matched
        ));
        if tally.held_back() > 0 || tally.pruned > 0 || tally.repeated > 0 {
            term.note(format_args!(
                "selection: {} file(s) or folder(s) passed over by their key; {} record(s) outside the time window; {} repeated eventID(s), {} dropped",
                tally.pruned, tally.outside_window, tally.repeated, tally.dropped_repeats
            ));
        }
    }
    // As grep: an input that cannot be read is an error, whatever the others held.
    if tally.unreadable > 0 || (args.strict && rejected > 0) {
        return EXIT_ERROR;
    }
    if selected > 0 {
        EXIT_MATCHED
    } else {
        EXIT_NO_MATCH
    }
}

/// A part's output is handed over once it grows past this: twice a chunk of plain output,
/// so that a chunk rarely waits for its turn, and little enough that memory stays flat.
const FLUSH_AT: usize = 2 << 20;

/// With `--rejections`, a part is handed over once it holds this many, so that a file of
/// bad lines does not grow memory.
const REJECTIONS_PER_PART: usize = 4096;

/// The filter as the readers' consumer.
struct Selecting<'a> {
    matcher: &'a dyn Matcher,
    args: &'a Args,
    screen: Option<LineScreen>,
}

impl Parts for Selecting<'_> {
    type Part = Selection;

    fn start(&self) -> Selection {
        Selection::default()
    }

    fn take(&self, part: &mut Selection, record: Record) {
        part.take(record, self.matcher, self.args);
    }

    fn screened(&self, part: &mut Selection, events: u64) {
        part.read += events;
    }

    fn screen(&self) -> Option<&LineScreen> {
        self.screen.as_ref()
    }

    fn is_full(&self, part: &Selection) -> bool {
        part.out.len() >= FLUSH_AT || part.rejections.len() >= REJECTIONS_PER_PART
    }
}

/// What part of the input selected: counts, the output text, the rejections to list.
#[derive(Default)]
struct Selection {
    out: Vec<u8>,
    read: u64,
    /// Events the pattern matched (selected ones, unless --invert).
    matched: u64,
    selected: u64,
    rejected: u64,
    rejections: Vec<Rejection>,
}

impl Selection {
    fn take(&mut self, record: Record, matcher: &dyn Matcher, args: &Args) {
        let event = match record {
            Record::Event(event) => event,
            Record::Rejected(rejection) => {
                self.rejected += 1;
                if args.rejections.is_some() || (self.rejections.len() as u64) < LISTED_REJECTIONS {
                    self.rejections.push(rejection);
                }
                return;
            }
        };
        self.read += 1;
        let outcome = matcher.evaluate(&event.message);
        self.matched += u64::from(outcome.is_some());
        if outcome.is_some() == args.invert {
            return;
        }
        self.selected += 1;
        if args.quiet || args.count {
            return;
        }
        if args.format == "json" {
            let no_values = ExtractedValues::default();
            let line = JsonLine {
                input: &event.origin.to_string(),
                message: &event.message,
                extracted_values: outcome.as_ref().unwrap_or(&no_values),
            };
            // Writing to a Vec cannot fail.
            let _ = serde_json::to_writer(&mut self.out, &line);
        } else {
            self.out.extend_from_slice(event.message.as_bytes());
        }
        self.out.push(b'\n');
    }

    fn absorb(&mut self, other: Selection) {
        self.read += other.read;
        self.matched += other.matched;
        self.selected += other.selected;
        self.rejected += other.rejected;
    }
}

/// Standard output and error, in input order.
struct Output<'t> {
    term: &'t mut Terminal,
    /// The rejections listed so far.
    listed: Vec<Rejection>,
    /// `--rejections`: every one.
    rejections_out: Option<LineFile>,
}

impl Output<'_> {
    /// Writes (and clears) the output and rejections a selection holds so far. Once stdout
    /// is closed (`| head`), the terminal has asked the readers to stop.
    fn write(&mut self, selection: &mut Selection) {
        for rejection in selection.rejections.drain(..) {
            if let Some(file) = self.rejections_out.as_mut() {
                file.write_line(&rejection.to_string());
            }
            if (self.listed.len() as u64) < LISTED_REJECTIONS {
                self.term.note(format_args!("rejected {rejection}"));
                self.listed.push(rejection);
            }
        }
        self.term.write(&selection.out);
        selection.out.clear();
    }
}
