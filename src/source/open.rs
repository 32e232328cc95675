//! Opening an input: gzip is recognised by its magic bytes, not by the file name.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BUFFER: usize = 1 << 16;

/// A buffered reader of the decompressed content of `path` (`-` is standard input).
pub(super) fn open(path: &Path) -> io::Result<Box<dyn BufRead>> {
    let raw: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(BufReader::with_capacity(BUFFER, io::stdin()))
    } else {
        Box::new(BufReader::with_capacity(BUFFER, File::open(path)?))
    };
    decompress(raw)
}

/// Wraps `reader` in a gzip decoder when its content starts with the gzip magic bytes.
pub(super) fn decompress<'r>(mut reader: Box<dyn BufRead + 'r>) -> io::Result<Box<dyn BufRead + 'r>> {
    let head = reader.fill_buf()?;
    if head.starts_with(&GZIP_MAGIC) {
        Ok(Box::new(BufReader::with_capacity(BUFFER, MultiGzDecoder::new(reader))))
    } else {
        Ok(reader)
    }
}
