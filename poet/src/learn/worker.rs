//! The learning loop fed from the event queue (`dana poet worker`): batches of pending events
//! are consumed under the consumer lock, folded into each function's evidence, judged by the
//! same triggers and rollback rule as the in-process loop, and moved to `processed/`.
//!
//! The worker has the store, not the program, so it acts where no code has to run: it rolls a
//! promoted version on probation back when it does worse than its parent, and it re-tunes
//! the timeout (after timeouts) and the retries (after errors) into a new promoted version. A
//! trigger that needs the function's code (an LLM regeneration, a search of a numeric default
//! verified by replay, a regeneration asked by feedback) becomes a *request* in the worker's
//! evidence file; a program in worker mode (`[poet] worker = true`) carries it out at its next
//! call of the function (within a second) with its in-process loop, and adopts every version
//! the worker makes current.
//!
//! With the Redis backend (`worker/shared.rs`) the worker consumes the store's stream in a
//! consumer group instead, and the evidence is shared by the workers in Redis.
//!
//! Evidence per function lives in `events/worker/<function>.json` (`evidence.rs`): the version it belongs to,
//! the recorded outcomes and ratings (a `Live`), and the open request. It is written before
//! the batch is moved, and executions are counted once by their id, so a batch handled again
//! after a killed worker changes nothing.

pub mod shared;

use crate::events::{Event, EventError, EventQueue};
use crate::learn::evidence::{evidence_path, Evidence};
use crate::learn::learning::{error_rate, trigger_of, worse_than_parent};
use crate::state::{
    learned_from_params, triggers_from_params, CallRecord, Live, PromotedFrom, MAX_RATINGS,
    MAX_RECORDS,
};
use crate::store::{write_atomic, FunctionStore, NewVersion, PoetDir};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// The events one batch takes at most.
pub const DEFAULT_BATCH: usize = 1000;

/// What one batch did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WorkerReport {
    /// Events consumed (moved to `processed/`).
    pub events: usize,
    pub executions: usize,
    pub feedback: usize,
    /// Decisions, one line each (`f: rolled back v3 -> v2 (…)`).
    pub actions: Vec<String>,
    /// Events naming a function the store does not hold, or with no current version.
    pub skipped: usize,
    /// Redis backend: events applied before (delivered again), acknowledged and not folded.
    #[serde(skip_serializing_if = "is_zero")]
    pub duplicates: usize,
    /// Redis backend: entries taken over from a consumer that stopped (a dead worker).
    #[serde(skip_serializing_if = "is_zero")]
    pub claimed: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl WorkerReport {
    pub fn add(&mut self, other: WorkerReport) {
        self.events += other.events;
        self.executions += other.executions;
        self.feedback += other.feedback;
        self.skipped += other.skipped;
        self.duplicates += other.duplicates;
        self.claimed += other.claimed;
        self.actions.extend(other.actions);
    }
}

impl From<EventError> for String {
    fn from(e: EventError) -> String {
        e.to_string()
    }
}

/// Consumes one batch of at most `max` pending events; `events == 0` when none was pending.
pub fn run_batch(dir: &PoetDir, max: usize) -> Result<WorkerReport, String> {
    let q = EventQueue::open(dir.root()).map_err(|e| e.to_string())?;
    if !dir.root().is_dir() {
        return Ok(WorkerReport::default());
    }
    dir.check_marker().map_err(|e| e.to_string())?;
    q.touch_worker()?;
    let mut report = WorkerReport::default();
    let n = q.consume(max, |events| -> Result<(), String> {
        let mut by_fn: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
        for e in events {
            if matches!(e.kind.as_str(), "function.execution" | "function.feedback") {
                if let Some(name) = e.function_name() {
                    by_fn.entry(name).or_default().push(e);
                }
            }
        }
        let mut out = Vec::new();
        for (name, evs) in by_fn {
            learn_function(dir, name, &evs, &mut report, &mut out)?;
        }
        // The decisions are on record before their causes leave pending/.
        q.emit_batch(&out)?;
        Ok(())
    })?;
    report.events = n;
    Ok(report)
}

fn learn_function(
    dir: &PoetDir,
    name: &str,
    events: &[&Event],
    report: &mut WorkerReport,
    out: &mut Vec<Event>,
) -> Result<(), String> {
    let path = evidence_path(dir.root(), name);
    let load = || {
        std::fs::read(&path)
            .ok()
            .and_then(|t| serde_json::from_slice(&t).ok())
    };
    let save = |ev: &Evidence| -> Result<(), String> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let bytes = serde_json::to_vec_pretty(ev).map_err(|e| e.to_string())?;
        write_atomic(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))
    };
    fold_and_decide(dir, name, events, report, out, load, save)
}

/// Folds `events` into `name`'s evidence (from `load`), decides, and stores the evidence
/// with `save` (called also when the events were all of older versions, so that their ids
/// count as applied); events of a function without a current version are skipped.
pub(crate) fn fold_and_decide(
    dir: &PoetDir,
    name: &str,
    events: &[&Event],
    report: &mut WorkerReport,
    out: &mut Vec<Event>,
    load: impl FnOnce() -> Option<Evidence>,
    save: impl FnOnce(&Evidence) -> Result<(), String>,
) -> Result<(), String> {
    let Ok(store) = dir.function(name) else {
        report.skipped += events.len();
        return Ok(());
    };
    let Some(current) = store.current().ok().flatten() else {
        report.skipped += events.len();
        return Ok(());
    };
    let ver = store.load(current).map_err(|e| e.to_string())?;
    let mut ev: Evidence = load().unwrap_or_default();
    if ev.version != current {
        ev = fresh(current, &ver.state);
    }
    for e in events {
        let version = e.payload.get("version").and_then(|v| v.as_u64());
        if version != Some(u64::from(current)) {
            // Evidence of a version no longer served.
            continue;
        }
        match e.kind.as_str() {
            "function.execution" => {
                if fold_execution(&mut ev.live, e) {
                    report.executions += 1;
                }
            }
            _ => {
                fold_feedback(&mut ev.live, e);
                report.feedback += 1;
            }
        }
    }
    decide(&store, name, current, &ver, &mut ev, report, out)?;
    save(&ev)
}

/// Evidence starting over for `version`, keeping its probation (from its `state.json`).
fn fresh(version: u32, state: &serde_json::Value) -> Evidence {
    let promoted_from = state
        .get("promoted_from")
        .and_then(|p| serde_json::from_value::<PromotedFrom>(p.clone()).ok());
    Evidence {
        version,
        live: Live {
            promoted_from,
            ..Live::default()
        },
        request: None,
    }
}

/// Adds an execution to the evidence; `false` when it was already counted.
fn fold_execution(live: &mut Live, e: &Event) -> bool {
    let p = &e.payload;
    let exec_id = p
        .get("execution_id")
        .and_then(|v| v.as_str())
        .unwrap_or(&e.correlation_id);
    if live.records.iter().any(|r| r.execution_id == exec_id) {
        return false;
    }
    let ok = p.get("status").and_then(|s| s.as_str()) == Some("success");
    let timeout = p
        .pointer("/error/type")
        .and_then(|t| t.as_str())
        .is_some_and(|t| t == "TimeoutError");
    let ms = p
        .pointer("/metrics/duration_ms")
        .and_then(|m| m.as_f64())
        .unwrap_or(0.0);
    live.calls += 1;
    if ok {
        live.successes += 1;
    } else {
        live.failures += 1;
    }
    live.timeouts += u64::from(timeout);
    live.records.push_back(CallRecord {
        execution_id: exec_id.to_string(),
        ok,
        timeout,
        ms,
        args: None,
        result: None,
        rating: None,
    });
    let excess = live.records.len().saturating_sub(MAX_RECORDS);
    live.records.drain(..excess);
    live.cooldown = live.cooldown.saturating_sub(1);
    true
}

fn fold_feedback(live: &mut Live, e: &Event) {
    let p = &e.payload;
    let rating = p.get("rating").and_then(|r| r.as_i64());
    let exec_id = p.get("execution_id").and_then(|v| v.as_str()).unwrap_or("");
    if let Some(rec) = live
        .records
        .iter_mut()
        .rev()
        .find(|r| r.execution_id == exec_id)
    {
        rec.rating = rating.or(rec.rating);
    }
    if let Some(r) = rating {
        live.ratings.push(r);
        let excess = live.ratings.len().saturating_sub(MAX_RATINGS);
        live.ratings.drain(..excess);
    }
    live.regenerate_requested |= p.get("regenerate").and_then(|r| r.as_bool()) == Some(true);
}

fn event(kind: &str, chain: Option<(&str, &str)>, payload: serde_json::Value) -> Event {
    let (flow, cause) = chain.unzip();
    Event::new(kind, flow, cause, payload)
}

/// The rollback rule, then the triggers; acts on the store where no code has to run.
fn decide(
    store: &FunctionStore,
    name: &str,
    current: u32,
    ver: &crate::store::Version,
    ev: &mut Evidence,
    report: &mut WorkerReport,
    out: &mut Vec<Event>,
) -> Result<(), String> {
    let t = triggers_from_params(&ver.params, &mut Vec::new());
    if let Some(p) = ev.live.promoted_from.clone() {
        if ev.live.records.len() >= t.min_calls {
            let (err, rating) = (error_rate(&ev.live.records), ev.live.mean_rating());
            if !worse_than_parent(err, rating, p.error_rate, p.mean_rating) {
                ev.live.promoted_from = None;
            } else {
                let lock = store.lock().map_err(|e| e.to_string())?;
                if store.current().ok().flatten() == Some(current) {
                    store
                        .set_current(&lock, p.version)
                        .map_err(|e| e.to_string())?;
                    let reason = format!(
                        "error rate {err:.2} vs {:.2}, mean rating {rating:?} vs {:?}",
                        p.error_rate, p.mean_rating
                    );
                    out.push(event(
                        "version.rolled_back",
                        None,
                        json!({"function_name": name, "from": current, "to": p.version,
                               "reason": reason, "by": "worker"}),
                    ));
                    report.actions.push(format!(
                        "{name}: rolled back v{current} -> v{} ({reason})",
                        p.version
                    ));
                }
                *ev = Evidence {
                    version: p.version,
                    ..Evidence::default()
                };
                return Ok(());
            }
        }
    }
    if ev.request.is_some() {
        // Waiting for a program to carry it out.
        return Ok(());
    }
    let optimize_for = ver
        .params
        .pointer("/decorator/optimize_for")
        .and_then(|v| v.as_str());
    let Some(why) = trigger_of(&ev.live, &t, optimize_for) else {
        return Ok(());
    };
    // One attempt per trigger: whatever happens, the evidence starts over.
    let asked_by_feedback = ev.live.regenerate_requested;
    ev.live.regenerate_requested = false;
    ev.live.ratings.clear();
    ev.live.cooldown = t.min_calls;
    let requested = event(
        "enhancement.requested",
        None,
        json!({"function_name": name, "version": current, "reason": why, "by": "worker"}),
    );
    let flow = requested.id.clone();
    out.push(requested);
    let mut learned = learned_from_params(&ver.params, &mut Vec::new());
    let decorator = |k: &str| ver.params.pointer(&format!("/decorator/{k}")).cloned();
    let records = &ev.live.records;
    let mut changed = false;
    if records.iter().filter(|r| r.timeout).count() >= t.timeouts {
        let base = learned
            .timeout
            .or_else(|| decorator("timeout").and_then(|v| v.as_f64()))
            .unwrap_or(30.0);
        let next = (base * 2.0).min(60.0);
        changed |= learned.timeout != Some(next) && next > base;
        learned.timeout = Some(next);
    }
    let errors = records.iter().filter(|r| !r.ok && !r.timeout).count();
    if !records.is_empty() && errors as f64 / records.len() as f64 > t.error_rate {
        let base = learned
            .retries
            .or_else(|| {
                decorator("retries")
                    .and_then(|v| v.as_u64())
                    .map(|r| r as u32)
            })
            .unwrap_or(0);
        let next = (base + 1).min(5);
        changed |= next > base;
        learned.retries = Some(next);
    }
    if !changed || asked_by_feedback {
        ev.request = Some((flow, why.clone()));
        report.actions.push(format!(
            "{name}: v{current} needs new code ({why}); requested from the programs"
        ));
        return Ok(());
    }
    let lock = store.lock().map_err(|e| e.to_string())?;
    if store.current().ok().flatten() != Some(current) {
        // A program or another worker moved `current` meanwhile: its choice stands.
        return Ok(());
    }
    let mut params = ver.params.clone();
    if let Some(o) = params.as_object_mut() {
        o.insert("learned".into(), json!(learned));
    }
    let mut metadata = ver.metadata.clone();
    metadata.created_at = crate::store::rfc3339_now();
    metadata.reason = format!("learned from production evidence ({why}) by dana poet worker");
    let from = PromotedFrom {
        version: current,
        error_rate: error_rate(records),
        mean_rating: ev.live.mean_rating(),
    };
    let n = store
        .create(
            &lock,
            NewVersion {
                code: ver.code.clone(),
                params,
                state: json!({"promoted_from": from}),
                metadata,
            },
        )
        .map_err(|e| e.to_string())?;
    drop(lock);
    let done = event(
        "enhancement.completed",
        Some((&flow, &flow)),
        json!({"function_name": name, "version": current, "generator": "offline",
               "learned": learned, "by": "worker"}),
    );
    let done_id = done.id.clone();
    out.push(done);
    out.push(event(
        "version.promoted",
        Some((&flow, &done_id)),
        json!({"function_name": name, "from": current, "to": n, "reason": why, "by": "worker"}),
    ));
    report
        .actions
        .push(format!("{name}: promoted v{n} from v{current} ({why})"));
    *ev = Evidence {
        version: n,
        live: Live {
            promoted_from: Some(from),
            ..Live::default()
        },
        request: None,
    };
    Ok(())
}
