//! A `.poet` directory: probing it, its marker, and the functions it holds.

use super::error::StoreError;
use super::fsio::write_atomic;
use super::layout::{holds_versions, MARKER_FILE, RESERVED_NAMES, STORE_FORMAT};
use super::version::{hex, read_text};
use sha2::{Digest, Sha256};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A `.poet` directory. Nothing is created on disk until something is written.
#[derive(Clone, Debug)]
pub struct PoetDir {
    pub(super) root: PathBuf,
}

impl PoetDir {
    pub fn new(root: impl Into<PathBuf>) -> PoetDir {
        PoetDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/.dana-poet-store`.
    pub fn marker_path(&self) -> PathBuf {
        self.root.join(MARKER_FILE)
    }

    /// Checks, without writing anything, that the store can be used: the root is missing (it
    /// will be made at the first write) or a directory that can be listed. A root that is a
    /// file or unreadable is an error saying so.
    pub fn probe(&self) -> Result<(), StoreError> {
        match fs::metadata(&self.root) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::io(&self.root, "inspect", e)),
            Ok(m) if !m.is_dir() => {
                return Err(StoreError::NotAStore {
                    root: self.root.clone(),
                    detail: "it is a file, not a directory".into(),
                })
            }
            Ok(_) => {}
        }
        fs::read_dir(&self.root)
            .map(drop)
            .map_err(|e| StoreError::io(&self.root, "list", e))
    }

    /// Makes the store usable by the runtime: creates the root when missing and writes the
    /// marker when it is not there yet (a store made by an older dana is adopted this way, the
    /// first time a program uses it). Any failure means the store is unusable.
    pub fn open_for_use(&self) -> Result<(), StoreError> {
        self.probe()?;
        fs::create_dir_all(&self.root).map_err(|e| StoreError::io(&self.root, "create", e))?;
        self.ensure_marker()
    }

    /// Writes the marker unless one is there.
    pub fn ensure_marker(&self) -> Result<(), StoreError> {
        let path = self.marker_path();
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return Ok(());
        }
        let text = format!(
            "This directory is a dana POET version store; `dana poet gc` may prune it.\nformat {STORE_FORMAT}\n"
        );
        write_atomic(&path, text.as_bytes()).map_err(|e| StoreError::io(&path, "write", e))
    }

    /// Whether the root carries a marker this dana understands; else the reason, for the
    /// error of a destructive command. An empty marker (made by hand with `touch`) counts as
    /// format 1.
    pub fn check_marker(&self) -> Result<(), StoreError> {
        let not_a_store = |detail: String| StoreError::NotAStore {
            root: self.root.clone(),
            detail,
        };
        match fs::metadata(&self.root) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(not_a_store("it is a file, not a directory".into())),
            Err(e) => return Err(not_a_store(format!("it cannot be opened ({e})"))),
        }
        let path = self.marker_path();
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => return Err(not_a_store(format!("{MARKER_FILE} is not a regular file"))),
            Err(_) => {
                return Err(not_a_store(format!(
                    "it has no {MARKER_FILE} marker, which POET writes into every store it \
                     creates or uses"
                )))
            }
        }
        let text = read_text(&path)?;
        let format = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("format "))
            .map(|n| n.trim().parse::<u32>());
        match format {
            None => Ok(()),
            Some(Ok(n)) if n <= STORE_FORMAT => Ok(()),
            Some(Ok(n)) => Err(not_a_store(format!(
                "its marker declares store format {n}, newer than this dana's {STORE_FORMAT}"
            ))),
            Some(Err(_)) => Err(not_a_store(format!(
                "its marker {} has an unreadable format line",
                path.display()
            ))),
        }
    }

    /// `<root>/events`, holding `pending/` and `processed/`.
    pub fn events_dir(&self) -> PathBuf {
        self.root.join("events")
    }

    /// The functions in the store, sorted: directories with a valid name that hold a `v<N>`
    /// directory or a `current` entry. A missing root is an empty store.
    pub fn functions(&self) -> Result<Vec<String>, StoreError> {
        let entries = match fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io(&self.root, "list", e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(&self.root, "list", e))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if validate_name(&name).is_err() || !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if holds_versions(&entry.path()) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Hex SHA-256 of `parts`, each prefixed with its length so that `("ab", "c")` and
    /// `("a", "bc")` hash differently. Used for source hashes and cache keys.
    pub fn sha256_hex(parts: &[&str]) -> String {
        let mut h = Sha256::new();
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
        }
        hex(&h.finalize())
    }
}

/// Same as [`PoetDir::sha256_hex`].
pub fn hash_hex(parts: &[&str]) -> String {
    PoetDir::sha256_hex(parts)
}

/// A function folder's name: one directory name, not hidden, not one the store reserves.
pub(super) fn validate_name(name: &str) -> Result<(), StoreError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.contains('/') || name.contains('\\') {
        Some("it contains a path separator")
    } else if name.contains("..") {
        Some("it contains `..`")
    } else if name.starts_with('.') {
        Some("it starts with a dot")
    } else if RESERVED_NAMES.contains(&name) {
        Some("the store uses that directory itself")
    } else if name.chars().any(char::is_control) || name.contains(':') || name.contains('\0') {
        Some("it contains a control character or `:`")
    } else if name.len() > 200 {
        Some("it is longer than 200 bytes")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(StoreError::BadName {
            name: name.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for bad in [
            "", "a/b", "a\\b", "..", "a..b", ".hidden", "events", "domains", "a\nb",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        for good in ["f", "module.f", "detect_drift", "m.Type.method"] {
            assert!(validate_name(good).is_ok(), "{good:?}");
        }
    }
}
