//! One large plain file, split at line boundaries into chunks that threads read at once.
//!
//! Chunks are read with positioned reads (`pread`) into each thread's own buffer, not
//! memory-mapped: a mapped file that shrinks while it is read raises SIGBUS and kills the
//! process, while a read simply returns fewer bytes. The file is read up to the size it had
//! when the run began; if it changes meanwhile, records may be torn or repeated, but every
//! byte read is accounted for and nothing crashes.
//!
//! Chunk `k` starts after the first line end at or past byte `k * size - 1` (for CloudWatch
//! Logs exports, the first one followed by a timestamped line, since a message may span
//! lines), so each line belongs to exactly one chunk, whatever the thread count. Line
//! numbers are exact: each chunk counts its line ends and passes the running total on to
//! the next chunk before it reads records.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::detect::{self, export_time_len, Detected, InputFormat};
use super::lines::{self, count_line_ends, LineIndex};
use super::{FileTally, Position, ReadContext, ReadOptions, Record};
use crate::source::screen::LineScreen;

/// The chunk size `ReadOptions::chunk_size` = 0 stands for.
pub const DEFAULT_CHUNK_SIZE: u64 = 1 << 20;

/// How far a chunk may run past its nominal size (a long last line) and still be read into
/// memory at once; longer chunks are streamed.
const IN_MEMORY_SLACK: u64 = 1 << 20;

/// The most chunks one file is split into (larger files get larger chunks), so that the
/// list of chunks stays small whatever `ReadOptions::chunk_size` says.
const MAX_CHUNKS: u64 = 1 << 16;

/// What format detection reads, and the streaming of an oversized chunk.
const SCAN_BLOCK: usize = 64 << 10;

/// What boundary scans read at a time (a few lines).
const BOUNDARY_BLOCK: usize = 4 << 10;

/// A plain file read in chunks.
#[derive(Debug)]
pub(super) struct ChunkedFile {
    pub name: Arc<str>,
    path: PathBuf,
    /// Open only while some of its chunks are being read: planning a folder of large files
    /// must not hold a descriptor per file.
    open: Mutex<OpenFile>,
    /// The size when the run began; nothing past it is read.
    size: u64,
    format: InputFormat,
    chunk_size: u64,
    /// Whether the screen ruled out most lines of the last chunk it screened.
    screen_paid: AtomicBool,
    /// `bases[k]`: the lines before chunk `k`, once known.
    bases: Mutex<Vec<Option<u64>>>,
    based: Condvar,
}

#[derive(Debug)]
struct OpenFile {
    file: Option<Arc<File>>,
    /// Chunks not yet read; the file is closed when none is left.
    unread: u64,
}

impl ChunkedFile {
    /// The chunked reading of `path`, when it is a regular, uncompressed file of a line
    /// format at least two chunks long. Anything else (and any doubt) is read whole by the
    /// ordinary path, which also reports what is wrong.
    pub fn plan(path: &Path, explicit: bool, options: &ReadOptions) -> Option<ChunkedFile> {
        if !cfg!(unix) || path.as_os_str() == "-" {
            return None;
        }
        let metadata = std::fs::metadata(path).ok()?;
        let size = metadata.len();
        let chunk_size = match options.chunk_size {
            0 => DEFAULT_CHUNK_SIZE,
            size => size,
        }
        .max(size.div_ceil(MAX_CHUNKS));
        if !metadata.is_file() || size < chunk_size.saturating_mul(2) {
            return None;
        }
        let file = File::open(path).ok()?;
        let mut head = io::BufReader::with_capacity(SCAN_BLOCK, &file);
        if super::open::is_compressed(head.fill_buf().ok()?) {
            return None;
        }
        let format = match options.format {
            InputFormat::Auto => match detect::detect(&mut head).ok()? {
                Detected::Format(format) => format,
                Detected::Unrecognised if explicit => InputFormat::Lines,
                _ => return None,
            },
            forced => forced,
        };
        if !matches!(format, InputFormat::Ndjson | InputFormat::Lines | InputFormat::CwlExport) {
            return None;
        }
        drop(head);
        drop(file);
        let chunks = size.div_ceil(chunk_size);
        let mut bases = vec![None; usize::try_from(chunks).ok()?.checked_add(1)?];
        bases[0] = Some(0);
        let name = Arc::from(super::walk::display_name(path).as_str());
        let open = Mutex::new(OpenFile { file: None, unread: chunks });
        let path = path.to_path_buf();
        let (bases, based, screen_paid) = (Mutex::new(bases), Condvar::new(), AtomicBool::new(true));
        Some(ChunkedFile { name, path, open, size, format, chunk_size, screen_paid, bases, based })
    }

    pub fn chunks(&self) -> u64 {
        self.size.div_ceil(self.chunk_size)
    }

    /// Reads chunk `index`: its records go to `sink`, the lines the screen ruled out to
    /// `screened`. `buffer` is the calling thread's, reused from chunk to chunk.
    #[allow(clippy::too_many_arguments)]
    pub fn read_chunk(
        &self,
        index: u64,
        options: &ReadOptions,
        screen: Option<&LineScreen>,
        buffer: &mut Vec<u8>,
        tally: &mut FileTally,
        sink: &mut dyn FnMut(Record),
        screened: &mut dyn FnMut(u64),
    ) {
        if index == 0 {
            tally.files_read += 1;
        }
        let context = ReadContext { name: Arc::clone(&self.name), options };
        match self.acquire() {
            _ if options.stop.requested() => {
                self.pass_on_lines(index, 0);
            }
            Ok(file) => self.read_open_chunk(&file, index, &context, screen, buffer, sink, screened),
            Err(e) => {
                let first_line = self.pass_on_lines(index, 0);
                let reason = format!("cannot read this part of the file any more: {e}");
                sink(context.reject(Position::Line(first_line + 1), reason));
            }
        }
        self.release();
    }

    /// The file, opened by the first of its chunks to be read.
    fn acquire(&self) -> io::Result<Arc<File>> {
        let mut open = self.open.lock().map_err(|_| io::Error::other("a reading thread failed"))?;
        if let Some(file) = &open.file {
            return Ok(Arc::clone(file));
        }
        let file = Arc::new(File::open(&self.path)?);
        open.file = Some(Arc::clone(&file));
        Ok(file)
    }

    /// Whether to screen chunk `index`: when the format allows it and the last screened
    /// chunk ruled out most lines; every 16th chunk is screened to look again.
    fn screen_pays(&self, index: u64, options: &ReadOptions) -> bool {
        lines::screenable(self.format, options) && (index % 16 == 0 || self.screen_paid.load(Ordering::Relaxed))
    }

    /// One chunk less to read; the last one closes the file.
    fn release(&self) {
        if let Ok(mut open) = self.open.lock() {
            open.unread = open.unread.saturating_sub(1);
            if open.unread == 0 {
                open.file = None;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn read_open_chunk(
        &self,
        file: &File,
        index: u64,
        context: &ReadContext,
        screen: Option<&LineScreen>,
        buffer: &mut Vec<u8>,
        sink: &mut dyn FnMut(Record),
        screened: &mut dyn FnMut(u64),
    ) {
        let options = context.options;
        // A chunk in which no record starts is empty: its lines belong to an earlier chunk.
        // Looking no further than its own extent keeps a file of one huge line linear.
        let next_nominal = index.saturating_add(1).saturating_mul(self.chunk_size).saturating_sub(1);
        let Some(start) = self.boundary(file, index, next_nominal) else {
            self.pass_on_lines(index, 0);
            return;
        };
        let end = self.boundary(file, index + 1, self.size).unwrap_or(self.size).max(start);
        let length = end - start;
        if length <= self.chunk_size + IN_MEMORY_SLACK {
            let screen = screen.filter(|_| self.screen_pays(index, options));
            // The buffer keeps its size from chunk to chunk: no zeroing per chunk.
            if buffer.len() < length as usize {
                buffer.resize(length as usize, 0);
            }
            // An error is met again by the streaming below, which reports it where it is.
            if let Ok(read) = read_full_at(file, &mut buffer[..length as usize], start) {
                let data = &buffer[..read];
                if let Some(screen) = screen {
                    if self.read_screened(index, data, context, screen, sink, screened) {
                        return;
                    }
                }
                let first_line = self.pass_on_lines(index, count_line_ends(data));
                match std::str::from_utf8(data) {
                    Ok(text) if text.len() < lines::MAX_LINE => {
                        lines::read_text(text, self.format, first_line, context, sink);
                    }
                    _ => lines::read(Box::new(data), self.format, first_line, context, sink),
                }
                return;
            }
        }
        let line_ends = count_line_ends_in(file, start, end, buffer);
        let first_line = self.pass_on_lines(index, line_ends);
        let reader = PositionedReader { file, position: start, end, buffer, filled: 0, consumed: 0 };
        lines::read(Box::new(reader), self.format, first_line, context, sink);
    }

    /// Reads chunk `index`, held in memory as `data`, through a screen; `false` (nothing
    /// read, no lines passed on) when it is not UTF-8 text with lines of a bearable length.
    #[allow(clippy::too_many_arguments)]
    fn read_screened(
        &self,
        index: u64,
        data: &[u8],
        context: &ReadContext,
        screen: &LineScreen,
        sink: &mut dyn FnMut(Record),
        screened: &mut dyn FnMut(u64),
    ) -> bool {
        // One pass counts the lines and finds whether UTF-8 needs checking at all.
        let lines = LineIndex::of(data);
        let text = lines.ascii || std::str::from_utf8(data).is_ok();
        if !text || data.len() >= lines::MAX_LINE {
            return false;
        }
        let first_line = self.pass_on_lines(index, lines.line_ends);
        let handed = lines::read_screened(data, self.format, first_line, &lines, context, screen, sink, screened);
        // A screen that hands over most lines costs more than it saves.
        self.screen_paid.store(handed.saturating_mul(4) <= lines.line_ends, Ordering::Relaxed);
        true
    }

    /// Waits until the lines before chunk `index` are known, records those before the next
    /// chunk, and returns the former. Every chunk calls this exactly once, even when it reads
    /// nothing, so that no later chunk waits forever; chunks are taken in order, so the one
    /// waited on is always being read.
    fn pass_on_lines(&self, index: u64, line_ends: u64) -> u64 {
        let index = index as usize;
        let Ok(mut bases) = self.bases.lock() else { return 0 };
        loop {
            match bases.get(index) {
                Some(Some(base)) => {
                    let base = *base;
                    if let Some(next) = bases.get_mut(index + 1) {
                        *next = Some(base.saturating_add(line_ends));
                    }
                    self.based.notify_all();
                    return base;
                }
                Some(None) => match self.based.wait(bases) {
                    Ok(guard) => bases = guard,
                    Err(_) => return 0,
                },
                None => return 0,
            }
        }
    }

    /// Where chunk `index` starts: just after the first line end at or past its nominal
    /// start that begins a record; `None` when no such line end lies before `limit` (then
    /// the chunk starts where the next one does, and is empty). A read error ends the file.
    fn boundary(&self, file: &File, index: u64, limit: u64) -> Option<u64> {
        if index == 0 {
            return Some(0);
        }
        let nominal = index.saturating_mul(self.chunk_size);
        if nominal >= self.size {
            return Some(self.size);
        }
        let mut block = [0u8; BOUNDARY_BLOCK];
        let mut position = nominal - 1;
        let limit = limit.min(self.size);
        while position < limit {
            let wanted = (limit - position).min(BOUNDARY_BLOCK as u64) as usize;
            let read = match read_full_at(file, &mut block[..wanted], position) {
                Ok(0) | Err(_) => return Some(self.size),
                Ok(read) => read,
            };
            match memchr::memchr(b'\n', &block[..read]) {
                Some(at) => {
                    let after = position + at as u64 + 1;
                    if self.starts_record(file, after) {
                        return Some(after);
                    }
                    position = after;
                }
                None => position += read as u64,
            }
        }
        (limit >= self.size).then_some(self.size)
    }

    /// Whether the line at `offset` starts a record: every line does, except in an export,
    /// where a line without a timestamp continues the message before it.
    fn starts_record(&self, file: &File, offset: u64) -> bool {
        if self.format != InputFormat::CwlExport || offset >= self.size {
            return true;
        }
        let mut head = [0u8; 64];
        let wanted = (self.size - offset).min(head.len() as u64) as usize;
        match read_full_at(file, &mut head[..wanted], offset) {
            Ok(read) => export_time_len(&head[..read]).is_some(),
            Err(_) => true,
        }
    }
}

/// The line ends in `start..end`, streamed through `buffer` (a chunk too long to hold).
fn count_line_ends_in(file: &File, start: u64, end: u64, buffer: &mut Vec<u8>) -> u64 {
    buffer.clear();
    buffer.resize(SCAN_BLOCK * 16, 0);
    let mut count = 0;
    let mut position = start;
    while position < end {
        let wanted = (end - position).min(buffer.len() as u64) as usize;
        match read_full_at(file, &mut buffer[..wanted], position) {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                count += count_line_ends(&buffer[..read]);
                position += read as u64;
            }
        }
    }
    count
}

/// Reads into all of `buffer` from `offset`, or less at the end of the file (which may have
/// shrunk). Interrupted reads are retried.
fn read_full_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match positioned_read(file, &mut buffer[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(unix)]
fn positioned_read(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, offset)
}

#[cfg(not(unix))]
fn positioned_read(_: &File, _: &mut [u8], _: u64) -> io::Result<usize> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "positioned reads need a Unix system"))
}

/// `start..end` of a file as a buffered reader of positioned reads.
struct PositionedReader<'a> {
    file: &'a File,
    position: u64,
    end: u64,
    buffer: &'a mut Vec<u8>,
    filled: usize,
    consumed: usize,
}

impl Read for PositionedReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for PositionedReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.consumed == self.filled && self.position < self.end {
            let wanted = (self.end - self.position).min(self.buffer.len() as u64) as usize;
            let read = read_full_at(self.file, &mut self.buffer[..wanted], self.position)?;
            // A file that shrank ends here.
            self.end = if read == 0 { self.position } else { self.end };
            self.position += read as u64;
            self.filled = read;
            self.consumed = 0;
        }
        Ok(&self.buffer[self.consumed..self.filled])
    }

    fn consume(&mut self, amount: usize) {
        self.consumed = (self.consumed + amount).min(self.filled);
    }
}

#[cfg(test)]
mod tests;
