//! Loading the recorded AWS cases, keeping the order of `extractedValues` as recorded.

#![allow(dead_code)]

use std::fmt;
use std::path::PathBuf;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

pub fn testdata(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(path)
}

#[derive(Debug, Deserialize)]
pub struct Recording {
    pub cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
pub struct Case {
    pub id: String,
    pub request: Request,
    pub response: Option<Response>,
    pub error: Option<ErrorAnswer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub filter_pattern: String,
    pub log_event_messages: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Response {
    pub matches: Vec<Match>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Match {
    pub event_number: u64,
    pub event_message: String,
    pub extracted_values: OrderedMap,
}

#[derive(Debug, Deserialize)]
pub struct ErrorAnswer {
    pub code: String,
    pub message: String,
}

/// A JSON object's string entries in the order they were written.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OrderedMap(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for OrderedMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = OrderedMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedMap, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    entries.push(entry);
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// The recorded TestMetricFilter files, in the order their cases are replayed.
pub const RECORDINGS: [&str; 2] = ["aws/filter-pattern-aws.json", "aws/filter-pattern-aws-edges.json"];

/// Every recorded TestMetricFilter case (101 + 36), in file order.
pub fn load_recording() -> Recording {
    let mut cases = Vec::new();
    for file in RECORDINGS {
        let text = std::fs::read_to_string(testdata(file)).expect("recording present");
        let recording: Recording = serde_json::from_str(&text).expect("recording parses");
        cases.extend(recording.cases);
    }
    Recording { cases }
}

/// The compact messages of every CloudTrail record at hand: the full public set beside the
/// repository (`../shared/data/cloudtrail`) when present, else the bundled excerpt.
pub fn cloudtrail_messages() -> Vec<String> {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/cloudtrail");
    let root = if shared.is_dir() { shared } else { testdata("cloudtrail") };
    let mut messages = Vec::new();
    trailwatch::source::read_inputs(&[root], &trailwatch::source::ReadOptions::default(), &mut |record| {
        if let trailwatch::source::Record::Event(event) = record {
            messages.push(event.message);
        }
    });
    messages
}

/// The metric-filter patterns of the CIS and Security Hub packs.
pub fn cis_patterns() -> Vec<String> {
    ["cis", "securityhub"]
        .iter()
        .flat_map(|name| trailwatch::config::pack(name).expect("built-in pack").filters)
        .map(|filter| filter.pattern)
        .collect()
}

/// Runs the `trailwatch` binary with `stdin` as its standard input.
pub fn trailwatch(args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("trailwatch runs");
    if let Some(mut input) = child.stdin.take() {
        // A command that exits without reading its input closes the pipe: not a failure.
        let _ = input.write_all(stdin);
    }
    child.wait_with_output().expect("trailwatch finishes")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh, empty scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trailwatch-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Waits for `child` to end; a test fails (and the child is killed) when it has not ended
/// within `limit`: a hang, reported with `what`.
pub fn wait_within(
    child: &mut std::process::Child,
    limit: std::time::Duration,
    what: &str,
) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
