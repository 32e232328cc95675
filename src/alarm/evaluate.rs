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
use super::window::{Slot, Timeline};
use crate::metric::{MetricStore, MINUTE};
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

/// Which rule of the evaluation procedure decided a state (see docs/semantics.md, "Alarm
/// evaluation"), with the counts it used: what a user hand-checking an alarm needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// At least N datapoints in range: the N newest decided; `breaching` of them breached.
    MOfN { breaching: usize, m: usize, n: usize },
    /// Fewer than N datapoints; the missing ones were filled (`breaching`/`notBreaching`).
    Filled { present: usize, breaching: usize, fills: usize, m: usize, n: usize },
    /// Fewer than N datapoints, missing ones not counted (`missing`/`ignore`).
    Present { present: usize, breaching: usize, m: usize, n: usize },
    /// AWS's premature-alarm rule: fewer than M datapoints, but the oldest breaching one
    /// is at least M periods old and nothing newer is OK.
    Premature { present: usize, oldest_breaching: usize, m: usize, n: usize },
    /// No datapoint in any slot of the range: the treatment decided alone.
    AllMissing { periods: usize },
}

impl Rule {
    /// The rule in words, e.g. `2 of 3: 1 of the 3 newest periods breached`.
    pub fn describe(&self, treatment: TreatMissingData) -> String {
        match *self {
            Rule::MOfN { breaching, m, n } => {
                format!("{m} of {n}: {breaching} of the {n} newest datapoints breached ({m} needed)")
            }
            Rule::Filled { present, breaching, fills, m, n } => format!(
                "{m} of {n}: {present} of {n} datapoints present, {breaching} breached, and {fills} missing treated as {} ({m} needed)",
                if treatment == TreatMissingData::Breaching { "breaching" } else { "not breaching" }
            ),
            Rule::Present { present, breaching, m, n } => format!(
                "{m} of {n}: {present} of {n} datapoints present, {breaching} breached ({m} needed; missing periods are not counted)"
            ),
            Rule::Premature { present, oldest_breaching, m, n } => format!(
                "{m} of {n}: premature-alarm rule of AWS's missing-data tables: only {present} datapoint(s) present, the oldest breaching one {oldest_breaching} period(s) back (at least {m}) and nothing newer OK"
            ),
            Rule::AllMissing { periods } => {
                format!("all data missing: no datapoint in the {periods} periods evaluated, so missing data decides")
            }
        }
    }
}

/// The evaluated slots, oldest on the left: `X` breaching, `0` not, `-` missing
/// (the notation of AWS's missing-data tables), e.g. `[- - X - 0]`.
pub fn window_marks(slots: &[Option<Datapoint>]) -> String {
    let marks: Vec<&str> = slots
        .iter()
        .rev()
        .map(|slot| match slot {
            Some(d) if d.breaching => "X",
            Some(_) => "0",
            None => "-",
        })
        .collect();
    format!("[{}]", marks.join(" "))
}

/// One change of state.
#[derive(Clone, Debug, PartialEq)]
pub struct StateChange {
    pub time: Millis,
    pub old: StateValue,
    pub new: StateValue,
    /// AWS's reason text (what the SNS message carries).
    pub reason: String,
    /// The slots evaluated, as [`window_marks`] draws them.
    pub window: String,
    /// The rule that decided.
    pub rule: Rule,
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
        self.range.unwrap_or(alarm.evaluation_periods.saturating_add(2)).max(alarm.evaluation_periods)
    }

    /// Checks that every time the evaluation computes fits: a valid alarm, a range of at
    /// most [`MAX_EVALUATION_RANGE`] periods, lags of at most a week, and start and end
    /// times within a few thousand years of the event-time range.
    pub fn check(&self, alarm: &AlarmDefinition) -> Result<(), String> {
        alarm.validate()?;
        let range = self.range_for(alarm);
        if range > MAX_EVALUATION_RANGE {
            return Err(format!("the evaluation range must be at most {MAX_EVALUATION_RANGE} periods, not {range}"));
        }
        // Bounds far from i64's edges: year 9999 plus any look-back and lag stays below 2^50.
        const LIMIT: Millis = 1 << 50;
        if self.lag.checked_abs().is_none_or(|lag| lag > 7 * 24 * 3_600_000)
            || !(-LIMIT..=LIMIT).contains(&self.start)
            || !(-LIMIT..=LIMIT).contains(&self.end)
        {
            return Err("evaluation times out of range".to_string());
        }
        Ok(())
    }
}

/// The largest evaluation range (`--evaluation-range`): N + 2 for the largest N AWS allows
/// (1440 one-minute periods in a day). With a week-long period it looks back 27 years.
pub const MAX_EVALUATION_RANGE: u32 = 1442;

/// The reason AWS records for a new alarm.
#[allow(dead_code)]
pub const INITIAL_REASON: &str = "Unchecked: Initial alarm creation";

/// Evaluates `alarm` every minute from `options.start` to `options.end` and returns its
/// changes of state (it starts in `INSUFFICIENT_DATA`). Options that [`EvaluationOptions::check`]
/// refuses evaluate nothing.
///
/// Only minutes at which some slot's contents change are evaluated: between two such
/// minutes every evaluation sees the same values, decides the same state, and so changes
/// nothing (reasons differ only in the windows' start times, which are reported only with a
/// change). The windows slide incrementally ([`Slot`]), so the cost grows with the data and
/// the range R, not with the data times the period. [`reference::evaluate`] evaluates every
/// minute from scratch; the property tests hold the two equal.
pub fn evaluate(alarm: &AlarmDefinition, store: &MetricStore, options: &EvaluationOptions) -> Vec<StateChange> {
    if options.check(alarm).is_err() {
        return Vec::new();
    }
    let timeline = Timeline::new(alarm, store);
    let period = Millis::from(alarm.period) * 1000;
    let range = options.range_for(alarm);
    let mut slots: Vec<Slot> = (1..=Millis::from(range)).map(|k| Slot::new(k, period)).collect();
    let mut points = Vec::with_capacity(slots.len());
    let mut state = StateValue::InsufficientData;
    let mut changes = Vec::new();
    let mut t = ceil_minute(options.start);
    while t <= options.end {
        points.clear();
        for slot in &mut slots {
            slot.advance(t, &timeline);
            points.push(slot.datapoint(t, alarm));
        }
        if let Some((new, rule)) = verdict(alarm, &points) {
            if new != state {
                let (reason, cited) = explain(alarm, &points, new, rule);
                let evaluated_from = t - Millis::from(range) * period;
                let window = window_marks(&points);
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
        match slots.iter().filter_map(|slot| slot.next_change(&timeline)).min() {
            Some(next) => t = next.max(t + MINUTE),
            None => break,
        }
    }
    changes
}

fn ceil_minute(t: Millis) -> Millis {
    (t + MINUTE - 1).div_euclid(MINUTE) * MINUTE
}

/// The state one evaluation decides, and the rule that decided it; `None` keeps the
/// current state. Cheap (no text), because it runs at every evaluation.
fn verdict(alarm: &AlarmDefinition, slots: &[Option<Datapoint>]) -> Option<(StateValue, Rule)> {
    let n = alarm.evaluation_periods as usize;
    let m = alarm.m() as usize;
    let present = slots.iter().flatten().count();
    if too_few_samples(alarm, slots.iter().flatten().take(n)) {
        return None;
    }
    let treatment = alarm.missing_data();
    if present >= n {
        let breaching = slots.iter().flatten().take(n).filter(|d| d.breaching).count();
        let state = if breaching >= m { StateValue::Alarm } else { StateValue::Ok };
        return Some((state, Rule::MOfN { breaching, m, n }));
    }
    if present == 0 {
        let rule = Rule::AllMissing { periods: slots.len() };
        return match treatment {
            TreatMissingData::Missing => Some((StateValue::InsufficientData, rule)),
            TreatMissingData::Ignore => None,
            TreatMissingData::Breaching => Some((StateValue::Alarm, rule)),
            TreatMissingData::NotBreaching => Some((StateValue::Ok, rule)),
        };
    }
    let fills = n - present;
    let breaching = slots.iter().flatten().filter(|d| d.breaching).count();
    let (alarm_now, rule) = match treatment {
        TreatMissingData::Breaching => (breaching + fills >= m, Rule::Filled { present, breaching, fills, m, n }),
        TreatMissingData::NotBreaching => (breaching >= m, Rule::Filled { present, breaching, fills, m, n }),
        TreatMissingData::Missing | TreatMissingData::Ignore => {
            if breaching >= m {
                (true, Rule::Present { present, breaching, m, n })
            } else if let Some(oldest_breaching) = premature(slots, n, m) {
                if treatment == TreatMissingData::Ignore {
                    return None;
                }
                (true, Rule::Premature { present, oldest_breaching, m, n })
            } else {
                (false, Rule::Present { present, breaching, m, n })
            }
        }
    };
    Some((if alarm_now { StateValue::Alarm } else { StateValue::Ok }, rule))
}

/// AWS's reason for a verdict, and the datapoints it cites (newest first).
fn explain(
    alarm: &AlarmDefinition,
    slots: &[Option<Datapoint>],
    state: StateValue,
    rule: Rule,
) -> (String, Vec<Datapoint>) {
    let n = alarm.evaluation_periods as usize;
    let real: Vec<Datapoint> = slots.iter().flatten().copied().collect();
    let treatment = alarm.missing_data();
    match rule {
        Rule::MOfN { .. } => {
            let evaluated = &real[..n.min(real.len())];
            if state == StateValue::Alarm {
                let cited =
                    if alarm.datapoints_to_alarm.is_some() { only(evaluated, true) } else { evaluated.to_vec() };
                (reason::crossed(alarm, Citation::breaching(&cited), None, state), cited)
            } else {
                let cited = only(evaluated, false);
                (reason::crossed(alarm, Citation::not_breaching(&cited), None, state), cited)
            }
        }
        Rule::AllMissing { .. } if state == StateValue::InsufficientData => (reason::insufficient(n), Vec::new()),
        Rule::AllMissing { .. } => (reason::all_missing(n, treatment), Vec::new()),
        Rule::Filled { .. } | Rule::Present { .. } | Rule::Premature { .. } => {
            let alarm_now = state == StateValue::Alarm;
            let fills = n.saturating_sub(real.len());
            let filled = matches!(treatment, TreatMissingData::Breaching | TreatMissingData::NotBreaching)
                .then_some((fills, treatment));
            let cited = only(&real, alarm_now);
            let citation = Citation { points: &cited, breaching: alarm_now, received: Some((real.len(), n)) };
            (reason::crossed(alarm, citation, filled, state), cited)
        }
    }
}

fn only(points: &[Datapoint], breaching: bool) -> Vec<Datapoint> {
    points.iter().filter(|d| d.breaching == breaching).copied().collect()
}

/// AWS's premature-alarm rule: fewer than M real points, but the oldest breaching point
/// within the last N slots is at least M slots old and every newer slot is breaching or
/// missing. Returns how many periods back that oldest breaching point is.
fn premature(slots: &[Option<Datapoint>], n: usize, m: usize) -> Option<usize> {
    let real = slots.iter().flatten().count();
    if real >= m {
        return None;
    }
    let last_n = &slots[..n.min(slots.len())];
    let j = last_n.iter().rposition(|s| s.is_some_and(|d| d.breaching))?;
    (j + 1 >= m && last_n[..j].iter().all(|s| s.is_none_or(|d| d.breaching))).then_some(j + 1)
}

/// `EvaluateLowSampleCountPercentile: ignore`: a percentile alarm does not change state
/// while any evaluated datapoint has too few samples (below 10/(1-p) for p >= 0.5, 10/p
/// below).
fn too_few_samples<'a>(alarm: &AlarmDefinition, mut evaluated: impl Iterator<Item = &'a Datapoint>) -> bool {
    let (Some("ignore"), Statistic::Percentile(p)) =
        (alarm.evaluate_low_sample_count_percentile.as_deref(), &alarm.statistic)
    else {
        return false;
    };
    let p = p / 100.0;
    let needed = if p >= 0.5 { 10.0 / (1.0 - p).max(f64::EPSILON) } else { 10.0 / p.max(f64::EPSILON) };
    evaluated.any(|d| (d.sample_count as f64) < needed)
}

pub mod reference;

#[cfg(test)]
mod tests;
