//! Any text: the parser never panics, and what it accepts compiles and prints back to the
//! same AST (when the printed form is itself within the length limit).
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::{matcher, pattern};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match pattern::parse(text) {
        Ok(parsed) => {
            assert!(matcher::compile(&parsed).is_ok(), "{text:?} parses but does not compile");
            let printed = parsed.to_string();
            // The normalised form adds spaces, and may pass the 1,024-character limit that
            // the original text kept to (found by this target): only shorter ones re-parse.
            if printed.encode_utf16().count() > 1024 {
                return;
            }
            let reparsed = pattern::parse(&printed).unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}: {e}"));
            assert_eq!(reparsed, parsed, "{text:?} printed as {printed:?}");
        }
        Err(error) => {
            // The diagnostic renders for every rejection, caret included.
            let _ = error.render(text);
        }
    }
});
