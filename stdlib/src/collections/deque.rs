//! `collections.deque`: a double-ended queue with an optional `maxlen` (appending to a full
//! deque drops from the other end).

use dana_interpreter::error::{index_error, runtime_error, type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::{int_arg, Big};
use dana_interpreter::value::{collect, ops, repr, Args, NativeIter, NativeType, Object, Value};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

pub(super) fn deque_type() -> Value {
    Value::object(NativeType::new(
        "collections",
        "deque",
        Some(Box::new(|it, this, args| {
            args.check("deque", 0, 2, &["iterable", "maxlen"])?;
            let maxlen = match args.get(1, "maxlen").filter(|m| !m.is_none()) {
                Some(m) => {
                    let n = int_arg(m, Big::Overflow)?;
                    if n < 0 {
                        return Err(value_error("maxlen must be non-negative"));
                    }
                    Some(n as usize)
                }
                None => None,
            };
            let d = Deque {
                class: this.clone(),
                items: RefCell::default(),
                maxlen,
                changes: Cell::new(0),
            };
            if let Some(src) = args.get(0, "iterable") {
                for x in collect(it, src)? {
                    d.push(x, false);
                }
            }
            Ok(Value::object(d))
        })),
    ))
}

pub(crate) struct Deque {
    class: Value,
    items: RefCell<VecDeque<Value>>,
    maxlen: Option<usize>,
    changes: Cell<u64>,
}

impl Deque {
    fn push(&self, x: Value, left: bool) {
        let mut items = self.items.borrow_mut();
        if self.maxlen == Some(0) {
            return;
        }
        if left {
            items.push_front(x);
        } else {
            items.push_back(x);
        }
        if let Some(m) = self.maxlen {
            while items.len() > m {
                if left {
                    items.pop_back();
                } else {
                    items.pop_front();
                }
            }
        }
    }

    fn index(&self, key: &Value) -> Result<usize, Exc> {
        let n = self.items.borrow().len() as i64;
        let i = match key {
            Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => int_arg(key, Big::Saturate)?,
            other => {
                return Err(type_error(format!(
                    "sequence index must be integer, not '{}'",
                    other.type_name()
                )))
            }
        };
        let k = if i < 0 { i.saturating_add(n) } else { i };
        if k < 0 || k >= n {
            return Err(index_error("deque index out of range"));
        }
        Ok(k as usize)
    }
}

impl Object for Deque {
    fn type_name(&self) -> &str {
        "deque"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        Some(self.class.clone())
    }
    fn repr(&self) -> String {
        let items = Value::list(self.items.borrow().iter().cloned().collect());
        match self.maxlen {
            Some(m) => format!("deque({}, maxlen={m})", repr::repr(&items)),
            None => format!("deque({})", repr::repr(&items)),
        }
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        (name == "maxlen").then(|| self.maxlen.map_or(Value::None, |m| Value::Int(m as i64)))
    }
    fn method_names(&self) -> &[&'static str] {
        &[
            "append",
            "appendleft",
            "clear",
            "copy",
            "count",
            "extend",
            "extendleft",
            "index",
            "pop",
            "popleft",
            "remove",
            "reverse",
            "rotate",
        ]
    }
    fn call_method(
        &self,
        it: &mut Interp,
        _this: &Value,
        name: &str,
        args: Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        let one = |args: &Args<'_>| -> Result<Value, Exc> {
            args.check(name, 1, 1, &[])?;
            Ok(args.pos[0].clone())
        };
        // Any change of the items ends the iterations in progress (Python's "deque mutated
        // during iteration"); item assignment does not, as in Python.
        if !matches!(name, "count" | "index" | "copy") {
            self.changes.set(self.changes.get() + 1);
        }
        Some((|| {
            match name {
                "append" | "appendleft" => self.push(one(&args)?, name == "appendleft"),
                "extend" | "extendleft" => {
                    let src = one(&args)?;
                    for x in collect(it, &src)? {
                        self.push(x, name == "extendleft");
                    }
                }
                "pop" | "popleft" => {
                    args.check(name, 0, 0, &[])?;
                    let mut items = self.items.borrow_mut();
                    let x = if name == "pop" {
                        items.pop_back()
                    } else {
                        items.pop_front()
                    };
                    return x.ok_or_else(|| index_error("pop from an empty deque"));
                }
                "clear" => {
                    args.check(name, 0, 0, &[])?;
                    let old = std::mem::take(&mut *self.items.borrow_mut());
                    drop(old);
                }
                "rotate" => {
                    args.check(name, 0, 1, &[])?;
                    let n = match args.pos.first() {
                        Some(v) => int_arg(v, Big::Saturate)?,
                        None => 1,
                    };
                    let mut items = self.items.borrow_mut();
                    let len = items.len() as i64;
                    if len > 0 {
                        let k = n.rem_euclid(len) as usize;
                        items.rotate_right(k);
                    }
                }
                "reverse" => {
                    args.check(name, 0, 0, &[])?;
                    self.items.borrow_mut().make_contiguous().reverse();
                }
                "count" => {
                    let x = one(&args)?;
                    let n = self
                        .items
                        .borrow()
                        .iter()
                        .filter(|y| ops::eq_python(y, &x))
                        .count();
                    return Ok(Value::Int(n as i64));
                }
                "index" | "remove" => {
                    let x = one(&args)?;
                    let pos = self
                        .items
                        .borrow()
                        .iter()
                        .position(|y| ops::eq_python(y, &x));
                    return match (pos, name) {
                        (Some(i), "index") => Ok(Value::Int(i as i64)),
                        (Some(i), _) => {
                            self.items.borrow_mut().remove(i);
                            Ok(Value::None)
                        }
                        (None, "index") => {
                            Err(value_error(format!("{} is not in deque", repr::repr(&x))))
                        }
                        (None, _) => Err(value_error("deque.remove(x): x not in deque")),
                    };
                }
                _ => {
                    args.check(name, 0, 0, &[])?;
                    return Ok(Value::object(Deque {
                        class: self.class.clone(),
                        items: RefCell::new(self.items.borrow().clone()),
                        maxlen: self.maxlen,
                        changes: Cell::new(0),
                    }));
                }
            }
            Ok(Value::None)
        })())
    }
    fn to_vec(&self) -> Option<Vec<Value>> {
        Some(self.items.borrow().iter().cloned().collect())
    }
    fn len(&self) -> Option<usize> {
        Some(self.items.borrow().len())
    }
    fn iter(&self, this: &Value) -> Option<Result<Value, Exc>> {
        let deque = this.clone();
        let start = self.changes.get();
        let mut i = 0;
        Some(Ok(NativeIter::new("_deque_iterator", None, move |_| {
            let Some(d) = deque.downcast::<Deque>() else {
                return Ok(None);
            };
            if d.changes.get() != start {
                return Err(runtime_error("deque mutated during iteration"));
            }
            let item = d.items.borrow().get(i).cloned();
            i += 1;
            Ok(item)
        })))
    }
    fn contains(&self, item: &Value) -> Option<Result<bool, Exc>> {
        Some(Ok(self
            .items
            .borrow()
            .iter()
            .any(|y| y.is_same(item) || ops::eq_python(y, item))))
    }
    fn get_item(&self, _it: &mut Interp, key: &Value) -> Option<Result<Value, Exc>> {
        Some(self.index(key).map(|i| self.items.borrow()[i].clone()))
    }
    fn set_item(&self, key: &Value, v: &Value) -> Option<Result<(), Exc>> {
        Some(self.index(key).map(|i| {
            self.items.borrow_mut()[i] = v.clone();
        }))
    }
    fn eq(&self, other: &Value) -> Option<bool> {
        let o = other.downcast::<Deque>()?;
        let (a, b) = (self.items.borrow(), o.items.borrow());
        Some(a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| ops::eq_python(x, y)))
    }
    fn hash(&self) -> Option<Result<u64, Exc>> {
        Some(Err(type_error("unhashable type: 'deque'")))
    }
}
