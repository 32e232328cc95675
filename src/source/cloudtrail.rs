//! CloudTrail's S3 delivery files: `{"Records":[{...},{...}]}`, read as a stream.
//!
//! A file holding a bare JSON array of records (as some tools export them) is read the same
//! way. Each record becomes one event whose message is the record's compact JSON (what
//! CloudTrail sends to CloudWatch Logs) and whose time is its `eventTime`.

use std::fmt;
use std::io::{BufRead, Read};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::matcher::{Found, TopLevelField};

use super::{compact_json, parse_time, Position, ReadContext, Record};

/// Files up to this size (decompressed; CloudTrail's are a few MB) are parsed in memory, several times faster than
/// from a stream; larger ones (or a gzip bomb) are streamed, so memory stays bounded.
const IN_MEMORY_LIMIT: u64 = 64 << 20;

pub(super) fn read(mut reader: Box<dyn BufRead + '_>, context: &ReadContext, sink: &mut dyn FnMut(Record)) {
    let mut records = 0u64;
    let mut head = Vec::new();
    let outcome = match reader.by_ref().take(IN_MEMORY_LIMIT + 1).read_to_end(&mut head) {
        Ok(n) if (n as u64) <= IN_MEMORY_LIMIT => match std::str::from_utf8(&head) {
            Ok(text) => {
                let mut deserializer = serde_json::Deserializer::from_str(text);
                let file = RecordsFile { context, sink: &mut *sink, records: &mut records, in_memory: true };
                deserializer.deserialize_any(file).and_then(|()| deserializer.end())
            }
            // The stream parser says where the bad byte is.
            Err(_) => read_stream(Box::new(std::io::Cursor::new(head)), context, sink, &mut records),
        },
        Ok(_) => read_stream(Box::new(std::io::Cursor::new(head).chain(reader)), context, sink, &mut records),
        Err(e) => {
            read_stream(Box::new(std::io::Cursor::new(head).chain(FailingReader(Some(e)))), context, sink, &mut records)
        }
    };
    if let Err(e) = outcome {
        if context.stopped() {
            return; // the consumer went away; not a fault of the file
        }
        let reason = if e.is_io() || e.is_eof() {
            format!("file ends early or cannot be read after record {records}: {e}")
        } else {
            format!("not a CloudTrail log file after record {records}: {e}")
        };
        sink(context.reject(Position::Element(records + 1), reason));
    }
}

fn read_stream(
    reader: Box<dyn Read + '_>,
    context: &ReadContext,
    sink: &mut dyn FnMut(Record),
    records: &mut u64,
) -> serde_json::Result<()> {
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let file = RecordsFile { context, sink, records, in_memory: false };
    deserializer.deserialize_any(file).and_then(|()| deserializer.end())
}

/// Replays a read error after the bytes read before it, so that the records before the
/// damage are kept and the error is reported where it happened.
struct FailingReader(Option<std::io::Error>);

impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// The top-level object: `Records` is streamed, every other key ignored.
struct RecordsFile<'a, 'b> {
    context: &'a ReadContext<'a>,
    sink: &'b mut dyn FnMut(Record),
    records: &'b mut u64,
    in_memory: bool,
}

impl<'a, 'b> RecordsFile<'a, 'b> {
    fn records_array(self) -> RecordsArray<'a, 'b> {
        RecordsArray {
            context: self.context,
            sink: self.sink,
            records: self.records,
            in_memory: self.in_memory,
            event_time: TopLevelField::new("eventTime"),
        }
    }
}

impl<'de> Visitor<'de> for RecordsFile<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail log file {\"Records\": [...]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "Records" {
                let file = RecordsFile {
                    context: self.context,
                    sink: &mut *self.sink,
                    records: &mut *self.records,
                    in_memory: self.in_memory,
                };
                map.next_value_seed(file.records_array())?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.records_array().visit_seq(seq)
    }
}

struct RecordsArray<'a, 'b> {
    context: &'a ReadContext<'a>,
    sink: &'b mut dyn FnMut(Record),
    records: &'b mut u64,
    in_memory: bool,
    event_time: TopLevelField,
}

impl<'de> DeserializeSeed<'de> for RecordsArray<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsArray<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of CloudTrail records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            if self.context.stopped() {
                return Err(serde::de::Error::custom("reading stopped"));
            }
            // In memory, records are borrowed from the input; a stream must copy them.
            let owned: Box<RawValue>;
            let text = if self.in_memory {
                match seq.next_element::<&RawValue>()? {
                    Some(raw) => raw.get(),
                    None => return Ok(()),
                }
            } else {
                match seq.next_element::<Box<RawValue>>()? {
                    Some(raw) => {
                        owned = raw;
                        owned.get()
                    }
                    None => return Ok(()),
                }
            };
            *self.records += 1;
            let position = Position::Element(*self.records);
            if !text.starts_with('{') {
                (self.sink)(self.context.reject(position, "record is not a JSON object"));
                continue;
            }
            let timestamp = event_time(text, &self.event_time);
            (self.sink)(self.context.event(compact_json(text).into_owned(), timestamp, position));
        }
    }
}

#[derive(Deserialize)]
struct Timed {
    #[serde(rename = "eventTime")]
    event_time: Option<String>,
}

/// A record's `eventTime`, read without building the whole record.
pub(super) fn event_time(record: &str, field: &TopLevelField) -> Result<i64, String> {
    match field.read(record) {
        Some(Found::String(text)) => {
            return parse_time(&text).ok_or_else(|| format!("eventTime {text:?} is not an ISO-8601 time"));
        }
        Some(Found::Missing) => return Err("record has no eventTime".to_string()),
        _ => {}
    }
    match serde_json::from_str::<Timed>(record) {
        Ok(Timed { event_time: Some(text) }) => {
            parse_time(&text).ok_or_else(|| format!("eventTime {text:?} is not an ISO-8601 time"))
        }
        Ok(Timed { event_time: None }) => Err("record has no eventTime".to_string()),
        Err(e) => Err(format!("eventTime is not a string ({e})")),
    }
}
