//! The AWS JSON 1.1 protocol, as CloudWatch Logs and EventBridge speak it: the operation is
//! named by the `X-Amz-Target` header, the request and response are JSON objects in the
//! API's own member names, and an error is an HTTP 400 whose body names the exception in
//! `__type` (which every SDK maps to the service's modelled exception class).
//!
//! Signatures are accepted without checking: the endpoint is local, and the SDKs sign with
//! whatever credentials they find.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::test_event_pattern::ApiError as EventsError;
use crate::test_metric_filter::{self, ApiError, Limits, Request};

/// The content type of both requests and responses.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

pub const TEST_METRIC_FILTER: &str = "Logs_20140328.TestMetricFilter";
pub const TEST_EVENT_PATTERN: &str = "AWSEvents.TestEventPattern";

/// An answer: the HTTP status and the JSON body (serialised from the API's structs, so
/// members come in the service's order, `extractedValues` included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireResponse {
    pub status: u16,
    pub body: String,
    /// The exception's name (`__type`), when this is an error.
    pub error_code: Option<String>,
}

impl WireResponse {
    fn ok(body: String) -> Self {
        WireResponse { status: 200, body, error_code: None }
    }

    /// A client error the SDKs raise as the exception named `code`.
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        let body = json!({ "__type": code, "message": message.into() }).to_string();
        WireResponse { status: 400, body, error_code: Some(code.to_string()) }
    }

    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }
}

/// Answers one request. `target` is the `X-Amz-Target` header, `body` the request body.
pub fn dispatch(target: Option<&str>, body: &[u8]) -> WireResponse {
    match target {
        Some(TEST_METRIC_FILTER) => test_metric_filter(body),
        Some(TEST_EVENT_PATTERN) => test_event_pattern(body),
        // Coral services answer an operation they do not have with a bare
        // `{"__type":"UnknownOperationException"}` and a 400 (CloudWatch Logs does so for an
        // X-Amz-Target it does not know; the SDKs raise it as a generic client error).
        _ => WireResponse {
            status: 400,
            body: json!({ "__type": "UnknownOperationException" }).to_string(),
            error_code: Some("UnknownOperationException".into()),
        },
    }
}

/// A body that is not a JSON object of the operation's members, as Coral rejects it.
fn serialization_error(why: impl std::fmt::Display) -> WireResponse {
    WireResponse::error("SerializationException", format!("Could not deserialize the request: {why}"))
}

/// Reads the operation's members from the request object; an empty body is an empty
/// object, as the SDKs send for an operation called without parameters.
fn request_members<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WireResponse> {
    let object = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(serialization_error("the body is not a JSON object")),
            Err(e) => return Err(serialization_error(e)),
        }
    };
    serde_json::from_value(Value::Object(object)).map_err(serialization_error)
}

/// `1 validation error detected: Value null at 'member' failed to satisfy constraint: Member
/// must not be null`, as the service words a missing required member.
fn missing_member(code: &str, member: &str) -> WireResponse {
    WireResponse::error(
        code,
        format!("1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"),
    )
}

fn test_metric_filter(body: &[u8]) -> WireResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Wire {
        filter_pattern: Option<String>,
        log_event_messages: Option<Vec<String>>,
    }
    let wire: Wire = match request_members(body) {
        Ok(wire) => wire,
        Err(response) => return response,
    };
    let Some(filter_pattern) = wire.filter_pattern else {
        return missing_member(ApiError::CODE, "filterPattern");
    };
    let Some(log_event_messages) = wire.log_event_messages else {
        return missing_member(ApiError::CODE, "logEventMessages");
    };
    let request = Request { filter_pattern, log_event_messages };
    match test_metric_filter::test_metric_filter(&request, Limits::Aws) {
        // Plain structs of strings and numbers always serialise.
        Ok(response) => WireResponse::ok(serde_json::to_string(&response).unwrap_or_default()),
        Err(error) => WireResponse::error(ApiError::CODE, error.message),
    }
}

fn test_event_pattern(body: &[u8]) -> WireResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Wire {
        event_pattern: Option<String>,
        event: Option<String>,
    }
    let wire: Wire = match request_members(body) {
        Ok(wire) => wire,
        Err(response) => return response,
    };
    let Some(event_pattern) = wire.event_pattern else {
        return missing_member(EventsError::VALIDATION, "eventPattern");
    };
    let Some(event) = wire.event else {
        return missing_member(EventsError::VALIDATION, "event");
    };
    match crate::test_event_pattern::test_event_pattern(&event_pattern, &event) {
        Ok(result) => WireResponse::ok(json!({ "Result": result }).to_string()),
        Err(error) => WireResponse::error(error.code, error.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(target: &str, body: &str) -> Answer {
        let response = dispatch(Some(target), body.as_bytes());
        Answer {
            status: response.status,
            body: serde_json::from_str(&response.body).unwrap(),
            code: response.error_code,
        }
    }

    struct Answer {
        status: u16,
        body: Value,
        code: Option<String>,
    }

    impl Answer {
        fn error_code(&self) -> Option<&str> {
            self.code.as_deref()
        }
    }

    #[test]
    fn answers_test_metric_filter_in_the_services_shape() {
        let response = call(TEST_METRIC_FILTER, r#"{"filterPattern":"[a, b]","logEventMessages":["x y","z"]}"#);
        assert_eq!(response.status, 200);
        assert_eq!(
            response.body,
            json!({"matches": [{"eventNumber": 1, "eventMessage": "x y", "extractedValues": {"$a": "x", "$b": "y"}}]})
        );
        let raw = dispatch(Some(TEST_METRIC_FILTER), br#"{"filterPattern":"[a, b]","logEventMessages":["x y"]}"#);
        assert_eq!(
            raw.body,
            r#"{"matches":[{"eventNumber":1,"eventMessage":"x y","extractedValues":{"$a":"x","$b":"y"}}]}"#
        );
    }

    #[test]
    fn an_invalid_pattern_is_an_invalid_parameter_exception() {
        let response = call(TEST_METRIC_FILTER, r#"{"filterPattern":"ERR*","logEventMessages":["x"]}"#);
        assert_eq!(response.status, 400);
        assert_eq!(
            response.body,
            json!({"__type": "InvalidParameterException", "message": "Invalid character(s) in term '*'"})
        );
    }

    #[test]
    fn missing_members_and_bad_bodies_are_rejected_as_the_service_does() {
        let response = call(TEST_METRIC_FILTER, r#"{"logEventMessages":["x"]}"#);
        assert_eq!(response.error_code(), Some("InvalidParameterException"));
        assert!(response.body["message"].as_str().unwrap().contains("'filterPattern'"));
        assert_eq!(call(TEST_METRIC_FILTER, "").error_code(), Some("InvalidParameterException"));
        assert_eq!(call(TEST_METRIC_FILTER, "{").error_code(), Some("SerializationException"));
        assert_eq!(call(TEST_METRIC_FILTER, "[1]").error_code(), Some("SerializationException"));
        let wrong_type = call(TEST_METRIC_FILTER, r#"{"filterPattern":1,"logEventMessages":["x"]}"#);
        assert_eq!(wrong_type.error_code(), Some("SerializationException"));
        let empty = call(TEST_METRIC_FILTER, r#"{"filterPattern":"x","logEventMessages":[]}"#);
        assert_eq!(empty.error_code(), Some("InvalidParameterException"));
    }

    #[test]
    fn answers_test_event_pattern_in_the_services_shape() {
        let event = r#"{"id":"1","account":"1","source":"aws.signin","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail-type":"x"}"#;
        let request = json!({ "EventPattern": r#"{"source": ["aws.signin"]}"#, "Event": event }).to_string();
        let response = call(TEST_EVENT_PATTERN, &request);
        assert_eq!((response.status, response.body), (200, json!({ "Result": true })));
        let invalid = json!({ "EventPattern": "{}", "Event": event }).to_string();
        let response = call(TEST_EVENT_PATTERN, &invalid);
        assert_eq!(response.error_code(), Some("InvalidEventPatternException"));
        assert!(response.body["message"].as_str().unwrap().starts_with("Event pattern is not valid. Reason: "));
        let bad_event = json!({ "EventPattern": r#"{"source": ["a"]}"#, "Event": "{}" }).to_string();
        assert_eq!(call(TEST_EVENT_PATTERN, &bad_event).error_code(), Some("ValidationException"));
        assert_eq!(call(TEST_EVENT_PATTERN, r#"{"Event": "{}"}"#).error_code(), Some("ValidationException"));
    }

    #[test]
    fn an_unknown_operation_gets_the_services_error() {
        for target in [Some("Logs_20140328.PutMetricFilter"), Some("nonsense"), None] {
            let response = dispatch(target, b"{}");
            assert_eq!(response.status, 400);
            assert_eq!(response.body, r#"{"__type":"UnknownOperationException"}"#);
        }
    }
}
