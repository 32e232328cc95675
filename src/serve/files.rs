//! The files the replay view may read: only those under `--root`. Every path the page sends
//! is resolved (`..` and symlinks included) and must still lie under the root; a folder
//! is refused when any link inside it leads out.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// How deep and how much of the root is listed for the page.
const LIST_DEPTH: usize = 6;
const LIST_ENTRIES: usize = 2_000;
/// How many entries a chosen folder may hold before it is refused as too large to check.
const FOLDER_ENTRIES: usize = 200_000;

#[derive(Clone, Debug)]
pub struct Root {
    /// Canonical.
    path: PathBuf,
}

impl Root {
    pub fn new(path: &Path) -> Result<Root, String> {
        let path = path.canonicalize().map_err(|e| format!("--root {}: {e}", path.display()))?;
        if !path.is_dir() {
            return Err(format!("--root {}: not a folder", path.display()));
        }
        Ok(Root { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Resolves `relative` (as the page lists it) to a canonical path under the root.
    pub fn resolve(&self, relative: &str) -> Result<PathBuf, String> {
        let candidate = Path::new(relative);
        if candidate.is_absolute() {
            return Err(format!("{relative:?}: give a path relative to the root"));
        }
        let resolved =
            self.path.join(candidate).canonicalize().map_err(|e| format!("{relative:?}: cannot be opened: {e}"))?;
        if !resolved.starts_with(&self.path) {
            return Err(format!("{relative:?} lies outside the served root"));
        }
        Ok(resolved)
    }

    /// Like [`Root::resolve`], and for a folder every file it holds, through links, must lie
    /// under the root too (the trail readers follow links).
    pub fn resolve_input(&self, relative: &str) -> Result<PathBuf, String> {
        let resolved = self.resolve(relative)?;
        if resolved.is_dir() {
            for (seen, entry) in walkdir::WalkDir::new(&resolved).follow_links(true).into_iter().enumerate() {
                if seen >= FOLDER_ENTRIES {
                    return Err(format!("{relative:?} holds more than {FOLDER_ENTRIES} entries"));
                }
                let entry = entry.map_err(|e| format!("{relative:?}: {e}"))?;
                let real = entry.path().canonicalize().map_err(|e| format!("{}: {e}", entry.path().display()))?;
                if !real.starts_with(&self.path) {
                    return Err(format!("{relative:?} links to {} outside the served root", entry.path().display()));
                }
            }
        }
        Ok(resolved)
    }

    /// The files and folders under the root, for the page's choosers (links are not
    /// followed when listing).
    pub fn list(&self) -> Value {
        let mut entries = Vec::new();
        let mut truncated = false;
        let walker = walkdir::WalkDir::new(&self.path).min_depth(1).max_depth(LIST_DEPTH).sort_by_file_name();
        for entry in walker.into_iter().filter_map(Result::ok) {
            if entries.len() >= LIST_ENTRIES {
                truncated = true;
                break;
            }
            let Ok(relative) = entry.path().strip_prefix(&self.path) else { continue };
            let Some(relative) = relative.to_str() else { continue };
            let kind = if entry.file_type().is_dir() { "dir" } else { "file" };
            entries.push(json!({ "path": relative, "kind": kind }));
        }
        json!({ "root": self.path.display().to_string(), "entries": entries, "truncated": truncated })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_outside_the_root_resolves() {
        let scratch = std::env::temp_dir().join(format!("trailwatch-root-{}", std::process::id()));
        let root_dir = scratch.join("root");
        std::fs::create_dir_all(root_dir.join("trail")).unwrap();
        std::fs::write(scratch.join("secret.json"), "{}").unwrap();
        std::fs::write(root_dir.join("trail/a.json"), "{}").unwrap();
        let root = Root::new(&root_dir).unwrap();
        assert!(root.resolve("trail/a.json").is_ok());
        assert!(root.resolve("trail/../trail/a.json").is_ok());
        assert!(root.resolve("../secret.json").unwrap_err().contains("outside"));
        assert!(root.resolve("/etc/passwd").is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(scratch.join("secret.json"), root_dir.join("link.json")).unwrap();
            assert!(root.resolve("link.json").unwrap_err().contains("outside"));
            std::os::unix::fs::symlink(&scratch, root_dir.join("trail/up")).unwrap();
            assert!(root.resolve_input("trail").unwrap_err().contains("outside"));
        }
        let listed = root.list();
        assert!(listed["entries"].as_array().unwrap().iter().any(|e| e["path"] == "trail/a.json"));
        std::fs::remove_dir_all(&scratch).unwrap();
    }
}
