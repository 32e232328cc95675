//! `trailwatch serve` with a real AWS SDK as its client: boto3 replays the recorded
//! TestMetricFilter answers against the endpoint.

mod serve_support;

use serve_support::{require_tool, Server};

/// Runs boto3 (`tests/serve/aws_sdk_cases.py`) against a fresh server for one service's
/// recording, and checks the script's closing count.
fn boto3_replays(service: &str, recording: &str, expected: &str) {
    if !require_tool("python3", &["-c", "import boto3"], "pip install boto3") {
        return;
    }
    let server = Server::start(&[]);
    let script = serve_support::manifest_path("tests/serve/aws_sdk_cases.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .arg(server.url.trim_end_matches('/'))
        .arg(service)
        .arg(serve_support::manifest_path(recording))
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "boto3 cases failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(expected), "{stdout}");
}

#[test]
fn boto3_gets_the_recorded_test_metric_filter_answers() {
    // 101 recorded answers and one unknown operation.
    boto3_replays("logs", "testdata/aws/filter-pattern-aws.json", "102 passed, 0 failed");
}

#[test]
fn boto3_gets_the_recorded_test_event_pattern_answers() {
    boto3_replays("events", "testdata/eventbridge/test-event-pattern-aws.json", "93 passed, 0 failed");
}

#[test]
fn the_aws_json_protocol_over_http() {
    let server = Server::start(&[]);
    let (status, headers, body) = serve_support::http(
        &server.address,
        "POST",
        "/",
        &[("X-Amz-Target", "Logs_20140328.TestMetricFilter"), ("Content-Type", "application/x-amz-json-1.1")],
        br#"{"filterPattern":"{ $.a = 1 }","logEventMessages":["{\"a\":1}"]}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert!(headers.to_ascii_lowercase().contains("content-type: application/x-amz-json-1.1"), "{headers}");
    assert!(headers.to_ascii_lowercase().contains("x-amzn-requestid:"), "{headers}");
    assert_eq!(body, r#"{"matches":[{"eventNumber":1,"eventMessage":"{\"a\":1}","extractedValues":{}}]}"#);

    let (status, _, body) =
        serve_support::http(&server.address, "POST", "/", &[("X-Amz-Target", "Logs_20140328.Nope")], b"{}");
    assert_eq!((status, body.as_str()), (400, r#"{"__type":"UnknownOperationException"}"#));

    // A body over the limit is refused before it is read whole.
    let big = vec![b' '; trailwatch::serve::BODY_LIMIT + 1];
    let (status, _, _) =
        serve_support::http(&server.address, "POST", "/", &[("X-Amz-Target", "Logs_20140328.TestMetricFilter")], &big);
    assert_eq!(status, 413);

    // The page API answers only when addressed as this machine.
    let (status, _, _) =
        serve_support::http(&server.address, "GET", "/api/files", &[("Host", "attacker.example:8080")], b"");
    assert_eq!(status, 403);
}

/// Any address other than loopback is warned about before listening. 192.0.2.1 (TEST-NET-1,
/// documentation only) is on no machine, so the bind fails and nothing is ever exposed.
#[test]
fn serve_warns_before_listening_off_loopback() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(["serve", "--host", "192.0.2.1", "--port", "0"])
        .output()
        .expect("trailwatch runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning: listening on 192.0.2.1, which other machines may reach"), "{stderr}");
    assert!(stderr.contains("cannot listen on 192.0.2.1:0"), "{stderr}");
    assert_eq!(output.status.code(), Some(2));
}
