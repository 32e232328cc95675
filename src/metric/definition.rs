//! Metric filter definitions and how one event becomes (at most) one observation.

use std::fmt;

use serde_json::Value as Json;

use crate::matcher::{self, number::JsonNumber, parse_event, resolve, ExtractedValues, Matcher};
use crate::pattern::{self, Pattern, Step};

/// A metric filter (`PutMetricFilter`, `AWS::Logs::MetricFilter`).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricFilter {
    pub name: String,
    pub log_group: String,
    pub pattern: String,
    pub transformation: MetricTransformation,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MetricTransformation {
    pub metric_name: String,
    pub namespace: String,
    pub value: MetricValue,
    /// Published for every event the pattern does not match.
    pub default_value: Option<f64>,
    /// At most three; values are field references.
    pub dimensions: Vec<(String, ValueRef)>,
    pub unit: Option<String>,
}

impl MetricFilter {
    /// A filter publishing 1 per match to `namespace`/`metric_name`, with no default value,
    /// dimensions or unit: the shape of most CloudTrail alerting filters (and of tests).
    pub fn counting(name: &str, pattern: &str, namespace: &str, metric_name: &str) -> MetricFilter {
        MetricFilter {
            name: name.into(),
            log_group: String::new(),
            pattern: pattern.into(),
            transformation: MetricTransformation {
                metric_name: metric_name.into(),
                namespace: namespace.into(),
                value: MetricValue::Literal(1.0),
                default_value: None,
                dimensions: Vec::new(),
                unit: None,
            },
        }
    }
}

/// What a match publishes.
#[derive(Clone, Debug, PartialEq)]
pub enum MetricValue {
    Literal(f64),
    Field(ValueRef),
}

/// A reference to a value in the event: `$.json.path` or a space-delimited `$field` / `$7`.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueRef {
    Json { text: String, steps: Vec<Step> },
    Field(String),
}

impl fmt::Display for ValueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Json { text, .. } => f.write_str(text),
            ValueRef::Field(name) => write!(f, "${name}"),
        }
    }
}

impl ValueRef {
    /// `$.path` or `$name`; wildcards are refused as AWS refuses them.
    pub fn parse(text: &str) -> Result<ValueRef, String> {
        if text.starts_with("$.") {
            let selector = pattern::parse_selector(text).map_err(|e| format!("{text}: {}", e.aws_message))?;
            if selector.wildcard_count() > 0 {
                return Err(format!("Invalid metric transformation: metric value {text} must be a valid number"));
            }
            return Ok(ValueRef::Json { text: text.to_string(), steps: selector.steps });
        }
        match text.strip_prefix('$') {
            Some(name)
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
            {
                Ok(ValueRef::Field(name.to_string()))
            }
            _ => Err(format!("{text:?} is not a field reference ($.json.path or $field)")),
        }
    }
}

impl MetricValue {
    /// A number (`"1"`, `"2.5"`) or a field reference.
    pub fn parse(text: &str) -> Result<MetricValue, String> {
        let text = text.trim();
        if text.starts_with('$') {
            return ValueRef::parse(text).map(MetricValue::Field);
        }
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() && pattern::is_number(text) => Ok(MetricValue::Literal(value)),
            _ => Err(format!("Invalid metric transformation: metric value {text} must be a valid number")),
        }
    }
}

/// What one event contributes to a filter's metric.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A value to publish, with its dimensions (empty when none resolve fully).
    Publish { value: f64, dimensions: Vec<(String, String)>, matched: bool },
    /// Matched, but the referenced value is not a number: nothing is published.
    Unpublishable { reason: String },
    /// Not matched, and no default value.
    NotMatched,
}

/// A metric filter ready to apply to events.
pub struct CompiledFilter {
    pub definition: MetricFilter,
    pub pattern: Pattern,
    matcher: Box<dyn Matcher>,
    needs_json: bool,
}

impl CompiledFilter {
    pub fn new(definition: MetricFilter) -> Result<CompiledFilter, String> {
        let parsed = pattern::parse(&definition.pattern)
            .map_err(|e| format!("metric filter {}: invalid pattern: {}", definition.name, e.aws_message))?;
        let t = &definition.transformation;
        let structured = matches!(parsed, Pattern::Json(_) | Pattern::Spaced(_));
        if !t.dimensions.is_empty() && !structured {
            return Err(format!(
                "metric filter {}: The specified filter pattern does not support dimensions",
                definition.name
            ));
        }
        if !t.dimensions.is_empty() && t.default_value.is_some() {
            return Err(format!(
                "metric filter {}: Invalid metric transformation: dimensions and default value are mutually exclusive properties",
                definition.name
            ));
        }
        if t.dimensions.len() > 3 {
            return Err(format!("metric filter {}: at most 3 dimensions", definition.name));
        }
        let refs = std::iter::once(&t.value)
            .filter_map(|v| match v {
                MetricValue::Field(r) => Some(r),
                MetricValue::Literal(_) => None,
            })
            .chain(t.dimensions.iter().map(|(_, r)| r));
        let needs_json = refs.clone().any(|r| matches!(r, ValueRef::Json { .. }));
        let matcher = matcher::compile(&parsed).map_err(|e| e.aws_message)?;
        Ok(CompiledFilter { definition, pattern: parsed, matcher, needs_json })
    }

    /// Applies the filter to one event message.
    pub fn apply(&self, message: &str) -> Outcome {
        self.outcome(message, self.matcher.evaluate(message))
    }

    /// What the filter publishes for `message`, given whether its pattern matched (and
    /// what it extracted): for callers that match many filters at once.
    pub fn outcome(&self, message: &str, matched: Option<ExtractedValues>) -> Outcome {
        let t = &self.definition.transformation;
        let Some(extracted) = matched else {
            return match t.default_value {
                Some(value) => Outcome::Publish { value, dimensions: Vec::new(), matched: false },
                None => Outcome::NotMatched,
            };
        };
        let json = if self.needs_json { parse_event(message) } else { None };
        let event = EventFields { json: json.as_ref(), extracted: &extracted };
        let value = match &t.value {
            MetricValue::Literal(value) => *value,
            MetricValue::Field(reference) => match event.number(reference) {
                Ok(value) => value,
                // A missing or null value publishes the default, as recorded.
                Err(Missing::Absent) => match t.default_value {
                    Some(value) => return Outcome::Publish { value, dimensions: Vec::new(), matched: true },
                    None => return Outcome::Unpublishable { reason: format!("{reference} is missing") },
                },
                Err(Missing::NotANumber(text)) => {
                    return Outcome::Unpublishable { reason: format!("{reference} is not a number ({text})") };
                }
            },
        };
        // An event lacking any dimension is published without dimensions (recorded).
        let dimensions: Option<Vec<(String, String)>> =
            t.dimensions.iter().map(|(name, reference)| event.text(reference).map(|v| (name.clone(), v))).collect();
        Outcome::Publish { value, dimensions: dimensions.unwrap_or_default(), matched: true }
    }
}

enum Missing {
    Absent,
    NotANumber(String),
}

/// Where references find their values.
struct EventFields<'a> {
    json: Option<&'a Json>,
    extracted: &'a ExtractedValues,
}

/// CloudWatch accepts values within ±2^360.
const MAX_MAGNITUDE: f64 = 2.348_542_582_773_833_2e108;

impl EventFields<'_> {
    fn scalar(&self, reference: &ValueRef) -> Option<Scalar<'_>> {
        match reference {
            ValueRef::Json { steps, .. } => {
                let json = self.json?;
                match resolve(json, steps).first().copied() {
                    None | Some(Json::Null) => None,
                    Some(Json::String(s)) => Some(Scalar::Text(s.as_str())),
                    Some(Json::Number(n)) => Some(Scalar::Number(n.to_string())),
                    Some(Json::Bool(b)) => Some(Scalar::Other(b.to_string())),
                    Some(other) => Some(Scalar::Other(other.to_string())),
                }
            }
            ValueRef::Field(name) => self.extracted.get(&format!("${name}")).map(Scalar::Text),
        }
    }

    fn number(&self, reference: &ValueRef) -> Result<f64, Missing> {
        let scalar = self.scalar(reference).ok_or(Missing::Absent)?;
        let text = match &scalar {
            Scalar::Text(t) => t.trim().to_string(),
            Scalar::Number(n) => n.clone(),
            Scalar::Other(o) => return Err(Missing::NotANumber(o.clone())),
        };
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() <= MAX_MAGNITUDE && pattern::is_number(&text) => Ok(v),
            _ => Err(Missing::NotANumber(text)),
        }
    }

    fn text(&self, reference: &ValueRef) -> Option<String> {
        match self.scalar(reference)? {
            Scalar::Text(t) if !t.is_empty() => Some(t.to_string()),
            Scalar::Text(_) => None,
            Scalar::Number(n) => Some(JsonNumber::from_json(&n).text),
            Scalar::Other(o) => Some(o),
        }
    }
}

enum Scalar<'a> {
    Text(&'a str),
    Number(String),
    Other(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(pattern: &str, value: &str, default: Option<f64>, dimensions: &[(&str, &str)]) -> CompiledFilter {
        CompiledFilter::new(MetricFilter {
            name: "f".into(),
            log_group: "g".into(),
            pattern: pattern.into(),
            transformation: MetricTransformation {
                metric_name: "m".into(),
                namespace: "n".into(),
                value: MetricValue::parse(value).unwrap(),
                default_value: default,
                dimensions: dimensions.iter().map(|(k, v)| (k.to_string(), ValueRef::parse(v).unwrap())).collect(),
                unit: None,
            },
        })
        .unwrap()
    }

    fn published(outcome: Outcome) -> Option<(f64, usize)> {
        match outcome {
            Outcome::Publish { value, dimensions, .. } => Some((value, dimensions.len())),
            _ => None,
        }
    }

    #[test]
    fn extraction_follows_the_recordings() {
        // metric-filter-publishing-aws.json, "extraction": value $.value, default 7.
        let f = filter(r#"{ $.probe = "value" || $.value = * }"#, "$.value", Some(7.0), &[]);
        assert_eq!(published(f.apply(r#"{"probe":"value","case":"missing"}"#)), Some((7.0, 0)));
        assert_eq!(published(f.apply(r#"{"probe":"value","value":null}"#)), Some((7.0, 0)));
        assert!(matches!(f.apply(r#"{"probe":"value","value":"not-a-number"}"#), Outcome::Unpublishable { .. }));
        assert_eq!(published(f.apply(r#"{"probe":"value","value":3}"#)), Some((3.0, 0)));
        // A non-matching event publishes the default.
        assert_eq!(published(f.apply(r#"{"other":1}"#)), Some((7.0, 0)));
    }

    #[test]
    fn dimensions_are_all_or_nothing() {
        let f = filter(r#"{ $.probe = "dimension" || $.a = * || $.b = * }"#, "1", None, &[("A", "$.a"), ("B", "$.b")]);
        assert_eq!(published(f.apply(r#"{"probe":"dimension","a":"alpha","b":"beta"}"#)), Some((1.0, 2)));
        assert_eq!(published(f.apply(r#"{"probe":"dimension","a":"alpha"}"#)), Some((1.0, 0)));
        assert_eq!(f.apply(r#"{"x":1}"#), Outcome::NotMatched);
    }

    #[test]
    fn space_delimited_values_come_from_fields() {
        let f = filter("[ip, user, status, bytes]", "$bytes", None, &[("Status", "$status")]);
        assert_eq!(
            f.apply("10.0.0.1 joe 404 1534"),
            Outcome::Publish { value: 1534.0, dimensions: vec![("Status".into(), "404".into())], matched: true }
        );
        assert!(matches!(f.apply("10.0.0.1 joe 404 -"), Outcome::Unpublishable { .. }));
    }

    #[test]
    fn invalid_definitions_are_refused_as_aws_refuses_them() {
        assert_eq!(
            MetricValue::parse("$.values[*]"),
            Err("Invalid metric transformation: metric value $.values[*] must be a valid number".into())
        );
        assert!(MetricValue::parse("one").is_err());
        let bad = CompiledFilter::new(MetricFilter {
            name: "f".into(),
            log_group: "g".into(),
            pattern: "ERROR".into(),
            transformation: MetricTransformation {
                metric_name: "m".into(),
                namespace: "n".into(),
                value: MetricValue::Literal(1.0),
                default_value: None,
                dimensions: vec![("A".into(), ValueRef::parse("$.a").unwrap())],
                unit: None,
            },
        });
        assert!(bad.err().unwrap().contains("does not support dimensions"));
    }
}
