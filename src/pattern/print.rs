//! The normalised text of a pattern: one space between tokens, minimal parentheses,
//! quoted strings re-escaped. It parses back to an equal AST.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::*;
use super::lex::quote;

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::MatchAll => Ok(()),
            Pattern::Terms(terms) => {
                for (i, term) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    write!(f, "{term}")?;
                }
                Ok(())
            }
            Pattern::Regex(literal) => write!(f, "{literal}"),
            Pattern::Json(expr) => write!(f, "{{ {expr} }}"),
            Pattern::Spaced(fields) => {
                f.write_char('[')?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{field}")?;
                }
                // A trailing unnamed field needs its comma to survive: `[a, ]`.
                f.write_char(']')
            }
        }
    }
}

impl Display for Term {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.role {
            TermRole::Required => {}
            TermRole::Optional => f.write_char('?')?,
            TermRole::Excluded => f.write_char('-')?,
        }
        if self.quoted {
            f.write_str(&quote(&self.text))
        } else {
            f.write_str(&self.text)
        }
    }
}

impl Display for RegexLiteral {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "%{}%", self.source)
    }
}

impl Display for JsonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            JsonExpr::Or(items) => join(f, items, " || ", |_| false),
            JsonExpr::And(items) => join(f, items, " && ", |e| matches!(e, JsonExpr::Or(_))),
            JsonExpr::Condition(condition) => write!(f, "{condition}"),
        }
    }
}

fn join(
    f: &mut Formatter<'_>,
    items: &[JsonExpr],
    separator: &str,
    needs_parens: fn(&JsonExpr) -> bool,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        if needs_parens(item) {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}

impl Display for JsonCondition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.selector, self.test)
    }
}

impl Display for JsonTest {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            JsonTest::Compare(op, value) => write!(f, "{op} {value}"),
            JsonTest::IsNull => f.write_str("IS NULL"),
            JsonTest::IsTrue => f.write_str("IS TRUE"),
            JsonTest::IsFalse => f.write_str("IS FALSE"),
            JsonTest::NotExists => f.write_str("NOT EXISTS"),
        }
    }
}

impl Display for Selector {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('$')?;
        for step in &self.steps {
            match step {
                Step::Key(key) => write!(f, ".{key}")?,
                Step::QuotedKey(key) => write!(f, ".['{key}']")?,
                Step::Index(index) => write!(f, "[{index}]")?,
                Step::AnyElement => f.write_str("[*]")?,
                Step::AnyMember => f.write_str(".*")?,
            }
        }
        Ok(())
    }
}

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(text) => f.write_str(text),
            Value::Text { text, quoted: true } => f.write_str(&quote(text)),
            Value::Text { text, quoted: false } => f.write_str(text),
            Value::Regex(literal) => write!(f, "{literal}"),
        }
    }
}

impl Display for Field {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Field::Ellipsis(_) => f.write_str("..."),
            Field::Unnamed(_) => Ok(()),
            Field::Named { name, condition: None, .. } => f.write_str(name),
            Field::Named { name, condition: Some(condition), .. } => write_field_expr(f, name, condition),
        }
    }
}

fn write_field_expr(f: &mut Formatter<'_>, name: &str, expr: &FieldExpr) -> fmt::Result {
    let (items, separator) = match expr {
        FieldExpr::Compare(op, value) => return write!(f, "{name} {op} {value}"),
        FieldExpr::Or(items) => (items, " || "),
        FieldExpr::And(items) => (items, " && "),
    };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write_field_expr(f, name, item)?;
    }
    Ok(())
}

/// The field's conditions as text, without the field name prefix of the first clause.
pub fn field_condition_text(name: &str, expr: &FieldExpr) -> String {
    struct Show<'a>(&'a str, &'a FieldExpr);
    impl Display for Show<'_> {
        fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
            write_field_expr(f, self.0, self.1)
        }
    }
    Show(name, expr).to_string()
}
