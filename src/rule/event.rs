//! A CloudTrail record -> the event EventBridge receives for it.
//!
//! EventBridge wraps each record in its envelope: `version` "0", an `id`, a `detail-type`
//! named after the record's `eventType`, `source` "aws." + the service of `eventSource`,
//! `account`, `time` (the `eventTime`), `region` (the `awsRegion`), `resources` and
//! `detail` = the record itself. Each choice is in docs/semantics.md with its AWS document.

use serde::Deserialize;

/// The record fields the envelope is built from; the rest stay in the record's text.
#[derive(Deserialize)]
struct Fields<'a> {
    #[serde(rename = "eventType", borrow, default)]
    event_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "eventSource", borrow, default)]
    event_source: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "eventName", borrow, default)]
    event_name: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "eventTime", borrow, default)]
    event_time: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "awsRegion", borrow, default)]
    aws_region: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "recipientAccountId", borrow, default)]
    recipient_account_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "eventID", borrow, default)]
    event_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "managementEvent", default)]
    management_event: Option<bool>,
    #[serde(rename = "userIdentity", borrow, default)]
    user_identity: Option<Identity<'a>>,
}

#[derive(Deserialize)]
struct Identity<'a> {
    #[serde(rename = "accountId", borrow, default)]
    account_id: Option<std::borrow::Cow<'a, str>>,
}

/// The event a record becomes on the event bus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusEvent {
    /// The envelope with the record as `detail`, as JSON text.
    pub json: String,
    /// `awsRegion`: only rules in this region receive the event.
    pub region: String,
    /// The `eventTime`, ISO-8601 as the record gives it.
    pub time: String,
    /// A read-only management call (`Get*`, `List*`, `Describe*`): only rules in state
    /// `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS` receive it.
    pub read_only: bool,
}

/// Why a record reaches no event bus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotSent {
    /// Not a JSON object with the fields of a CloudTrail record.
    NotARecord(String),
    /// An `eventType` CloudTrail does not send to EventBridge (for example `AwsVpceEvent`).
    EventType(String),
}

/// The `detail-type` EventBridge gives a CloudTrail record of this `eventType`.
pub fn detail_type(event_type: &str) -> Option<&'static str> {
    Some(match event_type {
        "AwsApiCall" => "AWS API Call via CloudTrail",
        "AwsConsoleSignIn" => "AWS Console Sign In via CloudTrail",
        "AwsConsoleAction" => "AWS Console Action via CloudTrail",
        "AwsServiceEvent" => "AWS Service Event via CloudTrail",
        "AwsCloudTrailInsight" => "AWS Insight via CloudTrail",
        _ => return None,
    })
}

/// `aws.` + the service of an `eventSource` (`signin.amazonaws.com` -> `aws.signin`).
pub fn source(event_source: &str) -> String {
    let service = event_source.strip_suffix(".amazonaws.com").unwrap_or(event_source);
    format!("aws.{service}")
}

/// Whether EventBridge treats the call as a read-only management event: its name begins
/// with `Get`, `List` or `Describe`, except STS `GetFederationToken` and `GetSessionToken`.
pub fn is_read_only(event_source: &str, event_name: &str) -> bool {
    if event_source == "sts.amazonaws.com" && matches!(event_name, "GetFederationToken" | "GetSessionToken") {
        return false;
    }
    ["Get", "List", "Describe"].iter().any(|verb| event_name.starts_with(verb))
}

/// The event for one CloudTrail record (`record` is its JSON text).
pub fn bus_event(record: &str) -> Result<BusEvent, NotSent> {
    let fields: Fields = serde_json::from_str(record).map_err(|e| NotSent::NotARecord(e.to_string()))?;
    let event_source = fields.event_source.as_deref().unwrap_or_default();
    let event_name = fields.event_name.as_deref().unwrap_or_default();
    // Records before eventVersion 1.02 have no eventType: sign-ins come from signin, the
    // rest are API calls.
    let event_type = match fields.event_type.as_deref() {
        Some(t) => t,
        None if event_source == "signin.amazonaws.com" => "AwsConsoleSignIn",
        None => "AwsApiCall",
    };
    let detail_type = detail_type(event_type).ok_or_else(|| NotSent::EventType(event_type.to_string()))?;
    let time = fields.event_time.as_deref().unwrap_or_default().to_string();
    let region = fields.aws_region.as_deref().unwrap_or_default().to_string();
    let account = fields
        .recipient_account_id
        .as_deref()
        .or(fields.user_identity.as_ref().and_then(|i| i.account_id.as_deref()))
        .unwrap_or_default();
    let id = event_id(fields.event_id.as_deref().unwrap_or(record));
    let read_only =
        event_type == "AwsApiCall" && fields.management_event != Some(false) && is_read_only(event_source, event_name);
    let text = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let mut json = String::with_capacity(record.len() + 256);
    json.push_str(r#"{"version":"0","id":"#);
    json.push_str(&text(&id));
    json.push_str(r#","detail-type":"#);
    json.push_str(&text(detail_type));
    json.push_str(r#","source":"#);
    json.push_str(&text(&source(event_source)));
    json.push_str(r#","account":"#);
    json.push_str(&text(account));
    json.push_str(r#","time":"#);
    json.push_str(&text(&time));
    json.push_str(r#","region":"#);
    json.push_str(&text(&region));
    json.push_str(r#","resources":[],"detail":"#);
    json.push_str(record.trim());
    json.push('}');
    Ok(BusEvent { json, region, time, read_only })
}

/// A UUID-shaped id derived from the record's `eventID`: the same record always gets the same
/// id, and different records different ids (two 64-bit FNV-1a hashes, version-4 layout).
pub fn event_id(seed: &str) -> String {
    let fnv = |offset: u64| {
        seed.bytes().fold(offset, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
    };
    let (high, low) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x84222325_cbf29ce4));
    let high = (high & 0xffff_ffff_ffff_0fff) | 0x4000;
    let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn a_record_becomes_the_envelope_with_the_record_as_detail() {
        let record = r#"{"eventVersion":"1.08","eventTime":"2026-01-01T00:07:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","eventID":"abc","eventType":"AwsConsoleSignIn","recipientAccountId":"111122223333","userIdentity":{"type":"Root","accountId":"111122223333"}}"#;
        let event = bus_event(record).unwrap();
        let parsed: Value = serde_json::from_str(&event.json).unwrap();
        assert_eq!(
            parsed,
            json!({"version": "0", "id": event_id("abc"), "detail-type": "AWS Console Sign In via CloudTrail",
                   "source": "aws.signin", "account": "111122223333", "time": "2026-01-01T00:07:00Z",
                   "region": "us-east-1", "resources": [],
                   "detail": serde_json::from_str::<Value>(record).unwrap()})
        );
        assert!(!event.read_only);
    }

    #[test]
    fn detail_types_follow_the_event_type() {
        let of = |t: &str| {
            let record = format!(r#"{{"eventType":"{t}","eventSource":"kms.amazonaws.com","eventName":"RotateKey"}}"#);
            bus_event(&record).map(|e| serde_json::from_str::<Value>(&e.json).unwrap()["detail-type"].clone())
        };
        assert_eq!(of("AwsApiCall").unwrap(), "AWS API Call via CloudTrail");
        assert_eq!(of("AwsServiceEvent").unwrap(), "AWS Service Event via CloudTrail");
        assert_eq!(of("AwsCloudTrailInsight").unwrap(), "AWS Insight via CloudTrail");
        assert_eq!(of("AwsConsoleAction").unwrap(), "AWS Console Action via CloudTrail");
        assert_eq!(of("AwsVpceEvent"), Err(NotSent::EventType("AwsVpceEvent".into())));
        let old = bus_event(r#"{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances"}"#).unwrap();
        assert!(old.json.contains(r#""detail-type":"AWS API Call via CloudTrail","source":"aws.ec2""#));
        assert!(matches!(bus_event("[1]"), Err(NotSent::NotARecord(_))));
    }

    #[test]
    fn read_only_calls_are_named_get_list_or_describe() {
        assert!(is_read_only("ec2.amazonaws.com", "DescribeInstances"));
        assert!(is_read_only("iam.amazonaws.com", "GetRole"));
        assert!(is_read_only("s3.amazonaws.com", "ListBuckets"));
        assert!(!is_read_only("sts.amazonaws.com", "GetSessionToken"));
        assert!(!is_read_only("sts.amazonaws.com", "GetFederationToken"));
        assert!(is_read_only("sts.amazonaws.com", "GetCallerIdentity"));
        assert!(!is_read_only("ec2.amazonaws.com", "RunInstances"));
        let data = r#"{"eventType":"AwsApiCall","eventSource":"s3.amazonaws.com","eventName":"GetObject","managementEvent":false}"#;
        assert!(!bus_event(data).unwrap().read_only, "data events are not management events");
    }

    #[test]
    fn ids_are_stable_uuids() {
        let id = event_id("b62e96933309cdb189c08e1c69a36e9a");
        assert_eq!(id, event_id("b62e96933309cdb189c08e1c69a36e9a"));
        assert_ne!(id, event_id("b62e96933309cdb189c08e1c69a36e9b"));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
