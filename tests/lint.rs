//! `trailwatch lint` end to end: good and broken CloudFormation (JSON and YAML), each output
//! format, pack coverage, exit statuses and bad input.

mod common;

use common::{scratch, testdata, text, trailwatch};

fn lint(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    let output = trailwatch(&all, b"");
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

fn path(name: &str) -> String {
    testdata(name).to_str().unwrap().to_string()
}

#[test]
fn a_good_configuration_passes_with_exit_0() {
    for file in
        ["lint/good.template.yaml", "templates/seed-stack.template.json", "templates/access-alerts.template.json"]
    {
        let (code, out, err) = lint(&[&path(file)]);
        assert_eq!(code, 0, "{file}: {out}{err}");
        assert!(out.starts_with("0 error(s), 0 warning(s) in 1 file(s)"), "{out}");
    }
}

#[test]
fn a_broken_configuration_lists_every_mistake_where_it_is() {
    let broken = path("lint/broken.template.json");
    let (code, out, _) = lint(&[&broken]);
    assert_eq!(code, 1, "{out}");
    for expected in [
        // The invalid filter pattern, with the caret diagnosis and the resource's line.
        "error: metric filter UnclosedFilter: invalid filter pattern: Invalid metric filter pattern",
        "broken.template.json:5: broken/UnclosedFilter",
        "^ expected `&&`, `||` or `)`",
        // PutMetricFilter's refusal of a default value with dimensions.
        "dimensions and default value are mutually exclusive properties",
        // The invalid event pattern, with AWS's reason and the fault.
        "error: rule bad-numeric: Event pattern is not valid. Reason: Bad numeric range operator: >\n  --> ",
        "in field \"detail.count\"",
        // Alarms that can never fire.
        "namespace `workshop`: did you mean `Workshop`?",
        "broken.template.json:36: broken/TypoAlarm",
        "with dimensions {Account}, which no metric filter emits (ByUserFilter emits {User})",
        "in unit Seconds, but its metric filters publish it in Count",
        "6 error(s), 0 warning(s) in 1 file(s)",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn yaml_templates_get_lines_too() {
    let dir = scratch("lint-yaml");
    let good = std::fs::read_to_string(testdata("lint/good.template.yaml")).unwrap();
    let broken = good
        .replace(
            "MetricNamespace: CloudTrailMetrics\n          MetricValue: \"1\"\n  TrailChanges",
            "MetricNamespace: CloudTrailMetrics\n          MetricValue: \"1\"\n          Unit: Secs\n  TrailChanges",
        )
        .replace("($.eventName = StopLogging) }", "($.eventName = StopLogging) ")
        .replace(
            "MetricName: ConsoleSigninFailureCount\n      Statistic",
            "MetricName: ConsoleSignInFailureCount\n      Statistic",
        );
    let file = dir.join("stack.yaml");
    std::fs::write(&file, broken).unwrap();
    let (code, out, _) = lint(&[file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unit \"Secs\" is not a CloudWatch unit: did you mean `Seconds`?"), "{out}");
    assert!(out.contains("stack.yaml:10: stack/SignInFailures"), "{out}");
    assert!(out.contains("If a filter pattern starts with '{' it must end with '}'"), "{out}");
    assert!(out.contains("stack.yaml:20: stack/TrailChanges"), "{out}");
    assert!(out.contains("metric `ConsoleSignInFailureCount`: did you mean `ConsoleSigninFailureCount`?"), "{out}");
    assert!(out.contains("stack.yaml:30: stack/SignInAlarm"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_output_format_carries_the_findings() {
    let broken = path("lint/broken.template.json");
    let (code, out, _) = lint(&["--format", "json", &broken]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["summary"]["errors"], 6);
    let typo = report["findings"].as_array().unwrap().iter().find(|f| f["code"] == "unpublished-metric").unwrap();
    assert_eq!(typo["line"], 36);
    assert_eq!(typo["resource"], "broken/TypoAlarm");
    assert_eq!(typo["kind"], "alarm");

    let (code, out, _) = lint(&["--format", "github", &broken]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 6, "{out}");
    assert!(out.lines().all(|l| l.starts_with("::error file=")), "{out}");
    assert!(out.contains(",line=36,title=trailwatch unpublished-metric::broken/TypoAlarm: alarm ErrorsTypo"), "{out}");

    let (code, out, _) = lint(&["--format", "sarif", &broken]);
    assert_eq!(code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    assert!(results.iter().all(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .is_some_and(|uri| uri.ends_with("broken.template.json"))));

    // Nothing found: an empty SARIF run and no annotations, exit 0.
    let (code, out, _) = lint(&["--format", "github", &path("lint/good.template.yaml")]);
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn pack_coverage_is_decided_by_what_the_patterns_match() {
    let (code, out, _) = lint(&["--pack", "cis", &path("lint/good.template.yaml")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Pack cis: 3 of 15 controls implemented"), "{out}");
    assert!(out.lines().any(|l| l.contains("CIS-v3.0.0-4.5") && l.contains("implemented")), "{out}");
    assert!(out.lines().any(|l| l.contains("CIS-v3.0.0-4.6") && l.contains("implemented")), "{out}");
    // The root rule matches every root call (wider than 4.3, which leaves out service events
    // and calls AWS makes for root): 4.3 is implemented through the event the rule receives.
    assert!(out.lines().any(|l| l.contains("CIS-v3.0.0-4.3") && l.contains("implemented")), "{out}");

    // A narrower trail filter: the record it misses is shown.
    let dir = scratch("lint-pack");
    let good = std::fs::read_to_string(testdata("lint/good.template.yaml")).unwrap();
    let file = dir.join("narrow.yaml");
    std::fs::write(&file, good.replace(" || ($.eventName = StopLogging)", "")).unwrap();
    let (_, out, _) = lint(&["--pack", "cis", "--format", "json", file.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let control =
        report["coverage"]["cis"].as_array().unwrap().iter().find(|c| c["control"] == "CIS-v3.0.0-4.5").unwrap();
    assert_eq!(control["status"], "narrower", "{control}");
    assert!(control["missedExample"].as_str().unwrap().contains("StopLogging"), "{control}");

    // The packs themselves, given as configuration (describe-metric-filters style is not
    // needed): every control implemented by its own pack.
    let (code, out, _) = lint(&["--pack", "securityhub", &path("templates/seed-stack.template.json")]);
    assert_eq!(code, 1);
    assert!(out.contains("Pack securityhub: 1 of 14 controls implemented"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_input_is_an_error_or_a_finding_never_a_crash() {
    // A file that cannot be read: exit 2.
    let (code, _, err) = lint(&["/nonexistent/stack.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/stack.json"), "{err}");
    // An unknown pack or format: a usage error.
    let (code, _, err) = lint(&["--pack", "nist", &path("lint/good.template.yaml")]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values: cis, securityhub"), "{err}");
    // No configuration at all: usage.
    assert_eq!(lint(&[]).0, 2);

    let dir = scratch("lint-bad");
    let cases: &[(&str, &str)] = &[
        ("garbage.json", "{{{ not json"),
        ("empty.json", ""),
        ("array.json", "[1, 2, 3]"),
        (
            "unresolvable.yaml",
            "Resources:\n  A:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      MetricName: !Ref Nowhere\n",
        ),
        ("binary.json", "\u{0}\u{1}\u{2}"),
        ("deep.json", &format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
    ];
    for (name, content) in cases {
        let file = dir.join(name);
        std::fs::write(&file, content).unwrap();
        let (code, out, err) = lint(&[file.to_str().unwrap()]);
        assert!(code == 1 || code == 2, "{name}: {code} {out}{err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        if code == 1 {
            assert!(out.contains("error:"), "{name}: {out}");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
