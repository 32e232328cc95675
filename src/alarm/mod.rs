//! Metric datapoints -> alarm states, as CloudWatch evaluates a metric alarm.
//!
//! Every minute the alarm looks at the last R periods (the evaluation range) of its metric,
//! computes the statistic of each, and decides its state from the N most recent points
//! (M of N to alarm) and its missing-data treatment, following AWS's documented tables.
//! A change of state is recorded with the reason AWS would give and becomes a notification.

mod definition;
mod evaluate;
mod notification;
mod reason;
mod statistic;
mod window;

pub use definition::{AlarmDefinition, Comparison, TreatMissingData};
pub use evaluate::{
    evaluate, window_marks, Datapoint, EvaluationOptions, Rule, StateChange, StateValue, MAX_EVALUATION_RANGE,
};
pub use notification::{aws_time, notification, region_name, Deployment};
pub use statistic::Statistic;
pub use window::{for_each_period_value, period_values};

/// The simple evaluator the fast one is tested against (for property tests and fuzzing).
pub use evaluate::reference;
