//! Any bytes as an alarm, evaluation options and timed values: the time arithmetic never
//! panics (event times are range-checked as the readers check them; options may be
//! anything), and the incremental evaluator gives the reference evaluator's state changes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::alarm::{self, AlarmDefinition, Comparison, EvaluationOptions, Statistic, TreatMissingData};
use trailwatch::metric::{CompiledFilter, FilterTally, MetricFilter, MetricStore, Outcome, MINUTE};
use trailwatch::source::{check_event_time, LATEST_EVENT_TIME};

/// Reads fixed-size fields from the front of the input; zeros once it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }
    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |n, _| n << 8 | u64::from(self.u8()))
    }
}

const DAY: i64 = 86_400_000;
const PERIODS: [u32; 8] = [60, 120, 300, 600, 3600, 21_600, 86_400, 604_800];
const VALUES: [f64; 8] = [1.0, 0.0, 0.1, -2.5, 3.0, 1e300, f64::MAX, 7.25];

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let statistic = match b.u8() % 7 {
        0 => Statistic::Sum,
        1 => Statistic::SampleCount,
        2 => Statistic::Average,
        3 => Statistic::Minimum,
        4 => Statistic::Maximum,
        5 => "p90".parse().expect("valid"),
        _ => "TM(10%:90%)".parse().expect("valid"),
    };
    let period = PERIODS[usize::from(b.u8() % 8)];
    let mut a = AlarmDefinition::new("A", "NS", "M", statistic, period, VALUES[usize::from(b.u8() % 8)]);
    a.evaluation_periods = u32::from(b.u8() % 6) + 1;
    a.datapoints_to_alarm = match b.u8() % 7 {
        0 => None,
        m => Some(u32::from(m).min(a.evaluation_periods)),
    };
    a.comparison = [
        Comparison::GreaterThanOrEqualToThreshold,
        Comparison::GreaterThanThreshold,
        Comparison::LessThanThreshold,
        Comparison::LessThanOrEqualToThreshold,
    ][usize::from(b.u8() % 4)];
    a.treat_missing_data = [
        None,
        Some(TreatMissingData::Missing),
        Some(TreatMissingData::Ignore),
        Some(TreatMissingData::Breaching),
        Some(TreatMissingData::NotBreaching),
    ][usize::from(b.u8() % 5)];
    let range = match b.u8() % 8 {
        0 => None,
        r => Some(u32::from(r)),
    };
    // Raw options first: anything at all must be refused or evaluated without a panic.
    let raw = EvaluationOptions {
        start: b.u64() as i64,
        end: b.u64() as i64,
        range: Some(b.u64() as u32),
        lag: b.u64() as i64,
    };
    // Events near the epoch, today or year 9999, each time range-checked like a reader's.
    let base = [0, 1_772_355_600_000, LATEST_EVENT_TIME - 30 * 86_400_000][usize::from(b.u8() % 3)];
    let filter = CompiledFilter::new(MetricFilter::counting("f", "", "NS", "M")).expect("a valid filter");
    let mut store = MetricStore::default();
    let mut tally = FilterTally::default();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for _ in 0..usize::from(b.u8() % 24) {
        let offset = (b.u64() % (2 * DAY as u64)) as i64 - DAY / 2;
        let Ok(t) = check_event_time(base + offset) else { continue };
        let value = VALUES[usize::from(b.u8() % 8)];
        store.record(&filter, Outcome::Publish { value, dimensions: Vec::new(), matched: true }, t, &mut tally);
        (first, last) = (first.min(t), last.max(t));
    }
    let _ = alarm::evaluate(&a, &store, &raw);
    if first > last {
        return;
    }
    let options = EvaluationOptions { start: first + MINUTE, end: 0, range, lag: 0 };
    let look_back = i64::from(options.range_for(&a)) * i64::from(a.period) * 1000;
    // Until every datapoint has left the range: the oracle visits only the minutes at which
    // a window's contents can change, so a week-long period costs no more than a minute's.
    let end = last.div_euclid(MINUTE) * MINUTE + look_back + MINUTE;
    let options = EvaluationOptions { end, ..options };
    let fast = alarm::evaluate(&a, &store, &options);
    let slow = alarm::reference::evaluate_at_changes(&a, &store, &options);
    assert_eq!(fast, slow, "incremental and reference evaluations differ");
    let _ = alarm::period_values(&a, &store, options.end);
});
