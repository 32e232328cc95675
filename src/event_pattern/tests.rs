//! Unit tests of the language: validation and meaning, through the public API.

use super::*;

fn is_match(pattern: &str, event: &str) -> bool {
    let pattern = parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    let fast = compile(&pattern).is_match(event);
    assert_eq!(fast, reference::matches_text(&pattern, event), "fast and reference differ: {pattern:?} {event}");
    fast
}

fn reason(pattern: &str) -> String {
    parse(pattern).expect_err(pattern).reason
}

#[test]
fn exact_values_and_arrays_on_both_sides() {
    assert!(is_match(r#"{"a": ["x", "y"]}"#, r#"{"a": "y"}"#));
    assert!(is_match(r#"{"a": ["x"]}"#, r#"{"a": ["z", "x"]}"#));
    assert!(is_match(r#"{"a": [null]}"#, r#"{"a": null}"#));
    assert!(!is_match(r#"{"a": ["null"]}"#, r#"{"a": null}"#));
    assert!(is_match(r#"{"a": [true]}"#, r#"{"a": [[false], [true]]}"#));
    assert!(is_match(r#"{"a": [300]}"#, r#"{"a": 3e2}"#));
    assert!(!is_match(r#"{"a": [300]}"#, r#"{"a": "300"}"#));
    assert!(is_match(r#"{"a": {"b": [1]}}"#, r#"{"a.b": 1}"#));
    assert!(is_match(r#"{"a.b": [1]}"#, r#"{"a": {"b": 1}}"#));
    assert!(!is_match(r#"{"a": [1]}"#, r#"{"a": {"b": 1}}"#));
    assert!(!is_match(r#"{"a": [1]}"#, r#"[{"a": 1}]"#));
    assert!(!is_match(r#"{"a": [1]}"#, r#"{"a": 1"#));
}

#[test]
fn array_elements_are_kept_apart() {
    let event = r#"{"r": [{"type": "bucket", "name": "a"}, {"type": "key", "name": "b"}]}"#;
    assert!(is_match(r#"{"r": {"type": ["bucket"], "name": ["a"]}}"#, event));
    assert!(!is_match(r#"{"r": {"type": ["bucket"], "name": ["b"]}}"#, event));
}

#[test]
fn exists_looks_at_leaves_only() {
    assert!(is_match(r#"{"a": [{"exists": true}]}"#, r#"{"a": null}"#));
    assert!(!is_match(r#"{"a": [{"exists": true}]}"#, r#"{"a": {"b": 1}}"#));
    assert!(!is_match(r#"{"a": [{"exists": true}]}"#, r#"{"a": []}"#));
    assert!(is_match(r#"{"a": [{"exists": false}]}"#, r#"{"a": {}}"#));
    assert!(!is_match(r#"{"a": [{"exists": false}]}"#, r#"{"a": [1]}"#));
}

#[test]
fn anything_but_matches_every_other_leaf() {
    assert!(is_match(r#"{"a": [{"anything-but": "x"}]}"#, r#"{"a": 1}"#));
    assert!(is_match(r#"{"a": [{"anything-but": "x"}]}"#, r#"{"a": ["x", "y"]}"#));
    assert!(!is_match(r#"{"a": [{"anything-but": "x"}]}"#, r#"{"b": "y"}"#));
    assert!(!is_match(r#"{"a": [{"anything-but": [1, 2]}]}"#, r#"{"a": 2.0}"#));
    assert!(is_match(r#"{"a": [{"anything-but": {"prefix": "x"}}]}"#, r#"{"a": true}"#));
}

#[test]
fn numeric_ranges_and_limits() {
    assert!(is_match(r#"{"n": [{"numeric": [">", 0, "<=", 5]}]}"#, r#"{"n": 5}"#));
    assert!(!is_match(r#"{"n": [{"numeric": [">", 0, "<=", 5]}]}"#, r#"{"n": 0}"#));
    assert!(!is_match(r#"{"n": [{"numeric": [">", 0]}]}"#, r#"{"n": 6e9}"#));
    assert!(!is_match(r#"{"n": [{"numeric": [">", 0]}]}"#, r#"{"n": "7"}"#));
    assert_eq!(reason(r#"{"n": [{"numeric": [">", 6e9]}]}"#), "Value must be between -5.0E9 and 5.0E9, inclusive");
    assert_eq!(reason(r#"{"n": [{"numeric": [">", 5, "<", 1]}]}"#), "Bottom must be less than top");
    assert_eq!(reason(r#"{"n": [{"numeric": ["!", 5]}]}"#), "Unrecognized numeric range operator: !");
    assert_eq!(reason(r#"{"n": [{"numeric": [5]}]}"#), "Invalid member in numeric match: 5");
    assert_eq!(reason(r#"{"n": [{"numeric": ["<", 5, 6]}]}"#), "Too many elements in numeric expression");
}

#[test]
fn structure_faults() {
    assert_eq!(reason("[]"), "Filter is not an object");
    assert_eq!(reason("{}"), "Empty objects are not allowed");
    assert_eq!(reason(r#"{"a": []}"#), "Empty arrays are not allowed");
    assert_eq!(reason(r#"{"a": "x"}"#), "\"a\" must be an object or an array");
    assert_eq!(reason(r#"{"a": [[1]]}"#), "Match value must be String, number, true, false, or null");
    assert_eq!(reason(r#"{"a": [{}]}"#), "Match expression name not found");
    assert_eq!(reason(r#"{"a": [{"regex": "x"}]}"#), "Unrecognized match type regex");
    assert_eq!(reason(r#"{"a": [{"prefix": "x", "suffix": "y"}]}"#), "Only one key allowed in match expression");
    assert_eq!(reason(r#"{"$or": [{"a": [1]}]}"#), "There must have at least 2 Objects in $or relationship.");
    assert_eq!(reason(r#"{"$or": {"a": [1]}}"#), "It must be an Array followed with $or.");
    assert_eq!(reason(r#"{"$or": [{"a": [1]}, 2]}"#), "Only JSON object is allowed in array of $or relationship.");
    assert_eq!(
        reason(r#"{"$or": [{"prefix": [1]}, {"a": [2]}]}"#),
        "prefix is Ruler reserved fieldName which cannot be used inside $or."
    );
    assert_eq!(reason(r#"{"a": [{"exists": "yes"}]}"#), "exists match pattern must be either true or false.");
}

#[test]
fn the_first_fault_in_the_text_wins() {
    // A fault of meaning before a fault of syntax, as a streaming reader meets them.
    assert_eq!(reason(r#"{"a": "x", "b": [1,]}"#), "\"a\" must be an object or an array");
    let syntax = parse(r#"{"b": [1,], "a": "x"}"#).unwrap_err();
    assert!(syntax.reason.starts_with("Unexpected character (']'"), "{}", syntax.reason);
    assert_eq!(syntax.offset, 9);
}

#[test]
fn or_forks_branches_and_later_fields_join_all() {
    let p = parse(r#"{"$or": [{"a": [1]}, {"b": [2]}], "c": [3]}"#).unwrap();
    assert_eq!(p.branches.len(), 2);
    assert!(p.branches.iter().all(|b| b.fields.iter().any(|f| f.name == "c")));
    assert!(is_match(r#"{"$or": [{"a": [1]}, {"b": [2]}], "c": [3]}"#, r#"{"b": 2, "c": 3}"#));
    assert!(!is_match(r#"{"$or": [{"a": [1]}, {"b": [2]}], "c": [3]}"#, r#"{"b": 2}"#));
    let nested = r#"{"d": {"$or": [{"x": [1]}, {"$or": [{"y": [2]}, {"z": [3]}]}]}}"#;
    assert_eq!(parse(nested).unwrap().branches.len(), 3);
    assert!(is_match(nested, r#"{"d": {"z": 3}}"#));
    // Choices multiply: 6 x 6 x 6 x 6 combinations.
    let or6 =
        format!(r#"{{"$or": [{}]}}"#, (0..6).map(|i| format!(r#"{{"x{i}": [1]}}"#)).collect::<Vec<_>>().join(","));
    let product = format!(r#"{{"a": {or6}, "b": {or6}, "c": {or6}}}"#);
    assert_eq!(parse(&product).unwrap().branches.len(), 216);
    let too_many = format!(r#"{{"a": {or6}, "b": {or6}, "c": {or6}, "d": {or6}}}"#);
    assert!(reason(&too_many).contains("more than 1000 combinations"));
}

#[test]
fn duplicate_names_the_later_wins() {
    let p = parse(r#"{"a": [1], "a": [2]}"#).unwrap();
    assert_eq!(p.branches[0].fields.len(), 1);
    assert!(is_match(r#"{"a": [1], "a": [2]}"#, r#"{"a": 2}"#));
    assert!(!is_match(r#"{"a": [1], "a": [2]}"#, r#"{"a": 1}"#));
}

#[test]
fn long_patterns_are_refused() {
    let long = format!(r#"{{"a": ["{}"]}}"#, "x".repeat(MAX_PATTERN_CHARS));
    assert!(reason(&long).contains("longer than 4096"));
}
