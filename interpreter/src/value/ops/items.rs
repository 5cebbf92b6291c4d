//! Sizes: the caps on strings and lists built by operators, the checks made before building
//! one (memory limit, then cap), and the elements and length of an iterable.

use crate::error::{limit_error, type_error, Exc};
use crate::value::Value;
use std::rc::Rc;

/// Strings built by an operator (`*`, `+`) may not exceed this many bytes.
pub const MAX_STR_LEN: usize = 1 << 28;
/// Lists and tuples built by an operator, or materialised from a range, may not exceed this
/// many items (16 bytes each).
pub const MAX_LIST_LEN: usize = 1 << 25;

/// Bytes one item slot of a list, tuple or argument vector takes.
pub(crate) const VALUE_BYTES: usize = std::mem::size_of::<Value>();
/// Bytes one new string value takes besides its text: its slot, the `Rc` box and the
/// allocator's smallest block for the text.
pub(crate) const STR_ITEM_BYTES: usize =
    VALUE_BYTES + std::mem::size_of::<Rc<String>>() * 2 + std::mem::size_of::<String>() + 16;

/// Bytes one new tuple of `n` items takes besides its slot (the `Rc` box and the items).
pub(crate) fn tuple_bytes(n: usize) -> usize {
    std::mem::size_of::<Vec<Value>>() + 16 + n.saturating_mul(VALUE_BYTES)
}

/// Checks, before building it, a new list (or tuple) of `n` items that also needs `extra`
/// bytes besides its item slots: a `MemoryError` over the memory limit, then a `LimitError`
/// over the size cap [`MAX_LIST_LEN`].
pub(crate) fn check_new_items(n: usize, extra: usize) -> Result<(), Exc> {
    crate::limits::check_alloc(n.saturating_mul(VALUE_BYTES).saturating_add(extra))?;
    if n > MAX_LIST_LEN {
        return Err(limit_error("list too large"));
    }
    Ok(())
}

/// How many new string items [`check_new_items`] can still accept, plus one: counting the
/// pieces of a split further than this is wasted work (the check refuses any larger number
/// the same way). Never below what passes unchecked ([`crate::limits::memory::CHECKED_ALLOC`]).
pub(crate) fn str_items_worth_counting() -> usize {
    let room = crate::limits::memory::headroom().max(crate::limits::memory::CHECKED_ALLOC);
    (room / (VALUE_BYTES + STR_ITEM_BYTES)).saturating_add(1)
}

/// Checks, before building it, a new string of `n` bytes: a `MemoryError` over the memory
/// limit, then a `LimitError` over the size cap [`MAX_STR_LEN`].
pub(crate) fn check_new_str(n: usize) -> Result<(), Exc> {
    crate::limits::check_alloc(n)?;
    if n > MAX_STR_LEN {
        return Err(limit_error("string too large"));
    }
    Ok(())
}

/// The elements of an iterable (list, tuple, str → chars, dict → keys, set, range).
pub fn iter_to_vec(v: &Value) -> Result<Vec<Value>, Exc> {
    match v {
        // Copies of existing containers: the memory limit only (they passed the caps when
        // they were built).
        Value::List(l) => {
            let l = l.borrow();
            crate::limits::check_alloc(l.len().saturating_mul(VALUE_BYTES))?;
            Ok(l.clone())
        }
        Value::Tuple(t) => {
            crate::limits::check_alloc(t.len().saturating_mul(VALUE_BYTES))?;
            Ok(t.to_vec())
        }
        Value::Str(s) => {
            // One string value per character: bounded by the byte length before counting.
            check_new_items(
                s.len(),
                s.len().saturating_mul(STR_ITEM_BYTES - VALUE_BYTES),
            )
            .or_else(|_| {
                let n = s.chars().count();
                check_new_items(n, n.saturating_mul(STR_ITEM_BYTES - VALUE_BYTES))
            })?;
            Ok(s.chars().map(|c| Value::str(c.to_string())).collect())
        }
        Value::Dict(d) => {
            let d = d.borrow();
            crate::limits::check_alloc(d.len().saturating_mul(VALUE_BYTES))?;
            Ok(d.keys().map(|k| k.0.clone()).collect())
        }
        Value::Set(s) => {
            let s = s.borrow();
            crate::limits::check_alloc(s.len().saturating_mul(VALUE_BYTES))?;
            Ok(s.iter().map(|k| k.0.clone()).collect())
        }
        Value::Range(r) => {
            let n = r.len();
            crate::limits::check_alloc(n.saturating_mul(VALUE_BYTES))?;
            if n > MAX_LIST_LEN {
                return Err(limit_error("range too large to materialise"));
            }
            Ok((0..n).map(|i| Value::Int(r.get(i))).collect())
        }
        // An object without a base is walked by `value::collect`, which has the evaluator.
        Value::Object(o) => match o.base() {
            Some(b) => iter_to_vec(&b),
            None if o.iter(v).is_none() && o.to_vec().is_some() => {
                Ok(o.to_vec().unwrap_or_default())
            }
            None => Err(type_error(format!(
                "'{}' object is not iterable here: use list(...) first",
                o.type_name()
            ))),
        },
        other => Err(type_error(format!(
            "'{}' object is not iterable",
            other.type_name()
        ))),
    }
}

/// `len(v)`.
pub fn len(v: &Value) -> Result<usize, Exc> {
    match v {
        Value::Str(s) => Ok(s.chars().count()),
        Value::List(l) => Ok(l.borrow().len()),
        Value::Tuple(t) => Ok(t.len()),
        Value::Dict(d) => Ok(d.borrow().len()),
        Value::Set(s) => Ok(s.borrow().len()),
        Value::Range(r) => Ok(r.len()),
        Value::Object(o) => match (o.len(), o.base()) {
            (Some(n), _) => Ok(n),
            (None, Some(b)) => len(&b),
            (None, None) => Err(type_error(format!(
                "object of type '{}' has no len()",
                o.type_name()
            ))),
        },
        other => Err(type_error(format!(
            "object of type '{}' has no len()",
            other.type_name()
        ))),
    }
}
