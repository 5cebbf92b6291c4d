//! Plain offline stages decided without the interpreter.
//!
//! The offline perceive and enforce of most signatures check nothing beyond what their
//! parameter annotations already ensure when the stage is called (`x: int` refuses `None`
//! and a str before the body runs), plus `None` and NaN/infinity ([`PlainStages`]). On
//! arguments that fit the annotations and pass those checks, such a stage returns its input
//! unchanged, so the pipeline skips the call (and perceive's dict of the arguments). On any
//! other input it runs the stage's code as usual, so a refusal is the stage's own error
//! (class, message, location, attribution).
//!
//! A version is plain only when its `code.na` is byte for byte the offline generator's text
//! for the function as it is now, and the defining module binds none of the builtins the
//! checks call (a module's own `isinstance` would change what the text does). Generated
//! (LLM) code is never plain: it always runs interpreted and contained.

use crate::make::offline::{PlainCheck, PlainStages};
use dana_grammar::ast::Sym;
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{Globals, Value};

/// The names the offline checks call, which a defining module must leave to the builtins.
const CHECK_NAMES: &[&str] = &[
    "isinstance",
    "callable",
    "type",
    "float",
    "int",
    "str",
    "bool",
    "list",
    "dict",
    "set",
    "tuple",
    "ValueError",
];

/// The plain stages of a version whose `code.na` is `code`, given the offline generator's
/// `offline` text and description for the function; nothing is plain when the texts differ
/// or `globals` (the defining module) shadows a builtin the checks call.
pub(crate) fn plain_for(
    code: &str,
    offline: &str,
    plain: PlainStages,
    globals: &Globals,
) -> PlainStages {
    let shadowed = CHECK_NAMES
        .iter()
        .any(|n| globals.get(Sym::intern(n)).is_some());
    if code != offline || shadowed {
        return PlainStages::default();
    }
    plain
}

/// Whether `v` passes the plain checks `c` (beyond its annotation): `None` where refused, a
/// NaN or infinite float, and a big int where finiteness is checked (its float conversion
/// may overflow) are left to the stage's code.
#[inline]
fn passes(c: PlainCheck, v: &Value) -> bool {
    match v {
        Value::None => !c.not_none,
        Value::Float(f) => !c.finite || f.is_finite(),
        Value::Int(_) | Value::Bool(_) => true,
        _ => !c.finite,
    }
}

/// Whether calling the plain perceive `stage` on `pos` (no keywords) would return them
/// unchanged: each fits its annotation as the call would check it and passes its checks.
pub(crate) fn perceive_is_identity(
    it: &Interp,
    stage: &Value,
    checks: &[PlainCheck],
    pos: &[Value],
    kw_empty: bool,
) -> bool {
    kw_empty
        && pos.len() == checks.len()
        && pos
            .iter()
            .zip(checks)
            .enumerate()
            .all(|(i, (v, c))| passes(*c, v) && it.param_fits(stage, i, v))
}

/// Whether calling the plain enforce `stage` on `result` and `pos` (no keywords) would
/// return the result unchanged.
pub(crate) fn enforce_is_identity(
    it: &Interp,
    stage: &Value,
    check: PlainCheck,
    result: &Value,
    pos: &[Value],
    kw_empty: bool,
) -> bool {
    kw_empty
        && passes(check, result)
        && it.param_fits(stage, 0, result)
        && pos
            .iter()
            .enumerate()
            .all(|(i, v)| it.param_fits(stage, i + 1, v))
}
