//! Conversions: typed-assignment coercion (DANA_SPEC §5.3), smart truthiness (§5.2), type
//! checks against annotations, and the conversions behind `int()`, `float()`, `str()`, `bool()`.

use super::{TypeAnn, Value};
use crate::error::Exc;
use dana_grammar::ast::Sym;

/// Looks up a named type (struct or interface) by name, for `TypeAnn::Named`.
pub type TypeLookup<'a> = &'a dyn Fn(Sym) -> Option<Value>;

/// Smart truthiness of text (§5.2).
pub fn smart_bool(s: &str) -> bool {
    let _ = s;
    todo!("value::coerce::smart_bool")
}

/// `true` when `v` is a value of type `ann` (no conversion; an int is accepted for `float`).
pub fn matches(v: &Value, ann: &TypeAnn, lookup: TypeLookup<'_>) -> bool {
    let _ = (v, ann, lookup);
    todo!("value::coerce::matches")
}

/// `name: ann = v`: converts per §5.3, or fails with `TypeError: cannot assign 'abc' to 'n: int'`.
pub fn coerce(v: Value, ann: &TypeAnn, target: &str, lookup: TypeLookup<'_>) -> Result<Value, Exc> {
    let _ = (v, ann, target, lookup);
    todo!("value::coerce::coerce")
}

/// `int(v)` (also `int(text, base)` through `base`).
pub fn to_int(v: &Value, base: Option<u32>) -> Result<Value, Exc> {
    let _ = (v, base);
    todo!("value::coerce::to_int")
}

/// `float(v)`.
pub fn to_float(v: &Value) -> Result<f64, Exc> {
    let _ = v;
    todo!("value::coerce::to_float")
}
