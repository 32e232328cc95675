//! The JSON printed by the AWS CLI: `aws logs filter-log-events` / `get-log-events`
//! (`{"events":[{"timestamp":ms,"message":...}]}`) and `aws cloudtrail lookup-events`
//! (`{"Events":[{"CloudTrailEvent":"<record as a JSON string>"}]}`).

use std::io::BufRead;

use serde_json::Value;

use super::cloudtrail::event_time;
use super::records::{split, Element, Layout, MAX_RECORD};
use super::{compact_json, InputFormat, Position, ReadContext, Record};

const LOG_EVENTS: Layout<'static> = Layout { keys: &["events"], bare_array: false, record_key: "message" };
const LOOKUP_EVENTS: Layout<'static> = Layout { keys: &["Events"], bare_array: false, record_key: "EventId" };

/// Reads the page's events one by one (split by structure, each at most [`MAX_RECORD`]
/// bytes), so that one bad or huge event is one rejection and the page's other events and
/// keys (`nextToken`) cost nothing.
pub(super) fn read(
    mut reader: Box<dyn BufRead + '_>,
    format: InputFormat,
    context: &ReadContext,
    sink: &mut dyn FnMut(Record),
) {
    let lookup = format == InputFormat::LookupEvents;
    let layout = if lookup { &LOOKUP_EVENTS } else { &LOG_EVENTS };
    let mut count = 0u64;
    let outcome = split(&mut reader, layout, &|| context.stopped(), &mut |element| {
        count += 1;
        let position = Position::Element(count);
        let parsed = match element {
            Element::TooLong(length) => {
                Err(format!("event of {length} bytes is longer than the {MAX_RECORD} bytes an event may hold"))
            }
            Element::Text(bytes) => match serde_json::from_slice::<Value>(bytes) {
                Ok(event) if lookup => lookup_event(&event),
                Ok(event) => log_event(&event),
                Err(e) => Err(format!("event is not valid JSON: {e}")),
            },
        };
        sink(match parsed {
            Ok((message, timestamp)) => context.event(message, timestamp, position),
            Err(reason) => context.reject(position, reason),
        });
    });
    let Err(broken) = outcome else { return };
    if context.stopped() {
        return;
    }
    let position = if broken.outside_records && count == 0 { Position::File } else { Position::Element(count + 1) };
    let lost =
        if broken.lost > 0 { format!("; {} more event(s) after it are lost", broken.lost) } else { String::new() };
    sink(context.reject(position, format!("not {} output: {}{lost}", format.name(), broken.reason)));
    for n in 0..broken.lost {
        let position = Position::Element(count + 2 + n);
        sink(context.reject(position, "lost: the page cannot be split into events before this one"));
    }
}

type Parsed = Result<(String, Result<i64, String>), String>;

fn log_event(event: &Value) -> Parsed {
    let message = event.get("message").and_then(Value::as_str).ok_or("event has no message string")?;
    let timestamp = event
        .get("timestamp")
        .and_then(|t| t.to_string().parse::<f64>().ok())
        .ok_or_else(|| "event has no numeric timestamp".to_string())
        .and_then(super::millis_from_number);
    Ok((message.to_string(), timestamp))
}

fn lookup_event(event: &Value) -> Parsed {
    let record = event.get("CloudTrailEvent").and_then(Value::as_str).ok_or("event has no CloudTrailEvent string")?;
    if !serde_json::from_str::<Value>(record).is_ok_and(|v| v.is_object()) {
        return Err("CloudTrailEvent is not a JSON object".to_string());
    }
    Ok((compact_json(record).into_owned(), event_time(record, &crate::matcher::TopLevelField::new("eventTime"))))
}
