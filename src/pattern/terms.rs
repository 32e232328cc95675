//! Terms patterns: `ERROR`, `"two words"`, `?ERROR ?WARN`, `ERROR -timeout`.

use super::ast::{Span, Term, TermRole};
use super::error::PatternError;
use super::lex::{char_at, is_ws, quoted, skip_ws, term_run, Quoted};

/// Parses the non-blank region `start..end` of `pattern` as whitespace-separated terms.
pub(super) fn parse(pattern: &str, start: usize, end: usize) -> Result<Vec<Term>, PatternError> {
    let mut terms = Vec::new();
    let mut pos = skip_ws(pattern, start, end);
    while pos < end {
        let (term, next) = term(pattern, pos, end)?;
        terms.push(term);
        pos = skip_ws(pattern, next, end);
    }
    Ok(terms)
}

fn term(pattern: &str, start: usize, end: usize) -> Result<(Term, usize), PatternError> {
    let (role, mut pos) = match char_at(pattern, start, end) {
        Some('?') => (TermRole::Optional, start + 1),
        Some('-') => (TermRole::Excluded, start + 1),
        _ => (TermRole::Required, start),
    };
    let (text, quoted_term) = match char_at(pattern, pos, end) {
        None => return Err(PatternError::syntax(pattern, pos, "a term after the prefix")),
        Some(c) if is_ws(c) => {
            return Err(PatternError::syntax(pattern, pos, "a term directly after the prefix, with no space"))
        }
        Some('"') => match quoted(&pattern[pos..end]) {
            Quoted::Closed { text, len } if !text.is_empty() => {
                pos += len;
                (text, true)
            }
            Quoted::Closed { len, .. } => {
                return Err(PatternError::invalid_chars(
                    pattern,
                    pos,
                    pos + len - 1,
                    "at least one character between the quotes",
                ));
            }
            Quoted::Unterminated => {
                let last = pattern[..end].char_indices().next_back().map_or(pos, |(i, _)| i);
                return Err(PatternError::invalid_chars(pattern, pos, last, "a closing `\"`"));
            }
        },
        Some(_) => match term_run(&pattern[pos..end]) {
            Ok((_, run)) => {
                pos += run.len();
                (run.to_string(), false)
            }
            Err(_) => return Err(bad_term_char(pattern, pos)),
        },
    };
    match char_at(pattern, pos, end) {
        None => {}
        Some(c) if is_ws(c) => {}
        // A quote, `-` or `?` starts a token of its own; AWS rejects two tokens without a
        // space between them as a syntax error.
        Some('"' | '-' | '?') => {
            return Err(PatternError::syntax(
                pattern,
                pos,
                "a space between terms (quote a term that contains `-`, `?` or `\"`)",
            ));
        }
        Some(_) if quoted_term => return Err(PatternError::syntax(pattern, pos, "a space after the closing quote")),
        Some(_) => return Err(bad_term_char(pattern, pos)),
    }
    Ok((Term { role, text, quoted: quoted_term, span: Span::new(start, pos) }, pos))
}

fn bad_term_char(pattern: &str, at: usize) -> PatternError {
    PatternError::invalid_chars(
        pattern,
        at,
        at,
        "a letter, digit or `_` (put terms with other characters in double quotes)",
    )
}
