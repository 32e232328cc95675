//! Terms patterns: `ERROR`, `"two words"`, `?ERROR ?WARN`, `ERROR -timeout`.
//!
//! The model (docs/semantics.md, "Terms"), as the recordings show AWS's lexer:
//! - tokens are *words* (ASCII letters, digits, `_`, `.`), *phrases* (`"..."`, any
//!   characters, not empty) and the prefixes `-` and `?`;
//! - a word ends at the first character that cannot continue it; `-` and `?` then start a
//!   prefix token with no blank needed (`a-b` is `a -b`, `a?b` is `a ?b`);
//! - a character that can start no token is a lexer error naming it (`ERR*` -> `'*'`);
//! - the parser wants each prefix directly followed by a word or phrase, and operands
//!   separated by blanks or a prefix (`"ERROR"WARN` is a parser error).

use super::ast::{Span, Term, TermRole};
use super::error::PatternError;
use super::lex::{char_at, is_term_char, is_ws, quoted, skip_ws, term_run, Quoted};

/// Parses the non-blank region `start..end` of `pattern` as terms.
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

/// Whether `c` starts a token of a terms pattern.
fn starts_a_token(c: char) -> bool {
    is_term_char(c) || matches!(c, '"' | '-' | '?')
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
        Some(c) if starts_a_token(c) && !is_term_char(c) => {
            return Err(PatternError::syntax(pattern, pos, "a word or \"phrase\" after the prefix"))
        }
        Some(_) => match term_run(&pattern[pos..end]) {
            Ok((_, run)) => {
                pos += run.len();
                (run.to_string(), false)
            }
            Err(_) => return Err(bad_term_char(pattern, pos)),
        },
    };
    match char_at(pattern, pos, end) {
        // A blank, the end, or a prefix that starts the next term.
        None | Some('-' | '?') => {}
        Some(c) if is_ws(c) => {}
        // Two operands with nothing between them: `"ERROR"WARN`, `a"b"`, `"a""b"`.
        Some(c) if starts_a_token(c) => {
            return Err(PatternError::syntax(
                pattern,
                pos,
                "a space between terms (a phrase and a word need a blank between them)",
            ));
        }
        Some(_) => return Err(bad_term_char(pattern, pos)),
    }
    Ok((Term { role, text, quoted: quoted_term, span: Span::new(start, pos) }, pos))
}

fn bad_term_char(pattern: &str, at: usize) -> PatternError {
    PatternError::invalid_chars(
        pattern,
        at,
        at,
        "a letter, digit, `_` or `.` (put terms with other characters in double quotes)",
    )
}
