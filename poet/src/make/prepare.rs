//! Finding or making the version a function serves (store lookup by cache key → LLM or
//! offline generation → validation gate → store), compiling its `code.na` into a contained
//! module that sees the defining module's globals, and taking over a background generation.

use crate::fleet::lease::Claim;
use crate::function::{unix_now, warn, PoetFunction, Slot, Stages};
use crate::make::domains::DomainTemplate;
use crate::make::gate::{self, GateInput};
use crate::make::generate::{attempt_lines, Candidate, Outcome};
use crate::make::job::{Background, LlmJob};
use crate::state::{learned_from_params, triggers_from_params, Live};
use crate::store::{self, FunctionStore, Metadata, NewVersion, PoetDir, Version};
use dana_grammar::ast::Sym;
use dana_interpreter::check::CheckOptions;
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{Globals, Value};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// `v` with every string longer than `max` characters cut (an event stays small whatever an
/// LLM answered or an error said).
fn clip_strings(v: &serde_json::Value, max: usize) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::String(s) => match s.char_indices().nth(max) {
            Some((i, _)) => J::String(format!("{}… ({} bytes cut)", &s[..i], s.len() - i)),
            None => v.clone(),
        },
        J::Array(a) => J::Array(a.iter().map(|x| clip_strings(x, max)).collect()),
        J::Object(o) => J::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), clip_strings(x, max)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

impl PoetFunction {
    /// The stage functions, prepared at the first call.
    pub(crate) fn stages(&self, it: &mut Interp) -> Option<Rc<Stages>> {
        let stale = match &*self.slot.borrow() {
            Slot::Ready(s) if self.prepared_epoch.get() == crate::fleet::epoch() => {
                return Some(s.clone())
            }
            // Fleet mode: another process moved a shared `current`; prepare again.
            Slot::Ready(s) => Some(s.clone()),
            Slot::Unavailable => return None,
            Slot::Unprepared => None,
        };
        if stale.is_some() {
            // The counters belong to the version that served until now.
            self.flush();
        }
        let usable = self
            .rt
            .upgrade()
            .is_some_and(|rt| rt.store_usable(it, &self.poet_dir));
        let prepared = if usable {
            self.prepare(it)
        } else {
            Err(String::new())
        };
        let slot = match (prepared, stale) {
            (Ok(s), _) => Slot::Ready(Rc::new(s)),
            // The version that served goes on serving.
            (Err(why), Some(old)) => {
                if !why.is_empty() {
                    warn(
                        it,
                        &format!(
                            "@poet {}: {why}; the version in use goes on serving",
                            self.display
                        ),
                    );
                }
                Slot::Ready(old)
            }
            // Already reported once for the whole store.
            (Err(why), None) if why.is_empty() => Slot::Unavailable,
            (Err(why), None) => {
                warn(
                    it,
                    &format!(
                        "@poet {}: {why}; the original function answers every call",
                        self.display
                    ),
                );
                Slot::Unavailable
            }
        };
        *self.slot.borrow_mut() = slot;
        match &*self.slot.borrow() {
            Slot::Ready(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// The cache key (POET_SPEC §4): the function's source, the decorator arguments, the
    /// template and its version, and the generator's model.
    /// The template's content fingerprint counts too, so editing a user template without
    /// bumping its version still makes a new version.
    fn cache_key(&self, domain: &DomainTemplate, model: &str) -> String {
        store::hash_hex(&[
            &self.shape.source,
            &self.config.to_json().to_string(),
            &self.config.domain,
            &domain.version.to_string(),
            &domain.fingerprint,
            model,
        ])
    }

    /// What the gate's type check knows of the defining module: its members, and the modules
    /// it imported (so calls through them are type-checked and audited).
    pub(crate) fn gate_options(&self) -> CheckOptions {
        use dana_interpreter::check::{module_info_from_globals, Type};
        let info = module_info_from_globals(&self.globals);
        let mut modules = HashMap::new();
        let globals = info
            .members
            .into_iter()
            .map(|(name, ty)| match self.globals.get(Sym::intern(&name)) {
                Some(Value::Module(m)) => {
                    modules.insert(m.name.clone(), module_info_from_globals(&m));
                    (name, Type::Module(Sym::intern(&m.name)))
                }
                _ => (name, ty),
            })
            .collect();
        CheckOptions {
            globals,
            modules,
            ..CheckOptions::default()
        }
    }

    /// A stored version for `key` that loads and passes the gate: `current` first, then the
    /// newest with that key (which becomes current). Damage found on the way is noted.
    fn find_version(
        &self,
        store: &FunctionStore,
        lock: &store::StoreLock,
        current: Option<u32>,
        key: &str,
        capabilities: &[String],
        damage: &mut Vec<String>,
    ) -> Result<Option<Version>, String> {
        let mut candidates = Vec::new();
        if let Some(v) = current {
            match store.load(v) {
                Ok(ver) if ver.metadata.cache_key == key => candidates.push(ver),
                Ok(_) => {}
                Err(e) => damage.push(e.to_string()),
            }
        }
        if candidates.is_empty() {
            if let Some(ver) = store.find_by_key(key).and_then(|v| store.load(v).ok()) {
                candidates.push(ver);
            }
        }
        for ver in candidates {
            let report = gate::validate(&GateInput {
                code: &ver.code,
                shape: &self.shape,
                capabilities,
                options: self.gate_options(),
                program: gate::ProgramNames::from_globals(&self.globals),
            });
            if !report.passed() {
                damage.push(format!(
                    "{} failed validation: {}",
                    ver.dir.join("code.na").display(),
                    report.summary()
                ));
                continue;
            }
            if current != Some(ver.number) {
                store
                    .set_current(lock, ver.number)
                    .map_err(|e| e.to_string())?;
            }
            return Ok(Some(ver));
        }
        Ok(None)
    }

    /// Finds or creates the version for the current cache key and compiles it.
    fn prepare(&self, it: &mut Interp) -> Result<Stages, String> {
        let rt = self.rt.upgrade().ok_or("the POET runtime is gone")?;
        let domains = rt.domains_for(&self.poet_dir).map_err(|e| e.to_string())?;
        let domain = domains
            .resolve(&self.config.domain)
            .map_err(|e| e.to_string())?;
        let (granted, refused) = domain.grant(&self.config.capabilities);
        if !refused.is_empty() {
            warn(
                it,
                &format!(
                    "@poet {}: the {} domain does not allow the capabilities {}; they are not granted",
                    self.display,
                    domain.name,
                    refused.join(", ")
                ),
            );
        }
        let llm = if self.config.generate == "off" {
            None
        } else {
            rt.llm_client(it)
        };
        let model = llm.as_ref().map(|c| {
            self.config
                .model
                .clone()
                .unwrap_or_else(|| c.config().model_name())
        });
        let key = self.cache_key(&domain, model.as_deref().unwrap_or("offline"));
        let offline_key = self.cache_key(&domain, "offline");
        let store = PoetDir::new(&self.poet_dir)
            .function(&self.store_name)
            .map_err(|e| e.to_string())?;
        self.prepared_epoch.set(crate::fleet::epoch());
        let fleet = rt.fleet_for(it, &self.poet_dir);
        let mut lock = store.lock().map_err(|e| e.to_string())?;
        let sync = |lock: &store::StoreLock| {
            if let Some(f) = &fleet {
                if let Err(e) = f.sync_function(&store, lock, Some(&key)) {
                    f.report(&e, "the local store serves");
                }
            }
        };
        sync(&lock);
        let mut damage: Vec<String> = Vec::new();
        let read_current = |damage: &mut Vec<String>| {
            store.current().unwrap_or_else(|e| {
                damage.push(e.to_string());
                None
            })
        };
        let mut current = read_current(&mut damage);
        let background = self.config.generate == "background";
        let mut found = self.find_version(&store, &lock, current, &key, &granted, &mut damage)?;
        // Fleet mode: one generation per cache key across the processes (the lease), the
        // others wait for its result.
        let mut lease = None;
        let mut settled = false;
        if let (None, Some(f)) = (&found, &fleet) {
            drop(lock);
            match f.claim_generation(&self.store_name, &[&key, &offline_key]) {
                Claim::Held(l) => lease = Some(l),
                Claim::Settled(_) => settled = true,
                Claim::Unreachable(e) => f.report(&e, "this process generates on its own"),
            }
            lock = store.lock().map_err(|e| e.to_string())?;
            sync(&lock);
            damage.clear();
            current = read_current(&mut damage);
            found = self.find_version(&store, &lock, current, &key, &granted, &mut damage)?;
        }
        tracing::debug!(function = %self.display, hit = found.is_some(), version = ?found.as_ref().map(|v| v.number), "poet: version cache lookup");
        let offline_code = crate::make::offline::enhance(
            &self.shape,
            &domain,
            self.config.optimize_for.as_deref(),
        );
        let mut attempts = Vec::new();
        let mut candidate = None;
        let mut deferred = None;
        if found.is_none() {
            if let (Some(client), Some(model), false, false) = (&llm, &model, background, settled) {
                let job = LlmJob {
                    client: client.clone(),
                    model: model.clone(),
                    domain: domain.clone(),
                    offline_code: offline_code.clone(),
                    capabilities: granted.clone(),
                };
                let rt = self.rt();
                let flow = rt.as_ref().map(|rt| {
                    self.learning_event(
                        rt,
                        it,
                        "enhancement.requested",
                        None,
                        serde_json::json!({"function_name": self.store_name, "model": model,
                            "reason": if current.is_some() { "the function or its decorator changed" } else { "first use of the function" }}),
                    )
                });
                tracing::info!(function = %self.display, model = %model, "poet: generation started");
                let deadline = Instant::now() + client.config().generation_deadline;
                let (outcome, done) =
                    self.generate_within(it, &job, None, Some(deadline), Vec::new());
                attempts = done;
                let outcome = match outcome {
                    Outcome::Accepted(c) => {
                        candidate = Some(c);
                        "accepted"
                    }
                    Outcome::Failed => "every attempt was refused",
                    Outcome::Deferred(bg) => {
                        // The offline version's metadata records the attempts made so far.
                        attempts = bg.attempts.clone();
                        deferred = Some((bg, job));
                        "still running at the deadline; goes on in the background"
                    }
                };
                if let (Some(rt), Some(flow)) = (&rt, &flow) {
                    let kind = match &candidate {
                        Some(_) => "enhancement.completed",
                        None => "enhancement.failed",
                    };
                    self.learning_event(
                        rt,
                        it,
                        kind,
                        Some((flow, flow)),
                        serde_json::json!({"function_name": self.store_name, "generator": format!("llm:{model}"),
                            "outcome": outcome, "attempts": clip_strings(&serde_json::json!(attempts), 2000)}),
                    );
                }
                if candidate.is_none() {
                    let secs = client.config().generation_deadline.as_secs_f64();
                    let msg = match &deferred {
                        Some((bg, _)) => format!(
                            "@poet {}: {model} gave no version within {secs:.0} s (attempt {}/{} still running); \
                             the offline version serves while the generation goes on in the background{}",
                            self.display,
                            bg.attempt,
                            crate::make::generate::MAX_ATTEMPTS,
                            attempt_lines(&bg.attempts)
                        ),
                        None => format!(
                            "@poet {}: {model} gave no valid version in {} attempts; the offline version serves{}",
                            self.display,
                            attempts.len(),
                            attempt_lines(&attempts)
                        ),
                    };
                    warn(it, &msg);
                }
            }
            if candidate.is_none() && key != offline_key {
                found =
                    self.find_version(&store, &lock, None, &offline_key, &granted, &mut damage)?;
            }
        }
        let version = match found {
            Some(v) => v,
            None => {
                let (cand, cand_key) = match candidate {
                    Some(c) => (c, key.clone()),
                    None => {
                        let report = gate::validate(&GateInput {
                            code: &offline_code,
                            shape: &self.shape,
                            capabilities: &granted,
                            options: self.gate_options(),
                            program: gate::ProgramNames::from_globals(&self.globals),
                        });
                        tracing::debug!(function = %self.display, passed = report.passed(), summary = %report.summary(), "poet: gate verdict on the offline version");
                        if !report.passed() {
                            return Err(format!(
                                "the offline enhancement failed validation: {}",
                                report.summary()
                            ));
                        }
                        for problem in self.check_offline(it, &offline_code) {
                            warn(it, &format!("@poet {}: {problem} (the offline version runs the function's own body: the example or the function is wrong)", self.display));
                        }
                        let c = Candidate {
                            code: offline_code.clone(),
                            generator: "offline".into(),
                            report,
                            attempts: std::mem::take(&mut attempts),
                        };
                        (c, offline_key.clone())
                    }
                };
                let reason = if !damage.is_empty() {
                    format!(
                        "replaces a damaged or invalid version: {}",
                        damage.join("; ")
                    )
                } else if current.is_some() {
                    "the function's source, its decorator or the generator changed".to_string()
                } else {
                    "first use of the function".to_string()
                };
                tracing::info!(function = %self.display, generator = %cand.generator, reason = %reason, "poet: new version");
                let n = self.store_candidate(&store, &lock, &domain, cand, cand_key, reason)?;
                store.load(n).map_err(|e| e.to_string())?
            }
        };
        drop(lock);
        drop(lease);
        // The offline version's perceive and enforce may be decided without the interpreter.
        let plain = crate::call::plain::plain_for(
            &version.code,
            &offline_code,
            crate::make::offline::plain_stages(&self.shape, &domain),
            &self.globals,
        );
        if !damage.is_empty() {
            warn(
                it,
                &format!(
                    "@poet {}: {}; using v{}",
                    self.display,
                    damage.join("; "),
                    version.number
                ),
            );
        }
        if let Some((job, llm)) = deferred {
            *self.background.borrow_mut() = Some(Background { job, llm, key });
        } else if background && version.metadata.generator == "offline" {
            if let (Some(client), Some(model)) = (llm, model) {
                let llm = LlmJob {
                    client,
                    model,
                    domain,
                    offline_code,
                    capabilities: granted,
                };
                let job = self.start_background(&llm, None, 1, Vec::new());
                *self.background.borrow_mut() = Some(Background { job, llm, key });
            }
        }
        let mut stages = self.compile(it, store, version)?;
        stages.plain = plain;
        Ok(stages)
    }

    /// Writes a candidate as a new version (the lock held).
    pub(crate) fn store_candidate(
        &self,
        store: &FunctionStore,
        lock: &store::StoreLock,
        domain: &DomainTemplate,
        cand: Candidate,
        key: String,
        reason: String,
    ) -> Result<u32, String> {
        let mut validation = cand.validation_json();
        // The oracle that judged the version and the inputs it ran on (POET_SPEC §4).
        if let (Some(trial), Some(o)) = (self.trial_record.take(), validation.as_object_mut()) {
            o.insert("oracle".into(), trial["oracle"].clone());
            o.insert("trial".into(), trial);
        }
        let metadata = Metadata {
            version: 0,
            created_at: store::rfc3339_now(),
            generator: cand.generator,
            domain: domain.name.clone(),
            template_version: domain.version,
            source_hash: store::hash_hex(&[&self.shape.source]),
            cache_key: key,
            parent: None,
            reason,
            validation,
        };
        store
            .create(
                lock,
                NewVersion {
                    code: cand.code,
                    params: serde_json::json!({
                        "decorator": self.config.to_json(),
                        "learned": {},
                    }),
                    state: serde_json::json!({}),
                    metadata,
                },
            )
            .map_err(|e| e.to_string())
    }

    /// Background mode: looks at the LLM job; when an answer passed, it becomes a new version
    /// (parent: the offline one) and serves from this call on.
    pub(crate) fn poll_background_job(&self, it: &mut Interp) {
        let Some(bg) = self.background.borrow_mut().take() else {
            return;
        };
        let Background { job, llm, key } = bg;
        let model = llm.model.clone();
        match self.poll_background(it, job, &llm) {
            Ok(Err(job)) => {
                *self.background.borrow_mut() = Some(Background { job, llm, key });
            }
            Err(attempts) => warn(
                it,
                &format!(
                    "@poet {}: {model} gave no valid version in the background; the offline version keeps serving{}",
                    self.display,
                    attempt_lines(&attempts)
                ),
            ),
            Ok(Ok(cand)) => {
                let r = (|| -> Result<Stages, String> {
                    let store = PoetDir::new(&self.poet_dir)
                        .function(&self.store_name)
                        .map_err(|e| e.to_string())?;
                    let lock = store.lock().map_err(|e| e.to_string())?;
                    let n = self.store_candidate(
                        &store,
                        &lock,
                        &llm.domain,
                        cand,
                        key,
                        format!("{model} answered in the background; replaces the offline version"),
                    )?;
                    let version = store.load(n).map_err(|e| e.to_string())?;
                    drop(lock);
                    self.flush();
                    self.compile(it, store, version)
                })();
                match r {
                    Ok(stages) => *self.slot.borrow_mut() = Slot::Ready(Rc::new(stages)),
                    Err(e) => warn(it, &format!("@poet {}: {e}", self.display)),
                }
            }
        }
    }

    /// An empty module for generated code: contained under this function's policy, reading
    /// the defining module's names, with `_original` and the function's own name bound to the
    /// original (a stage that calls the function itself calls the original, POET_SPEC §2).
    pub(crate) fn candidate_module(
        &self,
        it: &mut Interp,
        name: String,
        file: Option<Arc<str>>,
    ) -> Rc<Globals> {
        let policy = self.containment_policy(it);
        let module = Rc::new(Globals::contained(name, file, self.globals.clone(), policy));
        module.set(Sym::intern("_original"), self.original.clone());
        if !self.shape.name.is_empty() {
            module.set(Sym::intern(&self.shape.name), self.original.clone());
        }
        module
    }

    /// Runs `code.na` as a module whose unbound names read through to the defining module.
    pub(crate) fn compile(
        &self,
        it: &mut Interp,
        store: FunctionStore,
        version: Version,
    ) -> Result<Stages, String> {
        let path = version.dir.join("code.na").display().to_string();
        let module = self.candidate_module(
            it,
            format!("{}@v{}", self.store_name, version.number),
            Some(Arc::from(path.as_str())),
        );
        crate::make::trial::load_module(it, &path, &version.code, &module)
            .map_err(|e| format!("{path} did not load: {e}"))?;
        let get = |name: &str| module.get(Sym::intern(name)).filter(Value::is_callable);
        let operate = get("operate").ok_or_else(|| format!("{path} defines no operate()"))?;
        let mut live: Live = serde_json::from_value(version.state.clone()).unwrap_or_else(|e| {
            warn(
                it,
                &format!(
                    "@poet {}: {}/state.json: {e}; counters start from zero",
                    self.display,
                    version.dir.display()
                ),
            );
            Live::default()
        });
        // Every number read from the store is validated and clamped: a damaged or planted
        // params.json/state.json is reported and recovered from, never a panic or a hang.
        let mut problems = Vec::new();
        live.sanitize(unix_now(), &mut problems);
        let mut param_problems = Vec::new();
        let learned = learned_from_params(&version.params, &mut param_problems);
        let triggers = triggers_from_params(&version.params, &mut param_problems);
        for (file, list) in [("state.json", problems), ("params.json", param_problems)] {
            if !list.is_empty() {
                warn(
                    it,
                    &format!(
                        "@poet {}: damaged store: {}/{file}: {}",
                        self.display,
                        version.dir.display(),
                        list.join("; ")
                    ),
                );
            }
        }
        live.last_flush = Some(Instant::now());
        *self.live.borrow_mut() = live;
        *self.learned.borrow_mut() = learned;
        *self.triggers.borrow_mut() = triggers;
        Ok(Stages {
            version: version.number,
            store: Some(store),
            perceive: get("perceive"),
            operate,
            enforce: get("enforce"),
            train: get("train"),
            plain: Default::default(),
        })
    }
}
