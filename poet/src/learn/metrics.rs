//! The measured metrics of each call (POET_SPEC §6): CPU time and peak memory from
//! `getrusage` (on Unix; not measured elsewhere), the `function.execution` event of a call
//! with `train=True`, and the way events reach the store (batched per `.poet` directory, reported once when they cannot be written).

use crate::call::outcome::Outcome;
use crate::events::event::{new_id, Event};
use crate::events::sink::EventSink;
use crate::function::{PoetFunction, PoetRuntime};
use dana_interpreter::eval::Interp;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

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
            crate::function::warn(it, &format!("POET events are not being saved: {err}"));
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
