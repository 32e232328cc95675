//! Lint reports: text for people, JSON for programs, GitHub Actions workflow commands
//! (annotations on the pull request) and SARIF 2.1.0 (code-scanning tools).

use std::fmt::Write;

use serde_json::{json, Value};

use crate::lint::{coverage::ControlCoverage, Finding, Report, Severity};

/// Each finding with its origin and detail, each pack's coverage, and a closing count.
pub fn lint_text(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let _ = writeln!(out, "{finding}");
        let origin = finding.origin.to_string();
        if !origin.trim_end_matches([':', ' ']).is_empty() {
            let _ = writeln!(out, "  --> {}", origin.trim_end_matches([':', ' ']));
        }
        if let Some(detail) = &finding.detail {
            for line in detail.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    for (pack, controls) in &report.coverage {
        let implemented = controls.iter().filter(|c| c.status == crate::lint::coverage::Status::Implemented).count();
        let _ = writeln!(out, "\nPack {pack}: {implemented} of {} controls implemented", controls.len());
        for control in controls {
            let _ = writeln!(out, "  {:<26} {:<12} {}", control.id, control.status.name(), coverage_note(control));
        }
    }
    let _ = writeln!(
        out,
        "{}{} error(s), {} warning(s) in {} file(s): {} metric filter(s), {} alarm(s), {} rule(s)",
        if report.coverage.is_empty() && report.findings.is_empty() { "" } else { "\n" },
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.files,
        report.filters,
        report.alarms,
        report.rules
    );
    out
}

fn coverage_note(control: &ControlCoverage) -> String {
    let sample = control.real + control.generated;
    if control.detectors.is_empty() {
        format!("{} (matched by nothing; {sample} sample records)", control.title)
    } else {
        format!("{} ({}: {} of {sample} sample records)", control.title, control.detectors.join(", "), control.detected)
    }
}

/// The finding's file, when it has one.
fn file(finding: &Finding) -> Option<String> {
    let file = finding.origin.file.display().to_string();
    (!file.is_empty()).then_some(file)
}

fn finding_json(finding: &Finding) -> Value {
    json!({
        "severity": finding.severity.name(),
        "code": finding.code,
        "kind": finding.subject.name(),
        "name": finding.name,
        "message": finding.message,
        "detail": finding.detail,
        "file": file(finding),
        "resource": (!finding.origin.resource.is_empty()).then_some(&finding.origin.resource),
        "line": finding.origin.line,
    })
}

/// `{"findings": [...], "coverage": {PACK: [...]}, "summary": {...}}`.
pub fn lint_json(report: &Report) -> Value {
    let coverage: serde_json::Map<String, Value> = report
        .coverage
        .iter()
        .map(|(pack, controls)| {
            let controls: Vec<Value> = controls
                .iter()
                .map(|c| {
                    json!({
                        "control": c.id,
                        "title": c.title,
                        "status": c.status.name(),
                        "detectors": c.detectors,
                        "sampleRecords": c.real + c.generated,
                        "realRecords": c.real,
                        "generatedRecords": c.generated,
                        "detected": c.detected,
                        "missedExample": c.missed_example,
                        "cannotNotify": c.silent,
                    })
                })
                .collect();
            (pack.clone(), Value::Array(controls))
        })
        .collect();
    json!({
        "findings": report.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "coverage": coverage,
        "summary": {
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "files": report.files,
            "metricFilters": report.filters,
            "alarms": report.alarms,
            "rules": report.rules,
        }
    })
}

/// One `::error file=F,line=L,title=T::message` line per finding.
pub fn lint_github(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let mut properties = Vec::new();
        if let Some(file) = file(finding) {
            properties.push(format!("file={}", escape_property(&file)));
        }
        if let Some(line) = finding.origin.line {
            properties.push(format!("line={line}"));
        }
        properties.push(format!("title={}", escape_property(&format!("trailwatch {}", finding.code))));
        let mut message = finding.message.clone();
        if !finding.origin.resource.is_empty() {
            message = format!("{}: {message}", finding.origin.resource);
        }
        if let Some(detail) = &finding.detail {
            message = format!("{message}\n{detail}");
        }
        let _ = writeln!(out, "::{} {}::{}", finding.severity.name(), properties.join(","), escape_data(&message));
    }
    out
}

/// Workflow-command data: `%`, CR and LF are escaped.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Workflow-command properties also escape `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A SARIF 2.1.0 log with one run; each finding code is a rule.
pub fn lint_sarif(report: &Report) -> Value {
    let mut codes: Vec<&str> = report.findings.iter().map(|f| f.code).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|code| json!({ "id": code, "shortDescription": { "text": code.replace('-', " ") } }))
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut text = f.message.clone();
            if let Some(detail) = &f.detail {
                text = format!("{text}\n{detail}");
            }
            let mut result = json!({
                "ruleId": f.code,
                "level": match f.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": text },
            });
            if let Some(file) = file(f) {
                let mut physical = json!({ "artifactLocation": { "uri": file } });
                if let Some(line) = f.origin.line {
                    physical["region"] = json!({ "startLine": line });
                }
                let mut location = json!({ "physicalLocation": physical });
                if !f.origin.resource.is_empty() {
                    location["logicalLocations"] =
                        json!([{ "fullyQualifiedName": f.origin.resource, "kind": "resource" }]);
                }
                result["locations"] = json!([location]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "trailwatch",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Origin;
    use crate::lint::Subject;

    fn report() -> Report {
        let mut finding =
            Finding::new(Severity::Error, "unpublished-metric", Subject::Alarm, "A", "alarm A: 50%, a:b".into())
                .with_detail("line one\nline two".into());
        finding.origin = Origin::new("dir/t,1.yaml", "Resources.A", Some(7));
        Report { findings: vec![finding], coverage: Vec::new(), files: 1, filters: 0, alarms: 1, rules: 0 }
    }

    #[test]
    fn github_annotations_escape_as_the_runner_reads_them() {
        let text = lint_github(&report());
        assert_eq!(
            text,
            "::error file=dir/t%2C1.yaml,line=7,title=trailwatch unpublished-metric::Resources.A: alarm A: 50%25, a:b%0Aline one%0Aline two\n"
        );
    }

    #[test]
    fn sarif_has_rules_results_and_locations() {
        let sarif = lint_sarif(&report());
        assert_eq!(sarif["version"], "2.1.0");
        let result = &sarif["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "unpublished-metric");
        assert_eq!(result["level"], "error");
        assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 7);
        assert_eq!(sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"], "unpublished-metric");
    }

    #[test]
    fn text_shows_origin_and_detail() {
        let text = lint_text(&report());
        assert!(
            text.starts_with("error: alarm A: 50%, a:b\n  --> dir/t,1.yaml:7: Resources.A\n  line one\n"),
            "{text}"
        );
        assert!(text.ends_with("1 error(s), 0 warning(s) in 1 file(s): 0 metric filter(s), 1 alarm(s), 0 rule(s)\n"));
    }
}
