//! Splitting a JSON file that holds its records in one array (`{"Records": [...]}`,
//! `{"events": [...]}`, or a bare `[...]`) into the records' texts, as a stream.
//!
//! The splitter follows only the structure (strings, escapes, brackets, commas), so a record
//! whose content is invalid (`"\x"`, a raw tab, `01`) is still delimited: the caller rejects
//! that one record and the next one is read, where a JSON parser of the whole file would
//! stop at the first fault. Each record is held in memory up to [`MAX_RECORD`] bytes; a
//! longer one is skipped through without being held (its length is reported), so a file of
//! a few MB that inflates to one 2 GiB string costs no more than the cap. Only when the
//! structure itself breaks (an unclosed string or bracket, a damaged stream) does the rest of
//! the file become unsplittable; the splitter then counts how many records appear to be in
//! that rest, so that the totals can say what was lost.

use std::io::{self, BufRead};

use memchr::memmem;

use super::lines::MAX_LINE;

/// The most a record may hold, as for a line: 16 MB (a CloudWatch Logs event holds 1 MB).
pub(super) const MAX_RECORD: usize = MAX_LINE;

/// One element of the array.
pub(super) enum Element<'a> {
    /// The element's text (blanks around it removed).
    Text(&'a [u8]),
    /// Skipped: longer than [`MAX_RECORD`], with its length.
    TooLong(u64),
}

/// Why the file could not be split to its end.
#[derive(Debug)]
pub(super) struct Broken {
    pub reason: String,
    /// How many more records the unsplittable rest appears to hold (counted by the key
    /// that starts every record), besides the one being read when it broke.
    pub lost: u64,
    /// Whether the fault is in the structure around the records rather than in one (the
    /// records read so far are all there).
    pub outside_records: bool,
}

/// What to look for.
pub(super) struct Layout<'k> {
    /// Keys of the top-level object naming the array (the first present is read).
    pub keys: &'k [&'k str],
    /// A bare top-level array is the array of records.
    pub bare_array: bool,
    /// A key every record has, to count records lost when the structure breaks.
    pub record_key: &'k str,
}

/// Hands each element of the records array to `element`, in order. Returns whether an array
/// was found, or why the file broke off.
pub(super) fn split(
    reader: &mut dyn BufRead,
    layout: &Layout<'_>,
    stop: &dyn Fn() -> bool,
    element: &mut dyn FnMut(Element<'_>),
) -> Result<(), Broken> {
    let quoted_key = format!("\"{}\"", layout.record_key);
    let record_key = memmem::Finder::new(quoted_key.as_bytes()).into_owned();
    let mut input = Input { reader, record: Vec::new(), record_key };
    let outside = |reason: String| Broken { reason, lost: 0, outside_records: true };
    input.skip_blanks_and_bom().map_err(|e| outside(read_error(&e)))?;
    match input.next_byte().map_err(|e| outside(read_error(&e)))? {
        Some(b'[') if layout.bare_array => input.array(stop, element)?,
        Some(b'{') => input.object(layout, stop, element)?,
        Some(b) => return Err(outside(format!("expected a JSON object, found {}", shown(b)))),
        None => return Err(outside("the file is empty".to_string())),
    }
    input.skip_blanks_and_bom().map_err(|e| outside(read_error(&e)))?;
    match input.next_byte().map_err(|e| outside(read_error(&e)))? {
        None => Ok(()),
        Some(b) => Err(outside(format!("unexpected {} after the end of the JSON value", shown(b)))),
    }
}

fn read_error(e: &io::Error) -> String {
    format!("file ends early or cannot be read: {e}")
}

fn shown(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("'{}'", byte as char)
    } else {
        format!("byte 0x{byte:02x}")
    }
}

struct Input<'r> {
    reader: &'r mut dyn BufRead,
    /// The element being gathered.
    record: Vec<u8>,
    /// Finds the key every record has (`"eventVersion"`).
    record_key: memmem::Finder<'static>,
}

/// Where a structural scan of a value stopped.
enum Scan {
    /// At the `,` or closing bracket that ends the value (not consumed).
    End(u8),
    /// The input ended inside the value.
    Eof,
}

/// The structural state of a value being scanned, carried across buffer refills.
#[derive(Default)]
struct ValueState {
    depth: u64,
    in_string: bool,
    escaped: bool,
    length: u64,
    /// Record keys seen inside the value (more than one means the structure slipped).
    record_keys: u64,
}

impl Input<'_> {
    fn next_byte(&mut self) -> io::Result<Option<u8>> {
        let byte = self.fill()?.first().copied();
        if byte.is_some() {
            self.reader.consume(1);
        }
        Ok(byte)
    }

    fn fill(&mut self) -> io::Result<&[u8]> {
        loop {
            match self.reader.fill_buf() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.reader.fill_buf()
    }

    fn skip_blanks_and_bom(&mut self) -> io::Result<()> {
        loop {
            let available = self.fill()?;
            if available.starts_with(b"\xEF\xBB\xBF") {
                self.reader.consume(3);
                continue;
            }
            let blanks = available.iter().take_while(|b| is_blank(**b)).count();
            let all = blanks == available.len() && blanks > 0;
            self.reader.consume(blanks);
            if !all {
                return Ok(());
            }
        }
    }

    /// Reads the top-level object, descending into the first key of `layout.keys`.
    fn object(
        &mut self,
        layout: &Layout<'_>,
        stop: &dyn Fn() -> bool,
        element: &mut dyn FnMut(Element<'_>),
    ) -> Result<(), Broken> {
        let outside = |reason: String| Broken { reason, lost: 0, outside_records: true };
        let io = |e: io::Error| outside(read_error(&e));
        let mut first = true;
        let mut read_array = false;
        loop {
            self.skip_blanks_and_bom().map_err(io)?;
            match self.next_byte().map_err(io)? {
                Some(b'}') if first => return Ok(()),
                Some(b'"') => {}
                Some(b) => return Err(outside(format!("expected a key, found {}", shown(b)))),
                None => return Err(outside("the file ends inside the top-level object".into())),
            }
            first = false;
            let key = self.key().map_err(io)?;
            self.skip_blanks_and_bom().map_err(io)?;
            match self.next_byte().map_err(io)? {
                Some(b':') => {}
                _ => return Err(outside(format!("expected ':' after the key {key:?}"))),
            }
            self.skip_blanks_and_bom().map_err(io)?;
            if !read_array && layout.keys.contains(&key.as_str()) {
                match self.next_byte().map_err(io)? {
                    Some(b'[') => self.array(stop, element)?,
                    _ => return Err(outside(format!("{key} is not an array"))),
                }
                read_array = true;
                if stop() {
                    return Ok(());
                }
            } else {
                let mut state = ValueState::default();
                match self.scan_value(&mut state, b'}', false).map_err(io)? {
                    Scan::End(_) => {}
                    Scan::Eof => return Err(outside(format!("the file ends inside the value of {key:?}"))),
                }
            }
            self.skip_blanks_and_bom().map_err(io)?;
            match self.next_byte().map_err(io)? {
                Some(b',') => {}
                Some(b'}') => return Ok(()),
                Some(b) => {
                    return Err(outside(format!("expected ',' or '}}' in the top-level object, found {}", shown(b))))
                }
                None => return Err(outside("the file ends inside the top-level object".into())),
            }
        }
    }

    /// A key's text after its opening quote (long keys are cut: they never name the array).
    fn key(&mut self) -> io::Result<String> {
        let mut key = Vec::new();
        let mut escaped = false;
        while let Some(b) = self.next_byte()? {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                break;
            }
            if key.len() < 256 {
                key.push(b);
            }
        }
        Ok(String::from_utf8_lossy(&key).into_owned())
    }

    /// The array's elements, after its `[`, up to and including its `]`.
    fn array(&mut self, stop: &dyn Fn() -> bool, element: &mut dyn FnMut(Element<'_>)) -> Result<(), Broken> {
        let mut first = true;
        loop {
            if stop() {
                return Ok(());
            }
            let io_outside = |e: io::Error| Broken { reason: read_error(&e), lost: 0, outside_records: true };
            self.skip_blanks_and_bom().map_err(io_outside)?;
            if first && self.fill().map_err(io_outside)?.first() == Some(&b']') {
                self.reader.consume(1);
                return Ok(());
            }
            first = false;
            self.record.clear();
            let mut state = ValueState::default();
            let scanned = self.scan_value(&mut state, b']', true);
            let lost = state.record_keys.saturating_sub(1);
            let end = match scanned {
                Ok(Scan::End(end)) => end,
                Ok(Scan::Eof) => {
                    let reason = if state.in_string {
                        "the file ends inside a string (an unescaped quote?)"
                    } else {
                        "the file ends inside a record (an unclosed bracket?)"
                    };
                    return Err(Broken { reason: reason.to_string(), lost, outside_records: false });
                }
                Err(e) => return Err(Broken { reason: read_error(&e), lost, outside_records: false }),
            };
            if state.length > MAX_RECORD as u64 {
                element(Element::TooLong(state.length));
            } else {
                let text = trim_blanks(&self.record);
                element(Element::Text(text));
            }
            self.reader.consume(1);
            if end == b']' {
                return Ok(());
            }
        }
    }

    /// Scans one value up to the `,` or `closer` that ends it at its own level, keeping its
    /// bytes in `self.record` when `keep` (up to the cap).
    fn scan_value(&mut self, state: &mut ValueState, closer: u8, keep: bool) -> io::Result<Scan> {
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(Scan::Eof);
            }
            let (used, end) = scan(state, available, closer);
            let taken = &available[..used];
            state.record_keys += self.record_key.find_iter(taken).count() as u64;
            let length = state.length;
            state.length += used as u64;
            if keep && state.length <= MAX_RECORD as u64 {
                self.record.extend_from_slice(taken);
            } else if keep && length <= MAX_RECORD as u64 {
                self.record = Vec::new(); // over the cap: stop holding it
            }
            self.reader.consume(used);
            if let Some(end) = end {
                return Ok(Scan::End(end));
            }
        }
    }
}

/// Advances `state` over `bytes`; returns how many bytes belong to the value and, when the
/// value ends in `bytes`, the byte that ends it (`,` or `closer`, not counted).
fn scan(state: &mut ValueState, bytes: &[u8], closer: u8) -> (usize, Option<u8>) {
    let mut at = 0;
    while at < bytes.len() {
        if state.in_string {
            if state.escaped {
                state.escaped = false;
                at += 1;
                continue;
            }
            match string_stop(&bytes[at..]) {
                None => return (bytes.len(), None),
                Some(found) => {
                    at += found;
                    if bytes[at] == b'"' {
                        state.in_string = false;
                    } else {
                        state.escaped = true;
                    }
                    at += 1;
                }
            }
            continue;
        }
        match bytes[at] {
            b'"' => state.in_string = true,
            b'{' | b'[' => state.depth += 1,
            b',' if state.depth == 0 => return (at, Some(b',')),
            b if b == closer && state.depth == 0 => return (at, Some(b)),
            // A stray closer at the value's own level is part of this (invalid) value: the
            // record is rejected, and the next one read.
            b'}' | b']' if state.depth == 0 => {}
            b'}' | b']' => state.depth -= 1,
            _ => {}
        }
        at += 1;
    }
    (bytes.len(), None)
}

/// The first `"` or `\\` in `bytes`. Most strings of a record (keys, short values) end
/// within a few bytes, where a plain loop beats the set-up of a SIMD search.
fn string_stop(bytes: &[u8]) -> Option<usize> {
    let head = bytes.len().min(16);
    match bytes[..head].iter().position(|&b| b == b'"' || b == b'\\') {
        Some(found) => Some(found),
        None => memchr::memchr2(b'"', b'\\', &bytes[head..]).map(|found| head + found),
    }
}

fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

fn trim_blanks(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().take_while(|b| is_blank(**b)).count();
    let end = bytes.len() - bytes.iter().rev().take_while(|b| is_blank(**b)).count();
    bytes.get(start..end.max(start)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LAYOUT: Layout<'static> = Layout { keys: &["Records"], bare_array: true, record_key: "eventVersion" };

    fn elements(input: &[u8], capacity: usize) -> (Vec<String>, Result<(), String>) {
        let mut reader = std::io::BufReader::with_capacity(capacity, input);
        let mut out = Vec::new();
        let result = split(&mut reader, &LAYOUT, &|| false, &mut |e| {
            out.push(match e {
                Element::Text(t) => String::from_utf8_lossy(t).into_owned(),
                Element::TooLong(n) => format!("<{n} bytes>"),
            })
        });
        (out, result.map_err(|b| format!("{} (lost {})", b.reason, b.lost)))
    }

    #[test]
    fn splits_records_by_structure_alone() {
        let input = br#"{"x":{"Records":1},"Records":[ {"a":"\x"} , {"b":"],}"}, 01 ,{"c":[1,{}]}],"y":"z"}"#;
        let (records, result) = elements(input, 7);
        assert_eq!(records, [r#"{"a":"\x"}"#, r#"{"b":"],}"}"#, "01", r#"{"c":[1,{}]}"#]);
        assert_eq!(result, Ok(()));
        assert_eq!(elements(b"[]", 64), (vec![], Ok(())));
        assert_eq!(elements(b"{}", 64), (vec![], Ok(())));
    }

    #[test]
    fn a_broken_structure_counts_what_is_lost() {
        // An unescaped quote shifts every string after it: no resynchronising is safe.
        let input = br#"{"Records":[{"eventVersion":"1"},{"eventVersion":"1","x":"a"b"},{"eventVersion":"1"},{"eventVersion":"1"}]}"#;
        let (records, result) = elements(input, 64);
        assert_eq!(records, [r#"{"eventVersion":"1"}"#]);
        let error = result.expect_err("broken");
        assert!(error.contains("ends inside a string") && error.contains("lost 2"), "{error}");
        // A stray bracket only spoils its own record.
        let (records, result) = elements(br#"[{"a":1}},{"b":2}]"#, 64);
        assert_eq!(records, [r#"{"a":1}}"#, r#"{"b":2}"#]);
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn faults_around_the_array_are_reported() {
        assert!(elements(br#"{"Records": 5}"#, 64).1.is_err());
        assert!(elements(br#"{"Records": []} x"#, 64).1.is_err());
        assert!(elements(b"nope", 64).1.is_err());
    }

    proptest! {
        /// Any array of JSON values, pretty or compact, splits into exactly its elements,
        /// whatever the buffer size.
        #[test]
        fn agrees_with_serde_json(values in proptest::collection::vec(any::<(i32, String)>(), 0..6), pretty in any::<bool>(), capacity in 1usize..40) {
            let records: Vec<serde_json::Value> = values.iter().map(|(n, s)| serde_json::json!({"n": n, "s": s, "l": [s, {}]})).collect();
            let file = serde_json::json!({"Records": records});
            let text = if pretty { serde_json::to_string_pretty(&file) } else { serde_json::to_string(&file) }.expect("serialisable");
            let (split_records, result) = elements(text.as_bytes(), capacity);
            prop_assert_eq!(result, Ok(()));
            let parsed: Vec<serde_json::Value> = split_records.iter().map(|r| serde_json::from_str(r).expect("each is JSON")).collect();
            prop_assert_eq!(parsed, records);
        }
    }
}
