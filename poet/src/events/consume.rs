//! Consuming the queue: a batch of pending events handed to a consumer under the consumer
//! lock and moved to `processed/` once it has handled them, and the heartbeat that tells
//! writers a worker is alive.
//!
//! The lock is held from reading the batch to moving it, so two consumers never handle the
//! same event. A consumer killed in between moved nothing: the next one gets the whole batch
//! again (delivery is at least once; handlers are idempotent by event id).

use super::error::EventError;
use super::maintain::{lock_consumers, mark_processed_locked, read_acked};
use super::queue::EventQueue;
use super::record::Entry;
use super::segments::{list_segments, scan_file, sort_events, SEGMENT_EXT};
use super::Event;
use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::time::{Duration, SystemTime};

/// The heartbeat file of a running worker, in `events/`.
const HEARTBEAT: &str = "worker.alive";
/// A heartbeat older than this is a worker gone.
const HEARTBEAT_FRESH: Duration = Duration::from_secs(60);

impl EventQueue {
    /// Hands at most `max` of the oldest pending events to `handle` under the consumer lock;
    /// when it returns `Ok`, moves them to `processed/`. Returns how many were handled (0: none
    /// pending). An `Err` of the handler leaves them pending and is returned.
    pub fn consume<E: From<EventError>>(
        &self,
        max: usize,
        handle: impl FnOnce(&[Event]) -> Result<(), E>,
    ) -> Result<usize, E> {
        if !self.pending.is_dir() {
            return Ok(0);
        }
        let lock = lock_consumers(self)?;
        let (events, stems) = self.oldest_pending(max)?;
        if events.is_empty() {
            return Ok(0);
        }
        handle(&events)?;
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        mark_processed_locked(self, &lock, &ids, Some(&stems))?;
        Ok(events.len())
    }

    /// At most `max` pending events from the oldest segments (each id once, oldest first),
    /// and the segments they come from. Reads only as many segments as it needs.
    fn oldest_pending(&self, max: usize) -> Result<(Vec<Event>, Vec<String>), EventError> {
        let mut events = Vec::new();
        let mut stems = Vec::new();
        let mut seen = HashSet::new();
        for stem in list_segments(&self.pending)? {
            if events.len() >= max {
                break;
            }
            let path = self.pending.join(format!("{stem}{SEGMENT_EXT}"));
            let Some(scanned) = scan_file(&path, false)? else {
                continue;
            };
            let acked = read_acked(self, &stem)?;
            let before = events.len();
            for entry in scanned.entries {
                if let Entry::Record { event, .. } = entry {
                    if events.len() < max
                        && !acked.contains(&event.id)
                        && seen.insert(event.id.clone())
                    {
                        events.push(event);
                    }
                }
            }
            if events.len() > before {
                stems.push(stem);
            }
        }
        sort_events(&mut events);
        Ok((events, stems))
    }

    /// Says a worker is alive (its heartbeat, refreshed at every poll).
    pub fn touch_worker(&self) -> Result<(), EventError> {
        fs::create_dir_all(&self.root).map_err(|e| EventError::io(&self.root, "create", e))?;
        let path = self.root.join(HEARTBEAT);
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| EventError::io(&path, "open", e))?;
        f.set_modified(SystemTime::now())
            .map_err(|e| EventError::io(&path, "touch", e))
    }

    /// Whether a worker refreshed its heartbeat within the last minute.
    pub fn worker_alive(&self) -> bool {
        fs::metadata(self.root.join(HEARTBEAT))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|a| a < HEARTBEAT_FRESH)
    }
}
