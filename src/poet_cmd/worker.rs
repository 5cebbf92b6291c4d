//! `dana poet worker`: consumes the event queue of a store and runs the learning loop on it
//! (`dana_poet::learn::worker`), batch after batch; `--once` drains what is pending and
//! exits, otherwise it polls until Ctrl-C, which stops it after the current batch.

use dana_poet::admin::serde_json::{self, json};
use dana_poet::learn::{self, WorkerReport};
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
    s.push('\n');
    for a in &r.actions {
        s.push_str(&format!("  {a}\n"));
    }
    s
}

/// Runs the worker; returns the exit code (1 after an error, 0 otherwise).
pub(crate) fn run(dir: &PoetDir, o: &WorkerOptions) -> i32 {
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
        let r = match learn::run_batch(dir, batch) {
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
        if drained {
            // Sleeps in short steps so that Ctrl-C is answered at once.
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
        say(&format!(
            "worker stopped after {} event(s) in {}\n",
            total.events,
            dir.root().display()
        ));
    }
    0
}
