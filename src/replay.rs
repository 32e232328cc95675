//! Replay: archived events through metric filters, alarms and EventBridge rules, as
//! CloudWatch and EventBridge would have run them. Wires the layers together: sources ->
//! metric store -> alarm evaluation, and sources -> rule deliveries, in one pass per record.

use std::path::PathBuf;

use crate::alarm::{self, AlarmDefinition, EvaluationOptions, StateChange};
use crate::config::Configuration;
use crate::metric::{FilterBank, FilterTally, MetricFilter, MetricStore, MINUTE};
use crate::rule::{Delivery, Rule, RuleBank, RuleTally, Scratch};
use crate::source::{read_inputs_parallel, FileTally, Millis, Parts, ReadOptions, Record, Rejection, TimeWindow};

/// How many rejections are kept with their location (all are counted).
pub const KEPT_REJECTIONS: usize = 20;

/// The largest `--delivery-lag` (either way): CloudTrail delivers to CloudWatch Logs within
/// minutes, and a week keeps every shifted time far inside the event-time range.
pub const MAX_DELIVERY_LAG: Millis = 7 * 24 * 3_600_000;

/// Checks the options a caller can set to numbers that become times.
pub fn check_options(options: &ReplayOptions) -> Result<(), String> {
    if let Some(range) = options.evaluation_range {
        if !(1..=alarm::MAX_EVALUATION_RANGE).contains(&range) {
            return Err(format!(
                "the evaluation range must be between 1 and {} periods, not {range}",
                alarm::MAX_EVALUATION_RANGE
            ));
        }
    }
    for (what, lag) in [("delivery lag", options.read.delivery_lag), ("evaluation lag", options.evaluation_lag)] {
        if lag.checked_abs().is_none_or(|lag| lag > MAX_DELIVERY_LAG) {
            return Err(format!("the {what} must be at most 7 days ({MAX_DELIVERY_LAG} ms), not {lag} ms"));
        }
    }
    Ok(())
}

#[derive(Clone, Debug)]
pub struct ReplayOptions {
    pub read: ReadOptions,
    /// R, the periods each alarm evaluation looks back over (default N + 2).
    pub evaluation_range: Option<u32>,
    /// Added to evaluation times to give state-change times.
    pub evaluation_lag: Millis,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            read: ReadOptions { require_timestamp: true, ..ReadOptions::default() },
            evaluation_range: None,
            evaluation_lag: 0,
        }
    }
}

/// Progress while reading, for long runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub records: u64,
    pub rejected: u64,
}

/// Every count and outcome of a replay.
pub struct ReplayResult {
    pub files: FileTally,
    /// Records read: events plus rejected.
    pub records: u64,
    pub events: u64,
    pub rejected: u64,
    /// The first rejections, with their locations.
    pub rejections: Vec<Rejection>,
    pub filters: Vec<(MetricFilter, FilterTally)>,
    pub store: MetricStore,
    pub alarms: Vec<AlarmRun>,
    /// Each rule with what it matched and delivered (the deliveries themselves go to the
    /// caller as they are made: see [`replay_with_deliveries`]).
    pub rules: Vec<(Rule, RuleTally)>,
    /// First and last event times.
    pub span: Option<(Millis, Millis)>,
    /// The last evaluation time.
    pub evaluated_until: Millis,
    /// The time window read (`--start-time`, `--end-time`): alarms start in
    /// INSUFFICIENT_DATA at its start and are evaluated up to its end.
    pub window: TimeWindow,
}

pub struct AlarmRun {
    pub definition: AlarmDefinition,
    pub changes: Vec<StateChange>,
}

impl AlarmRun {
    /// How many times the alarm entered ALARM.
    pub fn times_fired(&self) -> usize {
        self.changes.iter().filter(|c| c.new == alarm::StateValue::Alarm).count()
    }

    /// Total time in ALARM up to `until`.
    pub fn time_in_alarm(&self, until: Millis) -> Millis {
        let mut total = 0;
        let mut since = None;
        for change in &self.changes {
            match (change.new == alarm::StateValue::Alarm, since) {
                (true, None) => since = Some(change.time),
                (false, Some(start)) => {
                    total += change.time - start;
                    since = None;
                }
                _ => {}
            }
        }
        total + since.map_or(0, |start| until.max(start) - start)
    }
}

/// Replays `inputs` through `configuration`. Fails only on definitions that cannot be
/// compiled; bad input is counted and located in the result. Rule deliveries are counted
/// (with a few examples per rule) but not kept: [`replay_with_deliveries`] hands them over.
pub fn replay(
    configuration: &Configuration,
    inputs: &[PathBuf],
    options: &ReplayOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ReplayResult, String> {
    replay_with_deliveries(configuration, inputs, options, progress, &mut |_, _| {})
}

/// [`replay`], handing every rule delivery to `deliveries` as it is made, in input order,
/// with the bank that formats it ([`RuleBank::delivery_line`]). Memory holds only the
/// deliveries of the files being read, never the whole run's.
pub fn replay_with_deliveries(
    configuration: &Configuration,
    inputs: &[PathBuf],
    options: &ReplayOptions,
    progress: &mut dyn FnMut(Progress),
    deliveries: &mut dyn FnMut(&RuleBank, &[Delivery]),
) -> Result<ReplayResult, String> {
    replay_streaming(configuration, inputs, options, progress, deliveries, None)
}

/// Where [`replay_streaming`] hands every rejected record.
pub type RejectionSink<'a> = dyn FnMut(&[Rejection]) + 'a;

/// [`replay_with_deliveries`], also handing every rejected record to `rejections` (when
/// given) in input order, a few thousand at a time, so that all of them can be listed
/// (`--rejections FILE`) in bounded memory.
pub fn replay_streaming(
    configuration: &Configuration,
    inputs: &[PathBuf],
    options: &ReplayOptions,
    progress: &mut dyn FnMut(Progress),
    deliveries: &mut dyn FnMut(&RuleBank, &[Delivery]),
    mut rejections: Option<&mut RejectionSink>,
) -> Result<ReplayResult, String> {
    check_options(options)?;
    let bank = FilterBank::new(&configuration.filters)?;
    for alarm in &configuration.alarms {
        alarm.validate()?;
    }
    let rules = RuleBank::new(&configuration.rules)?;
    let banks = Banks { filters: &bank, rules: &rules, list_rejections: rejections.is_some() };
    let mut run = Partial::new(bank.len(), rules.len());
    // Files, and chunks of large files, are read on every core; each part is merged in input
    // order, so the result is the same whatever the threads and chunks.
    let files = read_inputs_parallel(inputs, &options.read, &banks, |mut partial| {
        deliveries(&rules, &std::mem::take(&mut partial.deliveries));
        if let Some(sink) = rejections.as_mut() {
            sink(&std::mem::take(&mut partial.listed));
        }
        run.merge(partial);
        progress(Progress { records: run.records, rejected: run.rejected });
    });
    let Partial { store, tallies, rule_tallies, records, events, rejected, rejections, span, .. } = run;
    let state = Progress { records, rejected };
    progress(state);
    // Over a window, alarms start (in INSUFFICIENT_DATA) at its start, and stop at its
    // end: past it the archive was not read, so "no data" there would be invented.
    let window = options.read.selection.window;
    let evaluate_any = span.is_some() || (window.start.is_some() && window.end.is_some());
    let (first, last) = span.unwrap_or((window.start.unwrap_or(0), window.end.unwrap_or(0)));
    let first = window.start.map_or(first, |start| start.min(first));
    let mut evaluated_until = last;
    let alarms = configuration
        .alarms
        .iter()
        .map(|definition| {
            let options = EvaluationOptions {
                start: first.div_euclid(MINUTE) * MINUTE + MINUTE,
                end: 0,
                range: options.evaluation_range,
                lag: options.evaluation_lag,
            };
            // Evaluate until the last event has left every window the alarm looks at. Event
            // times, periods and ranges are all range-checked, so this stays far from overflow:
            // at most 9999-12-31 plus 1442 weeks.
            let look_back = Millis::from(options.range_for(definition)) * Millis::from(definition.period) * 1000;
            let mut end = last.div_euclid(MINUTE) * MINUTE + look_back + MINUTE;
            if let Some(window_end) = window.end {
                end = end.min(window_end.div_euclid(MINUTE) * MINUTE);
            }
            evaluated_until = evaluated_until.max(end);
            let changes = if evaluate_any {
                alarm::evaluate(definition, &store, &EvaluationOptions { end, ..options })
            } else {
                Vec::new()
            };
            AlarmRun { definition: definition.clone(), changes }
        })
        .collect();
    Ok(ReplayResult {
        files,
        records: state.records,
        events,
        rejected: state.rejected,
        rejections,
        filters: configuration.filters.iter().cloned().zip(tallies).collect(),
        store,
        alarms,
        rules: configuration.rules.iter().cloned().zip(rule_tallies).collect(),
        span,
        evaluated_until,
        window,
    })
}

/// Everything a record is run through, shared by the reading threads.
struct Banks<'a> {
    filters: &'a FilterBank,
    rules: &'a RuleBank,
    /// Whether every rejection is handed over, not only counted and the first kept.
    list_rejections: bool,
}

/// A part holding this many deliveries (or listed rejections) is handed over before its file
/// or chunk ends, so that memory never holds one large input's deliveries or rejections.
const DELIVERIES_PER_PART: usize = 4096;

impl Parts for Banks<'_> {
    type Part = Partial;

    fn start(&self) -> Partial {
        Partial::new(self.filters.len(), self.rules.len())
    }

    fn take(&self, part: &mut Partial, record: Record) {
        part.take(self, record);
    }

    fn is_full(&self, part: &Partial) -> bool {
        part.deliveries.len() >= DELIVERIES_PER_PART || part.listed.len() >= DELIVERIES_PER_PART
    }
}

/// What part of the input (a file, a chunk, or a piece of either) contributed, before it joins the rest in input order.
struct Partial {
    store: MetricStore,
    tallies: Vec<FilterTally>,
    rule_tallies: Vec<RuleTally>,
    /// This part's deliveries, handed to the caller when it joins the run.
    deliveries: Vec<Delivery>,
    scratch: Scratch,
    records: u64,
    events: u64,
    rejected: u64,
    rejections: Vec<Rejection>,
    /// Every rejection of this part, when they are listed; handed over with the deliveries.
    listed: Vec<Rejection>,
    span: Option<(Millis, Millis)>,
}

impl Partial {
    fn new(filters: usize, rules: usize) -> Partial {
        Partial {
            store: MetricStore::default(),
            tallies: vec![FilterTally::default(); filters],
            rule_tallies: vec![RuleTally::default(); rules],
            deliveries: Vec::new(),
            scratch: Scratch::default(),
            records: 0,
            events: 0,
            rejected: 0,
            rejections: Vec::new(),
            listed: Vec::new(),
            span: None,
        }
    }

    fn take(&mut self, banks: &Banks, record: Record) {
        self.records += 1;
        match record {
            Record::Event(event) => {
                // Replay reads with `require_timestamp`, so every event has one.
                let Some(t) = event.timestamp else { return };
                self.events += 1;
                self.span = Some(self.span.map_or((t, t), |(first, last)| (first.min(t), last.max(t))));
                banks.filters.observe(&event.message, t, &mut self.store, &mut self.tallies);
                if !banks.rules.is_empty() {
                    let (scratch, tallies) = (&mut self.scratch, &mut self.rule_tallies);
                    banks.rules.observe(&event.message, t, scratch, tallies, &mut self.deliveries);
                }
            }
            Record::Rejected(rejection) => {
                self.rejected += 1;
                if banks.list_rejections {
                    self.listed.push(rejection.clone());
                }
                if self.rejections.len() < KEPT_REJECTIONS {
                    self.rejections.push(rejection);
                }
            }
        }
    }

    fn merge(&mut self, other: Partial) {
        self.store.merge(other.store);
        for (tally, other) in self.tallies.iter_mut().zip(other.tallies) {
            tally.absorb(other);
        }
        for (tally, other) in self.rule_tallies.iter_mut().zip(other.rule_tallies) {
            tally.absorb(other);
        }
        self.deliveries.extend(other.deliveries);
        self.records += other.records;
        self.events += other.events;
        self.rejected += other.rejected;
        let room = KEPT_REJECTIONS.saturating_sub(self.rejections.len());
        self.rejections.extend(other.rejections.into_iter().take(room));
        self.span = match (self.span, other.span) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (a, b) => a.or(b),
        };
    }
}
