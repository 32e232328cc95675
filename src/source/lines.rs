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
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) => break,
            Ok(_) => {}
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
