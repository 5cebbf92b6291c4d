//! The versions of one function: its lock, listing, loading and creating versions, moving
//! `current`, writing `state.json`/`params.json`, and rollback.

use super::dir::{validate_name, PoetDir};
use super::error::StoreError;
use super::fsio::{
    fsync_dir, make_symlink, read_limited, unique_suffix, write_atomic, write_new_file,
};
use super::layout::*;
use super::version::{
    check_code, code_hash, read_json, read_text, redact_bytes, Metadata, NewVersion, Version,
};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Component, Path, PathBuf};

impl PoetDir {
    /// The store of one function. The name is a single directory name: no separators, no
    /// `..`, no leading dot, not a name the store reserves (`events`, `domains`).
    pub fn function(&self, name: &str) -> Result<FunctionStore, StoreError> {
        validate_name(name)?;
        Ok(FunctionStore {
            name: name.to_string(),
            dir: self.root.join(name),
            root: self.root.clone(),
        })
    }
}

/// The exclusive lock of one function's store; released when dropped.
#[derive(Debug)]
pub struct StoreLock {
    pub(super) _file: File,
    pub(super) dir: PathBuf,
}

impl StoreLock {
    /// The function directory this lock protects.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The versions of one function.
#[derive(Clone, Debug)]
pub struct FunctionStore {
    pub(super) name: String,
    pub(super) dir: PathBuf,
    pub(super) root: PathBuf,
}

impl FunctionStore {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `<dir>/v<v>`, whether it exists or not.
    pub fn version_dir(&self, v: u32) -> PathBuf {
        self.dir.join(format!("v{v}"))
    }

    /// `<dir>/feedback`, holding `pending/` and `processed/`.
    pub fn feedback_dir(&self) -> PathBuf {
        self.dir.join("feedback")
    }

    /// Takes the function's exclusive lock, waiting for other holders. Creates the function's
    /// directories (and the root's `events/`) first.
    pub fn lock(&self) -> Result<StoreLock, StoreError> {
        let file = self.open_lock_file()?;
        file.lock()
            .map_err(|e| StoreError::io(&self.dir.join(LOCK_FILE), "lock", e))?;
        Ok(StoreLock {
            _file: file,
            dir: self.dir.clone(),
        })
    }

    /// Like [`FunctionStore::lock`], but `Ok(None)` instead of waiting when another holder has
    /// the lock.
    pub fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        let file = self.open_lock_file()?;
        match file.try_lock() {
            Ok(()) => Ok(Some(StoreLock {
                _file: file,
                dir: self.dir.clone(),
            })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => {
                Err(StoreError::io(&self.dir.join(LOCK_FILE), "lock", e))
            }
        }
    }

    fn open_lock_file(&self) -> Result<File, StoreError> {
        // Every store POET writes to carries the marker (see [`MARKER_FILE`]).
        fs::create_dir_all(&self.root).map_err(|e| StoreError::io(&self.root, "create", e))?;
        PoetDir::new(&self.root).ensure_marker()?;
        let feedback = self.feedback_dir();
        let events = self.root.join("events");
        for d in [
            feedback.join("pending"),
            feedback.join("processed"),
            events.join("pending"),
            events.join("processed"),
        ] {
            fs::create_dir_all(&d).map_err(|e| StoreError::io(&d, "create", e))?;
        }
        let path = self.dir.join(LOCK_FILE);
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StoreError::io(&path, "open", e))
    }

    pub(super) fn check_lock(&self, lock: &StoreLock) -> Result<(), StoreError> {
        if lock.dir == self.dir {
            return Ok(());
        }
        // The same directory may be spelled two ways (relative and absolute).
        match (fs::canonicalize(&lock.dir), fs::canonicalize(&self.dir)) {
            (Ok(a), Ok(b)) if a == b => Ok(()),
            _ => Err(StoreError::WrongLock {
                function: self.name.clone(),
                locked: lock.dir.clone(),
            }),
        }
    }

    /// The version numbers present, ascending: directories named `v<N>`, damaged or not.
    pub fn versions(&self) -> Result<Vec<u32>, StoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io(&self.dir, "list", e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(&self.dir, "list", e))?;
            let Some(n) = entry.file_name().to_str().and_then(parse_version_name) else {
                continue;
            };
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                out.push(n);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The version `current` points at; `None` when there is no `current`. An error when it
    /// is not a symlink, points elsewhere than a sibling `v<N>`, or dangles.
    pub fn current(&self) -> Result<Option<u32>, StoreError> {
        let path = self.dir.join(CURRENT_LINK);
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io(&path, "inspect", e)),
        };
        if !meta.file_type().is_symlink() {
            let kind = if meta.is_dir() {
                "a directory"
            } else {
                "a file"
            };
            return Err(StoreError::BadCurrent {
                path,
                detail: format!("is {kind}, not a symlink to a version directory"),
            });
        }
        let target = fs::read_link(&path).map_err(|e| StoreError::io(&path, "read", e))?;
        let shown = target.display().to_string();
        let mut components = target.components();
        let n = match (components.next(), components.next()) {
            (Some(Component::Normal(c)), None) => c.to_str().and_then(parse_version_name),
            _ => None,
        };
        let Some(n) = n else {
            return Err(StoreError::BadCurrent {
                path,
                detail: format!("points at {shown:?}, not at a version directory like \"v3\""),
            });
        };
        if !self.version_dir(n).is_dir() {
            return Err(StoreError::DanglingCurrent {
                path,
                target: shown,
            });
        }
        Ok(Some(n))
    }

    /// The folder of version `v`, which must exist.
    pub(super) fn existing_version_dir(&self, v: u32) -> Result<PathBuf, StoreError> {
        let dir = self.version_dir(v);
        if !dir.is_dir() {
            return Err(StoreError::NoSuchVersion {
                function: self.name.clone(),
                version: v,
                available: self.versions().unwrap_or_default(),
            });
        }
        Ok(dir)
    }

    /// Loads version `v`, checking every file (see the module documentation).
    pub fn load(&self, v: u32) -> Result<Version, StoreError> {
        let dir = self.existing_version_dir(v)?;
        let code_path = dir.join(CODE_FILE);
        let code = read_text(&code_path)?;
        let params = read_json(&dir.join(PARAMS_FILE))?;
        let state = read_json(&dir.join(STATE_FILE))?;
        let meta_path = dir.join(METADATA_FILE);
        let meta_value = read_json(&meta_path)?;
        let metadata: Metadata =
            serde_json::from_value(meta_value.clone()).map_err(|e| StoreError::BadMetadata {
                path: meta_path.clone(),
                detail: e.to_string(),
            })?;
        if metadata.version != v {
            return Err(StoreError::VersionMismatch {
                path: meta_path,
                found: metadata.version,
                expected: v,
            });
        }
        check_code(&code_path, &code, &meta_value)?;
        Ok(Version {
            number: v,
            dir,
            code,
            params,
            state,
            metadata,
        })
    }

    /// The newest version that loads cleanly and was made for `key`.
    pub fn find_by_key(&self, key: &str) -> Option<u32> {
        let versions = self.versions().ok()?;
        versions.into_iter().rev().find(|&v| {
            // Reading the key alone first keeps a miss cheap; the full load proves the hit.
            self.read_metadata_value(v)
                .is_some_and(|m| m.get("cache_key").and_then(|k| k.as_str()) == Some(key))
                && self.load(v).is_ok()
        })
    }

    /// `metadata.json` of `v` as plain JSON, or `None` when it cannot be read.
    fn read_metadata_value(&self, v: u32) -> Option<serde_json::Value> {
        let bytes = read_limited(&self.version_dir(v).join(METADATA_FILE)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The parent recorded by `v`, read leniently: a version whose other files are damaged
    /// still names its parent.
    pub(super) fn read_parent(&self, v: u32) -> Option<u32> {
        let m = self.read_metadata_value(v)?;
        u32::try_from(m.get("parent")?.as_u64()?).ok()
    }

    /// Stores a new version, makes it current and prunes old ones; returns its number.
    pub fn create(&self, lock: &StoreLock, new: NewVersion) -> Result<u32, StoreError> {
        self.check_lock(lock)?;
        let NewVersion {
            code,
            params,
            state,
            mut metadata,
        } = new;
        // Nothing a store holds may carry the API key (an endpoint may echo it back).
        let code = dana_llm::redact_secrets(&code).into_owned();
        let local_max = self.versions()?.last().copied().unwrap_or(0);
        let backend = self.backend();
        let number = match backend
            .as_ref()
            .and_then(|b| b.reserve(&self.name, local_max))
        {
            // A shared backend numbers versions for every replica (above the local ones).
            Some(n) if n > local_max && !self.version_dir(n).exists() => n,
            _ => local_max
                .checked_add(1)
                .ok_or_else(|| StoreError::VersionOverflow {
                    function: self.name.clone(),
                })?,
        };
        let final_dir = self.version_dir(number);
        metadata.version = number;
        // A damaged `current` is no parent: the new version replaces it.
        metadata.parent = self.current().ok().flatten();
        let encode = |file: &str, value: &serde_json::Value| {
            serde_json::to_vec_pretty(value)
                .map(redact_bytes)
                .map_err(|e| StoreError::Encode {
                    path: final_dir.join(file),
                    detail: e.to_string(),
                })
        };
        let mut meta_value = serde_json::to_value(&metadata).map_err(|e| StoreError::Encode {
            path: final_dir.join(METADATA_FILE),
            detail: e.to_string(),
        })?;
        if let Some(obj) = meta_value.as_object_mut() {
            obj.insert(CODE_HASH_KEY.to_string(), code_hash(&code).into());
        }
        let files = [
            (PARAMS_FILE, encode(PARAMS_FILE, &params)?),
            (STATE_FILE, encode(STATE_FILE, &state)?),
            (METADATA_FILE, encode(METADATA_FILE, &meta_value)?),
            (CODE_FILE, code.into_bytes()),
        ];
        let size: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
        if size > MAX_FUNCTION_BYTES {
            return Err(StoreError::FunctionTooLarge {
                function: self.name.clone(),
                size,
                limit: MAX_FUNCTION_BYTES,
            });
        }
        let tmp = self
            .dir
            .join(format!("{TEMP_PREFIX}v{number}-{}", unique_suffix()));
        let written = (|| -> Result<(), StoreError> {
            fs::create_dir(&tmp).map_err(|e| StoreError::io(&tmp, "create", e))?;
            for (name, bytes) in &files {
                let path = tmp.join(name);
                write_new_file(&path, bytes).map_err(|e| StoreError::io(&path, "write", e))?;
            }
            fsync_dir(&tmp).map_err(|e| StoreError::io(&tmp, "sync", e))?;
            fs::rename(&tmp, &final_dir).map_err(|e| StoreError::io(&final_dir, "create", e))?;
            fsync_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, "sync", e))
        })();
        if let Err(e) = written {
            // Best effort: prune removes whatever is left.
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        self.point_current(lock, number)?;
        if let Some(b) = backend {
            if let Ok(files) = self.read_files(number) {
                b.created(&self.name, &files);
            }
        }
        // Housekeeping only: the version is stored and current; surplus versions that cannot
        // be removed now stay until the next prune or `dana poet gc`.
        let _ = self.prune(lock);
        Ok(number)
    }

    /// Points `current` at `v<v>`, atomically (and tells the store's shared backend).
    pub fn set_current(&self, lock: &StoreLock, v: u32) -> Result<(), StoreError> {
        self.point_current(lock, v)?;
        if let Some(b) = self.backend() {
            b.current_moved(&self.name, v);
        }
        Ok(())
    }

    /// Points `current` at `v<v>`, atomically, telling no backend.
    pub(super) fn point_current(&self, lock: &StoreLock, v: u32) -> Result<(), StoreError> {
        self.check_lock(lock)?;
        if !self.version_dir(v).is_dir() {
            return Err(StoreError::NoSuchVersion {
                function: self.name.clone(),
                version: v,
                available: self.versions().unwrap_or_default(),
            });
        }
        let tmp = self
            .dir
            .join(format!("{CURRENT_TEMP_PREFIX}{}", std::process::id()));
        // Left by an earlier process that had the same id and died here.
        let _ = fs::remove_file(&tmp);
        make_symlink(&format!("v{v}"), &tmp).map_err(|e| StoreError::io(&tmp, "create", e))?;
        let link = self.dir.join(CURRENT_LINK);
        if let Err(e) = fs::rename(&tmp, &link) {
            let _ = fs::remove_file(&tmp);
            return Err(StoreError::io(&link, "replace", e));
        }
        fsync_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, "sync", e))
    }

    /// Replaces `state.json` of `v` atomically. Needs no lock.
    pub fn write_state(&self, v: u32, state: &serde_json::Value) -> Result<(), StoreError> {
        self.write_json_file(v, STATE_FILE, state)
    }

    /// Replaces `params.json` of `v` atomically. Needs no lock.
    pub fn write_params(&self, v: u32, params: &serde_json::Value) -> Result<(), StoreError> {
        self.write_json_file(v, PARAMS_FILE, params)
    }

    fn write_json_file(
        &self,
        v: u32,
        file: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let dir = self.existing_version_dir(v)?;
        let path = dir.join(file);
        let bytes = serde_json::to_vec_pretty(value)
            .map(redact_bytes)
            .map_err(|e| StoreError::Encode {
                path: path.clone(),
                detail: e.to_string(),
            })?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(StoreError::TooBig {
                path,
                size: bytes.len() as u64,
                limit: MAX_FILE_BYTES,
            });
        }
        write_atomic(&path, &bytes).map_err(|e| StoreError::io(&path, "write", e))
    }

    /// Makes an earlier version current again and returns it. Without `to`: the current
    /// version's parent, else the highest version below current that loads cleanly. The
    /// target must load cleanly. With `to`, a damaged `current` is repaired too.
    pub fn rollback(&self, lock: &StoreLock, to: Option<u32>) -> Result<u32, StoreError> {
        self.check_lock(lock)?;
        let current = match (self.current(), to) {
            (Ok(c), _) => c,
            (Err(_), Some(_)) => None,
            (Err(e), None) => return Err(e),
        };
        let target = match to {
            Some(t) => {
                self.load(t).map_err(|e| StoreError::RollbackTarget {
                    function: self.name.clone(),
                    version: t,
                    source: Box::new(e),
                })?;
                t
            }
            None => {
                let cur = current.ok_or_else(|| StoreError::NoCurrent {
                    function: self.name.clone(),
                })?;
                self.default_rollback_target(cur)?
                    .ok_or_else(|| StoreError::NoRollbackTarget {
                        function: self.name.clone(),
                        current: cur,
                    })?
            }
        };
        if current != Some(target) {
            self.set_current(lock, target)?;
        }
        Ok(target)
    }

    fn default_rollback_target(&self, cur: u32) -> Result<Option<u32>, StoreError> {
        if let Some(p) = self.read_parent(cur) {
            if p != cur && self.load(p).is_ok() {
                return Ok(Some(p));
            }
        }
        Ok(self
            .versions()?
            .into_iter()
            .rev()
            .filter(|&v| v < cur)
            .find(|&v| self.load(v).is_ok()))
    }
}
