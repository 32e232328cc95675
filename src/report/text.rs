//! The text report: accounting, then each alarm's timeline, then each rule's deliveries.

use std::fmt::Write;

use super::{duration, utc};
use crate::alarm::StateValue;
use crate::matcher::number::java_double_text;
use crate::metric::MetricValue;
use crate::replay::ReplayResult;

pub fn text_report(result: &ReplayResult) -> String {
    let mut out = String::new();
    let skipped = result.files.skipped.len();
    let _ = writeln!(
        out,
        "Read {} record(s) from {} file(s) ({skipped} skipped): {} event(s), {} rejected.",
        result.records, result.files.files_read, result.events, result.rejected
    );
    if let Some((first, last)) = result.span {
        let _ = writeln!(out, "Events from {} to {} UTC.", utc(first), utc(last));
    }
    out.push_str(&super::selection_lines(result));
    for rejection in &result.rejections {
        let _ = writeln!(out, "  rejected {rejection}");
    }
    if result.rejected as usize > result.rejections.len() {
        let _ = writeln!(out, "  ... and {} more rejected", result.rejected as usize - result.rejections.len());
    }
    for skip in result.files.skipped.iter().take(5) {
        let _ = writeln!(out, "  skipped {}: {}", skip.path, skip.reason);
    }
    if skipped > 5 {
        let _ = writeln!(out, "  ... and {} more skipped", skipped - 5);
    }
    if !result.filters.is_empty() {
        let _ = writeln!(out, "\nMetric filters");
    }
    for (filter, tally) in &result.filters {
        let t = &filter.transformation;
        let value = match &t.value {
            MetricValue::Literal(v) => java_double_text(*v),
            MetricValue::Field(r) => r.to_string(),
        };
        let _ = writeln!(out, "  {}  ->  {}/{} (value {value})", filter.name, t.namespace, t.metric_name);
        let _ = write!(out, "    matched {}, not matched {}", tally.matched, tally.not_matched);
        if tally.unpublishable > 0 {
            let _ = write!(
                out,
                ", {} matched without a numeric value (e.g. {})",
                tally.unpublishable,
                tally.unpublishable_examples.join("; ")
            );
        }
        let _ = writeln!(out);
    }
    for run in &result.alarms {
        let a = &run.definition;
        let m_of_n = format!("{} of {}", a.m(), a.evaluation_periods);
        let _ = writeln!(
            out,
            "\nAlarm {}: {} of {}/{} {} {} over {} s, {m_of_n} periods, missing data: {}",
            a.name,
            a.statistic,
            a.namespace,
            a.metric_name,
            a.comparison.phrase(),
            java_double_text(a.threshold),
            a.period,
            a.missing_data().name()
        );
        if !run.changes.is_empty() {
            let _ = writeln!(
                out,
                "  (under each change: the periods evaluated, oldest to newest, X breaching, 0 not, - missing; the rule that decided)"
            );
        }
        if run.changes.is_empty() {
            let _ = writeln!(out, "  stayed INSUFFICIENT_DATA (no evaluation changed its state)");
        }
        for change in &run.changes {
            let _ = writeln!(
                out,
                "  {}  {:>17} -> {:<17}  {}",
                utc(change.time),
                change.old.name(),
                change.new.name(),
                change.reason
            );
            let _ = writeln!(
                out,
                "  {:>21}{} {}; missing data: {}",
                "",
                change.window,
                change.rule.describe(a.missing_data()),
                a.missing_data().name()
            );
            let actions = match change.new {
                StateValue::Alarm => &a.alarm_actions,
                StateValue::Ok => &a.ok_actions,
                StateValue::InsufficientData => &a.insufficient_data_actions,
            };
            if a.actions_enabled && !actions.is_empty() {
                let _ = writeln!(out, "  {:>21}notifies {}", "", actions.join(", "));
            }
        }
        let _ = writeln!(
            out,
            "  entered ALARM {} time(s); {} in ALARM",
            run.times_fired(),
            duration(run.time_in_alarm(result.evaluated_until))
        );
    }
    write_summary(result, &mut out);
    super::rules::write_rules(result, &mut out);
    out
}

/// With two alarms or more, a closing table: each alarm, whether it fired, when first, how
/// often and for how long, so that a replay of a whole pack reads at a glance.
fn write_summary(result: &ReplayResult, out: &mut String) {
    if result.alarms.len() < 2 {
        return;
    }
    let width = result.alarms.iter().map(|run| run.definition.name.chars().count()).max().unwrap_or(5).max(5);
    let fired = result.alarms.iter().filter(|run| run.times_fired() > 0).count();
    let _ = writeln!(out, "\nSummary: {fired} of {} alarms fired", result.alarms.len());
    let _ = writeln!(out, "  {:<width$}  {:>5}  {:<19}  time in ALARM", "alarm", "fired", "first ALARM");
    for run in &result.alarms {
        let first = run.changes.iter().find(|c| c.new == StateValue::Alarm).map(|c| utc(c.time));
        let _ = writeln!(
            out,
            "  {:<width$}  {:>5}  {:<19}  {}",
            run.definition.name,
            run.times_fired(),
            first.as_deref().unwrap_or("-"),
            duration(run.time_in_alarm(result.evaluated_until))
        );
    }
}
