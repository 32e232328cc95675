//! Built-in packs: the CIS AWS Foundations and Security Hub metric filters, each with the
//! alarm the benchmark prescribes (Sum over 300 s >= 1, one period).

use serde::Deserialize;

use super::{Configuration, Origin};
use crate::alarm::{AlarmDefinition, Statistic};
use crate::metric::{MetricFilter, MetricTransformation, MetricValue};

/// Patterns verbatim from the CIS benchmarks and the Security Hub user guide
/// (`shared/spec/cis-patterns.json` of the steering repository).
const PATTERNS: &str = include_str!("cis-patterns.json");

#[derive(Deserialize)]
struct Entry {
    id: String,
    title: String,
    pattern: String,
}

/// Pack names and what they hold.
pub const PACKS: &[(&str, &str)] = &[
    ("cis", "CIS AWS Foundations Benchmark v3.0.0, controls 4.1 to 4.15"),
    ("securityhub", "AWS Security Hub controls CloudWatch.1 to CloudWatch.14"),
];

/// Metric names, in control order 1..15 (CIS v3.0.0 4.x numbering).
const CIS_METRICS: [&str; 15] = [
    "UnauthorizedAPICalls",
    "ConsoleSigninWithoutMFA",
    "RootAccountUsage",
    "IAMPolicyChanges",
    "CloudTrailConfigChanges",
    "ConsoleAuthenticationFailures",
    "DisableOrDeleteCMK",
    "S3BucketPolicyChanges",
    "AWSConfigChanges",
    "SecurityGroupChanges",
    "NACLChanges",
    "NetworkGatewayChanges",
    "RouteTableChanges",
    "VPCChanges",
    "OrganizationsChanges",
];

/// Security Hub CloudWatch.n -> the CIS metric it watches.
const SECURITY_HUB_METRICS: [&str; 14] = [
    "RootAccountUsage",
    "UnauthorizedAPICalls",
    "ConsoleSigninWithoutMFA",
    "IAMPolicyChanges",
    "CloudTrailConfigChanges",
    "ConsoleAuthenticationFailures",
    "DisableOrDeleteCMK",
    "S3BucketPolicyChanges",
    "AWSConfigChanges",
    "SecurityGroupChanges",
    "NACLChanges",
    "NetworkGatewayChanges",
    "RouteTableChanges",
    "VPCChanges",
];

pub fn pack(name: &str) -> Result<Configuration, String> {
    let entries: Vec<Entry> = serde_json::from_str(PATTERNS).map_err(|e| format!("built-in patterns: {e}"))?;
    let (prefix, namespace, metrics): (&str, &str, &[&str]) = match name {
        "cis" => ("CIS-v3.0.0-4.", "CISBenchmark", &CIS_METRICS),
        "securityhub" => ("SecurityHub-CloudWatch.", "SecurityHub", &SECURITY_HUB_METRICS),
        other => {
            let names: Vec<&str> = PACKS.iter().map(|(n, _)| *n).collect();
            return Err(format!("unknown pack {other:?} (one of {})", names.join(", ")));
        }
    };
    let mut configuration = Configuration::default();
    for (i, metric) in metrics.iter().enumerate() {
        let id = format!("{prefix}{}", i + 1);
        let entry = entries.iter().find(|e| e.id == id).ok_or_else(|| format!("built-in pack lacks {id}"))?;
        let filter = MetricFilter {
            name: id.clone(),
            log_group: "CloudTrail".into(),
            pattern: entry.pattern.clone(),
            transformation: MetricTransformation {
                metric_name: metric.to_string(),
                namespace: namespace.to_string(),
                value: MetricValue::Literal(1.0),
                default_value: None,
                dimensions: Vec::new(),
                unit: None,
            },
        };
        let origin = Origin::new("", format!("pack {name}: {id}"), None);
        configuration.push_filter(filter, origin.clone());
        let mut alarm = AlarmDefinition::new(&id, namespace, metric, Statistic::Sum, 300, 1.0);
        alarm.description = Some(entry.title.clone());
        configuration.push_alarm(alarm, origin);
    }
    Ok(configuration)
}
