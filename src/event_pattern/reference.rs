//! The reference evaluator: the semantics, written as plainly as possible over a parsed
//! document. The fast matcher ([`super::EventMatcherSet`]) must agree with it on every
//! pattern and event; property tests and a fuzz target check that it does.
//!
//! An event is read as AWS reads it: every leaf (string, number, boolean, null) under its
//! dot-joined path, arrays being transparent (each element a value of the array's path)
//! and remembering, for array consistency, which element of which array it sits in. A
//! branch matches when each of its fields has a leaf satisfying one of its conditions (or,
//! for `exists: false`, no leaf at all), and the leaves chosen never sit in different
//! elements of one array.

use std::borrow::Cow;

use super::ast::{Branch, EventPattern, Field, Leaf};
use super::lex::{Lexer, Token};

/// A JSON document as the matcher reads it: objects keep every member in order,
/// duplicate keys included.
#[derive(Clone, Debug, PartialEq)]
pub enum Doc {
    Object(Vec<(String, Doc)>),
    Array(Vec<Doc>),
    String(String),
    Number(String),
    Bool(bool),
    Null,
}

impl Doc {
    /// Parses one JSON value followed by nothing but whitespace; `None` if the text is not
    /// JSON.
    pub fn parse(text: &str) -> Option<Doc> {
        let mut lexer = Lexer::for_events(text);
        let first = lexer.next().ok()?;
        let doc = Doc::from_tokens(first, &mut lexer)?;
        (lexer.next().ok()? == Token::End && lexer.rest_is_blank()).then_some(doc)
    }

    /// Builds the value that starts with `token`, iteratively (documents may nest deeply).
    fn from_tokens(token: Token, lexer: &mut Lexer) -> Option<Doc> {
        enum Open {
            Object(Vec<(String, Doc)>, Option<String>),
            Array(Vec<Doc>),
        }
        let mut stack: Vec<Open> = Vec::new();
        let mut token = token;
        loop {
            let done = match token {
                Token::BeginObject => {
                    stack.push(Open::Object(Vec::new(), None));
                    None
                }
                Token::BeginArray => {
                    stack.push(Open::Array(Vec::new()));
                    None
                }
                Token::Name(name) => {
                    if let Some(Open::Object(_, key)) = stack.last_mut() {
                        *key = Some(name);
                    }
                    None
                }
                Token::EndObject => match stack.pop()? {
                    Open::Object(members, _) => Some(Doc::Object(members)),
                    Open::Array(_) => return None,
                },
                Token::EndArray => match stack.pop()? {
                    Open::Array(elements) => Some(Doc::Array(elements)),
                    Open::Object(..) => return None,
                },
                Token::String(s) => Some(Doc::String(s)),
                Token::Number(n) => Some(Doc::Number(n)),
                Token::True => Some(Doc::Bool(true)),
                Token::False => Some(Doc::Bool(false)),
                Token::Null => Some(Doc::Null),
                Token::End => return None,
            };
            if let Some(value) = done {
                match stack.last_mut() {
                    None => return Some(value),
                    Some(Open::Array(elements)) => elements.push(value),
                    Some(Open::Object(members, key)) => members.push((key.take()?, value)),
                }
            }
            token = lexer.next().ok()?;
        }
    }
}

/// Which element of which array a leaf sits in (arrays numbered in document order).
pub type Trail = Vec<(u32, u32)>;

/// Every leaf of `event`: path, value, trail.
pub fn leaves(event: &Doc) -> Vec<(String, Leaf<'_>, Trail)> {
    let mut out = Vec::new();
    let mut arrays = 0;
    walk(event, None, Vec::new(), &mut arrays, &mut out);
    out
}

/// `path` is `None` at the top of the document (where no leaf can sit).
fn walk<'a>(
    value: &'a Doc,
    path: Option<String>,
    trail: Trail,
    arrays: &mut u32,
    out: &mut Vec<(String, Leaf<'a>, Trail)>,
) {
    match value {
        Doc::Object(members) => {
            for (key, member) in members {
                let child = match &path {
                    None => key.clone(),
                    Some(path) => format!("{path}.{key}"),
                };
                walk(member, Some(child), trail.clone(), arrays, out);
            }
        }
        Doc::Array(elements) => {
            let id = *arrays;
            *arrays += 1;
            for (i, element) in elements.iter().enumerate() {
                let mut inner = trail.clone();
                inner.push((id, i as u32));
                walk(element, path.clone(), inner, arrays, out);
            }
        }
        Doc::String(s) => out.push((path.unwrap_or_default(), Leaf::String(Cow::Borrowed(s)), trail)),
        Doc::Number(n) => out.push((path.unwrap_or_default(), Leaf::Number(n), trail)),
        Doc::Bool(b) => out.push((path.unwrap_or_default(), Leaf::Bool(*b), trail)),
        Doc::Null => out.push((path.unwrap_or_default(), Leaf::Null, trail)),
    }
}

/// Whether two leaves may be chosen together: no array in which they sit in different
/// elements.
pub fn consistent(a: &Trail, b: &Trail) -> bool {
    a.iter().all(|(array, index)| b.iter().all(|(other, other_index)| array != other || index == other_index))
}

/// Whether the event text matches `pattern`: it must be a JSON object.
pub fn matches_text(pattern: &EventPattern, event: &str) -> bool {
    match Doc::parse(event) {
        Some(doc @ Doc::Object(_)) => matches(pattern, &doc),
        _ => false,
    }
}

/// Whether `event` matches `pattern`.
pub fn matches(pattern: &EventPattern, event: &Doc) -> bool {
    let leaves = leaves(event);
    pattern.branches.iter().any(|branch| branch_matches(branch, &leaves))
}

fn branch_matches(branch: &Branch, leaves: &[(String, Leaf, Trail)]) -> bool {
    // For each field: the trails of the leaves that satisfy it, or `None` when absence
    // satisfies it (and then it constrains nothing).
    let mut choices: Vec<Vec<&Trail>> = Vec::new();
    for field in &branch.fields {
        if field.matches_absence() && !leaves.iter().any(|(name, _, _)| *name == field.name) {
            continue;
        }
        let satisfying: Vec<&Trail> = leaves
            .iter()
            .filter(|(name, leaf, _)| *name == field.name && field_condition_holds(field, leaf))
            .map(|(_, _, trail)| trail)
            .collect();
        if satisfying.is_empty() {
            return false;
        }
        choices.push(satisfying);
    }
    choose(&choices, &mut Vec::new())
}

fn field_condition_holds(field: &Field, leaf: &Leaf) -> bool {
    field.conditions.iter().any(|c| c.matches(leaf))
}

/// Whether one trail per field can be chosen, all pairwise consistent (the fast matcher
/// decides array consistency with this too, after its own field reads).
pub(super) fn choose<'a>(choices: &[Vec<&'a Trail>], chosen: &mut Vec<&'a Trail>) -> bool {
    let Some((first, rest)) = choices.split_first() else {
        return true;
    };
    for trail in first {
        if chosen.iter().all(|c| consistent(c, trail)) {
            chosen.push(trail);
            let found = choose(rest, chosen);
            chosen.pop();
            if found {
                return true;
            }
        }
    }
    false
}
