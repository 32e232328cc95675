//! CloudTrail's S3 delivery files: `{"Records":[{...},{...}]}`, read as a stream.
//!
//! A file holding a bare JSON array of records (as some tools export them) is read the same
//! way. Each record becomes one event whose message is the record's compact JSON (what
//! CloudTrail sends to CloudWatch Logs) and whose time is its `eventTime`.

use std::fmt;
use std::io::BufRead;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{compact_json, parse_time, Position, ReadContext, Record};

pub(super) fn read(reader: Box<dyn BufRead>, context: &ReadContext, sink: &mut dyn FnMut(Record)) {
    let mut records = 0u64;
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let file = RecordsFile { context, sink: &mut *sink, records: &mut records };
    let outcome = deserializer.deserialize_any(file).and_then(|()| deserializer.end());
    if let Err(e) = outcome {
        let reason = if e.is_io() || e.is_eof() {
            format!("file ends early or cannot be read after record {records}: {e}")
        } else {
            format!("not a CloudTrail log file after record {records}: {e}")
        };
        sink(context.reject(Position::Element(records + 1), reason));
    }
}

/// The top-level object: `Records` is streamed, every other key ignored.
struct RecordsFile<'a, 'b> {
    context: &'a ReadContext<'a>,
    sink: &'b mut dyn FnMut(Record),
    records: &'b mut u64,
}

impl<'de> Visitor<'de> for RecordsFile<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail log file {\"Records\": [...]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "Records" {
                map.next_value_seed(RecordsArray {
                    context: self.context,
                    sink: &mut *self.sink,
                    records: &mut *self.records,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        RecordsArray { context: self.context, sink: self.sink, records: self.records }.visit_seq(seq)
    }
}

struct RecordsArray<'a, 'b> {
    context: &'a ReadContext<'a>,
    sink: &'b mut dyn FnMut(Record),
    records: &'b mut u64,
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
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            *self.records += 1;
            let position = Position::Element(*self.records);
            let text = raw.get();
            if !text.starts_with('{') {
                (self.sink)(self.context.reject(position, "record is not a JSON object"));
                continue;
            }
            let timestamp = event_time(text);
            (self.sink)(self.context.event(compact_json(text).into_owned(), timestamp, position));
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Timed {
    #[serde(rename = "eventTime")]
    event_time: Option<String>,
}

/// A record's `eventTime`, read without building the whole record.
pub(super) fn event_time(record: &str) -> Result<i64, String> {
    match serde_json::from_str::<Timed>(record) {
        Ok(Timed { event_time: Some(text) }) => {
            parse_time(&text).ok_or_else(|| format!("eventTime {text:?} is not an ISO-8601 time"))
        }
        Ok(Timed { event_time: None }) => Err("record has no eventTime".to_string()),
        Err(e) => Err(format!("eventTime is not a string ({e})")),
    }
}
