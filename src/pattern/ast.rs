//! The parsed form of a filter pattern.
//!
//! Every node that a user wrote carries a [`Span`] (byte offsets into the pattern text) so
//! that errors and `trailwatch explain` can point at it. Spans are metadata: two ASTs are
//! equal when they mean the same pattern, wherever its parts stood in the text, which is
//! what the parse -> print -> parse property relies on.

use std::fmt;

/// A byte range `start..end` in the pattern text.
#[derive(Clone, Copy, Debug, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

impl Eq for Span {}

impl PartialEq for Span {
    /// Spans never make two patterns different (see the module documentation).
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}

/// A parsed, validated filter pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// The empty or blank pattern: every event matches.
    MatchAll,
    /// Unstructured terms (`ERROR -timeout ?"two words"`).
    Terms(Vec<Term>),
    /// A standalone regular expression (`%ERROR|WARN%`) searched in the whole message.
    Regex(RegexLiteral),
    /// A JSON pattern (`{ $.a = 1 && $.b IS NULL }`).
    Json(JsonExpr),
    /// A space-delimited pattern (`[ip, user, ..., status=4*, bytes]`).
    Spaced(Vec<Field>),
}

impl Pattern {
    /// The kind's name as the AWS documentation calls it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Pattern::MatchAll => "match-all",
            Pattern::Terms(_) => "terms (unstructured)",
            Pattern::Regex(_) => "regular expression",
            Pattern::Json(_) => "JSON",
            Pattern::Spaced(_) => "space-delimited",
        }
    }
}

/// How a term takes part in a terms pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermRole {
    /// No prefix: the event must contain it.
    Required,
    /// `?term`: any one of the optional terms suffices, but only when the pattern has no
    /// required or excluded terms (AWS ignores `?` terms otherwise).
    Optional,
    /// `-term`: the event must not contain it.
    Excluded,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub role: TermRole,
    /// The literal text to look for (escapes already resolved).
    pub text: String,
    /// Written in double quotes.
    pub quoted: bool,
    pub span: Span,
}

/// A `%...%` regular expression in AWS's dialect; `source` is the text between the `%`s.
#[derive(Clone, Debug, PartialEq)]
pub struct RegexLiteral {
    pub source: String,
    pub span: Span,
}

/// A JSON pattern's boolean expression. `And`/`Or` are flattened: an `And` never holds an
/// `And` directly, so equal meanings have equal trees.
#[derive(Clone, Debug, PartialEq)]
pub enum JsonExpr {
    Or(Vec<JsonExpr>),
    And(Vec<JsonExpr>),
    Condition(JsonCondition),
}

#[derive(Clone, Debug, PartialEq)]
pub struct JsonCondition {
    pub selector: Selector,
    pub test: JsonTest,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JsonTest {
    Compare(CompareOp, Value),
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

/// A JSON selector such as `$.a.b[0]`, `$.a[*].id` or `$.['cluster.name']`.
#[derive(Clone, Debug, PartialEq)]
pub struct Selector {
    pub steps: Vec<Step>,
    pub span: Span,
}

impl JsonExpr {
    /// Whether any selector holds `[*]` or `.*`.
    pub fn has_wildcard(&self) -> bool {
        match self {
            JsonExpr::Or(items) | JsonExpr::And(items) => items.iter().any(JsonExpr::has_wildcard),
            JsonExpr::Condition(condition) => condition.selector.wildcard_count() > 0,
        }
    }
}

impl Selector {
    pub fn wildcard_count(&self) -> usize {
        self.steps.iter().filter(|s| s.is_wildcard()).count()
    }
}

/// The steps before the first wildcard: what must exist for a wildcard `!=` to hold.
/// `None` when there is no wildcard.
pub fn steps_before_wildcard(steps: &[Step]) -> Option<&[Step]> {
    steps.iter().position(Step::is_wildcard).map(|at| &steps[..at])
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// `.name` (letters, digits, `_`, `-`).
    Key(String),
    /// `.['any.key']`.
    QuotedKey(String),
    /// `[n]`.
    Index(usize),
    /// `[*]`: every element of an array or member of an object.
    AnyElement,
    /// `.*`: every member of an object or element of an array.
    AnyMember,
}

impl Step {
    /// `[*]` or `.*`.
    pub fn is_wildcard(&self) -> bool {
        matches!(self, Step::AnyElement | Step::AnyMember)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// `<`, `<=`, `>`, `>=` accept only numbers.
    pub fn is_ordering(self) -> bool {
        !matches!(self, CompareOp::Eq | CompareOp::Ne)
    }
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A numeric literal, kept as written (`+1`, `1e3`); compared numerically with numbers
    /// and textually with strings.
    Number(String),
    /// A string, bare or quoted; a leading and/or trailing `*` makes it a wildcard match.
    Text { text: String, quoted: bool },
    /// `%regex%`, searched in the value's text.
    Regex(RegexLiteral),
}

/// One position of a space-delimited pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    /// `...`: any number of fields, reported as `$<position>`.
    Ellipsis(Span),
    /// An empty position (`[, b,]`), reported as `$<position>`.
    Unnamed(Span),
    /// A named field with an optional condition, reported as `$<name>`.
    Named { name: String, condition: Option<FieldExpr>, span: Span },
}

/// Conditions on one space-delimited field; all clauses name the same field.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldExpr {
    Or(Vec<FieldExpr>),
    And(Vec<FieldExpr>),
    Compare(CompareOp, Value),
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}
