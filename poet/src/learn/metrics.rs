//! The measured metrics of each call (POET_SPEC §6): CPU time and peak memory from
//! `getrusage` (on Unix; not measured elsewhere), the `function.execution` event of a call
//! with `train=True`, and the way events reach the store (handed to the writer thread of
//! their `.poet` directory, reported once when they cannot be written).
//!
//! A call reads no clock but the monotonic one: `getrusage` is a system call (a few hundred
//! nanoseconds to microseconds, more than a small call), so the calling thread's CPU time and
//! the process's peak memory are sampled at most once per [`SAMPLE_EVERY`] and at the end of
//! every call that lasted [`LONG_CALL`] or more. A call's `cpu_percent` is the thread's CPU
//! time over the wall time from the latest sample before the call to a sample at or after its
//! end; a short call between two samples gets the share of the latest window.

use crate::call::outcome::Outcome;
use crate::events::execution::{Execution, ExecutionError};
use crate::events::id::new_ids;
use crate::events::sink::EventSink;
use crate::function::{PoetFunction, PoetRuntime};
use dana_interpreter::eval::Interp;
use std::cell::Cell;
use std::path::Path;
use std::time::{Duration, Instant};

/// The calling thread's CPU time and the peak memory are read at most this often...
const SAMPLE_EVERY: Duration = Duration::from_millis(1);
/// ...and at the end of every call at least this long (where a read costs under a percent).
const LONG_CALL: Duration = Duration::from_micros(200);

/// CPU time of this thread (Linux; of the process on other Unix systems) and the process's
/// peak resident set (KiB), from `getrusage`. Elsewhere (Windows) neither is measured: zero.
#[cfg(unix)]
pub(crate) fn usage() -> (Duration, i64) {
    #[cfg(target_os = "linux")]
    const WHO: libc::c_int = libc::RUSAGE_THREAD;
    #[cfg(not(target_os = "linux"))]
    const WHO: libc::c_int = libc::RUSAGE_SELF;
    // SAFETY: getrusage only writes the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::getrusage(WHO, &mut ru) } == 0;
    if !ok {
        return (Duration::ZERO, 0);
    }
    let tv =
        |t: libc::timeval| Duration::new(t.tv_sec.max(0) as u64, (t.tv_usec.max(0) as u32) * 1000);
    // macOS and iOS report the peak in bytes, the other systems in KiB.
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    let maxrss_kib = ru.ru_maxrss as i64 / 1024;
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    let maxrss_kib = ru.ru_maxrss as i64;
    (tv(ru.ru_utime) + tv(ru.ru_stime), maxrss_kib)
}

/// CPU time and peak memory are not measured on this system.
#[cfg(not(unix))]
pub(crate) fn usage() -> (Duration, i64) {
    (Duration::ZERO, 0)
}

/// One reading of [`usage`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    at: Instant,
    cpu: Duration,
    maxrss_kib: i64,
}

impl Sample {
    fn now() -> Sample {
        let (cpu, maxrss_kib) = usage();
        Sample {
            at: Instant::now(),
            cpu,
            maxrss_kib,
        }
    }
}

thread_local! {
    /// The latest sample of this thread, and the CPU share over the window it closed.
    static LATEST: Cell<Option<(Sample, Option<f64>)>> = const { Cell::new(None) };
}

/// The sample a call starting now counts its CPU time from: the latest one, or a new one when
/// that is older than [`SAMPLE_EVERY`].
pub(crate) fn call_start(now: Instant) -> Sample {
    match LATEST.get() {
        Some((s, _)) if now.saturating_duration_since(s.at) < SAMPLE_EVERY => s,
        prev => {
            let s = Sample::now();
            LATEST.set(Some((s, prev.and_then(|p| p.1))));
            s
        }
    }
}

/// The `cpu_percent` and peak memory (KiB) of a call that started from `start`, lasted
/// `wall` and ended at `end`.
pub(crate) fn call_end(start: Sample, wall: Duration, end: Instant) -> (f64, i64) {
    let share = |from: &Sample, to: &Sample| {
        let w = to.at.saturating_duration_since(from.at).as_secs_f64();
        if w > 0.0 {
            (to.cpu.saturating_sub(from.cpu).as_secs_f64() / w * 100.0).min(100.0 * 64.0)
        } else {
            0.0
        }
    };
    let latest = LATEST.get();
    if let Some((s, Some(pct))) = latest {
        if wall < LONG_CALL && end.saturating_duration_since(s.at) < SAMPLE_EVERY {
            return (pct, s.maxrss_kib);
        }
    }
    let end = Sample::now();
    let pct = share(&start, &end);
    LATEST.set(Some((end, Some(pct))));
    (pct, end.maxrss_kib)
}

impl PoetFunction {
    /// The `function.execution` event of a finished call (train on), and its execution id.
    pub(crate) fn execution_record(&self, o: &Outcome<'_>, cpu: Sample) -> Execution {
        let (cpu_percent, maxrss_kib) = call_end(cpu, o.duration, o.end);
        let ([execution_id, event_id], end) = new_ids::<2>();
        let live = self.live.borrow();
        let error = o.error.map(|e| {
            Box::new(ExecutionError {
                kind: e.kind.name(),
                message: e.message.clone(),
                stack_trace: e.stack.iter().map(|s| s.function.clone()).collect(),
            })
        });
        Execution {
            function_name: self.event_name.clone(),
            version: self.current_version(),
            event_id,
            event_ms: end,
            execution_id,
            start_ms: end - o.duration.as_millis() as i64,
            end_ms: end,
            ok: o.ok,
            duration_ms: o.millis(),
            memory_mb: maxrss_kib as f64 / 1024.0,
            cpu_percent,
            attempts: o.attempts,
            failed_stage: o.failed_stage.map(|s| s.as_str()),
            fallback: o.fallback,
            breaker: live.breaker.state.as_str(),
            error,
            train: live.last_train_json.clone(),
        }
    }
}

impl PoetRuntime {
    /// Runs `f` on the event sink of `poet_dir` (made at its first use), unless the store is
    /// refused; a first failure to write is said on stderr.
    fn with_sink(
        &self,
        it: &mut Interp,
        poet_dir: &Path,
        f: impl FnOnce(&mut EventSink) -> Option<String>,
    ) {
        if self.store_refused(poet_dir) {
            // Already reported: the store cannot be used, and the events go nowhere.
            return;
        }
        let err = {
            let mut sinks = self.sinks.borrow_mut();
            // One store is the usual case: a comparison of paths rather than a hash of one.
            let only = sinks.len() == 1 && sinks.keys().next().is_some_and(|k| k == poet_dir);
            let sink = match sinks.values_mut().next() {
                Some(sink) if only => sink,
                _ => sinks
                    .entry(poet_dir.to_path_buf())
                    .or_insert_with(|| EventSink::new(poet_dir)),
            };
            f(sink)
        };
        if let Some(err) = err {
            crate::function::warn(it, &format!("POET events are not being saved: {err}"));
        }
    }

    /// Queues an event for the `.poet` directory it belongs to.
    pub(crate) fn emit(&self, it: &mut Interp, poet_dir: &Path, e: crate::events::Event) {
        self.with_sink(it, poet_dir, |s| s.push(e));
    }

    /// Queues the execution event of a call.
    pub(crate) fn emit_execution(&self, it: &mut Interp, poet_dir: &Path, e: Execution) {
        self.with_sink(it, poet_dir, |s| s.push_execution(e));
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
