//! The durable queue under `<poet_dir>/events/`: opening it, emitting (one event or a
//! batch), and reading what is pending and processed, with the damage met on the way.

use crate::events::error::EventError;
use crate::events::event::{check_event, Damage, Event, EventFilter};
use crate::events::follow::EventFollower;
use crate::events::record;
use crate::events::schema::MAX_EVENT_BYTES;
use crate::events::segments::{list_segments, scan_file, sort_events, ACKED_EXT, SEGMENT_EXT};
use crate::events::writer::ActiveSegment;
use crate::store::fsync_dir;
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Everything a read found: the events by state (oldest first, each id once, a processed copy
/// winning over a pending one) and the damage met on the way.
#[derive(Clone, Debug, Default)]
pub struct EventScan {
    pub pending: Vec<Event>,
    pub processed: Vec<Event>,
    pub damage: Vec<Damage>,
    /// Segments ending in an incomplete write (a killed writer, or one still writing).
    pub torn_tails: usize,
}

impl EventScan {
    /// Pending and processed events together, oldest first.
    pub fn all(&self) -> Vec<Event> {
        let mut all: Vec<Event> = self
            .pending
            .iter()
            .chain(&self.processed)
            .cloned()
            .collect();
        sort_events(&mut all);
        all
    }
}

/// The durable queue under `<poet_dir>/events/`. Safe to share between threads; any number of
/// processes may emit into the same directory at once.
pub struct EventQueue {
    pub(super) root: PathBuf,
    pub(super) pending: PathBuf,
    pub(super) processed: PathBuf,
    writer: Mutex<Writer>,
}

#[derive(Default)]
struct Writer {
    segment: Option<ActiveSegment>,
}

impl std::fmt::Debug for EventQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl EventQueue {
    /// The queue of the `.poet` directory `poet_dir`. Nothing is created until the first
    /// event is written; a missing directory reads as an empty queue.
    pub fn open(poet_dir: &Path) -> Result<EventQueue, EventError> {
        let root = poet_dir.join("events");
        let pending = root.join("pending");
        let processed = root.join("processed");
        for p in [poet_dir, &root, &pending, &processed] {
            match fs::metadata(p) {
                Ok(m) if !m.is_dir() => {
                    return Err(EventError::NotADirectory {
                        path: p.to_path_buf(),
                    })
                }
                _ => {}
            }
        }
        Ok(EventQueue {
            root,
            pending,
            processed,
            writer: Mutex::new(Writer::default()),
        })
    }

    /// `<poet_dir>/events`.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// The segment this queue currently appends to, if it has one.
    pub fn active_segment(&self) -> Option<PathBuf> {
        self.lock_writer()
            .segment
            .as_ref()
            .map(|s| s.path().to_path_buf())
    }

    /// Writes one event; when this returns `Ok` the event is on disk (fsynced).
    pub fn emit(&self, e: &Event) -> Result<(), EventError> {
        self.emit_batch(std::slice::from_ref(e))
    }

    /// Writes several events with one write and one fsync (group commit): all of them are
    /// durable when this returns `Ok`. Every event is checked before anything is written, so
    /// a refused event (unknown type, bad id, over [`MAX_EVENT_BYTES`]) writes none of them.
    pub fn emit_batch(&self, es: &[Event]) -> Result<(), EventError> {
        if es.is_empty() {
            return Ok(());
        }
        let mut records = Vec::with_capacity(es.len() * 512);
        for e in es {
            check_event(e)?;
            let json = serde_json::to_vec(e).map_err(|err| EventError::Encode {
                id: e.id.clone(),
                detail: err.to_string(),
            })?;
            if json.len() > MAX_EVENT_BYTES {
                return Err(EventError::TooBig {
                    id: e.id.clone(),
                    size: json.len(),
                    limit: MAX_EVENT_BYTES,
                });
            }
            record::encode(&json, &mut records);
        }
        self.append_records(&records)
    }

    /// Appends framed records (see `record::encode`) with one write and one fsync.
    pub(crate) fn append_records(&self, records: &[u8]) -> Result<(), EventError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut w = self.lock_writer();
        let reusable = w
            .segment
            .as_ref()
            .is_some_and(|s| s.accepts(records.len()) && s.in_place());
        if !reusable {
            // Dropped before a new one is made, which releases its lock: it is closed.
            w.segment = None;
        }
        let mut segment = match w.segment.take() {
            Some(s) => s,
            None => self.new_segment()?,
        };
        match segment.append(records) {
            Ok(()) => {
                w.segment = Some(segment);
                Ok(())
            }
            Err(e) => Err(EventError::io(segment.path(), "write events to", e)),
        }
    }

    /// A new segment in `pending/`, for this queue or for a writer that handles its own
    /// segments (the event sink's).
    pub(crate) fn new_segment(&self) -> Result<ActiveSegment, EventError> {
        // Made again when someone removed them (they are checked only here, rarely).
        if !self.pending.is_dir() || !self.processed.is_dir() {
            self.create_dirs()?;
        }
        ActiveSegment::create(&self.pending)
    }

    /// Pending events, oldest first, each id once. An event a crashed consumer had already
    /// copied to `processed/` may still show here (delivery is at least once).
    pub fn pending(&self) -> Result<Vec<Event>, EventError> {
        self.read_sorted(&self.pending, true)
    }

    /// Processed events, oldest first, each id once.
    pub fn processed(&self) -> Result<Vec<Event>, EventError> {
        self.read_sorted(&self.processed, false)
    }

    /// Every event of one directory, oldest first, each id once.
    fn read_sorted(&self, dir: &Path, with_acked: bool) -> Result<Vec<Event>, EventError> {
        let mut out = Vec::new();
        let filter = EventFilter::default();
        self.read_dir(
            dir,
            with_acked,
            &mut HashSet::new(),
            &mut out,
            &filter,
            &mut Vec::new(),
        )?;
        sort_events(&mut out);
        Ok(out)
    }

    /// The events of both directories that match `filter`, oldest first, each id once.
    pub fn all(&self, filter: &EventFilter) -> Result<Vec<Event>, EventError> {
        Ok(self.scan(filter)?.all())
    }

    /// Like [`EventQueue::all`], keeping the state of each event and reporting damage.
    pub fn scan(&self, filter: &EventFilter) -> Result<EventScan, EventError> {
        let mut scan = EventScan::default();
        let mut report = Vec::new();
        // Pending first: an event moved meanwhile is then seen twice rather than not at all.
        let mut pending_ids = HashSet::new();
        let torn = self.read_dir(
            &self.pending,
            true,
            &mut pending_ids,
            &mut scan.pending,
            filter,
            &mut report,
        )?;
        let mut processed_ids = HashSet::new();
        let torn = torn
            + self.read_dir(
                &self.processed,
                false,
                &mut processed_ids,
                &mut scan.processed,
                filter,
                &mut report,
            )?;
        scan.pending.retain(|e| !processed_ids.contains(&e.id));
        sort_events(&mut scan.pending);
        sort_events(&mut scan.processed);
        scan.damage = report;
        scan.torn_tails = torn;
        Ok(scan)
    }

    /// A watcher of this queue: its first [`EventFollower::poll`] returns every matching
    /// event, later ones what arrived since, reading only the bytes appended meanwhile.
    pub fn follow(&self, filter: EventFilter) -> EventFollower {
        EventFollower::new(self.pending.clone(), self.processed.clone(), filter)
    }

    fn lock_writer(&self) -> MutexGuard<'_, Writer> {
        // Nothing panics while holding the lock; a poisoned one still holds a valid state.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates the queue's directories and makes their entries durable: each directory made
    /// here is fsynced, and so is the one holding it, up to the first that already existed.
    fn create_dirs(&self) -> Result<(), EventError> {
        let mut to_sync: Vec<PathBuf> = Vec::new();
        for d in [&self.pending, &self.processed] {
            let mut missing = Vec::new();
            let mut cur = Some(d.as_path());
            while let Some(c) = cur {
                if c.as_os_str().is_empty() || c.is_dir() {
                    break;
                }
                missing.push(c.to_path_buf());
                cur = c.parent();
            }
            fs::create_dir_all(d).map_err(|e| EventError::io(d, "create", e))?;
            for m in missing {
                let parent = match m.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                to_sync.push(m);
                to_sync.push(parent);
            }
        }
        to_sync.sort();
        to_sync.dedup();
        for d in &to_sync {
            fsync_dir(d).map_err(|e| EventError::io(d, "sync", e))?;
        }
        Ok(())
    }

    /// The segments of `dir`; in `pending/` without the events their `.acked` sidecars name.
    fn read_dir(
        &self,
        dir: &Path,
        with_acked: bool,
        seen: &mut HashSet<String>,
        out: &mut Vec<Event>,
        filter: &EventFilter,
        damage: &mut Vec<Damage>,
    ) -> Result<usize, EventError> {
        let mut torn = 0;
        for stem in list_segments(dir)? {
            let path = dir.join(format!("{stem}{SEGMENT_EXT}"));
            let Some(scanned) = scan_file(&path, false)? else {
                continue;
            };
            let acked = if with_acked {
                let acked_path = dir.join(format!("{stem}{ACKED_EXT}"));
                record::read_acked(&acked_path)
                    .map_err(|e| EventError::io(&acked_path, "read", e))?
            } else {
                HashSet::new()
            };
            torn += usize::from(scanned.torn_tail);
            collect(scanned, &acked, seen, out, filter, damage);
        }
        Ok(torn)
    }
}

fn collect(
    scanned: record::Scanned,
    acked: &HashSet<String>,
    seen: &mut HashSet<String>,
    out: &mut Vec<Event>,
    filter: &EventFilter,
    damage: &mut Vec<Damage>,
) {
    for entry in scanned.entries {
        match entry {
            record::Entry::Record { event, .. } => {
                if acked.contains(&event.id) || !filter.matches(&event) {
                    continue;
                }
                if seen.insert(event.id.clone()) {
                    out.push(event);
                }
            }
            record::Entry::Damaged { damage: d, .. } => damage.push(d),
        }
    }
}
