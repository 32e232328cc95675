//! Recognising an input's format from its first bytes.

use std::fmt;
use std::io::{self, BufRead};
use std::str::FromStr;

/// The formats trailwatch reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// Recognise each file by its content.
    Auto,
    /// CloudTrail's `{"Records":[...]}` files (S3 delivery), `.json` or `.json.gz`.
    CloudTrail,
    /// CloudWatch Logs export: `<ISO time> <message>` lines.
    CwlExport,
    /// One JSON event per line, timed by a field (`eventTime`).
    Ndjson,
    /// The JSON of `aws logs filter-log-events` or `get-log-events`.
    FilterLogEvents,
    /// The JSON of `aws cloudtrail lookup-events`.
    LookupEvents,
    /// One event per line, untimed.
    Lines,
}

impl InputFormat {
    pub const NAMES: [&'static str; 7] =
        ["auto", "cloudtrail", "cwl-export", "ndjson", "filter-log-events", "lookup-events", "lines"];

    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::CloudTrail => "cloudtrail",
            InputFormat::CwlExport => "cwl-export",
            InputFormat::Ndjson => "ndjson",
            InputFormat::FilterLogEvents => "filter-log-events",
            InputFormat::LookupEvents => "lookup-events",
            InputFormat::Lines => "lines",
        }
    }
}

impl FromStr for InputFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let all = [
            InputFormat::Auto,
            InputFormat::CloudTrail,
            InputFormat::CwlExport,
            InputFormat::Ndjson,
            InputFormat::FilterLogEvents,
            InputFormat::LookupEvents,
            InputFormat::Lines,
        ];
        all.into_iter()
            .find(|f| f.name() == text || (text == "get-log-events" && *f == InputFormat::FilterLogEvents))
            .ok_or_else(|| format!("unknown input format {text:?} (one of {})", InputFormat::NAMES.join(", ")))
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

pub(super) enum Detected {
    Format(InputFormat),
    /// A file that belongs to a trail but holds no events (digests).
    Skip(&'static str),
    Unrecognised,
    /// Nothing at all (after a byte-order mark): named in the report, not read.
    Empty,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Looks at the start of `reader` (consuming a byte-order mark, nothing else).
pub(super) fn detect(reader: &mut dyn BufRead) -> io::Result<Detected> {
    if reader.fill_buf()?.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    let head = reader.fill_buf()?;
    if head.is_empty() {
        return Ok(Detected::Empty);
    }
    Ok(classify(head))
}

fn classify(head: &[u8]) -> Detected {
    let trimmed = head.trim_ascii_start();
    if trimmed.is_empty() {
        return Detected::Format(InputFormat::Lines);
    }
    if trimmed[0] == b'{' {
        return match first_key(&trimmed[1..]) {
            Some("Records") => Detected::Format(InputFormat::CloudTrail),
            Some("events") => Detected::Format(InputFormat::FilterLogEvents),
            Some("Events") => Detected::Format(InputFormat::LookupEvents),
            Some("awsAccountId" | "digestStartTime") => Detected::Skip("CloudTrail digest file"),
            _ => Detected::Format(InputFormat::Ndjson),
        };
    }
    // A bare array of records: `[` then `{` or `]`.
    if trimmed[0] == b'[' && matches!(trimmed[1..].trim_ascii_start().first(), Some(b'{' | b']')) {
        return Detected::Format(InputFormat::CloudTrail);
    }
    if starts_with_export_time(trimmed) {
        return Detected::Format(InputFormat::CwlExport);
    }
    Detected::Unrecognised
}

/// The first key of a JSON object whose `{` has been consumed.
fn first_key(after_brace: &[u8]) -> Option<&str> {
    let rest = after_brace.trim_ascii_start();
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// `YYYY-MM-DDTHH:MM:SS` (fraction optional) then `Z` and a space.
pub(super) fn starts_with_export_time(line: &[u8]) -> bool {
    export_time_len(line).is_some()
}

/// The length of the export timestamp at the start of `line`, without the space after it.
pub(super) fn export_time_len(line: &[u8]) -> Option<usize> {
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if line.len() < shape.len() + 2 {
        return None;
    }
    let fits = shape.iter().zip(line).all(|(s, c)| if *s == b'd' { c.is_ascii_digit() } else { s == c });
    if !fits {
        return None;
    }
    let mut end = shape.len();
    if line.get(end) == Some(&b'.') {
        end += 1;
        while line.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
    }
    (line.get(end) == Some(&b'Z') && line.get(end + 1) == Some(&b' ')).then_some(end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(head: &str) -> Option<InputFormat> {
        match classify(head.as_bytes()) {
            Detected::Format(f) => Some(f),
            _ => None,
        }
    }

    #[test]
    fn recognises_each_format() {
        assert_eq!(format("{\"Records\":[{}]}"), Some(InputFormat::CloudTrail));
        assert_eq!(format("{\n    \"Records\": [\n"), Some(InputFormat::CloudTrail));
        assert_eq!(format("{\"events\": []}"), Some(InputFormat::FilterLogEvents));
        assert_eq!(format("{\"Events\": []}"), Some(InputFormat::LookupEvents));
        assert_eq!(format("{\"eventVersion\":\"1.08\"}\n"), Some(InputFormat::Ndjson));
        assert_eq!(format("2021-04-21T12:00:00.123Z {\"a\":1}"), Some(InputFormat::CwlExport));
        assert_eq!(format("[\n   {\n"), Some(InputFormat::CloudTrail));
        assert_eq!(format(""), Some(InputFormat::Lines));
        assert!(matches!(classify(b"[ERROR] disk full"), Detected::Unrecognised));
        assert!(matches!(classify(b"{\"awsAccountId\":\"1\"}"), Detected::Skip(_)));
        assert!(matches!(classify(b"hello world"), Detected::Unrecognised));
    }

    #[test]
    fn names_round_trip() {
        for name in InputFormat::NAMES {
            assert_eq!(name.parse::<InputFormat>().map(|f| f.name()), Ok(name));
        }
        assert!("csv".parse::<InputFormat>().is_err());
    }
}
