//! The builtin functions of DANA_SPEC §10 (`print`, `len`, `range`, `sorted`, …) and the
//! builtin names bound to types and exception classes.

use crate::value::Value;

/// Every builtin name with its value, in the order `dir()`-like listings show them.
pub fn all() -> Vec<(&'static str, Value)> {
    todo!("builtins::all")
}
