//! What a decorated function is: `PoetRuntime` (POET's state in one interpreter: the
//! functions, the stores and their templates, the LLM client, the event sinks),
//! `PoetFunction` (one `@poet` function: its original, its configuration, the stages of the
//! version that serves and its live counters), and the small helpers every layer uses.
//! The behaviour lives in `impl PoetFunction` blocks of the groups above: `call/` (a call),
//! `make/` (the version), `learn/` (the learning loop).

use crate::call::retry::Jitter;
use crate::config::PoetConfig;
use crate::events::sink::EventSink;
use crate::fleet::{Fleet, FleetConfig};
use crate::make::domains::Domains;
use crate::make::job::Background;
use crate::make::shape::FunctionShape;
use crate::state::{Learned, Live, Triggers};
use crate::store::{self, FunctionStore, PoetDir};
use dana_grammar::ast::{ParamKind, Sym};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{Globals, NativeFn, TypeAnn, Value};
use dana_llm::{LlmClient, LlmConfig};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::time::Instant;

/// Operations one stage attempt may run (on top of its wall-clock timeout), so an endless loop
/// stops even under a generous timeout.
pub(crate) const DEFAULT_STAGE_BUDGET: u64 = 200_000_000;

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
    pub(crate) options: PoetOptions,
    pub(crate) functions: RefCell<Vec<Weak<PoetFunction>>>,
    /// Store names taken in this process, with the file that took each.
    pub(crate) claimed: RefCell<HashMap<(PathBuf, String), Arc<str>>>,
    pub(crate) domains: RefCell<HashMap<PathBuf, Rc<Domains>>>,
    /// The LLM client, made at the first generation; `Some(None)`: no LLM (offline).
    pub(crate) llm: RefCell<Option<Option<LlmClient>>>,
    /// Events waiting to be written, per `.poet` directory.
    pub(crate) sinks: RefCell<HashMap<PathBuf, EventSink>>,
    /// The decorated values (by address) and their functions, for `feedback(f, …)`.
    pub(crate) wrappers: RefCell<HashMap<usize, Weak<PoetFunction>>>,
    /// Stores checked for use: `Err(reason)` for one that cannot be used (reported once; its
    /// functions run their original code).
    pub(crate) stores: RefCell<HashMap<PathBuf, Result<(), String>>>,
    /// The shared store of each `.poet` directory in fleet mode (`None`: local), decided at
    /// its first use.
    pub(crate) fleets: RefCell<HashMap<PathBuf, Option<Arc<Fleet>>>>,
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
                let start = dana_llm::project::start_folder();
                LlmConfig::from_env(LlmConfig::find_dana_toml(&start).as_deref())
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

    /// The store for code without a file: `--dir`/`DANA_POET_DIR`, else the `.poet` of the
    /// project ([`dana_llm::project`]) of the running program, or of the working folder.
    pub(crate) fn default_dir(&self) -> PathBuf {
        self.options.dir.clone().unwrap_or_else(|| {
            dana_llm::project::project_dir(&dana_llm::project::start_folder()).join(".poet")
        })
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
    pub(crate) fn note_store(
        &self,
        it: &mut Interp,
        poet_dir: &Path,
        r: Result<(), String>,
    ) -> bool {
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
        let stores = self.stores.borrow();
        // Every call with events asks: no hashing in the usual case, where no store is refused.
        stores.values().any(|r| r.is_err()) && stores.get(poet_dir).is_some_and(|r| r.is_err())
    }

    /// The shared store of `poet_dir` in fleet mode (POET_SPEC §10), `None` with the local
    /// backend. The first time: reads the configuration (a mistake is reported once and means
    /// local), attaches the fleet to the store, and starts its change watcher and event
    /// forwarder.
    pub(crate) fn fleet_for(&self, it: &mut Interp, poet_dir: &Path) -> Option<Arc<Fleet>> {
        if let Some(f) = self.fleets.borrow().get(poet_dir) {
            return f.clone();
        }
        let start = dana_llm::project::start_folder();
        let made = FleetConfig::from_env(LlmConfig::find_dana_toml(&start).as_deref()).and_then(
            |c| match c {
                Some(c) => Fleet::new(c).map(Some).map_err(|e| e.to_string()),
                None => Ok(None),
            },
        );
        let fleet = match made {
            Ok(f) => f,
            Err(e) => {
                warn(
                    it,
                    &format!("@poet: fleet mode is off: {e}; the local store serves"),
                );
                None
            }
        };
        if let Some(f) = &fleet {
            store::attach_backend(poet_dir, f.clone());
            crate::fleet::start_threads(f, poet_dir);
        }
        self.fleets
            .borrow_mut()
            .insert(poet_dir.to_path_buf(), fleet.clone());
        fleet
    }

    /// The templates visible from `poet_dir` (built-in plus `<poet_dir>/domains/*.toml`);
    /// only the built-in ones for a store that cannot be used.
    pub(crate) fn domains_for(
        &self,
        poet_dir: &Path,
    ) -> Result<Rc<Domains>, crate::make::domains::DomainError> {
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
}

impl Drop for PoetRuntime {
    fn drop(&mut self) {
        for f in self.functions.borrow().iter().filter_map(Weak::upgrade) {
            f.flush();
        }
        self.finish_events();
        // The last events go to the shared stream now (or stay spooled for the next run).
        for (dir, fleet) in self.fleets.borrow().iter() {
            if let Some(f) = fleet {
                crate::fleet::stream::forward_reporting(f, dir);
            }
        }
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
    /// The stages the pipeline may decide natively (`call/plain.rs`).
    pub plain: crate::make::offline::PlainStages,
}

pub(crate) enum Slot {
    Unprepared,
    Ready(Rc<Stages>),
    /// No usable version: the original answers every call.
    Unavailable,
}

/// One `@poet` function.
pub(crate) struct PoetFunction {
    pub(crate) display: String,
    pub(crate) store_name: String,
    /// [`PoetFunction::store_name`], shared with the event writer thread.
    pub(crate) event_name: Arc<str>,
    pub(crate) poet_dir: PathBuf,
    pub(crate) config: PoetConfig,
    pub(crate) original: Value,
    pub(crate) params: Vec<ParamInfo>,
    /// The name of each of [`PoetFunction::params`] as a dict key (perceive's answer is read
    /// with them on every call).
    pub(crate) param_keys: Vec<dana_interpreter::value::Key>,
    pub(crate) returns: Option<TypeAnn>,
    pub(crate) shape: FunctionShape,
    pub(crate) globals: Rc<Globals>,
    pub(crate) budget: u64,
    pub(crate) jitter: RefCell<Jitter>,
    pub(crate) slot: RefCell<Slot>,
    /// [`crate::fleet::epoch`] when the slot was prepared: another value means another
    /// process moved a shared `current`, and the next call prepares again.
    pub(crate) prepared_epoch: std::cell::Cell<u64>,
    pub(crate) live: RefCell<Live>,
    /// An LLM request in flight (`generate="background"`).
    pub(crate) background: RefCell<Option<Background>>,
    /// The latest execution in this process: (execution id, event id).
    pub(crate) last_execution: Cell<Option<(u128, u128)>>,
    /// Parameters the current version learned (`params.json`).
    pub(crate) learned: RefCell<Learned>,
    /// The learning triggers' settings (`params.json` → `learning`).
    pub(crate) triggers: RefCell<Triggers>,
    /// Calls of this function in progress on this interpreter: a call made while one is in
    /// progress (a stage, or the original, calling the function itself; the trial run of a
    /// generation) goes to the original, never into the pipeline again.
    pub(crate) active: std::cell::Cell<u32>,
    /// What the latest passed trial found (its oracle and inputs), for the `metadata.json` of
    /// the version stored next.
    pub(crate) trial_record: RefCell<Option<serde_json::Value>>,
    /// The bound positional arguments of the call that prepares the version, while it does (a
    /// trial input, like the recorded calls).
    pub(crate) first_args: RefCell<Option<Vec<Value>>>,
    pub(crate) rt: Weak<PoetRuntime>,
}

impl PoetFunction {
    /// The number of the version that serves, once prepared.
    pub(crate) fn current_version(&self) -> Option<u32> {
        match &*self.slot.borrow() {
            Slot::Ready(s) => Some(s.version),
            _ => None,
        }
    }

    /// The execution id and the event id of the latest call with `train=True`.
    pub(crate) fn last_execution(&self) -> Option<(String, String)> {
        use crate::events::id::format_id;
        self.last_execution
            .get()
            .map(|(exec, event)| (format_id(exec), format_id(event)))
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
