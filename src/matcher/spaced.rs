//! Space-delimited events: splitting a message into fields and aligning them with the
//! pattern's fields.
//!
//! Fields are separated by runs of blanks; `"..."` and `[...]` make one field and lose their
//! delimiters (a closing quote also ends the field: `"b"c` is `b` then `c`); an unclosed
//! `"` or `[` is an ordinary character. Without `...`, a pattern with fewer fields than the
//! event gives its last field the raw rest of the line (as written, trailing blanks too).

/// One field of an event: its value and the byte where it starts (at its quote or bracket).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventField<'a> {
    pub value: &'a str,
    pub start: usize,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0B' | b'\x0C')
}

/// Splits `message` into fields.
pub fn split_fields(message: &str) -> Vec<EventField<'_>> {
    let bytes = message.as_bytes();
    let mut fields = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        if is_blank(bytes[pos]) {
            pos += 1;
            continue;
        }
        let start = pos;
        let closing = match bytes[pos] {
            b'"' => Some(b'"'),
            b'[' => Some(b']'),
            _ => None,
        };
        if let Some(close) = closing.and_then(|c| memchr::memchr(c, &bytes[pos + 1..]).map(|i| pos + 1 + i)) {
            fields.push(EventField { value: &message[pos + 1..close], start });
            pos = close + 1;
            continue;
        }
        while pos < bytes.len() && !is_blank(bytes[pos]) {
            pos += 1;
        }
        fields.push(EventField { value: &message[start..pos], start });
    }
    fields
}

/// Which event text each pattern position receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alignment<'a> {
    /// For each pattern field except `...`, its text and its 1-based event position.
    pub fields: Vec<(&'a str, usize)>,
    /// Event fields covered by `...`: text and 1-based position.
    pub ellipsis: Vec<(&'a str, usize)>,
}

/// Aligns `pattern_fields` positions (with the ellipsis, if any, at `ellipsis_at`) with
/// `message`; `None` when the event has too few fields.
pub fn align<'a>(message: &'a str, field_count: usize, ellipsis_at: Option<usize>) -> Option<Alignment<'a>> {
    let event = split_fields(message);
    let n = event.len();
    let mut fields = Vec::with_capacity(field_count);
    let mut ellipsis = Vec::new();
    match ellipsis_at {
        Some(at) => {
            let after = field_count - at - 1;
            if n < at + after {
                return None;
            }
            for (i, field) in event.iter().enumerate() {
                let position = i + 1;
                if i < at || i >= n - after {
                    fields.push((field.value, position));
                } else {
                    ellipsis.push((field.value, position));
                }
            }
        }
        None if field_count == 0 => {
            ellipsis = event.iter().enumerate().map(|(i, f)| (f.value, i + 1)).collect();
        }
        None => {
            if n < field_count {
                return None;
            }
            for (i, field) in event.iter().take(field_count).enumerate() {
                fields.push((field.value, i + 1));
            }
            if n > field_count {
                let last = event[field_count - 1].start;
                if let Some(slot) = fields.last_mut() {
                    slot.0 = &message[last..];
                }
            }
        }
    }
    Some(Alignment { fields, ellipsis })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(message: &str) -> Vec<&str> {
        split_fields(message).iter().map(|f| f.value).collect()
    }

    #[test]
    fn splits_like_the_recordings() {
        assert_eq!(values("a \"two words\" c"), ["a", "two words", "c"]);
        assert_eq!(values("a [two words] c"), ["a", "two words", "c"]);
        assert_eq!(values("a  b   c "), ["a", "b", "c"]);
        assert_eq!(values("a\tb\tc"), ["a", "b", "c"]);
        assert_eq!(values("a \"unclosed"), ["a", "\"unclosed"]);
        assert_eq!(values("a [unclosed"), ["a", "[unclosed"]);
        assert_eq!(values("a \"b\"c d"), ["a", "b", "c", "d"]);
        assert!(values("   ").is_empty());
    }

    #[test]
    fn last_field_takes_the_raw_rest() {
        let a = align("a  b   c ", 2, None).unwrap();
        assert_eq!(a.fields, [("a", 1), ("b   c ", 2)]);
        let a = align("a \"two words\"", 2, None).unwrap();
        assert_eq!(a.fields, [("a", 1), ("two words", 2)]);
        assert_eq!(align("one", 2, None), None);
    }

    #[test]
    fn ellipsis_absorbs_the_middle() {
        let a = align("a b c d", 3, Some(1)).unwrap();
        assert_eq!(a.fields, [("a", 1), ("d", 4)]);
        assert_eq!(a.ellipsis, [("b", 2), ("c", 3)]);
        assert!(align("one", 2, Some(0)).is_some());
        assert!(align("one", 3, Some(1)).is_none());
    }
}
