//! `trailwatch lookup-events` over the bundled sample trail (no S3 server): the CLI's JSON,
//! newest first, paging that neither repeats nor skips, attribute filters, exit codes, and
//! the errors of bad flags.

use std::process::{Command, Output};

const TRAIL: &str = "testdata/sample/trail";

fn lookup(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .arg("lookup-events")
        .args(args)
        .arg(TRAIL)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("trailwatch runs")
}

fn json(output: &Output) -> serde_json::Value {
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("the CLI's JSON")
}

fn ids(page: &serde_json::Value) -> Vec<String> {
    page["Events"].as_array().expect("Events").iter().map(|e| e["EventId"].as_str().expect("id").to_string()).collect()
}

#[test]
fn every_event_newest_first_and_pages_that_add_up() {
    let all = json(&lookup(&[]));
    let events = all["Events"].as_array().expect("Events");
    assert_eq!(events.len(), 441, "the sample trail's records");
    assert!(all.get("NextToken").is_none());
    let times: Vec<&str> = events.iter().map(|e| e["EventTime"].as_str().expect("time")).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for event in events {
        for key in ["EventId", "EventName", "ReadOnly", "EventTime", "EventSource", "Resources", "CloudTrailEvent"] {
            assert!(event.get(key).is_some(), "{key} missing in {event}");
        }
    }
    // Pages of 100 continue strictly after each other and together give every event once.
    let mut paged = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut args = vec!["--max-items", "100"];
        if let Some(t) = &token {
            args.extend(["--starting-token", t.as_str()]);
        }
        let page = json(&lookup(&args));
        paged.extend(ids(&page));
        match page.get("NextToken").and_then(|t| t.as_str()) {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(paged, ids(&all));
}

#[test]
fn attributes_select_and_no_match_exits_1() {
    let page = json(&lookup(&["--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetBucketWebsite"]));
    let events = page["Events"].as_array().expect("Events");
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["EventName"] == "GetBucketWebsite" && e["ReadOnly"] == "true"));
    let writes = json(&lookup(&["--lookup-attributes", "AttributeKey=ReadOnly,AttributeValue=false"]));
    let writes = writes["Events"].as_array().expect("Events");
    assert!(!writes.is_empty() && writes.len() < 441);
    assert!(writes.iter().all(|e| e["ReadOnly"] == "false"));
    let none = lookup(&["--lookup-attributes", "AttributeKey=EventName,AttributeValue=NoSuchCall"]);
    assert_eq!(none.status.code(), Some(1));
}

#[test]
fn bad_flags_are_errors_that_say_what_to_write() {
    let cases: [(&[&str], i32, &str); 4] = [
        (&["--lookup-attributes", "AttributeKey=Bogus,AttributeValue=x"], 252, "use one of EventId"),
        (&["--starting-token", "garbage"], 254, "InvalidNextTokenException"),
        (&["--max-items", "0"], 2, "--max-items must be between 1 and"),
        (&["--start-time", "2026-13-01"], 252, "a relative time like -7d"),
    ];
    for (args, code, message) in cases {
        let output = lookup(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed an answer");
    }
    // A token is tied to its query: another query refuses it.
    let first = json(&lookup(&["--max-items", "1"]));
    let token = first["NextToken"].as_str().expect("a token");
    let other = lookup(&["--max-items", "1", "--starting-token", token, "--event-category", "insight"]);
    assert_eq!(other.status.code(), Some(254), "{}", String::from_utf8_lossy(&other.stderr));
}
