//! `import itertools`: lazy iterators, as Python's `itertools`.
//!
//! Every function returns a native iterator ([`NativeIter`]) that pulls from its inputs only
//! when asked, so `count`, `cycle` and `repeat` may be infinite and `islice` stops early.
//! The combinatoric ones (`product`, `combinations`, `combinations_with_replacement`,
//! `permutations`) read their inputs whole first, as Python does, then yield tuples lazily
//! (see `itertools/combinatorics.rs`). `groupby` yields `(key, group)` with each group a list
//! (Python gives a lazy `_grouper`; iterating or `list()` of it gives the same items).

mod combinatorics;

use crate::seq::int_param;
use dana_grammar::ast::BinOp;
use dana_interpreter::error::{type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::{build_module, native};
use dana_interpreter::value::{ops, Args, Globals, NativeIter, NativeType, Value, ValueIter};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

pub(crate) fn module() -> Rc<Globals> {
    let chain_type = NativeType::new("itertools", "chain", Some(Box::new(chain_new)));
    chain_type.set_attr_value(
        "from_iterable",
        native("from_iterable", from_iterable, "chain.from_iterable(iterable)\n\nThe items of each iterable that iterable yields, lazily."),
    );
    build_module(
        "itertools",
        &[
            ("count", count, "count(start=0, step=1)\n\nstart, start + step, start + 2*step, … without end."),
            ("cycle", cycle, "cycle(iterable)\n\nThe items of iterable, then the same items again, without end."),
            ("repeat", repeat, "repeat(object, times=None)\n\nobject, times times (without end when times is None)."),
            ("accumulate", accumulate, "accumulate(iterable, func=None, *, initial=None)\n\nRunning totals (or running results of func(acc, item))."),
            ("islice", islice, "islice(iterable, stop) / islice(iterable, start, stop, step=1)\n\nThe items at positions range(start, stop, step), lazily."),
            ("takewhile", takewhile, "takewhile(predicate, iterable)\n\nThe items while predicate(item) is true."),
            ("dropwhile", dropwhile, "dropwhile(predicate, iterable)\n\nThe items from the first one for which predicate(item) is false."),
            ("filterfalse", filterfalse, "filterfalse(predicate, iterable)\n\nThe items for which predicate(item) is false (falsy items when predicate is None)."),
            ("compress", compress, "compress(data, selectors)\n\nThe items of data whose selector is true."),
            ("starmap", starmap, "starmap(function, iterable)\n\nfunction(*args) for each args of iterable."),
            ("zip_longest", zip_longest, "zip_longest(*iterables, fillvalue=None)\n\nTuples of the i-th items, filling exhausted inputs with fillvalue."),
            ("pairwise", pairwise, "pairwise(iterable)\n\nOverlapping pairs: (a, b), (b, c), …"),
            ("batched", batched, "batched(iterable, n: int)\n\nTuples of n items (the last may be shorter)."),
            ("groupby", groupby, "groupby(iterable, key=None)\n\n(key, group) for each run of consecutive items with equal key(item)."),
            ("product", combinatorics::product, "product(*iterables, repeat=1)\n\nThe cartesian product, as tuples, rightmost input varying fastest."),
            ("combinations", combinatorics::combinations, "combinations(iterable, r: int)\n\nThe r-length subsequences, in input order, as tuples."),
            ("combinations_with_replacement", combinatorics::combinations_with_replacement, "combinations_with_replacement(iterable, r: int)\n\nThe r-length subsequences allowing repeated items, as tuples."),
            ("permutations", combinatorics::permutations, "permutations(iterable, r=None)\n\nThe r-length orderings (all items when r is None), as tuples."),
            ("tee", tee, "tee(iterable, n=2) -> tuple\n\nn independent iterators over the same items."),
        ],
        vec![("chain", Value::object(chain_type))],
    )
}

/// A running iteration shared by a step closure.
struct Src(ValueIter);

impl Src {
    fn new(v: &Value) -> Result<Src, Exc> {
        ValueIter::new(v).map(Src)
    }
    fn next(&mut self, it: &mut Interp) -> Result<Option<Value>, Exc> {
        self.0.next_value(it)
    }
}

fn iter_value(
    name: &str,
    step: impl FnMut(&mut Interp) -> Result<Option<Value>, Exc> + 'static,
) -> Result<Value, Exc> {
    Ok(NativeIter::new(&format!("itertools.{name}"), None, step))
}

fn is_number(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::BigInt(_)
    )
}

fn count(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("count", 0, 2, &["start", "step"])?;
    let mut cur = args.get(0, "start").cloned().unwrap_or(Value::Int(0));
    let step = args.get(1, "step").cloned().unwrap_or(Value::Int(1));
    if !is_number(&cur) || !is_number(&step) {
        return Err(type_error("a number is required"));
    }
    iter_value("count", move |_| {
        let next = ops::binary(BinOp::Add, &cur, &step)?;
        Ok(Some(std::mem::replace(&mut cur, next)))
    })
}

fn cycle(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("cycle", 1, 1, &[])?;
    let mut src = Some(Src::new(&args.pos[0])?);
    let mut saved = Vec::new();
    let mut at = 0;
    iter_value("cycle", move |it| {
        if let Some(s) = &mut src {
            if let Some(v) = s.next(it)? {
                saved.push(v.clone());
                return Ok(Some(v));
            }
            src = None;
        }
        if saved.is_empty() {
            return Ok(None);
        }
        let v = saved[at % saved.len()].clone();
        at = (at + 1) % saved.len();
        Ok(Some(v))
    })
}

fn repeat(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("repeat", 1, 2, &["object", "times"])?;
    let obj = args.get(0, "object").cloned().unwrap_or(Value::None);
    let mut left = match args.get(1, "times") {
        Some(v) => Some(int_param(v)?.max(0)),
        None => None,
    };
    iter_value("repeat", move |_| match &mut left {
        None => Ok(Some(obj.clone())),
        Some(0) => Ok(None),
        Some(n) => {
            *n -= 1;
            Ok(Some(obj.clone()))
        }
    })
}

fn accumulate(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("accumulate", 1, 2, &["func", "initial", "iterable"])?;
    let mut src = Src::new(args.get(0, "iterable").unwrap_or(&Value::None))?;
    let func = args.get(1, "func").filter(|f| !f.is_none()).cloned();
    let mut acc: Option<Value> = None;
    let mut initial = args.kw("initial").filter(|v| !v.is_none()).cloned();
    iter_value("accumulate", move |it| {
        if let Some(v) = initial.take() {
            acc = Some(v.clone());
            return Ok(Some(v));
        }
        let Some(x) = src.next(it)? else {
            return Ok(None);
        };
        let next = match acc.take() {
            None => x,
            Some(a) => match &func {
                Some(f) => it.call(f, &[a, x])?,
                None => ops::binary(BinOp::Add, &a, &x)?,
            },
        };
        acc = Some(next.clone());
        Ok(Some(next))
    })
}

fn chain_new(_it: &mut Interp, _ty: &Value, args: Args<'_>) -> Result<Value, Exc> {
    args.check("chain", 0, usize::MAX, &[])?;
    let mut inputs: VecDeque<Value> = args.pos.iter().cloned().collect();
    let mut cur: Option<Src> = None;
    iter_value("chain", move |it| loop {
        if let Some(s) = &mut cur {
            if let Some(v) = s.next(it)? {
                return Ok(Some(v));
            }
        }
        match inputs.pop_front() {
            Some(v) => cur = Some(Src::new(&v)?),
            None => return Ok(None),
        }
    })
}

fn from_iterable(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("from_iterable", 1, 1, &[])?;
    let mut outer = Src::new(&args.pos[0])?;
    let mut cur: Option<Src> = None;
    iter_value("chain", move |it| loop {
        if let Some(s) = &mut cur {
            if let Some(v) = s.next(it)? {
                return Ok(Some(v));
            }
        }
        match outer.next(it)? {
            Some(v) => cur = Some(Src::new(&v)?),
            None => return Ok(None),
        }
    })
}

/// An `islice` bound: None or an int in [0, sys.maxsize].
fn slice_bound(v: Option<&Value>, what: &str) -> Result<Option<usize>, Exc> {
    let bad = || {
        value_error(format!(
            "{what} for islice() must be None or an integer: 0 <= x <= sys.maxsize."
        ))
    };
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Int(i)) if *i >= 0 => Ok(Some(*i as usize)),
        Some(Value::Bool(b)) => Ok(Some(*b as usize)),
        Some(_) => Err(bad()),
    }
}

fn islice(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("islice", 2, 4, &[])?;
    let mut src = Src::new(&args.pos[0])?;
    let (start, stop, step) = if args.pos.len() == 2 {
        (0, slice_bound(args.pos.get(1), "Stop argument")?, 1)
    } else {
        let start = slice_bound(args.pos.get(1), "Indices")?.unwrap_or(0);
        let stop = slice_bound(args.pos.get(2), "Stop argument")?;
        let step = match args.pos.get(3) {
            None | Some(Value::None) => 1,
            Some(Value::Int(i)) if *i > 0 => *i as usize,
            Some(_) => {
                return Err(value_error(
                    "Step for islice() must be a positive integer or None.",
                ))
            }
        };
        (start, stop, step)
    };
    let mut pos = 0usize;
    let mut next_wanted = start;
    iter_value("islice", move |it| loop {
        if stop.is_some_and(|s| next_wanted >= s) {
            return Ok(None);
        }
        let Some(v) = src.next(it)? else {
            return Ok(None);
        };
        pos += 1;
        if pos - 1 == next_wanted {
            next_wanted = next_wanted.saturating_add(step);
            return Ok(Some(v));
        }
    })
}

fn pred_true(it: &mut Interp, pred: &Value, x: &Value) -> Result<bool, Exc> {
    if pred.is_none() {
        return Ok(x.truthy());
    }
    Ok(it.call(pred, std::slice::from_ref(x))?.truthy())
}

fn takewhile(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("takewhile", 2, 2, &[])?;
    let pred = args.pos[0].clone();
    let mut src = Src::new(&args.pos[1])?;
    let mut done = false;
    iter_value("takewhile", move |it| {
        if done {
            return Ok(None);
        }
        match src.next(it)? {
            Some(x) if pred_true(it, &pred, &x)? => Ok(Some(x)),
            _ => {
                done = true;
                Ok(None)
            }
        }
    })
}

fn dropwhile(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("dropwhile", 2, 2, &[])?;
    let pred = args.pos[0].clone();
    let mut src = Src::new(&args.pos[1])?;
    let mut dropping = true;
    iter_value("dropwhile", move |it| loop {
        let Some(x) = src.next(it)? else {
            return Ok(None);
        };
        if dropping && pred_true(it, &pred, &x)? {
            continue;
        }
        dropping = false;
        return Ok(Some(x));
    })
}

fn filterfalse(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("filterfalse", 2, 2, &[])?;
    let pred = args.pos[0].clone();
    let mut src = Src::new(&args.pos[1])?;
    iter_value("filterfalse", move |it| loop {
        let Some(x) = src.next(it)? else {
            return Ok(None);
        };
        if !pred_true(it, &pred, &x)? {
            return Ok(Some(x));
        }
    })
}

fn compress(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("compress", 2, 2, &["data", "selectors"])?;
    let mut data = Src::new(&args.pos[0])?;
    let mut sel = Src::new(&args.pos[1])?;
    iter_value("compress", move |it| loop {
        let (Some(x), Some(s)) = (data.next(it)?, sel.next(it)?) else {
            return Ok(None);
        };
        if s.truthy() {
            return Ok(Some(x));
        }
    })
}

fn starmap(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("starmap", 2, 2, &[])?;
    let f = args.pos[0].clone();
    let mut src = Src::new(&args.pos[1])?;
    iter_value("starmap", move |it| {
        let Some(x) = src.next(it)? else {
            return Ok(None);
        };
        let call_args = dana_interpreter::value::collect(it, &x)?;
        it.call(&f, &call_args).map(Some)
    })
}

fn zip_longest(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("zip_longest", 0, usize::MAX, &["fillvalue"])?;
    let fill = args.kw("fillvalue").cloned().unwrap_or(Value::None);
    let mut srcs = Vec::with_capacity(args.pos.len());
    for v in args.pos {
        srcs.push(Some(Src::new(v)?));
    }
    let mut live = srcs.len();
    iter_value("zip_longest", move |it| {
        if live == 0 {
            return Ok(None);
        }
        let mut row = Vec::with_capacity(srcs.len());
        for slot in srcs.iter_mut() {
            let got = match slot {
                Some(s) => s.next(it)?,
                None => None,
            };
            match got {
                Some(v) => row.push(v),
                None => {
                    if slot.take().is_some() {
                        live -= 1;
                    }
                    row.push(fill.clone());
                }
            }
        }
        Ok((live > 0).then(|| Value::tuple(row)))
    })
}

fn pairwise(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("pairwise", 1, 1, &[])?;
    let mut src = Src::new(&args.pos[0])?;
    let mut prev: Option<Value> = None;
    iter_value("pairwise", move |it| {
        if prev.is_none() {
            prev = src.next(it)?;
            if prev.is_none() {
                return Ok(None);
            }
        }
        let Some(x) = src.next(it)? else {
            return Ok(None);
        };
        let a = prev.replace(x.clone()).unwrap_or(Value::None);
        Ok(Some(Value::tuple(vec![a, x])))
    })
}

fn batched(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("batched", 2, 2, &["iterable", "n"])?;
    let n = int_param(&args.pos[1])?;
    if n < 1 {
        return Err(value_error("n must be at least one"));
    }
    let n = n as usize;
    let mut src = Src::new(&args.pos[0])?;
    iter_value("batched", move |it| {
        let mut batch = Vec::new();
        while batch.len() < n {
            match src.next(it)? {
                Some(v) => batch.push(v),
                None => break,
            }
        }
        Ok((!batch.is_empty()).then(|| Value::tuple(batch)))
    })
}

fn groupby(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("groupby", 1, 2, &["key", "iterable"])?;
    let mut src = Src::new(args.get(0, "iterable").unwrap_or(&Value::None))?;
    let key = args.get(1, "key").filter(|k| !k.is_none()).cloned();
    // The first item of the next group, with its key, read ahead.
    let mut ahead: Option<(Value, Value)> = None;
    let mut started = false;
    iter_value("groupby", move |it| {
        let key_of = |it: &mut Interp, x: &Value| match &key {
            Some(f) => it.call(f, std::slice::from_ref(x)),
            None => Ok(x.clone()),
        };
        if !started {
            started = true;
            if let Some(x) = src.next(it)? {
                ahead = Some((key_of(it, &x)?, x));
            }
        }
        let Some((k, first)) = ahead.take() else {
            return Ok(None);
        };
        let mut group = vec![first];
        while let Some(x) = src.next(it)? {
            let kx = key_of(it, &x)?;
            if ops::eq_python(&kx, &k) {
                group.push(x);
            } else {
                ahead = Some((kx, x));
                break;
            }
        }
        Ok(Some(Value::tuple(vec![k, Value::list(group)])))
    })
}

/// The items a `tee` group has read from its source, and how far each iterator is.
struct TeeBuf {
    src: Src,
    items: VecDeque<Value>,
    /// The absolute index of `items[0]`.
    base: usize,
    pos: Vec<usize>,
}

fn tee(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("tee", 1, 2, &[])?;
    let n = match args.pos.get(1) {
        Some(v) => int_param(v)?,
        None => 2,
    };
    if n < 0 {
        return Err(value_error("n must be >= 0"));
    }
    let n = n as usize;
    let buf = Rc::new(RefCell::new(TeeBuf {
        src: Src::new(&args.pos[0])?,
        items: VecDeque::new(),
        base: 0,
        pos: vec![0; n],
    }));
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let buf = buf.clone();
        out.push(NativeIter::new("itertools._tee", None, move |it| {
            let want = buf.borrow().pos[i];
            let have = {
                let b = buf.borrow();
                b.base + b.items.len()
            };
            if want >= have {
                // Read one more item from the source (no borrow across the read: it may
                // run program code).
                let mut src = std::mem::replace(
                    &mut buf.borrow_mut().src,
                    Src(ValueIter::Items(Vec::new().into_iter())),
                );
                let got = src.next(it);
                buf.borrow_mut().src = src;
                match got? {
                    Some(v) => buf.borrow_mut().items.push_back(v),
                    None => return Ok(None),
                }
            }
            let mut b = buf.borrow_mut();
            let v = b.items[want - b.base].clone();
            b.pos[i] = want + 1;
            // Drop what every iterator has read.
            let low = b.pos.iter().copied().min().unwrap_or(0);
            while b.base < low {
                b.items.pop_front();
                b.base += 1;
            }
            Ok(Some(v))
        }));
    }
    Ok(Value::tuple(out))
}
