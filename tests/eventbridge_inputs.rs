//! Conformance: every delivery AWS EventBridge made through `InputPath` and
//! `InputTransformer` in `testdata/eventbridge/input-transformer-aws.json`, reproduced (and
//! every PutTargets error it recorded), with the recording's masking applied to our output.

use serde_json::Value;
use trailwatch::rule::{payload, Rule, RuleState, Target, TargetSpec};

const TARGET_ID: &str = "target-1";

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/eventbridge/input-transformer-aws.json");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    document["cases"].as_array().unwrap().clone()
}

fn spec(case: &Value) -> TargetSpec {
    let transformer = case.get("inputTransformer").filter(|t| !t.is_null()).map(|t| {
        let paths = t
            .get("InputPathsMap")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect())
            .unwrap_or_default();
        (paths, t["InputTemplate"].as_str().unwrap().to_string())
    });
    TargetSpec {
        id: TARGET_ID.into(),
        arn: "arn:aws:sqs:us-east-1:111111111111:queue".into(),
        input: None,
        input_path: case.get("inputPath").and_then(Value::as_str).map(str::to_string),
        input_transformer: transformer,
    }
}

/// The rule as the recording masks it (a custom bus; `arn:<partition>:` for `arn:aws:`).
fn rule(case: &Value) -> Rule {
    Rule {
        name: "<rule-name>".into(),
        arn: Rule::arn_for("<region>", "111111111111", "<bus-name>", "<rule-name>").replacen(
            "arn:aws:",
            "arn:<partition>:",
            1,
        ),
        event_bus_name: "<bus-name>".into(),
        state: RuleState::Enabled,
        event_pattern: case["rule"]["EventPattern"].to_string(),
        targets: Vec::new(),
    }
}

/// The recording's own masking of a body: `Body.originalEvent.time` becomes `<ingestion-time>`.
fn masked(body: &str) -> Value {
    let mut value: Value = serde_json::from_str(body).unwrap();
    if let Some(time) = value.get_mut("originalEvent").and_then(|e| e.get_mut("time")) {
        *time = Value::String("<ingestion-time>".into());
    }
    value
}

#[test]
fn every_recorded_delivery_and_error_is_reproduced() {
    let cases = cases();
    assert_eq!(cases.len(), 35);
    let (mut deliveries, mut errors, mut nothing) = (0, 0, 0);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        if let Some(error) = case.get("putTargetsError").filter(|e| !e.is_null()) {
            let expected = error["Message"].as_str().unwrap().replace("<target-id>", TARGET_ID);
            assert_eq!(Target::new(spec(case)).unwrap_err(), expected, "{id}");
            errors += 1;
            continue;
        }
        let target = Target::new(spec(case)).unwrap_or_else(|e| panic!("{id}: {e}"));
        let rule = rule(case);
        let event = &case["event"];
        let event_text = event.to_string();
        let pattern = trailwatch::event_pattern::parse(&rule.event_pattern).unwrap();
        assert!(trailwatch::event_pattern::compile(&pattern).is_match(&event_text), "{id}: the rule matches");
        // The event's time is masked as `date`, and so is the ingestion time: offline it is the
        // event's time (docs/semantics.md).
        let body = payload(&rule, &target, &event_text, event, "date");
        let delivered = case["delivered"].as_array().unwrap();
        match (delivered.as_slice(), body) {
            ([], None) => nothing += 1,
            ([Value::String(expected)], Some(body)) => {
                assert_eq!(&body, expected, "{id}");
                deliveries += 1;
            }
            ([expected @ Value::Object(_)], Some(body)) => {
                assert_eq!(&masked(&body), expected, "{id}: {body}");
                deliveries += 1;
            }
            (expected, body) => panic!("{id}: AWS delivered {expected:?}, trailwatch {body:?}"),
        }
    }
    // The recording's own counts: 30 deliveries, 2 PutTargets errors, 3 accepted targets that
    // never delivered.
    assert_eq!((deliveries, errors, nothing), (30, 2, 3));
}
