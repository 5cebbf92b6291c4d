//! The consumers' side of the queue: moving events to `processed/`, compacting closed
//! segments and garbage collection. Everything here runs under the consumer lock, so two
//! consumers never rewrite the same file; writers never wait for it.

use super::error::EventError;
use super::event::{id_timestamp_ms, new_id, now_ms};
use super::queue::EventQueue;
use super::record::{self, Entry};
use super::segments::{
    list_names, list_segments, scan_file, ACKED_EXT, LOCK_FILE, SEGMENT_EXT, TEMP_PREFIX,
};
use crate::store::fsync_dir;
use crate::store::write_atomic;
use serde::Serialize;
use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// A segment temp file younger than this may belong to a writer between creating and
/// renaming it.
const TEMP_GRACE: Duration = Duration::from_secs(60);

/// What [`EventQueue::gc`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GcCounts {
    /// Files of `processed/` removed.
    pub files_removed: usize,
    /// Events in those files.
    pub events_removed: usize,
    pub bytes_freed: u64,
    /// Closed segments of `pending/` rewritten without their processed events and torn tails,
    /// or removed when nothing was left.
    pub segments_compacted: usize,
    /// Leftovers of killed writers and consumers.
    pub temp_removed: usize,
    /// Pending events dropped because `pending/` was past its size or age cap (never
    /// silently: `dana poet gc` says how many).
    pub pending_dropped: usize,
}

/// The exclusive lock of consumers, held until dropped.
pub(super) struct ConsumerLock {
    _file: File,
}

pub(super) fn lock_consumers(q: &EventQueue) -> Result<ConsumerLock, EventError> {
    let path = q.root.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| EventError::io(&path, "open", e))?;
    match file.lock() {
        Ok(()) => {}
        // Without file locks consumers are not kept apart; the writers still are safe.
        Err(e) if e.kind() == io::ErrorKind::Unsupported => {}
        Err(e) => return Err(EventError::io(&path, "lock", e)),
    }
    Ok(ConsumerLock { _file: file })
}

/// The lock of a segment when its writer is gone (`None` while a writer holds it, or where
/// locks are unsupported, which makes every segment count as being written).
pub(super) fn try_lock_segment(path: &Path) -> Result<Option<File>, EventError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(EventError::io(path, "open", e)),
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => Ok(None),
        Err(fs::TryLockError::Error(e)) => Err(EventError::io(path, "lock", e)),
    }
}

pub(super) fn mark_processed(q: &EventQueue, ids: &[String]) -> Result<(), EventError> {
    if ids.is_empty() || !q.pending.is_dir() {
        return Ok(());
    }
    let lock = lock_consumers(q)?;
    mark_processed_locked(q, &lock, ids, None)
}

/// [`mark_processed`] for a consumer already holding the lock; with `stems`, only those
/// segments of `pending/` are looked at (the consumer knows where its events are).
pub(super) fn mark_processed_locked(
    q: &EventQueue,
    _lock: &ConsumerLock,
    ids: &[String],
    stems: Option<&[String]>,
) -> Result<(), EventError> {
    if ids.is_empty() || !q.pending.is_dir() {
        return Ok(());
    }
    let targets: HashSet<&str> = ids.iter().map(String::as_str).collect();

    // 1. Find the records, byte for byte, and the segments holding them.
    let mut moved: Vec<(String, Vec<u8>)> = Vec::new();
    let mut by_segment: Vec<(String, Vec<String>)> = Vec::new();
    let mut seen = HashSet::new();
    let all = match stems {
        Some(s) => s.to_vec(),
        None => list_segments(&q.pending)?,
    };
    for stem in all {
        let path = q.pending.join(format!("{stem}{SEGMENT_EXT}"));
        let Some(scanned) = scan_file(&path, true)? else {
            continue;
        };
        let acked = read_acked(q, &stem)?;
        let mut here = Vec::new();
        for entry in scanned.entries {
            let Entry::Record { event, raw } = entry else {
                continue;
            };
            if !targets.contains(event.id.as_str()) || acked.contains(&event.id) {
                continue;
            }
            here.push(event.id.clone());
            if seen.insert(event.id.clone()) {
                moved.push((event.id, raw));
            }
        }
        if !here.is_empty() {
            by_segment.push((stem, here));
        }
    }
    if moved.is_empty() {
        return Ok(());
    }

    // 2. Their copy in processed/ is durable before anything leaves pending/.
    moved.sort();
    let mut bytes = Vec::with_capacity(moved.iter().map(|(_, r)| r.len() + 1).sum());
    for (_, raw) in &moved {
        bytes.extend_from_slice(raw);
        bytes.push(b'\n');
    }
    ensure_dir(&q.processed)?;
    let target = q.processed.join(format!("{}{SEGMENT_EXT}", new_id()));
    write_atomic(&target, &bytes).map_err(|e| EventError::io(&target, "write", e))?;

    // 3. Out of pending/: rewrite closed segments, note the ids beside open ones.
    let moved_ids: HashSet<String> = moved.into_iter().map(|(id, _)| id).collect();
    for (stem, here) in &by_segment {
        let path = q.pending.join(format!("{stem}{SEGMENT_EXT}"));
        match try_lock_segment(&path)? {
            Some(_segment_lock) => {
                compact(q, stem, &moved_ids)?;
            }
            None => append_acked(q, stem, here)?,
        }
    }
    let mut ignored = GcCounts::default();
    compact_closed(q, &mut ignored)?;
    Ok(())
}

pub(super) fn read_acked(q: &EventQueue, stem: &str) -> Result<HashSet<String>, EventError> {
    let path = q.pending.join(format!("{stem}{ACKED_EXT}"));
    record::read_acked(&path).map_err(|e| EventError::io(&path, "read", e))
}

/// Appends ids to a segment's sidecar, durably. Each append starts with a newline so that a
/// torn last line of a killed consumer never swallows the first id written after it.
fn append_acked(q: &EventQueue, stem: &str, ids: &[String]) -> Result<(), EventError> {
    let path = q.pending.join(format!("{stem}{ACKED_EXT}"));
    let existed = path.exists();
    let mut text = String::with_capacity(ids.len() * 37 + 1);
    text.push('\n');
    for id in ids {
        text.push_str(id);
        text.push('\n');
    }
    let result = OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_data()
        })
        .and_then(|()| {
            if existed {
                Ok(())
            } else {
                fsync_dir(&q.pending)
            }
        });
    result.map_err(|e| EventError::io(&path, "write", e))
}

/// Rewrites the closed segment `stem` without the events in its sidecar or in `extra`, and
/// without its torn tail; removes it when no record is left. The caller holds the segment's
/// lock, so no writer appends meanwhile. Damaged lines are kept, so they stay reported.
/// Returns whether anything changed.
fn compact(q: &EventQueue, stem: &str, extra: &HashSet<String>) -> Result<bool, EventError> {
    let path = q.pending.join(format!("{stem}{SEGMENT_EXT}"));
    let acked_path = q.pending.join(format!("{stem}{ACKED_EXT}"));
    let Some(scanned) = scan_file(&path, true)? else {
        remove_if_present(&acked_path)?;
        return Ok(false);
    };
    let acked = read_acked(q, stem)?;
    let total = scanned.entries.len();
    let mut keep = Vec::new();
    let mut kept = 0usize;
    for entry in scanned.entries {
        let raw = match entry {
            Entry::Record { event, raw } => {
                if acked.contains(&event.id) || extra.contains(&event.id) {
                    continue;
                }
                raw
            }
            Entry::Damaged { raw: Some(raw), .. } => raw,
            Entry::Damaged { raw: None, .. } => continue,
        };
        keep.extend_from_slice(&raw);
        keep.push(b'\n');
        kept += 1;
    }
    let has_sidecar = acked_path.exists();
    if kept == 0 {
        // Also a segment whose writer died before its first record.
        fs::remove_file(&path).map_err(|e| EventError::io(&path, "remove", e))?;
    } else if kept != total || scanned.torn_tail {
        write_atomic(&path, &keep).map_err(|e| EventError::io(&path, "rewrite", e))?;
    } else if !has_sidecar {
        return Ok(false);
    }
    remove_if_present(&acked_path)?;
    fsync_dir(&q.pending).map_err(|e| EventError::io(&q.pending, "sync", e))?;
    Ok(true)
}

/// Compacts every closed segment that has a sidecar.
fn compact_closed(q: &EventQueue, counts: &mut GcCounts) -> Result<(), EventError> {
    for name in list_names(&q.pending)? {
        let Some(stem) = name.strip_suffix(ACKED_EXT) else {
            continue;
        };
        let path = q.pending.join(format!("{stem}{SEGMENT_EXT}"));
        if !path.exists() {
            // The segment was removed after its sidecar was written.
            remove_if_present(&q.pending.join(&name))?;
            continue;
        }
        if let Some(_segment_lock) = try_lock_segment(&path)? {
            if compact(q, stem, &HashSet::new())? {
                counts.segments_compacted += 1;
            }
        }
    }
    Ok(())
}

pub(super) fn remove_if_present(path: &Path) -> Result<(), EventError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(EventError::io(path, "remove", e)),
    }
}

fn ensure_dir(dir: &Path) -> Result<(), EventError> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| EventError::io(dir, "create", e))?;
    if let Some(parent) = dir.parent() {
        fsync_dir(parent).map_err(|e| EventError::io(parent, "sync", e))?;
    }
    Ok(())
}

fn age(path: &Path) -> Option<Duration> {
    let modified = fs::symlink_metadata(path).ok()?.modified().ok()?;
    SystemTime::now().duration_since(modified).ok()
}

pub(super) fn gc(
    q: &EventQueue,
    retention: Duration,
    max_bytes: u64,
) -> Result<GcCounts, EventError> {
    let mut counts = GcCounts::default();
    if !q.root.is_dir() {
        return Ok(counts);
    }
    let lock = lock_consumers(q)?;
    gc_locked(q, &lock, retention, max_bytes, &mut counts)?;
    Ok(counts)
}

/// [`gc`] for a caller already holding the consumer lock.
pub(super) fn gc_locked(
    q: &EventQueue,
    _lock: &ConsumerLock,
    retention: Duration,
    max_bytes: u64,
    counts: &mut GcCounts,
) -> Result<(), EventError> {
    gc_pending(q, counts)?;
    gc_processed(q, retention, max_bytes, counts)
}

fn gc_pending(q: &EventQueue, counts: &mut GcCounts) -> Result<(), EventError> {
    compact_closed(q, counts)?;
    for name in list_names(&q.pending)? {
        let path = q.pending.join(&name);
        if name.starts_with(TEMP_PREFIX) {
            // A writer's segment being created: stale once unlocked and old.
            let old = age(&path).is_some_and(|a| a >= TEMP_GRACE);
            if old && try_lock_segment(&path)?.is_some() {
                remove_if_present(&path)?;
                counts.temp_removed += 1;
            }
        } else if name.starts_with('.') {
            // A consumer's temporary file; consumers hold the lock this gc holds.
            remove_if_present(&path)?;
            counts.temp_removed += 1;
        } else if let Some(stem) = name.strip_suffix(SEGMENT_EXT) {
            // Closed segments that end torn or hold no record.
            if let Some(_segment_lock) = try_lock_segment(&path)? {
                if compact(q, stem, &HashSet::new())? {
                    counts.segments_compacted += 1;
                }
            }
        }
    }
    fsync_dir(&q.pending)
        .or_else(ignore_missing)
        .map_err(|e| EventError::io(&q.pending, "sync", e))
}

fn ignore_missing(e: io::Error) -> io::Result<()> {
    if e.kind() == io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

fn gc_processed(
    q: &EventQueue,
    retention: Duration,
    max_bytes: u64,
    counts: &mut GcCounts,
) -> Result<(), EventError> {
    let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
    let cutoff = now_ms().saturating_sub(retention_ms);
    let mut files: Vec<(i64, String, u64)> = Vec::new();
    for name in list_names(&q.processed)? {
        let path = q.processed.join(&name);
        if name.starts_with('.') {
            remove_if_present(&path)?;
            counts.temp_removed += 1;
            continue;
        }
        let Some(stem) = name.strip_suffix(SEGMENT_EXT) else {
            continue;
        };
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        // The id in the name says when the events were processed; a file renamed by hand
        // falls back to its modification time.
        let time = id_timestamp_ms(stem).unwrap_or_else(|| {
            meta.modified()
                .ok()
                .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        });
        files.push((time, name, meta.len()));
    }
    files.sort();
    let mut total: u64 = files.iter().map(|f| f.2).fold(0, u64::saturating_add);
    let mut removed_any = false;
    for (time, name, size) in &files {
        if *time < cutoff || total > max_bytes {
            let path = q.processed.join(name);
            let events = count_lines(&path);
            remove_if_present(&path)?;
            counts.files_removed += 1;
            counts.events_removed += events;
            counts.bytes_freed = counts.bytes_freed.saturating_add(*size);
            total = total.saturating_sub(*size);
            removed_any = true;
        }
    }
    if removed_any {
        fsync_dir(&q.processed).map_err(|e| EventError::io(&q.processed, "sync", e))?;
    }
    Ok(())
}

/// The records of a processed file: its lines (those files are written whole, never torn).
fn count_lines(path: &Path) -> usize {
    let Ok(mut f) = File::open(path) else {
        return 0;
    };
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0;
    loop {
        match f.read(&mut buf) {
            Ok(0) | Err(_) => return n,
            Ok(k) => n += buf[..k].iter().filter(|&&b| b == b'\n').count(),
        }
    }
}

impl EventQueue {
    /// Moves the pending events with these ids to `processed/` (see the module doc). Ids that
    /// are not pending (already processed, unknown) are ignored, so a consumer may retry.
    pub fn mark_processed(&self, ids: &[String]) -> Result<(), EventError> {
        mark_processed(self, ids)
    }

    /// Removes processed events older than `retention`, then the oldest ones until the
    /// processed files take at most `max_bytes`; compacts closed segments and removes
    /// leftovers of killed writers. Pending events are never removed.
    pub fn gc(&self, retention: Duration, max_bytes: u64) -> Result<GcCounts, EventError> {
        gc(self, retention, max_bytes)
    }
}
