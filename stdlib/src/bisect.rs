//! `import bisect`: binary search in sorted sequences and insertion that keeps them sorted, as
//! Python's `bisect`.
//!
//! `bisect_left(a, x, lo=0, hi=len(a), *, key=None)` returns the first position where `x`
//! could go keeping `a` sorted (before equal items); `bisect_right`/`bisect` the last (after
//! them). `key` is applied to the items of `a`, not to `x`; the `insort` functions apply it to
//! `x` too and insert with `a.insert`. Items are compared with `<` only, as Python does.
//! A list is read one item at a time (no copy); other sequences (tuple, str, range) are read
//! whole first. Dicts and sets are not sequences (`TypeError: dict is not a sequence`).

use crate::heapq::lt;
use crate::seq::int_param;
use dana_interpreter::error::{attribute_error, index_error, type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::build_module;
use dana_interpreter::value::{ops, Args, Globals, Value};
use std::rc::Rc;

pub(crate) fn module() -> Rc<Globals> {
    build_module(
        "bisect",
        &[
            ("bisect_left", bisect_left, "bisect_left(a, x, lo: int = 0, hi: int | None = None, *, key=None) -> int\n\nThe first index where x can be inserted in the sorted sequence a keeping\nit sorted (before any items equal to x), searching a[lo:hi]."),
            ("bisect_right", bisect_right, "bisect_right(a, x, lo: int = 0, hi: int | None = None, *, key=None) -> int\n\nThe last index where x can be inserted in the sorted sequence a keeping\nit sorted (after any items equal to x), searching a[lo:hi]."),
            ("bisect", bisect_right, "bisect(a, x, lo: int = 0, hi: int | None = None, *, key=None) -> int\n\nThe same as bisect_right."),
            ("insort_left", insort_left, "insort_left(a, x, lo: int = 0, hi: int | None = None, *, key=None)\n\nInserts x into the sorted list a, before any items equal to it."),
            ("insort_right", insort_right, "insort_right(a, x, lo: int = 0, hi: int | None = None, *, key=None)\n\nInserts x into the sorted list a, after any items equal to it."),
            ("insort", insort_right, "insort(a, x, lo: int = 0, hi: int | None = None, *, key=None)\n\nThe same as insort_right."),
        ],
        vec![],
    )
}

/// The sequence searched: a list is read in place, anything else is copied once.
enum Seq {
    List(Value),
    Items(Vec<Value>, &'static str),
}

impl Seq {
    fn new(a: &Value) -> Result<Seq, Exc> {
        Ok(match a {
            Value::List(_) => Seq::List(a.clone()),
            Value::Dict(_) | Value::Set(_) => {
                return Err(type_error(format!("{} is not a sequence", a.type_name())))
            }
            Value::Str(_) => Seq::Items(ops::iter_to_vec(a)?, "string"),
            Value::Tuple(_) => Seq::Items(ops::iter_to_vec(a)?, "tuple"),
            Value::Range(_) => Seq::Items(ops::iter_to_vec(a)?, "range object"),
            other => {
                return Err(type_error(format!(
                    "'{}' object is not subscriptable",
                    other.type_name()
                )))
            }
        })
    }

    fn get(&self, i: usize) -> Result<Value, Exc> {
        match self {
            Seq::List(Value::List(l)) => l.borrow().get(i).cloned(),
            Seq::List(_) => None,
            Seq::Items(v, _) => v.get(i).cloned(),
        }
        .ok_or_else(|| {
            let what = match self {
                Seq::List(_) => "list",
                Seq::Items(_, w) => w,
            };
            index_error(format!("{what} index out of range"))
        })
    }
}

/// The search bounds `lo` and `hi` (`hi=None` is `len(a)`).
fn bounds(a: &Value, args: &Args) -> Result<(usize, usize), Exc> {
    let lo = match args.get(2, "lo") {
        Some(v) => int_param(v)?,
        None => 0,
    };
    if lo < 0 {
        return Err(value_error("lo must be non-negative"));
    }
    let hi = match args.get(3, "hi") {
        Some(v) if !v.is_none() => int_param(v)?,
        _ => ops::len(a)? as i64,
    };
    let hi = usize::try_from(hi).unwrap_or(0);
    Ok((lo as usize, hi))
}

/// Python's loop: `a[mid] < x` moves right for `left`, `not x < a[mid]` for `right`.
fn search(it: &mut Interp, fname: &str, args: &Args, x: &Value, right: bool) -> Result<usize, Exc> {
    args.check(fname, 2, 4, &["lo", "hi", "key", "a", "x"])?;
    let a = args.get(0, "a").ok_or_else(|| missing(fname, "a", 1))?;
    let (mut lo, mut hi) = bounds(a, args)?;
    let seq = Seq::new(a)?;
    let key = args.kw("key").filter(|k| !k.is_none());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let mut item = seq.get(mid)?;
        if let Some(k) = key {
            item = it.call(k, &[item])?;
        }
        let go_right = if right {
            !lt(it, x, &item)?
        } else {
            lt(it, &item, x)?
        };
        if go_right {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

fn missing(fname: &str, name: &str, pos: usize) -> Exc {
    type_error(format!(
        "{fname}() missing required argument '{name}' (pos {pos})"
    ))
}

fn x_arg<'a>(fname: &str, args: &Args<'a>) -> Result<&'a Value, Exc> {
    args.get(1, "x").ok_or_else(|| missing(fname, "x", 2))
}

fn bisect_left(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let x = x_arg("bisect_left", &args)?;
    Ok(Value::Int(
        search(it, "bisect_left", &args, x, false)? as i64
    ))
}

fn bisect_right(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let x = x_arg("bisect_right", &args)?;
    Ok(Value::Int(
        search(it, "bisect_right", &args, x, true)? as i64
    ))
}

fn insort(it: &mut Interp, args: Args, fname: &str, right: bool) -> Result<Value, Exc> {
    let x = x_arg(fname, &args)?;
    let kx = match args.kw("key").filter(|k| !k.is_none()) {
        Some(k) => it.call(k, std::slice::from_ref(x))?,
        None => x.clone(),
    };
    let at = search(it, fname, &args, &kx, right)?;
    match args.get(0, "a") {
        Some(Value::List(l)) => {
            let mut l = l.borrow_mut();
            let at = at.min(l.len());
            l.insert(at, x.clone());
            Ok(Value::None)
        }
        Some(other) => Err(attribute_error(format!(
            "'{}' object has no attribute 'insert'",
            other.type_name()
        ))),
        None => Err(missing(fname, "a", 1)),
    }
}

fn insort_left(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    insort(it, args, "insort_left", false)
}

fn insort_right(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    insort(it, args, "insort_right", true)
}
