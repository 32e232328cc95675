//! Throughput measurement for `trailwatch bench`: a corpus in memory, split into lines
//! without copying, and the best of several timed passes of a matcher over it.
//!
//! Figures are only meaningful next to a baseline measured in the same run (see
//! `docs/performance.md`), so this module returns plain durations and leaves the ratios
//! to the caller.

use std::io::Read;
use std::time::{Duration, Instant};

use crate::event_pattern::EventMatcherSet;
use crate::matcher::{Matcher, MatcherSet};

/// The bundled seed: the compact form of the 335 real records in `testdata/cloudtrail`.
const SEED: &[u8] = include_bytes!("../testdata/bench/seed.ndjson.gz");

/// A failed console sign-in, mixed into generated corpora so that the selective patterns
/// have something to find.
const FAILED_SIGN_IN: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","accountId":"123456789012","accountName":"example","userName":"alice"},"eventTime":"2026-01-01T00:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"Mozilla/5.0","errorMessage":"Failed authentication","requestParameters":null,"responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/","MobileVersion":"No","MFAUsed":"No"},"eventID":"00000000-0000-0000-0000-000000000000","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}"#;

/// One failed sign-in per this many generated events.
const FAILED_SIGN_IN_EVERY: usize = 1000;

/// Event messages held in memory.
pub struct Corpus {
    text: String,
    /// Byte ranges of the lines (without line ends).
    lines: Vec<(usize, usize)>,
    /// Lines passed over because they are not UTF-8.
    pub skipped: usize,
}

impl Corpus {
    /// One event per line; lines that are not UTF-8 are counted and skipped.
    pub fn from_bytes(bytes: Vec<u8>) -> Corpus {
        let mut text = String::with_capacity(bytes.len());
        let mut lines = Vec::new();
        let mut skipped = 0;
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            match std::str::from_utf8(line) {
                Ok(line) if !line.is_empty() => {
                    lines.push((text.len(), text.len() + line.len()));
                    text.push_str(line);
                    text.push('\n');
                }
                Ok(_) => {}
                Err(_) => skipped += 1,
            }
        }
        Corpus { text, lines, skipped }
    }

    /// A file's events (gzip is undone).
    pub fn from_file(path: &std::path::Path) -> std::io::Result<Corpus> {
        let raw = std::fs::read(path)?;
        Ok(Corpus::from_bytes(gunzip_if_needed(raw)?))
    }

    /// About `size` bytes of real CloudTrail records (the bundled seed, cycled in a fixed
    /// shuffled order), with a failed console sign-in every thousand events.
    pub fn generate(size: usize) -> Corpus {
        let seed = gunzip_if_needed(SEED.to_vec()).unwrap_or_default();
        let records: Vec<&[u8]> = seed.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
        let mut out = Vec::with_capacity(size + 4096);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut count = 0;
        while out.len() < size && !records.is_empty() {
            count += 1;
            if count % FAILED_SIGN_IN_EVERY == 0 {
                out.extend_from_slice(FAILED_SIGN_IN.as_bytes());
            } else {
                // xorshift: a fixed, repeatable order.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                out.extend_from_slice(records[(state % records.len() as u64) as usize]);
            }
            out.push(b'\n');
        }
        Corpus::from_bytes(out)
    }

    pub fn lines(&self) -> impl Iterator<Item = &str> + '_ {
        self.lines.iter().map(|&(start, end)| &self.text[start..end])
    }

    pub fn events(&self) -> usize {
        self.lines.len()
    }

    /// Bytes of the corpus, line ends included.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

fn gunzip_if_needed(raw: Vec<u8>) -> std::io::Result<Vec<u8>> {
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut out)?;
    Ok(out)
}

/// The services and calls of the built-in EventBridge rules: what security teams alert on.
const RULE_SERVICES: [(&str, &[&str]); 20] = [
    (
        "iam",
        &["CreateUser", "DeleteUser", "CreateAccessKey", "AttachUserPolicy", "PutUserPolicy", "CreateLoginProfile"],
    ),
    ("sts", &["AssumeRole", "GetFederationToken", "GetSessionToken"]),
    ("signin", &["ConsoleLogin", "SwitchRole", "ExitRole"]),
    ("cloudtrail", &["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"]),
    ("s3", &["PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl", "PutBucketPublicAccessBlock", "DeleteBucket"]),
    ("ec2", &["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "CreateSecurityGroup", "RunInstances"]),
    ("kms", &["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy", "CreateGrant"]),
    ("config", &["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutConfigurationRecorder"]),
    ("organizations", &["LeaveOrganization", "RemoveAccountFromOrganization", "DetachPolicy"]),
    ("lambda", &["CreateFunction20150331", "UpdateFunctionCode20150331v2", "AddPermission20150331v2"]),
    ("rds", &["ModifyDBInstance", "DeleteDBInstance", "CreateDBSnapshot", "ModifyDBSnapshotAttribute"]),
    ("guardduty", &["DeleteDetector", "UpdateDetector", "DisassociateFromMasterAccount"]),
    ("secretsmanager", &["GetSecretValue", "DeleteSecret", "PutResourcePolicy"]),
    ("ssm", &["StartSession", "SendCommand", "GetParameter", "DeleteParameter"]),
    ("logs", &["DeleteLogGroup", "DeleteMetricFilter", "PutRetentionPolicy"]),
    ("sns", &["DeleteTopic", "SetTopicAttributes", "Unsubscribe"]),
    ("route53", &["ChangeResourceRecordSets", "DeleteHostedZone"]),
    ("elasticloadbalancing", &["DeleteLoadBalancer", "ModifyLoadBalancerAttributes"]),
    ("dynamodb", &["DeleteTable", "UpdateTable", "DeleteBackup"]),
    ("cloudformation", &["DeleteStack", "UpdateStack", "CreateStack"]),
];

/// 100 realistic EventBridge rules over CloudTrail events, five per service: its sensitive
/// calls; failed deletions; access denied; root or unauthenticated use; calls from outside
/// AWS, each varied with the operators real rules use (`prefix`, `anything-but`, `exists`,
/// `$or`, `wildcard`, `cidr`, `equals-ignore-case`, `numeric`).
pub fn cloudtrail_event_rules() -> Vec<String> {
    let mut rules = Vec::with_capacity(100);
    for (i, (service, calls)) in RULE_SERVICES.iter().enumerate() {
        let source = format!("aws.{service}");
        let event_source = format!("{service}.amazonaws.com");
        let names = serde_json::to_string(calls).unwrap_or_default();
        rules.push(format!(
            r#"{{"source": ["{source}"], "detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"], "detail": {{"eventSource": ["{event_source}"], "eventName": {names}}}}}"#
        ));
        rules.push(format!(
            r#"{{"source": ["{source}"], "detail": {{"eventName": [{{"prefix": "Delete"}}, {{"prefix": "Remove"}}], "errorCode": [{{"exists": true}}]}}}}"#
        ));
        rules.push(format!(
            r#"{{"source": ["{source}"], "detail": {{"errorCode": ["AccessDenied", "UnauthorizedOperation", {{"prefix": "Client."}}, {{"equals-ignore-case": "accessdeniedexception"}}]}}}}"#
        ));
        rules.push(if i % 2 == 0 {
            format!(
                r#"{{"source": ["{source}"], "detail": {{"$or": [{{"userIdentity": {{"type": ["Root"]}}}}, {{"userIdentity": {{"sessionContext": {{"attributes": {{"mfaAuthenticated": ["false"]}}}}}}, "eventName": {names}}}]}}}}"#
            )
        } else {
            format!(
                r#"{{"detail": {{"eventSource": ["{event_source}"], "userIdentity": {{"type": [{{"anything-but": ["AssumedRole", "AWSService"]}}], "arn": [{{"wildcard": "arn:aws:iam::*:user/*"}}]}}}}}}"#
            )
        });
        rules.push(if i % 2 == 0 {
            format!(
                r#"{{"detail": {{"eventSource": ["{event_source}"], "sourceIPAddress": [{{"anything-but": {{"suffix": ".amazonaws.com"}}}}], "readOnly": [false]}}}}"#
            )
        } else {
            format!(
                r#"{{"source": ["{source}"], "detail": {{"sourceIPAddress": [{{"cidr": "198.51.100.0/24"}}, {{"cidr": "203.0.113.0/24"}}], "eventVersion": [{{"numeric": [">=", 1.05]}}]}}}}"#
            )
        });
    }
    rules
}

/// The EventBridge event a CloudTrail record becomes, with a minimal envelope (replay
/// builds the full one): `detail-type` from `eventType`, `source` from `eventSource`, the
/// record itself as `detail`. `None` when the record is not a JSON object.
pub fn minimal_eventbridge_event(record: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(record).ok()?;
    let field = |name: &str| value.get(name).and_then(serde_json::Value::as_str).unwrap_or("");
    let detail_type = match field("eventType") {
        "AwsConsoleSignIn" => "AWS Console Sign In via CloudTrail",
        "AwsServiceEvent" => "AWS Service Event via CloudTrail",
        "AwsCloudTrailInsight" => "AWS Insight via CloudTrail",
        _ => "AWS API Call via CloudTrail",
    };
    let service = field("eventSource").split('.').next().unwrap_or("");
    let envelope = serde_json::json!({
        "version": "0",
        "id": field("eventID"),
        "detail-type": detail_type,
        "source": format!("aws.{service}"),
        "account": field("recipientAccountId"),
        "time": field("eventTime"),
        "region": field("awsRegion"),
        "resources": [],
    })
    .to_string();
    // The record's own text as the detail, so that reading it is measured as it is.
    Some(format!("{},\"detail\":{record}}}", &envelope[..envelope.len() - 1]))
}

impl Corpus {
    /// The EventBridge events of this corpus's CloudTrail records (other lines dropped).
    pub fn eventbridge_events(&self) -> Corpus {
        let mut out = String::with_capacity(self.bytes() + self.events() * 200);
        for line in self.lines() {
            if let Some(event) = minimal_eventbridge_event(line) {
                out.push_str(&event);
                out.push('\n');
            }
        }
        Corpus::from_bytes(out.into_bytes())
    }
}

/// How many (event, pattern) matches an EventBridge rule set finds, one pass per event.
pub fn count_event_pattern_matches(corpus: &Corpus, set: &EventMatcherSet) -> u64 {
    let mut out = Vec::new();
    let mut count = 0;
    for line in corpus.lines() {
        set.matching(line, &mut out);
        count += out.len() as u64;
    }
    count
}

/// The outcome of timing one workload.
#[derive(Clone, Copy, Debug)]
pub struct Measurement {
    /// The best of the passes.
    pub best: Duration,
    /// What the workload counted (matches), the same on every pass.
    pub count: u64,
}

impl Measurement {
    pub fn mb_per_second(&self, bytes: usize) -> f64 {
        bytes as f64 / 1e6 / self.best.as_secs_f64().max(1e-9)
    }

    pub fn per_second(&self, items: usize) -> f64 {
        items as f64 / self.best.as_secs_f64().max(1e-9)
    }
}

/// Runs `work` `passes` times (at least once) and keeps the fastest.
pub fn measure(passes: usize, mut work: impl FnMut() -> u64) -> Measurement {
    let mut best = Duration::MAX;
    let mut count = 0;
    for _ in 0..passes.max(1) {
        let start = Instant::now();
        count = std::hint::black_box(work());
        best = best.min(start.elapsed());
    }
    Measurement { best, count }
}

/// How many events `matcher` matches.
pub fn count_matches(corpus: &Corpus, matcher: &dyn Matcher) -> u64 {
    corpus.lines().filter(|line| matcher.is_match(line)).count() as u64
}

/// How many (event, pattern) matches a set finds, all patterns in one pass.
pub fn count_set_matches(corpus: &Corpus, set: &MatcherSet) -> u64 {
    let mut count = 0;
    for line in corpus.lines() {
        set.for_each_match(line, |_, _| count += 1);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::compile_text;

    #[test]
    fn generated_corpora_are_real_records_with_known_sign_in_failures() {
        let corpus = Corpus::generate(2_000_000);
        assert!(corpus.bytes() >= 2_000_000 && corpus.events() > 1000);
        assert_eq!(corpus.skipped, 0);
        let failed =
            compile_text(r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" }"#).unwrap();
        assert_eq!(count_matches(&corpus, failed.as_ref()), (corpus.events() / FAILED_SIGN_IN_EVERY) as u64);
        // The same size gives the same bytes.
        assert_eq!(Corpus::generate(100_000).text(), Corpus::generate(100_000).text());
    }

    #[test]
    fn the_built_in_event_rules_are_valid_and_find_events() {
        let rules = cloudtrail_event_rules();
        assert_eq!(rules.len(), 100);
        let parsed: Vec<_> =
            rules.iter().map(|r| crate::event_pattern::parse(r).unwrap_or_else(|e| panic!("{r}: {e}"))).collect();
        let events = Corpus::generate(300_000).eventbridge_events();
        assert!(events.events() > 100);
        let set = EventMatcherSet::new(&parsed);
        let matches = count_event_pattern_matches(&events, &set);
        assert!(matches > 0 && matches < events.events() as u64 * 10, "{matches}");
        // Each event matches what the reference says it matches.
        let mut out = Vec::new();
        for event in events.lines().take(300) {
            set.matching(event, &mut out);
            let expected: Vec<usize> = parsed
                .iter()
                .enumerate()
                .filter(|(_, p)| crate::event_pattern::reference::matches_text(p, event))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(out, expected);
        }
    }

    #[test]
    fn lines_split_without_their_ends_and_skip_invalid_utf8() {
        let corpus = Corpus::from_bytes(b"a\r\n\nb\n\xff\nc".to_vec());
        assert_eq!(corpus.lines().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(corpus.skipped, 1);
    }
}
