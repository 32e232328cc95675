//! EventBridge event patterns: pattern text -> [`EventPattern`] -> [`EventMatcher`].
//!
//! The second pattern language of trailwatch, beside the CloudWatch Logs filter patterns
//! of [`crate::pattern`] and [`crate::matcher`]; it shares their number model
//! ([`crate::matcher::number`]).
//!
//! * [`parse`] validates a pattern as AWS does (`InvalidEventPatternException` with AWS's
//!   reason, plus where the fault is) and expands `$or` into branches;
//! * [`reference`] defines what matching means, over a parsed document;
//! * [`EventMatcher`] and [`EventMatcherSet`] are what trailwatch runs: one pass over the
//!   event text for any number of patterns.
//!
//! ```
//! use trailwatch::event_pattern;
//! let pattern = event_pattern::parse(r#"{"source": ["aws.signin"], "detail": {"responseElements": {"ConsoleLogin": ["Failure"]}}}"#).unwrap();
//! let matcher = event_pattern::compile(&pattern);
//! assert!(matcher.is_match(r#"{"source": "aws.signin", "detail": {"responseElements": {"ConsoleLogin": "Failure"}}}"#));
//! assert!(!matcher.is_match(r#"{"source": "aws.signin", "detail": {"responseElements": {"ConsoleLogin": "Success"}}}"#));
//!
//! let invalid = event_pattern::parse(r#"{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}"#).unwrap_err();
//! assert_eq!(invalid.aws_message(), "Event pattern is not valid. Reason: Bad numeric range operator: >");
//! ```

mod ast;
mod cidr;
mod error;
mod fast;
mod lex;
mod number;
mod parse;
pub mod reference;
mod wildcard;

pub use ast::{Bound, Branch, Condition, EventPattern, Exclusion, Field, Leaf, Literal, Range};
pub use cidr::IpRange;
pub use error::InvalidEventPattern;
pub use parse::{parse, MAX_BRANCHES, MAX_PATTERN_CHARS};
pub use wildcard::Wildcard;

/// Compiles a parsed pattern into the matcher trailwatch runs.
pub fn compile(pattern: &EventPattern) -> EventMatcher {
    EventMatcher { set: EventMatcherSet::new(std::slice::from_ref(pattern)) }
}

/// One pattern, compiled.
#[derive(Clone, Debug)]
pub struct EventMatcher {
    set: EventMatcherSet,
}

impl EventMatcher {
    /// Whether the event (JSON text; anything else never matches) matches.
    pub fn is_match(&self, event_json: &str) -> bool {
        let mut out = Vec::with_capacity(1);
        self.set.matching(event_json, &mut out);
        !out.is_empty()
    }
}

/// Many patterns, matched together: each event is read once for all of them.
#[derive(Clone, Debug)]
pub struct EventMatcherSet {
    compiled: fast::Compiled,
}

impl EventMatcherSet {
    pub fn new(patterns: &[EventPattern]) -> EventMatcherSet {
        EventMatcherSet { compiled: fast::Compiled::new(patterns) }
    }

    /// How many patterns the set holds.
    pub fn len(&self) -> usize {
        self.compiled.patterns().len()
    }

    pub fn is_empty(&self) -> bool {
        self.compiled.patterns().is_empty()
    }

    /// Replaces `out` with the indices (ascending) of the patterns `event_json` matches
    /// (none when it is not a JSON object).
    pub fn matching(&self, event_json: &str, out: &mut Vec<usize>) {
        self.compiled.matching(event_json, out);
    }
}

#[cfg(test)]
mod tests;
