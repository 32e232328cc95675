//! The values published in one minute (or one alarm window): a counted multiset.
//!
//! Metric filters usually publish the same few values (1, the default), so counting equal
//! values keeps memory proportional to distinct values, not to events, while keeping
//! everything percentiles need.

use std::collections::BTreeMap;

/// An `f64` ordered by `total_cmp`, so it can key a map.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ordered(f64);

impl Eq for Ordered {}

impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Equal multisets are equal `Samples`, however they were built: every statistic is a
/// function of the multiset alone (the sum is exact, rounded once), so merging per-file
/// partials or sliding a window in any order gives the same numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    counts: BTreeMap<Ordered, u64>,
    count: u64,
}

impl Samples {
    pub fn add(&mut self, value: f64) {
        *self.counts.entry(Ordered(value)).or_insert(0) += 1;
        self.count += 1;
    }

    pub fn merge(&mut self, other: &Samples) {
        for (value, n) in &other.counts {
            *self.counts.entry(*value).or_insert(0) += n;
        }
        self.count += other.count;
    }

    /// Removes samples merged in before (a window's oldest minute leaving it).
    pub fn remove(&mut self, other: &Samples) {
        for (value, n) in &other.counts {
            if let std::collections::btree_map::Entry::Occupied(mut entry) = self.counts.entry(*value) {
                *entry.get_mut() = entry.get().saturating_sub(*n);
                if *entry.get() == 0 {
                    entry.remove();
                }
            }
        }
        self.count = self.count.saturating_sub(other.count);
    }

    /// Each distinct value with its number of samples, ascending.
    pub fn for_each_value(&self, mut f: impl FnMut(f64, u64)) {
        self.counts.iter().for_each(|(value, n)| f(value.0, *n));
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The exact sum of the samples, rounded once to the nearest double.
    pub fn sum(&self) -> f64 {
        let mut sum = super::ExactSum::default();
        self.for_each_value(|value, n| sum.add(value, n));
        sum.value()
    }

    pub fn min(&self) -> Option<f64> {
        self.counts.keys().next().map(|v| v.0)
    }

    pub fn max(&self) -> Option<f64> {
        self.counts.keys().next_back().map(|v| v.0)
    }

    /// The value of the `rank`-th smallest sample (1-based).
    pub fn nth(&self, rank: u64) -> Option<f64> {
        let mut seen = 0;
        for (value, n) in &self.counts {
            seen += n;
            if seen >= rank {
                return Some(value.0);
            }
        }
        None
    }

    /// Every sample in ascending order, with its 1-based rank.
    pub fn ranked(&self) -> impl Iterator<Item = (u64, f64)> + '_ {
        self.counts
            .iter()
            .flat_map(|(value, n)| std::iter::repeat_n(value.0, *n as usize))
            .enumerate()
            .map(|(i, v)| (i as u64 + 1, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_equal_values_once() {
        let mut s = Samples::default();
        for v in [1.0, 1.0, 3.0, 1.0] {
            s.add(v);
        }
        assert_eq!((s.count(), s.sum(), s.min(), s.max()), (4, 6.0, Some(1.0), Some(3.0)));
        assert_eq!(s.nth(3), Some(1.0));
        assert_eq!(s.nth(4), Some(3.0));
        assert_eq!(s.counts.len(), 2);
        let ranked: Vec<(u64, f64)> = s.ranked().collect();
        assert_eq!(ranked, [(1, 1.0), (2, 1.0), (3, 1.0), (4, 3.0)]);
    }
}
