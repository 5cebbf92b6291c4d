//! Counting a finished call: the counters and the breaker in `Live`, and with `train=True`
//! the execution event, the call's record and a look by the learning loop.

use crate::call::outcome::{Outcome, Stage};
use crate::function::{unix_now, PoetFunction};
use crate::learn::metrics::Sample;
use crate::state::{clip, MAX_FAILURE_MESSAGE};
use crate::store;
use dana_interpreter::error::ExcKind;
use dana_interpreter::eval::Interp;
use std::time::Duration;

/// How often in-memory counters reach `state.json` at most (breaker changes go at once).
const FLUSH_EVERY: Duration = Duration::from_secs(1);

impl PoetFunction {
    /// Counts a finished call; feeds the breaker when the pipeline ran.
    pub(crate) fn record(&self, o: Outcome<'_>) {
        let mut live = self.live.borrow_mut();
        live.calls += 1;
        if o.ok {
            live.successes += 1;
        } else {
            live.failures += 1;
        }
        live.fallbacks += o.fallback as u64;
        live.rejected_inputs += o.rejected_input as u64;
        live.retries += o.attempts.saturating_sub(1) as u64;
        let ms = o.millis();
        live.total_ms += ms;
        live.max_ms = live.max_ms.max(ms);
        if let Some(stage) = o.failed_stage {
            let n = match stage {
                Stage::Perceive => &mut live.failed_stages.perceive,
                Stage::Operate => &mut live.failed_stages.operate,
                Stage::Enforce => &mut live.failed_stages.enforce,
                Stage::Train => &mut live.failed_stages.train,
            };
            *n += 1;
            if let Some(e) = o.error {
                if e.kind == ExcKind::TimeoutError {
                    live.timeouts += 1;
                }
                live.last_failure = Some(serde_json::json!({
                    "stage": stage.as_str(),
                    "type": e.kind.name(),
                    "message": clip(&e.message, MAX_FAILURE_MESSAGE),
                    "at": store::rfc3339_now(),
                }));
            }
        }
        let mut changed = false;
        if o.attempts > 0 {
            let now = if o.ok { 0.0 } else { unix_now() };
            let cfg = self.config.breaker.clone();
            let t = live.breaker.record(&cfg, !o.ok, now);
            if let Some(t) = &t {
                tracing::info!(function = %self.display, from = t.from.as_str(), to = t.to.as_str(), "poet: circuit breaker changed state");
            }
            changed = t.is_some();
        }
        live.dirty = true;
        let due = live
            .last_flush
            .is_none_or(|t| o.end.saturating_duration_since(t) >= FLUSH_EVERY);
        drop(live);
        if changed || due {
            self.flush();
        }
    }

    /// Counts a finished call; with `train=True` also records its execution event and
    /// evidence, and lets the learning loop look at it.
    pub(crate) fn finish(&self, it: &mut Interp, o: Outcome<'_>, cpu_start: Option<Sample>) {
        let train = match (cpu_start, self.rt.upgrade()) {
            (Some(cpu0), Some(rt)) => {
                let e = self.execution_record(&o, cpu0);
                self.last_execution.set(Some((e.execution_id, e.event_id)));
                let timeout = o.error.is_some_and(|e| e.kind == ExcKind::TimeoutError);
                let ms = o.millis();
                if !o.rejected_input && o.attempts > 0 {
                    self.remember(e.execution_id, o.ok, timeout, ms, o.args, o.result);
                }
                rt.emit_execution(it, &self.poet_dir, e);
                true
            }
            _ => false,
        };
        self.record(o);
        if train {
            self.learn(it);
        }
    }
}
