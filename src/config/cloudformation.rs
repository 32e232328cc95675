//! CloudFormation templates: intrinsic functions resolved, filters and alarms extracted.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::{number, Configuration, Deployment};
use crate::alarm::{AlarmDefinition, Statistic};
use crate::metric::{MetricFilter, MetricTransformation, MetricValue, ValueRef};

/// Template text (JSON, or YAML with short-form tags) as JSON with long-form intrinsics.
pub(super) fn to_json(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => Ok(value),
        Err(json_error) => {
            let yaml: serde_yaml::Value = serde_yaml::from_str(text)
                .map_err(|yaml_error| format!("neither JSON ({json_error}) nor YAML ({yaml_error})"))?;
            yaml_to_json(yaml)
        }
    }
}

fn yaml_to_json(value: serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::from_str(&n.to_string()).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect::<Result<_, _>>()?),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let key = match key {
                    Y::String(s) => s,
                    other => serde_yaml::to_string(&other).map_err(|e| e.to_string())?.trim().to_string(),
                };
                out.insert(key, yaml_to_json(value)?);
            }
            Value::Object(out)
        }
        // `!Ref X` -> {"Ref": X}; `!GetAtt A.B` -> {"Fn::GetAtt": [A, B]}; `!Sub` -> {"Fn::Sub"}.
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = yaml_to_json(tagged.value)?;
            match (name, inner) {
                ("Ref", inner) => json!({ "Ref": inner }),
                ("GetAtt", Value::String(dotted)) => {
                    let (resource, attribute) = dotted.split_once('.').unwrap_or((&dotted, ""));
                    json!({ "Fn::GetAtt": [resource, attribute] })
                }
                (name, inner) => json!({ format!("Fn::{name}"): inner }),
            }
        }
    })
}

/// How deeply intrinsic functions may nest inside each other (a plain property may nest as
/// deeply as the JSON or YAML parser allows: 128 levels).
const MAX_INTRINSIC_DEPTH: usize = 32;

/// The most text one resolved string may hold: CloudFormation's own largest template is
/// 1 MB, so no real property's value is longer.
const MAX_RESOLVED_STRING: usize = 1 << 20;

/// The total work of resolving a template: one unit per value visited plus one per byte of
/// text produced. Resolved references are remembered, so a real template needs about as
/// many units as it has bytes; a template whose `Fn::Sub`s double through a chain of log
/// groups (exponential output from linear input) is refused instead of taking minutes.
const MAX_RESOLUTION_WORK: u64 = 16 << 20;

struct Resolver<'a> {
    resources: &'a Map<String, Value>,
    parameters: BTreeMap<String, Value>,
    deployment: &'a Deployment,
    /// Work spent so far (see [`MAX_RESOLUTION_WORK`]).
    work: Cell<u64>,
    /// The resources whose `Ref` is being resolved, outermost first: a name met again is a cycle.
    resolving: RefCell<Vec<String>>,
    /// Each resource's `Ref` value, once resolved.
    references: RefCell<HashMap<String, Value>>,
}

impl Resolver<'_> {
    /// Charges `units` of work, failing once the template's budget is spent.
    fn charge(&self, units: usize) -> Result<(), String> {
        let spent = self.work.get().saturating_add(units as u64);
        self.work.set(spent);
        if spent > MAX_RESOLUTION_WORK {
            return Err(format!(
                "resolving the template's intrinsic functions takes more than {MAX_RESOLUTION_WORK} units of work (values visited plus bytes produced); is a Fn::Sub or Fn::Join doubling through references?"
            ));
        }
        Ok(())
    }

    /// A resolved string, within [`MAX_RESOLVED_STRING`].
    fn text(&self, function: &str, text: String) -> Result<Value, String> {
        if text.len() > MAX_RESOLVED_STRING {
            return Err(format!("{function} produces a string of more than {MAX_RESOLVED_STRING} bytes"));
        }
        self.charge(text.len())?;
        Ok(Value::String(text))
    }

    /// Resolves every intrinsic function inside `value`; `depth` counts intrinsic functions
    /// being evaluated around it.
    fn resolve(&self, value: &Value, depth: usize) -> Result<Value, String> {
        self.charge(1)?;
        match value {
            Value::Array(items) => {
                Ok(Value::Array(items.iter().map(|v| self.resolve(v, depth)).collect::<Result<_, _>>()?))
            }
            Value::Object(map) if map.len() == 1 => {
                let (key, argument) = map.iter().next().ok_or("empty object")?;
                let intrinsic = key == "Ref" || key.starts_with("Fn::");
                if intrinsic && depth >= MAX_INTRINSIC_DEPTH {
                    return Err(format!("intrinsic functions nested more than {MAX_INTRINSIC_DEPTH} deep"));
                }
                let depth = depth + 1;
                match key.as_str() {
                    "Ref" => self.reference(argument.as_str().ok_or("Ref takes a name")?, depth),
                    "Fn::GetAtt" => {
                        let parts: Vec<String> = match argument {
                            Value::String(s) => s.splitn(2, '.').map(str::to_string).collect(),
                            Value::Array(items) => {
                                items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect()
                            }
                            _ => Vec::new(),
                        };
                        match parts.as_slice() {
                            [resource, attribute] => self.attribute(resource, attribute, depth),
                            _ => Err(format!("Fn::GetAtt takes [resource, attribute], not {argument}")),
                        }
                    }
                    "Fn::Join" => {
                        let resolved = self.resolve(argument, depth)?;
                        let (separator, items) = match resolved.as_array().map(Vec::as_slice) {
                            Some([Value::String(sep), Value::Array(items)]) => (sep.clone(), items.clone()),
                            _ => return Err(format!("Fn::Join takes [separator, [values]], not {argument}")),
                        };
                        let parts: Vec<String> = items.iter().map(scalar_text).collect::<Result<_, _>>()?;
                        let length = parts.iter().map(String::len).sum::<usize>()
                            + separator.len() * parts.len().saturating_sub(1);
                        if length > MAX_RESOLVED_STRING {
                            return Err(format!("Fn::Join produces a string of more than {MAX_RESOLVED_STRING} bytes"));
                        }
                        self.text("Fn::Join", parts.join(&separator))
                    }
                    "Fn::Sub" => self.substitute(argument, depth),
                    other if intrinsic => Err(format!("{other} is not supported in the values trailwatch reads")),
                    _ => Ok(Value::Object(self.resolve_map(map, depth)?)),
                }
            }
            Value::Object(map) => Ok(Value::Object(self.resolve_map(map, depth)?)),
            other => Ok(other.clone()),
        }
    }

    fn resolve_map(&self, map: &Map<String, Value>, depth: usize) -> Result<Map<String, Value>, String> {
        map.iter().map(|(k, v)| Ok((k.clone(), self.resolve(v, depth)?))).collect()
    }

    fn reference(&self, name: &str, depth: usize) -> Result<Value, String> {
        let d = self.deployment;
        let pseudo = match name {
            "AWS::Region" => Some(d.region.clone()),
            "AWS::AccountId" => Some(d.account_id.clone()),
            "AWS::Partition" => Some("aws".to_string()),
            "AWS::StackName" => Some(d.stack_name.clone()),
            "AWS::URLSuffix" => Some("amazonaws.com".to_string()),
            _ => None,
        };
        if let Some(value) = pseudo {
            return Ok(Value::String(value));
        }
        if let Some(default) = self.parameters.get(name) {
            return Ok(default.clone());
        }
        if let Some(known) = self.references.borrow().get(name) {
            self.charge(known.as_str().map_or(1, str::len))?;
            return Ok(known.clone());
        }
        let resource = self
            .resources
            .get(name)
            .ok_or_else(|| format!("Ref to {name}, which is neither a resource nor a parameter with a Default"))?;
        if let Some(at) = self.resolving.borrow().iter().position(|r| r == name) {
            let mut cycle = self.resolving.borrow()[at..].to_vec();
            cycle.push(name.to_string());
            return Err(format!("circular reference: {}", cycle.join(" -> ")));
        }
        self.resolving.borrow_mut().push(name.to_string());
        let value = self.resource_name(name, resource, depth);
        self.resolving.borrow_mut().pop();
        let value = value?;
        self.references.borrow_mut().insert(name.to_string(), value.clone());
        Ok(value)
    }

    /// What `Ref` to a resource returns: its name property (itself resolved: a log group's
    /// name may be a `!Sub`), or for types trailwatch does not model, the logical name.
    fn resource_name(&self, name: &str, resource: &Value, depth: usize) -> Result<Value, String> {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        let property = |key: &str| -> Result<Option<String>, String> {
            let Some(raw) = resource.get("Properties").and_then(|p| p.get(key)) else { return Ok(None) };
            Ok(self.resolve(raw, depth)?.as_str().map(str::to_string))
        };
        Ok(Value::String(match kind {
            "AWS::Logs::LogGroup" => property("LogGroupName")?.unwrap_or_else(|| name.to_string()),
            "AWS::SNS::Topic" => self.topic_arn(name, property("TopicName")?),
            "AWS::Logs::MetricFilter" => property("FilterName")?.unwrap_or_else(|| name.to_string()),
            "AWS::CloudWatch::Alarm" => property("AlarmName")?.unwrap_or_else(|| name.to_string()),
            "AWS::Events::Rule" | "AWS::Events::EventBus" => property("Name")?.unwrap_or_else(|| name.to_string()),
            "AWS::SQS::Queue" => {
                let d = self.deployment;
                let queue = property("QueueName")?.unwrap_or_else(|| name.to_string());
                format!("https://sqs.{}.amazonaws.com/{}/{queue}", d.region, d.account_id)
            }
            _ => name.to_string(),
        }))
    }

    fn topic_arn(&self, logical: &str, topic_name: Option<String>) -> String {
        let d = self.deployment;
        format!("arn:aws:sns:{}:{}:{}", d.region, d.account_id, topic_name.unwrap_or_else(|| logical.to_string()))
    }

    fn attribute(&self, resource: &str, attribute: &str, depth: usize) -> Result<Value, String> {
        let definition =
            self.resources.get(resource).ok_or_else(|| format!("Fn::GetAtt on {resource}, which is not a resource"))?;
        let kind = definition.get("Type").and_then(Value::as_str).unwrap_or("");
        let name = self.reference(resource, depth)?;
        let name = name.as_str().unwrap_or(resource);
        let d = self.deployment;
        let property = |key: &str| -> Option<String> {
            let raw = definition.get("Properties")?.get(key)?;
            self.resolve(raw, depth).ok()?.as_str().map(str::to_string)
        };
        self.text(
            "Fn::GetAtt",
            match (kind, attribute) {
                ("AWS::Logs::LogGroup", "Arn") => {
                    format!("arn:aws:logs:{}:{}:log-group:{name}:*", d.region, d.account_id)
                }
                ("AWS::SNS::Topic", "TopicArn") => name.to_string(),
                ("AWS::SNS::Topic", "TopicName") => name.rsplit(':').next().unwrap_or(name).to_string(),
                ("AWS::CloudWatch::Alarm", "Arn") => {
                    format!("arn:aws:cloudwatch:{}:{}:alarm:{name}", d.region, d.account_id)
                }
                ("AWS::Events::Rule", "Arn") => {
                    let bus = property("EventBusName");
                    let bus = bus.as_deref().map_or("default", |b| b.rsplit('/').next().unwrap_or(b));
                    crate::rule::Rule::arn_for(&d.region, &d.account_id, bus, name)
                }
                ("AWS::Events::EventBus", "Arn") => {
                    format!("arn:aws:events:{}:{}:event-bus/{name}", d.region, d.account_id)
                }
                ("AWS::Events::EventBus", "Name") => name.to_string(),
                ("AWS::SQS::Queue", "Arn") => {
                    format!("arn:aws:sqs:{}:{}:{}", d.region, d.account_id, name.rsplit('/').next().unwrap_or(name))
                }
                ("AWS::SQS::Queue", "QueueName") => name.rsplit('/').next().unwrap_or(name).to_string(),
                ("AWS::Lambda::Function", "Arn") => {
                    let function = property("FunctionName").unwrap_or_else(|| name.to_string());
                    format!("arn:aws:lambda:{}:{}:function:{function}", d.region, d.account_id)
                }
                _ => format!("{resource}.{attribute}"),
            },
        )
    }

    /// `Fn::Sub`: `${Name}` and `${Resource.Attribute}` replaced, `${!Literal}` written as
    /// `${Literal}` (CloudFormation's escape).
    fn substitute(&self, argument: &Value, depth: usize) -> Result<Value, String> {
        let (template, variables) = match argument {
            Value::String(s) => (s.clone(), Map::new()),
            Value::Array(items) => match items.as_slice() {
                [Value::String(s), Value::Object(vars)] => (s.clone(), self.resolve_map(vars, depth)?),
                _ => return Err(format!("Fn::Sub takes a string or [string, {{variables}}], not {argument}")),
            },
            _ => return Err(format!("Fn::Sub takes a string, not {argument}")),
        };
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(open) = rest.find("${") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let close = after.find('}').ok_or_else(|| format!("unclosed ${{ in Fn::Sub {template:?}"))?;
            let name = &after[..close];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = match variables.get(name) {
                    Some(v) => v.clone(),
                    None => match name.split_once('.') {
                        Some((resource, attribute)) if !name.starts_with("AWS::") => {
                            self.attribute(resource, attribute, depth)?
                        }
                        _ => self.reference(name, depth)?,
                    },
                };
                let text = scalar_text(&value)?;
                if out.len() + text.len() > MAX_RESOLVED_STRING {
                    return Err(format!("Fn::Sub produces a string of more than {MAX_RESOLVED_STRING} bytes"));
                }
                out.push_str(&text);
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        self.text("Fn::Sub", out)
    }
}

fn scalar_text(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("{other} is not a scalar")),
    }
}

pub(super) fn configuration(template: &Value, deployment: &Deployment) -> Result<Configuration, String> {
    let resources = template.get("Resources").and_then(Value::as_object).ok_or("Resources is not an object")?;
    let parameters = template
        .get("Parameters")
        .and_then(Value::as_object)
        .map(|p| p.iter().filter_map(|(name, spec)| spec.get("Default").map(|d| (name.clone(), d.clone()))).collect())
        .unwrap_or_default();
    let resolver = Resolver {
        resources,
        parameters,
        deployment,
        work: Cell::new(0),
        resolving: RefCell::new(Vec::new()),
        references: RefCell::new(HashMap::new()),
    };
    let mut configuration = Configuration::default();
    for (logical, resource) in resources {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        if !matches!(kind, "AWS::Logs::MetricFilter" | "AWS::CloudWatch::Alarm" | "AWS::Events::Rule") {
            continue;
        }
        let properties = resource.get("Properties").cloned().unwrap_or(Value::Object(Map::new()));
        let properties = resolver.resolve(&properties, 0).map_err(|e| format!("{logical}: {e}"))?;
        if kind == "AWS::Events::Rule" {
            match super::rules::cloudformation_rule(logical, &properties, deployment)? {
                Some(rule) => configuration.rules.push(rule),
                None => {
                    configuration.notes.push(format!("{logical}: a scheduled rule (no EventPattern), not replayed"))
                }
            }
            continue;
        }
        let properties = Properties { logical, map: &properties };
        if kind == "AWS::Logs::MetricFilter" {
            configuration.filters.push(metric_filter(&properties)?);
        } else if properties.map.get("Metrics").is_some() {
            configuration.notes.push(format!("{logical}: metric-math alarms (Metrics) are not evaluated"));
        } else {
            configuration.alarms.push(alarm(&properties)?);
        }
    }
    Ok(configuration)
}

/// One resource's resolved properties, with errors that name the resource.
struct Properties<'a> {
    logical: &'a str,
    map: &'a Value,
}

impl Properties<'_> {
    fn text(&self, key: &str) -> Option<String> {
        self.map.get(key).and_then(|v| scalar_text(v).ok())
    }

    fn required(&self, key: &str) -> Result<String, String> {
        self.text(key).ok_or_else(|| format!("{}: {key} is required", self.logical))
    }

    fn number(&self, key: &str) -> Result<Option<f64>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => number(v).map(Some).ok_or_else(|| format!("{}: {key} must be a number, not {v}", self.logical)),
        }
    }

    /// A Boolean given as `true`/`false` or as the strings `"true"`/`"false"` (CloudFormation
    /// accepts both, in any letter case).
    fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(format!("{}: {key} must be true or false, not {v}", self.logical)),
        }
    }

    fn list(&self, key: &str) -> Vec<String> {
        self.map
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| scalar_text(v).ok()).collect())
            .unwrap_or_default()
    }
}

fn metric_filter(p: &Properties) -> Result<MetricFilter, String> {
    let transformations =
        p.map.get("MetricTransformations").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let [t] = transformations else {
        return Err(format!("{}: MetricTransformations must hold exactly one transformation", p.logical));
    };
    let t = Properties { logical: p.logical, map: t };
    let dimensions = t
        .map
        .get("Dimensions")
        .and_then(Value::as_array)
        .map(|dims| {
            dims.iter()
                .map(|d| {
                    let key = d
                        .get("Key")
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("{}: a dimension has no Key", p.logical))?;
                    let value = d
                        .get("Value")
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("{}: dimension {key} has no Value", p.logical))?;
                    Ok((key.to_string(), ValueRef::parse(value).map_err(|e| format!("{}: {e}", p.logical))?))
                })
                .collect::<Result<Vec<_>, String>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(MetricFilter {
        name: p.text("FilterName").unwrap_or_else(|| p.logical.to_string()),
        log_group: p.text("LogGroupName").unwrap_or_default(),
        pattern: p.text("FilterPattern").unwrap_or_default(),
        transformation: MetricTransformation {
            metric_name: t.required("MetricName")?,
            namespace: t.required("MetricNamespace")?,
            value: MetricValue::parse(&t.required("MetricValue")?).map_err(|e| format!("{}: {e}", p.logical))?,
            default_value: t.number("DefaultValue")?,
            dimensions,
            unit: t.text("Unit"),
        },
    })
}

fn alarm(p: &Properties) -> Result<AlarmDefinition, String> {
    let statistic: Statistic = match (p.text("Statistic"), p.text("ExtendedStatistic")) {
        (Some(s), None) | (None, Some(s)) => s.parse().map_err(|e| format!("{}: {e}", p.logical))?,
        (Some(_), Some(_)) => return Err(format!("{}: Statistic and ExtendedStatistic are exclusive", p.logical)),
        (None, None) => return Err(format!("{}: Statistic or ExtendedStatistic is required", p.logical)),
    };
    let whole = |key: &str| -> Result<Option<u32>, String> {
        p.number(key)?
            .map(|n| {
                if n >= 0.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX) {
                    Ok(n as u32)
                } else {
                    Err(format!("{}: {key} must be a whole number from 0 to {}, not {n}", p.logical, u32::MAX))
                }
            })
            .transpose()
    };
    let mut dimensions: Vec<(String, String)> = p
        .map
        .get("Dimensions")
        .and_then(Value::as_array)
        .map(|dims| {
            dims.iter()
                .filter_map(|d| Some((scalar_text(d.get("Name")?).ok()?, scalar_text(d.get("Value")?).ok()?)))
                .collect()
        })
        .unwrap_or_default();
    dimensions.sort();
    let definition = AlarmDefinition {
        name: p.text("AlarmName").unwrap_or_else(|| p.logical.to_string()),
        description: p.text("AlarmDescription"),
        actions_enabled: p.boolean("ActionsEnabled")?.unwrap_or(true),
        alarm_actions: p.list("AlarmActions"),
        ok_actions: p.list("OKActions"),
        insufficient_data_actions: p.list("InsufficientDataActions"),
        namespace: p.required("Namespace")?,
        metric_name: p.required("MetricName")?,
        dimensions,
        unit: p.text("Unit"),
        statistic,
        period: whole("Period")?.unwrap_or(60),
        evaluation_periods: whole("EvaluationPeriods")?
            .ok_or_else(|| format!("{}: EvaluationPeriods is required", p.logical))?,
        datapoints_to_alarm: whole("DatapointsToAlarm")?,
        threshold: p.number("Threshold")?.ok_or_else(|| format!("{}: Threshold is required", p.logical))?,
        comparison: p.required("ComparisonOperator")?.parse().map_err(|e| format!("{}: {e}", p.logical))?,
        treat_missing_data: p
            .text("TreatMissingData")
            .map(|t| t.parse())
            .transpose()
            .map_err(|e| format!("{}: {e}", p.logical))?,
        evaluate_low_sample_count_percentile: p.text("EvaluateLowSampleCountPercentile"),
    };
    definition.validate()?;
    Ok(definition)
}
