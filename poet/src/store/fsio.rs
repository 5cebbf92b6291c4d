//! File-system primitives of the store: bounded reads, crash-safe writes, directory fsync,
//! symlinks and temporary names.

use super::error::StoreError;
use super::layout::MAX_FILE_BYTES;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A suffix no other writer uses at the same time: the process id tells processes apart, the
/// counter threads of one process, the clock reruns of a recycled process id.
pub(crate) fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{nanos}-{n}", std::process::id())
}

/// Reads a whole file, refusing anything over [`MAX_FILE_BYTES`] so a corrupted or hostile
/// store cannot make a run allocate without bound.
pub(crate) fn read_limited(path: &Path) -> Result<Vec<u8>, StoreError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(StoreError::io(path, "open", e)),
    };
    let meta = file
        .metadata()
        .map_err(|e| StoreError::io(path, "inspect", e))?;
    if meta.is_dir() {
        return Err(StoreError::io(
            path,
            "read",
            io::Error::other("it is a directory, not a file"),
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(StoreError::TooBig {
            path: path.to_path_buf(),
            size: meta.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The length can change between stat and read; the `take` keeps the bound regardless.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| StoreError::io(path, "read", e))?;
    let size = bytes.len() as u64;
    if size > MAX_FILE_BYTES {
        return Err(StoreError::TooBig {
            path: path.to_path_buf(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(bytes)
}

/// Creates `path` (which must not exist), writes `bytes` and fsyncs the file.
pub(crate) fn write_new_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Replaces `path` with `bytes` so that a reader, or the file after a crash, holds either the
/// old content or the new one, never a mix: the bytes go to a temporary file in the same
/// directory, which is fsynced and renamed over `path`; then the directory is fsynced so the
/// rename itself is durable.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        unique_suffix()
    ));
    let result = write_new_file(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, path))
        .and_then(|()| fsync_dir(dir));
    if result.is_err() {
        // Best effort: a leftover temp file is also removed by the next prune.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Makes the entries of `dir` (creations, renames, removals) durable.
#[cfg(unix)]
pub(crate) fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Windows offers no way to fsync a directory through std; NTFS journals its metadata.
#[cfg(not(unix))]
pub(crate) fn fsync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
pub(crate) fn make_symlink(target: &str, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
pub(crate) fn make_symlink(target: &str, link: &Path) -> io::Result<()> {
    std::os::windows::fs::symlink_dir(target, link)
}

#[cfg(not(any(unix, windows)))]
pub(crate) fn make_symlink(_target: &str, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "this platform has no symbolic links",
    ))
}

/// Bytes of the regular files under `path` (symlinks are not followed). Version directories
/// are flat; the depth bound only guards against odd trees put there by hand.
pub(crate) fn tree_size(path: &Path) -> u64 {
    fn walk(path: &Path, depth: u32) -> u64 {
        let Ok(meta) = fs::symlink_metadata(path) else {
            return 0;
        };
        if meta.is_file() {
            return meta.len();
        }
        if !meta.is_dir() || depth == 0 {
            return 0;
        }
        let Ok(entries) = fs::read_dir(path) else {
            return 0;
        };
        entries
            .flatten()
            .map(|e| walk(&e.path(), depth - 1))
            .fold(0u64, u64::saturating_add)
    }
    walk(path, 8)
}

/// Removes a file, a symlink or a whole directory tree.
pub(crate) fn remove_any(path: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    if meta.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}
