//! Builtins over iterables: `sorted`, `reversed`, `enumerate`, `zip`, `map`, `filter`, `all`,
//! `any`. Dana has no lazy iterators: `reversed`, `enumerate`, `zip`, `map` and `filter` return
//! lists (iterating, indexing and `len` on them behave as on Python's `list(...)` of them).

use super::arg_i64;
use crate::error::{type_error, value_error, Exc};
use crate::eval::Interp;
use crate::value::{ops, Args, Value};
use std::cmp::Ordering;

/// Stable merge sort with a fallible "less than" (the comparison of values can raise).
///
/// Hand-written rather than `slice::sort_by` because the standard sort may panic when the
/// comparison is not a total order (NaN, mixed types), and a failing comparison must stop the
/// sort and propagate its error.
pub fn merge_sort_by<T: Clone>(
    v: Vec<T>,
    less: &mut dyn FnMut(&T, &T) -> Result<bool, Exc>,
) -> Result<Vec<T>, Exc> {
    const RUN: usize = 16;
    let n = v.len();
    let mut src = v;
    // Insertion-sort short runs first: fewer passes, and cheap on nearly sorted data.
    for start in (0..n).step_by(RUN) {
        let end = (start + RUN).min(n);
        for i in start + 1..end {
            let mut j = i;
            while j > start && less(&src[j], &src[j - 1])? {
                src.swap(j, j - 1);
                j -= 1;
            }
        }
    }
    let mut width = RUN;
    let mut dst: Vec<T> = Vec::with_capacity(n);
    while width < n {
        dst.clear();
        for start in (0..n).step_by(2 * width) {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            while i < mid && j < end {
                // Take from the right run only when strictly smaller: keeps the sort stable.
                if less(&src[j], &src[i])? {
                    dst.push(src[j].clone());
                    j += 1;
                } else {
                    dst.push(src[i].clone());
                    i += 1;
                }
            }
            dst.extend_from_slice(&src[i..mid]);
            dst.extend_from_slice(&src[j..end]);
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    Ok(src)
}

/// Sorts `items` in place like Python's `list.sort(key=, reverse=)`: stable, keys computed once
/// per item, and `reverse` keeps equal items in their original order. On error `items` is left
/// unchanged. (Also meant for the `list.sort` method.)
pub fn sort_values(
    it: &mut Interp,
    items: &mut Vec<Value>,
    key: Option<&Value>,
    reverse: bool,
) -> Result<(), Exc> {
    let keys: Vec<Value> = match key.filter(|k| !k.is_none()) {
        Some(f) => items
            .iter()
            .map(|v| it.call(f, std::slice::from_ref(v)))
            .collect::<Result<_, _>>()?,
        None => items.clone(),
    };
    let order = sorted_order(&keys, reverse, &mut ops::cmp_values)?;
    let sorted: Vec<Value> = order.into_iter().map(|i| items[i].clone()).collect();
    *items = sorted;
    Ok(())
}

/// The permutation that sorts `keys` (stable), using `cmp` for the ordering.
pub fn sorted_order(
    keys: &[Value],
    reverse: bool,
    cmp: &mut dyn FnMut(&Value, &Value) -> Result<Ordering, Exc>,
) -> Result<Vec<usize>, Exc> {
    let idx: Vec<usize> = (0..keys.len()).collect();
    merge_sort_by(idx, &mut |&a: &usize, &b: &usize| {
        let (x, y) = if reverse {
            (&keys[b], &keys[a])
        } else {
            (&keys[a], &keys[b])
        };
        Ok(cmp(x, y)? == Ordering::Less)
    })
}

pub(super) fn sorted(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("sorted", 1, 1, &["key", "reverse"])?;
    let mut items = ops::iter_to_vec(&args.pos[0])?;
    let reverse = args.kw("reverse").is_some_and(Value::truthy);
    sort_values(it, &mut items, args.kw("key"), reverse)?;
    Ok(Value::list(items))
}

pub(super) fn reversed(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("reversed", 1, 1, &[])?;
    let v = &args.pos[0];
    if matches!(v, Value::Set(_)) {
        return Err(type_error("'set' object is not reversible"));
    }
    let mut items = ops::iter_to_vec(v)?;
    items.reverse();
    Ok(Value::list(items))
}

pub(super) fn enumerate(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("enumerate", 1, 2, &["start"])?;
    let start = match args.get(1, "start") {
        Some(s) => arg_i64("enumerate", s)?,
        None => 0,
    };
    let items = ops::iter_to_vec(&args.pos[0])?;
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.into_iter().enumerate() {
        let n = start
            .checked_add(i as i64)
            .ok_or_else(|| crate::error::overflow_error("enumerate() index overflow"))?;
        out.push(Value::tuple(vec![Value::Int(n), v]));
    }
    Ok(Value::list(out))
}

/// The items of each iterable, and the length of the shortest.
fn columns(its: &[Value]) -> Result<(Vec<Vec<Value>>, usize), Exc> {
    let cols: Vec<Vec<Value>> = its.iter().map(ops::iter_to_vec).collect::<Result<_, _>>()?;
    let n = cols.iter().map(Vec::len).min().unwrap_or(0);
    Ok((cols, n))
}

pub(super) fn zip(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("zip", 0, usize::MAX, &["strict"])?;
    let (cols, n) = columns(args.pos)?;
    if args.kw("strict").is_some_and(Value::truthy) {
        let first = cols.first().map_or(0, Vec::len);
        if let Some(i) = cols.iter().position(|c| c.len() != first) {
            let which = if cols[i].len() > first {
                "longer"
            } else {
                "shorter"
            };
            return Err(value_error(format!(
                "zip() argument {} is {which} than argument{} 1{}",
                i + 1,
                if i > 1 { "s" } else { "" },
                if i > 1 {
                    format!("-{i}")
                } else {
                    String::new()
                }
            )));
        }
    }
    let out = (0..n)
        .map(|i| Value::tuple(cols.iter().map(|c| c[i].clone()).collect()))
        .collect();
    Ok(Value::list(out))
}

pub(super) fn map(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    if args.pos.len() < 2 {
        return Err(type_error("map() must have at least two arguments."));
    }
    args.check("map", 2, usize::MAX, &[])?;
    let f = &args.pos[0];
    let (cols, n) = columns(&args.pos[1..])?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let call_args: Vec<Value> = cols.iter().map(|c| c[i].clone()).collect();
        out.push(it.call(f, &call_args)?);
    }
    Ok(Value::list(out))
}

pub(super) fn filter(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("filter", 2, 2, &[])?;
    let f = &args.pos[0];
    let mut out = Vec::new();
    for v in ops::iter_to_vec(&args.pos[1])? {
        let keep = if f.is_none() {
            v.truthy()
        } else {
            it.call(f, std::slice::from_ref(&v))?.truthy()
        };
        if keep {
            out.push(v);
        }
    }
    Ok(Value::list(out))
}

pub(super) fn all(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("all", 1, 1, &[])?;
    Ok(Value::Bool(
        ops::iter_to_vec(&args.pos[0])?.iter().all(Value::truthy),
    ))
}

pub(super) fn any(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("any", 1, 1, &[])?;
    Ok(Value::Bool(
        ops::iter_to_vec(&args.pos[0])?.iter().any(Value::truthy),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int_cmp(a: &Value, b: &Value) -> Result<Ordering, Exc> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
            _ => Err(type_error("not ints")),
        }
    }

    fn ints(v: &[i64]) -> Vec<Value> {
        v.iter().map(|&i| Value::Int(i)).collect()
    }

    #[test]
    fn merge_sort_sorts_and_is_stable() {
        // Pairs (key, original position): equal keys must keep their order.
        let data: Vec<(i64, usize)> = (0..200).map(|i| ((i * 7919 % 13) as i64, i)).collect();
        let sorted = merge_sort_by(data.clone(), &mut |a, b| Ok(a.0 < b.0)).unwrap_or_default();
        let mut expected = data;
        expected.sort_by_key(|p| p.0);
        assert_eq!(sorted, expected);
        let empty: Vec<i32> =
            merge_sort_by(vec![], &mut |a: &i32, b: &i32| Ok(a < b)).unwrap_or_default();
        assert!(empty.is_empty());
    }

    #[test]
    fn merge_sort_stops_on_error() {
        let r = merge_sort_by((0..50).rev().collect::<Vec<i32>>(), &mut |a, b| {
            if *a == 25 || *b == 25 {
                Err(type_error("boom"))
            } else {
                Ok(a < b)
            }
        });
        assert!(r.is_err());
    }

    #[test]
    fn reverse_keeps_equal_items_in_order() {
        let keys = ints(&[1, 3, 1, 2, 3]);
        let order = sorted_order(&keys, true, &mut int_cmp).unwrap_or_default();
        assert_eq!(order, vec![1, 4, 3, 0, 2]);
        let order = sorted_order(&keys, false, &mut int_cmp).unwrap_or_default();
        assert_eq!(order, vec![0, 2, 3, 1, 4]);
    }
}
