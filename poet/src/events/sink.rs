//! The events waiting to be written for one `.poet` directory: batched (group commit), cut
//! to the event size limit, with every registered secret redacted, and the failures counted
//! for the report at the end of the run.

use crate::events::event::Event;
use crate::events::queue::EventQueue;
use crate::events::schema::MAX_EVENT_BYTES;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Events buffered before a write.
const BATCH: usize = 256;
/// Buffered events wait at most this long (checked on the next event).
const MAX_WAIT: Duration = Duration::from_millis(200);
/// Longest feedback comment kept.
/// The events waiting for one `.poet` directory.
pub(crate) struct EventSink {
    dir: PathBuf,
    queue: Option<EventQueue>,
    buffer: Vec<Event>,
    since: Instant,
    /// A failure was reported on stderr: a store that cannot take events must not flood it.
    reported: bool,
    /// Events that could not be written; the final flush says how many.
    lost: usize,
}

impl EventSink {
    pub fn new(poet_dir: &Path) -> EventSink {
        EventSink {
            dir: poet_dir.to_path_buf(),
            queue: EventQueue::open(poet_dir).ok(),
            buffer: Vec::new(),
            since: Instant::now(),
            reported: false,
            lost: 0,
        }
    }

    /// Buffers `e`, cut to fit the event size limit and without any secret; writes the batch
    /// when it is full or old. An error message the first time writing fails.
    pub fn push(&mut self, e: Event) -> Option<String> {
        self.buffer.push(prepare(e));
        if self.buffer.len() >= BATCH || self.since.elapsed() >= MAX_WAIT {
            return self.flush().err().filter(|_| self.first_report());
        }
        None
    }

    /// Writes `e` and everything buffered before it now.
    pub fn write_now(&mut self, e: Event) -> Result<(), String> {
        self.buffer.push(prepare(e));
        let r = self.flush();
        if r.is_err() {
            self.reported = true;
        }
        r
    }

    pub(crate) fn first_report(&mut self) -> bool {
        !std::mem::replace(&mut self.reported, true)
    }

    /// Writes the buffered events durably.
    pub fn flush(&mut self) -> Result<(), String> {
        self.since = Instant::now();
        if self.buffer.is_empty() {
            return Ok(());
        }
        let r = match &self.queue {
            Some(q) => q.emit_batch(&self.buffer).map_err(|e| e.to_string()),
            None => Err(format!(
                "the event queue in {} could not be opened",
                self.dir.display()
            )),
        };
        if r.is_err() {
            self.lost += self.buffer.len();
        }
        self.buffer.clear();
        r
    }

    /// The last word at the end of a run: the events that were not saved, if any.
    pub(crate) fn final_report(&mut self) -> Option<String> {
        let r = self.flush();
        if self.lost == 0 {
            return None;
        }
        let why = r.err().map(|e| format!(": {e}")).unwrap_or_default();
        let n = std::mem::take(&mut self.lost);
        Some(format!(
            "warning: {n} POET event(s) of this run could not be written to {}{why}\n",
            self.dir.join("events").display()
        ))
    }
}

/// An event as it is written: at most [`MAX_EVENT_BYTES`] (long strings cut with a marker,
/// never the whole event dropped) and with every registered secret redacted.
fn prepare(mut e: Event) -> Event {
    // One serialisation in the common case (small, no secret).
    let mut json = e.to_json();
    if json.len() > MAX_EVENT_BYTES {
        e.fit(MAX_EVENT_BYTES);
        json = e.to_json();
    }
    if dana_llm::secrets::contains_secret(&json) {
        if let Ok(clean) = serde_json::from_str::<Event>(&dana_llm::redact_secrets(&json)) {
            return clean;
        }
    }
    e
}
