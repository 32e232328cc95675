//! CloudTrail's S3 delivery files: `{"Records":[{...},{...}]}`, read as a stream of
//! records split by structure ([`super::records`]), each checked on its own: one bad record
//! is one rejection, and the records after it are read.
//!
//! A file holding a bare JSON array of records (as some tools export them) is read the same
//! way. Each record becomes one event whose message is the record's compact JSON (what
//! CloudTrail sends to CloudWatch Logs) and whose time is its `eventTime`.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::matcher::{Found, TopLevelField};

use super::records::{split, Element, Layout, MAX_RECORD};
use super::{compact_json, parse_time, Position, ReadContext, Record};

/// CloudTrail's layout: `{"Records": [...]}` or a bare array; every record has an
/// `eventVersion`.
const LAYOUT: Layout<'static> = Layout { keys: &["Records"], bare_array: true, record_key: "eventVersion" };

pub(super) fn read(mut reader: Box<dyn std::io::BufRead + '_>, context: &ReadContext, sink: &mut dyn FnMut(Record)) {
    let mut records = 0u64;
    let event_time_field = TopLevelField::new("eventTime");
    let outcome = split(&mut reader, &LAYOUT, &|| context.stopped(), &mut |element| {
        records += 1;
        sink(record(element, Position::Element(records), context, &event_time_field));
    });
    let Err(broken) = outcome else { return };
    if context.stopped() {
        return; // the consumer went away; not a fault of the file
    }
    if broken.outside_records {
        let reason = format!("not a CloudTrail log file after record {records}: {}", broken.reason);
        sink(context.reject(Position::Element(records + 1), reason));
        return;
    }
    // The record being read when the structure broke, and those that seem to follow it.
    records += 1;
    let lost =
        if broken.lost > 0 { format!("; {} more record(s) after it are lost", broken.lost) } else { String::new() };
    sink(
        context.reject(
            Position::Element(records),
            format!("{}: the rest cannot be split into records{lost}", broken.reason),
        ),
    );
    for _ in 0..broken.lost {
        records += 1;
        let reason = "lost: the file cannot be split into records before this one";
        sink(context.reject(Position::Element(records), reason));
    }
}

/// One element of the records array: an event, or the reason it is not one.
fn record(element: Element<'_>, position: Position, context: &ReadContext, event_time_field: &TopLevelField) -> Record {
    let bytes = match element {
        Element::Text(bytes) => bytes,
        Element::TooLong(length) => {
            let reason = format!("record of {length} bytes is longer than the {MAX_RECORD} bytes an event may hold");
            return context.reject(position, reason);
        }
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return context.reject(position, format!("not valid UTF-8 (byte {} of the record)", e.valid_up_to() + 1))
        }
    };
    // The whole record is checked, without building it (and without recursion, so nesting
    // depth costs nothing).
    if let Err(e) = serde_json::from_str::<&RawValue>(text) {
        return context.reject(position, format!("record is not valid JSON: {e}"));
    }
    if !text.starts_with('{') {
        return context.reject(position, "record is not a JSON object");
    }
    let timestamp = event_time(text, event_time_field);
    context.event(compact_json(text).into_owned(), timestamp, position)
}

#[derive(Deserialize)]
struct Timed {
    #[serde(rename = "eventTime")]
    event_time: Option<String>,
}

/// A record's `eventTime`, read without building the whole record.
pub(super) fn event_time(record: &str, field: &TopLevelField) -> Result<i64, String> {
    match field.read(record) {
        Some(Found::String(text)) => {
            return parse_time(&text).ok_or_else(|| format!("eventTime {text:?} is not an ISO-8601 time"));
        }
        Some(Found::Missing) => return Err("record has no eventTime".to_string()),
        _ => {}
    }
    match serde_json::from_str::<Timed>(record) {
        Ok(Timed { event_time: Some(text) }) => {
            parse_time(&text).ok_or_else(|| format!("eventTime {text:?} is not an ISO-8601 time"))
        }
        Ok(Timed { event_time: None }) => Err("record has no eventTime".to_string()),
        Err(e) => Err(format!("eventTime is not a string ({e})")),
    }
}
