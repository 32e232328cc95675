//! Repeated `eventID`s: CloudTrail documents that it may deliver an event more than once.
//! Every run counts them; `--dedupe` also drops the repeats (docs/semantics.md says why
//! that is not the default).
//!
//! Memory is bounded: the set holds 128-bit digests of the IDs in two generations of at
//! most [`GENERATION`] each; when the newer fills, the older is forgotten. A repeat is
//! therefore found whenever fewer than [`GENERATION`] distinct events were read between
//! the two copies (CloudTrail's repeats come in the same or nearby files), at most
//! `2 * GENERATION * 16` bytes plus the table's overhead (about 80 MB).

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

/// Distinct event IDs per generation.
pub const GENERATION: usize = 2_000_000;

/// The event IDs read so far in one run, shared by the reading threads.
pub struct SeenEventIds {
    generations: Mutex<Generations>,
    /// Distinct IDs per generation ([`GENERATION`], smaller in tests).
    generation: usize,
}

impl Default for SeenEventIds {
    fn default() -> Self {
        SeenEventIds::with_generation(GENERATION)
    }
}

#[derive(Default)]
struct Generations {
    newer: HashSet<u128, Fixed>,
    older: HashSet<u128, Fixed>,
}

/// SipHash with fixed keys: digests must not depend on the run (nothing adversarial can
/// gain from a collision but a wrongly counted repeat, and 128 bits make that negligible).
#[derive(Clone, Copy, Default)]
struct Fixed;

impl BuildHasher for Fixed {
    type Hasher = IdentityHasher;
    fn build_hasher(&self) -> IdentityHasher {
        IdentityHasher(0)
    }
}

/// The digests are already uniform: the table uses their low bits as they are.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

fn digest(id: &str) -> u128 {
    #[allow(deprecated)]
    let half = |salt: u64| {
        let mut hasher = std::hash::SipHasher::new_with_keys(salt, !salt);
        hasher.write(id.as_bytes());
        hasher.finish()
    };
    (u128::from(half(0x7472_6169_6c77_6174)) << 64) | u128::from(half(0x6368_6576_656e_7473))
}

impl SeenEventIds {
    pub fn with_generation(generation: usize) -> SeenEventIds {
        SeenEventIds { generations: Mutex::default(), generation: generation.max(1) }
    }

    /// Records `id`; true when it was seen before (a repeat).
    pub fn repeat(&self, id: &str) -> bool {
        let digest = digest(id);
        // A poisoned lock only means another thread panicked; the set is still usable.
        let mut seen = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        if seen.newer.contains(&digest) || seen.older.contains(&digest) {
            return true;
        }
        if seen.newer.len() >= self.generation {
            let newer = std::mem::take(&mut seen.newer);
            seen.older = newer;
        }
        seen.newer.insert(digest);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_found_and_distinct_ids_are_not() {
        let seen = SeenEventIds::default();
        assert!(!seen.repeat("a"));
        assert!(!seen.repeat("b"));
        assert!(seen.repeat("a"));
        assert!(seen.repeat("a"));
        assert!(!seen.repeat(""));
        assert!(seen.repeat(""));
    }

    #[test]
    fn memory_is_bounded_by_two_generations() {
        let generation = 1000;
        let seen = SeenEventIds::with_generation(generation);
        for i in 0..(2 * generation + 10) {
            assert!(!seen.repeat(&i.to_string()));
        }
        let held = seen.generations.lock().map(|g| g.newer.len() + g.older.len()).unwrap_or(0);
        assert!(held <= 2 * generation, "{held}");
        // The newest are still known; the oldest are forgotten.
        assert!(seen.repeat(&(2 * generation + 9).to_string()));
        assert!(!seen.repeat("0"));
    }
}
