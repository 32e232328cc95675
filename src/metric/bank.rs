//! All the metric filters of a replay, matched together: one prefilter scan and one lazy
//! JSON pass per event, however many filters there are.

use super::definition::{CompiledFilter, MetricFilter};
use super::store::{FilterTally, MetricStore};
use crate::matcher::{ExtractedValues, MatcherSet};
use crate::source::Millis;

pub struct FilterBank {
    filters: Vec<CompiledFilter>,
    patterns: MatcherSet,
}

impl FilterBank {
    pub fn new(definitions: &[MetricFilter]) -> Result<FilterBank, String> {
        let filters: Vec<CompiledFilter> =
            definitions.iter().cloned().map(CompiledFilter::new).collect::<Result<_, _>>()?;
        let patterns = MatcherSet::new(filters.iter().map(|f| &f.pattern)).map_err(|e| e.aws_message)?;
        Ok(FilterBank { filters, patterns })
    }

    pub fn len(&self) -> usize {
        self.filters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// Applies every filter to an event at `timestamp`; `tallies` has one entry per filter.
    pub fn observe(&self, message: &str, timestamp: Millis, store: &mut MetricStore, tallies: &mut [FilterTally]) {
        let mut matched: Vec<Option<ExtractedValues>> = vec![None; self.filters.len()];
        self.patterns.for_each_match(message, |index, values| matched[index] = Some(values));
        for ((filter, tally), matched) in self.filters.iter().zip(tallies.iter_mut()).zip(matched) {
            store.record(filter, filter.outcome(message, matched), timestamp, tally);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::{MetricTransformation, MetricValue};

    fn definition(name: &str, pattern: &str) -> MetricFilter {
        MetricFilter {
            name: name.into(),
            log_group: "g".into(),
            pattern: pattern.into(),
            transformation: MetricTransformation {
                namespace: "N".into(),
                metric_name: name.into(),
                value: MetricValue::parse("1").unwrap(),
                default_value: None,
                dimensions: Vec::new(),
                unit: None,
            },
        }
    }

    #[test]
    fn each_filter_counts_as_it_would_alone() {
        let definitions = [
            definition("a", "{ $.eventName = ConsoleLogin }"),
            definition("b", "{ $.eventName = Console* || $.errorCode NOT EXISTS }"),
            definition("c", "[x, y=2]"),
        ];
        let bank = FilterBank::new(&definitions).unwrap();
        let events = [r#"{"eventName":"ConsoleLogin"}"#, r#"{"eventName":"Other","errorCode":"X"}"#, "1 2", "{}"];
        let mut together = (MetricStore::default(), vec![FilterTally::default(); 3]);
        for event in events {
            bank.observe(event, 0, &mut together.0, &mut together.1);
        }
        for (i, d) in definitions.iter().enumerate() {
            let alone = CompiledFilter::new(d.clone()).unwrap();
            let mut tally = FilterTally::default();
            let mut store = MetricStore::default();
            for event in events {
                store.observe(&alone, event, 0, &mut tally);
            }
            assert_eq!(together.1[i], tally, "{}", d.name);
        }
        assert_eq!([together.1[0].matched, together.1[1].matched, together.1[2].matched], [1, 2, 1]);
    }
}
