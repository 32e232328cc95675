//! Sliding alarm windows, maintained incrementally.
//!
//! At evaluation time T, slot k (k = 1 newest) is the window `[T - kP, T - (k-1)P)`. As T
//! moves forward, minutes enter each slot at its newer edge and leave at its older edge;
//! [`Slot`] adds and removes exactly those, so the cost of a replay grows with its data
//! (each minute enters and leaves each slot once), not with the data times the window.
//! A window's statistic is a function of its samples alone (sums are exact, see
//! `metric::ExactSum`), so the values are the ones recomputing each window from scratch
//! gives (`evaluate::reference`, the property tests' oracle).

use super::definition::AlarmDefinition;
use super::evaluate::Datapoint;
use crate::metric::{ExactSum, MetricStore, Samples, SeriesKey, MINUTE};
use crate::source::Millis;

/// Every published minute of the series an alarm reads, merged, in time order.
pub(super) struct Timeline {
    pub minutes: Vec<(Millis, Samples)>,
}

impl Timeline {
    pub fn new(alarm: &AlarmDefinition, store: &MetricStore) -> Timeline {
        let series = matching_series(alarm, store);
        let minutes = match series.as_slice() {
            [one] => store.minutes(one).map(|m| m.iter().map(|(t, s)| (*t, s.clone())).collect()).unwrap_or_default(),
            _ => {
                let mut merged = std::collections::BTreeMap::<Millis, Samples>::new();
                for key in &series {
                    for (t, samples) in store.minutes(key).into_iter().flatten() {
                        merged.entry(*t).or_default().merge(samples);
                    }
                }
                merged.into_iter().collect()
            }
        };
        Timeline { minutes }
    }
}

/// The series an alarm reads: same namespace, name and dimensions; same unit when the
/// alarm names one (otherwise every unit, as CloudWatch retrieves all). Only the matching
/// keys are sorted, so a store of many dimension values costs one pass per alarm.
pub(super) fn matching_series(alarm: &AlarmDefinition, store: &MetricStore) -> Vec<SeriesKey> {
    let mut keys: Vec<SeriesKey> = store
        .keys()
        .filter(|key| {
            key.namespace == alarm.namespace
                && key.metric_name == alarm.metric_name
                && key.dimensions == alarm.dimensions
                && (alarm.unit.is_none()
                    || key.unit.as_deref().unwrap_or("None") == alarm.unit.as_deref().unwrap_or("None"))
        })
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// One slot's window, sliding with the evaluation time.
pub(super) struct Slot {
    /// The window is `[T - older, T - newer)`.
    newer: Millis,
    older: Millis,
    /// `minutes[..entered]` have passed the newer edge, `minutes[..left]` the older one.
    entered: usize,
    left: usize,
    samples: Samples,
    sum: ExactSum,
    /// The statistic of the current contents, once computed.
    value: Option<Option<f64>>,
}

impl Slot {
    /// Slot `k` of an alarm with period `period` (both checked by the caller to fit).
    pub fn new(k: Millis, period: Millis) -> Slot {
        Slot {
            newer: (k - 1) * period,
            older: k * period,
            entered: 0,
            left: 0,
            samples: Samples::default(),
            sum: ExactSum::default(),
            value: None,
        }
    }

    /// Moves the window to evaluation time `t` (never backwards).
    pub fn advance(&mut self, t: Millis, timeline: &Timeline) {
        let minutes = &timeline.minutes;
        while let Some((minute, samples)) = minutes.get(self.entered).filter(|(m, _)| *m < t - self.newer) {
            let _ = minute;
            self.samples.merge(samples);
            samples.for_each_value(|v, n| self.sum.add(v, n));
            self.entered += 1;
            self.value = None;
        }
        while let Some((_, samples)) =
            minutes.get(self.left).filter(|(m, _)| self.left < self.entered && *m < t - self.older)
        {
            self.samples.remove(samples);
            samples.for_each_value(|v, n| self.sum.remove(v, n));
            self.left += 1;
            self.value = None;
        }
    }

    /// The first evaluation time after `t` at which this window's contents change.
    pub fn next_change(&self, timeline: &Timeline) -> Option<Millis> {
        let minutes = &timeline.minutes;
        // A minute m passes an edge e at the first minute boundary T > m + e.
        let passes = |m: Millis, edge: Millis| (m + edge).div_euclid(MINUTE) * MINUTE + MINUTE;
        let entering = minutes.get(self.entered).map(|(m, _)| passes(*m, self.newer));
        let leaving = minutes.get(self.left).map(|(m, _)| passes(*m, self.older));
        match (entering, leaving) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The window's statistic, or `None` when it has none.
    pub fn value(&mut self, alarm: &AlarmDefinition) -> Option<f64> {
        let (samples, sum) = (&self.samples, &self.sum);
        *self.value.get_or_insert_with(|| alarm.statistic.compute_with_sum(samples, || sum.value()))
    }

    /// The slot's datapoint at evaluation time `t`.
    pub fn datapoint(&mut self, t: Millis, alarm: &AlarmDefinition) -> Option<Datapoint> {
        let value = self.value(alarm)?;
        Some(Datapoint {
            start: t - self.older,
            value,
            sample_count: self.samples.count(),
            breaching: alarm.comparison.breaches(value, alarm.threshold),
        })
    }
}

/// The alarm's statistic over the period ending at each minute from the first data on, up to
/// `to`, at every minute where it has a value (what `--plot` draws).
pub fn period_values(alarm: &AlarmDefinition, store: &MetricStore, to: Millis) -> Vec<(Millis, f64)> {
    let mut points = Vec::new();
    for_each_period_value(alarm, store, to, |t, value| points.push((t, value)));
    points
}

/// [`period_values`] handed over one at a time, so that a chart of millions of minutes
/// summarises them without holding them all.
pub fn for_each_period_value(
    alarm: &AlarmDefinition,
    store: &MetricStore,
    to: Millis,
    mut each: impl FnMut(Millis, f64),
) {
    let timeline = Timeline::new(alarm, store);
    let period = Millis::from(alarm.period) * 1000;
    let mut slot = Slot::new(1, period);
    let Some(mut t) = slot.next_change(&timeline) else { return };
    while t <= to {
        slot.advance(t, &timeline);
        if let Some(value) = slot.value(alarm) {
            each(t, value);
        }
        t = if slot.is_empty() {
            match slot.next_change(&timeline) {
                Some(next) => next.max(t + MINUTE),
                None => break,
            }
        } else {
            t + MINUTE
        };
    }
}
