//! `import heapq`: binary min-heaps kept in plain lists, as Python's `heapq`.
//!
//! The list is the heap: `heap[0]` is the smallest item and `heap[k] <= heap[2k+1]`,
//! `heap[k] <= heap[2k+2]`. Items are compared with `<` only, as Python does, so its error
//! messages (`'<' not supported between instances of 'str' and 'int'`) come out the same.
//! The sift loops borrow the list only to read or swap two items, never across a comparison,
//! and re-check the length after each one: a list changed underneath is a `RuntimeError`,
//! not a panic.
//!
//! `merge` returns a list (all of its inputs are read) rather than a lazy iterator.

use crate::seq::{int_param, items_of};
use dana_grammar::ast::CmpOp;
use dana_interpreter::error::{index_error, runtime_error, type_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::build_module;
use dana_interpreter::value::methods::sort_values;
use dana_interpreter::value::{ops, Args, Globals, Value};
use std::cell::RefCell;
use std::rc::Rc;

pub(crate) fn module() -> Rc<Globals> {
    build_module(
        "heapq",
        &[
            ("heappush", heappush, "heappush(heap: list, item)\n\nPushes item onto the heap, keeping it a heap."),
            ("heappop", heappop, "heappop(heap: list)\n\nPops and returns the smallest item (IndexError when the heap is empty)."),
            ("heapify", heapify, "heapify(x: list)\n\nTurns a list into a heap, in place, in linear time."),
            ("heapreplace", heapreplace, "heapreplace(heap: list, item)\n\nPops the smallest item, then pushes item; returns the popped one\n(IndexError when the heap is empty)."),
            ("heappushpop", heappushpop, "heappushpop(heap: list, item)\n\nPushes item, then pops and returns the smallest item (faster than\nheappush followed by heappop)."),
            ("nlargest", nlargest, "nlargest(n: int, iterable, key=None) -> list\n\nThe n largest items, largest first (equal to\nsorted(iterable, key=key, reverse=True)[:n])."),
            ("nsmallest", nsmallest, "nsmallest(n: int, iterable, key=None) -> list\n\nThe n smallest items, smallest first (equal to\nsorted(iterable, key=key)[:n])."),
            ("merge", merge, "merge(*iterables, key=None, reverse=False) -> list\n\nMerges sorted inputs into one sorted list; on ties, items of earlier\ninputs come first."),
        ],
        vec![],
    )
}

type Heap = Rc<RefCell<Vec<Value>>>;

fn heap_arg(fname: &str, v: &Value, what: &str) -> Result<Heap, Exc> {
    match v {
        Value::List(l) => Ok(l.clone()),
        other => Err(type_error(format!(
            "{fname}() {what} must be list, not {}",
            other.type_name()
        ))),
    }
}

/// `a < b` with Python's ordering and messages (and `cmp_to_key` keys).
pub(crate) fn lt(it: &mut Interp, a: &Value, b: &Value) -> Result<bool, Exc> {
    ops::compare_in(it, CmpOp::Lt, a, b)
}

fn changed() -> Exc {
    runtime_error("list changed size during heap operation")
}

fn item(h: &Heap, i: usize) -> Result<Value, Exc> {
    h.borrow().get(i).cloned().ok_or_else(changed)
}

fn swap(h: &Heap, i: usize, j: usize) -> Result<(), Exc> {
    let mut v = h.borrow_mut();
    if i.max(j) >= v.len() {
        return Err(changed());
    }
    v.swap(i, j);
    Ok(())
}

/// Moves the item at `pos` up toward `start` while it is smaller than its parent.
fn sift_down(it: &mut Interp, h: &Heap, start: usize, mut pos: usize) -> Result<(), Exc> {
    while pos > start {
        let parent = (pos - 1) / 2;
        if lt(it, &item(h, pos)?, &item(h, parent)?)? {
            swap(h, pos, parent)?;
            pos = parent;
        } else {
            break;
        }
    }
    Ok(())
}

/// Moves the item at `pos` down below its smaller child while it is larger.
fn sift_up(it: &mut Interp, h: &Heap, mut pos: usize) -> Result<(), Exc> {
    loop {
        let n = h.borrow().len();
        let left = 2 * pos + 1;
        if left >= n {
            return Ok(());
        }
        let right = left + 1;
        let mut child = left;
        if right < n && !lt(it, &item(h, left)?, &item(h, right)?)? {
            child = right;
        }
        if lt(it, &item(h, child)?, &item(h, pos)?)? {
            swap(h, child, pos)?;
            pos = child;
        } else {
            return Ok(());
        }
    }
}

fn heappush(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("heappush", 2, 2, &[])?;
    let h = heap_arg("heappush", &args.pos[0], "argument 1")?;
    let pos = {
        let mut v = h.borrow_mut();
        v.push(args.pos[1].clone());
        v.len() - 1
    };
    sift_down(it, &h, 0, pos)?;
    Ok(Value::None)
}

/// Removes the last item; puts it at the root and sifts it when the heap is not empty then.
fn pop_root(it: &mut Interp, h: &Heap) -> Result<Value, Exc> {
    let last = h
        .borrow_mut()
        .pop()
        .ok_or_else(|| index_error("index out of range"))?;
    let root = {
        let mut v = h.borrow_mut();
        match v.first_mut() {
            Some(first) => std::mem::replace(first, last),
            None => return Ok(last),
        }
    };
    sift_up(it, h, 0)?;
    Ok(root)
}

fn heappop(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("heappop", 1, 1, &[])?;
    let h = heap_arg("heappop", &args.pos[0], "argument")?;
    pop_root(it, &h)
}

fn heapify(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("heapify", 1, 1, &[])?;
    let h = heap_arg("heapify", &args.pos[0], "argument")?;
    let n = h.borrow().len();
    for i in (0..n / 2).rev() {
        sift_up(it, &h, i)?;
    }
    Ok(Value::None)
}

fn heapreplace(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("heapreplace", 2, 2, &[])?;
    let h = heap_arg("heapreplace", &args.pos[0], "argument 1")?;
    let root = {
        let mut v = h.borrow_mut();
        match v.first_mut() {
            Some(first) => std::mem::replace(first, args.pos[1].clone()),
            None => return Err(index_error("index out of range")),
        }
    };
    sift_up(it, &h, 0)?;
    Ok(root)
}

fn heappushpop(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("heappushpop", 2, 2, &[])?;
    let h = heap_arg("heappushpop", &args.pos[0], "argument 1")?;
    let new = args.pos[1].clone();
    let Some(first) = h.borrow().first().cloned() else {
        return Ok(new);
    };
    if !lt(it, &first, &new)? {
        return Ok(new);
    }
    let root = {
        let mut v = h.borrow_mut();
        match v.first_mut() {
            Some(slot) => std::mem::replace(slot, new),
            None => return Err(changed()),
        }
    };
    sift_up(it, &h, 0)?;
    Ok(root)
}

/// The first `n` items of the stable sort: `nsmallest` and `nlargest`.
fn n_sorted(it: &mut Interp, args: Args, fname: &str, reverse: bool) -> Result<Value, Exc> {
    args.check(fname, 2, 3, &["key"])?;
    let n = int_param(&args.pos[0])?;
    let items = items_of(it, &args.pos[1])?;
    let key = args.get(2, "key").filter(|k| !k.is_none());
    if n <= 0 {
        return Ok(Value::list(Vec::new()));
    }
    let mut out = sort_values(it, items, key, reverse)?;
    out.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    Ok(Value::list(out))
}

fn nlargest(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    n_sorted(it, args, "nlargest", true)
}

fn nsmallest(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    n_sorted(it, args, "nsmallest", false)
}

fn merge(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("merge", 0, usize::MAX, &["key", "reverse"])?;
    let key = args.kw("key").filter(|k| !k.is_none());
    let reverse = args.kw("reverse").is_some_and(Value::truthy);
    let mut inputs = Vec::with_capacity(args.pos.len());
    for v in args.pos {
        let items = items_of(it, v)?;
        let keys = match key {
            Some(f) => {
                let mut ks = Vec::with_capacity(items.len());
                for x in &items {
                    ks.push(it.call(f, std::slice::from_ref(x))?);
                }
                ks
            }
            None => items.clone(),
        };
        inputs.push((items, keys, 0usize));
    }
    let mut out = Vec::new();
    loop {
        // The input whose head comes first; the earliest input wins ties.
        let mut best: Option<usize> = None;
        for (i, (_, keys, at)) in inputs.iter().enumerate() {
            let Some(k) = keys.get(*at) else { continue };
            best = match best {
                None => Some(i),
                Some(b) => {
                    let bk = &inputs[b].1[inputs[b].2];
                    let first = if reverse {
                        lt(it, bk, k)?
                    } else {
                        lt(it, k, bk)?
                    };
                    Some(if first { i } else { b })
                }
            };
        }
        let Some(b) = best else { break };
        let (items, _, at) = &mut inputs[b];
        out.push(items[*at].clone());
        *at += 1;
    }
    Ok(Value::list(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(h: &Heap) -> Vec<i64> {
        h.borrow()
            .iter()
            .map(|v| match v {
                Value::Int(i) => *i,
                _ => panic!("not an int"),
            })
            .collect()
    }

    fn is_heap(v: &[i64]) -> bool {
        (1..v.len()).all(|i| v[(i - 1) / 2] <= v[i])
    }

    #[test]
    fn push_and_pop_keep_the_invariant() {
        let it = &mut Interp::new();
        let h: Heap = Rc::new(RefCell::new(Vec::new()));
        // A fixed pseudo-random sequence, with repeats.
        let mut x = 7i64;
        for _ in 0..200 {
            x = (x * 1103515245 + 12345) % 1000;
            h.borrow_mut().push(Value::Int(x));
            let n = h.borrow().len();
            sift_down(it, &h, 0, n - 1).unwrap();
            assert!(is_heap(&ints(&h)));
        }
        let mut popped = Vec::new();
        while !h.borrow().is_empty() {
            match pop_root(it, &h).unwrap() {
                Value::Int(i) => popped.push(i),
                _ => panic!("not an int"),
            }
            assert!(is_heap(&ints(&h)));
        }
        let mut sorted = popped.clone();
        sorted.sort();
        assert_eq!(popped, sorted);
        assert_eq!(popped.len(), 200);
    }

    #[test]
    fn a_shrunk_list_is_an_error_not_a_panic() {
        let h: Heap = Rc::new(RefCell::new(vec![Value::Int(1)]));
        assert!(item(&h, 3).is_err());
        assert!(swap(&h, 0, 5).is_err());
    }
}
