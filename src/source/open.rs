//! Opening an input: gzip is recognised by its magic bytes, not by the file name, and so are
//! the compressions trailwatch does not undo, which are refused by name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::GzDecoder;

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

/// Wraps `reader` in a gzip decoder when its content starts with the gzip magic bytes;
/// refuses bzip2, zstd, xz and zip content by name (decompress them first).
pub(super) fn decompress<'r>(mut reader: Box<dyn BufRead + 'r>) -> io::Result<Box<dyn BufRead + 'r>> {
    let head = reader.fill_buf()?;
    if head.starts_with(&GZIP_MAGIC) {
        return Ok(Box::new(BufReader::with_capacity(BUFFER, GzipMembers { decoder: Some(GzDecoder::new(reader)) })));
    }
    if let Some((name, tool)) = other_compression(head) {
        let message = format!("{name}-compressed; trailwatch undoes only gzip: decompress it first ({tool})");
        return Err(io::Error::new(io::ErrorKind::Unsupported, message));
    }
    Ok(reader)
}

/// Whether content starting with `head` is compressed (gzip, or one trailwatch refuses).
pub(super) fn is_compressed(head: &[u8]) -> bool {
    head.starts_with(&GZIP_MAGIC) || other_compression(head).is_some()
}

/// The compression whose magic bytes start `head`, and the tool that undoes it.
fn other_compression(head: &[u8]) -> Option<(&'static str, &'static str)> {
    // bzip2: "BZh", the block size 1-9, then the magic of a block or of the stream's end.
    let bzip2 = head.len() >= 10
        && head.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&head[3])
        && (head[4..10] == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59] || head[4..10] == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90]);
    if bzip2 {
        return Some(("bzip2", "bunzip2 -k FILE"));
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some(("zstd", "unzstd FILE"));
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Some(("xz", "unxz -k FILE"));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some(("zip", "unzip FILE"));
    }
    None
}

/// The members of a gzip file, one after the other (as `gzip -d` reads them). Zero bytes
/// after the last member (tape and block-device padding, which gzip ignores) end the
/// stream; any other bytes there are an error, since they may be a damaged member.
struct GzipMembers<R: BufRead> {
    /// `None` once the stream has ended.
    decoder: Option<GzDecoder<R>>,
}

impl<R: BufRead> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // A loop, not recursion: a file may hold any number of empty members.
        while let Some(decoder) = self.decoder.as_mut() {
            let n = decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // This member has ended: what follows decides whether another one starts.
            let Some(decoder) = self.decoder.take() else { break };
            let mut rest = decoder.into_inner();
            loop {
                let head = rest.fill_buf()?;
                match head.first() {
                    None => return Ok(0),
                    Some(0) => {
                        let zeros = head.iter().take_while(|&&b| b == 0).count();
                        rest.consume(zeros);
                    }
                    Some(&0x1f) => {
                        self.decoder = Some(GzDecoder::new(rest));
                        break;
                    }
                    Some(_) => {
                        let message = "data after the gzip stream is not gzip";
                        return Err(io::Error::new(io::ErrorKind::InvalidData, message));
                    }
                }
            }
        }
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("in memory");
        encoder.finish().expect("in memory")
    }

    fn gunzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        decompress(Box::new(bytes))?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn members_are_read_in_turn_and_zero_padding_ends_the_stream() {
        let mut two = gzip(b"one\n");
        two.extend(gzip(b"two\n"));
        assert_eq!(gunzip(&two).expect("valid"), b"one\ntwo\n");
        let mut padded = two.clone();
        padded.extend([0u8; 1000]);
        assert_eq!(gunzip(&padded).expect("padding is ignored"), b"one\ntwo\n");
        let mut garbage = two;
        garbage.extend(b"garbage");
        assert!(gunzip(&garbage).is_err());
    }

    #[test]
    fn other_compressions_are_named() {
        let bzip2 = b"BZh91AY&SY\x00\x00";
        let refused = |bytes: &[u8]| decompress(Box::new(bytes)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(refused(bzip2).starts_with("bzip2-compressed"), "{}", refused(bzip2));
        assert!(refused(&[0x28, 0xb5, 0x2f, 0xfd, 0, 0]).starts_with("zstd-compressed"));
        assert!(refused(b"\xfd7zXZ\x00\x00").starts_with("xz-compressed"));
        // Text that merely starts like bzip2's header is text.
        assert!(decompress(Box::new(&b"BZh9 is not a stream"[..])).is_ok());
    }
}
