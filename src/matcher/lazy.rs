//! Lazy JSON: the values a pattern's selectors reach, found in one pass over the text
//! without building the document. Everything off the selectors' paths is skipped by
//! counting brackets and jumping over strings.
//!
//! The scan checks everything it skips against JSON's grammar and the reference parser's
//! nesting limit, so invalid JSON never matches, exactly as in the reference evaluator; on
//! valid JSON it reads the same values the reference does, the last of duplicate keys
//! included. Text it cannot judge as cheaply is left to the reference evaluator.

use std::borrow::Cow;

use crate::pattern::Step;

/// A value at a selector, as much of it as conditions look at.
#[derive(Clone, Debug, PartialEq)]
pub enum Found<'a> {
    Missing,
    String(Cow<'a, str>),
    /// The number's raw text.
    Number(&'a str),
    Bool(bool),
    Null,
    Object,
    /// What IS NULL / IS TRUE / IS FALSE look for among the elements.
    Array {
        has_null: bool,
        has_true: bool,
        has_false: bool,
    },
}

/// The selectors of a pattern as a trie, each leaf a slot in the result.
#[derive(Clone, Debug, Default)]
pub struct Paths {
    nodes: Vec<Node>,
    slots: usize,
}

#[derive(Clone, Debug, Default)]
struct Node {
    keys: Vec<(String, usize)>,
    indexes: Vec<(usize, usize)>,
    slot: Option<usize>,
    /// Every slot at or below this node: reset when the node is reached again (a
    /// duplicate key replaces the earlier value and everything under it).
    below: Vec<usize>,
}

impl Paths {
    pub fn new() -> Paths {
        Paths { nodes: vec![Node::default()], slots: 0 }
    }

    /// Adds a selector without wildcards; returns its slot.
    pub fn add(&mut self, steps: &[Step]) -> Option<usize> {
        let mut node = 0;
        let mut visited = vec![0];
        for step in steps {
            let existing = match step {
                Step::Key(k) | Step::QuotedKey(k) => {
                    self.nodes[node].keys.iter().find(|(key, _)| key == k).map(|(_, n)| *n)
                }
                Step::Index(i) => self.nodes[node].indexes.iter().find(|(index, _)| index == i).map(|(_, n)| *n),
                Step::AnyElement | Step::AnyMember => return None,
            };
            node = match existing {
                Some(n) => n,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(Node::default());
                    match step {
                        Step::Key(k) | Step::QuotedKey(k) => self.nodes[node].keys.push((k.clone(), n)),
                        Step::Index(i) => self.nodes[node].indexes.push((*i, n)),
                        _ => {}
                    }
                    n
                }
            };
            visited.push(node);
        }
        let slot = match self.nodes[node].slot {
            Some(slot) => slot,
            None => {
                let slot = self.slots;
                self.slots += 1;
                self.nodes[node].slot = Some(slot);
                for n in visited {
                    self.nodes[n].below.push(slot);
                }
                slot
            }
        };
        Some(slot)
    }

    /// The values of every slot; [`Extraction::NotJson`] when the text is not one JSON
    /// object; [`Extraction::Unsure`] for text the scan leaves to the reference evaluator
    /// (control characters, which JSON allows only as whitespace, and `\u` escapes, whose
    /// surrogate rules are the reference parser's to decide).
    pub fn extract<'a>(&self, text: &'a str) -> Extraction<'a> {
        let bytes = text.as_bytes();
        if needs_reference(bytes) {
            return Extraction::Unsure;
        }
        let mut out = vec![Found::Missing; self.slots];
        let mut scan = Scanner::new(text);
        scan.skip_ws();
        if scan.peek() != Some(b'{') || scan.value(self, Some(0), 0, &mut out).is_none() {
            return Extraction::NotJson;
        }
        scan.skip_ws();
        if scan.pos == bytes.len() {
            Extraction::Values(out)
        } else {
            Extraction::NotJson
        }
    }
}

/// Whether the scan must leave a text to the reference evaluator: it holds a control
/// character (JSON allows them only as whitespace) or a `\u` escape (whose surrogate rules
/// are the reference parser's to decide).
pub(crate) fn needs_reference(bytes: &[u8]) -> bool {
    // One searcher for the process: building a `memmem` searcher per event cost more than
    // the search itself on short events.
    static UNICODE_ESCAPE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\\u"));
    has_control_byte(bytes) || UNICODE_ESCAPE.find(bytes).is_some()
}

/// Whether any byte is below 0x20, in blocks the compiler can vectorise (an early-exit
/// `any` over single bytes is several times slower).
fn has_control_byte(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(32);
    let found = blocks.by_ref().any(|block| block.iter().fold(0u8, |seen, &b| seen | u8::from(b < 0x20)) != 0);
    found || blocks.remainder().iter().any(|&b| b < 0x20)
}

/// One top-level field of JSON objects, read without parsing the rest (readers use it
/// for each NDJSON line's timestamp).
#[derive(Clone, Debug)]
pub struct TopLevelField {
    name: String,
    paths: Paths,
}

impl TopLevelField {
    pub fn new(name: &str) -> TopLevelField {
        let mut paths = Paths::new();
        paths.add(&[Step::Key(name.to_string())]);
        TopLevelField { name: name.to_string(), paths }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The field's value; `None` when the text is not a JSON object or the scan is unsure
    /// (the caller then asks a full parser, which can also say what is wrong).
    pub fn read<'a>(&self, text: &'a str) -> Option<Found<'a>> {
        match self.paths.extract(text) {
            Extraction::Values(values) => values.into_iter().next(),
            Extraction::NotJson | Extraction::Unsure => None,
        }
    }
}

/// What [`Paths::extract`] made of a text.
#[derive(Debug, PartialEq)]
pub enum Extraction<'a> {
    Values(Vec<Found<'a>>),
    NotJson,
    Unsure,
}

/// Nesting deeper than this is not JSON to the reference parser (`serde_json` refuses a
/// 128th level), so it is not JSON here either.
pub(crate) const MAX_DEPTH: usize = 127;

/// The validating JSON reader under [`Paths::extract`]; the event-pattern matcher walks
/// events with the same primitives.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(text: &'a str) -> Scanner<'a> {
        Scanner { text, bytes: text.as_bytes(), pos: 0 }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Only spaces can occur between tokens: [`Paths::extract`] sends text holding any
    /// control character (tabs and newlines included) to the reference evaluator, and
    /// the event-pattern pass gives up on it.
    pub(crate) fn skip_ws(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// The next byte after any spaces (`pos` moved onto it): [`Self::skip_ws`] and
    /// [`Self::peek`] in one, with one test in the usual case of no space (events are
    /// mostly compact JSON).
    #[inline]
    pub(crate) fn token(&mut self) -> Option<u8> {
        match *self.bytes.get(self.pos)? {
            b' ' => self.token_after_spaces(),
            byte => Some(byte),
        }
    }

    #[cold]
    fn token_after_spaces(&mut self) -> Option<u8> {
        self.skip_ws();
        self.peek()
    }

    #[inline]
    pub(crate) fn expect(&mut self, byte: u8) -> Option<()> {
        (self.token()? == byte).then(|| self.pos += 1)
    }

    /// One value at nesting `depth`; `node` is where it sits in the trie (`None`: off
    /// every path, so it is only checked and skipped).
    fn value(&mut self, paths: &Paths, node: Option<usize>, depth: usize, out: &mut [Found<'a>]) -> Option<()> {
        self.skip_ws();
        let Some(node) = node.map(|n| &paths.nodes[n]) else {
            return self.skip_value(depth);
        };
        for slot in &node.below {
            out[*slot] = Found::Missing;
        }
        let found = match self.peek()? {
            b'{' if !node.keys.is_empty() => {
                self.members(paths, node, depth + 1, out)?;
                Found::Object
            }
            b'[' if !node.indexes.is_empty() || node.slot.is_some() => self.elements(paths, node, depth + 1, out)?,
            // A container the paths do not enter (and that holds no slot of its own).
            b'{' | b'[' => {
                self.skip_value(depth)?;
                Found::Object
            }
            b'"' => Found::String(self.string()?),
            _ => self.scalar()?,
        };
        if let Some(slot) = node.slot {
            out[slot] = found;
        }
        Some(())
    }

    fn members(&mut self, paths: &Paths, node: &Node, depth: usize, out: &mut [Found<'a>]) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            self.skip_ws();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.expect(b':')?;
            let child = node.keys.iter().find(|(k, _)| *k == key).map(|(_, n)| *n);
            self.value(paths, child, depth, out)?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn elements(&mut self, paths: &Paths, node: &Node, depth: usize, out: &mut [Found<'a>]) -> Option<Found<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.pos += 1;
        let (mut has_null, mut has_true, mut has_false) = (false, false, false);
        self.skip_ws();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(Found::Array { has_null, has_true, has_false });
        }
        let mut index = 0;
        loop {
            self.skip_ws();
            match self.peek()? {
                b'n' => has_null = true,
                b't' => has_true = true,
                b'f' => has_false = true,
                _ => {}
            }
            let child = node.indexes.iter().find(|(i, _)| *i == index).map(|(_, n)| *n);
            self.value(paths, child, depth, out)?;
            index += 1;
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(Found::Array { has_null, has_true, has_false });
                }
                _ => return None,
            }
        }
    }

    /// A number, `true`, `false` or `null`.
    pub(crate) fn scalar(&mut self) -> Option<Found<'a>> {
        match self.peek()? {
            b't' => self.word("true", Found::Bool(true)),
            b'f' => self.word("false", Found::Bool(false)),
            b'n' => self.word("null", Found::Null),
            b'-' | b'0'..=b'9' => self.number().map(Found::Number),
            _ => None,
        }
    }

    #[inline]
    fn word(&mut self, word: &str, found: Found<'a>) -> Option<Found<'a>> {
        self.bytes.get(self.pos..)?.starts_with(word.as_bytes()).then(|| {
            self.pos += word.len();
            found
        })
    }

    /// A number in JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<&'a str> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.some_digits()?;
        }
        Some(&self.text[start..self.pos])
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.pos;
        self.digits();
        (self.pos > start).then_some(())
    }

    /// A string at `pos` (its opening quote), decoded only when it holds escapes.
    #[inline]
    pub(crate) fn string(&mut self) -> Option<Cow<'a, str>> {
        let start = self.pos + 1;
        let (end, escaped) = self.string_end_escaped(start)?;
        self.pos = end;
        let raw = &self.text[start..end - 1];
        if !escaped {
            return Some(Cow::Borrowed(raw));
        }
        unescape(raw).map(Cow::Owned)
    }

    /// The byte after the closing quote of a string whose text starts at `i`, checking
    /// its escapes (`\u` never reaches here).
    #[inline]
    fn string_end(&self, i: usize) -> Option<usize> {
        self.string_end_escaped(i).map(|(end, _)| end)
    }

    /// [`Self::string_end`], and whether the string holds an escape (so that
    /// [`Self::string`] need not look for one again). A control byte in the string is not
    /// JSON: `None`, as for a `\\u` escape (see [`needs_reference`]).
    #[inline]
    fn string_end_escaped(&self, i: usize) -> Option<(usize, bool)> {
        // Most strings (keys, names) end within 16 bytes and hold no escape: those are
        // found here without a call.
        match string_stop_in_block(self.bytes, i) {
            Some(Some(stop)) if self.bytes[stop] == b'"' => Some((stop + 1, false)),
            Some(None) => self.long_string_end_escaped(i + 16),
            _ => self.long_string_end_escaped(i),
        }
    }

    /// [`Self::string_end_escaped`] from `i`, inside a string (with no escape before `i`).
    #[inline(never)]
    fn long_string_end_escaped(&self, mut i: usize) -> Option<(usize, bool)> {
        let mut escaped = false;
        loop {
            i = string_stop(self.bytes, i)?;
            match self.bytes[i] {
                b'"' => return Some((i + 1, escaped)),
                b'\\' => escaped = true,
                _ => return None,
            }
            if !matches!(self.bytes.get(i + 1)?, b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') {
                return None;
            }
            i += 2;
        }
    }

    /// Checks and skips a value off every path, without recursion: `open` remembers
    /// whether each enclosing container is an object, and `after` what may come next.
    pub(crate) fn skip_value(&mut self, depth: usize) -> Option<()> {
        let mut open = OpenContainers::default();
        loop {
            // A value.
            match self.token()? {
                b'"' => self.pos = self.string_end(self.pos + 1)?,
                byte @ (b'{' | b'[') => {
                    let object = byte == b'{';
                    if depth + open.len() + 1 > MAX_DEPTH {
                        return None;
                    }
                    open.push(object);
                    self.pos += 1;
                    let close = if object { b'}' } else { b']' };
                    if self.token()? == close {
                        self.pos += 1;
                        open.pop();
                    } else {
                        if object {
                            self.key()?;
                        }
                        continue;
                    }
                }
                _ => {
                    self.scalar()?;
                }
            }
            // What follows it: a separator and the next member or element, or closings.
            loop {
                let Some(object) = open.last() else {
                    return Some(());
                };
                match self.token()? {
                    b',' => {
                        self.pos += 1;
                        if object {
                            self.key()?;
                        }
                        break;
                    }
                    b'}' if object => {
                        self.pos += 1;
                        open.pop();
                    }
                    b']' if !object => {
                        self.pos += 1;
                        open.pop();
                    }
                    _ => return None,
                }
            }
        }
    }

    /// A member's key and its colon.
    fn key(&mut self) -> Option<()> {
        if self.token()? != b'"' {
            return None;
        }
        self.pos = self.string_end(self.pos + 1)?;
        self.expect(b':')
    }
}

/// The text of a string whose escapes were checked (none is `\\u`).
#[cold]
fn unescape(raw: &str) -> Option<String> {
    let mut decoded = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            decoded.push(c);
            continue;
        }
        decoded.push(match chars.next()? {
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            other => other,
        });
    }
    Some(decoded)
}

/// Where a string's plain run that goes on at `from` ends: the first `"`, `\\` or control
/// byte (JSON strings may not hold control bytes, so the scan stops there and gives up; the
/// event-pattern pass then hands the text to the reference evaluator instead of searching
/// every event for control bytes beforehand). `None`: the text ends first.
#[inline]
fn string_stop(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        match string_stop_in_block(bytes, from) {
            Some(Some(stop)) => return Some(stop),
            Some(None) => from += 16,
            None => return bytes.get(from..)?.iter().position(|&b| is_string_stop(b)).map(|i| from + i),
        }
    }
}

/// [`string_stop`] within the 16 bytes at `at`: `Some(None)` when they hold none, `None`
/// when fewer than 16 bytes are left. The bytes are compared all at once (the compiler
/// turns the loop into vector compares) into flags of 0 or 0xff, whose lowest set bit
/// is the first stop.
#[inline]
fn string_stop_in_block(bytes: &[u8], at: usize) -> Option<Option<usize>> {
    let block: &[u8; 16] = bytes.get(at..at + 16)?.try_into().ok()?;
    let mut flags = [0u8; 16];
    for (flag, &b) in flags.iter_mut().zip(block) {
        *flag = u8::from(is_string_stop(b)).wrapping_neg();
    }
    let flags = u128::from_le_bytes(flags);
    Some((flags != 0).then(|| at + flags.trailing_zeros() as usize / 8))
}

#[inline]
fn is_string_stop(b: u8) -> bool {
    (b == b'"') | (b == b'\\') | (b < 0x20)
}

/// The containers [`Scanner::skip_value`] is inside, innermost last: one bit each (set for
/// an object), on the stack. [`MAX_DEPTH`] below 128 keeps them within one `u128`, so
/// skipping allocates nothing.
#[derive(Default)]
struct OpenContainers {
    objects: u128,
    len: usize,
}

const _: () = assert!(MAX_DEPTH < 128);

impl OpenContainers {
    fn len(&self) -> usize {
        self.len
    }

    /// Callers check the depth against [`MAX_DEPTH`] first.
    fn push(&mut self, object: bool) {
        self.objects = (self.objects << 1) | u128::from(object);
        self.len += 1;
    }

    fn pop(&mut self) {
        self.objects >>= 1;
        self.len = self.len.saturating_sub(1);
    }

    fn last(&self) -> Option<bool> {
        (self.len > 0).then_some(self.objects & 1 == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::parse_selector;

    fn extract<'a>(text: &'a str, selectors: &[&str]) -> Option<Vec<Found<'a>>> {
        let mut paths = Paths::new();
        for s in selectors {
            paths.add(&parse_selector(s).unwrap().steps).unwrap();
        }
        match paths.extract(text) {
            Extraction::Values(values) => Some(values),
            Extraction::NotJson => None,
            Extraction::Unsure => panic!("unsure of {text}"),
        }
    }

    #[test]
    fn string_stop_finds_the_first_quote_backslash_or_control_byte() {
        let naive = |bytes: &[u8], from: usize| {
            bytes[from..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|i| from + i)
        };
        let fillers = [b'a', 0x80, 0xff, 0x21, 0x23, 0x5b, 0x5d, 0x20, 0x7f];
        for len in 0..70 {
            for filler in fillers {
                let mut bytes = vec![filler; len];
                assert_eq!(string_stop(&bytes, 0), None, "len {len}");
                for first in 0..len {
                    for (stop, other) in [(b'"', b'\\'), (b'\\', b'"'), (0x1f, b'"'), (0x00, 0x01), (b'\n', b'\\')] {
                        bytes.fill(filler);
                        bytes[first] = stop;
                        if first + 1 < len {
                            bytes[len - 1] = other;
                        }
                        for from in [0, first / 2, first] {
                            assert_eq!(string_stop(&bytes, from), naive(&bytes, from), "{bytes:?} from {from}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn finds_values_on_paths_and_skips_the_rest() {
        let text = r#"{"a":{"x":[1,{"y":"}"}]},"b":"two \"words\"","c":[null,2],"d":-1.5e3,"e":true}"#;
        let found = extract(text, &["$.b", "$.c", "$.d", "$.e", "$.a.x[1].y", "$.zz"]).unwrap();
        assert_eq!(found[0], Found::String(Cow::Owned("two \"words\"".into())));
        assert_eq!(found[1], Found::Array { has_null: true, has_true: false, has_false: false });
        assert_eq!(found[2], Found::Number("-1.5e3"));
        assert_eq!(found[3], Found::Bool(true));
        assert_eq!(found[4], Found::String(Cow::Borrowed("}")));
        assert_eq!(found[5], Found::Missing);
    }

    #[test]
    fn the_last_duplicate_key_wins_with_its_subtree() {
        let found = extract(r#"{"a":{"b":1},"a":"x"}"#, &["$.a.b", "$.a"]).unwrap();
        assert_eq!(found, [Found::Missing, Found::String(Cow::Borrowed("x"))]);
    }

    #[test]
    fn non_objects_and_trailing_text_are_not_json() {
        assert!(extract("[1,2]", &["$.a"]).is_none());
        assert!(extract(r#"{"a":2} trailing"#, &["$.a"]).is_none());
        assert!(extract(r#"{"a":"#, &["$.a"]).is_none());
        assert!(extract("", &["$.a"]).is_none());
        assert!(extract(r#" {"a":1} "#, &["$.a"]).is_some());
    }

    #[test]
    fn judges_validity_as_the_reference_parser_does() {
        let cases = [
            r#"{"a":1,}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":1e99999}"#,
            r#"{"a":-0.0E+5}"#,
            r#"{"a":tru}"#,
            r#"{"b":nulll}"#,
            r#"{"b":"x\q"}"#,
            r#"{"b":"x\/"}"#,
            r#"{"b":{"c":[1 2]}}"#,
            r#"{"b":{"c" 1}}"#,
            r#"{"b":{1:2}}"#,
            r#"{"b":[}"#,
            r#"{"b":{]}"#,
            r#"{"b":"open}"#,
            r#"{"a":"x","b":[[],{},[{}]]}"#,
            r#"{} {}"#,
        ];
        for text in cases {
            let reference = crate::matcher::parse_event(text).is_some();
            assert_eq!(extract(text, &["$.a"]).is_some(), reference, "{text}");
        }
    }

    #[test]
    fn nesting_limit_is_the_reference_parsers() {
        for depth in [126, 127, 128, 129] {
            for (open, close) in [("[", "]"), ("{\"k\":", "}")] {
                let text = format!("{{\"z\":{}1{}}}", open.repeat(depth - 1), close.repeat(depth - 1));
                let reference = crate::matcher::parse_event(&text).is_some();
                assert_eq!(extract(&text, &["$.a"]).is_some(), reference, "depth {depth} {open}");
                assert_eq!(extract(&text, &["$.z"]).is_some(), reference, "depth {depth} {open} on path");
            }
        }
    }

    #[test]
    fn leaves_escapes_and_control_characters_to_the_reference() {
        let paths = Paths::new();
        assert_eq!(paths.extract(r#"{"a":"\u0041"}"#), Extraction::Unsure);
        assert_eq!(paths.extract("{\"a\":\t1}"), Extraction::Unsure);
    }
}
