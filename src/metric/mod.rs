//! Log events -> metric datapoints, as a CloudWatch Logs metric filter publishes them.
//!
//! Each event is tested against every filter. A match publishes the filter's value (a
//! number, or a number read from the event) to its metric, in the minute of the event's
//! timestamp; a non-match publishes the `defaultValue`, if any. Every published value is
//! kept (as a counted multiset per minute), because alarms may ask for percentiles.

mod bank;
mod definition;
mod exact;
mod samples;
mod store;

pub use bank::FilterBank;
pub use definition::{CompiledFilter, MetricFilter, MetricTransformation, MetricValue, Outcome, ValueRef};
pub use exact::ExactSum;
pub use samples::Samples;
pub use store::{FilterTally, MetricStore, SeriesKey, MINUTE};
