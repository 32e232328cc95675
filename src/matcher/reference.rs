//! The reference evaluator: simple, obviously right, and the oracle for faster matchers.
//!
//! JSON events are parsed whole into `serde_json` values (numbers keep their text) and
//! selectors are walked step by step. Nothing here is tuned for speed.

use memchr::memmem::Finder;
use regex::Regex;
use serde_json::Value as Json;

use super::extracted::ExtractedValues;
use super::number::JsonNumber;
use super::spaced::align;
use super::value::ValueTest;
use super::Matcher;
use crate::pattern::{
    aws_regex, steps_before_wildcard, CompareOp, Field, FieldExpr, JsonExpr, JsonTest, Pattern, PatternError, Step,
    TermRole,
};

/// A pattern compiled for the reference evaluator.
#[derive(Debug)]
pub struct ReferenceMatcher {
    compiled: Compiled,
}

#[derive(Debug)]
enum Compiled {
    All,
    Terms { required: Vec<TermTest>, excluded: Vec<TermTest>, optional: Vec<TermTest> },
    Regex(Regex),
    Json(JsonNode),
    Spaced(SpacedTest),
}

impl ReferenceMatcher {
    pub fn new(pattern: &Pattern) -> Result<ReferenceMatcher, PatternError> {
        let compiled = match pattern {
            Pattern::MatchAll => Compiled::All,
            Pattern::Terms(terms) => {
                let (mut required, mut excluded, mut optional) = (Vec::new(), Vec::new(), Vec::new());
                for term in terms {
                    let test = TermTest::new(&term.text);
                    match term.role {
                        TermRole::Required => required.push(test),
                        TermRole::Excluded => excluded.push(test),
                        TermRole::Optional => optional.push(test),
                    }
                }
                // AWS ignores `?` terms when any plain or `-` term is present.
                if !required.is_empty() || !excluded.is_empty() {
                    optional.clear();
                }
                Compiled::Terms { required, excluded, optional }
            }
            Pattern::Regex(literal) => Compiled::Regex(aws_regex::compile(literal)?),
            Pattern::Json(expr) => Compiled::Json(JsonNode::compile(expr)?),
            Pattern::Spaced(fields) => Compiled::Spaced(SpacedTest::compile(fields)?),
        };
        Ok(ReferenceMatcher { compiled })
    }
}

impl Matcher for ReferenceMatcher {
    fn evaluate(&self, message: &str) -> Option<ExtractedValues> {
        let matched = match &self.compiled {
            Compiled::All => true,
            Compiled::Terms { required, excluded, optional } => {
                required.iter().all(|t| t.found_in(message))
                    && !excluded.iter().any(|t| t.found_in(message))
                    && (optional.is_empty() || optional.iter().any(|t| t.found_in(message)))
            }
            Compiled::Regex(regex) => regex.is_match(message),
            Compiled::Json(node) => match parse_event(message) {
                Some(root) => node.holds(&root),
                None => false,
            },
            Compiled::Spaced(test) => return test.evaluate(message),
        };
        matched.then(ExtractedValues::default)
    }
}

/// A term: a literal substring. A phrase of blanks (`" "`) is a phrase like any other: it
/// is found where the message holds those blanks.
#[derive(Debug)]
struct TermTest {
    finder: Finder<'static>,
}

impl TermTest {
    fn new(text: &str) -> TermTest {
        TermTest { finder: Finder::new(text.as_bytes()).into_owned() }
    }

    fn found_in(&self, message: &str) -> bool {
        self.finder.find(message.as_bytes()).is_some()
    }
}

/// The event as a JSON object, or `None` when it is anything else (including JSON
/// followed by other text, and JSON nested deeper than `serde_json`'s recursion limit).
pub fn parse_event(message: &str) -> Option<Json> {
    match serde_json::from_str::<Json>(message) {
        Ok(value @ Json::Object(_)) => Some(value),
        _ => None,
    }
}

#[derive(Debug)]
enum JsonNode {
    Or(Vec<JsonNode>),
    And(Vec<JsonNode>),
    Condition { steps: Vec<Step>, test: ConditionTest },
}

/// What one JSON condition asks of the value its selector reaches.
#[derive(Debug)]
pub(super) enum ConditionTest {
    Compare(CompareOp, ValueTest),
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

impl ConditionTest {
    pub(super) fn compile(test: &JsonTest) -> Result<ConditionTest, PatternError> {
        Ok(match test {
            JsonTest::Compare(op, value) => ConditionTest::Compare(*op, ValueTest::compile(value)?),
            JsonTest::IsNull => ConditionTest::IsNull,
            JsonTest::IsTrue => ConditionTest::IsTrue,
            JsonTest::IsFalse => ConditionTest::IsFalse,
            JsonTest::NotExists => ConditionTest::NotExists,
        })
    }
}

impl JsonNode {
    fn compile(expr: &JsonExpr) -> Result<JsonNode, PatternError> {
        Ok(match expr {
            JsonExpr::Or(items) => JsonNode::Or(items.iter().map(JsonNode::compile).collect::<Result<_, _>>()?),
            JsonExpr::And(items) => JsonNode::And(items.iter().map(JsonNode::compile).collect::<Result<_, _>>()?),
            JsonExpr::Condition(condition) => JsonNode::Condition {
                steps: condition.selector.steps.clone(),
                test: ConditionTest::compile(&condition.test)?,
            },
        })
    }

    fn holds(&self, root: &Json) -> bool {
        match self {
            JsonNode::Or(items) => items.iter().any(|n| n.holds(root)),
            JsonNode::And(items) => items.iter().all(|n| n.holds(root)),
            JsonNode::Condition { steps, test } => condition_holds(test, root, steps),
        }
    }
}

/// The values a selector reaches. `.key` reads objects only, `[n]` arrays only; a
/// wildcard step (`[*]` or `.*`) yields every element of an array and every member of an
/// object, and nothing from a scalar or `null` (recorded: `$.a[*] IS NULL` does not hold
/// for `{"a":null}`, `$.a[*] NOT EXISTS` holds for `{"a":2}`). Anything else is not found.
pub fn resolve<'a>(root: &'a Json, steps: &[Step]) -> Vec<&'a Json> {
    let mut current = vec![root];
    for step in steps {
        let mut next = Vec::new();
        for value in current {
            match (step, value) {
                (Step::Key(key) | Step::QuotedKey(key), Json::Object(map)) => next.extend(map.get(key)),
                (Step::Index(i), Json::Array(items)) => next.extend(items.get(*i)),
                (Step::AnyElement | Step::AnyMember, Json::Array(items)) => next.extend(items.iter()),
                (Step::AnyElement | Step::AnyMember, Json::Object(map)) => next.extend(map.values()),
                _ => {}
            }
        }
        current = next;
    }
    current
}

/// Whether a condition holds for the event `root`.
///
/// Every test looks at the values the selector reaches (at most one without a wildcard):
/// - a comparison holds when a reached value is a string or number that compares as asked
///   (null, booleans, objects and arrays make every comparison false, `!=` included);
/// - `!=` with a wildcard is the negation of `=` over what the wildcard reached, on
///   condition that the selector up to the wildcard reaches something (recorded:
///   `$.a[*] != 2` holds for `{"a":2}`, `{"a":null}`, `{"a":[]}`, `{"a":[1]}`, and not for
///   `{}` or `{"a":[1,2]}`);
/// - `IS NULL`/`IS TRUE`/`IS FALSE` hold when a reached value is that literal or an array
///   holding it directly (recorded for `IS NULL` on `{"a":[null,2]}`);
/// - `NOT EXISTS` holds when nothing is reached.
fn condition_holds(test: &ConditionTest, root: &Json, steps: &[Step]) -> bool {
    let reached = resolve(root, steps);
    match test {
        ConditionTest::NotExists => reached.is_empty(),
        ConditionTest::IsNull => reached.iter().any(|v| is_or_contains(v, &Json::is_null)),
        ConditionTest::IsTrue => reached.iter().any(|v| is_or_contains(v, &|v| v.as_bool() == Some(true))),
        ConditionTest::IsFalse => reached.iter().any(|v| is_or_contains(v, &|v| v.as_bool() == Some(false))),
        ConditionTest::Compare(op, value) => match (op, steps_before_wildcard(steps)) {
            (CompareOp::Ne, Some(parent)) => {
                !resolve(root, parent).is_empty()
                    && !reached.iter().any(|v| compare(value, CompareOp::Eq, v) == Some(true))
            }
            _ => reached.iter().any(|v| compare(value, *op, v) == Some(true)),
        },
    }
}

/// `IS NULL` also holds for an array holding a `null` (recorded); `IS TRUE`/`IS FALSE`
/// are taken to behave the same way.
fn is_or_contains(value: &Json, test: &dyn Fn(&Json) -> bool) -> bool {
    test(value) || matches!(value, Json::Array(items) if items.iter().any(test))
}

/// One comparison; `None` when the value's type does not take part in comparisons.
fn compare(test: &ValueTest, op: CompareOp, value: &Json) -> Option<bool> {
    match value {
        Json::String(text) => test.compare_json_string(op, text),
        Json::Number(number) => test.compare_json_number(op, &JsonNumber::from_json(&number.to_string())),
        _ => None,
    }
}

/// A space-delimited pattern ready to align with events.
#[derive(Debug)]
struct SpacedTest {
    /// Pattern fields other than `...`: their key (`Some(name)`, or `None` for unnamed)
    /// and their conditions.
    fields: Vec<(Option<String>, Option<FieldNode>)>,
    ellipsis_at: Option<usize>,
}

#[derive(Debug)]
enum FieldNode {
    Or(Vec<FieldNode>),
    And(Vec<FieldNode>),
    Compare(CompareOp, ValueTest),
}

impl FieldNode {
    fn compile(expr: &FieldExpr) -> Result<FieldNode, PatternError> {
        Ok(match expr {
            FieldExpr::Or(items) => FieldNode::Or(items.iter().map(FieldNode::compile).collect::<Result<_, _>>()?),
            FieldExpr::And(items) => FieldNode::And(items.iter().map(FieldNode::compile).collect::<Result<_, _>>()?),
            FieldExpr::Compare(op, value) => FieldNode::Compare(*op, ValueTest::compile(value)?),
        })
    }

    fn holds(&self, text: &str) -> bool {
        match self {
            FieldNode::Or(items) => items.iter().any(|n| n.holds(text)),
            FieldNode::And(items) => items.iter().all(|n| n.holds(text)),
            FieldNode::Compare(op, value) => value.compare_field(*op, text) == Some(true),
        }
    }
}

impl SpacedTest {
    fn compile(pattern_fields: &[Field]) -> Result<SpacedTest, PatternError> {
        let mut fields = Vec::new();
        let mut ellipsis_at = None;
        for field in pattern_fields {
            match field {
                Field::Ellipsis(_) => ellipsis_at = Some(fields.len()),
                Field::Unnamed(_) => fields.push((None, None)),
                Field::Named { name, condition, .. } => {
                    fields.push((Some(name.clone()), condition.as_ref().map(FieldNode::compile).transpose()?));
                }
            }
        }
        Ok(SpacedTest { fields, ellipsis_at })
    }

    fn evaluate(&self, message: &str) -> Option<ExtractedValues> {
        let field_count = self.fields.len() + usize::from(self.ellipsis_at.is_some());
        let alignment = align(message, field_count, self.ellipsis_at)?;
        let mut named = Vec::new();
        let mut positional = Vec::new();
        for ((key, condition), (text, position)) in self.fields.iter().zip(&alignment.fields) {
            if let Some(condition) = condition {
                if !condition.holds(text) {
                    return None;
                }
            }
            match key {
                Some(name) => named.push((format!("${name}"), text.to_string())),
                None => positional.push((*position, text.to_string())),
            }
        }
        positional.extend(alignment.ellipsis.iter().map(|(text, position)| (*position, text.to_string())));
        positional.sort_by_key(|(position, _)| *position);
        named.extend(positional.into_iter().map(|(position, text)| (format!("${position}"), text)));
        Some(ExtractedValues::from_field_order(named))
    }
}
