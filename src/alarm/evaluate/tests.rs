//! The documented missing-data tables, M-of-N examples and reason strings.

use super::*;
use crate::alarm::{Comparison, Statistic};
use crate::metric::{CompiledFilter, FilterTally, MetricFilter};

const P: Millis = 60_000;

/// One evaluation with its reason; `None` keeps the current state.
fn decide(alarm: &AlarmDefinition, slots: &[Option<Datapoint>]) -> Option<(StateValue, String, Vec<Datapoint>, Rule)> {
    let (state, rule) = verdict(alarm, slots)?;
    let (text, cited) = explain(alarm, slots, state, rule);
    Some((state, text, cited, rule))
}

fn alarm(n: u32, m: Option<u32>, treatment: Option<TreatMissingData>) -> AlarmDefinition {
    let mut a = AlarmDefinition::new("A", "NS", "M", Statistic::Maximum, 60, 1.0);
    a.evaluation_periods = n;
    a.datapoints_to_alarm = m;
    a.treat_missing_data = treatment;
    a
}

/// Slots from a table row written oldest -> newest (`0` ok, `X` breaching, `-` missing).
fn row(text: &str) -> Vec<Option<Datapoint>> {
    let marks: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let r = marks.len();
    marks
        .iter()
        .enumerate()
        .rev()
        .map(|(i, c)| {
            let start = (i as Millis - r as Millis) * P;
            match c {
                '0' => Some(Datapoint { start, value: 0.0, sample_count: 1, breaching: false }),
                'X' => Some(Datapoint { start, value: 2.0, sample_count: 1, breaching: true }),
                _ => None,
            }
        })
        .collect()
}

fn outcome(a: &AlarmDefinition, text: &str) -> Option<StateValue> {
    decide(a, &row(text)).map(|(s, _, _, _)| s)
}

use StateValue::{Alarm, InsufficientData as Insufficient, Ok as Good};
use TreatMissingData::{Breaching, Ignore, Missing, NotBreaching};

#[test]
fn table_a_three_of_three() {
    // (row, missing, ignore, breaching, notBreaching); None = retain current state.
    let table = [
        ("0 - X - X", Some(Good), Some(Good), Some(Good), Some(Good)),
        ("0 - - - -", Some(Good), Some(Good), Some(Good), Some(Good)),
        ("- - - - -", Some(Insufficient), None, Some(Alarm), Some(Good)),
        ("0 X X - X", Some(Alarm), Some(Alarm), Some(Alarm), Some(Alarm)),
        ("- - X - -", Some(Alarm), None, Some(Alarm), Some(Good)),
    ];
    for (text, missing, ignore, breaching, not_breaching) in table {
        for (treatment, expected) in
            [(Missing, missing), (Ignore, ignore), (Breaching, breaching), (NotBreaching, not_breaching)]
        {
            assert_eq!(outcome(&alarm(3, None, Some(treatment)), text), expected, "{text} with {treatment:?}");
        }
    }
}

#[test]
fn table_b_two_of_three() {
    let table = [
        ("0 - X - X", Some(Alarm), Some(Alarm), Some(Alarm), Some(Alarm)),
        ("0 0 X 0 X", Some(Alarm), Some(Alarm), Some(Alarm), Some(Alarm)),
        ("0 - X - -", Some(Good), Some(Good), Some(Alarm), Some(Good)),
        ("- - - - 0", Some(Good), Some(Good), Some(Alarm), Some(Good)),
        ("- - - X -", Some(Alarm), None, Some(Alarm), Some(Good)),
    ];
    for (text, missing, ignore, breaching, not_breaching) in table {
        for (treatment, expected) in
            [(Missing, missing), (Ignore, ignore), (Breaching, breaching), (NotBreaching, not_breaching)]
        {
            assert_eq!(outcome(&alarm(3, Some(2), Some(treatment)), text), expected, "{text} with {treatment:?}");
        }
    }
}

#[test]
fn m_of_n_needs_m_breaching_among_the_last_n() {
    let four_of_five = alarm(5, Some(4), None);
    assert_eq!(outcome(&four_of_five, "X X 0 X X X X"), Some(Alarm));
    assert_eq!(outcome(&four_of_five, "X X X 0 X 0 X"), Some(Good));
    assert_eq!(outcome(&four_of_five, "0 X X 0 0 X X"), Some(Good));
}

#[test]
fn reasons_follow_aws_wording() {
    let mut a = AlarmDefinition::new("A", "NS", "M", Statistic::Sum, 300, 3.0);
    let point = |start, value, breaching| Datapoint { start, value, sample_count: 3, breaching };
    // 2026-11-22 10:00:00 UTC.
    let ten = 1_795_341_600_000;
    let (_, text, _, _) = decide(&a, &[Some(point(ten, 3.0, true)), None, None]).unwrap();
    assert_eq!(
        text,
        "Threshold Crossed: 1 datapoint [3.0 (22/11/26 10:00:00)] was greater than or equal to the threshold (3.0)."
    );
    a.comparison = Comparison::GreaterThanThreshold;
    a.threshold = 42.0;
    a.evaluation_periods = 2;
    let (_, text, _, _) = decide(&a, &[Some(point(ten, 0.0, false)), Some(point(ten - 300_000, 1.0, false))]).unwrap();
    assert_eq!(
        text,
        "Threshold Crossed: 2 datapoints [0.0 (22/11/26 10:00:00), 1.0 (22/11/26 09:55:00)] were not greater than the threshold (42.0)."
    );
    a.datapoints_to_alarm = Some(1);
    a.threshold = 5.0;
    let (_, text, _, _) = decide(&a, &[Some(point(ten, 6.0, true)), Some(point(ten - 300_000, 1.0, false))]).unwrap();
    assert_eq!(
        text,
        "Threshold Crossed: 1 out of the last 2 datapoints [6.0 (22/11/26 10:00:00)] was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition)."
    );
    a.treat_missing_data = Some(Breaching);
    let (_, text, _, _) = decide(&a, &[None, None, None, None]).unwrap();
    assert_eq!(text, "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].");
    a.treat_missing_data = None;
    let (state, text, _, _) = decide(&a, &[None, None, None, None]).unwrap();
    assert_eq!((state, text.as_str()), (Insufficient, "Insufficient Data: 2 datapoints were unknown."));
}

#[test]
fn fills_are_named_in_the_reason() {
    let mut a = AlarmDefinition::new("A", "NS", "M", Statistic::Sum, 60, 0.0);
    a.comparison = Comparison::LessThanOrEqualToThreshold;
    a.evaluation_periods = 8;
    a.treat_missing_data = Some(Breaching);
    a.datapoints_to_alarm = Some(8);
    let mut slots = vec![None; 10];
    slots[0] = Some(Datapoint { start: 1_787_132_160_000, value: 2.0, sample_count: 1, breaching: false });
    let (state, text, _, _) = decide(&a, &slots).unwrap();
    assert_eq!(state, Good);
    assert_eq!(text, "Threshold Crossed: 1 out of the last 8 datapoints [2.0 (19/08/26 09:36:00)] was not less than or equal to the threshold (0.0) and 7 missing datapoints were treated as [Breaching] (minimum 1 datapoint for ALARM -> OK transition).");
}

fn store_with(events: &[(Millis, &str)]) -> MetricStore {
    let filter = CompiledFilter::new(MetricFilter::counting("f", "FAIL", "NS", "M")).unwrap();
    let mut store = MetricStore::default();
    let mut tally = FilterTally::default();
    for (t, message) in events {
        store.observe(&filter, message, *t, &mut tally);
    }
    store
}

#[test]
fn sliding_windows_alarm_on_any_five_consecutive_minutes() {
    // The seed alarm: Sum >= 3 over 300 s, one period. Failures at 10:01:10, 10:02:20,
    // 10:04:50 fall in no clock-aligned 5-minute bucket together, but in one sliding window.
    let ten = 1_795_341_600_000;
    let store = store_with(&[(ten + 70_000, "FAIL"), (ten + 140_000, "FAIL"), (ten + 290_000, "FAIL")]);
    let mut seed = AlarmDefinition::new("ConsoleSignInFailures", "NS", "M", Statistic::Sum, 300, 3.0);
    seed.alarm_actions = vec!["arn:aws:sns:us-east-1:111122223333:t".into()];
    let options = EvaluationOptions { start: ten, end: ten + 30 * P, range: Some(1), lag: 0 };
    let changes = evaluate(&seed, &store, &options);
    let states: Vec<(Millis, &str)> = changes.iter().map(|c| ((c.time - ten) / P, c.new.name())).collect();
    assert_eq!(states, [(2, "OK"), (5, "ALARM"), (7, "OK"), (10, "INSUFFICIENT_DATA")]);
    assert_eq!(
        changes[1].reason,
        "Threshold Crossed: 1 datapoint [3.0 (22/11/26 10:00:00)] was greater than or equal to the threshold (3.0)."
    );
    // With AWS's look-back range the last real point is re-evaluated after the metric stops.
    let options = EvaluationOptions { range: None, ..options };
    let states: Vec<(Millis, &str)> =
        evaluate(&seed, &store, &options).iter().map(|c| ((c.time - ten) / P, c.new.name())).collect();
    assert_eq!(
        states,
        [
            (2, "OK"),
            (5, "ALARM"),
            (7, "OK"),
            (10, "ALARM"),
            (12, "OK"),
            (15, "ALARM"),
            (17, "OK"),
            (20, "INSUFFICIENT_DATA")
        ]
    );
}

/// A store holding `values` at the given times, split over two series of the same metric
/// (units `Count` and none) when `split`, as metric filters with different units publish.
fn store_of(points: &[(Millis, f64)], split: bool) -> MetricStore {
    let filter = |unit: Option<&str>| {
        let mut definition = MetricFilter::counting("f", "", "NS", "M");
        definition.transformation.unit = unit.map(str::to_string);
        CompiledFilter::new(definition).unwrap()
    };
    let (counted, plain) = (filter(Some("Count")), filter(None));
    let mut store = MetricStore::default();
    let mut tally = FilterTally::default();
    for (i, (t, value)) in points.iter().enumerate() {
        let filter = if split && i % 2 == 1 { &counted } else { &plain };
        let outcome = crate::metric::Outcome::Publish { value: *value, dimensions: Vec::new(), matched: true };
        store.record(filter, outcome, *t, &mut tally);
    }
    store
}

mod incremental_equals_reference {
    use super::*;
    use proptest::prelude::*;

    fn statistic() -> impl Strategy<Value = Statistic> {
        prop_oneof![
            Just(Statistic::Sum),
            Just(Statistic::SampleCount),
            Just(Statistic::Average),
            Just(Statistic::Minimum),
            Just(Statistic::Maximum),
            Just("p90".parse().unwrap()),
            Just("TM(10%:90%)".parse().unwrap()),
        ]
    }

    fn treatment() -> impl Strategy<Value = Option<TreatMissingData>> {
        prop_oneof![
            Just(None),
            Just(Some(Missing)),
            Just(Some(Ignore)),
            Just(Some(Breaching)),
            Just(Some(NotBreaching))
        ]
    }

    /// Periods from one minute to a week, with an N that AWS allows for each.
    fn period_and_n() -> impl Strategy<Value = (u32, u32)> {
        prop_oneof![
            (Just(60u32), 1u32..=6),
            (Just(120u32), 1u32..=4),
            (Just(300u32), 1u32..=4),
            (Just(3600u32), 1u32..=3),
            (Just(86_400u32), 1u32..=3),
            (Just(604_800u32), Just(1u32)),
        ]
    }

    /// Where the events lie: the epoch, today, or the last week before 9999-12-31.
    fn base() -> impl Strategy<Value = Millis> {
        prop_oneof![Just(0), Just(1_772_355_600_000), Just(crate::source::LATEST_EVENT_TIME - 7 * 86_400_000),]
    }

    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![Just(1.0), Just(0.0), Just(0.1), Just(-2.5), Just(3.0), Just(1e300), Just(7.25)]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

        #[test]
        fn same_state_changes(
            statistic in statistic(),
            (period, n) in period_and_n(),
            m in 1u32..=6,
            explicit_m in any::<bool>(),
            threshold in prop_oneof![Just(0.5), Just(1.0), Just(2.0), Just(4.0), Just(-1.0)],
            comparison in prop_oneof![
                Just(Comparison::GreaterThanOrEqualToThreshold),
                Just(Comparison::GreaterThanThreshold),
                Just(Comparison::LessThanThreshold),
                Just(Comparison::LessThanOrEqualToThreshold)
            ],
            treatment in treatment(),
            range in prop::option::of(1u32..=5),
            base in base(),
            offsets in prop::collection::vec((0i64..20_000, value()), 0..40),
            spread in prop_oneof![Just(1i64), Just(7), Just(60)],
            split in any::<bool>(),
            late_start in 0i64..3,
        ) {
            let mut a = AlarmDefinition::new("A", "NS", "M", statistic, period, threshold);
            a.evaluation_periods = n;
            a.datapoints_to_alarm = explicit_m.then_some(m.min(n));
            a.comparison = comparison;
            a.treat_missing_data = treatment;
            // Events up to 20,000 s x spread after the base, kept inside the event-time range.
            let points: Vec<(Millis, f64)> = offsets
                .iter()
                .map(|(s, v)| ((base + s * spread * 1000).min(crate::source::LATEST_EVENT_TIME), *v))
                .collect();
            let store = store_of(&points, split);
            let first = points.iter().map(|p| p.0).min().unwrap_or(base);
            let last = points.iter().map(|p| p.0).max().unwrap_or(base);
            let mut options = EvaluationOptions { start: first + late_start * Millis::from(period) * 1000, end: 0, range, lag: 0 };
            let look_back = Millis::from(options.range_for(&a)) * Millis::from(period) * 1000;
            options.end = last.div_euclid(MINUTE) * MINUTE + look_back + MINUTE;
            let fast = evaluate(&a, &store, &options);
            let slow = reference::evaluate(&a, &store, &options);
            // The fuzz target's oracle visits fewer minutes; it must decide the same.
            prop_assert_eq!(&reference::evaluate_at_changes(&a, &store, &options), &slow);
            prop_assert_eq!(fast, slow);
        }
    }
}

#[test]
fn out_of_range_options_evaluate_nothing_instead_of_overflowing() {
    let store = store_of(&[(1_772_355_600_000, 1.0)], false);
    let a = AlarmDefinition::new("A", "NS", "M", Statistic::Sum, 60, 0.5);
    for options in [
        EvaluationOptions { start: i64::MIN, end: i64::MAX, range: None, lag: 0 },
        EvaluationOptions { start: 0, end: i64::MAX, range: Some(u32::MAX), lag: 0 },
        EvaluationOptions { start: 0, end: 1 << 45, range: None, lag: i64::MIN },
    ] {
        assert!(options.check(&a).is_err());
        assert_eq!(evaluate(&a, &store, &options), Vec::new());
    }
    let mut bad = a.clone();
    bad.period = 0;
    let options = EvaluationOptions { start: 0, end: 1 << 45, range: None, lag: 0 };
    assert_eq!(evaluate(&bad, &store, &options), Vec::new());
    assert!(!evaluate(&a, &store, &options).is_empty());
}

#[test]
fn a_long_period_over_a_day_of_minutes_matches_the_reference() {
    // The slow case, shortened: a day of per-minute events, a 3-hour period.
    let start = 1_772_355_600_000;
    let points: Vec<(Millis, f64)> = (0..1440).map(|i| (start + i * MINUTE, (i % 7) as f64)).collect();
    let store = store_of(&points, false);
    let mut a = AlarmDefinition::new("A", "NS", "M", Statistic::Average, 10_800, 3.0);
    a.evaluation_periods = 1;
    let options = EvaluationOptions { start, end: start + 2 * 86_400_000, range: None, lag: 0 };
    let fast = evaluate(&a, &store, &options);
    assert!(!fast.is_empty());
    assert_eq!(fast, reference::evaluate(&a, &store, &options));
}

/// The reason texts AWS is recorded to produce (issue 11): kept word for word.
#[test]
fn reasons_aws_is_recorded_to_produce() {
    // Average of 21 and 22 in one 10-second period, GreaterThanThreshold 21.
    let mut a = AlarmDefinition::new("A", "NS", "M", Statistic::Average, 10, 21.0);
    a.comparison = Comparison::GreaterThanThreshold;
    let mut samples = crate::metric::Samples::default();
    samples.add(21.0);
    samples.add(22.0);
    let value = a.statistic.compute(&samples).unwrap();
    // 2026-11-22 10:00:00 UTC; AWS's template writes the time as (MM/DD/YY HH:MM:SS), and
    // the notifications recorded print the day first (22/11/26), as trailwatch does.
    let point =
        Datapoint { start: 1_795_341_600_000, value, sample_count: 2, breaching: a.comparison.breaches(value, 21.0) };
    let (state, text, _, rule) = decide(&a, &[Some(point)]).unwrap();
    assert_eq!((state, rule), (Alarm, Rule::MOfN { breaching: 1, m: 1, n: 1 }));
    assert_eq!(
        text,
        "Threshold Crossed: 1 datapoint [21.5 (22/11/26 10:00:00)] was greater than the threshold (21.0)."
    );
    // Two periods, missing data breaching, no data.
    let mut a = AlarmDefinition::new("A", "NS", "M", Statistic::Sum, 60, 1.0);
    a.evaluation_periods = 2;
    a.treat_missing_data = Some(Breaching);
    let (state, text, _, rule) = decide(&a, &[None, None, None, None]).unwrap();
    assert_eq!((state, rule), (Alarm, Rule::AllMissing { periods: 4 }));
    assert_eq!(
        text,
        "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching]."
    );
}

/// A 2-of-3 alarm that fires on one datapoint says which rule fired it.
#[test]
fn a_two_of_three_alarm_firing_on_one_datapoint_names_the_premature_rule() {
    let a = alarm(3, Some(2), None);
    let slots = row("- - - X -");
    let (state, _, _, rule) = decide(&a, &slots).unwrap();
    assert_eq!(state, Alarm);
    assert_eq!(rule, Rule::Premature { present: 1, oldest_breaching: 2, m: 2, n: 3 });
    assert_eq!(window_marks(&slots), "[- - - X -]");
    let text = rule.describe(Missing);
    assert!(text.starts_with("2 of 3: premature-alarm rule of AWS's missing-data tables"), "{text}");
    assert!(text.contains("only 1 datapoint(s) present, the oldest breaching one 2 period(s) back"), "{text}");
    // The disputed row (awsdocs/amazon-cloudwatch-user-guide#129): `0 - X - -` is OK, as the tables say.
    let (state, _, _, rule) = decide(&a, &row("0 - X - -")).unwrap();
    assert_eq!((state, rule), (Good, Rule::Present { present: 2, breaching: 1, m: 2, n: 3 }));
    // Filled and M-of-N rules name their counts.
    let filled = alarm(3, Some(2), Some(Breaching));
    let (_, _, _, rule) = decide(&filled, &row("- - - X -")).unwrap();
    assert_eq!(rule, Rule::Filled { present: 1, breaching: 1, fills: 2, m: 2, n: 3 });
    assert_eq!(
        rule.describe(Breaching),
        "2 of 3: 1 of 3 datapoints present, 1 breached, and 2 missing treated as breaching (2 needed)"
    );
    let (_, _, _, rule) = decide(&a, &row("0 X X 0 X")).unwrap();
    assert_eq!(rule.describe(Missing), "2 of 3: 2 of the 3 newest datapoints breached (2 needed)");
}
