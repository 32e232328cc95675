//! Definitions -> findings: what would be refused at deploy time, or would deploy and never
//! work. `trailwatch lint` reports every finding; `trailwatch replay` warns with the ones that
//! make a replay silently empty (an alarm on a metric no filter publishes).
//!
//! Each check is a function from definitions to [`Finding`]s; where a finding comes from is
//! the [`Origin`] the loader recorded for its definition (the file, the resource, the line
//! when the format has one).

pub mod alarms;
pub mod coverage;
pub mod definitions;

use std::fmt;

use crate::config::{Configuration, Definition, Origin};

/// How bad a finding is: an error would be refused by AWS (or can never work); a warning
/// deploys but probably does not do what was meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a definition is, for messages and for mapping it back to its origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    MetricFilter,
    Alarm,
    Rule,
    /// The configuration as a whole (a file, a log group, a pack).
    Configuration,
}

impl Subject {
    pub fn name(self) -> &'static str {
        match self {
            Subject::MetricFilter => "metric filter",
            Subject::Alarm => "alarm",
            Subject::Rule => "rule",
            Subject::Configuration => "configuration",
        }
    }
}

/// One problem, with a stable code (for SARIF rules and for filtering), a one-line message,
/// an optional multi-line detail (a caret diagnosis), and where it was found.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    /// `invalid-filter-pattern`, `unpublished-metric`, ...
    pub code: &'static str,
    pub subject: Subject,
    /// The definition's name (filter, alarm or rule name), empty for the configuration.
    pub name: String,
    pub message: String,
    pub detail: Option<String>,
    pub origin: Origin,
}

impl Finding {
    pub fn new(severity: Severity, code: &'static str, subject: Subject, name: &str, message: String) -> Finding {
        Finding { severity, code, subject, name: name.to_string(), message, detail: None, origin: Origin::default() }
    }

    pub fn with_detail(mut self, detail: String) -> Finding {
        self.detail = Some(detail);
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity.name(), self.message)
    }
}

/// Everything lint found, and the coverage of each pack asked for.
pub struct Report {
    pub findings: Vec<Finding>,
    pub coverage: Vec<(String, Vec<coverage::ControlCoverage>)>,
    pub files: usize,
    pub filters: usize,
    pub alarms: usize,
    pub rules: usize,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }
}

/// A configuration that could not be read (a load error), as a finding: the loader's
/// message names the file, resource and line; a second line onwards is the detail (the
/// fault in an event pattern).
pub fn unreadable(file: &std::path::Path, error: &str) -> Finding {
    let (message, detail) = match error.split_once('\n') {
        Some((first, rest)) => (first.to_string(), Some(rest.to_string())),
        None => (error.to_string(), None),
    };
    let code =
        if message.contains("Event pattern is not valid") { "invalid-event-pattern" } else { "invalid-configuration" };
    let (origin, message) = located(&message).unwrap_or_else(|| (Origin::new(file, "", None), message.clone()));
    let mut finding = Finding::new(Severity::Error, code, Subject::Configuration, "", message);
    finding.detail = detail;
    finding.origin = origin;
    finding
}

/// The origin a loader error starts with (`FILE:LINE: RESOURCE: message`, as [`Origin`]
/// displays), when FILE is a file that exists, and the rest of the message.
fn located(message: &str) -> Option<(Origin, String)> {
    let (head, rest) = message.split_once(": ")?;
    let (file, line) = match head.rsplit_once(':') {
        Some((file, line)) if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => (file, line.parse().ok()),
        _ => (head, None),
    };
    if !std::path::Path::new(file).is_file() {
        return None;
    }
    let (resource, rest) = match rest.split_once(": ") {
        Some((resource, text)) if !resource.contains(' ') => (resource, text),
        _ => ("", rest),
    };
    Some((Origin::new(file, resource, line), rest.to_string()))
}

/// Runs every check over `configuration` (one account and region, one log group per log
/// group name), then each pack's coverage; `refused` are the findings of configurations that
/// could not be read, and `files` how many were given.
pub fn lint(
    configuration: &Configuration,
    refused: Vec<Finding>,
    files: usize,
    packs: &[String],
) -> Result<Report, String> {
    let mut findings = refused;
    let mut all = configuration.clone();
    if let Err(message) = all.attach_targets() {
        findings.push(Finding::new(Severity::Error, "unknown-rule", Subject::Configuration, "", message));
    }
    let mut checked = Vec::new();
    checked.extend(definitions::filters(&all.filters));
    checked.extend(definitions::alarms(&all.alarms));
    checked.extend(definitions::rules(&all.rules));
    checked.extend(alarms::never_firing(&all.filters, &all.alarms));
    for finding in &mut checked {
        finding.origin = origin_of(&all, finding.subject, &finding.name);
    }
    findings.extend(checked);
    findings.extend(duplicates(&all));
    // File order, then line order; findings without a place keep theirs at the end.
    findings.sort_by(|a, b| {
        let key = |f: &Finding| (f.origin.file.as_os_str().is_empty(), f.origin.file.clone(), f.origin.line);
        key(a).cmp(&key(b))
    });
    let mut coverage = Vec::new();
    for pack in packs {
        let report = coverage::coverage(pack, &all)?;
        findings.extend(coverage::findings(pack, &report));
        coverage.push((pack.clone(), report));
    }
    Ok(Report {
        findings,
        coverage,
        files,
        filters: all.filters.len(),
        alarms: all.alarms.len(),
        rules: all.rules.len(),
    })
}

/// Where the first definition of `name` was read; for a log group or a bus, where the first
/// filter or rule naming it was.
fn origin_of(c: &Configuration, subject: Subject, name: &str) -> Origin {
    let definition = match subject {
        Subject::MetricFilter => c.filters.iter().position(|f| f.name == name).map(Definition::Filter),
        Subject::Alarm => c.alarms.iter().position(|a| a.name == name).map(Definition::Alarm),
        Subject::Rule => c.rules.iter().position(|r| r.name == name).map(Definition::Rule),
        Subject::Configuration => c
            .filters
            .iter()
            .position(|f| f.log_group == name)
            .map(Definition::Filter)
            .or_else(|| c.rules.iter().position(|r| r.event_bus_name == name).map(Definition::Rule)),
    };
    definition.map(|d| c.origin(d)).unwrap_or_default()
}

/// Two definitions of one name: a second PutMetricFilter, PutMetricAlarm or PutRule of the
/// same name replaces the first, so only one of them would be deployed.
fn duplicates(c: &Configuration) -> Vec<Finding> {
    let mut findings = Vec::new();
    let names = c
        .filters
        .iter()
        .enumerate()
        .map(|(i, f)| (Subject::MetricFilter, f.name.as_str(), Definition::Filter(i)))
        .chain(c.alarms.iter().enumerate().map(|(i, a)| (Subject::Alarm, a.name.as_str(), Definition::Alarm(i))))
        .chain(c.rules.iter().enumerate().map(|(i, r)| (Subject::Rule, r.name.as_str(), Definition::Rule(i))));
    let mut seen: Vec<(Subject, &str, Definition)> = Vec::new();
    for (subject, name, definition) in names {
        if let Some((_, _, first)) = seen.iter().find(|(s, n, _)| *s == subject && *n == name) {
            let mut finding = Finding::new(
                Severity::Warning,
                "duplicate-definition",
                subject,
                name,
                format!(
                    "{} {name} is defined twice (first at {}): the later one replaces the earlier when deployed",
                    subject.name(),
                    c.origin(*first)
                ),
            );
            finding.origin = c.origin(definition);
            findings.push(finding);
        } else {
            seen.push((subject, name, definition));
        }
    }
    findings
}
