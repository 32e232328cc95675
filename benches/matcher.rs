//! Parse, compile and match throughput per pattern family, pattern sets, and each reader.
//!
//! Run with `cargo bench --bench matcher`. Compare figures as ratios within one run (the
//! reference evaluator is measured beside the fast matcher for that reason).

use std::io::Write;
use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use trailwatch::bench::{count_matches, count_set_matches, Corpus};
use trailwatch::matcher::{FastMatcher, MatcherSet, ReferenceMatcher};
use trailwatch::pattern::{self, Pattern};
use trailwatch::source::{read_inputs, ReadOptions};

const FAMILIES: [(&str, &str); 6] = [
    ("json-selective", r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#),
    ("json-non-selective", r#"{ $.sourceIPAddress != "203.0.113.9" }"#),
    ("json-wildcard", r#"{ $.resources[*].type = "AWS::S3::Object" }"#),
    ("terms", "ConsoleLogin -Success"),
    ("regex", "%Failed auth[a-z]+%"),
    ("space", "[version, ..., last]"),
];

fn parsed(text: &str) -> Pattern {
    pattern::parse(text).expect("bench patterns are valid")
}

fn cis() -> Vec<Pattern> {
    trailwatch::config::pack("cis").expect("built-in pack").filters.iter().map(|f| parsed(&f.pattern)).collect()
}

fn parse_and_compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, text) in FAMILIES {
        group.bench_function(name, |b| b.iter(|| pattern::parse(black_box(text))));
    }
    group.finish();
    let mut group = c.benchmark_group("compile");
    for (name, text) in FAMILIES {
        let p = parsed(text);
        group.bench_function(name, |b| b.iter(|| FastMatcher::new(black_box(&p))));
    }
    let pack = cis();
    group.bench_function("cis-pack-set", |b| b.iter(|| MatcherSet::new(black_box(&pack))));
    group.finish();
}

fn matching(c: &mut Criterion) {
    let corpus = Corpus::generate(4_000_000);
    let mut group = c.benchmark_group("match");
    group.throughput(Throughput::Bytes(corpus.bytes() as u64));
    group.sample_size(10);
    for (name, text) in FAMILIES {
        let p = parsed(text);
        let fast = FastMatcher::new(&p).expect("compiles");
        group.bench_function(format!("{name}/fast"), |b| b.iter(|| count_matches(&corpus, &fast)));
        let reference = ReferenceMatcher::new(&p).expect("compiles");
        group.bench_function(format!("{name}/reference"), |b| b.iter(|| count_matches(&corpus, &reference)));
    }
    group.finish();

    let pack = cis();
    let mut group = c.benchmark_group("multi");
    group.throughput(Throughput::Bytes(corpus.bytes() as u64));
    group.sample_size(10);
    let set = MatcherSet::new(&pack).expect("compiles");
    group.bench_function("cis-one-pass", |b| b.iter(|| count_set_matches(&corpus, &set)));
    let singles: Vec<FastMatcher> = pack.iter().map(|p| FastMatcher::new(p).expect("compiles")).collect();
    group.bench_function("cis-separate-passes", |b| {
        b.iter(|| singles.iter().map(|m| count_matches(&corpus, m)).sum::<u64>())
    });
    group.finish();
}

/// Each reader over the same records: NDJSON, a CloudTrail `{"Records":[...]}` file, and
/// the same file gzipped.
fn readers(c: &mut Criterion) {
    let corpus = Corpus::generate(4_000_000);
    let dir = std::env::temp_dir().join(format!("trailwatch-bench-readers-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let ndjson = dir.join("events.ndjson");
    let trail = dir.join("trail.json");
    let gzipped = dir.join("trail.json.gz");
    let records: Vec<&str> = corpus.lines().collect();
    let trail_text = format!("{{\"Records\":[{}]}}", records.join(","));
    let written =
        std::fs::write(&ndjson, corpus.text()).and_then(|_| std::fs::write(&trail, &trail_text)).and_then(|_| {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(trail_text.as_bytes())?;
            std::fs::write(&gzipped, encoder.finish()?)
        });
    if written.is_err() {
        return;
    }
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Bytes(corpus.bytes() as u64));
    group.sample_size(10);
    let options = ReadOptions { require_timestamp: true, ..ReadOptions::default() };
    for (name, path) in [("ndjson", &ndjson), ("cloudtrail-json", &trail), ("cloudtrail-json-gz", &gzipped)] {
        let inputs: Vec<PathBuf> = vec![path.clone()];
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut events = 0u64;
                read_inputs(&inputs, &options, &mut |_| events += 1);
                events
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, parse_and_compile, matching, readers);
criterion_main!(benches);
