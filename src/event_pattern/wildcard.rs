//! `wildcard` values: `*` matches any run of characters, `\*` and `\\` are a literal star
//! and backslash. Checked as AWS checks them, bytes of the quoted value counted from the
//! opening quote (so the first character is at position 1).

use memchr::memmem;

/// A parsed wildcard value: the literal pieces between its stars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wildcard {
    /// The value as written in the pattern.
    pub text: String,
    /// Pieces between stars; `pieces.len() == stars + 1`.
    pieces: Vec<Vec<u8>>,
}

/// More NFA states than this alive at once over some input makes a value too complex.
pub const MAX_ACTIVE_STATES: usize = 10;
/// Sets of states explored before the complexity check gives up (and refuses the value).
const MAX_EXPLORED: usize = 20_000;

pub const TOO_COMPLEX: &str = "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

/// Where `needle` first occurs in `haystack`. `memmem::find` builds a searcher on each call,
/// which costs more than the search in the short values (ARNs, names) wildcards are
/// mostly matched against: there the first byte is looked for and the rest compared, at
/// most 64 x 64 byte comparisons; longer values go to `memmem`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    const SHORT: usize = 64;
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    if haystack.len() > SHORT {
        return memmem::find(haystack, needle);
    }
    let mut from = 0;
    while let Some(i) = memchr::memchr(first, haystack.get(from..)?) {
        let at = from + i;
        if haystack.get(at + 1..at + needle.len()) == Some(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

impl Wildcard {
    /// Parses `text`, or gives AWS's reason.
    pub fn parse(text: &str) -> Result<Wildcard, String> {
        let bytes = text.as_bytes();
        let mut pieces = vec![Vec::new()];
        let mut i = 0;
        while i < bytes.len() {
            // Positions count the opening quote of the value.
            let pos = i + 1;
            match bytes[i] {
                b'*' => {
                    if bytes.get(i + 1) == Some(&b'*') {
                        return Err(format!("Consecutive wildcard characters at pos {pos}"));
                    }
                    pieces.push(Vec::new());
                }
                b'\\' => match bytes.get(i + 1) {
                    Some(&next @ (b'*' | b'\\')) => {
                        push(&mut pieces, next);
                        i += 1;
                    }
                    _ => return Err(format!("Invalid escape character at pos {pos}")),
                },
                b => push(&mut pieces, b),
            }
            i += 1;
        }
        Ok(Wildcard { text: text.to_string(), pieces })
    }

    pub fn has_stars(&self) -> bool {
        self.pieces.len() > 1
    }

    /// Whether `value` matches: first piece a prefix, last a suffix, the others found in
    /// order between them (leftmost placement is always safe with only `*`).
    pub fn matches(&self, value: &str) -> bool {
        let value = value.as_bytes();
        let (first, rest) = match self.pieces.split_first() {
            Some(split) => split,
            None => return value.is_empty(),
        };
        let Some((last, middle)) = rest.split_last() else {
            return value == first.as_slice();
        };
        if value.len() < first.len() + last.len() || !value.starts_with(first) || !value.ends_with(last) {
            return false;
        }
        let mut window = &value[first.len()..value.len() - last.len()];
        for piece in middle {
            match find(window, piece) {
                Some(at) => window = &window[at + piece.len()..],
                None => return false,
            }
        }
        true
    }

    /// Whether the value is too complex for AWS: the most states of its matching
    /// automaton alive together, over every input, exceeds [`MAX_ACTIVE_STATES`]. (A
    /// choice: AWS documents the limit but not its measure; see docs/semantics.md.)
    pub fn too_complex(&self) -> bool {
        if !self.has_stars() {
            return false;
        }
        // Positions: one per literal byte, one per star (which loops on any byte).
        let mut program: Vec<Option<u8>> = Vec::new();
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                program.push(None);
            }
            program.extend(piece.iter().map(|&b| Some(b)));
        }
        let close = |states: &mut Vec<usize>| {
            let mut i = 0;
            while i < states.len() {
                let s = states[i];
                if s < program.len() && program[s].is_none() && !states.contains(&(s + 1)) {
                    states.push(s + 1);
                }
                i += 1;
            }
            states.sort_unstable();
        };
        let mut alphabet: Vec<Option<u8>> = program.iter().copied().filter(Option::is_some).collect();
        alphabet.sort_unstable();
        alphabet.dedup();
        alphabet.push(None); // any byte not in the value
        let mut start = vec![0];
        close(&mut start);
        let mut seen = std::collections::HashSet::new();
        seen.insert(start.clone());
        let mut todo = vec![start];
        while let Some(states) = todo.pop() {
            if states.len() > MAX_ACTIVE_STATES || seen.len() > MAX_EXPLORED {
                return true;
            }
            for &byte in &alphabet {
                let mut next: Vec<usize> = Vec::new();
                for &s in &states {
                    let step = match program.get(s) {
                        Some(None) => Some(s),
                        Some(Some(b)) if byte == Some(*b) => Some(s + 1),
                        _ => None,
                    };
                    if let Some(n) = step {
                        if !next.contains(&n) {
                            next.push(n);
                        }
                    }
                }
                close(&mut next);
                if !next.is_empty() && seen.insert(next.clone()) {
                    todo.push(next);
                }
            }
        }
        false
    }
}

fn push(pieces: &mut [Vec<u8>], byte: u8) {
    if let Some(last) = pieces.last_mut() {
        last.push(byte);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_find_agrees_with_memmem() {
        let haystacks = ["", "a", "aab", "abab", "arn:aws:iam::123456789012:user/alice", &"ab".repeat(40)];
        let needles = ["", "a", "b", "ab", "ba", "abc", ":user/", "aab", &"ab".repeat(33)];
        for h in haystacks {
            for n in needles {
                assert_eq!(find(h.as_bytes(), n.as_bytes()), memmem::find(h.as_bytes(), n.as_bytes()), "{h:?} {n:?}");
            }
        }
    }

    fn w(text: &str) -> Wildcard {
        Wildcard::parse(text).unwrap()
    }

    #[test]
    fn stars_match_any_run() {
        assert!(w("/Users/*/doc.txt").matches("/Users/me/a/b/doc.txt"));
        assert!(w("*/dir/*").matches("a/dir/b"));
        assert!(!w("*/dir/*").matches("dir/init/file"));
        assert!(w("a*a").matches("aa"));
        assert!(!w("a*a").matches("a"));
        assert!(w("").matches(""));
        assert!(!w("").matches("x"));
        assert!(w("*").matches(""));
        assert!(w(r"a\*b").matches("a*b"));
        assert!(!w(r"a\*b").matches("axb"));
        assert!(w(r"a\\*").matches(r"a\xyz"));
    }

    #[test]
    fn faults_are_aws_positions() {
        assert_eq!(
            Wildcard::parse("arn:aws:events:us-east-1:**:event-bus/*").unwrap_err(),
            "Consecutive wildcard characters at pos 26"
        );
        assert_eq!(Wildcard::parse(r"a\b").unwrap_err(), "Invalid escape character at pos 2");
        assert_eq!(Wildcard::parse("a\\").unwrap_err(), "Invalid escape character at pos 2");
    }

    #[test]
    fn complexity_counts_states_alive_together() {
        assert!(w("*:*:*:*:*:event-bus/*").too_complex());
        assert!(!w("/Users/*/dir/dir/dir/dir/dir/doc.txt").too_complex());
        assert!(!w("*a*b*c*d*").too_complex());
        assert!(w("*a*b*c*d*e*").too_complex());
        assert!(!w("arn:aws:s3:::*").too_complex());
        assert!(!w(&"x".repeat(4000)).too_complex());
    }
}
