//! Calls across the boundary between contained and uncontained code (the mechanism is in
//! `sandbox.rs`): entering a contained call, checking a program function called from one.

use super::Interp;
use crate::error::Exc;
use crate::sandbox::{check_function, enter, with_flag};
use crate::value::{Function, Policy, Value};
use dana_grammar::ast::Sym;
use std::rc::Rc;

impl Interp {
    /// Runs a call of `func` (its arguments on the stack at `base`) across the boundary
    /// between contained and uncontained code.
    #[cold]
    #[inline(never)]
    pub(crate) fn call_across(
        &mut self,
        func: &Rc<Function>,
        base: usize,
        kw: &[(Sym, Value)],
    ) -> Result<Value, Exc> {
        match &func.globals.contained {
            Some(policy) => {
                // Uncontained code calls contained code: a new contained call.
                let mut args: Vec<Value> = self.stack[base..].iter().flatten().cloned().collect();
                args.extend(kw.iter().map(|(_, v)| v.clone()));
                let _guard = enter(policy.clone(), args);
                self.call_function_inner(func, base, kw)
            }
            None => {
                // Contained code calls a program function.
                if let Err(e) = check_function(func) {
                    self.stack.truncate(base);
                    return Err(e);
                }
                with_flag(false, || self.call_function_inner(func, base, kw))
            }
        }
    }

    /// Runs the module-level code of a contained module (see [`Globals::contained`]).
    pub(crate) fn run_contained_module<R>(
        &mut self,
        policy: Rc<dyn Policy>,
        f: impl FnOnce(&mut Interp) -> R,
    ) -> R {
        let _guard = enter(policy, Vec::new());
        f(self)
    }
}
