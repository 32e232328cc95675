//! A CloudTrail record as an entry of CloudTrail's Event history (the LookupEvents API's
//! `Event`): the fields it shows, and how `Username` and `Resources` come from the record
//! (docs/semantics.md, "lookup-events", gives the rules and their sources).

use serde_json::Value;

/// One resource of an event, as LookupEvents lists it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Resource {
    pub resource_type: String,
    pub resource_name: String,
}

/// The LookupEvents view of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEvent {
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    /// `"true"` or `"false"`, a string as the API returns it.
    pub read_only: Option<String>,
    pub access_key_id: Option<String>,
    /// Milliseconds (the record's eventTime).
    pub event_time: i64,
    pub event_source: Option<String>,
    pub username: Option<String>,
    pub resources: Vec<Resource>,
    /// What the record says it is: `Management`, `Data`, `Insight`, ...
    pub category: Category,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Management,
    Insight,
    /// Data and network-activity events: not in Event history.
    Other,
}

/// The request parameters that name a resource, with the resource type Event history
/// gives them: (parameter, type). A parameter holding a list of names gives one each.
const NAMED_BY_PARAMETER: &[(&str, &str)] = &[
    ("bucketName", "AWS::S3::Bucket"),
    ("userName", "AWS::IAM::User"),
    ("roleName", "AWS::IAM::Role"),
    ("groupName", "AWS::IAM::Group"),
    ("policyArn", "AWS::IAM::Policy"),
    ("instanceProfileName", "AWS::IAM::InstanceProfile"),
    ("accessKeyId", "AWS::IAM::AccessKey"),
    ("instanceId", "AWS::EC2::Instance"),
    ("groupId", "AWS::EC2::SecurityGroup"),
    ("vpcId", "AWS::EC2::VPC"),
    ("subnetId", "AWS::EC2::Subnet"),
    ("volumeId", "AWS::EC2::Volume"),
    ("keyName", "AWS::EC2::KeyPair"),
    ("keyId", "AWS::KMS::Key"),
    ("functionName", "AWS::Lambda::Function"),
    ("dBInstanceIdentifier", "AWS::RDS::DBInstance"),
    ("trailName", "AWS::CloudTrail::Trail"),
    ("logGroupName", "AWS::Logs::LogGroup"),
    ("topicArn", "AWS::SNS::Topic"),
    ("alarmName", "AWS::CloudWatch::Alarm"),
    ("stackName", "AWS::CloudFormation::Stack"),
    ("secretId", "AWS::SecretsManager::Secret"),
];

/// The most resources kept per event (a request naming thousands of objects lists the
/// first ones).
pub const MAX_RESOURCES: usize = 100;

impl HistoryEvent {
    /// The view of `record`; `None` when it is not a CloudTrail record (no object, no
    /// eventTime).
    pub fn of(record: &Value, event_time: i64) -> Option<HistoryEvent> {
        let object = record.as_object()?;
        let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_string);
        let identity = object.get("userIdentity");
        // Records before eventVersion 1.05 carry no readOnly, but Event history shows one for
        // every call: it is then decided by the call's name, as EventBridge decides it.
        let read_only = match object.get("readOnly") {
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(Value::String(s)) if s == "true" || s == "false" => Some(s.clone()),
            _ => match (text("eventSource"), text("eventName")) {
                (Some(source), Some(name)) => Some(crate::rule::is_read_only(&source, &name).to_string()),
                _ => None,
            },
        };
        let category = match object.get("eventCategory").and_then(Value::as_str) {
            Some("Insight") => Category::Insight,
            Some("Management") | None if object.get("managementEvent") != Some(&Value::Bool(false)) => {
                Category::Management
            }
            _ => Category::Other,
        };
        Some(HistoryEvent {
            event_id: text("eventID"),
            event_name: text("eventName"),
            read_only,
            access_key_id: identity.and_then(|i| i.get("accessKeyId")).and_then(Value::as_str).map(str::to_string),
            event_time,
            event_source: text("eventSource"),
            username: identity.and_then(username),
            resources: resources(record),
            category,
        })
    }
}

/// Who Event history names as the user: the IAM user's name; `root` for the root user;
/// the session name of an assumed role or federated user (the last part of the ARN);
/// otherwise the identity's `userName`, else nothing.
fn username(identity: &Value) -> Option<String> {
    let field = |key: &str| identity.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    let after_slash = || field("arn").and_then(|arn| arn.rsplit_once('/')).map(|(_, name)| name.to_string());
    match field("type") {
        Some("Root") => Some("root".to_string()),
        Some("AssumedRole") | Some("FederatedUser") => after_slash().or_else(|| field("userName").map(str::to_string)),
        Some("IAMUser") => field("userName").map(str::to_string).or_else(after_slash),
        _ => field("userName").map(str::to_string),
    }
}

/// The record's `resources` (type and ARN), then the resources its request parameters
/// name, without repeats, at most [`MAX_RESOURCES`].
fn resources(record: &Value) -> Vec<Resource> {
    let mut found: Vec<Resource> = Vec::new();
    let mut add = |resource_type: &str, name: &str| {
        let resource = Resource { resource_type: resource_type.to_string(), resource_name: name.to_string() };
        if found.len() < MAX_RESOURCES && !name.is_empty() && !found.contains(&resource) {
            found.push(resource);
        }
    };
    if let Some(listed) = record.get("resources").and_then(Value::as_array) {
        for resource in listed {
            let arn = resource.get("ARN").or_else(|| resource.get("arn")).and_then(Value::as_str);
            if let (Some(kind), Some(arn)) = (resource.get("type").and_then(Value::as_str), arn) {
                add(kind, arn);
            }
        }
    }
    if let Some(parameters) = record.get("requestParameters") {
        for (parameter, kind) in NAMED_BY_PARAMETER {
            each_named(parameters, parameter, 0, &mut |name| add(kind, name));
        }
    }
    found
}

/// Every string value of `key` in `value`, however deep (EC2 nests instance IDs in
/// `instancesSet.items[]`), to a bounded depth.
fn each_named(value: &Value, key: &str, depth: usize, found: &mut dyn FnMut(&str)) {
    if depth > 8 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(s) if k == key => found(s),
                    Value::Array(items) if k == key => {
                        items.iter().filter_map(Value::as_str).for_each(&mut *found);
                    }
                    _ => each_named(v, key, depth + 1, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| each_named(item, key, depth + 1, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(record: Value) -> HistoryEvent {
        HistoryEvent::of(&record, 0).expect("a record")
    }

    #[test]
    fn usernames_follow_the_identity_type() {
        let user =
            view(json!({"userIdentity": {"type": "IAMUser", "userName": "Mateo", "arn": "arn:aws:iam::1:user/Mateo"}}));
        assert_eq!(user.username.as_deref(), Some("Mateo"));
        let root = view(json!({"userIdentity": {"type": "Root", "arn": "arn:aws:iam::1:root"}}));
        assert_eq!(root.username.as_deref(), Some("root"));
        let role =
            view(json!({"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/Admin/alice",
            "sessionContext": {"sessionIssuer": {"userName": "Admin"}}}}));
        assert_eq!(role.username.as_deref(), Some("alice"));
        let service = view(json!({"userIdentity": {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}}));
        assert_eq!(service.username, None);
        let failed = view(json!({"userIdentity": {"type": "IAMUser", "userName": "HIDDEN_DUE_TO_SECURITY_REASONS"}}));
        assert_eq!(failed.username.as_deref(), Some("HIDDEN_DUE_TO_SECURITY_REASONS"));
    }

    #[test]
    fn resources_come_from_the_record_and_its_parameters() {
        let event = view(json!({
            "resources": [{"ARN": "arn:aws:s3:::logs", "type": "AWS::S3::Bucket"}],
            "requestParameters": {"bucketName": "logs", "instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]}}
        }));
        let names: Vec<(&str, &str)> =
            event.resources.iter().map(|r| (r.resource_type.as_str(), r.resource_name.as_str())).collect();
        assert_eq!(
            names,
            [
                ("AWS::S3::Bucket", "arn:aws:s3:::logs"),
                ("AWS::S3::Bucket", "logs"),
                ("AWS::EC2::Instance", "i-1"),
                ("AWS::EC2::Instance", "i-2")
            ]
        );
    }

    #[test]
    fn categories_keep_data_events_out() {
        assert_eq!(view(json!({})).category, Category::Management);
        assert_eq!(view(json!({"eventCategory": "Management"})).category, Category::Management);
        assert_eq!(view(json!({"eventCategory": "Data", "managementEvent": false})).category, Category::Other);
        assert_eq!(view(json!({"managementEvent": false})).category, Category::Other);
        assert_eq!(view(json!({"eventCategory": "Insight"})).category, Category::Insight);
        assert_eq!(view(json!({"readOnly": true})).read_only.as_deref(), Some("true"));
    }

    #[test]
    fn read_only_without_the_field_follows_the_calls_name() {
        let call = |source: &str, name: &str| json!({"eventSource": source, "eventName": name});
        assert_eq!(view(call("ec2.amazonaws.com", "DescribeInstances")).read_only.as_deref(), Some("true"));
        assert_eq!(view(call("ec2.amazonaws.com", "RunInstances")).read_only.as_deref(), Some("false"));
        assert_eq!(view(call("sts.amazonaws.com", "GetSessionToken")).read_only.as_deref(), Some("false"));
        // The record's own field wins; without a name nothing is claimed.
        let mut recorded = call("ec2.amazonaws.com", "DescribeInstances");
        recorded["readOnly"] = json!(false);
        assert_eq!(view(recorded).read_only.as_deref(), Some("false"));
        assert_eq!(view(json!({"eventSource": "s3.amazonaws.com"})).read_only, None);
        assert!(HistoryEvent::of(&json!([1]), 0).is_none());
    }
}
