//! dana-stdlib: the standard modules (`math`, `json`, `time`, `random`, `re`).
//!
//! Each module is a factory `fn() -> Rc<Globals>` registered with the interpreter by
//! [`install`]; the interpreter calls it on the first `import`. Module members are
//! [`NativeFn`] values (with a `help()` text) and constants. stdlib/README.md lists them all.

mod json;
pub mod llm;
mod math;
mod math_int;
mod random;
mod re;
pub mod stats;
mod time;

pub use json::{decode as json_decode, encode as json_encode, EncodeOptions};
pub use re::translate_pattern;

use dana_grammar::ast::Sym;
use dana_interpreter::check::HostNames;
use dana_interpreter::error::{overflow_error, type_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{Globals, NativeFn, NativeFnPtr, NativeImpl, Value};
use num_bigint::BigInt;
use num_traits::ToPrimitive;
use std::rc::Rc;

/// The names [`install`] binds beside the standard modules (`reason`, `llm`), for the static
/// checker's [`CheckOptions::host`](dana_interpreter::check::CheckOptions::host).
pub fn host_names() -> HostNames {
    llm::host_names()
}

/// Registers every standard module with the interpreter.
pub fn install(it: &mut Interp) {
    it.register_module("math", math::module);
    it.register_module("json", json::module);
    it.register_module("time", time::module);
    it.register_module("random", random::module);
    it.register_module("re", re::module);
    it.register_module("stats", stats::module);
    llm::install(it);
}

/// The names of the modules [`install`] registers.
pub const MODULES: &[&str] = &["math", "json", "time", "random", "re", "stats"];

/// A native function value with its `help()` text.
pub(crate) fn native(name: &str, f: NativeFnPtr, doc: &'static str) -> Value {
    Value::Native(Rc::new(NativeFn {
        name: Sym::intern(name),
        imp: NativeImpl::Ptr(f),
        doc: Some(doc),
    }))
}

/// A module's globals built from its functions and constants.
pub(crate) fn build_module(
    name: &str,
    functions: &[(&str, NativeFnPtr, &'static str)],
    constants: Vec<(&str, Value)>,
) -> Rc<Globals> {
    let g = Globals::new(name, None);
    g.set(Sym::intern("__name__"), Value::str(name));
    for (n, v) in constants {
        g.set(Sym::intern(n), v);
    }
    for &(n, f, doc) in functions {
        g.set(Sym::intern(n), native(n, f, doc));
    }
    Rc::new(g)
}

/// A number argument as f64 (ints, bools, big ints that fit a float).
pub(crate) fn to_f64(v: &Value) -> Result<f64, Exc> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(*b as i64 as f64),
        Value::BigInt(b) => big_to_f64(b),
        other => Err(type_error(format!(
            "must be real number, not {}",
            other.type_name()
        ))),
    }
}

pub(crate) fn big_to_f64(b: &BigInt) -> Result<f64, Exc> {
    match b.to_f64() {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(overflow_error("int too large to convert to float")),
    }
}

/// An int argument as a big integer (bools count as ints; floats are refused like Python).
pub(crate) fn to_bigint(v: &Value) -> Result<BigInt, Exc> {
    match v {
        Value::Int(i) => Ok(BigInt::from(*i)),
        Value::Bool(b) => Ok(BigInt::from(*b as i64)),
        Value::BigInt(b) => Ok((**b).clone()),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    }
}

/// An int argument as i64.
pub(crate) fn to_i64(v: &Value) -> Result<i64, Exc> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::BigInt(_) => Err(overflow_error("Python int too large to convert to C long")),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_build_with_docs() {
        for (name, factory) in [
            ("math", math::module as fn() -> Rc<Globals>),
            ("json", json::module),
            ("time", time::module),
            ("random", random::module),
            ("re", re::module),
            ("stats", stats::module),
        ] {
            let g = factory();
            assert_eq!(g.name, name);
            assert!(g.names().len() >= 3, "{name} is nearly empty");
            for n in g.names() {
                if let Some(Value::Native(f)) = g.get(n) {
                    assert!(
                        f.doc.is_some_and(|d| !d.is_empty()),
                        "{name}.{n} has no doc"
                    );
                }
            }
        }
    }

    #[test]
    fn readme_lists_every_member() {
        let readme = include_str!("../README.md");
        for (name, factory) in [
            ("math", math::module as fn() -> Rc<Globals>),
            ("json", json::module),
            ("time", time::module),
            ("random", random::module),
            ("re", re::module),
            ("stats", stats::module),
        ] {
            for n in factory().names() {
                let n = n.as_str();
                if n.starts_with('_') {
                    continue;
                }
                assert!(
                    readme.contains(&format!("`{n}")),
                    "README misses {name}.{n}"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests_e2e;
