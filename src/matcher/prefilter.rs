//! Literal prefilters: text that every matching event must contain, checked with a
//! substring search before any JSON is read.
//!
//! A prefilter is *sound*: it never rejects an event the reference evaluator would match.
//! For JSON patterns that needs care, because a JSON string may spell its characters with
//! escapes (`"Console\u004cogin"` is `ConsoleLogin`). A literal is therefore only taken
//! from text without `"`, `\` or control characters, and an event that contains `\u` (or
//! `\/`, for literals with `/`) always passes. Text that could be a number's Java spelling
//! (`1000.0`, `Infinity`) never becomes a literal, since numbers compare by that text.

use std::fmt;

use super::value::Glob;
use crate::pattern::{
    steps_before_wildcard, CompareOp, Field, FieldExpr, JsonExpr, JsonTest, Pattern, Step, TermRole, Value,
};

/// Which events may match: those containing at least one of `literals`; or every event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prefilter {
    /// No literal is required.
    All,
    /// At least one of these must occur.
    AnyOf { literals: Vec<String>, json_escapes: bool },
}

impl fmt::Display for Prefilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prefilter::All => f.write_str("none (every event is evaluated)"),
            Prefilter::AnyOf { literals, json_escapes } => {
                let shown: Vec<String> = literals.iter().map(|l| format!("'{l}'")).collect();
                write!(f, "any of {}", shown.join(", "))?;
                if *json_escapes {
                    f.write_str(" (events with \\u escapes are always evaluated)")?;
                }
                Ok(())
            }
        }
    }
}

/// A required-literal constraint with a rough selectivity score (higher is rarer).
#[derive(Clone, Debug)]
struct Need {
    literals: Vec<String>,
    score: usize,
}

impl Need {
    fn one(literal: String, weight: usize) -> Need {
        Need { score: literal.len() * weight, literals: vec![literal] }
    }

    /// Either need holds: all alternatives; the weakest one bounds the score.
    fn or(self, other: Need) -> Need {
        let score = self.score.min(other.score);
        let mut literals = self.literals;
        literals.extend(other.literals);
        literals.sort();
        literals.dedup();
        Need { literals, score }
    }
}

/// Both needs hold: keep the more selective.
fn best(a: Option<Need>, b: Option<Need>) -> Option<Need> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.score > a.score { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Values weigh more than keys: `"ConsoleLogin"` is rarer than the key `eventName`.
const VALUE_WEIGHT: usize = 4;
const KEY_WEIGHT: usize = 1;

/// Top-level CloudTrail fields whose values recur in most records (`eventSource` names one
/// of a few hundred services, and a trail is dominated by a handful): their values weigh as
/// keys, so that `$.eventSource = kms.amazonaws.com && ($.eventName = DisableKey || ...)` screens
/// on the event names. The choice only changes speed, never which events match.
const COMMON_VALUE_KEYS: [&str; 5] = ["eventSource", "awsRegion", "eventType", "eventCategory", "eventVersion"];

impl Prefilter {
    pub fn for_pattern(pattern: &Pattern) -> Prefilter {
        let (need, json_escapes) = match pattern {
            Pattern::Terms(terms) => (terms_need(terms), false),
            Pattern::Json(expr) => (json_need(expr), true),
            Pattern::Spaced(fields) => {
                (fields.iter().filter_map(field_need).fold(None, |acc, n| best(acc, Some(n))), false)
            }
            Pattern::MatchAll | Pattern::Regex(_) => (None, false),
        };
        match need {
            Some(need) if !need.literals.iter().any(String::is_empty) => {
                Prefilter::AnyOf { literals: need.literals, json_escapes }
            }
            _ => Prefilter::All,
        }
    }

    /// Whether `message` may match (a slow reference check; the matchers use automata).
    pub fn admits(&self, message: &str) -> bool {
        match self {
            Prefilter::All => true,
            Prefilter::AnyOf { literals, json_escapes } => {
                (*json_escapes && has_json_escape(message, literals))
                    || literals.iter().any(|l| message.contains(l.as_str()))
            }
        }
    }
}

/// Whether a JSON text uses an escape that could spell one of `literals` differently.
pub fn has_json_escape(message: &str, literals: &[String]) -> bool {
    let bytes = message.as_bytes();
    memchr::memmem::find(bytes, b"\\u").is_some()
        || (literals.iter().any(|l| l.contains('/')) && memchr::memmem::find(bytes, b"\\/").is_some())
}

fn terms_need(terms: &[crate::pattern::Term]) -> Option<Need> {
    let required: Vec<&str> = terms.iter().filter(|t| t.role == TermRole::Required).map(|t| t.text.as_str()).collect();
    if let Some(longest) = required.iter().max_by_key(|t| t.len()) {
        return Some(Need::one(longest.to_string(), VALUE_WEIGHT));
    }
    if terms.iter().any(|t| t.role != TermRole::Optional) {
        return None;
    }
    any_of(terms.iter().map(|t| Some(Need::one(t.text.clone(), VALUE_WEIGHT))))
}

/// Alternatives: each must need something, and any of their literals will do.
fn any_of(needs: impl Iterator<Item = Option<Need>>) -> Option<Need> {
    let mut all: Option<Need> = None;
    for need in needs {
        let need = need?;
        all = Some(match all {
            Some(a) => a.or(need),
            None => need,
        });
    }
    all
}

fn json_need(expr: &JsonExpr) -> Option<Need> {
    match expr {
        JsonExpr::And(items) => items.iter().map(json_need).fold(None, best),
        JsonExpr::Or(items) => any_of(items.iter().map(json_need)),
        JsonExpr::Condition(condition) => {
            if condition.test == JsonTest::NotExists {
                return None;
            }
            // Every key on the path must be present for any other test to hold, except that
            // a wildcard `!=` needs only the keys before its wildcard.
            let steps = condition.selector.steps.as_slice();
            let required = match &condition.test {
                JsonTest::Compare(CompareOp::Ne, _) => steps_before_wildcard(steps).unwrap_or(steps),
                _ => steps,
            };
            let key = required
                .iter()
                .filter_map(|s| match s {
                    Step::Key(k) | Step::QuotedKey(k) if usable(k) => Some(k),
                    _ => None,
                })
                .max_by_key(|k| k.len())
                .map(|k| Need::one(format!("\"{k}\""), KEY_WEIGHT));
            let value_weight = match condition.selector.steps.as_slice() {
                [Step::Key(k) | Step::QuotedKey(k)] if COMMON_VALUE_KEYS.contains(&k.as_str()) => KEY_WEIGHT,
                _ => VALUE_WEIGHT,
            };
            let value = match &condition.test {
                JsonTest::Compare(CompareOp::Eq, Value::Text { text, .. }) => json_value_literal(text, value_weight),
                _ => None,
            };
            best(key, value)
        }
    }
}

/// The raw JSON text an `=` comparison with `text` (a glob) requires, quotes included
/// where the glob pins the start or end of the string.
fn json_value_literal(text: &str, weight: usize) -> Option<Need> {
    let glob = Glob::new(text);
    let core = glob.literal();
    if core.is_empty() || !usable(core) || could_be_number_text(core) {
        return None;
    }
    let open = if glob.any_prefix() { "" } else { "\"" };
    let close = if glob.any_suffix() { "" } else { "\"" };
    Some(Need::one(format!("{open}{core}{close}"), weight))
}

/// Text that can appear raw in JSON only one way.
fn usable(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(|c| c == '"' || c == '\\' || c.is_control())
}

/// Whether a number's Java text could contain or equal `text`.
fn could_be_number_text(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'E' | 'e'))
        || "-Infinity".contains(text)
        || "NaN".contains(text)
}

fn field_need(field: &Field) -> Option<Need> {
    match field {
        Field::Named { condition: Some(condition), .. } => field_expr_need(condition),
        _ => None,
    }
}

fn field_expr_need(expr: &FieldExpr) -> Option<Need> {
    match expr {
        FieldExpr::And(items) => items.iter().map(field_expr_need).fold(None, best),
        FieldExpr::Or(items) => any_of(items.iter().map(field_expr_need)),
        // A field's text is a substring of the message, so an `=` glob's fixed part is too.
        FieldExpr::Compare(CompareOp::Eq, Value::Text { text, .. }) => {
            let core = Glob::new(text).literal().to_string();
            (!core.is_empty()).then(|| Need::one(core, VALUE_WEIGHT))
        }
        FieldExpr::Compare(..) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::parse;

    fn literals(pattern: &str) -> Vec<String> {
        match Prefilter::for_pattern(&parse(pattern).unwrap()) {
            Prefilter::All => Vec::new(),
            Prefilter::AnyOf { literals, .. } => literals,
        }
    }

    #[test]
    fn picks_the_rarest_required_literal() {
        assert_eq!(
            literals(r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#),
            ["\"Failed authentication\""]
        );
        assert_eq!(
            literals(r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#),
            ["\"AccessDenied", "UnauthorizedOperation\""]
        );
        assert_eq!(
            literals("{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }"),
            ["\"DisableKey\"", "\"ScheduleKeyDeletion\""],
            "event sources are common in CloudTrail, event names rarer"
        );
        assert_eq!(literals("{ $.eventSource = kms.amazonaws.com }"), ["\"kms.amazonaws.com\""]);
        assert_eq!(
            literals("{ ($.requestParameters.eventSource = kms.amazonaws.com) && ($.eventName = DisableKey) }"),
            ["\"kms.amazonaws.com\""],
            "only CloudTrail's own top-level fields are common"
        );
        assert_eq!(literals("{ $.a > 5 }"), ["\"a\""]);
        assert_eq!(literals("ERROR -timeout ?WARN"), ["ERROR"]);
        assert_eq!(literals("?ERROR ?WARN"), ["ERROR", "WARN"]);
        assert_eq!(literals("[level=ERROR, ...]"), ["ERROR"]);
    }

    #[test]
    fn stays_sound_where_text_is_ambiguous() {
        assert!(literals("{ $.a NOT EXISTS }").is_empty());
        assert!(literals("{ $.a = 1 || $.b NOT EXISTS }").is_empty());
        // Numbers compare by their Java text: "1000.0" may be spelled 1e3.
        assert_eq!(literals(r#"{ $.a = "1000.0" }"#), ["\"a\""]);
        assert_eq!(literals(r#"{ $.a = "Infinity" }"#), ["\"a\""]);
        assert_eq!(literals(r#"{ $.a = "say \"hi\"" }"#), ["\"a\""]);
        assert!(literals("-ERROR").is_empty());
        assert!(literals("%ERR%").is_empty());
        // A phrase of blanks is a literal like any other.
        assert_eq!(literals("?ERROR ?\" \""), [" ", "ERROR"]);
        // A wildcard `!=` holds without the keys after its wildcard.
        assert_eq!(literals("{ $.a[*].b != 2 }"), ["\"a\""]);
        assert_eq!(literals("{ $.a[*].b = 2 }"), ["\"b\""]);
    }

    #[test]
    fn escaped_events_always_pass_json_prefilters() {
        let p = Prefilter::for_pattern(&parse("{ $.eventName = ConsoleLogin }").unwrap());
        assert!(!p.admits(r#"{"eventName":"GetObject"}"#));
        assert!(p.admits(r#"{"eventName":"Console\u004cogin"}"#));
        assert!(p.admits(r#"{"eventName":"ConsoleLogin"}"#));
    }
}
