//! Chunked reading gives exactly the records of reading the file whole, whatever the chunk
//! size and thread count; a file that changes while it is read never crashes the run.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

use super::super::{read_inputs, read_inputs_parallel, InputFormat, LineScreen, Parts, ReadOptions, Record};

/// A file in the temporary folder, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> TempFile {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("trailwatch-chunk-{}-{unique}-{name}", std::process::id()));
        std::fs::write(&path, bytes).expect("temporary folder is writable");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Collects every record in order, and the events only counted by the screen.
struct Collect<'a> {
    screen: Option<&'a LineScreen>,
    full_at: usize,
}

#[derive(Default, Debug)]
struct Collected {
    records: Vec<Record>,
    screened: u64,
}

impl Parts for Collect<'_> {
    type Part = Collected;

    fn start(&self) -> Collected {
        Collected::default()
    }

    fn take(&self, part: &mut Collected, record: Record) {
        part.records.push(record);
    }

    fn screened(&self, part: &mut Collected, events: u64) {
        part.screened += events;
    }

    fn screen(&self) -> Option<&LineScreen> {
        self.screen
    }

    fn is_full(&self, part: &Collected) -> bool {
        part.records.len() >= self.full_at
    }
}

fn whole(path: &PathBuf, options: &ReadOptions) -> Vec<Record> {
    let mut records = Vec::new();
    read_inputs(std::slice::from_ref(path), options, &mut |record| records.push(record));
    records
}

fn chunked(path: &PathBuf, options: &ReadOptions, screen: Option<&LineScreen>) -> (Collected, super::FileTally) {
    let mut all = Collected::default();
    let parts = Collect { screen, full_at: 3 };
    let tally = read_inputs_parallel(std::slice::from_ref(path), options, &parts, |part| {
        all.records.extend(part.records);
        all.screened += part.screened;
    });
    (all, tally)
}

/// Lines of every kind a line reader treats specially.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => Just(br#"{"eventTime":"2026-03-01T09:00:00Z","eventName":"ConsoleLogin"}"#.to_vec()),
        3 => Just(br#"{"eventTime":"2026-03-01T09:01:00Z","eventName":"GetObject"}"#.to_vec()),
        1 => Just(br#"{"eventName":"Console\u004cogin"}"#.to_vec()),
        2 => Just(b"2026-03-01T09:00:00.123Z first line of a message".to_vec()),
        2 => Just(b"  continued without a time".to_vec()),
        1 => Just(b"ConsoleLogin\r".to_vec()),
        1 => Just(b"\xEF\xBB\xBFConsoleLogin with a byte-order mark".to_vec()),
        1 => Just(b"bad \xff UTF-8 ConsoleLogin".to_vec()),
        1 => Just(Vec::new()),
        1 => proptest::collection::vec(prop_oneof![Just(b'x'), Just(b'\r'), Just(b'{'), any::<u8>()], 0..40),
    ]
}

fn file_bytes() -> impl Strategy<Value = Vec<u8>> {
    (proptest::collection::vec(line(), 0..60), any::<bool>()).prop_map(|(lines, last_newline)| {
        let mut bytes = lines.join(&b'\n');
        if last_newline && !bytes.is_empty() {
            bytes.push(b'\n');
        }
        bytes
    })
}

fn format() -> impl Strategy<Value = InputFormat> {
    prop_oneof![
        Just(InputFormat::Auto),
        Just(InputFormat::Ndjson),
        Just(InputFormat::Lines),
        Just(InputFormat::CwlExport)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Chunks of any size on any number of threads: the records of the whole file, in order,
    /// with the same positions, rejections and timestamps.
    #[test]
    fn chunks_give_the_whole_files_records(
        bytes in file_bytes(),
        format in format(),
        require_timestamp in any::<bool>(),
        chunk_size in 1u64..80,
        threads in 1usize..5,
    ) {
        let file = TempFile::new("prop", &bytes);
        let base = ReadOptions { format, require_timestamp, ..ReadOptions::default() };
        let expected = whole(&file.0, &ReadOptions { chunk_size: u64::MAX, threads: 1, ..base.clone() });
        let (got, tally) = chunked(&file.0, &ReadOptions { chunk_size, threads, ..base }, None);
        prop_assert_eq!(got.screened, 0);
        prop_assert_eq!(&got.records, &expected);
        prop_assert!(tally.files_read + tally.skipped.len() as u64 == 1);
    }

    /// With a screen, the lines handed over are exactly the whole file's records that hold
    /// a literal (or are rejected), and the rest are counted, not lost.
    #[test]
    fn screened_chunks_hand_over_every_line_with_a_literal(
        bytes in file_bytes(),
        format in prop_oneof![Just(InputFormat::Ndjson), Just(InputFormat::Lines)],
        chunk_size in 1u64..80,
        threads in 1usize..4,
    ) {
        let file = TempFile::new("screen", &bytes);
        let screen = LineScreen::any_of(&["ConsoleLogin", "\\u"]).expect("literals");
        let base = ReadOptions { format, read_timestamps: false, ..ReadOptions::default() };
        let expected = whole(&file.0, &ReadOptions { chunk_size: u64::MAX, ..base.clone() });
        let (got, _) = chunked(&file.0, &ReadOptions { chunk_size, threads, ..base }, Some(&screen));
        for record in &got.records {
            prop_assert!(expected.contains(record), "{:?} is not a record of the file", record);
        }
        let holds_literal = |record: &Record| match record {
            Record::Event(event) => screen.find(event.message.as_bytes(), 0).is_some(),
            Record::Rejected(_) => true,
        };
        let must: Vec<&Record> = expected.iter().filter(|r| holds_literal(r)).collect();
        let handed: Vec<&Record> = got.records.iter().filter(|r| holds_literal(r)).collect();
        prop_assert_eq!(handed, must);
        prop_assert_eq!(got.records.len() as u64 + got.screened, expected.len() as u64);
    }
}

/// A file as large as a few chunks, with a known number of lines.
fn numbered_lines(lines: usize) -> Vec<u8> {
    (0..lines).map(|i| format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "x".repeat(i % 50))).collect::<String>().into_bytes()
}

#[test]
fn a_file_that_shrinks_grows_or_changes_while_read_never_crashes() {
    let bytes = numbered_lines(2000);
    for change in ["shrink", "empty", "grow", "overwrite"] {
        let file = TempFile::new(change, &bytes);
        let path = file.0.clone();
        let changed = std::sync::Once::new();
        struct Changing<'a> {
            path: &'a PathBuf,
            change: &'a str,
            changed: &'a std::sync::Once,
        }
        impl Parts for Changing<'_> {
            type Part = u64;
            fn start(&self) -> u64 {
                0
            }
            fn take(&self, part: &mut u64, _: Record) {
                *part += 1;
                self.changed.call_once(|| {
                    let file = std::fs::OpenOptions::new().write(true).open(self.path).expect("writable");
                    match self.change {
                        "shrink" => file.set_len(5_000).expect("truncate"),
                        "empty" => file.set_len(0).expect("truncate"),
                        "grow" => file.set_len(1 << 20).expect("extend"),
                        _ => std::fs::write(self.path, vec![b'\n'; 100_000]).expect("overwrite"),
                    }
                });
            }
        }
        let parts = Changing { path: &path, change, changed: &changed };
        let options = ReadOptions { chunk_size: 1000, threads: 3, ..ReadOptions::default() };
        let mut records = 0;
        let tally = read_inputs_parallel(std::slice::from_ref(&path), &options, &parts, |n| records += n);
        assert_eq!(tally.files_read, 1, "{change}");
        // Never more lines than the bytes the file had when the run began.
        assert!(records > 0 && records <= bytes.len() as u64, "{change}: {records}");
    }
}

#[test]
fn parts_in_flight_are_bounded_by_the_threads_not_the_input() {
    static ALIVE: AtomicUsize = AtomicUsize::new(0);
    static MOST: AtomicUsize = AtomicUsize::new(0);
    struct Counting;
    impl Parts for Counting {
        type Part = u64;
        fn start(&self) -> u64 {
            let alive = ALIVE.fetch_add(1, Ordering::SeqCst) + 1;
            MOST.fetch_max(alive, Ordering::SeqCst);
            0
        }
        fn take(&self, part: &mut u64, _: Record) {
            *part += 1;
        }
        fn is_full(&self, part: &u64) -> bool {
            *part >= 10
        }
    }
    let file = TempFile::new("bounded", &numbered_lines(20_000));
    let options = ReadOptions { chunk_size: 4096, threads: 3, ..ReadOptions::default() };
    let mut records = 0;
    read_inputs_parallel(std::slice::from_ref(&file.0), &options, &Counting, |n| {
        records += n;
        ALIVE.fetch_sub(1, Ordering::SeqCst);
    });
    assert_eq!(records, 20_000);
    // Each thread fills one part, a window of finished ones waits for its turn, and the
    // channel to the merging thread holds one per thread.
    let bound = 3 * (super::super::parallel::WINDOW_PER_THREAD + 3);
    assert!(MOST.load(Ordering::SeqCst) <= bound, "{} parts alive at once", MOST.load(Ordering::SeqCst));
}

#[test]
fn line_numbers_run_on_across_chunks() {
    let file = TempFile::new("numbers", &numbered_lines(5000));
    let options = ReadOptions { chunk_size: 777, threads: 4, format: InputFormat::Ndjson, ..ReadOptions::default() };
    let (got, _) = chunked(&file.0, &options, None);
    assert_eq!(got.records.len(), 5000);
    for (i, record) in got.records.iter().enumerate() {
        let Record::Event(event) = record else { panic!("{record:?}") };
        assert_eq!(event.origin.position, super::super::Position::Line(i as u64 + 1));
        assert!(event.message.starts_with(&format!("{{\"n\":{i},")));
    }
}

/// Planning opens nothing for long: a folder of many large files holds a descriptor only
/// for the files whose chunks are being read.
#[cfg(target_os = "linux")]
#[test]
fn descriptors_stay_few_however_many_large_files() {
    let dir = std::env::temp_dir().join(format!("trailwatch-chunk-fds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    for i in 0..200 {
        std::fs::write(dir.join(format!("{i:03}.ndjson")), numbered_lines(40)).expect("writes");
    }
    fn open_descriptors() -> usize {
        std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
    }
    static MOST: AtomicUsize = AtomicUsize::new(0);
    struct Watching;
    impl Parts for Watching {
        type Part = u64;
        fn start(&self) -> u64 {
            0
        }
        fn take(&self, part: &mut u64, _: Record) {
            *part += 1;
            MOST.fetch_max(open_descriptors(), Ordering::SeqCst);
        }
    }
    // Other tests run at once and open files too: compare with a margin.
    let before = open_descriptors();
    let options = ReadOptions { chunk_size: 256, threads: 2, ..ReadOptions::default() };
    let mut records = 0;
    read_inputs_parallel(std::slice::from_ref(&dir), &options, &Watching, |n| records += n);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(records, 200 * 40);
    assert!(MOST.load(Ordering::SeqCst) < before + 100, "{} descriptors open", MOST.load(Ordering::SeqCst));
}

/// A file of one long line: every chunk after the first is empty, found so by looking at
/// its own extent only, and the line is one event.
#[test]
fn one_long_line_is_one_event_however_many_chunks_it_spans() {
    let mut bytes = vec![b'x'; 300_000];
    bytes.extend_from_slice(b"\nlast\n");
    let file = TempFile::new("long", &bytes);
    let options = ReadOptions { chunk_size: 1000, threads: 3, format: InputFormat::Lines, ..ReadOptions::default() };
    let (got, _) = chunked(&file.0, &options, None);
    assert_eq!(got.records, whole(&file.0, &ReadOptions { chunk_size: u64::MAX, ..options }));
    assert_eq!(got.records.len(), 2);
}
