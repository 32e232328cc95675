//! End-to-end tests of the `trailwatch` command.

mod common;

use common::{scratch, text, trailwatch};

use std::path::PathBuf;

// Every recorded TestMetricFilter case is replayed through the command in tests/conformance.rs.

#[test]
fn test_metric_filter_reads_messages_from_files_and_stdin() {
    let dir = scratch("tmf");
    let events = dir.join("events.json");
    std::fs::write(&events, r#"["ERROR one", "fine", "ERROR two"]"#).unwrap();
    let file_arg = format!("file://{}", events.display());
    let output =
        trailwatch(&["test-metric-filter", "--filter-pattern", "ERROR", "--log-event-messages", &file_arg], b"");
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["matches"].as_array().unwrap().len(), 2);
    assert_eq!(answer["matches"][1]["eventNumber"], 3);

    let lines: String = (0..60).map(|i| format!("line {i} {}\n", if i % 2 == 0 { "ERROR" } else { "ok" })).collect();
    let output =
        trailwatch(&["test-metric-filter", "--filter-pattern", "ERROR", "--log-event-file", "-"], lines.as_bytes());
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["matches"].as_array().unwrap().len(), 30, "a file may hold more than 50 messages");

    let request = dir.join("request.json");
    std::fs::write(&request, r#"{"filterPattern": "[a, b]", "logEventMessages": ["x y"]}"#).unwrap();
    let output = trailwatch(&["test-metric-filter", "--cli-input-json", &format!("file://{}", request.display())], b"");
    assert!(text(&output.stdout).contains("\"$a\": \"x\""), "{}", text(&output.stdout));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn test_metric_filter_applies_the_message_limit_like_the_service() {
    let many: Vec<String> = (0..51).map(|i| format!("m{i}")).collect();
    let mut args = vec!["test-metric-filter", "--filter-pattern", "m", "--log-event-messages"];
    args.extend(many.iter().map(String::as_str));
    let output = trailwatch(&args, b"");
    assert_eq!(output.status.code(), Some(254));
    assert!(text(&output.stderr).contains("Member must have length less than or equal to 50"));
}

#[test]
fn filter_selects_counts_and_inverts_with_grep_exit_codes() {
    let input = b"ERROR one\nWARN two\nINFO three\n";
    let output = trailwatch(&["filter", "?ERROR ?WARN"], input);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), "ERROR one\nWARN two\n");

    let output = trailwatch(&["filter", "--count", "-v", "ERROR"], input);
    assert_eq!(text(&output.stdout), "2\n");

    let output = trailwatch(&["filter", "FATAL"], input);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());

    let output = trailwatch(&["filter", "ERR*"], input);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("Invalid character(s) in term '*'"));
}

#[test]
fn filter_json_output_carries_origin_and_extracted_values() {
    let dir = scratch("filter");
    let log = dir.join("access.log");
    std::fs::write(&log, "10.0.0.1 GET 404\n10.0.0.2 GET 200\n").unwrap();
    let output = trailwatch(&["filter", "--format", "json", "[ip, method, status=4*]", log.to_str().unwrap()], b"");
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(line["extractedValues"]["$status"], "404");
    assert!(line["input"].as_str().unwrap().ends_with("access.log:1"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn filter_reports_rejected_records_and_fails_when_strict() {
    let input = b"ERROR ok\n\xff\xfe ERROR\nERROR again\n";
    let output = trailwatch(&["filter", "ERROR"], input);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), "ERROR ok\nERROR again\n");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("(standard input):2: not valid UTF-8"), "{stderr}");
    assert!(stderr.contains("3 record(s) read: 2 matched, 0 not matched, 1 rejected; 2 selected"), "{stderr}");

    let output = trailwatch(&["filter", "--strict", "ERROR"], input);
    assert_eq!(output.status.code(), Some(2));

    // --stats with --format json: one accounting object on stderr that adds up.
    let output = trailwatch(&["filter", "--stats", "--format", "json", "-v", "ok"], input);
    let stderr = text(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let accounting: serde_json::Value = serde_json::from_str(last).expect("JSON accounting");
    let a = &accounting["accounting"];
    assert_eq!(a["recordsRead"], 3);
    assert_eq!((a["matched"].as_u64(), a["notMatched"].as_u64(), a["rejected"].as_u64()), (Some(1), Some(1), Some(1)));
    assert_eq!(a["selected"], 1);
    assert_eq!(a["firstRejections"][0]["location"], "(standard input):2");
}

/// `filter --rejections FILE` lists every rejected line (stderr only the first 20), in input
/// order, across the parts a large input is read in; a file it cannot write is exit 2.
#[test]
fn filter_lists_every_rejection_in_a_file() {
    let mut input = Vec::new();
    for n in 1..=5000u32 {
        if n % 2 == 0 {
            input.extend_from_slice(b"\xff bad\n");
        } else {
            input.extend_from_slice(format!("ERROR {n}\n").as_bytes());
        }
    }
    let dir = scratch("filter-rejections");
    let listed = dir.join("rejections.txt");
    let output = trailwatch(&["filter", "-c", "--rejections", listed.to_str().unwrap_or_default(), "ERROR"], &input);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), "2500\n");
    let text_listed = std::fs::read_to_string(&listed).unwrap_or_default();
    let places: Vec<&str> = text_listed.lines().filter_map(|l| l.split(": not valid UTF-8").next()).collect();
    let expected: Vec<String> = (1..=2500).map(|k| format!("(standard input):{}", 2 * k)).collect();
    assert_eq!(places.len(), 2500);
    assert!(places == expected, "rejections out of order or missing");
    let stderr = text(&output.stderr);
    assert_eq!(stderr.matches("rejected (standard input):").count(), 20, "{stderr}");

    let output = trailwatch(
        &["filter", "--rejections", dir.join("missing/dir/x").to_str().unwrap_or_default(), "ERROR"],
        &input,
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn explain_shows_kind_normal_form_and_conditions() {
    let output =
        trailwatch(&["explain", r#"{($.eventName=ConsoleLogin)&&($.errorMessage="Failed authentication")}"#], b"");
    assert_eq!(output.status.code(), Some(0));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("kind:        JSON"), "{stdout}");
    assert!(
        stdout.contains(r#"normalised:  { $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" }"#),
        "{stdout}"
    );
    assert!(stdout.contains("ALL of:"), "{stdout}");
    assert!(stdout.contains(r#"prefilter:   any of '"Failed authentication"'"#), "{stdout}");
    assert!(stdout.contains("evaluation:  lazy JSON"), "{stdout}");
    let wildcard = text(&trailwatch(&["explain", "{ $.a[*].b NOT EXISTS }"], b"").stdout);
    assert!(wildcard.contains("prefilter:   none (every event is evaluated)"), "{wildcard}");
    assert!(wildcard.contains("evaluation:  whole JSON document"), "{wildcard}");

    let output = trailwatch(&["explain", "{ $.a = 1 AND $.b = 2 }"], b"");
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("Invalid metric filter pattern"), "{stderr}");
    assert!(stderr.contains("1 | { $.a = 1 AND $.b = 2 }\n  |           ^"), "{stderr}");
}

#[test]
fn help_teaches_with_examples() {
    let output = trailwatch(&["test-metric-filter", "--help"], b"");
    let stdout = text(&output.stdout);
    assert!(stdout.contains("--filter-pattern") && stdout.contains("Examples:"), "{stdout}");
}

#[test]
fn filter_reads_folders_on_every_core_and_keeps_input_order() {
    let trail = env!("CARGO_MANIFEST_DIR").to_string() + "/testdata/sample/trail";
    let together = trailwatch(&["filter", "--format", "json", "{ $.eventTime = * }", &trail], b"");
    assert_eq!(together.status.code(), Some(0));
    let mut files: Vec<PathBuf> =
        walk(PathBuf::from(&trail)).into_iter().filter(|p| !p.to_string_lossy().contains("Digest")).collect();
    files.sort();
    let mut one_by_one = String::new();
    for file in &files {
        let alone = trailwatch(&["filter", "--format", "json", "{ $.eventTime = * }", &file.to_string_lossy()], b"");
        one_by_one.push_str(&text(&alone.stdout));
    }
    assert!(files.len() > 50);
    assert_eq!(text(&together.stdout).lines().count(), 441);
    assert_eq!(text(&together.stdout), one_by_one);
}

fn walk(dir: PathBuf) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.extend(walk(path));
        } else if path.to_string_lossy().ends_with(".json.gz") {
            found.push(path);
        }
    }
    found
}

#[test]
fn bench_reports_throughput_per_pattern_and_for_a_pack() {
    let output = trailwatch(
        &[
            "bench",
            "--size",
            "2M",
            "--passes",
            "1",
            "--no-baselines",
            "--pattern",
            "{ $.eventName = ConsoleLogin && $.errorMessage = \"Failed authentication\" }",
            "--pattern",
            "ConsoleLogin",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("corpus: 2.0 MB"), "{stdout}");
    // One failed sign-in is mixed in every 1,000 events.
    let events: usize =
        stdout.split(", ").nth(1).and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(0);
    let failed_row = stdout.lines().find(|l| l.starts_with("{ $.eventName")).expect("a row per pattern");
    assert!(events > 1000, "{stdout}");
    assert_eq!(failed_row.split_whitespace().last(), Some((events / 1000).to_string().as_str()), "{stdout}");
    assert!(stdout.contains("cis pack: 15 filters in one pass"), "{stdout}");
    assert!(stdout.contains("cis pack: 15 separate passes"), "{stdout}");

    let invalid = trailwatch(&["bench", "--size", "1K", "--pattern", "{ $.a = }"], b"");
    assert_eq!(invalid.status.code(), Some(2));
    assert!(text(&invalid.stderr).contains('^'));
}

// Issue 14 part 5: the command-line habits.

#[test]
fn filter_parses_options_as_options_like_grep() {
    let dir = common::scratch("habits-filter");
    let events = dir.join("events.ndjson");
    std::fs::write(&events, "{\"a\":1}\n{\"a\":\"-x\"}\n").unwrap();
    let events = events.to_str().unwrap();
    // A mistyped flag is a usage error with a suggestion, not a pattern.
    let out = trailwatch(&["filter", "--coutn", "x", events], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("a similar argument exists: '--count'"), "{}", text(&out.stderr));
    // A pattern starting with `-`: after `--`, or with -e (then every operand is an input).
    for args in [vec!["filter", "--count", "--", "-x", events], vec!["filter", "--count", "-e", "-x", events]] {
        let out = trailwatch(&args, b"");
        assert_eq!(text(&out.stdout), "1\n", "{args:?}: {}", text(&out.stderr));
    }
    // --invert-match beside -v.
    let out = trailwatch(&["filter", "--invert-match", "--count", "{ $.a = 1 }", events], b"");
    assert_eq!(text(&out.stdout), "1\n");
    // file:// patterns, here and in explain.
    let pattern = dir.join("pattern.txt");
    std::fs::write(&pattern, "{ $.a = 1 }").unwrap();
    let from_file = format!("file://{}", pattern.display());
    let out = trailwatch(&["filter", &from_file, events], b"");
    assert_eq!(text(&out.stdout), "{\"a\":1}\n");
    let out = trailwatch(&["explain", &from_file], b"");
    assert!(text(&out.stdout).starts_with("kind:        JSON"), "{}", text(&out.stdout));
    let out = trailwatch(&["filter", "file:///nonexistent/pattern", events], b"");
    assert_eq!(out.status.code(), Some(2));
    // No pattern at all.
    assert_eq!(trailwatch(&["filter"], b"").status.code(), Some(2));
    // Events piped in: no note about a terminal.
    let out = trailwatch(&["filter", "--count", "x"], b"x\n");
    assert_eq!(text(&out.stdout), "1\n");
    assert!(!text(&out.stderr).contains("terminal"), "{}", text(&out.stderr));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn input_formats_are_listed_and_completions_generated() {
    for command in ["filter", "replay"] {
        let out = trailwatch(&[command, "--help"], b"");
        assert!(
            text(&out.stdout).contains(
                "[possible values: auto, cloudtrail, cwl-export, ndjson, filter-log-events, lookup-events, lines]"
            ),
            "{command}: {}",
            text(&out.stdout)
        );
    }
    let out = trailwatch(&["filter", "--input-format", "get-log-events", "--count", "x"], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = trailwatch(&["completions", shell], b"");
        assert_eq!(out.status.code(), Some(0));
        let script = text(&out.stdout);
        assert!(script.contains("trailwatch") && script.contains("lint") && script.contains("input-format"), "{shell}");
    }
    assert_eq!(trailwatch(&["completions", "tcsh"], b"").status.code(), Some(2));
}

#[test]
fn replay_habits_summary_hint_stack_name_and_no_progress_in_pipes() {
    let trail = common::testdata("sample/trail");
    let out = trailwatch(&["replay", "--pack", "cis", trail.to_str().unwrap()], b"");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Summary: 5 of 15 alarms fired"), "{stdout}");
    assert!(stdout.contains("  CIS-v3.0.0-4.6       3  2026-03-01 09:08:00  45m 00s"), "{stdout}");
    // stderr is a pipe here: no progress line.
    assert!(!text(&out.stderr).contains("replaying"), "{}", text(&out.stderr));

    // Records timed by @timestamp: each rejection says so, and one hint names the flag.
    let otrf = common::testdata("cloudtrail/otrf-ec2-proxy-s3-exfiltration");
    let out = trailwatch(&["replay", "--pack", "cis", otrf.to_str().unwrap()], b"");
    assert!(text(&out.stdout).contains("no eventTime field (it has @timestamp: try --timestamp-field @timestamp)"));
    assert!(text(&out.stderr).contains("hint: 103 record(s) rejected"), "{}", text(&out.stderr));
    // Every rejection listed in a file (the report shows the first 20).
    let listed = common::scratch("habits-rejections").join("rejections.txt");
    let out =
        trailwatch(&["replay", "--pack", "cis", "--rejections", listed.to_str().unwrap(), otrf.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines = std::fs::read_to_string(&listed).unwrap();
    assert_eq!(lines.lines().count(), 103);
    assert!(
        lines
            .lines()
            .last()
            .unwrap()
            .ends_with(".json:103: no eventTime field (it has @timestamp: try --timestamp-field @timestamp)"),
        "{lines}"
    );
    std::fs::remove_dir_all(listed.parent().unwrap()).unwrap();
    let out = trailwatch(&["replay", "--pack", "cis", "--timestamp-field", "@timestamp", otrf.to_str().unwrap()], b"");
    assert!(text(&out.stdout).contains("103 event(s), 0 rejected"), "{}", text(&out.stdout));

    // AWS::StackName and AWS::AccountId are settable.
    let dir = common::scratch("habits-stack");
    let template = dir.join("t.yaml");
    std::fs::write(
        &template,
        "Resources:\n  F:\n    Type: AWS::Logs::MetricFilter\n    Properties:\n      LogGroupName: g\n      \
         FilterPattern: '{ $.eventName = ConsoleLogin }'\n      MetricTransformations:\n        - MetricName: !Sub '${AWS::StackName}-${AWS::AccountId}'\n          \
         MetricNamespace: N\n          MetricValue: '1'\n",
    )
    .unwrap();
    let out = trailwatch(
        &[
            "replay",
            "--stack-name",
            "prod",
            "--account-id",
            "111122223333",
            "--template",
            template.to_str().unwrap(),
            trail.to_str().unwrap(),
        ],
        b"",
    );
    assert!(text(&out.stdout).contains("N/prod-111122223333"), "{}{}", text(&out.stdout), text(&out.stderr));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn describe_alarms_keep_their_account_and_region() {
    let dir = common::scratch("habits-describe");
    let filters = dir.join("filters.json");
    std::fs::write(
        &filters,
        r#"{"metricFilters":[{"filterName":"f","logGroupName":"g",
            "filterPattern":"{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }",
            "metricTransformations":[{"metricName":"Fails","metricNamespace":"N","metricValue":"1"}]}]}"#,
    )
    .unwrap();
    let alarms = dir.join("alarms.json");
    std::fs::write(
        &alarms,
        r#"{"MetricAlarms":[{"AlarmName":"A","AlarmArn":"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:A",
            "MetricName":"Fails","Namespace":"N","Statistic":"Sum","Period":300,"EvaluationPeriods":1,
            "Threshold":3.0,"ComparisonOperator":"GreaterThanOrEqualToThreshold","Dimensions":[]}]}"#,
    )
    .unwrap();
    let trail = common::testdata("sample/trail");
    let out = trailwatch(
        &[
            "replay",
            "--format",
            "json",
            "--template",
            filters.to_str().unwrap(),
            "--template",
            alarms.to_str().unwrap(),
            trail.to_str().unwrap(),
        ],
        b"",
    );
    let stdout = text(&out.stdout);
    let first: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["AWSAccountId"], "111122223333", "{stdout}");
    assert_eq!(first["AlarmArn"], "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:A");
    assert_eq!(first["Region"], "EU (Ireland)");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn test_metric_filter_options_may_follow_the_messages() {
    let before =
        trailwatch(&["test-metric-filter", "--filter-pattern", "ERROR", "--log-event-messages", "ERROR a", "x"], b"");
    let after =
        trailwatch(&["test-metric-filter", "--log-event-messages", "ERROR a", "x", "--filter-pattern", "ERROR"], b"");
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stderr));
    assert_eq!(text(&after.stdout), text(&before.stdout));
    assert!(text(&after.stdout).contains("\"eventNumber\": 1"));
    // Messages that look like short flags or start with a dash stay messages.
    let dashes = trailwatch(
        &[
            "test-metric-filter",
            "--log-event-messages",
            "- frank",
            "-v",
            "--output",
            "json",
            "--filter-pattern",
            "frank",
        ],
        b"",
    );
    assert_eq!(dashes.status.code(), Some(0), "{}", text(&dashes.stderr));
    assert!(text(&dashes.stdout).contains("\"eventMessage\": \"- frank\""), "{}", text(&dashes.stdout));
}
