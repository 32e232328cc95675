//! The parsed pattern: what each field of an event must hold.
//!
//! A pattern is a disjunction of [`Branch`]es (one per combination of `$or` choices, as
//! AWS's compiler expands them); a branch is a conjunction of [`Field`]s, each naming a
//! leaf of the event by its dot-joined path (`detail.requestParameters.bucketName`) and
//! listing [`Condition`]s of which any one must hold.

use std::borrow::Cow;

use super::cidr::{self, IpRange};
use super::number::{event_comparable, Comparable};
use super::wildcard::Wildcard;

/// A parsed event pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct EventPattern {
    pub branches: Vec<Branch>,
    /// The pattern as written.
    pub text: String,
}

/// Fields that must all match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Branch {
    /// In the order the pattern names them, each name once (a later mention replaces an
    /// earlier one, as in AWS's compiler).
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The leaf's path, steps joined with `.` (so `{"a.b": ..}` and `{"a": {"b": ..}}` name
    /// the same leaf).
    pub name: String,
    /// Any one must hold.
    pub conditions: Vec<Condition>,
}

impl Field {
    /// Whether the field also matches when the event has no leaf of this name.
    pub fn matches_absence(&self) -> bool {
        self.conditions.contains(&Condition::Exists(false))
    }
}

/// One test of a leaf value.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    Exact(Literal),
    Prefix {
        text: String,
        ignore_case: bool,
    },
    Suffix {
        text: String,
        ignore_case: bool,
    },
    EqualsIgnoreCase(String),
    Wildcard(Wildcard),
    Numeric(Range),
    Cidr(IpRange),
    /// `exists: true` holds for any leaf; `exists: false` for none (see [`Field`]).
    Exists(bool),
    AnythingBut(Exclusion),
}

/// An exact value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A string; `ip` when it is an IP address literal (then it matches that address).
    String {
        text: String,
        ip: Option<Vec<u8>>,
    },
    /// A number: equal as a number when both sides have a comparable form, else as text.
    Number {
        text: String,
        value: Option<Comparable>,
    },
    Bool(bool),
    Null,
}

/// What `anything-but` excludes: a leaf matches when it is not excluded (numbers, null
/// and booleans are never excluded by string forms, nor strings by numbers).
#[derive(Clone, Debug, PartialEq)]
pub enum Exclusion {
    Strings(Vec<String>),
    Numbers(Vec<Comparable>),
    IgnoreCase(Vec<String>),
    Prefixes(Vec<String>),
    Suffixes(Vec<String>),
    Wildcards(Vec<Wildcard>),
}

/// A numeric range; `=` is a range with equal closed ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub bottom: Option<Bound>,
    pub top: Option<Bound>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    pub value: Comparable,
    pub open: bool,
}

impl Range {
    pub fn contains(&self, value: Comparable) -> bool {
        let above = match self.bottom {
            None => true,
            Some(b) if b.open => value > b.value,
            Some(b) => value >= b.value,
        };
        let below = match self.top {
            None => true,
            Some(t) if t.open => value < t.value,
            Some(t) => value <= t.value,
        };
        above && below
    }
}

/// A leaf value of an event: what conditions test.
#[derive(Clone, Debug, PartialEq)]
pub enum Leaf<'a> {
    String(Cow<'a, str>),
    /// The number's text as the event writes it.
    Number(&'a str),
    Bool(bool),
    Null,
}

impl Condition {
    /// Whether the condition holds for `leaf` (`exists` is the field's business and holds
    /// here for `true`).
    pub fn matches(&self, leaf: &Leaf) -> bool {
        match self {
            Condition::Exact(literal) => literal.matches(leaf),
            Condition::Prefix { text, ignore_case } => match leaf {
                Leaf::String(s) if *ignore_case => starts_with_ignore_case(s, text),
                Leaf::String(s) => s.starts_with(text.as_str()),
                _ => false,
            },
            Condition::Suffix { text, ignore_case } => match leaf {
                Leaf::String(s) if *ignore_case => ends_with_ignore_case(s, text),
                Leaf::String(s) => s.ends_with(text.as_str()),
                _ => false,
            },
            Condition::EqualsIgnoreCase(text) => matches!(leaf, Leaf::String(s) if equals_ignore_case(s, text)),
            Condition::Wildcard(wildcard) => matches!(leaf, Leaf::String(s) if wildcard.matches(s)),
            Condition::Numeric(range) => {
                matches!(leaf, Leaf::Number(n) if event_comparable(n).is_some_and(|v| range.contains(v)))
            }
            Condition::Cidr(range) => {
                matches!(leaf, Leaf::String(s) if cidr::ip_bytes(s).is_some_and(|ip| range.contains(&ip)))
            }
            Condition::Exists(present) => *present,
            Condition::AnythingBut(exclusion) => !exclusion.excludes(leaf),
        }
    }
}

impl Literal {
    pub fn matches(&self, leaf: &Leaf) -> bool {
        match (self, leaf) {
            (Literal::String { text, ip: None }, Leaf::String(s)) => s == text,
            (Literal::String { ip: Some(ip), .. }, Leaf::String(s)) => {
                cidr::ip_bytes(s).is_some_and(|bytes| *bytes == **ip)
            }
            (Literal::Number { text, value }, Leaf::Number(n)) => {
                *n == text || value.is_some_and(|v| event_comparable(n) == Some(v))
            }
            (Literal::Bool(b), Leaf::Bool(l)) => b == l,
            (Literal::Null, Leaf::Null) => true,
            _ => false,
        }
    }
}

impl Exclusion {
    pub fn excludes(&self, leaf: &Leaf) -> bool {
        match (self, leaf) {
            (Exclusion::Numbers(numbers), Leaf::Number(n)) => event_comparable(n).is_some_and(|v| numbers.contains(&v)),
            (Exclusion::Strings(strings), Leaf::String(s)) => strings.iter().any(|x| x == s),
            (Exclusion::IgnoreCase(strings), Leaf::String(s)) => strings.iter().any(|x| equals_ignore_case(s, x)),
            (Exclusion::Prefixes(prefixes), Leaf::String(s)) => prefixes.iter().any(|p| s.starts_with(p.as_str())),
            (Exclusion::Suffixes(suffixes), Leaf::String(s)) => suffixes.iter().any(|p| s.ends_with(p.as_str())),
            (Exclusion::Wildcards(wildcards), Leaf::String(s)) => wildcards.iter().any(|w| w.matches(s)),
            _ => false,
        }
    }
}

/// Whether event character `e` matches pattern character `p` ignoring case, as AWS's
/// matcher has it: `e` is `p`, or `p`'s lower or upper case form (when that is one
/// character).
fn char_matches_ignore_case(e: char, p: char) -> bool {
    if e == p {
        return true;
    }
    fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
        let first = chars.next();
        chars.next().is_none().then_some(first).flatten()
    }
    single(p.to_lowercase()) == Some(e) || single(p.to_uppercase()) == Some(e)
}

pub fn equals_ignore_case(event: &str, pattern: &str) -> bool {
    if event.is_ascii() && pattern.is_ascii() {
        return event.eq_ignore_ascii_case(pattern);
    }
    event.chars().count() == pattern.chars().count()
        && event.chars().zip(pattern.chars()).all(|(e, p)| char_matches_ignore_case(e, p))
}

pub fn starts_with_ignore_case(event: &str, prefix: &str) -> bool {
    let mut chars = event.chars();
    prefix.chars().all(|p| chars.next().is_some_and(|e| char_matches_ignore_case(e, p)))
}

pub fn ends_with_ignore_case(event: &str, suffix: &str) -> bool {
    let mut chars = event.chars().rev();
    suffix.chars().rev().all(|p| chars.next().is_some_and(|e| char_matches_ignore_case(e, p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_case_follows_the_patterns_case_forms() {
        assert!(equals_ignore_case("EC2 Instance", "ec2 instance"));
        assert!(equals_ignore_case("ÉTÉ", "été"));
        assert!(!equals_ignore_case("\u{212A}", "k"));
        assert!(starts_with_ignore_case("EventBridge", "eventb"));
        assert!(ends_with_ignore_case("image.PNG", ".png"));
        assert!(!ends_with_ignore_case("png", ".png"));
    }

    #[test]
    fn numbers_equal_as_numbers_or_as_text() {
        let n = |t: &str| Literal::Number { text: t.into(), value: super::super::number::comparable(t).ok() };
        assert!(n("300").matches(&Leaf::Number("300.0")));
        assert!(n("123456789012").matches(&Leaf::Number("123456789012")));
        assert!(!n("123456789012").matches(&Leaf::Number("123456789012.0")));
        assert!(!n("300").matches(&Leaf::String("300".into())));
    }
}
