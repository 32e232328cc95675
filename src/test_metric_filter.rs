//! The `TestMetricFilter` API: a pattern and sample messages in, AWS's answer out.

use serde::{Deserialize, Serialize};

use crate::matcher::{self, ExtractedValues};
use crate::pattern::{self, PatternError};

/// The most messages one request may carry.
pub const MAX_MESSAGES: usize = 50;

/// A request, in the API's own field names (so `--cli-input-json` files work unchanged).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    #[serde(default)]
    pub filter_pattern: String,
    #[serde(default)]
    pub log_event_messages: Vec<String>,
}

/// The answer: one record per matching message, in request order.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Response {
    pub matches: Vec<MatchRecord>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MatchRecord {
    /// 1-based position of the message in the request (as the service answers).
    pub event_number: u64,
    pub event_message: String,
    pub extracted_values: ExtractedValues,
}

/// An `InvalidParameterException`, with the pattern diagnosis when the pattern was at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub message: String,
    pub pattern_error: Option<PatternError>,
}

impl ApiError {
    pub const CODE: &'static str = "InvalidParameterException";
}

impl From<PatternError> for ApiError {
    fn from(error: PatternError) -> ApiError {
        ApiError { message: error.aws_message.clone(), pattern_error: Some(error) }
    }
}

/// Which of the API's request limits to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limits {
    /// 1 to 50 messages of at least one character, as the service requires.
    Aws,
    /// Any number of messages (for files of events tested offline).
    Unlimited,
}

/// Answers a request exactly as the service would.
pub fn test_metric_filter(request: &Request, limits: Limits) -> Result<Response, ApiError> {
    let pattern = pattern::parse(&request.filter_pattern)?;
    if limits == Limits::Aws {
        validate_messages(&request.log_event_messages)?;
    }
    let matcher = matcher::compile(&pattern)?;
    let matches = request
        .log_event_messages
        .iter()
        .enumerate()
        .filter_map(|(i, message)| {
            matcher.evaluate(message).map(|extracted_values| MatchRecord {
                event_number: i as u64 + 1,
                event_message: message.clone(),
                extracted_values,
            })
        })
        .collect();
    Ok(Response { matches })
}

fn validate_messages(messages: &[String]) -> Result<(), ApiError> {
    let violation =
        |message: String| ApiError { message: format!("1 validation error detected: {message}"), pattern_error: None };
    if messages.is_empty() {
        return Err(violation("Value '[]' at 'logEventMessages' failed to satisfy constraint: Member must have length greater than or equal to 1".into()));
    }
    if messages.len() > MAX_MESSAGES {
        return Err(violation(format!(
            "Value '[{}]' at 'logEventMessages' failed to satisfy constraint: Member must have length less than or equal to {MAX_MESSAGES}",
            messages.join(", ")
        )));
    }
    if let Some(i) = messages.iter().position(String::is_empty) {
        return Err(violation(format!(
            "Value '' at 'logEventMessages.{}.member' failed to satisfy constraint: Member must have length greater than or equal to 1",
            i + 1
        )));
    }
    Ok(())
}

/// The response as the aws CLI prints it (`--output json`: four-space indentation,
/// non-ASCII characters as they are).
pub fn to_cli_json(response: &Response) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serialising plain structs of strings and numbers into memory cannot fail.
    if response.serialize(&mut serializer).is_err() {
        return String::from("{\"matches\": []}");
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The aws CLI's JSON of a response too large to hold, written as it is produced: the
/// bytes are exactly [`to_cli_json`]'s for the same matches.
pub mod cli_json_stream {
    use super::MatchRecord;

    /// What comes before the first match.
    pub const START: &str = "{\n    \"matches\": [";

    /// Appends one match to `out`, preceded by a `,` (the writer drops the first one).
    pub fn push_match(record: &MatchRecord, out: &mut Vec<u8>) {
        let single = super::to_cli_json(&super::Response { matches: vec![record.clone()] });
        // `{"matches": [X]}` printed: X's lines sit between the first two and the last two.
        let lines: Vec<&str> = single.lines().collect();
        if lines.len() < 4 {
            return;
        }
        out.push(b',');
        for line in &lines[2..lines.len() - 2] {
            out.push(b'\n');
            out.extend_from_slice(line.as_bytes());
        }
    }

    /// What follows the matches (`any`: whether there was one).
    pub fn end(any: bool) -> &'static str {
        if any {
            "\n    ]\n}"
        } else {
            "]\n}"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pattern: &str, messages: &[&str]) -> Request {
        Request { filter_pattern: pattern.into(), log_event_messages: messages.iter().map(|m| m.to_string()).collect() }
    }

    #[test]
    fn numbers_events_from_one_and_keeps_only_matches() {
        let response = test_metric_filter(&request("ERROR", &["ok", "ERROR x"]), Limits::Aws).unwrap();
        assert_eq!(response.matches.len(), 1);
        assert_eq!(response.matches[0].event_number, 2);
    }

    #[test]
    fn prints_like_the_aws_cli() {
        let response = test_metric_filter(&request("[a, b]", &["x y"]), Limits::Aws).unwrap();
        let expected = "{\n    \"matches\": [\n        {\n            \"eventNumber\": 1,\n            \"eventMessage\": \"x y\",\n            \"extractedValues\": {\n                \"$a\": \"x\",\n                \"$b\": \"y\"\n            }\n        }\n    ]\n}";
        assert_eq!(to_cli_json(&response), expected);
        assert_eq!(to_cli_json(&Response::default()), "{\n    \"matches\": []\n}");
    }

    #[test]
    fn the_stream_prints_what_the_whole_response_prints() {
        let messages = ["x y", "a \"b\"", "x", "p q r"];
        for pattern in ["[a, b]", "x", "nothing-matches", "?x ?q"] {
            let response = test_metric_filter(&request(pattern, &messages), Limits::Aws).unwrap();
            let mut out = Vec::new();
            for record in &response.matches {
                cli_json_stream::push_match(record, &mut out);
            }
            let body = String::from_utf8(out).unwrap();
            let streamed = format!(
                "{}{}{}",
                cli_json_stream::START,
                body.strip_prefix(',').unwrap_or(&body),
                cli_json_stream::end(!response.matches.is_empty())
            );
            assert_eq!(streamed, to_cli_json(&response), "{pattern}");
        }
    }

    #[test]
    fn enforces_the_api_limits() {
        assert!(test_metric_filter(&request("x", &[]), Limits::Aws).is_err());
        assert!(test_metric_filter(&request("x", &[""]), Limits::Aws).is_err());
        let many: Vec<&str> = vec!["x"; 51];
        assert!(test_metric_filter(&request("x", &many), Limits::Aws).is_err());
        assert_eq!(test_metric_filter(&request("x", &many), Limits::Unlimited).unwrap().matches.len(), 51);
    }
}
