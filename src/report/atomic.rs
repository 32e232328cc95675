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
    let temporary = temporary_beside(path)?;
    let file = OpenOptions::new().write(true).create_new(true).open(&temporary)?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let written = write(&mut out)
        .and_then(|()| out.into_inner().map_err(io::IntoInnerError::into_error))
        .and_then(|file| file.sync_all())
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
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
}
