//! Inputs -> files: folders are walked recursively (sorted, so runs are repeatable), and the
//! files that are not trail logs are passed over with a reason.
//!
//! Inside a folder only regular files are read: a FIFO or a device there would block the
//! run or never end. A file named on the command line is read whatever it is (`<(zcat ..)`
//! is a pipe). Every file is read once: a second path to the same file (a hard link, a
//! symbolic link, the same argument twice, `-` twice) is passed over with the first path
//! as the reason, so that no metric is counted twice and no two threads share one stream.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::layout::Selection;
use super::Skipped;

#[derive(Clone, Debug)]
pub(super) enum Found {
    /// A file to read; `explicit` when it was named on the command line.
    File {
        path: PathBuf,
        explicit: bool,
    },
    Skipped(Skipped),
    Unreadable {
        path: String,
        reason: String,
    },
    /// A file or folder passed over unread because its key layout puts it outside the
    /// selection (time window, accounts, regions): how many.
    Pruned(u64),
    /// An `s3://` input, listed and fetched when it is read.
    Remote(super::s3::S3Url),
}

/// Path components that hold CloudTrail files other than logs.
const NOT_LOGS: &[(&str, &str)] =
    &[("CloudTrail-Digest", "CloudTrail digest file"), ("CloudTrail-Insight", "CloudTrail Insights file")];

pub(super) fn display_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "(standard input)".to_string()
    } else {
        path.display().to_string()
    }
}

/// The files already listed, by identity, with the path they were listed under.
#[derive(Default)]
pub(super) struct Seen(HashMap<FileId, String>);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum FileId {
    StandardInput,
    /// Device and inode: the file itself, whatever path reached it.
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Canonical(PathBuf),
}

impl FileId {
    fn of(path: &Path) -> Option<FileId> {
        if path.as_os_str() == "-" {
            return Some(FileId::StandardInput);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let metadata = std::fs::metadata(path).ok()?;
            Some(FileId::Inode(metadata.dev(), metadata.ino()))
        }
        #[cfg(not(unix))]
        {
            std::fs::canonicalize(path).ok().map(FileId::Canonical)
        }
    }
}

impl Seen {
    /// `Found::File` the first time a file is reached, `Found::Skipped` after that. A path
    /// whose identity cannot be read is listed, so that opening it reports why.
    fn first_visit(&mut self, path: PathBuf, explicit: bool) -> Found {
        let Some(id) = FileId::of(&path) else { return Found::File { path, explicit } };
        match self.0.get(&id) {
            Some(first) => {
                let reason = if id == FileId::StandardInput {
                    "standard input named twice: read once".to_string()
                } else {
                    format!("the same file as {first}, read once")
                };
                Found::Skipped(Skipped { path: display_name(&path), reason })
            }
            None => {
                self.0.insert(id, display_name(&path));
                Found::File { path, explicit }
            }
        }
    }
}

pub(super) fn each_file(input: &Path, selection: &Selection, seen: &mut Seen, found: &mut dyn FnMut(Found)) {
    let admitted = |path: &Path, is_file: bool| path.to_str().is_none_or(|key| selection.admits_key(key, is_file));
    if input.as_os_str() == "-" || !input.is_dir() {
        if input.as_os_str() != "-" && !admitted(input, true) {
            return found(Found::Pruned(1));
        }
        found(seen.first_visit(input.to_path_buf(), true));
        return;
    }
    let walker = walkdir::WalkDir::new(input).follow_links(true).sort_by_file_name();
    let pruned = std::cell::Cell::new(0u64);
    // Folders and files outside the selection are passed over by their names alone.
    let walker = walker.into_iter().filter_entry(|entry| {
        let keep = entry.depth() == 0 || admitted(entry.path(), !entry.file_type().is_dir());
        pruned.set(pruned.get() + u64::from(!keep));
        keep
    });
    for entry in walker {
        if pruned.get() > 0 {
            found(Found::Pruned(pruned.replace(0)));
        }
        match entry {
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(entry) if !entry.file_type().is_file() => {
                let reason = format!("not a regular file ({})", kind_of(&entry.file_type()));
                found(Found::Skipped(Skipped { path: display_name(entry.path()), reason }));
            }
            Ok(entry) => {
                let path = entry.into_path();
                match why_not_a_log(&path) {
                    Some(reason) => {
                        found(Found::Skipped(Skipped { path: display_name(&path), reason: reason.to_string() }))
                    }
                    None => found(seen.first_visit(path, false)),
                }
            }
            // A loop leads back to files this walk reaches anyway: nothing is lost.
            Err(e) if e.loop_ancestor().is_some() => {
                let path = e.path().map_or_else(|| display_name(input), display_name);
                found(Found::Skipped(Skipped { path, reason: "symbolic link loop".to_string() }));
            }
            Err(e) => {
                let path = e.path().map_or_else(|| display_name(input), display_name);
                found(Found::Unreadable { path, reason: format!("cannot read: {e}") });
            }
        }
    }
    if pruned.get() > 0 {
        found(Found::Pruned(pruned.get()));
    }
}

/// What a file that is neither a folder nor a regular file is, for the reason it is skipped.
fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    if file_type.is_symlink() {
        return "a symbolic link";
    }
    "a special file"
}

pub(super) fn why_not_a_log(path: &Path) -> Option<&'static str> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "aws-logs-write-test" {
        return Some("CloudWatch Logs export marker");
    }
    if name.starts_with('.') {
        return Some("hidden file");
    }
    path.components().find_map(|c| {
        let part = c.as_os_str().to_str().unwrap_or("");
        NOT_LOGS.iter().find(|(folder, _)| part == *folder).map(|(_, why)| *why)
    })
}
