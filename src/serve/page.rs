//! The page's own API: what the test pane needs in one answer (the pattern's diagnosis or
//! its explanation, and every event with whether it matched and what it extracted).

use serde::Deserialize;
use serde_json::{json, Value};

use crate::explain::explain;
use crate::matcher;
use crate::pattern::{self, PatternError};
use crate::source::{compact_json, read_bytes, ReadOptions, Record};

/// The most events one test takes (the service takes 50; a page shows a file's worth).
pub const MAX_EVENTS: usize = 10_000;

#[derive(Deserialize)]
pub struct TestRequest {
    #[serde(default)]
    pub pattern: String,
    /// The events as pasted or loaded: one per line, a JSON array, or a CloudTrail file.
    #[serde(default)]
    pub events: String,
}

/// Splits pasted text into events: a JSON array gives its elements (strings as they are,
/// anything else as compact JSON); anything else is read as a file would be (CloudTrail's
/// `{"Records": [...]}`, `filter-log-events` output, NDJSON, CloudWatch Logs exports, lines).
/// Returns the events and the records that could not become one.
pub fn split_events(text: &str) -> (Vec<String>, Vec<String>) {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return (Vec::new(), Vec::new());
    }
    if trimmed.starts_with('[') {
        if let Ok(items) = serde_json::from_str::<Vec<Box<serde_json::value::RawValue>>>(trimmed) {
            let events = items
                .iter()
                .map(|raw| match serde_json::from_str::<String>(raw.get()) {
                    Ok(text) => text,
                    Err(_) => compact_json(raw.get()).into_owned(),
                })
                .collect();
            return (events, Vec::new());
        }
    }
    let mut events = Vec::new();
    let mut rejected = Vec::new();
    let options = ReadOptions { require_timestamp: false, read_timestamps: false, ..ReadOptions::default() };
    read_bytes("events", trimmed.as_bytes(), &options, &mut |record| match record {
        Record::Event(event) => events.push(event.message),
        Record::Rejected(rejection) => rejected.push(rejection.to_string()),
    });
    (events, rejected)
}

/// UTF-16 offset of byte `at` (what the page's text fields count in).
fn utf16_offset(text: &str, at: usize) -> usize {
    text.get(..at.min(text.len())).map_or(0, |s| s.encode_utf16().count())
}

fn diagnosis(pattern: &str, error: &PatternError) -> Value {
    json!({
        "awsMessage": error.aws_message,
        "expected": error.expected,
        "start": utf16_offset(pattern, error.span.start),
        "end": utf16_offset(pattern, error.span.end.max(error.span.start)),
        "rendered": error.render(pattern),
    })
}

/// The test pane's answer.
pub fn test_pattern(request: &TestRequest) -> Value {
    let (events, rejected) = split_events(&request.events);
    if events.len() > MAX_EVENTS {
        return json!({ "problem": format!("{} events: the page tests at most {MAX_EVENTS} at once", events.len()) });
    }
    let parsed = pattern::parse(&request.pattern).and_then(|p| matcher::compile(&p).map(|m| (p, m)));
    let (pattern, matcher) = match parsed {
        Ok(both) => both,
        Err(error) => {
            let listed: Vec<Value> =
                events.iter().enumerate().map(|(i, e)| json!({ "number": i + 1, "message": e })).collect();
            return json!({ "error": diagnosis(&request.pattern, &error), "events": listed, "rejected": rejected });
        }
    };
    let explanation = explain(&pattern);
    let mut matched = 0;
    let listed: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, message)| match matcher.evaluate(message) {
            Some(extracted) => {
                matched += 1;
                // Pairs, in the service's order (a JSON object here would be re-sorted).
                let extracted: Vec<Value> = extracted.iter().map(|(k, v)| json!([k, v])).collect();
                json!({ "number": i + 1, "message": message, "matched": true, "extractedValues": extracted })
            }
            None => json!({ "number": i + 1, "message": message, "matched": false }),
        })
        .collect();
    json!({
        "kind": explanation.kind,
        "normalised": explanation.normalised,
        "explain": explanation.lines.iter().map(|(depth, line)| json!([depth, line])).collect::<Vec<_>>(),
        "prefilter": explanation.prefilter,
        "evaluation": explanation.evaluation,
        "events": listed,
        "matched": matched,
        "rejected": rejected,
    })
}

/// The EventBridge pane's answer: the pattern's diagnosis, or each event's result as
/// `TestEventPattern` gives it.
pub fn test_event_pattern(request: &TestRequest) -> Value {
    let (events, rejected) = split_events(&request.events);
    if events.len() > MAX_EVENTS {
        return json!({ "problem": format!("{} events: the page tests at most {MAX_EVENTS} at once", events.len()) });
    }
    if let Err(error) = crate::event_pattern::parse(&request.pattern) {
        let (line, column) = error.line_column();
        let start = utf16_offset(&request.pattern, error.offset);
        let expected = if error.field.is_empty() { String::new() } else { format!("(under {})", error.field) };
        let listed: Vec<Value> =
            events.iter().enumerate().map(|(i, e)| json!({ "number": i + 1, "message": e })).collect();
        return json!({
            "error": {
                "awsMessage": error.aws_message(), "expected": expected, "start": start, "end": start + 1,
                "line": line, "column": column,
            },
            "events": listed,
            "rejected": rejected,
        });
    }
    let listed: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, event)| match crate::test_event_pattern::test_event_pattern(&request.pattern, event) {
            Ok(matched) => json!({ "number": i + 1, "message": event, "matched": matched }),
            Err(error) => json!({
                "number": i + 1, "message": event, "matched": false,
                "problem": format!("{}: {} {}", error.code, error.message, error.event_fault.unwrap_or_default()),
            }),
        })
        .collect();
    json!({ "events": listed, "rejected": rejected })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(pattern: &str, events: &str) -> Value {
        test_pattern(&TestRequest { pattern: pattern.into(), events: events.into() })
    }

    #[test]
    fn splits_lines_arrays_and_cloudtrail_files() {
        assert_eq!(split_events("a b\nc\n").0, vec!["a b", "c"]);
        assert_eq!(split_events(r#"["x y", {"a": 1}]"#).0, vec!["x y", r#"{"a":1}"#]);
        let trail = r#"{"Records": [{"eventName": "A", "eventTime": "2026-01-01T00:00:00Z"}, {"eventName": "B"}]}"#;
        let (events, rejected) = split_events(trail);
        assert_eq!(events.len(), 2, "{events:?} {rejected:?}");
        assert!(events[0].contains(r#""eventName":"A""#));
        assert_eq!(split_events("  \n").0.len(), 0);
    }

    #[test]
    fn marks_matches_with_their_extracted_values() {
        let answer = test("[ip, user, status=4*]", "1.2.3.4 bob 404\n1.2.3.4 amy 200");
        assert_eq!(answer["matched"], 1);
        assert_eq!(answer["events"][0]["matched"], true);
        assert!(answer["events"][0]["extractedValues"].as_array().unwrap().contains(&json!(["$status", "404"])));
        assert_eq!(answer["events"][1]["matched"], false);
        assert_eq!(answer["kind"], "space-delimited");
        assert!(!answer["explain"].as_array().unwrap().is_empty());
    }

    #[test]
    fn tests_eventbridge_patterns_event_by_event() {
        let envelope = r#""id":"1","account":"1","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail-type":"x""#;
        let events = format!("{{{envelope},\"source\":\"aws.signin\"}}\n{{{envelope},\"source\":\"aws.ec2\"}}\n{{}}");
        let answer = test_event_pattern(&TestRequest { pattern: r#"{"source": ["aws.signin"]}"#.into(), events });
        let matched: Vec<&Value> = answer["events"].as_array().unwrap().iter().map(|e| &e["matched"]).collect();
        assert_eq!(matched, [&json!(true), &json!(false), &json!(false)]);
        assert!(answer["events"][2]["problem"].as_str().unwrap().contains("ValidationException"));
        let invalid = test_event_pattern(&TestRequest { pattern: r#"{"source": "x"}"#.into(), events: String::new() });
        assert!(invalid["error"]["awsMessage"].as_str().unwrap().starts_with("Event pattern is not valid"));
    }

    #[test]
    fn an_invalid_pattern_is_located_in_utf16_units() {
        let answer = test("\"é\" ERR*", "x");
        let error = &answer["error"];
        assert!(error["rendered"].as_str().unwrap().contains('^'));
        let start = error["start"].as_u64().unwrap() as usize;
        let units: Vec<u16> = "\"é\" ERR*".encode_utf16().collect();
        assert_eq!(String::from_utf16_lossy(&units[start..start + 1]), "*");
        assert_eq!(answer["events"][0]["message"], "x");
    }
}
