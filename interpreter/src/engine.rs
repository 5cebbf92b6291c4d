//! The embedding API: run Dana from a Rust host.
//!
//! - [`Engine`]: an interpreter with host functions, host types, limits and a print handler.
//!   It holds `Rc`-based runtime values, so it is **single-threaded** (`!Send`): create one per
//!   thread. Creating one is cheap (well under a millisecond).
//! - [`Program`]: parsed source, `Send + Sync`, compiled once and run many times, on any thread's
//!   engine. Name resolution happens at each run (it is cheap next to parsing).
//! - [`Scope`]: the module globals of a run: values the host passes in before, and reads after.
//! - [`FromValue`] / [`IntoValue`]: typed conversions between Rust and Dana values;
//!   [`to_value`] / [`from_value`] do the same for any serde type (through JSON).
//! - [`Error`]: the one error type, `Send + Sync + 'static`, a [`miette::Diagnostic`] carrying
//!   the source text so that it renders with a snippet.
//!
//! This crate knows nothing of the standard library or POET: [`Engine::new`] gives the core
//! language only. The `dana` facade's `dana::Engine::new()` adds both (through
//! [`EngineBuilder::installer`]).
//!
//! ```
//! use dana_interpreter::engine::Engine;
//!
//! let mut engine = Engine::new();
//! engine.register_fn("double", |x: i64| x * 2);
//! let n: i64 = engine.eval("double(20) + 2").unwrap();
//! assert_eq!(n, 42);
//! ```
#![warn(missing_docs)]

mod convert;
mod error;
mod host;
mod register;
mod serde_bridge;

pub use convert::{FromValue, IntoArgs, IntoValue};
pub use error::{Error, ErrorKind, Result};
pub use host::{Host, HostConstructor, HostMethod, TypeBuilder};
pub use register::{IntoNativeResult, RegisterFn};
pub use serde_bridge::{from_value, to_value};

use crate::eval::{Interp, Output};
use crate::load::{self, Parsed};
use crate::value::{Globals, Value};
use dana_grammar::ast::Sym;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Something that sets up an interpreter: installs native modules, builtins, hooks
/// (`dana_stdlib::install`, `dana_poet::install`).
pub type Installer = fn(&mut Interp);

/// The name `eval` binds its result to (a name no program can write: it is not an identifier
/// a user would pick, and it is removed after the run).
const EVAL_RESULT: &str = "__engine_eval_result__";

/// A parsed program: reusable, cheap to clone, and `Send + Sync` (it holds no runtime values).
///
/// ```
/// use dana_interpreter::engine::{Engine, Program};
///
/// let program: Program = Engine::new().compile("x = 1 + 2").unwrap();
/// let handle = std::thread::spawn(move || {
///     let mut engine = Engine::new();
///     let mut scope = dana_interpreter::engine::Scope::new();
///     engine.run_with_scope(&program, &mut scope).unwrap();
///     scope.get::<i64>("x").unwrap()
/// });
/// assert_eq!(handle.join().unwrap(), 3);
/// ```
#[derive(Clone)]
pub struct Program {
    inner: Arc<Parsed>,
}

impl Program {
    /// The display name of the source (`<string>` unless given to [`Engine::compile_named`]).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.inner.text
    }

    fn same(&self, other: &Program) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("name", &self.inner.name)
            .finish_non_exhaustive()
    }
}

/// The module globals of a run: the host sets values before it and reads them after.
///
/// A scope can be reused across runs: what one run defines (variables, functions) the next one
/// sees, which is how a host keeps state between snippets.
///
/// ```
/// use dana_interpreter::engine::{Engine, Scope};
///
/// let mut engine = Engine::new();
/// let mut scope = Scope::new();
/// scope.set("price", 12.5);
/// scope.set("qty", 4);
/// let program = engine.compile("total = price * qty").unwrap();
/// engine.run_with_scope(&program, &mut scope).unwrap();
/// assert_eq!(scope.get::<f64>("total").unwrap(), 50.0);
/// ```
pub struct Scope {
    globals: Rc<Globals>,
}

impl Default for Scope {
    fn default() -> Self {
        Scope::new()
    }
}

impl Scope {
    /// An empty scope (a module named `__main__`).
    pub fn new() -> Scope {
        let g = Rc::new(Globals::new("__main__", None));
        g.set(Sym::intern("__name__"), Value::str("__main__"));
        Scope { globals: g }
    }

    /// Binds `name` to a value (a module global of the next run).
    pub fn set(&mut self, name: &str, value: impl IntoValue) -> &mut Self {
        self.globals.set(Sym::intern(name), value.into_value());
        self
    }

    /// The value of `name`, converted; an error when it is unbound or of another type.
    pub fn get<T: FromValue>(&self, name: &str) -> Result<T> {
        let v = self.get_value(name).ok_or_else(|| {
            Error::conversion(crate::error::name_error(format!(
                "name '{name}' is not defined in the scope"
            )))
        })?;
        T::from_value(v).map_err(Error::conversion)
    }

    /// The raw value of `name`, if bound.
    pub(crate) fn get_value(&self, name: &str) -> Option<Value> {
        self.globals.get(Sym::intern(name))
    }

    /// Whether `name` is bound.
    pub fn contains(&self, name: &str) -> bool {
        self.get_value(name).is_some()
    }

    /// Unbinds `name`; returns its value, if it was bound.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let sym = Sym::intern(name);
        let i = *self.globals.index.borrow().get(&sym)?;
        self.globals.slots.borrow_mut()[i as usize].take()
    }

    /// The bound names, in definition order (including `__name__`).
    pub fn names(&self) -> Vec<String> {
        self.globals
            .names()
            .iter()
            .map(|s| s.as_str().to_string())
            .collect()
    }

    /// The underlying module globals (for lower-level use with [`Interp`]).
    pub fn globals(&self) -> &Rc<Globals> {
        &self.globals
    }
}

/// A host callback receiving `print` output.
type PrintHandler = Box<dyn FnMut(&str)>;

/// Resource limits applied to every run of an [`Engine`].
#[derive(Clone, Debug, Default)]
struct EngineLimits {
    max_operations: Option<u64>,
    max_call_depth: Option<usize>,
    timeout: Option<Duration>,
    /// `None`: the default ([`crate::limits::default_max_memory`]); `Some(None)`: unlimited.
    max_memory: Option<Option<usize>>,
}

/// Configures an [`Engine`]: installers (standard library, POET), limits, print handler.
///
/// ```
/// use dana_interpreter::engine::Engine;
/// use std::time::Duration;
///
/// let mut engine = Engine::builder()
///     .max_operations(10_000)
///     .max_call_depth(64)
///     .timeout(Duration::from_secs(1))
///     .build();
/// let err = engine.run_source("while True:\n    pass\n").unwrap_err();
/// assert!(err.to_string().contains("operation budget"));
/// ```
#[must_use]
#[derive(Default)]
pub struct EngineBuilder {
    installers: Vec<Installer>,
    limits: EngineLimits,
    print: Option<PrintHandler>,
    capture: bool,
}

impl EngineBuilder {
    /// Adds an installer, run on the new interpreter in the order given (e.g.
    /// `dana_stdlib::install`).
    pub fn installer(mut self, f: Installer) -> Self {
        self.installers.push(f);
        self
    }

    /// Stops a run after about `n` operations (loop iterations and calls) with a `LimitError`.
    pub fn max_operations(mut self, n: u64) -> Self {
        self.limits.max_operations = Some(n);
        self
    }

    /// Maximum nesting of Dana calls (a `RecursionError` beyond it; default 1000). Evaluation
    /// recurses on the Rust stack: keep this low on threads with small stacks.
    pub fn max_call_depth(mut self, n: usize) -> Self {
        self.limits.max_call_depth = Some(n);
        self
    }

    /// Stops a run that lasts longer than `d` with a `TimeoutError` (the deadline is set when
    /// each run starts).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.limits.timeout = Some(d);
        self
    }

    /// Stops a run whose memory grows past `bytes` with a catchable `MemoryError` (measured
    /// from when the engine was built, so values kept between runs count). The default is
    /// [`crate::limits::default_max_memory`]. The limit is measured by
    /// [`crate::limits::CountingAlloc`], which the host installs as its global allocator;
    /// without it, only single allocations larger than `bytes` (and the size caps of strings
    /// and lists) are refused.
    ///
    /// ```
    /// let mut engine = dana_interpreter::engine::Engine::builder()
    ///     .max_memory(64 << 20)
    ///     .build();
    /// let err = engine.run_source("s = 'x' * (100 * 1024 * 1024)\n").unwrap_err();
    /// assert!(err.to_string().contains("MemoryError"), "{err}");
    /// ```
    pub fn max_memory(mut self, bytes: usize) -> Self {
        self.limits.max_memory = Some(Some(bytes));
        self
    }

    /// Removes the memory limit (allocations then fail only when the system refuses them).
    pub fn unlimited_memory(mut self) -> Self {
        self.limits.max_memory = Some(None);
        self
    }

    /// Hands `print` output to `f` instead of standard output.
    pub fn on_print(mut self, f: impl FnMut(&str) + 'static) -> Self {
        self.print = Some(Box::new(f));
        self.capture = false;
        self
    }

    /// Collects `print` output in memory; read it with [`Engine::take_output`].
    pub fn capture_output(mut self) -> Self {
        self.capture = true;
        self.print = None;
        self
    }

    /// Builds the engine.
    pub fn build(self) -> Engine {
        let mut interp = Interp::new();
        for install in &self.installers {
            install(&mut interp);
        }
        if let Some(h) = self.print {
            interp.set_output(Output::Handler(h));
        } else if self.capture {
            interp.set_output(Output::Capture(String::new()));
        }
        let cancel = Arc::new(AtomicBool::new(false));
        interp.limits.cancel = Some(cancel.clone());
        if let Some(d) = self.limits.max_call_depth {
            interp.limits.max_call_depth = d;
        }
        interp.limits.max_operations = self.limits.max_operations;
        if let Some(m) = self.limits.max_memory {
            interp.limits.max_memory = m;
        }
        Engine {
            interp,
            limits: self.limits,
            cancel,
            program_globals: Vec::new(),
        }
    }
}

/// A Dana interpreter for a Rust host.
///
/// Single-threaded: it holds `Rc`-based values and is not `Send`. Share [`Program`]s between
/// threads instead, each thread with its own engine.
///
/// Evaluation recurses on the Rust stack; a deep Dana recursion needs a thread with a large
/// stack (or a lower [`EngineBuilder::max_call_depth`]).
pub struct Engine {
    interp: Interp,
    limits: EngineLimits,
    cancel: Arc<AtomicBool>,
    /// The globals of each program that [`Engine::call_fn`] has run.
    program_globals: Vec<(Program, Rc<Globals>)>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// An engine with the core language only, default limits and output to stdout.
    pub fn new() -> Engine {
        EngineBuilder::default().build()
    }

    /// A builder to configure limits, installers and the print handler.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Parses source text into a reusable [`Program`] named `<string>`.
    pub fn compile(&self, source: &str) -> Result<Program> {
        self.compile_named("<string>", source)
    }

    /// Parses source text into a reusable [`Program`] with a display name used in errors.
    pub fn compile_named(&self, name: &str, source: &str) -> Result<Program> {
        let parsed = load::parse(name, source).map_err(|e| Error::syntax(&e))?;
        Ok(Program {
            inner: Arc::new(parsed),
        })
    }

    /// Runs a program in a fresh scope.
    pub fn run(&mut self, program: &Program) -> Result<()> {
        self.run_with_scope(program, &mut Scope::new())
    }

    /// Parses and runs source text in a fresh scope.
    pub fn run_source(&mut self, source: &str) -> Result<()> {
        let p = self.compile(source)?;
        self.run(&p)
    }

    /// Runs a program with `scope` as its module globals.
    pub fn run_with_scope(&mut self, program: &Program, scope: &mut Scope) -> Result<()> {
        self.run_module(&program.inner, &scope.globals)
    }

    fn run_module(&mut self, parsed: &Parsed, g: &Rc<Globals>) -> Result<()> {
        self.start_run();
        let r = self.interp.run_parsed(parsed, g);
        self.interp.flush();
        r.map_err(|e| self.runtime_error(e))
    }

    /// Evaluates source text and converts the value of its last line (when that line is an
    /// expression; otherwise the result is `None`).
    ///
    /// ```
    /// let mut engine = dana_interpreter::engine::Engine::new();
    /// let words: Vec<String> = engine.eval("'a b c'.split()").unwrap();
    /// assert_eq!(words, ["a", "b", "c"]);
    /// ```
    pub fn eval<T: FromValue>(&mut self, source: &str) -> Result<T> {
        self.eval_with_scope(&mut Scope::new(), source)
    }

    /// [`Engine::eval`] with `scope` as the module globals.
    pub fn eval_with_scope<T: FromValue>(&mut self, scope: &mut Scope, source: &str) -> Result<T> {
        let program = self.compile(source)?;
        let mut parsed = Parsed::clone(&program.inner);
        parsed.assign_last_expr(Sym::intern(EVAL_RESULT));
        self.run_module(&parsed, &scope.globals)?;
        let v = scope.remove(EVAL_RESULT).unwrap_or(Value::None);
        T::from_value(v).map_err(Error::conversion)
    }

    /// Calls the function `name` defined by `program`, with `args` (a tuple of
    /// [`IntoValue`]s, up to 4, or a `Vec<Value>`).
    ///
    /// The program's top level runs once, on the first `call_fn` with it; later calls reuse
    /// its globals, so module state persists between calls.
    ///
    /// ```
    /// let mut engine = dana_interpreter::engine::Engine::new();
    /// let program = engine.compile("def add(a: int, b: int) -> int:\n    return a + b\n").unwrap();
    /// let sum: i64 = engine.call_fn(&program, "add", (2, 3)).unwrap();
    /// assert_eq!(sum, 5);
    /// ```
    pub fn call_fn<R: FromValue>(
        &mut self,
        program: &Program,
        name: &str,
        args: impl IntoArgs,
    ) -> Result<R> {
        let globals = match self.program_globals.iter().find(|(p, _)| p.same(program)) {
            Some((_, g)) => g.clone(),
            None => {
                let scope = Scope::new();
                self.run_module(&program.inner, &scope.globals)?;
                self.program_globals
                    .push((program.clone(), scope.globals.clone()));
                scope.globals
            }
        };
        self.call_in(&globals, name, args.into_args())
    }

    /// Calls the function `name` bound in `scope` (after [`Engine::run_with_scope`]).
    pub fn call_fn_in<R: FromValue>(
        &mut self,
        scope: &Scope,
        name: &str,
        args: impl IntoArgs,
    ) -> Result<R> {
        self.call_in(&scope.globals, name, args.into_args())
    }

    fn call_in<R: FromValue>(
        &mut self,
        globals: &Rc<Globals>,
        name: &str,
        args: Vec<Value>,
    ) -> Result<R> {
        let f = globals.get(Sym::intern(name)).ok_or_else(|| {
            Error::runtime(
                crate::error::name_error(format!("function '{name}' is not defined")),
                None,
            )
        })?;
        let v = self.call_value(&f, args)?;
        R::from_value(v).map_err(Error::conversion)
    }

    /// Calls any callable Dana value (a function received from Dana, for instance).
    pub fn call_value(&mut self, f: &Value, args: Vec<Value>) -> Result<Value> {
        self.start_run();
        let r = self.interp.call_value(f, args, &[]);
        self.interp.flush();
        r.map_err(|e| self.runtime_error(e))
    }

    /// Registers a host function as a builtin name. Arguments and the result are converted
    /// with [`FromValue`] and [`IntoValue`]; the function may return `Result<R, E>` with
    /// `E: Display` (an `Err` becomes a Dana `RuntimeError` that Dana code can catch).
    ///
    /// ```
    /// let mut engine = dana_interpreter::engine::Engine::new();
    /// engine.register_fn("greet", |name: String, times: i64| name.repeat(times as usize));
    /// engine.register_fn("parse", |s: String| s.parse::<i64>());
    /// assert_eq!(engine.eval::<String>("greet('ab', 2)").unwrap(), "abab");
    /// assert!(engine.eval::<i64>("parse('x')").is_err());
    /// ```
    pub fn register_fn<M, F: RegisterFn<M>>(&mut self, name: &str, f: F) -> &mut Self {
        let v = f.into_native(name);
        self.interp.set_builtin(name, v);
        self
    }

    /// Binds a builtin name to a value (constants, or natives built by hand).
    pub fn register_value(&mut self, name: &str, value: impl IntoValue) -> &mut Self {
        self.interp.set_builtin(name, value.into_value());
        self
    }

    /// Registers a host type `T` under `name`, to be configured with methods, getters, setters
    /// and a constructor; see [`TypeBuilder`] and [`Host`].
    pub fn register_type<T: Clone + 'static>(&mut self, name: &str) -> TypeBuilder<'_, T> {
        TypeBuilder::new(&mut self.interp, name)
    }

    /// Hands `print` output to `f` from now on.
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// let lines = Rc::new(RefCell::new(String::new()));
    /// let sink = lines.clone();
    /// let mut engine = dana_interpreter::engine::Engine::new();
    /// engine.on_print(move |s| sink.borrow_mut().push_str(s));
    /// engine.run_source("print('hi')").unwrap();
    /// assert_eq!(*lines.borrow(), "hi\n");
    /// ```
    pub fn on_print(&mut self, f: impl FnMut(&str) + 'static) -> &mut Self {
        self.interp.set_output(Output::Handler(Box::new(f)));
        self
    }

    /// Collects `print` output in memory from now on; see [`Engine::take_output`].
    pub fn capture_output(&mut self) -> &mut Self {
        self.interp.set_output(Output::Capture(String::new()));
        self
    }

    /// The output collected since the last call (with [`Engine::capture_output`]).
    pub fn take_output(&mut self) -> String {
        self.interp.take_output()
    }

    /// A flag that stops the current (and every later) run when set to `true`, from any
    /// thread: the run fails with a `LimitError` ("execution cancelled") within about a
    /// thousand operations. Store `false` to run again.
    ///
    /// ```
    /// use std::sync::atomic::Ordering;
    /// let mut engine = dana_interpreter::engine::Engine::new();
    /// let cancel = engine.cancel_handle();
    /// cancel.store(true, Ordering::Relaxed);
    /// let err = engine.run_source("while True:\n    pass\n").unwrap_err();
    /// assert!(err.to_string().contains("cancelled"));
    /// ```
    pub fn cancel_handle(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// The underlying interpreter (native modules, hooks, `public:` names, …).
    pub fn interp(&mut self) -> &mut Interp {
        &mut self.interp
    }

    /// Resets the operation budget and the deadline before a run.
    fn start_run(&mut self) {
        self.interp.reset_operations();
        self.interp.limits.max_operations = self.limits.max_operations;
        self.interp.limits.deadline = self
            .limits
            .timeout
            .and_then(|t| Instant::now().checked_add(t));
        self.interp.limits.cancel = Some(self.cancel.clone());
        if let Some(m) = self.limits.max_memory {
            self.interp.limits.max_memory = m;
        }
        self.interp.refresh_memory_limit();
    }

    fn runtime_error(&self, e: crate::error::Exc) -> Error {
        let text = e
            .location
            .as_ref()
            .and_then(|l| self.interp.source(&l.file))
            .map(|s| s.text.to_string());
        Error::runtime(e, text)
    }
}
