//! Any text: the parser never panics, and what it accepts prints back to the same AST and
//! compiles.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::{matcher, pattern};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match pattern::parse(text) {
        Ok(parsed) => {
            let printed = parsed.to_string();
            let reparsed = pattern::parse(&printed).unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}: {e}"));
            assert_eq!(reparsed, parsed, "{text:?} printed as {printed:?}");
            assert!(matcher::compile(&parsed).is_ok(), "{text:?} parses but does not compile");
        }
        Err(error) => {
            // The diagnostic renders for every rejection, caret included.
            let _ = error.render(text);
        }
    }
});
