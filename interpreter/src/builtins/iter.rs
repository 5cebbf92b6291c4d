//! Builtins over iterables: `sorted`, `reversed`, `enumerate`, `zip`, `map`, `filter`, `all`,
//! `any`, `iter`, `next`. Over the builtin containers `reversed`, `enumerate`, `zip`, `map` and
//! `filter` return lists (iterating, indexing and `len` on them behave as on Python's
//! `list(...)` of them); given a lazy iterator (a native object such as `itertools.count()`),
//! `enumerate`, `zip`, `map` and `filter` return lazy iterators, so an endless one works.

use crate::error::{type_error, value_error, Exc};
use crate::host::{int_arg, Big};
use crate::value::runtime::Interp;
use crate::value::{collect, ops, Args, NativeIter, Value, ValueIter};

/// `true` when `v` is iterated lazily (a native object with no builtin base value).
fn is_lazy(v: &Value) -> bool {
    matches!(v, Value::Object(o) if o.base().is_none())
}

pub(super) fn sorted(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("sorted", 1, 1, &["key", "reverse"])?;
    let items = collect(it, &args.pos[0])?;
    let reverse = args.kw("reverse").is_some_and(Value::truthy);
    let items = crate::value::methods::sort_values(
        it,
        items,
        args.kw("key").filter(|k| !k.is_none()),
        reverse,
    )?;
    Ok(Value::list(items))
}

pub(super) fn reversed(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("reversed", 1, 1, &[])?;
    let v = &args.pos[0];
    if matches!(v, Value::Set(_)) || is_lazy(v) && crate::value::ops::len(v).is_err() {
        return Err(type_error(format!(
            "'{}' object is not reversible",
            v.type_name()
        )));
    }
    let mut items = collect(it, v)?;
    items.reverse();
    Ok(Value::list(items))
}

pub(super) fn enumerate(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("enumerate", 1, 2, &["start"])?;
    let start = match args.get(1, "start") {
        Some(s) => int_arg(s, Big::TooLarge("enumerate"))?,
        None => 0,
    };
    if is_lazy(&args.pos[0]) {
        let mut walk = ValueIter::new(&args.pos[0])?;
        let mut n = start;
        return Ok(NativeIter::new("enumerate", None, move |it| {
            let Some(v) = walk.next_value(it)? else {
                return Ok(None);
            };
            let i = n;
            n = n
                .checked_add(1)
                .ok_or_else(|| crate::error::overflow_error("enumerate() index overflow"))?;
            Ok(Some(Value::tuple(vec![Value::Int(i), v])))
        }));
    }
    let items = collect(it, &args.pos[0])?;
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
fn columns(it: &mut Interp, its: &[Value]) -> Result<(Vec<Vec<Value>>, usize), Exc> {
    let cols: Vec<Vec<Value>> = its
        .iter()
        .map(|v| collect(it, v))
        .collect::<Result<_, _>>()?;
    let n = cols.iter().map(Vec::len).min().unwrap_or(0);
    Ok((cols, n))
}

/// The step of [`lockstep`]: the next row, `None` at the end.
trait RowStep: FnMut(&mut Interp) -> Result<Option<Vec<Value>>, Exc> {}
impl<F: FnMut(&mut Interp) -> Result<Option<Vec<Value>>, Exc>> RowStep for F {}

/// A lazy walk of several iterables in step: the next item of each, `None` once the first
/// one ends.
fn lockstep(its: &[Value]) -> Result<impl RowStep, Exc> {
    let mut walks: Vec<ValueIter> = its.iter().map(ValueIter::new).collect::<Result<_, _>>()?;
    Ok(move |it: &mut Interp| {
        let mut row = Vec::with_capacity(walks.len());
        for w in walks.iter_mut() {
            match w.next_value(it)? {
                Some(v) => row.push(v),
                None => return Ok(None),
            }
        }
        Ok(Some(row))
    })
}

pub(super) fn zip(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("zip", 0, usize::MAX, &["strict"])?;
    if args.pos.iter().any(is_lazy) && !args.kw("strict").is_some_and(Value::truthy) {
        let mut next = lockstep(args.pos)?;
        return Ok(NativeIter::new("zip", None, move |it| {
            Ok(next(it)?.map(Value::tuple))
        }));
    }
    let (cols, n) = columns(it, args.pos)?;
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
    if args.pos[1..].iter().any(is_lazy) {
        let mut next = lockstep(&args.pos[1..])?;
        let f = f.clone();
        return Ok(NativeIter::new("map", None, move |it| match next(it)? {
            Some(row) => it.call(&f, &row).map(Some),
            None => Ok(None),
        }));
    }
    let (cols, n) = columns(it, &args.pos[1..])?;
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
    if is_lazy(&args.pos[1]) {
        let mut walk = ValueIter::new(&args.pos[1])?;
        let f = f.clone();
        return Ok(NativeIter::new("filter", None, move |it| {
            while let Some(v) = walk.next_value(it)? {
                it.tick()?;
                let keep = if f.is_none() {
                    v.truthy()
                } else {
                    it.call(&f, std::slice::from_ref(&v))?.truthy()
                };
                if keep {
                    return Ok(Some(v));
                }
            }
            Ok(None)
        }));
    }
    let mut out = Vec::new();
    for v in collect(it, &args.pos[1])? {
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

/// Walks `v` until `stop(item)` holds (lazily: an endless iterator ends at the first hit);
/// `true` when it did.
fn find(it: &mut Interp, v: &Value, stop: impl Fn(&Value) -> bool) -> Result<bool, Exc> {
    if !is_lazy(v) {
        return Ok(collect(it, v)?.iter().any(stop));
    }
    let mut walk = ValueIter::new(v)?;
    while let Some(x) = walk.next_value(it)? {
        it.tick()?;
        if stop(&x) {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(super) fn all(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("all", 1, 1, &[])?;
    Ok(Value::Bool(!find(it, &args.pos[0], |x| !x.truthy())?))
}

pub(super) fn any(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("any", 1, 1, &[])?;
    Ok(Value::Bool(find(it, &args.pos[0], Value::truthy)?))
}

/// `iter(x)`: an iterator over `x` (a native iterator is its own; a builtin container gets a
/// lazy iterator over it).
pub(super) fn iter(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("iter", 1, 1, &[])?;
    let v = &args.pos[0];
    if let Value::Object(o) = v {
        if let Some(r) = o.iter(v) {
            return r;
        }
    }
    let name = format!("{}_iterator", v.type_name());
    let mut walk = ValueIter::new(v)?;
    Ok(NativeIter::new(&name, None, move |it| walk.next_value(it)))
}

/// `next(iterator[, default])`.
pub(super) fn next(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("next", 1, 2, &[])?;
    let v = &args.pos[0];
    let Value::Object(o) = v else {
        return Err(type_error(format!(
            "'{}' object is not an iterator",
            v.type_name()
        )));
    };
    match o.next(it)? {
        Some(x) => Ok(x),
        None => match args.pos.get(1) {
            Some(d) => Ok(d.clone()),
            None => Err(crate::error::RtError::new(
                crate::ExcKind::StopIteration,
                "",
            )),
        },
    }
}
