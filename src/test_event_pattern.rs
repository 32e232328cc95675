//! The `TestEventPattern` API: an event pattern and an event in, AWS's answer out.
//!
//! The HTTP server and the `test-event-pattern` command both call [`test_event_pattern`],
//! so they answer alike.

use serde::{Deserialize, Serialize};

use crate::event_pattern::{self, InvalidEventPattern};

/// A request, in the API's own field names (so `--cli-input-json` files work unchanged).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    #[serde(default)]
    pub event_pattern: String,
    #[serde(default)]
    pub event: String,
}

/// The answer.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    pub result: bool,
}

/// Fields every event must carry. (AWS's API reference also names `resources`, but the
/// service accepts events without it: 89 of the 93 recorded cases have none.)
pub const REQUIRED_EVENT_FIELDS: [&str; 6] = ["id", "account", "source", "time", "region", "detail-type"];

/// A refused request: the API's error code and message, and the pattern diagnosis when
/// the pattern was at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
    pub pattern_error: Option<Box<InvalidEventPattern>>,
    /// What trailwatch found wrong with the event (the service says only that it is not
    /// valid).
    pub event_fault: Option<String>,
}

impl ApiError {
    pub const VALIDATION: &'static str = "ValidationException";
    /// The service's message for any event it refuses.
    pub const INVALID_EVENT: &'static str = "Parameter Event is not valid.";

    fn invalid_event(fault: String) -> ApiError {
        ApiError {
            code: Self::VALIDATION,
            message: Self::INVALID_EVENT.into(),
            pattern_error: None,
            event_fault: Some(fault),
        }
    }
}

impl From<InvalidEventPattern> for ApiError {
    fn from(error: InvalidEventPattern) -> ApiError {
        ApiError {
            code: InvalidEventPattern::CODE,
            message: error.aws_message(),
            pattern_error: Some(Box::new(error)),
            event_fault: None,
        }
    }
}

/// Answers `TestEventPattern` as the service does: the pattern is checked first
/// (`InvalidEventPatternException`), then the event (`ValidationException`: it must be a
/// JSON object with [`REQUIRED_EVENT_FIELDS`]), then the pattern is matched against it.
pub fn test_event_pattern(event_pattern: &str, event: &str) -> Result<bool, ApiError> {
    let pattern = event_pattern::parse(event_pattern)?;
    check_event(event).map_err(ApiError::invalid_event)?;
    Ok(event_pattern::compile(&pattern).is_match(event))
}

/// [`test_event_pattern`] on a [`Request`].
pub fn answer(request: &Request) -> Result<Response, ApiError> {
    test_event_pattern(&request.event_pattern, &request.event).map(|result| Response { result })
}

/// The answer as the aws CLI prints it (pretty JSON, four-space indent).
pub fn to_cli_json(response: &Response) -> String {
    format!("{{\n    \"Result\": {}\n}}", response.result)
}

fn check_event(event: &str) -> Result<(), String> {
    let value: serde_json::Value = serde_json::from_str(event).map_err(|e| format!("the event is not JSON: {e}"))?;
    let object = value.as_object().ok_or("the event is not a JSON object")?;
    match REQUIRED_EVENT_FIELDS.iter().find(|f| !object.contains_key(**f)) {
        Some(missing) => {
            Err(format!("the event has no \"{missing}\" field (required: {})", REQUIRED_EVENT_FIELDS.join(", ")))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"id": "1", "account": "123456789012", "source": "aws.ec2", "time": "2024-01-01T00:00:00Z", "region": "us-east-1", "detail-type": "x", "detail": {"state": "running"}}"#;

    #[test]
    fn answers_match_and_no_match() {
        assert_eq!(test_event_pattern(r#"{"source": ["aws.ec2"]}"#, EVENT), Ok(true));
        assert_eq!(test_event_pattern(r#"{"detail": {"state": ["stopped"]}}"#, EVENT), Ok(false));
    }

    #[test]
    fn the_pattern_is_judged_before_the_event() {
        let e = test_event_pattern("{}", "not json").unwrap_err();
        assert_eq!(e.code, "InvalidEventPatternException");
        assert_eq!(e.message, "Event pattern is not valid. Reason: Empty objects are not allowed");
    }

    #[test]
    fn events_need_the_envelope() {
        let e = test_event_pattern(r#"{"a": [1]}"#, r#"{"id": "1"}"#).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), ("ValidationException", "Parameter Event is not valid."));
        assert!(e.event_fault.unwrap().contains("\"account\""));
        assert!(test_event_pattern(r#"{"a": [1]}"#, "[1]").is_err());
        assert!(test_event_pattern(r#"{"a": [1]}"#, "{").is_err());
    }

    #[test]
    fn requests_use_the_api_names() {
        let request: Request = serde_json::from_str(&format!(
            r#"{{"EventPattern": "{{\"source\": [\"aws.ec2\"]}}", "Event": {}}}"#,
            serde_json::to_string(EVENT).unwrap()
        ))
        .unwrap();
        assert_eq!(answer(&request).unwrap(), Response { result: true });
        assert_eq!(serde_json::to_string(&Response { result: true }).unwrap(), r#"{"Result":true}"#);
        assert_eq!(to_cli_json(&Response { result: false }), "{\n    \"Result\": false\n}");
    }
}
