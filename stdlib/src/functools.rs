//! `import functools`: higher-order helpers, as Python's `functools`.
//!
//! * `reduce(function, iterable[, initial])` folds the items from the left.
//! * `partial(func, *args, **keywords)` is a callable object (`.func`, `.args`, `.keywords`,
//!   Python's repr); a partial of a partial is flattened, as in Python.
//! * `lru_cache(maxsize=128)` / `lru_cache(func)` / `cache(func)` wrap a function in a cache
//!   keyed by its arguments (which must be hashable), with `cache_info()` and `cache_clear()`.
//! * `cmp_to_key(mycmp)` makes key objects ordered by `mycmp(a, b)` (negative, zero or
//!   positive), for `sorted`, `min`, `max`, `list.sort`, `heapq` and `bisect`.
//!
//! The objects are in `functools/objects.rs`.

mod objects;

use crate::seq::items_of;
use dana_interpreter::error::{type_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::{build_module, NativeFn};
use dana_interpreter::value::{Args, Globals, NativeType, Value};
use objects::{CmpKey, LruCache, Partial};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub(crate) fn module() -> Rc<Globals> {
    let partial_type = Value::object(NativeType::new(
        "functools",
        "partial",
        Some(Box::new(partial_new)),
    ));
    let lru_type = Value::object(NativeType::new("functools", "_lru_cache_wrapper", None));
    let (lt1, lt2) = (lru_type.clone(), lru_type);
    let lru = NativeFn::closure("lru_cache", move |_it, args| lru_cache(&lt1, args));
    let cache = NativeFn::closure("cache", move |_it, args| {
        args.check("cache", 1, 1, &[])?;
        Ok(wrap(&lt2, &args.pos[0], None))
    });
    build_module(
        "functools",
        &[
            ("reduce", reduce, "reduce(function, iterable, initial=None)\n\nApplies function(acc, item) to the items from left to right, starting with\ninitial when given (else the first item): reduce(f, [a, b, c]) is f(f(a, b), c)."),
            ("cmp_to_key", cmp_to_key, "cmp_to_key(mycmp)\n\nA key function for sorted/min/max from an old-style comparison function\nmycmp(a, b) that returns a negative, zero or positive number."),
        ],
        vec![
            ("partial", partial_type),
            ("lru_cache", with_doc(lru, "lru_cache(maxsize=128)\n\nA decorator caching a function's results by its (hashable) arguments, keeping\nthe maxsize most recently used (all of them when maxsize is None). Also\n@lru_cache without parentheses. The wrapper has cache_info() and cache_clear().")),
            ("cache", with_doc(cache, "cache(func)\n\nThe same as lru_cache(maxsize=None)(func): an unbounded cache.")),
        ],
    )
}

/// A native closure value with its `help()` text.
fn with_doc(v: Value, doc: &'static str) -> Value {
    match v {
        Value::Native(f) => match Rc::try_unwrap(f) {
            Ok(mut f) => {
                f.doc = Some(doc);
                Value::Native(Rc::new(f))
            }
            Err(f) => Value::Native(f),
        },
        other => other,
    }
}

fn reduce(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    if !args.kw.is_empty() {
        return Err(type_error("reduce() takes no keyword arguments"));
    }
    let n = args.pos.len();
    if !(2..=3).contains(&n) {
        let (rel, want) = if n < 2 {
            ("at least", 2)
        } else {
            ("at most", 3)
        };
        return Err(type_error(format!(
            "reduce expected {rel} {want} arguments, got {n}"
        )));
    }
    let f = &args.pos[0];
    let items = items_of(it, &args.pos[1]).map_err(|e| {
        if e.message.ends_with("is not iterable") {
            type_error("reduce() arg 2 must support iteration")
        } else {
            e
        }
    })?;
    let mut items = items.into_iter();
    let mut acc = match args.pos.get(2) {
        Some(init) => init.clone(),
        None => items
            .next()
            .ok_or_else(|| type_error("reduce() of empty iterable with no initial value"))?,
    };
    for x in items {
        acc = it.call(f, &[acc, x])?;
    }
    Ok(acc)
}

fn partial_new(_it: &mut Interp, ty: &Value, args: Args<'_>) -> Result<Value, Exc> {
    let Some(func) = args.pos.first() else {
        return Err(type_error("type 'partial' takes at least one argument"));
    };
    if !func.is_callable() {
        return Err(type_error("the first argument must be callable"));
    }
    let (mut func, mut pos, mut kw) = (func.clone(), Vec::new(), Vec::new());
    if let Some(inner) = func.downcast::<Partial>() {
        pos = inner.args.clone();
        kw = inner.kw.clone();
        let f = inner.func.clone();
        func = f;
    }
    pos.extend(args.pos[1..].iter().cloned());
    for (k, v) in args.kw {
        match kw.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v.clone(),
            None => kw.push((*k, v.clone())),
        }
    }
    Ok(Value::object(Partial {
        class: ty.clone(),
        func,
        args: pos,
        kw,
    }))
}

fn wrap(class: &Value, func: &Value, maxsize: Option<usize>) -> Value {
    Value::object(LruCache {
        class: class.clone(),
        func: func.clone(),
        maxsize,
        map: RefCell::default(),
        hits: Cell::new(0),
        misses: Cell::new(0),
    })
}

fn lru_cache(class: &Value, args: Args) -> Result<Value, Exc> {
    args.check("lru_cache", 0, 2, &["maxsize", "typed"])?;
    let arg = args.get(0, "maxsize").cloned().unwrap_or(Value::Int(128));
    let maxsize = match &arg {
        Value::None => None,
        Value::Int(n) => Some((*n).max(0) as usize),
        Value::Bool(b) => Some(*b as usize),
        f if f.is_callable() && args.kw.is_empty() => {
            return Ok(wrap(class, f, Some(128)));
        }
        _ => {
            return Err(type_error(
                "Expected first argument to be an integer, a callable, or None",
            ))
        }
    };
    let class = class.clone();
    Ok(NativeFn::closure(
        "decorating_function",
        move |_it, args| {
            args.check("decorating_function", 1, 1, &[])?;
            Ok(wrap(&class, &args.pos[0], maxsize))
        },
    ))
}

fn cmp_to_key(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("cmp_to_key", 1, 1, &["mycmp"])?;
    let cmp = args.pos[0].clone();
    Ok(NativeFn::closure("K", move |_it, args| {
        args.check("K", 1, 1, &["obj"])?;
        Ok(Value::object(CmpKey {
            cmp: cmp.clone(),
            obj: args.pos[0].clone(),
        }))
    }))
}
