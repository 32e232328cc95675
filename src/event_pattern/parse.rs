//! Pattern text -> [`EventPattern`], refusing what AWS refuses with AWS's reasons.
//!
//! The walk follows the order in which AWS's rule compiler (Event Ruler's
//! `JsonRuleCompiler`, whose reasons the recordings show) pulls tokens, so the fault it
//! reports first is the one reported here.

use super::ast::{Bound, Branch, Condition, EventPattern, Exclusion, Field, Literal, Range};
use super::cidr::{self, IpRange};
use super::error::InvalidEventPattern;
use super::lex::{Lexer, Token};
use super::number::{comparable, Comparable};
use super::wildcard::{Wildcard, TOO_COMPLEX};

/// The longest pattern EventBridge stores (its quota is 2,048 characters by default,
/// raisable to 4,096).
pub const MAX_PATTERN_CHARS: usize = 4096;
/// Most `$or` combinations one pattern may expand to (a trailwatch bound; see
/// docs/semantics.md).
pub const MAX_BRANCHES: usize = 1000;

/// Field names AWS reserves inside `$or`.
const RESERVED_IN_OR: &[&str] = &[
    "exactly",
    "equals-ignore-case",
    "prefix",
    "suffix",
    "anything-but",
    "exists",
    "wildcard",
    "numeric",
    "cidr",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "regex",
    "not-wildcard",
    "not-equals-ignore-case",
    "date-after",
    "date-on-or-after",
    "date-before",
    "date-on-or-before",
    "in-date-range",
    "ip-address-in-range",
    "ip-address-not-in-range",
];

const ONE_KEY: &str = "Only one key allowed in match expression";
const TOO_MANY: &str = "Too many elements in numeric expression";

type Result<T> = std::result::Result<T, InvalidEventPattern>;

/// Parses and validates an event pattern.
pub fn parse(text: &str) -> Result<EventPattern> {
    if text.chars().count() > MAX_PATTERN_CHARS {
        return Err(InvalidEventPattern::new(
            text,
            0,
            "",
            format!("Event pattern is longer than {MAX_PATTERN_CHARS} characters"),
        ));
    }
    let mut compiler =
        Compiler { text, lexer: Lexer::new(text), path: Vec::new(), field: String::new(), wildcards: Vec::new() };
    if compiler.next()? != Token::BeginObject {
        return Err(compiler.fault("Filter is not an object"));
    }
    let mut branches = Vec::new();
    compiler.object(&mut branches, false)?;
    // AWS judges complexity once the whole pattern is compiled.
    for (offset, field, wildcard) in &compiler.wildcards {
        if wildcard.too_complex() {
            return Err(InvalidEventPattern::new(text, *offset, field, TOO_COMPLEX));
        }
    }
    Ok(EventPattern { branches, text: text.to_string() })
}

struct Compiler<'a> {
    text: &'a str,
    lexer: Lexer<'a>,
    /// Names of the enclosing objects.
    path: Vec<String>,
    /// The field being read, for diagnostics.
    field: String,
    /// Every wildcard value, with where it was written, for the complexity check.
    wildcards: Vec<(usize, String, Wildcard)>,
}

impl Compiler<'_> {
    fn fault(&self, reason: impl Into<String>) -> InvalidEventPattern {
        InvalidEventPattern::new(self.text, self.lexer.token_start, &self.field, reason)
    }

    fn next(&mut self) -> Result<Token> {
        self.lexer.next().map_err(|(reason, offset)| InvalidEventPattern::new(self.text, offset, &self.field, reason))
    }

    fn expect_end_object(&mut self, reason: &str) -> Result<()> {
        match self.next()? {
            Token::EndObject => Ok(()),
            _ => Err(self.fault(reason)),
        }
    }

    fn extended_name(&self, step: &str) -> String {
        if self.path.is_empty() {
            return step.to_string();
        }
        format!("{}.{step}", self.path.join("."))
    }

    /// The members of an object whose `{` has been read.
    fn object(&mut self, branches: &mut Vec<Branch>, inside_or: bool) -> Result<()> {
        let mut fields_present = false;
        loop {
            let step = match self.next()? {
                Token::EndObject => break,
                Token::Name(step) => step,
                other => return Err(self.fault(format!("Unexpected token {}", other.text()))),
            };
            fields_present = true;
            self.field = self.extended_name(&step);
            if step == "$or" {
                self.or(branches)?;
                continue;
            }
            if inside_or && RESERVED_IN_OR.contains(&step.as_str()) {
                return Err(self.fault(format!("{step} is Ruler reserved fieldName which cannot be used inside $or.")));
            }
            match self.next()? {
                Token::BeginObject => {
                    self.path.push(step);
                    self.object(branches, inside_or)?;
                    self.path.pop();
                }
                Token::BeginArray => {
                    let name = self.extended_name(&step);
                    self.values(branches, name)?;
                }
                _ => return Err(self.fault(format!("\"{step}\" must be an object or an array"))),
            }
        }
        if !fields_present {
            return Err(self.fault("Empty objects are not allowed"));
        }
        Ok(())
    }

    /// `$or`'s array: each object forks every branch so far.
    fn or(&mut self, branches: &mut Vec<Branch>) -> Result<()> {
        let before = std::mem::take(branches);
        if self.next()? != Token::BeginArray {
            return Err(self.fault("It must be an Array followed with $or."));
        }
        let mut objects = 0;
        loop {
            match self.next()? {
                Token::EndArray => break,
                Token::BeginObject => {
                    objects += 1;
                    let mut forked = before.clone();
                    if forked.is_empty() {
                        forked.push(Branch::default());
                    }
                    self.object(&mut forked, true)?;
                    branches.extend(forked);
                    if branches.len() > MAX_BRANCHES {
                        return Err(self.fault(format!(
                            "Event pattern has more than {MAX_BRANCHES} combinations of $or branches"
                        )));
                    }
                }
                _ => return Err(self.fault("Only JSON object is allowed in array of $or relationship.")),
            }
        }
        if objects < 2 {
            return Err(self.fault("There must have at least 2 Objects in $or relationship."));
        }
        Ok(())
    }

    /// A field's array of values, whose `[` has been read; sets it in every branch.
    fn values(&mut self, branches: &mut Vec<Branch>, name: String) -> Result<()> {
        let mut conditions = Vec::new();
        loop {
            let condition = match self.next()? {
                Token::EndArray => break,
                Token::BeginObject => self.match_expression()?,
                Token::String(text) => {
                    let ip = cidr::ip_bytes(&text).map(|ip| ip.to_vec());
                    Condition::Exact(Literal::String { text, ip })
                }
                Token::Number(text) => {
                    let value = comparable(&text).ok();
                    Condition::Exact(Literal::Number { text, value })
                }
                Token::True => Condition::Exact(Literal::Bool(true)),
                Token::False => Condition::Exact(Literal::Bool(false)),
                Token::Null => Condition::Exact(Literal::Null),
                _ => return Err(self.fault("Match value must be String, number, true, false, or null")),
            };
            conditions.push(condition);
        }
        if conditions.is_empty() {
            return Err(self.fault("Empty arrays are not allowed"));
        }
        if branches.is_empty() {
            branches.push(Branch::default());
        }
        for branch in branches.iter_mut() {
            match branch.fields.iter_mut().find(|f| f.name == name) {
                Some(field) => field.conditions = conditions.clone(),
                None => branch.fields.push(Field { name: name.clone(), conditions: conditions.clone() }),
            }
        }
        Ok(())
    }

    /// `{ "kind": ... }` inside a field's array, whose `{` has been read.
    fn match_expression(&mut self) -> Result<Condition> {
        let Token::Name(kind) = self.next()? else {
            return Err(self.fault("Match expression name not found"));
        };
        let condition = match kind.as_str() {
            "exactly" => {
                let Token::String(text) = self.next()? else {
                    return Err(self.fault("exact match pattern must be a string"));
                };
                self.expect_end_object(ONE_KEY)?;
                Condition::Exact(Literal::String { text, ip: None })
            }
            "prefix" | "suffix" => {
                let prefix = kind == "prefix";
                let text = match self.next()? {
                    Token::BeginObject => return self.affix_ignore_case(prefix),
                    Token::String(text) => text,
                    _ => return Err(self.fault(format!("{kind} match pattern must be a string"))),
                };
                self.expect_end_object(ONE_KEY)?;
                if prefix {
                    Condition::Prefix { text, ignore_case: false }
                } else {
                    Condition::Suffix { text, ignore_case: false }
                }
            }
            "numeric" => {
                if self.next()? != Token::BeginArray {
                    return Err(self.fault("Value of numeric must be an array."));
                }
                let range = self.numeric()?;
                self.expect_end_object(TOO_MANY)?;
                Condition::Numeric(range)
            }
            "anything-but" => self.anything_but()?,
            "exists" => {
                let present = match self.next()? {
                    Token::True => true,
                    Token::False => false,
                    _ => return Err(self.fault("exists match pattern must be either true or false.")),
                };
                self.expect_end_object(ONE_KEY)?;
                Condition::Exists(present)
            }
            "cidr" => {
                let Token::String(text) = self.next()? else {
                    return Err(self.fault("prefix match pattern must be a string"));
                };
                let range = IpRange::parse_cidr(&text).map_err(|reason| self.fault(reason))?;
                self.expect_end_object(ONE_KEY)?;
                Condition::Cidr(range)
            }
            "equals-ignore-case" => {
                let Token::String(text) = self.next()? else {
                    return Err(self.fault("equals-ignore-case match pattern must be a string"));
                };
                self.expect_end_object(ONE_KEY)?;
                Condition::EqualsIgnoreCase(text)
            }
            "wildcard" => {
                let Token::String(text) = self.next()? else {
                    return Err(self.fault("wildcard match pattern must be a string"));
                };
                let wildcard = self.wildcard(&text)?;
                self.expect_end_object(ONE_KEY)?;
                Condition::Wildcard(wildcard)
            }
            _ => return Err(self.fault(format!("Unrecognized match type {kind}"))),
        };
        Ok(condition)
    }

    fn wildcard(&mut self, text: &str) -> Result<Wildcard> {
        let wildcard = Wildcard::parse(text).map_err(|reason| self.fault(reason))?;
        self.wildcards.push((self.lexer.token_start, self.field.clone(), wildcard.clone()));
        Ok(wildcard)
    }

    /// `prefix`/`suffix` with `{"equals-ignore-case": ...}`, whose inner `{` has been read.
    fn affix_ignore_case(&mut self, prefix: bool) -> Result<Condition> {
        let (what, kind) = if prefix { ("Prefix", "prefix") } else { ("Suffix", "suffix") };
        let Token::Name(op) = self.next()? else {
            return Err(self.fault(format!("{what} expression name not found")));
        };
        if op != "equals-ignore-case" {
            return Err(self.fault(format!("Unsupported {kind} pattern: {op}")));
        }
        let Token::String(text) = self.next()? else {
            return Err(self.fault("equals-ignore-case match pattern must be a string"));
        };
        self.expect_end_object(ONE_KEY)?;
        self.expect_end_object(ONE_KEY)?;
        Ok(if prefix {
            Condition::Prefix { text, ignore_case: true }
        } else {
            Condition::Suffix { text, ignore_case: true }
        })
    }

    fn number(&self, text: &str) -> Result<Comparable> {
        comparable(text).map_err(|reason| self.fault(reason))
    }

    /// `numeric`'s array, whose `[` has been read.
    fn numeric(&mut self) -> Result<Range> {
        let token = self.next()?;
        let Token::String(operator) = token else {
            return Err(self.fault(format!("Invalid member in numeric match: {}", token.text())));
        };
        let token = self.next()?;
        let numeric = |c: &Self, name: &str| {
            if token.is_number() {
                Ok(token.text())
            } else {
                Err(c.fault(format!("Value of {name} must be numeric")))
            }
        };
        match operator.as_str() {
            "=" => {
                let value = numeric(self, "equals")?;
                if self.next()? != Token::EndArray {
                    return Err(self.fault(TOO_MANY));
                }
                let value = self.number(&value)?;
                Ok(Range { bottom: Some(Bound { value, open: false }), top: Some(Bound { value, open: false }) })
            }
            ">=" | ">" => {
                let bottom = numeric(self, &operator)?;
                let open = operator == ">";
                match self.next()? {
                    Token::EndArray => {
                        let value = self.number(&bottom)?;
                        Ok(Range { bottom: Some(Bound { value, open }), top: None })
                    }
                    token => self.complete_range(token, &bottom, open),
                }
            }
            "<=" | "<" => {
                let top = numeric(self, &operator)?;
                if self.next()? != Token::EndArray {
                    return Err(self.fault(TOO_MANY));
                }
                let value = self.number(&top)?;
                Ok(Range { bottom: None, top: Some(Bound { value, open: operator == "<" }) })
            }
            _ => Err(self.fault(format!("Unrecognized numeric range operator: {operator}"))),
        }
    }

    fn complete_range(&mut self, token: Token, bottom: &str, open_bottom: bool) -> Result<Range> {
        let Token::String(operator) = token else {
            return Err(self.fault(format!("Bad value in numeric range: {}", token.text())));
        };
        let open_top = match operator.as_str() {
            "<" => true,
            "<=" => false,
            _ => return Err(self.fault(format!("Bad numeric range operator: {operator}"))),
        };
        let top = match self.next()? {
            Token::Number(top) => top,
            _ => return Err(self.fault(format!("Value of {operator} must be numeric"))),
        };
        if self.next()? != Token::EndArray {
            return Err(self.fault("Too many terms in numeric range expression"));
        }
        let bottom = self.number(bottom)?;
        let top = self.number(&top)?;
        if bottom >= top {
            return Err(self.fault("Bottom must be less than top"));
        }
        Ok(Range {
            bottom: Some(Bound { value: bottom, open: open_bottom }),
            top: Some(Bound { value: top, open: open_top }),
        })
    }

    /// `anything-but`'s value, plain or with `equals-ignore-case`, `prefix`, `suffix` or
    /// `wildcard`.
    fn anything_but(&mut self) -> Result<Condition> {
        #[derive(PartialEq, Clone, Copy)]
        enum Kind {
            Plain,
            IgnoreCase,
            Prefix,
            Suffix,
            Wildcard,
        }
        let mut kind = Kind::Plain;
        let mut token = self.next()?;
        if token == Token::BeginObject {
            let Token::Name(op) = self.next()? else {
                return Err(self.fault("Anything-But expression name not found"));
            };
            kind = match op.as_str() {
                "equals-ignore-case" => Kind::IgnoreCase,
                "prefix" => Kind::Prefix,
                "suffix" => Kind::Suffix,
                "wildcard" => Kind::Wildcard,
                _ => return Err(self.fault(format!("Unsupported anything-but pattern: {op}"))),
            };
            token = self.next()?;
        }
        if !matches!(token, Token::BeginArray | Token::String(_) | Token::Number(_)) {
            return Err(self.fault("Value of anything-but must be an array or single string/number value."));
        }
        let non_string = |c: &Self| match kind {
            Kind::IgnoreCase => {
                c.fault("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
            }
            Kind::Wildcard => c.fault("wildcard match pattern must be a string"),
            _ => c.fault("prefix/suffix match pattern must be a string"),
        };
        let exclusion = if kind == Kind::Plain {
            let (mut strings, mut numbers) = (Vec::new(), Vec::new());
            let mut take = |c: &mut Self, token: Token, reason: &str| -> Result<()> {
                match token {
                    Token::String(s) => strings.push(s),
                    Token::Number(n) => numbers.push(c.number(&n)?),
                    _ => return Err(c.fault(reason)),
                }
                Ok(())
            };
            if token == Token::BeginArray {
                loop {
                    let token = self.next()?;
                    if token == Token::EndArray {
                        break;
                    }
                    take(self, token, "Inside anything but list, start|null|boolean is not supported.")?;
                }
                if strings.is_empty() == numbers.is_empty() {
                    return Err(self.fault(
                        "Inside anything but list, either all values are number or string, mixed type is not supported",
                    ));
                }
            } else {
                take(self, token, "Inside anything-but list, start|null|boolean is not supported.")?;
            }
            if numbers.is_empty() {
                Exclusion::Strings(strings)
            } else {
                Exclusion::Numbers(numbers)
            }
        } else {
            let mut texts = Vec::new();
            let mut take = |c: &mut Self, token: Token| -> Result<()> {
                let Token::String(text) = token else {
                    return Err(non_string(c));
                };
                if matches!(kind, Kind::Prefix | Kind::Suffix) && text.is_empty() {
                    return Err(c.fault("Null prefix/suffix not allowed"));
                }
                texts.push((c.lexer.token_start, text));
                Ok(())
            };
            if token == Token::BeginArray {
                loop {
                    let token = self.next()?;
                    if token == Token::EndArray {
                        break;
                    }
                    take(self, token)?;
                }
            } else {
                take(self, token)?;
            }
            match kind {
                Kind::IgnoreCase => Exclusion::IgnoreCase(texts.into_iter().map(|(_, t)| t).collect()),
                Kind::Prefix => Exclusion::Prefixes(texts.into_iter().map(|(_, t)| t).collect()),
                Kind::Suffix => Exclusion::Suffixes(texts.into_iter().map(|(_, t)| t).collect()),
                _ => {
                    let mut wildcards = Vec::new();
                    for (offset, text) in texts {
                        let wildcard = Wildcard::parse(&text)
                            .map_err(|reason| InvalidEventPattern::new(self.text, offset, &self.field, reason))?;
                        self.wildcards.push((offset, self.field.clone(), wildcard.clone()));
                        wildcards.push(wildcard);
                    }
                    Exclusion::Wildcards(wildcards)
                }
            }
        };
        self.expect_end_object(TOO_MANY)?;
        if kind != Kind::Plain {
            self.expect_end_object(TOO_MANY)?;
        }
        Ok(Condition::AnythingBut(exclusion))
    }
}
