//! Builtins over iterables: `sorted`, `reversed`, `enumerate`, `zip`, `map`, `filter`, `all`,
//! `any`. Dana has no lazy iterators: `reversed`, `enumerate`, `zip`, `map` and `filter` return
//! lists (iterating, indexing and `len` on them behave as on Python's `list(...)` of them).

use crate::error::{type_error, value_error, Exc};
use crate::host::{int_arg, Big};
use crate::value::runtime::Interp;
use crate::value::{ops, Args, Value};

pub(super) fn sorted(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("sorted", 1, 1, &["key", "reverse"])?;
    let items = ops::iter_to_vec(&args.pos[0])?;
    let reverse = args.kw("reverse").is_some_and(Value::truthy);
    let items = crate::value::methods::sort_values(
        it,
        items,
        args.kw("key").filter(|k| !k.is_none()),
        reverse,
    )?;
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
        Some(s) => int_arg(s, Big::TooLarge("enumerate"))?,
        None => 0,
    };
    let items = ops::iter_to_vec(&args.pos[0])?;
    ops::check_new_items(items.len(), items.len().saturating_mul(ops::tuple_bytes(2)))?;
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
    ops::check_new_items(n, n.saturating_mul(ops::tuple_bytes(cols.len())))?;
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
