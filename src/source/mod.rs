//! Files and standard input -> log events, with every record accounted for.
//!
//! A source yields [`Record`]s: an event to match, or a rejection that says where and why.
//! Nothing is dropped silently, so a caller can always show
//! `read = matched + not matched + rejected`. Commands depend only on the `Record`
//! iterator, so further input formats slot in behind it.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::PathBuf;
use std::sync::Arc;

/// Where a record came from: a file (or `-` for standard input) and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub input: Arc<str>,
    pub line: u64,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.input)
        } else {
            write!(f, "{}:{}", self.input, self.line)
        }
    }
}

/// One log event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEvent {
    pub message: String,
    pub origin: Origin,
}

/// A record that could not become an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub origin: Origin,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.reason)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Event(LogEvent),
    Rejected(Rejection),
}

/// One event per line from each input in turn (`-` is standard input). A trailing `\r` is
/// part of the line ending, not of the message; an empty line is an empty message.
pub struct LineSource {
    inputs: std::vec::IntoIter<PathBuf>,
    current: Option<(Arc<str>, Box<dyn BufRead>, u64)>,
    buffer: Vec<u8>,
}

impl LineSource {
    /// Reads `inputs` in order; no inputs means standard input.
    pub fn new(inputs: Vec<PathBuf>) -> LineSource {
        let inputs = if inputs.is_empty() { vec![PathBuf::from("-")] } else { inputs };
        LineSource { inputs: inputs.into_iter(), current: None, buffer: Vec::new() }
    }

    fn open(path: &PathBuf) -> io::Result<Box<dyn BufRead>> {
        if path.as_os_str() == "-" {
            return Ok(Box::new(BufReader::new(io::stdin())));
        }
        Ok(Box::new(BufReader::with_capacity(1 << 16, File::open(path)?)))
    }
}

impl Iterator for LineSource {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        loop {
            let Some((name, reader, line)) = self.current.as_mut() else {
                let path = self.inputs.next()?;
                let name: Arc<str> = Arc::from(if path.as_os_str() == "-" {
                    "(standard input)".to_string()
                } else {
                    path.display().to_string()
                });
                match LineSource::open(&path) {
                    Ok(reader) => self.current = Some((name, reader, 0)),
                    Err(e) => {
                        return Some(Record::Rejected(Rejection {
                            origin: Origin { input: name, line: 0 },
                            reason: format!("cannot read: {e}"),
                        }));
                    }
                }
                continue;
            };
            self.buffer.clear();
            *line += 1;
            let origin = Origin { input: Arc::clone(name), line: *line };
            match reader.read_until(b'\n', &mut self.buffer) {
                Ok(0) => self.current = None,
                Ok(_) => {
                    if self.buffer.last() == Some(&b'\n') {
                        self.buffer.pop();
                        if self.buffer.last() == Some(&b'\r') {
                            self.buffer.pop();
                        }
                    }
                    return Some(match std::str::from_utf8(&self.buffer) {
                        Ok(text) => Record::Event(LogEvent { message: text.to_string(), origin }),
                        Err(e) => Record::Rejected(Rejection {
                            origin,
                            reason: format!("not valid UTF-8 (byte {})", e.valid_up_to() + 1),
                        }),
                    });
                }
                Err(e) => {
                    self.current = None;
                    return Some(Record::Rejected(Rejection { origin, reason: format!("read error: {e}") }));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_lines_and_reports_bad_ones() {
        let dir = std::env::temp_dir().join(format!("trailwatch-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.log");
        let mut file = File::create(&path).unwrap();
        file.write_all(b"one\r\n\xff\xfe\n\nlast").unwrap();
        let records: Vec<Record> = LineSource::new(vec![path.clone(), dir.join("missing.log")]).collect();
        assert_eq!(records.len(), 5);
        assert!(matches!(&records[0], Record::Event(e) if e.message == "one" && e.origin.line == 1));
        assert!(matches!(&records[1], Record::Rejected(r) if r.origin.line == 2 && r.reason.contains("UTF-8")));
        assert!(matches!(&records[2], Record::Event(e) if e.message.is_empty()));
        assert!(matches!(&records[3], Record::Event(e) if e.message == "last" && e.origin.line == 4));
        assert!(matches!(&records[4], Record::Rejected(r) if r.reason.starts_with("cannot read")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
