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
//! name, locks (an exclusive `flock`) and only then renames into place; the directory is
//! fsynced by the segment's first commit, after its records (one journal commit, not two).
//! It holds that lock for as long as it writes there; no other writer ever opens
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
//! [`EventQueue::gc_capped`] also trims `pending/` to its caps (`settings.rs`): closed
//! segments past the age cap, then the oldest until the size cap holds, counting the events
//! dropped ([`GcCounts::pending_dropped`]).
//!
//! [`EventQueue::consume`] hands a worker the oldest pending events and moves them once it
//! has handled them, holding the consumer lock throughout (`consume.rs`); a worker's
//! heartbeat (`events/worker.alive`) tells programs that the queue is being consumed.
//!
//! # In a program
//!
//! `sink.rs`: a call hands its event to the writer thread of its store, which writes batches
//! (group commit) off the call path; flushed before the process reads the queue, drained when
//! the runtime is dropped (also on a panic) and by [`flush_all`] before `std::process::exit`.

//!
//! # Files
//!
//! `schema.rs` the event types and limits; `event.rs` the envelope, how it is cut to fit, and
//! the read filter; `queue.rs` the queue (open, emit,
//! read); `segments.rs` the file names and listing; `record.rs` the framed record and its
//! checksum; `writer.rs` the active segment of one writer; `follow.rs` the watcher;
//! `maintain.rs` the consumers' side (mark processed, compaction, gc); `consume.rs` batches
//! for a worker; `caps.rs` the caps of `pending/`; `settings.rs` the dana.toml keys; `sink.rs`
//! the runtime's writer thread; `sync.rs` its syncer thread; `error.rs` the errors.

mod caps;
mod consume;
mod error;
pub(crate) mod event;
pub(crate) mod execution;
mod follow;
pub(crate) mod id;
mod maintain;
pub(crate) mod queue;
mod record;
pub(crate) mod schema;
pub(crate) mod segments;
pub mod settings;
pub(crate) mod sink;
mod sync;
mod writer;

pub use caps::PendingUsage;
pub use error::EventError;
pub use event::{new_id, Damage, Event, EventFilter, EventMetadata};
pub use follow::{EventFollower, Polled};
pub use maintain::GcCounts;
pub use queue::{EventQueue, EventScan};
pub use schema::{EVENT_TYPES, MAX_EVENT_BYTES};
pub use settings::EventSettings;
pub use sink::flush_all;
