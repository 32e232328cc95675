//! Pattern text -> [`Pattern`]: the CloudWatch Logs filter-pattern language.
//!
//! [`parse`] checks everything AWS checks before it accepts a pattern (length, the kind's
//! delimiters, the character sets, the grammar, the regex dialect, the per-pattern quotas)
//! and returns a typed AST whose nodes carry spans. Printing an AST (`Display`) gives the
//! normalised form, which parses back to the same AST.

mod ast;
pub mod aws_regex;
mod error;
mod json;
pub(crate) mod lex;
mod print;
mod spaced;
mod terms;
mod value;

pub use ast::*;
pub use error::{PatternError, AWS_SYNTAX_ERROR};
pub use lex::is_number;

/// `text` as a double-quoted phrase that the parser reads back as `text`.
pub fn quote_term(text: &str) -> String {
    lex::quote(text)
}
pub use print::field_condition_text;

/// The longest pattern AWS accepts, in characters.
pub const MAX_PATTERN_CHARS: usize = 1024;
/// At most this many `%regex%` in one JSON or space-delimited pattern.
pub const MAX_REGEXES: usize = 2;
/// At most this many wildcards (`[*]`, `.*`) in one JSON selector.
pub const MAX_WILDCARDS_PER_SELECTOR: usize = 1;
/// At most this many selectors with a wildcard in one JSON pattern.
pub const MAX_WILDCARD_SELECTORS: usize = 3;

/// Parses and validates a filter pattern.
pub fn parse(text: &str) -> Result<Pattern, PatternError> {
    let length = text.encode_utf16().count();
    if length > MAX_PATTERN_CHARS {
        return Err(PatternError::other(
            format!(
                "1 validation error detected: Value '{text}' at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to {MAX_PATTERN_CHARS}"
            ),
            Span::new(char_offset(text, MAX_PATTERN_CHARS), text.len()),
            format!("at most {MAX_PATTERN_CHARS} characters (this pattern has {length})"),
        ));
    }
    let Some(start) = text.find(|c: char| !lex::is_ws(c)) else {
        return Ok(Pattern::MatchAll);
    };
    let (last_at, last) = text.char_indices().rev().find(|&(_, c)| !lex::is_ws(c)).unwrap_or((start, ' '));
    let end = last_at + last.len_utf8();
    let first = text[start..].chars().next().unwrap_or(' ');
    let must_end = |open: char, close: char| {
        PatternError::other(
            format!("If a filter pattern starts with '{open}' it must end with '{close}'"),
            Span::new(last_at, end),
            format!("`{close}` as the last character, closing the `{open}` at byte {start}"),
        )
    };
    let pattern = match first {
        '{' => {
            if last != '}' || last_at == start {
                return Err(must_end('{', '}'));
            }
            Pattern::Json(json::parse(text, start, last_at)?)
        }
        '[' => {
            if last != ']' || last_at == start {
                return Err(must_end('[', ']'));
            }
            Pattern::Spaced(spaced::parse(text, start, last_at)?)
        }
        '%' => {
            if last != '%' || last_at == start {
                return Err(must_end('%', '%'));
            }
            let (literal, next) = aws_regex::scan(text, start, end)?;
            if next < end {
                return Err(if text[next..].starts_with(lex::is_ws) {
                    PatternError::invalid_chars(
                        text,
                        next,
                        next,
                        "nothing after the regular expression (a pattern holds one standalone regex)",
                    )
                } else {
                    PatternError::syntax(text, next, "nothing after the regular expression")
                });
            }
            Pattern::Regex(literal)
        }
        _ => Pattern::Terms(terms::parse(text, start, end)?),
    };
    check_quotas(&pattern)?;
    Ok(pattern)
}

/// Parses a JSON selector on its own (`$.requestParameters.bucketName`), as metric filters
/// reference fields for their values and dimensions.
pub fn parse_selector(text: &str) -> Result<Selector, PatternError> {
    json::parse_selector(text)
}

/// How many `%regex%` a pattern holds: CloudWatch Logs limits the filters that hold any to
/// five per log group.
pub fn regex_count(pattern: &Pattern) -> usize {
    match pattern {
        Pattern::Regex(_) => 1,
        _ => regexes_and_selectors(pattern).0.len(),
    }
}

/// The `%regex%` values and JSON selectors inside a JSON or space-delimited pattern.
fn regexes_and_selectors(pattern: &Pattern) -> (Vec<&RegexLiteral>, Vec<&Selector>) {
    let mut regexes = Vec::new();
    let mut selectors = Vec::new();
    match pattern {
        Pattern::Json(expr) => collect_json(expr, &mut regexes, &mut selectors),
        Pattern::Spaced(fields) => {
            for field in fields {
                if let Field::Named { condition: Some(condition), .. } = field {
                    collect_field(condition, &mut regexes);
                }
            }
        }
        _ => {}
    }
    (regexes, selectors)
}

/// The documented per-pattern limits on regexes and wildcard selectors.
fn check_quotas(pattern: &Pattern) -> Result<(), PatternError> {
    let (regexes, selectors) = regexes_and_selectors(pattern);
    if let Some(third) = regexes.get(MAX_REGEXES) {
        return Err(PatternError::other(
            format!("Your input has exceeded the maximum of {MAX_REGEXES} regular expressions per filter pattern."),
            third.span,
            format!("at most {MAX_REGEXES} %regex% values in one pattern"),
        ));
    }
    if let Some(selector) = selectors.iter().find(|s| s.wildcard_count() > MAX_WILDCARDS_PER_SELECTOR) {
        return Err(PatternError::other(
            format!(
                "Your filter pattern has a JSON path selector that exceeds the maximum of {MAX_WILDCARDS_PER_SELECTOR} wildcard allowed per json selector."
            ),
            selector.span,
            "at most one `[*]` or `.*` in a selector",
        ));
    }
    let with_wildcards: Vec<&Selector> = selectors.iter().copied().filter(|s| s.wildcard_count() > 0).collect();
    if let Some(fourth) = with_wildcards.get(MAX_WILDCARD_SELECTORS) {
        return Err(PatternError::other(
            // Not recorded: worded like the recorded per-pattern regex quota.
            format!(
                "Your input has exceeded the maximum of {MAX_WILDCARD_SELECTORS} JSON path selectors with wildcards per filter pattern."
            ),
            fourth.span,
            format!("at most {MAX_WILDCARD_SELECTORS} selectors with a wildcard in one pattern"),
        ));
    }
    Ok(())
}

fn collect_json<'a>(expr: &'a JsonExpr, regexes: &mut Vec<&'a RegexLiteral>, selectors: &mut Vec<&'a Selector>) {
    match expr {
        JsonExpr::Or(items) | JsonExpr::And(items) => items.iter().for_each(|e| collect_json(e, regexes, selectors)),
        JsonExpr::Condition(condition) => {
            selectors.push(&condition.selector);
            if let JsonTest::Compare(_, Value::Regex(literal)) = &condition.test {
                regexes.push(literal);
            }
        }
    }
}

fn collect_field<'a>(expr: &'a FieldExpr, regexes: &mut Vec<&'a RegexLiteral>) {
    match expr {
        FieldExpr::Or(items) | FieldExpr::And(items) => items.iter().for_each(|e| collect_field(e, regexes)),
        FieldExpr::Compare(_, Value::Regex(literal)) => regexes.push(literal),
        FieldExpr::Compare(..) => {}
    }
}

/// The byte offset of the `n`th character (or the end).
fn char_offset(text: &str, n: usize) -> usize {
    text.char_indices().nth(n).map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests;
