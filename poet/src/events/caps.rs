//! The caps of `pending/` (size and age, from `dana.toml`, see `settings.rs`): how much is
//! pending, and the gc that trims what is past the caps, oldest closed segments first,
//! counting every event it drops.

use super::error::EventError;
use super::event::id_timestamp_ms;
use super::maintain::{self, gc_locked, lock_consumers, remove_if_present, try_lock_segment};
use super::queue::EventQueue;
use super::record::Entry;
use super::segments::{list_segments, scan_file, ACKED_EXT, SEGMENT_EXT};
use super::settings::EventSettings;
use super::GcCounts;
use crate::store::fsync_dir;
use std::fs;
use std::time::{Duration, SystemTime};

/// How much `pending/` holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingUsage {
    pub segments: usize,
    pub bytes: u64,
    /// The age of the oldest segment (by the time in its name: when it was created).
    pub oldest_age: Option<Duration>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl EventQueue {
    /// The segments of `pending/`, their bytes and the age of the oldest.
    pub fn pending_usage(&self) -> Result<PendingUsage, EventError> {
        let mut u = PendingUsage::default();
        let now = now_ms();
        for stem in list_segments(&self.pending)? {
            let path = self.pending.join(format!("{stem}{SEGMENT_EXT}"));
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            u.segments += 1;
            u.bytes = u.bytes.saturating_add(meta.len());
            if u.oldest_age.is_none() {
                if let Some(t) = id_timestamp_ms(&stem) {
                    u.oldest_age = Some(Duration::from_millis(now.saturating_sub(t).max(0) as u64));
                }
            }
        }
        Ok(u)
    }

    /// [`EventQueue::gc`], then the caps of `pending/`: closed segments whose last write is
    /// older than the age cap are dropped, then the oldest closed segments until `pending/`
    /// fits the size cap. [`GcCounts::pending_dropped`] says how many events went. Segments
    /// still being written are never dropped.
    pub fn gc_capped(
        &self,
        retention: Duration,
        max_bytes: u64,
        settings: &EventSettings,
    ) -> Result<GcCounts, EventError> {
        let mut counts = GcCounts::default();
        if !self.root.is_dir() {
            return Ok(counts);
        }
        let lock = lock_consumers(self)?;
        gc_locked(self, &lock, retention, max_bytes, &mut counts)?;
        let mut total = self.pending_usage()?.bytes;
        let mut dropped_any = false;
        for stem in list_segments(&self.pending)? {
            let path = self.pending.join(format!("{stem}{SEGMENT_EXT}"));
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            let old = meta
                .modified()
                .ok()
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .is_some_and(|a| a > settings.max_pending_age);
            if !old && total <= settings.max_pending_bytes {
                continue;
            }
            let Some(_segment_lock) = try_lock_segment(&path)? else {
                continue;
            };
            let acked = maintain::read_acked(self, &stem)?;
            let events = scan_file(&path, false)?.map_or(0, |s| {
                s.entries
                    .iter()
                    .filter(
                        |e| matches!(e, Entry::Record { event, .. } if !acked.contains(&event.id)),
                    )
                    .count()
            });
            remove_if_present(&path)?;
            remove_if_present(&self.pending.join(format!("{stem}{ACKED_EXT}")))?;
            counts.pending_dropped += events;
            total = total.saturating_sub(meta.len());
            dropped_any = true;
        }
        if dropped_any {
            fsync_dir(&self.pending).map_err(|e| EventError::io(&self.pending, "sync", e))?;
        }
        Ok(counts)
    }
}
