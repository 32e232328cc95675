//! AWS's regular-expression dialect (`%...%`) and its translation to the `regex` crate.
//!
//! AWS accepts a small character set (letters, digits, space, `_ # = @ / ; , - :` and the
//! operators `^ $ ? [ ] { } | \ * + .`) and compiles the rest with an RE2-like engine:
//! no groups, no possessive or stacked quantifiers, `\d \w \s` with ASCII meaning,
//! `.` not matching a newline, unanchored search. The `regex` crate is Unicode-aware by
//! default and more permissive, so the translation spells every class out explicitly and
//! rejects what AWS rejects.

use regex::{Regex, RegexBuilder};

use super::ast::{RegexLiteral, Span};
use super::error::PatternError;

/// AWS's message for a regex that passes the character check but does not compile.
pub const AWS_REGEX_COMPILE_ERROR: &str = "Failed to compile regular expression.";

/// The largest repetition count RE2 accepts.
const MAX_REPEAT: u32 = 1000;

/// Compiled-program budget: generous for any 1,024-character pattern of realistic shape,
/// small enough that a pathological one fails fast instead of exhausting memory. RE2's
/// default memory budget is the same 8 MB (docs/semantics.md).
const SIZE_LIMIT: usize = 8 << 20;

/// Whether AWS accepts `c` inside `%...%`.
pub fn is_regex_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            ' ' | '_'
                | '#'
                | '='
                | '@'
                | '/'
                | ';'
                | ','
                | '-'
                | ':'
                | '^'
                | '$'
                | '?'
                | '['
                | ']'
                | '{'
                | '}'
                | '|'
                | '\\'
                | '*'
                | '+'
                | '.'
        )
}

/// Reads a `%...%` token starting at byte `start` (the opening `%`) and ending no later than
/// `end`; returns the literal and the byte just after the closing `%`.
pub fn scan(pattern: &str, start: usize, end: usize) -> Result<(RegexLiteral, usize), PatternError> {
    let body_start = start + 1;
    let mut pos = body_start;
    loop {
        let Some(c) = pattern.get(pos..end).and_then(|s| s.chars().next()) else {
            // Ran out of text without a closing `%`: AWS reports everything read.
            let last = pattern[..end].char_indices().next_back().map_or(start, |(i, _)| i);
            return Err(PatternError::invalid_chars(
                pattern,
                start,
                last,
                "a closing `%` after the regular expression",
            ));
        };
        if c == '%' {
            if pos == body_start {
                return Err(PatternError::invalid_chars(
                    pattern,
                    start,
                    pos,
                    "at least one character between the `%` signs",
                ));
            }
            break;
        }
        if !is_regex_char(c) {
            return Err(PatternError::invalid_chars(
                pattern,
                start,
                pos,
                "a regex character: letters, digits, space, `_ # = @ / ; , - :` or `^ $ ? [ ] { } | \\ * + .` (write `(` and `)` as \\x28 and \\x29)",
            ));
        }
        pos += c.len_utf8();
    }
    let literal = RegexLiteral { source: pattern[body_start..pos].to_string(), span: Span::new(start, pos + 1) };
    validate(&literal)?;
    Ok((literal, pos + 1))
}

/// Checks that [`compile`] will succeed, at a fraction of its cost: the translation, the
/// syntax tree and the two NFAs `regex` builds under the size limit, forward and reverse
/// (the reverse one, for its lazy DFA, can be the larger: the fuzzer found a pattern whose
/// forward NFA fits and whose reverse NFA does not).
fn validate(literal: &RegexLiteral) -> Result<(), PatternError> {
    use regex_automata::nfa::thompson::{Compiler, Config, WhichCaptures};
    let fail = |why: &str| PatternError::other(AWS_REGEX_COMPILE_ERROR, literal.span, why.to_string());
    let fail_with = |e: &dyn std::fmt::Display| {
        fail(&format!("a regular expression that compiles ({})", last_line(&e.to_string())))
    };
    let translated = translate(&literal.source).map_err(|why| fail(&why))?;
    let hir = regex_syntax::ParserBuilder::new().build().parse(&translated).map_err(|e| fail_with(&e))?;
    let forward = Config::new().nfa_size_limit(Some(SIZE_LIMIT));
    let reverse = forward.clone().which_captures(WhichCaptures::None).reverse(true);
    for config in [forward, reverse] {
        Compiler::new().configure(config).build_from_hir(&hir).map_err(|e| fail_with(&e))?;
    }
    Ok(())
}

/// Compiles a validated AWS regex into an unanchored `regex::Regex`.
pub fn compile(literal: &RegexLiteral) -> Result<Regex, PatternError> {
    let fail = |why: &str| PatternError::other(AWS_REGEX_COMPILE_ERROR, literal.span, why.to_string());
    let translated = translate(&literal.source).map_err(|why| fail(&why))?;
    RegexBuilder::new(&translated)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| fail(&format!("a regular expression that compiles ({})", last_line(&e.to_string()))))
}

fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim_start_matches("error: ")
}

/// What the previous piece of the translation was, to reject stacked quantifiers.
#[derive(Clone, Copy, PartialEq)]
enum Last {
    Nothing,
    Atom,
    Quantifier,
    LazyQuantifier,
}

/// Translates AWS regex syntax into `regex` crate syntax with the same meaning.
pub fn translate(source: &str) -> Result<String, String> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len() * 2);
    let mut last = Last::Nothing;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let (piece, used) = escape(&chars, i, false)?;
                out.push_str(&piece);
                i += used;
                last = Last::Atom;
                continue;
            }
            '[' => {
                let (piece, used) = class(&chars, i)?;
                out.push_str(&piece);
                i += used;
                last = Last::Atom;
                continue;
            }
            '*' | '+' | '?' => {
                last = quantifier_after(last, c == '?')?;
                out.push(c);
            }
            '{' => match repetition(&chars, i)? {
                Some((piece, used)) => {
                    last = quantifier_after(last, false)?;
                    out.push_str(&piece);
                    i += used;
                    continue;
                }
                // RE2 reads a `{` that starts no repetition as a literal brace.
                None => {
                    out.push_str("\\{");
                    last = Last::Atom;
                }
            },
            '|' => {
                out.push('|');
                last = Last::Nothing;
            }
            '^' | '$' => {
                out.push(c);
                last = Last::Nothing;
            }
            '.' => {
                out.push('.');
                last = Last::Atom;
            }
            _ => {
                out.push_str(&regex::escape(&c.to_string()));
                last = Last::Atom;
            }
        }
        i += 1;
    }
    Ok(out)
}

/// A quantifier may follow an atom; a single `?` may follow a quantifier (making it lazy).
fn quantifier_after(last: Last, is_question_mark: bool) -> Result<Last, String> {
    match last {
        Last::Atom => Ok(Last::Quantifier),
        Last::Quantifier if is_question_mark => Ok(Last::LazyQuantifier),
        Last::Quantifier | Last::LazyQuantifier => {
            Err("no quantifier directly after another (AWS has no possessive or stacked quantifiers)".into())
        }
        Last::Nothing => Err("something to repeat before the quantifier".into()),
    }
}

/// `{m}`, `{m,}`, `{m,n}` or `{,n}` at `chars[start]`; `None` when the brace starts none.
fn repetition(chars: &[char], start: usize) -> Result<Option<(String, usize)>, String> {
    let close = match chars[start..].iter().position(|&c| c == '}') {
        Some(offset) => start + offset,
        None => return Ok(None),
    };
    let inner: String = chars[start + 1..close].iter().collect();
    let (low, high) = match inner.split_once(',') {
        Some((low, high)) => (low, Some(high)),
        None => (inner.as_str(), None),
    };
    let is_count = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let valid = match high {
        None => is_count(low),
        Some(high) => {
            (is_count(low) || low.is_empty())
                && (is_count(high) || high.is_empty())
                && !(low.is_empty() && high.is_empty())
        }
    };
    if !valid {
        return Ok(None);
    }
    let bound = |s: &str| -> Result<u32, String> {
        match s.parse::<u32>() {
            Ok(n) if n <= MAX_REPEAT => Ok(n),
            _ => Err(format!("a repetition count of at most {MAX_REPEAT}")),
        }
    };
    let low_n = if low.is_empty() { 0 } else { bound(low)? };
    let piece = match high {
        None => format!("{{{low_n}}}"),
        Some("") => format!("{{{low_n},}}"),
        Some(high) => {
            let high_n = bound(high)?;
            if high_n < low_n {
                return Err("a repetition whose minimum is not above its maximum".into());
            }
            format!("{{{low_n},{high_n}}}")
        }
    };
    Ok(Some((piece, close - start + 1)))
}

/// An escape at `chars[start]` (the backslash). Inside a class, positive classes are
/// spelled as ranges and negated ones as nested classes.
fn escape(chars: &[char], start: usize, in_class: bool) -> Result<(String, usize), String> {
    let Some(&c) = chars.get(start + 1) else {
        return Err("a character after the backslash".into());
    };
    let class = |ranges: &str, negated: bool| match (in_class, negated) {
        (true, false) => ranges.to_string(),
        (_, true) => format!("[^{ranges}]"),
        (false, false) => format!("[{ranges}]"),
    };
    let piece = match c {
        'd' => class("0-9", false),
        'D' => class("0-9", true),
        'w' => class("0-9A-Za-z_", false),
        'W' => class("0-9A-Za-z_", true),
        // RE2's \s: tab, newline, form feed, carriage return, space.
        's' => class("\\t\\n\\x0C\\r ", false),
        'S' => class("\\t\\n\\x0C\\r ", true),
        'n' | 't' | 'r' | 'f' | 'v' => format!("\\{c}"),
        'x' => {
            let hex: String = chars.iter().skip(start + 2).take(2).collect();
            if hex.len() == 2 && hex.chars().all(|h| h.is_ascii_hexdigit()) {
                return Ok((format!("\\x{hex}"), 4));
            }
            return Err("two hexadecimal digits after \\x".into());
        }
        'b' | 'B' if !in_class => format!("(?-u:\\{c})"),
        'A' | 'z' if !in_class => format!("\\{c}"),
        c if c.is_ascii_punctuation() || c == ' ' => regex::escape(&c.to_string()),
        _ => {
            return Err(format!("a supported escape (\\d \\D \\w \\W \\s \\S \\xhh or \\ before a symbol), not \\{c}"))
        }
    };
    Ok((piece, 2))
}

/// A bracket class at `chars[start]`; every member is re-emitted explicitly so that the
/// `regex` crate's class set operators (`&&`, `--`, `~~`) and nested classes never apply.
fn class(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut i = start + 1;
    let mut out = String::from("[");
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let first_member = i;
    let mut members = 0;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("a closing `]` for the character class".into());
        };
        if c == ']' && i > first_member {
            break;
        }
        let (low, used, low_char) = class_member(chars, i)?;
        i += used;
        // A range `a-z`: a single member, `-`, another single member (not `]`).
        if low_char.is_some() && chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&n| n != ']') {
            let (high, used_high, high_char) = class_member(chars, i + 1)?;
            let (Some(from), Some(to)) = (low_char, high_char) else {
                return Err("a single character at the end of a range".into());
            };
            if from > to {
                return Err("a range whose start is not after its end".into());
            }
            out.push_str(&low);
            out.push('-');
            out.push_str(&high);
            i += 1 + used_high;
        } else {
            out.push_str(&low);
        }
        members += 1;
    }
    if members == 0 {
        return Err("at least one character in the class".into());
    }
    out.push(']');
    Ok((out, i - start + 1))
}

/// One class member: its translation, how many chars it used, and the character it stands
/// for when it is a single one (only those may bound a range).
fn class_member(chars: &[char], i: usize) -> Result<(String, usize, Option<char>), String> {
    let c = chars[i];
    if c == '\\' {
        let (piece, used) = escape(chars, i, true)?;
        let single = match chars.get(i + 1) {
            Some('d' | 'D' | 'w' | 'W' | 's' | 'S') | None => None,
            Some('x') => chars
                .get(i + 2..i + 4)
                .and_then(|hex| u8::from_str_radix(&hex.iter().collect::<String>(), 16).ok())
                .map(char::from),
            Some('n') => Some('\n'),
            Some('t') => Some('\t'),
            Some('r') => Some('\r'),
            Some('f') => Some('\x0C'),
            Some('v') => Some('\x0B'),
            Some(&other) => Some(other),
        };
        return Ok((piece, used, single));
    }
    let piece = if c.is_ascii_alphanumeric() { c.to_string() } else { format!("\\{c}") };
    Ok((piece, 1, Some(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(source: &str) -> Regex {
        compile(&RegexLiteral { source: source.into(), span: Span::default() }).unwrap()
    }

    fn rejects(source: &str) -> bool {
        compile(&RegexLiteral { source: source.into(), span: Span::default() }).is_err()
    }

    #[test]
    fn classes_are_ascii() {
        assert!(re(r"^\w+$").is_match("abc_123"));
        assert!(!re(r"^\w+$").is_match("caf\u{e9}"));
        assert!(re(r"^caf\W$").is_match("caf\u{e9}"));
        assert!(re(r"a\sb").is_match("a\nb"));
        assert!(!re(r"a\sb").is_match("a\x0Bb"));
        assert!(re(r"[\d.]+").is_match("1.5"));
        assert!(re(r"^[^\d]$").is_match("x"));
    }

    #[test]
    fn dot_does_not_match_newline_and_search_is_unanchored() {
        assert!(!re("a.b").is_match("a\nb"));
        assert!(re("AUTHORIZED").is_match("UNAUTHORIZED"));
    }

    #[test]
    fn repetitions_follow_re2() {
        assert!(re("^xa{,2}y$").is_match("xaay"));
        assert!(re("^a{3,5}$").is_match("aaaa"));
        assert!(re("a{x").is_match("a{x"), "a brace that starts no repetition is literal");
        assert!(rejects("a++"));
        assert!(rejects("a**"));
        assert!(rejects("a{2}{3}"));
        assert!(!rejects("a+?"));
        assert!(rejects("a{1001}"));
        assert!(rejects("*a"));
    }

    #[test]
    fn unsupported_escapes_and_ranges_fail() {
        assert!(rejects(r"\p"));
        assert!(rejects("[z-a]"));
        assert!(rejects(r"\1"));
        assert!(re(r"\x28[0-9]+\x29").is_match("retry (3)"));
        assert!(re(r"a\-b").is_match("a-b"));
    }

    #[test]
    fn class_set_operators_are_plain_characters() {
        assert!(re("[--/]").is_match("."));
        assert!(rejects("[a--]"), "RE2 reads a range from `a` down to `-`");
        assert!(re(r"[\x41-\x43]").is_match("B"));
        assert!(re("[]a]").is_match("]"));
    }

    #[test]
    fn validation_at_parse_time_agrees_with_compile() {
        // The first was found by the fuzzer: its forward NFA fits the size limit, its
        // reverse NFA does not, so a check of the forward NFA alone let it through.
        let fuzzed = r"\d{32,}.{531,}izin\}.{613,}.{531,}izin}.{531,}izin\}.{613,}.{531,}izin\}.{613,}izD{31,}.\d\d{32,}.{531,}izin\d{32,}.{531,}izin}.{531,}izin\}.{613,}.{531,}izin\}.{613,}izD{31,}.\d\d{32,}.{531,}izin\d{32,}.{531,}ib1,}.\d\|^inb|@";
        for source in [fuzzed, ".{531,}izin", r"\w{1000}\w{1000}\w{1000}", r"\d{1000}"] {
            let pattern = format!("%{source}%");
            let compiled = compile(&RegexLiteral { source: source.into(), span: Span::default() });
            assert_eq!(scan(&pattern, 0, pattern.len()).is_ok(), compiled.is_ok(), "{source}");
        }
        assert!(scan(&format!("%{fuzzed}%"), 0, fuzzed.len() + 2).is_err());
        let wide = ".{600,}x".repeat(16);
        assert!(scan(&format!("%{wide}%"), 0, wide.len() + 2).is_err(), "past the budget");
        for fits in [r"%\w{1000}\w{1000}\w{1000}%", "%.{600,}x%"] {
            assert!(scan(fits, 0, fits.len()).is_ok(), "{fits} is within the budget");
        }
    }

    #[test]
    fn scan_reports_aws_terms() {
        let err = |p: &str| scan(p, 0, p.len()).unwrap_err().aws_message;
        assert_eq!(err("%(ab)+%"), "Invalid character(s) in term '%('");
        assert_eq!(err("%%"), "Invalid character(s) in term '%%'");
        assert_eq!(err("%[a&&b]%"), "Invalid character(s) in term '%[a&'");
        assert_eq!(err(r"%\p%"), AWS_REGEX_COMPILE_ERROR);
    }
}
