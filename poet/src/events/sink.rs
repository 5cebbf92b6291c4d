//! The events of a running program for one `.poet` directory, written off the call path: a
//! call hands what it measured to a channel (an execution as numbers and ids, see
//! `execution.rs`; other events as they are), and a writer thread of the sink makes the JSON,
//! checks it once (the size limit, registered secrets: an event over the limit is cut and one
//! holding a secret is redacted), frames it and appends it with every event that arrived
//! meanwhile, one `fdatasync` per batch (group commit). The batches adapt to the load: while
//! one is on its way to disk the next gathers, up to [`BATCH`] events or about a segment's
//! worth of bytes ([`BATCH_BYTES`]).
//!
//! Nothing is lost on a normal end: [`EventSink::flush`] waits until everything sent before it
//! is on disk (reads of the queue by the same process flush first), and dropping the sink (the
//! runtime's `Drop`, also while a panic unwinds) drains the channel and joins the thread.
//! [`flush_all`] does the same for every sink of the process, for paths that end it with
//! `std::process::exit` (a second Ctrl-C). A `kill -9` loses what was not yet on disk: the
//! events of the batch being written and those still in the channel (a few milliseconds
//! of calls, more under a burst that outruns the disk: at most [`CHANNEL`] events and one
//! batch); every event written before is intact (see `queue.rs`).
//!
//! The thread also looks at the size and age of `pending/` (at most every few seconds) and
//! warns once per process when they pass the caps of `dana.toml` with no worker consuming.

use crate::events::event::{check_event, Event, EventMetadata};
use crate::events::execution::{Encoder, Execution};
use crate::events::queue::EventQueue;
use crate::events::record;
use crate::events::schema::MAX_EVENT_BYTES;
use crate::events::settings::EventSettings;
use crate::events::writer::SEGMENT_MAX_BYTES;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

/// What the writer thread tells the sink.
#[derive(Default)]
struct Shared {
    /// Events that could not be written.
    lost: AtomicUsize,
    /// The first failure, until the sink reports it.
    failure: Mutex<Option<String>>,
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

/// The writer thread: takes what has arrived, encodes it and writes it as one batch, answers
/// the flushes.
fn write_loop(dir: &Path, rx: &Receiver<Msg>, shared: &Shared) {
    let queue = EventQueue::open(dir);
    let settings = EventSettings::load(dir).0;
    let metadata = EventMetadata::current();
    let encoder = Encoder::new(&metadata);
    let mut last_check: Option<Instant> = None;
    // The framed records of the batch, and the JSON of one event.
    let mut records: Vec<u8> = Vec::new();
    let mut json: Vec<u8> = Vec::new();
    let mut waiters: Vec<SyncSender<Result<(), String>>> = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        let mut count = 0;
        let mut refused: Option<String> = None;
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
        let result = if count == 0 {
            Ok(())
        } else {
            match &queue {
                Ok(q) => q.append_records(&records).map_err(|e| e.to_string()),
                Err(e) => Err(format!(
                    "the event queue in {} could not be opened: {e}",
                    dir.display()
                )),
            }
        };
        if let Err(e) = &result {
            shared.lost.fetch_add(count, Ordering::Relaxed);
            refused.get_or_insert(e.clone());
        }
        if let Some(e) = refused {
            let mut f = shared.failure.lock().unwrap_or_else(|e| e.into_inner());
            f.get_or_insert(e);
        }
        records.clear();
        // A batch far above the usual size does not keep its memory; a full batch of usual
        // events does, so the next one is not copied as it grows.
        records.shrink_to(BATCH_BUFFER);
        for w in waiters.drain(..) {
            let _ = w.send(result.clone());
        }
        if count > 0 && last_check.is_none_or(|t| t.elapsed() >= CAP_CHECK_EVERY) {
            last_check = Some(Instant::now());
            if let Ok(q) = &queue {
                check_caps(q, &settings);
            }
        }
    }
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
    use serde_json::json;

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
