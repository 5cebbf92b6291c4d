//! The events of a running program for one `.poet` directory, written off the call path: a
//! call hands what it measured to a channel (an execution as numbers and ids, see
//! `execution.rs`; other events as they are), and a writer thread of the sink makes the JSON,
//! checks it once (the size limit, registered secrets: an event over the limit is cut and one
//! holding a secret is redacted), frames it and appends it with every event that arrived
//! meanwhile, one `fdatasync` per batch (group commit). The `fdatasync` runs on a second
//! thread (the syncer), which answers the flushes once their batch is durable: while the disk
//! takes one batch, the writer encodes and appends the next (at most [`SYNC_QUEUE`](crate::events::sync::SYNC_QUEUE) batches
//! wait for the syncer), and batches that queued during a sync share the next one. The
//! batches adapt to the load: while one is on its way to disk the next gathers, up to
//! [`BATCH`] events or about a segment's worth of bytes ([`BATCH_BYTES`]).
//!
//! Nothing is lost on a normal end: [`EventSink::flush`] waits until everything sent before it
//! is on disk (reads of the queue by the same process flush first), and dropping the sink (the
//! runtime's `Drop`, also while a panic unwinds) drains the channel and joins the threads.
//! [`flush_all`] does the same for every sink of the process, for paths that end it with
//! `std::process::exit` (a second Ctrl-C). A `kill -9` loses what was not yet on disk: the
//! events of the batches being written or synced and those still in the channel (a few
//! milliseconds of calls, more under a burst that outruns the disk: at most [`CHANNEL`]
//! events and two batches more than the syncer's queue); every event written before is intact (see
//! `queue.rs`).
//!
//! The thread also looks at the size and age of `pending/` (at most every few seconds) and
//! warns once per process when they pass the caps of `dana.toml` with no worker consuming.

use crate::events::event::{check_event, Event, EventMetadata};
use crate::events::execution::{Encoder, Execution};
use crate::events::queue::EventQueue;
use crate::events::record;
use crate::events::schema::MAX_EVENT_BYTES;
use crate::events::settings::EventSettings;
use crate::events::sync::{write_batch, Commit, Segment, Shared, Syncer, Waiter};
use crate::events::writer::SEGMENT_MAX_BYTES;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most events written in one batch.
const BATCH: usize = 16_384;
/// A batch stops gathering once its records hold this many bytes: a little under the size at
/// which a segment is closed, so under a burst each batch fills one segment (one `fdatasync`
/// for about 6,500 usual events) and the next event still fits the buffer kept between
/// batches ([`BATCH_BUFFER`]).
const BATCH_BYTES: usize = SEGMENT_MAX_BYTES as usize - (64 << 10);
/// The capacity of the batch buffer kept from one batch to the next.
const BATCH_BUFFER: usize = SEGMENT_MAX_BYTES as usize;
/// Events in the channel before a call waits for the writer (back-pressure, never loss).
const CHANNEL: usize = 65_536;
/// How often the writer looks at the caps of `pending/`.
const CAP_CHECK_EVERY: Duration = Duration::from_secs(5);
/// Flushes of the whole process wait at most this long for a writer.
const FLUSH_ALL_WAIT: Duration = Duration::from_secs(5);

enum Msg {
    Event(Box<Event>),
    Execution(Box<Execution>),
    /// Write everything sent before, then answer.
    Flush(SyncSender<Result<(), String>>),
}

/// What the writer made of one message.
enum Encoded {
    /// A record appended to the batch.
    Framed,
    /// The JSON of an event (to frame), or why it is not written.
    Json(Result<(), String>),
    /// Not an event.
    Nothing,
}

/// Every live sink's channel, for [`flush_all`].
static SINKS: Mutex<Vec<Weak<Mutex<SyncSender<Msg>>>>> = Mutex::new(Vec::new());
/// The caps warning is said once per process.
static CAP_WARNED: AtomicBool = AtomicBool::new(false);

/// The events of one `.poet` directory and the thread that writes them.
pub(crate) struct EventSink {
    dir: PathBuf,
    tx: Option<Arc<Mutex<SyncSender<Msg>>>>,
    /// A clone of the channel kept outside the mutex, for the call path.
    fast: Option<SyncSender<Msg>>,
    thread: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
    /// A failure was reported on stderr: a store that cannot take events must not flood it.
    reported: bool,
}

impl EventSink {
    pub fn new(poet_dir: &Path) -> EventSink {
        let (tx, rx) = mpsc::sync_channel(CHANNEL);
        let shared = Arc::new(Shared::default());
        let dir = poet_dir.to_path_buf();
        let thread = {
            let (dir, shared) = (dir.clone(), shared.clone());
            std::thread::Builder::new()
                .name("dana-poet-events".into())
                .spawn(move || write_loop(&dir, &rx, &shared))
        };
        let (tx, fast, thread) = match thread {
            Ok(h) => {
                let shared_tx = Arc::new(Mutex::new(tx.clone()));
                let mut all = SINKS.lock().unwrap_or_else(|e| e.into_inner());
                all.retain(|w| w.strong_count() > 0);
                all.push(Arc::downgrade(&shared_tx));
                (Some(shared_tx), Some(tx), Some(h))
            }
            Err(e) => {
                *shared.failure.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(format!("the event writer thread could not start: {e}"));
                (None, None, None)
            }
        };
        EventSink {
            dir,
            tx,
            fast,
            thread,
            shared,
            reported: false,
        }
    }

    /// Hands `e` to the writer thread. An error message the first time writing has failed.
    pub fn push(&mut self, e: Event) -> Option<String> {
        self.send(Msg::Event(Box::new(e)))
    }

    /// Hands the execution event of a call to the writer thread, like [`EventSink::push`].
    pub fn push_execution(&mut self, e: Execution) -> Option<String> {
        self.send(Msg::Execution(Box::new(e)))
    }

    fn send(&mut self, msg: Msg) -> Option<String> {
        match &self.fast {
            Some(tx) => {
                if let Err(TrySendError::Full(msg)) = tx.try_send(msg) {
                    // The writer is behind: wait for room rather than drop the event.
                    let _ = tx.send(msg);
                }
            }
            None => {
                self.shared.lost.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.take_failure().filter(|_| self.first_report())
    }

    /// Writes `e` and everything sent before it now.
    pub fn write_now(&mut self, e: Event) -> Result<(), String> {
        let _ = self.push(e);
        let r = self.flush();
        if r.is_err() {
            self.reported = true;
        }
        r
    }

    pub(crate) fn first_report(&mut self) -> bool {
        !std::mem::replace(&mut self.reported, true)
    }

    fn take_failure(&self) -> Option<String> {
        self.shared
            .failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Waits until every event sent before is on disk; the first failure since the last
    /// report, if any.
    pub fn flush(&mut self) -> Result<(), String> {
        if let Some(tx) = &self.fast {
            let (done_tx, done_rx) = mpsc::sync_channel(1);
            if tx.send(Msg::Flush(done_tx)).is_ok() {
                let _ = done_rx.recv();
            }
        }
        match self.take_failure() {
            Some(e) => Err(e),
            None if self.fast.is_none() => Err(format!(
                "the event queue in {} has no writer",
                self.dir.display()
            )),
            None => Ok(()),
        }
    }

    /// The last word at the end of a run: drains and stops the writer, then says how many
    /// events were not saved, if any.
    pub(crate) fn final_report(&mut self) -> Option<String> {
        let r = self.flush();
        self.stop();
        let lost = self.shared.lost.swap(0, Ordering::Relaxed);
        if lost == 0 {
            return None;
        }
        let why = r
            .err()
            .or_else(|| self.take_failure())
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        Some(format!(
            "warning: {lost} POET event(s) of this run could not be written to {}{why}\n",
            self.dir.join("events").display()
        ))
    }

    /// Closes the channel; the thread writes what it holds and ends.
    fn stop(&mut self) {
        self.fast = None;
        self.tx = None;
        if let Some(h) = self.thread.take() {
            let _ = h.join();
        }
    }
}

impl Drop for EventSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits (a few seconds at most) until every event handed to any sink of this process is on
/// disk. For the paths that end the process with `std::process::exit`, where no `Drop` runs.
pub fn flush_all() {
    let senders: Vec<SyncSender<Msg>> = {
        let all = SINKS.lock().unwrap_or_else(|e| e.into_inner());
        all.iter()
            .filter_map(Weak::upgrade)
            .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .collect()
    };
    let deadline = Instant::now() + FLUSH_ALL_WAIT;
    for tx in senders {
        let (done_tx, done_rx) = mpsc::sync_channel(1);
        if tx.send(Msg::Flush(done_tx)).is_ok() {
            let left = deadline.saturating_duration_since(Instant::now());
            let _ = done_rx.recv_timeout(left);
        }
    }
}

/// The writer thread: takes what has arrived, encodes it and writes it as one batch, then
/// hands the batch to the syncer, which makes it durable and answers the flushes while the
/// next batch is encoded and written.
fn write_loop(dir: &Path, rx: &Receiver<Msg>, shared: &Arc<Shared>) {
    let queue = EventQueue::open(dir);
    let settings = EventSettings::load(dir).0;
    let metadata = EventMetadata::current();
    let encoder = Encoder::new(&metadata);
    let syncer = Syncer::start(shared);
    let mut segment: Option<Arc<Segment>> = None;
    let mut last_check: Option<Instant> = None;
    // The framed records of the batch, and the JSON of one event.
    let mut records: Vec<u8> = Vec::new();
    let mut json: Vec<u8> = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        let mut count = 0;
        let mut refused: Option<String> = None;
        let mut waiters: Vec<Waiter> = Vec::new();
        while let Some(m) = next.take() {
            json.clear();
            let encoded = match m {
                // The usual execution: encoded straight into the batch, no copy.
                Msg::Execution(x)
                    if Encoder::takes(&x)
                        && record::encode_with(&mut records, MAX_EVENT_BYTES, |out| {
                            encoder.write(&x, out)
                        }) =>
                {
                    Encoded::Framed
                }
                Msg::Event(e) => Encoded::Json(encode_event(&e, &mut json)),
                Msg::Execution(x) => {
                    x.write_json(&metadata, &mut json);
                    Encoded::Json(finish_json(&mut json))
                }
                Msg::Flush(w) => {
                    waiters.push(w);
                    Encoded::Nothing
                }
            };
            match encoded {
                Encoded::Framed => count += 1,
                Encoded::Json(Ok(())) => {
                    record::encode(&json, &mut records);
                    count += 1;
                }
                Encoded::Json(Err(e)) => {
                    shared.lost.fetch_add(1, Ordering::Relaxed);
                    refused.get_or_insert(e);
                }
                Encoded::Nothing => {}
            }
            if count < BATCH && records.len() < BATCH_BYTES {
                next = rx.try_recv().ok();
            }
        }
        let mut failed = None;
        let written = if count == 0 {
            None
        } else {
            let w = match &queue {
                Ok(q) => write_batch(q, &mut segment, &records),
                Err(e) => Err(format!(
                    "the event queue in {} could not be opened: {e}",
                    dir.display()
                )),
            };
            match w {
                Ok(at) => Some(at),
                Err(e) => {
                    shared.lost.fetch_add(count, Ordering::Relaxed);
                    failed = Some(e.clone());
                    refused.get_or_insert(e);
                    None
                }
            }
        };
        if let Some(e) = refused {
            shared.note_failure(e);
        }
        records.clear();
        // A batch far above the usual size does not keep its memory; a full batch of usual
        // events does, so the next one is not copied as it grows.
        records.shrink_to(BATCH_BUFFER);
        syncer.hand(Commit {
            written,
            failed,
            count,
            waiters,
        });
        if count > 0 && last_check.is_none_or(|t| t.elapsed() >= CAP_CHECK_EVERY) {
            last_check = Some(Instant::now());
            if let Ok(q) = &queue {
                check_caps(q, &settings);
            }
        }
    }
    // Everything handed over is durable (or counted lost) before the thread ends.
    syncer.finish();
}

/// Warns (once per process) when `pending/` is past a cap and no worker is consuming it.
fn check_caps(q: &EventQueue, settings: &EventSettings) {
    if CAP_WARNED.load(Ordering::Relaxed) || q.worker_alive() {
        return;
    }
    let Ok(p) = q.pending_usage() else { return };
    let over_size = p.bytes > settings.max_pending_bytes;
    let over_age = p.oldest_age.is_some_and(|a| a > settings.max_pending_age);
    if !(over_size || over_age) || CAP_WARNED.swap(true, Ordering::Relaxed) {
        return;
    }
    let msg = format!(
        "warning: POET events: {} holds {:.1} MiB in {} segment(s) (cap {} MiB), the oldest {:.1} \
         days old (cap {:.1} days), and no worker is consuming them; run `dana poet worker` \
         (and set `[poet] worker = true` in dana.toml), or `dana poet gc` to drop what is past \
         the caps (it says how many events it drops)\n",
        q.dir().join("pending").display(),
        p.bytes as f64 / (1 << 20) as f64,
        p.segments,
        settings.max_pending_bytes >> 20,
        p.oldest_age.map_or(0.0, |a| a.as_secs_f64() / 86_400.0),
        settings.max_pending_age.as_secs_f64() / 86_400.0,
    );
    use std::io::Write;
    let _ = std::io::stderr().write_all(dana_llm::redact_secrets(&msg).as_bytes());
}

/// The JSON of `e` as it is written (see [`finish_json`]), in `json`; why not, when `e` is
/// not a valid event.
fn encode_event(e: &Event, json: &mut Vec<u8>) -> Result<(), String> {
    check_event(e).map_err(|err| err.to_string())?;
    serde_json::to_writer(&mut *json, e).map_err(|err| format!("event {}: {err}", e.id))?;
    finish_json(json)
}

/// Makes the JSON of one event what is written: at most [`MAX_EVENT_BYTES`] (long strings
/// cut with a marker, never the whole event dropped) and with every registered secret
/// redacted. The common event (small, no secret) is only looked at.
fn finish_json(json: &mut Vec<u8>) -> Result<(), String> {
    let too_big = json.len() > MAX_EVENT_BYTES;
    let secret = std::str::from_utf8(json).map_or(true, dana_llm::secrets::contains_secret);
    if !too_big && !secret {
        return Ok(());
    }
    let mut e: Event = serde_json::from_slice(json)
        .map_err(|err| format!("an event to cut or redact could not be read back: {err}"))?;
    if too_big {
        e.fit(MAX_EVENT_BYTES);
    }
    let mut text = e.to_json();
    if dana_llm::secrets::contains_secret(&text) {
        let clean = dana_llm::redact_secrets(&text).into_owned();
        // A redaction that broke the JSON (a secret spanning its syntax) is not written.
        if serde_json::from_str::<Event>(&clean).is_err() {
            return Err(format!(
                "event {}: its redacted JSON is not an event any more",
                e.id
            ));
        }
        text = clean;
    }
    if text.len() > MAX_EVENT_BYTES {
        return Err(format!(
            "event {} is {} bytes, over the {MAX_EVENT_BYTES}-byte limit",
            e.id,
            text.len()
        ));
    }
    json.clear();
    json.extend_from_slice(text.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::event::{new_id, EventFilter};
    use crate::events::id::format_id;
    use serde_json::json;
    use std::collections::HashSet;

    /// A fresh directory for one test, removed when dropped.
    struct Dir(PathBuf);

    impl Dir {
        fn new(name: &str) -> Dir {
            let d = std::env::temp_dir().join(format!(
                "dana-sink-{name}-{}-{}",
                std::process::id(),
                new_id()
            ));
            std::fs::create_dir_all(&d).unwrap();
            Dir(d)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn execution(n: u64) -> Execution {
        Execution {
            ok: !n.is_multiple_of(7),
            duration_ms: n as f64 / 1e6,
            ..Execution::sample()
        }
    }

    #[test]
    fn a_burst_larger_than_a_batch_is_written_whole_in_several_segments() {
        let d = Dir::new("burst");
        let n = BATCH + BATCH / 2;
        let mut ids = Vec::with_capacity(n);
        let mut sink = EventSink::new(&d.0);
        for i in 0..n {
            let x = execution(i as u64);
            ids.push(format_id(x.event_id));
            assert_eq!(sink.push_execution(x), None);
        }
        // A flush in the middle of the burst covers everything sent before it.
        sink.flush().unwrap();
        let queue = EventQueue::open(&d.0).unwrap();
        let scan = queue.scan(&EventFilter::default()).unwrap();
        assert_eq!(scan.pending.len(), n);
        assert!(scan.damage.is_empty(), "{:?}", scan.damage);
        assert_eq!(scan.torn_tails, 0);
        let written: Vec<&str> = scan.pending.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(written, ids.iter().map(String::as_str).collect::<Vec<_>>());
        for e in &scan.pending {
            check_event(e).unwrap();
            assert_eq!(e.payload["execution_id"], e.correlation_id.as_str());
        }
        // More than a segment's worth of bytes: the writer moved on to new segments, each
        // closed near the size limit.
        let segments: Vec<u64> = std::fs::read_dir(d.0.join("events/pending"))
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .collect();
        assert!(segments.len() >= 2, "{segments:?}");
        assert!(
            segments
                .iter()
                .all(|&len| len <= SEGMENT_MAX_BYTES + MAX_EVENT_BYTES as u64),
            "{segments:?}"
        );
        // Events sent after the flush are on disk once the sink is dropped.
        let more: Vec<String> = (0..100)
            .map(|i| {
                let x = execution(i);
                let id = format_id(x.event_id);
                sink.push_execution(x);
                id
            })
            .collect();
        assert_eq!(sink.final_report(), None);
        drop(sink);
        let all: HashSet<String> = queue.pending().unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(all.len(), n + more.len());
        assert!(more.iter().all(|id| all.contains(id)));
    }

    #[test]
    fn flushes_without_events_are_answered_in_order() {
        let d = Dir::new("flushes");
        let mut sink = EventSink::new(&d.0);
        sink.flush().unwrap();
        sink.push_execution(execution(1));
        sink.flush().unwrap();
        sink.flush().unwrap();
        let queue = EventQueue::open(&d.0).unwrap();
        assert_eq!(queue.pending().unwrap().len(), 1);
        assert_eq!(sink.final_report(), None);
    }

    #[test]
    fn a_store_that_cannot_take_events_counts_them_lost() {
        let d = Dir::new("refused");
        // `events` is a file: no segment can be made.
        std::fs::write(d.0.join("events"), b"not a directory").unwrap();
        let mut sink = EventSink::new(&d.0);
        let first = sink.push_execution(execution(1));
        for i in 0..10 {
            sink.push_execution(execution(i));
        }
        assert!(sink.flush().is_err() || first.is_some());
        let report = sink.final_report().unwrap_or_default();
        assert!(report.contains("could not be written"), "{report}");
    }

    fn json_of(payload: serde_json::Value) -> Vec<u8> {
        Event::new("function.execution", None, None, payload)
            .to_json()
            .into_bytes()
    }

    #[test]
    fn a_small_event_without_secrets_is_written_as_it_is() {
        let mut j = json_of(json!({"function_name": "f", "status": "success"}));
        let before = j.clone();
        finish_json(&mut j).unwrap();
        assert_eq!(j, before);
    }

    #[test]
    fn a_registered_secret_is_redacted_and_an_oversized_event_is_cut() {
        let secret = "sk-sink-test-9f8e7d6c5b4a3210";
        dana_llm::secrets::register_secret(secret);
        let mut j = json_of(json!({"error": {"message": format!("key {secret} refused")}}));
        finish_json(&mut j).unwrap();
        let e: Event = serde_json::from_slice(&j).unwrap();
        assert_eq!(e.payload["error"]["message"], "key *** refused");

        let mut j = json_of(
            json!({"function_name": "f", "error": {"message": "m".repeat(2 * MAX_EVENT_BYTES)}}),
        );
        finish_json(&mut j).unwrap();
        assert!(j.len() <= MAX_EVENT_BYTES, "{}", j.len());
        let e: Event = serde_json::from_slice(&j).unwrap();
        assert_eq!(e.payload["function_name"], "f");
        assert!(e.payload["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bytes cut]"));
    }
}
