//! The parsers of archive selection and lookup-events on any text: time expressions
//! (in range or refused, never a panic), key layouts (never a panic; what passes a window
//! is consistent with the window), `--lookup-attributes`, page tokens, and a record's Event
//! history view. The input is split at NUL bytes into those parts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::lookup::{self, HistoryEvent};
use trailwatch::source::{parse_time_expression, Selection, TimeWindow};

const NOW: i64 = 1_772_355_600_000;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let (start, end, key, attributes, token, record) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let start = parse_time_expression(start, NOW).ok();
    let end = parse_time_expression(end, NOW).ok();
    for t in [start, end].into_iter().flatten() {
        assert!((0..=253_402_300_799_999).contains(&t));
    }
    let window = TimeWindow::new(start, end);
    if let Ok(window) = window {
        let selection = Selection { window, ..Selection::default() };
        let _ = selection.admits_key(key, true);
        let _ = selection.admits_key(key, false);
        // With no window and no accounts or regions, every key is taken.
        assert!(Selection::default().admits_key(key, true));
    }
    let _ = lookup::parse_lookup_attributes(attributes);
    let _ = lookup::token_position(token);
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(record) {
        if let Some(view) = HistoryEvent::of(&value, 0) {
            assert!(view.resources.len() <= lookup::MAX_RESOURCES);
        }
    }
});
