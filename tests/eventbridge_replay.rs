//! End to end: a trailgen trail through the three EventBridge rules of
//! `access-alerts.template.json`, every delivery checked against an independent reading of the
//! records (plain serde_json over each line, not trailwatch's event building or matching).

use std::collections::BTreeMap;
use std::io::Read;
use std::process::Command;

use serde_json::{json, Value};

fn testdata(path: &str) -> String {
    format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn records() -> Vec<Value> {
    let file = std::fs::File::open(testdata("eventbridge/access-alerts/trail.ndjson.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut text).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn field<'a>(record: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(record, |v, k| v.get(k))?.as_str()
}

/// What each rule should deliver for `region`, read straight from the records: (rule, time, input).
fn expected(records: &[Value], region: &str) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for r in records {
        if field(r, &["awsRegion"]) != Some(region) {
            continue;
        }
        let source = field(r, &["eventSource"]).unwrap_or("");
        let name = field(r, &["eventName"]).unwrap_or("");
        let time = field(r, &["eventTime"]).unwrap().to_string();
        let kind = field(r, &["eventType"]).unwrap_or(if source == "signin.amazonaws.com" {
            "AwsConsoleSignIn"
        } else {
            "AwsApiCall"
        });
        let read_only = kind == "AwsApiCall"
            && (name.starts_with("Get") || name.starts_with("List") || name.starts_with("Describe"))
            && !(source == "sts.amazonaws.com" && (name == "GetSessionToken" || name == "GetFederationToken"));
        if read_only {
            continue; // every rule of the template is ENABLED
        }
        if kind == "AwsConsoleSignIn"
            && name == "ConsoleLogin"
            && field(r, &["responseElements", "ConsoleLogin"]) == Some("Failure")
        {
            let user = field(r, &["userIdentity", "userName"]).unwrap_or("");
            let ip = field(r, &["sourceIPAddress"]).unwrap_or("");
            let text = format!("Failed console sign-in by {user} from {ip} at {time}");
            out.push(("failed-console-sign-in".into(), time.clone(), Value::String(text)));
        }
        if matches!(kind, "AwsApiCall" | "AwsConsoleSignIn") && field(r, &["userIdentity", "type"]) == Some("Root") {
            out.push(("root-account-activity".into(), time.clone(), json!({"whole event": r})));
        }
        let sg_change = name.starts_with("AuthorizeSecurityGroup")
            || name.starts_with("RevokeSecurityGroup")
            || name == "CreateSecurityGroup"
            || name == "DeleteSecurityGroup";
        if kind == "AwsApiCall" && source == "ec2.amazonaws.com" && sg_change {
            out.push(("security-group-changes".into(), time, r.clone()));
        }
    }
    out
}

fn replay(region: &str, deliveries_out: &std::path::Path) -> (i32, Vec<Value>) {
    let output = Command::new(env!("CARGO_BIN_EXE_trailwatch"))
        .args(["replay", "--format", "json", "--region", region, "--account-id", "111122223333", "--template"])
        .arg(testdata("templates/access-alerts.template.json"))
        .arg("--deliveries-out")
        .arg(deliveries_out)
        .arg(testdata("eventbridge/access-alerts/trail.ndjson.gz"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (output.status.code().unwrap(), lines)
}

#[test]
fn every_delivery_matches_an_independent_reading_of_the_records() {
    let records = records();
    assert_eq!(records.len(), 2398);
    let dir = std::env::temp_dir().join(format!("trailwatch-e2e-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut seen_per_rule: BTreeMap<String, usize> = BTreeMap::new();
    for region in ["us-east-1", "sa-east-1", "eu-west-1"] {
        let path = dir.join(format!("{region}.ndjson"));
        let (code, lines) = replay(region, &path);
        let (accounting, deliveries) = lines.split_last().unwrap();
        let mut got: Vec<(String, String, Value)> = Vec::new();
        for line in deliveries {
            let d = &line["Delivery"];
            assert_eq!(
                d["target"],
                json!({"id": "Target0", "arn": format!("arn:aws:sns:{region}:111122223333:access-alerts")})
            );
            let rule = d["rule"].as_str().unwrap().to_string();
            let mut input = d["input"].clone();
            if rule == "root-account-activity" {
                // The whole event: check the envelope against the record, then keep the record.
                let r = &input["detail"];
                let source = format!("aws.{}", r["eventSource"].as_str().unwrap().trim_end_matches(".amazonaws.com"));
                let detail_type = match r["eventType"].as_str() {
                    Some("AwsConsoleSignIn") => "AWS Console Sign In via CloudTrail",
                    _ => "AWS API Call via CloudTrail",
                };
                assert_eq!(input["version"], "0");
                assert_eq!(input["source"], source.as_str());
                assert_eq!(input["detail-type"], detail_type);
                let account = r.get("recipientAccountId").unwrap_or(&r["userIdentity"]["accountId"]);
                assert_eq!(&input["account"], account);
                assert_eq!(input["time"], r["eventTime"]);
                assert_eq!(input["region"], region);
                assert_eq!(input["resources"], json!([]));
                assert_eq!(input["id"].as_str().unwrap().len(), 36);
                input = json!({"whole event": r});
            }
            got.push((rule, d["time"].as_str().unwrap().to_string(), input));
        }
        let mut want = expected(&records, region);
        let key = |d: &(String, String, Value)| (d.0.clone(), d.1.clone(), d.2.to_string());
        got.sort_by_key(key);
        want.sort_by_key(key);
        assert_eq!(got, want, "{region}");
        for d in &want {
            *seen_per_rule.entry(d.0.clone()).or_default() += 1;
        }
        // Every delivery is also in --deliveries-out, in the same order as on stdout.
        let written = std::fs::read_to_string(&path).unwrap();
        let written: Vec<Value> = written.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(written.as_slice(), deliveries, "{region}");
        // Per rule, matched + not matched + not received = the events read.
        let accounting = &accounting["Accounting"];
        for rule in accounting["rules"].as_array().unwrap() {
            let sum: u64 = ["matched", "notMatched", "notReceived"].iter().map(|k| rule[k].as_u64().unwrap()).sum();
            assert_eq!(sum, 2398, "{rule}");
            let name = rule["ruleName"].as_str().unwrap();
            let delivered = want.iter().filter(|d| d.0 == name).count() as u64;
            assert_eq!((rule["matched"].as_u64(), rule["delivered"].as_u64()), (Some(delivered), Some(delivered)));
        }
        assert_eq!(code, if want.is_empty() { 1 } else { 0 }, "{region}: exit status");
    }
    // The trail exercises every rule: 7 failed sign-ins (sa-east-1), root writes and
    // security-group changes (us-east-1); eu-west-1 receives nothing.
    assert_eq!(seen_per_rule.get("failed-console-sign-in"), Some(&7));
    assert!(seen_per_rule.get("root-account-activity").is_some_and(|n| *n >= 3));
    assert!(seen_per_rule.get("security-group-changes").is_some_and(|n| *n >= 5));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_text_report_lists_rules_and_an_unwritable_deliveries_file_is_an_error() {
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_trailwatch"))
            .args(["replay", "--region", "sa-east-1", "--template"])
            .arg(testdata("templates/access-alerts.template.json"))
            .args(extra)
            .arg(testdata("eventbridge/access-alerts/trail.ndjson.gz"))
            .output()
            .unwrap()
    };
    let text = run(&[]);
    let stdout = String::from_utf8(text.stdout).unwrap();
    assert!(stdout.contains("failed-console-sign-in (ENABLED, bus default)"), "{stdout}");
    assert!(stdout.contains("matched 7, not matched 1, not received 2390"), "{stdout}");
    assert!(stdout.contains("first 2026-01-01 00:07:00 UTC, last 2026-01-01 00:15:02 UTC"), "{stdout}");
    assert!(
        stdout.contains(r#"Target0  "Failed console sign-in by alucloud00 from 203.0.113.81 at 2026-01-01T00:07:00Z""#)
    );
    assert_eq!(text.status.code(), Some(0));
    let failed = run(&["--deliveries-out", "/nonexistent-dir/deliveries.ndjson"]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(String::from_utf8(failed.stderr).unwrap().contains("/nonexistent-dir/"));
}
