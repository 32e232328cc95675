//! The fast event-pattern matcher agrees with the reference evaluator on generated
//! patterns and events (sets of patterns included), valid JSON or not.

use proptest::prelude::*;

use trailwatch::event_pattern::{self, reference, EventMatcherSet};

const NAMES: &[&str] = &["a", "b", "c", "a.b", "x-y", ""];
const STRINGS: &[&str] = &["x", "X", "xy", "yx", "", "10.0.0.1", "10.0.1.7", "2001:db8::1", "é", "a*b", "300"];
const NUMBERS: &[&str] = &["1", "1.0", "300", "3e2", "-2.5", "6e9", "123456789012", "0.0000001"];

fn string() -> impl Strategy<Value = String> {
    prop::sample::select(STRINGS).prop_map(|s| serde_json::to_string(s).unwrap())
}

fn number() -> impl Strategy<Value = String> {
    prop::sample::select(NUMBERS).prop_map(str::to_string)
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => string(),
        2 => number(),
        1 => prop::sample::select(&["true", "false", "null"][..]).prop_map(str::to_string),
    ]
}

/// One entry of a field's array of conditions.
fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => scalar(),
        1 => string().prop_map(|s| format!(r#"{{"prefix": {s}}}"#)),
        1 => string().prop_map(|s| format!(r#"{{"suffix": {s}}}"#)),
        1 => string().prop_map(|s| format!(r#"{{"prefix": {{"equals-ignore-case": {s}}}}}"#)),
        1 => string().prop_map(|s| format!(r#"{{"equals-ignore-case": {s}}}"#)),
        1 => prop::sample::select(&["\"*\"", "\"x*\"", "\"*y\"", "\"a\\\\*b\"", "\"*x*\""][..]).prop_map(|s| format!(r#"{{"wildcard": {s}}}"#)),
        1 => prop_oneof![scalar(), prop::collection::vec(string(), 1..3).prop_map(|v| format!("[{}]", v.join(",")))]
            .prop_map(|s| format!(r#"{{"anything-but": {s}}}"#)),
        1 => prop::collection::vec(string(), 1..3).prop_map(|v| format!(r#"{{"anything-but": {{"prefix": [{}]}}}}"#, v.join(","))),
        1 => string().prop_map(|s| format!(r#"{{"anything-but": {{"wildcard": {s}}}}}"#)),
        1 => string().prop_map(|s| format!(r#"{{"anything-but": {{"equals-ignore-case": {s}}}}}"#)),
        1 => (number(), number()).prop_map(|(a, b)| format!(r#"{{"numeric": [">=", {a}, "<", {b}]}}"#)),
        1 => number().prop_map(|a| format!(r#"{{"numeric": ["=", {a}]}}"#)),
        1 => prop::bool::ANY.prop_map(|b| format!(r#"{{"exists": {b}}}"#)),
        1 => prop::sample::select(&["10.0.0.0/24", "2001:db8::/32"][..]).prop_map(|c| format!(r#"{{"cidr": "{c}"}}"#)),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(NAMES).prop_map(|s| serde_json::to_string(s).unwrap())
}

/// A pattern object, `depth` levels of nesting at most.
fn pattern_object(depth: u32) -> BoxedStrategy<String> {
    let leaf = (key(), prop::collection::vec(condition(), 1..3)).prop_map(|(k, c)| format!("{k}: [{}]", c.join(", ")));
    let member = if depth == 0 {
        leaf.boxed()
    } else {
        prop_oneof![
            3 => leaf,
            1 => (key(), pattern_object(depth - 1)).prop_map(|(k, o)| format!("{k}: {o}")),
            1 => prop::collection::vec(pattern_object(depth - 1), 2..3).prop_map(|os| format!(r#""$or": [{}]"#, os.join(", "))),
        ]
        .boxed()
    };
    prop::collection::vec(member, 1..4).prop_map(|ms| format!("{{{}}}", ms.join(", "))).boxed()
}

fn event_value(depth: u32) -> BoxedStrategy<String> {
    // Besides plain scalars: a `\u` escape and other escapes (valid), and a raw tab or
    // newline inside a string (not JSON), at the start, middle or end of a long string.
    let odd = prop::sample::select(
        &[
            r#""\u0078""#,
            r#""a\tb\"c\\""#,
            "\"a\tb\"",
            "\"x\n\"",
            "\"\u{1f}0123456789012345678901234567890123456789\"",
            "\"0123456789012345678901234567890123456789\u{1}\"",
            "\"0123456789012345678901234567890123456789x\"",
        ][..],
    );
    let leaf = prop_oneof![6 => scalar(), 1 => odd.prop_map(str::to_string)];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        4 => leaf,
        2 => event_object(depth - 1),
        2 => prop::collection::vec(event_value(depth - 1), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
    ]
    .boxed()
}

fn event_object(depth: u32) -> BoxedStrategy<String> {
    let separator = prop::sample::select(&[",", ", ", ",\n", "\t,"][..]);
    (prop::collection::vec((key(), event_value(depth)), 0..5), separator)
        .prop_map(|(ms, sep)| {
            format!("{{{}}}", ms.iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(sep))
        })
        .boxed()
}

/// Events, sometimes damaged (cut short) so that they are not JSON.
fn event() -> impl Strategy<Value = String> {
    (event_object(3), prop::option::weighted(0.1, any::<prop::sample::Index>())).prop_map(|(text, cut)| match cut {
        Some(i) => {
            let mut at = i.index(text.len().max(1));
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text[..at].to_string()
        }
        None => text,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn fast_set_agrees_with_reference(patterns in prop::collection::vec(pattern_object(2), 1..5), events in prop::collection::vec(event(), 1..6)) {
        let parsed: Vec<_> = patterns.iter().filter_map(|p| event_pattern::parse(p).ok()).collect();
        let set = EventMatcherSet::new(&parsed);
        let mut out = Vec::new();
        for event in &events {
            set.matching(event, &mut out);
            let expected: Vec<usize> =
                parsed.iter().enumerate().filter(|(_, p)| reference::matches_text(p, event)).map(|(i, _)| i).collect();
            prop_assert_eq!(&out, &expected, "event {}\npatterns {:?}", event, patterns);
            for (i, pattern) in parsed.iter().enumerate() {
                prop_assert_eq!(event_pattern::compile(pattern).is_match(event), expected.contains(&i));
            }
        }
    }

    #[test]
    fn parsing_never_panics(text in "\\PC{0,80}") {
        let _ = event_pattern::parse(&text);
    }
}

/// Arrays of objects: fields matched in one array must come from one element.
fn records() -> impl Strategy<Value = String> {
    let value = prop::sample::select(&["\"x\"", "\"y\"", "1", "[\"x\",\"y\"]"][..]);
    let element = prop::collection::vec((prop::sample::select(&["t", "n", "m"][..]), value), 0..3)
        .prop_map(|ms| format!("{{{}}}", ms.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")));
    let nested = prop_oneof![
        3 => element.clone(),
        1 => prop::collection::vec(element.clone(), 0..3).prop_map(|es| format!("[{}]", es.join(","))),
    ];
    prop::collection::vec(nested, 0..4).prop_map(|es| format!(r#"{{"r":[{}],"s":"x"}}"#, es.join(",")))
}

fn record_pattern() -> impl Strategy<Value = String> {
    let value = prop::sample::select(&["\"x\"", "\"y\"", "1", "{\"exists\": false}", "{\"anything-but\": \"x\"}"][..]);
    (prop::collection::vec((prop::sample::select(&["t", "n", "m"][..]), value), 1..4), prop::bool::ANY).prop_map(
        |(fields, with_s)| {
            let inner = fields.iter().map(|(k, v)| format!("\"{k}\": [{v}]")).collect::<Vec<_>>().join(", ");
            let s = if with_s { r#", "s": ["x"]"# } else { "" };
            format!(r#"{{"r": {{{inner}}}{s}}}"#)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn array_consistency_agrees_with_reference(patterns in prop::collection::vec(record_pattern(), 1..4), event in records()) {
        let parsed: Vec<_> = patterns.iter().filter_map(|p| event_pattern::parse(p).ok()).collect();
        let mut out = Vec::new();
        EventMatcherSet::new(&parsed).matching(&event, &mut out);
        let expected: Vec<usize> =
            parsed.iter().enumerate().filter(|(_, p)| reference::matches_text(p, &event)).map(|(i, _)| i).collect();
        prop_assert_eq!(out, expected, "event {}\npatterns {:?}", event, patterns);
    }
}
