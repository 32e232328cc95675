//! Alarms that can never fire on what the metric filters publish: CloudWatch keys a metric by
//! namespace, name and the exact set of dimensions (and an alarm that names a unit reads only
//! that unit), so a typo in any of them deploys fine and leaves the alarm in
//! INSUFFICIENT_DATA for ever.

use std::collections::BTreeSet;

use super::{Finding, Severity, Subject};
use crate::alarm::AlarmDefinition;
use crate::metric::MetricFilter;

/// How alike two names must be (normalised Damerau-Levenshtein similarity, letter case
/// ignored) for one to be offered as "did you mean".
const SUGGESTION_SIMILARITY: f64 = 0.6;

/// Every alarm that reads a metric no filter publishes, with dimensions no filter emits or a
/// unit no filter publishes.
pub fn never_firing(filters: &[MetricFilter], alarms: &[AlarmDefinition]) -> Vec<Finding> {
    alarms.iter().filter_map(|alarm| check(filters, alarm)).collect()
}

fn check(filters: &[MetricFilter], alarm: &AlarmDefinition) -> Option<Finding> {
    let metric = format!("{}/{}", alarm.namespace, alarm.metric_name);
    let publishers: Vec<&MetricFilter> = filters
        .iter()
        .filter(|f| f.transformation.namespace == alarm.namespace && f.transformation.metric_name == alarm.metric_name)
        .collect();
    if publishers.is_empty() {
        return Some(unpublished(filters, alarm, &metric));
    }
    let wanted: BTreeSet<&str> = alarm.dimensions.iter().map(|(name, _)| name.as_str()).collect();
    // A filter publishes its dimensions when every field resolves, and none otherwise (or for
    // its default value).
    let readers: Vec<&MetricFilter> = publishers
        .iter()
        .copied()
        .filter(|f| {
            let names: BTreeSet<&str> = f.transformation.dimensions.iter().map(|(name, _)| name.as_str()).collect();
            names == wanted || wanted.is_empty()
        })
        .collect();
    if readers.is_empty() {
        let published: Vec<String> = publishers
            .iter()
            .map(|f| format!("{} emits {}", f.name, dimension_list(f.transformation.dimensions.iter().map(|d| &d.0))))
            .collect();
        return Some(Finding::new(
            Severity::Error,
            "dimensions-never-emitted",
            Subject::Alarm,
            &alarm.name,
            format!(
                "alarm {} reads {metric} with dimensions {}, which no metric filter emits ({}): CloudWatch keeps each \
                 dimension set a separate metric, so the alarm never gets a datapoint",
                alarm.name,
                dimension_list(alarm.dimensions.iter().map(|d| &d.0)),
                published.join("; ")
            ),
        ));
    }
    if let Some(unit) = &alarm.unit {
        let units: BTreeSet<&str> =
            readers.iter().map(|f| f.transformation.unit.as_deref().unwrap_or("None")).collect();
        if !units.contains(unit.as_str()) {
            return Some(Finding::new(
                Severity::Error,
                "unit-never-published",
                Subject::Alarm,
                &alarm.name,
                format!(
                    "alarm {} reads {metric} in unit {unit}, but its metric filters publish it in {} \
                     (no Unit is published as None): remove the alarm's Unit or set the filter's",
                    alarm.name,
                    units.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    if wanted.is_empty() && readers.iter().all(|f| !f.transformation.dimensions.is_empty()) {
        return Some(Finding::new(
            Severity::Warning,
            "dimensionless-alarm-on-dimensioned-metric",
            Subject::Alarm,
            &alarm.name,
            format!(
                "alarm {} reads {metric} without dimensions, but its metric filters publish it with dimensions {}: \
                 the alarm sees only events that lack one of those fields",
                alarm.name,
                dimension_list(readers[0].transformation.dimensions.iter().map(|d| &d.0))
            ),
        ));
    }
    None
}

fn dimension_list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        format!("{{{}}}", names.join(", "))
    }
}

/// The finding for an alarm on a metric no filter publishes, with the nearest published one.
fn unpublished(filters: &[MetricFilter], alarm: &AlarmDefinition, metric: &str) -> Finding {
    let finding =
        |severity, message| Finding::new(severity, "unpublished-metric", Subject::Alarm, &alarm.name, message);
    if alarm.namespace.starts_with("AWS/") {
        return finding(
            Severity::Warning,
            format!(
                "alarm {} reads {metric}, a metric an AWS service publishes, not a metric filter: a replay of log \
                 events has no data for it",
                alarm.name
            ),
        );
    }
    if filters.is_empty() {
        return finding(
            Severity::Error,
            format!("alarm {} reads {metric}, but no metric filter is given: nothing publishes it", alarm.name),
        );
    }
    let suggestion = nearest(filters, alarm).map(|s| format!(": {s}")).unwrap_or_default();
    finding(
        Severity::Error,
        format!("alarm {} reads {metric}, which no metric filter publishes{suggestion}", alarm.name),
    )
}

/// "namespace `workshop`: did you mean `Workshop`?", naming only the part that differs.
pub fn nearest(filters: &[MetricFilter], alarm: &AlarmDefinition) -> Option<String> {
    let published: BTreeSet<(&str, &str)> =
        filters.iter().map(|f| (f.transformation.namespace.as_str(), f.transformation.metric_name.as_str())).collect();
    let score = |(namespace, name): (&str, &str)| {
        similarity(namespace, &alarm.namespace).min(1.0) + similarity(name, &alarm.metric_name).min(1.0)
    };
    let (namespace, name) = published.iter().copied().max_by(|a, b| score(*a).total_cmp(&score(*b)))?;
    let namespace_ok = similarity(namespace, &alarm.namespace) >= SUGGESTION_SIMILARITY;
    let name_ok = similarity(name, &alarm.metric_name) >= SUGGESTION_SIMILARITY;
    match (namespace == alarm.namespace, name == alarm.metric_name) {
        (true, _) if name_ok => Some(format!("metric `{}`: did you mean `{name}`?", alarm.metric_name)),
        (_, true) if namespace_ok => Some(format!("namespace `{}`: did you mean `{namespace}`?", alarm.namespace)),
        _ if namespace_ok && name_ok => {
            Some(format!("`{}/{}`: did you mean `{namespace}/{name}`?", alarm.namespace, alarm.metric_name))
        }
        _ => None,
    }
}

fn similarity(a: &str, b: &str) -> f64 {
    strsim::normalized_damerau_levenshtein(&a.to_lowercase(), &b.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::Statistic;
    use crate::metric::{MetricValue, ValueRef};

    fn alarm(namespace: &str, metric: &str) -> AlarmDefinition {
        AlarmDefinition::new("A", namespace, metric, Statistic::Sum, 300, 1.0)
    }

    fn filters() -> Vec<MetricFilter> {
        vec![
            MetricFilter::counting("f1", "ERROR", "Workshop", "Errors"),
            MetricFilter::counting("f2", "{ $.x = 1 }", "CloudTrailMetrics", "ConsoleSigninFailureCount"),
        ]
    }

    fn only(findings: Vec<Finding>) -> Finding {
        assert_eq!(findings.len(), 1, "{findings:?}");
        findings.into_iter().next().unwrap()
    }

    #[test]
    fn a_published_metric_is_fine() {
        assert!(never_firing(&filters(), &[alarm("Workshop", "Errors")]).is_empty());
    }

    #[test]
    fn a_namespace_typo_names_the_nearest_namespace() {
        let found = only(never_firing(&filters(), &[alarm("workshop", "Errors")]));
        assert_eq!(found.code, "unpublished-metric");
        assert_eq!(found.severity, Severity::Error);
        assert!(found.message.ends_with("namespace `workshop`: did you mean `Workshop`?"), "{}", found.message);
    }

    #[test]
    fn a_metric_typo_names_the_nearest_metric() {
        let found = only(never_firing(&filters(), &[alarm("CloudTrailMetrics", "ConsoleSignInFailureCount")]));
        assert!(found.message.contains("did you mean `ConsoleSigninFailureCount`?"), "{}", found.message);
        let both = only(never_firing(&filters(), &[alarm("workshp", "Error")]));
        assert!(both.message.contains("did you mean `Workshop/Errors`?"), "{}", both.message);
    }

    #[test]
    fn nothing_alike_gives_no_suggestion() {
        let found = only(never_firing(&filters(), &[alarm("Billing", "EstimatedCharges")]));
        assert!(!found.message.contains("did you mean"), "{}", found.message);
        let aws = only(never_firing(&filters(), &[alarm("AWS/EC2", "CPUUtilization")]));
        assert_eq!(aws.severity, Severity::Warning);
    }

    #[test]
    fn dimensions_and_units_must_be_published() {
        let mut with_dimension = MetricFilter::counting("f", "{ $.x = 1 }", "N", "M");
        with_dimension.transformation.dimensions = vec![("User".into(), ValueRef::parse("$.user").unwrap())];
        with_dimension.transformation.value = MetricValue::Literal(1.0);
        let mut wrong = alarm("N", "M");
        wrong.dimensions = vec![("Account".into(), "1".into())];
        assert_eq!(only(never_firing(&[with_dimension.clone()], &[wrong])).code, "dimensions-never-emitted");
        let mut right = alarm("N", "M");
        right.dimensions = vec![("User".into(), "bob".into())];
        assert!(never_firing(&[with_dimension.clone()], &[right.clone()]).is_empty());
        let dimensionless = only(never_firing(&[with_dimension.clone()], &[alarm("N", "M")]));
        assert_eq!(dimensionless.severity, Severity::Warning);
        right.unit = Some("Seconds".into());
        assert_eq!(only(never_firing(&[with_dimension.clone()], &[right.clone()])).code, "unit-never-published");
        with_dimension.transformation.unit = Some("Seconds".into());
        assert!(never_firing(&[with_dimension], &[right]).is_empty());
        let mut none = alarm("Workshop", "Errors");
        none.unit = Some("None".into());
        assert!(never_firing(&filters(), &[none]).is_empty());
    }
}
