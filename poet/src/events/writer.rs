//! The segment a queue appends to: created locked, appended with one `fdatasync` per commit,
//! abandoned (never appended again) after any failure or once it is large enough.
//!
//! The directory entry of a new segment is made durable by its first commit, after the
//! `fdatasync` of the records: on ext4 (and other journaling file systems) that sync has
//! already committed the rename with the data, so the directory's sync finds nothing left to
//! write, where syncing it at creation cost a journal commit of its own per segment. No record
//! is acknowledged before both are done, so a crash before them loses only unacknowledged
//! records (the file may then come back under its temporary name, which `gc` removes).

use super::error::EventError;
use super::event::new_id;
use super::segments::{SEGMENT_EXT, TEMP_PREFIX};
use crate::store::fsync_dir;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A segment is closed once it holds this many bytes: consumers rewrite a whole segment when
/// they remove events from it, so segments stay small enough to copy quickly.
pub(crate) const SEGMENT_MAX_BYTES: u64 = 4 << 20;

pub(crate) struct ActiveSegment {
    /// Holds the exclusive lock that tells consumers the segment is still being written.
    file: File,
    path: PathBuf,
    len: u64,
    /// Whether the directory entry is known to be durable (after the first commit).
    dir_synced: bool,
    /// Device and inode, to notice the file being removed or replaced behind the writer's back.
    #[cfg(unix)]
    identity: (u64, u64),
}

impl ActiveSegment {
    /// Creates `pending/<new id>.jsonl`. The file is made and locked under a temporary name and
    /// only then renamed into place, so no consumer ever sees it unlocked while its writer lives.
    pub(crate) fn create(pending: &Path) -> Result<ActiveSegment, EventError> {
        let stem = new_id();
        let path = pending.join(format!("{stem}{SEGMENT_EXT}"));
        let tmp = pending.join(format!("{TEMP_PREFIX}{stem}{SEGMENT_EXT}"));
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| EventError::io(&tmp, "create", e))?;
        // The directory is synced by the first commit (see the top of this file).
        let placed = lock_new(&file).and_then(|()| fs::rename(&tmp, &path));
        if let Err(e) = placed {
            let _ = fs::remove_file(&tmp);
            return Err(EventError::io(&path, "create", e));
        }
        #[cfg(unix)]
        let identity = {
            use std::os::unix::fs::MetadataExt;
            let meta = file
                .metadata()
                .map_err(|e| EventError::io(&path, "inspect", e))?;
            (meta.dev(), meta.ino())
        };
        Ok(ActiveSegment {
            file,
            path,
            len: 0,
            dir_synced: false,
            #[cfg(unix)]
            identity,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `bytes` more should go to this segment rather than a new one. A segment always
    /// takes its first commit, however large, so that every commit fits somewhere.
    pub(crate) fn accepts(&self, bytes: usize) -> bool {
        self.len == 0 || self.len.saturating_add(bytes as u64) <= SEGMENT_MAX_BYTES
    }

    /// Whether the file at the segment's path is still the one this writer holds. Someone
    /// deleting `pending/` by hand would otherwise make every later event vanish silently.
    pub(crate) fn in_place(&self) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            fs::symlink_metadata(&self.path).is_ok_and(|m| (m.dev(), m.ino()) == self.identity)
        }
        #[cfg(not(unix))]
        {
            self.path.exists()
        }
    }

    /// Appends `bytes` (whole records) and makes them durable, with the segment's directory
    /// entry the first time. On failure the segment must be dropped: a partial write may sit
    /// at its end, and that must stay its tail.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        let result = self
            .file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data())
            .and_then(|()| self.sync_dir());
        match result {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                // Best effort: cut a partial record off so it is not even a torn tail.
                self.cut(self.len);
                Err(e)
            }
        }
    }

    /// Appends `bytes` (whole records) without making them durable: [`ActiveSegment::sync`]
    /// does, later, maybe on another thread through [`ActiveSegment::sync_handle`]. The length
    /// of the segment afterwards; on failure the segment must be dropped, as after
    /// [`ActiveSegment::append`].
    pub(crate) fn write(&mut self, bytes: &[u8]) -> io::Result<u64> {
        match self.file.write_all(bytes) {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(self.len)
            }
            Err(e) => {
                self.cut(self.len);
                Err(e)
            }
        }
    }

    /// Another handle on the segment's file, to sync it without holding the segment.
    pub(crate) fn sync_handle(&self) -> io::Result<File> {
        self.file.try_clone()
    }

    /// Cuts the segment back to `len` bytes (best effort): what was written after it is not
    /// even a torn tail. The segment must then be dropped.
    pub(crate) fn cut(&mut self, len: u64) {
        if self.file.set_len(len).is_ok() {
            let _ = self.file.sync_data();
            self.len = len;
        }
    }

    /// Makes the directory entry durable, the first time (after the first sync of records).
    pub(crate) fn sync_dir(&mut self) -> io::Result<()> {
        if !self.dir_synced {
            if let Some(dir) = self.path.parent() {
                fsync_dir(dir)?;
            }
            self.dir_synced = true;
        }
        Ok(())
    }
}

/// Locks a file nobody else can have opened yet. Where the platform has no file locks the
/// segment goes unlocked; consumers then treat every segment as possibly active (see
/// `maintain::try_lock`), which is slower but just as safe.
fn lock_new(file: &File) -> io::Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => Ok(()),
        Err(fs::TryLockError::Error(e)) => Err(e),
        Err(fs::TryLockError::WouldBlock) => Err(io::Error::other(
            "a new segment file is locked by someone else",
        )),
    }
}
