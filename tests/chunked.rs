//! One large file on every core: `filter`, `replay` and `test-metric-filter --log-event-file`
//! give byte-for-byte the output of one thread reading the file whole, when the file is
//! split into many small chunks (events straddling every boundary) and read by several
//! threads; and memory stays flat however much output a file makes.

mod common;

use std::io::Read;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Forces one thread reading every file whole (no chunk is ever this large).
const WHOLE: [&str; 4] = ["--threads", "1", "--chunk-size", "1000000000000"];

/// Many small chunks on several threads.
const CHUNKED: [&str; 4] = ["--threads", "4", "--chunk-size", "4093"];

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("trailwatch-chunked-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary folder");
        Scratch(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("writes");
        path.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The bundled access-alerts trail (2,390 CloudTrail records as NDJSON), with lines a
/// reader must reject or treat with care: invalid UTF-8, no eventTime, CRLF, an empty line,
/// a `\u` escape.
fn corpus() -> Vec<u8> {
    let gz = std::fs::read(common::testdata("eventbridge/access-alerts/trail.ndjson.gz")).expect("bundled trail");
    let mut ndjson = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut ndjson).expect("gzip");
    let mut bytes = Vec::new();
    for (i, line) in ndjson.split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        bytes.extend_from_slice(line);
        bytes.extend_from_slice(match i % 97 {
            5 => b"\r\n",
            _ => b"\n",
        });
        match i % 401 {
            7 => bytes.extend_from_slice(b"{\"eventName\":\"ConsoleLogin\",\"bad\":\"\xff\"}\n"),
            8 => bytes.extend_from_slice(b"{\"eventName\":\"ConsoleLogin\",\"userIdentity\":{\"type\":\"IAMUser\"}}\n"),
            9 => bytes.extend_from_slice(b"\n"),
            10 => bytes
                .extend_from_slice(b"{\"eventTime\":\"2026-01-01T00:00:00Z\",\"eventName\":\"Console\\u004cogin\"}\n"),
            _ => {}
        }
    }
    bytes
}

fn same_output(what: &str, whole: &Output, chunked: &Output) {
    assert_eq!(whole.status.code(), chunked.status.code(), "{what}: exit status");
    assert!(
        whole.stdout == chunked.stdout,
        "{what}: stdout differs\n--- whole\n{}\n--- chunked\n{}",
        String::from_utf8_lossy(&whole.stdout),
        String::from_utf8_lossy(&chunked.stdout)
    );
    assert_eq!(String::from_utf8_lossy(&whole.stderr), String::from_utf8_lossy(&chunked.stderr), "{what}: stderr");
}

fn with(reading: [&'static str; 4], args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(reading);
    common::trailwatch(&all, b"")
}

#[test]
fn filter_output_counts_and_rejections_do_not_depend_on_chunks_or_threads() {
    let scratch = Scratch::new("filter");
    let file = scratch.write("trail.ndjson", &corpus());
    let patterns = [
        r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
        r#"{ $.userIdentity.type = "IAMUser" }"#,
        "?ConsoleLogin ?AssumeRole",
        "",
    ];
    for pattern in patterns {
        for extra in [&["--count"][..], &[], &["-v", "--count"], &["--format", "json", "--stats"], &["--stats"]] {
            let mut args = vec!["filter", pattern, &file];
            args.extend_from_slice(extra);
            let whole = with(WHOLE, &args);
            assert!(matches!(whole.status.code(), Some(0 | 1)), "{args:?}: {}", String::from_utf8_lossy(&whole.stderr));
            same_output(&format!("{args:?}"), &whole, &with(CHUNKED, &args));
        }
    }
    // The accounting adds up in the chunked run, rejections located by line.
    let output = with(CHUNKED, &["filter", "--stats", "--format", "json", "-c", patterns[0], &file]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let accounting: serde_json::Value =
        serde_json::from_str(stderr.lines().last().unwrap_or_default()).expect("JSON accounting");
    let a = &accounting["accounting"];
    let number = |key: &str| a[key].as_u64().unwrap_or(u64::MAX);
    assert_eq!(number("recordsRead"), number("matched") + number("notMatched") + number("rejected"), "{a}");
    assert!(number("rejected") >= 5, "{a}");
    assert!(a["firstRejections"][0]["location"].as_str().is_some_and(|l| l.contains("trail.ndjson:")), "{a}");
}

#[test]
fn replay_results_do_not_depend_on_chunks_or_threads() {
    let scratch = Scratch::new("replay");
    let file = scratch.write("trail.ndjson", &corpus());
    let template = common::testdata("templates/access-alerts.template.json").display().to_string();
    let metrics_whole = scratch.0.join("whole.csv").display().to_string();
    let metrics_chunked = scratch.0.join("chunked.csv").display().to_string();
    for (args, metrics) in [
        (vec!["replay", "--pack", "cis", "--format", "json", &file], None),
        (vec!["replay", "--pack", "cis", &file], None),
        (vec!["replay", "--region", "sa-east-1", "--format", "json", "--template", &template, &file], None),
        (vec!["replay", "--pack", "cis", "--metrics-out"], Some(&file)),
    ] {
        let (whole, chunked) = match metrics {
            Some(file) => {
                let whole = with(WHOLE, &[&args[..], &[&metrics_whole, file]].concat());
                let chunked = with(CHUNKED, &[&args[..], &[&metrics_chunked, file]].concat());
                let (a, b) = (std::fs::read(&metrics_whole), std::fs::read(&metrics_chunked));
                assert!(a.is_ok() && a.ok() == b.ok(), "--metrics-out differs");
                (whole, chunked)
            }
            None => (with(WHOLE, &args), with(CHUNKED, &args)),
        };
        assert!(!whole.stdout.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&whole.stderr));
        same_output(&format!("{args:?}"), &whole, &chunked);
    }
}

#[test]
fn test_metric_filter_reads_a_large_message_file_in_chunks() {
    let scratch = Scratch::new("tmf");
    let file = scratch.write("messages.txt", &corpus());
    for pattern in [r#"{ $.userIdentity.type = "IAMUser" }"#, "[a]", "ConsoleLogin", "NothingMatchesThis"] {
        let args = ["test-metric-filter", "--filter-pattern", pattern, "--log-event-file", &file];
        let whole = with(WHOLE, &args);
        same_output(pattern, &whole, &with(CHUNKED, &args));
        let answer: serde_json::Value = serde_json::from_slice(&whole.stdout).expect("the aws CLI's JSON");
        assert!(answer["matches"].is_array(), "{pattern}");
        assert_eq!(whole.status.code(), Some(2), "the invalid UTF-8 lines are reported");
    }
    // Valid messages: the answer is the API's for the same messages.
    let messages: Vec<String> =
        (0..300).map(|i| format!("user{i} {}", if i % 3 == 0 { "ERROR" } else { "ok" })).collect();
    let file = scratch.write("valid.txt", (messages.join("\n") + "\n").as_bytes());
    let streamed =
        with(CHUNKED, &["test-metric-filter", "--filter-pattern", "[user, level=ERROR]", "--log-event-file", &file]);
    let request = trailwatch::test_metric_filter::Request {
        filter_pattern: "[user, level=ERROR]".into(),
        log_event_messages: messages,
    };
    let response =
        trailwatch::test_metric_filter::test_metric_filter(&request, trailwatch::test_metric_filter::Limits::Unlimited)
            .expect("valid");
    assert_eq!(
        String::from_utf8_lossy(&streamed.stdout),
        trailwatch::test_metric_filter::to_cli_json(&response) + "\n"
    );
    assert_eq!(streamed.status.code(), Some(0));
}

/// The peak resident memory of a child, polled from /proc while it runs.
#[cfg(target_os = "linux")]
fn peak_resident_kb(args: &[&str]) -> (u64, std::process::ExitStatus) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("trailwatch runs");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            let hwm = status.lines().find(|l| l.starts_with("VmHWM:"));
            if let Some(kb) = hwm.and_then(|l| l.split_whitespace().nth(1)).and_then(|n| n.parse::<u64>().ok()) {
                peak = peak.max(kb);
            }
        }
        if let Some(status) = child.try_wait().expect("waits") {
            return (peak, status);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Issue 12, class 6: a large all-matching file read beside a tiny one used to be held
/// whole (each file's output was kept until its turn).
#[cfg(target_os = "linux")]
#[test]
fn memory_stays_flat_however_much_a_file_outputs() {
    let scratch = Scratch::new("memory");
    let line = format!("{}\n", "every line matches ".repeat(10));
    let big = scratch.write("big.log", line.repeat((96 << 20) / line.len()).as_bytes());
    let tiny = scratch.write("tiny.log", b"one line\n");
    // A gzip file cannot be split: its output is handed over piece by piece instead.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&std::fs::read(&big).expect("written")).expect("in memory");
    let gzipped = scratch.write("big.log.gz", &encoder.finish().expect("in memory"));
    for files in [[&tiny, &big], [&big, &tiny], [&tiny, &gzipped]] {
        let (peak, status) = peak_resident_kb(&["filter", "--threads", "2", "", files[0], files[1]]);
        assert!(status.success(), "{status:?}");
        assert!(peak > 0 && peak < 48 << 10, "{peak} KB resident while filtering 96 MB of output ({files:?})");
    }
}
