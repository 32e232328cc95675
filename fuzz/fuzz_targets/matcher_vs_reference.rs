//! A pattern (the first line) and event messages (the other lines): the fast matcher, alone
//! and in a set, must agree with the reference evaluator on every message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::matcher::{Matcher, MatcherSet, ReferenceMatcher};
use trailwatch::pattern;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let Some(first) = lines.next() else { return };
    let Ok(parsed) = pattern::parse(first) else { return };
    let Ok(reference) = ReferenceMatcher::new(&parsed) else {
        panic!("{first:?} parses but does not compile");
    };
    // The set also holds a wildcard-free JSON pattern, so that the lazy pass is shared.
    // (`FastMatcher` is a set of one: `evaluate_one` is its path.)
    let other = pattern::parse("{ $.eventName = ConsoleLogin || $.a IS NULL }").expect("valid");
    let set = MatcherSet::new([&parsed, &other]).expect("compiles");
    for message in lines {
        let expected = reference.evaluate(message);
        assert_eq!(set.evaluate_one(0, message), expected, "pattern {first:?} alone on {message:?}");
        let mut from_set = None;
        set.for_each_match(message, |index, values| {
            if index == 0 {
                from_set = Some(values);
            }
        });
        assert_eq!(from_set, expected, "pattern {first:?} in a set on {message:?}");
    }
});
