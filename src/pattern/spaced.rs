//! Space-delimited patterns: `[ip, user, ..., status_code = 4* || status_code = 5*, bytes]`.
//!
//! Fields are separated by commas; a field is empty (unnamed), `...`, or a name with
//! optional conditions. Conditions on a field may be chained with `&&` (binding tighter)
//! and `||`, and every clause must name that same field.

use std::collections::HashSet;

use super::ast::{CompareOp, Field, FieldExpr, Span, Value};
use super::error::PatternError;
use super::lex::{char_at, name_run, skip_ws};
use super::value::{operator, unexpected, value, ValueContext};

/// Parses the pattern whose `[` is at `open` and whose `]` is at `close`.
pub(super) fn parse(pattern: &str, open: usize, close: usize) -> Result<Vec<Field>, PatternError> {
    let mut fields = Vec::new();
    let mut pos = skip_ws(pattern, open + 1, close);
    if pos == close {
        return Ok(fields);
    }
    let mut seen: HashSet<String> = HashSet::new();
    loop {
        pos = skip_ws(pattern, pos, close);
        let start = pos;
        let field = match char_at(pattern, pos, close) {
            None | Some(',') => Field::Unnamed(Span::new(start, start)),
            Some('.') if pattern[pos..close].starts_with("...") => {
                pos += 3;
                Field::Ellipsis(Span::new(start, pos))
            }
            Some(_) => {
                let (name, next) = field_name(pattern, pos, close)?;
                pos = skip_ws(pattern, next, close);
                let condition = if operator(pattern, pos, close).is_some() {
                    let (condition, next) = conditions(pattern, pos, close, &name)?;
                    pos = next;
                    Some(condition)
                } else {
                    None
                };
                Field::Named { name, condition, span: Span::new(start, pos) }
            }
        };
        let key = match &field {
            Field::Ellipsis(_) => Some("...".to_string()),
            Field::Named { name, .. } => Some(name.clone()),
            Field::Unnamed(_) => None,
        };
        if let Some(key) = key {
            if !seen.insert(key.clone()) {
                return Err(PatternError::other(
                    format!("Duplicate field '{key}'"),
                    Span::new(start, pos.max(start + 1)),
                    "each name and `...` at most once",
                ));
            }
        }
        fields.push(field);
        pos = skip_ws(pattern, pos, close);
        match char_at(pattern, pos, close) {
            None => break,
            Some(',') => pos += 1,
            _ => return Err(unexpected(pattern, pos, close, "`,` or `]` after the field")),
        }
    }
    Ok(fields)
}

/// A field name: letters, digits, `_` and `-`, not starting with a digit or `-`.
fn field_name(pattern: &str, pos: usize, close: usize) -> Result<(String, usize), PatternError> {
    let expected = "a field name (letters, digits, `_`, `-`, starting with a letter or `_`), `...`, or `,`";
    match name_run(&pattern[pos..close]) {
        Ok((_, name)) => {
            let next = pos + name.len();
            if name.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
                return Err(PatternError::invalid_term(pattern, Span::new(pos, next), expected));
            }
            Ok((name.to_string(), next))
        }
        Err(_) => Err(unexpected(pattern, pos, close, expected)),
    }
}

/// `op value { (&& | ||) name op value }` for the field `name`, starting at an operator.
fn conditions(pattern: &str, mut pos: usize, close: usize, name: &str) -> Result<(FieldExpr, usize), PatternError> {
    // Alternatives of conjunctions: `a && b || c` is `(a && b) || c`.
    let mut alternatives: Vec<Vec<FieldExpr>> = vec![Vec::new()];
    loop {
        let (op, value, next) = comparison(pattern, pos, close)?;
        if let Some(current) = alternatives.last_mut() {
            current.push(FieldExpr::Compare(op, value));
        }
        pos = skip_ws(pattern, next, close);
        let rest = &pattern[pos..close];
        let is_or = rest.starts_with("||");
        if !is_or && !rest.starts_with("&&") {
            break;
        }
        pos = skip_ws(pattern, pos + 2, close);
        let (other, next) = field_name(pattern, pos, close)?;
        if other != name {
            return Err(PatternError::other(
                format!("Multiple variables used in a single filter. Var1 : {name}, Var2 : {other}"),
                Span::new(pos, next),
                format!("`{name}` again: the conditions of one field can only test that field"),
            ));
        }
        pos = skip_ws(pattern, next, close);
        if is_or {
            alternatives.push(Vec::new());
        }
    }
    let mut ors: Vec<FieldExpr> = alternatives
        .into_iter()
        .map(|mut ands| if ands.len() == 1 { ands.remove(0) } else { FieldExpr::And(ands) })
        .collect();
    let expr = if ors.len() == 1 { ors.remove(0) } else { FieldExpr::Or(ors) };
    Ok((expr, pos))
}

fn comparison(pattern: &str, pos: usize, close: usize) -> Result<(CompareOp, Value, usize), PatternError> {
    let Some((op, len)) = operator(pattern, pos, close) else {
        return Err(unexpected(pattern, pos, close, "an operator (=, !=, <, <=, >, >=)"));
    };
    let value_start = skip_ws(pattern, pos + len, close);
    let (value, next) = value(pattern, value_start, close, op, ValueContext::Spaced)?;
    match char_at(pattern, next, close) {
        None | Some(',' | '&' | '|') => {}
        Some(c) if super::lex::is_ws(c) => {}
        _ => return Err(unexpected(pattern, next, close, "`,`, `]`, `&&` or `||` after the value")),
    }
    Ok((op, value, next))
}
