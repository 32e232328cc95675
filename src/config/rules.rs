//! EventBridge rules from configuration: `AWS::Events::Rule` resources (properties already
//! resolved), the JSON of `aws events list-rules`, and of `aws events list-targets-by-rule`.

use serde_json::Value;

use std::path::Path;

use super::{Configuration, Deployment, Origin};
use crate::rule::{Rule, RuleState, Target, TargetSpec};

/// The rule's pattern as compact JSON text, checked as `PutRule` checks it. CloudFormation
/// takes the pattern as an object or as a JSON string.
fn event_pattern(rule: &str, value: &Value) -> Result<String, String> {
    let text = match value {
        Value::String(s) => {
            let parsed: Value =
                serde_json::from_str(s).map_err(|e| format!("rule {rule}: EventPattern is not JSON: {e}"))?;
            parsed.to_string()
        }
        Value::Object(_) => value.to_string(),
        other => return Err(format!("rule {rule}: EventPattern must be an object or a JSON string, not {other}")),
    };
    // The pointer is into the compact text, which is what the error is located in.
    crate::event_pattern::parse(&text)
        .map_err(|e| format!("rule {rule}: {}\nthe fault is {}", e.aws_message(), e.pointer()))?;
    Ok(text)
}

/// The bus name of an `EventBusName` given as a name or an ARN.
fn bus_name(value: Option<&Value>) -> String {
    match value.and_then(Value::as_str) {
        Some(s) => s.rsplit_once(":event-bus/").map_or(s, |(_, name)| name).to_string(),
        None => "default".to_string(),
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One target, from CloudFormation's or the API's spelling (both use the same keys).
fn target(rule: &str, value: &Value) -> Result<Target, String> {
    let input_transformer = match value.get("InputTransformer") {
        None | Some(Value::Null) => None,
        Some(t) => {
            let paths = match t.get("InputPathsMap") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Object(map)) => map
                    .iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => Ok((k.clone(), s.clone())),
                        other => Err(format!("rule {rule}: InputPathsMap {k} must be a JSON path string, not {other}")),
                    })
                    .collect::<Result<_, _>>()?,
                Some(other) => return Err(format!("rule {rule}: InputPathsMap must be an object, not {other}")),
            };
            let template = text(t, "InputTemplate")
                .ok_or_else(|| format!("rule {rule}: InputTransformer needs an InputTemplate"))?;
            Some((paths, template))
        }
    };
    let input = match value.get("Input") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        // A template may give the JSON itself rather than its text.
        Some(other) => Some(other.to_string()),
    };
    let spec = TargetSpec {
        id: text(value, "Id").unwrap_or_default(),
        arn: text(value, "Arn").unwrap_or_default(),
        input,
        input_path: text(value, "InputPath"),
        input_transformer,
    };
    Target::new(spec).map_err(|e| format!("rule {rule}: {e}"))
}

fn targets(rule: &str, value: Option<&Value>) -> Result<Vec<Target>, String> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|t| target(rule, t)).collect(),
        Some(other) => Err(format!("rule {rule}: Targets must be a list, not {other}")),
    }
}

/// An `AWS::Events::Rule`'s resolved properties -> a rule, or `None` for a scheduled rule.
pub(super) fn cloudformation_rule(
    logical: &str,
    properties: &Value,
    deployment: &Deployment,
) -> Result<Option<Rule>, String> {
    let name = text(properties, "Name").unwrap_or_else(|| logical.to_string());
    let Some(pattern) = properties.get("EventPattern") else {
        return Ok(None);
    };
    let event_bus_name = bus_name(properties.get("EventBusName"));
    let state = match text(properties, "State") {
        Some(s) => s.parse::<RuleState>().map_err(|e| format!("rule {name}: {e}"))?,
        None => RuleState::Enabled,
    };
    Ok(Some(Rule {
        arn: Rule::arn_for(&deployment.region, &deployment.account_id, &event_bus_name, &name),
        event_pattern: event_pattern(&name, pattern)?,
        targets: targets(&name, properties.get("Targets"))?,
        name,
        event_bus_name,
        state,
    }))
}

/// `aws events list-rules` (`{"Rules": [...]}`); a rule may carry its `Targets` inline.
pub(super) fn list_rules(document: &Value, deployment: &Deployment, file: &Path) -> Result<Configuration, String> {
    let mut configuration = Configuration::default();
    let notes = &mut configuration.notes;
    let mut rules = Vec::new();
    for (i, rule) in document.get("Rules").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let name = text(rule, "Name").ok_or_else(|| format!("Rules[{i}]: Name is required"))?;
        let Some(pattern) = rule.get("EventPattern") else {
            notes.push(format!("rule {name}: no EventPattern (a scheduled rule), not replayed"));
            continue;
        };
        let event_bus_name = bus_name(rule.get("EventBusName"));
        let state = match text(rule, "State") {
            Some(s) => s.parse::<RuleState>().map_err(|e| format!("rule {name}: {e}"))?,
            None => RuleState::Enabled,
        };
        let origin = Origin::new(file, format!("Rules[{i}]"), None);
        rules.push((
            Rule {
                arn: text(rule, "Arn").unwrap_or_else(|| {
                    Rule::arn_for(&deployment.region, &deployment.account_id, &event_bus_name, &name)
                }),
                event_pattern: event_pattern(&name, pattern)?,
                targets: targets(&name, rule.get("Targets"))?,
                name,
                event_bus_name,
                state,
            },
            origin,
        ));
    }
    for (rule, origin) in rules {
        configuration.push_rule(rule, origin);
    }
    Ok(configuration)
}

/// `aws events list-targets-by-rule` (`{"Targets": [...]}`): the output does not name its
/// rule, so a `"Rule"` key does, or else the file's name (`NAME.json`, `NAME.targets.json`).
pub(super) fn list_targets(document: &Value, file_stem: Option<&str>) -> Result<(String, Vec<Target>), String> {
    let rule = text(document, "Rule").or_else(|| file_stem.map(|s| s.trim_end_matches(".targets").to_string())).ok_or(
        "list-targets-by-rule output does not name its rule: add \"Rule\": NAME, or name the file NAME.targets.json",
    )?;
    let targets = targets(&rule, document.get("Targets"))?;
    Ok((rule, targets))
}
