//! The tree-walking evaluator over the resolved form.

use crate::error::Exc;
use crate::value::{Args, Globals, Value};
use dana_grammar::ast::Sym;
use std::rc::Rc;

/// A user-defined function or lambda: compiled code plus its captured environment.
pub struct Function {
    pub name: Sym,
    pub doc: Option<String>,
}

impl Function {
    pub fn name(&self) -> Sym {
        self.name
    }
    pub fn doc(&self) -> Option<&str> {
        self.doc.as_deref()
    }
}

/// A factory for a native module (`import math`).
pub type ModuleFactory = fn() -> Rc<Globals>;

/// The interpreter state for one program run.
pub struct Interp {
    /// Minimum level `log()` writes (0 debug, 1 info, 2 warning, 3 error, 4 critical).
    pub log_threshold: u8,
}

impl Interp {
    /// Calls any callable value with positional arguments.
    pub fn call(&mut self, f: &Value, args: &[Value]) -> Result<Value, Exc> {
        self.call_with(f, Args::positional(args))
    }

    /// Calls any callable value with positional and keyword arguments.
    pub fn call_with(&mut self, f: &Value, args: Args<'_>) -> Result<Value, Exc> {
        let _ = (f, args);
        todo!("Interp::call_with")
    }

    /// Writes program output (`print`).
    pub fn write_stdout(&mut self, s: &str) {
        let _ = s;
        todo!("Interp::write_stdout")
    }

    /// Reads one line of standard input without its newline (`input`); `None` at end of input.
    pub fn read_line(&mut self) -> Option<String> {
        todo!("Interp::read_line")
    }

    /// Registers a native module importable by `name`.
    pub fn register_module(&mut self, name: &str, factory: ModuleFactory) {
        let _ = (name, factory);
        todo!("Interp::register_module")
    }
}
