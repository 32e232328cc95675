//! Reading on every core, with the results in input order and memory bounded.
//!
//! The inputs become a sequence of units: a whole file, one chunk of a large plain file
//! ([`ChunkedFile`]), or one object of an `s3://` input, fetched ahead in key order (the
//! listing is streamed, so those units are produced as they are taken). Threads take units
//! in order; each folds its unit's records into a part ([`Parts`]) and sends it to the
//! calling thread, which merges parts in unit order.
//! Memory stays bounded whatever the inputs hold:
//! - no thread starts a unit more than [`WINDOW_PER_THREAD`] units per thread ahead of the
//!   oldest unit not yet merged, so few finished parts wait for their turn;
//! - a part that grows past what [`Parts::is_full`] allows is handed over at once when its
//!   unit is the oldest, and otherwise its thread waits until it is: one huge file's output
//!   is never held whole while an earlier file is read;
//! - the channel to the merging thread is bounded, so a slow consumer slows the readers.
//!
//! The oldest unit's thread never waits, and units are taken in order, so the run always
//! progresses.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

use super::chunk::ChunkedFile;
use super::screen::LineScreen;
use super::{list_inputs, read_fetched, read_input, s3, walk, FileTally, ReadOptions, Record, Run, Selecting};

/// What a consumer makes of the records of one unit, and how.
pub trait Parts: Sync {
    /// What one unit (or a piece of it) contributes; merged in input order.
    type Part: Send;

    fn start(&self) -> Self::Part;

    fn take(&self, part: &mut Self::Part, record: Record);

    /// `events` events were read but not handed over, because the [`Parts::screen`] found
    /// none of its literals in them.
    fn screened(&self, part: &mut Self::Part, events: u64) {
        let _ = (part, events);
    }

    /// Events without any of these literals need not be handed over (only counted through
    /// [`Parts::screened`]). Applied to chunks of large plain files.
    fn screen(&self) -> Option<&LineScreen> {
        None
    }

    /// Whether `part` holds enough to be handed over before its unit ends (its output).
    fn is_full(&self, part: &Self::Part) -> bool {
        let _ = part;
        false
    }
}

/// Units a thread may run ahead of the oldest unmerged unit, per thread.
pub(super) const WINDOW_PER_THREAD: usize = 2;

enum Unit {
    Whole(walk::Found),
    Chunk {
        file: Arc<ChunkedFile>,
        index: u64,
    },
    /// An object of an `s3://` input, in memory.
    Fetched(s3::Fetched),
}

/// The units in reading order, made as they are taken.
type Units<'a> = Box<dyn Iterator<Item = Unit> + Send + 'a>;

/// Reads every input (as [`super::read_inputs`]) on `options.threads` threads (0: every
/// core), large plain files split into chunks, and hands the parts to `merge` in input
/// order: the same parts, whatever the thread count and chunk size.
pub fn read_inputs_parallel<P: Parts>(
    inputs: &[PathBuf],
    options: &ReadOptions,
    parts: &P,
    merge: impl FnMut(P::Part),
) -> FileTally {
    let planned = plan_units(inputs, options);
    // An `s3://` input's object count is known only as it is listed.
    let known = if planned.iter().any(is_remote) { usize::MAX } else { planned.len() };
    read_units(expand_remote(planned, options), known, options, parts, merge)
}

/// [`read_inputs_parallel`] once the inputs are units (at most `known` of them).
fn read_units<P: Parts>(
    mut units: Units<'_>,
    known: usize,
    options: &ReadOptions,
    parts: &P,
    mut merge: impl FnMut(P::Part),
) -> FileTally {
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(known);
    let mut tally = FileTally::default();
    let run = Run::default();
    if threads <= 1 {
        let mut buffer = Vec::new();
        while let Some(unit) = units.next().filter(|_| !options.stop.requested()) {
            let unit_tally = run_unit(unit, options, &run, parts, &mut buffer, &mut |part| merge(part));
            tally.absorb(unit_tally);
        }
        return tally;
    }
    let order = Order {
        state: Mutex::new(OrderState { oldest: 0 }),
        changed: Condvar::new(),
        units: Mutex::new(Taking { next: 0, units }),
    };
    let window = WINDOW_PER_THREAD * threads;
    // Bounded, so that a slow consumer (output to a slow pipe) holds the threads back instead
    // of piling up parts. The merging thread only ever waits on this channel, so a full
    // channel always drains.
    let (sender, receiver) = mpsc::sync_channel::<Piece<P::Part>>(threads);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let sender = sender.clone();
            let (order, run) = (&order, &run);
            scope.spawn(move || {
                let mut buffer = Vec::new();
                while let Some((index, unit)) = order.take(window, &options.stop) {
                    let mut hand_over = |part| {
                        order.wait_until_oldest(index, &options.stop);
                        // The receiver lives until every sender is gone.
                        let _ = sender.send(Piece { unit: index, part: Some(part), tally: None });
                    };
                    let unit_tally = run_unit(unit, options, run, parts, &mut buffer, &mut hand_over);
                    let _ = sender.send(Piece { unit: index, part: None, tally: Some(unit_tally) });
                }
            });
        }
        drop(sender);
        let mut waiting: BTreeMap<usize, VecDeque<Piece<P::Part>>> = BTreeMap::new();
        let mut oldest = 0;
        let mut settle = |piece: Piece<P::Part>, tally: &mut FileTally| -> bool {
            if let Some(part) = piece.part {
                merge(part);
            }
            match piece.tally {
                Some(unit_tally) => {
                    tally.absorb(unit_tally);
                    true
                }
                None => false,
            }
        };
        for piece in receiver {
            waiting.entry(piece.unit).or_default().push_back(piece);
            while let Some(queue) = waiting.get_mut(&oldest) {
                let Some(piece) = queue.pop_front() else { break };
                if settle(piece, &mut tally) {
                    waiting.remove(&oldest);
                    oldest += 1;
                    order.merged_until(oldest);
                }
            }
        }
        // Only a stopped run leaves pieces behind: what was read is still counted.
        for piece in waiting.into_values().flatten() {
            settle(piece, &mut tally);
        }
    });
    tally
}

/// A part (or the end of a unit, with its files' tally) on its way to the merging thread.
struct Piece<T> {
    unit: usize,
    part: Option<T>,
    /// Set on the unit's last piece.
    tally: Option<FileTally>,
}

/// The units in reading order: each input file, or its chunks when it is large and plain;
/// an `s3://` input stays one unit until [`expand_remote`].
fn plan_units(inputs: &[PathBuf], options: &ReadOptions) -> Vec<Unit> {
    let mut units = Vec::new();
    for found in list_inputs(inputs, options) {
        let chunked = match &found {
            walk::Found::File { path, explicit } => ChunkedFile::plan(path, *explicit, options),
            _ => None,
        };
        match chunked {
            Some(file) => {
                let file = Arc::new(file);
                units.extend((0..file.chunks()).map(|index| Unit::Chunk { file: Arc::clone(&file), index }));
            }
            None => units.push(Unit::Whole(found)),
        }
    }
    units
}

fn is_remote(unit: &Unit) -> bool {
    matches!(unit, Unit::Whole(walk::Found::Remote(_)))
}

/// The planned units with each `s3://` input replaced by its objects, listed and fetched
/// (ahead, in key order, with bounded memory) only when the units before it are taken.
fn expand_remote(planned: Vec<Unit>, options: &ReadOptions) -> Units<'_> {
    let units = planned.into_iter().flat_map(move |unit| -> Units<'_> {
        match unit {
            Unit::Whole(walk::Found::Remote(url)) => Box::new(s3::objects(url, options).map(|unit| match unit {
                super::Unit::Found(found) => Unit::Whole(found),
                super::Unit::Fetched(fetched) => Unit::Fetched(fetched),
            })),
            unit => Box::new(std::iter::once(unit)),
        }
    });
    Box::new(units.fuse())
}

/// Reads one unit, handing its part over as it fills and at the end; returns its files.
fn run_unit<P: Parts>(
    unit: Unit,
    options: &ReadOptions,
    run: &Run,
    parts: &P,
    buffer: &mut Vec<u8>,
    hand_over: &mut dyn FnMut(P::Part),
) -> FileTally {
    let mut tally = FileTally::default();
    let mut part = parts.start();
    {
        let mut sink = |record: Record| {
            parts.take(&mut part, record);
            if parts.is_full(&part) {
                hand_over(std::mem::replace(&mut part, parts.start()));
            }
        };
        match unit {
            Unit::Whole(found) => read_input(found, options, run, &mut tally, &mut sink),
            Unit::Fetched(fetched) => read_fetched(fetched, options, run, &mut tally, &mut sink),
            Unit::Chunk { file, index } => {
                let mut screened = 0;
                // Whole files pass through the selection in `read_opened`; chunks here. The
                // screen skips lines unseen, so a window or --dedupe turns it off.
                let screen = parts.screen().filter(|_| options.selection.window.is_open() && !options.selection.dedupe);
                let mut select = Selecting::new(options, run);
                let mut selected = |record| select.take(record, &mut sink);
                file.read_chunk(index, options, screen, buffer, &mut tally, &mut selected, &mut |n| screened += n);
                select.finish(&mut tally);
                parts.screened(&mut part, screened);
            }
        }
    }
    hand_over(part);
    tally
}

/// Which units are taken and which are merged, shared by the threads.
struct Order<'a> {
    state: Mutex<OrderState>,
    changed: Condvar,
    /// Held by one taking thread at a time, apart from `state`: making the next unit may
    /// wait for S3, and the merging thread must still be able to move `oldest` meanwhile.
    units: Mutex<Taking<'a>>,
}

struct OrderState {
    /// The oldest unit not yet merged.
    oldest: usize,
}

struct Taking<'a> {
    /// The index of the next unit to take.
    next: usize,
    units: Units<'a>,
}

impl Order<'_> {
    /// The next unit and its index, once that is within `window` of the oldest; `None` when
    /// all are taken or the run stops.
    fn take(&self, window: usize, stop: &super::Stop) -> Option<(usize, Unit)> {
        let mut taking = self.units.lock().ok()?;
        let index = taking.next;
        {
            let mut state = self.state.lock().ok()?;
            while index >= state.oldest + window {
                if stop.requested() {
                    return None;
                }
                state = self.changed.wait_timeout(state, super::Stop::POLL).ok()?.0;
            }
        }
        if stop.requested() {
            return None;
        }
        let unit = taking.units.next()?;
        taking.next += 1;
        Some((index, unit))
    }

    /// Waits until `unit` is the oldest unmerged one (or the run stops).
    fn wait_until_oldest(&self, unit: usize, stop: &super::Stop) {
        let Ok(mut state) = self.state.lock() else { return };
        while state.oldest < unit && !stop.requested() {
            match self.changed.wait_timeout(state, super::Stop::POLL) {
                Ok((guard, _)) => state = guard,
                Err(_) => return,
            }
        }
    }

    fn merged_until(&self, oldest: usize) {
        if let Ok(mut state) = self.state.lock() {
            state.oldest = oldest;
        }
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::LogEvent;
    use std::time::Duration;

    /// Keeps every event's message, in the order merged.
    struct Messages;

    impl Parts for Messages {
        type Part = Vec<String>;

        fn start(&self) -> Vec<String> {
            Vec::new()
        }

        fn take(&self, part: &mut Vec<String>, record: Record) {
            if let Record::Event(LogEvent { message, .. }) = record {
                part.push(message);
            }
        }

        fn is_full(&self, part: &Vec<String>) -> bool {
            part.len() >= 2
        }
    }

    /// Objects as an S3 listing yields them: made one at a time, some slowly, of
    /// different sizes (so that later ones are often read before earlier ones finish).
    fn slow_objects(count: usize) -> Units<'static> {
        Box::new((0..count).map(|object| {
            if object % 7 == 3 {
                std::thread::sleep(Duration::from_millis(5));
            }
            let lines: String =
                (0..(object * 13) % 9).map(|line| format!("{{\"o\":{object},\"l\":{line}}}\n")).collect();
            Unit::Fetched(s3::Fetched {
                name: format!("s3://b/{object:04}.json"),
                bytes: lines.into_bytes(),
                explicit: false,
                _budget: None,
            })
        }))
    }

    #[test]
    fn objects_made_as_they_are_taken_are_merged_in_their_order_on_every_thread_count() {
        let expected: Vec<String> = (0..60)
            .flat_map(|object| (0..(object * 13) % 9).map(move |line| format!("{{\"o\":{object},\"l\":{line}}}")))
            .collect();
        for threads in [1, 2, 3, 8] {
            let options = ReadOptions { threads, ..ReadOptions::default() };
            let mut merged = Vec::new();
            let tally = read_units(slow_objects(60), usize::MAX, &options, &Messages, |part| merged.extend(part));
            assert_eq!(merged, expected, "{threads} thread(s)");
            // Objects without lines are empty files: skipped, and counted as such.
            let empty = (0..60).filter(|object| (object * 13) % 9 == 0).count();
            assert_eq!(tally.skipped.len(), empty, "{threads} thread(s)");
            assert_eq!(tally.files_read as usize + empty, 60, "{threads} thread(s)");
        }
    }

    #[test]
    fn a_stop_ends_the_run_while_objects_are_still_coming() {
        let options = ReadOptions { threads: 3, ..ReadOptions::default() };
        let stop = options.stop.clone();
        let endless: Units<'static> = Box::new((0..).map(|object: u64| {
            std::thread::sleep(Duration::from_millis(1));
            Unit::Fetched(s3::Fetched {
                name: format!("s3://b/{object}"),
                bytes: format!("{{\"o\":{object}}}\n").into_bytes(),
                explicit: false,
                _budget: None,
            })
        }));
        let mut merged = 0;
        read_units(endless, usize::MAX, &options, &Messages, |part| {
            merged += part.len();
            if merged >= 100 {
                stop.request();
            }
        });
        assert!(merged >= 100, "{merged}");
    }
}
