//! dana-stdlib: the standard modules (`math`, `json`, `time`, `random`, `re`, `stats`, `heapq`,
//! `bisect`, `string`, `functools`, `itertools`, `datetime`).
//!
//! Each module is a factory `fn() -> Rc<Globals>` registered with the interpreter by
//! [`install`]; the interpreter calls it on the first `import`. Module members are
//! [`NativeFn`] values (with a `help()` text) and constants. stdlib/README.md lists them all.

mod bisect;
mod collections;
mod datetime;
mod functools;
mod heapq;
mod itertools;
mod json;
pub mod llm;
mod math;
mod math_int;
mod random;
mod re;
mod seq;
pub mod stats;
mod string;
mod time;

pub use json::{decode as json_decode, encode as json_encode, EncodeOptions};
pub use re::translate_pattern;

use dana_interpreter::check::HostNames;
use dana_interpreter::eval::Interp;
use dana_interpreter::value::Globals;
use std::rc::Rc;

/// The names [`install`] binds beside the standard modules (`reason`, `llm`), for the static
/// checker's [`CheckOptions::host`](dana_interpreter::check::CheckOptions::host).
pub fn host_names() -> HostNames {
    llm::host_names()
}

/// Builds a standard module.
type Factory = fn() -> Rc<Globals>;

/// Every standard module: its name and the function that builds it.
const TABLE: &[(&str, Factory)] = &[
    ("math", math::module),
    ("json", json::module),
    ("time", time::module),
    ("random", random::module),
    ("re", re::module),
    ("stats", stats::module),
    ("heapq", heapq::module),
    ("bisect", bisect::module),
    ("string", string::module),
    ("functools", functools::module),
    ("itertools", itertools::module),
    ("collections", collections::module),
    ("datetime", datetime::module),
];

/// Registers every standard module with the interpreter.
pub fn install(it: &mut Interp) {
    for &(name, factory) in TABLE {
        it.register_module(name, factory);
    }
    llm::install(it);
}

/// The names of the modules [`install`] registers.
pub fn module_names() -> Vec<&'static str> {
    TABLE.iter().map(|(name, _)| *name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dana_interpreter::value::Value;

    #[test]
    fn modules_build_with_docs() {
        for &(name, factory) in TABLE {
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
        for &(name, factory) in TABLE {
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
