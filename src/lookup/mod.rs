//! `lookup-events` over archives: CloudTrail's LookupEvents (the console's Event history)
//! answered from trail files, for any span of time, with the aws CLI's output and paging.
//!
//! Records -> [`HistoryEvent`] (derive.rs) -> the query's attribute and category -> the
//! newest first, paged by a token that names the last event printed. Only the events a
//! page needs are held: at most `--max-items` (or [`MAX_HELD`] without it).

mod derive;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use derive::{Category, HistoryEvent, Resource, MAX_RESOURCES};

use crate::source::{read_inputs_parallel, FileTally, Millis, Parts, ReadOptions, Record, Rejection};

/// The most events one answer holds (without `--max-items`, every match is printed,
/// newest first, so all must be held to be sorted): narrow the window or page beyond it.
pub const MAX_HELD: usize = 200_000;

/// The largest `--max-items`.
pub const MAX_ITEMS: usize = MAX_HELD;

/// The longest attribute value LookupEvents accepts.
pub const MAX_ATTRIBUTE_VALUE: usize = 2000;

/// How many rejections are kept with their location (all are counted).
const KEPT_REJECTIONS: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttributeKey {
    EventId,
    EventName,
    ReadOnly,
    Username,
    ResourceType,
    ResourceName,
    EventSource,
    AccessKeyId,
}

impl AttributeKey {
    const ALL: [(&'static str, AttributeKey); 8] = [
        ("EventId", AttributeKey::EventId),
        ("EventName", AttributeKey::EventName),
        ("ReadOnly", AttributeKey::ReadOnly),
        ("Username", AttributeKey::Username),
        ("ResourceType", AttributeKey::ResourceType),
        ("ResourceName", AttributeKey::ResourceName),
        ("EventSource", AttributeKey::EventSource),
        ("AccessKeyId", AttributeKey::AccessKeyId),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map_or("", |(name, _)| name)
    }
}

/// One `AttributeKey=...,AttributeValue=...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupAttribute {
    pub key: AttributeKey,
    pub value: String,
}

/// A refusal worded as the service's (`InvalidLookupAttributesException`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    pub code: &'static str,
    pub message: String,
}

impl ServiceError {
    fn new(code: &'static str, message: impl Into<String>) -> ServiceError {
        ServiceError { code, message: message.into() }
    }

    /// As the aws CLI prints it.
    pub fn render(&self) -> String {
        format!("An error occurred ({}) when calling the LookupEvents operation: {}", self.code, self.message)
    }
}

/// Parses one `--lookup-attributes` value: the CLI's shorthand
/// (`AttributeKey=EventName,AttributeValue=ConsoleLogin`) or JSON (an object or a list).
pub fn parse_lookup_attributes(text: &str) -> Result<Vec<LookupAttribute>, String> {
    let trimmed = text.trim_start();
    let pairs: Vec<(String, String)> = if trimmed.starts_with('[') || trimmed.starts_with('{') {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase", deny_unknown_fields)]
        struct Json {
            attribute_key: String,
            attribute_value: String,
        }
        let parsed: Vec<Json> = if trimmed.starts_with('[') {
            serde_json::from_str(text)
        } else {
            serde_json::from_str::<Json>(text).map(|one| vec![one])
        }
        .map_err(|e| format!("--lookup-attributes is not valid JSON of AttributeKey and AttributeValue: {e}"))?;
        parsed.into_iter().map(|j| (j.attribute_key, j.attribute_value)).collect()
    } else {
        vec![shorthand(text)?]
    };
    pairs.into_iter().map(|(key, value)| attribute(&key, value)).collect()
}

/// `AttributeKey=K,AttributeValue=V` (either order); the value may hold commas.
fn shorthand(text: &str) -> Result<(String, String), String> {
    let wrong = || {
        format!("--lookup-attributes {text:?}: write AttributeKey=KEY,AttributeValue=VALUE (for example AttributeKey=EventName,AttributeValue=ConsoleLogin)")
    };
    let (mut key, mut value) = (None, None);
    let mut rest = text;
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=').ok_or_else(wrong)?;
        // The value runs to the next `,AttributeKey=` / `,AttributeValue=` (or the end).
        let end =
            [",AttributeKey=", ",AttributeValue="].iter().filter_map(|m| after.find(m)).min().unwrap_or(after.len());
        let field = after[..end].to_string();
        match name.trim() {
            "AttributeKey" if key.is_none() => key = Some(field),
            "AttributeValue" if value.is_none() => value = Some(field),
            _ => return Err(wrong()),
        }
        rest = after[end..].strip_prefix(',').unwrap_or(&after[end..]);
    }
    Ok((key.ok_or_else(wrong)?, value.ok_or_else(wrong)?))
}

fn attribute(key: &str, value: String) -> Result<LookupAttribute, String> {
    let key = AttributeKey::ALL.iter().find(|(name, _)| *name == key).map(|(_, k)| *k).ok_or_else(|| {
        let names: Vec<&str> = AttributeKey::ALL.iter().map(|(n, _)| *n).collect();
        format!("{key:?} is not a lookup attribute: use one of {}", names.join(", "))
    })?;
    Ok(LookupAttribute { key, value })
}

/// What to look up: LookupEvents' request, less the paging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub attribute: Option<LookupAttribute>,
    /// `--event-category insight`: Insights events instead of management events.
    pub insight: bool,
}

impl Query {
    /// Checks the request as the service does: one attribute at most, a value of 1 to
    /// 2000 characters.
    pub fn new(attributes: Vec<LookupAttribute>, insight: bool) -> Result<Query, ServiceError> {
        if attributes.len() > 1 {
            return Err(ServiceError::new(
                "InvalidLookupAttributesException",
                "You can specify only one lookup attribute at a time.",
            ));
        }
        let attribute = attributes.into_iter().next();
        if let Some(a) = &attribute {
            let length = a.value.chars().count();
            if length == 0 || length > MAX_ATTRIBUTE_VALUE {
                return Err(ServiceError::new(
                    "InvalidLookupAttributesException",
                    format!("The AttributeValue must be 1 to {MAX_ATTRIBUTE_VALUE} characters long, not {length}."),
                ));
            }
        }
        Ok(Query { attribute, insight })
    }

    pub fn matches(&self, event: &HistoryEvent) -> bool {
        let wanted = if self.insight { Category::Insight } else { Category::Management };
        if event.category != wanted {
            return false;
        }
        let Some(LookupAttribute { key, value }) = &self.attribute else { return true };
        let is = |field: &Option<String>| field.as_deref() == Some(value.as_str());
        match key {
            AttributeKey::EventId => is(&event.event_id),
            AttributeKey::EventName => is(&event.event_name),
            AttributeKey::ReadOnly => is(&event.read_only),
            AttributeKey::Username => is(&event.username),
            AttributeKey::EventSource => is(&event.event_source),
            AttributeKey::AccessKeyId => is(&event.access_key_id),
            AttributeKey::ResourceType => event.resources.iter().any(|r| r.resource_type == *value),
            AttributeKey::ResourceName => event.resources.iter().any(|r| r.resource_name == *value),
        }
    }

    /// Ties a token to the query (and window) that printed it.
    fn fingerprint(&self, options: &ReadOptions) -> u64 {
        use std::hash::{Hash, Hasher};
        #[allow(deprecated)]
        let mut hasher = std::hash::SipHasher::new();
        if let Some(a) = &self.attribute {
            a.key.hash(&mut hasher);
            a.value.hash(&mut hasher);
        }
        self.insight.hash(&mut hasher);
        let selection = &options.selection;
        (selection.window.start, selection.window.end, &selection.accounts, &selection.regions).hash(&mut hasher);
        hasher.finish()
    }
}

/// Where events sort: the newest first; within a second, by EventId.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Position {
    time: Millis,
    id: String,
}

/// A page token: the position of the last event printed, for this query.
#[derive(Serialize, Deserialize)]
struct Token {
    after: Position,
    query: u64,
}

fn encode_token(token: &Token) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(token).unwrap_or_default())
}

fn decode_token(text: &str) -> Option<Token> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// What a page token names (the time and EventId of the last event printed), for
/// diagnostics and fuzzing; `None` when it is not a token.
pub fn token_position(text: &str) -> Option<(Millis, String)> {
    decode_token(text).map(|t| (t.after.time, t.after.id))
}

/// Paging as the aws CLI offers it (`--max-items`, `--starting-token`).
#[derive(Clone, Debug, Default)]
pub struct Paging {
    pub max_items: Option<usize>,
    pub starting_token: Option<String>,
}

/// A found event: its view and the record's text (`CloudTrailEvent`).
#[derive(Clone, Debug)]
pub struct Found {
    pub event: HistoryEvent,
    pub record: String,
}

/// The answer, and the accounting of what was read.
pub struct Lookup {
    /// The newest first.
    pub events: Vec<Found>,
    pub next_token: Option<String>,
    pub files: FileTally,
    pub records: u64,
    pub rejected: u64,
    pub rejections: Vec<Rejection>,
    /// Events read that matched the query (before paging).
    pub matched: u64,
}

/// Failures of a lookup.
#[derive(Debug)]
pub enum LookupError {
    /// What the service (or the CLI's paginator) would refuse.
    Service(ServiceError),
    /// A bound of trailwatch's.
    TooMany(String),
}

/// Runs `query` over `inputs`.
pub fn lookup(
    inputs: &[PathBuf],
    options: &ReadOptions,
    query: &Query,
    paging: &Paging,
) -> Result<Lookup, LookupError> {
    let fingerprint = query.fingerprint(options);
    let after = match &paging.starting_token {
        None => None,
        Some(text) => match decode_token(text) {
            Some(token) if token.query == fingerprint => Some(token.after),
            _ => return Err(LookupError::Service(ServiceError::new(
                "InvalidNextTokenException",
                "The starting token is not one this query printed (NextToken); run the same query again without it.",
            ))),
        },
    };
    if paging.max_items.is_some_and(|n| n == 0 || n > MAX_ITEMS) {
        return Err(LookupError::TooMany(format!("--max-items must be between 1 and {MAX_ITEMS}")));
    }
    // One more than a page: whether another page follows.
    let keep = paging.max_items.map_or(MAX_HELD + 1, |n| n + 1);
    let mut newest = Newest { keep, heap: BinaryHeap::new(), overflowed: false };
    let mut tally = Partial::default();
    let matching = Matching { query, after: after.as_ref() };
    let files = read_inputs_parallel(inputs, options, &matching, |partial| {
        tally.records += partial.records;
        tally.rejected += partial.rejected;
        tally.matched += partial.matched;
        let room = KEPT_REJECTIONS.saturating_sub(tally.rejections.len());
        tally.rejections.extend(partial.rejections.into_iter().take(room));
        for found in partial.found {
            newest.push(found);
        }
    });
    if paging.max_items.is_none() && newest.overflowed {
        return Err(LookupError::TooMany(format!(
            "more than {MAX_HELD} events match: narrow --start-time/--end-time or page with --max-items"
        )));
    }
    let mut events: Vec<(Position, Found)> = newest.heap.into_iter().map(|Reverse(e)| (e.position, e.found)).collect();
    events.sort_by(|a, b| b.0.cmp(&a.0));
    let mut next_token = None;
    if let Some(limit) = paging.max_items {
        if events.len() > limit {
            events.truncate(limit);
            let last = events.last().map(|(p, _)| p.clone());
            next_token = last.map(|after| encode_token(&Token { after, query: fingerprint }));
        }
    }
    Ok(Lookup {
        events: events.into_iter().map(|(_, found)| found).collect(),
        next_token,
        files,
        records: tally.records,
        rejected: tally.rejected,
        rejections: tally.rejections,
        matched: tally.matched,
    })
}

struct Entry {
    position: Position,
    found: Found,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.position == other.position
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.position.cmp(&other.position)
    }
}

/// The `keep` newest events seen (a min-heap: the oldest kept is dropped first).
struct Newest {
    keep: usize,
    heap: BinaryHeap<Reverse<Entry>>,
    overflowed: bool,
}

impl Newest {
    fn push(&mut self, entry: Entry) {
        self.heap.push(Reverse(entry));
        if self.heap.len() > self.keep {
            self.heap.pop();
            self.overflowed = true;
        }
    }
}

/// The query and the page's start, as the reading threads apply them.
struct Matching<'a> {
    query: &'a Query,
    after: Option<&'a Position>,
}

impl Parts for Matching<'_> {
    type Part = Partial;

    fn start(&self) -> Partial {
        Partial::default()
    }

    fn take(&self, part: &mut Partial, record: Record) {
        part.take(record, self.query, self.after);
    }
}

/// One file's matches and counts.
#[derive(Default)]
struct Partial {
    found: Vec<Entry>,
    records: u64,
    rejected: u64,
    matched: u64,
    rejections: Vec<Rejection>,
}

impl Partial {
    fn take(&mut self, record: Record, query: &Query, after: Option<&Position>) {
        self.records += 1;
        let event = match record {
            Record::Event(event) => event,
            Record::Rejected(rejection) => {
                self.rejected += 1;
                if self.rejections.len() < KEPT_REJECTIONS {
                    self.rejections.push(rejection);
                }
                return;
            }
        };
        let Some(time) = event.timestamp else { return };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&event.message) else { return };
        let Some(view) = HistoryEvent::of(&value, time) else { return };
        if !query.matches(&view) {
            return;
        }
        self.matched += 1;
        let position = Position { time, id: view.event_id.clone().unwrap_or_default() };
        // Newest first: a page continues with what sorts before the last event printed.
        if after.is_some_and(|after| position >= *after) {
            return;
        }
        self.found.push(Entry { position, found: Found { event: view, record: event.message } });
    }
}

/// The aws CLI's JSON for an answer: `{"Events": [...], "NextToken": ...}`, indented by
/// four spaces, keys in the API model's order.
pub fn render(lookup: &Lookup) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Page<'a> {
        events: Vec<Event<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        next_token: Option<&'a str>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Event<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        event_id: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        event_name: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        read_only: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        access_key_id: Option<&'a str>,
        event_time: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        event_source: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        username: Option<&'a str>,
        resources: Vec<ResourceOut<'a>>,
        cloud_trail_event: &'a str,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct ResourceOut<'a> {
        resource_type: &'a str,
        resource_name: &'a str,
    }
    let page = Page {
        events: lookup
            .events
            .iter()
            .map(|Found { event, record }| Event {
                event_id: event.event_id.as_deref(),
                event_name: event.event_name.as_deref(),
                read_only: event.read_only.as_deref(),
                access_key_id: event.access_key_id.as_deref(),
                event_time: cli_time(event.event_time),
                event_source: event.event_source.as_deref(),
                username: event.username.as_deref(),
                resources: event
                    .resources
                    .iter()
                    .map(|r| ResourceOut { resource_type: &r.resource_type, resource_name: &r.resource_name })
                    .collect(),
                cloud_trail_event: record,
            })
            .collect(),
        next_token: lookup.next_token.as_deref(),
    };
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serializing plain strings and numbers into memory cannot fail.
    let _ = page.serialize(&mut serializer);
    String::from_utf8(out).unwrap_or_default()
}

/// A time as the aws CLI v2 prints the API's timestamps (Python's `isoformat()` of a UTC
/// time): `2026-03-01T09:00:00+00:00`, microseconds only when there are any.
pub fn cli_time(t: Millis) -> String {
    match chrono::DateTime::from_timestamp_millis(t) {
        Some(time) if t % 1000 == 0 => time.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        Some(time) => time.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string(),
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthand_and_json_attributes() {
        let one = LookupAttribute { key: AttributeKey::EventName, value: "ConsoleLogin".into() };
        assert_eq!(
            parse_lookup_attributes("AttributeKey=EventName,AttributeValue=ConsoleLogin"),
            Ok(vec![one.clone()])
        );
        assert_eq!(
            parse_lookup_attributes("AttributeValue=ConsoleLogin,AttributeKey=EventName"),
            Ok(vec![one.clone()])
        );
        assert_eq!(
            parse_lookup_attributes(r#"[{"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"}]"#),
            Ok(vec![one.clone()])
        );
        let commas = parse_lookup_attributes("AttributeKey=ResourceName,AttributeValue=a,b=c").expect("valid");
        assert_eq!(commas[0].value, "a,b=c");
        for bad in [
            "",
            "EventName",
            "AttributeKey=EventName",
            "AttributeKey=Nope,AttributeValue=x",
            "AttributeKey=EventName,AttributeKey=EventName,AttributeValue=x",
            "Key=EventName,AttributeValue=x",
            "[{\"AttributeKey\": 1}]",
            "{",
        ] {
            assert!(parse_lookup_attributes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_service_takes_one_attribute_of_bounded_length() {
        let attribute = |value: &str| LookupAttribute { key: AttributeKey::Username, value: value.into() };
        assert!(Query::new(vec![attribute("a"), attribute("b")], false).is_err());
        assert!(Query::new(vec![attribute("")], false).is_err());
        assert!(Query::new(vec![attribute(&"x".repeat(2001))], false).is_err());
        assert!(Query::new(vec![attribute(&"x".repeat(2000))], false).is_ok());
        assert_eq!(
            Query::new(vec![attribute("a"), attribute("b")], false).unwrap_err().render(),
            "An error occurred (InvalidLookupAttributesException) when calling the LookupEvents operation: You can specify only one lookup attribute at a time."
        );
    }

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let token = Token { after: Position { time: 5, id: "x".into() }, query: 7 };
        let decoded = decode_token(&encode_token(&token)).expect("round trip");
        assert_eq!((decoded.after, decoded.query), (Position { time: 5, id: "x".into() }, 7));
        for bad in ["", "!!!", "eyJ9", "bm90IGpzb24"] {
            assert!(decode_token(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn times_print_as_the_cli_prints_them() {
        assert_eq!(cli_time(1_772_355_600_000), "2026-03-01T09:00:00+00:00");
        assert_eq!(cli_time(1_772_355_600_250), "2026-03-01T09:00:00.250000+00:00");
    }
}
