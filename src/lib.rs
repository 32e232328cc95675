//! trailwatch: the Amazon CloudWatch Logs filter-pattern engine, offline and exact.
//!
//! The library is a pipeline of layers, each with one job:
//!
//! * [`pattern`]: pattern text -> [`pattern::Pattern`], validated as AWS validates it, with
//!   errors that point at the fault;
//! * [`matcher`]: pattern -> [`matcher::Matcher`], which decides whether an event matches
//!   and what it extracts;
//! * [`rule`]: CloudTrail records -> the events EventBridge receives, and what each rule
//!   target is delivered;
//! * [`source`]: files and standard input -> log events, with every record accounted for;
//! * [`event_pattern`]: EventBridge event patterns -> [`event_pattern::EventMatcher`], the
//!   second pattern language, sharing the number model;
//! * [`test_metric_filter`]: the `TestMetricFilter` API (request in, AWS's answer out);
//! * [`test_event_pattern`]: the `TestEventPattern` API;
//! * `serve` (feature `serve`, on by default): the local page and AWS JSON 1.1 endpoint.
//!
//! ```
//! let pattern = trailwatch::pattern::parse(r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" }"#).unwrap();
//! let matcher = trailwatch::matcher::compile(&pattern).unwrap();
//! assert!(matcher.is_match(r#"{"eventName":"ConsoleLogin","errorMessage":"Failed authentication"}"#));
//! ```

pub mod alarm;
pub mod bench;
pub mod config;
pub mod event_pattern;
pub mod explain;
pub mod lint;
pub mod lookup;
pub mod matcher;
pub mod metric;
pub mod pattern;
pub mod replay;
pub mod report;
pub mod rule;
#[cfg(feature = "serve")]
pub mod serve;
pub mod source;
pub mod test_event_pattern;
pub mod test_metric_filter;
