//! Alarm definitions (`PutMetricAlarm`, `AWS::CloudWatch::Alarm`).

use std::fmt;
use std::str::FromStr;

use super::statistic::Statistic;

#[derive(Clone, Debug, PartialEq)]
pub struct AlarmDefinition {
    pub name: String,
    pub description: Option<String>,
    pub actions_enabled: bool,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub namespace: String,
    pub metric_name: String,
    /// Sorted by name.
    pub dimensions: Vec<(String, String)>,
    pub unit: Option<String>,
    pub statistic: Statistic,
    /// Seconds: 10, 20, 30 or a multiple of 60.
    pub period: u32,
    /// N.
    pub evaluation_periods: u32,
    /// M, when configured (it changes the reason text).
    pub datapoints_to_alarm: Option<u32>,
    pub threshold: f64,
    pub comparison: Comparison,
    /// `None` when not configured (AWS then treats missing data as `missing`).
    pub treat_missing_data: Option<TreatMissingData>,
    /// `evaluate` (default) or `ignore`, for percentile alarms.
    pub evaluate_low_sample_count_percentile: Option<String>,
    /// The account and region the alarm lives in, when its configuration says (the
    /// `AlarmArn` of describe-alarms output); otherwise the deployment's.
    pub home: Option<(String, String)>,
}

impl AlarmDefinition {
    /// A definition with CloudWatch's defaults, for tests and packs.
    pub fn new(
        name: &str,
        namespace: &str,
        metric_name: &str,
        statistic: Statistic,
        period: u32,
        threshold: f64,
    ) -> Self {
        AlarmDefinition {
            name: name.to_string(),
            description: None,
            actions_enabled: true,
            alarm_actions: Vec::new(),
            ok_actions: Vec::new(),
            insufficient_data_actions: Vec::new(),
            namespace: namespace.to_string(),
            metric_name: metric_name.to_string(),
            dimensions: Vec::new(),
            unit: None,
            statistic,
            period,
            evaluation_periods: 1,
            datapoints_to_alarm: None,
            threshold,
            comparison: Comparison::GreaterThanOrEqualToThreshold,
            treat_missing_data: None,
            evaluate_low_sample_count_percentile: None,
            home: None,
        }
    }

    /// M: `DatapointsToAlarm`, or N when not set.
    pub fn m(&self) -> u32 {
        self.datapoints_to_alarm.unwrap_or(self.evaluation_periods)
    }

    pub fn missing_data(&self) -> TreatMissingData {
        self.treat_missing_data.unwrap_or(TreatMissingData::Missing)
    }

    /// Checks what PutMetricAlarm checks.
    pub fn validate(&self) -> Result<(), String> {
        let name = &self.name;
        if self.evaluation_periods == 0 {
            return Err(format!("alarm {name}: EvaluationPeriods must be at least 1"));
        }
        if let Some(m) = self.datapoints_to_alarm {
            if m == 0 || m > self.evaluation_periods {
                return Err(format!("alarm {name}: DatapointsToAlarm must be between 1 and EvaluationPeriods"));
            }
        }
        if !(matches!(self.period, 10 | 20 | 30) || (self.period >= 60 && self.period % 60 == 0)) {
            return Err(format!("alarm {name}: Period must be 10, 20, 30 or a multiple of 60 seconds"));
        }
        if self.period < 60 {
            return Err(format!(
                "alarm {name}: high-resolution periods ({} s) cannot be evaluated on metric-filter metrics, which are published per minute",
                self.period
            ));
        }
        let span = u64::from(self.period) * u64::from(self.evaluation_periods);
        let limit = if self.period < 3600 { 86_400 } else { 604_800 };
        if span > limit {
            return Err(format!("alarm {name}: Period x EvaluationPeriods must be at most {limit} seconds"));
        }
        if !self.threshold.is_finite() {
            return Err(format!("alarm {name}: Threshold must be a number"));
        }
        Ok(())
    }
}

/// Static-threshold comparison operators; the metric value is the left operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    GreaterThanOrEqualToThreshold,
    GreaterThanThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

impl Comparison {
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => value >= threshold,
            Comparison::GreaterThanThreshold => value > threshold,
            Comparison::LessThanThreshold => value < threshold,
            Comparison::LessThanOrEqualToThreshold => value <= threshold,
        }
    }

    /// The phrase AWS uses in reasons (`greater than or equal to`).
    pub fn phrase(self) -> &'static str {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => "greater than or equal to",
            Comparison::GreaterThanThreshold => "greater than",
            Comparison::LessThanThreshold => "less than",
            Comparison::LessThanOrEqualToThreshold => "less than or equal to",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
            Comparison::GreaterThanThreshold => "GreaterThanThreshold",
            Comparison::LessThanThreshold => "LessThanThreshold",
            Comparison::LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
        }
    }
}

impl FromStr for Comparison {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "GreaterThanOrEqualToThreshold" => Comparison::GreaterThanOrEqualToThreshold,
            "GreaterThanThreshold" => Comparison::GreaterThanThreshold,
            "LessThanThreshold" => Comparison::LessThanThreshold,
            "LessThanOrEqualToThreshold" => Comparison::LessThanOrEqualToThreshold,
            "LessThanLowerOrGreaterThanUpperThreshold" | "LessThanLowerThreshold" | "GreaterThanUpperThreshold" => {
                return Err(format!(
                    "{text} compares with an anomaly-detection band, which trailwatch does not model; use a static threshold"
                ))
            }
            other => return Err(format!("unknown ComparisonOperator {other:?}")),
        })
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `TreatMissingData`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TreatMissingData {
    Missing,
    Ignore,
    Breaching,
    NotBreaching,
}

impl TreatMissingData {
    pub fn name(self) -> &'static str {
        match self {
            TreatMissingData::Missing => "missing",
            TreatMissingData::Ignore => "ignore",
            TreatMissingData::Breaching => "breaching",
            TreatMissingData::NotBreaching => "notBreaching",
        }
    }
}

impl FromStr for TreatMissingData {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "missing" => TreatMissingData::Missing,
            "ignore" => TreatMissingData::Ignore,
            "breaching" => TreatMissingData::Breaching,
            "notBreaching" => TreatMissingData::NotBreaching,
            other => {
                return Err(format!("unknown TreatMissingData {other:?} (missing, ignore, breaching, notBreaching)"))
            }
        })
    }
}
