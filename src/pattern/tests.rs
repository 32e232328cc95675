use super::*;

fn err(text: &str) -> String {
    parse(text).expect_err(text).aws_message
}

#[test]
fn blank_patterns_match_everything() {
    assert_eq!(parse("").unwrap(), Pattern::MatchAll);
    assert_eq!(parse("  \t ").unwrap(), Pattern::MatchAll);
}
