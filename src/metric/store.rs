//! Published values per metric series and minute, and the per-filter accounting.

use std::collections::{BTreeMap, HashMap};

use super::definition::{CompiledFilter, Outcome};
use super::samples::Samples;
use crate::source::Millis;

/// One metric series: CloudWatch keeps values apart by namespace, name, dimensions and unit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    pub namespace: String,
    pub metric_name: String,
    /// Sorted by name.
    pub dimensions: Vec<(String, String)>,
    pub unit: Option<String>,
}

/// What one filter did with the events it saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterTally {
    pub matched: u64,
    pub not_matched: u64,
    /// Matched, but the value to publish was not a number: nothing published.
    pub unpublishable: u64,
    /// The first few reasons for unpublishable values.
    pub unpublishable_examples: Vec<String>,
}

pub const MINUTE: Millis = 60_000;

/// Everything the filters published, minute by minute.
#[derive(Default)]
pub struct MetricStore {
    series: HashMap<SeriesKey, BTreeMap<Millis, Samples>>,
}

impl FilterTally {
    /// Adds the counts of another part of the same run.
    pub fn absorb(&mut self, other: FilterTally) {
        self.matched += other.matched;
        self.not_matched += other.not_matched;
        self.unpublishable += other.unpublishable;
        let room = 3usize.saturating_sub(self.unpublishable_examples.len());
        self.unpublishable_examples.extend(other.unpublishable_examples.into_iter().take(room));
    }
}

impl MetricStore {
    /// Adds what another part of the same run published.
    pub fn merge(&mut self, other: MetricStore) {
        for (key, minutes) in other.series {
            let series = self.series.entry(key).or_default();
            for (minute, samples) in minutes {
                series.entry(minute).or_default().merge(&samples);
            }
        }
    }

    /// Applies `filter` to an event at `timestamp` and records what it publishes.
    pub fn observe(&mut self, filter: &CompiledFilter, message: &str, timestamp: Millis, tally: &mut FilterTally) {
        self.record(filter, filter.apply(message), timestamp, tally);
    }

    /// Records what `filter` made of an event at `timestamp`.
    pub fn record(&mut self, filter: &CompiledFilter, outcome: Outcome, timestamp: Millis, tally: &mut FilterTally) {
        match outcome {
            Outcome::Publish { value, dimensions, matched } => {
                if matched {
                    tally.matched += 1;
                } else {
                    tally.not_matched += 1;
                }
                let t = &filter.definition.transformation;
                let mut dimensions = dimensions;
                dimensions.sort();
                let key = SeriesKey {
                    namespace: t.namespace.clone(),
                    metric_name: t.metric_name.clone(),
                    dimensions,
                    unit: t.unit.clone(),
                };
                let minute = timestamp.div_euclid(MINUTE) * MINUTE;
                self.series.entry(key).or_default().entry(minute).or_default().add(value);
            }
            Outcome::Unpublishable { reason } => {
                tally.matched += 1;
                tally.unpublishable += 1;
                if tally.unpublishable_examples.len() < 3 {
                    tally.unpublishable_examples.push(reason);
                }
            }
            Outcome::NotMatched => tally.not_matched += 1,
        }
    }

    /// The minutes of one series (empty if nothing was published to it).
    pub fn minutes(&self, key: &SeriesKey) -> Option<&BTreeMap<Millis, Samples>> {
        self.series.get(key)
    }

    /// Every series' key, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &SeriesKey> {
        self.series.keys()
    }

    /// All series, sorted.
    pub fn series(&self) -> Vec<(&SeriesKey, &BTreeMap<Millis, Samples>)> {
        let mut all: Vec<_> = self.series.iter().collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        all
    }

    /// The values published to `key` in `[start, end)`.
    pub fn window(&self, key: &SeriesKey, start: Millis, end: Millis) -> Samples {
        let mut samples = Samples::default();
        if let Some(minutes) = self.series.get(key).filter(|_| start < end) {
            for (_, s) in minutes.range(start..end) {
                samples.merge(s);
            }
        }
        samples
    }
}
