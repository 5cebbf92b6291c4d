//! Iteration: [`ValueIter`], the running iteration of `for` loops, comprehensions and the
//! builtins that consume an iterable, and [`collect`], an iterable's items as a vector. Native
//! objects iterate lazily through [`Object::next`](super::data::Object::next), which may call
//! back into the program, so both take the evaluator.

use super::data::{DictMap, ObjRef, Value};
use super::ops;
use super::runtime::Interp;
use super::views::{DictView, ViewKind};
use crate::error::{type_error, Exc};
use std::cell::RefCell;
use std::rc::Rc;

/// A running iteration. Lists are walked by index so that a loop sees appends made by its
/// body, as in Python.
pub enum ValueIter {
    Range {
        cur: i64,
        stop: i64,
        step: i64,
    },
    List(Rc<RefCell<Vec<Value>>>, usize),
    Tuple(Rc<Vec<Value>>, usize),
    /// Keys by position; a change of size while iterating is an error (as in Python).
    Dict(Rc<RefCell<DictMap>>, usize, usize),
    /// Values by position (a `dict_values` view), with the same size check.
    DictValues(Rc<RefCell<DictMap>>, usize, usize),
    /// `(key, value)` pairs by position (a `dict_items` view), with the same size check.
    DictItems(Rc<RefCell<DictMap>>, usize, usize),
    /// The characters of a string, from a byte offset (not materialised: a loop over a large
    /// string costs no memory).
    Chars(Rc<String>, usize),
    Items(std::vec::IntoIter<Value>),
    /// A native iterator object.
    Object(Value),
}

fn changed_size() -> Exc {
    crate::error::runtime_error("dictionary changed size during iteration")
}

impl ValueIter {
    /// Starts iterating `v`; Python's `TypeError` when it is not iterable.
    pub fn new(v: &Value) -> Result<ValueIter, Exc> {
        Ok(match v {
            Value::Range(r) => ValueIter::Range {
                cur: r.start,
                stop: r.stop,
                step: r.step,
            },
            Value::List(l) => ValueIter::List(l.clone(), 0),
            Value::Tuple(t) => ValueIter::Tuple(t.clone(), 0),
            Value::Dict(d) => ValueIter::Dict(d.clone(), 0, d.borrow().len()),
            Value::Str(s) => ValueIter::Chars(s.clone(), 0),
            Value::Set(_) => ValueIter::Items(ops::iter_to_vec(v)?.into_iter()),
            Value::Object(o) => return start_object(v, o),
            other => {
                return Err(type_error(format!(
                    "'{}' object is not iterable",
                    other.type_name()
                )))
            }
        })
    }

    /// The next item, `None` at the end.
    #[inline]
    pub fn next_value(&mut self, it: &mut Interp) -> Result<Option<Value>, Exc> {
        Ok(match self {
            ValueIter::Range { cur, stop, step } => {
                if (*step > 0 && *cur < *stop) || (*step < 0 && *cur > *stop) {
                    let v = *cur;
                    *cur = cur.saturating_add(*step);
                    if *cur == v {
                        // Saturated at the i64 edge: stop after this element.
                        *stop = v;
                    }
                    Some(Value::Int(v))
                } else {
                    None
                }
            }
            ValueIter::List(l, i) => {
                let v = l.borrow().get(*i).cloned();
                *i += 1;
                v
            }
            ValueIter::Tuple(t, i) => {
                let v = t.get(*i).cloned();
                *i += 1;
                v
            }
            ValueIter::Dict(d, i, len) => {
                let d = d.borrow();
                if d.len() != *len {
                    return Err(changed_size());
                }
                let k = d.get_index(*i).map(|(k, _)| k.0.clone());
                *i += 1;
                k
            }
            ValueIter::DictValues(d, i, len) => {
                let d = d.borrow();
                if d.len() != *len {
                    return Err(changed_size());
                }
                let v = d.get_index(*i).map(|(_, v)| v.clone());
                *i += 1;
                v
            }
            ValueIter::DictItems(d, i, len) => {
                let d = d.borrow();
                if d.len() != *len {
                    return Err(changed_size());
                }
                let v = d
                    .get_index(*i)
                    .map(|(k, v)| Value::tuple(vec![k.0.clone(), v.clone()]));
                *i += 1;
                v
            }
            ValueIter::Chars(s, i) => match s[*i..].chars().next() {
                Some(c) => {
                    *i += c.len_utf8();
                    Some(Value::str(c))
                }
                None => None,
            },
            ValueIter::Items(items) => items.next(),
            ValueIter::Object(o) => return next_of(o, it),
        })
    }
}

#[inline(never)]
fn start_object(v: &Value, o: &ObjRef) -> Result<ValueIter, Exc> {
    if let Some(view) = v.downcast::<DictView>() {
        let d = view.dict.clone();
        let n = d.borrow().len();
        return Ok(match view.kind {
            ViewKind::Keys => ValueIter::Dict(d, 0, n),
            ViewKind::Values => ValueIter::DictValues(d, 0, n),
            ViewKind::Items => ValueIter::DictItems(d, 0, n),
        });
    }
    if let Some(r) = o.iter(v) {
        return Ok(ValueIter::Object(r?));
    }
    if let Some(b) = o.base() {
        return ValueIter::new(&b);
    }
    if let Some(items) = o.to_vec() {
        return Ok(ValueIter::Items(items.into_iter()));
    }
    Err(type_error(format!(
        "'{}' object is not iterable",
        o.type_name()
    )))
}

#[inline(never)]
fn next_of(o: &Value, it: &mut Interp) -> Result<Option<Value>, Exc> {
    match o {
        Value::Object(obj) => obj.next(it),
        _ => Ok(None),
    }
}

/// The items of any iterable as a vector: the builtin containers as
/// [`ops::iter_to_vec`] gives them, a native object by running its iterator (under the
/// memory limit and the operation count; an endless one ends at a limit).
pub fn collect(it: &mut Interp, v: &Value) -> Result<Vec<Value>, Exc> {
    if !matches!(v, Value::Object(_)) {
        return ops::iter_to_vec(v);
    }
    let mut walk = ValueIter::new(v)?;
    let mut out = Vec::new();
    while let Some(x) = walk.next_value(it)? {
        it.tick()?;
        crate::limits::memory::push_checked(&mut out, x)?;
    }
    Ok(out)
}
