//! `import functools`: higher-order helpers, as Python's `functools`.
//!
//! * `reduce(function, iterable[, initial])` folds the items from the left.

use crate::seq::items_of;
use dana_interpreter::error::{type_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::build_module;
use dana_interpreter::value::{Args, Globals, Value};
use std::rc::Rc;

pub(crate) fn module() -> Rc<Globals> {
    build_module(
        "functools",
        &[(
            "reduce",
            reduce,
            "reduce(function, iterable, initial=None)\n\nApplies function(acc, item) to the items from left to right, starting with\ninitial when given (else the first item): reduce(f, [a, b, c]) is f(f(a, b), c).",
        )],
        vec![],
    )
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
    let items = match &args.pos[1] {
        v @ (Value::List(_)
        | Value::Tuple(_)
        | Value::Str(_)
        | Value::Dict(_)
        | Value::Set(_)
        | Value::Range(_)) => items_of(it, v)?,
        _ => return Err(type_error("reduce() arg 2 must support iteration")),
    };
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
