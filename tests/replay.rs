//! Replay end to end: the bundled sample trail through the seed template, the recorded
//! metric-publishing observations, and the `replay` command's outputs.

mod common;

use common::{scratch, trailwatch};

fn trailwatch_args(args: &[&str]) -> std::process::Output {
    trailwatch(args, b"")
}

use serde::Deserialize;
use trailwatch::config::{self, Deployment};
use trailwatch::metric::{
    CompiledFilter, FilterTally, MetricFilter, MetricStore, MetricTransformation, MetricValue, ValueRef,
};
use trailwatch::replay::{replay, ReplayOptions};

fn seed() -> config::Configuration {
    config::load(&common::testdata("templates/seed-stack.template.json"), &Deployment::default()).unwrap()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Truth {
    period_seconds: i64,
    datapoints: Vec<TruthPoint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TruthPoint {
    period_start: String,
    sum: f64,
}

#[test]
fn the_sample_trail_fires_the_seed_alarm_after_the_first_two_bursts_only() {
    let result = replay(&seed(), &[common::testdata("sample/trail")], &ReplayOptions::default(), &mut |_| {}).unwrap();
    // Every record is accounted for; the digest file is skipped.
    assert_eq!(result.records, result.events + result.rejected);
    assert_eq!(result.rejected, 0);
    assert_eq!(result.files.skipped.len(), 1);
    assert_eq!(result.files.skipped[0].reason, "CloudTrail digest file");
    let (filter, tally) = &result.filters[0];
    assert_eq!(tally.matched + tally.not_matched, result.events);

    // The datapoints equal the injected counts, period by period.
    let truth: Truth =
        serde_json::from_str(&std::fs::read_to_string(common::testdata("sample/truth.json")).unwrap()).unwrap();
    let key = result.store.series()[0].0.clone();
    assert_eq!(key.metric_name, filter.transformation.metric_name);
    for point in &truth.datapoints {
        let start = trailwatch::source::parse_time(&point.period_start).unwrap();
        let sum = result.store.window(&key, start, start + truth.period_seconds * 1000).sum();
        assert_eq!(sum, point.sum, "period {}", point.period_start);
    }
    assert_eq!(tally.matched as f64, truth.datapoints.iter().map(|p| p.sum).sum::<f64>());

    // Bursts of 4 (09:07) and 3 (10:02) fire the alarm; the burst of 2 (11:01) does not.
    let run = &result.alarms[0];
    let fired: Vec<String> = run
        .changes
        .iter()
        .filter(|c| c.new == trailwatch::alarm::StateValue::Alarm)
        .map(|c| trailwatch::alarm::aws_time(c.time))
        .collect();
    assert_eq!(fired, ["2026-03-01T09:08:00.000+0000", "2026-03-01T10:03:00.000+0000"]);
    assert_eq!(
        run.changes[0].reason,
        "Threshold Crossed: 1 datapoint [4.0 (01/03/26 09:03:00)] was greater than or equal to the threshold (3.0)."
    );
    assert!(run
        .changes
        .iter()
        .any(|c| c.reason.contains("[2.0 (01/03/26 10:57:00)] was not greater than or equal to")));
}

#[derive(Deserialize)]
struct Publishing {
    #[serde(rename = "metricDefaults")]
    defaults: Section,
    extraction: Section,
    #[serde(rename = "ordinaryDimensions")]
    dimensions: DimensionSection,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Section {
    filter_pattern: String,
    metric_value: String,
    default_value: f64,
    cases: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DimensionSection {
    filter_pattern: String,
    dimensions: std::collections::BTreeMap<String, String>,
    messages: Vec<serde_json::Value>,
    expected_series: Vec<serde_json::Value>,
}

fn compiled(pattern: &str, value: &str, default: Option<f64>, dimensions: &[(String, String)]) -> CompiledFilter {
    CompiledFilter::new(MetricFilter {
        name: "probe".into(),
        log_group: "g".into(),
        pattern: pattern.into(),
        transformation: MetricTransformation {
            metric_name: "M".into(),
            namespace: "N".into(),
            value: MetricValue::parse(value).unwrap(),
            default_value: default,
            dimensions: dimensions.iter().map(|(k, v)| (k.clone(), ValueRef::parse(v).unwrap())).collect(),
            unit: None,
        },
    })
    .unwrap()
}

/// Replays `metric-filter-publishing-aws.json`: each case's events in one minute, compared
/// with the statistics CloudWatch reported.
#[test]
fn metric_publishing_matches_the_recordings() {
    let text = std::fs::read_to_string(common::testdata("aws/metric-filter-publishing-aws.json")).unwrap();
    let recording: Publishing = serde_json::from_str(&text).unwrap();
    let minute = 1_772_355_600_000;

    let d = &recording.defaults;
    let filter = compiled(&d.filter_pattern, &d.metric_value, Some(d.default_value), &[]);
    for case in &d.cases {
        let mut store = MetricStore::default();
        let mut tally = FilterTally::default();
        for batch in case["batches"].as_array().unwrap() {
            for message in batch.as_array().unwrap() {
                store.observe(&filter, message.as_str().unwrap(), minute, &mut tally);
            }
        }
        let key = store.series()[0].0.clone();
        let samples = store.window(&key, minute, minute + 60_000);
        let expected = &case["expected"];
        assert_eq!(samples.sum(), expected["Sum"].as_f64().unwrap(), "{}", case["name"]);
        assert_eq!(samples.count(), expected["SampleCount"].as_u64().unwrap(), "{}", case["name"]);
        assert_eq!(samples.min(), expected["Minimum"].as_f64(), "{}", case["name"]);
        assert_eq!(samples.max(), expected["Maximum"].as_f64(), "{}", case["name"]);
    }

    let x = &recording.extraction;
    let filter = compiled(&x.filter_pattern, &x.metric_value, Some(x.default_value), &[]);
    for case in &x.cases {
        let mut store = MetricStore::default();
        store.observe(&filter, &case["message"].to_string(), minute, &mut FilterTally::default());
        let expected = &case["expected"];
        match store.series().first() {
            None => assert_eq!(expected["datapoints"], serde_json::json!([]), "{}", case["name"]),
            Some((key, _)) => {
                let samples = store.window(key, minute, minute + 60_000);
                assert_eq!(samples.sum(), expected["Sum"].as_f64().unwrap(), "{}", case["name"]);
                assert_eq!(samples.count(), expected["SampleCount"].as_u64().unwrap(), "{}", case["name"]);
            }
        }
    }

    let s = &recording.dimensions;
    let dims: Vec<(String, String)> = s.dimensions.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let filter = compiled(&s.filter_pattern, "1", None, &dims);
    let mut store = MetricStore::default();
    for message in &s.messages {
        store.observe(&filter, &message.to_string(), minute, &mut FilterTally::default());
    }
    let series = store.series();
    assert_eq!(series.len(), s.expected_series.len());
    for expected in &s.expected_series {
        let dimensions: Vec<(String, String)> = expected["dimensions"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        let (key, _) = series.iter().find(|(k, _)| k.dimensions == dimensions).expect("series present");
        let samples = store.window(key, minute, minute + 60_000);
        assert_eq!(samples.sum(), expected["Sum"].as_f64().unwrap());
        assert_eq!(samples.count(), expected["SampleCount"].as_u64().unwrap());
    }
}

#[test]
fn replay_command_writes_notifications_metrics_and_charts() {
    let dir = scratch("outputs");
    let template = common::testdata("templates/seed-stack.template.json");
    let trail = common::testdata("sample/trail");
    let metrics = dir.join("metrics.json");
    let charts = dir.join("charts");
    let output = trailwatch_args(&[
        "replay",
        "--template",
        template.to_str().unwrap(),
        "--format",
        "json",
        "--account-id",
        "111122223333",
        "--metrics-out",
        metrics.to_str().unwrap(),
        "--plot",
        charts.to_str().unwrap(),
        trail.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 7);
    // The last line accounts for every record: events = matched + not matched.
    let accounting = &lines[6]["Accounting"];
    assert_eq!(accounting["recordsRead"], 441);
    assert_eq!(accounting["events"], 441);
    assert_eq!(accounting["rejected"], 0);
    assert_eq!(accounting["filesRead"], 78);
    assert_eq!(accounting["filesSkipped"].as_array().map(Vec::len), Some(1));
    assert_eq!(accounting["filters"][0]["matched"], 9);
    assert_eq!(accounting["filters"][0]["notMatched"], 432);
    let first = &lines[0];
    assert_eq!(first["AlarmName"], "ConsoleSignInFailures");
    assert_eq!(first["NewStateValue"], "ALARM");
    assert_eq!(first["OldStateValue"], "INSUFFICIENT_DATA");
    assert_eq!(first["AWSAccountId"], "111122223333");
    assert_eq!(first["Region"], "US East (N. Virginia)");
    assert_eq!(first["AlarmActions"][0], "arn:aws:sns:us-east-1:111122223333:TrailTopic5D1AB6D4");
    assert_eq!(first["Trigger"]["Statistic"], "SUM");
    assert_eq!(first["Trigger"]["Threshold"].to_string(), "3.0");
    assert!(first["Trigger"].get("DatapointsToAlarm").is_none());
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert!(keys.len() >= 14);

    let rows: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    let sums: Vec<f64> = rows.iter().map(|r| r["sum"].as_f64().unwrap()).collect();
    assert_eq!(sums, [4.0, 3.0, 2.0]);
    let svg = std::fs::read_to_string(charts.join("ConsoleSignInFailures.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("in ALARM"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn replay_text_report_and_exit_codes() {
    let template = common::testdata("templates/seed-stack.template.json");
    let output = trailwatch_args(&[
        "replay",
        "--template",
        template.to_str().unwrap(),
        common::testdata("sample/trail").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Read 441 record(s) from 78 file(s) (1 skipped): 441 event(s), 0 rejected."), "{text}");
    assert!(text.contains("matched 9, not matched 432"), "{text}");
    assert!(text.contains("entered ALARM 2 time(s); 30m 00s in ALARM"), "{text}");

    // Nothing fires on the real public records: exit 1, like grep finding nothing.
    let output = trailwatch_args(&[
        "replay",
        "--template",
        template.to_str().unwrap(),
        common::testdata("cloudtrail").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));

    // The CIS pack on the same records: unauthorized API calls fire.
    let output = trailwatch_args(&["replay", "--pack", "cis", common::testdata("cloudtrail").to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("Alarm CIS-v3.0.0-4.1:"), "{text}");

    let output = trailwatch_args(&["replay", "--template", "/nonexistent.json", "x"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent.json: cannot read"));
    let output = trailwatch_args(&["replay", "x"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("give --template FILE or --pack NAME"));
}

#[test]
fn strict_replay_fails_on_rejected_records() {
    let dir = scratch("strict");
    let trail = dir.join("events.ndjson");
    std::fs::write(&trail, "{\"eventTime\":\"2026-03-01T09:00:00Z\",\"eventName\":\"ConsoleLogin\"}\nnot json\n")
        .unwrap();
    let template = common::testdata("templates/seed-stack.template.json");
    let output = trailwatch_args(&["replay", "--template", template.to_str().unwrap(), trail.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Read 2 record(s) from 1 file(s) (0 skipped): 1 event(s), 1 rejected."), "{text}");
    assert!(text.contains("events.ndjson:2: not JSON"), "{text}");
    let output =
        trailwatch_args(&["replay", "--strict", "--template", template.to_str().unwrap(), trail.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn replay_names_silent_misconfiguration() {
    let dir = scratch("misconfigured");
    let seed = std::fs::read_to_string(common::testdata("templates/seed-stack.template.json")).unwrap();
    // A namespace typo: the alarm can never fire, and the warning names the published one.
    let typo = dir.join("typo.template.json");
    std::fs::write(&typo, seed.replace("\"Namespace\": \"CloudTrailMetrics\"", "\"Namespace\": \"cloudtrailmetrics\""))
        .unwrap();
    let trail = common::testdata("sample/trail");
    let output = trailwatch_args(&["replay", "--template", typo.to_str().unwrap(), trail.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "warning: alarm ConsoleSignInFailures reads cloudtrailmetrics/ConsoleSigninFailureCount, which no metric \
             filter publishes: namespace `cloudtrailmetrics`: did you mean `CloudTrailMetrics`?"
        ),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(1));

    // The same template twice is read once (the filter counts 9, not 18), with a warning.
    let seed_path = common::testdata("templates/seed-stack.template.json");
    let seed_path = seed_path.to_str().unwrap();
    let output =
        trailwatch_args(&["replay", "--template", seed_path, "--template", seed_path, trail.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("is given twice: read once"));
    assert!(String::from_utf8_lossy(&output.stdout).contains("matched 9, not matched 432"));
    let output = trailwatch_args(&["replay", "--pack", "cis", "--pack", "cis", trail.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--pack cis is given twice: read once"));

    // Filters without alarms or rules: said so, and the counts are still reported.
    let filters_only = dir.join("filters-only.template.json");
    let mut template: serde_json::Value = serde_json::from_str(&seed).unwrap();
    template["Resources"].as_object_mut().unwrap().remove("TrailAlarm0B1AC7E4");
    std::fs::write(&filters_only, template.to_string()).unwrap();
    let output = trailwatch_args(&["replay", "--template", filters_only.to_str().unwrap(), trail.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("no alarms or EventBridge rules, so nothing can fire"));
    assert!(String::from_utf8_lossy(&output.stdout).contains("matched 9"));

    // Nothing at all: the error names the template, not a missing --template.
    let empty = dir.join("empty.yaml");
    std::fs::write(&empty, "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n").unwrap();
    let output = trailwatch_args(&["replay", "--template", empty.to_str().unwrap(), trail.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("empty.yaml: no metric filters, alarms or EventBridge rules"), "{stderr}");
    assert!(stderr.contains("the templates given hold no metric filters"), "{stderr}");
    assert!(!stderr.contains("give --template FILE"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_rejection_is_handed_over_in_order_in_bounded_parts() {
    let dir = scratch("all-rejections");
    let trail = dir.join("bad.ndjson");
    let lines: String = (0..10_000).map(|i| format!("not json {i}\n")).collect();
    std::fs::write(&trail, lines).unwrap();
    let mut listed = Vec::new();
    let mut largest = 0;
    let mut sink = |rejections: &[trailwatch::source::Rejection]| {
        largest = largest.max(rejections.len());
        listed.extend(rejections.iter().map(|r| r.origin.to_string()));
    };
    let result = trailwatch::replay::replay_streaming(
        &seed(),
        &[trail],
        &ReplayOptions::default(),
        &mut |_| {},
        &mut |_, _| {},
        Some(&mut sink),
    )
    .unwrap();
    assert_eq!(result.rejected, 10_000);
    assert_eq!(result.rejections.len(), trailwatch::replay::KEPT_REJECTIONS);
    assert_eq!(listed.len(), 10_000);
    assert!(listed[0].ends_with("bad.ndjson:1") && listed[9_999].ends_with("bad.ndjson:10000"), "{}", listed[9_999]);
    assert!(largest <= 4096, "{largest}");
    std::fs::remove_dir_all(dir).unwrap();
}
