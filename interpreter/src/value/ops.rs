//! Operators on values: arithmetic (with big-int promotion), Dana's mixed-type rules,
//! comparisons, membership, indexing and slicing.

use super::Value;
use crate::error::Exc;
use dana_grammar::ast::{BinOp, CmpOp, UnaryOp};
use std::cmp::Ordering;

/// `a op b` for every operator except callable composition (`f | g`, handled by the evaluator).
pub fn binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, Exc> {
    let _ = (op, a, b);
    todo!("value::ops::binary")
}

/// `-v`, `+v`, `~v`.
pub fn unary(op: UnaryOp, v: &Value) -> Result<Value, Exc> {
    let _ = (op, v);
    todo!("value::ops::unary")
}

/// `a == b` with Dana's rules (`"5" == 5`; structural equality of containers and structs).
pub fn eq(a: &Value, b: &Value) -> bool {
    let _ = (a, b);
    todo!("value::ops::eq")
}

/// A comparison operator other than `in`/`not in`/`is`/`is not`.
pub fn compare(op: CmpOp, a: &Value, b: &Value) -> Result<bool, Exc> {
    let _ = (op, a, b);
    todo!("value::ops::compare")
}

/// Python ordering for `sorted`, `min`, `max` (TypeError for unorderable pairs).
pub fn cmp_values(a: &Value, b: &Value) -> Result<Ordering, Exc> {
    let _ = (a, b);
    todo!("value::ops::cmp_values")
}

/// `item in container`.
pub fn contains(container: &Value, item: &Value) -> Result<bool, Exc> {
    let _ = (container, item);
    todo!("value::ops::contains")
}

/// `v[index]` (not slices).
pub fn get_index(v: &Value, index: &Value) -> Result<Value, Exc> {
    let _ = (v, index);
    todo!("value::ops::get_index")
}

/// `v[index] = new`.
pub fn set_index(v: &Value, index: &Value, new: Value) -> Result<(), Exc> {
    let _ = (v, index, new);
    todo!("value::ops::set_index")
}

/// `v[lower:upper:step]` (each bound `None` when omitted or `None`).
pub fn get_slice(v: &Value, lower: &Value, upper: &Value, step: &Value) -> Result<Value, Exc> {
    let _ = (v, lower, upper, step);
    todo!("value::ops::get_slice")
}

/// `v[lower:upper:step] = new` (lists only).
pub fn set_slice(v: &Value, lower: &Value, upper: &Value, step: &Value, new: Value) -> Result<(), Exc> {
    let _ = (v, lower, upper, step, new);
    todo!("value::ops::set_slice")
}

/// The elements of an iterable (list, tuple, str → chars, dict → keys, set, range).
pub fn iter_to_vec(v: &Value) -> Result<Vec<Value>, Exc> {
    let _ = v;
    todo!("value::ops::iter_to_vec")
}

/// `len(v)`.
pub fn len(v: &Value) -> Result<usize, Exc> {
    let _ = v;
    todo!("value::ops::len")
}
