//! What a target receives: `InputPath` selections and `InputTransformer` templates, filled as
//! EventBridge fills them (recorded in `testdata/eventbridge/input-transformer-aws.json`).
//!
//! A template that starts with `{` or `[` is a JSON template: an unquoted placeholder becomes
//! the value as JSON (a missing value becomes `""`), a placeholder inside a JSON string becomes
//! the value's text, and the result must be JSON, or nothing is delivered (an object or list
//! inside quotes is never delivered). Any other template is a string template: each
//! placeholder becomes the value's text, objects and lists written without quotes
//! (`{acc_id:0a787ecb-4015,sf_id:baz}`, `[ACTIVE,INACTIVE]`), a missing value as nothing.

use std::fmt::Write;

use serde_json::{Map, Value};

/// Longest `InputPath` / `InputPathsMap` value AWS accepts.
const MAX_PATH_LENGTH: usize = 256;
/// Most `InputPathsMap` entries AWS accepts.
const MAX_VARIABLES: usize = 100;
/// Longest `InputTemplate` AWS accepts.
const MAX_TEMPLATE_LENGTH: usize = 8192;

/// A JSONPath in the subset EventBridge evaluates: `$`, `.name`, `['name']`, `[N]`, `.*`, `[*]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputPath {
    text: String,
    steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    /// Every member or element; the selection becomes a list.
    All,
}

impl InputPath {
    pub fn parse(text: &str) -> Result<InputPath, String> {
        if text.len() > MAX_PATH_LENGTH {
            return Err(format!("a JSON path is at most {MAX_PATH_LENGTH} characters"));
        }
        let fail = |at: usize, what: &str| format!("{text:?} is not a JSON path: {what} at character {}", at + 1);
        let rest = text.strip_prefix('$').ok_or_else(|| fail(0, "expected `$`"))?;
        let mut steps = Vec::new();
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let at = i + 1;
            match bytes[i] {
                b'.' => {
                    let end = rest[i + 1..].find(['.', '[']).map_or(rest.len(), |e| i + 1 + e);
                    let name = &rest[i + 1..end];
                    if name.is_empty() {
                        return Err(fail(at, "expected a name after `.`"));
                    }
                    steps.push(if name == "*" { Step::All } else { Step::Key(name.to_string()) });
                    i = end;
                }
                b'[' => {
                    let close = rest[i..].find(']').map(|c| i + c).ok_or_else(|| fail(at, "unclosed `[`"))?;
                    let inside = &rest[i + 1..close];
                    let quoted = inside.len() >= 2
                        && ((inside.starts_with('\'') && inside.ends_with('\''))
                            || (inside.starts_with('"') && inside.ends_with('"')));
                    steps.push(if inside == "*" {
                        Step::All
                    } else if quoted {
                        Step::Key(inside[1..inside.len() - 1].to_string())
                    } else {
                        Step::Index(inside.parse().map_err(|_| fail(at, "expected an index, `*` or a quoted name"))?)
                    });
                    i = close + 1;
                }
                _ => return Err(fail(at, "expected `.` or `[`")),
            }
        }
        Ok(InputPath { text: text.to_string(), steps })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The selected value, or `None` when the path leads nowhere.
    pub fn select(&self, event: &Value) -> Option<Value> {
        if !self.steps.contains(&Step::All) {
            let mut at = event;
            for step in &self.steps {
                at = match (step, at) {
                    (Step::Key(k), Value::Object(map)) => map.get(k)?,
                    (Step::Index(n), Value::Array(items)) => items.get(*n)?,
                    _ => return None,
                };
            }
            return Some(at.clone());
        }
        let mut found = Vec::new();
        collect(event, &self.steps, &mut found);
        Some(Value::Array(found))
    }
}

fn collect(at: &Value, steps: &[Step], out: &mut Vec<Value>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(at.clone());
        return;
    };
    match (step, at) {
        (Step::Key(k), Value::Object(map)) => {
            if let Some(v) = map.get(k) {
                collect(v, rest, out);
            }
        }
        (Step::Index(n), Value::Array(items)) => {
            if let Some(v) = items.get(*n) {
                collect(v, rest, out);
            }
        }
        (Step::All, Value::Object(map)) => map.values().for_each(|v| collect(v, rest, out)),
        (Step::All, Value::Array(items)) => items.iter().for_each(|v| collect(v, rest, out)),
        _ => {}
    }
}

/// A variable of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Variable {
    /// The `InputPathsMap` entry with this index.
    Path(usize),
    RuleArn,
    RuleName,
    IngestionTime,
    /// `<aws.events.event>`: the event without `detail` (as AWS delivers it: `detailType`).
    Event,
    /// `<aws.events.event.json>`: the whole event.
    EventJson,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// A placeholder; `quoted` when it stands inside a JSON string of a JSON template.
    Placeholder {
        variable: Variable,
        quoted: bool,
    },
}

/// `InputPathsMap` and `InputTemplate`, checked and split into text and placeholders.
#[derive(Clone, Debug)]
pub struct InputTransformer {
    paths: Vec<(String, InputPath)>,
    pieces: Vec<Piece>,
    json: bool,
    template: String,
}

/// What a template may refer to besides the event's paths.
pub struct Context<'a> {
    pub event: &'a Value,
    pub rule_name: &'a str,
    pub rule_arn: &'a str,
    /// ISO-8601.
    pub ingestion_time: &'a str,
}

impl InputTransformer {
    /// Validates as `PutTargets` does for target `target_id`.
    pub fn new(target_id: &str, paths: &[(String, String)], template: &str) -> Result<InputTransformer, String> {
        if paths.len() > MAX_VARIABLES {
            return Err(format!("InputPathsMap for target {target_id} has more than {MAX_VARIABLES} entries."));
        }
        if template.len() > MAX_TEMPLATE_LENGTH {
            return Err(format!(
                "InputTemplate for target {target_id} is longer than {MAX_TEMPLATE_LENGTH} characters."
            ));
        }
        let mut parsed = Vec::with_capacity(paths.len());
        for (name, path) in paths {
            if name.starts_with("aws.") {
                return Err(format!(
                    "InputPathsMap for target {target_id} uses the reserved name {name} (names starting aws. are predefined)."
                ));
            }
            if name.is_empty() || !name.chars().all(is_name_char) {
                return Err(format!("InputPathsMap for target {target_id} has an invalid key {name:?}."));
            }
            let path = InputPath::parse(path).map_err(|e| format!("InputPathsMap for target {target_id}: {e}"))?;
            parsed.push((name.clone(), path));
        }
        let json = template.trim_start().starts_with(['{', '[']);
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut in_string = false;
        let mut escaped = false;
        let mut rest = template;
        while let Some(c) = rest.chars().next() {
            if c == '<' {
                if let Some(name) = placeholder_name(rest) {
                    let variable = match name {
                        "aws.events.rule-arn" => Variable::RuleArn,
                        "aws.events.rule-name" => Variable::RuleName,
                        "aws.events.event.ingestion-time" => Variable::IngestionTime,
                        "aws.events.event" => Variable::Event,
                        "aws.events.event.json" => Variable::EventJson,
                        _ => Variable::Path(parsed.iter().position(|(n, _)| n == name).ok_or_else(|| {
                            format!("InputTemplate for target {target_id} contains invalid placeholder {name}.")
                        })?),
                    };
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Placeholder { variable, quoted: json && in_string });
                    rest = &rest[name.len() + 2..];
                    escaped = false;
                    continue;
                }
            }
            if json {
                match (c, escaped) {
                    ('\\', false) if in_string => escaped = true,
                    ('"', false) => in_string = !in_string,
                    _ => escaped = false,
                }
            }
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(InputTransformer { paths: parsed, pieces, json, template: template.to_string() })
    }

    pub fn template(&self) -> &str {
        &self.template
    }

    pub fn paths(&self) -> impl Iterator<Item = (&str, &str)> {
        self.paths.iter().map(|(name, path)| (name.as_str(), path.as_str()))
    }

    /// The body the target receives, or `None` when EventBridge would deliver nothing.
    pub fn render(&self, context: &Context) -> Option<String> {
        let values: Vec<Option<Value>> = self.paths.iter().map(|(_, path)| path.select(context.event)).collect();
        let mut out = String::new();
        for piece in &self.pieces {
            let (variable, quoted) = match piece {
                Piece::Text(text) => {
                    out.push_str(text);
                    continue;
                }
                Piece::Placeholder { variable, quoted } => (variable, *quoted),
            };
            let owned;
            let value: Option<&Value> = match variable {
                Variable::Path(i) => values[*i].as_ref(),
                Variable::RuleArn => Some({
                    owned = Value::String(context.rule_arn.to_string());
                    &owned
                }),
                Variable::RuleName => Some({
                    owned = Value::String(context.rule_name.to_string());
                    &owned
                }),
                Variable::IngestionTime => Some({
                    owned = Value::String(context.ingestion_time.to_string());
                    &owned
                }),
                Variable::Event | Variable::EventJson => {
                    if quoted {
                        return None;
                    }
                    let event = if *variable == Variable::Event {
                        event_without_detail(context.event, context.ingestion_time)
                    } else {
                        context.event.clone()
                    };
                    out.push_str(&event.to_string());
                    continue;
                }
            };
            match (self.json, quoted, value) {
                (_, _, None) if self.json && !quoted => out.push_str("\"\""),
                (_, _, None) => {}
                (true, false, Some(v)) => out.push_str(&v.to_string()),
                (true, true, Some(Value::Object(_) | Value::Array(_))) => return None,
                (_, _, Some(v)) => write_unquoted(v, &mut out),
            }
        }
        if self.json && serde_json::from_str::<serde::de::IgnoredAny>(&out).is_err() {
            return None;
        }
        Some(out)
    }
}

/// `<aws.events.event>` as AWS delivers it: no `detail`, `detailType` for `detail-type`, and
/// `time` the ingestion time.
fn event_without_detail(event: &Value, ingestion_time: &str) -> Value {
    let mut out = Map::new();
    let field = |key: &str| event.get(key).cloned().unwrap_or(Value::Null);
    out.insert("id".into(), field("id"));
    out.insert("account".into(), field("account"));
    out.insert("detailType".into(), field("detail-type"));
    out.insert("time".into(), Value::String(ingestion_time.to_string()));
    out.insert("source".into(), field("source"));
    out.insert("region".into(), field("region"));
    out.insert("resources".into(), field("resources"));
    out.insert("version".into(), field("version"));
    Value::Object(out)
}

/// A value's text in a string: strings escaped as inside JSON quotes but without them,
/// objects and lists with no quotes at all.
fn write_unquoted(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => {
            let quoted = Value::String(s.clone()).to_string();
            out.push_str(&quoted[1..quoted.len() - 1]);
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_unquoted(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{key}:");
                write_unquoted(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// The name of the placeholder `<name>` at the start of `text`, if it is one.
fn placeholder_name(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('<')?;
    let end = inner.find('>')?;
    let name = &inner[..end];
    (!name.is_empty() && name.chars().all(is_name_char)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({"version": "0", "id": "e1", "detail-type": "T", "source": "s", "account": "1", "time": "t",
               "region": "r", "resources": [],
               "detail": {"a": "x\"y", "list": ["A", "B"], "obj": {"k": "v", "n": 1}, "n": 2.5, "b": false,
                          "items": [{"name": "p"}, {"name": "q"}]}})
    }

    fn render(paths: &[(&str, &str)], template: &str) -> Option<String> {
        let paths: Vec<(String, String)> = paths.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let transformer = InputTransformer::new("t", &paths, template).unwrap();
        let event = event();
        transformer.render(&Context { event: &event, rule_name: "r1", rule_arn: "arn:r1", ingestion_time: "now" })
    }

    #[test]
    fn paths_select_keys_indices_and_wildcards() {
        let event = event();
        let select = |p: &str| InputPath::parse(p).unwrap().select(&event);
        assert_eq!(select("$.detail.list[1]"), Some(json!("B")));
        assert_eq!(select("$['detail']['obj'].k"), Some(json!("v")));
        assert_eq!(select("$.detail.items[*].name"), Some(json!(["p", "q"])));
        assert_eq!(select("$.detail.missing"), None);
        assert_eq!(select("$"), Some(event.clone()));
        for bad in ["detail", "$.", "$[x]", "$.a[", "$x"] {
            assert!(InputPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn string_templates_write_values_as_text() {
        let paths =
            [("a", "$.detail.a"), ("l", "$.detail.list"), ("o", "$.detail.obj"), ("b", "$.detail.b"), ("m", "$.nope")];
        assert_eq!(render(&paths, r#""<a> <l> <o> <b> [<m>]""#).unwrap(), r#""x\"y [A,B] {k:v,n:1} false []""#);
        assert_eq!(render(&[], "<aws.events.rule-name> at <aws.events.event.ingestion-time>").unwrap(), "r1 at now");
    }

    #[test]
    fn json_templates_insert_json_and_refuse_containers_in_quotes() {
        let paths = [("a", "$.detail.a"), ("o", "$.detail.obj"), ("n", "$.detail.n"), ("m", "$.nope")];
        assert_eq!(
            render(&paths, r#"{"v": <o>, "n": <n>, "s": "a=<a>", "m": <m>}"#).unwrap(),
            r#"{"v": {"k":"v","n":1}, "n": 2.5, "s": "a=x\"y", "m": ""}"#
        );
        assert_eq!(render(&paths, r#"{"v": "<o>"}"#), None);
        assert_eq!(render(&paths, r#"{"v": <n> <n>}"#), None, "not JSON after filling");
        assert_eq!(render(&[], r#"{"e": "<aws.events.event>"}"#), None);
        let whole: Value = serde_json::from_str(&render(&[], r#"{"e": <aws.events.event.json>}"#).unwrap()).unwrap();
        assert_eq!(whole["e"], event());
    }

    #[test]
    fn templates_are_checked_as_put_targets_checks_them() {
        let err = InputTransformer::new("t9", &[], r#""<nope>""#).unwrap_err();
        assert_eq!(err, "InputTemplate for target t9 contains invalid placeholder nope.");
        assert!(InputTransformer::new("t", &[("aws.x".into(), "$".into())], "1").is_err());
        // `<` that does not open a placeholder is text.
        assert_eq!(render(&[], r#""a < b <> c""#).unwrap(), r#""a < b <> c""#);
    }
}
