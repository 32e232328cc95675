//! The simple evaluator: every minute, every window recomputed from the store. It is the
//! oracle of the property tests and the fuzz target for [`super::evaluate`], which must give
//! the same state changes; it costs the data times the window, so only tests use it.
//!
//! [`evaluate_at_changes`] visits only the minutes at which a window's contents can change
//! (the same windows, recomputed the same way): the long fuzz runs need it, since a week-long
//! period held every minute costs thousands of evaluations per input. A property test holds
//! it equal to [`evaluate`].

use super::{ceil_minute, explain, verdict, window_marks, Datapoint, EvaluationOptions, StateChange, StateValue};
use crate::alarm::definition::AlarmDefinition;
use crate::alarm::window::matching_series;
use crate::metric::{MetricStore, Samples, MINUTE};
use crate::source::Millis;

/// [`super::evaluate`], the slow and obvious way.
pub fn evaluate(alarm: &AlarmDefinition, store: &MetricStore, options: &EvaluationOptions) -> Vec<StateChange> {
    evaluate_visiting(alarm, store, options, Visits::EveryMinute)
}

/// [`evaluate`], visiting only the minutes at which some window's contents can change.
///
/// The verdict is a function of the windows' values alone, and the minute m lies in window
/// k (1-based) while m + (k-1)·period < t <= m + k·period: contents change only at
/// t = m + j·period + 1 minute, for j in 0..=range. Between two such minutes every
/// evaluation repeats the one before and changes nothing.
pub fn evaluate_at_changes(
    alarm: &AlarmDefinition,
    store: &MetricStore,
    options: &EvaluationOptions,
) -> Vec<StateChange> {
    evaluate_visiting(alarm, store, options, Visits::ContentChanges)
}

#[derive(Clone, Copy, PartialEq)]
enum Visits {
    EveryMinute,
    ContentChanges,
}

fn evaluate_visiting(
    alarm: &AlarmDefinition,
    store: &MetricStore,
    options: &EvaluationOptions,
    visits: Visits,
) -> Vec<StateChange> {
    if options.check(alarm).is_err() {
        return Vec::new();
    }
    // Each series' minutes, found once (not by key at every window of every minute).
    let series: Vec<_> = matching_series(alarm, store).iter().filter_map(|key| store.minutes(key)).collect();
    let period = Millis::from(alarm.period) * 1000;
    let range = options.range_for(alarm) as usize;
    let mut state = StateValue::InsufficientData;
    let mut changes = Vec::new();
    // Minutes that hold data: long stretches without any are skipped in one step.
    let data_minutes: std::collections::BTreeSet<Millis> =
        series.iter().flat_map(|minutes| minutes.keys().copied()).collect();
    let changes_at: std::collections::BTreeSet<Millis> = match visits {
        Visits::EveryMinute => Default::default(),
        Visits::ContentChanges => {
            data_minutes.iter().flat_map(|&m| (0..=range as Millis).map(move |j| m + j * period + MINUTE)).collect()
        }
    };
    let mut t = ceil_minute(options.start);
    while t <= options.end {
        let mut anything_in_range = false;
        let slots: Vec<Option<Datapoint>> = (1..=range as Millis)
            .map(|k| {
                let start = t - k * period;
                let mut samples = Samples::default();
                for minutes in &series {
                    for (_, minute) in minutes.range(start..start + period) {
                        samples.merge(minute);
                    }
                }
                anything_in_range |= !samples.is_empty();
                let value = alarm.statistic.compute(&samples)?;
                let breaching = alarm.comparison.breaches(value, alarm.threshold);
                Some(Datapoint { start, value, sample_count: samples.count(), breaching })
            })
            .collect();
        // The state each minute; the reason, a function of the same windows, only for a
        // change (writing it every minute made this evaluator ten times slower).
        let decision = verdict(alarm, &slots);
        let settled = decision.is_none_or(|(new, _)| new == state);
        if let Some((new, rule)) = decision {
            if new != state {
                let (reason, cited) = explain(alarm, &slots, new, rule);
                let evaluated_from = t - range as Millis * period;
                let window = window_marks(&slots);
                changes.push(StateChange {
                    time: t + options.lag,
                    old: state,
                    new,
                    reason,
                    window,
                    rule,
                    cited,
                    evaluated_from,
                });
                state = new;
            }
        }
        // With nothing in range and nothing to change, the state holds until the next
        // datapoint enters the range (the first evaluation after its minute). Windows whose
        // samples have no value (a percentile over a negative sample) are not nothing: the
        // evaluator before this one skipped those too, and missed the change when the
        // sample left.
        if visits == Visits::ContentChanges {
            match changes_at.range(t + 1..).next() {
                Some(&next) => t = next,
                None => break,
            }
            continue;
        }
        t = if settled && !anything_in_range {
            match data_minutes.range(t..).next() {
                Some(next) => (next + MINUTE).max(t + MINUTE),
                None => break,
            }
        } else {
            t + MINUTE
        };
    }
    changes
}
