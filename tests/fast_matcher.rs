//! The fast matcher against the reference evaluator: same verdicts and extracted values on
//! generated patterns and events that share a vocabulary (so that matches are common),
//! for single patterns and for sets of patterns evaluated in one pass; and identical
//! counts for every CIS pattern over real CloudTrail records.

mod common;

use proptest::prelude::*;
use trailwatch::matcher::{FastMatcher, Matcher, MatcherSet, ReferenceMatcher};
use trailwatch::pattern::{self, Pattern};

const KEYS: [&str; 4] = ["a", "b", "c", "user.name"];

/// Values as they appear in events: plain, escaped spellings, numbers in several forms.
const EVENT_VALUES: [&str; 24] = [
    r#""ConsoleLogin""#,
    r#""Console\u004cogin""#,
    r#""Failed authentication""#,
    r#""arn:aws:iam::1:root""#,
    r#""a\/b""#,
    r#""a/b""#,
    r#""say \"hi\"""#,
    r#""1""#,
    r#""1000.0""#,
    "1",
    "1.0",
    "1e3",
    "-0",
    "12345678901234567890",
    "1e99999",
    "null",
    "true",
    "false",
    "[null,1]",
    "[true,\"x\"]",
    "{}",
    "[]",
    "[[null],1]",
    "[{},[]]",
];

const PATTERN_VALUES: [&str; 14] = [
    "ConsoleLogin",
    "Console*",
    "*Login",
    "*sole*",
    "\"Failed authentication\"",
    "\"arn:aws:iam::1:root\"",
    "\"a/b\"",
    "\"say \\\"hi\\\"\"",
    "1",
    "1000",
    "1000.0",
    "12345678901234567890",
    "%Con+sole%",
    "*",
];

fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(KEYS.to_vec())
}

fn json_event() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(EVENT_VALUES.to_vec()).prop_map(str::to_string);
    // Mostly leaves, so that selectors often reach something comparable.
    let value = leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            3 => prop::sample::select(EVENT_VALUES.to_vec()).prop_map(str::to_string),
            1 => prop::collection::vec((key(), inner.clone()), 0..3).prop_map(|members| object(&members)),
            1 => prop::collection::vec(inner, 0..3).prop_map(|items| format!("[{}]", items.join(","))),
        ]
    });
    let event = prop::collection::vec((key(), value), 0..5).prop_map(|members| object(&members));
    // Some events are damaged: cut short, followed by text, or spaced with tabs.
    (event, 0..8u8).prop_map(|(text, damage)| match damage {
        0 => text[..text.len() / 2].to_string(),
        1 => format!("{text} trailing"),
        2 => text.replace(':', ":\t"),
        3 => format!(" {text} "),
        _ => text,
    })
}

fn object(members: &[(&str, String)]) -> String {
    let inner: Vec<String> = members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    format!("{{{}}}", inner.join(","))
}

fn selector() -> impl Strategy<Value = String> {
    let step = prop_oneof![
        4 => key().prop_map(|k| if k.contains('.') { format!(".['{k}']") } else { format!(".{k}") }),
        1 => (0usize..2).prop_map(|i| format!("[{i}]")),
        1 => Just("[*]".to_string()),
        1 => Just(".*".to_string()),
    ];
    (key(), prop::collection::vec(step, 0..2)).prop_map(|(first, rest)| {
        let first = if first.contains('.') { format!("$.['{first}']") } else { format!("$.{first}") };
        format!("{first}{}", rest.concat())
    })
}

fn json_condition() -> impl Strategy<Value = String> {
    let op = prop::sample::select(vec!["=", "=", "!=", "!=", "<", ">", "<=", ">="]);
    let test = prop_oneof![
        6 => (op, prop::sample::select(PATTERN_VALUES.to_vec())).prop_map(|(op, v)| {
            let numeric = v.chars().all(|c| c.is_ascii_digit() || c == '.');
            let op = if numeric { op } else if op == "!=" { "!=" } else { "=" };
            format!("{op} {v}")
        }),
        1 => Just("IS NULL".to_string()),
        1 => Just("IS TRUE".to_string()),
        1 => Just("IS FALSE".to_string()),
        1 => Just("NOT EXISTS".to_string()),
    ];
    (selector(), test).prop_map(|(s, t)| format!("({s} {t})"))
}

fn json_pattern() -> impl Strategy<Value = String> {
    let expr = json_condition().prop_recursive(2, 6, 3, |inner| {
        (prop::collection::vec(inner, 2..4), any::<bool>())
            .prop_map(|(items, or)| format!("({})", items.join(if or { " || " } else { " && " })))
    });
    expr.prop_map(|e| format!("{{ {e} }}"))
}

fn term_pattern() -> impl Strategy<Value = String> {
    // Words with `-`, `?` and `.` inside (`a-b` is `a -b`), phrases of blanks and of
    // other scripts.
    let term = prop::sample::select(vec![
        "ConsoleLogin",
        "-root",
        "?Failed",
        "\"Failed authentication\"",
        "?1",
        "\"a/b\"",
        "Console-Login",
        "Failed?root",
        "a.b",
        "1.0",
        "\" \"",
        "-\"  \"",
        "\"caf\u{e9}\"",
    ]);
    prop::collection::vec(term, 1..4).prop_map(|t| t.join(" "))
}

fn spaced_pattern() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["[a, b=ConsoleLogin*, ...]", "[..., c=1]", "[a=\"x y\" || a=1, b]", "[w1, w2 != 1]"])
        .prop_map(str::to_string)
}

fn any_pattern() -> impl Strategy<Value = Pattern> {
    prop_oneof![6 => json_pattern(), 2 => term_pattern(), 1 => spaced_pattern(), 1 => Just("%Log+in%".to_string())]
        .prop_filter_map("valid pattern", |text| pattern::parse(&text).ok())
}

fn any_event() -> impl Strategy<Value = String> {
    prop_oneof![6 => json_event(), 1 => "(ConsoleLogin|Console|Login|Failed|root|1|a/b|a.b|a|b| |  |-|\\?|x y|caf\u{e9}){1,6}"]
}

fn reference(pattern: &Pattern) -> ReferenceMatcher {
    ReferenceMatcher::new(pattern).expect("generated patterns compile")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn fast_matcher_agrees_with_the_reference(p in any_pattern(), events in prop::collection::vec(any_event(), 1..8)) {
        let fast = FastMatcher::new(&p).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let slow = reference(&p);
        for event in &events {
            prop_assert_eq!(fast.evaluate(event), slow.evaluate(event), "pattern {} on {}", p, event);
        }
    }

    #[test]
    fn a_set_evaluates_each_pattern_as_alone(ps in prop::collection::vec(any_pattern(), 1..6), events in prop::collection::vec(any_event(), 1..8)) {
        let set = MatcherSet::new(&ps).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let singles: Vec<ReferenceMatcher> = ps.iter().map(reference).collect();
        for event in &events {
            let mut found = Vec::new();
            set.for_each_match(event, |i, values| found.push((i, values)));
            let expected: Vec<_> = singles.iter().enumerate().filter_map(|(i, m)| m.evaluate(event).map(|v| (i, v))).collect();
            prop_assert_eq!(found, expected, "patterns {:?} on {}", ps.iter().map(|p| p.to_string()).collect::<Vec<_>>(), event);
        }
    }
}

/// Every CIS and Security Hub pattern counts exactly what the reference counts, alone and
/// all together, over every real CloudTrail record at hand.
#[test]
fn cis_patterns_count_as_the_reference_over_real_records() {
    let messages = common::cloudtrail_messages();
    assert!(messages.len() > 300, "only {} records", messages.len());
    let patterns: Vec<Pattern> =
        common::cis_patterns().iter().map(|p| pattern::parse(p).expect("CIS patterns parse")).collect();
    let set = MatcherSet::new(&patterns).expect("compiles");
    let mut together = vec![0usize; patterns.len()];
    for message in &messages {
        set.for_each_match(message, |i, _| together[i] += 1);
    }
    let mut total = 0;
    for (i, p) in patterns.iter().enumerate() {
        let fast = FastMatcher::new(p).expect("compiles");
        let slow = reference(p);
        let fast_count = messages.iter().filter(|m| fast.is_match(m)).count();
        let slow_count = messages.iter().filter(|m| slow.is_match(m)).count();
        assert_eq!(fast_count, slow_count, "{p}");
        assert_eq!(together[i], slow_count, "{p} in the set");
        total += slow_count;
    }
    // The records hold sign-ins, policy changes and denials: the check is not vacuous.
    assert!(total > 0);
}

/// Every wildcard shape with every test, over the event shapes of the recordings (nulls,
/// scalars, empty and nested arrays, objects, missing fields): the fast matcher, alone and
/// in a set, answers as the reference does. (A wildcard `!=` needs no key after its
/// wildcard: a prefilter that demanded `"b"` for `$.a[*].b != 2` would miss `{"a":[]}`.)
#[test]
fn wildcard_shapes_agree_with_the_reference_on_recorded_event_shapes() {
    let events = [
        "{}",
        r#"{"a":null}"#,
        r#"{"a":2}"#,
        r#"{"a":"2"}"#,
        r#"{"a":[]}"#,
        r#"{"a":[1,2]}"#,
        r#"{"a":[null,2]}"#,
        r#"{"a":{}}"#,
        r#"{"a":{"b":2}}"#,
        r#"{"a":[{"b":1},{"b":2}]}"#,
        r#"{"a":[{"b":null}]}"#,
        r#"{"a":[{"c":1}]}"#,
        r#"{"a":[[1,2]]}"#,
        r#"{"a":[[null]]}"#,
        r#"{"a":[true,false]}"#,
    ];
    let tests =
        ["= 2", "!= 2", "!= \"2\"", "!= x*", "!= %2%", "> 1", "<= 1", "= *", "IS NULL", "IS TRUE", "NOT EXISTS"];
    let mut patterns = Vec::new();
    for selector in ["$.a[*]", "$.a.*", "$.a[*].b", "$.a.*.b", "$.a[0]", "$.a"] {
        for test in tests {
            patterns.push(pattern::parse(&format!("{{ {selector} {test} }}")).expect("valid pattern"));
        }
    }
    let set = MatcherSet::new(&patterns).expect("compiles");
    for event in events {
        let mut together = Vec::new();
        set.for_each_match(event, |i, _| together.push(i));
        let mut expected = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let slow = reference(p).is_match(event);
            assert_eq!(FastMatcher::new(p).expect("compiles").is_match(event), slow, "{p} on {event}");
            if slow {
                expected.push(i);
            }
        }
        assert_eq!(together, expected, "the set on {event}");
    }
}
