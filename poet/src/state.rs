//! What a decorated function saves and reads back: `Live` (the counters, breaker and
//! evidence in `state.json`), the learned parameters and trigger settings (`params.json`),
//! and the validation that clamps every number read from the store.

use crate::call::breaker::Breaker;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Instant;

/// Recorded executions kept per version (inputs for replay and re-tuning).
pub const MAX_RECORDS: usize = 50;

/// One recorded execution.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CallRecord {
    pub execution_id: String,
    pub ok: bool,
    pub timeout: bool,
    pub ms: f64,
    /// The bound positional arguments, when they convert to JSON.
    pub args: Option<serde_json::Value>,
    pub result: Option<serde_json::Value>,
    pub rating: Option<i64>,
}

/// The triggers' settings (`params.json` → `learning`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Triggers {
    pub error_rate: f64,
    pub min_calls: usize,
    pub max_mean_rating: f64,
    pub min_ratings: usize,
    pub timeouts: usize,
    /// p95 latency budget for `optimize_for="latency"`.
    pub latency_ms: f64,
}

impl Default for Triggers {
    fn default() -> Self {
        Triggers {
            error_rate: 0.2,
            min_calls: 20,
            max_mean_rating: 2.0,
            min_ratings: 3,
            timeouts: 3,
            latency_ms: 100.0,
        }
    }
}

/// Parameters a version learned (`params.json` → `learned`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Learned {
    /// New defaults of numeric parameters.
    pub defaults: BTreeMap<String, f64>,
    pub timeout: Option<f64>,
    pub retries: Option<u32>,
}

/// Where a promoted version came from, for the rollback check.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PromotedFrom {
    pub version: u32,
    pub error_rate: f64,
    pub mean_rating: Option<f64>,
}

/// Failures per stage.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct StageFailures {
    pub perceive: u64,
    pub operate: u64,
    pub enforce: u64,
    pub train: u64,
}

/// Counters and breaker of the current version, as saved in `state.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Live {
    pub calls: u64,
    pub successes: u64,
    pub failures: u64,
    pub fallbacks: u64,
    pub rejected_inputs: u64,
    pub timeouts: u64,
    pub retries: u64,
    pub total_ms: f64,
    pub max_ms: f64,
    pub failed_stages: StageFailures,
    pub last_failure: Option<serde_json::Value>,
    pub last_train: Option<String>,
    /// The `train` stage's metrics of the latest call, for its execution event.
    #[serde(skip)]
    pub last_train_json: Option<serde_json::Value>,
    /// The latest ratings (at most 20), for the learning triggers.
    pub ratings: Vec<i64>,
    /// `feedback(..., regenerate=True)` asked for a new version.
    pub regenerate_requested: bool,
    /// The latest executions (inputs, results, ratings) for replay and re-tuning, oldest
    /// first (a ring: every call adds one and drops the oldest without moving the others).
    pub records: std::collections::VecDeque<CallRecord>,
    /// Calls to wait before the triggers look again (after a regeneration or a rollback).
    pub cooldown: usize,
    /// Set while a promoted version is on probation against its parent.
    pub promoted_from: Option<PromotedFrom>,
    pub breaker: Breaker,
    pub updated_at: Option<String>,
    #[serde(skip)]
    pub dirty: bool,
    #[serde(skip)]
    pub last_flush: Option<Instant>,
    /// A failed save was reported (once per function).
    #[serde(skip)]
    pub flush_warned: bool,
    /// `[poet] worker = true` for this function's store (read once): the worker runs the
    /// learning loop, the program only carries out its requests.
    #[serde(skip)]
    pub worker_mode: Option<bool>,
    /// When the program last looked for the worker's decisions.
    #[serde(skip)]
    pub worker_checked: Option<Instant>,
    /// The worker request this program carried out last (its id).
    #[serde(skip)]
    pub worker_done: Option<String>,
}

impl Live {
    /// The mean of the latest ratings, if any.
    pub(crate) fn mean_rating(&self) -> Option<f64> {
        let rated: Vec<i64> = self.records.iter().filter_map(|r| r.rating).collect();
        (!rated.is_empty()).then(|| rated.iter().sum::<i64>() as f64 / rated.len() as f64)
    }
}

/// The most ratings kept for the triggers (see [`Live::ratings`]).
pub(crate) const MAX_RATINGS: usize = 20;
/// The longest failure message kept in `state.json`; longer ones are cut with a marker.
pub(crate) const MAX_FAILURE_MESSAGE: usize = 4096;

/// `text` cut to at most `max` bytes (on a character boundary), with a marker saying how many
/// bytes were cut.
pub(crate) fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(crate::events::event::cut_with_marker(text, max))
}

/// `params.json` → `learned`, read field by field: a number out of its range is clamped into it
/// (or dropped when it is not a number at all) and described in `problems`. A planted
/// `"timeout": 1e300` or `"retries": 4000000000` never reaches the pipeline.
pub(crate) fn learned_from_params(
    params: &serde_json::Value,
    problems: &mut Vec<String>,
) -> Learned {
    use crate::config::limits;
    let mut out = Learned::default();
    let Some(l) = params.get("learned") else {
        return out;
    };
    let Some(l) = l.as_object() else {
        problems.push(format!("learned is {l}, not an object; ignored"));
        return out;
    };
    if let Some(t) = l.get("timeout").filter(|t| !t.is_null()) {
        match t.as_f64() {
            Some(x) if x > 0.0 && x <= limits::TIMEOUT_MAX => out.timeout = Some(x),
            Some(x) if x > limits::TIMEOUT_MAX => {
                problems.push(format!(
                    "learned.timeout = {t} is over {} s; clamped",
                    limits::TIMEOUT_MAX
                ));
                out.timeout = Some(limits::TIMEOUT_MAX);
            }
            _ => problems.push(format!(
                "learned.timeout = {t} is not a number of seconds above 0; ignored"
            )),
        }
    }
    if let Some(r) = l.get("retries").filter(|r| !r.is_null()) {
        let (lo, hi) = limits::RETRIES;
        match (r.as_u64(), r.as_f64()) {
            (Some(n), _) if n <= u64::from(hi) => out.retries = Some(n.max(u64::from(lo)) as u32),
            (_, Some(x)) if x > f64::from(hi) => {
                problems.push(format!("learned.retries = {r} is over {hi}; clamped"));
                out.retries = Some(hi);
            }
            _ => problems.push(format!(
                "learned.retries = {r} is not an int from {lo} to {hi}; ignored"
            )),
        }
    }
    if let Some(d) = l.get("defaults").filter(|d| !d.is_null()) {
        match d.as_object() {
            Some(d) => {
                for (name, v) in d {
                    match v.as_f64() {
                        Some(x) if x.is_finite() && x.abs() <= 1e15 => {
                            out.defaults.insert(name.clone(), x);
                        }
                        _ => problems.push(format!(
                            "learned.defaults.{name} = {v} is not a number within ±1e15; ignored"
                        )),
                    }
                }
            }
            None => problems.push(format!("learned.defaults is {d}, not an object; ignored")),
        }
    }
    out
}

/// `params.json` → `learning`, each setting clamped into the range where the triggers make
/// sense (a `min_calls` of 0 or 10⁹, a `timeouts` of 0 would fire on every call or never).
pub(crate) fn triggers_from_params(
    params: &serde_json::Value,
    problems: &mut Vec<String>,
) -> Triggers {
    let mut t = Triggers::default();
    let Some(l) = params.get("learning") else {
        return t;
    };
    let Some(l) = l.as_object() else {
        problems.push(format!("learning is {l}, not an object; ignored"));
        return t;
    };
    let mut float = |key: &str, lo: f64, hi: f64, slot: &mut f64| {
        let Some(v) = l.get(key) else { return };
        match v.as_f64() {
            Some(x) if (lo..=hi).contains(&x) => *slot = x,
            Some(x) if x.is_finite() => {
                problems.push(format!(
                    "learning.{key} = {v} is outside {lo}..={hi}; clamped"
                ));
                *slot = x.clamp(lo, hi);
            }
            _ => problems.push(format!("learning.{key} = {v} is not a number; ignored")),
        }
    };
    float("error_rate", 0.0, 1.0, &mut t.error_rate);
    float("max_mean_rating", 1.0, 5.0, &mut t.max_mean_rating);
    float("latency_ms", 0.001, 3_600_000.0, &mut t.latency_ms);
    let mut int = |key: &str, lo: usize, hi: usize, slot: &mut usize| {
        let Some(v) = l.get(key) else { return };
        match v.as_f64() {
            Some(x) if x.fract() == 0.0 && (lo as f64..=hi as f64).contains(&x) => {
                *slot = x as usize
            }
            Some(x) if x.is_finite() => {
                problems.push(format!(
                    "learning.{key} = {v} is outside {lo}..={hi}; clamped"
                ));
                *slot = (x.round().clamp(lo as f64, hi as f64)) as usize;
            }
            _ => problems.push(format!("learning.{key} = {v} is not a number; ignored")),
        }
    };
    int("min_calls", 1, MAX_RECORDS, &mut t.min_calls);
    int("min_ratings", 1, MAX_RATINGS, &mut t.min_ratings);
    int("timeouts", 1, 20, &mut t.timeouts);
    t
}

impl Live {
    /// Brings counters read from `state.json` back into the ranges the runtime keeps them in;
    /// what had to change is described in `problems`. A hand-edited or hostile `state.json`
    /// cannot make the triggers overflow, the breaker stay open forever, or the file outgrow
    /// what the store reads back.
    pub(crate) fn sanitize(&mut self, now: f64, problems: &mut Vec<String>) {
        if self.records.len() > MAX_RECORDS {
            problems.push(format!(
                "{} recorded executions, more than {MAX_RECORDS}; the oldest dropped",
                self.records.len()
            ));
            let excess = self.records.len() - MAX_RECORDS;
            self.records.drain(..excess);
        }
        // Counters grow by one per call: a planted u64::MAX would overflow at the next call.
        const MAX_COUNT: u64 = 1 << 53;
        let fs = &mut self.failed_stages;
        let mut huge = false;
        for c in [
            &mut self.calls,
            &mut self.successes,
            &mut self.failures,
            &mut self.fallbacks,
            &mut self.rejected_inputs,
            &mut self.timeouts,
            &mut self.retries,
            &mut fs.perceive,
            &mut fs.operate,
            &mut fs.enforce,
            &mut fs.train,
            &mut self.breaker.opened_count,
        ] {
            if *c > MAX_COUNT {
                huge = true;
                *c = MAX_COUNT;
            }
        }
        if huge {
            problems.push(format!("counters above {MAX_COUNT}; clamped"));
        }
        if self.ratings.len() > MAX_RATINGS {
            let excess = self.ratings.len() - MAX_RATINGS;
            self.ratings.drain(..excess);
        }
        let mut bad_rating = false;
        for r in self.ratings.iter_mut() {
            bad_rating |= !(1..=5).contains(r);
            *r = (*r).clamp(1, 5);
        }
        for rec in self.records.iter_mut() {
            if let Some(r) = rec.rating.as_mut() {
                bad_rating |= !(1..=5).contains(r);
                *r = (*r).clamp(1, 5);
            }
            if !rec.ms.is_finite() || rec.ms < 0.0 {
                rec.ms = 0.0;
            }
        }
        if bad_rating {
            problems.push("ratings outside 1..=5; clamped".into());
        }
        if self.cooldown > MAX_RECORDS {
            problems.push(format!(
                "cooldown = {}; clamped to {MAX_RECORDS}",
                self.cooldown
            ));
            self.cooldown = MAX_RECORDS;
        }
        for x in [&mut self.total_ms, &mut self.max_ms] {
            if !x.is_finite() || *x < 0.0 {
                *x = 0.0;
            }
        }
        if let Some(p) = self.promoted_from.as_mut() {
            p.error_rate = if p.error_rate.is_finite() {
                p.error_rate.clamp(0.0, 1.0)
            } else {
                0.0
            };
            p.mean_rating = p
                .mean_rating
                .filter(|m| m.is_finite())
                .map(|m| m.clamp(1.0, 5.0));
        }
        let b = &mut self.breaker;
        let max_window = crate::config::limits::BREAKER_WINDOW.1 as usize;
        if b.recent.len() > max_window {
            let excess = b.recent.len() - max_window;
            b.recent.drain(..excess);
        }
        if let Some(at) = b.opened_at {
            // An opening in the future (or not a time at all) would keep the breaker open
            // for as long as the clock takes to get there.
            if !at.is_finite() || at > now {
                problems.push(format!(
                    "breaker.opened_at = {at} is in the future; set to now"
                ));
                b.opened_at = Some(now);
            }
        }
        if let Some(f) = self.last_failure.as_mut() {
            let text = f.to_string();
            if text.len() > MAX_FAILURE_MESSAGE * 2 {
                *f = serde_json::Value::String(clip(&text, MAX_FAILURE_MESSAGE).into_owned());
            }
        }
    }
}
