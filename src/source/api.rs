//! The JSON printed by the AWS CLI: `aws logs filter-log-events` / `get-log-events`
//! (`{"events":[{"timestamp":ms,"message":...}]}`) and `aws cloudtrail lookup-events`
//! (`{"Events":[{"CloudTrailEvent":"<record as a JSON string>"}]}`).

use std::io::BufRead;

use serde::Deserialize;
use serde_json::Value;

use super::cloudtrail::event_time;
use super::{compact_json, InputFormat, Position, ReadContext, Record};

#[derive(Deserialize)]
struct LogEventsPage {
    events: Vec<Value>,
}

#[derive(Deserialize)]
struct LookupEventsPage {
    #[serde(rename = "Events")]
    events: Vec<Value>,
}

pub(super) fn read(
    reader: Box<dyn BufRead + '_>,
    format: InputFormat,
    context: &ReadContext,
    sink: &mut dyn FnMut(Record),
) {
    let page: Result<Vec<Value>, serde_json::Error> = if format == InputFormat::LookupEvents {
        serde_json::from_reader::<_, LookupEventsPage>(reader).map(|p| p.events)
    } else {
        serde_json::from_reader::<_, LogEventsPage>(reader).map(|p| p.events)
    };
    let events = match page {
        Ok(events) => events,
        Err(e) => {
            sink(context.reject(Position::File, format!("not {} output: {e}", format.name())));
            return;
        }
    };
    for (i, event) in events.iter().enumerate() {
        if context.stopped() {
            return;
        }
        let position = Position::Element(i as u64 + 1);
        let record = if format == InputFormat::LookupEvents { lookup_event(event) } else { log_event(event) };
        sink(match record {
            Ok((message, timestamp)) => context.event(message, timestamp, position),
            Err(reason) => context.reject(position, reason),
        });
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
