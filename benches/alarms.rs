//! Alarm evaluation: the incremental windows against the reference evaluator (which
//! recomputes every window every minute, as evaluation did before), in the same run.
//!
//! Run with `cargo bench --bench alarms`. Compare figures as ratios within one run.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use trailwatch::alarm::{self, AlarmDefinition, EvaluationOptions, Statistic};
use trailwatch::metric::{CompiledFilter, FilterTally, MetricFilter, MetricStore, Outcome, MINUTE};

const START: i64 = 1_772_323_200_000; // 2026-03-01T00:00:00Z

fn filter() -> CompiledFilter {
    CompiledFilter::new(MetricFilter::counting("f", "", "NS", "M")).expect("a valid filter")
}

/// `days` of events, one a minute, each publishing 1 or 2 (two distinct values).
fn per_minute(days: i64) -> MetricStore {
    let filter = filter();
    let mut store = MetricStore::default();
    let mut tally = FilterTally::default();
    for i in 0..days * 1440 {
        let outcome = Outcome::Publish { value: (1 + i % 2) as f64, dimensions: Vec::new(), matched: true };
        store.record(&filter, outcome, START + i * MINUTE, &mut tally);
    }
    store
}

fn options_for(alarm: &AlarmDefinition, days: i64) -> EvaluationOptions {
    let options = EvaluationOptions { start: START + MINUTE, end: 0, range: None, lag: 0 };
    let look_back = i64::from(options.range_for(alarm)) * i64::from(alarm.period) * 1000;
    EvaluationOptions { end: START + days * 86_400_000 + look_back + MINUTE, ..options }
}

fn windows(c: &mut Criterion) {
    let mut group = c.benchmark_group("alarm");
    group.sample_size(10);
    // A 6-hour Sum over 2 days of per-minute events: small enough for the reference.
    let store = per_minute(2);
    let alarm = AlarmDefinition::new("A", "NS", "M", Statistic::Sum, 21_600, 500.0);
    let options = options_for(&alarm, 2);
    group.bench_function("6h-period-2d-minutes/incremental", |b| {
        b.iter(|| alarm::evaluate(black_box(&alarm), &store, &options).len())
    });
    group.bench_function("6h-period-2d-minutes/reference", |b| {
        b.iter(|| alarm::reference::evaluate(black_box(&alarm), &store, &options).len())
    });
    // The case: a 7-day period over 30 days of per-minute events (the reference
    // takes about 20 s per run, so only the incremental evaluator is measured).
    let store = per_minute(30);
    let mut alarm = AlarmDefinition::new("A", "NS", "M", Statistic::Average, 604_800, 1.5);
    alarm.comparison = alarm::Comparison::GreaterThanThreshold;
    let options = options_for(&alarm, 30);
    group.bench_function("7d-period-30d-minutes/incremental", |b| {
        b.iter(|| alarm::evaluate(black_box(&alarm), &store, &options).len())
    });
    group.bench_function("7d-period-30d-minutes/plot-series", |b| {
        b.iter(|| alarm::period_values(black_box(&alarm), &store, options.end).len())
    });
    group.finish();
}

fn many_dimensions(c: &mut Criterion) {
    // 300,000 dimension values of one metric, and an alarm on one of them.
    let mut definition = MetricFilter::counting("f", "[user]", "NS", "M");
    definition.transformation.dimensions =
        vec![("User".into(), trailwatch::metric::ValueRef::parse("$user").expect("a field"))];
    let filter = CompiledFilter::new(definition).expect("a valid filter");
    let mut store = MetricStore::default();
    let mut tally = FilterTally::default();
    for i in 0..300_000i64 {
        let outcome =
            Outcome::Publish { value: 1.0, dimensions: vec![("User".into(), format!("user{i}"))], matched: true };
        store.record(&filter, outcome, START + (i % 1440) * MINUTE, &mut tally);
    }
    let mut alarm = AlarmDefinition::new("A", "NS", "M", Statistic::Sum, 300, 3.0);
    alarm.dimensions = vec![("User".into(), "user42".into())];
    let options = options_for(&alarm, 1);
    let mut group = c.benchmark_group("alarm-300k-dimension-values");
    group.sample_size(10);
    group.bench_function("incremental", |b| b.iter(|| alarm::evaluate(black_box(&alarm), &store, &options).len()));
    group.bench_function("reference", |b| {
        b.iter(|| alarm::reference::evaluate(black_box(&alarm), &store, &options).len())
    });
    // What finding the alarm's series cost before: every series, sorted.
    group.bench_function("sorting-every-series", |b| b.iter(|| store.series().len()));
    group.finish();
}

criterion_group!(benches, windows, many_dimensions);
criterion_main!(benches);
