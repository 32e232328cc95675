//! The bad-input catalogue: each case is an input nobody checked, with the clear error or
//! the counted, located rejection it must produce, and a check that nothing else was lost
//! (records read = events + rejected; the good records around a bad one still arrive).

mod common;

use common::{scratch, text, trailwatch};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use trailwatch::matcher::{self, FastMatcher, Matcher, ReferenceMatcher};
use trailwatch::pattern;
use trailwatch::source::{read_bytes, read_inputs, InputFormat, ReadOptions, Record};

/// What reading produced: event messages and located rejections.
#[derive(Debug, Default)]
struct Read {
    events: Vec<String>,
    rejections: Vec<String>,
    files_read: u64,
    skipped: Vec<String>,
}

fn tally(mut read: impl FnMut(&mut dyn FnMut(Record)) -> trailwatch::source::FileTally) -> Read {
    let mut out = Read::default();
    let files = read(&mut |record| match record {
        Record::Event(event) => out.events.push(event.message),
        Record::Rejected(rejection) => out.rejections.push(rejection.to_string()),
    });
    out.files_read = files.files_read;
    out.skipped = files.skipped.iter().map(|s| format!("{}: {}", s.path, s.reason)).collect();
    out
}

fn read_memory(bytes: &[u8], format: InputFormat, require_timestamp: bool) -> Read {
    let options = ReadOptions { format, require_timestamp, ..ReadOptions::default() };
    tally(|sink| read_bytes("input", bytes, &options, sink))
}

fn read_paths(paths: &[PathBuf]) -> Read {
    tally(|sink| read_inputs(paths, &ReadOptions::default(), sink))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("in memory");
    encoder.finish().expect("in memory")
}

const RECORD: &str = r#"{"eventTime":"2026-03-01T09:00:00Z","eventName":"ConsoleLogin"}"#;

// ---------- archives ----------

#[test]
fn truncated_gzip_keeps_what_came_before_and_locates_the_damage() {
    let lines: String = (0..2000).map(|i| format!("{{\"eventTime\":\"2026-03-01T09:00:00Z\",\"n\":{i}}}\n")).collect();
    let whole = gzip(lines.as_bytes());
    let read = read_memory(&whole[..whole.len() / 2], InputFormat::Auto, true);
    assert!(!read.events.is_empty() && read.events.len() < 2000, "{} events", read.events.len());
    assert_eq!(read.rejections.len(), 1, "{:?}", read.rejections);
    assert!(read.rejections[0].contains("ends early"), "{:?}", read.rejections);
    // Every event that arrived is whole.
    assert!(read.events.iter().all(|e| e.starts_with('{') && e.ends_with('}')));
}

#[test]
fn truncated_gzip_cloudtrail_file_is_one_located_rejection() {
    let records: Vec<String> =
        (0..500).map(|i| format!("{{\"eventTime\":\"2026-03-01T09:00:00Z\",\"n\":{i}}}")).collect();
    let whole = gzip(format!("{{\"Records\":[{}]}}", records.join(",")).as_bytes());
    let read = read_memory(&whole[..whole.len() - 20], InputFormat::Auto, true);
    assert_eq!(read.rejections.len(), 1, "{:?}", read.rejections);
    assert!(read.rejections[0].starts_with("input (record "), "{:?}", read.rejections);
}

#[test]
fn gzip_bomb_is_read_in_bounded_memory() {
    // 256 MB of zeros without a newline, compressed to about 250 KB: one line too long to
    // be an event, rejected without being held.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; 1 << 20];
    for _ in 0..256 {
        encoder.write_all(&block).expect("in memory");
    }
    let bomb = encoder.finish().expect("in memory");
    assert!(bomb.len() < 1 << 20);
    let before = peak_resident_kb();
    let read = read_memory(&bomb, InputFormat::Lines, false);
    assert!(read.events.is_empty());
    assert_eq!(read.rejections.len(), 1, "{:?}", read.rejections);
    assert!(read.rejections[0].contains("longer than"), "{:?}", read.rejections);
    if let (Some(before), Some(after)) = (before, peak_resident_kb()) {
        assert!(after.saturating_sub(before) < 100 * 1024, "peak grew by {} KB", after - before);
    }
}

/// The process's peak resident size, where the system tells it.
fn peak_resident_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn not_gzip_after_all_is_rejected_at_the_file() {
    let read = read_memory(&[0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02], InputFormat::Auto, false);
    assert!(read.events.is_empty());
    assert_eq!(read.rejections.len(), 1, "{:?}", read.rejections);
}

// ---------- text and lines ----------

#[test]
fn invalid_utf8_lines_are_rejected_by_line_and_the_rest_read() {
    let read = read_memory(b"{\"a\":1}\n\xff\xfe\xfd\n{\"a\":2}\n", InputFormat::Ndjson, false);
    assert_eq!(read.events, [r#"{"a":1}"#, r#"{"a":2}"#]);
    assert_eq!(read.rejections.len(), 1);
    assert!(read.rejections[0].starts_with("input:2: not valid UTF-8"), "{:?}", read.rejections);
}

#[test]
fn nul_bytes_are_ordinary_characters_of_a_line() {
    let read = read_memory(b"ERROR\0here\n\0\0\0\n", InputFormat::Lines, false);
    assert_eq!(read.events, ["ERROR\0here", "\0\0\0"]);
    let terms = matcher::compile_text("ERROR").expect("valid");
    assert!(terms.is_match(&read.events[0]));
    let json = matcher::compile_text("{ $.a = 1 }").expect("valid");
    assert!(!json.is_match("{\"a\":1}\0"));
}

#[test]
fn a_one_megabyte_line_is_one_whole_event() {
    let big = format!(
        "{{\"eventTime\":\"2026-03-01T09:00:00Z\",\"blob\":\"{}\",\"eventName\":\"ConsoleLogin\"}}\n",
        "x".repeat(1 << 20)
    );
    let read = read_memory(big.as_bytes(), InputFormat::Auto, true);
    assert_eq!(read.events.len(), 1);
    assert_eq!(read.events[0].len(), big.len() - 1);
    assert!(matcher::compile_text("{ $.eventName = ConsoleLogin }").expect("valid").is_match(&read.events[0]));
}

#[test]
fn byte_order_marks_are_dropped() {
    let ndjson = read_memory(format!("\u{feff}{RECORD}\n").as_bytes(), InputFormat::Auto, true);
    assert_eq!(ndjson.events, [RECORD]);
    let trail = read_memory(format!("\u{feff}{{\"Records\":[{RECORD}]}}").as_bytes(), InputFormat::Auto, true);
    assert_eq!(trail.events, [RECORD]);
}

#[test]
fn crlf_line_ends_are_not_part_of_events() {
    let read = read_memory(format!("{RECORD}\r\n{RECORD}\r\n").as_bytes(), InputFormat::Ndjson, true);
    assert_eq!(read.events, [RECORD, RECORD]);
}

#[test]
fn empty_files_hold_no_records_and_are_not_errors() {
    for format in [InputFormat::Auto, InputFormat::Ndjson, InputFormat::Lines] {
        let read = read_memory(b"", format, false);
        assert!(read.events.is_empty() && read.rejections.is_empty(), "{format:?}: {read:?}");
    }
    let output = trailwatch(&["filter", "--count", ""], b"");
    assert_eq!(text(&output.stdout), "0\n");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn ndjson_without_a_usable_time_is_rejected_when_replay_needs_one() {
    let input = concat!(
        "{\"eventTime\":\"2026-03-01T09:00:00Z\"}\n",
        "{\"other\":1}\n",
        "{\"eventTime\":\"yesterday\"}\n",
        "{\"eventTime\":true}\n",
        "not json\n",
        "{\"eventTime\":\"2026-03-01T09:00:01Z\"\n",
    );
    let read = read_memory(input.as_bytes(), InputFormat::Ndjson, true);
    assert_eq!(read.events.len(), 1);
    assert_eq!(read.rejections.len(), 5, "{:?}", read.rejections);
    assert!(read.rejections[0].starts_with("input:2: no eventTime field"), "{:?}", read.rejections);
    assert!(read.rejections[1].contains("\"yesterday\" is not an ISO-8601 time"), "{:?}", read.rejections);
    assert!(read.rejections[3].starts_with("input:5: not JSON"), "{:?}", read.rejections);
    // Without the need for a time, every line is an event.
    assert_eq!(read_memory(input.as_bytes(), InputFormat::Ndjson, false).events.len(), 6);
}

#[test]
fn export_lines_with_bad_times_are_rejected_and_continuations_kept() {
    let input = "2026-03-01T09:00:00.000Z first\nsecond line\n2026-13-45T99:00:00.000Z bad time\n2026-03-01T09:00:01.000Z third\n";
    let read = read_memory(input.as_bytes(), InputFormat::CwlExport, true);
    assert_eq!(read.events, ["first\nsecond line", "third"]);
    assert_eq!(read.rejections.len(), 1, "{:?}", read.rejections);
    assert!(read.rejections[0].starts_with("input:3:"), "{:?}", read.rejections);
}

// ---------- CloudTrail and API JSON ----------

#[test]
fn records_that_is_not_an_array_is_rejected() {
    let read = read_memory(br#"{"Records": 5}"#, InputFormat::CloudTrail, true);
    assert!(read.events.is_empty());
    assert_eq!(read.rejections.len(), 1);
    assert!(read.rejections[0].contains("not a CloudTrail log file"), "{:?}", read.rejections);
}

#[test]
fn non_object_records_are_rejected_one_by_one() {
    let input = format!("{{\"Records\":[1,{RECORD},\"x\",null,{RECORD}]}}");
    let read = read_memory(input.as_bytes(), InputFormat::CloudTrail, true);
    assert_eq!(read.events.len(), 2);
    assert_eq!(read.rejections.len(), 3);
    assert!(read.rejections[0].starts_with("input (record 1): record is not a JSON object"), "{:?}", read.rejections);
}

#[test]
fn json_nested_ten_thousand_deep_is_an_event_no_json_pattern_matches() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let input = format!("{{\"Records\":[{RECORD},{{\"eventTime\":\"2026-03-01T09:00:00Z\",\"x\":{deep}}}]}}");
    let read = read_memory(input.as_bytes(), InputFormat::CloudTrail, true);
    assert_eq!(read.events.len(), 2);
    assert!(read.rejections.is_empty(), "{:?}", read.rejections);
    assert!(matcher::compile_text("eventTime").expect("valid").is_match(&read.events[1]));
    assert!(!matcher::compile_text("{ $.eventTime = * }").expect("valid").is_match(&read.events[1]));
    // As an event message, it never matches a JSON pattern, whichever evaluator runs.
    let message = format!("{{\"a\":{deep}}}");
    let p = pattern::parse("{ $.a NOT EXISTS || $.a[0] IS NULL || $.b NOT EXISTS }").expect("valid");
    assert_eq!(FastMatcher::new(&p).expect("compiles").evaluate(&message), None);
    assert_eq!(ReferenceMatcher::new(&p).expect("compiles").evaluate(&message), None);
}

#[test]
fn api_json_with_bad_events_rejects_only_them() {
    let events = r#"{"events":[{"timestamp":1772355600000,"message":"ok"},{"timestamp":"soon","message":"x"},7]}"#;
    let read = read_memory(events.as_bytes(), InputFormat::FilterLogEvents, true);
    assert_eq!(read.events, ["ok"]);
    assert_eq!(read.rejections.len(), 2, "{:?}", read.rejections);
    let lookup = r#"{"Events":[{"CloudTrailEvent":"{\"eventTime\":\"2026-03-01T09:00:00Z\"}"},{"CloudTrailEvent":"not json"},{"CloudTrailEvent":5}]}"#;
    let read = read_memory(lookup.as_bytes(), InputFormat::LookupEvents, true);
    assert_eq!(read.events.len(), 1);
    assert_eq!(read.rejections.len(), 2, "{:?}", read.rejections);
}

#[test]
fn duplicate_keys_take_the_last_value_as_documented() {
    let message = r#"{"eventName":"GetObject","eventName":"ConsoleLogin"}"#;
    for text in ["{ $.eventName = ConsoleLogin }", "{ $.eventName != GetObject }"] {
        let p = pattern::parse(text).expect("valid");
        assert!(FastMatcher::new(&p).expect("compiles").is_match(message), "{text}");
        assert!(ReferenceMatcher::new(&p).expect("compiles").is_match(message), "{text}");
    }
    let semantics =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/semantics.md")).expect("docs");
    assert!(semantics.contains("Duplicate keys"), "the choice is documented");
}

#[test]
fn numbers_beyond_any_range_are_not_numbers() {
    let p = |text: &str| pattern::parse(text).expect("valid");
    for message in [r#"{"a":1e99999}"#, r#"{"a":-1e99999}"#] {
        for pattern in ["{ $.a > 0 }", "{ $.a < 0 }", "{ $.a = 1 }", "{ $.a != 1 }"] {
            let fast = FastMatcher::new(&p(pattern)).expect("compiles").evaluate(message);
            assert_eq!(
                fast,
                ReferenceMatcher::new(&p(pattern)).expect("compiles").evaluate(message),
                "{pattern} {message}"
            );
            assert_eq!(fast, None, "{pattern} on {message}");
        }
    }
}

// ---------- files and folders ----------

#[test]
fn missing_and_dangling_paths_are_rejected_by_name() {
    let dir = scratch("missing");
    let dangling = dir.join("dangling.json");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("nowhere"), &dangling).expect("symlink");
    let good = dir.join("good.ndjson");
    std::fs::write(&good, format!("{RECORD}\n")).expect("write");
    let read = read_paths(&[dir.join("no-such-file.json"), good.clone(), dangling]);
    assert_eq!(read.events.len(), 1);
    assert!(
        read.rejections.iter().any(|r| r.contains("no-such-file.json") && r.contains("cannot read")),
        "{:?}",
        read.rejections
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A file that exists but cannot be read: one without read permission, or, where the tests
/// run as root (which reads it regardless), `/proc/self/mem`, whose first read fails with EIO.
#[cfg(unix)]
#[test]
fn an_unreadable_file_is_rejected_by_name_and_the_rest_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("unreadable");
    let locked = dir.join("locked.ndjson");
    std::fs::write(&locked, format!("{RECORD}\n")).expect("write");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let unreadable = if std::fs::read(&locked).is_err() { locked } else { PathBuf::from("/proc/self/mem") };
    if !unreadable.exists() {
        return; // neither kind of unreadable file exists on this system
    }
    let good = dir.join("good.ndjson");
    std::fs::write(&good, format!("{RECORD}\n")).expect("write");
    let read = read_paths(&[unreadable.clone(), good]);
    assert_eq!(read.events.len(), 1, "{:?}", read.rejections);
    let name = unreadable.display().to_string();
    assert!(read.rejections.iter().any(|r| r.contains(&name)), "{:?}", read.rejections);
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_a_trail_folder_is_reported_and_the_rest_read() {
    let dir = scratch("loop");
    let day = dir.join("AWSLogs/1/CloudTrail/us-east-1/2026/03/01");
    std::fs::create_dir_all(&day).expect("folders");
    std::fs::write(day.join("a.json"), format!("{{\"Records\":[{RECORD}]}}")).expect("write");
    std::os::unix::fs::symlink(dir.join("AWSLogs"), day.join("loop")).expect("symlink");
    let read = read_paths(std::slice::from_ref(&dir));
    assert_eq!(read.events.len(), 1);
    // The loop leads back to files read anyway: passed over with the reason, not an error.
    assert!(read.skipped.iter().any(|r| r.contains("symbolic link loop")), "{:?}", read.skipped);
    assert!(read.rejections.is_empty(), "{:?}", read.rejections);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn unrecognised_files_inside_folders_are_skipped_with_a_reason() {
    let dir = scratch("skipped");
    std::fs::write(dir.join("notes.txt"), "just some notes\n").expect("write");
    std::fs::write(dir.join(".hidden"), "x").expect("write");
    std::fs::write(dir.join("events.ndjson"), format!("{RECORD}\n")).expect("write");
    let read = read_paths(std::slice::from_ref(&dir));
    assert_eq!(read.events.len(), 1);
    assert_eq!(read.skipped.len(), 2, "{:?}", read.skipped);
    let _ = std::fs::remove_dir_all(dir);
}

// ---------- patterns ----------

#[test]
fn patterns_of_1024_characters_are_accepted_and_1025_rejected() {
    let at_limit = format!("\"{}\"", "a".repeat(1022));
    assert!(pattern::parse(&at_limit).is_ok());
    let over = format!("\"{}\"", "a".repeat(1023));
    let error = pattern::parse(&over).expect_err("too long");
    assert!(error.to_string().contains("1024"), "{error}");
    let output = trailwatch(&["filter", &over], b"");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn pathological_regexes_are_refused_or_run_in_linear_time() {
    // Nested quantifiers: AWS's dialect has no groups, and stacked quantifiers are refused.
    for text in ["%(a+)+%", "%a**%", "%a{2}{3}%"] {
        assert!(pattern::parse(text).and_then(|p| matcher::compile(&p)).is_err(), "{text}");
    }
    // A repetition too large to compile is an error, not a crash.
    let huge = pattern::parse("%a{1000}b{1000}c{1000}%").and_then(|p| matcher::compile(&p));
    if let Ok(matcher) = huge {
        assert!(!matcher.is_match("abc"));
    }
    // Wide repetitions of `.` whose automata exceed the size limit are refused when parsed,
    // with AWS's message, never accepted and then failing to compile.
    let wide = format!("{{ $.a = %{}% }}", ".{600,}x".repeat(16));
    let error = pattern::parse(&wide).expect_err("too large to compile");
    assert_eq!(error.aws_message, "Failed to compile regular expression.");
    assert!(error.to_string().contains("exceeded limit"), "{error}");
    // Backtracking engines take exponential time here; a finite automaton does not.
    let m = matcher::compile_text("%[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*b%").expect("valid");
    assert!(!m.is_match(&"a".repeat(100_000)));
}

#[test]
fn deeply_parenthesised_patterns_parse_without_exhausting_the_stack() {
    let depth = 500;
    let text = format!("{{ {}$.a = 1{} }}", "(".repeat(depth), ")".repeat(depth));
    assert!(text.len() <= 1024);
    let parsed = pattern::parse(&text).expect("valid");
    assert!(matcher::compile(&parsed).expect("compiles").is_match(r#"{"a":1}"#));
}

#[test]
fn broken_patterns_name_the_position_and_what_was_expected() {
    for (text, column) in [("{ $.a = 1", 9), ("{ $.a == 1 }", 7), ("[a, b", 5), ("{ $.a = 1 }}", 11)] {
        let error = pattern::parse(text).expect_err(text);
        let rendered = error.render(text);
        assert!(rendered.contains('^'), "{rendered}");
        assert!(rendered.contains("expected"), "{rendered}");
        assert!(error.span.start <= column, "{text}: {:?}", error.span);
    }
}

#[test]
fn control_characters_in_patterns_never_panic() {
    for text in ["\0", "{ $.a = \"\0\" }", "[a=\u{7}]", "%\u{1}%", "\u{feff}ERROR"] {
        if let Ok(p) = pattern::parse(text) {
            let _ = matcher::compile(&p).map(|m| m.is_match("\0\u{7}"));
        }
    }
}

// ---------- templates and alarms ----------

fn replay_template(name: &str, template: &str) -> Output {
    let dir = scratch(name);
    let path = dir.join("template.json");
    std::fs::write(&path, template).expect("write");
    let events = dir.join("events.ndjson");
    std::fs::write(&events, format!("{RECORD}\n")).expect("write");
    let output = trailwatch(&["replay", "--template", &path.to_string_lossy(), &events.to_string_lossy()], b"");
    let _ = std::fs::remove_dir_all(dir);
    output
}

const FILTER: &str = r#""F":{"Type":"AWS::Logs::MetricFilter","Properties":{"FilterPattern":"{ $.eventName = ConsoleLogin }","LogGroupName":"g","MetricTransformations":[{"MetricName":"M","MetricNamespace":"N","MetricValue":"1"}]}}"#;

#[test]
fn an_unresolvable_reference_is_noted_when_unneeded_and_refused_by_name_when_needed() {
    let template = format!(
        r#"{{"Resources":{{{FILTER},"A":{{"Type":"AWS::CloudWatch::Alarm","Properties":{{"MetricName":"M","Namespace":"N","Statistic":"Sum","Period":60,"EvaluationPeriods":1,"Threshold":1,"ComparisonOperator":"GreaterThanThreshold","AlarmActions":[{{"Ref":"MissingTopic"}}]}}}}}}}}"#
    );
    // An action is not needed to replay: noted once, the replay goes on.
    let output = replay_template("unresolvable", &template);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("note: Ref to MissingTopic"), "{}", text(&output.stderr));
    // The threshold is: refused, naming the file, resource and property.
    let output =
        replay_template("unresolvable", &template.replace(r#""Threshold":1"#, r#""Threshold":{"Ref":"Missing"}"#));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("template.json:1: template/A: Threshold: Ref to Missing"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn an_alarm_with_an_unknown_statistic_is_refused_with_the_known_ones() {
    let template = format!(
        r#"{{"Resources":{{{FILTER},"A":{{"Type":"AWS::CloudWatch::Alarm","Properties":{{"MetricName":"M","Namespace":"N","Statistic":"Median","Period":60,"EvaluationPeriods":1,"Threshold":1,"ComparisonOperator":"GreaterThanThreshold"}}}}}}}}"#
    );
    let output = replay_template("statistic", &template);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("unknown statistic \"Median\"") && stderr.contains("SampleCount"), "{stderr}");
}

#[test]
fn a_template_that_is_neither_json_nor_yaml_is_refused() {
    let output = replay_template("garbage", "{ this is : [ not closed");
    assert_eq!(output.status.code(), Some(2));
    assert!(!text(&output.stderr).is_empty());
}

#[test]
fn a_metric_filter_with_an_invalid_pattern_is_refused_with_its_name() {
    let template = FILTER.replace("{ $.eventName = ConsoleLogin }", "{ $.eventName = }");
    let output = replay_template("pattern", &format!("{{\"Resources\":{{{template}}}}}"));
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains('F'), "{}", text(&output.stderr));
}

// ---------- accounting end to end ----------

#[test]
fn replay_accounts_for_every_record_and_strict_fails_on_rejections() {
    let dir = scratch("accounting");
    let events = dir.join("events.ndjson");
    std::fs::write(&events, format!("{RECORD}\nnot json\n\u{0}\n{RECORD}\n")).expect("write");
    let template = common::testdata("templates/seed-stack.template.json");
    let args = ["replay", "--format", "json", "--template", &template.to_string_lossy(), &events.to_string_lossy()];
    let output = trailwatch(&args, b"");
    let last = text(&output.stdout).lines().last().unwrap_or_default().to_string();
    let accounting: serde_json::Value = serde_json::from_str(&last).expect("an accounting line");
    let a = &accounting["Accounting"];
    assert_eq!((a["recordsRead"].as_u64(), a["events"].as_u64(), a["rejected"].as_u64()), (Some(4), Some(2), Some(2)));
    let filter = &a["filters"][0];
    assert_eq!(filter["matched"].as_u64().unwrap_or(0) + filter["notMatched"].as_u64().unwrap_or(0), 2);
    assert_eq!(a["firstRejections"][0]["location"].as_str().map(|l| l.ends_with("events.ndjson:2")), Some(true));
    let mut strict = args.to_vec();
    strict.insert(1, "--strict");
    assert_eq!(trailwatch(&strict, b"").status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn filter_totals_add_up_over_a_damaged_folder() {
    let dir = scratch("filter-totals");
    std::fs::write(dir.join("a.ndjson"), format!("{RECORD}\n\u{0}garbage\n")).expect("write");
    let lines: String = (0..100).map(|_| format!("{RECORD}\n")).collect();
    let gz = gzip(lines.as_bytes());
    std::fs::write(dir.join("b.ndjson.gz"), &gz[..gz.len() - 10]).expect("write");
    std::fs::write(dir.join("c.ndjson"), b"\xff\n").expect("write");
    let output = trailwatch(
        &["filter", "--stats", "--format", "json", "{ $.eventName = ConsoleLogin }", &dir.to_string_lossy()],
        b"",
    );
    let stderr = text(&output.stderr);
    let accounting: serde_json::Value = serde_json::from_str(stderr.lines().last().unwrap_or_default()).expect("JSON");
    let a = &accounting["accounting"];
    let read = a["recordsRead"].as_u64().unwrap_or(0);
    let sum = a["matched"].as_u64().unwrap_or(0)
        + a["notMatched"].as_u64().unwrap_or(0)
        + a["rejected"].as_u64().unwrap_or(0);
    assert_eq!(read, sum, "{a}");
    // The file that is not a log at all is skipped (and listed), not read.
    assert_eq!(a["filesRead"], 2);
    assert_eq!(a["filesSkipped"][0]["path"].as_str().map(|p| p.ends_with("c.ndjson")), Some(true), "{a}");
    assert_eq!(a["rejected"], 1, "{a}");
    assert_eq!(a["firstRejections"][0]["location"].as_str().map(|l| l.contains("b.ndjson.gz:")), Some(true), "{a}");
    assert_eq!(text(&output.stdout).lines().count() as u64, a["matched"].as_u64().unwrap_or(0));
    let _ = std::fs::remove_dir_all(dir);
}

// ---------- output that cannot be written ----------

/// Runs trailwatch with stdout and stderr sent where the test says (a file such as
/// `/dev/full`, or nowhere), and `stdin` as its input.
fn trailwatch_into(
    args: &[&str],
    stdin: &[u8],
    stdout: Option<&str>,
    stderr: Option<&str>,
) -> std::process::ExitStatus {
    use std::process::{Command, Stdio};
    let sink = |path: Option<&str>| match path {
        Some(path) => Stdio::from(std::fs::OpenOptions::new().write(true).open(path).expect("opens")),
        None => Stdio::null(),
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(sink(stdout))
        .stderr(sink(stderr))
        .spawn()
        .expect("trailwatch runs");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin);
    }
    child.wait().expect("trailwatch finishes")
}

/// A full disk: every command that writes to stdout exits 2, however little it writes.
#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_an_error_in_every_command() {
    let events: String = (0..50_000).map(|_| format!("{RECORD}\n")).collect();
    let cases: [(&[&str], &[u8]); 5] = [
        (&["filter", "{ $.eventName = ConsoleLogin }"], events.as_bytes()),
        (&["filter", "--count", "ConsoleLogin"], events.as_bytes()),
        (&["explain", "{ $.a = 1 }"], b""),
        (&["test-metric-filter", "--filter-pattern", "x", "--log-event-messages", "x y"], b""),
        (&["--help"], b""),
    ];
    for (args, stdin) in cases {
        let status = trailwatch_into(args, stdin, Some("/dev/full"), None);
        assert_eq!(status.code(), Some(2), "{args:?}");
    }
    let template = common::testdata("templates/seed-stack.template.json");
    let trail = common::testdata("sample/trail");
    let replay = ["replay", "--template", &template.to_string_lossy(), &trail.to_string_lossy()];
    assert_eq!(trailwatch_into(&replay, b"", Some("/dev/full"), None).code(), Some(2));
}

/// A stderr that cannot be written never panics (exit 101); the lost message makes the
/// exit status 2.
#[cfg(target_os = "linux")]
#[test]
fn a_failing_stderr_is_an_error_not_a_panic() {
    let missing = ["filter", "x", "/no/such/file.txt"];
    assert_eq!(trailwatch_into(&missing, b"", None, Some("/dev/full")).code(), Some(2));
    let invalid = ["explain", "{ $.a = }"];
    assert_eq!(trailwatch_into(&invalid, b"", None, Some("/dev/full")).code(), Some(2));
}

/// `2>&1 | head -c 100`: stdout and stderr are one pipe, closed early. No panic.
#[test]
fn a_closed_pipe_on_both_streams_is_not_a_panic() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(["filter", "x", "/no/such/file-1.txt", "/no/such/file-2.txt"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("trailwatch runs");
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().expect("finishes");
    assert_ne!(status.code(), Some(101), "panicked");
    assert!(status.code().is_some(), "killed by a signal: {status:?}");
}

/// `yes '{"a":1}' | trailwatch filter '{ $.a = 1 }' | head -1` ends: once its reader goes
/// away, filter stops reading (its input never ends).
#[test]
fn filter_stops_reading_when_its_output_is_closed() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(["filter", "{ $.a = 1 }"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("trailwatch runs");
    let mut input = child.stdin.take().expect("stdin");
    let yes = std::thread::spawn(move || {
        let line = b"{\"a\":1}\n".repeat(4096);
        while input.write_all(&line).is_ok() {}
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("a line");
    assert_eq!(first, "{\"a\":1}\n");
    // The reader (here `head -1`) is gone: stdout is closed.
    let status = common::wait_within(&mut child, Duration::from_secs(60), "filter with its output closed");
    assert_eq!(status.code(), Some(0), "a closed pipe ends quietly, with the status so far");
    yes.join().expect("writer ends when trailwatch does");
}

// ---------- times, periods and counts ----------

/// Replays `input` (NDJSON unless the content says otherwise) through the seed stack.
fn replay_events(name: &str, input: &str, extra: &[&str]) -> Output {
    let dir = scratch(name);
    let events = dir.join("events.json");
    std::fs::write(&events, input).expect("write");
    let template = common::testdata("templates/seed-stack.template.json");
    let (template, events_arg) = (template.to_string_lossy().to_string(), events.to_string_lossy().to_string());
    let mut args = vec!["replay", "--template", &template];
    args.extend_from_slice(extra);
    args.push(&events_arg);
    let output = trailwatch(&args, b"");
    let _ = std::fs::remove_dir_all(dir);
    output
}

const FAILED_SIGN_IN: &str = r#"{"eventTime":"2026-03-01T09:00:00Z","eventName":"ConsoleLogin","responseElements":{"ConsoleLogin":"Failure"},"errorMessage":"Failed authentication","userIdentity":{"type":"IAMUser"}}"#;

#[test]
fn event_times_outside_1970_to_9999_are_rejected_per_record_with_the_reason() {
    let good: String = (0..4).map(|_| format!("{FAILED_SIGN_IN}\n")).collect();
    for (bad, reason) in [
        (r#"{"eventTime":-1e300}"#, "timestamp -1e300 ms is outside 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z"),
        (r#"{"eventTime":1e300}"#, "timestamp 1e300 ms is outside"),
        (r#"{"eventTime":-1}"#, "timestamp -1 ms is outside"),
        (r#"{"eventTime":1772355600000000000}"#, "it looks like micro- or nanoseconds"),
        (r#"{"eventTime":"1969-12-31T23:59:59Z"}"#, "timestamp -1000 ms is outside"),
    ] {
        let output = replay_events("times", &format!("{bad}\n{good}"), &[]);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{bad}: the good records still fire the alarm\n{stdout}");
        assert!(stdout.contains("Read 5 record(s)") && stdout.contains("4 event(s), 1 rejected"), "{bad}\n{stdout}");
        assert!(stdout.contains(reason), "{bad}: {stdout}");
        assert!(stdout.contains("Events from 2026-03-01 09:00:00 to 2026-03-01 09:00:00 UTC"), "{stdout}");
    }
}

#[test]
fn out_of_range_timestamps_in_api_json_and_custom_fields_are_rejected() {
    let api = r#"{"events":[{"timestamp":-9.3e18,"message":"a"},{"timestamp":1772355600000,"message":"b"}]}"#;
    let read = read_memory(api.as_bytes(), InputFormat::FilterLogEvents, true);
    assert_eq!(read.events, ["b"]);
    assert!(read.rejections[0].contains("timestamp -9300000000000000000 ms is outside"), "{:?}", read.rejections);
    let ndjson = format!("{{\"ts\":-9223372036854775808}}\n{}\n", FAILED_SIGN_IN.replace("\"eventTime\"", "\"ts\""));
    let output = replay_events("timestamp-field", &ndjson, &["--timestamp-field", "ts"]);
    let stdout = text(&output.stdout);
    assert!(stdout.contains("timestamp -9223372036854775808 ms is outside"), "{stdout}");
    assert!(stdout.contains("1 event(s), 1 rejected"), "{stdout}");
}

#[test]
fn the_last_accepted_instant_replays_without_overflow() {
    let last = FAILED_SIGN_IN.replace("2026-03-01T09:00:00Z", "9999-12-31T23:59:59.999Z");
    let first = FAILED_SIGN_IN.replace("2026-03-01T09:00:00Z", "1970-01-01T00:00:00Z");
    let input: String = [first.as_str(); 3].iter().chain([last.as_str(); 3].iter()).map(|r| format!("{r}\n")).collect();
    let output = replay_events("last-instant", &input, &["--format", "json", "--delivery-lag", "0s"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let times: Vec<String> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["StateChangeTime"].as_str().map(str::to_string))
        .collect();
    assert!(times.iter().all(|t| !t.is_empty()), "{times:?}");
    assert!(times.first().is_some_and(|t| t.starts_with("1970-01-01T00:01:00")), "{times:?}");
    assert!(times.iter().any(|t| t.starts_with("+10000-01-01T00:00:00")), "{times:?}");
    // A lag that would carry the last instant past the range rejects it, by record.
    let output = replay_events("last-instant-lag", &format!("{last}\n"), &["--delivery-lag", "5m"]);
    assert!(text(&output.stdout).contains("plus the delivery lag is past 9999-12-31"), "{}", text(&output.stdout));
}

#[test]
fn flags_that_become_times_or_counts_are_range_checked() {
    for (flag, value, message) in [
        ("--delivery-lag", "999999999999h", "too long"),
        ("--delivery-lag", "169h", "at most 7 days"),
        ("--evaluation-range", "0", "0 is not in 1..=1442"),
        ("--evaluation-range", "1443", "1443 is not in 1..=1442"),
        ("--evaluation-range", "99999999999", "invalid value"),
    ] {
        let output = replay_events("flags", &format!("{FAILED_SIGN_IN}\n"), &[flag, value]);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}");
        assert!(text(&output.stderr).contains(message), "{flag} {value}: {}", text(&output.stderr));
    }
    let output = replay_events(
        "flags-ok",
        &format!("{FAILED_SIGN_IN}\n"),
        &["--evaluation-range", "1442", "--delivery-lag", "168h"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
}

fn alarm_with(properties: &str) -> String {
    format!(
        r#"{{"Resources":{{{FILTER},"A":{{"Type":"AWS::CloudWatch::Alarm","Properties":{{"MetricName":"M","Namespace":"N","Statistic":"Sum","ComparisonOperator":"GreaterThanThreshold",{properties}}}}}}}}}"#
    )
}

#[test]
fn template_numbers_outside_their_range_are_errors() {
    for (properties, message) in [
        (r#""Period":1e10,"EvaluationPeriods":1,"Threshold":1"#, "Period must be a whole number"),
        (r#""Period":4294967280,"EvaluationPeriods":1,"Threshold":1"#, "at most 604800 seconds"),
        (r#""Period":86400,"EvaluationPeriods":8,"Threshold":1"#, "at most 604800 seconds"),
        (r#""Period":60,"EvaluationPeriods":1441,"Threshold":1"#, "at most 86400 seconds"),
        (r#""Period":60,"EvaluationPeriods":0,"Threshold":1"#, "EvaluationPeriods must be at least 1"),
        (r#""Period":60,"EvaluationPeriods":-3,"Threshold":1"#, "EvaluationPeriods must be a whole number"),
        (r#""Period":60,"EvaluationPeriods":1e20,"Threshold":1"#, "EvaluationPeriods must be a whole number"),
        (
            r#""Period":60,"EvaluationPeriods":2,"DatapointsToAlarm":3,"Threshold":1"#,
            "DatapointsToAlarm must be between 1 and EvaluationPeriods",
        ),
        (r#""Period":60,"EvaluationPeriods":1,"Threshold":1e309"#, "Threshold must be a number"),
        (r#""Period":61,"EvaluationPeriods":1,"Threshold":1"#, "Period must be 10, 20, 30 or a multiple of 60"),
    ] {
        let output = replay_template("template-numbers", &alarm_with(properties));
        assert_eq!(output.status.code(), Some(2), "{properties}");
        assert!(text(&output.stderr).contains(message), "{properties}: {}", text(&output.stderr));
    }
}

#[test]
fn a_threshold_of_the_largest_double_plots_in_bounded_time() {
    let dir = scratch("plot-max");
    let template = dir.join("template.json");
    std::fs::write(&template, alarm_with(r#""Period":60,"EvaluationPeriods":1,"Threshold":1.7976931348623157e308"#))
        .expect("write");
    let events = dir.join("events.ndjson");
    std::fs::write(&events, format!("{RECORD}\n")).expect("write");
    let charts = dir.join("charts");
    let output = trailwatch(
        &[
            "replay",
            "--template",
            &template.to_string_lossy(),
            "--plot",
            &charts.to_string_lossy(),
            &events.to_string_lossy(),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(std::fs::read_to_string(charts.join("A.svg")).is_ok_and(|svg| svg.contains("</svg>")));
    let _ = std::fs::remove_dir_all(dir);
}

// ---------- CloudFormation details ----------

#[test]
fn template_details_sub_escapes_cycles_string_booleans_and_deep_properties() {
    let named =
        |name: &str| alarm_with(&format!(r#""Period":60,"EvaluationPeriods":1,"Threshold":0,"AlarmName":{name}"#));
    let output = replay_template("sub-literal", &named(r#"{"Fn::Sub":"${!Literal}"}"#));
    assert!(text(&output.stdout).contains("Alarm ${Literal}:"), "{}", text(&output.stdout));
    let cycle = named(r#"{"Ref":"G1"}"#).replace(
        r#""F":"#,
        r#""G1":{"Type":"AWS::Logs::LogGroup","Properties":{"LogGroupName":{"Ref":"G2"}}},"G2":{"Type":"AWS::Logs::LogGroup","Properties":{"LogGroupName":{"Ref":"G1"}}},"F":"#,
    );
    let output = replay_template("cycle", &cycle);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("circular reference: G1 -> G2 -> G1"), "{}", text(&output.stderr));
    let output = replay_template("self-ref", &named(r#"{"Ref":"A"}"#));
    assert!(text(&output.stderr).contains("circular reference: A -> A"), "{}", text(&output.stderr));
    let quiet = alarm_with(
        r#""Period":60,"EvaluationPeriods":1,"Threshold":0,"ActionsEnabled":"false","AlarmActions":["arn:aws:sns:us-east-1:123456789012:t"]"#,
    );
    let output = replay_template("actions-enabled", &quiet);
    assert!(
        text(&output.stdout).contains("-> ALARM") && !text(&output.stdout).contains("notifies"),
        "{}",
        text(&output.stdout)
    );
    let deep = format!("{}\"x\"{}", "{\"a\":".repeat(100), "}".repeat(100));
    let output = replay_template(
        "deep",
        &alarm_with(&format!(r#""Period":60,"EvaluationPeriods":1,"Threshold":0,"Tags":{deep}"#)),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

#[test]
fn sub_doubling_through_24_log_groups_is_refused_in_bounded_work() {
    let mut groups = String::from(r#""G0":{"Type":"AWS::Logs::LogGroup","Properties":{"LogGroupName":"abcd"}},"#);
    for i in 1..24 {
        groups.push_str(&format!(
            r#""G{i}":{{"Type":"AWS::Logs::LogGroup","Properties":{{"LogGroupName":{{"Fn::Sub":"${{G{p}}}${{G{p}}}"}}}}}},"#,
            p = i - 1
        ));
    }
    let template = alarm_with(r#""Period":60,"EvaluationPeriods":1,"Threshold":0,"AlarmDescription":{"Ref":"G23"}"#)
        .replace(r#""F":"#, &format!("{groups}\"F\":"));
    assert!(template.len() < 4000, "{}", template.len());
    let output = replay_template("doubling", &template);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("produces a string of more than 1048576 bytes"), "{}", text(&output.stderr));
}

// ---------- each file once, regular files only ----------

/// Runs trailwatch and fails the test if it has not ended within `seconds` (a hang).
fn trailwatch_within(seconds: u64, args: &[&str]) -> Output {
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("trailwatch runs");
    common::wait_within(&mut child, Duration::from_secs(seconds), &format!("trailwatch {args:?}"));
    child.wait_with_output().expect("output")
}

#[cfg(unix)]
#[test]
fn a_fifo_inside_a_trail_folder_is_skipped_not_waited_on() {
    let dir = scratch("fifo");
    std::fs::write(dir.join("events.ndjson"), format!("{RECORD}\n")).expect("write");
    let made = std::process::Command::new("mkfifo").arg(dir.join("pipe.json")).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system
    }
    let folder = dir.to_string_lossy().to_string();
    let output = trailwatch_within(60, &["filter", "--count", "{ $.eventName = ConsoleLogin }", &folder]);
    assert_eq!(text(&output.stdout), "1\n");
    assert!(text(&output.stderr).contains("pipe.json: not a regular file (a FIFO)"), "{}", text(&output.stderr));
    let template = common::testdata("templates/seed-stack.template.json");
    let output = trailwatch_within(60, &["replay", "--template", &template.to_string_lossy(), &folder]);
    assert!(text(&output.stdout).contains("not a regular file"), "{}", text(&output.stdout));
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
#[test]
fn a_file_reached_twice_is_read_once_and_the_skip_says_why() {
    let dir = scratch("twice");
    let first = dir.join("a.ndjson");
    std::fs::write(&first, format!("{RECORD}\n{RECORD}\n")).expect("write");
    std::fs::hard_link(&first, dir.join("hard.ndjson")).expect("hard link");
    std::os::unix::fs::symlink(&first, dir.join("soft.ndjson")).expect("symlink");
    // The folder (three paths to one file) and the same file named again.
    let read = read_paths(&[dir.clone(), first.clone(), first.clone()]);
    assert_eq!(read.events.len(), 2, "read once: {:?}", read.skipped);
    assert_eq!(read.files_read, 1);
    assert_eq!(read.skipped.len(), 4, "{:?}", read.skipped);
    assert!(
        read.skipped.iter().all(|s| s.contains("the same file as") && s.contains("a.ndjson")),
        "{:?}",
        read.skipped
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn standard_input_named_twice_is_read_once_by_one_reader() {
    let lines: String = (0..10_000).map(|i| format!("{{\"n\":{i},\"eventName\":\"ConsoleLogin\"}}\n")).collect();
    let output = trailwatch(&["filter", "--count", "{ $.eventName = ConsoleLogin }", "-", "-"], lines.as_bytes());
    assert_eq!(text(&output.stdout), "10000\n", "no line torn, none counted twice");
    assert!(text(&output.stderr).contains("standard input named twice"), "{}", text(&output.stderr));
    assert_eq!(output.status.code(), Some(0));
}

// ---------- exit codes and messages ----------

#[test]
fn a_missing_input_is_an_error_in_every_command() {
    let template = common::testdata("templates/seed-stack.template.json");
    let good = common::testdata("sample/trail");
    for args in [
        vec!["filter", "ConsoleLogin", "/no/such/trail.json"],
        vec!["filter", "ConsoleLogin", "/no/such/trail.json", &good.to_str().unwrap_or_default()],
        vec!["replay", "--template", &template.to_str().unwrap_or_default(), "/no/such/trail.json"],
        vec!["test-metric-filter", "--filter-pattern", "x", "--log-event-file", "/no/such/messages.txt"],
        vec!["test-metric-filter", "--filter-pattern", "file:///no/such/pattern.txt", "--log-event-messages", "x"],
    ] {
        let output = trailwatch(&args, b"");
        assert_ne!(output.status.code(), Some(0), "{args:?}");
        assert_ne!(output.status.code(), Some(1), "not 'nothing matched': {args:?}");
        assert!(text(&output.stderr).contains("/no/such/"), "{args:?}: {}", text(&output.stderr));
    }
    let filter = trailwatch(&["filter", "ConsoleLogin", "/no/such/trail.json"], b"");
    assert_eq!(filter.status.code(), Some(2), "as grep");
}

#[test]
fn an_empty_input_names_itself() {
    let dir = scratch("empty-named");
    let empty = dir.join("empty.json");
    std::fs::write(&empty, b"").expect("write");
    let output = trailwatch(&["filter", "ConsoleLogin", &empty.to_string_lossy()], b"");
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("empty.json: empty file"), "{}", text(&output.stderr));
    let stdin = trailwatch(&["filter", "ConsoleLogin"], b"");
    assert!(text(&stdin.stderr).contains("(standard input): empty input"), "{}", text(&stdin.stderr));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn replay_into_a_closed_pipe_still_writes_its_metrics_and_plots() {
    use std::process::{Command, Stdio};
    let dir = scratch("replay-head");
    let metrics = dir.join("metrics.csv");
    let plots = dir.join("plots");
    let template = common::testdata("templates/seed-stack.template.json");
    let trail = common::testdata("sample/trail");
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(["replay", "--template", &template.to_string_lossy(), &trail.to_string_lossy()])
        .arg("--metrics-out")
        .arg(&metrics)
        .arg("--plot")
        .arg(&plots)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    drop(child.stdout.take()); // `| head -0`: the reader is gone before the report
    let status = child.wait().expect("finishes");
    assert_eq!(status.code(), Some(0), "the alarm fired; a closed pipe is not an error");
    assert!(std::fs::read_to_string(&metrics).is_ok_and(|m| m.lines().count() > 1), "metrics written");
    assert!(std::fs::read_dir(&plots).is_ok_and(|mut d| d.next().is_some()), "plots written");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bzip2_zstd_and_xz_files_are_named_not_misread() {
    for (bytes, name) in [
        (&b"BZh91AY&SY\x12\x34\x56\x78"[..], "bzip2-compressed"),
        (&[0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00, 0x01][..], "zstd-compressed"),
        (&b"\xfd7zXZ\x00\x00\x04"[..], "xz-compressed"),
    ] {
        let read = read_memory(bytes, InputFormat::Auto, false);
        assert!(read.events.is_empty());
        assert_eq!(read.rejections.len(), 1, "{:?}", read.rejections);
        assert!(read.rejections[0].contains(name), "{:?}", read.rejections);
        assert!(!read.rejections[0].contains("UTF-8"), "{:?}", read.rejections);
    }
}

#[test]
fn zero_padding_after_a_gzip_member_is_not_a_rejected_record() {
    let mut padded = gzip(format!("{RECORD}\n{RECORD}\n").as_bytes());
    padded.extend([0u8; 4096]);
    let read = read_memory(&padded, InputFormat::Auto, true);
    assert_eq!(read.events.len(), 2);
    assert!(read.rejections.is_empty(), "{:?}", read.rejections);
    // Bytes there that are neither zeros nor another member are damage, and say so.
    let mut garbage = gzip(format!("{RECORD}\n").as_bytes());
    garbage.extend(b"not gzip");
    let read = read_memory(&garbage, InputFormat::Auto, true);
    assert_eq!(read.events.len(), 1);
    assert_eq!(read.rejections.len(), 1, "{:?}", read.rejections);
}

// ---------- output files ----------

#[test]
fn metrics_out_replaces_the_old_file_whole_or_not_at_all() {
    let dir = scratch("metrics-out");
    let events = dir.join("events.ndjson");
    std::fs::write(&events, format!("{FAILED_SIGN_IN}\n").repeat(5)).expect("write");
    let template = common::testdata("templates/seed-stack.template.json");
    let out = dir.join("metrics.csv");
    std::fs::write(&out, "the old file\n").expect("write");
    let run = |target: &Path| {
        trailwatch(
            &[
                "replay",
                "--template",
                &template.to_string_lossy(),
                "--metrics-out",
                &target.to_string_lossy(),
                &events.to_string_lossy(),
            ],
            b"",
        )
    };
    let output = run(&out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(&out).expect("read");
    assert!(written.starts_with("namespace,metric_name") && written.ends_with('\n'), "{written}");
    assert_eq!(written.lines().count(), 2, "{written}");
    // A target that cannot be replaced (a folder) is an error; nothing is left beside it.
    let folder = dir.join("folder.csv");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::write(folder.join("keep"), "x").expect("write");
    let output = run(&folder);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("cannot write"), "{}", text(&output.stderr));
    assert!(folder.join("keep").exists());
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    // A missing folder is an error, not a panic.
    let output = run(&dir.join("missing").join("m.csv"));
    assert_eq!(output.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}

// ---------- one bad record never loses the rest ----------

#[test]
fn a_bad_record_in_a_cloudtrail_file_rejects_only_itself() {
    let good = |n: u32| format!("{{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-03-01T09:00:0{n}Z\",\"n\":{n}}}");
    for (bad, why) in [
        (r#"{"eventVersion":"1.08","eventTime":"2026-03-01T09:00:00Z","x":"\x"}"#, "escape"),
        ("{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-03-01T09:00:00Z\",\"x\":\"a\tb\"}", "control character"),
        (r#"{"eventVersion":"1.08","eventTime":"2026-03-01T09:00:00Z","x":01}"#, "number"),
    ] {
        for pretty in [false, true] {
            let sep = if pretty { ",\n    " } else { "," };
            let file = format!("{{\"Records\":[{}{sep}{bad}{sep}{}{sep}{}]}}", good(1), good(2), good(3));
            let read = read_memory(gzip(file.as_bytes()).as_slice(), InputFormat::Auto, true);
            assert_eq!(read.events.len(), 3, "{why}: {:?}", read.rejections);
            assert_eq!(read.rejections.len(), 1, "{why}: {:?}", read.rejections);
            assert!(
                read.rejections[0].starts_with("input (record 2): record is not valid JSON"),
                "{:?}",
                read.rejections
            );
            assert!(read.rejections[0].contains(why), "{why}: {:?}", read.rejections);
            assert!(read.events[2].ends_with("\"n\":3}"), "the records after it arrive");
        }
    }
}

#[test]
fn a_cloudtrail_file_that_cannot_be_resynchronised_counts_the_records_lost() {
    let good = r#"{"eventVersion":"1.08","eventTime":"2026-03-01T09:00:00Z"}"#;
    // An unescaped quote: every later string boundary shifts, so no later record is safe.
    let bad = r#"{"eventVersion":"1.08","eventTime":"2026-03-01T09:00:00Z","x":"a"b"}"#;
    let file = format!("{{\"Records\":[{good},{bad},{good},{good},{good}]}}");
    let read = read_memory(file.as_bytes(), InputFormat::CloudTrail, true);
    assert_eq!(read.events.len(), 1);
    // The broken record and the three after it: read = 5 = events + rejected.
    assert_eq!(read.rejections.len(), 4, "{:?}", read.rejections);
    assert!(read.rejections[0].starts_with("input (record 2)") && read.rejections[0].contains("3 more record(s)"));
    assert!(read.rejections[3].starts_with("input (record 5): lost"), "{:?}", read.rejections);
}

// ---------- no input controls unbounded memory ----------

/// `{"Records":[{"eventTime":...,"s":"xxxx...(size bytes)"}, next]}`, gzipped as it streams.
fn gzip_with_huge_string(prefix: &str, size: usize, suffix: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(prefix.as_bytes()).expect("in memory");
    let block = vec![b'x'; 1 << 20];
    for _ in 0..size >> 20 {
        encoder.write_all(&block).expect("in memory");
    }
    encoder.write_all(suffix.as_bytes()).expect("in memory");
    encoder.finish().expect("in memory")
}

#[test]
fn a_huge_string_in_a_gzipped_cloudtrail_file_is_one_rejection_in_bounded_memory() {
    // 256 MB in a string (the review's file held 2 GiB in 2 MB; the bound is the same).
    let file = gzip_with_huge_string(
        &format!("{{\"Records\":[{RECORD},{{\"eventVersion\":\"1.08\",\"s\":\""),
        256 << 20,
        &format!("\"}},{RECORD}]}}"),
    );
    assert!(file.len() < 1 << 20, "{} bytes", file.len());
    let before = peak_resident_kb();
    let read = read_memory(&file, InputFormat::Auto, true);
    assert_eq!(read.events.len(), 2, "{:?}", read.rejections);
    assert_eq!(read.rejections.len(), 1, "{:?}", read.rejections);
    assert!(read.rejections[0].starts_with("input (record 2): record of 268435"), "{:?}", read.rejections);
    assert!(read.rejections[0].contains("longer than the 16777216 bytes"), "{:?}", read.rejections);
    if let (Some(before), Some(after)) = (before, peak_resident_kb()) {
        assert!(after.saturating_sub(before) < 100 * 1024, "peak grew by {} KB", after - before);
    }
}

#[test]
fn a_huge_message_in_a_filter_log_events_page_is_one_rejection_in_bounded_memory() {
    let file = gzip_with_huge_string(
        r#"{"events":[{"timestamp":1772355600000,"message":"ok"},{"timestamp":1772355600000,"message":""#,
        256 << 20,
        r#""},{"timestamp":1772355600000,"message":"also ok"}],"nextToken":"t"}"#,
    );
    let before = peak_resident_kb();
    let read = read_memory(&file, InputFormat::Auto, true);
    assert_eq!(read.events, ["ok", "also ok"], "{:?}", read.rejections);
    assert_eq!(read.rejections.len(), 1, "{:?}", read.rejections);
    assert!(read.rejections[0].starts_with("input (record 2): event of 268435"), "{:?}", read.rejections);
    if let (Some(before), Some(after)) = (before, peak_resident_kb()) {
        assert!(after.saturating_sub(before) < 100 * 1024, "peak grew by {} KB", after - before);
    }
}

/// Files named by flags are read with a cap: `/dev/zero` (endless) is refused at the cap
/// instead of exhausting memory.
#[cfg(target_os = "linux")]
#[test]
fn files_named_by_flags_are_read_with_a_cap() {
    let events = common::testdata("sample/trail");
    // grep's status for replay, the aws CLI's for a parameter it cannot load (semantics.md).
    let cases: [(&[&str], i32); 4] = [
        (&["replay", "--template", "/dev/zero", events.to_str().unwrap_or_default()], 2),
        (&["test-metric-filter", "--filter-pattern", "x", "--log-event-file", "/dev/zero"], 252),
        (&["test-metric-filter", "--filter-pattern", "file:///dev/zero", "--log-event-messages", "x"], 252),
        (&["test-metric-filter", "--cli-input-json", "file:///dev/zero"], 252),
    ];
    for (args, status) in cases {
        let output = trailwatch_within(120, args);
        assert_eq!(output.status.code(), Some(status), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains("/dev/zero is larger than the"), "{args:?}: {stderr}");
    }
}

/// A parameter file or event file that does not exist: the aws CLI's 252 in its two
/// commands, with the path named; never an answer.
#[test]
fn missing_parameter_files_exit_as_the_aws_cli_does() {
    let missing = "/nonexistent/trailwatch-missing-file";
    let url = format!("file://{missing}");
    let cases: [&[&str]; 4] = [
        &["test-metric-filter", "--filter-pattern", "x", "--log-event-file", missing],
        &["test-metric-filter", "--filter-pattern", "x", "--log-event-messages", &url],
        &["test-event-pattern", "--event-pattern", &url, "--event", "{}"],
        &["test-event-pattern", "--event-pattern", "{}", "--event", &url],
    ];
    for args in cases {
        let output = trailwatch_within(60, args);
        assert_eq!(output.status.code(), Some(252), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(text(&output.stderr).contains(missing), "{args:?}");
    }
}
