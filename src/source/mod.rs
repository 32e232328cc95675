//! Files, folders and standard input -> log events, with every record accounted for.
//!
//! [`read_inputs`] walks the inputs, opens each file (gunzipping by content, not by name),
//! recognises its format and hands every record to a sink as a [`Record`]: an event to
//! match, or a rejection that says where and why. Nothing is dropped silently, so a caller
//! can always show `read = matched + not matched + rejected`. Each format has one reader
//! behind the same sink, so the commands above never care where events came from.

mod api;
mod chunk;
mod cloudtrail;
mod compact;
mod dedupe;
mod detect;
pub mod layout;
mod lines;
mod open;
mod parallel;
mod records;
pub mod s3;
mod screen;
mod walk;
pub mod window;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::matcher::{Found, TopLevelField};

pub use chunk::DEFAULT_CHUNK_SIZE;
pub use compact::compact_json;
pub use detect::InputFormat;
pub use layout::Selection;
pub use parallel::{read_inputs_parallel, Parts};
pub use s3::{S3Options, DEFAULT_TIMEOUT as S3_DEFAULT_TIMEOUT};
pub use screen::LineScreen;
pub use window::{parse_time_expression, TimeWindow};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// The earliest event time trailwatch accepts: 1970-01-01T00:00:00.000Z. CloudWatch Logs
/// counts event timestamps in milliseconds after the epoch and refuses negative ones.
pub const EARLIEST_EVENT_TIME: Millis = 0;

/// The latest event time trailwatch accepts: 9999-12-31T23:59:59.999Z, the last instant an
/// ISO-8601 time with a four-digit year (CloudTrail's `eventTime`, the SNS message's times)
/// can name. Every time derived from an event (an alarm's look-back, at most about 28 years
/// past the event, see `alarm::MAX_EVALUATION_RANGE`) stays far inside what `chrono` formats
/// and what `i64` holds.
pub const LATEST_EVENT_TIME: Millis = 253_402_300_799_999;

/// Checks that `t` (milliseconds) is a time an event can have; the message says why not.
pub fn check_event_time(t: Millis) -> Result<Millis, String> {
    if (EARLIEST_EVENT_TIME..=LATEST_EVENT_TIME).contains(&t) {
        Ok(t)
    } else {
        Err(out_of_range(t as f64))
    }
}

/// A JSON number (milliseconds) as an event time: whole milliseconds, in range. A number
/// beyond the range is refused before conversion, so the `as` below never saturates.
pub fn millis_from_number(ms: f64) -> Result<Millis, String> {
    if ms >= EARLIEST_EVENT_TIME as f64 && ms < (LATEST_EVENT_TIME + 1) as f64 {
        Ok(ms.trunc() as Millis)
    } else {
        Err(out_of_range(ms))
    }
}

fn out_of_range(ms: f64) -> String {
    let shown = if ms.abs() < 1e19 { format!("{:.0}", ms.trunc()) } else { format!("{ms:e}") };
    let hint = if ms > LATEST_EVENT_TIME as f64 && ms / 1e6 <= LATEST_EVENT_TIME as f64 {
        " (it looks like micro- or nanoseconds; event timestamps are milliseconds)"
    } else {
        ""
    };
    format!("timestamp {shown} ms is outside 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z{hint}")
}

/// Where a record came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file (or `(standard input)`).
    pub input: Arc<str>,
    pub position: Position,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// The file as a whole.
    File,
    /// A 1-based line.
    Line(u64),
    /// A 1-based element of a JSON array (`Records`, `events`, `Events`).
    Element(u64),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Position::File => write!(f, "{}", self.input),
            Position::Line(n) => write!(f, "{}:{n}", self.input),
            Position::Element(n) => write!(f, "{} (record {n})", self.input),
        }
    }
}

/// One log event, as CloudWatch Logs would hold it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEvent {
    pub message: String,
    /// The event's timestamp, when the format carries one.
    pub timestamp: Option<Millis>,
    pub origin: Origin,
}

/// A record that could not become an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub origin: Origin,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.reason)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Event(LogEvent),
    Rejected(Rejection),
}

/// How to read the inputs.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// `Auto` recognises each file's format by its content.
    pub format: InputFormat,
    /// The JSON field holding an NDJSON event's time (CloudTrail's `eventTime`).
    pub timestamp_field: String,
    /// Added to every timestamp (CloudTrail's delivery to CloudWatch Logs lags its events).
    pub delivery_lag: Millis,
    /// Reject events whose timestamp cannot be found (replay needs one; `filter` does not).
    pub require_timestamp: bool,
    /// Look for NDJSON lines' timestamps at all (`filter` does not need them, and reading
    /// one costs a scan of the line).
    pub read_timestamps: bool,
    /// Set by the consumer to end the run early (its output went away): readers stop at
    /// the next record and no further file is opened.
    pub stop: Stop,
    /// Threads for [`read_inputs_parallel`]; 0 means one per core.
    pub threads: usize,
    /// The size of the chunks a large plain file is split into for reading on every core
    /// (0: [`DEFAULT_CHUNK_SIZE`]); results never depend on it. Tests make it small.
    pub chunk_size: u64,
    /// The part of an archive to read (a time window, accounts, regions) and whether
    /// repeated eventIDs are dropped.
    pub selection: Selection,
    /// How `s3://` inputs are reached (profile, region, endpoint, anonymous access).
    pub s3: S3Options,
}

/// A request to stop reading, shared between the consumer of the records and the readers
/// (on every thread). Stopping is not an error: records not read are simply not counted.
#[derive(Clone, Debug, Default)]
pub struct Stop(Arc<std::sync::atomic::AtomicBool>);

impl Stop {
    /// How often a thread that waits (for a unit, for its turn) looks whether the run was
    /// asked to stop: a stop is seen within this, whatever it waits for.
    pub(crate) const POLL: std::time::Duration = std::time::Duration::from_millis(20);

    pub fn request(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn requested(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: InputFormat::Auto,
            timestamp_field: "eventTime".to_string(),
            delivery_lag: 0,
            require_timestamp: false,
            read_timestamps: true,
            stop: Stop::default(),
            threads: 0,
            chunk_size: 0,
            selection: Selection::default(),
            s3: S3Options::default(),
        }
    }
}

/// A file passed over, and why (digests, unrecognised files inside a trail folder).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// What was read, file by file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileTally {
    pub files_read: u64,
    pub skipped: Vec<Skipped>,
    /// Inputs that could not be opened or read at all (missing, no permission, an I/O
    /// error before the first byte, a compression trailwatch does not undo): each is also
    /// one rejection, and makes the commands exit 2, as grep does.
    pub unreadable: u64,
    /// Files and folders (or S3 keys and prefixes) passed over unread because their key
    /// layout puts them outside the selection.
    pub pruned: u64,
    /// Records read but outside the time window (not handed on, not in `records`).
    pub outside_window: u64,
    /// Records whose eventID had been read before. Handed on unless deduplicating.
    pub repeated: u64,
    /// Of those, the ones dropped (`--dedupe`).
    pub dropped_repeats: u64,
}

impl FileTally {
    /// Adds another part's files to these.
    pub fn absorb(&mut self, other: FileTally) {
        self.files_read += other.files_read;
        self.skipped.extend(other.skipped);
        self.unreadable += other.unreadable;
        self.pruned += other.pruned;
        self.outside_window += other.outside_window;
        self.repeated += other.repeated;
        self.dropped_repeats += other.dropped_repeats;
    }

    /// Records the readers found, including those the selection then held back.
    pub fn held_back(&self) -> u64 {
        self.outside_window + self.dropped_repeats
    }
}

/// The reading side of a run's accounting, as JSON: files read and skipped (with why),
/// records read and rejected, and where the first rejections are. Records read = events +
/// rejected; the caller adds what became of the events.
pub fn accounting_json(
    files: &FileTally,
    records: u64,
    rejected: u64,
    rejections: &[Rejection],
) -> serde_json::Map<String, serde_json::Value> {
    let skipped: Vec<serde_json::Value> =
        files.skipped.iter().map(|s| serde_json::json!({ "path": s.path, "reason": s.reason })).collect();
    let located: Vec<serde_json::Value> = rejections
        .iter()
        .map(|r| serde_json::json!({ "location": r.origin.to_string(), "reason": r.reason }))
        .collect();
    let mut map = serde_json::Map::new();
    map.insert("filesRead".into(), files.files_read.into());
    map.insert("filesSkipped".into(), skipped.into());
    map.insert("filesUnreadable".into(), files.unreadable.into());
    map.insert("keysPassedOver".into(), files.pruned.into());
    map.insert("recordsRead".into(), records.into());
    map.insert("events".into(), (records - rejected.min(records)).into());
    map.insert("rejected".into(), rejected.into());
    map.insert("recordsOutsideWindow".into(), files.outside_window.into());
    map.insert("repeatedEventIds".into(), files.repeated.into());
    map.insert("repeatsDropped".into(), files.dropped_repeats.into());
    map.insert("firstRejections".into(), located.into());
    map
}

/// Reads every input (files, folders walked recursively, `-` for standard input; none means
/// standard input) and passes each record to `sink`, in input order.
pub fn read_inputs(inputs: &[PathBuf], options: &ReadOptions, sink: &mut dyn FnMut(Record)) -> FileTally {
    let mut tally = FileTally::default();
    let run = Run::default();
    for input in list_inputs(inputs, options) {
        if options.stop.requested() {
            break;
        }
        read_input(input, options, &run, &mut tally, sink);
    }
    tally
}

/// The files behind the inputs, in reading order, with those passed over (by name, or by
/// their key layout when a selection is set). An `s3://` input is one entry, listed and
/// fetched when it is read.
fn list_inputs(inputs: &[PathBuf], options: &ReadOptions) -> Vec<walk::Found> {
    let stdin = [PathBuf::from("-")];
    let inputs = if inputs.is_empty() { &stdin[..] } else { inputs };
    let mut listed = Vec::new();
    let mut seen = walk::Seen::default();
    for input in inputs {
        match input.to_str().and_then(s3::S3Url::parse) {
            Some(url) => listed.push(walk::Found::Remote(url)),
            None => walk::each_file(input, &options.selection, &mut seen, &mut |found| listed.push(found)),
        }
    }
    listed
}

/// What one run shares across files and threads: the eventIDs read so far.
#[derive(Default)]
pub(crate) struct Run {
    seen: dedupe::SeenEventIds,
}

/// What an `s3://` input yields, in key order: objects fetched, or keys passed over.
enum Unit {
    Found(walk::Found),
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    Fetched(s3::Fetched),
}

/// Reads the objects of an `s3://` input one after the other (they are fetched ahead, in
/// parallel, on the S3 client's threads). [`read_inputs_parallel`] instead hands each
/// object to the next free reading thread.
fn read_remote(url: s3::S3Url, options: &ReadOptions, run: &Run, tally: &mut FileTally, sink: &mut dyn FnMut(Record)) {
    for unit in s3::objects(url, options) {
        if options.stop.requested() {
            break;
        }
        match unit {
            Unit::Found(found) => read_input(found, options, run, tally, sink),
            Unit::Fetched(fetched) => read_fetched(fetched, options, run, tally, sink),
        }
    }
}

/// Reads one fetched object as a file of that name (its bytes, and their share of the
/// fetching budget, are released once it is read).
fn read_fetched(
    fetched: s3::Fetched,
    options: &ReadOptions,
    run: &Run,
    tally: &mut FileTally,
    sink: &mut dyn FnMut(Record),
) {
    read_in_memory(Arc::from(fetched.name.as_str()), &fetched.bytes, fetched.explicit, options, run, tally, sink)
}

/// Reads bytes held in memory as the file `name` (gzip undone).
fn read_in_memory(
    name: Arc<str>,
    bytes: &[u8],
    explicit: bool,
    options: &ReadOptions,
    run: &Run,
    tally: &mut FileTally,
    sink: &mut dyn FnMut(Record),
) {
    let raw: Box<dyn std::io::BufRead + '_> = Box::new(bytes);
    match open::decompress(raw) {
        Ok(reader) => read_opened(name, reader, explicit, options, run, tally, sink),
        Err(e) => unreadable(name, format!("cannot read: {e}"), tally, sink),
    }
}

fn unreadable(name: Arc<str>, reason: String, tally: &mut FileTally, sink: &mut dyn FnMut(Record)) {
    tally.unreadable += 1;
    sink(Record::Rejected(Rejection { origin: Origin { input: name, position: Position::File }, reason }))
}

fn read_input(
    input: walk::Found,
    options: &ReadOptions,
    run: &Run,
    tally: &mut FileTally,
    sink: &mut dyn FnMut(Record),
) {
    match input {
        walk::Found::File { path, explicit } => read_file(&path, explicit, options, run, tally, sink),
        walk::Found::Skipped(skipped) => tally.skipped.push(skipped),
        walk::Found::Pruned(count) => tally.pruned += count,
        walk::Found::Remote(url) => read_remote(url, options, run, tally, sink),
        walk::Found::Unreadable { path, reason } => {
            tally.unreadable += 1;
            sink(Record::Rejected(Rejection {
                origin: Origin { input: Arc::from(path.as_str()), position: Position::File },
                reason,
            }))
        }
    }
}

fn read_file(
    path: &std::path::Path,
    explicit: bool,
    options: &ReadOptions,
    run: &Run,
    tally: &mut FileTally,
    sink: &mut dyn FnMut(Record),
) {
    let name: Arc<str> = Arc::from(walk::display_name(path).as_str());
    match open::open(path) {
        Ok(reader) => read_opened(name, reader, explicit, options, run, tally, sink),
        Err(e) => {
            tally.unreadable += 1;
            sink(Record::Rejected(Rejection {
                origin: Origin { input: name, position: Position::File },
                reason: format!("cannot read: {e}"),
            }))
        }
    }
}

/// Reads one input held in memory (gzip is undone, the format recognised unless
/// `options.format` forces one), as if it were a file called `name` named on the command
/// line. For embedding and for fuzzing the readers.
pub fn read_bytes(name: &str, bytes: &[u8], options: &ReadOptions, sink: &mut dyn FnMut(Record)) -> FileTally {
    let mut tally = FileTally::default();
    read_in_memory(Arc::from(name), bytes, true, options, &Run::default(), &mut tally, sink);
    tally
}

fn read_opened<'r>(
    name: Arc<str>,
    mut reader: Box<dyn std::io::BufRead + 'r>,
    explicit: bool,
    options: &ReadOptions,
    run: &Run,
    tally: &mut FileTally,
    sink: &mut dyn FnMut(Record),
) {
    let file_origin = Origin { input: Arc::clone(&name), position: Position::File };
    let format = match options.format {
        InputFormat::Auto => match detect::detect(&mut reader) {
            Ok(detect::Detected::Format(format)) => format,
            Ok(detect::Detected::Skip(reason)) => {
                tally.skipped.push(Skipped { path: name.to_string(), reason: reason.to_string() });
                return;
            }
            // Inside a folder, an unrecognised file is not part of the trail.
            Ok(detect::Detected::Unrecognised) if !explicit => {
                let reason = "not a recognised log format".to_string();
                tally.skipped.push(Skipped { path: name.to_string(), reason });
                return;
            }
            Ok(detect::Detected::Unrecognised) => InputFormat::Lines,
            Ok(detect::Detected::Empty) => {
                let reason = if &*name == "(standard input)" { "empty input" } else { "empty file" };
                tally.skipped.push(Skipped { path: name.to_string(), reason: format!("{reason}: no records") });
                return;
            }
            Err(e) => {
                tally.unreadable += 1;
                sink(Record::Rejected(Rejection { origin: file_origin, reason: format!("cannot read: {e}") }));
                return;
            }
        },
        forced => forced,
    };
    tally.files_read += 1;
    let context = ReadContext { name, options };
    let mut select = Selecting::new(options, run);
    let sink = &mut |record| select.take(record, sink);
    match format {
        InputFormat::CloudTrail => cloudtrail::read(reader, &context, sink),
        InputFormat::FilterLogEvents | InputFormat::LookupEvents => api::read(reader, format, &context, sink),
        InputFormat::Ndjson | InputFormat::CwlExport | InputFormat::Lines | InputFormat::Auto => {
            lines::read(reader, format, 0, &context, sink)
        }
    }
    select.finish(tally);
}

/// Between the readers and the consumer: holds back events outside the time window and,
/// with `--dedupe`, repeated eventIDs, counting both (so read = handed on + held back).
pub(crate) struct Selecting<'a> {
    window: TimeWindow,
    lag: Millis,
    dedupe: bool,
    run: &'a Run,
    counts: FileTally,
    event_id: TopLevelField,
}

impl<'a> Selecting<'a> {
    pub(crate) fn new(options: &ReadOptions, run: &'a Run) -> Selecting<'a> {
        Selecting {
            window: options.selection.window,
            lag: options.delivery_lag,
            dedupe: options.selection.dedupe,
            run,
            counts: FileTally::default(),
            event_id: TopLevelField::new("eventID"),
        }
    }

    /// Adds what was held back to `tally`.
    pub(crate) fn finish(self, tally: &mut FileTally) {
        tally.absorb(self.counts);
    }

    pub(crate) fn take(&mut self, record: Record, sink: &mut dyn FnMut(Record)) {
        let event = match record {
            Record::Event(event) => event,
            rejected => return sink(rejected),
        };
        if !self.window.is_open() {
            match event.timestamp {
                // The window is on eventTime, before any --delivery-lag shift.
                Some(t) if !self.window.contains(t.saturating_sub(self.lag)) => {
                    self.counts.outside_window += 1;
                    return;
                }
                Some(_) => {}
                None => {
                    let reason = "no timestamp, so it cannot be placed inside or outside the time window".to_string();
                    return sink(Record::Rejected(Rejection { origin: event.origin, reason }));
                }
            }
        }
        if let Some(Found::String(id)) = self.event_id.read(&event.message) {
            if self.run.seen.repeat(&id) {
                self.counts.repeated += 1;
                if self.dedupe {
                    self.counts.dropped_repeats += 1;
                    return;
                }
            }
        }
        sink(Record::Event(event))
    }
}

/// What every reader needs to build events.
pub(crate) struct ReadContext<'a> {
    pub name: Arc<str>,
    pub options: &'a ReadOptions,
}

impl ReadContext<'_> {
    pub fn origin(&self, position: Position) -> Origin {
        Origin { input: Arc::clone(&self.name), position }
    }

    /// An event, or a rejection when a timestamp is required and missing.
    pub fn event(&self, message: String, timestamp: Result<Millis, String>, position: Position) -> Record {
        let origin = self.origin(position);
        // Every timestamp passes here: the range check (and the lag's checked addition) is
        // what keeps all later time arithmetic inside `i64` and `chrono`.
        let timestamp = timestamp.and_then(check_event_time).and_then(|t| {
            t.checked_add(self.options.delivery_lag)
                .and_then(|t| check_event_time(t).ok())
                .ok_or_else(|| format!("timestamp {t} ms plus the delivery lag is past 9999-12-31T23:59:59.999Z"))
        });
        match timestamp {
            Ok(t) => Record::Event(LogEvent { message, timestamp: Some(t), origin }),
            Err(reason) if self.options.require_timestamp => Record::Rejected(Rejection { origin, reason }),
            Err(_) => Record::Event(LogEvent { message, timestamp: None, origin }),
        }
    }

    /// Whether the consumer asked the run to stop (readers check before each record).
    pub fn stopped(&self) -> bool {
        self.options.stop.requested()
    }

    pub fn reject(&self, position: Position, reason: impl Into<String>) -> Record {
        Record::Rejected(Rejection { origin: self.origin(position), reason: reason.into() })
    }
}

/// Reads a whole text file named on the command line (`-` is standard input), refusing one
/// larger than `limit` bytes without reading past the limit: a template, a `file://`
/// parameter, a message file. Errors name the path and say what is wrong.
pub fn read_text_file(path: &std::path::Path, limit: u64) -> Result<String, String> {
    let bytes = read_file_capped(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        format!("{} is not UTF-8 text (byte {})", walk::display_name(path), e.utf8_error().valid_up_to() + 1)
    })
}

/// [`read_text_file`]'s bytes, whatever they are.
pub fn read_file_capped(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let shown = walk::display_name(path);
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| format!("{shown}: cannot read: {e}"))?)
    };
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{shown} is larger than the {} MB this file may hold", limit >> 20));
    }
    Ok(bytes)
}

/// Parses an ISO-8601 UTC time (`2026-03-01T09:00:00Z`, with optional fraction or offset).
pub fn parse_time(text: &str) -> Option<Millis> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}

/// The value of `field` in a JSON object's text, as a timestamp.
pub(crate) fn timestamp_of(json: &str, field: &TopLevelField) -> Result<Millis, String> {
    let name = field.name();
    match field.read(json) {
        Some(Found::String(text)) => {
            parse_time(&text).ok_or_else(|| format!("{name} {text:?} is not an ISO-8601 time"))
        }
        Some(Found::Number(n)) => {
            n.parse::<f64>().map_err(|_| format!("{name} is not a time")).and_then(millis_from_number)
        }
        Some(Found::Missing) => Err(missing_time_field(json, name)),
        Some(_) => Err(format!("{name} is not a time")),
        None => timestamp_by_parsing(json, name),
    }
}

/// Fields that commonly time events in other pipelines (Logstash, Fluent Bit, plain logs).
const OTHER_TIME_FIELDS: [&str; 4] = ["@timestamp", "eventTime", "timestamp", "time"];

/// "no eventTime field", with the flag that would fix it when the record has another
/// common time field (only looked for on this rejection path, so matching costs nothing).
fn missing_time_field(json: &str, field: &str) -> String {
    let other = OTHER_TIME_FIELDS.into_iter().find(|other| *other != field && json.contains(&format!("\"{other}\":")));
    match other {
        Some(other) => format!("no {field} field (it has {other}: try --timestamp-field {other})"),
        None => format!("no {field} field"),
    }
}

/// [`timestamp_of`] by a full parse, which can say what is wrong with the text.
fn timestamp_by_parsing(json: &str, field: &str) -> Result<Millis, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON ({e})"))?;
    match value.get(field) {
        Some(serde_json::Value::String(text)) => {
            parse_time(text).ok_or_else(|| format!("{field} {text:?} is not an ISO-8601 time"))
        }
        Some(serde_json::Value::Number(n)) => {
            n.to_string().parse::<f64>().map_err(|_| format!("{field} is not a time")).and_then(millis_from_number)
        }
        Some(_) => Err(format!("{field} is not a time")),
        None if value.is_object() => Err(missing_time_field(json, field)),
        None => Err("not a JSON object".to_string()),
    }
}

#[cfg(test)]
mod tests;
