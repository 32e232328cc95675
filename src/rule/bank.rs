//! All the rules of a replay, matched together: each record becomes its bus event once, and
//! one [`EventMatcherSet`] pass finds every rule whose pattern it matches.

use chrono::{TimeZone, Utc};
use serde_json::Value;

use super::definition::{Rule, RuleState};
use super::event::bus_event;
use super::payload;
use crate::event_pattern::{self, EventMatcherSet};
use crate::source::{parse_time, Millis};

/// How many deliveries each rule keeps as examples for the report.
pub const KEPT_EXAMPLES: usize = 3;

/// One delivery: what target `target` of rule `rule` received for one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub rule: usize,
    pub target: usize,
    /// When EventBridge received the event (its `eventTime`).
    pub time: Millis,
    /// What the target received.
    pub body: String,
}

/// What one rule did with the events of a replay: `matched + not_matched + not_received`
/// is every event read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleTally {
    pub matched: u64,
    pub not_matched: u64,
    /// Events the rule never saw: another region, a read-only call for a rule that does not
    /// take them, a disabled rule, or a record CloudTrail does not send to EventBridge.
    pub not_received: u64,
    /// Of `not_received`: events of another region.
    pub other_region: u64,
    /// Of `not_received`: read-only calls, which this rule's state does not take.
    pub read_only: u64,
    pub delivered: u64,
    /// Matches a target received nothing for (its template did not fill to JSON, or its
    /// `InputPath` selected nothing).
    pub undelivered: u64,
    pub first: Option<Millis>,
    pub last: Option<Millis>,
    pub examples: Vec<Delivery>,
}

impl RuleTally {
    pub fn absorb(&mut self, other: RuleTally) {
        self.matched += other.matched;
        self.not_matched += other.not_matched;
        self.not_received += other.not_received;
        self.other_region += other.other_region;
        self.read_only += other.read_only;
        self.delivered += other.delivered;
        self.undelivered += other.undelivered;
        self.first = [self.first, other.first].into_iter().flatten().min();
        self.last = [self.last, other.last].into_iter().flatten().max();
        let room = KEPT_EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
    }
}

pub struct RuleBank {
    rules: Vec<Rule>,
    /// Each rule's region, from its ARN: a rule receives only its region's events.
    regions: Vec<String>,
    matchers: EventMatcherSet,
}

/// Per-thread working memory of [`RuleBank::observe`].
#[derive(Default)]
pub struct Scratch {
    matched: Vec<usize>,
}

impl RuleBank {
    pub fn new(rules: &[Rule]) -> Result<RuleBank, String> {
        let patterns = rules
            .iter()
            .map(|r| {
                event_pattern::parse(&r.event_pattern).map_err(|e| format!("rule {}: {}", r.name, e.aws_message()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let regions = rules.iter().map(|r| r.arn.split(':').nth(3).unwrap_or_default().to_string()).collect();
        Ok(RuleBank { rules: rules.to_vec(), regions, matchers: EventMatcherSet::new(&patterns) })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Runs one CloudTrail record (`record`, read at `timestamp`) through every rule;
    /// `tallies` has one entry per rule, and each delivery is pushed onto `deliveries`.
    pub fn observe(
        &self,
        record: &str,
        timestamp: Millis,
        scratch: &mut Scratch,
        tallies: &mut [RuleTally],
        deliveries: &mut Vec<Delivery>,
    ) {
        let Ok(event) = bus_event(record) else {
            tallies.iter_mut().for_each(|t| t.not_received += 1);
            return;
        };
        let receives = |i: usize| {
            let rule = &self.rules[i];
            self.regions[i] == event.region
                && match rule.state {
                    RuleState::Disabled => false,
                    RuleState::Enabled => !event.read_only,
                    RuleState::EnabledWithAllCloudTrailManagementEvents => true,
                }
        };
        if (0..self.rules.len()).any(receives) {
            self.matchers.matching(&event.json, &mut scratch.matched);
        } else {
            scratch.matched.clear();
        }
        let time = parse_time(&event.time).unwrap_or(timestamp);
        let ingestion_time = iso_time(time);
        let mut parsed: Option<Value> = None;
        let mut next = scratch.matched.iter().copied().peekable();
        for (i, tally) in tallies.iter_mut().enumerate() {
            let matched = next.next_if_eq(&i).is_some();
            if !receives(i) {
                tally.not_received += 1;
                if self.regions[i] != event.region {
                    tally.other_region += 1;
                } else if event.read_only && self.rules[i].state == RuleState::Enabled {
                    tally.read_only += 1;
                }
                continue;
            }
            if !matched {
                tally.not_matched += 1;
                continue;
            }
            tally.matched += 1;
            tally.first = Some(tally.first.map_or(time, |t| t.min(time)));
            tally.last = Some(tally.last.map_or(time, |t| t.max(time)));
            let rule = &self.rules[i];
            for (t, target) in rule.targets.iter().enumerate() {
                let value = parsed.get_or_insert_with(|| serde_json::from_str(&event.json).unwrap_or(Value::Null));
                match payload(rule, target, &event.json, value, &ingestion_time) {
                    Some(body) => {
                        tally.delivered += 1;
                        let delivery = Delivery { rule: i, target: t, time, body };
                        if tally.examples.len() < KEPT_EXAMPLES {
                            tally.examples.push(delivery.clone());
                        }
                        deliveries.push(delivery);
                    }
                    None => tally.undelivered += 1,
                }
            }
        }
    }

    /// One delivery as the line `--format json` prints:
    /// `{"Delivery": {"rule": NAME, "target": {"id": ID, "arn": ARN}, "time": ISO-8601, "input": PAYLOAD}}`.
    pub fn delivery_line(&self, delivery: &Delivery) -> String {
        let rule = &self.rules[delivery.rule];
        let target = &rule.targets[delivery.target];
        // Written by hand to keep the documented key order (serde_json's maps sort keys).
        let text = |s: &str| Value::String(s.to_string()).to_string();
        format!(
            r#"{{"Delivery":{{"rule":{},"target":{{"id":{},"arn":{}}},"time":{},"input":{}}}}}"#,
            text(&rule.name),
            text(&target.id),
            text(&target.arn),
            text(&iso_time(delivery.time)),
            super::body_value(&delivery.body)
        )
    }
}

/// `2026-01-01T00:07:00Z`, EventBridge's time format.
pub fn iso_time(t: Millis) -> String {
    Utc.timestamp_millis_opt(t).single().map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Target, TargetSpec};

    fn rule(name: &str, state: RuleState, pattern: &str, input_path: Option<&str>) -> Rule {
        let target = Target::new(TargetSpec {
            id: "t".into(),
            arn: "arn:aws:sns:us-east-1:1:topic".into(),
            input_path: input_path.map(str::to_string),
            ..TargetSpec::default()
        })
        .unwrap();
        Rule {
            name: name.into(),
            arn: Rule::arn_for("us-east-1", "1", "default", name),
            event_bus_name: "default".into(),
            state,
            event_pattern: pattern.into(),
            targets: vec![target],
        }
    }

    const WRITE: &str = r#"{"eventType":"AwsApiCall","eventSource":"ec2.amazonaws.com","eventName":"CreateSecurityGroup","awsRegion":"us-east-1","eventTime":"2026-01-01T00:00:10Z","eventID":"1"}"#;
    const READ: &str = r#"{"eventType":"AwsApiCall","eventSource":"ec2.amazonaws.com","eventName":"DescribeSecurityGroups","awsRegion":"us-east-1","eventTime":"2026-01-01T00:00:20Z","eventID":"2"}"#;
    const ELSEWHERE: &str = r#"{"eventType":"AwsApiCall","eventSource":"ec2.amazonaws.com","eventName":"CreateSecurityGroup","awsRegion":"eu-west-1","eventTime":"2026-01-01T00:00:30Z","eventID":"3"}"#;

    #[test]
    fn state_region_and_read_only_decide_who_receives() {
        let ec2 = r#"{"source": ["aws.ec2"]}"#;
        let rules = [
            rule("enabled", RuleState::Enabled, ec2, Some("$.detail.eventName")),
            rule("all", RuleState::EnabledWithAllCloudTrailManagementEvents, ec2, None),
            rule("disabled", RuleState::Disabled, ec2, None),
            rule("other", RuleState::Enabled, r#"{"source": ["aws.s3"]}"#, None),
        ];
        let bank = RuleBank::new(&rules).unwrap();
        let mut tallies = vec![RuleTally::default(); rules.len()];
        let mut deliveries = Vec::new();
        let mut scratch = Scratch::default();
        for record in [WRITE, READ, ELSEWHERE, "not json"] {
            bank.observe(record, 0, &mut scratch, &mut tallies, &mut deliveries);
        }
        let counts: Vec<(u64, u64, u64)> = tallies.iter().map(|t| (t.matched, t.not_matched, t.not_received)).collect();
        assert_eq!(counts, [(1, 0, 3), (2, 0, 2), (0, 0, 4), (0, 1, 3)]);
        assert_eq!((tallies[0].other_region, tallies[0].read_only), (1, 1));
        assert_eq!(deliveries.len(), 3);
        assert_eq!(deliveries[0].body, r#""CreateSecurityGroup""#);
        assert_eq!(
            bank.delivery_line(&deliveries[0]),
            r#"{"Delivery":{"rule":"enabled","target":{"id":"t","arn":"arn:aws:sns:us-east-1:1:topic"},"time":"2026-01-01T00:00:10Z","input":"CreateSecurityGroup"}}"#
        );
        assert_eq!(tallies[1].first, parse_time("2026-01-01T00:00:10Z"));
        assert_eq!(tallies[1].last, parse_time("2026-01-01T00:00:20Z"));
    }

    #[test]
    fn invalid_patterns_name_their_rule() {
        let err = RuleBank::new(&[rule("bad", RuleState::Enabled, r#"{"source": "aws.ec2"}"#, None)]).err().unwrap();
        assert!(err.starts_with("rule bad: Event pattern is not valid. Reason: "), "{err}");
    }
}
