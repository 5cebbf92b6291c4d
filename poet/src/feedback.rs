//! Execution events and feedback (POET_SPEC §6): every call of a `@poet(train=True)` function
//! becomes a `function.execution` event with measured metrics; `feedback(...)` and
//! `poet_last_execution(...)` let the program rate an execution; the events reach
//! `.poet/events/` in batches (group commit) and at the end of the run.

use crate::events::{new_id, Event, EventFilter, EventQueue, MAX_EVENT_BYTES};
use crate::pipeline::Outcome;
use crate::runtime::{PoetFunction, PoetRuntime};
use dana_interpreter::error::{type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{Args, NativeFn, Value};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

/// Events buffered before a write.
const BATCH: usize = 256;
/// Buffered events wait at most this long (checked on the next event).
const MAX_WAIT: Duration = Duration::from_millis(200);
/// Longest feedback comment kept.
pub const MAX_COMMENT: usize = 4096;

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

    fn first_report(&mut self) -> bool {
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
    fn final_report(&mut self) -> Option<String> {
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

/// CPU time of this thread and the process's peak resident set (KiB), from `getrusage`.
pub(crate) fn usage() -> (Duration, i64) {
    // SAFETY: getrusage only writes the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) } == 0;
    if !ok {
        return (Duration::ZERO, 0);
    }
    let tv =
        |t: libc::timeval| Duration::new(t.tv_sec.max(0) as u64, (t.tv_usec.max(0) as u32) * 1000);
    (tv(ru.ru_utime) + tv(ru.ru_stime), ru.ru_maxrss as i64)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl PoetFunction {
    /// The `function.execution` event of a finished call (train on).
    pub(crate) fn execution_event(&self, o: &Outcome<'_>, cpu: Duration) -> Event {
        let version = self.current_version();
        let wall = o.duration.as_secs_f64();
        let cpu_percent = if wall > 0.0 {
            (cpu.as_secs_f64() / wall * 100.0).min(100.0 * 64.0)
        } else {
            0.0
        };
        let (_, maxrss_kib) = usage();
        let end = now_ms();
        let live = self.live.borrow();
        let error = o.error.map(|e| {
            json!({
                "type": e.kind.name(),
                "message": e.message,
                "stack_trace": e.stack.iter().map(|s| s.function.clone()).collect::<Vec<_>>(),
            })
        });
        let execution_id = new_id();
        let payload = json!({
            "function_name": self.store_name,
            "version": version,
            "execution_id": execution_id,
            "start_time": end - o.duration.as_millis() as i64,
            "end_time": end,
            "status": if o.ok { "success" } else { "failure" },
            "metrics": {
                "duration_ms": o.duration.as_secs_f64() * 1000.0,
                "memory_mb": maxrss_kib as f64 / 1024.0,
                "cpu_percent": cpu_percent,
            },
            "attempts": o.attempts,
            "failed_stage": o.failed_stage.map(|s| s.as_str()),
            "fallback_used": o.fallback,
            "breaker": live.breaker.state.as_str(),
            "error": error,
            "train": live.last_train_json,
        });
        // The execution starts its flow: feedback on it shares its correlation id.
        let mut e = Event::new("function.execution", None, None, payload);
        e.correlation_id = execution_id.clone();
        e
    }
}

impl PoetRuntime {
    /// Queues an event for the `.poet` directory it belongs to.
    pub(crate) fn emit(&self, it: &mut Interp, poet_dir: &Path, e: Event) {
        if self.store_refused(poet_dir) {
            // Already reported: the store cannot be used, and the events go nowhere.
            return;
        }
        let err = {
            let mut sinks = self.sinks.borrow_mut();
            let sink = sinks
                .entry(poet_dir.to_path_buf())
                .or_insert_with(|| EventSink::new(poet_dir));
            sink.push(e)
        };
        if let Some(err) = err {
            crate::runtime::warn(it, &format!("POET events are not being saved: {err}"));
        }
    }

    /// Writes every buffered event; a failure is said on stderr (once per store).
    pub(crate) fn flush_events(&self) {
        for sink in self.sinks.borrow_mut().values_mut() {
            if let Err(e) = sink.flush() {
                if sink.first_report() {
                    write_stderr_now(&format!("warning: POET events are not being saved: {e}\n"));
                }
            }
        }
    }

    /// The end of the run: writes what is buffered and says how many events were lost.
    pub(crate) fn finish_events(&self) {
        for sink in self.sinks.borrow_mut().values_mut() {
            if let Some(msg) = sink.final_report() {
                write_stderr_now(&msg);
            }
        }
    }
}

/// Writes to the process's standard error directly (the interpreter may be gone), with every
/// registered secret redacted.
fn write_stderr_now(msg: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(dana_llm::redact_secrets(msg).as_bytes());
}

/// Binds `feedback(...)` and `poet_last_execution(fn)`.
pub(crate) fn install_builtins(it: &mut Interp, rt: &Rc<PoetRuntime>) {
    let weak = Rc::downgrade(rt);
    it.set_builtin(
        "poet_last_execution",
        NativeFn::closure("poet_last_execution", move |_, args| {
            args.check("poet_last_execution", 1, 1, &["fn"])?;
            let f = function_of(&weak, args.get(0, "fn"))?;
            let last = f.last_execution.borrow().clone();
            Ok(last.map(|(id, _)| Value::str(id)).unwrap_or(Value::None))
        }),
    );
    let weak = Rc::downgrade(rt);
    it.set_builtin(
        "feedback",
        NativeFn::closure("feedback", move |_, args| feedback(&weak, args)),
    );
}

fn function_of(rt: &Weak<PoetRuntime>, v: Option<&Value>) -> Result<Rc<PoetFunction>, Exc> {
    let rt = rt
        .upgrade()
        .ok_or_else(|| type_error("POET is not installed"))?;
    if let Some(Value::Func(f)) = v {
        return Err(type_error(format!(
            "{}() is not a @poet function: feedback is recorded for @poet functions only",
            f.name
        )));
    }
    let Some(Value::Native(nf)) = v else {
        return Err(type_error(
            "expected a @poet function (the decorated name, e.g. feedback(detect_drift, rating=1))",
        ));
    };
    rt.function_by_wrapper(nf).ok_or_else(|| {
        type_error(format!(
            "{}() is not a @poet function: feedback is recorded for @poet functions only",
            nf.name
        ))
    })
}

/// `feedback(fn, rating=, comment=, kind=, execution_id=, regenerate=)`: records a
/// `function.feedback` event linked to the execution; returns its id.
fn feedback(rt: &Weak<PoetRuntime>, args: Args<'_>) -> Result<Value, Exc> {
    args.check(
        "feedback",
        0,
        1,
        &[
            "fn",
            "rating",
            "comment",
            "kind",
            "execution_id",
            "regenerate",
            "suggestions",
        ],
    )?;
    let runtime = rt
        .upgrade()
        .ok_or_else(|| type_error("POET is not installed"))?;
    let rating = match args.get(99, "rating") {
        None | Some(Value::None) => None,
        Some(Value::Int(r)) if (1..=5).contains(r) => Some(*r),
        Some(other) => {
            return Err(value_error(format!(
                "feedback rating= must be an int from 1 to 5, got {}",
                dana_interpreter::value::repr::repr(other)
            )))
        }
    };
    let text = |name: &str| -> Result<Option<String>, Exc> {
        match args.get(99, name) {
            None | Some(Value::None) => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s.to_string())),
            Some(other) => Err(type_error(format!(
                "feedback {name}= must be a str, got {}",
                other.type_name()
            ))),
        }
    };
    let comment = text("comment")?.unwrap_or_default();
    let kind = text("kind")?.unwrap_or_else(|| "user".into());
    if !["performance", "error", "user", "system"].contains(&kind.as_str()) {
        return Err(value_error(format!(
            "feedback kind={kind:?} is not valid; expected one of: performance, error, user, system"
        )));
    }
    let regenerate = matches!(args.get(99, "regenerate"), Some(Value::Bool(true)));
    let execution_id = text("execution_id")?;
    let func = match args.get(0, "fn") {
        Some(v) if !v.is_none() => Some(function_of(rt, Some(v))?),
        _ => None,
    };
    if let Some(f) = &func {
        let unavailable = matches!(&*f.slot.borrow(), crate::runtime::Slot::Unavailable);
        if unavailable || runtime.store_refused(&f.poet_dir) {
            // The function runs its original code (why was reported once): there is no
            // execution to rate and no store to keep a rating in, and the program goes on.
            return Ok(Value::None);
        }
    }
    // Which execution: the one named, else the function's latest in this process.
    let (function_name, poet_dir, exec_id, exec_event) = match (&func, &execution_id) {
        (Some(f), None) => {
            let Some((id, ev)) = f.last_execution.borrow().clone() else {
                return Err(value_error(format!(
                    "{}() has not run yet in this program: call it first, or pass execution_id=",
                    f.display
                )));
            };
            (f.store_name.clone(), f.poet_dir.clone(), id, Some(ev))
        }
        (f, Some(id)) => {
            let found = runtime.find_execution(id, f.as_deref());
            match found {
                Some((name, dir, ev)) => (name, dir, id.clone(), Some(ev)),
                None => {
                    return Err(value_error(format!(
                        "no execution {id:?} is recorded in the POET event store"
                    )))
                }
            }
        }
        (None, None) => {
            return Err(type_error(
                "feedback needs the function (feedback(f, rating=…)) or execution_id=",
            ))
        }
    };
    let version = func.as_ref().and_then(|f| f.current_version());
    let suggestions = match args.get(99, "suggestions") {
        Some(v) if !v.is_none() => dana_interpreter::engine::from_value::<serde_json::Value>(v)
            .unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    };
    let record = FeedbackRecord {
        function_name,
        version,
        execution_id: exec_id,
        execution_event: exec_event,
        kind,
        rating,
        comment,
        suggestions,
        regenerate,
    };
    let id = runtime
        .write_feedback(&poet_dir, record, func.as_deref())
        .map_err(|e| {
            dana_interpreter::error::runtime_error(format!("feedback was not saved: {e}"))
        })?;
    Ok(Value::str(id))
}

impl PoetRuntime {
    /// The function, store directory and event id of an execution, from this process or the
    /// event store (feedback after a restart).
    fn find_execution(
        &self,
        execution_id: &str,
        hint: Option<&PoetFunction>,
    ) -> Option<(String, PathBuf, String)> {
        self.flush_events();
        let dirs: Vec<PathBuf> = match hint {
            Some(f) => vec![f.poet_dir.clone()],
            None => {
                let mut d: Vec<PathBuf> = self.sinks.borrow().keys().cloned().collect();
                d.push(self.default_dir());
                d
            }
        };
        for dir in dirs {
            let Ok(q) = EventQueue::open(&dir) else {
                continue;
            };
            let filter = EventFilter::default()
                .kind("function.execution")
                .correlation(execution_id);
            if let Ok(events) = q.all(&filter) {
                if let Some(e) = events.into_iter().next() {
                    let name = e.function_name().unwrap_or_default().to_string();
                    return Some((name, dir, e.id));
                }
            }
        }
        None
    }
}

impl PoetRuntime {
    /// Feedback from the host (Rust): rates the latest execution of the `@poet` function named
    /// `function` (its name in the program or in the store) and writes the `function.feedback`
    /// event at once; returns the event's id.
    pub fn feedback(
        &self,
        function: &str,
        rating: Option<u8>,
        comment: &str,
        regenerate: bool,
    ) -> Result<String, String> {
        if let Some(r) = rating {
            if !(1..=5).contains(&r) {
                return Err(format!("a rating is from 1 to 5, got {r}"));
            }
        }
        let f = self
            .function_named(function)
            .ok_or_else(|| format!("no @poet function named {function:?} has been defined"))?;
        let Some((exec_id, event_id)) = f.last_execution.borrow().clone() else {
            return Err(format!(
                "{function}() has not run yet (with train=True) in this engine"
            ));
        };
        let record = FeedbackRecord {
            function_name: f.store_name.clone(),
            version: f.current_version(),
            execution_id: exec_id,
            execution_event: Some(event_id),
            kind: "user".into(),
            rating: rating.map(i64::from),
            comment: comment.to_string(),
            suggestions: serde_json::Value::Null,
            regenerate,
        };
        self.write_feedback(&f.poet_dir, record, Some(&f))
    }

    /// Writes a feedback event now (feedback is rare, and people expect it kept) and gives
    /// the rating to the learning loop of `func`.
    fn write_feedback(
        &self,
        poet_dir: &Path,
        record: FeedbackRecord,
        func: Option<&PoetFunction>,
    ) -> Result<String, String> {
        let (exec_id, rating, regenerate) = (
            record.execution_id.clone(),
            record.rating,
            record.regenerate,
        );
        let e = record.to_event();
        let id = e.id.clone();
        let err = {
            let mut sinks = self.sinks.borrow_mut();
            let sink = sinks
                .entry(poet_dir.to_path_buf())
                .or_insert_with(|| EventSink::new(poet_dir));
            sink.write_now(e)
        };
        err?;
        if let Some(f) = func {
            f.note_feedback(&exec_id, rating, regenerate);
        }
        Ok(id)
    }
}

/// One rating of one execution: the payload of a `function.feedback` event.
pub struct FeedbackRecord {
    pub function_name: String,
    pub version: Option<u32>,
    pub execution_id: String,
    /// The id of the execution's event (the feedback's cause).
    pub execution_event: Option<String>,
    /// `performance`, `error`, `user` or `system`.
    pub kind: String,
    pub rating: Option<i64>,
    pub comment: String,
    pub suggestions: serde_json::Value,
    pub regenerate: bool,
}

impl FeedbackRecord {
    /// The event, in the execution's flow; the comment is cut to [`MAX_COMMENT`] bytes.
    pub fn to_event(mut self) -> Event {
        if self.comment.len() > MAX_COMMENT {
            let mut cut = MAX_COMMENT;
            while !self.comment.is_char_boundary(cut) {
                cut -= 1;
            }
            self.comment.truncate(cut);
        }
        Event::new(
            "function.feedback",
            Some(&self.execution_id),
            self.execution_event.as_deref(),
            json!({
                "function_name": self.function_name,
                "version": self.version,
                "execution_id": self.execution_id,
                "feedback_type": self.kind,
                "rating": self.rating,
                "comments": self.comment,
                "metrics": {},
                "suggestions": self.suggestions,
                "regenerate": self.regenerate,
            }),
        )
    }
}
