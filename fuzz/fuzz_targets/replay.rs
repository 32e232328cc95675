//! Replay end to end: arbitrary records in any format (the first byte picks it, whether
//! they are gzipped, and whether two threads read them) through an arbitrary small template (the text before the first NUL;
//! when it does not load, the bundled seed stack). Nothing panics, the totals add up
//! (read = events + rejected; per filter, events = matched + not matched), and every JSON
//! line of the output parses.
#![no_main]

use std::io::Write;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trailwatch::alarm::Deployment;
use trailwatch::config::{self, Configuration};
use trailwatch::replay::{replay, ReplayOptions};
use trailwatch::report::{accounting, notification_lines, text_report};
use trailwatch::source::{InputFormat, ReadOptions};

const FORMATS: [&str; 7] =
    ["auto", "cloudtrail", "ndjson", "cwl-export", "filter-log-events", "lookup-events", "lines"];
const SEED_STACK: &str = include_str!("../../testdata/templates/seed-stack.template.json");

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let (template, records) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (&b""[..], rest),
    };
    let deployment = config::Deployment::default();
    let loaded = std::str::from_utf8(template)
        .ok()
        .and_then(|text| config::parse(text, &deployment).ok())
        .filter(|c| !c.filters.is_empty() || !c.alarms.is_empty());
    // The seed stack is loaded once per process: parsing it each time cost an eighth of a run.
    static SEED: OnceLock<Configuration> = OnceLock::new();
    let configuration = loaded.as_ref().unwrap_or_else(|| {
        SEED.get_or_init(|| config::parse(SEED_STACK, &deployment).unwrap_or_else(|_| Configuration::default()))
    });
    let bytes = if selector & 0x80 != 0 {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = encoder.write_all(records);
        encoder.finish().unwrap_or_default()
    } else {
        records.to_vec()
    };
    // replay reads paths: one scratch file per fuzzing process, in memory where Linux has
    // /dev/shm (ext4's truncate and writeback were a quarter of a run).
    let shm = std::path::Path::new("/dev/shm");
    let folder = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
    let path = folder.join(format!("trailwatch-fuzz-replay-{}", std::process::id()));
    if std::fs::write(&path, &bytes).is_err() {
        return;
    }
    let format: InputFormat = FORMATS[usize::from(selector & 0x3f) % FORMATS.len()].parse().expect("known format");
    // Mostly one thread (a thread pool per run dominated the cost); +0x40 reads on two.
    let threads = if selector & 0x40 != 0 { 2 } else { 1 };
    let options = ReplayOptions {
        read: ReadOptions { format, require_timestamp: true, threads, ..ReadOptions::default() },
        ..ReplayOptions::default()
    };
    let Ok(result) = replay(configuration, std::slice::from_ref(&path), &options, &mut |_| {}) else { return };
    assert_eq!(result.records, result.events + result.rejected, "read = events + rejected");
    for (filter, tally) in &result.filters {
        assert_eq!(tally.matched + tally.not_matched, result.events, "filter {}", filter.name);
    }
    let alarm_deployment = Deployment {
        account_id: "123456789012".to_string(),
        region: "us-east-1".to_string(),
        configured_at: result.span.map_or(0, |(first, _)| first),
    };
    for line in notification_lines(&result, &alarm_deployment) {
        assert!(serde_json::from_str::<serde_json::Value>(&line).is_ok(), "notification is JSON: {line}");
    }
    let accounting = accounting(&result).to_string();
    assert!(serde_json::from_str::<serde_json::Value>(&accounting).is_ok(), "accounting is JSON");
    let _ = text_report(&result);
});
