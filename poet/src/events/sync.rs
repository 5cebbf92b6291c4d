//! The syncer of the event sink (`sink.rs`): the writer appends a batch's records to the
//! current segment ([`write_batch`]) and hands it over as a [`Commit`]; the syncer makes the
//! commits durable in order on a thread of its own (one `fdatasync` per segment for all the
//! commits that queued meanwhile) and only then answers the flushes waiting on them, so the
//! writer encodes and writes the next batch while the disk takes this one.
//!
//! A failed sync cuts the segment back to what was durable and marks it broken: a partial
//! write stays the segment's last thing, the events cut off are counted lost, and the writer
//! starts a new segment.

use crate::events::error::EventError;
use crate::events::queue::EventQueue;
use crate::events::writer::ActiveSegment;
use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// What the writer thread (and its syncer) tell the sink.
#[derive(Default)]
pub(super) struct Shared {
    /// Events that could not be written.
    pub(super) lost: AtomicUsize,
    /// The first failure, until the sink reports it.
    pub(super) failure: Mutex<Option<String>>,
}

impl Shared {
    /// Keeps `e` unless an earlier failure is still to be reported.
    pub(super) fn note_failure(&self, e: String) {
        let mut f = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        f.get_or_insert(e);
    }
}

/// Whoever waits for a flush.
pub(super) type Waiter = SyncSender<Result<(), String>>;

/// A batch handed from the writer to the syncer: its records, written up to `end` of a
/// segment (`None` when nothing was written: only flushes, or a batch that failed and is
/// already counted), and who waits for it.
pub(super) struct Commit {
    pub(super) written: Option<(Arc<Segment>, u64)>,
    /// Why the batch was not written.
    pub(super) failed: Option<String>,
    pub(super) count: usize,
    pub(super) waiters: Vec<Waiter>,
}

/// A segment the writer appends to and the syncer makes durable.
pub(super) struct Segment {
    state: Mutex<SegmentState>,
    /// A second handle on the file: the syncer syncs through it without taking `state`, so
    /// the writer appends the next batch meanwhile.
    file: File,
}

struct SegmentState {
    active: ActiveSegment,
    /// The bytes known to be durable.
    synced: u64,
    /// Why a sync failed: the segment was cut back to `synced` and takes nothing more.
    broken: Option<String>,
}

impl Segment {
    fn lock(&self) -> MutexGuard<'_, SegmentState> {
        // Nothing panics while holding the lock; a poisoned one still holds a valid state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes the segment durable up to `target` (at least), for a commit that ends at `end`.
    /// Every byte up to `target` was written before this is called.
    fn sync(&self, end: u64, target: u64) -> Result<(), String> {
        {
            let st = self.lock();
            if st.synced >= end {
                return Ok(());
            }
            if let Some(why) = &st.broken {
                return Err(why.clone());
            }
        }
        let synced = self.file.sync_data();
        let mut st = self.lock();
        match synced.and_then(|()| st.active.sync_dir()) {
            Ok(()) => {
                st.synced = st.synced.max(target);
                Ok(())
            }
            Err(e) => {
                if st.broken.is_none() {
                    let why = EventError::io(st.active.path(), "write events to", e).to_string();
                    // What is not durable is cut off: a partial write stays the segment's
                    // last thing, and the writer starts a new segment.
                    let keep = st.synced;
                    st.active.cut(keep);
                    st.broken = Some(why);
                }
                Err(st.broken.clone().unwrap_or_default())
            }
        }
    }
}

/// Appends a batch's records to the current segment, or to a new one when it is full, gone,
/// broken or was left after a failure; where they end.
pub(super) fn write_batch(
    q: &EventQueue,
    current: &mut Option<Arc<Segment>>,
    records: &[u8],
) -> Result<(Arc<Segment>, u64), String> {
    let reusable = current.as_ref().is_some_and(|seg| {
        let st = seg.lock();
        st.broken.is_none() && st.active.accepts(records.len()) && st.active.in_place()
    });
    if !reusable {
        // The syncer may still hold it; it is closed (its lock released) when both let go.
        *current = None;
        let active = q.new_segment().map_err(|e| e.to_string())?;
        let file = active
            .sync_handle()
            .map_err(|e| EventError::io(active.path(), "open", e).to_string())?;
        *current = Some(Arc::new(Segment {
            state: Mutex::new(SegmentState {
                active,
                synced: 0,
                broken: None,
            }),
            file,
        }));
    }
    let Some(seg) = current.clone() else {
        return Err("no segment to write events to".into());
    };
    let end = {
        let mut st = seg.lock();
        st.active
            .write(records)
            .map_err(|e| EventError::io(st.active.path(), "write events to", e).to_string())
    };
    match end {
        Ok(end) => Ok((seg, end)),
        Err(e) => {
            // Never appended again: a partial write may sit at its end.
            *current = None;
            Err(e)
        }
    }
}

/// Makes the writer's batches durable: on a thread of its own when it can have one (the
/// writer then encodes and writes the next batch during the sync), else on the writer's.
pub(super) enum Syncer {
    Thread {
        tx: SyncSender<Commit>,
        handle: JoinHandle<()>,
    },
    Inline(Arc<Shared>),
}

/// Batches written and not yet handed to the sync: the writer waits for the syncer beyond
/// this, so what a `kill -9` can find unsynced stays bounded.
pub(super) const SYNC_QUEUE: usize = 2;

impl Syncer {
    pub(super) fn start(shared: &Arc<Shared>) -> Syncer {
        let (tx, rx) = mpsc::sync_channel::<Commit>(SYNC_QUEUE);
        let on_thread = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("dana-poet-fsync".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut commits = vec![first];
                    commits.extend(rx.try_iter());
                    sync_commits(commits, &on_thread);
                }
            });
        match spawned {
            Ok(handle) => Syncer::Thread { tx, handle },
            Err(_) => Syncer::Inline(shared.clone()),
        }
    }

    pub(super) fn hand(&self, c: Commit) {
        match self {
            Syncer::Thread { tx, .. } => {
                // The thread only ends when this sender is dropped.
                let _ = tx.send(c);
            }
            Syncer::Inline(shared) => sync_commits(vec![c], shared),
        }
    }

    pub(super) fn finish(self) {
        if let Syncer::Thread { tx, handle } = self {
            drop(tx);
            let _ = handle.join();
        }
    }
}

/// Makes `commits` durable in order and answers their waiters: one sync per segment, to the
/// furthest end any of them reached (all were written before it starts), so batches that
/// queued during a sync share the next one.
fn sync_commits(commits: Vec<Commit>, shared: &Shared) {
    let targets: Vec<u64> = commits
        .iter()
        .map(|c| match &c.written {
            Some((seg, _)) => commits
                .iter()
                .filter_map(|o| o.written.as_ref())
                .filter(|(s, _)| Arc::ptr_eq(s, seg))
                .map(|&(_, end)| end)
                .max()
                .unwrap_or(0),
            None => 0,
        })
        .collect();
    for (c, target) in commits.into_iter().zip(targets) {
        let result = match &c.written {
            Some((seg, end)) => {
                let r = seg.sync(*end, target);
                if let Err(e) = &r {
                    shared.lost.fetch_add(c.count, Ordering::Relaxed);
                    shared.note_failure(e.clone());
                }
                r
            }
            // Counted and noted by the writer already.
            None => c.failed.map_or(Ok(()), Err),
        };
        for w in c.waiters {
            let _ = w.send(result.clone());
        }
    }
}
