//! Helpers shared by the modules that take iterables and counts (`heapq`, `bisect`,
//! `functools`): reading every item of an iterable and an int parameter.

use dana_interpreter::error::Exc;
use dana_interpreter::eval::Interp;
use dana_interpreter::host::{int_arg, Big};
use dana_interpreter::value::Value;

/// Every item of an iterable, in order (`TypeError: 'int' object is not iterable`).
/// Lazy iterators (`itertools`, dict views) are run to their end.
pub(crate) fn items_of(it: &mut Interp, v: &Value) -> Result<Vec<Value>, Exc> {
    dana_interpreter::value::collect(it, v)
}

/// An int parameter; ints past the 64-bit range saturate (a count that large is "all").
pub(crate) fn int_param(v: &Value) -> Result<i64, Exc> {
    int_arg(v, Big::Saturate)
}
