//! Any text as an EventBridge event pattern: no panic; an accepted pattern compiles and
//! matches without panicking; a rejection carries AWS's message and renders its caret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::event_pattern;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match event_pattern::parse(text) {
        Ok(pattern) => {
            assert!(!pattern.branches.is_empty(), "{text:?} parses to no branch");
            assert!(pattern.branches.len() <= event_pattern::MAX_BRANCHES);
            let matcher = event_pattern::compile(&pattern);
            // The pattern's own text as an event: any verdict, no panic.
            let _ = matcher.is_match(text);
        }
        Err(error) => {
            assert!(error.aws_message().starts_with("Event pattern is not valid. Reason: "));
            assert!(error.offset <= text.len());
            assert!(error.to_string().contains('^'), "{text:?}: no caret");
        }
    }
});
