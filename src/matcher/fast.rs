//! The fast matcher: literal prefilters, lazy JSON, and many patterns in one pass.
//!
//! A [`MatcherSet`] holds any number of patterns (one metric filter each, in a replay).
//! Per event it
//! 1. finds, in one scan, which patterns' prefilter literals occur (a single literal with
//!    `memmem`, several with one Aho-Corasick automaton), so most patterns are ruled out
//!    without reading the event as JSON;
//! 2. for the JSON patterns still in play whose selectors have no wildcard, extracts the
//!    values of all their selectors together in one lazy pass ([`Paths`]) and evaluates
//!    each pattern over those values;
//! 3. hands everything else (wildcard selectors, text the lazy scan leaves alone, the
//!    other pattern kinds) to the [`ReferenceMatcher`].
//!
//! Every step gives the reference evaluator's answer; `tests/properties.rs` checks this.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use memchr::memmem::Finder;

use super::extracted::ExtractedValues;
use super::lazy::{Extraction, Found, Paths};
use super::number::JsonNumber;
use super::prefilter::Prefilter;
use super::reference::{ConditionTest, ReferenceMatcher};
use super::Matcher;
use crate::pattern::{JsonExpr, Pattern, PatternError};

/// Patterns compiled to be evaluated together.
#[derive(Debug)]
pub struct MatcherSet {
    entries: Vec<Entry>,
    screen: Screen,
    /// Patterns with no required literal: in play for every event.
    unscreened: Vec<usize>,
    /// The selectors of every lazily evaluated pattern.
    paths: Paths,
}

#[derive(Debug)]
struct Entry {
    prefilter: Prefilter,
    /// The lazy form of a JSON pattern, when it has one.
    lazy: Option<SlotTree>,
    reference: ReferenceMatcher,
}

/// The scan that decides which patterns are in play.
#[derive(Debug)]
enum Screen {
    None,
    /// A few literals, each searched on its own with `memmem` (faster than an automaton
    /// for a handful), with the patterns each admits.
    Finders(Vec<(Finder<'static>, Vec<usize>)>),
    /// Many literals. `quick` (SIMD Teddy) rules out events holding none; `exact`
    /// (overlapping, a DFA) then finds every literal present.
    Automaton {
        quick: Quick,
        exact: AhoCorasick,
        admits: Vec<Vec<usize>>,
    },
}

/// Whether any literal occurs, by SIMD Teddy searchers (at most 64 literals each). The
/// literals are searched without a leading `"`: Teddy fingerprints their first bytes, and
/// `"` followed by letters starts every key in JSON. (The automaton's own prefilter is no
/// help either: it picks "rare" bytes by general text, where `"` is rare.)
#[derive(Debug)]
enum Quick {
    Teddy(Vec<aho_corasick::packed::Searcher>),
    Automaton(AhoCorasick),
}

impl Quick {
    fn new(literals: &[&Vec<u8>]) -> Option<Quick> {
        let mut unquoted: Vec<&[u8]> =
            literals.iter().map(|l| l.strip_prefix(b"\"").filter(|rest| !rest.is_empty()).unwrap_or(l)).collect();
        unquoted.sort_unstable();
        unquoted.dedup();
        let teddy: Option<Vec<_>> = unquoted
            .chunks(64)
            .map(|chunk| aho_corasick::packed::Config::new().builder().extend(chunk).build())
            .collect();
        match teddy {
            Some(searchers) => Some(Quick::Teddy(searchers)),
            None => {
                AhoCorasick::builder().match_kind(MatchKind::LeftmostFirst).build(unquoted).ok().map(Quick::Automaton)
            }
        }
    }

    fn is_match(&self, text: &str) -> bool {
        match self {
            Quick::Teddy(searchers) => searchers.iter().any(|s| s.find(text).is_some()),
            Quick::Automaton(automaton) => automaton.is_match(text),
        }
    }
}

/// Up to this many literals, separate `memmem` searches beat one automaton.
const MAX_FINDERS: usize = 4;

/// A JSON expression over the slots of [`Paths`].
#[derive(Debug)]
enum SlotTree {
    Or(Vec<SlotTree>),
    And(Vec<SlotTree>),
    Test(usize, ConditionTest),
}

impl MatcherSet {
    pub fn new<'p>(patterns: impl IntoIterator<Item = &'p Pattern>) -> Result<MatcherSet, PatternError> {
        let mut paths = Paths::new();
        let mut entries = Vec::new();
        for pattern in patterns {
            let reference = ReferenceMatcher::new(pattern)?;
            let lazy = match pattern {
                Pattern::Json(expr) if !expr.has_wildcard() => SlotTree::compile(expr, &mut paths),
                _ => None,
            };
            entries.push(Entry { prefilter: Prefilter::for_pattern(pattern), lazy, reference });
        }
        let (screen, unscreened) = Screen::build(&entries);
        Ok(MatcherSet { entries, screen, unscreened, paths })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The prefilter of pattern `index`.
    pub fn prefilter(&self, index: usize) -> &Prefilter {
        &self.entries[index].prefilter
    }

    /// Calls `found` with the index and extracted values of every pattern that matches
    /// `message`, in index order.
    pub fn for_each_match(&self, message: &str, mut found: impl FnMut(usize, ExtractedValues)) {
        let mut in_play = vec![false; self.entries.len()];
        for &index in &self.unscreened {
            in_play[index] = true;
        }
        self.screen.mark(message, &mut in_play);
        let mut extraction = None;
        for (index, entry) in self.entries.iter().enumerate().filter(|(i, _)| in_play[*i]) {
            if let Some(values) = entry.evaluate(message, &self.paths, &mut extraction) {
                found(index, values);
            }
        }
    }

    /// Whether pattern `index` matches `message` (the others are not evaluated).
    pub fn evaluate_one(&self, index: usize, message: &str) -> Option<ExtractedValues> {
        let entry = self.entries.get(index)?;
        if !self.unscreened.contains(&index) && !self.screen.admits(message, index) {
            return None;
        }
        entry.evaluate(message, &self.paths, &mut None)
    }
}

impl Entry {
    /// `extraction` caches the lazy pass over `message`, shared by all patterns.
    fn evaluate<'m>(
        &self,
        message: &'m str,
        paths: &Paths,
        extraction: &mut Option<Extraction<'m>>,
    ) -> Option<ExtractedValues> {
        let Some(tree) = &self.lazy else {
            return self.reference.evaluate(message);
        };
        match extraction.get_or_insert_with(|| paths.extract(message)) {
            Extraction::Values(values) => tree.holds(values).then(ExtractedValues::default),
            Extraction::NotJson => None,
            Extraction::Unsure => self.reference.evaluate(message),
        }
    }
}

impl Screen {
    fn build(entries: &[Entry]) -> (Screen, Vec<usize>) {
        let mut literals: Vec<(Vec<u8>, Vec<usize>)> = Vec::new();
        let mut unscreened = Vec::new();
        let mut admit = |literal: &[u8], index: usize| match literals.iter_mut().find(|(l, _)| l == literal) {
            Some((_, admitted)) => admitted.push(index),
            None => literals.push((literal.to_vec(), vec![index])),
        };
        for (index, entry) in entries.iter().enumerate() {
            match &entry.prefilter {
                Prefilter::All => unscreened.push(index),
                Prefilter::AnyOf { literals, json_escapes } => {
                    for literal in literals {
                        admit(literal.as_bytes(), index);
                    }
                    // An escape could spell a literal differently: such events are evaluated.
                    if *json_escapes {
                        admit(b"\\u", index);
                        if literals.iter().any(|l| l.contains('/')) {
                            admit(b"\\/", index);
                        }
                    }
                }
            }
        }
        let screen = if literals.is_empty() {
            Screen::None
        } else if literals.len() <= MAX_FINDERS {
            Screen::Finders(
                literals.into_iter().map(|(l, admitted)| (Finder::new(&l).into_owned(), admitted)).collect(),
            )
        } else {
            let patterns: Vec<&Vec<u8>> = literals.iter().map(|(l, _)| l).collect();
            let quick = Quick::new(&patterns);
            let exact = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                // Its prefilter would pick `"` as a rare byte; `quick` has already screened.
                .prefilter(false)
                .build(&patterns)
                .or_else(|_| AhoCorasick::new(&patterns));
            match (quick, exact) {
                (Some(quick), Ok(exact)) => {
                    Screen::Automaton { quick, exact, admits: literals.into_iter().map(|(_, a)| a).collect() }
                }
                // Too many literals for an automaton: screen nothing out.
                _ => {
                    unscreened.extend(literals.into_iter().flat_map(|(_, a)| a));
                    unscreened.sort_unstable();
                    unscreened.dedup();
                    Screen::None
                }
            }
        };
        (screen, unscreened)
    }

    /// Marks the patterns whose literals occur in `message`.
    fn mark(&self, message: &str, in_play: &mut [bool]) {
        let mut admit = |admitted: &[usize]| admitted.iter().for_each(|&index| in_play[index] = true);
        match self {
            Screen::None => {}
            Screen::Finders(finders) => {
                for (finder, admitted) in finders {
                    if finder.find(message.as_bytes()).is_some() {
                        admit(admitted);
                    }
                }
            }
            Screen::Automaton { quick, exact, admits } => {
                if quick.is_match(message) {
                    for found in exact.find_overlapping_iter(message) {
                        admit(&admits[found.pattern().as_usize()]);
                    }
                }
            }
        }
    }

    /// Whether `message` holds a literal of pattern `index`.
    fn admits(&self, message: &str, index: usize) -> bool {
        match self {
            Screen::None => false,
            Screen::Finders(finders) => finders
                .iter()
                .any(|(finder, admitted)| admitted.contains(&index) && finder.find(message.as_bytes()).is_some()),
            Screen::Automaton { quick, exact, admits } => {
                quick.is_match(message)
                    && exact
                        .find_overlapping_iter(message)
                        .any(|found| admits[found.pattern().as_usize()].contains(&index))
            }
        }
    }
}

impl SlotTree {
    /// `None` for a selector with a wildcard. (Value errors were reported when the
    /// reference matcher was compiled.)
    fn compile(expr: &JsonExpr, paths: &mut Paths) -> Option<SlotTree> {
        Some(match expr {
            JsonExpr::Or(items) => {
                SlotTree::Or(items.iter().map(|i| SlotTree::compile(i, paths)).collect::<Option<_>>()?)
            }
            JsonExpr::And(items) => {
                SlotTree::And(items.iter().map(|i| SlotTree::compile(i, paths)).collect::<Option<_>>()?)
            }
            JsonExpr::Condition(condition) => {
                SlotTree::Test(paths.add(&condition.selector.steps)?, ConditionTest::compile(&condition.test).ok()?)
            }
        })
    }

    fn holds(&self, values: &[Found]) -> bool {
        match self {
            SlotTree::Or(items) => items.iter().any(|t| t.holds(values)),
            SlotTree::And(items) => items.iter().all(|t| t.holds(values)),
            SlotTree::Test(slot, test) => test_holds(test, &values[*slot]),
        }
    }
}

/// [`ConditionTest`] on the one value a wildcard-free selector reaches, with the
/// reference evaluator's rules (see `reference::condition_holds`).
fn test_holds(test: &ConditionTest, found: &Found) -> bool {
    match (test, found) {
        (ConditionTest::NotExists, found) => *found == Found::Missing,
        (ConditionTest::IsNull, Found::Null) => true,
        (ConditionTest::IsTrue, Found::Bool(true)) => true,
        (ConditionTest::IsFalse, Found::Bool(false)) => true,
        (ConditionTest::IsNull, Found::Array { has_null, .. }) => *has_null,
        (ConditionTest::IsTrue, Found::Array { has_true, .. }) => *has_true,
        (ConditionTest::IsFalse, Found::Array { has_false, .. }) => *has_false,
        (ConditionTest::Compare(op, value), Found::String(text)) => value.compare_json_string(*op, text) == Some(true),
        (ConditionTest::Compare(op, value), Found::Number(raw)) => {
            value.compare_json_number(*op, &JsonNumber::from_json(raw)) == Some(true)
        }
        _ => false,
    }
}

/// One pattern behind the [`Matcher`] trait.
#[derive(Debug)]
pub struct FastMatcher {
    set: MatcherSet,
}

impl FastMatcher {
    pub fn new(pattern: &Pattern) -> Result<FastMatcher, PatternError> {
        Ok(FastMatcher { set: MatcherSet::new([pattern])? })
    }

    pub fn prefilter(&self) -> &Prefilter {
        self.set.prefilter(0)
    }
}

impl Matcher for FastMatcher {
    fn evaluate(&self, message: &str) -> Option<ExtractedValues> {
        self.set.evaluate_one(0, message)
    }
}
