//! `dana poet worker` with the Redis backend: the store's event stream is consumed in the
//! consumer group [`WORKER_GROUP`] (`XREADGROUP`), a dead worker's entries are taken over
//! (`XAUTOCLAIM` after `claim_idle`), each function's events are folded into the evidence the
//! workers share in Redis under a lock per function, and the entries are acknowledged
//! (`XACK`) only once the evidence and the applied event ids are written (one transaction).
//! Event ids are the idempotency key: an event delivered twice (claimed after a crash between
//! the write and the acknowledgement, or added twice) is applied once.
//!
//! Decisions go to the shared store through the backend attached to the worker's local store
//! (promotions and rollbacks reach every replica); their events are spooled locally and
//! forwarded to the stream.

use super::{fold_and_decide, WorkerReport};
use crate::events::{Event, EventQueue};
use crate::fleet::stream::{self, StreamEvent};
use crate::fleet::worker::WORKER_GROUP;
use crate::fleet::{Fleet, FleetError};
use crate::learn::evidence::Evidence;
use crate::store::PoetDir;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

/// One worker of the fleet.
pub struct SharedWorker<'a> {
    pub fleet: &'a Fleet,
    /// Its name in the consumer group (unique per process).
    pub consumer: String,
    /// Entries another consumer read and did not acknowledge for this long are taken over.
    pub claim_idle: Duration,
    /// How long a read waits for new entries (at least 1 ms).
    pub block: Duration,
}

fn text(e: FleetError) -> String {
    e.to_string()
}

impl SharedWorker<'_> {
    /// Creates the consumer group when it is missing.
    pub fn join(&self) -> Result<(), String> {
        stream::ensure_group(self.fleet, WORKER_GROUP).map_err(text)
    }

    /// Consumes one batch of at most `max` entries (a dead worker's first, then new ones);
    /// `events == 0` when none came.
    pub fn run_batch(&self, dir: &PoetDir, max: usize) -> Result<WorkerReport, String> {
        let fleet = self.fleet;
        let max = max.max(1);
        let mut entries =
            stream::claim_stale(fleet, WORKER_GROUP, &self.consumer, self.claim_idle, max)
                .map_err(text)?;
        let mut report = WorkerReport {
            claimed: entries.len(),
            ..WorkerReport::default()
        };
        if entries.len() < max {
            let block = self.block.max(Duration::from_millis(1));
            entries.extend(
                stream::consume_batch(
                    fleet,
                    WORKER_GROUP,
                    &self.consumer,
                    max - entries.len(),
                    block,
                )
                .map_err(text)?,
            );
        }
        if entries.is_empty() {
            return Ok(report);
        }
        self.apply(dir, &entries, &mut report)?;
        let acked: Vec<String> = entries.iter().map(|e| e.entry.clone()).collect();
        stream::ack(fleet, WORKER_GROUP, &acked).map_err(text)?;
        report.events = entries.len();
        Ok(report)
    }

    /// Folds the entries not applied before; marks every one applied.
    fn apply(
        &self,
        dir: &PoetDir,
        entries: &[StreamEvent],
        report: &mut WorkerReport,
    ) -> Result<(), String> {
        let fleet = self.fleet;
        let ids: Vec<&str> = entries.iter().map(|e| e.event.id.as_str()).collect();
        let applied = fleet.applied(&ids).map_err(text)?;
        let mut seen = HashSet::new();
        let mut by_fn: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
        let mut other = Vec::new();
        for (e, done) in entries.iter().map(|s| &s.event).zip(applied) {
            if done || !seen.insert(e.id.as_str()) {
                report.duplicates += 1;
                continue;
            }
            match e.function_name() {
                Some(name)
                    if matches!(e.kind.as_str(), "function.execution" | "function.feedback") =>
                {
                    by_fn.entry(name).or_default().push(e)
                }
                _ => other.push(e.id.as_str()),
            }
        }
        let mut out = Vec::new();
        for (name, evs) in by_fn {
            let ids: Vec<&str> = evs.iter().map(|e| e.id.as_str()).collect();
            let Ok(store) = dir.function(name) else {
                report.skipped += evs.len();
                fleet.mark_applied(&ids).map_err(text)?;
                continue;
            };
            let lock = fleet.lock_evidence(name).map_err(text)?;
            {
                // The worker decides on the shared current, not on what its cache last saw.
                let local = store.lock().map_err(|e| e.to_string())?;
                fleet.sync_function(&store, &local, None).map_err(text)?;
            }
            let prior = fleet.evidence(name).map_err(text)?;
            let mut saved = false;
            let load = || prior.and_then(|b| serde_json::from_slice::<Evidence>(&b).ok());
            let save = |ev: &Evidence| -> Result<(), String> {
                let bytes = serde_json::to_vec(ev).map_err(|e| e.to_string())?;
                fleet
                    .save_evidence(&lock, name, &bytes, &ids)
                    .map_err(text)?;
                saved = true;
                Ok(())
            };
            fold_and_decide(dir, name, &evs, report, &mut out, load, save)?;
            if !saved {
                // No current version anywhere: nothing to fold them into.
                fleet.mark_applied(&ids).map_err(text)?;
            }
        }
        fleet.mark_applied(&other).map_err(text)?;
        if !out.is_empty() {
            // The decisions on record: spooled locally, then forwarded to the stream.
            let q = EventQueue::open(dir.root()).map_err(|e| e.to_string())?;
            q.emit_batch(&out).map_err(|e| e.to_string())?;
            stream::forward_reporting(fleet, dir.root());
        }
        Ok(())
    }
}

/// A consumer name for this process: the host name and the process id.
pub fn consumer_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "worker".into());
    format!("{host}-{}", std::process::id())
}
