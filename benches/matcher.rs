//! Parse, compile and match throughput per pattern family (reference evaluator).
//!
//! Run with `cargo bench --bench matcher`; compare figures as ratios within one run.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use trailwatch::{matcher, pattern};

const FAILED_SIGN_IN: &str = r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#;

fn events() -> Vec<String> {
    let sign_in = r#"{"eventVersion":"1.05","userIdentity":{"type":"IAMUser","accountId":"111122223333","userName":"Alice"},"eventTime":"2024-03-01T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.10","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"}}"#;
    let api_call = r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","accountId":"111122223333"},"eventTime":"2024-03-01T10:00:01Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","requestParameters":{"bucketName":"logs","key":"a/b/c"},"readOnly":true}"#;
    (0..1000).map(|i| if i % 50 == 0 { sign_in } else { api_call }.to_string()).collect()
}

fn bench(c: &mut Criterion) {
    let events = events();
    let bytes: usize = events.iter().map(String::len).sum();
    c.bench_function("parse/json-failed-sign-in", |b| b.iter(|| pattern::parse(black_box(FAILED_SIGN_IN))));
    let families = [
        ("json-selective", FAILED_SIGN_IN),
        ("terms", "ConsoleLogin -Success"),
        ("regex", "%Failed auth[a-z]+%"),
        ("space", "[version, ..., last]"),
    ];
    let mut group = c.benchmark_group("match");
    group.throughput(Throughput::Bytes(bytes as u64));
    for (name, text) in families {
        let compiled = matcher::compile_text(text).expect("bench patterns are valid");
        group.bench_function(name, |b| b.iter(|| events.iter().filter(|e| compiled.is_match(e)).count()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
