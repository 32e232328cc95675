//! Replays every recorded AWS TestEventPattern case (testdata/eventbridge, see SOURCE.md
//! there) through the library: every verdict and every rejection message.

use serde::Deserialize;
use serde_json::value::RawValue;

use trailwatch::test_event_pattern::test_event_pattern;

#[derive(Deserialize)]
struct Recording {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    event: Box<RawValue>,
    #[serde(rename = "eventPattern")]
    event_pattern: Box<RawValue>,
    result: Option<bool>,
    error: Option<Expected>,
}

#[derive(Deserialize)]
struct Expected {
    code: String,
    message: String,
}

fn recording() -> Recording {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/eventbridge/test-event-pattern-aws.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("recording")).expect("recording is JSON")
}

#[test]
fn every_recorded_aws_case_is_reproduced() {
    let recording = recording();
    assert_eq!(recording.cases.len(), 93, "all recorded cases are replayed");
    let mut failures = Vec::new();
    for case in &recording.cases {
        let answer = test_event_pattern(case.event_pattern.get(), case.event.get());
        match (&case.error, case.result, answer) {
            (Some(expected), _, Err(error)) => {
                if (error.code, error.message.as_str()) != (expected.code.as_str(), expected.message.as_str()) {
                    failures.push(format!(
                        "{}: {} {:?}, AWS says {} {:?}",
                        case.id, error.code, error.message, expected.code, expected.message
                    ));
                }
            }
            (Some(expected), _, Ok(result)) => {
                failures.push(format!("{}: answered {result}, AWS rejects with {:?}", case.id, expected.message))
            }
            (None, Some(_), Err(error)) => {
                failures.push(format!("{}: rejected with {:?}, AWS accepts", case.id, error.message))
            }
            (None, Some(expected), Ok(result)) => {
                if result != expected {
                    failures.push(format!("{}: answered {result}, AWS answers {expected}", case.id));
                }
            }
            (None, None, _) => failures.push(format!("{}: recording has neither result nor error", case.id)),
        }
    }
    assert!(failures.is_empty(), "{} of 93 cases differ:\n{}", failures.len(), failures.join("\n"));
}
