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
