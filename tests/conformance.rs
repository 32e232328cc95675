//! Replays every recorded AWS TestMetricFilter case through the library: every verdict,
//! every extracted value (in AWS's key order) and every rejection message.

mod common;

use trailwatch::test_metric_filter::{test_metric_filter, Limits, Request};

/// One match as compared: event number, message, extracted values in order.
type Answer<'a> = Vec<(u64, &'a str, Vec<(&'a str, &'a str)>)>;

#[test]
fn every_recorded_aws_case_is_reproduced() {
    let recording = common::load_recording();
    assert_eq!(recording.cases.len(), 101, "all recorded cases are replayed");
    let mut failures = Vec::new();
    for case in &recording.cases {
        let request = Request {
            filter_pattern: case.request.filter_pattern.clone(),
            log_event_messages: case.request.log_event_messages.clone(),
        };
        let answer = test_metric_filter(&request, Limits::Aws);
        match (&case.error, &case.response, answer) {
            (Some(expected), _, Err(error)) => {
                assert_eq!(expected.code, "InvalidParameterException");
                if error.message != expected.message {
                    failures.push(format!("{}: message {:?}, AWS says {:?}", case.id, error.message, expected.message));
                }
            }
            (Some(expected), _, Ok(_)) => {
                failures.push(format!("{}: accepted, AWS rejects with {:?}", case.id, expected.message))
            }
            (None, Some(_), Err(error)) => {
                failures.push(format!("{}: rejected with {:?}, AWS accepts", case.id, error.message))
            }
            (None, Some(expected), Ok(response)) => {
                let ours: Answer = response
                    .matches
                    .iter()
                    .map(|m| (m.event_number, m.event_message.as_str(), m.extracted_values.iter().collect()))
                    .collect();
                let theirs: Answer = expected
                    .matches
                    .iter()
                    .map(|m| {
                        let values = m.extracted_values.0.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                        (m.event_number, m.event_message.as_str(), values)
                    })
                    .collect();
                if ours != theirs {
                    failures.push(format!(
                        "{}: pattern {:?}\n  ours:   {ours:?}\n  theirs: {theirs:?}",
                        case.id, case.request.filter_pattern
                    ));
                }
            }
            (None, None, _) => failures.push(format!("{}: recording has neither response nor error", case.id)),
        }
    }
    assert!(failures.is_empty(), "{} of 101 cases differ:\n{}", failures.len(), failures.join("\n"));
}
