//! The durable event queue of POET (POET_SPEC §6): executions, feedback, enhancements and
//! version changes, as JSON envelopes under `.poet/events/`.
//!
//! # On disk
//!
//! ```text
//! .poet/events/
//!   .lock                       exclusive file lock of consumers (mark_processed, gc)
//!   pending/
//!     <uuid>.jsonl              a segment: framed records, appended by one writer
//!     <uuid>.acked              ids of that segment already moved to processed/ (sometimes)
//!     .tmp-<uuid>.jsonl         a segment being created (locked, renamed into place at once)
//!   processed/
//!     <uuid>.jsonl              events a consumer moved, one immutable file per move
//! ```
//!
//! A **segment** is named by a fresh UUID v7, so names sort by creation time. Each line is one
//! record, `{"crc32c":"<8 hex>","event":<event JSON>}`, where the CRC-32C covers exactly the
//! bytes of the event JSON; every line is still a JSON document (`jq -c .event`).
//!
//! # Writing
//!
//! Each [`EventQueue`] appends to a segment of its own, which it creates under a temporary
//! name, locks (an exclusive `flock`) and only then renames into place, fsyncing the
//! directory. It holds that lock for as long as it writes there; no other writer ever opens
//! the segment, so its records are only ever followed by records of the same writer. A commit
//! ([`EventQueue::emit`] of one event or [`EventQueue::emit_batch`] of many) encodes every
//! record first, then makes one `write` of all of them and one `fdatasync`: the batch is group
//! committed, and `emit` returns `Ok` only once its records are on disk. After any failure the
//! writer abandons the segment (cutting a partial write off when it can) and the next commit
//! starts a new one, so a partial write can only ever be the last thing in a segment.
//! Segments are closed at 4 MiB. `benches/events.rs` measures the durable throughput.
//!
//! # Reading
//!
//! A reader checks every line: the framing, the checksum, then the JSON against the envelope.
//! Invalid lines after the last valid record are a **torn tail** (the rest of a write that a
//! kill cut short, or that a live writer has not finished): skipped silently, since no `emit`
//! that wrote them returned `Ok`. Invalid lines followed by valid records are **damage**:
//! skipped and reported in [`EventScan::damage`]. So a crash at any instant loses no
//! acknowledged event and never shows a half-written one. Readers take no lock.
//! [`EventQueue::follow`] gives a watcher that reads only the bytes appended since its last
//! poll (`dana poet events --follow`).
//!
//! # Consuming
//!
//! [`EventQueue::mark_processed`] moves events from `pending/` to `processed/` under the
//! consumer lock: it first writes their records (byte for byte) to a new file in `processed/`
//! (temporary file, fsync, rename, directory fsync), then removes them from `pending/`. A
//! segment whose writer is gone (its lock can be taken) is rewritten without them the same
//! crash-safe way, or deleted when nothing is left; for a segment still being written, the ids
//! are appended to its `<uuid>.acked` sidecar instead, and the segment is rewritten once its
//! writer has closed it. A crash between the two steps leaves an event in both directories:
//! delivery is at least once, consumers should be idempotent by event id, and readers that see
//! both copies ([`EventQueue::all`], [`EventQueue::scan`]) keep the processed one.
//!
//! [`EventQueue::gc`] removes processed files older than the retention (by the time in their
//! name: when the events were processed), then the oldest ones until `processed/` fits the
//! byte budget; it also compacts closed segments and removes leftovers of killed writers.
//! `pending/` events are never deleted by gc.

mod error;
mod follow;
mod maintain;
mod record;
mod writer;

pub use error::EventError;
pub use follow::{EventFollower, Polled};
pub use maintain::GcCounts;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use writer::ActiveSegment;

/// The event types of POET_SPEC §6; [`EventQueue::emit`] refuses any other.
pub const EVENT_TYPES: &[&str] = &[
    "function.execution",
    "function.feedback",
    "enhancement.requested",
    "enhancement.completed",
    "enhancement.failed",
    "version.promoted",
    "version.rolled_back",
];

/// The largest event, as compact JSON.
pub const MAX_EVENT_BYTES: usize = 1 << 20;
/// The envelope schema version written into every event's metadata.
pub const SCHEMA_VERSION: &str = "1.0";
/// The `service` of every event's metadata.
pub const SERVICE: &str = "dana";

const SEGMENT_EXT: &str = ".jsonl";
const ACKED_EXT: &str = ".acked";
const TEMP_PREFIX: &str = ".tmp-";
const LOCK_FILE: &str = ".lock";

/// A new UUID v7 in lowercase hyphenated form. Ids made by one process are strictly
/// increasing; across processes they are ordered by their millisecond timestamps.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// Whether `id` is a UUID written the way [`new_id`] writes them: 32 lowercase hex digits in
/// groups of 8-4-4-4-12. Segment sidecars rely on ids having exactly this shape.
pub(crate) fn is_canonical_id(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// The milliseconds since the Unix epoch in a UUID v7 (or v1/v6) id.
pub fn id_timestamp_ms(id: &str) -> Option<i64> {
    let ts = uuid::Uuid::try_parse(id).ok()?.get_timestamp()?;
    let (secs, nanos) = ts.to_unix();
    i64::try_from(secs)
        .ok()?
        .checked_mul(1000)?
        .checked_add(i64::from(nanos / 1_000_000))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The `metadata` of an envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMetadata {
    /// The envelope schema, [`SCHEMA_VERSION`].
    pub version: String,
    /// `$DANA_ENV`, or `"development"`.
    pub environment: String,
    /// [`SERVICE`].
    pub service: String,
}

impl EventMetadata {
    /// The metadata of an event made now, in this process's environment.
    pub fn current() -> EventMetadata {
        let environment = match std::env::var("DANA_ENV") {
            Ok(e) if !e.trim().is_empty() => e,
            _ => "development".to_string(),
        };
        EventMetadata {
            version: SCHEMA_VERSION.to_string(),
            environment,
            service: SERVICE.to_string(),
        }
    }
}

/// One event: the envelope of POET_SPEC §6 around a type-specific payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// UUID v7 (see [`new_id`]).
    pub id: String,
    /// One of [`EVENT_TYPES`]; `type` in JSON.
    #[serde(rename = "type")]
    pub kind: String,
    /// Milliseconds since the Unix epoch; for events made by [`Event::new`], the time in `id`.
    pub timestamp: i64,
    /// Groups the events of one flow (an execution and its feedback, a request and its
    /// outcome). A flow's first event carries its own id.
    pub correlation_id: String,
    /// The id of the event that caused this one, if any.
    pub causation_id: Option<String>,
    pub metadata: EventMetadata,
    pub payload: Value,
}

impl Event {
    /// A new event with a fresh id. Without a `correlation_id` the event starts a flow: its
    /// correlation id is its own id.
    pub fn new(
        kind: &str,
        correlation_id: Option<&str>,
        causation_id: Option<&str>,
        payload: Value,
    ) -> Event {
        let id = new_id();
        let timestamp = id_timestamp_ms(&id).unwrap_or_else(now_ms);
        Event {
            correlation_id: correlation_id.map_or_else(|| id.clone(), str::to_string),
            causation_id: causation_id.map(str::to_string),
            id,
            kind: kind.to_string(),
            timestamp,
            metadata: EventMetadata::current(),
            payload,
        }
    }

    /// The envelope as compact JSON, fields in the order of POET_SPEC §6.
    pub fn to_json(&self) -> String {
        // Serialising strings, integers and a `Value` cannot fail; the fallback is unreachable.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Makes the event fit `limit` bytes of JSON, so that one huge value (a multi-megabyte
    /// error message) never costs the event, let alone the batch it is written with. The
    /// longest strings of the payload are cut first, each keeping its start and a marker
    /// saying how many bytes were cut; a payload that still does not fit (thousands of small
    /// values) is replaced by its identifying fields and a note. Returns the bytes removed
    /// (0 when the event already fitted).
    pub fn fit(&mut self, limit: usize) -> usize {
        let before = self.to_json().len();
        let mut size = before;
        let mut rounds = 0;
        while size > limit && rounds < 64 {
            rounds += 1;
            // Cutting short strings would save little and lose what identifies the event.
            let Some((pointer, len)) = longest_string(&self.payload).filter(|(_, n)| *n >= 1024)
            else {
                break;
            };
            // Every byte cut removes at least one byte of JSON; the margin covers the marker.
            let excess = size - limit + 64;
            let keep = if len > excess { len - excess } else { len / 2 };
            if keep >= len {
                break;
            }
            if let Some(Value::String(text)) = self.payload.pointer_mut(&pointer) {
                *text = cut_with_marker(text, keep);
            }
            size = self.to_json().len();
        }
        if size > limit {
            let keep = |k: &str| self.payload.get(k).cloned().unwrap_or(Value::Null);
            let mut small = serde_json::Map::new();
            for k in ["function_name", "version", "execution_id", "status"] {
                let v = keep(k);
                if v.is_string() && v.as_str().is_some_and(|s| s.len() > 1024) {
                    continue;
                }
                if !v.is_null() {
                    small.insert(k.to_string(), v);
                }
            }
            small.insert(
                "truncated".to_string(),
                Value::String(format!(
                    "the payload of {before} bytes did not fit the {limit}-byte event limit and was dropped"
                )),
            );
            self.payload = Value::Object(small);
            size = self.to_json().len();
        }
        before.saturating_sub(size)
    }

    /// `payload.function_name`, when there is one.
    pub fn function_name(&self) -> Option<&str> {
        self.payload.get("function_name").and_then(Value::as_str)
    }
}

/// The JSON pointer and byte length of the longest string in `v` (depth-bounded).
fn longest_string(v: &Value) -> Option<(String, usize)> {
    fn walk(v: &Value, path: &mut String, depth: u32, best: &mut Option<(String, usize)>) {
        match v {
            Value::String(s) if best.as_ref().is_none_or(|(_, n)| s.len() > *n) => {
                *best = Some((path.clone(), s.len()));
            }
            Value::Array(items) if depth > 0 => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("/{i}"));
                    walk(item, path, depth - 1, best);
                    path.truncate(len);
                }
            }
            Value::Object(map) if depth > 0 => {
                for (k, item) in map {
                    let len = path.len();
                    path.push('/');
                    path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    walk(item, path, depth - 1, best);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut best = None;
    walk(v, &mut String::new(), 32, &mut best);
    best
}

/// The first `keep` bytes of `text` (on a character boundary) and a marker with the count of
/// bytes cut.
pub(crate) fn cut_with_marker(text: &str, keep: usize) -> String {
    let mut end = keep.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} bytes cut]", &text[..end], text.len() - end)
}

/// Which events [`EventQueue::all`] and [`EventQueue::scan`] return; `None` fields match all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// `payload.function_name`, exactly.
    pub function: Option<String>,
    /// The type, exactly; or every type under a prefix written with a final dot or `.*`
    /// (`"enhancement."`, `"enhancement.*"`).
    pub kind: Option<String>,
    pub correlation_id: Option<String>,
}

impl EventFilter {
    pub fn function(mut self, name: &str) -> EventFilter {
        self.function = Some(name.to_string());
        self
    }

    pub fn kind(mut self, kind: &str) -> EventFilter {
        self.kind = Some(kind.to_string());
        self
    }

    pub fn correlation(mut self, id: &str) -> EventFilter {
        self.correlation_id = Some(id.to_string());
        self
    }

    /// Refuses a type that is neither one of [`EVENT_TYPES`] nor a prefix of some of them, so
    /// a typo is an error rather than an empty result.
    pub fn check(&self) -> Result<(), EventError> {
        let Some(k) = &self.kind else {
            return Ok(());
        };
        let prefix = k.strip_suffix('*').unwrap_or(k);
        let known = if prefix.ends_with('.') {
            EVENT_TYPES.iter().any(|t| t.starts_with(prefix))
        } else {
            EVENT_TYPES.contains(&k.as_str())
        };
        if known {
            return Ok(());
        }
        Err(EventError::UnknownType {
            kind: k.clone(),
            suggestion: dana_interpreter::error::did_you_mean(k, EVENT_TYPES.iter().copied())
                .map(str::to_string),
        })
    }

    pub fn matches(&self, e: &Event) -> bool {
        if let Some(f) = &self.function {
            if e.function_name() != Some(f.as_str()) {
                return false;
            }
        }
        if let Some(k) = &self.kind {
            let prefix = k.strip_suffix('*').unwrap_or(k);
            let ok = if prefix.ends_with('.') {
                e.kind.starts_with(prefix)
            } else {
                e.kind == *k
            };
            if !ok {
                return false;
            }
        }
        if let Some(c) = &self.correlation_id {
            if e.correlation_id != *c {
                return false;
            }
        }
        true
    }
}

/// A line of a segment that is not a valid record although valid records follow it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    pub file: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// Byte offset of the line in the file.
    pub offset: u64,
    pub reason: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} line {} (byte {}): {}; the line was skipped",
            self.file.display(),
            self.line,
            self.offset,
            self.reason
        )
    }
}

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

/// Oldest first: ids start with their millisecond timestamp; the timestamp decides for ids of
/// another shape.
fn sort_events(events: &mut [Event]) {
    events.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then_with(|| a.id.cmp(&b.id)));
}

/// The durable queue under `<poet_dir>/events/`. Safe to share between threads; any number of
/// processes may emit into the same directory at once.
pub struct EventQueue {
    root: PathBuf,
    pending: PathBuf,
    processed: PathBuf,
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
            None => {
                // Made again when someone removed them (they are checked only here, rarely).
                if !self.pending.is_dir() || !self.processed.is_dir() {
                    self.create_dirs()?;
                }
                ActiveSegment::create(&self.pending)?
            }
        };
        match segment.append(&records) {
            Ok(()) => {
                w.segment = Some(segment);
                Ok(())
            }
            Err(e) => Err(EventError::io(segment.path(), "write events to", e)),
        }
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

    /// Moves the pending events with these ids to `processed/` (see the module doc). Ids that
    /// are not pending (already processed, unknown) are ignored, so a consumer may retry.
    pub fn mark_processed(&self, ids: &[String]) -> Result<(), EventError> {
        maintain::mark_processed(self, ids)
    }

    /// Removes processed events older than `retention`, then the oldest ones until the
    /// processed files take at most `max_bytes`; compacts closed segments and removes
    /// leftovers of killed writers. Pending events are never removed.
    pub fn gc(&self, retention: Duration, max_bytes: u64) -> Result<GcCounts, EventError> {
        maintain::gc(self, retention, max_bytes)
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

fn scan_file(path: &Path, keep_raw: bool) -> Result<Option<record::Scanned>, EventError> {
    record::scan(path, keep_raw).map_err(|e| EventError::io(path, "read", e))
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

/// The stems of the segment files in `dir`, sorted (oldest first); a missing directory has
/// none. Hidden entries (temporary files) are not segments.
fn list_segments(dir: &Path) -> Result<Vec<String>, EventError> {
    let mut stems = list_names(dir)?
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .filter_map(|n| n.strip_suffix(SEGMENT_EXT).map(str::to_string))
        .collect::<Vec<_>>();
    stems.sort();
    Ok(stems)
}

/// The UTF-8 entry names of `dir`; a missing directory has none.
fn list_names(dir: &Path) -> Result<Vec<String>, EventError> {
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

fn check_event(e: &Event) -> Result<(), EventError> {
    if !EVENT_TYPES.contains(&e.kind.as_str()) {
        return Err(EventError::UnknownType {
            kind: e.kind.clone(),
            suggestion: dana_interpreter::error::did_you_mean(&e.kind, EVENT_TYPES.iter().copied())
                .map(str::to_string),
        });
    }
    if !is_canonical_id(&e.id) {
        return Err(EventError::BadId { id: e.id.clone() });
    }
    Ok(())
}

pub(crate) use crate::store::fsync_dir;
