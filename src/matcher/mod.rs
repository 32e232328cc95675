//! [`Pattern`] -> matcher: deciding whether an event message matches, and what it extracts.
//!
//! Every matcher sits behind the small [`Matcher`] trait so that the layers above (the
//! `filter` and `test-metric-filter` commands, replay) do not care how matching is done.
//! [`ReferenceMatcher`] is the simple evaluator that defines the semantics;
//! [`FastMatcher`] and [`MatcherSet`] (prefilters, lazy JSON, many patterns per pass) are
//! what trailwatch runs, and are checked against it.

mod extracted;
mod fast;
pub(crate) mod lazy;
pub mod number;
pub mod prefilter;
mod reference;
pub mod spaced;
pub mod value;

pub use extracted::ExtractedValues;
pub use fast::{FastMatcher, MatcherSet};
pub use lazy::{Found, TopLevelField};
pub use prefilter::Prefilter;
pub use reference::{parse_event, resolve, ReferenceMatcher};

use crate::pattern::{self, Pattern, PatternError};

/// Decides, for one event message at a time, whether it matches a compiled pattern.
pub trait Matcher: Send + Sync {
    /// `Some(values)` when `message` matches: the values extracted by a space-delimited
    /// pattern, empty for the other kinds.
    fn evaluate(&self, message: &str) -> Option<ExtractedValues>;

    /// Whether `message` matches.
    fn is_match(&self, message: &str) -> bool {
        self.evaluate(message).is_some()
    }
}

/// Compiles a parsed pattern into the matcher trailwatch uses.
pub fn compile(pattern: &Pattern) -> Result<Box<dyn Matcher>, PatternError> {
    Ok(Box::new(FastMatcher::new(pattern)?))
}

/// Parses and compiles pattern text in one step.
pub fn compile_text(text: &str) -> Result<Box<dyn Matcher>, PatternError> {
    compile(&pattern::parse(text)?)
}
