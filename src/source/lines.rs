//! Line-oriented inputs: plain lines, NDJSON, and CloudWatch Logs exports.

use std::io::BufRead;

use super::detect::export_time_len;
use super::screen::LineScreen;
use super::{parse_time, timestamp_of, InputFormat, Millis, Position, ReadContext, Record};
use crate::matcher::TopLevelField;

/// Reads lines from `reader`; `first_line` lines come before it in the file (a chunk of a
/// file split for reading on every core starts past them).
pub(super) fn read(
    mut reader: Box<dyn BufRead + '_>,
    format: InputFormat,
    first_line: u64,
    context: &ReadContext,
    sink: &mut dyn FnMut(Record),
) {
    let mut state = LineState::new(format, first_line, context);
    let mut spill = Vec::new();
    while !context.stopped() {
        match with_next_line(&mut reader, &mut spill, |line| state.take(line, context, sink)) {
            Ok(Some(())) => {}
            Ok(None) => break,
            Err(e) => {
                state.flush(context, sink);
                let position = Position::Line(state.line_number + 1);
                sink(context.reject(position, format!("file ends early or cannot be read: {e}")));
                return;
            }
        }
    }
    state.flush(context, sink);
}

/// What a line-oriented reader carries from one line to the next.
struct LineState {
    format: InputFormat,
    timestamp_field: TopLevelField,
    line_number: u64,
    /// An export event whose message may continue on the following lines.
    pending: Option<(String, Millis, u64)>,
}

impl LineState {
    fn new(format: InputFormat, first_line: u64, context: &ReadContext) -> LineState {
        LineState {
            format,
            timestamp_field: TopLevelField::new(&context.options.timestamp_field),
            line_number: first_line,
            pending: None,
        }
    }

    fn take(&mut self, line: Line<'_>, context: &ReadContext, sink: &mut dyn FnMut(Record)) {
        self.line_number += 1;
        match line {
            Line::Text(bytes) => self.take_bytes(bytes, context, sink),
            Line::TooLong(length) => {
                self.flush(context, sink);
                let reason = format!("line of {length} bytes is longer than the {MAX_LINE} bytes an event may hold");
                sink(context.reject(Position::Line(self.line_number), reason));
            }
        }
    }

    /// The rest of [`LineState::take`], for a line's bytes (`line_number` counted).
    fn take_bytes(&mut self, bytes: &[u8], context: &ReadContext, sink: &mut dyn FnMut(Record)) {
        let position = Position::Line(self.line_number);
        match std::str::from_utf8(bytes) {
            Ok(line) => self.take_text(line, context, sink),
            Err(e) => {
                self.flush(context, sink);
                sink(context.reject(position, format!("not valid UTF-8 (byte {})", e.valid_up_to() + 1)));
            }
        }
    }

    /// The rest of [`LineState::take`], for a line known to be text (`line_number` counted).
    fn take_text(&mut self, line: &str, context: &ReadContext, sink: &mut dyn FnMut(Record)) {
        let position = Position::Line(self.line_number);
        let line = line.strip_prefix('\u{feff}').filter(|_| self.line_number == 1).unwrap_or(line);
        match self.format {
            InputFormat::CwlExport => match export_time_len(line.as_bytes()) {
                Some(len) => {
                    self.flush(context, sink);
                    match parse_time(&line[..len]) {
                        Some(t) => self.pending = Some((line[len + 1..].to_string(), t, self.line_number)),
                        None => sink(context.reject(position, format!("{:?} is not a valid time", &line[..len]))),
                    }
                }
                // A message with newlines continues on lines that start without a time.
                None => match self.pending.as_mut() {
                    Some((message, _, _)) => {
                        message.push('\n');
                        message.push_str(line);
                    }
                    None => sink(context.reject(position, "line does not start with an export timestamp")),
                },
            },
            InputFormat::Ndjson => {
                let options = &context.options;
                let timestamp = if options.read_timestamps || options.require_timestamp {
                    timestamp_of(line, &self.timestamp_field)
                } else {
                    Err("timestamps are not read".to_string())
                };
                sink(context.event(line.to_string(), timestamp, position));
            }
            _ => sink(context.event(line.to_string(), Err("a plain text line carries no timestamp".into()), position)),
        }
    }

    fn flush(&mut self, context: &ReadContext, sink: &mut dyn FnMut(Record)) {
        if let Some((message, timestamp, line)) = self.pending.take() {
            sink(context.event(message, Ok(timestamp), Position::Line(line)));
        }
    }
}

/// Whether [`read_screened`] may read a chunk of `format` under `options`: one event per
/// line, and no line whose timestamp must be checked (a screened-out line is not looked at).
pub(super) fn screenable(format: InputFormat, options: &super::ReadOptions) -> bool {
    matches!(format, InputFormat::Ndjson | InputFormat::Lines) && !options.require_timestamp
}

/// Reads a chunk held in memory as text (valid UTF-8, no line longer than [`MAX_LINE`]),
/// giving the records [`read`] would give, without checking each line as UTF-8 again.
pub(super) fn read_text(
    text: &str,
    format: InputFormat,
    first_line: u64,
    context: &ReadContext,
    sink: &mut dyn FnMut(Record),
) {
    let mut state = LineState::new(format, first_line, context);
    walk_lines(text.as_bytes(), None, &mut state, context, &mut |state, start, end| {
        // Line ends are ASCII, so `start..end` lies on character boundaries.
        state.take_text(text.get(start..end).unwrap_or_default(), context, sink);
    });
    state.flush(context, sink);
}

/// Reads a chunk held in memory (UTF-8, no line longer than [`MAX_LINE`], its lines
/// counted in `index`) through a `screen` (only for a [`screenable`] format): only the
/// lines in which it finds a literal are handed over, as [`read`] would give them, and the
/// others are counted through `screened`. Returns the lines handed over.
///
/// Only the lines handed over are checked as UTF-8 (each on its own): the caller checked
/// the chunk as a whole only where the line index found a byte past ASCII.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_screened(
    bytes: &[u8],
    format: InputFormat,
    first_line: u64,
    index: &LineIndex,
    context: &ReadContext,
    screen: &LineScreen,
    sink: &mut dyn FnMut(Record),
    screened: &mut dyn FnMut(u64),
) -> u64 {
    let mut state = LineState::new(format, first_line, context);
    let handed = walk_lines(bytes, Some((screen, index)), &mut state, context, &mut |state, start, end| {
        state.take_bytes(bytes.get(start..end).unwrap_or_default(), context, sink);
    });
    state.flush(context, sink);
    let lines = index.line_ends + u64::from(bytes.last().is_some_and(|&b| b != b'\n'));
    screened(lines.saturating_sub(handed));
    handed
}

/// Hands each line of `bytes` (or, with a `screen`, each line in which it finds a literal)
/// to `take` as its range without the line end, counting lines in `state`; returns the
/// lines handed over.
fn walk_lines(
    bytes: &[u8],
    screen: Option<(&LineScreen, &LineIndex)>,
    state: &mut LineState,
    context: &ReadContext,
    take: &mut dyn FnMut(&mut LineState, usize, usize),
) -> u64 {
    let first_line = state.line_number;
    let mut handed = 0u64;
    let mut position = 0;
    let mut hits = screen.map(|(screen, index)| (screen.hits(bytes), index));
    while position < bytes.len() {
        if context.stopped() {
            return handed;
        }
        let start = match hits.as_mut() {
            None => position,
            Some((hits, index)) => {
                let Some(hit) = hits.next_from(position) else { break };
                let before = bytes.get(position..hit).unwrap_or_default();
                let start = memchr::memrchr(b'\n', before).map_or(position, |i| position + i + 1);
                state.line_number = first_line + index.line_ends_before(bytes, start);
                start
            }
        };
        let rest = bytes.get(start..).unwrap_or_default();
        let end = memchr::memchr(b'\n', rest).map_or(bytes.len(), |i| start + i + 1);
        let line = without_line_end(bytes.get(start..end).unwrap_or_default());
        state.line_number += 1;
        take(state, start, start + line.len());
        handed += 1;
        position = end;
    }
    handed
}

/// How many `\n` `bytes` holds.
pub(super) fn count_line_ends(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// A chunk's line ends, counted in one pass that also tells whether it is all ASCII (so
/// that UTF-8 needs checking only when it is not), with the count before each stretch of
/// [`STRETCH`] bytes: the line number at any position then costs a count over one stretch
/// at most, not over everything before it.
pub(super) struct LineIndex {
    /// `before[k]`: the line ends in the first `k * STRETCH` bytes.
    before: Vec<u64>,
    pub line_ends: u64,
    pub ascii: bool,
}

/// Bytes per step of the counting loop; the compiler turns each step into a few vector
/// instructions. A lane counts at most 255 line ends before it is added up.
const LANES: usize = 32;
const STRETCH: usize = LANES * 255;

impl LineIndex {
    pub fn of(bytes: &[u8]) -> LineIndex {
        index_portable(bytes)
    }

    /// The line ends in `bytes[..position]` (`bytes` being the indexed chunk).
    pub fn line_ends_before(&self, bytes: &[u8], position: usize) -> u64 {
        let position = position.min(bytes.len());
        let stretch = (position / STRETCH).min(self.before.len().saturating_sub(1));
        let from = stretch * STRETCH;
        let counted = self.before.get(stretch).copied().unwrap_or_default();
        counted + count_line_ends(bytes.get(from..position).unwrap_or_default())
    }
}

fn index_portable(bytes: &[u8]) -> LineIndex {
    let mut before = Vec::with_capacity(bytes.len() / STRETCH + 1);
    let mut line_ends = 0u64;
    let mut high = 0u8;
    let mut stretches = bytes.chunks_exact(STRETCH);
    for stretch in stretches.by_ref() {
        before.push(line_ends);
        let mut counts = [0u8; LANES];
        let mut ors = [0u8; LANES];
        for block in stretch.chunks_exact(LANES) {
            for ((count, or), &byte) in counts.iter_mut().zip(ors.iter_mut()).zip(block) {
                // Cannot wrap (255 steps at most); wrapping keeps overflow checks out of
                // the loop, which would stop it being vectorised.
                *count = count.wrapping_add(u8::from(byte == b'\n'));
                *or |= byte;
            }
        }
        line_ends += counts.iter().map(|&c| u64::from(c)).sum::<u64>();
        high |= ors.iter().fold(0, |a, &b| a | b);
    }
    before.push(line_ends);
    for &byte in stretches.remainder() {
        line_ends += u64::from(byte == b'\n');
        high |= byte;
    }
    LineIndex { before, line_ends, ascii: high < 0x80 }
}

/// Lines longer than this are rejected without being held in memory (a CloudWatch Logs
/// event holds at most 1 MB; this leaves room for export prefixes and pretty JSON).
pub(super) const MAX_LINE: usize = 16 << 20;

enum Line<'a> {
    /// The line without its `\n` or `\r\n`.
    Text(&'a [u8]),
    /// Skipped, with its length.
    TooLong(u64),
}

/// Hands the next line to `use_line`, or returns `None` at the end of the input.
///
/// A line that lies wholly inside the reader's buffer (nearly all of them: the buffer is
/// 64 KB) is lent from it without a copy; one that crosses the buffer's end is gathered in
/// `spill`. `spill` stops holding a line once it passes [`MAX_LINE`] and the rest is skipped,
/// so a file without newlines (a gzip bomb of zeros) cannot exhaust memory.
fn with_next_line<R>(
    reader: &mut dyn BufRead,
    spill: &mut Vec<u8>,
    use_line: impl FnOnce(Line<'_>) -> R,
) -> std::io::Result<Option<R>> {
    spill.clear();
    let mut length = 0u64;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            if length == 0 {
                return Ok(None);
            }
            break; // a last line without a line end
        }
        let newline = memchr::memchr(b'\n', available);
        if let Some(end) = newline.filter(|&end| length == 0 && end < MAX_LINE) {
            let used = use_line(Line::Text(without_line_end(&available[..=end])));
            reader.consume(end + 1);
            return Ok(Some(used));
        }
        let taken = newline.map_or(available.len(), |end| end + 1);
        length += taken as u64;
        if !too_long && spill.len() + taken > MAX_LINE {
            too_long = true;
            *spill = Vec::new();
        }
        if !too_long {
            spill.extend_from_slice(&available[..taken]);
        }
        reader.consume(taken);
        if newline.is_some() {
            break;
        }
    }
    let line = if too_long { Line::TooLong(length) } else { Line::Text(without_line_end(spill)) };
    Ok(Some(use_line(line)))
}

/// Without its `\n` or `\r\n` (a `\r` not followed by `\n` is part of the line).
fn without_line_end(line: &[u8]) -> &[u8] {
    match line.strip_suffix(b"\n") {
        Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every line `with_next_line` hands out, read through a buffer of `capacity` bytes.
    fn lines_through(input: &[u8], capacity: usize) -> Vec<Vec<u8>> {
        let mut reader = std::io::BufReader::with_capacity(capacity, input);
        let mut spill = Vec::new();
        let mut lines = Vec::new();
        let take = |line: Line<'_>| match line {
            Line::Text(text) => text.to_vec(),
            Line::TooLong(_) => panic!("no line here is too long"),
        };
        while let Some(line) = with_next_line(&mut reader, &mut spill, take).expect("in memory") {
            lines.push(line);
        }
        lines
    }

    #[test]
    fn line_ends_are_removed_and_a_last_line_needs_none() {
        let lines = lines_through(b"a\r\nbb\n\nccc\r", 64);
        assert_eq!(lines, [&b"a"[..], b"bb", b"", b"ccc\r"]);
        assert!(lines_through(b"", 64).is_empty());
        assert_eq!(lines_through(b"\n", 64), [b""]);
    }

    proptest! {
        /// The index counts what a plain count counts, before any position, and knows
        /// whether a byte past ASCII is anywhere, over many stretches and within one.
        #[test]
        fn the_line_index_counts_as_a_plain_count(
            bytes in proptest::collection::vec(prop_oneof![8 => Just(b'a'), 3 => Just(b'\n'), 1 => any::<u8>()], 0..40_000),
            positions in proptest::collection::vec(any::<prop::sample::Index>(), 1..20),
        ) {
            let index = LineIndex::of(&bytes);
            prop_assert_eq!(index.line_ends, bytes.iter().filter(|&&b| b == b'\n').count() as u64);
            prop_assert_eq!(index.ascii, bytes.is_ascii());
            prop_assert_eq!(index_portable(&bytes).line_ends, index.line_ends);
            for position in positions {
                let position = position.index(bytes.len() + 1);
                prop_assert_eq!(index.line_ends_before(&bytes, position), count_line_ends(&bytes[..position]));
            }
            prop_assert_eq!(index.line_ends_before(&bytes, bytes.len() + 5), index.line_ends);
        }

        /// Whether a line is lent from the buffer or gathered across its end, the lines are
        /// those of splitting the input at each `\n`.
        #[test]
        fn lines_do_not_depend_on_the_buffer_size(input in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>()], 0..200), capacity in 1usize..32) {
            let mut expected: Vec<Vec<u8>> = input
                .split(|&b| b == b'\n')
                .map(|l| l.to_vec())
                .collect();
            let last = expected.len() - 1;
            for line in &mut expected[..last] {
                if line.last() == Some(&b'\r') {
                    line.pop(); // CRLF
                }
            }
            if input.last().is_none_or(|&b| b == b'\n') {
                expected.pop(); // nothing follows the last line end
            }
            prop_assert_eq!(lines_through(&input, capacity), expected);
        }
    }
}
