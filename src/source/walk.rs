//! Inputs -> files: folders are walked recursively (sorted, so runs are repeatable), and the
//! files that are not trail logs are passed over with a reason.

use std::path::{Path, PathBuf};

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

pub(super) fn each_file(input: &Path, found: &mut dyn FnMut(Found)) {
    if input.as_os_str() == "-" || !input.is_dir() {
        found(Found::File { path: input.to_path_buf(), explicit: true });
        return;
    }
    let walker = walkdir::WalkDir::new(input).follow_links(true).sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(entry) => {
                let path = entry.into_path();
                match why_not_a_log(&path) {
                    Some(reason) => {
                        found(Found::Skipped(Skipped { path: display_name(&path), reason: reason.to_string() }))
                    }
                    None => found(Found::File { path, explicit: false }),
                }
            }
            Err(e) => {
                let path = e.path().map_or_else(|| display_name(input), display_name);
                let reason = if e.loop_ancestor().is_some() {
                    "symbolic link loop".to_string()
                } else {
                    format!("cannot read: {e}")
                };
                found(Found::Unreadable { path, reason });
            }
        }
    }
}

fn why_not_a_log(path: &Path) -> Option<&'static str> {
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
