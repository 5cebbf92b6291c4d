//! The queue's files: the names of segments, sidecars, temporaries and the lock, listing
//! the segments of a directory, scanning one, and the order events are returned in.

use crate::events::error::EventError;
use crate::events::event::Event;
use crate::events::record;
use std::fs;
use std::io;
use std::path::Path;

pub(super) const SEGMENT_EXT: &str = ".jsonl";
pub(super) const ACKED_EXT: &str = ".acked";
pub(super) const TEMP_PREFIX: &str = ".tmp-";
pub(super) const LOCK_FILE: &str = ".lock";

/// Oldest first: ids start with their millisecond timestamp; the timestamp decides for ids of
/// another shape.
pub(super) fn sort_events(events: &mut [Event]) {
    events.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then_with(|| a.id.cmp(&b.id)));
}

pub(super) fn scan_file(
    path: &Path,
    keep_raw: bool,
) -> Result<Option<record::Scanned>, EventError> {
    record::scan(path, keep_raw).map_err(|e| EventError::io(path, "read", e))
}

/// The stems of the segment files in `dir`, sorted (oldest first); a missing directory has
/// none. Hidden entries (temporary files) are not segments.
pub(super) fn list_segments(dir: &Path) -> Result<Vec<String>, EventError> {
    let mut stems = list_names(dir)?
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .filter_map(|n| n.strip_suffix(SEGMENT_EXT).map(str::to_string))
        .collect::<Vec<_>>();
    stems.sort();
    Ok(stems)
}

/// The UTF-8 entry names of `dir`; a missing directory has none.
pub(super) fn list_names(dir: &Path) -> Result<Vec<String>, EventError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(EventError::io(dir, "list", e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| EventError::io(dir, "list", e))?;
        if let Ok(name) = entry.file_name().into_string() {
            names.push(name);
        }
    }
    Ok(names)
}
