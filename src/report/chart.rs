//! What a chart of an alarm shows, computed once for the SVG charts (`--plot`) and the
//! page's interactive charts: the statistic as the alarm saw it, and its states over time.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::alarm::{notification, Deployment, StateValue};
use crate::metric::{Samples, MINUTE};
use crate::replay::{AlarmRun, ReplayResult};
use crate::source::Millis;

/// The most points one alarm's chart carries to the page (a week of minutes).
pub const MAX_POINTS: usize = 10_080;

/// The alarm's statistic over the period ending at each minute (up to `to`), at the
/// minutes whose window holds data.
pub fn alarm_series(run: &AlarmRun, result: &ReplayResult, to: Millis) -> Vec<(Millis, f64)> {
    let a = &run.definition;
    let period = Millis::from(a.period) * 1000;
    let keys: Vec<_> = result
        .store
        .series()
        .into_iter()
        .filter(|(k, _)| k.namespace == a.namespace && k.metric_name == a.metric_name && k.dimensions == a.dimensions)
        .map(|(k, _)| k.clone())
        .collect();
    // Only minutes whose window holds data have a value: visit those, not the whole span.
    let mut points = BTreeMap::new();
    let data_minutes: BTreeSet<Millis> =
        keys.iter().filter_map(|k| result.store.minutes(k)).flat_map(|m| m.keys().copied()).collect();
    for minute in data_minutes {
        let mut t = minute + MINUTE;
        while t <= (minute + period).min(to) {
            if let std::collections::btree_map::Entry::Vacant(slot) = points.entry(t) {
                let mut samples = Samples::default();
                for key in &keys {
                    samples.merge(&result.store.window(key, t - period, t));
                }
                if let Some(value) = a.statistic.compute(&samples) {
                    slot.insert(value);
                }
            }
            t += MINUTE;
        }
    }
    points.into_iter().collect()
}

/// The alarm's state from `from` to `to` as consecutive spans (an alarm starts in
/// INSUFFICIENT_DATA, as a new CloudWatch alarm does).
pub fn state_spans(run: &AlarmRun, from: Millis, to: Millis) -> Vec<(Millis, Millis, StateValue)> {
    let mut spans = Vec::new();
    let mut state = StateValue::InsufficientData;
    let mut since = from;
    for change in &run.changes {
        let at = change.time.clamp(from, to.max(from));
        if at > since {
            spans.push((since, at, state));
        }
        state = change.new;
        since = at;
    }
    if to > since {
        spans.push((since, to, state));
    }
    spans
}

/// The time span every chart of a replay covers: from the first event's minute to the
/// last evaluation.
pub fn chart_span(result: &ReplayResult) -> Option<(Millis, Millis)> {
    let (first, _) = result.span?;
    let from = first.div_euclid(MINUTE) * MINUTE;
    Some((from, result.evaluated_until.max(from + MINUTE)))
}

/// A replay as the page draws it: per alarm its definition, datapoints, states, state
/// changes and the SNS message each change sends.
pub fn replay_json(result: &ReplayResult, deployment: &Deployment) -> Value {
    let (from, to) = chart_span(result).unwrap_or((0, 0));
    let alarms: Vec<Value> = result
        .alarms
        .iter()
        .map(|run| {
            let a = &run.definition;
            let mut points = if result.span.is_some() { alarm_series(run, result, to) } else { Vec::new() };
            let truncated = points.len() > MAX_POINTS;
            points.truncate(MAX_POINTS);
            json!({
                "name": a.name,
                "namespace": a.namespace,
                "metricName": a.metric_name,
                "statistic": a.statistic.to_string(),
                "period": a.period,
                "evaluationPeriods": a.evaluation_periods,
                "datapointsToAlarm": a.datapoints_to_alarm,
                // JSON has no infinity: a threshold beyond f64's finite range cannot occur
                // (definitions are validated), but never emit a non-number.
                "threshold": if a.threshold.is_finite() { json!(a.threshold) } else { Value::Null },
                "comparison": a.comparison.phrase(),
                "comparisonOperator": a.comparison.name(),
                "points": points.iter().map(|(t, v)| json!([t, v])).collect::<Vec<_>>(),
                "truncated": truncated,
                "states": state_spans(run, from, to)
                    .iter()
                    .map(|(s, e, state)| json!({ "from": s, "to": e, "state": state.name() }))
                    .collect::<Vec<_>>(),
                "changes": run.changes.iter().map(|c| json!({
                    "time": c.time,
                    "old": c.old.name(),
                    "new": c.new.name(),
                    "reason": c.reason,
                    "message": notification(a, c, deployment),
                })).collect::<Vec<_>>(),
                "timesFired": run.times_fired(),
            })
        })
        .collect();
    json!({
        "from": from,
        "to": to,
        "alarms": alarms,
        "accounting": super::accounting(result),
    })
}
