//! dana-poet: the `@poet(...)` decorator.
//!
//! Today this crate parses and validates the decorator's arguments into a [`PoetConfig`]
//! (POET_SPEC §1) and binds `poet` in the interpreter. The stage pipeline, generation, the
//! version store and the event loop are not built yet: a decorated function runs as written.

pub mod config;

pub use config::{PoetConfig, KNOWN_DOMAINS};

use dana_interpreter::eval::Interp;
use dana_interpreter::value::{Args, NativeFn, Value};

/// Binds the `poet` decorator.
pub fn install(it: &mut Interp) {
    it.set_builtin("poet", NativeFn::new("poet", poet));
}

/// `@poet(...)`: validates the arguments and returns the decorator.
fn poet(_it: &mut Interp, args: Args<'_>) -> Result<Value, dana_interpreter::Exc> {
    // `@poet` without parentheses hands the function itself.
    if let [f] = args.pos {
        if f.is_callable() && args.kw.is_empty() {
            return Ok(f.clone());
        }
    }
    PoetConfig::from_args(args)?;
    Ok(NativeFn::new("poet_decorator", |_, args| match args.pos {
        [f] if f.is_callable() => Ok(f.clone()),
        _ => Err(dana_interpreter::error::type_error(
            "@poet(...) decorates a function: use it on a def",
        )),
    }))
}
