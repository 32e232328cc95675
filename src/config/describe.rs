//! The JSON of `aws logs describe-metric-filters` and `aws cloudwatch describe-alarms`.

use serde_json::Value;

use std::path::Path;

use super::{number, Configuration, Origin};
use crate::alarm::AlarmDefinition;
use crate::metric::{MetricFilter, MetricTransformation, MetricValue, ValueRef};

pub(super) fn configuration(document: &Value, file: &Path) -> Result<Configuration, String> {
    let mut configuration = Configuration::default();
    for (i, filter) in document.get("metricFilters").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let at = format!("metricFilters[{i}]");
        let filter = metric_filter(filter).map_err(|e| format!("{at}: {e}"))?;
        configuration.push_filter(filter, Origin::new(file, at, None));
    }
    for (i, alarm) in document.get("MetricAlarms").and_then(Value::as_array).into_iter().flatten().enumerate() {
        if alarm.get("Metrics").and_then(Value::as_array).is_some_and(|m| !m.is_empty()) {
            configuration.notes.push(format!("MetricAlarms[{i}]: metric-math alarms (Metrics) are not evaluated"));
            continue;
        }
        let at = format!("MetricAlarms[{i}]");
        let alarm = metric_alarm(alarm).map_err(|e| format!("{at}: {e}"))?;
        configuration.push_alarm(alarm, Origin::new(file, at, None));
    }
    Ok(configuration)
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

fn required(value: &Value, key: &str) -> Result<String, String> {
    text(value, key).ok_or_else(|| format!("{key} is required"))
}

fn metric_filter(filter: &Value) -> Result<MetricFilter, String> {
    let transformations =
        filter.get("metricTransformations").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let [t] = transformations else {
        return Err("metricTransformations must hold exactly one transformation".into());
    };
    let dimensions = t
        .get("dimensions")
        .and_then(Value::as_object)
        .map(|dims| {
            dims.iter()
                .map(|(k, v)| Ok((k.clone(), ValueRef::parse(v.as_str().unwrap_or_default())?)))
                .collect::<Result<Vec<_>, String>>()
        })
        .transpose()?
        .unwrap_or_default();
    let value = match t.get("metricValue") {
        Some(Value::String(s)) => MetricValue::parse(s)?,
        Some(other) => MetricValue::parse(&other.to_string())?,
        None => return Err("metricValue is required".into()),
    };
    Ok(MetricFilter {
        name: required(filter, "filterName")?,
        log_group: text(filter, "logGroupName").unwrap_or_default(),
        pattern: text(filter, "filterPattern").unwrap_or_default(),
        transformation: MetricTransformation {
            metric_name: required(t, "metricName")?,
            namespace: required(t, "metricNamespace")?,
            value,
            default_value: t.get("defaultValue").and_then(number),
            dimensions,
            unit: text(t, "unit"),
        },
    })
}

fn metric_alarm(alarm: &Value) -> Result<AlarmDefinition, String> {
    let statistic = match (text(alarm, "Statistic"), text(alarm, "ExtendedStatistic")) {
        (Some(s), _) | (None, Some(s)) => s.parse()?,
        (None, None) => return Err("Statistic or ExtendedStatistic is required".into()),
    };
    let whole = |key: &str| alarm.get(key).and_then(Value::as_u64).map(|n| n.min(u64::from(u32::MAX)) as u32);
    let list = |key: &str| -> Vec<String> {
        alarm
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let mut dimensions: Vec<(String, String)> = alarm
        .get("Dimensions")
        .and_then(Value::as_array)
        .map(|d| d.iter().filter_map(|d| Some((text(d, "Name")?, text(d, "Value")?))).collect())
        .unwrap_or_default();
    dimensions.sort();
    // arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME: the alarm keeps the account and region
    // it was described in.
    let home = text(alarm, "AlarmArn").and_then(|arn| {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", _, "cloudwatch", region, account, _] if !region.is_empty() && !account.is_empty() => {
                Some((account.to_string(), region.to_string()))
            }
            _ => None,
        }
    });
    let definition = AlarmDefinition {
        home,
        name: required(alarm, "AlarmName")?,
        description: text(alarm, "AlarmDescription"),
        actions_enabled: alarm.get("ActionsEnabled").and_then(Value::as_bool).unwrap_or(true),
        alarm_actions: list("AlarmActions"),
        ok_actions: list("OKActions"),
        insufficient_data_actions: list("InsufficientDataActions"),
        namespace: required(alarm, "Namespace")?,
        metric_name: required(alarm, "MetricName")?,
        dimensions,
        unit: text(alarm, "Unit"),
        statistic,
        period: whole("Period").unwrap_or(60),
        evaluation_periods: whole("EvaluationPeriods").ok_or("EvaluationPeriods is required")?,
        datapoints_to_alarm: whole("DatapointsToAlarm"),
        threshold: alarm.get("Threshold").and_then(number).ok_or("Threshold is required")?,
        comparison: required(alarm, "ComparisonOperator")?.parse()?,
        treat_missing_data: text(alarm, "TreatMissingData").map(|t| t.parse()).transpose()?,
        evaluate_low_sample_count_percentile: text(alarm, "EvaluateLowSampleCountPercentile"),
    };
    definition.validate()?;
    Ok(definition)
}
