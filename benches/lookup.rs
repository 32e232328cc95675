//! `lookup-events` over the bundled sample trail (78 gzip files, 441 records), next to
//! reading the same files without a query, in the same run: the ratio is what the Event
//! history view, the attribute test and the newest-first heap add to reading.
//!
//! Run with `cargo bench --bench lookup`. Compare figures as ratios within one run.

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use trailwatch::lookup::{self, Paging, Query};
use trailwatch::source::{read_inputs, ReadOptions};

fn sample_trail() -> Vec<PathBuf> {
    vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/sample/trail")]
}

fn lookups(c: &mut Criterion) {
    let inputs = sample_trail();
    let options = ReadOptions { threads: 1, ..ReadOptions::default() };
    let mut group = c.benchmark_group("lookup-events");
    group.bench_function("baseline: read the records", |b| {
        b.iter(|| {
            let mut records = 0u64;
            read_inputs(black_box(&inputs), &options, &mut |_| records += 1);
            records
        })
    });
    let queries = [
        ("every event", ""),
        ("EventName", "AttributeKey=EventName,AttributeValue=GetBucketWebsite"),
        ("ResourceType", "AttributeKey=ResourceType,AttributeValue=AWS::S3::Bucket"),
    ];
    for (name, attributes) in queries {
        let attributes = if attributes.is_empty() {
            Vec::new()
        } else {
            lookup::parse_lookup_attributes(attributes).expect("valid")
        };
        let query = Query::new(attributes, false).expect("a valid query");
        for max_items in [None, Some(50)] {
            let paging = Paging { max_items, starting_token: None };
            let label = format!("{name}, max-items {}", max_items.map_or("all".to_string(), |n| n.to_string()));
            group.bench_function(label, |b| {
                b.iter(|| lookup::lookup(black_box(&inputs), &options, &query, &paging).map(|l| l.events.len()).ok())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, lookups);
criterion_main!(benches);
