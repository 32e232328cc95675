//! Token recognisers shared by the pattern parsers.
//!
//! Each recogniser looks at the text from one position and says how far its token runs;
//! the parsers decide what a failure means (a lexer or a parser error, see `error.rs`).

use nom::branch::alt;
use nom::bytes::complete::take_while1;
use nom::character::complete::{char, digit0, digit1, one_of};
use nom::combinator::{all_consuming, opt, recognize};
use nom::sequence::{pair, tuple};
use nom::IResult;

/// The characters that separate tokens.
pub(crate) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// The position of the first non-blank character at or after `pos` (or `end`).
pub(crate) fn skip_ws(text: &str, mut pos: usize, end: usize) -> usize {
    while pos < end {
        match text[pos..].chars().next() {
            Some(c) if is_ws(c) => pos += c.len_utf8(),
            _ => break,
        }
    }
    pos
}

/// The character at byte `pos`, if `pos < end`.
pub(crate) fn char_at(text: &str, pos: usize, end: usize) -> Option<char> {
    if pos < end {
        text.get(pos..).and_then(|s| s.chars().next())
    } else {
        None
    }
}

/// A numeric literal: optional sign, digits with an optional fraction (or a fraction
/// alone), optional exponent: `400`, `+1000`, `-5`, `55.5`, `.5`, `1e-3`, `10E3`.
pub(crate) fn number(input: &str) -> IResult<&str, &str> {
    recognize(tuple((
        opt(one_of("+-")),
        alt((recognize(pair(digit1, opt(pair(char('.'), digit0)))), recognize(pair(char('.'), digit1)))),
        opt(tuple((one_of("eE"), opt(one_of("+-")), digit1))),
    )))(input)
}

/// Whether the whole of `text` is a numeric literal.
pub fn is_number(text: &str) -> bool {
    all_consuming(number)(text).is_ok()
}

/// Characters of a bare word in a terms pattern: ASCII letters, digits, `_` and `.`
/// (recorded: `a_b` and `a.b` are one word each; `*`, `!`, `:`, `%` are refused). Letters
/// of other scripts are refused too (a choice: AWS's regex lexer refuses `é`, and its
/// documentation defines "alphanumeric" as A-Z, a-z, 0-9).
pub(crate) fn is_term_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Characters of a JSON key after `.` and of a space-delimited field name.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Characters of an unquoted value in JSON and space-delimited conditions: a term's
/// characters plus `*` (globs) and the signs of numbers (`UpdateTrail`, `123.123.*`,
/// `kms.amazonaws.com`, `4*`, `-5`, `+1`). Any other symbol ends the value and is refused
/// (recorded: `{ $.a = a:b }` gives `Invalid character(s) in term ':'`).
pub(crate) fn is_bare_value_char(c: char) -> bool {
    is_term_char(c) || matches!(c, '-' | '+' | '*')
}

/// A run of name characters.
pub(crate) fn name_run(input: &str) -> IResult<&str, &str> {
    take_while1(is_name_char)(input)
}

/// A run of bare-value characters.
pub(crate) fn bare_value_run(input: &str) -> IResult<&str, &str> {
    take_while1(is_bare_value_char)(input)
}

/// A run of bare-term characters.
pub(crate) fn term_run(input: &str) -> IResult<&str, &str> {
    take_while1(is_term_char)(input)
}

/// The outcome of reading a double-quoted string that starts at the opening quote.
#[derive(Debug, PartialEq)]
pub(crate) enum Quoted {
    /// `"..."`: the text with `\"` and `\\` resolved, and the byte length including quotes.
    Closed { text: String, len: usize },
    /// No closing quote before the end.
    Unterminated,
}

/// Reads `"..."`. A backslash takes the next character literally (`\"`, `\\`; any other
/// escaped character stands for itself, see docs/semantics.md).
pub(crate) fn quoted(input: &str) -> Quoted {
    let mut text = String::new();
    let mut chars = input.char_indices();
    if !matches!(chars.next(), Some((_, '"'))) {
        return Quoted::Unterminated;
    }
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Quoted::Closed { text, len: i + 1 },
            '\\' => match chars.next() {
                Some((_, escaped)) => text.push(escaped),
                None => return Quoted::Unterminated,
            },
            _ => text.push(c),
        }
    }
    Quoted::Unterminated
}

/// Writes `text` as a double-quoted string that [`quoted`] reads back unchanged.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_documented_forms() {
        for ok in ["400", "+1000", "-5", "55.5", "1e-3", "10e3", "1E+3", ".5", "5."] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in ["", "+", "e3", "1e", "1.2.3", "4*", "0x10", "1,5", "--1"] {
            assert!(!is_number(bad), "{bad}");
        }
    }

    #[test]
    fn quoted_resolves_escapes_and_finds_the_end() {
        assert_eq!(quoted(r#""a\"b\\c" rest"#), Quoted::Closed { text: "a\"b\\c".into(), len: 9 });
        assert_eq!(quoted(r#""ERROR"#), Quoted::Unterminated);
        assert_eq!(quoted(r#""a\"#), Quoted::Unterminated);
        assert_eq!(quoted(r#""""#), Quoted::Closed { text: String::new(), len: 2 });
    }

    #[test]
    fn quote_round_trips() {
        for s in ["", "plain", "say \"hi\"", "back\\slash", "\\\""] {
            assert_eq!(quoted(&quote(s)), Quoted::Closed { text: s.into(), len: quote(s).len() });
        }
    }
}
