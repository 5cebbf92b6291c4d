//! The learning loop (POET_SPEC §6): rolling evidence per version, the triggers, offline
//! re-tuning of learned parameters, replay of recorded inputs before promotion, promotion, and
//! the automatic rollback of a promoted version that does worse than its parent. Every decision
//! is an event.
//!
//! Offline re-tuning searches the default of each numeric parameter (a threshold, a window) on
//! the recorded inputs and their ratings: a candidate scores a point for every badly rated
//! execution whose answer it changes and for every well rated one whose answer it keeps. It
//! also raises the timeout after timeouts and the retries after errors. With an LLM configured
//! the regeneration prompt carries the evidence instead (the current code, failures, feedback).

use crate::events::Event;
use crate::function::{PoetFunction, Slot};
use crate::state::{CallRecord, Learned, Live, PromotedFrom, Triggers, MAX_RECORDS};
use dana_grammar::ast::{ParamKind, Sym};
use dana_interpreter::eval::{Interp, Output};
use dana_interpreter::value::{TypeAnn, Value};
use serde_json::json;
use std::time::{Duration, Instant};
/// How often a program in worker mode looks for the worker's decisions.
const WORKER_CHECK_EVERY: Duration = Duration::from_secs(1);
/// A recorded input larger than this (as JSON) is not kept.
const MAX_RECORD_BYTES: usize = 16 * 1024;

/// `values` as a JSON array for a call record, or `None` when they do not convert or their
/// JSON is over [`MAX_RECORD_BYTES`].
fn record_list(values: &[Value]) -> Option<serde_json::Value> {
    record_values(values).map(serde_json::Value::Array)
}

/// Each of `values` as JSON (as `dana_interpreter::engine::from_value` converts them), when
/// they all convert and take at most [`MAX_RECORD_BYTES`] together. Numbers, booleans, `None`
/// and short strings (the common arguments) are converted directly, without measuring.
fn record_values(values: &[Value]) -> Option<Vec<serde_json::Value>> {
    use serde_json::Value as J;
    let mut out = Vec::with_capacity(values.len());
    // An upper bound of the JSON size while every value is a scalar: a character escapes
    // to at most 6 bytes.
    let mut bound = 2usize;
    let mut measured = false;
    for v in values {
        let j = match v {
            Value::None => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => J::Number(serde_json::Number::from_f64(*f)?),
            Value::Str(s) => {
                bound += s.len() * 6 + 2;
                J::String(s.to_string())
            }
            other => {
                measured = true;
                dana_interpreter::engine::from_value::<J>(other).ok()?
            }
        };
        bound += 25;
        out.push(j);
    }
    if measured || bound > MAX_RECORD_BYTES {
        let size = serde_json::to_vec(&out).ok()?.len();
        if size > MAX_RECORD_BYTES {
            return None;
        }
    }
    Some(out)
}

/// What made the loop act.
pub(crate) fn trigger(f: &PoetFunction) -> Option<String> {
    let live = f.live.borrow();
    let t = f.triggers.borrow();
    trigger_of(&live, &t, f.config.optimize_for.as_deref())
}

/// The triggers over one version's evidence (the in-process loop and the worker share them).
pub(crate) fn trigger_of(live: &Live, t: &Triggers, optimize_for: Option<&str>) -> Option<String> {
    if live.regenerate_requested {
        return Some("feedback asked for a new version".into());
    }
    if live.cooldown > 0 {
        return None;
    }
    let recent = &live.records;
    if recent.len() >= t.min_calls {
        let window = recent.range(recent.len() - t.min_calls..);
        let errors = window.filter(|r| !r.ok).count();
        if errors as f64 / t.min_calls as f64 > t.error_rate {
            return Some(format!(
                "error rate {errors}/{} over the last calls",
                t.min_calls
            ));
        }
    }
    let last20 = recent.range(recent.len().saturating_sub(20)..);
    let n20 = last20.len();
    let timeouts = last20.filter(|r| r.timeout).count();
    if timeouts >= t.timeouts {
        return Some(format!("{timeouts} timeouts in the last {n20} calls"));
    }
    let ratings = &live.ratings;
    if ratings.len() >= t.min_ratings {
        let mean = ratings.iter().sum::<i64>() as f64 / ratings.len() as f64;
        if mean <= t.max_mean_rating {
            return Some(format!(
                "mean rating {mean:.1} over {} ratings",
                ratings.len()
            ));
        }
    }
    // Runs after every call: one pass over the (at most MAX_RECORDS) records, no allocation;
    // the percentile itself is computed only for the message.
    if optimize_for == Some("latency")
        && recent.len() >= t.min_calls
        && recent.iter().filter(|r| r.ms <= t.latency_ms).count()
            <= ((recent.len() as f64 * 0.95) as usize).min(recent.len() - 1)
    {
        let mut ms: Vec<f64> = recent.iter().map(|r| r.ms).collect();
        ms.sort_by(|a, b| a.total_cmp(b));
        let p95 = ms[((ms.len() as f64 * 0.95) as usize).min(ms.len() - 1)];
        if p95 > t.latency_ms {
            return Some(format!(
                "p95 latency {p95:.1} ms over the {} ms budget",
                t.latency_ms
            ));
        }
    }
    None
}

impl PoetFunction {
    /// Keeps a finished call's evidence; `args` are the bound arguments.
    pub(crate) fn remember(
        &self,
        execution_id: u128,
        ok: bool,
        timeout: bool,
        ms: f64,
        args: Option<&[Value]>,
        result: Option<&Value>,
    ) {
        let args = args.and_then(record_list);
        let result = result
            .and_then(|v| record_values(std::slice::from_ref(v)).map(|mut a| a.swap_remove(0)));
        let mut live = self.live.borrow_mut();
        if live.records.len() >= MAX_RECORDS {
            live.records.pop_front();
        }
        live.records.push_back(CallRecord {
            execution_id: crate::events::id::format_id(execution_id),
            ok,
            timeout,
            ms,
            args,
            result,
            rating: None,
        });
        live.cooldown = live.cooldown.saturating_sub(1);
    }

    /// Checks the triggers after a call and, when one fires, regenerates, replays, promotes.
    pub(crate) fn learn(&self, it: &mut Interp) {
        if self.worker_mode() && !self.follow_worker(it) {
            return;
        }
        if self.check_rollback(it) {
            return;
        }
        let Some(why) = trigger(self) else {
            return;
        };
        tracing::info!(function = %self.display, reason = %why, "poet: regeneration triggered");
        let Some(rt) = self.rt() else { return };
        let version = match &*self.slot.borrow() {
            Slot::Ready(s) => s.version,
            _ => return,
        };
        // One attempt per trigger: whatever happens, the evidence starts over.
        {
            let mut live = self.live.borrow_mut();
            live.regenerate_requested = false;
            live.ratings.clear();
            live.cooldown = self.triggers.borrow().min_calls;
        }
        let name = &self.store_name;
        let flow = self.learning_event(
            &rt,
            it,
            "enhancement.requested",
            None,
            json!({"function_name": name, "version": version, "reason": why}),
        );
        let client = if self.config.generate == "off" {
            None
        } else {
            rt.llm_client(it)
        };
        if let Some(client) = client {
            match self.regenerate_llm(it, &client, &why) {
                Ok((n, _, false)) => {
                    self.note_adopted(it, &flow, n);
                    rt.flush_events();
                    return;
                }
                Ok((n, generator, true)) => {
                    let done = self.learning_event(
                        &rt,
                        it,
                        "enhancement.completed",
                        Some((&flow, &flow)),
                        json!({"function_name": name, "version": version, "generator": generator}),
                    );
                    self.learning_event(
                        &rt,
                        it,
                        "version.promoted",
                        Some((&flow, &done)),
                        json!({"function_name": name, "from": version, "to": n, "reason": why}),
                    );
                    rt.flush_events();
                    return;
                }
                Err(e) => {
                    self.learning_event(
                        &rt,
                        it,
                        "enhancement.failed",
                        Some((&flow, &flow)),
                        json!({"function_name": name, "version": version, "generator": "llm", "error": e}),
                    );
                }
            }
        }
        match self.retune(it) {
            Ok(learned) => {
                let done = self.learning_event(
                    &rt,
                    it,
                    "enhancement.completed",
                    Some((&flow, &flow)),
                    json!({"function_name": name, "version": version, "generator": "offline", "learned": learned}),
                );
                match self.promote(it, learned, &why) {
                    Ok((n, false)) => self.note_adopted(it, &flow, n),
                    Ok((n, true)) => {
                        self.learning_event(
                            &rt,
                            it,
                            "version.promoted",
                            Some((&flow, &done)),
                            json!({"function_name": name, "from": version, "to": n, "reason": why}),
                        );
                    }
                    Err(e) => it.write_stderr(&format!("warning: @poet {}: {e}\n", self.display)),
                }
            }
            Err(e) => {
                self.learning_event(
                    &rt,
                    it,
                    "enhancement.failed",
                    Some((&flow, &flow)),
                    json!({"function_name": name, "version": version, "error": e}),
                );
            }
        }
        rt.flush_events();
    }

    /// Whether the store of this function leaves learning to `dana poet worker`.
    fn worker_mode(&self) -> bool {
        let mode = self.live.borrow().worker_mode;
        match mode {
            Some(m) => m,
            None => {
                let m = crate::events::EventSettings::load(&self.poet_dir).0.worker;
                self.live.borrow_mut().worker_mode = Some(m);
                m
            }
        }
    }

    /// Worker mode, at most once a second: serves the version the worker made current, and
    /// carries out the worker's open request (it needs this function's code). `true` when
    /// the in-process loop should run now for that request.
    fn follow_worker(&self, it: &mut Interp) -> bool {
        {
            let mut live = self.live.borrow_mut();
            if live
                .worker_checked
                .is_some_and(|t| t.elapsed() < WORKER_CHECK_EVERY)
            {
                return false;
            }
            live.worker_checked = Some(Instant::now());
        }
        let (store, version) = match &*self.slot.borrow() {
            Slot::Ready(s) => match &s.store {
                Some(st) => (st.clone(), s.version),
                None => return false,
            },
            _ => return false,
        };
        if let Some(newer) = newer_version(&store, version) {
            if let Err(e) = self.adopt(it, &store, newer) {
                it.write_stderr(&format!("warning: @poet {}: {e}\n", self.display));
            }
            return false;
        }
        let Some((id, _why)) =
            crate::learn::evidence::open_request(&self.poet_dir, &self.store_name, version)
        else {
            return false;
        };
        let mut live = self.live.borrow_mut();
        if live.worker_done.as_deref() == Some(id.as_str()) {
            return false;
        }
        live.worker_done = Some(id);
        live.regenerate_requested = true;
        live.cooldown = 0;
        true
    }

    /// Emits one event of a learning attempt: `chain` is its (correlation, causation) pair, or
    /// `None` for the request that starts the flow. Returns the event's id.
    pub(crate) fn learning_event(
        &self,
        rt: &crate::function::PoetRuntime,
        it: &mut Interp,
        kind: &str,
        chain: Option<(&str, &str)>,
        payload: serde_json::Value,
    ) -> String {
        let (flow, cause) = chain.unzip();
        tracing::info!(function = %self.display, event = kind, reason = payload.get("reason").and_then(|r| r.as_str()).unwrap_or(""), "poet: learning");
        let e = Event::new(kind, flow, cause, payload);
        let id = e.id.clone();
        rt.emit(it, &self.poet_dir, e);
        id
    }

    /// A new version from the LLM, prompted with the evidence (the current code, the latest
    /// failure, the ratings); it passes the gate and the trial run like any answer.
    fn regenerate_llm(
        &self,
        it: &mut Interp,
        client: &dana_llm::LlmClient,
        why: &str,
    ) -> Result<(u32, String, bool), String> {
        let rt = self.rt().ok_or("the POET runtime is gone")?;
        let domain = rt
            .domains_for(&self.poet_dir)
            .map_err(|e| e.to_string())?
            .resolve(&self.config.domain)
            .map_err(|e| e.to_string())?;
        let (granted, _) = domain.grant(&self.config.capabilities);
        let (store, version) = match &*self.slot.borrow() {
            Slot::Ready(s) => (s.store.clone().ok_or("no store")?, s.version),
            _ => return Err("no current version".into()),
        };
        // Another process may have acted on this trigger already: no LLM request for it.
        // (Checked again under the lock below, where it decides.)
        if let Some(newer) = newer_version(&store, version) {
            let generator = newer.metadata.generator.clone();
            return self.adopt(it, &store, newer).map(|n| (n, generator, false));
        }
        let current = store.load(version).map_err(|e| e.to_string())?;
        let before = self.live.borrow().clone();
        let mut evidence = crate::make::prompt::Evidence {
            current_code: Some(current.code.clone()),
            failures: Vec::new(),
            feedback: vec![format!("trigger: {why}")],
        };
        if let Some(f) = &before.last_failure {
            evidence.failures.push(f.to_string());
        }
        for r in before.records.iter().filter(|r| r.rating.is_some()) {
            evidence.feedback.push(format!(
                "rating {} for inputs {} → {}",
                r.rating.unwrap_or(0),
                r.args.as_ref().map(|a| a.to_string()).unwrap_or_default(),
                r.result.as_ref().map(|a| a.to_string()).unwrap_or_default()
            ));
        }
        let model = self
            .config
            .model
            .clone()
            .unwrap_or_else(|| client.config().model_name());
        let offline = crate::make::offline::enhance(
            &self.shape,
            &domain,
            self.config.optimize_for.as_deref(),
        );
        let mut attempts = Vec::new();
        let job = crate::make::job::LlmJob {
            client: client.clone(),
            model: model.clone(),
            domain: domain.clone(),
            offline_code: offline,
            capabilities: granted,
        };
        let cand = self
            .generate_llm(it, &job, Some(&evidence), &mut attempts)
            .ok_or_else(|| {
                format!(
                    "{model} gave no valid version ({} attempts)",
                    attempts.len()
                )
            })?;
        let generator = cand.generator.clone();
        let lock = store.lock().map_err(|e| e.to_string())?;
        if let Some(newer) = newer_version(&store, version) {
            drop(lock);
            return self.adopt(it, &store, newer).map(|n| (n, generator, false));
        }
        let n = self.store_candidate(
            &store,
            &lock,
            &job.domain,
            cand,
            current.metadata.cache_key.clone(),
            format!("regenerated from production evidence ({why})"),
        )?;
        let next = store.load(n).map_err(|e| e.to_string())?;
        drop(lock);
        self.flush();
        let stages = self.compile(it, store, next)?;
        *self.slot.borrow_mut() = Slot::Ready(std::rc::Rc::new(stages));
        self.live.borrow_mut().promoted_from = Some(PromotedFrom {
            version,
            error_rate: error_rate(&before.records),
            mean_rating: before.mean_rating(),
        });
        Ok((n, generator, true))
    }

    /// New learned parameters from the evidence, verified by replay.
    fn retune(&self, it: &mut Interp) -> Result<Learned, String> {
        let mut learned = self.learned.borrow().clone();
        let records: Vec<CallRecord> = self.live.borrow().records.iter().cloned().collect();
        let mut changed = false;
        let timeouts = records.iter().filter(|r| r.timeout).count();
        if timeouts >= self.triggers.borrow().timeouts {
            let t = learned.timeout.unwrap_or(self.config.timeout);
            learned.timeout = Some((t * 2.0).min(60.0));
            changed = true;
        }
        let errors = records.iter().filter(|r| !r.ok && !r.timeout).count();
        if !records.is_empty()
            && errors as f64 / records.len() as f64 > self.triggers.borrow().error_rate
        {
            let r = learned.retries.unwrap_or(self.config.retries);
            learned.retries = Some((r + 1).min(5));
            changed = true;
        }
        if let Some((name, value)) = self.search_default(it, &records)? {
            learned.defaults.insert(name, value);
            changed = true;
        }
        if !changed {
            return Err("the evidence suggests no better parameters".into());
        }
        self.replay(it, &records, &learned)?;
        Ok(learned)
    }

    /// The numeric default that best explains the ratings, if it beats the current one.
    fn search_default(
        &self,
        it: &mut Interp,
        records: &[CallRecord],
    ) -> Result<Option<(String, f64)>, String> {
        let rated: Vec<&CallRecord> = records
            .iter()
            .filter(|r| r.rating.is_some() && r.args.is_some() && r.ok)
            .collect();
        if !rated.iter().any(|r| r.rating.unwrap_or(3) <= 2) {
            return Ok(None);
        }
        let mut best: Option<(String, f64, usize)> = None;
        for (i, p) in self.params.iter().enumerate() {
            let numeric = matches!(p.ann, Some(TypeAnn::Float) | Some(TypeAnn::Int));
            if !numeric || p.kind != ParamKind::Normal {
                continue;
            }
            let Some(current) = self.default_of(p.name, p.default.as_ref()) else {
                continue;
            };
            let score = |it: &mut Interp, value: f64| -> usize {
                rated
                    .iter()
                    .filter(|r| {
                        let out = self.run_with(it, r, i, value, p.ann == Some(TypeAnn::Int));
                        let same = out.as_ref() == r.result.as_ref();
                        if r.rating.unwrap_or(3) <= 2 {
                            out.is_some() && !same
                        } else {
                            same
                        }
                    })
                    .count()
            };
            let base = score(it, current);
            let grid: Vec<f64> = if current == 0.0 {
                vec![0.01, 0.05, 0.1, 0.5, 1.0]
            } else {
                // Rounded to 9 decimals, so a learned 0.3 is stored as 0.3.
                [0.25, 0.5, 0.75, 1.25, 1.5, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0]
                    .iter()
                    .map(|m| (current * m * 1e9).round() / 1e9)
                    .collect()
            };
            let mut local: Option<(f64, usize)> = None;
            for c in grid {
                let s = score(it, c);
                let better = match local {
                    None => s > base,
                    Some((bc, bs)) => {
                        s > bs || (s == bs && (c / current).ln().abs() < (bc / current).ln().abs())
                    }
                };
                if better && s > base {
                    local = Some((c, s));
                }
            }
            if let Some((c, s)) = local {
                if best.as_ref().is_none_or(|b| s > b.2) {
                    best = Some((p.name.as_str().to_string(), c, s));
                }
            }
        }
        Ok(best.map(|(n, v, _)| (n, v)))
    }

    /// The current default of a parameter (a learned one first), as a number.
    fn default_of(&self, name: Sym, default: Option<&Value>) -> Option<f64> {
        if let Some(v) = self.learned.borrow().defaults.get(name.as_str()) {
            return Some(*v);
        }
        match default? {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Operate (then enforce) on a recorded input with parameter `i` set to `value`; the
    /// result as JSON, `None` when it fails.
    fn run_with(
        &self,
        it: &mut Interp,
        r: &CallRecord,
        i: usize,
        value: f64,
        int: bool,
    ) -> Option<serde_json::Value> {
        let stages = match &*self.slot.borrow() {
            Slot::Ready(s) => s.clone(),
            _ => return None,
        };
        let args = r.args.as_ref()?;
        let mut pos: Vec<Value> = match dana_interpreter::engine::to_value(args).ok()? {
            Value::List(l) => l.borrow().clone(),
            _ => return None,
        };
        if i < pos.len() {
            pos[i] = if int {
                Value::Int(value.round() as i64)
            } else {
                Value::Float(value)
            };
        }
        let saved = it.replace_output(Output::Capture(String::new()));
        let out = self.run_stages(
            it,
            &stages,
            &pos,
            &[],
            Instant::now() + Duration::from_millis(500),
            5_000_000,
        );
        it.replace_output(saved);
        let v = out.ok()?;
        dana_interpreter::engine::from_value::<serde_json::Value>(&v).ok()
    }

    /// Replays every recorded input that succeeded with the learned defaults: the candidate
    /// must not fail where the current version answered.
    fn replay(
        &self,
        it: &mut Interp,
        records: &[CallRecord],
        learned: &Learned,
    ) -> Result<(), String> {
        let mut failed = 0;
        let mut ran = 0;
        for r in records.iter().filter(|r| r.ok && r.args.is_some()) {
            let mut ok = true;
            for (i, p) in self.params.iter().enumerate() {
                if let Some(v) = learned.defaults.get(p.name.as_str()) {
                    ok &= self
                        .run_with(it, r, i, *v, p.ann == Some(TypeAnn::Int))
                        .is_some();
                }
            }
            ran += 1;
            if !ok {
                failed += 1;
            }
        }
        if failed > 0 {
            return Err(format!(
                "replay: the candidate failed on {failed} of {ran} recorded inputs the current version answered"
            ));
        }
        Ok(())
    }

    /// Stores the learned parameters as a new version (parent: the current one) and serves it:
    /// `(n, true)`. When another process already moved `current` past the version this one
    /// serves (it acted on the same trigger first), that version is served instead: `(n,
    /// false)`, and nothing is created — one promotion per trigger across processes.
    fn promote(&self, it: &mut Interp, learned: Learned, why: &str) -> Result<(u32, bool), String> {
        let (store, version) = match &*self.slot.borrow() {
            Slot::Ready(s) => (s.store.clone().ok_or("no store")?, s.version),
            _ => return Err("no current version".into()),
        };
        let lock = store.lock().map_err(|e| e.to_string())?;
        if let Some(newer) = newer_version(&store, version) {
            drop(lock);
            return self.adopt(it, &store, newer).map(|n| (n, false));
        }
        let current = store.load(version).map_err(|e| e.to_string())?;
        let mut params = current.params.clone();
        if let Some(o) = params.as_object_mut() {
            o.insert("learned".into(), json!(learned));
        }
        let mut metadata = current.metadata.clone();
        metadata.created_at = crate::store::rfc3339_now();
        metadata.reason = format!("learned from production evidence ({why}); replay verified");
        let before = self.live.borrow().clone();
        let n = store
            .create(
                &lock,
                crate::store::NewVersion {
                    code: current.code.clone(),
                    params,
                    state: json!({"promoted_from": {
                        "version": version,
                        "error_rate": error_rate(&before.records),
                        "mean_rating": before.mean_rating(),
                    }}),
                    metadata,
                },
            )
            .map_err(|e| e.to_string())?;
        let next = store.load(n).map_err(|e| e.to_string())?;
        drop(lock);
        self.flush();
        let stages = self.compile(it, store, next)?;
        *self.slot.borrow_mut() = Slot::Ready(std::rc::Rc::new(stages));
        Ok((n, true))
    }

    /// Serves `newer`, a version another process made current; the evidence of this process
    /// belonged to a version gone from service, so the triggers wait again.
    fn adopt(
        &self,
        it: &mut Interp,
        store: &crate::store::FunctionStore,
        newer: crate::store::Version,
    ) -> Result<u32, String> {
        let n = newer.number;
        self.flush();
        let stages = self.compile(it, store.clone(), newer)?;
        *self.slot.borrow_mut() = Slot::Ready(std::rc::Rc::new(stages));
        self.live.borrow_mut().cooldown = self.triggers.borrow().min_calls;
        Ok(n)
    }

    /// Another process made the version this trigger asked for: serve it, and say so in the
    /// learning flow's place of a promotion.
    fn note_adopted(&self, it: &mut Interp, flow: &str, n: u32) {
        if let Some(rt) = self.rt() {
            self.learning_event(
                &rt,
                it,
                "enhancement.failed",
                Some((flow, flow)),
                json!({"function_name": self.store_name, "version": n,
                       "error": format!("another process promoted v{n} first; serving it")}),
            );
        }
    }

    /// A promoted version that does worse than its parent over `min_calls` calls goes back.
    fn check_rollback(&self, it: &mut Interp) -> bool {
        let (from, parent_error, parent_rating) = {
            let live = self.live.borrow();
            let Some(p) = &live.promoted_from else {
                return false;
            };
            if live.records.len() < self.triggers.borrow().min_calls {
                return false;
            }
            (p.version, p.error_rate, p.mean_rating)
        };
        let (err, rating) = {
            let live = self.live.borrow();
            (error_rate(&live.records), live.mean_rating())
        };
        if !worse_than_parent(err, rating, parent_error, parent_rating) {
            // Proven: no longer on probation.
            self.live.borrow_mut().promoted_from = None;
            return false;
        }
        let (store, version) = match &*self.slot.borrow() {
            Slot::Ready(s) => match &s.store {
                Some(st) => (st.clone(), s.version),
                None => return false,
            },
            _ => return false,
        };
        let r = (|| -> Result<(), String> {
            let lock = store.lock().map_err(|e| e.to_string())?;
            if let Some(newer) = newer_version(&store, version) {
                // Another process rolled back (or promoted) first: serve its choice.
                drop(lock);
                self.adopt(it, &store, newer)?;
                return Err(String::new());
            }
            store.set_current(&lock, from).map_err(|e| e.to_string())?;
            let back = store.load(from).map_err(|e| e.to_string())?;
            drop(lock);
            self.flush();
            let stages = self.compile(it, store, back)?;
            *self.slot.borrow_mut() = Slot::Ready(std::rc::Rc::new(stages));
            self.live.borrow_mut().cooldown = self.triggers.borrow().min_calls;
            Ok(())
        })();
        if r.is_ok() {
            tracing::info!(function = %self.display, from = version, to = from, error_rate = err, "poet: rolled back to the parent version");
        }
        if let (Ok(()), Some(rt)) = (&r, self.rt()) {
            rt.emit(
                it,
                &self.poet_dir,
                Event::new(
                    "version.rolled_back",
                    None,
                    None,
                    json!({"function_name": self.store_name, "from": version, "to": from,
                           "reason": format!("error rate {err:.2} vs {parent_error:.2}, mean rating {rating:?} vs {parent_rating:?}")}),
                ),
            );
        }
        r.is_ok() || r.is_err_and(|e| e.is_empty())
    }
}

/// Under the store lock: the version `current` points at when it is no longer `served` (another
/// process promoted or rolled back since this one loaded its version) and loads cleanly.
fn newer_version(
    store: &crate::store::FunctionStore,
    served: u32,
) -> Option<crate::store::Version> {
    match store.current() {
        Ok(Some(c)) if c != served => store.load(c).ok(),
        _ => None,
    }
}

/// Whether a promoted version on probation does worse than its parent did.
pub(crate) fn worse_than_parent(
    err: f64,
    rating: Option<f64>,
    parent_error: f64,
    parent_rating: Option<f64>,
) -> bool {
    err > parent_error + 0.05
        || matches!((rating, parent_rating), (Some(r), Some(p)) if r + 0.5 < p)
}

/// The share of failed calls among the records.
pub(crate) fn error_rate(records: &std::collections::VecDeque<CallRecord>) -> f64 {
    if records.is_empty() {
        return 0.0;
    }
    records.iter().filter(|r| !r.ok).count() as f64 / records.len() as f64
}
