//! The `@poet` hook and the state of each decorated function: obtaining its version (store
//! lookup by cache key → offline generation → validation gate → store), compiling `code.na`
//! into a module that sees the defining module's globals, and saving counters and breaker
//! state to `state.json`.

use crate::breaker::Breaker;
use crate::config::PoetConfig;
use crate::domains::{DomainTemplate, Domains};
use crate::feedback::EventSink;
use crate::gate::{self, GateInput};
use crate::generate::{BackgroundJob, Candidate, LlmJob};
use crate::learn::{CallRecord, Learned, PromotedFrom, Triggers};
use crate::pipeline::{Outcome, Stage};
use crate::retry::Jitter;
use crate::shape::FunctionShape;
use crate::store::{self, FunctionStore, Metadata, NewVersion, PoetDir, Version};
use dana_grammar::ast::{ParamKind, Sym};
use dana_interpreter::check::CheckOptions;
use dana_interpreter::error::{type_error, value_error, Exc, ExcKind};
use dana_interpreter::eval::Interp;
use dana_interpreter::hooks::{DecoratedDef, DecoratorHook};
use dana_interpreter::value::{Args, Globals, NativeFn, TypeAnn, Value};
use dana_llm::{LlmClient, LlmConfig};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Operations one stage attempt may run (on top of its wall-clock timeout), so an endless loop
/// stops even under a generous timeout.
pub const DEFAULT_STAGE_BUDGET: u64 = 200_000_000;

/// How often in-memory counters reach `state.json` at most (breaker changes go at once).
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Where POET keeps its store and how it runs stages.
#[derive(Clone, Debug)]
pub struct PoetOptions {
    /// The `.poet` directory for every function; `None`: next to the file defining each one
    /// (the current directory for code without a file).
    pub dir: Option<PathBuf>,
    /// Operation budget of one stage attempt.
    pub stage_budget: u64,
    /// The LLM; `None`: from the environment and `dana.toml` (POET_SPEC §4).
    pub llm: Option<LlmConfig>,
}

impl PoetOptions {
    /// Defaults, with `DANA_POET_DIR` as the store when it is set.
    pub fn from_env() -> PoetOptions {
        PoetOptions {
            dir: std::env::var_os("DANA_POET_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
            stage_budget: DEFAULT_STAGE_BUDGET,
            llm: None,
        }
    }
}

/// POET's state in one interpreter.
pub struct PoetRuntime {
    options: PoetOptions,
    functions: RefCell<Vec<Weak<PoetFunction>>>,
    /// Store names taken in this process, with the file that took each.
    claimed: RefCell<HashMap<(PathBuf, String), Arc<str>>>,
    domains: RefCell<HashMap<PathBuf, Rc<Domains>>>,
    /// The LLM client, made at the first generation; `Some(None)`: no LLM (offline).
    llm: RefCell<Option<Option<LlmClient>>>,
    /// Events waiting to be written, per `.poet` directory.
    pub(crate) sinks: RefCell<HashMap<PathBuf, EventSink>>,
    /// The decorated values (by address) and their functions, for `feedback(f, …)`.
    wrappers: RefCell<HashMap<usize, Weak<PoetFunction>>>,
    /// Stores checked for use: `Err(reason)` for one that cannot be used (reported once; its
    /// functions run their original code).
    stores: RefCell<HashMap<PathBuf, Result<(), String>>>,
}

impl PoetRuntime {
    /// The configured LLM client, or `None` when generation is offline. A configuration error
    /// is reported once and means offline.
    pub(crate) fn llm_client(&self, it: &mut Interp) -> Option<LlmClient> {
        if let Some(c) = &*self.llm.borrow() {
            return c.clone();
        }
        let config = match &self.options.llm {
            Some(c) => Ok(c.clone()),
            None => {
                let cwd = std::env::current_dir().unwrap_or_default();
                LlmConfig::from_env(LlmConfig::find_dana_toml(&cwd).as_deref())
            }
        };
        let client = match config {
            Ok(c) if c.is_offline() => None,
            Ok(c) => match LlmClient::new(c) {
                Ok(client) => Some(client),
                Err(e) => {
                    warn(
                        it,
                        &format!("@poet: the LLM client could not start: {e}; generating offline"),
                    );
                    None
                }
            },
            Err(e) => {
                warn(it, &format!("@poet: {e}; generating offline"));
                None
            }
        };
        *self.llm.borrow_mut() = Some(client.clone());
        client
    }

    /// Saves the counters and breaker state of every function that has unsaved changes, and
    /// writes the buffered events.
    pub fn flush(&self) {
        for f in self.functions.borrow().iter().filter_map(Weak::upgrade) {
            f.flush();
        }
        self.flush_events();
    }

    /// A decorated function by its name in the program or its store name.
    pub(crate) fn function_named(&self, name: &str) -> Option<Rc<PoetFunction>> {
        self.functions
            .borrow()
            .iter()
            .filter_map(Weak::upgrade)
            .rfind(|f| f.display == name || f.store_name == name)
    }

    /// The function behind a decorated value.
    pub(crate) fn function_by_wrapper(&self, nf: &Rc<NativeFn>) -> Option<Rc<PoetFunction>> {
        let key = Rc::as_ptr(nf) as *const () as usize;
        self.wrappers.borrow().get(&key).and_then(Weak::upgrade)
    }

    /// The store for code without a file: `--dir`/`DANA_POET_DIR`, else `./.poet`.
    pub(crate) fn default_dir(&self) -> PathBuf {
        self.options
            .dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(".poet"))
    }

    /// The `.poet` directory for a function defined in `file`, absolute and with symlinks
    /// resolved, so that one store is one key however the script was named (`main.na`,
    /// `./main.na`, `/abs/main.na`): two modules never share a function folder by accident.
    fn poet_dir_for(&self, file: &str) -> PathBuf {
        if let Some(d) = &self.options.dir {
            return canonical(d);
        }
        let path = Path::new(file);
        match path.parent() {
            Some(parent) if path.is_file() => canonical(parent).join(".poet"),
            _ => canonical(Path::new(".")).join(".poet"),
        }
    }

    /// Whether the store at `poet_dir` can be used; the first time it cannot, a warning says
    /// why (once per store) and its functions run their original code from then on.
    pub(crate) fn store_usable(&self, it: &mut Interp, poet_dir: &Path) -> bool {
        if let Some(r) = self.stores.borrow().get(poet_dir) {
            return r.is_ok();
        }
        let r = PoetDir::new(poet_dir)
            .open_for_use()
            .map_err(|e| e.to_string());
        self.note_store(it, poet_dir, r)
    }

    /// Records whether a store is usable; a refusal is reported the first time.
    fn note_store(&self, it: &mut Interp, poet_dir: &Path, r: Result<(), String>) -> bool {
        let ok = r.is_ok();
        if let Err(why) = &r {
            warn(
                it,
                &format!(
                    "@poet: the store {} cannot be used ({why}); the decorated functions \
                     that keep their versions there run their original code",
                    poet_dir.display()
                ),
            );
        }
        self.stores.borrow_mut().insert(poet_dir.to_path_buf(), r);
        ok
    }

    /// A store already found unusable (and reported).
    pub(crate) fn store_refused(&self, poet_dir: &Path) -> bool {
        self.stores
            .borrow()
            .get(poet_dir)
            .is_some_and(|r| r.is_err())
    }

    /// The templates visible from `poet_dir` (built-in plus `<poet_dir>/domains/*.toml`);
    /// only the built-in ones for a store that cannot be used.
    pub(crate) fn domains_for(
        &self,
        poet_dir: &Path,
    ) -> Result<Rc<Domains>, crate::domains::DomainError> {
        if let Some(d) = self.domains.borrow().get(poet_dir) {
            return Ok(d.clone());
        }
        let extra = if self.store_refused(poet_dir) {
            Vec::new()
        } else {
            vec![poet_dir.join("domains")]
        };
        let d = Rc::new(Domains::load(&extra)?);
        self.domains
            .borrow_mut()
            .insert(poet_dir.to_path_buf(), d.clone());
        Ok(d)
    }

    /// The store directory name: the function's name, `Type.method` for a receiver method,
    /// and `<module>.<name>` when another file in this process already uses the plain name.
    fn store_name(&self, poet_dir: &Path, shape: &FunctionShape, file: &Arc<str>) -> String {
        let mut name = shape.name.clone();
        if shape.is_method {
            if let Some(ty) = shape.params.first().and_then(|p| p.ann.as_deref()) {
                let ty: String = ty
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !ty.is_empty() {
                    name = format!("{ty}.{name}");
                }
            }
        }
        let mut claimed = self.claimed.borrow_mut();
        let key = (poet_dir.to_path_buf(), name.clone());
        let qualified = || {
            let stem = Path::new(&**file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "main".into());
            format!("{stem}.{name}")
        };
        match claimed.get(&key) {
            Some(owner) if owner != file => qualified(),
            Some(_) => name,
            // The folder remembers which file it belongs to (`owner`), so the names do not
            // depend on the order in which modules are imported.
            None => match crate::store::claim_owner(&poet_dir.join(&name), file) {
                Ok(true) | Err(_) => {
                    claimed.insert(key, file.clone());
                    name
                }
                Ok(false) => qualified(),
            },
        }
    }
}

impl Drop for PoetRuntime {
    fn drop(&mut self) {
        for f in self.functions.borrow().iter().filter_map(Weak::upgrade) {
            f.flush();
        }
        self.finish_events();
    }
}

/// Binds `@poet` with the default options (the facade's installer).
pub fn install(it: &mut Interp) {
    install_with(it, PoetOptions::from_env());
}

/// Binds `@poet` with `options`; the runtime is returned for flushing and inspection.
pub fn install_with(it: &mut Interp, options: PoetOptions) -> Rc<PoetRuntime> {
    let rt = Rc::new(PoetRuntime {
        options,
        functions: RefCell::new(Vec::new()),
        claimed: RefCell::new(HashMap::new()),
        domains: RefCell::new(HashMap::new()),
        llm: RefCell::new(None),
        sinks: RefCell::new(HashMap::new()),
        wrappers: RefCell::new(HashMap::new()),
        stores: RefCell::new(HashMap::new()),
    });
    crate::feedback::install_builtins(it, &rt);
    it.register_decorator_hook("poet", Rc::new(PoetHook(rt.clone())));
    rt
}

struct PoetHook(Rc<PoetRuntime>);

impl DecoratorHook for PoetHook {
    fn decorate(
        &self,
        it: &mut Interp,
        def: DecoratedDef<'_>,
        args: Args<'_>,
    ) -> Result<Value, Exc> {
        let rt = &self.0;
        let config = PoetConfig::from_args(args)?;
        let Value::Func(func) = &def.function else {
            return Err(type_error(format!(
                "@poet must be the decorator closest to `def {}`: it enhances a Dana function, \
                 and the decorators below it returned a {}",
                def.name,
                def.function.type_name()
            )));
        };
        let shape = FunctionShape::from_source(def.text(), def.column()).map_err(|e| {
            value_error(format!(
                "@poet cannot read the definition of {}: {e}",
                def.name
            ))
        })?;
        let file: Arc<str> = def.source.name.clone();
        let poet_dir = rt.poet_dir_for(&file);
        // A store that is a file or cannot be listed is reported here, once, and the program
        // goes on with the original functions (its user templates cannot be read either).
        if !rt.stores.borrow().contains_key(&poet_dir) {
            if let Err(e) = PoetDir::new(&poet_dir).probe() {
                rt.note_store(it, &poet_dir, Err(e.to_string()));
            }
        }
        let domains = match rt.domains_for(&poet_dir) {
            // The templates' folder cannot be read: the store is unusable (reported once),
            // the program is not wrong; the built-in templates serve.
            Err(e @ crate::domains::DomainError::Io { .. }) => {
                rt.note_store(it, &poet_dir, Err(e.to_string()));
                rt.domains_for(&poet_dir)
                    .map_err(|e| value_error(e.to_string()))?
            }
            r => r.map_err(|e| value_error(e.to_string()))?,
        };
        // With an unusable store the function runs its original code, whatever its domain
        // (a user template in that store cannot be read).
        let refused = rt.store_refused(&poet_dir);
        if let (Err(e), false) = (domains.resolve(&config.domain), refused) {
            return Err(value_error(format!(
                "@poet domain={:?}: {e}",
                config.domain
            )));
        }
        let owner: Arc<str> = match std::fs::canonicalize(&*file) {
            Ok(p) => Arc::from(p.to_string_lossy().as_ref()),
            Err(_) => file.clone(),
        };
        let store_name = rt.store_name(&poet_dir, &shape, &owner);
        let code = &func.code;
        let params = code
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| p.name.as_str() != "*")
            .map(|(i, p)| ParamInfo {
                name: p.name,
                ann: p.ann.clone(),
                kind: p.kind,
                default: p.default.and_then(|d| func.defaults.get(d).cloned()),
                keyword_only: p.kind == ParamKind::Normal && i >= code.n_positional,
            })
            .collect();
        let pf = Rc::new(PoetFunction {
            display: def.name.to_string(),
            store_name,
            poet_dir,
            budget: rt.options.stage_budget,
            original: def.function.clone(),
            params,
            returns: code.returns.clone(),
            shape,
            globals: def.globals.clone(),
            jitter: RefCell::new(Jitter::from_entropy()),
            slot: RefCell::new(Slot::Unprepared),
            active: std::cell::Cell::new(0),
            live: RefCell::new(Live::default()),
            background: RefCell::new(None),
            last_execution: RefCell::new(None),
            learned: RefCell::new(Learned::default()),
            triggers: RefCell::new(Triggers::default()),
            config,
            rt: Rc::downgrade(rt),
        });
        rt.functions.borrow_mut().push(Rc::downgrade(&pf));
        if pf.config.generate == "eager" {
            pf.stages(it);
        }
        let call = pf.clone();
        let wrapper = NativeFn::closure(def.name, move |it, args| call.call(it, args));
        if let Value::Native(nf) = &wrapper {
            let key = Rc::as_ptr(nf) as *const () as usize;
            rt.wrappers.borrow_mut().insert(key, Rc::downgrade(&pf));
        }
        Ok(wrapper)
    }
}

/// A parameter of the original function, as the pipeline rebinds perceive's answer.
pub(crate) struct ParamInfo {
    pub name: Sym,
    pub ann: Option<TypeAnn>,
    pub kind: ParamKind,
    pub default: Option<Value>,
    pub keyword_only: bool,
}

/// The compiled stage functions of the current version.
pub(crate) struct Stages {
    pub version: u32,
    /// `None` for a trial run's stages.
    pub store: Option<FunctionStore>,
    pub perceive: Option<Value>,
    pub operate: Value,
    pub enforce: Option<Value>,
    pub train: Option<Value>,
}

pub(crate) enum Slot {
    Unprepared,
    Ready(Rc<Stages>),
    /// No usable version: the original answers every call.
    Unavailable,
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
    /// The latest executions (inputs, results, ratings) for replay and re-tuning.
    pub records: Vec<CallRecord>,
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
}

impl Live {
    /// The mean of the latest ratings, if any.
    pub(crate) fn mean_rating(&self) -> Option<f64> {
        let rated: Vec<i64> = self.records.iter().filter_map(|r| r.rating).collect();
        (!rated.is_empty()).then(|| rated.iter().sum::<i64>() as f64 / rated.len() as f64)
    }
}

/// One `@poet` function.
pub struct PoetFunction {
    pub(crate) display: String,
    pub(crate) store_name: String,
    pub(crate) poet_dir: PathBuf,
    pub(crate) config: PoetConfig,
    pub(crate) original: Value,
    pub(crate) params: Vec<ParamInfo>,
    pub(crate) returns: Option<TypeAnn>,
    pub(crate) shape: FunctionShape,
    pub(crate) globals: Rc<Globals>,
    pub(crate) budget: u64,
    pub(crate) jitter: RefCell<Jitter>,
    pub(crate) slot: RefCell<Slot>,
    pub(crate) live: RefCell<Live>,
    /// An LLM request in flight (`generate="background"`).
    pub(crate) background: RefCell<Option<Background>>,
    /// The latest execution in this process: (execution id, event id).
    pub(crate) last_execution: RefCell<Option<(String, String)>>,
    /// Parameters the current version learned (`params.json`).
    pub(crate) learned: RefCell<Learned>,
    /// The learning triggers' settings (`params.json` → `learning`).
    pub(crate) triggers: RefCell<Triggers>,
    /// Calls of this function in progress on this interpreter: a call made while one is in
    /// progress (a stage, or the original, calling the function itself; the trial run of a
    /// generation) goes to the original, never into the pipeline again.
    pub(crate) active: std::cell::Cell<u32>,
    rt: Weak<PoetRuntime>,
}

/// What a background generation needs between polls.
pub(crate) struct Background {
    job: BackgroundJob,
    llm: LlmJob,
    /// The cache key the LLM version is stored under.
    key: String,
}

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

fn last_problem(attempts: &[serde_json::Value]) -> String {
    let Some(last) = attempts.last() else {
        return "no answer".into();
    };
    if let Some(e) = last.get("error").and_then(|e| e.as_str()) {
        return e.to_string();
    }
    last.get("problems")
        .and_then(|p| p.get(0))
        .and_then(|p| p.as_str())
        .unwrap_or("rejected")
        .to_string()
}

impl PoetFunction {
    /// The stage functions, prepared at the first call.
    pub(crate) fn stages(&self, it: &mut Interp) -> Option<Rc<Stages>> {
        match &*self.slot.borrow() {
            Slot::Ready(s) => return Some(s.clone()),
            Slot::Unavailable => return None,
            Slot::Unprepared => {}
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
        let slot = match prepared {
            // Already reported once for the whole store.
            Err(why) if why.is_empty() => Slot::Unavailable,
            Ok(s) => Slot::Ready(Rc::new(s)),
            Err(why) => {
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
        let lock = store.lock().map_err(|e| e.to_string())?;
        let mut damage: Vec<String> = Vec::new();
        let current = store.current().unwrap_or_else(|e| {
            damage.push(e.to_string());
            None
        });
        let background = self.config.generate == "background";
        let mut found = self.find_version(&store, &lock, current, &key, &granted, &mut damage)?;
        let offline_code =
            crate::offline::enhance(&self.shape, &domain, self.config.optimize_for.as_deref());
        let mut attempts = Vec::new();
        let mut candidate = None;
        if found.is_none() {
            if let (Some(client), Some(model), false) = (&llm, &model, background) {
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
                candidate = self.generate_llm(it, &job, None, &mut attempts);
                if let (Some(rt), Some(flow)) = (&rt, &flow) {
                    let (kind, outcome) = match &candidate {
                        Some(_) => ("enhancement.completed", "accepted"),
                        None => ("enhancement.failed", "every attempt was refused"),
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
                    warn(
                        it,
                        &format!(
                            "@poet {}: {model} gave no valid version in {} attempts ({}); the offline version serves",
                            self.display,
                            crate::generate::MAX_ATTEMPTS,
                            last_problem(&attempts)
                        ),
                    );
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
                        if !report.passed() {
                            return Err(format!(
                                "the offline enhancement failed validation: {}",
                                report.summary()
                            ));
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
                let n = self.store_candidate(&store, &lock, &domain, cand, cand_key, reason)?;
                store.load(n).map_err(|e| e.to_string())?
            }
        };
        drop(lock);
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
        if background && version.metadata.generator == "offline" {
            if let (Some(client), Some(model)) = (llm, model) {
                let llm = LlmJob {
                    client,
                    model,
                    domain,
                    offline_code,
                    capabilities: granted,
                };
                let job = self.start_background(&llm, &[], 1, Vec::new());
                *self.background.borrow_mut() = Some(Background { job, llm, key });
            }
        }
        self.compile(it, store, version)
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
        let validation = cand.validation_json();
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
            Some(Err(job)) => {
                *self.background.borrow_mut() = Some(Background { job, llm, key });
            }
            None => warn(
                it,
                &format!(
                    "@poet {}: {model} gave no valid version in the background; the offline version keeps serving",
                    self.display
                ),
            ),
            Some(Ok(cand)) => {
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
        crate::trial::load_module(it, &path, &version.code, &module)
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
        let learned = crate::learn::learned_from_params(&version.params, &mut param_problems);
        let triggers = crate::learn::triggers_from_params(&version.params, &mut param_problems);
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
        })
    }

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
        let ms = o.duration.as_secs_f64() * 1000.0;
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
                    "message": crate::learn::clip(&e.message, crate::learn::MAX_FAILURE_MESSAGE),
                    "at": store::rfc3339_now(),
                }));
            }
        }
        let mut changed = false;
        if o.attempts > 0 {
            let now = if o.ok { 0.0 } else { unix_now() };
            let cfg = self.config.breaker.clone();
            changed = live.breaker.record(&cfg, !o.ok, now).is_some();
        }
        live.dirty = true;
        let due = live.last_flush.is_none_or(|t| t.elapsed() >= FLUSH_EVERY);
        drop(live);
        if changed || due {
            self.flush();
        }
    }

    /// Counts a finished call; with `train=True` also records its execution event and
    /// evidence, and lets the learning loop look at it.
    pub(crate) fn finish(&self, it: &mut Interp, o: Outcome<'_>, cpu_start: Option<Duration>) {
        let train = match (cpu_start, self.rt.upgrade()) {
            (Some(cpu0), Some(rt)) => {
                let cpu = crate::feedback::usage().0.saturating_sub(cpu0);
                let e = self.execution_event(&o, cpu);
                let exec_id = e.correlation_id.clone();
                *self.last_execution.borrow_mut() = Some((exec_id.clone(), e.id.clone()));
                let timeout = o.error.is_some_and(|e| e.kind == ExcKind::TimeoutError);
                let ms = o.duration.as_secs_f64() * 1000.0;
                if !o.rejected_input && o.attempts > 0 {
                    self.remember(&exec_id, o.ok, timeout, ms, o.args, o.result);
                }
                rt.emit(it, &self.poet_dir, e);
                true
            }
            _ => false,
        };
        self.record(o);
        if train {
            self.learn(it);
        }
    }

    /// The number of the version that serves, once prepared.
    pub(crate) fn current_version(&self) -> Option<u32> {
        match &*self.slot.borrow() {
            Slot::Ready(s) => Some(s.version),
            _ => None,
        }
    }

    /// The runtime, while it lives.
    pub(crate) fn rt(&self) -> Option<Rc<PoetRuntime>> {
        self.rt.upgrade()
    }

    /// Keeps a rating (and a regeneration request) for the learning triggers, on the
    /// recorded execution it rates.
    pub(crate) fn note_feedback(&self, execution_id: &str, rating: Option<i64>, regenerate: bool) {
        let mut live = self.live.borrow_mut();
        if let Some(rec) = live
            .records
            .iter_mut()
            .rev()
            .find(|r| r.execution_id == execution_id)
        {
            rec.rating = rating.or(rec.rating);
        }
        if let Some(r) = rating {
            live.ratings.push(r);
            let excess = live.ratings.len().saturating_sub(20);
            live.ratings.drain(..excess);
        }
        live.regenerate_requested |= regenerate;
        live.dirty = true;
    }

    /// Writes `state.json` of the current version when there is something new.
    pub(crate) fn flush(&self) {
        let stages = match &*self.slot.borrow() {
            Slot::Ready(s) => s.clone(),
            _ => return,
        };
        let mut live = self.live.borrow_mut();
        if !live.dirty {
            return;
        }
        live.updated_at = Some(store::rfc3339_now());
        live.dirty = false;
        live.last_flush = Some(Instant::now());
        let json = serde_json::to_value(&*live).unwrap_or_default();
        drop(live);
        // A store that cannot be written must not break the program; the next flush retries.
        let Some(store) = &stages.store else { return };
        if let Err(e) = store.write_state(stages.version, &json) {
            let mut live = self.live.borrow_mut();
            live.dirty = true;
            if !std::mem::replace(&mut live.flush_warned, true) {
                // Said once per function: a full disk must not flood stderr.
                use std::io::Write;
                let msg = format!(
                    "warning: @poet {}: the counters cannot be saved ({e}); the function goes on\n",
                    self.display
                );
                let _ = std::io::stderr().write_all(dana_llm::redact_secrets(&msg).as_bytes());
            }
        }
    }
}

/// Seconds since the Unix epoch (the breaker's clock, which outlives the process).
pub(crate) fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A warning on stderr, with every registered secret (the API key) redacted.
pub(crate) fn warn(it: &mut Interp, msg: &str) {
    it.write_stderr(&format!("warning: {}\n", dana_llm::redact_secrets(msg)));
}

/// `p` absolute with symlinks resolved; when it does not exist (yet), its nearest existing
/// ancestor resolved and the rest appended as written.
pub(crate) fn canonical(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut rest = Vec::new();
    let mut cur = abs.as_path();
    while let Some(parent) = cur.parent() {
        if let Some(name) = cur.file_name() {
            rest.push(name.to_os_string());
        }
        if let Ok(c) = std::fs::canonicalize(parent) {
            return rest.iter().rev().fold(c, |acc, n| acc.join(n));
        }
        cur = parent;
    }
    abs
}

/// Counters of a function for tests and the REPL: name → (calls, failures, fallbacks).
pub fn summary(rt: &PoetRuntime) -> BTreeMap<String, (u64, u64, u64)> {
    rt.functions
        .borrow()
        .iter()
        .filter_map(Weak::upgrade)
        .map(|f| {
            let l = f.live.borrow();
            (f.store_name.clone(), (l.calls, l.failures, l.fallbacks))
        })
        .collect()
}
