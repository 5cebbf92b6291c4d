//! The `@poet` decorator hook: [`install`] binds it, and each decorated `def` becomes a
//! `PoetFunction` (its shape, store folder, domain and configuration checked at definition)
//! bound to the name as a plain native function.

use crate::call::retry::Jitter;
use crate::config::PoetConfig;
use crate::function::{canonical, ParamInfo, PoetFunction, PoetOptions, PoetRuntime, Slot};
use crate::make::shape::FunctionShape;
use crate::state::{Learned, Live, Triggers};
use crate::store::PoetDir;
use dana_grammar::ast::ParamKind;
use dana_interpreter::error::{type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::hooks::{DecoratedDef, DecoratorHook};
use dana_interpreter::value::{Args, NativeFn, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

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
        fleets: RefCell::new(HashMap::new()),
    });
    crate::learn::feedback::install_builtins(it, &rt);
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
                 and the decorators below it returned {}",
                def.name,
                dana_interpreter::error::with_article(&def.function.type_name())
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
            Err(e @ crate::make::domains::DomainError::Io { .. }) => {
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
            .collect::<Vec<ParamInfo>>();
        let param_keys = params
            .iter()
            .map(|p| dana_interpreter::value::Key(Value::str(p.name.as_str())))
            .collect();
        let pf = Rc::new(PoetFunction {
            display: def.name.to_string(),
            event_name: Arc::from(store_name.as_str()),
            store_name,
            poet_dir,
            budget: rt.options.stage_budget,
            original: def.function.clone(),
            params,
            param_keys,
            returns: code.returns.clone(),
            shape,
            globals: def.globals.clone(),
            jitter: RefCell::new(Jitter::from_entropy()),
            slot: RefCell::new(Slot::Unprepared),
            prepared_epoch: std::cell::Cell::new(0),
            active: std::cell::Cell::new(0),
            trial_record: RefCell::new(None),
            first_args: RefCell::new(None),
            live: RefCell::new(Live::default()),
            background: RefCell::new(None),
            last_execution: std::cell::Cell::new(None),
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

/// [`PoetRuntime::poet_dir_for`], with `dir` the store given by `--dir`/`DANA_POET_DIR`.
fn store_dir_for(dir: Option<&Path>, file: &str) -> PathBuf {
    if let Some(d) = dir {
        return canonical(d);
    }
    let path = Path::new(file);
    let start = match path.parent() {
        Some(parent) if path.is_file() => canonical(parent),
        _ => dana_llm::project::start_folder(),
    };
    canonical(&dana_llm::project::project_dir(&start)).join(".poet")
}

/// Checks the arguments of `@poet(...)` as the decorator does when the function is defined
/// (the configuration, then the domain against the built-in templates and those of the store
/// the function defined in `file` would use), without defining or generating anything: what
/// `dana check` reports. The error is the message the runtime would raise.
pub fn check_decorator(args: Args<'_>, file: &str) -> Result<(), String> {
    let config = PoetConfig::from_args(args).map_err(|e| e.message.clone())?;
    let options = PoetOptions::from_env();
    let store = store_dir_for(options.dir.as_deref(), file);
    // An unreadable store is no error of the program (the runtime warns and goes on with the
    // built-in templates).
    let domains = crate::make::domains::Domains::load(&[store.join("domains")])
        .or_else(|_| crate::make::domains::Domains::load(&[]))
        .map_err(|e| e.to_string())?;
    domains
        .resolve(&config.domain)
        .map(|_| ())
        .map_err(|e| format!("@poet domain={:?}: {e}", config.domain))
}

impl PoetRuntime {
    /// The `.poet` directory for a function defined in `file`: that of its project (the
    /// nearest folder upward from the file's holding `dana.toml` or `.poet`, else the file's
    /// folder; [`dana_llm::project`]), absolute and with symlinks resolved, so that one store
    /// is one key however the script was named (`main.na`, `./main.na`, `/abs/main.na`).
    fn poet_dir_for(&self, file: &str) -> PathBuf {
        store_dir_for(self.options.dir.as_deref(), file)
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
