//! Throughput measurement for `trailwatch bench`: a corpus in memory, split into lines
//! without copying, and the best of several timed passes of a matcher over it.
//!
//! Figures are only meaningful next to a baseline measured in the same run (see
//! `docs/performance.md`), so this module returns plain durations and leaves the ratios
//! to the caller.

use std::io::Read;
use std::time::{Duration, Instant};

use crate::matcher::{Matcher, MatcherSet};

/// The bundled seed: the compact form of the 335 real records in `testdata/cloudtrail`.
const SEED: &[u8] = include_bytes!("../testdata/bench/seed.ndjson.gz");

/// A failed console sign-in, mixed into generated corpora so that the selective patterns
/// have something to find.
const FAILED_SIGN_IN: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","accountId":"123456789012","accountName":"example","userName":"alice"},"eventTime":"2026-01-01T00:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"Mozilla/5.0","errorMessage":"Failed authentication","requestParameters":null,"responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/","MobileVersion":"No","MFAUsed":"No"},"eventID":"00000000-0000-0000-0000-000000000000","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}"#;

/// One failed sign-in per this many generated events.
const FAILED_SIGN_IN_EVERY: usize = 1000;

/// Event messages held in memory.
pub struct Corpus {
    text: String,
    /// Byte ranges of the lines (without line ends).
    lines: Vec<(usize, usize)>,
    /// Lines passed over because they are not UTF-8.
    pub skipped: usize,
}

impl Corpus {
    /// One event per line; lines that are not UTF-8 are counted and skipped.
    pub fn from_bytes(bytes: Vec<u8>) -> Corpus {
        let mut text = String::with_capacity(bytes.len());
        let mut lines = Vec::new();
        let mut skipped = 0;
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            match std::str::from_utf8(line) {
                Ok(line) if !line.is_empty() => {
                    lines.push((text.len(), text.len() + line.len()));
                    text.push_str(line);
                    text.push('\n');
                }
                Ok(_) => {}
                Err(_) => skipped += 1,
            }
        }
        Corpus { text, lines, skipped }
    }

    /// A file's events (gzip is undone).
    pub fn from_file(path: &std::path::Path) -> std::io::Result<Corpus> {
        let raw = std::fs::read(path)?;
        Ok(Corpus::from_bytes(gunzip_if_needed(raw)?))
    }

    /// About `size` bytes of real CloudTrail records (the bundled seed, cycled in a fixed
    /// shuffled order), with a failed console sign-in every thousand events.
    pub fn generate(size: usize) -> Corpus {
        let seed = gunzip_if_needed(SEED.to_vec()).unwrap_or_default();
        let records: Vec<&[u8]> = seed.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
        let mut out = Vec::with_capacity(size + 4096);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut count = 0;
        while out.len() < size && !records.is_empty() {
            count += 1;
            if count % FAILED_SIGN_IN_EVERY == 0 {
                out.extend_from_slice(FAILED_SIGN_IN.as_bytes());
            } else {
                // xorshift: a fixed, repeatable order.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                out.extend_from_slice(records[(state % records.len() as u64) as usize]);
            }
            out.push(b'\n');
        }
        Corpus::from_bytes(out)
    }

    pub fn lines(&self) -> impl Iterator<Item = &str> + '_ {
        self.lines.iter().map(|&(start, end)| &self.text[start..end])
    }

    pub fn events(&self) -> usize {
        self.lines.len()
    }

    /// Bytes of the corpus, line ends included.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

fn gunzip_if_needed(raw: Vec<u8>) -> std::io::Result<Vec<u8>> {
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut out)?;
    Ok(out)
}

/// The outcome of timing one workload.
#[derive(Clone, Copy, Debug)]
pub struct Measurement {
    /// The best of the passes.
    pub best: Duration,
    /// What the workload counted (matches), the same on every pass.
    pub count: u64,
}

impl Measurement {
    pub fn mb_per_second(&self, bytes: usize) -> f64 {
        bytes as f64 / 1e6 / self.best.as_secs_f64().max(1e-9)
    }

    pub fn per_second(&self, items: usize) -> f64 {
        items as f64 / self.best.as_secs_f64().max(1e-9)
    }
}

/// Runs `work` `passes` times (at least once) and keeps the fastest.
pub fn measure(passes: usize, mut work: impl FnMut() -> u64) -> Measurement {
    let mut best = Duration::MAX;
    let mut count = 0;
    for _ in 0..passes.max(1) {
        let start = Instant::now();
        count = std::hint::black_box(work());
        best = best.min(start.elapsed());
    }
    Measurement { best, count }
}

/// How many events `matcher` matches.
pub fn count_matches(corpus: &Corpus, matcher: &dyn Matcher) -> u64 {
    corpus.lines().filter(|line| matcher.is_match(line)).count() as u64
}

/// How many (event, pattern) matches a set finds, all patterns in one pass.
pub fn count_set_matches(corpus: &Corpus, set: &MatcherSet) -> u64 {
    let mut count = 0;
    for line in corpus.lines() {
        set.for_each_match(line, |_, _| count += 1);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::compile_text;

    #[test]
    fn generated_corpora_are_real_records_with_known_sign_in_failures() {
        let corpus = Corpus::generate(2_000_000);
        assert!(corpus.bytes() >= 2_000_000 && corpus.events() > 1000);
        assert_eq!(corpus.skipped, 0);
        let failed =
            compile_text(r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" }"#).unwrap();
        assert_eq!(count_matches(&corpus, failed.as_ref()), (corpus.events() / FAILED_SIGN_IN_EVERY) as u64);
        // The same size gives the same bytes.
        assert_eq!(Corpus::generate(100_000).text(), Corpus::generate(100_000).text());
    }

    #[test]
    fn lines_split_without_their_ends_and_skip_invalid_utf8() {
        let corpus = Corpus::from_bytes(b"a\r\n\nb\n\xff\nc".to_vec());
        assert_eq!(corpus.lines().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(corpus.skipped, 1);
    }
}
