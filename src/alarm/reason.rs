//! State reasons in AWS's wording.
//!
//! Two observed formats: without `DatapointsToAlarm`, "Threshold Crossed: 1 datapoint [3.0
//! (22/11/26 10:00:00)] was greater than or equal to the threshold (3.0)."; with it, "... 2
//! out of the last 4 datapoints [...] were ... (minimum 2 datapoints for OK -> ALARM
//! transition)." Datapoints are listed newest first, each with its window's start (UTC),
//! values in Java's `Double.toString` form.

use chrono::{TimeZone, Utc};

use super::definition::{AlarmDefinition, TreatMissingData};
use super::evaluate::{Datapoint, StateValue};
use crate::matcher::number::java_double_text;

/// The datapoints a reason lists, and whether they breached.
pub(super) struct Citation<'a> {
    pub points: &'a [Datapoint],
    pub breaching: bool,
    /// When some periods had no data: how many real points there were, of how many periods.
    pub received: Option<(usize, usize)>,
}

impl<'a> Citation<'a> {
    pub fn breaching(points: &'a [Datapoint]) -> Self {
        Citation { points, breaching: true, received: None }
    }

    pub fn not_breaching(points: &'a [Datapoint]) -> Self {
        Citation { points, breaching: false, received: None }
    }
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

fn was(count: usize) -> &'static str {
    if count == 1 {
        "was"
    } else {
        "were"
    }
}

/// `3.0 (22/11/26 10:00:00)`.
pub fn datapoint_text(point: &Datapoint) -> String {
    let start = Utc.timestamp_millis_opt(point.start).single().map(|t| t.format("%d/%m/%y %H:%M:%S").to_string());
    format!("{} ({})", java_double_text(point.value), start.unwrap_or_default())
}

/// A "Threshold Crossed" reason for a move to `new`.
pub(super) fn crossed(
    alarm: &AlarmDefinition,
    citation: Citation,
    filled: Option<(usize, TreatMissingData)>,
    new: StateValue,
) -> String {
    let count = citation.points.len();
    let list: Vec<String> = citation.points.iter().map(datapoint_text).collect();
    let not = if citation.breaching { "" } else { "not " };
    let comparison =
        format!("{not}{} the threshold ({})", alarm.comparison.phrase(), java_double_text(alarm.threshold));
    let mut text = String::from("Threshold Crossed: ");
    match (count, citation.received) {
        // Nothing to list: say what was received instead.
        (0, Some((real, periods))) => text.push_str(&format!(
            "{} {} received for {}",
            plural(real, "datapoint"),
            was(real),
            plural(periods, "period")
        )),
        _ if alarm.datapoints_to_alarm.is_some() => text.push_str(&format!(
            "{count} out of the last {} datapoints [{}] {} {comparison}",
            alarm.evaluation_periods,
            list.join(", "),
            was(count)
        )),
        _ => {
            text.push_str(&format!("{} [{}] {} {comparison}", plural(count, "datapoint"), list.join(", "), was(count)))
        }
    }
    if let Some((fills, treatment)) = filled {
        text.push_str(&format!(
            " and {} {} treated as [{}]",
            plural(fills, "missing datapoint"),
            was(fills),
            fill_name(treatment)
        ));
    }
    if alarm.datapoints_to_alarm.is_some() {
        let (minimum, transition) = match new {
            StateValue::Alarm => (alarm.m(), "OK -> ALARM"),
            _ => (alarm.evaluation_periods - alarm.m() + 1, "ALARM -> OK"),
        };
        text.push_str(&format!(" (minimum {} for {transition} transition)", plural(minimum as usize, "datapoint")));
    }
    text.push('.');
    text
}

fn fill_name(treatment: TreatMissingData) -> &'static str {
    match treatment {
        TreatMissingData::Breaching => "Breaching",
        _ => "NonBreaching",
    }
}

/// Every point missing, filled by the treatment.
pub(super) fn all_missing(periods: usize, treatment: TreatMissingData) -> String {
    format!(
        "Threshold Crossed: no datapoints were received for {} and {} {} treated as [{}].",
        plural(periods, "period"),
        plural(periods, "missing datapoint"),
        was(periods),
        fill_name(treatment)
    )
}

/// Every point missing, treated as missing.
pub(super) fn insufficient(periods: usize) -> String {
    format!("Insufficient Data: {} {} unknown.", plural(periods, "datapoint"), was(periods))
}
