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

fn trailwatch(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_trailwatch")).args(args).output().expect("trailwatch runs")
}

#[test]
fn the_command_reproduces_every_recorded_case() {
    let recording = recording();
    let mut failures = Vec::new();
    for case in &recording.cases {
        let output = trailwatch(&[
            "test-event-pattern",
            "--event-pattern",
            case.event_pattern.get(),
            "--event",
            case.event.get(),
        ]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        match (&case.error, case.result) {
            (Some(expected), _) => {
                let line = format!(
                    "\nAn error occurred ({}) when calling the TestEventPattern operation: {}\n",
                    expected.code, expected.message
                );
                if output.status.code() != Some(254) || !stderr.starts_with(&line) || !stderr.contains('^') {
                    failures.push(format!("{}: exit {:?}, stderr {stderr:?}", case.id, output.status.code()));
                }
            }
            (None, Some(expected)) => {
                let answer = format!("{{\n    \"Result\": {expected}\n}}\n");
                if output.status.code() != Some(0) || stdout != answer {
                    failures.push(format!(
                        "{}: exit {:?}, stdout {stdout:?}, stderr {stderr:?}",
                        case.id,
                        output.status.code()
                    ));
                }
            }
            (None, None) => failures.push(format!("{}: recording has neither result nor error", case.id)),
        }
    }
    assert!(failures.is_empty(), "{} of 93 cases differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_command_reads_files_and_cli_input_json_and_refuses_bad_events() {
    let dir = std::env::temp_dir().join(format!("trailwatch-test-{}-event-pattern", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let event = r#"{"id": "1", "account": "1", "source": "aws.s3", "time": "2024-01-01T00:00:00Z", "region": "eu-west-1", "detail-type": "x"}"#;
    let pattern = r#"{"source": [{"prefix": "aws."}]}"#;
    std::fs::write(dir.join("event.json"), event).unwrap();
    std::fs::write(dir.join("pattern.json"), pattern).unwrap();
    let file = |name: &str| format!("file://{}", dir.join(name).display());
    let output =
        trailwatch(&["test-event-pattern", "--event-pattern", &file("pattern.json"), "--event", &file("event.json")]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "{\n    \"Result\": true\n}\n");
    let request = serde_json::json!({"EventPattern": r#"{"source": ["aws.ec2"]}"#, "Event": event}).to_string();
    std::fs::write(dir.join("request.json"), &request).unwrap();
    let output = trailwatch(&["test-event-pattern", "--cli-input-json", &file("request.json")]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "{\n    \"Result\": false\n}\n");
    // A flag overrides the request's field.
    let output = trailwatch(&["test-event-pattern", "--cli-input-json", &request, "--event-pattern", pattern]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "{\n    \"Result\": true\n}\n");

    let output = trailwatch(&["test-event-pattern", "--event-pattern", pattern, "--event", r#"{"id": "1"}"#]);
    assert_eq!(output.status.code(), Some(254));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with(
        "\nAn error occurred (ValidationException) when calling the TestEventPattern operation: Parameter Event is not valid.\n"
    ));
    assert!(stderr.contains("\"account\""), "{stderr}");

    let output = trailwatch(&["test-event-pattern", "--event-pattern", &file("missing.json"), "--event", event]);
    assert_eq!(output.status.code(), Some(252));
    let output = trailwatch(&["test-event-pattern", "--event", event]);
    assert_ne!(output.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}
