//! An event pattern (the first line) and events (the other lines): the fast matcher, alone
//! and in a set with other patterns, must give the reference evaluator's verdict on every
//! event.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::event_pattern::{self, reference, EventMatcherSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let Some(first) = lines.next() else { return };
    let Ok(parsed) = event_pattern::parse(first) else { return };
    // Others share the pass: fields on the same paths, in and out of arrays.
    let others = [
        r#"{"detail": {"eventName": ["ConsoleLogin"], "userIdentity": {"type": ["Root"]}}}"#,
        r#"{"a": [{"exists": false}], "b": {"c": [{"anything-but": "x"}]}}"#,
    ]
    .map(|p| event_pattern::parse(p).expect("valid"));
    let all: Vec<_> = std::iter::once(parsed.clone()).chain(others).collect();
    let set = EventMatcherSet::new(&all);
    let alone = event_pattern::compile(&parsed);
    let mut out = Vec::new();
    for event in lines {
        let expected: Vec<usize> =
            all.iter().enumerate().filter(|(_, p)| reference::matches_text(p, event)).map(|(i, _)| i).collect();
        set.matching(event, &mut out);
        assert_eq!(out, expected, "pattern {first:?} in a set on {event:?}");
        assert_eq!(alone.is_match(event), expected.contains(&0), "pattern {first:?} alone on {event:?}");
    }
});
