//! Pruning: what goes when a function has too many versions or bytes, and the cleanup of
//! what interrupted writers leave behind.

use super::error::StoreError;
use super::fsio::{fsync_dir, remove_any, tree_size, unique_suffix};
use super::function_store::{FunctionStore, StoreLock};
use super::layout::{
    foreign_entry, CURRENT_TEMP_PREFIX, MAX_FUNCTION_BYTES, MAX_VERSIONS, STALE_TEMP_FILE_AGE,
    TEMP_PREFIX,
};
use std::fs;
use std::io;
use std::path::Path;
use std::time::SystemTime;

/// What one [`FunctionStore::prune_report`] removed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PruneReport {
    /// Version numbers removed, ascending.
    pub versions: Vec<u32>,
    /// Temporary entries left by interrupted writers.
    pub temp_entries: usize,
    /// Bytes of all the removed files.
    pub bytes: u64,
}

impl FunctionStore {
    /// Removes leftovers of interrupted writers and the versions over the limits; returns the
    /// removed version numbers. See [`FunctionStore::prune_report`].
    pub fn prune(&self, lock: &StoreLock) -> Result<Vec<u32>, StoreError> {
        self.prune_report(lock).map(|r| r.versions)
    }

    /// Removes every temporary entry of `create`/`set_current`/`prune` (under the lock they
    /// all belong to dead writers), stale temp files of [`write_atomic`] inside versions, then
    /// the oldest versions while there are more than [`MAX_VERSIONS`] or more than
    /// [`MAX_FUNCTION_BYTES`]. Never removes the current version or its parent, and no version
    /// at all while `current` is damaged.
    pub fn prune_report(&self, lock: &StoreLock) -> Result<PruneReport, StoreError> {
        self.check_lock(lock)?;
        let mut report = PruneReport::default();
        // Only a folder that looks exactly like one POET made is pruned: user files that
        // happen to be named `v1` or `.tmp-x` are never taken for versions.
        if self.dir.exists() {
            if let Some(why) = foreign_entry(&self.dir) {
                return Err(StoreError::NotAStore {
                    root: self.dir.clone(),
                    detail: format!("the function folder does not look like POET's: {why}"),
                });
            }
        }
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(report),
            Err(e) => return Err(StoreError::io(&self.dir, "list", e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(TEMP_PREFIX) || name.starts_with(CURRENT_TEMP_PREFIX) {
                let path = entry.path();
                let bytes = tree_size(&path);
                remove_any(&path).map_err(|e| StoreError::io(&path, "remove", e))?;
                report.temp_entries += 1;
                report.bytes = report.bytes.saturating_add(bytes);
            }
        }
        let versions = self.versions()?;
        for &v in &versions {
            self.remove_stale_temp_files(&self.version_dir(v), &mut report);
        }

        let Ok(current) = self.current() else {
            return Ok(report);
        };
        let protected: Vec<u32> = current
            .into_iter()
            .chain(current.and_then(|c| self.read_parent(c)))
            .collect();
        let sized: Vec<(u32, u64)> = versions
            .iter()
            .map(|&v| (v, tree_size(&self.version_dir(v))))
            .collect();
        let mut count = sized.len();
        let mut total: u64 = sized.iter().map(|(_, s)| s).sum();
        for (v, size) in sized {
            if count <= MAX_VERSIONS && total <= MAX_FUNCTION_BYTES {
                break;
            }
            if protected.contains(&v) {
                continue;
            }
            self.remove_version(v)?;
            count -= 1;
            total = total.saturating_sub(size);
            report.versions.push(v);
            report.bytes = report.bytes.saturating_add(size);
        }
        Ok(report)
    }

    fn remove_stale_temp_files(&self, dir: &Path, report: &mut PruneReport) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with('.') && name.contains(".tmp-")) {
                continue;
            }
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            let old = meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age >= STALE_TEMP_FILE_AGE);
            if meta.is_file() && old && fs::remove_file(entry.path()).is_ok() {
                report.temp_entries += 1;
                report.bytes = report.bytes.saturating_add(meta.len());
            }
        }
    }

    /// Renames `v<v>` out of sight first, so that a crash during the removal leaves a temp
    /// directory for the next prune instead of a half-deleted version.
    fn remove_version(&self, v: u32) -> Result<(), StoreError> {
        let dir = self.version_dir(v);
        let doomed = self
            .dir
            .join(format!("{TEMP_PREFIX}pruned-v{v}-{}", unique_suffix()));
        fs::rename(&dir, &doomed).map_err(|e| StoreError::io(&dir, "remove", e))?;
        fsync_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, "sync", e))?;
        // The version is already gone from view; a failure here leaves a temp directory.
        let _ = fs::remove_dir_all(&doomed);
        Ok(())
    }

    /// Bytes of all the version directories (not feedback, not temp entries).
    pub fn size_bytes(&self) -> u64 {
        self.versions()
            .unwrap_or_default()
            .into_iter()
            .map(|v| tree_size(&self.version_dir(v)))
            .fold(0, u64::saturating_add)
    }
}
