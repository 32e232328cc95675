//! Compact JSON text, as CloudTrail sends a record to CloudWatch Logs.

use std::borrow::Cow;

/// Removes the blanks between JSON tokens, keeping everything else (key order, number and
/// string spelling) byte for byte. `json` must be valid JSON; already-compact text is
/// returned without copying.
pub fn compact_json(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    let has_blank_outside_strings = {
        let mut in_string = false;
        let mut escaped = false;
        bytes.iter().any(|&b| {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                false
            } else {
                if b == b'"' {
                    in_string = true;
                }
                matches!(b, b' ' | b'\t' | b'\n' | b'\r')
            }
        })
    };
    if !has_blank_outside_strings {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_blanks_between_tokens() {
        let pretty = "{\n  \"a b\": [ 1.0 , \"x \\\" y\" ],\n  \"c\" : {\"d\": null}\n}";
        assert_eq!(compact_json(pretty), r#"{"a b":[1.0,"x \" y"],"c":{"d":null}}"#);
        assert!(matches!(compact_json(r#"{"a":"b c"}"#), Cow::Borrowed(_)));
    }
}
