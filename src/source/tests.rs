use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;

fn testdata(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(path)
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("trailwatch-source-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn read(inputs: &[PathBuf], options: &ReadOptions) -> (Vec<LogEvent>, Vec<Rejection>, FileTally) {
    let (mut events, mut rejected) = (Vec::new(), Vec::new());
    let tally = read_inputs(inputs, options, &mut |record| match record {
        Record::Event(e) => events.push(e),
        Record::Rejected(r) => rejected.push(r),
    });
    (events, rejected, tally)
}

fn replay_options() -> ReadOptions {
    ReadOptions { require_timestamp: true, ..ReadOptions::default() }
}

#[test]
fn every_real_record_is_read_from_the_bundled_trails() {
    // 335 records in the copied public trails, in four layouts: gzip and plain S3 files,
    // pretty-printed files, bare arrays of records, and NDJSON timed by `@timestamp`.
    let (events, rejected, tally) = read(&[testdata("cloudtrail")], &ReadOptions::default());
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(events.len(), 335);
    assert_eq!(tally.files_read, 21);
    // The folder's SOURCE.md is passed over, with its reason.
    let skipped: Vec<(&str, &str)> = tally.skipped.iter().map(|s| (s.path.as_str(), s.reason.as_str())).collect();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].0.ends_with("SOURCE.md") && skipped[0].1 == "not a recognised log format", "{skipped:?}");
    // Pretty-printed records arrive compact, with their keys in their original order.
    let pretty = events.iter().find(|e| e.origin.input.contains("20200930T2200")).unwrap();
    assert!(pretty.message.starts_with("{\"userAgent\":\"Boto3/1.15.2 Python"), "{}", &pretty.message[..60]);
    assert!(!pretty.message.contains('\n'));
    assert!(pretty.timestamp.is_some());
}

#[test]
fn ndjson_is_timed_by_the_named_field() {
    let options = ReadOptions { timestamp_field: "@timestamp".into(), ..replay_options() };
    let (events, rejected, _) = read(&[testdata("cloudtrail/otrf-ec2-proxy-s3-exfiltration")], &options);
    assert_eq!((events.len(), rejected.len()), (103, 0));
    // Without the field named, each record is rejected for want of a time, and counted.
    let (events, rejected, _) = read(&[testdata("cloudtrail/otrf-ec2-proxy-s3-exfiltration")], &replay_options());
    assert_eq!((events.len(), rejected.len()), (0, 103));
    assert_eq!(rejected[0].reason, "no eventTime field (it has @timestamp: try --timestamp-field @timestamp)");
    assert!(rejected[0].origin.to_string().ends_with(".json:1"));
}

#[test]
fn cloudtrail_files_stream_records_with_event_times() {
    let dir = Scratch::new("cloudtrail");
    let file = dir.write(
        "AWSLogs/1/CloudTrail/us-east-1/2026/03/01/x.json.gz",
        &gzip(br#"{"Records":[{"eventTime":"2026-03-01T09:00:05Z","eventName":"A"},{"eventName":"B"},7]}"#),
    );
    dir.write("AWSLogs/1/CloudTrail-Digest/us-east-1/2026/03/01/d.json.gz", &gzip(br#"{"awsAccountId":"1"}"#));
    dir.write("notes.txt", b"not a trail");
    let (events, rejected, tally) = read(std::slice::from_ref(&dir.0), &replay_options());
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].timestamp, Some(1_772_355_605_000));
    assert_eq!(events[0].message, r#"{"eventTime":"2026-03-01T09:00:05Z","eventName":"A"}"#);
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0].reason, "record has no eventTime");
    assert_eq!(rejected[1].reason, "record is not a JSON object");
    assert!(rejected[1].origin.to_string().ends_with("x.json.gz (record 3)"));
    assert_eq!(tally.files_read, 1);
    let reasons: Vec<&str> = tally.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons, ["CloudTrail digest file", "not a recognised log format"]);
    assert!(file.exists());
}

#[test]
fn damaged_files_keep_what_was_read_and_report_the_rest() {
    let dir = Scratch::new("damaged");
    let whole = gzip(br#"{"Records":[{"eventTime":"2026-03-01T09:00:05Z"},{"eventTime":"2026-03-01T09:00:06Z"}]}"#);
    let truncated = dir.write("truncated.json.gz", &whole[..whole.len() - 12]);
    let not_array = dir.write("five.json", br#"{"Records": 5}"#);
    let (events, rejected, _) = read(&[truncated, not_array], &replay_options());
    assert!(events.len() <= 2);
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert!(rejected[0].reason.starts_with("file ends early"), "{}", rejected[0].reason);
    assert!(rejected[1].reason.starts_with("not a CloudTrail log file after record 0"), "{}", rejected[1].reason);
}

#[test]
fn cloudwatch_exports_join_continuation_lines() {
    let dir = Scratch::new("export");
    let export =
        b"2026-03-01T09:00:00.123Z {\"a\":1}\n2026-03-01T09:00:01.000Z first line\nsecond line\nno time here\n";
    let path = dir.write("stream/000000.gz", &gzip(export));
    let (events, rejected, _) = read(&[path], &replay_options());
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].message, "{\"a\":1}");
    assert_eq!(events[0].timestamp, Some(1_772_355_600_123));
    assert_eq!(events[1].message, "first line\nsecond line\nno time here");
    assert!(rejected.is_empty());
}

#[test]
fn cli_json_outputs_are_read() {
    let dir = Scratch::new("api");
    let logs = dir.write(
        "filter.json",
        br#"{"events":[{"logStreamName":"s","timestamp":1772355600000,"message":"hello","ingestionTime":1,"eventId":"1"},{"timestamp":5}],"searchedLogStreams":[]}"#,
    );
    let lookup = dir.write(
        "lookup.json",
        br#"{"Events":[{"EventId":"e","CloudTrailEvent":"{\"eventTime\":\"2026-03-01T09:00:00Z\",\"eventName\":\"ConsoleLogin\"}"}]}"#,
    );
    let (events, rejected, _) = read(&[logs, lookup], &replay_options());
    assert_eq!(events.len(), 2);
    assert_eq!((events[0].message.as_str(), events[0].timestamp), ("hello", Some(1_772_355_600_000)));
    assert_eq!(events[1].message, r#"{"eventTime":"2026-03-01T09:00:00Z","eventName":"ConsoleLogin"}"#);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].reason, "event has no message string");
}

#[test]
fn delivery_lag_shifts_times_and_plain_lines_need_no_time_for_filtering() {
    let dir = Scratch::new("lag");
    let path = dir.write("t.ndjson", b"{\"eventTime\":\"2026-03-01T09:00:00Z\"}\nplain\n\xff\n");
    let lagged = ReadOptions { delivery_lag: 300_000, ..ReadOptions::default() };
    let (events, rejected, _) = read(std::slice::from_ref(&path), &lagged);
    assert_eq!(events[0].timestamp, Some(1_772_355_900_000));
    assert_eq!(events[1].timestamp, None, "a line without a time is still an event for filtering");
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0].reason.contains("UTF-8"));
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_unreadable_paths_are_reported() {
    let dir = Scratch::new("loop");
    dir.write("trail/a.json", br#"{"Records":[]}"#);
    std::os::unix::fs::symlink(dir.0.join("trail"), dir.0.join("trail/again")).unwrap();
    let (events, rejected, tally) = read(&[dir.0.join("trail"), dir.0.join("missing.json")], &replay_options());
    assert!(events.is_empty());
    assert_eq!(tally.files_read, 1);
    // The loop leads back to files read anyway: skipped, not an error. The missing file is.
    let skipped: Vec<&str> = tally.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(skipped, ["symbolic link loop"]);
    let reasons: Vec<&str> = rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].starts_with("cannot read"));
    assert_eq!(tally.unreadable, 1);
}
