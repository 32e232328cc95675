//! Replays every recorded AWS TestMetricFilter case (`testdata/aws/filter-pattern-aws.json`,
//! 101 cases, and `filter-pattern-aws-edges.json`, 36 more) through the library and through
//! the `trailwatch test-metric-filter` command: every verdict, every extracted value (in
//! AWS's key order) and every rejection message. No case is skipped.

mod common;

use common::{text, trailwatch, Case};
use trailwatch::test_metric_filter::{test_metric_filter, Limits, Request};

/// The number of recorded cases: 101 + 36.
const RECORDED_CASES: usize = 137;

/// One match: event number, message, extracted values in AWS's order.
type MatchRow = (u64, String, Vec<(String, String)>);

/// What one answer says, in a form both sides produce: the matches, or the rejection
/// message.
#[derive(Debug, PartialEq)]
enum Answer {
    Matches(Vec<MatchRow>),
    Rejected(String),
}

fn recorded(case: &Case) -> Answer {
    match (&case.error, &case.response) {
        (Some(error), _) => {
            assert_eq!(error.code, "InvalidParameterException", "{}", case.id);
            Answer::Rejected(error.message.clone())
        }
        (None, Some(response)) => Answer::Matches(
            response
                .matches
                .iter()
                .map(|m| (m.event_number, m.event_message.clone(), m.extracted_values.0.clone()))
                .collect(),
        ),
        (None, None) => panic!("{}: recording has neither response nor error", case.id),
    }
}

fn through_library(case: &Case) -> Answer {
    let request = Request {
        filter_pattern: case.request.filter_pattern.clone(),
        log_event_messages: case.request.log_event_messages.clone(),
    };
    match test_metric_filter(&request, Limits::Aws) {
        Err(error) => Answer::Rejected(error.message),
        Ok(response) => Answer::Matches(
            response
                .matches
                .iter()
                .map(|m| {
                    let values = m.extracted_values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                    (m.event_number, m.event_message.clone(), values)
                })
                .collect(),
        ),
    }
}

/// The aws CLI's error line for a service error, as the command prints it.
const CLI_ERROR_PREFIX: &str =
    "An error occurred (InvalidParameterException) when calling the TestMetricFilter operation: ";

fn through_command(case: &Case) -> Answer {
    let mut args = vec!["test-metric-filter", "--filter-pattern", case.request.filter_pattern.as_str()];
    args.push("--log-event-messages");
    args.extend(case.request.log_event_messages.iter().map(String::as_str));
    let output = trailwatch(&args, b"");
    let stderr = text(&output.stderr);
    match output.status.code() {
        Some(0) => {
            let ours: common::Response = serde_json::from_slice(&output.stdout).expect("JSON answer");
            Answer::Matches(
                ours.matches.into_iter().map(|m| (m.event_number, m.event_message, m.extracted_values.0)).collect(),
            )
        }
        Some(254) => {
            let line = stderr.lines().find_map(|l| l.strip_prefix(CLI_ERROR_PREFIX));
            let message = line.unwrap_or_else(|| panic!("{}: no aws CLI error line in {stderr}", case.id));
            assert!(stderr.contains('^'), "{}: the diagnosis points at the fault: {stderr}", case.id);
            Answer::Rejected(message.to_string())
        }
        other => panic!("{}: exit code {other:?}: {stderr}", case.id),
    }
}

/// Replays every case through `answer` and lists each one that differs.
fn replay(answer: fn(&Case) -> Answer) -> Vec<String> {
    let recording = common::load_recording();
    assert_eq!(recording.cases.len(), RECORDED_CASES, "all recorded cases are replayed");
    let mut failures = Vec::new();
    for case in &recording.cases {
        let (theirs, ours) = (recorded(case), answer(case));
        if ours != theirs {
            failures.push(format!(
                "{}: pattern {:?}\n  ours:   {ours:?}\n  theirs: {theirs:?}",
                case.id, case.request.filter_pattern
            ));
        }
    }
    failures
}

#[test]
fn every_recorded_aws_case_is_reproduced_by_the_library() {
    let failures = replay(through_library);
    assert!(failures.is_empty(), "{} of {RECORDED_CASES} cases differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_recorded_aws_case_is_reproduced_by_the_command() {
    let failures = replay(through_command);
    assert!(failures.is_empty(), "{} of {RECORDED_CASES} cases differ:\n{}", failures.len(), failures.join("\n"));
}

/// `metric-filter-reference-validation-aws.json`: which metric values and dimensions
/// PutMetricFilter accepts for a pattern (4 recorded probes), replayed through the same
/// parsing and compilation a template's filter goes through.
#[test]
fn put_metric_filter_reference_validation_as_recorded() {
    use trailwatch::metric::{CompiledFilter, MetricFilter, MetricValue, ValueRef};
    let recording: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::testdata("aws/metric-filter-reference-validation-aws.json")).unwrap(),
    )
    .unwrap();
    let cases = recording["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 4);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let compiled = (|| {
            let mut filter = MetricFilter::counting("f", case["filterPattern"].as_str().unwrap(), "NS", "M");
            let t = &mut filter.transformation;
            t.value = MetricValue::parse(case["metricValue"].as_str().unwrap())?;
            t.default_value = case["defaultValue"].as_f64();
            if let Some(dimensions) = case["dimensions"].as_object() {
                for (name, value) in dimensions {
                    t.dimensions.push((name.clone(), ValueRef::parse(value.as_str().unwrap())?));
                }
            }
            CompiledFilter::new(filter).map(|_| ())
        })();
        let expected = &case["expected"];
        if expected["accepted"].as_bool().unwrap() {
            assert_eq!(compiled, Ok(()), "{id}");
        } else {
            assert_eq!(expected["errorCode"], "InvalidParameterException", "{id}");
            let message = compiled.expect_err(id);
            assert!(message.ends_with(expected["message"].as_str().unwrap()), "{id}: {message}");
        }
    }
}
