//! The alarm state machine, evaluated every minute over sliding windows.
//!
//! At each minute boundary T, slot k (k = 1 is the newest) is the window
//! `[T - k*P, T - (k-1)*P)`, for k up to the evaluation range R. The decision follows the
//! procedure reconstructed from AWS's documented missing-data tables (see
//! docs/semantics.md, "Alarms"): with at least N real datapoints in the range, the N most
//! recent decide (M of them must breach); with none, `TreatMissingData` decides; with some,
//! missing points are filled as the treatment says, and the "premature alarm" rule applies.

use super::definition::{AlarmDefinition, TreatMissingData};
use super::reason::{self, Citation};
use super::statistic::Statistic;
use crate::metric::{MetricStore, Samples, SeriesKey, MINUTE};
use crate::source::Millis;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateValue {
    Ok,
    Alarm,
    InsufficientData,
}

impl StateValue {
    pub fn name(self) -> &'static str {
        match self {
            StateValue::Ok => "OK",
            StateValue::Alarm => "ALARM",
            StateValue::InsufficientData => "INSUFFICIENT_DATA",
        }
    }
}

/// A window's value, labelled with the window's start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Datapoint {
    pub start: Millis,
    pub value: f64,
    pub sample_count: u64,
    pub breaching: bool,
}

/// One change of state.
#[derive(Clone, Debug, PartialEq)]
pub struct StateChange {
    pub time: Millis,
    pub old: StateValue,
    pub new: StateValue,
    pub reason: String,
    /// The datapoints the reason cites, newest first.
    pub cited: Vec<Datapoint>,
    /// The start of the oldest window evaluated.
    pub evaluated_from: Millis,
}

/// When and how far back to evaluate.
#[derive(Clone, Copy, Debug)]
pub struct EvaluationOptions {
    /// First evaluation time (rounded up to a minute).
    pub start: Millis,
    /// Last evaluation time.
    pub end: Millis,
    /// R, the periods each evaluation retrieves; `None` for N + 2 (AWS's documented tables
    /// use R = 5 for N = 3).
    pub range: Option<u32>,
    /// Added to the evaluation time to give the state-change time.
    pub lag: Millis,
}

impl EvaluationOptions {
    pub fn range_for(&self, alarm: &AlarmDefinition) -> u32 {
        self.range.unwrap_or(alarm.evaluation_periods + 2).max(alarm.evaluation_periods)
    }
}

/// The largest evaluation range (`--evaluation-range`): N + 2 for the largest N AWS allows
/// (1440 one-minute periods in a day). With a week-long period it looks back 27 years.
pub const MAX_EVALUATION_RANGE: u32 = 1442;

/// The reason AWS records for a new alarm.
#[allow(dead_code)]
pub const INITIAL_REASON: &str = "Unchecked: Initial alarm creation";

/// Evaluates `alarm` every minute from `options.start` to `options.end` and returns its
/// changes of state (it starts in `INSUFFICIENT_DATA`).
pub fn evaluate(alarm: &AlarmDefinition, store: &MetricStore, options: &EvaluationOptions) -> Vec<StateChange> {
    let series = matching_series(alarm, store);
    let period = Millis::from(alarm.period) * 1000;
    let range = options.range_for(alarm) as usize;
    let mut state = StateValue::InsufficientData;
    let mut changes = Vec::new();
    // Minutes that hold data: long stretches without any are skipped in one step.
    let data_minutes: std::collections::BTreeSet<Millis> =
        series.iter().filter_map(|key| store.minutes(key)).flat_map(|minutes| minutes.keys().copied()).collect();
    let mut t = ceil_minute(options.start);
    while t <= options.end {
        let slots: Vec<Option<Datapoint>> = (1..=range as Millis)
            .map(|k| {
                let start = t - k * period;
                let samples = window(store, &series, start, start + period);
                let value = alarm.statistic.compute(&samples)?;
                let breaching = alarm.comparison.breaches(value, alarm.threshold);
                Some(Datapoint { start, value, sample_count: samples.count(), breaching })
            })
            .collect();
        let decision = decide(alarm, &slots);
        let settled = decision.as_ref().is_none_or(|(new, _, _)| *new == state);
        if let Some((new, reason, cited)) = decision {
            if new != state {
                let evaluated_from = t - range as Millis * period;
                changes.push(StateChange { time: t + options.lag, old: state, new, reason, cited, evaluated_from });
                state = new;
            }
        }
        // With nothing in range and nothing to change, the state holds until the next
        // datapoint enters the range (the first evaluation after its minute).
        t = if settled && slots.iter().all(Option::is_none) {
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

fn ceil_minute(t: Millis) -> Millis {
    (t + MINUTE - 1).div_euclid(MINUTE) * MINUTE
}

/// The series an alarm reads: same namespace, name and dimensions; same unit when the
/// alarm names one (otherwise every unit, as CloudWatch retrieves all).
fn matching_series(alarm: &AlarmDefinition, store: &MetricStore) -> Vec<SeriesKey> {
    store
        .series()
        .into_iter()
        .map(|(key, _)| key)
        .filter(|key| {
            key.namespace == alarm.namespace
                && key.metric_name == alarm.metric_name
                && key.dimensions == alarm.dimensions
                && (alarm.unit.is_none()
                    || key.unit.as_deref().unwrap_or("None") == alarm.unit.as_deref().unwrap_or("None"))
        })
        .cloned()
        .collect()
}

fn window(store: &MetricStore, series: &[SeriesKey], start: Millis, end: Millis) -> Samples {
    let mut samples = Samples::default();
    for key in series {
        samples.merge(&store.window(key, start, end));
    }
    samples
}

type Decision = Option<(StateValue, String, Vec<Datapoint>)>;

/// One evaluation; `None` keeps the current state.
fn decide(alarm: &AlarmDefinition, slots: &[Option<Datapoint>]) -> Decision {
    let n = alarm.evaluation_periods as usize;
    let m = alarm.m() as usize;
    let real: Vec<Datapoint> = slots.iter().flatten().copied().collect();
    let treatment = alarm.missing_data();
    if too_few_samples(alarm, &real[..real.len().min(n)]) {
        return None;
    }
    if real.len() >= n {
        let evaluated = &real[..n];
        let breaching = evaluated.iter().filter(|d| d.breaching).count();
        return Some(if breaching >= m {
            let cited = if alarm.datapoints_to_alarm.is_some() { only(evaluated, true) } else { evaluated.to_vec() };
            let text = reason::crossed(alarm, Citation::breaching(&cited), None, StateValue::Alarm);
            (StateValue::Alarm, text, cited)
        } else {
            let cited = only(evaluated, false);
            (StateValue::Ok, reason::crossed(alarm, Citation::not_breaching(&cited), None, StateValue::Ok), cited)
        });
    }
    if real.is_empty() {
        return match treatment {
            TreatMissingData::Missing => Some((StateValue::InsufficientData, reason::insufficient(n), Vec::new())),
            TreatMissingData::Ignore => None,
            TreatMissingData::Breaching => Some((StateValue::Alarm, reason::all_missing(n, treatment), Vec::new())),
            TreatMissingData::NotBreaching => Some((StateValue::Ok, reason::all_missing(n, treatment), Vec::new())),
        };
    }
    let fills = n - real.len();
    let breaching = real.iter().filter(|d| d.breaching).count();
    let alarm_now = match treatment {
        TreatMissingData::Breaching => breaching + fills >= m,
        TreatMissingData::NotBreaching => breaching >= m,
        TreatMissingData::Missing | TreatMissingData::Ignore => {
            if breaching >= m {
                true
            } else if premature(slots, n, m) {
                if treatment == TreatMissingData::Ignore {
                    return None;
                }
                true
            } else {
                false
            }
        }
    };
    let filled =
        matches!(treatment, TreatMissingData::Breaching | TreatMissingData::NotBreaching).then_some((fills, treatment));
    let state = if alarm_now { StateValue::Alarm } else { StateValue::Ok };
    let cited = only(&real, alarm_now);
    let citation = Citation { points: &cited, breaching: alarm_now, received: Some((real.len(), n)) };
    let text = reason::crossed(alarm, citation, filled, state);
    Some((state, text, cited))
}

fn only(points: &[Datapoint], breaching: bool) -> Vec<Datapoint> {
    points.iter().filter(|d| d.breaching == breaching).copied().collect()
}

/// AWS's premature-alarm rule: fewer than M real points, but the oldest breaching point
/// within the last N slots is at least M slots old and every newer slot is breaching or
/// missing.
fn premature(slots: &[Option<Datapoint>], n: usize, m: usize) -> bool {
    let real = slots.iter().flatten().count();
    if real >= m {
        return false;
    }
    let last_n = &slots[..n.min(slots.len())];
    let Some(j) = last_n.iter().rposition(|s| s.is_some_and(|d| d.breaching)) else {
        return false;
    };
    j + 1 >= m && last_n[..j].iter().all(|s| s.is_none_or(|d| d.breaching))
}

/// `EvaluateLowSampleCountPercentile: ignore`: a percentile alarm does not change state
/// while any evaluated datapoint has too few samples (below 10/(1-p) for p >= 0.5, 10/p
/// below).
fn too_few_samples(alarm: &AlarmDefinition, evaluated: &[Datapoint]) -> bool {
    let (Some("ignore"), Statistic::Percentile(p)) =
        (alarm.evaluate_low_sample_count_percentile.as_deref(), &alarm.statistic)
    else {
        return false;
    };
    let p = p / 100.0;
    let needed = if p >= 0.5 { 10.0 / (1.0 - p).max(f64::EPSILON) } else { 10.0 / p.max(f64::EPSILON) };
    evaluated.iter().any(|d| (d.sample_count as f64) < needed)
}

#[cfg(test)]
mod tests;
