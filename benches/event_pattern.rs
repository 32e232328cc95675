//! EventBridge rules over CloudTrail records as EventBridge events: the built-in 100 rules
//! in one pass, one rule alone, and the reference evaluator on the same work.
//!
//! Run with `cargo bench --bench event_pattern`; throughput is in events (elements).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use trailwatch::bench::{cloudtrail_event_rules, count_event_pattern_matches, Corpus};
use trailwatch::event_pattern::{self, reference, EventMatcherSet, EventPattern};

fn rules() -> Vec<EventPattern> {
    cloudtrail_event_rules().iter().map(|r| event_pattern::parse(r).expect("built-in rules are valid")).collect()
}

fn parsing(c: &mut Criterion) {
    let texts = cloudtrail_event_rules();
    let mut group = c.benchmark_group("event-pattern-compile");
    group.bench_function("parse-100-rules", |b| {
        b.iter(|| texts.iter().filter(|t| event_pattern::parse(black_box(t)).is_ok()).count())
    });
    let parsed = rules();
    group.bench_function("set-of-100-rules", |b| b.iter(|| EventMatcherSet::new(black_box(&parsed))));
    group.finish();
}

fn matching(c: &mut Criterion) {
    let events = Corpus::generate(4_000_000).eventbridge_events();
    let parsed = rules();
    let mut group = c.benchmark_group("event-pattern-match");
    group.throughput(Throughput::Elements(events.events() as u64));
    group.sample_size(10);
    let all = EventMatcherSet::new(&parsed);
    group.bench_function("100-rules-one-pass", |b| b.iter(|| count_event_pattern_matches(&events, &all)));
    let one = EventMatcherSet::new(&parsed[3..4]);
    group.bench_function("1-rule", |b| b.iter(|| count_event_pattern_matches(&events, &one)));
    let sample: Vec<&str> = events.lines().take(2000).collect();
    group.throughput(Throughput::Elements(sample.len() as u64));
    group.bench_function("100-rules-reference-evaluator", |b| {
        b.iter(|| sample.iter().map(|e| parsed.iter().filter(|p| reference::matches_text(p, e)).count()).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, parsing, matching);
criterion_main!(benches);
