//! A plain-language account of how trailwatch reads a pattern (`trailwatch explain`).

use std::fmt::{self, Display, Formatter};

use crate::matcher::value::Glob;
use crate::matcher::Prefilter;
use crate::pattern::{
    aws_regex, steps_before_wildcard, CompareOp, Field, FieldExpr, JsonExpr, JsonTest, Pattern, Selector, Step,
    TermRole, Value,
};

/// The explanation of one pattern: its kind, normalised text and conditions as a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub kind: &'static str,
    pub normalised: String,
    pub lines: Vec<(usize, String)>,
    /// The literals an event must contain before it is evaluated at all.
    pub prefilter: String,
    /// How a candidate event is evaluated.
    pub evaluation: &'static str,
}

impl Display for Explanation {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "kind:        {}", self.kind)?;
        writeln!(f, "normalised:  {}", if self.normalised.is_empty() { "(empty)" } else { &self.normalised })?;
        writeln!(f, "meaning:")?;
        for (depth, line) in &self.lines {
            writeln!(f, "{:indent$}{line}", "", indent = 2 + depth * 2)?;
        }
        writeln!(f, "prefilter:   {}", self.prefilter)?;
        writeln!(f, "evaluation:  {}", self.evaluation)
    }
}

pub fn explain(pattern: &Pattern) -> Explanation {
    let mut lines = Vec::new();
    match pattern {
        Pattern::MatchAll => lines.push((0, "every event matches (the pattern is empty or blank)".to_string())),
        Pattern::Terms(terms) => explain_terms(terms, &mut lines),
        Pattern::Regex(literal) => {
            lines.push((0, format!("the message contains a match of the regular expression %{}%", literal.source)));
            lines.push((
                1,
                format!(
                    "searched anywhere in the message; as the regex crate reads it: {}",
                    translated(&literal.source)
                ),
            ));
        }
        Pattern::Json(expr) => {
            lines.push((0, "the message is a JSON object (anything else never matches) and".to_string()));
            explain_json(expr, 1, &mut lines);
        }
        Pattern::Spaced(fields) => explain_fields(fields, &mut lines),
    }
    let evaluation = match pattern {
        Pattern::Json(expr) if !expr.has_wildcard() => {
            "lazy JSON: the selected fields are read in one pass, no document is built"
        }
        Pattern::Json(_) => "whole JSON document (a wildcard selector visits every element)",
        Pattern::Regex(_) => "regular expression search",
        Pattern::Spaced(_) => "fields split and aligned",
        Pattern::Terms(_) | Pattern::MatchAll => "substring search",
    };
    Explanation {
        kind: pattern.kind_name(),
        normalised: pattern.to_string(),
        lines,
        prefilter: Prefilter::for_pattern(pattern).to_string(),
        evaluation,
    }
}

fn translated(source: &str) -> String {
    aws_regex::translate(source).unwrap_or_else(|why| format!("(does not compile: {why})"))
}

fn explain_terms(terms: &[crate::pattern::Term], lines: &mut Vec<(usize, String)>) {
    let has_plain = terms.iter().any(|t| t.role != TermRole::Optional);
    let describe = |t: &crate::pattern::Term| format!("{:?}", t.text);
    lines.push((0, "case-sensitive substring search in the raw message; every line below must hold:".to_string()));
    for term in terms {
        match term.role {
            TermRole::Required => lines.push((1, format!("contains {}", describe(term)))),
            TermRole::Excluded => lines.push((1, format!("does not contain {}", describe(term)))),
            TermRole::Optional if has_plain => lines.push((
                1,
                format!("(ignored) ?{}: AWS ignores `?` terms when plain or `-` terms are present", describe(term)),
            )),
            TermRole::Optional => {}
        }
    }
    if !has_plain {
        let options: Vec<String> = terms.iter().map(describe).collect();
        lines.push((1, format!("contains at least one of {}", options.join(", "))));
    }
    // A `-` or `?` written inside a word (`ERROR-CODE`) starts a new term, as AWS reads it;
    // say so, since the writer more likely meant the text.
    for pair in terms.windows(2) {
        if let [before, after] = pair {
            if before.span.end == after.span.start && after.role != TermRole::Required {
                let joined = format!("{}{}", before, after);
                lines.push((
                    0,
                    format!(
                        "note: `{joined}` is read as `{before} {after}`: a `-` or `?` inside a word starts a new term; write {} to search for the text",
                        crate::pattern::quote_term(&format!("{}{}{}", before.text, prefix(after.role), after.text))
                    ),
                ));
            }
        }
    }
}

fn prefix(role: TermRole) -> &'static str {
    match role {
        TermRole::Required => "",
        TermRole::Optional => "?",
        TermRole::Excluded => "-",
    }
}

fn explain_json(expr: &JsonExpr, depth: usize, lines: &mut Vec<(usize, String)>) {
    match expr {
        JsonExpr::Or(items) => {
            lines.push((depth, "ANY of:".to_string()));
            items.iter().for_each(|e| explain_json(e, depth + 1, lines));
        }
        JsonExpr::And(items) => {
            lines.push((depth, "ALL of:".to_string()));
            items.iter().for_each(|e| explain_json(e, depth + 1, lines));
        }
        JsonExpr::Condition(condition) => {
            lines.push((depth, condition.to_string()));
            lines.push((depth + 1, describe_condition(&condition.selector, &condition.test)));
        }
    }
}

fn describe_selector(selector: &Selector) -> String {
    let mut path = String::from("the value at ");
    path.push_str(&selector.to_string());
    if selector.steps.iter().any(|s| matches!(s, Step::AnyElement | Step::AnyMember)) {
        path.push_str(" (each element/member the wildcard reaches)");
    }
    path
}

fn describe_condition(selector: &Selector, test: &JsonTest) -> String {
    let wildcard = selector.wildcard_count() > 0;
    let subject = describe_selector(selector);
    let or_holding = |literal: &str| format!("true when {subject} is {literal}, or an array holding {literal}");
    match test {
        JsonTest::NotExists if wildcard => {
            format!("true when {selector} reaches nothing (a missing field, a scalar, null, an empty array or object)")
        }
        JsonTest::NotExists => format!("true when {selector} does not exist (a null exists)"),
        JsonTest::IsNull => or_holding("null"),
        JsonTest::IsTrue => or_holding("the JSON boolean true"),
        JsonTest::IsFalse => or_holding("the JSON boolean false"),
        JsonTest::Compare(CompareOp::Ne, value) if wildcard => {
            let parent = steps_before_wildcard(&selector.steps).unwrap_or(&selector.steps);
            let parent = Selector { steps: parent.to_vec(), span: selector.span };
            format!(
                "true when {parent} exists (null, a scalar or an empty array will do) and nothing {selector} reaches {}",
                describe_value(CompareOp::Eq, value)
            )
        }
        JsonTest::Compare(op, value) => {
            let quantifier = if wildcard { "any of " } else { "" };
            format!(
                "true when {quantifier}{subject} {} (missing fields, null, booleans, objects and arrays never compare)",
                describe_value(*op, value)
            )
        }
    }
}

fn describe_value(op: CompareOp, value: &Value) -> String {
    let negate = op == CompareOp::Ne;
    let not = if negate { "not " } else { "" };
    match value {
        Value::Number(n) if op.is_ordering() => format!("is a number {op} {n} (exact decimal comparison)"),
        Value::Number(n) => {
            format!("is {not}a number equal to {n} (exact decimal comparison) or {not}a string spelled exactly {n:?}")
        }
        Value::Text { text, .. } => {
            let glob = Glob::new(text);
            format!(
                "is a string or number whose text {}{}",
                if negate { "does not satisfy: " } else { "" },
                glob.describe()
            )
        }
        Value::Regex(literal) => format!(
            "is a string or number whose text {}contains a match of %{}%",
            if negate { "does not " } else { "" },
            literal.source
        ),
    }
}

fn explain_fields(fields: &[Field], lines: &mut Vec<(usize, String)>) {
    if fields.is_empty() {
        lines.push((0, "every event matches; each whitespace-separated field is extracted as $1, $2, ...".to_string()));
        return;
    }
    let has_ellipsis = fields.iter().any(|f| matches!(f, Field::Ellipsis(_)));
    let fixed = fields.len() - usize::from(has_ellipsis);
    lines.push((
        0,
        format!(
        "the message splits into at least {fixed} whitespace-separated fields (\"...\" and [...] are one field each){}",
        if has_ellipsis { "" } else { "; the last pattern field takes the rest of the line" }
    ),
    ));
    for (i, field) in fields.iter().enumerate() {
        match field {
            Field::Ellipsis(_) => lines.push((1, "...: any number of fields, extracted as $<position>".to_string())),
            Field::Unnamed(_) => lines.push((1, format!("field {}: unnamed, extracted as $<position>", i + 1))),
            Field::Named { name, condition: None, .. } => lines.push((1, format!("${name}: any value"))),
            Field::Named { name, condition: Some(condition), .. } => {
                lines.push((
                    1,
                    format!("${name}: must satisfy {}", crate::pattern::field_condition_text(name, condition)),
                ));
                explain_field_expr(condition, 2, lines);
            }
        }
    }
}

fn explain_field_expr(expr: &FieldExpr, depth: usize, lines: &mut Vec<(usize, String)>) {
    match expr {
        FieldExpr::Or(items) => {
            lines.push((depth, "ANY of:".to_string()));
            items.iter().for_each(|e| explain_field_expr(e, depth + 1, lines));
        }
        FieldExpr::And(items) => {
            lines.push((depth, "ALL of:".to_string()));
            items.iter().for_each(|e| explain_field_expr(e, depth + 1, lines));
        }
        FieldExpr::Compare(op, Value::Number(n)) => lines.push((
            depth,
            format!(
                "the field read as a number is {op} {n}{}",
                if op.is_ordering() {
                    " (a field that is not a number fails)"
                } else {
                    " (a field that is not a number is compared as text)"
                }
            ),
        )),
        FieldExpr::Compare(op, value) => lines.push((
            depth,
            format!("the field {}", describe_value(*op, value).replacen("is a string or number whose text", "text", 1)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> String {
        explain(&crate::pattern::parse(text).expect("valid pattern")).to_string()
    }

    #[test]
    fn wildcard_conditions_are_explained_by_the_recorded_rules() {
        let ne = lines("{ $.a[*].b != 2 }");
        assert!(ne.contains("true when $.a exists (null, a scalar or an empty array will do)"), "{ne}");
        let missing = lines("{ $.a[*] NOT EXISTS }");
        assert!(missing.contains("reaches nothing (a missing field, a scalar, null"), "{missing}");
        let null = lines("{ $.a IS NULL }");
        assert!(null.contains("is null, or an array holding null"), "{null}");
    }

    #[test]
    fn split_words_show_in_the_normal_form() {
        let text = lines("ERROR-CODE?x");
        assert!(text.contains("ERROR -CODE ?x"), "{text}");
        assert!(text.contains("does not contain \"CODE\""), "{text}");
        assert!(text.contains("note: `ERROR-CODE` is read as `ERROR -CODE`"), "{text}");
        assert!(text.contains("write \"ERROR-CODE\" to search for the text"), "{text}");
        assert!(!lines("ERROR -CODE").contains("note:"));
    }
}
