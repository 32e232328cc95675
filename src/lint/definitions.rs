//! Each definition as the deploying API checks it (PutMetricFilter, PutMetricAlarm, PutRule
//! and PutTargets), and the per-log-group and per-bus quotas a set of definitions can exceed.
//! Every limit and where it is documented is listed in docs/semantics.md, "Lint".

use std::collections::BTreeMap;

use super::{Finding, Severity, Subject};
use crate::alarm::AlarmDefinition;
use crate::metric::{CompiledFilter, MetricFilter, MetricValue};
use crate::rule::Rule;

/// PutMetricFilter: metric filters per log group (LimitExceededException).
pub const MAX_FILTERS_PER_LOG_GROUP: usize = 100;
/// PutMetricFilter: filters holding a `%regex%` per log group (LimitExceededException).
pub const MAX_REGEX_FILTERS_PER_LOG_GROUP: usize = 5;
/// PutMetricFilter `filterName`: 1 to 512 characters, no `:` or `*`.
const MAX_FILTER_NAME: usize = 512;
/// MetricTransformation `metricName` and `metricNamespace`: at most 255, no `:`, `*` or `$`.
const MAX_METRIC_NAME: usize = 255;
/// MetricTransformation `metricValue`: at most 100 characters.
const MAX_METRIC_VALUE: usize = 100;
/// PutMetricAlarm `AlarmName`: 1 to 255 characters.
const MAX_ALARM_NAME: usize = 255;
/// PutMetricAlarm `AlarmDescription`: at most 1024 characters.
const MAX_ALARM_DESCRIPTION: usize = 1024;
/// PutMetricAlarm `AlarmActions`, `OKActions`, `InsufficientDataActions`: 5 each.
const MAX_ACTIONS: usize = 5;
/// PutMetricAlarm `Dimensions`: 30.
const MAX_ALARM_DIMENSIONS: usize = 30;
/// PutRule `Name`: 1 to 64 characters of `[.\-_A-Za-z0-9]`.
const MAX_RULE_NAME: usize = 64;
/// EventBridge quota "Event pattern size": 2048 characters by default, adjustable to 4096.
pub const DEFAULT_EVENT_PATTERN_SIZE: usize = 2048;
/// PutRule `EventPattern`: at most 4096 characters whatever the quota.
const MAX_EVENT_PATTERN_SIZE: usize = 4096;
/// EventBridge quota "Targets": 5 per rule.
const MAX_TARGETS: usize = 5;
/// EventBridge quota "Number of rules": 300 per event bus in most regions (adjustable).
pub const DEFAULT_RULES_PER_BUS: usize = 300;

/// CloudWatch's `StandardUnit` values, the only units PutMetricFilter and PutMetricAlarm take.
pub const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// Every metric filter's pattern (with the caret diagnosis) and transformation, then the
/// quotas of each log group.
pub fn filters(filters: &[MetricFilter]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut by_group: BTreeMap<&str, (usize, Vec<&str>)> = BTreeMap::new();
    for filter in filters {
        let error =
            |code, message: String| Finding::new(Severity::Error, code, Subject::MetricFilter, &filter.name, message);
        let group = by_group.entry(filter.log_group.as_str()).or_default();
        group.0 += 1;
        match crate::pattern::parse(&filter.pattern) {
            Err(e) => {
                findings.push(
                    error(
                        "invalid-filter-pattern",
                        format!("metric filter {}: invalid filter pattern: {}", filter.name, e.aws_message),
                    )
                    // The rendering's first line repeats the message.
                    .with_detail(
                        e.render(&filter.pattern)
                            .split_once('\n')
                            .map_or_else(String::new, |(_, rest)| rest.to_string()),
                    ),
                );
                continue;
            }
            Ok(parsed) => {
                if crate::pattern::regex_count(&parsed) > 0 {
                    group.1.push(&filter.name);
                }
            }
        }
        if let Err(message) = CompiledFilter::new(filter.clone()) {
            findings.push(error("refused-metric-filter", message));
        }
        let name_chars = filter.name.chars().count();
        if name_chars == 0 || name_chars > MAX_FILTER_NAME || filter.name.contains([':', '*']) {
            findings.push(error(
                "invalid-name",
                format!(
                    "metric filter {:?}: a filter name has 1 to {MAX_FILTER_NAME} characters and no `:` or `*`",
                    filter.name
                ),
            ));
        }
        let t = &filter.transformation;
        for (what, text) in [("metric name", &t.metric_name), ("metric namespace", &t.namespace)] {
            if text.is_empty() || text.chars().count() > MAX_METRIC_NAME || text.contains([':', '*', '$']) {
                findings.push(error(
                    "invalid-name",
                    format!(
                        "metric filter {}: {what} {text:?} must have 1 to {MAX_METRIC_NAME} characters and no `:`, `*` or `$`",
                        filter.name
                    ),
                ));
            }
        }
        if let MetricValue::Field(reference) = &t.value {
            let text = reference.to_string();
            if text.chars().count() > MAX_METRIC_VALUE {
                findings.push(error(
                    "invalid-metric-value",
                    format!(
                        "metric filter {}: the metric value has more than {MAX_METRIC_VALUE} characters",
                        filter.name
                    ),
                ));
            }
        }
        if let Some(unit) = &t.unit {
            if let Some(finding) = unknown_unit(unit, Subject::MetricFilter, &filter.name) {
                findings.push(finding);
            }
        }
        for (name, _) in &t.dimensions {
            if name.is_empty() {
                findings.push(error(
                    "invalid-name",
                    format!("metric filter {}: a dimension has an empty name", filter.name),
                ));
            }
        }
    }
    for (group, (count, regex_filters)) in by_group {
        let shown = if group.is_empty() { "(no log group named)".to_string() } else { format!("log group {group}") };
        if count > MAX_FILTERS_PER_LOG_GROUP {
            findings.push(over_quota(
                Severity::Error,
                group,
                format!(
                    "{shown}: {count} metric filters; PutMetricFilter refuses more than {MAX_FILTERS_PER_LOG_GROUP} \
                     per log group (LimitExceededException)"
                ),
            ));
        }
        if regex_filters.len() > MAX_REGEX_FILTERS_PER_LOG_GROUP {
            findings.push(over_quota(Severity::Error, group, format!(
                    "{shown}: {} metric filters hold a %regex% ({}); CloudWatch Logs allows {MAX_REGEX_FILTERS_PER_LOG_GROUP} \
                     per log group, so the next PutMetricFilter fails with LimitExceededException",
                    regex_filters.len(),
                    regex_filters.join(", ")
                ),
            ));
        }
    }
    findings
}

/// How alike (Jaro-Winkler, letter case ignored) a unit must be to be offered instead.
const UNIT_SUGGESTION_SIMILARITY: f64 = 0.8;

/// A quota of a log group or bus exceeded.
fn over_quota(severity: Severity, name: &str, message: String) -> Finding {
    Finding::new(severity, "limit-exceeded", Subject::Configuration, name, message)
}

fn unknown_unit(unit: &str, subject: Subject, name: &str) -> Option<Finding> {
    if UNITS.contains(&unit) {
        return None;
    }
    let likeness = |u: &&str| strsim::jaro_winkler(&u.to_lowercase(), &unit.to_lowercase());
    let hint = UNITS
        .iter()
        .max_by(|a, b| likeness(a).total_cmp(&likeness(b)))
        .filter(|u| likeness(u) >= UNIT_SUGGESTION_SIMILARITY)
        .map(|u| format!(": did you mean `{u}`?"))
        .unwrap_or_else(|| " (units are CloudWatch's StandardUnit values: Count, Seconds, Bytes, ...)".to_string());
    Some(Finding::new(
        Severity::Error,
        "invalid-unit",
        subject,
        name,
        format!("{} {name}: unit {unit:?} is not a CloudWatch unit{hint}", subject.name()),
    ))
}

/// What PutMetricAlarm checks beyond what reading the alarm already checked.
pub fn alarms(alarms: &[AlarmDefinition]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for alarm in alarms {
        let error = |code, message: String| Finding::new(Severity::Error, code, Subject::Alarm, &alarm.name, message);
        let name_chars = alarm.name.chars().count();
        if name_chars == 0 || name_chars > MAX_ALARM_NAME {
            findings.push(error(
                "invalid-name",
                format!("alarm {:?}: an alarm name has 1 to {MAX_ALARM_NAME} characters", alarm.name),
            ));
        }
        if alarm.description.as_ref().is_some_and(|d| d.chars().count() > MAX_ALARM_DESCRIPTION) {
            findings.push(error(
                "limit-exceeded",
                format!("alarm {}: AlarmDescription has more than {MAX_ALARM_DESCRIPTION} characters", alarm.name),
            ));
        }
        for (what, actions) in [
            ("AlarmActions", &alarm.alarm_actions),
            ("OKActions", &alarm.ok_actions),
            ("InsufficientDataActions", &alarm.insufficient_data_actions),
        ] {
            if actions.len() > MAX_ACTIONS {
                findings.push(error(
                    "limit-exceeded",
                    format!(
                        "alarm {}: {} {what}; PutMetricAlarm takes at most {MAX_ACTIONS}",
                        alarm.name,
                        actions.len()
                    ),
                ));
            }
        }
        if alarm.dimensions.len() > MAX_ALARM_DIMENSIONS {
            findings.push(error(
                "limit-exceeded",
                format!(
                    "alarm {}: {} dimensions; a metric has at most {MAX_ALARM_DIMENSIONS}",
                    alarm.name,
                    alarm.dimensions.len()
                ),
            ));
        }
        if let Some(unit) = &alarm.unit {
            findings.extend(unknown_unit(unit, Subject::Alarm, &alarm.name));
        }
    }
    findings
}

/// What PutRule and PutTargets check (the pattern itself was validated when it was read), and
/// the rules-per-bus quota.
pub fn rules(rules: &[Rule]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut per_bus: BTreeMap<&str, usize> = BTreeMap::new();
    for rule in rules {
        *per_bus.entry(rule.event_bus_name.as_str()).or_default() += 1;
        let finding =
            |severity, code, message: String| Finding::new(severity, code, Subject::Rule, &rule.name, message);
        let valid_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        if rule.name.is_empty() || rule.name.len() > MAX_RULE_NAME || !rule.name.chars().all(valid_name) {
            findings.push(finding(
                Severity::Error,
                "invalid-name",
                format!(
                    "rule {:?}: a rule name has 1 to {MAX_RULE_NAME} characters, each a letter, digit, `.`, `-` or `_`",
                    rule.name
                ),
            ));
        }
        let size = rule.event_pattern.chars().count();
        if size > MAX_EVENT_PATTERN_SIZE {
            findings.push(finding(
                Severity::Error,
                "limit-exceeded",
                format!(
                    "rule {}: the event pattern has {size} characters; PutRule takes at most {MAX_EVENT_PATTERN_SIZE}",
                    rule.name
                ),
            ));
        } else if size > DEFAULT_EVENT_PATTERN_SIZE {
            findings.push(finding(
                Severity::Warning,
                "limit-exceeded",
                format!(
                    "rule {}: the event pattern has {size} characters, over the default quota of \
                     {DEFAULT_EVENT_PATTERN_SIZE} (adjustable to {MAX_EVENT_PATTERN_SIZE}): PutRule fails unless the \
                     account's quota was raised",
                    rule.name
                ),
            ));
        }
        if rule.targets.len() > MAX_TARGETS {
            findings.push(finding(
                Severity::Error,
                "limit-exceeded",
                format!("rule {}: {} targets; a rule has at most {MAX_TARGETS}", rule.name, rule.targets.len()),
            ));
        }
    }
    for (bus, count) in per_bus {
        if count > DEFAULT_RULES_PER_BUS {
            findings.push(over_quota(
                Severity::Warning,
                bus,
                format!(
                    "event bus {bus}: {count} rules, over the default quota of {DEFAULT_RULES_PER_BUS} per bus \
                     (adjustable)"
                ),
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::Statistic;
    use crate::metric::ValueRef;

    #[test]
    fn an_invalid_pattern_gets_the_caret_diagnosis() {
        let findings = filters(&[MetricFilter::counting("f", "{ $.a = ", "N", "M")]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].code, "invalid-filter-pattern");
        let detail = findings[0].detail.as_deref().unwrap();
        assert!(detail.contains("--> pattern:1:"), "{detail}");
        assert!(detail.contains('^'), "{detail}");
    }

    #[test]
    fn log_group_quotas_count_filters_and_regex_filters() {
        let mut many: Vec<MetricFilter> =
            (0..6).map(|i| MetricFilter::counting(&format!("r{i}"), "%ab+c%", "N", "M")).collect();
        for f in &mut many {
            f.log_group = "TrailLog".into();
        }
        let found = filters(&many);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("6 metric filters hold a %regex%"), "{}", found[0].message);
        many.truncate(5);
        assert!(filters(&many).is_empty());
        let plenty: Vec<MetricFilter> =
            (0..101).map(|i| MetricFilter::counting(&format!("f{i}"), "ERROR", "N", "M")).collect();
        assert!(filters(&plenty)[0].message.contains("101 metric filters"));
    }

    #[test]
    fn refused_transformations_names_and_units() {
        let mut f = MetricFilter::counting("a:b", "ERROR", "Name$pace", "M");
        f.transformation.dimensions = vec![("D".into(), ValueRef::parse("$.d").unwrap())];
        f.transformation.unit = Some("count".into());
        let codes: Vec<&str> = filters(&[f]).iter().map(|f| f.code).collect();
        assert_eq!(codes, ["refused-metric-filter", "invalid-name", "invalid-name", "invalid-unit"]);
        let mut alarm = AlarmDefinition::new("A", "N", "M", Statistic::Sum, 60, 1.0);
        alarm.unit = Some("Secs".into());
        alarm.alarm_actions = vec!["arn".into(); 6];
        let found = alarms(&[alarm]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[1].message.contains("did you mean `Seconds`?"), "{}", found[1].message);
    }

    #[test]
    fn rule_names_sizes_and_targets() {
        let rule = |name: &str, pattern: String| Rule {
            name: name.into(),
            arn: String::new(),
            event_bus_name: "default".into(),
            state: crate::rule::RuleState::Enabled,
            event_pattern: pattern,
            targets: Vec::new(),
        };
        assert!(rules(&[rule("ok-name_1.x", "{}".into())]).is_empty());
        assert_eq!(rules(&[rule("has space", "{}".into())])[0].code, "invalid-name");
        let big = format!("{{\"source\":[\"{}\"]}}", "a".repeat(3000));
        assert_eq!(rules(&[rule("big", big)])[0].severity, Severity::Warning);
        let huge = format!("{{\"source\":[\"{}\"]}}", "a".repeat(5000));
        assert_eq!(rules(&[rule("huge", huge)])[0].severity, Severity::Error);
    }
}
