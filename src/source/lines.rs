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
        let position = Position::Line(self.line_number);
        let bytes = match line {
            Line::Text(bytes) => bytes,
            Line::TooLong(length) => {
                self.flush(context, sink);
                let reason = format!("line of {length} bytes is longer than the {MAX_LINE} bytes an event may hold");
                sink(context.reject(position, reason));
                return;
            }
        };
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

/// Reads a chunk held in memory as text (valid UTF-8, no line longer than [`MAX_LINE`],
/// `line_ends` of them), giving the records [`read`] would give, without checking each line
/// as UTF-8 again. With a `screen` (only for a [`screenable`] format), only the lines in
/// which it finds a literal are handed over, and the others are counted through `screened`.
/// Returns the lines handed over.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_text(
    text: &str,
    format: InputFormat,
    first_line: u64,
    line_ends: u64,
    context: &ReadContext,
    screen: Option<&LineScreen>,
    sink: &mut dyn FnMut(Record),
    screened: &mut dyn FnMut(u64),
) -> u64 {
    let bytes = text.as_bytes();
    let mut state = LineState::new(format, first_line, context);
    let mut handed = 0u64;
    let mut position = 0;
    let mut hits = screen.map(|screen| screen.hits(bytes));
    while position < bytes.len() {
        if context.stopped() {
            return handed;
        }
        let start = match hits.as_mut() {
            None => position,
            Some(hits) => {
                let Some(hit) = hits.next_from(position) else { break };
                let start = memchr::memrchr(b'\n', &bytes[position..hit]).map_or(position, |i| position + i + 1);
                state.line_number += count_line_ends(&bytes[position..start]);
                start
            }
        };
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
        // Line ends are ASCII, so `start..end` lies on character boundaries.
        let line = text.get(start..end).unwrap_or_default();
        let line = line.strip_suffix('\n').map_or(line, |l| l.strip_suffix('\r').unwrap_or(l));
        state.line_number += 1;
        state.take_text(line, context, sink);
        handed += 1;
        position = end;
    }
    state.flush(context, sink);
    let lines = line_ends + u64::from(bytes.last().is_some_and(|&b| b != b'\n'));
    screened(lines.saturating_sub(handed));
    handed
}

/// How many `\n` `bytes` holds.
pub(super) fn count_line_ends(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
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
