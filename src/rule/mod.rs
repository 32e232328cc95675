//! Records -> rule deliveries: EventBridge rules over CloudTrail records.
//!
//! Beside [`crate::metric`] in the pipeline: each record becomes the event EventBridge
//! receives for it ([`bus_event`]); the rules that receive it (by region, state and
//! read-only-ness) and whose patterns match it deliver to each of their targets what that
//! target is configured to receive ([`payload`]): the whole event, an `InputPath`
//! selection, an `InputTransformer`'s output, or a constant `Input`.

mod bank;
mod definition;
mod event;
mod input;

pub use bank::{iso_time, Delivery, RuleBank, RuleTally, Scratch, KEPT_EXAMPLES};
pub use definition::{Rule, RuleState, Target, TargetInput, TargetSpec};
pub use event::{bus_event, detail_type, event_id, is_read_only, source, BusEvent, NotSent};
pub use input::{Context, InputPath, InputTransformer};

use serde_json::Value;

/// The body `target` of `rule` receives for `event` (`event_json` is its text), or `None`
/// when EventBridge would deliver nothing (a template that does not fill to JSON, or an
/// `InputPath` that selects nothing). `ingestion_time` is ISO-8601.
pub fn payload(rule: &Rule, target: &Target, event_json: &str, event: &Value, ingestion_time: &str) -> Option<String> {
    match &target.input {
        TargetInput::Event => Some(event_json.to_string()),
        TargetInput::Constant(text) => Some(text.clone()),
        TargetInput::Path(path) => path.select(event).map(|v| v.to_string()),
        TargetInput::Transformer(transformer) => {
            transformer.render(&Context { event, rule_name: &rule.name, rule_arn: &rule.arn, ingestion_time })
        }
    }
}

/// A body as a JSON value for reports: the JSON it is, or a string when it is not JSON
/// (a string template with several quoted lines, for example).
pub fn body_value(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_string()))
}
