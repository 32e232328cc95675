//! Pack coverage: which controls of a built-in pack (`cis`, `securityhub`) a configuration
//! implements, decided by what the patterns match, not by comparing their text.
//!
//! Each control's pattern selects its sample: the real CloudTrail records bundled with
//! trailwatch (`corpus.ndjson.gz`, see `testdata/lint/make_corpus.py`) that it matches, and
//! records generated from the pattern itself (one per way of satisfying it, each in four
//! spellings: wildcards filled with nothing or with text, `!=` fields set to another value
//! or left out), kept only when the control's own pattern matches them. The configuration's
//! detectors are its metric filters that an alarm reads and its rules that are not disabled
//! and have a target. A control is implemented when the detectors match its whole sample,
//! missing when they match none of it, and narrower when they match part (with a record they
//! miss).

use std::collections::HashMap;
use std::io::Read;

use serde_json::{json, Map, Value};

use super::{Finding, Severity, Subject};
use crate::config::Configuration;
use crate::event_pattern::{self, EventMatcherSet};
use crate::matcher::{self, MatcherSet};
use crate::pattern::{self, CompareOp, JsonCondition, JsonExpr, JsonTest, Pattern, Step};
use crate::rule::{bus_event, RuleState};

/// The real records, compact, one per line (35 KB compressed).
const CORPUS: &[u8] = include_bytes!("corpus.ndjson.gz");

/// Conjunctions generated per control pattern at most (the longest CIS control has 18).
const MAX_CONJUNCTS: usize = 256;

/// The longest record shown as the example a configuration misses.
const MAX_EXAMPLE: usize = 600;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Implemented,
    Missing,
    Narrower,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Implemented => "implemented",
            Status::Missing => "missing",
            Status::Narrower => "narrower",
        }
    }
}

/// One control's verdict.
#[derive(Clone, Debug)]
pub struct ControlCoverage {
    /// `CIS-v3.0.0-4.1`, `SecurityHub-CloudWatch.1`.
    pub id: String,
    pub title: String,
    pub status: Status,
    /// The detectors that matched part of the sample (`metric filter F`, `rule R`).
    pub detectors: Vec<String>,
    /// How many records the control matches (real, generated), and how many of them the
    /// configuration matches.
    pub real: usize,
    pub generated: usize,
    pub detected: usize,
    /// A record the control matches and the configuration does not.
    pub missed_example: Option<String>,
    /// Definitions that match the sample but cannot notify (a filter no alarm reads, a rule
    /// without targets).
    pub silent: Vec<String>,
}

/// The configuration's filters and rules, each matched set-wise: one pass over a record for
/// all filters (`MatcherSet`) and one over its event for all rules (`EventMatcherSet`), so
/// coverage costs one pass per record however many definitions there are.
struct Detectors {
    /// `None` when there are no filters.
    filters: Option<MatcherSet>,
    rules: EventMatcherSet,
    /// Per filter, then per rule: its label and whether it notifies (a filter read by an
    /// alarm, a rule not disabled with a target).
    labels: Vec<(String, bool)>,
    /// Per rule: whether it receives read-only calls.
    all_management_events: Vec<bool>,
}

impl Detectors {
    fn new(configuration: &Configuration) -> Detectors {
        let mut labels = Vec::new();
        let mut patterns = Vec::new();
        for filter in &configuration.filters {
            // Invalid patterns are lint findings of their own; they detect nothing here.
            let Ok(parsed) = pattern::parse(&filter.pattern) else { continue };
            if matcher::compile(&parsed).is_err() {
                continue;
            }
            let t = &filter.transformation;
            let live =
                configuration.alarms.iter().any(|a| a.namespace == t.namespace && a.metric_name == t.metric_name);
            labels.push((format!("metric filter {}", filter.name), live));
            patterns.push(parsed);
        }
        // Every pattern compiled on its own, so the set compiles too; were it not to, the
        // filters detect nothing rather than failing the lint.
        let filters = if patterns.is_empty() { None } else { MatcherSet::new(&patterns).ok() };
        if filters.is_none() {
            labels.clear();
        }
        let mut event_patterns = Vec::new();
        let mut all_management_events = Vec::new();
        for rule in &configuration.rules {
            let Ok(parsed) = event_pattern::parse(&rule.event_pattern) else { continue };
            labels.push((format!("rule {}", rule.name), rule.state != RuleState::Disabled && !rule.targets.is_empty()));
            event_patterns.push(parsed);
            all_management_events.push(rule.state == RuleState::EnabledWithAllCloudTrailManagementEvents);
        }
        Detectors { filters, rules: EventMatcherSet::new(&event_patterns), labels, all_management_events }
    }

    /// The detectors (indices into `labels`) that match `record`.
    fn matching(&self, record: &str, scratch: &mut Vec<usize>) -> Vec<usize> {
        let mut out = Vec::new();
        if let Some(filters) = &self.filters {
            filters.for_each_match(record, |i, _| out.push(i));
        }
        if !self.rules.is_empty() {
            // Region is a deployment matter: coverage asks whether the pattern would see the
            // event, so the rule's region is not compared.
            if let Ok(event) = bus_event(record) {
                self.rules.matching(&event.json, scratch);
                let first_rule = self.filters.as_ref().map_or(0, MatcherSet::len);
                out.extend(
                    scratch
                        .iter()
                        .filter(|&&r| !event.read_only || self.all_management_events[r])
                        .map(|r| first_rule + r),
                );
            }
        }
        out
    }
}

/// The bundled real records.
pub fn corpus() -> Result<Vec<String>, String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(CORPUS)
        .read_to_string(&mut text)
        .map_err(|e| format!("the bundled CloudTrail records cannot be read: {e}"))?;
    Ok(text.lines().map(str::to_string).collect())
}

/// Every control of `pack` against `configuration`.
pub fn coverage(pack: &str, configuration: &Configuration) -> Result<Vec<ControlCoverage>, String> {
    let controls = crate::config::pack(pack)?;
    let real = corpus()?;
    let parsed_corpus = Parsed::new(&real);
    let detectors = Detectors::new(configuration);
    let mut scratch = Vec::new();
    // The real records are the same for every control: matched once.
    let real_matches: Vec<Vec<usize>> = real.iter().map(|r| detectors.matching(r, &mut scratch)).collect();
    let mut out = Vec::new();
    for (control, alarm) in controls.filters.iter().zip(&controls.alarms) {
        let parsed = pattern::parse(&control.pattern).map_err(|e| format!("{}: {}", control.name, e.aws_message))?;
        let compiled = matcher::compile(&parsed).map_err(|e| format!("{}: {}", control.name, e.aws_message))?;
        let generated: Vec<String> =
            variants(&parsed, &parsed_corpus).into_iter().filter(|record| compiled.is_match(record)).collect();
        let real_sample: Vec<usize> = (0..real.len()).filter(|&i| compiled.is_match(&real[i])).collect();
        let sample: Vec<(&String, Vec<usize>)> = generated
            .iter()
            .map(|record| (record, detectors.matching(record, &mut scratch)))
            .chain(real_sample.iter().map(|&i| (&real[i], real_matches[i].clone())))
            .collect();
        let mut used = vec![false; detectors.labels.len()];
        let mut silent_used = vec![false; detectors.labels.len()];
        let mut detected = 0;
        let mut missed_example = None;
        for (record, matched) in &sample {
            let mut hit = false;
            for &i in matched {
                if detectors.labels[i].1 {
                    used[i] = true;
                    hit = true;
                } else {
                    silent_used[i] = true;
                }
            }
            if hit {
                detected += 1;
            } else if missed_example.is_none() {
                missed_example = Some(shorten(record));
            }
        }
        let status = if sample.is_empty() || detected == sample.len() {
            Status::Implemented
        } else if detected == 0 {
            Status::Missing
        } else {
            Status::Narrower
        };
        let names = |flags: &[bool]| -> Vec<String> {
            detectors.labels.iter().zip(flags).filter(|(_, used)| **used).map(|((label, _), _)| label.clone()).collect()
        };
        out.push(ControlCoverage {
            id: control.name.clone(),
            title: alarm.description.clone().unwrap_or_default(),
            status,
            detectors: names(&used),
            real: real_sample.len(),
            generated: generated.len(),
            detected,
            missed_example: if status == Status::Narrower { missed_example } else { None },
            silent: names(&silent_used),
        });
    }
    Ok(out)
}

fn shorten(record: &str) -> String {
    match record.char_indices().nth(MAX_EXAMPLE) {
        Some((at, _)) => format!("{}...", &record[..at]),
        None => record.to_string(),
    }
}

/// The findings for controls that are not implemented.
pub fn findings(pack: &str, coverage: &[ControlCoverage]) -> Vec<Finding> {
    coverage
        .iter()
        .filter(|c| c.status != Status::Implemented)
        .map(|c| {
            let silent = if c.silent.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} match it but cannot notify: no alarm reads the metric, or no target)",
                    c.silent.join(", ")
                )
            };
            let message = match c.status {
                Status::Missing => format!("--pack {pack}: control {} ({}) is missing{silent}", c.id, c.title),
                _ => format!(
                    "--pack {pack}: control {} ({}) is narrower: {} match {} of its {} sample records{silent}",
                    c.id,
                    c.title,
                    c.detectors.join(", "),
                    c.detected,
                    c.real + c.generated
                ),
            };
            let finding = Finding::new(Severity::Error, "pack-coverage", Subject::Configuration, &c.id, message);
            match &c.missed_example {
                Some(record) => finding.with_detail(format!("a record it misses: {record}")),
                None => finding,
            }
        })
        .collect()
}

/// The bundled records parsed, with the first of each event name: generated records are
/// built on a real record of their event, and `!=` takes another value the field really has.
struct Parsed {
    records: Vec<Value>,
    by_name: HashMap<String, usize>,
}

impl Parsed {
    fn new(corpus: &[String]) -> Parsed {
        let records: Vec<Value> = corpus.iter().filter_map(|line| serde_json::from_str(line).ok()).collect();
        let mut by_name = HashMap::new();
        for (i, record) in records.iter().enumerate() {
            if let Some(name) = record.get("eventName").and_then(Value::as_str) {
                by_name.entry(name.to_string()).or_insert(i);
            }
        }
        Parsed { records, by_name }
    }

    fn with_event_name(&self, name: &str) -> Option<&Value> {
        self.by_name.get(name).map(|&i| &self.records[i])
    }

    /// The first string a real record has at `path` other than `not`.
    fn other_value(&self, path: &[&str], not: &str) -> Option<String> {
        self.records.iter().find_map(|record| {
            let value = path.iter().try_fold(record, |node, key| node.get(*key))?.as_str()?;
            (value != not).then(|| value.to_string())
        })
    }
}

/// Records that satisfy `pattern` in each of its ways, built on a real record with the same
/// `eventName` where the corpus has one.
fn variants(pattern: &Pattern, corpus: &Parsed) -> Vec<String> {
    let Pattern::Json(expr) = pattern else { return Vec::new() };
    let Some(conjuncts) = disjunctive_form(expr) else { return Vec::new() };
    let mut out = Vec::new();
    for conjunct in conjuncts {
        for spelling in [(false, false), (false, true), (true, false), (true, true)] {
            let mut record = base_record(&conjunct, corpus);
            for condition in &conjunct {
                apply(&mut record, condition, spelling, corpus);
            }
            out.push(record.to_string());
        }
    }
    out
}

/// The pattern as an OR of ANDs of conditions, or `None` past [`MAX_CONJUNCTS`].
fn disjunctive_form(expr: &JsonExpr) -> Option<Vec<Vec<&JsonCondition>>> {
    match expr {
        JsonExpr::Condition(c) => Some(vec![vec![c]]),
        JsonExpr::Or(items) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(disjunctive_form(item)?);
                if out.len() > MAX_CONJUNCTS {
                    return None;
                }
            }
            Some(out)
        }
        JsonExpr::And(items) => {
            let mut out: Vec<Vec<&JsonCondition>> = vec![Vec::new()];
            for item in items {
                let choices = disjunctive_form(item)?;
                if out.len().saturating_mul(choices.len()) > MAX_CONJUNCTS {
                    return None;
                }
                out = out
                    .iter()
                    .flat_map(|prefix| {
                        choices.iter().map(move |choice| prefix.iter().chain(choice).copied().collect::<Vec<_>>())
                    })
                    .collect();
            }
            Some(out)
        }
    }
}

fn keys(condition: &JsonCondition) -> Option<Vec<&str>> {
    condition
        .selector
        .steps
        .iter()
        .map(|step| match step {
            Step::Key(k) | Step::QuotedKey(k) => Some(k.as_str()),
            _ => None,
        })
        .collect()
}

fn base_record(conjunct: &[&JsonCondition], corpus: &Parsed) -> Value {
    let event_name = conjunct.iter().find_map(|c| match (keys(c)?.as_slice(), &c.test) {
        (["eventName"], JsonTest::Compare(CompareOp::Eq, pattern::Value::Text { text, .. })) if !text.contains('*') => {
            Some(text.as_str())
        }
        _ => None,
    });
    if let Some(record) = event_name.and_then(|name| corpus.with_event_name(name)) {
        return record.clone();
    }
    let name = event_name.unwrap_or("Example");
    let (source, event_type) = match name {
        "ConsoleLogin" => ("signin.amazonaws.com", "AwsConsoleSignIn"),
        n if n.contains("Trail") || n.ends_with("Logging") => ("cloudtrail.amazonaws.com", "AwsApiCall"),
        n if n.contains("Policy") => ("iam.amazonaws.com", "AwsApiCall"),
        _ => ("ec2.amazonaws.com", "AwsApiCall"),
    };
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEPRINCIPAL",
            "arn": "arn:aws:iam::123456789012:user/example",
            "accountId": "123456789012",
            "userName": "example"
        },
        "eventTime": "2026-01-01T00:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "requestID": "00000000-0000-4000-8000-000000000000",
        "eventID": "00000000-0000-4000-8000-000000000001",
        "readOnly": false,
        "eventType": event_type,
        "managementEvent": true,
        "recipientAccountId": "123456789012"
    })
}

/// Makes `record` satisfy one condition (conditions on arrays or wildcards are left to the
/// real records). `filled` fills wildcards with text rather than nothing; `absent` leaves
/// `!=` fields out rather than giving them another value.
fn apply(record: &mut Value, condition: &JsonCondition, (filled, absent): (bool, bool), corpus: &Parsed) {
    let Some(path) = keys(condition) else { return };
    let Some((last, parents)) = path.split_last() else { return };
    let value = match &condition.test {
        JsonTest::NotExists => None,
        JsonTest::IsNull => Some(Value::Null),
        JsonTest::IsTrue => Some(Value::Bool(true)),
        JsonTest::IsFalse => Some(Value::Bool(false)),
        JsonTest::Compare(op, operand) => match (op, operand) {
            (_, pattern::Value::Regex(_)) => return,
            (CompareOp::Eq, pattern::Value::Text { text, .. }) => {
                Some(Value::String(text.replace('*', if filled { "Example" } else { "" })))
            }
            (CompareOp::Ne, _) if absent => None,
            (CompareOp::Ne, pattern::Value::Text { text, .. }) => {
                Some(Value::String(corpus.other_value(&path, text).unwrap_or_else(|| format!("{text}Other"))))
            }
            (op, pattern::Value::Number(n)) | (op, pattern::Value::Text { text: n, .. }) => {
                let Ok(n) = n.parse::<f64>() else { return };
                let shifted = match op {
                    CompareOp::Eq | CompareOp::Le | CompareOp::Ge => n,
                    CompareOp::Lt => n - 1.0,
                    CompareOp::Gt | CompareOp::Ne => n + 1.0,
                };
                Some(serde_json::Number::from_f64(shifted).map_or(Value::Null, Value::Number))
            }
        },
    };
    let mut node = record;
    for key in parents {
        if !node.get(*key).is_some_and(Value::is_object) {
            match node.as_object_mut() {
                Some(map) => {
                    map.insert(key.to_string(), Value::Object(Map::new()));
                }
                None => return,
            }
        }
        match node.get_mut(*key) {
            Some(next) => node = next,
            None => return,
        }
    }
    let Some(map) = node.as_object_mut() else { return };
    match value {
        Some(value) => {
            map.insert(last.to_string(), value);
        }
        None => {
            map.remove(*last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::{AlarmDefinition, Statistic};
    use crate::metric::MetricFilter;

    fn with_alarm(filters: Vec<MetricFilter>) -> Configuration {
        let alarms = filters
            .iter()
            .map(|f| {
                let t = &f.transformation;
                AlarmDefinition::new(&f.name, &t.namespace, &t.metric_name, Statistic::Sum, 300, 1.0)
            })
            .collect();
        Configuration { filters, alarms, ..Configuration::default() }
    }

    fn status(report: &[ControlCoverage], id: &str) -> Status {
        report.iter().find(|c| c.id == id).unwrap().status
    }

    #[test]
    fn the_pack_itself_implements_every_control() {
        for pack in ["cis", "securityhub"] {
            let own = crate::config::pack(pack).unwrap();
            let report = coverage(pack, &own).unwrap();
            assert!(report.iter().all(|c| c.status == Status::Implemented), "{report:?}");
            // Every control has a sample to decide on.
            assert!(report.iter().all(|c| c.real + c.generated > 0), "{report:?}");
        }
    }

    #[test]
    fn differently_written_equivalent_patterns_are_implemented() {
        // CIS 4.6, written without parentheses and with the condition order swapped.
        let filter = MetricFilter::counting(
            "SignInFailures",
            r#"{ $.errorMessage = "Failed authentication" && $.eventName = "ConsoleLogin" }"#,
            "Security",
            "SignInFailures",
        );
        let report = coverage("cis", &with_alarm(vec![filter])).unwrap();
        assert_eq!(status(&report, "CIS-v3.0.0-4.6"), Status::Implemented);
        assert_eq!(status(&report, "CIS-v3.0.0-4.5"), Status::Missing);
    }

    #[test]
    fn a_pattern_that_leaves_out_a_case_is_narrower_with_the_record_it_misses() {
        // CIS 4.5 without StopLogging.
        let filter = MetricFilter::counting(
            "Trail",
            "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) }",
            "Security",
            "Trail",
        );
        let report = coverage("cis", &with_alarm(vec![filter])).unwrap();
        let control = report.iter().find(|c| c.id == "CIS-v3.0.0-4.5").unwrap();
        assert_eq!(control.status, Status::Narrower);
        assert!(control.missed_example.as_deref().unwrap().contains("\"eventName\":\"StopLogging\""));
        // An exact errorCode instead of the prefix misses the generated AccessDeniedExample.
        let exact = MetricFilter::counting(
            "Unauthorized",
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied") }"#,
            "Security",
            "Unauthorized",
        );
        let report = coverage("cis", &with_alarm(vec![exact])).unwrap();
        assert_eq!(status(&report, "CIS-v3.0.0-4.1"), Status::Narrower);
    }

    #[test]
    fn a_filter_without_an_alarm_does_not_count_but_is_named() {
        let filter = MetricFilter::counting("Root", r#"{ $.userIdentity.type = "Root" }"#, "Security", "Root");
        let configuration = Configuration { filters: vec![filter], ..Configuration::default() };
        let report = coverage("cis", &configuration).unwrap();
        let control = report.iter().find(|c| c.id == "CIS-v3.0.0-4.3").unwrap();
        assert_eq!(control.status, Status::Missing);
        assert_eq!(control.silent, ["metric filter Root"]);
    }

    #[test]
    fn rules_implement_controls_through_the_event_they_receive() {
        let rule = crate::rule::Rule {
            name: "trail-changes".into(),
            arn: "arn:aws:events:us-east-1:123456789012:rule/trail-changes".into(),
            event_bus_name: "default".into(),
            state: RuleState::Enabled,
            event_pattern: r#"{"source":["aws.cloudtrail"],"detail":{"eventName":["CreateTrail","UpdateTrail","DeleteTrail","StartLogging","StopLogging"]}}"#.into(),
            targets: vec![crate::rule::Target {
                id: "t".into(),
                arn: "arn:aws:sns:us-east-1:123456789012:t".into(),
                input: crate::rule::TargetInput::Event,
            }],
        };
        let configuration = Configuration { rules: vec![rule], ..Configuration::default() };
        let report = coverage("cis", &configuration).unwrap();
        assert_eq!(status(&report, "CIS-v3.0.0-4.5"), Status::Implemented);
    }
}
