//! Terraform configurations -> definitions: `.tf` files and folders (evaluated in
//! `module.rs`) and the JSON of `terraform show -json` (a plan's planned values or a state's
//! values, where Terraform has resolved everything itself). Both give each resource's
//! attributes under the AWS provider's argument names, which are mapped here onto the
//! CloudFormation properties the shared readers check.

mod module;

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::cloudformation::{alarm, metric_filter, Properties};
use super::{Configuration, Deployment, Origin, Reader};

/// The resource types trailwatch reads definitions from; the others only lend attributes to
/// references (topics, log groups, queues).
const READ_TYPES: [&str; 4] = [
    "aws_cloudwatch_log_metric_filter",
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
];

/// How deeply `child_modules` may nest in `terraform show -json` output.
const MAX_MODULE_NESTING: usize = 64;

/// One resource instance's attributes, as the AWS provider names them.
struct Resource {
    kind: String,
    values: Value,
    origin: Origin,
}

/// Each read type's arguments under the CloudFormation property they are: one table for
/// mapping a resource and for deciding which of its arguments the replay needs.
const FILTER_NAMES: &[(&str, &str)] = &[
    ("name", "FilterName"),
    ("log_group_name", "LogGroupName"),
    ("pattern", "FilterPattern"),
    ("metric_transformation", "MetricTransformations"),
];
const ALARM_NAMES: &[(&str, &str)] = &[
    ("alarm_name", "AlarmName"),
    ("alarm_description", "AlarmDescription"),
    ("actions_enabled", "ActionsEnabled"),
    ("alarm_actions", "AlarmActions"),
    ("ok_actions", "OKActions"),
    ("insufficient_data_actions", "InsufficientDataActions"),
    ("namespace", "Namespace"),
    ("metric_name", "MetricName"),
    ("statistic", "Statistic"),
    ("extended_statistic", "ExtendedStatistic"),
    ("unit", "Unit"),
    ("period", "Period"),
    ("evaluation_periods", "EvaluationPeriods"),
    ("datapoints_to_alarm", "DatapointsToAlarm"),
    ("threshold", "Threshold"),
    ("comparison_operator", "ComparisonOperator"),
    ("treat_missing_data", "TreatMissingData"),
    ("evaluate_low_sample_count_percentiles", "EvaluateLowSampleCountPercentile"),
    ("dimensions", "Dimensions"),
    ("metric_query", "Metrics"),
    ("tags", "Tags"),
];
const RULE_NAMES: &[(&str, &str)] = &[
    ("name", "Name"),
    ("event_pattern", "EventPattern"),
    ("event_bus_name", "EventBusName"),
    ("schedule_expression", "ScheduleExpression"),
    // `is_enabled` first, so that `state` wins when both are given.
    ("is_enabled", "State"),
    ("state", "State"),
];
const TARGET_NAMES: &[(&str, &str)] = &[
    ("arn", "Arn"),
    ("input", "Input"),
    ("input_path", "InputPath"),
    ("target_id", "Id"),
    ("input_transformer", "InputTransformer"),
];

/// Whether the replay needs an attribute of a resource of this kind (as it needs the
/// CloudFormation property the attribute is): one that does not resolve is then an error;
/// any other is left out and noted.
fn needed(kind: &str, key: &str) -> bool {
    let (properties, names) = match kind {
        "aws_cloudwatch_log_metric_filter" => ("AWS::Logs::MetricFilter", FILTER_NAMES),
        "aws_cloudwatch_metric_alarm" => ("AWS::CloudWatch::Alarm", ALARM_NAMES),
        "aws_cloudwatch_event_rule" => ("AWS::Events::Rule", RULE_NAMES),
        // A target's rule and bus join it to its rule.
        "aws_cloudwatch_event_target" if matches!(key, "rule" | "event_bus_name") => return true,
        "aws_cloudwatch_event_target" => ("Target", TARGET_NAMES),
        // Every attribute of a block the replay needs (`metric_transformation`).
        "*" => return true,
        _ => return false,
    };
    let property = names.iter().find(|(argument, _)| *argument == key).map_or(key, |(_, property)| property);
    super::cloudformation::needed(properties, property)
}

/// The attributes AWS computes for a resource (ARNs, ids, generated names), added where
/// the configuration does not give them. An unnamed resource is named after its Terraform
/// name (Terraform would generate a random one).
fn computed(kind: &str, name: &str, attributes: &mut hcl::Map<String, hcl::Value>, deployment: &Deployment) {
    let (region, account) = (&deployment.region, &deployment.account_id);
    let text = |attributes: &hcl::Map<String, hcl::Value>, key: &str| match attributes.get(key) {
        Some(hcl::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let set = |attributes: &mut hcl::Map<String, hcl::Value>, key: &str, value: String| {
        attributes.entry(key.to_string()).or_insert(hcl::Value::String(value));
    };
    match kind {
        "aws_sns_topic" => {
            let topic = text(attributes, "name").unwrap_or_else(|| name.to_string());
            let arn = format!("arn:aws:sns:{region}:{account}:{topic}");
            set(attributes, "name", topic);
            set(attributes, "arn", arn.clone());
            set(attributes, "id", arn);
        }
        "aws_cloudwatch_log_group" => {
            let group = text(attributes, "name").unwrap_or_else(|| name.to_string());
            set(attributes, "arn", format!("arn:aws:logs:{region}:{account}:log-group:{group}"));
            set(attributes, "name", group.clone());
            set(attributes, "id", group);
        }
        "aws_cloudwatch_event_rule" => {
            let rule = text(attributes, "name").unwrap_or_else(|| name.to_string());
            let bus = text(attributes, "event_bus_name").unwrap_or_else(|| "default".into());
            let bus = bus.rsplit_once(":event-bus/").map_or(bus.as_str(), |(_, b)| b).to_string();
            set(attributes, "arn", crate::rule::Rule::arn_for(region, account, &bus, &rule));
            set(attributes, "id", if bus == "default" { rule.clone() } else { format!("{bus}/{rule}") });
            set(attributes, "name", rule);
        }
        "aws_cloudwatch_event_bus" => {
            let bus = text(attributes, "name").unwrap_or_else(|| name.to_string());
            set(attributes, "arn", format!("arn:aws:events:{region}:{account}:event-bus/{bus}"));
            set(attributes, "id", bus.clone());
            set(attributes, "name", bus);
        }
        "aws_cloudwatch_metric_alarm" => {
            if let Some(alarm) = text(attributes, "alarm_name") {
                set(attributes, "arn", format!("arn:aws:cloudwatch:{region}:{account}:alarm:{alarm}"));
                set(attributes, "id", alarm);
            }
        }
        "aws_cloudwatch_log_metric_filter" => {
            if let Some(filter) = text(attributes, "name") {
                set(attributes, "id", filter);
            }
        }
        "aws_sqs_queue" => {
            let queue = text(attributes, "name").unwrap_or_else(|| name.to_string());
            let url = format!("https://sqs.{region}.amazonaws.com/{account}/{queue}");
            set(attributes, "arn", format!("arn:aws:sqs:{region}:{account}:{queue}"));
            set(attributes, "url", url.clone());
            set(attributes, "id", url);
            set(attributes, "name", queue);
        }
        "aws_lambda_function" => {
            let function = text(attributes, "function_name").unwrap_or_else(|| name.to_string());
            set(attributes, "arn", format!("arn:aws:lambda:{region}:{account}:function:{function}"));
            set(attributes, "id", function);
        }
        _ => {}
    }
}

/// Whether text parses as HCL holding a `resource` block.
pub(super) fn looks_like_hcl(text: &str) -> bool {
    module::looks_like_hcl(text)
}

/// A folder of `.tf` files, with the variable files Terraform itself loads there.
pub(super) fn folder(reader: &mut Reader, path: &Path) -> Result<Configuration, String> {
    let entries = super::sorted_entries(path)?;
    let (tf, automatic) = module::folder_files(&entries);
    let mut files = Vec::new();
    for file in tf {
        files.push((file.to_path_buf(), reader.text(file)?));
    }
    let automatic: Vec<PathBuf> = automatic.into_iter().map(Path::to_path_buf).collect();
    files_with(reader, &files, &automatic)
}

/// `.tf` files given one by one (no variable files are loaded automatically).
pub(super) fn files(reader: &mut Reader, files: &[(PathBuf, String)]) -> Result<Configuration, String> {
    files_with(reader, files, &[])
}

fn files_with(
    reader: &mut Reader,
    files: &[(PathBuf, String)],
    automatic: &[PathBuf],
) -> Result<Configuration, String> {
    let files: Vec<module::File> =
        files.iter().map(|(path, text)| module::File { path: path.clone(), text: text.clone() }).collect();
    let mut variable_files = Vec::new();
    for path in automatic.iter().chain(&reader.options.variable_files) {
        variable_files.push(module::File { path: path.clone(), text: reader.text(path)? });
    }
    let options = reader.options;
    let (mut notes, mut refused) = (Vec::new(), Vec::new());
    let resources =
        module::resources(&files, &variable_files, &options.variables, &options.deployment, &mut notes, &mut refused)?;
    let mut configuration = configuration(resources, &options.deployment)?;
    configuration.notes.splice(0..0, notes);
    configuration.refused.splice(0..0, refused);
    Ok(configuration)
}

/// Whether a JSON document is `terraform show -json` output (a plan or a state).
pub(super) fn is_show_json(document: &Value) -> bool {
    document.get("format_version").is_some()
        && (document.get("values").is_some()
            || document.get("planned_values").is_some()
            || document.get("terraform_version").is_some())
}

/// The resources of `terraform show -json` output: a plan's planned values, else a state's
/// values, every module included.
pub(super) fn show_json(document: &Value, file: &Path, deployment: &Deployment) -> Result<Configuration, String> {
    let root = document
        .get("planned_values")
        .or_else(|| document.get("values"))
        .and_then(|v| v.get("root_module"))
        .ok_or("terraform show -json output without planned_values or values (an empty state?)")?;
    let mut resources = Vec::new();
    let mut modules = vec![(root, 0usize)];
    while let Some((module, depth)) = modules.pop() {
        if depth > MAX_MODULE_NESTING {
            return Err(format!("modules nest more than {MAX_MODULE_NESTING} deep"));
        }
        for resource in module.get("resources").and_then(Value::as_array).into_iter().flatten() {
            if resource.get("mode").and_then(Value::as_str) == Some("data") {
                continue;
            }
            let kind = resource.get("type").and_then(Value::as_str).unwrap_or_default();
            if !READ_TYPES.contains(&kind) {
                continue;
            }
            let address = resource.get("address").and_then(Value::as_str).unwrap_or(kind);
            let values = resource.get("values").cloned().unwrap_or(Value::Object(Map::new()));
            resources.push(Resource { kind: kind.to_string(), values, origin: Origin::new(file, address, None) });
        }
        let children = module.get("child_modules").and_then(Value::as_array).into_iter().flatten();
        modules.extend(children.rev().map(|child| (child, depth + 1)));
    }
    configuration(resources, deployment)
}

/// A present attribute: Terraform's state writes unset optional strings as `""`.
fn present<'a>(values: &'a Value, key: &str) -> Option<&'a Value> {
    match values.get(key)? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(items) if items.is_empty() => None,
        Value::Object(map) if map.is_empty() => None,
        value => Some(value),
    }
}

/// The one nested block of a kind (`metric_transformation { ... }`), shown by Terraform as a
/// list of one object.
fn block<'a>(values: &'a Value, key: &str) -> Option<&'a Value> {
    match values.get(key)? {
        Value::Array(items) => items.first(),
        Value::Object(_) => values.get(key),
        _ => None,
    }
}

/// Copies the present attributes `from` -> `to` (Terraform's name -> CloudFormation's).
fn copy(values: &Value, out: &mut Map<String, Value>, pairs: &[(&str, &str)]) {
    for (from, to) in pairs {
        if let Some(value) = present(values, from) {
            out.insert(to.to_string(), value.clone());
        }
    }
}

/// A map attribute (`dimensions = { ... }`) as CloudFormation's list of pairs.
fn pairs(values: &Value, key: &str, name: &str) -> Option<Value> {
    let map = present(values, key)?.as_object()?;
    let list: Vec<Value> = map
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => Value::String(s.clone()),
                other => Value::String(other.to_string()),
            };
            json!({ name: k, "Value": v })
        })
        .collect();
    Some(Value::Array(list))
}

fn filter_properties(values: &Value) -> Value {
    let mut out = Map::new();
    copy(values, &mut out, FILTER_NAMES);
    out.insert("FilterPattern".into(), values.get("pattern").cloned().unwrap_or(Value::Null));
    out.remove("MetricTransformations");
    if let Some(t) = block(values, "metric_transformation") {
        let mut transformation = Map::new();
        copy(
            t,
            &mut transformation,
            &[
                ("name", "MetricName"),
                ("namespace", "MetricNamespace"),
                ("value", "MetricValue"),
                ("default_value", "DefaultValue"),
            ],
        );
        if let Some(unit) = present(t, "unit").filter(|u| u.as_str() != Some("None")) {
            transformation.insert("Unit".into(), unit.clone());
        }
        if let Some(dimensions) = pairs(t, "dimensions", "Key") {
            transformation.insert("Dimensions".into(), dimensions);
        }
        out.insert("MetricTransformations".into(), json!([transformation]));
    }
    Value::Object(out)
}

fn alarm_properties(values: &Value) -> Value {
    let mut out = Map::new();
    copy(values, &mut out, ALARM_NAMES);
    // The state writes an unset DatapointsToAlarm as 0 (AWS's smallest is 1).
    if out.get("DatapointsToAlarm").and_then(super::number) == Some(0.0) {
        out.remove("DatapointsToAlarm");
    }
    out.remove("Dimensions");
    if let Some(dimensions) = pairs(values, "dimensions", "Name") {
        out.insert("Dimensions".into(), dimensions);
    }
    Value::Object(out)
}

fn rule_properties(values: &Value, targets: Vec<Value>) -> Value {
    let mut out = Map::new();
    copy(values, &mut out, RULE_NAMES);
    // `is_enabled` (before the provider had `state`): false is DISABLED, true the default.
    if values.get("state").and_then(Value::as_str).is_none_or(str::is_empty) {
        match values.get("is_enabled").and_then(Value::as_bool) {
            Some(false) => out.insert("State".into(), json!("DISABLED")),
            _ => out.remove("State"),
        };
    }
    out.insert("Targets".into(), Value::Array(targets));
    Value::Object(out)
}

fn target_properties(values: &Value, fallback_id: &str) -> Value {
    let mut out = Map::new();
    copy(values, &mut out, TARGET_NAMES);
    out.entry("Id").or_insert_with(|| json!(fallback_id));
    out.remove("InputTransformer");
    if let Some(t) = block(values, "input_transformer") {
        let mut transformer = Map::new();
        copy(t, &mut transformer, &[("input_paths", "InputPathsMap"), ("input_template", "InputTemplate")]);
        out.insert("InputTransformer".into(), Value::Object(transformer));
    }
    Value::Object(out)
}

/// The name a rule or target attribute gives its bus: a name or an ARN, default `default`.
fn bus(values: &Value) -> String {
    let bus = present(values, "event_bus_name").and_then(Value::as_str).unwrap_or("default");
    bus.rsplit_once(":event-bus/").map_or(bus, |(_, name)| name).to_string()
}

/// Maps resources onto definitions: filters, alarms, and rules with the targets that name
/// them (by rule name and bus).
fn configuration(resources: Vec<Resource>, deployment: &Deployment) -> Result<Configuration, String> {
    let mut configuration = Configuration::default();
    let targets: Vec<&Resource> = resources.iter().filter(|r| r.kind == "aws_cloudwatch_event_target").collect();
    let mut used = vec![false; targets.len()];
    for resource in &resources {
        // A resource that cannot be read is refused on its own; the others are still read.
        if let Err(e) = definition(resource, &targets, &mut used, deployment, &mut configuration) {
            configuration.refused.push(e);
        }
    }
    for (target, used) in targets.iter().zip(used) {
        if !used {
            let rule = present(&target.values, "rule").map_or_else(|| "(none)".to_string(), Value::to_string);
            configuration
                .notes
                .push(format!("{}: target of rule {rule}, which is not in the configuration read", target.origin));
        }
    }
    Ok(configuration)
}

/// One resource's definition into `configuration`; a rule takes the targets that name it.
fn definition(
    resource: &Resource,
    targets: &[&Resource],
    used: &mut [bool],
    deployment: &Deployment,
    configuration: &mut Configuration,
) -> Result<(), String> {
    let shown = resource.origin.to_string();
    let logical = resource.origin.resource.rsplit('.').next().unwrap_or(&resource.origin.resource);
    match resource.kind.as_str() {
        "aws_cloudwatch_log_metric_filter" => {
            let map = filter_properties(&resource.values);
            let filter = metric_filter(&Properties { logical, shown: &shown, map: &map })?;
            configuration.push_filter(filter, resource.origin.clone());
        }
        "aws_cloudwatch_metric_alarm" => {
            let map = alarm_properties(&resource.values);
            if map.get("Metrics").is_some() {
                configuration.notes.push(format!("{shown}: metric-math alarms (metric_query) are not evaluated"));
                return Ok(());
            }
            let alarm = alarm(&Properties { logical, shown: &shown, map: &map })?;
            configuration.push_alarm(alarm, resource.origin.clone());
        }
        "aws_cloudwatch_event_rule" => {
            let name = present(&resource.values, "name").and_then(Value::as_str).unwrap_or(logical);
            let rule_bus = bus(&resource.values);
            let mut mine = Vec::new();
            for (i, target) in targets.iter().enumerate() {
                let names = present(&target.values, "rule").and_then(Value::as_str) == Some(name);
                if names && bus(&target.values) == rule_bus {
                    used[i] = true;
                    let id = target.origin.resource.rsplit('.').next().unwrap_or_default();
                    mine.push(target_properties(&target.values, id));
                }
            }
            let map = rule_properties(&resource.values, mine);
            match super::rules::cloudformation_rule(logical, &map, deployment).map_err(|e| format!("{shown}: {e}"))? {
                Some(rule) => configuration.push_rule(rule, resource.origin.clone()),
                None => configuration.notes.push(format!("{shown}: a scheduled rule (no event_pattern), not replayed")),
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
