//! Pattern errors: what AWS would answer, and where and why trailwatch stopped.
//!
//! AWS validates patterns like a lexer followed by a parser. A character that cannot start
//! or continue any token is a lexer failure, reported as `Invalid character(s) in term
//! '<text>'` where the text runs from the start of the token being read through the
//! offending character. A well-formed token in the wrong place is a parser failure,
//! reported as `Invalid metric filter pattern`. A few checks have messages of their own.
//! trailwatch keeps that message (`aws_message`) and adds what a person needs to fix it.

use std::fmt;

use super::ast::Span;

/// AWS's message for a pattern it cannot parse (TestMetricFilter / PutMetricFilter wording).
pub const AWS_SYNTAX_ERROR: &str = "Invalid metric filter pattern";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// The message AWS answers with (the `InvalidParameterException` text).
    pub aws_message: String,
    /// Where in the pattern the problem is (byte offsets).
    pub span: Span,
    /// What trailwatch expected there, in plain words.
    pub expected: String,
}

impl PatternError {
    /// A lexer failure: `pattern[token_start..=bad]` is reported as the term.
    pub fn invalid_chars(pattern: &str, token_start: usize, bad: usize, expected: impl Into<String>) -> Self {
        let end = char_end(pattern, bad);
        let term = pattern.get(token_start..end).unwrap_or("");
        PatternError {
            aws_message: format!("Invalid character(s) in term '{term}'"),
            span: Span::new(bad, end),
            expected: expected.into(),
        }
    }

    /// A lexer failure that reports a whole token (`"0"` after `>`).
    pub fn invalid_term(pattern: &str, span: Span, expected: impl Into<String>) -> Self {
        let term = pattern.get(span.start..span.end).unwrap_or("");
        PatternError { aws_message: format!("Invalid character(s) in term '{term}'"), span, expected: expected.into() }
    }

    /// A parser failure at byte `at`.
    pub fn syntax(pattern: &str, at: usize, expected: impl Into<String>) -> Self {
        PatternError {
            aws_message: AWS_SYNTAX_ERROR.to_string(),
            span: Span::new(at, char_end(pattern, at)),
            expected: expected.into(),
        }
    }

    /// Any check with a message of its own.
    pub fn other(aws_message: impl Into<String>, span: Span, expected: impl Into<String>) -> Self {
        PatternError { aws_message: aws_message.into(), span, expected: expected.into() }
    }

    /// The error as a person reads it: AWS's message, the pattern, a caret under the fault
    /// and what was expected.
    pub fn render(&self, pattern: &str) -> String {
        let (line, column, line_text) = locate(pattern, self.span.start);
        let width = pattern
            .get(self.span.start..self.span.end.max(self.span.start))
            .map(|s| s.chars().count())
            .unwrap_or(1)
            .clamp(1, 80);
        let gutter = line.to_string().len();
        let mut out = String::new();
        out.push_str(&format!("error: invalid filter pattern: {}\n", self.aws_message));
        out.push_str(&format!("{:gutter$} --> pattern:{line}:{}\n", "", column + 1));
        out.push_str(&format!("{:gutter$} |\n", ""));
        out.push_str(&format!("{line} | {}\n", visible(line_text)));
        out.push_str(&format!("{:gutter$} | {:column$}{} expected {}\n", "", "", "^".repeat(width), self.expected));
        out
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {}: expected {})", self.aws_message, self.span.start, self.expected)
    }
}

impl std::error::Error for PatternError {}

/// The byte just past the character that starts at `at` (or `at` at the end of the text).
fn char_end(text: &str, at: usize) -> usize {
    text.get(at..).and_then(|rest| rest.chars().next()).map_or(at, |c| at + c.len_utf8())
}

/// 1-based line number, 0-based column in characters, and the line's text.
fn locate(pattern: &str, at: usize) -> (usize, usize, &str) {
    let at = at.min(pattern.len());
    let before = pattern.get(..at).unwrap_or(pattern);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = pattern[line_start..].find('\n').map_or(pattern.len(), |i| line_start + i);
    let line = before.matches('\n').count() + 1;
    let column = pattern.get(line_start..at).map_or(0, |s| s.chars().count());
    (line, column, &pattern[line_start..line_end])
}

/// Tabs and other control characters would shift the caret; show them as one visible char.
fn visible(line: &str) -> String {
    line.chars().map(|c| if c.is_control() { '\u{2423}' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_chars_reports_token_prefix_through_bad_char() {
        let e = PatternError::invalid_chars("%(ab)+%", 0, 1, "x");
        assert_eq!(e.aws_message, "Invalid character(s) in term '%('");
        assert_eq!((e.span.start, e.span.end), (1, 2));
    }

    #[test]
    fn invalid_chars_handles_multibyte_characters() {
        let p = "%caf\u{e9}%";
        let e = PatternError::invalid_chars(p, 0, 4, "x");
        assert_eq!(e.aws_message, "Invalid character(s) in term '%caf\u{e9}'");
    }

    #[test]
    fn render_puts_caret_under_the_fault() {
        let e = PatternError::invalid_chars("ERR*", 3, 3, "a letter, digit or '_'");
        let text = e.render("ERR*");
        assert!(text.contains("1 | ERR*\n"), "{text}");
        assert!(text.contains("  |    ^ expected a letter, digit or '_'"), "{text}");
    }
}
