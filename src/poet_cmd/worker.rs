//! `dana poet worker`: consumes the event queue of a store and runs the learning loop on it
//! (`dana_poet::learn::worker`), batch after batch; `--once` drains what is pending and
//! exits, otherwise it polls until Ctrl-C, which stops it after the current batch. With the
//! Redis backend it consumes the shared event stream in the workers' consumer group
//! (`dana_poet::learn::SharedWorker`) instead of the local queue.

use dana_poet::admin::serde_json::{self, json};
use dana_poet::fleet::Fleet;
use dana_poet::learn::{self, SharedWorker, WorkerReport};
use dana_poet::store::PoetDir;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The options of `dana poet worker`.
pub(crate) struct WorkerOptions {
    pub once: bool,
    pub interval: Duration,
    pub batch: usize,
    pub json: bool,
    /// Redis backend: a dead worker's entries are taken over after this long.
    pub claim_idle: Duration,
}

fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn batch_line(r: &WorkerReport, as_json: bool) -> String {
    if as_json {
        return format!("{}\n", serde_json::to_string(r).unwrap_or_default());
    }
    let mut s = format!(
        "consumed {} event(s): {} execution(s), {} feedback",
        r.events, r.executions, r.feedback
    );
    if r.skipped > 0 {
        s.push_str(&format!(
            ", {} of functions without a current version",
            r.skipped
        ));
    }
    if r.claimed > 0 {
        s.push_str(&format!(", {} taken over from a stopped worker", r.claimed));
    }
    if r.duplicates > 0 {
        s.push_str(&format!(", {} applied before (skipped)", r.duplicates));
    }
    s.push('\n');
    for a in &r.actions {
        s.push_str(&format!("  {a}\n"));
    }
    s
}

/// Runs the worker; returns the exit code (1 after an error, 0 otherwise).
pub(crate) fn run(dir: &PoetDir, o: &WorkerOptions, fleet: Option<&Arc<Fleet>>) -> i32 {
    let shared = fleet.map(|f| {
        // Promotions and rollbacks of this worker reach the shared store (and every replica).
        dana_poet::store::attach_backend(dir.root(), f.clone());
        SharedWorker {
            fleet: f,
            consumer: learn::consumer_name(),
            claim_idle: o.claim_idle,
            // Short reads, so that Ctrl-C is answered within a second.
            block: if o.once {
                Duration::from_millis(1)
            } else {
                o.interval.min(Duration::from_secs(1))
            },
        }
    });
    if let Some(w) = &shared {
        if let Err(e) = w.join() {
            eprintln!("error: {e}");
            return 1;
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    if !o.once {
        let s = stop.clone();
        let _ = ctrlc::set_handler(move || {
            if s.swap(true, Ordering::SeqCst) {
                // A second Ctrl-C while a batch runs: the batch stays pending (nothing lost).
                std::process::exit(crate::runner::EXIT_INTERRUPTED);
            }
        });
    }
    let mut total = WorkerReport::default();
    let batch = o.batch.max(1);
    while !stop.load(Ordering::SeqCst) {
        let r = match &shared {
            Some(w) => w.run_batch(dir, batch),
            None => learn::run_batch(dir, batch),
        };
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        };
        let drained = r.events < batch;
        if r.events > 0 && !o.once {
            say(&batch_line(&r, o.json));
        }
        total.add(r);
        if o.once {
            if drained {
                break;
            }
            continue;
        }
        if drained && shared.is_none() {
            // (A shared worker waits inside its read.) Sleeps in short steps so that Ctrl-C is answered at once.
            let mut left = o.interval;
            while !left.is_zero() && !stop.load(Ordering::SeqCst) {
                let step = left.min(Duration::from_millis(100));
                std::thread::sleep(step);
                left -= step;
            }
        }
    }
    if o.once {
        if o.json {
            let v = serde_json::to_value(&total).unwrap_or(json!(null));
            say(&format!(
                "{}\n",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            ));
        } else {
            say(&batch_line(&total, false));
        }
    } else if !o.json {
        let place = match fleet {
            Some(f) => format!("the stream {} of {}", f.stream_key(), f.config_url()),
            None => dir.root().display().to_string(),
        };
        say(&format!(
            "worker stopped after {} event(s) in {place}\n",
            total.events
        ));
    }
    0
}
