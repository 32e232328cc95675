//! The pattern's JSON as a stream of tokens, the way Jackson's streaming parser hands
//! them to AWS's rule compiler: a fault is reported when the token holding it is read, so
//! the first fault in the text wins whether it is one of syntax or of meaning. As in the
//! compiler, text after the pattern's closing brace is never read.

/// One token, with the byte offset where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    Name(String),
    String(String),
    /// The number's text, as written.
    Number(String),
    True,
    False,
    Null,
    /// No more input.
    End,
}

impl Token {
    /// Jackson's `getText()` of the token, which AWS quotes in some reasons.
    pub(crate) fn text(&self) -> String {
        match self {
            Token::BeginObject => "{".into(),
            Token::EndObject => "}".into(),
            Token::BeginArray => "[".into(),
            Token::EndArray => "]".into(),
            Token::Name(s) | Token::String(s) | Token::Number(s) => s.clone(),
            Token::True => "true".into(),
            Token::False => "false".into(),
            Token::Null => "null".into(),
            Token::End => "null".into(),
        }
    }

    pub(crate) fn is_number(&self) -> bool {
        matches!(self, Token::Number(_))
    }
}

#[derive(Clone, Copy, Debug)]
enum Context {
    Object { first: bool, want_value: bool },
    Array { first: bool },
}

/// Nesting deeper than Jackson's default limit is refused, with Jackson's words.
const MAX_DEPTH: usize = 1000;

pub(crate) struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Where the last token returned starts.
    pub(crate) token_start: usize,
    stack: Vec<Context>,
    started: bool,
    max_depth: usize,
}

/// A syntax fault: reason and offset.
pub(crate) type SyntaxError = (String, usize);

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str) -> Lexer<'a> {
        Lexer {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            token_start: 0,
            stack: Vec::new(),
            started: false,
            max_depth: MAX_DEPTH,
        }
    }

    /// A lexer for events, nesting no deeper than the JSON reader of the filter-pattern
    /// engine allows ([`crate::matcher::lazy::MAX_DEPTH`]), so both judge events alike.
    pub(crate) fn for_events(text: &'a str) -> Lexer<'a> {
        Lexer { max_depth: crate::matcher::lazy::MAX_DEPTH, ..Lexer::new(text) }
    }

    /// Whether only whitespace follows what has been read.
    pub(crate) fn rest_is_blank(&mut self) -> bool {
        self.skip_ws();
        self.pos == self.bytes.len()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn fault<T>(&self, reason: impl Into<String>) -> Result<T, SyntaxError> {
        Err((reason.into(), self.pos))
    }

    fn unexpected<T>(&self, expecting: &str) -> Result<T, SyntaxError> {
        match self.text[self.pos..].chars().next() {
            None => self.fault(format!("Unexpected end-of-input: {expecting}")),
            Some(c) => self.fault(format!("Unexpected character ('{c}' (code {})): {expecting}", c as u32)),
        }
    }

    /// The next token.
    pub(crate) fn next(&mut self) -> Result<Token, SyntaxError> {
        self.skip_ws();
        self.token_start = self.pos;
        let Some(top) = self.stack.last().copied() else {
            if self.started {
                return Ok(Token::End);
            }
            self.started = true;
            if self.pos == self.bytes.len() {
                return Ok(Token::End);
            }
            return self.value();
        };
        match top {
            Context::Object { want_value: true, .. } => {
                self.set_top(Context::Object { first: false, want_value: false });
                self.value()
            }
            Context::Object { first, want_value: false } => {
                if self.bytes.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    self.stack.pop();
                    return Ok(Token::EndObject);
                }
                if !first {
                    if self.bytes.get(self.pos) != Some(&b',') {
                        return self.unexpected("was expecting comma to separate Object entries");
                    }
                    self.pos += 1;
                    self.skip_ws();
                    self.token_start = self.pos;
                }
                if self.bytes.get(self.pos) != Some(&b'"') {
                    return self.unexpected("was expecting double-quote to start field name");
                }
                let name = self.string()?;
                self.skip_ws();
                if self.bytes.get(self.pos) != Some(&b':') {
                    return self.unexpected("was expecting a colon to separate field name and value");
                }
                self.pos += 1;
                self.set_top(Context::Object { first: false, want_value: true });
                Ok(Token::Name(name))
            }
            Context::Array { first } => {
                if self.bytes.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    self.stack.pop();
                    return Ok(Token::EndArray);
                }
                if !first {
                    if self.bytes.get(self.pos) != Some(&b',') {
                        return self.unexpected("was expecting comma to separate Array entries");
                    }
                    self.pos += 1;
                    self.skip_ws();
                    self.token_start = self.pos;
                }
                self.set_top(Context::Array { first: false });
                self.value()
            }
        }
    }

    fn set_top(&mut self, context: Context) {
        if let Some(top) = self.stack.last_mut() {
            *top = context;
        }
    }

    fn push(&mut self, context: Context) -> Result<(), SyntaxError> {
        if self.stack.len() >= self.max_depth {
            return self.fault(format!(
                "Document nesting depth ({}) exceeds the maximum allowed ({}, from `StreamReadConstraints.getMaxNestingDepth()`)",
                self.max_depth + 1,
                self.max_depth
            ));
        }
        self.stack.push(context);
        Ok(())
    }

    fn value(&mut self) -> Result<Token, SyntaxError> {
        const EXPECTING: &str =
            "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
        match self.bytes.get(self.pos) {
            Some(b'{') => {
                self.pos += 1;
                self.push(Context::Object { first: true, want_value: false })?;
                Ok(Token::BeginObject)
            }
            Some(b'[') => {
                self.pos += 1;
                self.push(Context::Array { first: true })?;
                Ok(Token::BeginArray)
            }
            Some(b'"') => self.string().map(Token::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't' | b'f' | b'n' | b'a'..=b'z' | b'A'..=b'Z') => self.word(),
            None if self.stack.is_empty() => Ok(Token::End),
            None => {
                let marker = match self.stack.last() {
                    Some(Context::Array { .. }) => "Array",
                    _ => "Object",
                };
                self.fault(format!("Unexpected end-of-input: expected close marker for {marker}"))
            }
            Some(_) => self.unexpected(EXPECTING),
        }
    }

    fn word(&mut self) -> Result<Token, SyntaxError> {
        let start = self.pos;
        let end = self.text[start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(self.text.len(), |i| start + i);
        let word = &self.text[start..end];
        let token = match word {
            "true" => Token::True,
            "false" => Token::False,
            "null" => Token::Null,
            _ => {
                return self.fault(format!(
                    "Unrecognized token '{word}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
                ))
            }
        };
        self.pos = end;
        Ok(token)
    }

    /// A number in JSON's grammar; Jackson's reasons for the common faults.
    fn number(&mut self) -> Result<Token, SyntaxError> {
        let start = self.pos;
        let digits = |lexer: &mut Lexer| {
            let from = lexer.pos;
            while let Some(b'0'..=b'9') = lexer.bytes.get(lexer.pos) {
                lexer.pos += 1;
            }
            lexer.pos - from
        };
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let int_digits = digits(self);
        if int_digits == 0 {
            return self.fault("Unexpected character: expected digit after minus sign for a valid numeric value");
        }
        if int_digits > 1 && self.bytes[int_start] == b'0' {
            return Err(("Invalid numeric value: Leading zeroes not allowed".into(), int_start));
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return self.unexpected("Decimal point not followed by a digit");
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return self.unexpected("Exponent indicator not followed by a digit");
            }
        }
        if let Some(c) = self.text[self.pos..].chars().next() {
            if c.is_alphanumeric() {
                return self.fault(format!(
                    "Unexpected character ('{c}' (code {})) in numeric value: Decimal digit expected",
                    c as u32
                ));
            }
        }
        Ok(Token::Number(self.text[start..self.pos].to_string()))
    }

    /// A string at `pos` (its opening quote), decoded. Lone surrogates, which Java strings
    /// can hold and Rust's cannot, become U+FFFD.
    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match self.bytes.get(self.pos) {
                None => return self.fault("Unexpected end-of-input: was expecting closing quote for a string value"),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = match self.bytes.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let unit = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&unit)
                                && self.text[self.pos..].starts_with("\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let low = self.hex4()?;
                                if (0xDC00..0xE000).contains(&low) {
                                    char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                                } else {
                                    self.pos = save;
                                    None
                                }
                            } else {
                                char::from_u32(unit)
                            };
                            out.push(c.unwrap_or('\u{FFFD}'));
                            continue;
                        }
                        None => {
                            return self.fault("Unexpected end-of-input: was expecting closing quote for a string value")
                        }
                        Some(_) => {
                            let c = self.text[self.pos..].chars().next().unwrap_or('?');
                            return self.fault(format!("Unrecognized character escape '{c}' (code {})", c as u32));
                        }
                    };
                    self.pos += 1;
                    out.push(escaped);
                }
                Some(&b) => {
                    return self.fault(format!(
                        "Illegal unquoted character ((CTRL-CHAR, code {b})): has to be escaped using backslash to be included in string value"
                    ))
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut unit = 0;
        for _ in 0..4 {
            let Some(digit) = self.bytes.get(self.pos).and_then(|&b| (b as char).to_digit(16)) else {
                return self.fault("Unexpected character: expected a hex-digit for character escape sequence");
            };
            unit = unit * 16 + digit;
            self.pos += 1;
        }
        Ok(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Result<Vec<Token>, SyntaxError> {
        let mut lexer = Lexer::new(text);
        let mut out = Vec::new();
        loop {
            match lexer.next()? {
                Token::End => return Ok(out),
                t => out.push(t),
            }
        }
    }

    #[test]
    fn streams_tokens_and_ignores_what_follows_the_document() {
        let t = tokens(r#"{"a": [1, "x\u0041", true, null, {"b": -2.5e3}]} trailing"#).unwrap();
        assert_eq!(t.len(), 13);
        assert_eq!(t[1], Token::Name("a".into()));
        assert_eq!(t[4], Token::String("xA".into()));
        assert_eq!(t[9], Token::Number("-2.5e3".into()));
    }

    #[test]
    fn syntax_faults_have_jacksons_reasons_and_offsets() {
        assert_eq!(tokens(r#"{"a" 1}"#).unwrap_err().1, 5);
        assert!(tokens(r#"{"a":01}"#).unwrap_err().0.contains("Leading zeroes"));
        assert!(tokens(r#"{"a":[1,]}"#).unwrap_err().0.starts_with("Unexpected character (']'"));
        assert!(tokens(r#"{"a":tru}"#).unwrap_err().0.starts_with("Unrecognized token 'tru'"));
        assert!(tokens(r#"{"a":["#).unwrap_err().0.contains("close marker for Array"));
        assert!(tokens("{\"a\":\"x\ny\"}").unwrap_err().0.contains("CTRL-CHAR, code 10"));
        assert!(tokens(&"[".repeat(1200)).unwrap_err().0.contains("nesting depth"));
    }
}
