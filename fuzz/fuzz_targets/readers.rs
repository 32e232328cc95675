//! Any bytes as an input file, in every format (the first byte picks it): the readers never
//! panic, and every record is either an event or a located rejection. A CloudTrail file that
//! is valid JSON splits into exactly its records, as serde_json reads them: the structural
//! splitter (which resynchronises after a bad record) agrees with a real parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::source::{read_bytes, InputFormat, ReadOptions, Record};

const FORMATS: [&str; 7] =
    ["auto", "cloudtrail", "ndjson", "cwl-export", "filter-log-events", "lookup-events", "lines"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let format: InputFormat = FORMATS[usize::from(selector) % FORMATS.len()].parse().expect("known format");
    let require_timestamp = selector & 0x80 != 0;
    let options = ReadOptions { format, require_timestamp, ..ReadOptions::default() };
    let (mut events, mut rejected) = (0u64, 0u64);
    read_bytes("fuzz", bytes, &options, &mut |record| match record {
        Record::Event(event) => {
            events += 1;
            assert!(!require_timestamp || event.timestamp.is_some());
        }
        Record::Rejected(rejection) => {
            rejected += 1;
            assert!(!rejection.reason.is_empty());
        }
    });
    if !require_timestamp && matches!(format, InputFormat::CloudTrail | InputFormat::Auto) {
        if let Some(records) = serde_records(bytes) {
            let objects = records.iter().filter(|r| r.is_object()).count() as u64;
            assert_eq!((events, rejected), (objects, records.len() as u64 - objects), "split as serde_json reads it");
        }
    }
});

/// The records of a valid CloudTrail file (`{"Records": [...]}` or a bare array), as
/// serde_json reads them.
fn serde_records(bytes: &[u8]) -> Option<Vec<serde_json::Value>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Auto-detection looks at the first key; a leading blank-only or other shape is not ours.
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r']);
    match serde_json::from_str::<serde_json::Value>(trimmed).ok()? {
        serde_json::Value::Array(records) if trimmed.starts_with('[') => {
            // Auto-detection takes `[` for CloudTrail only before `{` or `]`.
            let next = trimmed[1..].trim_start();
            (next.starts_with('{') || next.starts_with(']')).then_some(records)
        }
        serde_json::Value::Object(map) => {
            // Auto-detection needs `Records` as the first key; a repeated key (serde_json
            // keeps the last, the reader reads the first) is left out.
            let first_key = trimmed[1..].trim_start_matches([' ', '\t', '\n', '\r']);
            if !first_key.starts_with("\"Records\"") || text.matches("\"Records\"").count() != 1 {
                return None;
            }
            match map.get("Records")? {
                serde_json::Value::Array(records) => Some(records.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}
