//! Line-oriented inputs: plain lines, NDJSON, and CloudWatch Logs exports.

use std::io::BufRead;

use super::detect::export_time_len;
use super::{parse_time, timestamp_of, InputFormat, Millis, Position, ReadContext, Record};
use crate::matcher::TopLevelField;

pub(super) fn read(
    mut reader: Box<dyn BufRead + '_>,
    format: InputFormat,
    context: &ReadContext,
    sink: &mut dyn FnMut(Record),
) {
    let mut buffer = Vec::new();
    let timestamp_field = TopLevelField::new(&context.options.timestamp_field);
    let mut line_number = 0u64;
    // An export event whose message continues on the following lines.
    let mut pending: Option<(String, Millis, u64)> = None;
    loop {
        buffer.clear();
        match read_line(&mut reader, &mut buffer) {
            Ok(Line::End) => break,
            Ok(Line::Read) => {}
            Ok(Line::TooLong(length)) => {
                line_number += 1;
                flush(&mut pending, context, sink);
                let reason = format!("line of {length} bytes is longer than the {MAX_LINE} bytes an event may hold");
                sink(context.reject(Position::Line(line_number), reason));
                continue;
            }
            Err(e) => {
                flush(&mut pending, context, sink);
                sink(
                    context.reject(Position::Line(line_number + 1), format!("file ends early or cannot be read: {e}")),
                );
                return;
            }
        }
        line_number += 1;
        strip_line_end(&mut buffer);
        let position = Position::Line(line_number);
        let line = match std::str::from_utf8(&buffer) {
            Ok(line) => line.strip_prefix('\u{feff}').filter(|_| line_number == 1).unwrap_or(line),
            Err(e) => {
                flush(&mut pending, context, sink);
                sink(context.reject(position, format!("not valid UTF-8 (byte {})", e.valid_up_to() + 1)));
                continue;
            }
        };
        match format {
            InputFormat::CwlExport => match export_time_len(line.as_bytes()) {
                Some(len) => {
                    flush(&mut pending, context, sink);
                    match parse_time(&line[..len]) {
                        Some(t) => pending = Some((line[len + 1..].to_string(), t, line_number)),
                        None => sink(context.reject(position, format!("{:?} is not a valid time", &line[..len]))),
                    }
                }
                // A message with newlines continues on lines that start without a time.
                None => match pending.as_mut() {
                    Some((message, _, _)) => {
                        message.push('\n');
                        message.push_str(line);
                    }
                    None => sink(context.reject(position, "line does not start with an export timestamp")),
                },
            },
            InputFormat::Ndjson => {
                let timestamp = if context.options.read_timestamps || context.options.require_timestamp {
                    timestamp_of(line, &timestamp_field)
                } else {
                    Err("timestamps are not read".to_string())
                };
                sink(context.event(line.to_string(), timestamp, position));
            }
            _ => sink(context.event(line.to_string(), Err("a plain text line carries no timestamp".into()), position)),
        }
    }
    flush(&mut pending, context, sink);
}

/// Lines longer than this are rejected without being held in memory (a CloudWatch Logs
/// event holds at most 1 MB; this leaves room for export prefixes and pretty JSON).
pub(super) const MAX_LINE: usize = 16 << 20;

enum Line {
    End,
    Read,
    /// Skipped, with its length.
    TooLong(u64),
}

/// `read_until(b'\n')` that stops holding a line once it passes [`MAX_LINE`] and skips the
/// rest of it, so a file without newlines (a gzip bomb of zeros) cannot exhaust memory.
fn read_line(reader: &mut dyn BufRead, buffer: &mut Vec<u8>) -> std::io::Result<Line> {
    let mut length = 0u64;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (length, too_long) {
                (0, _) => Line::End,
                (_, true) => Line::TooLong(length),
                _ => Line::Read,
            });
        }
        let (taken, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        length += taken as u64;
        if !too_long && buffer.len() + taken > MAX_LINE {
            too_long = true;
            buffer.clear();
        }
        if !too_long {
            buffer.extend_from_slice(&available[..taken]);
        }
        reader.consume(taken);
        if done {
            return Ok(if too_long { Line::TooLong(length) } else { Line::Read });
        }
    }
}

fn flush(pending: &mut Option<(String, Millis, u64)>, context: &ReadContext, sink: &mut dyn FnMut(Record)) {
    if let Some((message, timestamp, line)) = pending.take() {
        sink(context.event(message, Ok(timestamp), Position::Line(line)));
    }
}

fn strip_line_end(buffer: &mut Vec<u8>) {
    if buffer.last() == Some(&b'\n') {
        buffer.pop();
        if buffer.last() == Some(&b'\r') {
            buffer.pop();
        }
    }
}
