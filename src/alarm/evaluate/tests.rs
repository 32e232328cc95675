//! The documented missing-data tables, M-of-N examples and reason strings.

use super::*;
use crate::alarm::{Comparison, Statistic};
use crate::metric::{CompiledFilter, FilterTally, MetricFilter, MetricTransformation, MetricValue};

const P: Millis = 60_000;

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
    decide(a, &row(text)).map(|(s, _, _)| s)
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
    let (_, text, _) = decide(&a, &[Some(point(ten, 3.0, true)), None, None]).unwrap();
    assert_eq!(
        text,
        "Threshold Crossed: 1 datapoint [3.0 (22/11/26 10:00:00)] was greater than or equal to the threshold (3.0)."
    );
    a.comparison = Comparison::GreaterThanThreshold;
    a.threshold = 42.0;
    a.evaluation_periods = 2;
    let (_, text, _) = decide(&a, &[Some(point(ten, 0.0, false)), Some(point(ten - 300_000, 1.0, false))]).unwrap();
    assert_eq!(
        text,
        "Threshold Crossed: 2 datapoints [0.0 (22/11/26 10:00:00), 1.0 (22/11/26 09:55:00)] were not greater than the threshold (42.0)."
    );
    a.datapoints_to_alarm = Some(1);
    a.threshold = 5.0;
    let (_, text, _) = decide(&a, &[Some(point(ten, 6.0, true)), Some(point(ten - 300_000, 1.0, false))]).unwrap();
    assert_eq!(
        text,
        "Threshold Crossed: 1 out of the last 2 datapoints [6.0 (22/11/26 10:00:00)] was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition)."
    );
    a.treat_missing_data = Some(Breaching);
    let (_, text, _) = decide(&a, &[None, None, None, None]).unwrap();
    assert_eq!(text, "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].");
    a.treat_missing_data = None;
    let (state, text, _) = decide(&a, &[None, None, None, None]).unwrap();
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
    let (state, text, _) = decide(&a, &slots).unwrap();
    assert_eq!(state, Good);
    assert_eq!(text, "Threshold Crossed: 1 out of the last 8 datapoints [2.0 (19/08/26 09:36:00)] was not less than or equal to the threshold (0.0) and 7 missing datapoints were treated as [Breaching] (minimum 1 datapoint for ALARM -> OK transition).");
}

fn store_with(events: &[(Millis, &str)]) -> MetricStore {
    let filter = CompiledFilter::new(MetricFilter {
        name: "f".into(),
        log_group: "g".into(),
        pattern: "FAIL".into(),
        transformation: MetricTransformation {
            metric_name: "M".into(),
            namespace: "NS".into(),
            value: MetricValue::Literal(1.0),
            default_value: None,
            dimensions: Vec::new(),
            unit: None,
        },
    })
    .unwrap();
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
