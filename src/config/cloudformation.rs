//! CloudFormation templates: intrinsic functions resolved, filters and alarms extracted.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::origin::{key_line, Origin};
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

/// The total work of resolving the templates of one load: one unit per value visited plus
/// one per byte of text produced. Resolved references are remembered, so a real template
/// needs about as many units as it has bytes; a template whose `Fn::Sub`s double through a
/// chain of log groups (exponential output from linear input) is refused instead of taking
/// minutes.
const MAX_RESOLUTION_WORK: u64 = 16 << 20;

/// The most stacks one load reads, nested stacks included (CDK apps have tens).
const MAX_STACKS: usize = 2_000;

/// How deeply nested stacks may nest (`AWS::CloudFormation::Stack` inside a nested stack).
const MAX_STACK_NESTING: u32 = 16;

/// Resolution work shared by every stack of one load (see [`MAX_RESOLUTION_WORK`]).
#[derive(Default)]
pub(super) struct Budget {
    work: Cell<u64>,
}

/// One CloudFormation template to read, with where it came from and what it is deployed as.
pub(super) struct Stack {
    pub file: PathBuf,
    /// The template's text, for the lines of its resources.
    text: String,
    template: Value,
    deployment: Deployment,
    /// How the stack is shown and selected: CDK's display path (`Prod/Alerts`), or the
    /// template file's name.
    pub display_name: String,
    /// Other names `--stack` matches: the artifact id and the stack name.
    pub aliases: Vec<String>,
    /// Whether its definitions are read; an unselected stack only lends its exports.
    pub selected: bool,
    /// Parameter values given by a parent stack (nested stacks), over the defaults.
    parameters: BTreeMap<String, Value>,
    /// How many stacks this one is nested in.
    nesting: u32,
}

impl Stack {
    pub fn new(file: PathBuf, text: String, template: Value, deployment: &Deployment) -> Self {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("template");
        let display_name = [".template.json", ".json", ".yaml", ".yml", ".template"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name)
            .to_string();
        Stack {
            file,
            text,
            template,
            deployment: deployment.clone(),
            display_name,
            aliases: Vec::new(),
            selected: true,
            parameters: BTreeMap::new(),
            nesting: 0,
        }
    }

    /// Whether `--stack wanted` names this stack (`*` matches any text).
    pub fn matches(&self, wanted: &str) -> bool {
        std::iter::once(&self.display_name).chain(&self.aliases).any(|name| glob_match(wanted, name))
    }

    fn resources(&self) -> Option<&Map<String, Value>> {
        self.template.get("Resources").and_then(Value::as_object)
    }

    fn section(&self, name: &str) -> Option<&Map<String, Value>> {
        self.template.get(name).and_then(Value::as_object)
    }

    /// Where a resource was defined: CDK's construct path when the template carries it.
    fn origin(&self, logical: &str, resource: &Value) -> Origin {
        let path = resource.get("Metadata").and_then(|m| m.get("aws:cdk:path")).and_then(Value::as_str);
        let shown = match path {
            Some(path) => path.to_string(),
            None if self.file.as_os_str().is_empty() => logical.to_string(),
            None => format!("{}/{logical}", self.display_name),
        };
        Origin::new(self.file.clone(), shown, key_line(&self.text, logical))
    }
}

/// `*` matches any run of characters, everything else itself.
fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else { return pattern == text };
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Why a value could not be resolved. A fatal failure (a cycle, a limit) is an error
/// wherever it happens; any other failure in a property the replay does not need only
/// leaves that property unresolved.
struct Failure {
    message: String,
    fatal: bool,
}

impl Failure {
    fn fatal(message: String) -> Self {
        Failure { message, fatal: true }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure { message, fatal: false }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure { message: message.to_string(), fatal: false }
    }
}

type Resolved<T> = Result<T, Failure>;

/// Every export of the stacks read together, by name.
#[derive(Default)]
struct Exports {
    values: HashMap<String, Value>,
    /// Exports whose value could not be resolved, with why.
    failed: HashMap<String, String>,
}

struct Resolver<'a> {
    stack: &'a Stack,
    resources: &'a Map<String, Value>,
    /// Parameter values: the parent's, else each parameter's default.
    parameters: BTreeMap<String, Value>,
    deployment: &'a Deployment,
    exports: &'a Exports,
    budget: &'a Budget,
    /// The resources whose `Ref` is being resolved, outermost first: a name met again is a cycle.
    resolving: RefCell<Vec<String>>,
    /// Each resource's `Ref` value, once resolved.
    references: RefCell<HashMap<String, Value>>,
}

impl<'a> Resolver<'a> {
    fn new(stack: &'a Stack, resources: &'a Map<String, Value>, exports: &'a Exports, budget: &'a Budget) -> Self {
        let mut parameters: BTreeMap<String, Value> = stack
            .section("Parameters")
            .map(|p| {
                p.iter().filter_map(|(name, spec)| spec.get("Default").map(|d| (name.clone(), d.clone()))).collect()
            })
            .unwrap_or_default();
        parameters.extend(stack.parameters.iter().map(|(k, v)| (k.clone(), v.clone())));
        Resolver {
            stack,
            resources,
            parameters,
            deployment: &stack.deployment,
            exports,
            budget,
            resolving: RefCell::new(Vec::new()),
            references: RefCell::new(HashMap::new()),
        }
    }

    /// Charges `units` of work, failing once the load's budget is spent.
    fn charge(&self, units: usize) -> Resolved<()> {
        let spent = self.budget.work.get().saturating_add(units as u64);
        self.budget.work.set(spent);
        if spent > MAX_RESOLUTION_WORK {
            return Err(Failure::fatal(format!(
                "resolving the template's intrinsic functions takes more than {MAX_RESOLUTION_WORK} units of work (values visited plus bytes produced); is a Fn::Sub or Fn::Join doubling through references?"
            )));
        }
        Ok(())
    }

    /// A resolved string, within [`MAX_RESOLVED_STRING`].
    fn text(&self, function: &str, text: String) -> Resolved<Value> {
        if text.len() > MAX_RESOLVED_STRING {
            return Err(Failure::fatal(format!(
                "{function} produces a string of more than {MAX_RESOLVED_STRING} bytes"
            )));
        }
        self.charge(text.len())?;
        Ok(Value::String(text))
    }

    /// Resolves every intrinsic function inside `value`; `depth` counts intrinsic functions
    /// being evaluated around it.
    fn resolve(&self, value: &Value, depth: usize) -> Resolved<Value> {
        self.charge(1)?;
        match value {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    // `Fn::If` choosing `AWS::NoValue` removes the item.
                    match self.resolve(item, depth)? {
                        Value::Null if !item.is_null() => {}
                        resolved => out.push(resolved),
                    }
                }
                Ok(Value::Array(out))
            }
            Value::Object(map) if map.len() == 1 => {
                let (key, argument) = map.iter().next().ok_or("empty object")?;
                let intrinsic = key == "Ref" || key.starts_with("Fn::");
                if intrinsic && depth >= MAX_INTRINSIC_DEPTH {
                    return Err(Failure::fatal(format!(
                        "intrinsic functions nested more than {MAX_INTRINSIC_DEPTH} deep"
                    )));
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
                            _ => Err(format!("Fn::GetAtt takes [resource, attribute], not {argument}").into()),
                        }
                    }
                    "Fn::Join" => {
                        let resolved = self.resolve(argument, depth)?;
                        let (separator, items) = match resolved.as_array().map(Vec::as_slice) {
                            Some([Value::String(sep), Value::Array(items)]) => (sep.clone(), items.clone()),
                            _ => return Err(format!("Fn::Join takes [separator, [values]], not {argument}").into()),
                        };
                        let parts: Vec<String> = items.iter().map(scalar_text).collect::<Result<_, _>>()?;
                        let length = parts.iter().map(String::len).sum::<usize>()
                            + separator.len() * parts.len().saturating_sub(1);
                        if length > MAX_RESOLVED_STRING {
                            return Err(Failure::fatal(format!(
                                "Fn::Join produces a string of more than {MAX_RESOLVED_STRING} bytes"
                            )));
                        }
                        self.text("Fn::Join", parts.join(&separator))
                    }
                    "Fn::Sub" => self.substitute(argument, depth),
                    "Fn::ImportValue" => {
                        let name = self.resolve(argument, depth)?;
                        let name =
                            name.as_str().ok_or_else(|| format!("Fn::ImportValue takes a name, not {argument}"))?;
                        self.import(name)
                    }
                    "Fn::Select" => {
                        let resolved = self.resolve(argument, depth)?;
                        let (index, items) = match resolved.as_array().map(Vec::as_slice) {
                            Some([index, Value::Array(items)]) => (number(index), items),
                            _ => return Err(format!("Fn::Select takes [index, [values]], not {argument}").into()),
                        };
                        let index = index.filter(|i| i.fract() == 0.0 && *i >= 0.0).map(|i| i as usize);
                        index.and_then(|i| items.get(i)).cloned().ok_or_else(|| {
                            format!("Fn::Select: index out of range for a list of {} in {argument}", items.len()).into()
                        })
                    }
                    "Fn::Split" => {
                        let resolved = self.resolve(argument, depth)?;
                        match resolved.as_array().map(Vec::as_slice) {
                            Some([Value::String(separator), Value::String(text)]) if !separator.is_empty() => {
                                self.charge(text.len())?;
                                Ok(Value::Array(
                                    text.split(separator.as_str()).map(|s| Value::String(s.into())).collect(),
                                ))
                            }
                            _ => Err(format!("Fn::Split takes [separator, string], not {argument}").into()),
                        }
                    }
                    "Fn::FindInMap" => {
                        let resolved = self.resolve(argument, depth)?;
                        let keys: Vec<String> = resolved
                            .as_array()
                            .map(|items| items.iter().filter_map(|k| scalar_text(k).ok()).collect())
                            .unwrap_or_default();
                        let [map, top, second] = keys.as_slice() else {
                            return Err(format!("Fn::FindInMap takes [map, key, key], not {argument}").into());
                        };
                        let found = self.stack.section("Mappings").and_then(|m| m.get(map)?.get(top)?.get(second));
                        found
                            .cloned()
                            .ok_or_else(|| format!("Fn::FindInMap: no {map}.{top}.{second} in Mappings").into())
                    }
                    "Fn::If" => match argument.as_array().map(Vec::as_slice) {
                        Some([Value::String(condition), then, otherwise]) => {
                            let chosen = if self.condition(condition, depth)? { then } else { otherwise };
                            self.resolve(chosen, depth)
                        }
                        _ => Err(format!("Fn::If takes [condition, value, value], not {argument}").into()),
                    },
                    other if intrinsic => {
                        Err(format!("{other} is not supported in the values trailwatch reads").into())
                    }
                    _ => Ok(Value::Object(self.resolve_map(map, depth)?)),
                }
            }
            Value::Object(map) => Ok(Value::Object(self.resolve_map(map, depth)?)),
            other => Ok(other.clone()),
        }
    }

    fn resolve_map(&self, map: &Map<String, Value>, depth: usize) -> Resolved<Map<String, Value>> {
        let mut out = Map::new();
        for (key, value) in map {
            match self.resolve(value, depth)? {
                // `AWS::NoValue` (directly or chosen by `Fn::If`) removes the property.
                Value::Null if !value.is_null() => {}
                resolved => {
                    out.insert(key.clone(), resolved);
                }
            }
        }
        Ok(out)
    }

    /// A named condition of the template's `Conditions`.
    fn condition(&self, name: &str, depth: usize) -> Resolved<bool> {
        let definition = self
            .stack
            .section("Conditions")
            .and_then(|c| c.get(name))
            .ok_or_else(|| format!("no condition {name} in Conditions"))?;
        self.truth(definition, depth + 1)
    }

    /// A condition function's value: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`.
    fn truth(&self, value: &Value, depth: usize) -> Resolved<bool> {
        self.charge(1)?;
        if depth >= MAX_INTRINSIC_DEPTH {
            return Err(Failure::fatal(format!("conditions nested more than {MAX_INTRINSIC_DEPTH} deep")));
        }
        let Some((function, argument)) = value.as_object().filter(|m| m.len() == 1).and_then(|m| m.iter().next())
        else {
            return Err(format!("{value} is not a condition").into());
        };
        let operands = || argument.as_array().map(Vec::as_slice).unwrap_or_default();
        match function.as_str() {
            "Condition" => self.condition(argument.as_str().ok_or("Condition takes a name")?, depth),
            "Fn::Equals" => match operands() {
                [a, b] => {
                    let (a, b) = (self.resolve(a, depth + 1)?, self.resolve(b, depth + 1)?);
                    Ok(match (scalar_text(&a), scalar_text(&b)) {
                        (Ok(a), Ok(b)) => a == b,
                        _ => a == b,
                    })
                }
                _ => Err(format!("Fn::Equals takes two values, not {argument}").into()),
            },
            "Fn::Not" => match operands() {
                [inner] => Ok(!self.truth(inner, depth + 1)?),
                _ => Err(format!("Fn::Not takes one condition, not {argument}").into()),
            },
            "Fn::And" | "Fn::Or" => {
                let mut results = Vec::new();
                for operand in operands() {
                    results.push(self.truth(operand, depth + 1)?);
                }
                Ok(if function == "Fn::And" { results.iter().all(|r| *r) } else { results.iter().any(|r| *r) })
            }
            other => Err(format!("{other} is not a condition function").into()),
        }
    }

    fn import(&self, name: &str) -> Resolved<Value> {
        if let Some(value) = self.exports.values.get(name) {
            self.charge(value.as_str().map_or(1, str::len))?;
            return Ok(value.clone());
        }
        Err(match self.exports.failed.get(name) {
            Some(why) => format!("Fn::ImportValue {name}: the export's value could not be resolved: {why}"),
            None => format!(
                "Fn::ImportValue {name}: no stack read exports it (give the exporting stack's template too, or the whole cdk.out)"
            ),
        }
        .into())
    }

    fn reference(&self, name: &str, depth: usize) -> Resolved<Value> {
        let d = self.deployment;
        let pseudo = match name {
            "AWS::Region" => Some(d.region.clone()),
            "AWS::AccountId" => Some(d.account_id.clone()),
            "AWS::Partition" => Some("aws".to_string()),
            "AWS::StackName" => Some(d.stack_name.clone()),
            "AWS::URLSuffix" => Some("amazonaws.com".to_string()),
            "AWS::NoValue" => return Ok(Value::Null),
            _ => None,
        };
        if let Some(value) = pseudo {
            return Ok(Value::String(value));
        }
        if let Some(value) = self.parameters.get(name) {
            return Ok(value.clone());
        }
        if let Some(known) = self.references.borrow().get(name) {
            self.charge(known.as_str().map_or(1, str::len))?;
            return Ok(known.clone());
        }
        let resource = self.resources.get(name).ok_or_else(|| {
            if self.stack.section("Parameters").is_some_and(|p| p.contains_key(name)) {
                format!("Ref to parameter {name}, which has no Default and no value given")
            } else {
                format!("Ref to {name}, which is neither a resource nor a parameter with a Default")
            }
        })?;
        if let Some(at) = self.resolving.borrow().iter().position(|r| r == name) {
            let mut cycle = self.resolving.borrow()[at..].to_vec();
            cycle.push(name.to_string());
            return Err(Failure::fatal(format!("circular reference: {}", cycle.join(" -> "))));
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
    fn resource_name(&self, name: &str, resource: &Value, depth: usize) -> Resolved<Value> {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        let property = |key: &str| -> Resolved<Option<String>> {
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

    fn attribute(&self, resource: &str, attribute: &str, depth: usize) -> Resolved<Value> {
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
                ("AWS::CloudFormation::Stack", output) if output.starts_with("Outputs.") => {
                    return Err(format!(
                        "Fn::GetAtt {resource}.{attribute}: a nested stack's outputs are not read into its parent"
                    )
                    .into())
                }
                _ => format!("{resource}.{attribute}"),
            },
        )
    }

    /// `Fn::Sub`: `${Name}` and `${Resource.Attribute}` replaced, `${!Literal}` written as
    /// `${Literal}` (CloudFormation's escape).
    fn substitute(&self, argument: &Value, depth: usize) -> Resolved<Value> {
        let (template, variables) = match argument {
            Value::String(s) => (s.clone(), Map::new()),
            Value::Array(items) => match items.as_slice() {
                [Value::String(s), Value::Object(vars)] => (s.clone(), self.resolve_map(vars, depth)?),
                _ => return Err(format!("Fn::Sub takes a string or [string, {{variables}}], not {argument}").into()),
            },
            _ => return Err(format!("Fn::Sub takes a string, not {argument}").into()),
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
                    return Err(Failure::fatal(format!(
                        "Fn::Sub produces a string of more than {MAX_RESOLVED_STRING} bytes"
                    )));
                }
                out.push_str(&text);
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        self.text("Fn::Sub", out)
    }

    /// A resource's properties, resolved property by property: a property the replay needs
    /// must resolve; any other that does not (a log group name imported from a stack not
    /// read, say) is left out, and why is noted once for all the places it happens.
    fn properties(
        &self,
        kind: &str,
        properties: &Map<String, Value>,
        shown: &str,
        unresolved: &mut Unresolved,
    ) -> Result<Map<String, Value>, String> {
        let mut out = Map::new();
        for (key, raw) in properties {
            let at = format!("{shown}.{key}");
            let value = match self.resolve(raw, 0) {
                Ok(value) => value,
                Err(failure) if failure.fatal || needed(kind, key) => {
                    // Targets: each target's needed keys must resolve, the rest may not.
                    if key == "Targets" && !failure.fatal {
                        if let Value::Array(targets) = raw {
                            let mut resolved = Vec::new();
                            for (i, target) in targets.iter().enumerate() {
                                let target = target.as_object().ok_or(format!("{at}[{i}] is not an object"))?;
                                let target = self.properties("Target", target, &format!("{at}[{i}]"), unresolved)?;
                                resolved.push(Value::Object(target));
                            }
                            out.insert(key.clone(), Value::Array(resolved));
                            continue;
                        }
                    }
                    return Err(format!("{key}: {}", failure.message));
                }
                Err(failure) => {
                    // A nested stack's parameters keep the ones that resolve.
                    if let (Value::Object(map), "Parameters") = (raw, key.as_str()) {
                        let mut kept = Map::new();
                        for (name, item) in map {
                            match self.resolve(item, 0) {
                                Ok(value) => {
                                    kept.insert(name.clone(), value);
                                }
                                Err(failure) if failure.fatal => return Err(format!("{key}: {}", failure.message)),
                                Err(failure) => unresolved.add(failure.message, format!("{at}.{name}")),
                            }
                        }
                        out.insert(key.clone(), Value::Object(kept));
                        continue;
                    }
                    // A list of actions keeps the items that resolve.
                    let Value::Array(items) = raw else {
                        unresolved.add(failure.message, at);
                        continue;
                    };
                    let mut kept = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        match self.resolve(item, 0) {
                            Ok(value) => kept.push(value),
                            Err(failure) if failure.fatal => return Err(format!("{key}: {}", failure.message)),
                            Err(failure) => unresolved.add(failure.message, format!("{at}[{i}]")),
                        }
                    }
                    Value::Array(kept)
                }
            };
            if !value.is_null() || raw.is_null() {
                out.insert(key.clone(), value);
            }
        }
        Ok(out)
    }
}

/// Whether the replay needs a property of a resource of this kind (the others only name
/// or route things: log groups, actions, descriptions, target ARNs).
pub(super) fn needed(kind: &str, key: &str) -> bool {
    match kind {
        "AWS::Logs::MetricFilter" => matches!(key, "FilterPattern" | "MetricTransformations"),
        "AWS::CloudWatch::Alarm" => !matches!(
            key,
            "AlarmName" | "AlarmDescription" | "AlarmActions" | "OKActions" | "InsufficientDataActions" | "Tags"
        ),
        "AWS::Events::Rule" => {
            matches!(key, "EventPattern" | "State" | "EventBusName" | "ScheduleExpression" | "Targets")
        }
        "Target" => matches!(key, "Id" | "Input" | "InputPath" | "InputTransformer"),
        // Only its template and parameters are read; a parameter that does not resolve
        // fails where the nested stack uses it.
        "AWS::CloudFormation::Stack" => false,
        _ => true,
    }
}

/// Values left unresolved, each reason noted once with every place it happened.
#[derive(Default)]
struct Unresolved {
    places: BTreeMap<String, Vec<String>>,
}

impl Unresolved {
    fn add(&mut self, why: String, place: String) {
        self.places.entry(why).or_default().push(place);
    }

    fn notes(self) -> impl Iterator<Item = String> {
        self.places.into_iter().map(|(why, places)| {
            let shown: Vec<&str> = places.iter().take(5).map(String::as_str).collect();
            let more = if places.len() > 5 { format!(" and {} more", places.len() - 5) } else { String::new() };
            format!("{why}; left unresolved in {}{more}: the replay does not need it", shown.join(", "))
        })
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

/// Reads stacks together: exports first (from every stack, selected or not), then the
/// definitions of the selected stacks and of the nested stacks they hold. `read` reads a
/// nested stack's template file.
pub(super) fn load_stacks(
    stacks: Vec<Stack>,
    budget: &Budget,
    read: &mut dyn FnMut(&Path) -> Result<String, String>,
) -> Result<Configuration, String> {
    if stacks.len() > MAX_STACKS {
        return Err(format!("{} stacks to read; trailwatch reads at most {MAX_STACKS} at once", stacks.len()));
    }
    let exports = exports(&stacks, budget)?;
    let mut configuration = Configuration::default();
    let mut unresolved = Unresolved::default();
    let mut seen = stacks.len();
    let mut queue: VecDeque<Stack> = stacks.into_iter().filter(|s| s.selected).collect();
    while let Some(stack) = queue.pop_front() {
        for nested in definitions(&stack, &exports, budget, &mut configuration, &mut unresolved)? {
            seen += 1;
            if seen > MAX_STACKS {
                return Err(format!("{}: more than {MAX_STACKS} stacks with the nested ones", stack.file.display()));
            }
            let text = read(&nested.file)?;
            let template = to_json(&text).map_err(|e| format!("{}: {e}", nested.file.display()))?;
            let mut child = Stack::new(nested.file, text, template, &nested.deployment);
            child.display_name = nested.display_name;
            child.parameters = nested.parameters;
            child.nesting = stack.nesting + 1;
            queue.push_back(child);
        }
    }
    configuration.notes.extend(unresolved.notes());
    Ok(configuration)
}

/// Every `Outputs` entry with an `Export` of every stack, resolved in rounds so that an
/// export built from another stack's import resolves once that one has.
fn exports(stacks: &[Stack], budget: &Budget) -> Result<Exports, String> {
    let mut exports = Exports::default();
    let mut pending: Vec<(usize, &str)> = Vec::new();
    for (i, stack) in stacks.iter().enumerate() {
        for (key, output) in stack.section("Outputs").into_iter().flatten() {
            if output.get("Export").is_some() {
                pending.push((i, key));
            }
        }
    }
    loop {
        let mut found = Vec::new();
        let mut waiting = Vec::new();
        let mut failed = Vec::new();
        let empty = Map::new();
        let mut current: Option<(usize, Resolver)> = None;
        for &(i, key) in &pending {
            let stack = &stacks[i];
            if current.as_ref().is_none_or(|(at, _)| *at != i) {
                current = Some((i, Resolver::new(stack, stack.resources().unwrap_or(&empty), &exports, budget)));
            }
            let Some((_, resolver)) = current.as_ref() else { continue };
            let output = &stack.section("Outputs").and_then(|o| o.get(key)).cloned().unwrap_or_default();
            let name = output.get("Export").and_then(|e| e.get("Name")).map(|n| resolver.resolve(n, 0));
            let name = match name {
                Some(Ok(Value::String(name))) => name,
                Some(Err(failure)) if failure.fatal => {
                    return Err(format!("{}: Outputs.{key}: {}", stack.file.display(), failure.message))
                }
                _ => continue,
            };
            match output.get("Value").map(|v| resolver.resolve(v, 0)) {
                Some(Ok(value)) => found.push((name, value)),
                Some(Err(failure)) if failure.fatal => {
                    return Err(format!("{}: Outputs.{key}: {}", stack.file.display(), failure.message))
                }
                Some(Err(failure)) => {
                    failed.push((name, format!("{} Outputs.{key}: {}", stack.display_name, failure.message)));
                    waiting.push((i, key));
                }
                None => {}
            }
        }
        drop(current);
        let progress = !found.is_empty();
        for (name, value) in found {
            exports.failed.remove(&name);
            exports.values.entry(name).or_insert(value);
        }
        for (name, why) in failed {
            exports.failed.insert(name, why);
        }
        if !progress || waiting.is_empty() {
            return Ok(exports);
        }
        pending = waiting;
    }
}

/// A nested stack found in a parent: its template file and the parameters the parent gives.
struct Nested {
    file: PathBuf,
    display_name: String,
    deployment: Deployment,
    parameters: BTreeMap<String, Value>,
}

/// One stack's filters, alarms and rules into `configuration`; returns its nested stacks.
fn definitions(
    stack: &Stack,
    exports: &Exports,
    budget: &Budget,
    configuration: &mut Configuration,
    unresolved: &mut Unresolved,
) -> Result<Vec<Nested>, String> {
    let resources = stack.resources().ok_or_else(|| format!("{}: Resources is not an object", stack.file.display()))?;
    let resolver = Resolver::new(stack, resources, exports, budget);
    let mut nested = Vec::new();
    for (logical, resource) in resources {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        if !matches!(
            kind,
            "AWS::Logs::MetricFilter" | "AWS::CloudWatch::Alarm" | "AWS::Events::Rule" | "AWS::CloudFormation::Stack"
        ) {
            continue;
        }
        // A resource that cannot be read is kept as a refusal, so that one bad resource does
        // not hide the others (`load_all` fails on the first unless told to keep going).
        if let Err(message) =
            resource_definition(stack, &resolver, logical, resource, kind, configuration, unresolved, &mut nested)
        {
            configuration.refused.push(message);
        }
    }
    Ok(nested)
}

/// One filter, alarm, rule or nested stack of `stack` into `configuration` (or `nested`).
#[allow(clippy::too_many_arguments)]
fn resource_definition(
    stack: &Stack,
    resolver: &Resolver,
    logical: &str,
    resource: &Value,
    kind: &str,
    configuration: &mut Configuration,
    unresolved: &mut Unresolved,
    nested: &mut Vec<Nested>,
) -> Result<(), String> {
    let origin = stack.origin(logical, resource);
    if let Some(condition) = resource.get("Condition").and_then(Value::as_str) {
        match resolver.condition(condition, 0) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(failure) => return Err(format!("{origin}: Condition {condition}: {}", failure.message)),
        }
    }
    let raw = resource.get("Properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let properties = Value::Object(
        resolver.properties(kind, &raw, &origin.resource, unresolved).map_err(|e| format!("{origin}: {e}"))?,
    );
    let shown = origin.to_string();
    match kind {
        "AWS::CloudFormation::Stack" => nested.extend(nested_stack(stack, logical, resource, &properties, &origin)?),
        "AWS::Events::Rule" => match super::rules::cloudformation_rule(logical, &properties, &stack.deployment)
            .map_err(|e| format!("{shown}: {e}"))?
        {
            Some(rule) => configuration.push_rule(rule, origin),
            None => configuration.notes.push(format!("{shown}: a scheduled rule (no EventPattern), not replayed")),
        },
        "AWS::Logs::MetricFilter" => {
            let filter = metric_filter(&Properties { logical, shown: &shown, map: &properties })?;
            configuration.push_filter(filter, origin);
        }
        _ if properties.get("Metrics").is_some() => {
            configuration.notes.push(format!("{shown}: metric-math alarms (Metrics) are not evaluated"))
        }
        _ => {
            let alarm = alarm(&Properties { logical, shown: &shown, map: &properties })?;
            configuration.push_alarm(alarm, origin);
        }
    }

    Ok(())
}

/// An `AWS::CloudFormation::Stack` whose template CDK put beside its parent's
/// (`aws:asset:path` metadata), with the parameters the parent passes.
fn nested_stack(
    parent: &Stack,
    logical: &str,
    resource: &Value,
    properties: &Value,
    origin: &Origin,
) -> Result<Option<Nested>, String> {
    let asset = resource.get("Metadata").and_then(|m| m.get("aws:asset:path")).and_then(Value::as_str);
    let Some(asset) = asset else {
        return Ok(None);
    };
    if !Path::new(asset).components().all(|c| matches!(c, std::path::Component::Normal(_))) {
        return Err(format!("{origin}: nested stack template {asset:?} is not a file name inside the assembly"));
    }
    if parent.nesting + 1 > MAX_STACK_NESTING {
        return Err(format!("{origin}: nested stacks nest more than {MAX_STACK_NESTING} deep"));
    }
    let folder = parent.file.parent().unwrap_or(Path::new(""));
    let parameters = properties
        .get("Parameters")
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut deployment = parent.deployment.clone();
    deployment.stack_name = format!("{}-{logical}", parent.deployment.stack_name);
    Ok(Some(Nested {
        file: folder.join(asset),
        display_name: format!("{}/{logical}", parent.display_name),
        deployment,
        parameters,
    }))
}

/// One resource's resolved properties, with errors that name the resource.
pub(super) struct Properties<'a> {
    /// The logical ID: the name of a filter or alarm that names none.
    pub logical: &'a str,
    /// The origin, as errors show it.
    pub shown: &'a str,
    pub map: &'a Value,
}

impl Properties<'_> {
    fn text(&self, key: &str) -> Option<String> {
        self.map.get(key).and_then(|v| scalar_text(v).ok())
    }

    fn required(&self, key: &str) -> Result<String, String> {
        self.text(key).ok_or_else(|| format!("{}: {key} is required", self.shown))
    }

    fn number(&self, key: &str) -> Result<Option<f64>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => number(v).map(Some).ok_or_else(|| format!("{}: {key} must be a number, not {v}", self.shown)),
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
            Some(v) => Err(format!("{}: {key} must be true or false, not {v}", self.shown)),
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

pub(super) fn metric_filter(p: &Properties) -> Result<MetricFilter, String> {
    let transformations =
        p.map.get("MetricTransformations").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let [t] = transformations else {
        return Err(format!("{}: MetricTransformations must hold exactly one transformation", p.shown));
    };
    let t = Properties { logical: p.logical, shown: p.shown, map: t };
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
                        .ok_or_else(|| format!("{}: a dimension has no Key", p.shown))?;
                    let value = d
                        .get("Value")
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("{}: dimension {key} has no Value", p.shown))?;
                    Ok((key.to_string(), ValueRef::parse(value).map_err(|e| format!("{}: {e}", p.shown))?))
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
            value: MetricValue::parse(&t.required("MetricValue")?).map_err(|e| format!("{}: {e}", p.shown))?,
            default_value: t.number("DefaultValue")?,
            dimensions,
            unit: t.text("Unit"),
        },
    })
}

pub(super) fn alarm(p: &Properties) -> Result<AlarmDefinition, String> {
    let statistic: Statistic = match (p.text("Statistic"), p.text("ExtendedStatistic")) {
        (Some(s), None) | (None, Some(s)) => s.parse().map_err(|e| format!("{}: {e}", p.shown))?,
        (Some(_), Some(_)) => return Err(format!("{}: Statistic and ExtendedStatistic are exclusive", p.shown)),
        (None, None) => return Err(format!("{}: Statistic or ExtendedStatistic is required", p.shown)),
    };
    let whole = |key: &str| -> Result<Option<u32>, String> {
        p.number(key)?
            .map(|n| {
                if n >= 0.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX) {
                    Ok(n as u32)
                } else {
                    Err(format!("{}: {key} must be a whole number from 0 to {}, not {n}", p.shown, u32::MAX))
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
        home: None,
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
            .ok_or_else(|| format!("{}: EvaluationPeriods is required", p.shown))?,
        datapoints_to_alarm: whole("DatapointsToAlarm")?,
        threshold: p.number("Threshold")?.ok_or_else(|| format!("{}: Threshold is required", p.shown))?,
        comparison: p.required("ComparisonOperator")?.parse().map_err(|e| format!("{}: {e}", p.shown))?,
        treat_missing_data: p
            .text("TreatMissingData")
            .map(|t| t.parse())
            .transpose()
            .map_err(|e| format!("{}: {e}", p.shown))?,
        evaluate_low_sample_count_percentile: p.text("EvaluateLowSampleCountPercentile"),
    };
    definition.validate().map_err(|e| format!("{}: {e}", p.shown))?;
    Ok(definition)
}
