use super::*;

fn err(text: &str) -> String {
    parse(text).expect_err(text).aws_message
}

fn normal(text: &str) -> String {
    parse(text).unwrap_or_else(|e| panic!("{text}: {e}")).to_string()
}

#[test]
fn blank_patterns_match_everything() {
    assert_eq!(parse("").unwrap(), Pattern::MatchAll);
    assert_eq!(parse("  \t ").unwrap(), Pattern::MatchAll);
}

#[test]
fn terms_have_roles_and_quotes() {
    let Pattern::Terms(terms) = parse(r#"ERROR -timeout ?"two words" ?"say \"hi\"""#).unwrap() else { panic!("terms") };
    let roles: Vec<TermRole> = terms.iter().map(|t| t.role).collect();
    assert_eq!(roles, [TermRole::Required, TermRole::Excluded, TermRole::Optional, TermRole::Optional]);
    assert_eq!(terms[2].text, "two words");
    assert_eq!(terms[3].text, "say \"hi\"");
    assert_eq!((terms[1].span.start, terms[1].span.end), (6, 14));
}

#[test]
fn term_errors_name_the_offending_text() {
    assert_eq!(err("ERR*"), "Invalid character(s) in term '*'");
    assert_eq!(err("ERROR:"), "Invalid character(s) in term ':'");
    assert_eq!(err("\"\""), "Invalid character(s) in term '\"\"'");
    assert_eq!(err("\"ERROR"), "Invalid character(s) in term '\"ERROR'");
    assert_eq!(err("ERROR \u{201c}quoted\u{201d}"), "Invalid character(s) in term '\u{201c}'");
    assert_eq!(err("ERROR [x]"), "Invalid character(s) in term '['");
    assert_eq!(err("ERROR %x%"), "Invalid character(s) in term '%'");
    // Other scripts' letters are not word characters (a choice, see docs/semantics.md).
    assert_eq!(err("caf\u{e9}"), "Invalid character(s) in term '\u{e9}'");
    // Two operands with no blank between them are a syntax error.
    assert_eq!(err("\"ERROR\"WARN"), AWS_SYNTAX_ERROR);
    assert_eq!(err("ERROR\"WARN\""), AWS_SYNTAX_ERROR);
    // A prefix must be followed directly by a word or phrase.
    assert_eq!(err("ERROR -"), AWS_SYNTAX_ERROR);
    assert_eq!(err("ERROR - x"), AWS_SYNTAX_ERROR);
    assert_eq!(err("--x"), AWS_SYNTAX_ERROR);
    assert_eq!(err("a-?b"), AWS_SYNTAX_ERROR);
}

#[test]
fn words_end_where_a_prefix_starts() {
    // Recorded: `a-b` matches neither "a-b" nor "a b"; `a?b` matches both.
    assert_eq!(normal("a-b"), "a -b");
    assert_eq!(normal("a?b"), "a ?b");
    assert_eq!(normal("ERROR-CODE-1"), "ERROR -CODE -1");
    assert_eq!(normal("\"a b\"-c?d"), "\"a b\" -c ?d");
    // Recorded: `_` and `.` belong to words.
    assert_eq!(normal("a_b a.b .5 x."), "a_b a.b .5 x.");
    // A phrase of blanks is a phrase (searched as written), not a blank pattern.
    assert!(matches!(parse("\" \"").unwrap(), Pattern::Terms(terms) if terms[0].text == " "));
}

#[test]
fn regex_patterns_are_one_regex_and_nothing_else() {
    assert!(matches!(parse(" %ERROR% ").unwrap(), Pattern::Regex(_)));
    assert_eq!(err("%ERROR% %WARN%"), "Invalid character(s) in term ' '");
    assert_eq!(err("%abc"), "If a filter pattern starts with '%' it must end with '%'");
    assert_eq!(err("%"), "If a filter pattern starts with '%' it must end with '%'");
    assert_eq!(err("%a<b%"), "Invalid character(s) in term '%a<'");
    assert_eq!(err("%a++%"), aws_regex::AWS_REGEX_COMPILE_ERROR);
}

#[test]
fn json_patterns_parse_with_precedence_and_any_spacing() {
    assert_eq!(normal("{($.a=1)||($.b=2)}"), "{ $.a = 1 || $.b = 2 }");
    assert_eq!(normal("{ $.a = 1 || $.b = 2 && $.c = 3 }"), "{ $.a = 1 || $.b = 2 && $.c = 3 }");
    assert_eq!(normal("{ ($.a = 1 || $.b = 2) && $.c = 3 }"), "{ ($.a = 1 || $.b = 2) && $.c = 3 }");
    assert_eq!(normal("{ (($.a = 1)) }"), "{ $.a = 1 }");
    assert_eq!(
        normal("{ $.a is null && $.b Not Exists && $.c IS true }"),
        "{ $.a IS NULL && $.b NOT EXISTS && $.c IS TRUE }"
    );
    assert_eq!(normal("{ $.['cluster.name'] = \"c\" }"), "{ $.['cluster.name'] = \"c\" }");
    assert_eq!(normal("{ $.a[0][1].b-c.* != %x% }"), "{ $.a[0][1].b-c.* != %x% }");
    assert_eq!(normal("{ $.sourceIPAddress != 123.123.* }"), "{ $.sourceIPAddress != 123.123.* }");
}

#[test]
fn json_values_are_typed() {
    let Pattern::Json(JsonExpr::And(items)) =
        parse(r#"{ $.a = 1e3 && $.b = "1" && $.c = foo* && $.d = %x% }"#).unwrap()
    else {
        panic!("and")
    };
    let values: Vec<Value> = items
        .into_iter()
        .map(|i| match i {
            JsonExpr::Condition(JsonCondition { test: JsonTest::Compare(_, v), .. }) => v,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(values[0], Value::Number("1e3".into()));
    assert_eq!(values[1], Value::Text { text: "1".into(), quoted: true });
    assert_eq!(values[2], Value::Text { text: "foo*".into(), quoted: false });
    assert!(matches!(values[3], Value::Regex(_)));
}

#[test]
fn json_errors_follow_aws() {
    assert_eq!(err("{ $.a = 1 } x"), "If a filter pattern starts with '{' it must end with '}'");
    assert_eq!(err("{ $.a = 1 "), "If a filter pattern starts with '{' it must end with '}'");
    assert_eq!(err("{ status = \"401\" }"), AWS_SYNTAX_ERROR);
    assert_eq!(err("{ $.a = 1 AND $.b = 2 }"), AWS_SYNTAX_ERROR);
    assert_eq!(err("{ $.a == 1 }"), AWS_SYNTAX_ERROR);
    assert_eq!(err("{ $.a = 1 && }"), AWS_SYNTAX_ERROR);
    assert_eq!(err("{ ($.a = 1 }"), AWS_SYNTAX_ERROR);
    assert_eq!(err("{ }"), AWS_SYNTAX_ERROR);
    // After IS and NOT the lexer wants a keyword; another word is an invalid term.
    assert_eq!(err("{ $.a IS NOT NULL }"), "Invalid character(s) in term 'NOT'");
    assert_eq!(err("{ $.a IS MAYBE }"), "Invalid character(s) in term 'MAYBE'");
    assert_eq!(err("{ $.a NOT THERE }"), "Invalid character(s) in term 'THERE'");
    assert_eq!(err("{ $.a IS }"), AWS_SYNTAX_ERROR);
    assert_eq!(err("{ $.a EXISTS }"), AWS_SYNTAX_ERROR);
    // `null` (any case) is a keyword, not a value; symbols end a bare value.
    assert_eq!(err("{ $.a = null }"), AWS_SYNTAX_ERROR);
    assert_eq!(err("{ $.a != NULL }"), AWS_SYNTAX_ERROR);
    assert!(parse("{ $.a = \"null\" }").is_ok());
    assert!(parse("{ $.a = nullable }").is_ok());
    assert_eq!(err("{ $.a = a:b }"), "Invalid character(s) in term ':'");
    assert_eq!(err("{ $.a = a/b }"), "Invalid character(s) in term '/'");
    assert_eq!(err("{ $.a = user@host }"), "Invalid character(s) in term '@'");
    assert_eq!(err("{ $['a.b'] = 2 }"), "Invalid character(s) in term '$['");
    assert_eq!(err("{ $.[\"a.b\"] = 2 }"), "Invalid character(s) in term '$.[\"'");
    assert_eq!(err("{ $.\"sc-status\" = 5* }"), "Invalid character(s) in term '$.\"'");
    assert_eq!(err("{ $[1] = 2 }"), "Invalid character(s) in term '$['");
    assert_eq!(err("{ $.a[-1] = 2 }"), "Invalid character(s) in term '[-'");
    assert_eq!(err("{ $. = 1 }"), "Invalid character(s) in term '$. '");
    assert_eq!(err("{ $.a > \"0\" }"), "Invalid character(s) in term '\"0\"'");
    assert_eq!(err("{ $.message = \"error-response\", $.path = \"/x\" }"), "Invalid character(s) in term ','");
}

#[test]
fn quotas_are_enforced() {
    assert!(parse("{ $.a = %x% && $.b = %y% }").is_ok());
    assert_eq!(
        err("{ $.a = %x% && $.b = %y% && $.c = %z% }"),
        "Your input has exceeded the maximum of 2 regular expressions per filter pattern."
    );
    assert!(err("[a=%x%, b=%y%, c=%z%]").contains("maximum of 2 regular expressions"));
    assert_eq!(
        err("{ $.objectList[*].tags[*] = \"a\" }"),
        "Your filter pattern has a JSON path selector that exceeds the maximum of 1 wildcard allowed per json selector."
    );
    assert!(parse("{ $.a[*] = 1 || $.b[*] = 2 || $.c[*] = 3 }").is_ok());
    assert!(
        err("{ $.a[*] = 1 || $.b[*] = 2 || $.c[*] = 3 || $.d[*] = 4 }").contains("maximum of 3 JSON path selectors")
    );
}

#[test]
fn length_limit_is_1024_characters() {
    let at_limit = "x".repeat(1024);
    assert!(parse(&at_limit).is_ok());
    let over = "x".repeat(1025);
    let message = err(&over);
    assert!(message.starts_with("1 validation error detected: Value 'xxx"), "{message}");
    assert!(message.ends_with("Member must have length less than or equal to 1024"), "{message}");
    // Characters, not bytes: 1,024 two-byte characters are within the limit.
    assert!(parse(&format!("\"{}\"", "\u{e9}".repeat(1022))).is_ok());
}

#[test]
fn space_delimited_fields() {
    let Pattern::Spaced(fields) = parse("[ip, , ..., status = 4* || status = 5*, bytes > 1000,]").unwrap() else {
        panic!("spaced")
    };
    assert_eq!(fields.len(), 6);
    assert!(matches!(fields[1], Field::Unnamed(_)));
    assert!(matches!(fields[2], Field::Ellipsis(_)));
    assert!(matches!(&fields[3], Field::Named { condition: Some(FieldExpr::Or(_)), .. }));
    assert!(matches!(fields[5], Field::Unnamed(_)));
    assert_eq!(normal("[ ]"), "[]");
    assert_eq!(normal("[a,]"), "[a, ]");
    assert_eq!(normal("[w1!=ERROR&&w1!=WARNING, w2]"), "[w1 != ERROR && w1 != WARNING, w2]");
}

#[test]
fn space_delimited_errors_follow_aws() {
    assert_eq!(err("[a=ERROR || b=one, b]"), "Multiple variables used in a single filter. Var1 : a, Var2 : b");
    assert_eq!(err("[a, a]"), "Duplicate field 'a'");
    assert_eq!(err("[a, ..., b, ...]"), "Duplicate field '...'");
    assert_eq!(err("[..., a, ...]"), "Duplicate field '...'");
    assert_eq!(err("[1a]"), "Invalid character(s) in term '1a'");
    assert_eq!(err("[a == 1]"), AWS_SYNTAX_ERROR);
    assert_eq!(err("[a, b"), "If a filter pattern starts with '[' it must end with ']'");
    // Recorded: a non-number after an ordering operator is a parser error here (in JSON
    // it is an invalid term).
    assert_eq!(err("[a > \"5\"]"), AWS_SYNTAX_ERROR);
    assert_eq!(err("[a > five]"), AWS_SYNTAX_ERROR);
}

#[test]
fn errors_point_at_the_fault() {
    let e = parse("{ $.a = 1 AND $.b = 2 }").unwrap_err();
    assert_eq!(e.span.start, 10);
    let rendered = e.render("{ $.a = 1 AND $.b = 2 }");
    assert!(rendered.contains("1 | { $.a = 1 AND $.b = 2 }\n  |           ^ expected"), "{rendered}");
    let e = parse("{ $.a = 1 &&\n  $.b == 2 }").unwrap_err();
    assert!(e.render("{ $.a = 1 &&\n  $.b == 2 }").contains("--> pattern:2:8"));
}

#[test]
fn deep_nesting_is_bounded_not_a_stack_overflow() {
    // The deepest tree 1,024 characters allow: alternating operators, one per nesting.
    let depth = 90;
    let mut text = String::from("$.a=1");
    for i in 0..depth {
        text = format!("$.a=1{}({text})", if i % 2 == 0 { "&&" } else { "||" });
    }
    let text = format!("{{{text}}}");
    assert!(text.len() <= MAX_PATTERN_CHARS, "{}", text.len());
    let nested = format!("{{ {}$.a = 1{} }}", "(".repeat(500), ")".repeat(500));
    // A spawned thread's default stack (2 MiB), in an unoptimised build.
    let handle = std::thread::Builder::new().stack_size(2 << 20).spawn(move || {
        let deep = parse(&text).expect("valid");
        // The normalised form adds blanks, so it may exceed the limit; printing must work.
        assert!(deep.to_string().len() > text.len());
        let matcher = crate::matcher::compile(&deep).expect("compiles");
        (matcher.is_match("{\"a\":1}"), parse(&nested).expect("valid").to_string())
    });
    let (matched, printed) = handle.expect("thread").join().expect("no overflow");
    assert!(matched);
    assert_eq!(printed, "{ $.a = 1 }");
}
