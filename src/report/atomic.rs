//! Output files written whole or not at all.
//!
//! A report file (`--metrics-out`, `--plot` charts) is written, buffered, into a new
//! temporary file beside its target and renamed over it once complete and flushed to disk.
//! An interrupted or failing run leaves the old file as it was (and at worst a
//! `.NAME.trailwatch-*.tmp` file beside it); two runs writing the same path leave one
//! complete file, never a mix of rows. Rename is atomic within one file system, which a
//! file beside its target shares.

use std::fs::{self, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `path` through `write`, atomically. Any error (from `write`, the disk, or the
/// rename) removes the temporary file and leaves `path` untouched.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    match write(&mut file) {
        Ok(()) => file.commit(),
        Err(e) => {
            file.abandon();
            Err(e)
        }
    }
}

/// A file written over time (such as `--deliveries-out`, filled while a replay runs) that
/// replaces `path` only on [`AtomicFile::commit`]; dropped or abandoned, it leaves `path`
/// as it was.
pub struct AtomicFile {
    path: PathBuf,
    temporary: PathBuf,
    out: Option<BufWriter<fs::File>>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let temporary = temporary_beside(path)?;
        let file = OpenOptions::new().write(true).create_new(true).open(&temporary)?;
        Ok(AtomicFile { path: path.to_path_buf(), temporary, out: Some(BufWriter::with_capacity(1 << 16, file)) })
    }

    /// Flushes, syncs and renames over the target; on any error the temporary file is removed.
    pub fn commit(mut self) -> io::Result<()> {
        let out = self.out.take().ok_or_else(|| io::Error::other("already closed"))?;
        let done = out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .and_then(|file| file.sync_all())
            .and_then(|()| fs::rename(&self.temporary, &self.path));
        if done.is_err() {
            let _ = fs::remove_file(&self.temporary);
        }
        done
    }

    /// Removes the temporary file; the target keeps its old contents.
    pub fn abandon(self) {}
}

impl Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.out.as_mut().ok_or_else(|| io::Error::other("already closed"))?.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.as_mut().map_or(Ok(()), BufWriter::flush)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed: nothing of this run replaces the target.
        if self.out.take().is_some() {
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

/// `DIR/.NAME.trailwatch-PID-N.tmp`, unique within this process and (by the PID) between
/// processes.
fn temporary_beside(path: &Path) -> io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?
        .to_string_lossy();
    let unique = format!(".{name}.trailwatch-{}-{}.tmp", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    Ok(path.with_file_name(unique))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("trailwatch-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect()
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_nothing_behind() {
        let dir = scratch("fail");
        let path = dir.join("metrics.csv");
        fs::write(&path, "old\n").unwrap();
        let failed = write_atomically(&path, |out| {
            out.write_all(b"half a row,")?;
            Err(io::Error::other("interrupted"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(leftovers(&dir), ["metrics.csv"]);
        write_atomically(&path, |out| out.write_all(b"new\n")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(leftovers(&dir), ["metrics.csv"]);
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_nothing_written() {
        let path = std::env::temp_dir().join("trailwatch-no-such-dir").join("x").join("m.csv");
        assert!(write_atomically(&path, |out| out.write_all(b"x")).is_err());
        assert!(!path.exists());
    }

    #[test]
    fn a_streamed_file_replaces_the_target_only_when_committed() {
        let dir = scratch("stream");
        let path = dir.join("deliveries.ndjson");
        fs::write(&path, "old\n").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"{\"Delivery\":1}\n").unwrap();
        drop(file);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(leftovers(&dir), ["deliveries.ndjson"]);
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"{\"Delivery\":2}\n").unwrap();
        file.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "{\"Delivery\":2}\n");
        assert_eq!(leftovers(&dir), ["deliveries.ndjson"]);
        let _ = fs::remove_dir_all(dir);
    }
}
