//! Replay results -> what people and programs read: a text timeline, SNS messages as JSON
//! lines, metric datapoints as CSV or JSON, and SVG charts.

mod atomic;
mod chart;
mod lint;
mod metrics;
mod plot;
mod rules;
mod text;

pub use atomic::{write_atomically, AtomicFile};
pub use chart::{chart_span, replay_json, state_spans, time_ticks, value_range, Chart, PlotWindow};
pub use lint::{lint_github, lint_json, lint_sarif, lint_text};
pub use metrics::{write_metrics, MetricsFormat};
pub use plot::{chart_file_names, plot_alarms};
pub use text::text_report;

use chrono::{TimeZone, Utc};

use crate::alarm::{notification, Deployment};
use crate::replay::ReplayResult;
use crate::source::Millis;

/// One line per state change: the JSON message SNS would deliver for it.
pub fn notification_lines(result: &ReplayResult, deployment: &Deployment) -> Vec<String> {
    let mut lines: Vec<(Millis, String)> = result
        .alarms
        .iter()
        .flat_map(|run| run.changes.iter().map(move |c| (c.time, notification(&run.definition, c, deployment))))
        .collect();
    lines.sort_by_key(|(time, _)| *time);
    lines.into_iter().map(|(_, line)| line).collect()
}

/// A replay's accounting as one JSON object: what was read and rejected, per metric filter
/// how many events matched (matched + not matched = events, for every filter), and per rule
/// how many it matched, did not match and never received (the three add up to the events),
/// with its deliveries (one per match and target, less those `undelivered`).
/// What the time window, the layout selection and repeated eventIDs did to the run, in a
/// few lines (nothing when none of them applied).
pub fn selection_lines(result: &ReplayResult) -> String {
    let files = &result.files;
    let mut out = String::new();
    let window = result.window;
    if !window.is_open() {
        let from = window.start.map_or("the first event".to_string(), |t| format!("{} UTC", utc(t)));
        let to = window.end.map_or("the last event".to_string(), |t| format!("{} UTC", utc(t)));
        out.push_str(&format!("Window from {from} to {to}"));
        if let Some(start) = window.start {
            out.push_str(&format!("; alarms start in INSUFFICIENT_DATA at {} UTC", utc(start)));
        }
        out.push_str(&format!(": {} record(s) outside it.\n", files.outside_window));
    }
    if files.pruned > 0 {
        out.push_str(&format!(
            "{} file(s) or folder(s) passed over unread: their key layout puts them outside the selection.\n",
            files.pruned
        ));
    }
    if files.repeated > 0 {
        let fate = if files.dropped_repeats > 0 { "dropped (--dedupe)" } else { "counted twice; --dedupe drops them" };
        out.push_str(&format!("{} record(s) repeat an eventID already read: {fate}.\n", files.repeated));
    }
    out
}

pub fn accounting(result: &ReplayResult) -> serde_json::Value {
    let mut map = crate::source::accounting_json(&result.files, result.records, result.rejected, &result.rejections);
    let filters: Vec<serde_json::Value> = result
        .filters
        .iter()
        .map(|(filter, tally)| {
            serde_json::json!({
                "filterName": filter.name,
                "matched": tally.matched,
                "notMatched": tally.not_matched,
                "unpublishable": tally.unpublishable,
            })
        })
        .collect();
    map.insert("filters".into(), filters.into());
    let rules: Vec<serde_json::Value> = result
        .rules
        .iter()
        .map(|(rule, tally)| {
            serde_json::json!({
                "ruleName": rule.name,
                "state": rule.state.name(),
                "matched": tally.matched,
                "notMatched": tally.not_matched,
                "notReceived": tally.not_received,
                "notReceivedOtherRegion": tally.other_region,
                "notReceivedReadOnly": tally.read_only,
                "delivered": tally.delivered,
                "undelivered": tally.undelivered,
            })
        })
        .collect();
    map.insert("rules".into(), rules.into());
    serde_json::Value::Object(map)
}

/// `2026-03-01 09:08:00`.
pub(crate) fn utc(t: Millis) -> String {
    Utc.timestamp_millis_opt(t).single().map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()
}

/// `1h 05m`, `25m 00s`.
pub(crate) fn duration(ms: Millis) -> String {
    let s = ms / 1000;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}
