//! What a chart of an alarm shows, computed once for the SVG charts (`--plot`) and the
//! page's interactive charts: the statistic as the alarm saw it (summarised per column when
//! the span is long), the value range (always holding the threshold), the states as
//! consecutive bands, and time marks in dates.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use serde_json::{json, Value};

use crate::alarm::{for_each_period_value, notification, Deployment, StateValue};
use crate::metric::MINUTE;
use crate::replay::{AlarmRun, ReplayResult};
use crate::source::{Millis, EARLIEST_EVENT_TIME, LATEST_EVENT_TIME};

/// The most columns one alarm's chart carries to the page: a week of minutes one by one,
/// longer spans summarised (lowest, highest, first and last value per column).
pub const PAGE_COLUMNS: usize = 10_080;

/// The most state changes of one alarm the page lists with their SNS messages.
pub const PAGE_CHANGES: usize = 500;

/// The largest value an axis reaches (either way): values and thresholds beyond are drawn
/// at the edge. Keeps every range and step finite (1.8e308 - -1.8e308 is infinite).
pub const MAX_AXIS: f64 = 1e300;

/// The time span every chart of a replay covers: from the first event's minute to the
/// last evaluation.
pub fn chart_span(result: &ReplayResult) -> Option<(Millis, Millis)> {
    let (first, _) = result.span?;
    let from = first.div_euclid(MINUTE) * MINUTE;
    Some((from, result.evaluated_until.max(from + MINUTE)))
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

/// The time range a chart shows, as `--plot-window START..END` gives it (UTC): either end
/// may be left out, meaning the replay's own start or end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlotWindow {
    pub start: Option<Millis>,
    pub end: Option<Millis>,
}

const WINDOW_FORMS: &str = "START..END in UTC, each 2026-03-01, 2026-03-01T09:30, 2026-03-01 09:30:00 or \
                            2026-03-01T09:30:00Z (either end may be left out: 2026-03-01T09:00..)";

impl std::str::FromStr for PlotWindow {
    type Err = String;

    fn from_str(text: &str) -> Result<PlotWindow, String> {
        let Some((start, end)) = text.split_once("..") else {
            return Err(format!("{text:?} is not a time window: write {WINDOW_FORMS}"));
        };
        let bound = |part: &str| -> Result<Option<Millis>, String> {
            let part = part.trim();
            if part.is_empty() {
                return Ok(None);
            }
            let t = parse_window_time(part).ok_or_else(|| format!("{part:?} is not a time: write {WINDOW_FORMS}"))?;
            if (EARLIEST_EVENT_TIME..=LATEST_EVENT_TIME).contains(&t) {
                Ok(Some(t))
            } else {
                Err(format!("{part:?} is outside the times events can have (1970-01-01 to 9999-12-31)"))
            }
        };
        let window = PlotWindow { start: bound(start)?, end: bound(end)? };
        if let (Some(s), Some(e)) = (window.start, window.end) {
            if e <= s {
                return Err(format!("{text:?}: the window's end must be after its start"));
            }
        }
        Ok(window)
    }
}

/// A time as a person writes one: RFC 3339 with any offset, or a UTC date with an optional
/// time of day (`T` or a space between).
fn parse_window_time(text: &str) -> Option<Millis> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    for form in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, form) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

impl PlotWindow {
    /// The window over a replay's span: the ends left out filled in, and refused when it
    /// does not overlap the span (every chart would be empty).
    pub fn over(&self, (from, to): (Millis, Millis)) -> Result<(Millis, Millis), String> {
        let start = self.start.unwrap_or(from);
        let end = self.end.unwrap_or(to);
        if end <= start || end <= from || start >= to {
            return Err(format!(
                "the plot window {} to {} does not overlap the replay, which covers {} to {} UTC: \
                 choose a window inside it",
                super::utc(start),
                super::utc(end),
                super::utc(from),
                super::utc(to)
            ));
        }
        Ok((start, end))
    }
}

/// The datapoints of one column of a chart: every minute from `first_at` to `last_at`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Column {
    pub first_at: Millis,
    pub last_at: Millis,
    pub first: f64,
    pub last: f64,
    pub min: f64,
    pub max: f64,
}

/// A time mark: where, its label, and the date it falls on when the label is a time of day
/// and the date changed since the previous mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeTick {
    pub at: Millis,
    pub label: String,
    pub date: Option<String>,
}

/// Everything one alarm's chart draws.
#[derive(Clone, Debug)]
pub struct Chart {
    pub from: Millis,
    pub to: Millis,
    /// The value range: the threshold always strictly inside.
    pub low: f64,
    pub high: f64,
    /// How long each column is (a minute when the span fits the columns).
    pub column_width: Millis,
    pub columns: Vec<Column>,
    /// The states, consecutive, from the later of `from` and the replay's start to the
    /// earlier of `to` and its last evaluation.
    pub states: Vec<(Millis, Millis, StateValue)>,
    pub time_ticks: Vec<TimeTick>,
    pub value_ticks: Vec<f64>,
}

impl Chart {
    /// The chart of `run` from `from` to `to` in at most `columns` columns. The statistic is
    /// read one minute at a time from the store and summarised as it comes, so memory
    /// holds the columns, never the minutes.
    pub fn new(run: &AlarmRun, result: &ReplayResult, (from, to): (Millis, Millis), columns: usize) -> Chart {
        let to = to.max(from + MINUTE);
        let column_width = column_width(to - from, columns);
        let mut series: Vec<Column> = Vec::new();
        let mut index_of_last = -1;
        for_each_period_value(&run.definition, &result.store, to, |t, value| {
            if t < from || !value.is_finite() {
                return;
            }
            let index = (t - from) / column_width;
            match series.last_mut() {
                Some(column) if index == index_of_last => {
                    column.last_at = t;
                    column.last = value;
                    column.min = column.min.min(value);
                    column.max = column.max.max(value);
                }
                _ => {
                    index_of_last = index;
                    series.push(Column { first_at: t, last_at: t, first: value, last: value, min: value, max: value });
                }
            }
        });
        let data = series.iter().fold(None, |range: Option<(f64, f64)>, c| {
            Some(range.map_or((c.min, c.max), |(lo, hi)| (lo.min(c.min), hi.max(c.max))))
        });
        let (low, high) = value_range(data, run.definition.threshold);
        let known = chart_span(result).unwrap_or((from, from));
        let states = coalesce_states(&state_spans(run, known.0.max(from), known.1.min(to)), column_width);
        Chart {
            from,
            to,
            low,
            high,
            column_width,
            columns: series,
            states,
            time_ticks: time_ticks(from, to, 8),
            value_ticks: value_ticks(low, high, 6),
        }
    }

    /// The threshold as drawn (inside the axis's limits).
    pub fn threshold(run: &AlarmRun) -> f64 {
        run.definition.threshold.clamp(-MAX_AXIS, MAX_AXIS)
    }
}

/// The states as at most one band per column: time is cut into cells `width` long from the
/// first span's start; a cell inside one state is that state, a cell with several (an alarm
/// flickering every few minutes on a ten-year axis) shows ALARM when it holds any time in
/// ALARM (an alarm is never hidden), else the state it spent longest in. Consecutive cells of
/// one state are joined. The bands cover exactly what `spans` covers; a change inside a cell
/// moves to the cell's edge (under a pixel on a chart).
pub fn coalesce_states(spans: &[(Millis, Millis, StateValue)], width: Millis) -> Vec<(Millis, Millis, StateValue)> {
    fn push(bands: &mut Vec<(Millis, Millis, StateValue)>, band: (Millis, Millis, StateValue)) {
        match bands.last_mut() {
            Some(last) if last.2 == band.2 && last.1 == band.0 => last.1 = band.1,
            _ => bands.push(band),
        }
    }
    /// A mixed cell's state.
    fn mixed(time: &[Millis; 3]) -> StateValue {
        if time[0] > 0 {
            StateValue::Alarm
        } else if time[1] > time[2] {
            StateValue::Ok
        } else {
            StateValue::InsufficientData
        }
    }
    let slot = |state: StateValue| match state {
        StateValue::Alarm => 0,
        StateValue::Ok => 1,
        StateValue::InsufficientData => 2,
    };
    let width = width.max(1);
    let Some(&(origin, _, _)) = spans.first() else { return Vec::new() };
    let mut bands = Vec::new();
    // The cell being filled: where it starts and ends, and its time per state.
    let mut cell: Option<(Millis, Millis, [Millis; 3])> = None;
    for &(start, end, state) in spans {
        let mut at = start;
        while at < end {
            let cell_start = origin + (at - origin) / width * width;
            let cell_end = cell_start + width;
            // A cell left open by a gap between spans, or from an earlier cell, ends here.
            if let Some((from, to, time)) = cell {
                if to != at || from < cell_start {
                    push(&mut bands, (from, to, mixed(&time)));
                    cell = None;
                }
            }
            if at == cell_start && end >= cell_end && cell.is_none() {
                // Whole cells in one state: one band up to the last whole cell.
                let whole = origin + (end - origin) / width * width;
                push(&mut bands, (at, whole, state));
                at = whole;
                continue;
            }
            let piece_end = end.min(cell_end);
            let (from, _, mut time) = cell.take().unwrap_or((at, at, [0; 3]));
            time[slot(state)] += piece_end - at;
            if piece_end == cell_end {
                push(&mut bands, (from, cell_end, mixed(&time)));
            } else {
                cell = Some((from, piece_end, time));
            }
            at = piece_end;
        }
    }
    if let Some((from, to, time)) = cell {
        push(&mut bands, (from, to, mixed(&time)));
    }
    bands
}

/// Whole minutes per column, enough that `span` fits in `columns`.
fn column_width(span: Millis, columns: usize) -> Millis {
    let columns = Millis::try_from(columns.max(1)).unwrap_or(Millis::MAX);
    let minutes = span.div_euclid(MINUTE) + 1;
    // Rounded up without overflow (minutes >= 1).
    let per_column = (minutes - 1) / columns + 1;
    per_column.max(1) * MINUTE
}

/// The value range of a chart: the data (lowest, highest) and the threshold, with room on
/// both sides so the threshold is never on the frame; from zero when the data start there.
pub fn value_range(data: Option<(f64, f64)>, threshold: f64) -> (f64, f64) {
    let limit = |v: f64| if v.is_nan() { 0.0 } else { v.clamp(-MAX_AXIS, MAX_AXIS) };
    let threshold = limit(threshold);
    let (mut lo, mut hi) =
        data.map_or((threshold, threshold), |(lo, hi)| (limit(lo).min(threshold), limit(hi).max(threshold)));
    if lo > 0.0 && hi - lo >= lo {
        // Counts: the axis starts at zero when zero is no further away than the data spread.
        lo = 0.0;
    }
    if hi == lo {
        let half = (hi.abs() * 0.1).max(0.5);
        lo -= half;
        hi += half;
    }
    // Never zero, never lost in rounding, whatever the magnitudes.
    let pad = ((hi - lo) * 0.08).max(hi.abs().max(lo.abs()) * 1e-6).max(1e-12);
    let low = if lo == 0.0 && threshold > 0.0 { 0.0 } else { lo - pad };
    (low, hi + pad)
}

/// At most about `count` round values (1, 2 or 5 times a power of ten apart) in the range.
pub fn value_ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    let raw = (high - low) / count.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return Vec::new();
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    let first = (low / step).ceil();
    (0..=2 * count + 2)
        .map(|i| (first + i as f64) * step)
        .take_while(|v| *v <= high)
        // A tick a rounding error away from zero is zero.
        .map(|v| if v.abs() < step * 1e-9 { 0.0 } else { v })
        .collect()
}

/// How far apart time marks are: fixed lengths up to a fortnight, then calendar months and
/// years (so marks fall on the 1st and on New Year).
#[derive(Clone, Copy, Debug)]
enum TimeStep {
    Fixed(Millis),
    Months(i32),
}

const DAY: Millis = 24 * 60 * MINUTE;

const TIME_STEPS: [TimeStep; 29] = [
    TimeStep::Fixed(MINUTE),
    TimeStep::Fixed(2 * MINUTE),
    TimeStep::Fixed(5 * MINUTE),
    TimeStep::Fixed(10 * MINUTE),
    TimeStep::Fixed(15 * MINUTE),
    TimeStep::Fixed(30 * MINUTE),
    TimeStep::Fixed(60 * MINUTE),
    TimeStep::Fixed(2 * 60 * MINUTE),
    TimeStep::Fixed(3 * 60 * MINUTE),
    TimeStep::Fixed(6 * 60 * MINUTE),
    TimeStep::Fixed(12 * 60 * MINUTE),
    TimeStep::Fixed(DAY),
    TimeStep::Fixed(2 * DAY),
    TimeStep::Fixed(7 * DAY),
    TimeStep::Fixed(14 * DAY),
    TimeStep::Months(1),
    TimeStep::Months(2),
    TimeStep::Months(3),
    TimeStep::Months(6),
    TimeStep::Months(12),
    TimeStep::Months(24),
    TimeStep::Months(60),
    TimeStep::Months(120),
    TimeStep::Months(240),
    TimeStep::Months(600),
    TimeStep::Months(1200),
    TimeStep::Months(2400),
    TimeStep::Months(6000),
    TimeStep::Months(12_000),
];

/// Marks from `from` to `to`, at most `count` of them, each labelled with a date, a month,
/// a year or a time of day (with its date where the day changes).
pub fn time_ticks(from: Millis, to: Millis, count: usize) -> Vec<TimeTick> {
    let span = (to - from).max(1);
    let count = Millis::try_from(count.max(2)).unwrap_or(8);
    let step = TIME_STEPS
        .iter()
        .copied()
        .find(|step| match step {
            TimeStep::Fixed(ms) => span / ms <= count,
            TimeStep::Months(m) => span / (Millis::from(*m) * 30 * DAY) < count,
        })
        .unwrap_or(TimeStep::Months(12_000));
    let mut ticks = Vec::new();
    let mut last_date = None;
    match step {
        TimeStep::Fixed(ms) => {
            let mut t = from.div_euclid(ms) * ms;
            if t < from {
                t += ms;
            }
            while t <= to && ticks.len() <= 2 * count as usize {
                let Some(time) = Utc.timestamp_millis_opt(t).single() else { break };
                let date = time.format("%Y-%m-%d").to_string();
                let tick = if ms >= DAY {
                    TimeTick { at: t, label: date, date: None }
                } else {
                    let changed = last_date.as_ref() != Some(&date);
                    last_date = Some(date.clone());
                    TimeTick { at: t, label: time.format("%H:%M").to_string(), date: changed.then_some(date) }
                };
                ticks.push(tick);
                t += ms;
            }
        }
        TimeStep::Months(months) => {
            let Some(start) = Utc.timestamp_millis_opt(from).single() else { return ticks };
            // Months since year 0, rounded up to the step (a mark at or after `from`).
            let mut index = start.year() * 12 + start.month0() as i32;
            let on_boundary = start.day() == 1 && start.num_seconds_from_midnight() == 0 && start.nanosecond() == 0;
            if !on_boundary {
                index += 1;
            }
            let behind = index.rem_euclid(months);
            if behind != 0 {
                index += months - behind;
            }
            while ticks.len() <= 2 * count as usize {
                let (year, month0) = (index.div_euclid(12), index.rem_euclid(12) as u32);
                let Some(midnight) = NaiveDate::from_ymd_opt(year, month0 + 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0))
                else {
                    break;
                };
                let t = midnight.and_utc().timestamp_millis();
                if t > to {
                    break;
                }
                let label = if months % 12 == 0 { format!("{year}") } else { format!("{year}-{:02}", month0 + 1) };
                ticks.push(TimeTick { at: t, label, date: None });
                index += months;
            }
        }
    }
    ticks
}

/// A replay as the page draws it: per alarm its definition, datapoints, states, state
/// changes and the SNS message each change sends.
pub fn replay_json(result: &ReplayResult, deployment: &Deployment) -> Value {
    let span = chart_span(result);
    let (from, to) = span.unwrap_or((0, 0));
    let alarms: Vec<Value> = result
        .alarms
        .iter()
        .map(|run| {
            let a = &run.definition;
            let chart = span.map(|span| Chart::new(run, result, span, PAGE_COLUMNS));
            // Each column as its points: one for a minute; a summarised column as its first,
            // lowest, highest and last values (a line through them draws the column's range).
            let mut points = Vec::new();
            for c in chart.iter().flat_map(|chart| &chart.columns) {
                points.push(json!([c.first_at, c.first]));
                if c.first_at != c.last_at {
                    points.push(json!([c.first_at, c.min]));
                    points.push(json!([c.last_at, c.max]));
                    points.push(json!([c.last_at, c.last]));
                }
            }
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
                "points": points,
                // Minutes per column: above 1, the points summarise their columns.
                "columnMinutes": chart.as_ref().map_or(1, |c| c.column_width / MINUTE),
                "states": chart.as_ref().map_or(&[][..], |c| &c.states[..])
                    .iter()
                    .map(|(s, e, state)| json!({ "from": s, "to": e, "state": state.name() }))
                    .collect::<Vec<_>>(),
                // The first changes with their messages (an alarm flickering for years changes
                // state thousands of times); all are counted.
                "changesTotal": run.changes.len(),
                "changes": run.changes.iter().take(PAGE_CHANGES).map(|c| json!({
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

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_772_355_600_000; // 2026-03-01T09:00:00Z

    #[test]
    fn the_threshold_is_always_strictly_inside_the_value_range() {
        let cases = [
            (Some((0.0, 5.0)), 3.0),
            (Some((0.0, 5.0)), 0.0),
            (Some((1.0, 2.0)), 1e6),
            (Some((1e6, 1e6 + 1.0)), 0.0),
            (None, 0.0),
            (None, -7.5),
            (Some((-3.0, -1.0)), -2.0),
            (Some((0.0, 0.0)), 0.0),
            (Some((4.0, 4.0)), 4.0),
            (Some((-f64::MAX, f64::MAX)), f64::MAX),
            (Some((1.0, 1.0)), -f64::MAX),
            (Some((1e-300, 1e-300)), 1e-300),
            (Some((0.0, 10.0)), 5e-324),
        ];
        for (data, threshold) in cases {
            let (low, high) = value_range(data, threshold);
            let t = threshold.clamp(-MAX_AXIS, MAX_AXIS);
            assert!(low < t && t < high, "{data:?} {threshold}: {low}..{high}");
            assert!((high - low).is_finite(), "{data:?} {threshold}: {low}..{high}");
            if let Some((lo, hi)) = data {
                assert!(low <= lo.clamp(-MAX_AXIS, MAX_AXIS) && hi.clamp(-MAX_AXIS, MAX_AXIS) <= high);
            }
            let ticks = value_ticks(low, high, 6);
            assert!((2..=14).contains(&ticks.len()), "{data:?} {threshold}: {ticks:?}");
            assert!(ticks.iter().all(|v| (low..=high).contains(v)));
        }
        // Counts from zero, a threshold of zero lifted off the frame.
        assert_eq!(value_range(Some((0.0, 5.0)), 3.0).0, 0.0);
        assert!(value_range(Some((0.0, 5.0)), 0.0).0 < 0.0);
    }

    #[test]
    fn time_marks_are_dates_for_every_span() {
        let ticks = time_ticks(T0, T0 + 3 * 3_600_000, 8);
        let labels: Vec<&str> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"]);
        assert_eq!(ticks[0].date.as_deref(), Some("2026-03-01"));
        assert!(ticks[1..].iter().all(|t| t.date.is_none()));
        // A day boundary names the new date.
        let ticks = time_ticks(T0 + 12 * 3_600_000, T0 + 20 * 3_600_000, 8);
        assert!(ticks.iter().any(|t| t.label == "00:00" && t.date.as_deref() == Some("2026-03-02")), "{ticks:?}");
        // Days, months, years: six million minutes is about eleven years.
        let days = time_ticks(T0, T0 + 5 * DAY, 8);
        assert_eq!(days[0].label, "2026-03-02");
        let months = time_ticks(T0, T0 + 200 * DAY, 8);
        assert_eq!(months.iter().map(|t| t.label.as_str()).collect::<Vec<_>>()[..2], ["2026-04", "2026-05"]);
        let years = time_ticks(T0, T0 + 6_000_000 * MINUTE, 8);
        assert!(years.iter().all(|t| t.label.len() == 4), "{years:?}");
        assert!((4..=8).contains(&years.len()), "{years:?}");
        // The whole range of event times, and the tiniest span.
        let all = time_ticks(EARLIEST_EVENT_TIME, LATEST_EVENT_TIME, 8);
        assert!((2..=8).contains(&all.len()), "{all:?}");
        assert_eq!(all[0].label, "2000");
        assert_eq!(time_ticks(T0, T0 + 1, 8).len(), 1);
        for (from, to) in [(T0, T0 + 7), (T0 + 1, T0 + 90 * MINUTE), (T0, T0 + 40 * DAY), (T0, T0 + 3000 * DAY)] {
            let ticks = time_ticks(from, to, 8);
            assert!(ticks.len() <= 9 && ticks.windows(2).all(|w| w[0].at < w[1].at), "{ticks:?}");
            assert!(ticks.iter().all(|t| (from..=to).contains(&t.at)), "{ticks:?}");
        }
    }

    /// Every finite double: either sign, normal, subnormal or zero.
    fn finite() -> proptest::num::f64::Any {
        use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
        POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO
    }

    proptest::proptest! {
        #[test]
        fn any_data_and_threshold_keep_the_threshold_inside(
            a in finite(), b in finite(), threshold in finite(),
        ) {
            let (lo, hi) = (a.min(b), a.max(b));
            let (low, high) = value_range(Some((lo, hi)), threshold);
            let t = threshold.clamp(-MAX_AXIS, MAX_AXIS);
            proptest::prop_assert!(low < t && t < high, "{low} {t} {high}");
            proptest::prop_assert!(low <= lo.clamp(-MAX_AXIS, MAX_AXIS) && hi.clamp(-MAX_AXIS, MAX_AXIS) <= high);
            proptest::prop_assert!((high - low).is_finite());
            let ticks = value_ticks(low, high, 6);
            proptest::prop_assert!(!ticks.is_empty() && ticks.len() <= 14, "{ticks:?}");
        }

        #[test]
        fn coalesced_bands_cover_the_spans_and_keep_every_alarm(
            lengths in proptest::collection::vec((1..5_000i64, 0..3usize), 1..300), width in 1..2_000i64,
        ) {
            let states = [StateValue::Alarm, StateValue::Ok, StateValue::InsufficientData];
            let mut spans = Vec::new();
            let mut at = T0;
            for (length, state) in lengths {
                spans.push((at, at + length * 1000, states[state]));
                at += length * 1000;
            }
            let width = width * 1000;
            let bands = coalesce_states(&spans, width);
            proptest::prop_assert_eq!(bands.first().map(|b| b.0), Some(T0));
            proptest::prop_assert_eq!(bands.last().map(|b| b.1), Some(at));
            proptest::prop_assert!(bands.windows(2).all(|w| w[0].1 == w[1].0 && w[0].2 != w[1].2));
            proptest::prop_assert!(bands.iter().all(|b| b.0 < b.1));
            proptest::prop_assert!(bands.len() as i64 <= (at - T0) / width + 2);
            for (start, end, state) in &spans {
                if *state == StateValue::Alarm {
                    proptest::prop_assert!(
                        bands.iter().any(|b| b.2 == StateValue::Alarm && b.0 < *end && *start < b.1),
                        "{:?} hidden", (start, end)
                    );
                }
            }
        }

        #[test]
        fn any_span_gets_a_few_ordered_marks_inside_it(
            from in EARLIEST_EVENT_TIME..=LATEST_EVENT_TIME, length in 1..=LATEST_EVENT_TIME,
        ) {
            let to = (from + length).min(LATEST_EVENT_TIME + 1);
            let ticks = time_ticks(from, to, 8);
            proptest::prop_assert!(ticks.len() <= 17, "{ticks:?}");
            proptest::prop_assert!(ticks.windows(2).all(|w| w[0].at < w[1].at), "{ticks:?}");
            proptest::prop_assert!(ticks.iter().all(|t| (from..=to).contains(&t.at)), "{ticks:?}");
            // A span longer than the largest fixed step always has a mark.
            proptest::prop_assert!(to - from < 14 * DAY || !ticks.is_empty());
        }
    }

    #[test]
    fn bands_cover_the_span_never_hide_an_alarm_and_stay_few() {
        use StateValue::{Alarm, InsufficientData, Ok};
        // Ten thousand minutes flickering between OK and INSUFFICIENT_DATA, one minute of ALARM
        // in the middle, then a long OK: on a chart of hour-wide columns.
        let mut spans: Vec<(Millis, Millis, StateValue)> = (0..10_000)
            .map(|m| (T0 + m * MINUTE, T0 + (m + 1) * MINUTE, if m % 3 == 0 { Ok } else { InsufficientData }))
            .collect();
        spans[5_000].2 = Alarm;
        let end = T0 + 10_000 * MINUTE;
        spans.push((end, end + 30 * DAY, Ok));
        let width = 60 * MINUTE;
        let bands = coalesce_states(&spans, width);
        assert_eq!(bands.first().map(|b| b.0), Some(T0));
        assert_eq!(bands.last().map(|b| b.1), Some(end + 30 * DAY));
        assert!(bands.windows(2).all(|w| w[0].1 == w[1].0 && w[0].2 != w[1].2), "{bands:?}");
        assert!(bands.len() <= 10_000 / 60 + 3, "{} bands", bands.len());
        let alarm = T0 + 5_000 * MINUTE;
        assert!(bands.iter().any(|b| b.2 == Alarm && b.0 <= alarm && alarm + MINUTE <= b.1), "{bands:?}");
        // The long OK span is kept exactly.
        assert!(bands.iter().any(|b| *b == (end, end + 30 * DAY, Ok) || (b.1 == end + 30 * DAY && b.2 == Ok)));
        // Spans a column wide or wider are kept as they are.
        let wide = [(T0, T0 + width, InsufficientData), (T0 + width, T0 + 3 * width, Alarm)];
        assert_eq!(coalesce_states(&wide, width), wide);
        assert!(coalesce_states(&[], width).is_empty());
    }

    #[test]
    fn columns_are_minutes_until_the_span_is_long() {
        assert_eq!(column_width(3 * 3_600_000, 1800), MINUTE);
        assert_eq!(column_width(6_000_000 * MINUTE, 1800), 3334 * MINUTE);
        assert_eq!(column_width(LATEST_EVENT_TIME, usize::MAX), MINUTE);
        assert_eq!(column_width(LATEST_EVENT_TIME, 0), (LATEST_EVENT_TIME / MINUTE + 1) * MINUTE);
    }

    #[test]
    fn plot_windows_are_read_and_range_checked() {
        let window: PlotWindow = "2026-03-01T09:00..2026-03-01 12:00:00".parse().unwrap();
        assert_eq!(window, PlotWindow { start: Some(T0), end: Some(T0 + 3 * 3_600_000) });
        let open: PlotWindow = "2026-03-01..".parse().unwrap();
        assert_eq!(open, PlotWindow { start: Some(T0 - 9 * 3_600_000), end: None });
        let offset: PlotWindow = "..2026-03-01T10:00:00+01:00".parse().unwrap();
        assert_eq!(offset.end, Some(T0));
        for (bad, says) in [
            ("2026-03-01", "START..END"),
            ("yesterday..", "is not a time"),
            ("2026-03-01..2026-02-01", "after its start"),
            ("2026-03-01..2026-03-01", "after its start"),
            ("1969-12-31..", "outside"),
            ("..+10000-01-01", "outside"),
            ("2026-02-30..", "not a time"),
        ] {
            let error = bad.parse::<PlotWindow>().unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
        let span = (T0, T0 + 3_600_000);
        assert_eq!(PlotWindow::default().over(span), Ok(span));
        let late = PlotWindow { start: Some(T0 + 2 * 3_600_000), end: None };
        assert!(late.over(span).unwrap_err().contains("does not overlap"));
        let part = PlotWindow { start: Some(T0 - 3_600_000), end: Some(T0 + 60_000) };
        assert_eq!(part.over(span), Ok((T0 - 3_600_000, T0 + 60_000)));
    }
}
