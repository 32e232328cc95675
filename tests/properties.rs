//! Property tests: the parser round-trips, never panics, and selectors resolve as an
//! independent JSONPath implementation resolves them.

use jsonpath_rust::JsonPath;
use proptest::prelude::*;
use serde_json::Value as Json;
use trailwatch::matcher::{self, resolve};
use trailwatch::pattern::{
    self, CompareOp, Field, FieldExpr, JsonCondition, JsonExpr, JsonTest, Pattern, RegexLiteral, Selector, Span, Step,
    Term, TermRole, Value,
};

// ---------- generators of valid ASTs ----------

fn regex_source() -> impl Strategy<Value = String> {
    let atom = prop::sample::select(vec![
        "a", "Z", "7", "_", ".", r"\d", r"\w", r"\s", r"\x3A", "[a-z]", "[^0-9]", r"\.", " ", "-", ":", "/",
    ]);
    let quantifier = prop::sample::select(vec!["", "", "*", "+", "?", "{1,3}", "{2}", "{,2}", "+?"]);
    let piece = (atom, quantifier).prop_map(|(a, q)| format!("{a}{q}"));
    let branch = prop::collection::vec(piece, 1..4).prop_map(|p| p.concat());
    (prop::collection::vec(branch, 1..3), any::<bool>(), any::<bool>()).prop_map(|(branches, start, end)| {
        format!("{}{}{}", if start { "^" } else { "" }, branches.join("|"), if end { "$" } else { "" })
    })
}

fn regex_literal() -> impl Strategy<Value = RegexLiteral> {
    regex_source().prop_map(|source| RegexLiteral { source, span: Span::default() })
}

fn term() -> impl Strategy<Value = Term> {
    let role = prop::sample::select(vec![TermRole::Required, TermRole::Optional, TermRole::Excluded]);
    // Bare words are ASCII letters, digits, `_` and `.`; phrases hold anything, blanks
    // alone included, and other scripts.
    let text = prop_oneof![
        "[A-Za-z0-9_.]{1,8}".prop_map(|t| (t, false)),
        "[ -~]{1,10}".prop_map(|t| (t, true)),
        " {1,3}".prop_map(|t| (t, true)),
        "[a-z]{1,3}[ ?-][a-z\u{e9}\u{65e5}]{1,3}".prop_map(|t| (t, true)),
    ];
    (role, text).prop_map(|(role, (text, quoted))| Term { role, text, quoted, span: Span::default() })
}

fn value(ordering: bool) -> BoxedStrategy<Value> {
    let number = "[+-]?[0-9]{1,4}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?".prop_map(Value::Number);
    if ordering {
        return number.boxed();
    }
    prop_oneof![
        number,
        // `null` is a keyword, not a bare value (recorded); quoted, it is text.
        "\\*?[A-Za-z_][A-Za-z0-9_.+-]{0,8}\\*?"
            .prop_filter("null is a keyword", |t| !t.eq_ignore_ascii_case("null"))
            .prop_map(|text| Value::Text { text, quoted: false }),
        "(?i)null".prop_map(|text| Value::Text { text, quoted: true }),
        "\\*".prop_map(|text| Value::Text { text, quoted: false }),
        "[ -~]{0,10}".prop_map(|text| Value::Text { text, quoted: true }),
        regex_literal().prop_map(Value::Regex),
    ]
    .boxed()
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le, CompareOp::Gt, CompareOp::Ge])
}

fn comparison() -> impl Strategy<Value = (CompareOp, Value)> {
    compare_op().prop_flat_map(|op| value(op.is_ordering()).prop_map(move |v| (op, v)))
}

fn selector() -> impl Strategy<Value = Selector> {
    let plain = prop_oneof![
        "[A-Za-z0-9_-]{1,6}".prop_map(Step::Key),
        "[A-Za-z0-9_. $-]{1,6}".prop_map(Step::QuotedKey),
        (0usize..5).prop_map(Step::Index),
    ];
    let first = prop_oneof!["[A-Za-z0-9_-]{1,6}".prop_map(Step::Key), "[A-Za-z0-9_. -]{1,6}".prop_map(Step::QuotedKey)];
    let wildcard = prop::option::of(prop::sample::select(vec![Step::AnyElement, Step::AnyMember]));
    (first, prop::collection::vec(plain, 0..3), wildcard, any::<prop::sample::Index>()).prop_map(
        |(first, mut rest, wildcard, at)| {
            if let Some(w) = wildcard {
                let i = at.index(rest.len() + 1);
                rest.insert(i, w);
            }
            let mut steps = vec![first];
            steps.extend(rest);
            Selector { steps, span: Span::default() }
        },
    )
}

fn condition() -> impl Strategy<Value = JsonExpr> {
    let test = prop_oneof![
        4 => comparison().prop_map(|(op, v)| JsonTest::Compare(op, v)),
        1 => Just(JsonTest::IsNull),
        1 => Just(JsonTest::IsTrue),
        1 => Just(JsonTest::IsFalse),
        1 => Just(JsonTest::NotExists),
    ];
    (selector(), test)
        .prop_map(|(selector, test)| JsonExpr::Condition(JsonCondition { selector, test, span: Span::default() }))
}

/// Trees as the parser builds them: `Or` never directly holds `Or`, nor `And` `And`.
fn json_expr() -> impl Strategy<Value = JsonExpr> {
    condition().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|items| flatten(items, true)),
            prop::collection::vec(inner, 2..4).prop_map(|items| flatten(items, false)),
        ]
    })
}

fn flatten(items: Vec<JsonExpr>, or: bool) -> JsonExpr {
    let mut flat = Vec::new();
    for item in items {
        match (item, or) {
            (JsonExpr::Or(inner), true) | (JsonExpr::And(inner), false) => flat.extend(inner),
            (other, _) => flat.push(other),
        }
    }
    if or {
        JsonExpr::Or(flat)
    } else {
        JsonExpr::And(flat)
    }
}

fn field_expr() -> impl Strategy<Value = FieldExpr> {
    let compare = comparison().prop_map(|(op, v)| FieldExpr::Compare(op, v));
    prop::collection::vec(prop::collection::vec(compare, 1..3), 1..3).prop_map(|alternatives| {
        let mut ors: Vec<FieldExpr> = alternatives
            .into_iter()
            .map(|mut ands| if ands.len() == 1 { ands.remove(0) } else { FieldExpr::And(ands) })
            .collect();
        if ors.len() == 1 {
            ors.remove(0)
        } else {
            FieldExpr::Or(ors)
        }
    })
}

fn fields() -> impl Strategy<Value = Vec<Field>> {
    let field = prop_oneof![
        1 => Just(None),
        4 => prop::option::of(field_expr()).prop_map(Some),
    ];
    (prop::collection::vec(field, 0..6), prop::option::of(any::<prop::sample::Index>())).prop_map(
        |(slots, ellipsis)| {
            let mut fields: Vec<Field> = slots
                .into_iter()
                .enumerate()
                .map(|(i, slot)| match slot {
                    None => Field::Unnamed(Span::default()),
                    Some(condition) => Field::Named { name: format!("f{i}"), condition, span: Span::default() },
                })
                .collect();
            if let Some(at) = ellipsis {
                let i = at.index(fields.len() + 1);
                fields.insert(i, Field::Ellipsis(Span::default()));
            }
            // `[ ]` alone is the empty pattern: a lone unnamed field cannot be written.
            if fields.len() == 1 && matches!(fields[0], Field::Unnamed(_)) {
                fields.clear();
            }
            fields
        },
    )
}

fn valid_pattern() -> impl Strategy<Value = Pattern> {
    prop_oneof![
        Just(Pattern::MatchAll),
        prop::collection::vec(term(), 1..5).prop_map(Pattern::Terms),
        regex_literal().prop_map(Pattern::Regex),
        json_expr().prop_map(Pattern::Json),
        fields().prop_map(Pattern::Spaced),
    ]
    .prop_filter("within AWS's per-pattern quotas", within_quotas)
}

fn within_quotas(pattern: &Pattern) -> bool {
    let text = pattern.to_string();
    let regexes = match pattern {
        Pattern::Json(_) | Pattern::Spaced(_) => text.matches('%').count() / 2,
        _ => 0,
    };
    let wildcard_selectors = match pattern {
        Pattern::Json(expr) => wildcard_selectors(expr),
        _ => 0,
    };
    regexes <= pattern::MAX_REGEXES
        && wildcard_selectors <= pattern::MAX_WILDCARD_SELECTORS
        && text.chars().count() <= pattern::MAX_PATTERN_CHARS
}

fn wildcard_selectors(expr: &JsonExpr) -> usize {
    match expr {
        JsonExpr::Or(items) | JsonExpr::And(items) => items.iter().map(wildcard_selectors).sum(),
        JsonExpr::Condition(c) => usize::from(c.selector.wildcard_count() > 0),
    }
}

/// Strings built from the language's own pieces reach far more of the parser than
/// arbitrary text does.
fn pattern_like_text() -> impl Strategy<Value = String> {
    let pieces = vec![
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "$.",
        "$",
        "a",
        "b1",
        "1",
        "-2.5e3",
        "\"",
        "\"x y\"",
        "%",
        "%a+%",
        " ",
        "  ",
        "&&",
        "||",
        "=",
        "!=",
        "<",
        ">=",
        "*",
        "...",
        ",",
        "?",
        "-",
        "\\",
        "IS",
        "NULL",
        "not",
        "EXISTS",
        "'",
        ".",
        "[*]",
        ".*",
        "['k.v']",
        "[0]",
        "é",
        "\t",
        "\n",
        "a-b",
        "a?b",
        "a.b",
        "caf\u{e9}",
        "\u{65e5}\u{672c}",
        "\" \"",
        "null",
        "TRUE",
        ":",
        "@",
        "/",
        "1e309",
        "1e-999",
    ];
    prop::collection::vec(prop::sample::select(pieces), 0..40).prop_map(|p| p.concat())
}

proptest! {
    // 256 cases per property by default; set PROPTEST_CASES for a longer search.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn printing_a_valid_pattern_parses_back_to_it(p in valid_pattern()) {
        let text = p.to_string();
        let reparsed = pattern::parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(&reparsed, &p, "printed as {:?}", text);
        prop_assert!(matcher::compile(&reparsed).is_ok());
    }

    #[test]
    fn parser_never_panics_and_accepted_text_round_trips(text in prop_oneof![pattern_like_text(), ".{0,120}"]) {
        if let Ok(parsed) = pattern::parse(&text) {
            let printed = parsed.to_string();
            let reparsed = pattern::parse(&printed).map_err(|e| TestCaseError::fail(format!("{text:?} printed as {printed:?}: {e}")))?;
            prop_assert_eq!(&reparsed, &parsed);
            let compiled = matcher::compile(&parsed).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for message in ["", "a b1 1", "{\"a\":1,\"b1\":[null,\"x y\"]}", "[x] \"y z\" é"] {
                let _ = compiled.evaluate(message);
            }
        }
    }

    #[test]
    fn matcher_never_panics_on_any_message(p in valid_pattern(), message in prop_oneof![".{0,80}", json_text()]) {
        if let Ok(compiled) = matcher::compile(&p) {
            let _ = compiled.evaluate(&message);
        }
    }

    #[test]
    fn selectors_resolve_as_jsonpath_does(doc in json_document(), steps in prop::collection::vec(oracle_step(), 1..4)) {
        let root: Json = serde_json::from_str(&doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let ours: Vec<&Json> = resolve(&root, &steps);
        let path: String = std::iter::once("$".to_string()).chain(steps.iter().map(|s| match s {
            Step::Key(k) | Step::QuotedKey(k) => format!("['{k}']"),
            Step::Index(i) => format!("[{i}]"),
            Step::AnyElement | Step::AnyMember => "[*]".to_string(),
        })).collect();
        let theirs: Vec<&Json> = root.query(&path).map_err(|e| TestCaseError::fail(format!("{path}: {e:?}")))?;
        let mut ours_sorted: Vec<String> = ours.iter().map(|v| v.to_string()).collect();
        let mut theirs_sorted: Vec<String> = theirs.iter().map(|v| v.to_string()).collect();
        ours_sorted.sort();
        theirs_sorted.sort();
        prop_assert_eq!(ours_sorted, theirs_sorted, "path {}", path);
    }
}

proptest! {
    /// The wildcard rules, checked against the document itself rather than `resolve`:
    /// `!=` is the negation of `=` wherever the selector up to the wildcard exists;
    /// `NOT EXISTS` holds where the wildcard reaches nothing (a missing field, a scalar,
    /// `null`, an empty array or object); `IS NULL` where a reached value is `null` or an
    /// array holding one.
    #[test]
    fn wildcards_follow_the_recorded_rules(
        doc in json_document(),
        key in "[abc]",
        wildcard in prop::sample::select(vec!["[*]", ".*"]),
        tail in prop::option::of("[abc]"),
        value in prop::sample::select(vec!["2", "\"2\"", "x", "*", "%2%", "true"]),
    ) {
        let root: Json = serde_json::from_str(&doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let tail = tail.map(|t| format!(".{t}")).unwrap_or_default();
        let selector = format!("$.{key}{wildcard}{tail}");
        let holds = |test: &str| {
            let text = format!("{{ {selector} {test} }}");
            let compiled = matcher::compile(&pattern::parse(&text).expect("valid pattern")).expect("compiles");
            compiled.is_match(&doc)
        };
        let parent = root.get(&key);
        prop_assert_eq!(holds(&format!("!= {value}")), parent.is_some() && !holds(&format!("= {value}")), "{} on {}", selector, doc);
        let elements: Vec<&Json> = match parent {
            Some(Json::Array(items)) => items.iter().collect(),
            Some(Json::Object(members)) => members.values().collect(),
            _ => Vec::new(),
        };
        let reached: Vec<&Json> = if tail.is_empty() {
            elements
        } else {
            elements.iter().filter_map(|e| e.get(&tail[1..])).collect()
        };
        prop_assert_eq!(holds("NOT EXISTS"), reached.is_empty(), "{} on {}", selector, doc);
        let null_in = |v: &Json| v.is_null() || v.as_array().is_some_and(|items| items.iter().any(Json::is_null));
        prop_assert_eq!(holds("IS NULL"), reached.iter().any(|v| null_in(v)), "{} on {}", selector, doc);
    }
}

proptest! {
    /// A `-` or `?` inside a word starts a new term: the text means what it means with a
    /// blank before each such prefix (recorded: edge-term-punctuation, edge-term-question).
    #[test]
    fn prefixes_inside_words_start_new_terms(
        words in prop::collection::vec(("[A-Za-z0-9_.]{1,5}", prop::sample::select(vec!["-", "?", " ", " -", " ?"])), 1..5),
        last in "[A-Za-z0-9_.]{1,5}",
    ) {
        let written: String = words.iter().map(|(w, sep)| format!("{w}{sep}")).chain([last.clone()]).collect();
        let spaced: String = words
            .iter()
            .map(|(w, sep)| format!("{w}{}", if sep.starts_with(' ') { sep.to_string() } else { format!(" {sep}") }))
            .chain([last])
            .collect();
        let a = pattern::parse(&written).map_err(|e| TestCaseError::fail(format!("{written:?}: {e}")))?;
        let b = pattern::parse(&spaced).map_err(|e| TestCaseError::fail(format!("{spaced:?}: {e}")))?;
        prop_assert_eq!(a, b, "{:?} vs {:?}", written, spaced);
    }

    /// A character that is not an ASCII letter, digit, `_` or `.` (nor a prefix) cannot be
    /// part of a bare word: the error names it alone.
    #[test]
    fn other_characters_in_words_are_refused_by_name(
        head in "[A-Za-z0-9_.]{1,5}",
        bad in prop::sample::select(vec!['*', '!', ':', '%', '/', '@', '#', ',', '\u{e9}', '\u{65e5}', '\u{201c}', '\'']),
        tail in "[A-Za-z0-9_.]{0,5}",
    ) {
        let text = format!("{head}{bad}{tail}");
        let error = pattern::parse(&text).err().ok_or_else(|| TestCaseError::fail(format!("{text:?} accepted")))?;
        prop_assert_eq!(error.aws_message, format!("Invalid character(s) in term '{bad}'"));
    }
}

fn oracle_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => prop::sample::select(vec!["a", "b", "c"]).prop_map(|k| Step::Key(k.to_string())),
        2 => (0usize..3).prop_map(Step::Index),
        1 => Just(Step::AnyElement),
        1 => Just(Step::AnyMember),
    ]
}

/// JSON documents over keys a, b, c, with nulls, empty and nested arrays and objects (a
/// wildcard over `null` or any scalar reaches nothing, as in JSONPath).
fn json_document() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i32>().prop_map(|n| n.to_string()),
        "[a-z]{0,3}".prop_map(|s| format!("\"{s}\"")),
        any::<bool>().prop_map(|b| b.to_string()),
        Just("null".to_string()),
        Just("2".to_string()),
    ];
    let tree = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::btree_map(prop::sample::select(vec!["a", "b", "c"]), inner, 0..3).prop_map(|m| format!(
                "{{{}}}",
                m.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
            )),
        ]
    });
    prop::collection::btree_map(prop::sample::select(vec!["a", "b", "c"]), tree, 0..3)
        .prop_map(|m| format!("{{{}}}", m.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")))
}

fn json_text() -> impl Strategy<Value = String> {
    json_document()
}
