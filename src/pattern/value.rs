//! Comparison operators and values, shared by JSON and space-delimited conditions.

use super::ast::{CompareOp, Span, Value};
use super::aws_regex;
use super::error::PatternError;
use super::lex::{bare_value_run, char_at, is_number, is_ws, quoted, Quoted};

/// The comparison operator at `pos`, with its length.
pub(super) fn operator(pattern: &str, pos: usize, end: usize) -> Option<(CompareOp, usize)> {
    let rest = pattern.get(pos..end)?;
    [
        ("!=", CompareOp::Ne),
        ("<=", CompareOp::Le),
        (">=", CompareOp::Ge),
        ("=", CompareOp::Eq),
        ("<", CompareOp::Lt),
        (">", CompareOp::Gt),
    ]
    .into_iter()
    .find(|(symbol, _)| rest.starts_with(symbol))
    .map(|(symbol, op)| (op, symbol.len()))
}

/// Whether `c` can begin some token of a structured pattern; a character that cannot is a
/// lexer failure (`Invalid character(s) in term`), one that can is a parser failure.
pub(super) fn starts_a_token(c: char) -> bool {
    super::lex::is_bare_value_char(c)
        || matches!(c, '$' | '(' | ')' | '{' | '}' | '[' | ']' | '"' | '%' | '=' | '!' | '<' | '>' | '&' | '|')
}

/// The error for an unexpected character at `pos`.
pub(super) fn unexpected(pattern: &str, pos: usize, end: usize, expected: &str) -> PatternError {
    match char_at(pattern, pos, end) {
        Some(c) if !starts_a_token(c) && !is_ws(c) => PatternError::invalid_chars(pattern, pos, pos, expected),
        _ => PatternError::syntax(pattern, pos, expected),
    }
}

/// Which pattern kind a value belongs to: they refuse a non-number after `<`, `<=`, `>`,
/// `>=` differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ValueContext {
    /// JSON's lexer reads a number token after an ordering operator, so anything else is
    /// an invalid term naming that token (recorded: `{ $.a > "0" }` -> `'"0"'`).
    Json,
    /// Space-delimited conditions read the token as usual and the parser refuses it
    /// (recorded: `[a>"1", b]` -> `Invalid metric filter pattern`).
    Spaced,
}

/// Reads the value after `op` at `pos`; returns it and the byte after it.
pub(super) fn value(
    pattern: &str,
    pos: usize,
    end: usize,
    op: CompareOp,
    context: ValueContext,
) -> Result<(Value, usize), PatternError> {
    let numeric_only = |span: Span| {
        let expected = format!("a number after `{op}` (only `=` and `!=` compare text)");
        match context {
            ValueContext::Json => PatternError::invalid_term(pattern, span, expected),
            ValueContext::Spaced => PatternError::syntax(pattern, span.start, expected),
        }
    };
    match char_at(pattern, pos, end) {
        Some('"') => match quoted(&pattern[pos..end]) {
            Quoted::Closed { text, len } => {
                if op.is_ordering() {
                    return Err(numeric_only(Span::new(pos, pos + len)));
                }
                Ok((Value::Text { text, quoted: true }, pos + len))
            }
            Quoted::Unterminated => {
                let last = pattern[..end].char_indices().next_back().map_or(pos, |(i, _)| i);
                Err(PatternError::invalid_chars(pattern, pos, last, "a closing `\"`"))
            }
        },
        Some('%') => {
            let (literal, next) = aws_regex::scan(pattern, pos, end)?;
            if op.is_ordering() {
                return Err(numeric_only(literal.span));
            }
            Ok((Value::Regex(literal), next))
        }
        _ => match bare_value_run(&pattern[pos..end]) {
            Ok((_, run)) => {
                let next = pos + run.len();
                if run.eq_ignore_ascii_case("null") {
                    // `null` is a keyword (of `IS NULL`), not a value (recorded).
                    return Err(PatternError::syntax(
                        pattern,
                        pos,
                        "a value; `null` is not one (test for null with `IS NULL`, or quote it: \"null\")",
                    ));
                }
                if is_number(run) {
                    Ok((Value::Number(run.to_string()), next))
                } else if op.is_ordering() {
                    Err(numeric_only(Span::new(pos, next)))
                } else {
                    Ok((Value::Text { text: run.to_string(), quoted: false }, next))
                }
            }
            Err(_) => Err(unexpected(
                pattern,
                pos,
                end,
                "a value: a number, a \"quoted string\", a bare word, `*` or %regex%",
            )),
        },
    }
}
