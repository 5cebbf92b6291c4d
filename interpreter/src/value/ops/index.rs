//! Indexing and slicing with Python semantics: negative indices, clamped slices, negative
//! steps, and the per-type error messages.

use super::items::{iter_to_vec, MAX_LIST_LEN};
use crate::error::{index_error, key_error, overflow_error, type_error, value_error, Exc};
use crate::value::repr::repr;
use crate::value::{Key, RangeValue, Value};
use num_traits::Signed;
use std::rc::Rc;

/// What an error message calls the indexed object (`list index out of range`).
fn seq_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "list",
        Value::Tuple(_) => "tuple",
        Value::Str(_) => "string",
        Value::Range(_) => "range object",
        _ => "sequence",
    }
}

/// Resolves `index` against a sequence of `len` items (negative counts from the end).
fn seq_index(v: &Value, index: &Value, len: usize, assign: bool) -> Result<usize, Exc> {
    let i = match index {
        Value::Int(i) => *i as i128,
        Value::Bool(b) => *b as i128,
        Value::BigInt(_) => {
            return Err(index_error("cannot fit 'int' into an index-sized integer"));
        }
        other => {
            return Err(type_error(match v {
                Value::Str(_) => format!(
                    "string indices must be integers, not '{}'",
                    other.type_name()
                ),
                _ => format!(
                    "{} indices must be integers or slices, not {}",
                    v.type_name(),
                    other.type_name()
                ),
            }))
        }
    };
    let adjusted = if i < 0 { i + len as i128 } else { i };
    if adjusted < 0 || adjusted >= len as i128 {
        let what = seq_name(v);
        return Err(index_error(if assign {
            format!("{what} assignment index out of range")
        } else {
            format!("{what} index out of range")
        }));
    }
    Ok(adjusted as usize)
}

/// The `i`-th character of a string (by code point), as a 1-character string.
fn char_at(s: &str, i: usize) -> Value {
    let c = if s.is_ascii() {
        s.as_bytes().get(i).map(|&b| b as char)
    } else {
        s.chars().nth(i)
    };
    match c {
        Some(c) if c.is_ascii() => ascii_char(c as u8),
        c => Value::str(c.map(String::from).unwrap_or_default()),
    }
}

thread_local! {
    /// The 1-character strings of the ASCII characters, made once: `s[i]` in a scanning loop
    /// shares them instead of allocating a string per character.
    static ASCII_CHARS: [Value; 128] =
        std::array::from_fn(|b| Value::str(char::from(b as u8).to_string()));
}

/// The 1-character string of an ASCII byte.
#[inline]
fn ascii_char(b: u8) -> Value {
    ASCII_CHARS.with(|t| t[(b & 0x7f) as usize].clone())
}

/// `v[index]` (not slices).
pub(crate) fn get_index(v: &Value, index: &Value) -> Result<Value, Exc> {
    if let (Value::Str(s), Value::Int(i)) = (v, index) {
        // A character of an ASCII run: when the bytes up to `i` are ASCII, byte `i` is
        // character `i`.
        let b = s.as_bytes();
        if *i >= 0 && (*i as usize) < b.len() && b[..=*i as usize].is_ascii() {
            return Ok(ascii_char(b[*i as usize]));
        }
    }
    match v {
        Value::List(l) => {
            let l = l.borrow();
            let i = seq_index(v, index, l.len(), false)?;
            Ok(l[i].clone())
        }
        Value::Tuple(t) => {
            let i = seq_index(v, index, t.len(), false)?;
            Ok(t[i].clone())
        }
        Value::Str(s) => {
            let len = if s.is_ascii() {
                s.len()
            } else {
                s.chars().count()
            };
            let i = seq_index(v, index, len, false)?;
            Ok(char_at(s, i))
        }
        Value::Range(r) => {
            let i = seq_index(v, index, r.len(), false)?;
            Ok(Value::Int(r.get(i)))
        }
        Value::Dict(d) => {
            let found = crate::value::strkey::dict_lookup(&d.borrow(), index)?;
            found.ok_or_else(|| key_error(repr(index)))
        }
        Value::Object(o) if o.base().is_some() => get_index(&o.base().unwrap_or_default(), index),
        other => Err(type_error(format!(
            "'{}' object is not subscriptable",
            other.type_name()
        ))),
    }
}

/// `v[index] = new`.
pub(crate) fn set_index(v: &Value, index: &Value, new: Value) -> Result<(), Exc> {
    match v {
        Value::List(l) => {
            let len = l.borrow().len();
            let i = seq_index(v, index, len, true)?;
            // Drop the old element after the borrow ends (its drop may be arbitrary work).
            let old = std::mem::replace(&mut l.borrow_mut()[i], new);
            drop(old);
            Ok(())
        }
        Value::Dict(d) => {
            let old = crate::value::strkey::dict_store(&mut d.borrow_mut(), index, new)?;
            drop(old);
            Ok(())
        }
        Value::Object(o) => match o.set_item(index, &new) {
            Some(r) => r,
            None => match o.base() {
                Some(b @ Value::Dict(_)) | Some(b @ Value::List(_)) => set_index(&b, index, new),
                _ => Err(type_error(format!(
                    "'{}' object does not support item assignment",
                    o.type_name()
                ))),
            },
        },
        other => Err(type_error(match other {
            Value::Tuple(_) | Value::Str(_) | Value::Range(_) | Value::Struct(_) => {
                format!(
                    "'{}' object does not support item assignment",
                    other.type_name()
                )
            }
            _ => format!("'{}' object is not subscriptable", other.type_name()),
        })),
    }
}

/// `del v[index]`: a list item or a dict key; other types refuse as Python does.
pub(crate) fn del_index(v: &Value, index: &Value) -> Result<(), Exc> {
    match v {
        Value::List(l) => {
            let len = l.borrow().len();
            let i = seq_index(v, index, len, true)?;
            let old = l.borrow_mut().remove(i);
            drop(old);
            Ok(())
        }
        Value::Dict(d) => {
            let k = Key::new(index.clone())?;
            let old = d.borrow_mut().shift_remove(&k);
            match old {
                Some(old) => {
                    drop(old);
                    Ok(())
                }
                None => Err(key_error(repr(index))),
            }
        }
        other => Err(cannot_delete(other)),
    }
}

/// `del v[lower:upper:step]` (lists only).
pub(crate) fn del_slice(v: &Value, lower: &Value, upper: &Value, step: &Value) -> Result<(), Exc> {
    let Value::List(l) = v else {
        return Err(cannot_delete(v));
    };
    let len = l.borrow().len();
    let sl = resolve(len, lower, upper, step)?;
    let mut gone = vec![false; len];
    for i in sl.indices() {
        gone[i] = true;
    }
    let old = std::mem::take(&mut *l.borrow_mut());
    let (removed, kept): (Vec<_>, Vec<_>) =
        old.into_iter().enumerate().partition(|(i, _)| gone[*i]);
    *l.borrow_mut() = kept.into_iter().map(|(_, x)| x).collect();
    drop(removed);
    Ok(())
}

fn cannot_delete(v: &Value) -> Exc {
    type_error(match v {
        Value::Tuple(_) | Value::Str(_) | Value::Range(_) | Value::Struct(_) | Value::Set(_) => {
            format!("'{}' object doesn't support item deletion", v.type_name())
        }
        _ => format!("'{}' object is not subscriptable", v.type_name()),
    })
}

/// A resolved slice: the first index, the step and the number of selected items; `stop` is
/// the adjusted stop index (used for range slices).
struct Slice {
    start: i128,
    stop: i128,
    step: i128,
    count: usize,
}

impl Slice {
    fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.count).map(move |k| (self.start + k as i128 * self.step) as usize)
    }
}

fn slice_bound(v: &Value) -> Result<Option<i128>, Exc> {
    match v {
        Value::None => Ok(None),
        Value::Int(i) => Ok(Some(*i as i128)),
        Value::Bool(b) => Ok(Some(*b as i128)),
        // Python clamps huge bounds.
        Value::BigInt(b) => Ok(Some(if b.is_negative() {
            i64::MIN as i128
        } else {
            i64::MAX as i128
        })),
        _ => Err(type_error(
            "slice indices must be integers or None or have an __index__ method",
        )),
    }
}

/// Python's `slice.indices(len)` (PySlice_AdjustIndices).
fn resolve(len: usize, lower: &Value, upper: &Value, step: &Value) -> Result<Slice, Exc> {
    let step = slice_bound(step)?.unwrap_or(1);
    if step == 0 {
        return Err(value_error("slice step cannot be zero"));
    }
    let len = len as i128;
    let adjust = |b: Option<i128>, default: i128| match b {
        None => default,
        Some(mut x) => {
            if x < 0 {
                x += len;
                if x < 0 {
                    x = if step < 0 { -1 } else { 0 };
                }
            } else if x >= len {
                x = if step < 0 { len - 1 } else { len };
            }
            x
        }
    };
    let (start, stop) = if step < 0 {
        (
            adjust(slice_bound(lower)?, len - 1),
            adjust(slice_bound(upper)?, -1),
        )
    } else {
        (
            adjust(slice_bound(lower)?, 0),
            adjust(slice_bound(upper)?, len),
        )
    };
    // Steps of 1 and -1 (nearly every slice) need no 128-bit division.
    let count = if step == 1 {
        (stop - start).max(0)
    } else if step == -1 {
        (start - stop).max(0)
    } else if step > 0 {
        if start < stop {
            (stop - start - 1) / step + 1
        } else {
            0
        }
    } else if stop < start {
        (start - stop - 1) / (-step) + 1
    } else {
        0
    };
    Ok(Slice {
        start,
        stop,
        step,
        count: count as usize,
    })
}

/// `v[lower:upper:step]` (each bound `None` when omitted or `None`).
pub(crate) fn get_slice(
    v: &Value,
    lower: &Value,
    upper: &Value,
    step: &Value,
) -> Result<Value, Exc> {
    match v {
        Value::List(l) => {
            let l = l.borrow();
            let sl = resolve(l.len(), lower, upper, step)?;
            if sl.count == 0 {
                return Ok(Value::list(Vec::new()));
            }
            // `xs[a:b]` and `xs[b:a:-1]` copy a run of the list.
            let items = match sl.step {
                1 => l[sl.start as usize..sl.start as usize + sl.count].to_vec(),
                -1 => {
                    let first = sl.start as usize + 1 - sl.count;
                    l[first..=sl.start as usize].iter().rev().cloned().collect()
                }
                _ => sl.indices().map(|i| l[i].clone()).collect(),
            };
            Ok(Value::list(items))
        }
        Value::Tuple(t) => {
            let sl = resolve(t.len(), lower, upper, step)?;
            Ok(Value::tuple(sl.indices().map(|i| t[i].clone()).collect()))
        }
        Value::Str(s) => {
            if s.is_ascii() {
                let b = s.as_bytes();
                let sl = resolve(b.len(), lower, upper, step)?;
                if sl.step == 1 {
                    let start = sl.start.max(0) as usize;
                    return Ok(Value::str(&s[start..start + sl.count]));
                }
                return Ok(Value::str(
                    sl.indices().map(|i| b[i] as char).collect::<String>(),
                ));
            }
            let cs: Vec<char> = s.chars().collect();
            let sl = resolve(cs.len(), lower, upper, step)?;
            Ok(Value::str(sl.indices().map(|i| cs[i]).collect::<String>()))
        }
        Value::Range(r) => {
            let sl = resolve(r.len(), lower, upper, step)?;
            let at = |i: i128| r.start as i128 + i * r.step as i128;
            let fit =
                |x: i128| i64::try_from(x).map_err(|_| overflow_error("range slice out of range"));
            Ok(Value::Range(Rc::new(RangeValue {
                start: fit(at(sl.start))?,
                stop: fit(at(sl.stop))?,
                step: fit(sl.step * r.step as i128)?,
            })))
        }
        Value::Dict(_) => Err(type_error("unhashable type: 'slice'")),
        other => Err(type_error(format!(
            "'{}' object is not subscriptable",
            other.type_name()
        ))),
    }
}

/// `v[lower:upper:step] = new` (lists only).
pub(crate) fn set_slice(
    v: &Value,
    lower: &Value,
    upper: &Value,
    step: &Value,
    new: Value,
) -> Result<(), Exc> {
    let Value::List(l) = v else {
        return Err(type_error(match v {
            Value::Tuple(_) | Value::Str(_) | Value::Range(_) => {
                format!(
                    "'{}' object does not support item assignment",
                    v.type_name()
                )
            }
            _ => format!("'{}' object is not subscriptable", v.type_name()),
        }));
    };
    // Copy the new items first: `xs[:] = xs` reads the list being assigned. A list that
    // nothing else holds (`xs[:k] = xs[k::-1]`) gives its items without a copy.
    let items = match new {
        Value::List(n) => match Rc::try_unwrap(n) {
            Ok(cell) => cell.into_inner(),
            Err(n) => iter_to_vec(&Value::List(n))
                .map_err(|_| type_error("can only assign an iterable"))?,
        },
        new => iter_to_vec(&new).map_err(|_| type_error("can only assign an iterable"))?,
    };
    let len = l.borrow().len();
    let sl = resolve(len, lower, upper, step)?;
    if sl.step == 1 {
        let start = sl.start.clamp(0, len as i128) as usize;
        let end = start + sl.count;
        if len - sl.count + items.len() > MAX_LIST_LEN {
            return Err(crate::error::limit_error("list too large"));
        }
        if items.len() == sl.count {
            // As many items as replaced: swapped in place (no splice); the old items are
            // dropped once the list is no longer borrowed.
            let mut items = items;
            for (dst, src) in l.borrow_mut()[start..end].iter_mut().zip(&mut items) {
                std::mem::swap(dst, src);
            }
            drop(items);
            return Ok(());
        }
        let removed: Vec<Value> = l.borrow_mut().splice(start..end, items).collect();
        drop(removed);
        return Ok(());
    }
    if items.len() != sl.count {
        return Err(value_error(format!(
            "attempt to assign sequence of size {} to extended slice of size {}",
            items.len(),
            sl.count
        )));
    }
    let idx: Vec<usize> = sl.indices().collect();
    let mut old = Vec::with_capacity(idx.len());
    {
        let mut list = l.borrow_mut();
        for (i, x) in idx.into_iter().zip(items) {
            old.push(std::mem::replace(&mut list[i], x));
        }
    }
    drop(old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(v: &[i64]) -> Value {
        Value::list(v.iter().map(|&i| Value::Int(i)).collect())
    }

    fn sl(v: &Value, a: Option<i64>, b: Option<i64>, c: Option<i64>) -> String {
        let f = |x: Option<i64>| x.map(Value::Int).unwrap_or(Value::None);
        match get_slice(v, &f(a), &f(b), &f(c)) {
            Ok(v) => repr(&v),
            Err(e) => format!("!{}: {}", e.kind, e.message),
        }
    }

    #[test]
    fn slices_match_python() {
        let xs = ints(&[0, 1, 2, 3, 4, 5]);
        assert_eq!(sl(&xs, None, None, Some(-1)), "[5, 4, 3, 2, 1, 0]");
        assert_eq!(sl(&xs, Some(1), Some(3), None), "[1, 2]");
        assert_eq!(sl(&xs, Some(-2), None, None), "[4, 5]");
        assert_eq!(sl(&xs, Some(-100), Some(100), Some(2)), "[0, 2, 4]");
        assert_eq!(sl(&xs, Some(4), Some(1), Some(-2)), "[4, 2]");
        assert_eq!(sl(&xs, Some(1), Some(4), Some(-1)), "[]");
        assert_eq!(sl(&xs, Some(10), Some(-10), Some(-3)), "[5, 2]");
        assert_eq!(
            sl(&xs, None, None, Some(0)),
            "!ValueError: slice step cannot be zero"
        );
        let s = Value::str("héllo");
        assert_eq!(sl(&s, Some(1), Some(3), None), "'él'");
        assert_eq!(sl(&s, None, None, Some(-1)), "'olléh'");
        assert_eq!(sl(&Value::str("hello"), Some(1), Some(3), None), "'el'");
        assert_eq!(sl(&Value::str("hello"), Some(5), Some(1), None), "''");
        assert_eq!(sl(&Value::str("hello"), None, None, Some(2)), "'hlo'");
        let t = Value::tuple(vec![Value::Int(1), Value::Int(2)]);
        assert_eq!(sl(&t, Some(1), None, None), "(2,)");
        let r = Value::Range(Rc::new(RangeValue {
            start: 0,
            stop: 10,
            step: 1,
        }));
        assert_eq!(sl(&r, None, None, Some(2)), "range(0, 10, 2)");
        assert_eq!(sl(&r, None, None, Some(-1)), "range(9, -1, -1)");
        assert_eq!(sl(&r, Some(2), Some(7), Some(2)), "range(2, 7, 2)");
        let r3 = Value::Range(Rc::new(RangeValue {
            start: 0,
            stop: 10,
            step: 3,
        }));
        assert_eq!(sl(&r3, None, None, None), "range(0, 12, 3)");
    }

    #[test]
    fn slice_assignment() {
        let xs = ints(&[0, 1, 2, 3, 4, 5]);
        set_slice(
            &xs,
            &Value::Int(1),
            &Value::Int(3),
            &Value::None,
            ints(&[9]),
        )
        .unwrap();
        assert_eq!(repr(&xs), "[0, 9, 3, 4, 5]");
        set_slice(
            &xs,
            &Value::None,
            &Value::None,
            &Value::Int(2),
            ints(&[7, 7, 7]),
        )
        .unwrap();
        assert_eq!(repr(&xs), "[7, 9, 7, 4, 7]");
        let e = set_slice(&xs, &Value::None, &Value::None, &Value::Int(2), ints(&[1])).unwrap_err();
        assert_eq!(
            e.message,
            "attempt to assign sequence of size 1 to extended slice of size 3"
        );
        set_slice(&xs, &Value::None, &Value::None, &Value::None, xs.clone()).unwrap();
        assert_eq!(repr(&xs), "[7, 9, 7, 4, 7]");
        set_slice(
            &xs,
            &Value::Int(4),
            &Value::Int(1),
            &Value::None,
            ints(&[0]),
        )
        .unwrap();
        assert_eq!(repr(&xs), "[7, 9, 7, 4, 0, 7]");
    }

    #[test]
    fn runs_of_a_list_by_steps_of_one() {
        let xs = ints(&[0, 1, 2, 3, 4, 5]);
        let n = Value::None;
        assert_eq!(sl(&xs, Some(3), None, Some(-1)), "[3, 2, 1, 0]");
        assert_eq!(sl(&xs, Some(-2), Some(1), Some(-1)), "[4, 3, 2]");
        assert_eq!(sl(&xs, Some(9), Some(-9), Some(-1)), "[5, 4, 3, 2, 1, 0]");
        assert_eq!(sl(&xs, Some(0), None, Some(-1)), "[0]");
        assert_eq!(sl(&xs, Some(-9), None, Some(-1)), "[]");
        assert_eq!(sl(&xs, Some(2), Some(2), None), "[]");
        assert_eq!(sl(&xs, Some(-3), Some(99), Some(1)), "[3, 4, 5]");
        // An equal-length assignment of a list nothing else holds (items swapped in place).
        let rev = get_slice(&xs, &Value::Int(3), &n, &Value::Int(-1)).unwrap();
        set_slice(&xs, &n, &Value::Int(4), &n, rev).unwrap();
        assert_eq!(repr(&xs), "[3, 2, 1, 0, 4, 5]");
        // A list still held elsewhere is copied: the source is unchanged afterwards.
        let src = ints(&[7, 8]);
        set_slice(&xs, &Value::Int(-2), &n, &n, src.clone()).unwrap();
        assert_eq!(repr(&xs), "[3, 2, 1, 0, 7, 8]");
        assert_eq!(repr(&src), "[7, 8]");
        // The list itself as the source.
        set_slice(&xs, &n, &n, &n, xs.clone()).unwrap();
        assert_eq!(repr(&xs), "[3, 2, 1, 0, 7, 8]");
        // Errors stay: a non-iterable source, bad bounds.
        assert_eq!(
            set_slice(&xs, &n, &Value::Int(1), &n, Value::Int(3))
                .unwrap_err()
                .message,
            "can only assign an iterable"
        );
        assert_eq!(
            set_slice(&xs, &Value::str("a"), &n, &n, ints(&[1]))
                .unwrap_err()
                .message,
            "slice indices must be integers or None or have an __index__ method"
        );
    }

    #[test]
    fn characters_of_ascii_and_mixed_strings() {
        let at = |s: &str, i: i64| repr(&get_index(&Value::str(s), &Value::Int(i)).unwrap());
        assert_eq!(at("abc", 0), "'a'");
        assert_eq!(at("abc", 2), "'c'");
        assert_eq!(at("abc", -1), "'c'");
        // Bytes past a non-ASCII character are not characters.
        assert_eq!(at("héllo", 2), "'l'");
        assert_eq!(at("héllo", 1), "'é'");
        assert_eq!(at("ab€", 1), "'b'");
        assert_eq!(at("ab€", 2), "'€'");
        assert_eq!(
            get_index(&Value::str("héllo"), &Value::Int(5))
                .unwrap_err()
                .message,
            "string index out of range"
        );
        assert_eq!(
            get_index(&Value::str("abc"), &Value::Int(3))
                .unwrap_err()
                .message,
            "string index out of range"
        );
        // The shared strings are strings like any other.
        let a = get_index(&Value::str("xa"), &Value::Int(1)).unwrap();
        assert_eq!(a.as_str(), Some("a"));
    }

    #[test]
    fn indexing_errors() {
        let xs = ints(&[1, 2]);
        assert_eq!(repr(&get_index(&xs, &Value::Int(-1)).unwrap()), "2");
        assert_eq!(
            get_index(&xs, &Value::Int(2)).unwrap_err().message,
            "list index out of range"
        );
        assert_eq!(
            get_index(&xs, &Value::str("a")).unwrap_err().message,
            "list indices must be integers or slices, not str"
        );
        assert_eq!(
            get_index(&Value::str("abc"), &Value::Float(1.0))
                .unwrap_err()
                .message,
            "string indices must be integers, not 'float'"
        );
        assert_eq!(
            get_index(&Value::str("abc"), &Value::Int(5))
                .unwrap_err()
                .message,
            "string index out of range"
        );
        assert_eq!(
            repr(&get_index(&Value::str("añb"), &Value::Int(-2)).unwrap()),
            "'ñ'"
        );
        let big = Value::from_bigint(num_bigint::BigInt::from(10).pow(30));
        assert_eq!(
            get_index(&xs, &big).unwrap_err().message,
            "cannot fit 'int' into an index-sized integer"
        );
        assert_eq!(
            set_index(&xs, &Value::Int(5), Value::None)
                .unwrap_err()
                .message,
            "list assignment index out of range"
        );
        let d = Value::dict(Default::default());
        let e = get_index(&d, &Value::str("missing")).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (crate::error::ExcKind::KeyError, "'missing'")
        );
        set_index(&d, &Value::str("k"), Value::Int(1)).unwrap();
        assert_eq!(repr(&d), "{'k': 1}");
        assert_eq!(
            set_index(&d, &xs, Value::None).unwrap_err().message,
            "unhashable type: 'list'"
        );
        assert_eq!(
            get_index(&Value::Int(1), &Value::Int(0))
                .unwrap_err()
                .message,
            "'int' object is not subscriptable"
        );
        assert_eq!(
            set_index(&Value::tuple(vec![]), &Value::Int(0), Value::None)
                .unwrap_err()
                .message,
            "'tuple' object does not support item assignment"
        );
    }
}
