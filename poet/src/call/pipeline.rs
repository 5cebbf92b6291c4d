//! One call of a `@poet` function, stage by stage (POET_SPEC §3): Perceive → Operate (retries,
//! deadline, operation budget) → Enforce (plus the declared return type) → Train, with the
//! circuit breaker in front and the fallback behind.
//!
//! This is on every call, so it allocates little and touches no disk: counters live in memory
//! and reach `state.json` when the breaker changes state, at most once a second otherwise, and
//! when the program ends.

use crate::call::breaker::{Admission, BreakerState};
use crate::call::outcome::{Outcome, Stage};
use crate::call::plain;
use crate::call::retry::{self, RetryPolicy};
use crate::function::{unix_now, ParamInfo, PoetFunction, Stages};
use crate::learn::metrics::Sample;
use dana_grammar::ast::{ParamKind, Sym};
use dana_interpreter::error::{type_error, value_error, Exc, ExcKind, RtError};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{coerce, repr, Args, Key, Value};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Positional and keyword arguments of a stage call.
pub(crate) type CallArgs = (Vec<Value>, Vec<(Sym, Value)>);

impl PoetFunction {
    /// Runs one call through the pipeline.
    pub(crate) fn call(self: &Rc<Self>, it: &mut Interp, args: Args<'_>) -> Result<Value, Exc> {
        if self.active.get() > 0 || it.effects_captured() {
            // Re-entered from its own stages, its original or its generation, or called during
            // a trial run: the original answers (a generated stage calling the function must
            // not loop through POET, and a trial must not record or generate anything).
            return self.run_original(it, args);
        }
        self.active.set(1);
        let r = self.call_pipeline(it, args);
        self.active.set(0);
        r
    }

    fn call_pipeline(self: &Rc<Self>, it: &mut Interp, args: Args<'_>) -> Result<Value, Exc> {
        let start = Instant::now();
        let cpu0 = self
            .config
            .train
            .then(|| crate::learn::metrics::call_start(start));
        if self.background.borrow().is_some() {
            self.poll_background_job(it);
        }
        let preparing = matches!(*self.slot.borrow(), crate::function::Slot::Unprepared);
        if preparing {
            // The call that makes the first version: its arguments are the trial's first
            // recorded input (kept only while the version is prepared).
            *self.first_args.borrow_mut() = self.bind(args).map(|(pos, _)| pos);
        }
        let stages = self.stages(it);
        if preparing {
            *self.first_args.borrow_mut() = None;
        }
        let Some(stages) = stages else {
            // No usable version (generation or validation failed): the original answers.
            let r = self.run_original(it, args);
            self.finish(it, Outcome::fallback_only(&r, start), cpu0);
            return r;
        };
        let admission = {
            let mut live = self.live.borrow_mut();
            let now = if live.breaker.state == BreakerState::Closed {
                0.0
            } else {
                unix_now()
            };
            live.breaker.admit(&self.config.breaker, now)
        };
        if let Admission::Rejected { retry_in } = admission {
            tracing::debug!(function = %self.display, retry_in, "poet: circuit breaker open, call goes to the fallback");
            return self.breaker_open(it, args, retry_in, start, cpu0);
        }

        // Every stage gets every argument (defaults filled in): perceive and enforce have no
        // defaults of their own (POET_SPEC §2).
        let Some(bound) = self.bind(args) else {
            // Arguments the original cannot take: its own call reports them.
            self.live.borrow_mut().breaker.trial_running = false;
            return self.run_original(it, args);
        };
        // Perceive: the caller's input is checked once; a rejection is not retried.
        let (pos, kw) = match &stages.perceive {
            None => bound,
            Some(p)
                if stages.plain.perceive.as_deref().is_some_and(|c| {
                    plain::perceive_is_identity(it, p, c, &bound.0, bound.1.is_empty())
                }) =>
            {
                bound
            }
            Some(p) => match self.perceive(it, p, &bound) {
                Ok(a) => a,
                Err(e) => return self.rejected(it, args, e, start, cpu0),
            },
        };

        let policy = RetryPolicy {
            retries: self.learned.borrow().retries.unwrap_or(self.config.retries),
            base: self.config.backoff,
        };
        let jitter = &self.jitter;
        let out = retry::run(
            it,
            policy,
            &mut || jitter.borrow_mut().unit(),
            &mut |it, d| it.sleep(d).map_err(|e| (Stage::Operate, e)),
            // The program's own deadline or a cancellation: stop now, no retry, no fallback.
            &|it, _| it.check_limits().is_err(),
            &mut |it, _| self.attempt(it, &stages, &pos, &kw),
        );
        match out.result {
            Ok(v) => {
                let v = if self.config.train {
                    self.train(it, &stages, v, out.made, start)
                } else {
                    v
                };
                let end = Instant::now();
                self.finish(
                    it,
                    Outcome {
                        ok: true,
                        attempts: out.made,
                        failed_stage: None,
                        error: None,
                        fallback: false,
                        rejected_input: false,
                        duration: end.saturating_duration_since(start),
                        end,
                        args: Some(&pos),
                        result: Some(&v),
                    },
                    cpu0,
                );
                Ok(v)
            }
            Err((stage, e)) => {
                if it.check_limits().is_err() {
                    return Err(e);
                }
                let end = Instant::now();
                self.finish(
                    it,
                    Outcome {
                        ok: false,
                        attempts: out.made,
                        failed_stage: Some(stage),
                        error: Some(&e),
                        fallback: self.config.fallback == "original",
                        rejected_input: false,
                        duration: end.saturating_duration_since(start),
                        end,
                        args: Some(&pos),
                        result: None,
                    },
                    cpu0,
                );
                if self.config.fallback == "original" {
                    self.run_original(it, args)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// One attempt of Operate then Enforce, under the per-attempt deadline and budget.
    fn attempt(
        &self,
        it: &mut Interp,
        stages: &Stages,
        pos: &[Value],
        kw: &[(Sym, Value)],
    ) -> Result<Value, (Stage, Exc)> {
        let deadline = Instant::now() + self.timeout();
        let r = self.run_stages(it, stages, pos, kw, deadline, self.budget);
        r.map_err(|(stage, mut e)| {
            if e.kind == ExcKind::TimeoutError && Instant::now() >= deadline {
                e.message = format!(
                    "{}() took longer than its {} s timeout",
                    self.display,
                    self.timeout_secs()
                );
            }
            (stage, e)
        })
    }

    /// Operate, then enforce, then the return type, under `deadline` and `budget`.
    pub(crate) fn run_stages(
        &self,
        it: &mut Interp,
        stages: &Stages,
        pos: &[Value],
        kw: &[(Sym, Value)],
        deadline: Instant,
        budget: u64,
    ) -> Result<Value, (Stage, Exc)> {
        limited(it, deadline, budget, |it| {
            let result = it
                .call_value(&stages.operate, pos.to_vec(), kw)
                .map_err(|e| (Stage::Operate, e))?;
            let result = match &stages.enforce {
                None => result,
                Some(enforce)
                    if stages.plain.enforce.is_some_and(|c| {
                        plain::enforce_is_identity(it, enforce, c, &result, pos, kw.is_empty())
                    }) =>
                {
                    result
                }
                Some(enforce) => {
                    let mut with_result = Vec::with_capacity(pos.len() + 1);
                    with_result.push(result);
                    with_result.extend_from_slice(pos);
                    it.call_value(enforce, with_result, kw)
                        .map_err(|e| (Stage::Enforce, e))?
                }
            };
            if let Some(ann) = &self.returns {
                let g = &self.globals;
                if !coerce::matches(&result, ann, &|s| g.get(s)) {
                    return Err((
                        Stage::Enforce,
                        type_error(format!(
                            "{}() returned {} ({}), but its return type is {ann}",
                            self.display,
                            repr::repr(&result),
                            result.type_name()
                        )),
                    ));
                }
            }
            Ok(result)
        })
    }

    /// Runs `perceive` and turns its dict back into arguments, re-checked against the
    /// parameter types.
    pub(crate) fn perceive(
        &self,
        it: &mut Interp,
        perceive: &Value,
        args: &CallArgs,
    ) -> Result<CallArgs, Exc> {
        let deadline = Instant::now() + self.timeout();
        let d = limited(it, deadline, self.budget, |it| {
            it.call_value(perceive, args.0.clone(), &args.1)
        })?;
        let Value::Dict(d) = &d else {
            return Err(type_error(format!(
                "perceive() of {} must return a dict of the arguments, got {}",
                self.display,
                d.type_name()
            )));
        };
        let d = d.borrow();
        let mut pos = Vec::with_capacity(self.params.len());
        let mut kw = Vec::new();
        for (i, (p, key)) in self.params.iter().zip(&self.param_keys).enumerate() {
            let Some(v) = d.get(key).cloned() else {
                if p.default.is_some() || p.kind != ParamKind::Normal {
                    continue;
                }
                return Err(value_error(format!(
                    "perceive() of {} did not return the argument '{}'",
                    self.display, p.name
                )));
            };
            if let Some(ann) = &p.ann {
                let g = &self.globals;
                if p.kind == ParamKind::Normal && !coerce::matches(&v, ann, &|s| g.get(s)) {
                    return Err(value_error(format!(
                        "{}: perceive() of {} made it {} ({}), not {ann}",
                        p.name,
                        self.display,
                        repr::repr(&v),
                        v.type_name()
                    )));
                }
            }
            match p.kind {
                ParamKind::Normal if p.keyword_only => kw.push((p.name, v)),
                // Positions must stay contiguous: once an optional parameter is left out, the
                // rest go by keyword.
                ParamKind::Normal if pos.len() == i => pos.push(v),
                ParamKind::Normal => kw.push((p.name, v)),
                ParamKind::VarArgs => match v {
                    Value::List(l) => pos.extend(l.borrow().iter().cloned()),
                    Value::Tuple(t) => pos.extend(t.iter().cloned()),
                    other => {
                        return Err(type_error(format!(
                            "perceive() of {} returned {} for *{}, expected a list",
                            self.display,
                            other.type_name(),
                            p.name
                        )))
                    }
                },
                ParamKind::KwArgs => match v {
                    Value::Dict(extra) => {
                        for (k, v) in extra.borrow().iter() {
                            if let Some(k) = k.value().as_str() {
                                kw.push((Sym::intern(k), v.clone()));
                            }
                        }
                    }
                    other => {
                        return Err(type_error(format!(
                            "perceive() of {} returned {} for **{}, expected a dict",
                            self.display,
                            other.type_name(),
                            p.name
                        )))
                    }
                },
            }
        }
        Ok((pos, kw))
    }

    /// Binds a call's arguments to the original's parameters as Python does, with defaults
    /// filled in: every parameter that takes positions gets one, keyword-only parameters and
    /// extra keywords go by name. `None` when the original would refuse the arguments.
    pub(crate) fn bind(&self, args: Args<'_>) -> Option<CallArgs> {
        let params = &self.params;
        let mut slots: Vec<Option<Value>> = vec![None; params.len()];
        let positional = |p: &ParamInfo| p.kind == ParamKind::Normal && !p.keyword_only;
        let mut extra_pos = Vec::new();
        let mut next = 0;
        for v in args.pos {
            while next < params.len() && !positional(&params[next]) {
                next += 1;
            }
            if next < params.len() {
                slots[next] = Some(v.clone());
                next += 1;
            } else if params.iter().any(|p| p.kind == ParamKind::VarArgs) {
                extra_pos.push(v.clone());
            } else {
                return None;
            }
        }
        let mut extra_kw = Vec::new();
        for (k, v) in args.kw {
            match params
                .iter()
                .position(|p| p.name == *k && p.kind == ParamKind::Normal)
            {
                Some(i) if slots[i].is_some() => return None,
                Some(i) => slots[i] = Some(v.clone()),
                None if params.iter().any(|p| p.kind == ParamKind::KwArgs) => {
                    extra_kw.push((*k, v.clone()))
                }
                None => return None,
            }
        }
        let mut pos = Vec::with_capacity(params.len() + extra_pos.len());
        let mut kw = Vec::new();
        let learned_defaults = self.learned.borrow();
        let learned_defaults = &learned_defaults.defaults;
        for (p, slot) in params.iter().zip(slots) {
            if p.kind != ParamKind::Normal {
                continue;
            }
            let learned = if slot.is_some() || learned_defaults.is_empty() {
                None
            } else {
                learned_defaults.get(p.name.as_str()).copied()
            };
            let learned = learned.map(|x| match p.ann {
                Some(dana_interpreter::value::TypeAnn::Int) => Value::Int(x.round() as i64),
                _ => Value::Float(x),
            });
            let v = slot.or(learned).or_else(|| p.default.clone())?;
            if positional(p) {
                pos.push(v);
            } else {
                kw.push((p.name, v));
            }
        }
        pos.extend(extra_pos);
        kw.extend(extra_kw);
        Some((pos, kw))
    }

    /// Perceive refused the input: the caller's fault. The original answers when the fallback
    /// is `"original"` and it accepts the input; otherwise the caller gets the refusal.
    fn rejected(
        &self,
        it: &mut Interp,
        args: Args<'_>,
        e: Exc,
        start: Instant,
        cpu0: Option<Sample>,
    ) -> Result<Value, Exc> {
        self.live.borrow_mut().breaker.trial_running = false;
        if it.check_limits().is_err() {
            return Err(e);
        }
        let fallback = self.config.fallback == "original";
        let r = if fallback {
            self.run_original(it, args).map_err(|_| e)
        } else {
            Err(e)
        };
        let end = Instant::now();
        self.finish(
            it,
            Outcome {
                ok: r.is_ok(),
                attempts: 0,
                failed_stage: Some(Stage::Perceive),
                error: r.as_ref().err().map(|e| &**e),
                fallback,
                rejected_input: true,
                duration: end.saturating_duration_since(start),
                end,
                args: None,
                result: None,
            },
            cpu0,
        );
        r
    }

    /// The breaker is open: straight to the fallback.
    fn breaker_open(
        &self,
        it: &mut Interp,
        args: Args<'_>,
        retry_in: f64,
        start: Instant,
        cpu0: Option<Sample>,
    ) -> Result<Value, Exc> {
        let r = if self.config.fallback == "original" {
            self.run_original(it, args)
        } else {
            Err(RtError::new(
                ExcKind::RuntimeError,
                format!(
                    "the circuit breaker of {} is open after repeated failures; next trial in {:.1} s",
                    self.display,
                    retry_in.max(0.0)
                ),
            ))
        };
        self.finish(it, Outcome::fallback_only(&r, start), cpu0);
        r
    }

    /// The undecorated function, under the same per-call timeout.
    fn run_original(&self, it: &mut Interp, args: Args<'_>) -> Result<Value, Exc> {
        tracing::debug!(function = %self.display, "poet: fallback to the original function");
        let deadline = Instant::now() + self.timeout();
        limited(it, deadline, self.budget, |it| {
            it.call_value(&self.original, args.pos.to_vec(), args.kw)
        })
    }

    /// Train: the optional `train(result, metrics)` stage; it never fails the call.
    fn train(
        &self,
        it: &mut Interp,
        stages: &Stages,
        result: Value,
        attempts: u32,
        start: Instant,
    ) -> Value {
        let Some(train) = &stages.train else {
            return result;
        };
        let mut metrics = dana_interpreter::value::DictMap::default();
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        metrics.insert(Key(Value::str("duration_ms")), Value::Float(ms));
        metrics.insert(Key(Value::str("attempts")), Value::Int(attempts as i64));
        let deadline = Instant::now() + self.timeout();
        let r = limited(it, deadline, self.budget, |it| {
            it.call_value(train, vec![result.clone(), Value::dict(metrics)], &[])
        });
        let mut live = self.live.borrow_mut();
        match r {
            Ok(Value::Dict(d)) => {
                let v = Value::Dict(d);
                live.last_train_json =
                    dana_interpreter::engine::from_value::<serde_json::Value>(&v).ok();
                live.last_train = Some(repr::repr(&v));
            }
            Ok(other) => {
                live.failed_stages.train += 1;
                live.last_train = Some(format!(
                    "train() returned {}, expected a dict",
                    other.type_name()
                ));
            }
            Err(e) => {
                live.failed_stages.train += 1;
                live.last_train = Some(format!("{}: {}", e.kind.name(), e.message));
            }
        }
        result
    }

    /// The per-attempt timeout: the learned one, else the decorator's.
    fn timeout_secs(&self) -> f64 {
        self.learned.borrow().timeout.unwrap_or(self.config.timeout)
    }

    fn timeout(&self) -> Duration {
        Duration::try_from_secs_f64(self.timeout_secs()).unwrap_or(Duration::MAX)
    }
}

/// Memory one stage attempt (or the original's fallback run) may take beyond what the program
/// holds when it starts (POET_SPEC §8); the program's own limit applies too.
pub const STAGE_MEMORY: usize = 512 << 20;

/// Runs `f` under a deadline, an operation budget and [`STAGE_MEMORY`], each the tighter of its
/// own and the program's.
pub(crate) fn limited<R>(
    it: &mut Interp,
    deadline: Instant,
    budget: u64,
    f: impl FnOnce(&mut Interp) -> R,
) -> R {
    it.with_limits(Some(deadline), Some(budget), |it| {
        it.with_memory_allowance(STAGE_MEMORY, f)
    })
}
