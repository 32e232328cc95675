//! Why a pattern was refused: AWS's reason, and where in the text the fault lies.

use std::fmt;

/// An `InvalidEventPatternException`: [`aws_message`](Self::aws_message) is what the
/// service answers; [`Display`](fmt::Display) adds trailwatch's pointer to the fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidEventPattern {
    /// AWS's reason text (what follows `Reason: `).
    pub reason: String,
    /// Byte offset in the pattern text of the token at fault.
    pub offset: usize,
    /// The field the fault lies under, dot-joined as AWS names fields (`detail.state`);
    /// empty at the top level.
    pub field: String,
    text: String,
}

impl InvalidEventPattern {
    /// The API's error code.
    pub const CODE: &'static str = "InvalidEventPatternException";

    pub(crate) fn new(text: &str, offset: usize, field: &str, reason: impl Into<String>) -> InvalidEventPattern {
        InvalidEventPattern {
            reason: reason.into(),
            offset: offset.min(text.len()),
            field: field.to_string(),
            text: text.to_string(),
        }
    }

    /// The service's message, as the aws CLI prints it after the error code.
    pub fn aws_message(&self) -> String {
        format!("Event pattern is not valid. Reason: {}", self.reason)
    }

    /// 1-based line and column (in characters) of the fault.
    pub fn line_column(&self) -> (usize, usize) {
        let before = &self.text[..floor_char_boundary(&self.text, self.offset)];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Characters of context shown either side of the fault on long lines.
const CONTEXT: usize = 40;

impl fmt::Display for InvalidEventPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.aws_message())?;
        self.write_pointer(f)
    }
}

/// Where the fault is: line, column, field, and the text with a caret under it.
pub struct Pointer<'a>(&'a InvalidEventPattern);

impl fmt::Display for Pointer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write_pointer(f)
    }
}

impl InvalidEventPattern {
    /// Only trailwatch's pointer to the fault (for callers that print AWS's message
    /// themselves).
    pub fn pointer(&self) -> Pointer<'_> {
        Pointer(self)
    }

    fn write_pointer(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, column) = self.line_column();
        if self.field.is_empty() {
            writeln!(f, "at line {line}, column {column}:")?;
        } else {
            writeln!(f, "at line {line}, column {column}, in field \"{}\":", self.field)?;
        }
        let text = self.text.lines().nth(line - 1).unwrap_or("");
        let chars: Vec<char> = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let at = (column - 1).min(chars.len());
        let start = at.saturating_sub(CONTEXT);
        let end = (at + CONTEXT).min(chars.len());
        let (lead, trail) = (if start > 0 { "..." } else { "" }, if end < chars.len() { "..." } else { "" });
        let shown: String = chars[start..end].iter().collect();
        writeln!(f, "    {lead}{shown}{trail}")?;
        write!(f, "    {}^", " ".repeat(lead.len() + at - start))
    }
}

impl std::error::Error for InvalidEventPattern {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_the_fault() {
        let e = InvalidEventPattern::new("{\"a\":\n  1}", 8, "a", "\"a\" must be an object or an array");
        assert_eq!(e.line_column(), (2, 3));
        let shown = e.to_string();
        assert!(shown.starts_with("Event pattern is not valid. Reason: \"a\" must be an object or an array\n"));
        assert!(shown.ends_with("      1}\n      ^"), "{shown}");
    }

    #[test]
    fn long_lines_are_cut_around_the_fault() {
        let text = format!("{{\"a\":[{}1]}}", "\"x\",".repeat(100));
        let e = InvalidEventPattern::new(&text, text.len() - 3, "a", "r");
        let last = e.to_string().lines().last().unwrap().to_string();
        assert!(last.len() < 100);
    }
}
