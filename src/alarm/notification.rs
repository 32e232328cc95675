//! The JSON message SNS delivers for an alarm's change of state, field for field and in
//! the order AWS emits them.

use chrono::{TimeZone, Utc};
use serde::Serialize;

use super::definition::AlarmDefinition;
use super::evaluate::StateChange;
use super::statistic::Statistic;
use crate::source::Millis;

/// Who and where the alarm lives (not in templates: they are deployment facts).
#[derive(Clone, Debug)]
pub struct Deployment {
    pub account_id: String,
    pub region: String,
    /// When the alarm's configuration was last updated.
    pub configured_at: Millis,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Message<'a> {
    alarm_name: &'a str,
    alarm_description: Option<&'a str>,
    #[serde(rename = "AWSAccountId")]
    aws_account_id: &'a str,
    alarm_configuration_updated_timestamp: String,
    new_state_value: &'a str,
    new_state_reason: &'a str,
    state_change_time: String,
    region: String,
    alarm_arn: String,
    old_state_value: &'a str,
    #[serde(rename = "OKActions")]
    ok_actions: &'a [String],
    alarm_actions: &'a [String],
    insufficient_data_actions: &'a [String],
    trigger: Trigger<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Trigger<'a> {
    metric_name: &'a str,
    namespace: &'a str,
    statistic_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    statistic: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extended_statistic: Option<String>,
    unit: Option<&'a str>,
    dimensions: Vec<Dimension<'a>>,
    period: u32,
    evaluation_periods: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    datapoints_to_alarm: Option<u32>,
    comparison_operator: &'a str,
    threshold: f64,
    treat_missing_data: &'a str,
    evaluate_low_sample_count_percentile: &'a str,
}

#[derive(Serialize)]
struct Dimension<'a> {
    value: &'a str,
    name: &'a str,
}

/// `2026-03-01T09:08:00.000+0000`.
pub fn aws_time(t: Millis) -> String {
    Utc.timestamp_millis_opt(t).single().map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()).unwrap_or_default()
}

/// The SNS message for one change of state, as one line of JSON.
pub fn notification(alarm: &AlarmDefinition, change: &StateChange, deployment: &Deployment) -> String {
    let statistic = match alarm.statistic {
        Statistic::SampleCount => Some("SAMPLE_COUNT"),
        Statistic::Sum => Some("SUM"),
        Statistic::Average => Some("AVERAGE"),
        Statistic::Minimum => Some("MINIMUM"),
        Statistic::Maximum => Some("MAXIMUM"),
        _ => None,
    };
    let (account_id, region) = match &alarm.home {
        Some((account, region)) => (account.as_str(), region.as_str()),
        None => (deployment.account_id.as_str(), deployment.region.as_str()),
    };
    let message = Message {
        alarm_name: &alarm.name,
        alarm_description: alarm.description.as_deref(),
        aws_account_id: account_id,
        alarm_configuration_updated_timestamp: aws_time(deployment.configured_at),
        new_state_value: change.new.name(),
        new_state_reason: &change.reason,
        state_change_time: aws_time(change.time),
        region: region_name(region),
        alarm_arn: format!("arn:aws:cloudwatch:{region}:{account_id}:alarm:{}", alarm.name),
        old_state_value: change.old.name(),
        ok_actions: &alarm.ok_actions,
        alarm_actions: &alarm.alarm_actions,
        insufficient_data_actions: &alarm.insufficient_data_actions,
        trigger: Trigger {
            metric_name: &alarm.metric_name,
            namespace: &alarm.namespace,
            statistic_type: if statistic.is_some() { "Statistic" } else { "ExtendedStatistic" },
            statistic,
            extended_statistic: statistic.is_none().then(|| alarm.statistic.to_string()),
            unit: alarm.unit.as_deref(),
            dimensions: alarm.dimensions.iter().map(|(name, value)| Dimension { value, name }).collect(),
            period: alarm.period,
            evaluation_periods: alarm.evaluation_periods,
            datapoints_to_alarm: alarm.datapoints_to_alarm,
            comparison_operator: alarm.comparison.name(),
            threshold: alarm.threshold,
            treat_missing_data: alarm.treat_missing_data.map_or("", |t| t.name()),
            evaluate_low_sample_count_percentile: alarm.evaluate_low_sample_count_percentile.as_deref().unwrap_or(""),
        },
    };
    serde_json::to_string(&message).unwrap_or_default()
}

/// The region's display name as alarm notifications spell it.
pub fn region_name(region: &str) -> String {
    let name = match region {
        "us-east-1" => "US East (N. Virginia)",
        "us-east-2" => "US East (Ohio)",
        "us-west-1" => "US West (N. California)",
        "us-west-2" => "US West (Oregon)",
        "af-south-1" => "Africa (Cape Town)",
        "ap-east-1" => "Asia Pacific (Hong Kong)",
        "ap-south-1" => "Asia Pacific (Mumbai)",
        "ap-northeast-1" => "Asia Pacific (Tokyo)",
        "ap-northeast-2" => "Asia Pacific (Seoul)",
        "ap-northeast-3" => "Asia Pacific (Osaka)",
        "ap-southeast-1" => "Asia Pacific (Singapore)",
        "ap-southeast-2" => "Asia Pacific (Sydney)",
        "ca-central-1" => "Canada (Central)",
        "eu-central-1" => "EU (Frankfurt)",
        "eu-west-1" => "EU (Ireland)",
        "eu-west-2" => "EU (London)",
        "eu-west-3" => "EU (Paris)",
        "eu-north-1" => "EU (Stockholm)",
        "eu-south-1" => "EU (Milan)",
        "me-south-1" => "Middle East (Bahrain)",
        "sa-east-1" => "South America (Sao Paulo)",
        other => return other.to_string(),
    };
    name.to_string()
}
