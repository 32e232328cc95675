//! Any bytes as an input file, in every format (the first byte picks it): the readers never
//! panic, and every record is either an event or a located rejection.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::source::{read_bytes, InputFormat, ReadOptions, Record};

const FORMATS: [&str; 7] = ["auto", "cloudtrail", "ndjson", "cwl-export", "filter-log-events", "lookup-events", "lines"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let format: InputFormat = FORMATS[usize::from(selector) % FORMATS.len()].parse().expect("known format");
    let require_timestamp = selector & 0x80 != 0;
    let options = ReadOptions { format, require_timestamp, ..ReadOptions::default() };
    let (mut events, mut rejected) = (0u64, 0u64);
    read_bytes("fuzz", bytes, &options, &mut |record| match record {
        Record::Event(event) => {
            events += 1;
            assert!(!require_timestamp || event.timestamp.is_some());
        }
        Record::Rejected(rejection) => {
            rejected += 1;
            assert!(!rejection.reason.is_empty());
        }
    });
    let _ = (events, rejected);
});
