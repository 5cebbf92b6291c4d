//! The tree-walking evaluator over the resolved form ([`ir`]).
//!
//! Locals live on one value stack shared by all calls (a frame is a base index), captured
//! locals in cells, module names in their module's [`Globals`] slots. Statements return a
//! [`Flow`]; errors are [`Exc`] and carry the Dana call stack as they unwind.

mod attr;
mod call;
mod contain;
mod delete;
mod expr;
mod import;
mod stmt;
#[cfg(test)]
mod tests;

use crate::error::{did_you_mean, Exc, ExcKind, Location, RtError, StackEntry};
use crate::ir::{FuncCode, Place};
use crate::limits::{LimitHit, Limits, CHECK_EVERY};
use crate::source::SourceFile;
use crate::value::{Args, Cell, Function, FxBuild, Globals, Value};
use dana_grammar::ast::{Span, Sym};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

// The values name the evaluator and compiled code through `value::runtime` (they sit below).
impl crate::value::runtime::Runtime for crate::value::runtime::Rt {
    type Interp = Interp;
    type Code = FuncCode;
}

/// A factory for a native module (`import math`).
pub(crate) type ModuleFactory = fn() -> Rc<Globals>;

/// Where `print` output goes.
pub enum Output {
    /// Buffered standard output (flushed at the end of a run and before reading input).
    Stdout(std::io::BufWriter<std::io::Stdout>),
    /// Collected in memory (tests, embedding).
    Capture(String),
    /// Handed to a host callback.
    Handler(Box<dyn FnMut(&str)>),
}

/// What a statement did.
pub(crate) enum Flow {
    Normal,
    /// `return`, with its value (carried in the result rather than stored in the interpreter:
    /// a store and reload of the value costs a store-forwarding stall on every call).
    Return(Value),
    Break,
    Continue,
}

/// The running state of one function call (or of module code).
pub(crate) struct Frame<'a> {
    pub(crate) base: usize,
    pub(crate) cells: Vec<Cell>,
    pub(crate) func: Option<&'a Function>,
    pub(crate) globals: &'a Rc<Globals>,
    pub(crate) src: &'a Rc<SourceFile>,
}

/// The interpreter state for one program run.
pub struct Interp {
    pub(crate) stack: Vec<Option<Value>>,
    pub(crate) builtins: HashMap<Sym, Value, FxBuild>,
    pub(crate) private: HashMap<Sym, Value, FxBuild>,
    pub public: HashMap<Sym, Value, FxBuild>,
    pub(crate) system: HashMap<Sym, Value, FxBuild>,
    pub(crate) modules: HashMap<PathBuf, Rc<Globals>>,
    pub(crate) native_factories: HashMap<String, ModuleFactory>,
    pub(crate) native_modules: HashMap<String, Rc<Globals>>,
    pub(crate) loading: Vec<(PathBuf, String, Rc<Globals>)>,
    pub(crate) sources: HashMap<Arc<str>, Rc<SourceFile>>,
    /// Module search folders after the importing file's own (`dana run`: the entry script's
    /// folder, then `DANAPATH`; see `load::program_search_path`).
    pub search_path: Vec<PathBuf>,
    pub(crate) depth: usize,
    pub limits: Limits,
    /// The thread's allocation counter when this interpreter was created (memory is measured
    /// from there).
    mem_base: isize,
    /// The POET allowance in force: the counter value it ends at, and its size.
    mem_allowance: Option<(isize, usize)>,
    fuel: u64,
    ops_used: u64,
    /// Exceptions being handled (for bare `raise`).
    pub(crate) handling: Vec<Value>,
    /// The span of the last `return` executed (for return-type errors).
    pub(crate) ret_span: Span,
    /// Where the innermost frame was when the current error left it (builds the stack trace).
    pub(crate) pending_loc: Option<Location>,
    out: Output,
    /// Standard output is a terminal: `print` output is flushed at each newline (line
    /// buffering, as Python); otherwise it is block-buffered.
    line_buffered: bool,
    /// Minimum level `log()` writes (0 debug, 1 info, 2 warning, 3 error, 4 critical).
    pub(crate) log_threshold: u8,
    /// Where `input()` reads from (`None`: standard input).
    input: Option<Box<dyn FnMut() -> Option<String>>>,
    /// Registered decorator hooks (`@poet`).
    pub(crate) hooks: Vec<crate::hooks::HookEntry>,
    /// Set while the call on the right of `name: T = call(...)` runs (see [`ExpectedType`]).
    pub(crate) expected: Option<ExpectedType>,
    /// While effects are captured (see [`Interp::capture_effects`]): what went to standard
    /// error.
    captured_err: Option<String>,
}

/// What [`Interp::capture_effects`] replaced, to give back to [`Interp::release_effects`].
pub struct SavedEffects {
    out: Output,
    err: Option<String>,
}

/// The annotation of a typed assignment whose right-hand side is a call, offered to that call
/// (`n: int = reason("…")` asks the LLM for an int). Only a native function called directly
/// there sees it: the callee's and the arguments' own calls do not.
#[derive(Clone)]
pub struct ExpectedType {
    pub ann: Rc<crate::value::TypeAnn>,
    /// The module of the assignment, where the annotation's type names are looked up.
    pub globals: Rc<Globals>,
}

impl Default for Interp {
    fn default() -> Self {
        Interp::new()
    }
}

impl Interp {
    /// A fresh interpreter with the builtins installed and output to stdout.
    pub fn new() -> Interp {
        let mem_base = crate::limits::memory::net();
        let mut builtins = HashMap::default();
        for (name, v) in crate::builtins::all() {
            builtins.insert(Sym::intern(name), v);
        }
        let mut it = Interp {
            stack: Vec::with_capacity(1024),
            builtins,
            private: HashMap::default(),
            public: HashMap::default(),
            system: HashMap::default(),
            modules: HashMap::new(),
            native_factories: HashMap::new(),
            native_modules: HashMap::new(),
            loading: Vec::new(),
            sources: HashMap::new(),
            search_path: Vec::new(),
            depth: 0,
            limits: Limits::default(),
            mem_base: 0,
            mem_allowance: None,
            fuel: CHECK_EVERY,
            ops_used: 0,
            handling: Vec::new(),
            ret_span: Span::default(),
            pending_loc: None,
            out: Output::Stdout(std::io::BufWriter::new(std::io::stdout())),
            line_buffered: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            log_threshold: 2,
            input: None,
            hooks: Vec::new(),
            expected: None,
            captured_err: None,
        };
        it.mem_base = mem_base;
        it.refresh_memory_limit();
        it
    }

    /// From now until [`Interp::release_effects`], program output and standard error are
    /// collected instead of written, and LLM calls are answered by the deterministic mock
    /// instead of being made (the gate's trial run: nothing it does reaches the outside).
    pub fn capture_effects(&mut self) -> SavedEffects {
        SavedEffects {
            out: self.replace_output(Output::Capture(String::new())),
            err: self.captured_err.replace(String::new()),
        }
    }

    /// Ends [`Interp::capture_effects`]; returns what was captured (output, then errors).
    pub fn release_effects(&mut self, saved: SavedEffects) -> (String, String) {
        let out = self.take_output();
        self.out = saved.out;
        let err = std::mem::replace(&mut self.captured_err, saved.err).unwrap_or_default();
        (out, err)
    }

    /// `true` while effects are captured (LLM calls must not be made).
    pub fn effects_captured(&self) -> bool {
        self.captured_err.is_some()
    }

    /// Replaces where `print` output goes.
    pub fn set_output(&mut self, out: Output) {
        self.flush();
        self.out = out;
    }

    /// Replaces where `print` output goes and returns the previous destination (to restore it).
    pub fn replace_output(&mut self, out: Output) -> Output {
        self.flush();
        std::mem::replace(&mut self.out, out)
    }

    /// The captured output (with [`Output::Capture`]), taken.
    pub fn take_output(&mut self) -> String {
        match &mut self.out {
            Output::Capture(s) => std::mem::take(s),
            _ => String::new(),
        }
    }

    /// Flushes buffered standard output.
    pub fn flush(&mut self) {
        if let Output::Stdout(w) = &mut self.out {
            let _ = w.flush();
        }
    }

    /// Calls any callable value with positional arguments.
    pub fn call(&mut self, f: &Value, args: &[Value]) -> Result<Value, Exc> {
        self.call_with(f, Args::positional(args))
    }

    /// Calls any callable value with positional and keyword arguments.
    pub(crate) fn call_with(&mut self, f: &Value, args: Args<'_>) -> Result<Value, Exc> {
        self.refresh_memory_limit();
        self.call_value(f, args.pos.to_vec(), args.kw)
    }

    /// Writes program output (`print`).
    pub(crate) fn write_stdout(&mut self, s: &str) {
        match &mut self.out {
            Output::Stdout(w) => {
                let _ = w.write_all(s.as_bytes());
                if self.line_buffered && s.contains('\n') {
                    let _ = w.flush();
                }
            }
            Output::Capture(c) => c.push_str(s),
            Output::Handler(h) => h(s),
        }
    }

    /// Writes diagnostics (`log`) to standard error, after flushing buffered program output so
    /// the two streams stay in order on a terminal.
    pub fn write_stderr(&mut self, s: &str) {
        if let Some(c) = &mut self.captured_err {
            c.push_str(s);
            return;
        }
        self.flush();
        let _ = std::io::stderr().write_all(s.as_bytes());
    }

    /// Reads one line of standard input without its newline (`input`); `None` at end of input.
    pub fn read_line(&mut self) -> Option<String> {
        use std::io::BufRead;
        self.flush();
        if let Some(f) = &mut self.input {
            return f();
        }
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                while line.ends_with('\n') || line.ends_with('\r') {
                    line.pop();
                }
                Some(line)
            }
        }
    }

    /// Replaces where `input()` reads lines from (tests, embedding).
    pub fn set_input(&mut self, f: impl FnMut() -> Option<String> + 'static) {
        self.input = Some(Box::new(f));
    }

    /// Registers a native module importable by `name`.
    pub fn register_module(&mut self, name: &str, factory: ModuleFactory) {
        self.native_factories.insert(name.to_string(), factory);
    }

    /// The builtin bound to `name`.
    pub fn builtin(&self, name: &str) -> Option<Value> {
        self.builtins.get(&Sym::intern(name)).cloned()
    }

    /// Every builtin, by name.
    pub fn builtins(&self) -> impl Iterator<Item = (Sym, &Value)> {
        self.builtins.iter().map(|(k, v)| (*k, v))
    }

    /// Binds a builtin name (host functions, POET builtins).
    pub fn set_builtin(&mut self, name: &str, v: Value) {
        self.builtins.insert(Sym::intern(name), v);
    }

    /// The type the running native call's result is assigned to, if it is the right-hand side
    /// of a typed assignment.
    pub fn expected_type(&self) -> Option<&crate::value::TypeAnn> {
        self.expected.as_ref().map(|e| &*e.ann)
    }

    /// Takes the expected type (see [`Interp::expected_type`]), so that nothing the caller
    /// runs afterwards sees it.
    pub fn take_expected_type(&mut self) -> Option<ExpectedType> {
        self.expected.take()
    }

    /// A name as code in the module `globals` sees it (module, then private, public and
    /// builtins): resolves the type names of an [`ExpectedType`].
    pub fn lookup_name(&self, globals: &Globals, name: Sym) -> Option<Value> {
        globals.get(name).or_else(|| self.global_fallback(name))
    }

    /// The value of a `public:` name.
    pub fn public(&self, name: &str) -> Option<Value> {
        self.public.get(&Sym::intern(name)).cloned()
    }

    /// Sets a `public:` name (shared with the host).
    pub fn set_public(&mut self, name: &str, v: Value) {
        self.public.insert(Sym::intern(name), v);
    }

    /// A registered source file by display name (for rendering diagnostics).
    pub fn source(&self, name: &str) -> Option<Rc<SourceFile>> {
        self.sources.get(name).cloned()
    }

    /// Counts one operation; every [`CHECK_EVERY`] operations checks the limits.
    #[inline(always)]
    pub(crate) fn tick(&mut self) -> Result<(), Exc> {
        self.fuel -= 1;
        if self.fuel == 0 {
            self.slow_tick()
        } else {
            Ok(())
        }
    }

    #[cold]
    fn slow_tick(&mut self) -> Result<(), Exc> {
        self.ops_used += CHECK_EVERY;
        self.fuel = CHECK_EVERY;
        self.check_limits()
    }

    /// Runs `f` under tighter limits — a deadline and an operation budget counted from now —
    /// then restores the current ones. The tighter of the old and new limits applies, so a
    /// stage cannot escape the program's own deadline. A limit hit inside `f` is an error
    /// inside `f` only: afterwards the outer limits count again.
    pub fn with_limits<R>(
        &mut self,
        deadline: Option<std::time::Instant>,
        budget: Option<u64>,
        f: impl FnOnce(&mut Interp) -> R,
    ) -> R {
        let saved = self.limits.clone();
        let used = self.operations();
        self.ops_used = used;
        self.fuel = CHECK_EVERY;
        self.limits.deadline = match (saved.deadline, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // The tighter budget applies, and its error names it as it was given.
        (self.limits.max_operations, self.limits.operations_from) =
            match (saved.max_operations, budget) {
                (Some(a), Some(b)) if a <= used.saturating_add(b) => {
                    (Some(a), saved.operations_from)
                }
                (_, Some(b)) => (Some(used.saturating_add(b)), used),
                (a, None) => (a, saved.operations_from),
            };
        let r = f(self);
        self.limits = saved;
        self.ops_used = self.operations();
        self.fuel = CHECK_EVERY;
        r
    }

    /// Runs `f` with at most `allowance` more bytes of memory than the interpreter's thread
    /// holds now (a POET stage attempt or trial run); the tighter of this allowance and the
    /// program's own [`Limits::max_memory`] applies, and allowances nest (the inner one can
    /// only be tighter). Past it, allocations fail with a `MemoryError` ("memory allowance of
    /// … exceeded") inside `f`; afterwards the program's limit counts again. Memory `f` leaves
    /// allocated (values it returns or stores) stays counted against the program's limit.
    ///
    /// Without [`crate::limits::CountingAlloc`] as the global allocator, only single
    /// allocations larger than the allowance are refused.
    pub fn with_memory_allowance<R>(
        &mut self,
        allowance: usize,
        f: impl FnOnce(&mut Interp) -> R,
    ) -> R {
        let saved = self.mem_allowance;
        let ceiling = crate::limits::memory::net()
            .saturating_add(allowance.min(isize::MAX as usize) as isize);
        self.mem_allowance = match saved {
            Some((c, a)) if c <= ceiling => Some((c, a)),
            _ => Some((ceiling, allowance)),
        };
        self.refresh_memory_limit();
        let r = f(self);
        self.mem_allowance = saved;
        self.refresh_memory_limit();
        r
    }

    /// Bytes the interpreter's thread holds beyond what it held when this interpreter was
    /// created; `None` without the counting allocator ([`crate::limits::CountingAlloc`]).
    pub fn memory_used(&self) -> Option<usize> {
        crate::limits::memory::thread_usage().map(|_| {
            crate::limits::memory::net()
                .saturating_sub(self.mem_base)
                .max(0) as usize
        })
    }

    /// Makes this interpreter's memory limit the one checked on its thread. Runs and calls
    /// ([`Interp::run_ast`], [`Interp::call`]) and every periodic check do it; call it after
    /// changing `limits.max_memory` when native code allocates before the next run.
    pub(crate) fn refresh_memory_limit(&self) {
        let program = self.limits.max_memory.map(|m| {
            let m = m.min(isize::MAX as usize) as isize;
            (self.mem_base.saturating_add(m), m as usize)
        });
        let (ceiling, limit, allowance) = match (program, self.mem_allowance) {
            (Some((p, m)), Some((c, _))) if p <= c => (p, m, false),
            (_, Some((c, a))) => (c, a, true),
            (Some((p, m)), None) => (p, m, false),
            (None, None) => (isize::MAX, usize::MAX, false),
        };
        crate::limits::memory::set_ceiling(ceiling, limit, allowance);
    }

    /// Checks the limits now (not at the next [`CHECK_EVERY`] boundary).
    pub fn check_limits(&mut self) -> Result<(), Exc> {
        let hit = match self.limits.check(self.operations()) {
            Ok(()) => {
                self.refresh_memory_limit();
                let Err(e) = crate::limits::memory::check_usage() else {
                    return Ok(());
                };
                self.ops_used = self.operations();
                self.fuel = 1;
                return Err(e);
            }
            Err(hit) => hit,
        };
        // Once a limit is hit every later operation fails too, so a program that catches the
        // error (`except Exception:` in a loop) still stops at its next loop step or call.
        self.ops_used = self.operations();
        self.fuel = 1;
        Err(match hit {
            LimitHit::Operations(max) => RtError::new(
                ExcKind::LimitError,
                format!("operation budget of {max} exhausted"),
            ),
            LimitHit::Deadline => RtError::new(ExcKind::TimeoutError, "deadline exceeded"),
            LimitHit::Cancelled => RtError::new(ExcKind::LimitError, "execution cancelled"),
            // Not sticky (the flag is cleared): a bare `except:` may catch it and go on.
            LimitHit::Interrupted => RtError::new(ExcKind::KeyboardInterrupt, ""),
        })
    }

    /// Sleeps, but wakes for the deadline (a `TimeoutError`) and for cancellation.
    pub fn sleep(&mut self, d: std::time::Duration) -> Result<(), Exc> {
        let until = std::time::Instant::now() + d;
        loop {
            self.check_limits()?;
            let now = std::time::Instant::now();
            if now >= until {
                return Ok(());
            }
            let mut step = (until - now).min(std::time::Duration::from_millis(20));
            if let Some(dl) = self.limits.deadline {
                step = step.min(dl.saturating_duration_since(now));
            }
            std::thread::sleep(step);
        }
    }

    /// Operations counted so far (approximate to [`CHECK_EVERY`]).
    pub fn operations(&self) -> u64 {
        self.ops_used + (CHECK_EVERY - self.fuel)
    }

    /// Resets the operation counter (before a run with a fresh budget).
    pub fn reset_operations(&mut self) {
        self.ops_used = 0;
        self.fuel = CHECK_EVERY;
    }

    /// Attaches the location of `span` in `src` to an error that has none yet.
    pub(crate) fn locate(&mut self, mut e: Exc, span: Span, src: &SourceFile) -> Exc {
        if e.location.is_none() && span.start != u32::MAX {
            let loc = src.location(span);
            self.pending_loc = Some(loc.clone());
            e.location = Some(loc);
        }
        e
    }

    /// Reads a name through the global fallback chain: private → public → builtins.
    pub(crate) fn global_fallback(&self, name: Sym) -> Option<Value> {
        if !self.private.is_empty() {
            if let Some(v) = self.private.get(&name) {
                return Some(v.clone());
            }
        }
        if !self.public.is_empty() {
            if let Some(v) = self.public.get(&name) {
                return Some(v.clone());
            }
        }
        self.builtins.get(&name).cloned()
    }

    pub(crate) fn name_error(&self, name: Sym, fr: &Frame<'_>) -> Exc {
        let mut candidates: Vec<&'static str> =
            fr.globals.names().iter().map(|s| s.as_str()).collect();
        candidates.extend(self.builtins.keys().map(|s| s.as_str()));
        if let Some(f) = fr.func {
            candidates.extend(f.code.slot_names.iter().map(|s| s.as_str()));
            candidates.extend(f.code.cell_names.iter().map(|s| s.as_str()));
        }
        let mut e = crate::error::name_error(format!("name '{name}' is not defined"));
        if let Some(s) = did_you_mean(name.as_str(), candidates) {
            e = e.with_help(format!("did you mean '{s}'?"));
        }
        e
    }

    #[inline]
    pub(crate) fn read_place(&self, fr: &Frame<'_>, place: Place, name: Sym) -> Result<Value, Exc> {
        // Each arm clones straight out of its storage: no `Option<Value>` temporary, which the
        // compiler otherwise moves through the stack with partial-width loads.
        match place {
            Place::Local(s) => match &self.stack[fr.base + s as usize] {
                Some(v) => Ok(v.clone()),
                None => Err(unbound_local(name)),
            },
            Place::Cell(c) => match &*fr.cells[c as usize].borrow() {
                Some(v) => Ok(v.clone()),
                None => Err(unbound_local(name)),
            },
            Place::Free(f) => match fr.func.map(|func| func.captures[f as usize].borrow()) {
                Some(cell) => match &*cell {
                    Some(v) => Ok(v.clone()),
                    None => Err(unbound_local(name)),
                },
                None => Err(unbound_local(name)),
            },
            Place::Global(g) => {
                if let Some(v) = &fr.globals.slots.borrow()[g as usize] {
                    return Ok(v.clone());
                }
                self.global_miss(fr, name)
            }
        }
    }

    #[cold]
    fn global_miss(&self, fr: &Frame<'_>, name: Sym) -> Result<Value, Exc> {
        let mut outer = fr.globals.parent.as_ref();
        while let Some(g) = outer {
            if let Some(v) = g.get(name) {
                return Ok(v);
            }
            outer = g.parent.as_ref();
        }
        match self.global_fallback(name) {
            Some(v) => Ok(v),
            None => Err(self.name_error(name, fr)),
        }
    }

    #[inline]
    pub(crate) fn write_place(&mut self, fr: &Frame<'_>, place: Place, v: Value) {
        match place {
            Place::Local(s) => self.stack[fr.base + s as usize] = Some(v),
            Place::Cell(c) => *fr.cells[c as usize].borrow_mut() = Some(v),
            Place::Free(f) => {
                if let Some(func) = fr.func {
                    *func.captures[f as usize].borrow_mut() = Some(v);
                }
            }
            Place::Global(g) => fr.globals.slots.borrow_mut()[g as usize] = Some(v),
        }
    }

    pub(crate) fn unbind_place(&mut self, fr: &Frame<'_>, place: Place) {
        match place {
            Place::Local(s) => self.stack[fr.base + s as usize] = None,
            Place::Cell(c) => *fr.cells[c as usize].borrow_mut() = None,
            Place::Free(f) => {
                if let Some(func) = fr.func {
                    *func.captures[f as usize].borrow_mut() = None;
                }
            }
            Place::Global(g) => fr.globals.slots.borrow_mut()[g as usize] = None,
        }
    }

    /// Resolves and runs an already parsed module.
    pub fn run_ast(
        &mut self,
        module: &dana_grammar::ast::Module,
        globals: &Rc<Globals>,
        src: &Rc<SourceFile>,
    ) -> Result<(), Exc> {
        self.refresh_memory_limit();
        self.sources.insert(src.name.clone(), src.clone());
        let code = crate::resolve::Resolver::new(globals.clone(), src.clone()).module(module)?;
        let base = self.stack.len();
        self.stack.resize(base + code.n_slots as usize, None);
        let mut fr = Frame {
            base,
            cells: (0..code.n_cells)
                .map(|_| Rc::new(RefCell::new(None)))
                .collect(),
            func: None,
            globals,
            src: &code.src,
        };
        // A module of generated code runs its top level contained, like its functions.
        let r = match &globals.contained {
            Some(policy) if !crate::sandbox::is_contained() => {
                self.run_contained_module(policy.clone(), |it| it.exec_block(&mut fr, &code.body))
            }
            _ => self.exec_block(&mut fr, &code.body),
        };
        self.stack.truncate(base);
        match r {
            Ok(_) => Ok(()),
            Err(mut e) => {
                e.stack.push(StackEntry {
                    function: "<module>".into(),
                    location: self.pending_loc.take().or_else(|| e.location.clone()),
                });
                Err(e)
            }
        }
    }

    /// A new module globals table with `__name__` set.
    pub fn new_globals(&self, name: &str, file: Option<Arc<str>>) -> Rc<Globals> {
        let g = Rc::new(Globals::new(name, file));
        g.set(Sym::intern("__name__"), Value::str(name));
        g
    }
}

// Decorator hooks (the types are in `hooks.rs`).
impl Interp {
    /// Registers `hook` under the builtin name `name` (e.g. `poet`). Calling the name other than
    /// as a decorator of a `def` is an error that says so.
    pub fn register_decorator_hook(
        &mut self,
        name: &'static str,
        hook: Rc<dyn crate::hooks::DecoratorHook>,
    ) {
        let marker = Rc::new(crate::value::NativeFn {
            name: Sym::intern(name),
            imp: crate::value::NativeImpl::Closure(Box::new(move |_, _| {
                Err(crate::error::type_error(format!(
                    "@{name} decorates a function: write it on the line above a def"
                )))
            })),
            doc: None,
        });
        self.hooks.retain(|h| h.marker.name.as_str() != name);
        self.hooks.push(crate::hooks::HookEntry {
            marker: marker.clone(),
            hook,
        });
        self.set_builtin(name, Value::Native(marker));
    }

    /// The hook whose marker `v` is, if any.
    pub(crate) fn hook_for(&self, v: &Value) -> Option<Rc<dyn crate::hooks::DecoratorHook>> {
        let Value::Native(nf) = v else { return None };
        self.hooks
            .iter()
            .find(|h| Rc::ptr_eq(&h.marker, nf))
            .map(|h| h.hook.clone())
    }
}

#[cold]
fn unbound_local(name: Sym) -> Exc {
    crate::error::name_error(format!(
        "cannot access local variable '{name}' where it is not associated with a value"
    ))
}
