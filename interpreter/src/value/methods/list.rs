//! `list` and `tuple` methods, and the stable sort shared with `sorted()`.

use crate::error::{index_error, limit_error, type_error, value_error, Exc};
use crate::host::{bind, given, int_arg, Big};
use crate::value::ops::{cmp_values_in, eq_python, iter_to_vec, MAX_LIST_LEN};
use crate::value::repr::repr;
use crate::value::runtime::Interp;
use crate::value::{Args, Value};
use std::cmp::Ordering;

pub(super) fn call_list(
    it: &mut Interp,
    recv: &Value,
    name: &str,
    args: Args<'_>,
) -> Result<Value, Exc> {
    let Value::List(list) = recv else {
        return Err(type_error("list method on a non-list"));
    };
    if name == "sort" {
        if !args.pos.is_empty() {
            return Err(type_error("sort() takes no positional arguments"));
        }
        let a = bind(name, args, &["key", "reverse"], 0)?;
        let key = given(a[0]).cloned();
        let reverse = a[1].is_some_and(Value::truthy);
        // Sort a copy: the key function may look at (or change) the list meanwhile, so no
        // borrow may be held across the calls.
        let items = list.borrow().clone();
        let sorted = sort_values(it, items, key.as_ref(), reverse)?;
        let old = std::mem::replace(&mut *list.borrow_mut(), sorted);
        drop(old);
        return Ok(Value::None);
    }
    let (params, required): (&[&str], usize) = match name {
        "append" | "remove" | "extend" | "count" => (&["x"], 1),
        "insert" => (&["index", "x"], 2),
        "pop" => (&["index"], 0),
        "index" => (&["x", "start", "end"], 1),
        _ => (&[], 0),
    };
    let a = bind(name, args, params, required)?;
    let first = a.first().copied().flatten().cloned().unwrap_or_default();
    Ok(match name {
        "append" => {
            crate::limits::memory::push_checked(&mut *list.borrow_mut(), first)?;
            Value::None
        }
        "extend" => {
            // Copy first: `xs.extend(xs)` reads the list being extended.
            let items = iter_to_vec(&first)?;
            let mut l = list.borrow_mut();
            if l.len() + items.len() > MAX_LIST_LEN {
                return Err(limit_error("list too large"));
            }
            crate::limits::memory::reserve(&mut *l, items.len())?;
            l.extend(items);
            Value::None
        }
        "insert" => {
            let i = int_arg(&first, Big::Saturate)?;
            let x = a[1].cloned().unwrap_or_default();
            let mut l = list.borrow_mut();
            let len = l.len() as i64;
            let at = if i < 0 {
                (i.saturating_add(len)).max(0)
            } else {
                i.min(len)
            };
            l.insert(at as usize, x);
            Value::None
        }
        "pop" => {
            let mut l = list.borrow_mut();
            if l.is_empty() {
                return Err(index_error("pop from empty list"));
            }
            let len = l.len() as i64;
            let i = a[0]
                .map(|v| int_arg(v, Big::Saturate))
                .transpose()?
                .unwrap_or(-1);
            let at = if i < 0 { i.saturating_add(len) } else { i };
            if at < 0 || at >= len {
                return Err(index_error("pop index out of range"));
            }
            l.remove(at as usize)
        }
        "remove" => {
            let pos = position(&list.borrow(), &first, 0, usize::MAX);
            match pos {
                Some(i) => {
                    let old = list.borrow_mut().remove(i);
                    drop(old);
                    Value::None
                }
                None => return Err(value_error("list.remove(x): x not in list")),
            }
        }
        "index" => {
            let items = list.borrow();
            let (lo, hi) = bounds(items.len(), a[1], a[2])?;
            match position(&items, &first, lo, hi) {
                Some(i) => Value::Int(i as i64),
                None => return Err(value_error(format!("{} is not in list", repr(&first)))),
            }
        }
        "count" => Value::Int(
            list.borrow()
                .iter()
                .filter(|x| x.is_same(&first) || eq_python(x, &first))
                .count() as i64,
        ),
        "reverse" => {
            list.borrow_mut().reverse();
            Value::None
        }
        "copy" => Value::list(list.borrow().clone()),
        "clear" => {
            let old = std::mem::take(&mut *list.borrow_mut());
            drop(old);
            Value::None
        }
        _ => return Err(type_error(format!("'list' object has no method '{name}'"))),
    })
}

pub(super) fn call_tuple(items: &[Value], name: &str, args: Args<'_>) -> Result<Value, Exc> {
    let (params, required): (&[&str], usize) = match name {
        "index" => (&["x", "start", "end"], 1),
        _ => (&["x"], 1),
    };
    let a = bind(name, args, params, required)?;
    let first = a[0].cloned().unwrap_or_default();
    Ok(match name {
        "index" => {
            let (lo, hi) = bounds(items.len(), a[1], a[2])?;
            match position(items, &first, lo, hi) {
                Some(i) => Value::Int(i as i64),
                None => return Err(value_error("tuple.index(x): x not in tuple")),
            }
        }
        _ => Value::Int(
            items
                .iter()
                .filter(|x| x.is_same(&first) || eq_python(x, &first))
                .count() as i64,
        ),
    })
}

/// `start`/`end` arguments of `index`, as slice bounds.
fn bounds(len: usize, start: Option<&Value>, end: Option<&Value>) -> Result<(usize, usize), Exc> {
    let len_i = len as i64;
    let fix = |v: Option<&Value>, default: i64| -> Result<usize, Exc> {
        let i = match given(v) {
            None => default,
            Some(v) => int_arg(v, Big::Saturate)?,
        };
        Ok((if i < 0 {
            i.saturating_add(len_i).max(0)
        } else {
            i.min(len_i)
        }) as usize)
    };
    Ok((fix(start, 0)?, fix(end, len_i)?))
}

fn position(items: &[Value], x: &Value, lo: usize, hi: usize) -> Option<usize> {
    let hi = hi.min(items.len());
    if lo >= hi {
        return None;
    }
    items[lo..hi]
        .iter()
        .position(|y| y.is_same(x) || eq_python(y, x))
        .map(|i| i + lo)
}

/// A stable sort of `items` (Python's `sorted`/`list.sort`): by `key(item)` when a key
/// function is given (called once per item), in reverse order when `reverse` (equal items
/// keep their original order either way). Comparison errors (`'<' not supported …`) and key
/// function errors propagate.
pub fn sort_values(
    it: &mut Interp,
    items: Vec<Value>,
    key: Option<&Value>,
    reverse: bool,
) -> Result<Vec<Value>, Exc> {
    let keys = match key {
        Some(f) => {
            let mut keys = Vec::with_capacity(items.len());
            for x in &items {
                keys.push(it.call(f, std::slice::from_ref(x))?);
            }
            keys
        }
        None => items.clone(),
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut cmp = |a: usize, b: usize| -> Result<Ordering, Exc> {
        let o = cmp_values_in(it, &keys[a], &keys[b])?;
        Ok(if reverse { o.reverse() } else { o })
    };
    merge_sort(&mut order, &mut cmp)?;
    let mut slots: Vec<Option<Value>> = items.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

/// A stable merge sort with a fallible comparator. (The standard library's sorts may panic
/// when a comparator is not a total order, which Dana's mixed comparisons and NaN can be.)
fn merge_sort(
    v: &mut [usize],
    cmp: &mut impl FnMut(usize, usize) -> Result<Ordering, Exc>,
) -> Result<(), Exc> {
    const SMALL: usize = 16;
    if v.len() <= SMALL {
        // Insertion sort: shift while the element is strictly less than the previous one
        // (asking `b < a`, as Python does, also gives Python's operand order in errors).
        for i in 1..v.len() {
            let mut j = i;
            while j > 0 && cmp(v[j], v[j - 1])? == Ordering::Less {
                v.swap(j - 1, j);
                j -= 1;
            }
        }
        return Ok(());
    }
    let mid = v.len() / 2;
    merge_sort(&mut v[..mid], cmp)?;
    merge_sort(&mut v[mid..], cmp)?;
    if cmp(v[mid], v[mid - 1])? != Ordering::Less {
        return Ok(());
    }
    let left = v[..mid].to_vec();
    let right = v[mid..].to_vec();
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        // Take from the left on ties: that is what makes the sort stable.
        if cmp(right[j], left[i])? == Ordering::Less {
            v[k] = right[j];
            j += 1;
        } else {
            v[k] = left[i];
            i += 1;
        }
        k += 1;
    }
    for &x in left[i..].iter().chain(&right[j..]) {
        v[k] = x;
        k += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ops::cmp_values;

    fn sort_plain(xs: &[Value], reverse: bool) -> Result<Vec<Value>, Exc> {
        let keys = xs.to_vec();
        let mut order: Vec<usize> = (0..xs.len()).collect();
        let mut cmp = |a: usize, b: usize| -> Result<Ordering, Exc> {
            let o = cmp_values(&keys[a], &keys[b])?;
            Ok(if reverse { o.reverse() } else { o })
        };
        merge_sort(&mut order, &mut cmp)?;
        Ok(order.into_iter().map(|i| xs[i].clone()).collect())
    }

    #[test]
    fn merge_sort_is_stable_and_correct() {
        // Pseudo-random ints, sorted against the standard library.
        let mut seed = 12345u64;
        let mut xs = Vec::new();
        for _ in 0..500 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            xs.push(Value::Int(((seed >> 33) % 50) as i64));
        }
        let sorted = sort_plain(&xs, false).unwrap();
        let mut want: Vec<i64> = xs
            .iter()
            .map(|v| if let Value::Int(i) = v { *i } else { 0 })
            .collect();
        want.sort();
        let got: Vec<i64> = sorted
            .iter()
            .map(|v| if let Value::Int(i) = v { *i } else { -1 })
            .collect();
        assert_eq!(got, want);
        // Stability: 1 and 1.0 and True compare equal and keep their order, also reversed.
        let mixed = vec![
            Value::Float(1.0),
            Value::Int(0),
            Value::Bool(true),
            Value::Int(1),
        ];
        assert_eq!(
            repr(&Value::list(sort_plain(&mixed, false).unwrap())),
            "[0, 1.0, True, 1]"
        );
        assert_eq!(
            repr(&Value::list(sort_plain(&mixed, true).unwrap())),
            "[1.0, True, 1, 0]"
        );
        // NaN and text never panic; unorderable pairs are TypeErrors.
        let odd = vec![
            Value::Float(f64::NAN),
            Value::Int(3),
            Value::str("10"),
            Value::Float(1.0),
        ];
        assert!(sort_plain(&odd, false).is_ok());
        let bad = vec![Value::Int(1), Value::None];
        assert_eq!(
            sort_plain(&bad, false).unwrap_err().message,
            "'<' not supported between instances of 'NoneType' and 'int'"
        );
    }
}
