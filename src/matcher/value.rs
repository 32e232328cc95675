//! A condition's right-hand side, compiled: how one value is compared with event data.

use std::cmp::Ordering;

use regex::Regex;

use super::number::{Decimal, JsonNumber};
use crate::pattern::{aws_regex, CompareOp, PatternError, Value};

/// A compiled comparison value.
#[derive(Clone, Debug)]
pub enum ValueTest {
    /// A numeric literal: numeric against numbers, textual (as written) against strings.
    Number { written: String, value: Decimal },
    /// Exact text, or a wildcard match when the text starts and/or ends with `*`.
    Glob(Glob),
    /// `%regex%`, searched in the text.
    Regex(Regex),
}

impl ValueTest {
    pub fn compile(value: &Value) -> Result<ValueTest, PatternError> {
        Ok(match value {
            Value::Number(written) => match Decimal::parse(written) {
                Some(value) => ValueTest::Number { written: written.clone(), value },
                // An exponent too large to represent: only its text can ever be equal.
                None => ValueTest::Glob(Glob::exact(written)),
            },
            Value::Text { text, .. } => ValueTest::Glob(Glob::new(text)),
            Value::Regex(literal) => ValueTest::Regex(aws_regex::compile(literal)?),
        })
    }

    /// Against a JSON string: always textual (`= 1` matches `"1"` but not `"01"`, and
    /// `> 0` never matches a string).
    pub fn compare_json_string(&self, op: CompareOp, text: &str) -> Option<bool> {
        match self {
            ValueTest::Number { written, .. } => text_equality(op, text == written),
            _ => self.compare_text(op, text),
        }
    }

    /// Against a JSON number: numeric for numeric literals (an overflowing number matches
    /// nothing), otherwise against the number's Java text.
    pub fn compare_json_number(&self, op: CompareOp, number: &JsonNumber) -> Option<bool> {
        match self {
            ValueTest::Number { value, .. } => number.value.as_ref().map(|n| apply(op, n.cmp(value))),
            _ => self.compare_text(op, &number.text),
        }
    }

    /// Against a space-delimited field: a field that reads as a number compares
    /// numerically with a numeric literal (`[a=1]` matches `1.0`), any other field
    /// textually.
    pub fn compare_field(&self, op: CompareOp, field: &str) -> Option<bool> {
        match self {
            ValueTest::Number { written, value } => match Decimal::parse(field) {
                Some(number) => Some(apply(op, number.cmp(value))),
                None => text_equality(op, field == written),
            },
            _ => self.compare_text(op, field),
        }
    }

    fn compare_text(&self, op: CompareOp, text: &str) -> Option<bool> {
        match self {
            ValueTest::Glob(glob) => text_equality(op, glob.matches(text)),
            ValueTest::Regex(regex) => text_equality(op, regex.is_match(text)),
            ValueTest::Number { written, .. } => text_equality(op, text == written),
        }
    }
}

/// `=` and `!=` on text; ordering operators never apply to text.
fn text_equality(op: CompareOp, equal: bool) -> Option<bool> {
    match op {
        CompareOp::Eq => Some(equal),
        CompareOp::Ne => Some(!equal),
        _ => None,
    }
}

fn apply(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering.is_eq(),
        CompareOp::Ne => ordering.is_ne(),
        CompareOp::Lt => ordering.is_lt(),
        CompareOp::Le => ordering.is_le(),
        CompareOp::Gt => ordering.is_gt(),
        CompareOp::Ge => ordering.is_ge(),
    }
}

/// Text with optional `*` at its start and/or end; a `*` elsewhere is an ordinary
/// character (`Ev*ent` equals only the text `Ev*ent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    literal: String,
    any_prefix: bool,
    any_suffix: bool,
}

impl Glob {
    pub fn new(text: &str) -> Glob {
        let any_prefix = text.starts_with('*');
        let rest = if any_prefix { &text[1..] } else { text };
        let any_suffix = rest.ends_with('*');
        let literal = if any_suffix { &rest[..rest.len() - 1] } else { rest };
        Glob { literal: literal.to_string(), any_prefix, any_suffix }
    }

    pub fn exact(text: &str) -> Glob {
        Glob { literal: text.to_string(), any_prefix: false, any_suffix: false }
    }

    pub fn matches(&self, text: &str) -> bool {
        match (self.any_prefix, self.any_suffix) {
            (false, false) => text == self.literal,
            (false, true) => text.starts_with(&self.literal),
            (true, false) => text.ends_with(&self.literal),
            (true, true) => text.contains(&self.literal),
        }
    }

    /// The text every match contains (for prefilters and explanations).
    pub fn literal(&self) -> &str {
        &self.literal
    }

    /// Whether anything may come before the literal.
    pub fn any_prefix(&self) -> bool {
        self.any_prefix
    }

    /// Whether anything may come after the literal.
    pub fn any_suffix(&self) -> bool {
        self.any_suffix
    }

    pub fn describe(&self) -> String {
        match (self.any_prefix, self.any_suffix) {
            (false, false) => format!("equals {:?}", self.literal),
            (false, true) if self.literal.is_empty() => "is any string or number".to_string(),
            (false, true) => format!("starts with {:?}", self.literal),
            (true, false) if self.literal.is_empty() => "is any string or number".to_string(),
            (true, false) => format!("ends with {:?}", self.literal),
            (true, true) => format!("contains {:?}", self.literal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_only_honour_outer_stars() {
        assert!(Glob::new("*").matches(""));
        assert!(Glob::new("*").matches("anything"));
        assert!(Glob::new("foo*").matches("foobar"));
        assert!(!Glob::new("foo*").matches("FOO"));
        assert!(Glob::new("*Trail").matches("UpdateTrail"));
        assert!(Glob::new("*date*").matches("UpdateTrail"));
        assert!(Glob::new("Ev*ent").matches("Ev*ent"));
        assert!(!Glob::new("Ev*ent").matches("Event"));
        assert!(Glob::new("**").matches("x"));
    }

    #[test]
    fn numeric_literal_against_strings_is_textual() {
        let one = ValueTest::compile(&Value::Number("1".into())).unwrap();
        assert_eq!(one.compare_json_string(CompareOp::Eq, "1"), Some(true));
        assert_eq!(one.compare_json_string(CompareOp::Eq, "01"), Some(false));
        assert_eq!(one.compare_json_string(CompareOp::Gt, "5"), None);
        assert_eq!(one.compare_field(CompareOp::Eq, "1.0"), Some(true));
        assert_eq!(one.compare_field(CompareOp::Ne, "abc"), Some(true));
        assert_eq!(one.compare_field(CompareOp::Gt, "abc"), None);
    }
}
