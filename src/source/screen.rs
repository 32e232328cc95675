//! A chunk-wide literal screen: lines that contain none of a consumer's required literals
//! are counted, not handed over.
//!
//! A selective pattern needs each event to contain one of a few literals (its
//! [`Prefilter`](crate::matcher::Prefilter)). Searching a whole chunk for them once, and
//! splitting out only the lines around the hits, skips the per-line work (splitting,
//! allocating, matching) for every other line: that is how a selective count keeps up with
//! `rg -c -F`.

use aho_corasick::AhoCorasick;
use memchr::memmem::Finder;

/// Lines lacking all of these literals cannot be selected.
#[derive(Debug)]
pub struct LineScreen {
    search: Search,
}

#[derive(Debug)]
enum Search {
    /// A few literals, each searched with SIMD `memmem` (each scans a chunk once).
    Finders(Vec<Finder<'static>>),
    /// More: one Teddy searcher or Aho-Corasick automaton.
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

/// Up to this many literals, separate `memmem` searches beat one automaton.
const MAX_FINDERS: usize = 4;

impl LineScreen {
    /// A screen for "contains at least one of `literals`"; `None` when that admits every
    /// line (no literal, or an empty one) or the literals cannot be compiled.
    ///
    /// A leading `"` is dropped from each literal: what remains is still required, and the
    /// searchers pick the bytes to look for first by rarity, where `"` (which opens every
    /// JSON key) would be the worst choice.
    pub fn any_of<S: AsRef<[u8]>>(literals: &[S]) -> Option<LineScreen> {
        let mut needles: Vec<&[u8]> = literals
            .iter()
            .map(|l| l.as_ref())
            .map(|l| l.strip_prefix(b"\"").filter(|rest| !rest.is_empty()).unwrap_or(l))
            .collect();
        needles.sort_unstable();
        needles.dedup();
        if needles.is_empty() || needles.iter().any(|l| l.is_empty()) {
            return None;
        }
        let search = if needles.len() <= MAX_FINDERS {
            Search::Finders(needles.iter().map(|l| Finder::new(l).into_owned()).collect())
        } else if let Some(packed) = aho_corasick::packed::Config::new().builder().extend(&needles).build() {
            Search::Packed(packed)
        } else {
            Search::Automaton(AhoCorasick::new(&needles).ok()?)
        };
        Some(LineScreen { search })
    }

    /// A screen from a pattern's prefilter: the literals, and the JSON escapes that could
    /// spell one of them differently (so that such events are always handed over).
    pub fn for_prefilter(prefilter: &crate::matcher::Prefilter) -> Option<LineScreen> {
        match prefilter {
            crate::matcher::Prefilter::All => None,
            crate::matcher::Prefilter::AnyOf { literals, json_escapes } => {
                let mut all: Vec<&str> = literals.iter().map(String::as_str).collect();
                if *json_escapes {
                    all.push("\\u");
                    if literals.iter().any(|l| l.contains('/')) {
                        all.push("\\/");
                    }
                }
                LineScreen::any_of(&all)
            }
        }
    }

    /// A search for literal occurrences in `haystack`, from left to right.
    pub fn hits<'h>(&'h self, haystack: &'h [u8]) -> Hits<'h> {
        let next = match &self.search {
            Search::Finders(finders) => vec![Next::Unsearched; finders.len()],
            _ => Vec::new(),
        };
        Hits { screen: self, haystack, next }
    }

    /// The position of the first literal occurrence in `haystack` at or after `from`.
    pub fn find(&self, haystack: &[u8], from: usize) -> Option<usize> {
        self.hits(haystack).next_from(from)
    }
}

/// Literal occurrences in one haystack, found in increasing order. Each `memmem` finder
/// remembers its next occurrence, so a literal that is absent is scanned for once, not
/// once per hit of another.
pub struct Hits<'h> {
    screen: &'h LineScreen,
    haystack: &'h [u8],
    /// Per finder: its next occurrence.
    next: Vec<Next>,
}

#[derive(Clone, Copy)]
enum Next {
    Unsearched,
    At(usize),
    Exhausted,
}

impl Hits<'_> {
    /// The first occurrence at or after `from`.
    pub fn next_from(&mut self, from: usize) -> Option<usize> {
        let rest = self.haystack.get(from..)?;
        match &self.screen.search {
            Search::Finders(finders) => {
                let mut first = None;
                for (finder, next) in finders.iter().zip(self.next.iter_mut()) {
                    let stale = match *next {
                        Next::Unsearched => true,
                        Next::At(at) => at < from,
                        Next::Exhausted => false,
                    };
                    if stale {
                        *next = finder.find(rest).map_or(Next::Exhausted, |p| Next::At(from + p));
                    }
                    if let Next::At(at) = *next {
                        first = Some(first.map_or(at, |f: usize| f.min(at)));
                    }
                }
                first
            }
            Search::Packed(packed) => packed.find(rest).map(|m| from + m.start()),
            Search::Automaton(automaton) => automaton.find(rest).map(|m| from + m.start()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Hits found from increasing positions are the first occurrences of any literal.
        #[test]
        fn hits_are_the_first_occurrences(
            haystack in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'"'), Just(b'c')], 0..200),
            literals in proptest::collection::vec(proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'"')], 1..4), 1..8),
            steps in proptest::collection::vec(0usize..20, 1..30),
        ) {
            let Some(screen) = LineScreen::any_of(&literals) else { return Ok(()) };
            let stripped: Vec<&[u8]> = literals
                .iter()
                .map(|l| l.strip_prefix(b"\"").filter(|r| !r.is_empty()).unwrap_or(l))
                .collect();
            let naive = |from: usize| (from..haystack.len()).find(|&i| stripped.iter().any(|l| haystack[i..].starts_with(l)));
            let mut hits = screen.hits(&haystack);
            let mut from = 0;
            for step in steps {
                prop_assert_eq!(hits.next_from(from), naive(from));
                from += step;
            }
        }
    }

    #[test]
    fn finds_any_literal_from_a_position() {
        let screen = LineScreen::any_of(&["cd", "x"]).expect("two literals");
        assert_eq!(screen.find(b"abcdx", 0), Some(2));
        assert_eq!(screen.find(b"abcdx", 3), Some(4));
        assert_eq!(screen.find(b"abcdx", 5), None);
        assert_eq!(screen.find(b"abcdx", 9), None);
        let one = LineScreen::any_of(&["d"]).expect("one literal");
        assert_eq!(one.find(b"abcd", 1), Some(3));
        assert!(LineScreen::any_of::<&str>(&[]).is_none());
        assert!(LineScreen::any_of(&["a", ""]).is_none());
    }
}
