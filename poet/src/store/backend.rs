//! The seam between a local store and a shared backend (fleet mode, docs/fleet.md).
//!
//! The local `.poet/` stays the store every call reads (a read-through cache of the shared
//! one): a backend attached to a store root is told when a version is created or `current`
//! moves there, numbers new versions so that every replica agrees on `v<N>`, and installs
//! versions made elsewhere with [`FunctionStore::install_files`] (which tells no backend, so
//! nothing echoes back). With no backend attached (the default), nothing here runs.

use super::error::StoreError;
use super::fsio::{fsync_dir, read_limited, unique_suffix, write_new_file};
use super::function_store::{FunctionStore, StoreLock};
use super::layout::*;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

/// The four files of one version, byte for byte, with its number.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionFiles {
    pub number: u32,
    /// `(file name, bytes)` for `code.na`, `params.json`, `state.json`, `metadata.json`.
    pub files: Vec<(String, Vec<u8>)>,
}

impl VersionFiles {
    /// The bytes of one file.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// `metadata.json` as JSON (`Null` when it does not parse).
    pub fn metadata(&self) -> serde_json::Value {
        self.file(METADATA_FILE)
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    /// The names of the files a version holds.
    pub fn names() -> [&'static str; 4] {
        [CODE_FILE, PARAMS_FILE, STATE_FILE, METADATA_FILE]
    }
}

/// What a shared backend hears from a local store.
pub trait Backend: Send + Sync {
    /// The number of a new version of `function`, above `local_max` (the highest local
    /// `v<N>`); `None` numbers it locally (the backend is unreachable).
    fn reserve(&self, function: &str, local_max: u32) -> Option<u32>;
    /// A version was written and made current locally.
    fn created(&self, function: &str, files: &VersionFiles);
    /// `current` of `function` moved to `v` locally (promotion, rollback).
    fn current_moved(&self, function: &str, v: u32);
    /// The learning evidence `dana poet worker` shares for `function` (its JSON), where
    /// programs in worker mode find the worker's open request; `None`: only the local file.
    fn worker_evidence(&self, _function: &str) -> Option<Vec<u8>> {
        None
    }
}

type Registry = RwLock<HashMap<PathBuf, Arc<dyn Backend>>>;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| RwLock::new(HashMap::new()))
}

fn root_key(root: &Path) -> PathBuf {
    fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf())
}

/// Attaches `backend` to the store at `root` for the rest of the process.
pub fn attach_backend(root: &Path, backend: Arc<dyn Backend>) {
    if let Ok(mut r) = registry().write() {
        r.insert(root_key(root), backend);
    }
}

/// Detaches whatever backend the store at `root` has.
pub fn detach_backend(root: &Path) {
    if let Ok(mut r) = registry().write() {
        r.remove(&root_key(root));
    }
}

/// The backend attached to `root`, if any (no path work while none is attached).
pub(crate) fn backend_for(root: &Path) -> Option<Arc<dyn Backend>> {
    let r = registry().read().ok()?;
    if r.is_empty() {
        return None;
    }
    r.get(&root_key(root)).cloned()
}

impl FunctionStore {
    /// The backend of this function's store.
    pub(super) fn backend(&self) -> Option<Arc<dyn Backend>> {
        backend_for(&self.root)
    }

    /// The raw files of version `v` (each at most [`MAX_FILE_BYTES`]).
    pub fn read_files(&self, v: u32) -> Result<VersionFiles, StoreError> {
        let dir = self.existing_version_dir(v)?;
        let mut files = Vec::new();
        for name in VersionFiles::names() {
            files.push((name.to_string(), read_limited(&dir.join(name))?));
        }
        Ok(VersionFiles { number: v, files })
    }

    /// Writes a version made elsewhere as `v<N>` (crash-safe, like a created one) and, with
    /// `make_current`, points `current` at it. A `v<N>` already present with the same files
    /// is kept (its `state.json` and `params.json` are this replica's); one with other code
    /// is replaced (the shared store is the reference). No
    /// backend is told.
    pub fn install_files(
        &self,
        lock: &StoreLock,
        files: &VersionFiles,
        make_current: bool,
    ) -> Result<(), StoreError> {
        self.check_lock(lock)?;
        let final_dir = self.version_dir(files.number);
        // Counters (`state.json`) and learned parameters change in place on each replica:
        // the same code and metadata are the same version.
        let same = self.read_files(files.number).is_ok_and(|f| {
            f.file(CODE_FILE) == files.file(CODE_FILE)
                && f.file(METADATA_FILE) == files.file(METADATA_FILE)
        });
        if !same {
            let tmp = self.dir.join(format!(
                "{TEMP_PREFIX}v{}-{}",
                files.number,
                unique_suffix()
            ));
            let written = (|| -> Result<(), StoreError> {
                fs::create_dir(&tmp).map_err(|e| StoreError::io(&tmp, "create", e))?;
                for (name, bytes) in &files.files {
                    if !VersionFiles::names().contains(&name.as_str()) {
                        continue;
                    }
                    let path = tmp.join(name);
                    write_new_file(&path, bytes).map_err(|e| StoreError::io(&path, "write", e))?;
                }
                fsync_dir(&tmp).map_err(|e| StoreError::io(&tmp, "sync", e))?;
                if final_dir.exists() {
                    let old = self.dir.join(format!(
                        "{TEMP_PREFIX}old-v{}-{}",
                        files.number,
                        unique_suffix()
                    ));
                    fs::rename(&final_dir, &old)
                        .map_err(|e| StoreError::io(&final_dir, "replace", e))?;
                    let _ = fs::remove_dir_all(&old);
                }
                fs::rename(&tmp, &final_dir)
                    .map_err(|e| StoreError::io(&final_dir, "create", e))?;
                fsync_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, "sync", e))
            })();
            if let Err(e) = written {
                let _ = fs::remove_dir_all(&tmp);
                return Err(e);
            }
        }
        if make_current && self.current().ok().flatten() != Some(files.number) {
            self.point_current(lock, files.number)?;
        }
        Ok(())
    }
}
