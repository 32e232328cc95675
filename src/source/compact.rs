//! Compact JSON text, as CloudTrail sends a record to CloudWatch Logs.

use std::borrow::Cow;

/// Removes the blanks between JSON tokens, keeping everything else (key order, number and
/// string spelling) byte for byte. `json` must be valid JSON; already-compact text is
/// returned without copying.
///
/// This copy is a large share of a CloudTrail replay (files are pretty-printed), so strings
/// are skipped with memchr and the text between blanks is copied in runs.
pub fn compact_json(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    // Allocated at the first blank outside a string; `json[copied..at]` is not yet in it.
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'"' => at = string_end(bytes, at + 1),
            blank if is_json_blank(blank) => {
                let blanks = bytes[at..].iter().take_while(|&&b| is_json_blank(b)).count();
                // Blanks are ASCII, so `at` and `at + blanks` are character boundaries.
                out.get_or_insert_with(|| String::with_capacity(json.len())).push_str(&json[copied..at]);
                at += blanks;
                copied = at;
            }
            _ => at += 1,
        }
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut out) => {
            out.push_str(&json[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The four characters JSON allows between tokens.
fn is_json_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// The index just past the quote that closes the string whose contents start at `from`
/// (the end of `bytes` if it is not closed).
fn string_end(bytes: &[u8], mut from: usize) -> usize {
    while let Some(found) = bytes.get(from..).and_then(|rest| memchr::memchr2(b'"', b'\\', rest)) {
        let at = from + found;
        if bytes[at] == b'"' {
            return at + 1;
        }
        from = at + 2; // a backslash and the character it escapes
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn removes_only_blanks_between_tokens() {
        let pretty = "{\n  \"a b\": [ 1.0 , \"x \\\" y\" ],\n  \"c\" : {\"d\": null}\n}";
        assert_eq!(compact_json(pretty), r#"{"a b":[1.0,"x \" y"],"c":{"d":null}}"#);
        assert!(matches!(compact_json(r#"{"a":"b c"}"#), Cow::Borrowed(_)));
        assert_eq!(compact_json("[\"\\\\\", \"é \\\\\\\" ü\" ]"), "[\"\\\\\",\"é \\\\\\\" ü\"]");
    }

    proptest! {
        /// Compacting any JSON value gives serde_json's compact form of it, byte for byte
        /// when its numbers and strings are spelled as serde_json spells them.
        #[test]
        fn agrees_with_serde_json(value in json_value(), indent in 0usize..3) {
            let pretty = match indent {
                0 => serde_json::to_string(&value),
                _ => serde_json::to_string_pretty(&value),
            }.expect("serialisable");
            let compact = serde_json::to_string(&value).expect("serialisable");
            prop_assert_eq!(compact_json(&pretty), compact);
        }
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[ a\"\\\\\n\té\u{1F600}\u{1}]{0,8}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[ a\"\\\\]{0,4}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
