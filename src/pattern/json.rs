//! JSON patterns: `{ ($.eventName = ConsoleLogin) && $.errorMessage = "Failed authentication" }`.
//!
//! Grammar (`&&` binds tighter than `||`; whitespace between tokens is optional):
//! ```text
//! json      = "{" or "}"
//! or        = and { "||" and }
//! and       = primary { "&&" primary }
//! primary   = "(" or ")" | condition
//! condition = selector ( op value | "IS" ("NULL"|"TRUE"|"FALSE") | "NOT" "EXISTS" )
//! ```

use super::ast::{JsonCondition, JsonExpr, JsonTest, Selector, Span, Step};
use super::error::PatternError;
use super::lex::{char_at, is_bare_value_char, is_name_char, is_ws, name_run, skip_ws};
use super::value::{operator, unexpected, value, ValueContext};

/// Parentheses nest at most this deep (a 1,024-character pattern allows about 500).
const MAX_DEPTH: usize = 600;

/// Parses the JSON pattern whose `{` is at `open` and whose `}` is at `close`.
pub(super) fn parse(pattern: &str, open: usize, close: usize) -> Result<JsonExpr, PatternError> {
    let mut parser = Parser { text: pattern, pos: open + 1, end: close, keyword_start: open + 1 };
    parser.skip_ws();
    if parser.pos == parser.end {
        return Err(PatternError::syntax(pattern, close, "a condition such as `$.field = value` inside the braces"));
    }
    let expr = parser.expression()?;
    parser.skip_ws();
    if parser.pos != parser.end {
        return Err(parser.unexpected("`&&`, `||` or the closing `}`"));
    }
    Ok(expr)
}

/// Parses a lone selector (`$.a.b[0]`), as metric values and dimensions reference fields.
pub(super) fn parse_selector(text: &str) -> Result<Selector, PatternError> {
    let mut parser = Parser { text, pos: 0, end: text.len(), keyword_start: 0 };
    if parser.peek() != Some('$') {
        return Err(PatternError::syntax(text, 0, "a selector starting with `$.`"));
    }
    let selector = parser.selector()?;
    if parser.pos != parser.end {
        return Err(parser.unexpected("the end of the selector"));
    }
    Ok(selector)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    end: usize,
    /// Where the last [`Parser::keyword`] began.
    keyword_start: usize,
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        self.pos = skip_ws(self.text, self.pos, self.end);
    }

    fn peek(&self) -> Option<char> {
        char_at(self.text, self.pos, self.end)
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..self.end]
    }

    fn unexpected(&self, expected: &str) -> PatternError {
        unexpected(self.text, self.pos, self.end, expected)
    }

    /// The boolean expression, parsed with an explicit stack of open parentheses rather than
    /// recursion, so no nesting depth can exhaust the call stack.
    fn expression(&mut self) -> Result<JsonExpr, PatternError> {
        let mut open: Vec<Group> = vec![Group::default()];
        let mut expect_operand = true;
        loop {
            self.skip_ws();
            let Some(top) = open.last_mut() else { break };
            if expect_operand {
                match self.peek() {
                    Some('(') => {
                        if open.len() > MAX_DEPTH {
                            let why = format!("at most {MAX_DEPTH} nested parentheses");
                            return Err(PatternError::syntax(self.text, self.pos, why));
                        }
                        self.pos += 1;
                        open.push(Group::default());
                    }
                    Some('$') => {
                        let condition = self.condition()?;
                        top.operands.push(JsonExpr::Condition(condition));
                        expect_operand = false;
                    }
                    _ => return Err(self.unexpected("a selector starting with `$.`, or `(`")),
                }
                continue;
            }
            if self.rest().starts_with("&&") {
                self.pos += 2;
                expect_operand = true;
            } else if self.rest().starts_with("||") {
                self.pos += 2;
                top.close_conjunction();
                expect_operand = true;
            } else if self.peek() == Some(')') && open.len() > 1 {
                self.pos += 1;
                let inner = open.pop().map(Group::finish);
                if let (Some(inner), Some(outer)) = (inner, open.last_mut()) {
                    outer.operands.push(inner);
                }
            } else {
                break;
            }
        }
        if open.len() > 1 {
            return Err(self.unexpected("`&&`, `||` or `)`"));
        }
        open.pop().map(Group::finish).ok_or_else(|| self.unexpected("a condition"))
    }

    fn condition(&mut self) -> Result<JsonCondition, PatternError> {
        let start = self.pos;
        let selector = self.selector()?;
        self.skip_ws();
        let test = if let Some((op, len)) = operator(self.text, self.pos, self.end) {
            self.pos += len;
            self.skip_ws();
            let (value, next) = value(self.text, self.pos, self.end, op, ValueContext::Json)?;
            self.pos = next;
            self.expect_delimiter()?;
            JsonTest::Compare(op, value)
        } else {
            match self.keyword().as_deref() {
                Some("IS") => {
                    self.skip_ws();
                    let test = match self.keyword().as_deref() {
                        Some("NULL") => JsonTest::IsNull,
                        Some("TRUE") => JsonTest::IsTrue,
                        Some("FALSE") => JsonTest::IsFalse,
                        _ => return Err(self.bad_keyword("NULL, TRUE or FALSE after IS (IS NOT is not supported)")),
                    };
                    self.expect_delimiter()?;
                    test
                }
                Some("NOT") => {
                    self.skip_ws();
                    if self.keyword().as_deref() != Some("EXISTS") {
                        return Err(self.bad_keyword("EXISTS after NOT"));
                    }
                    self.expect_delimiter()?;
                    JsonTest::NotExists
                }
                _ => {
                    self.pos = self.keyword_start;
                    return Err(
                        self.unexpected("an operator (=, !=, <, <=, >, >=), IS NULL, IS TRUE, IS FALSE or NOT EXISTS")
                    );
                }
            }
        };
        Ok(JsonCondition { selector, test, span: Span::new(start, self.pos) })
    }

    /// Reads a keyword (any case: recorded `is null`) and returns it upper-cased. A word
    /// of other characters is read whole, so that [`Parser::bad_keyword`] can name it; `pos`
    /// stays put if the next token is not a word.
    fn keyword(&mut self) -> Option<String> {
        self.keyword_start = self.pos;
        let len = self.rest().chars().take_while(|&c| is_bare_value_char(c)).count();
        if len == 0 {
            return None;
        }
        let word = self.rest()[..len].to_ascii_uppercase();
        self.pos += len;
        Some(word)
    }

    /// The error for a word where a keyword must follow `IS` or `NOT`: the lexer reads
    /// that position as a keyword, so the word is an invalid term (recorded: `IS NOT NULL`
    /// gives `Invalid character(s) in term 'NOT'`). No word at all is a parser error.
    fn bad_keyword(&self, expected: &str) -> PatternError {
        if self.pos > self.keyword_start {
            PatternError::invalid_term(self.text, Span::new(self.keyword_start, self.pos), expected)
        } else {
            self.unexpected(expected)
        }
    }

    /// After a complete condition only a blank, `&&`, `||`, `)` or `}` may follow.
    fn expect_delimiter(&self) -> Result<(), PatternError> {
        match self.peek() {
            None | Some('&' | '|' | ')') => Ok(()),
            Some(c) if is_ws(c) => Ok(()),
            _ => Err(self.unexpected("a space, `&&`, `||`, `)` or `}` after the condition")),
        }
    }

    /// `$.` followed by steps. The selector is lexed as AWS does: `$.` and its first step
    /// are one token, and each later `.step` or `[step]` is a token of its own, which is
    /// what AWS quotes when a step is malformed.
    fn selector(&mut self) -> Result<Selector, PatternError> {
        let start = self.pos;
        let expected_root = "`.` after `$` (selectors start with `$.`)";
        if char_at(self.text, start + 1, self.end) != Some('.') {
            return Err(PatternError::invalid_chars(self.text, start, (start + 1).min(self.end), expected_root));
        }
        self.pos = start + 2;
        let mut steps = vec![self.dotted_step(start)?];
        loop {
            match self.peek() {
                Some('.') => {
                    let token_start = self.pos;
                    self.pos += 1;
                    steps.push(self.dotted_step(token_start)?);
                }
                Some('[') => steps.push(self.bracket_step()?),
                _ => break,
            }
        }
        Ok(Selector { steps, span: Span::new(start, self.pos) })
    }

    /// What follows a `.`: a name, `*`, or `['quoted key']`.
    fn dotted_step(&mut self, token_start: usize) -> Result<Step, PatternError> {
        let expected = "a key (letters, digits, `_`, `-`), `*` or `['key']` after the `.`";
        match self.peek() {
            Some('*') => {
                self.pos += 1;
                Ok(Step::AnyMember)
            }
            Some('[') => {
                if char_at(self.text, self.pos + 1, self.end) != Some('\'') {
                    return Err(PatternError::invalid_chars(
                        self.text,
                        token_start,
                        (self.pos + 1).min(self.end),
                        "`'` after `.[` (write keys as .['key'])",
                    ));
                }
                let key_start = self.pos + 2;
                let Some(close) = self.text[key_start..self.end].find('\'') else {
                    return Err(PatternError::invalid_chars(
                        self.text,
                        token_start,
                        self.end.saturating_sub(1),
                        "a closing `']`",
                    ));
                };
                let close = key_start + close;
                if char_at(self.text, close + 1, self.end) != Some(']') {
                    return Err(PatternError::invalid_chars(
                        self.text,
                        token_start,
                        (close + 1).min(self.end),
                        "`]` after the quoted key",
                    ));
                }
                self.pos = close + 2;
                Ok(Step::QuotedKey(self.text[key_start..close].to_string()))
            }
            Some(c) if is_name_char(c) => {
                let (_, name) = name_run(self.rest()).map_err(|_| self.unexpected(expected))?;
                self.pos += name.len();
                Ok(Step::Key(name.to_string()))
            }
            _ => Err(PatternError::invalid_chars(self.text, token_start, self.pos.min(self.end), expected)),
        }
    }

    /// `[n]` or `[*]`.
    fn bracket_step(&mut self) -> Result<Step, PatternError> {
        let token_start = self.pos;
        let expected = "an index (digits) or `*` inside `[ ]`";
        self.pos += 1;
        let step = if self.peek() == Some('*') {
            self.pos += 1;
            Step::AnyElement
        } else {
            let digits = self.rest().chars().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(PatternError::invalid_chars(self.text, token_start, self.pos.min(self.end), expected));
            }
            // An index too large for memory can never exist; it simply never matches.
            let index = self.rest()[..digits].parse::<usize>().unwrap_or(usize::MAX);
            self.pos += digits;
            Step::Index(index)
        };
        if self.peek() != Some(']') {
            return Err(PatternError::invalid_chars(self.text, token_start, self.pos.min(self.end), "`]`"));
        }
        self.pos += 1;
        Ok(step)
    }
}

/// The operands of one parenthesised group (or the whole pattern) read so far.
#[derive(Default)]
struct Group {
    /// Finished conjunctions, to be joined with `||`.
    alternatives: Vec<JsonExpr>,
    /// Operands of the conjunction being read, to be joined with `&&`.
    operands: Vec<JsonExpr>,
}

impl Group {
    fn close_conjunction(&mut self) {
        let operands = std::mem::take(&mut self.operands);
        if !operands.is_empty() {
            self.alternatives.push(flatten(operands, JsonExpr::And));
        }
    }

    fn finish(mut self) -> JsonExpr {
        self.close_conjunction();
        flatten(self.alternatives, JsonExpr::Or)
    }
}

/// One operand stays itself; nested operators of the same kind merge into one list.
fn flatten(mut items: Vec<JsonExpr>, make: fn(Vec<JsonExpr>) -> JsonExpr) -> JsonExpr {
    if items.len() == 1 {
        return items.remove(0);
    }
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match (item, make(Vec::new())) {
            (JsonExpr::Or(inner), JsonExpr::Or(_)) | (JsonExpr::And(inner), JsonExpr::And(_)) => flat.extend(inner),
            (other, _) => flat.push(other),
        }
    }
    make(flat)
}
