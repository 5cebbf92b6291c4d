//! End-to-end tests of native objects ([`crate::value::Object`]): a test type defined here,
//! driven by Dana programs through every hook.

use crate::error::{type_error, Exc};
use crate::eval::{Interp, Output};
use crate::value::{ops, repr, Args, NativeIter, NativeType, Object, Value};
use dana_grammar::ast::{BinOp, CmpOp, UnaryOp};
use std::any::Any;
use std::cell::{Cell, RefCell};

/// A mutable number with a list of items: every hook of the trait, in a few lines each.
struct Tally {
    class: Value,
    n: Cell<i64>,
    items: RefCell<Vec<Value>>,
}

impl Object for Tally {
    fn type_name(&self) -> &str {
        "Tally"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        Some(self.class.clone())
    }
    fn repr(&self) -> String {
        format!("Tally({})", self.n.get())
    }
    fn to_str(&self) -> String {
        format!("tally of {}", self.n.get())
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        (name == "n").then(|| Value::Int(self.n.get()))
    }
    fn set_attr(&self, name: &str, v: Value) -> Option<Result<(), Exc>> {
        (name == "n").then(|| match v {
            Value::Int(i) => {
                self.n.set(i);
                Ok(())
            }
            other => Err(type_error(format!(
                "n must be int, not {}",
                other.type_name()
            ))),
        })
    }
    fn method_names(&self) -> &[&'static str] {
        &["add", "apply"]
    }
    fn call_method(
        &self,
        it: &mut Interp,
        _this: &Value,
        name: &str,
        args: Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        Some(match name {
            "add" => {
                self.items.borrow_mut().extend(args.pos.iter().cloned());
                Ok(Value::None)
            }
            // Calls back into the program.
            _ => it.call(&args.pos[0], &[Value::Int(self.n.get())]).map(|v| {
                if let Value::Int(i) = v {
                    self.n.set(i)
                }
                Value::None
            }),
        })
    }
    fn is_callable(&self) -> bool {
        true
    }
    fn call(&self, _it: &mut Interp, _this: &Value, args: Args<'_>) -> Result<Value, Exc> {
        Ok(Value::Int(self.n.get() * args.pos.len() as i64))
    }
    fn iter(&self, _this: &Value) -> Option<Result<Value, Exc>> {
        // An endless count up from n.
        let mut k = self.n.get();
        Some(Ok(NativeIter::new("tally_iterator", None, move |_| {
            k += 1;
            Ok(Some(Value::Int(k - 1)))
        })))
    }
    fn len(&self) -> Option<usize> {
        Some(self.items.borrow().len())
    }
    fn contains(&self, item: &Value) -> Option<Result<bool, Exc>> {
        Some(Ok(self
            .items
            .borrow()
            .iter()
            .any(|x| ops::eq_python(x, item))))
    }
    fn get_item(&self, _it: &mut Interp, key: &Value) -> Option<Result<Value, Exc>> {
        let i = ops::as_i64(key)? as usize;
        Some(Ok(self.items.borrow().get(i).cloned().unwrap_or_default()))
    }
    fn set_item(&self, key: &Value, v: &Value) -> Option<Result<(), Exc>> {
        let i = ops::as_i64(key)? as usize;
        self.items.borrow_mut()[i] = v.clone();
        Some(Ok(()))
    }
    fn eq(&self, other: &Value) -> Option<bool> {
        Some(match other.downcast::<Tally>() {
            Some(t) => t.n.get() == self.n.get(),
            None => false,
        })
    }
    fn hash(&self) -> Option<Result<u64, Exc>> {
        Some(Ok(self.n.get() as u64))
    }
    fn compare(&self, op: CmpOp, other: &Value) -> Option<Result<bool, Exc>> {
        let o = other.downcast::<Tally>()?.n.get();
        let n = self.n.get();
        Some(Ok(match op {
            CmpOp::Lt => n < o,
            CmpOp::LtE => n <= o,
            CmpOp::Gt => n > o,
            _ => n >= o,
        }))
    }
    fn truthy(&self) -> Option<bool> {
        Some(self.n.get() != 0)
    }
    fn binary(&self, op: BinOp, other: &Value, reflected: bool) -> Option<Result<Value, Exc>> {
        let k = ops::as_i64(other)?;
        match op {
            BinOp::Add => Some(Ok(tally(&self.class, self.n.get() + k))),
            BinOp::Sub if reflected => Some(Ok(tally(&self.class, k - self.n.get()))),
            BinOp::Sub => Some(Ok(tally(&self.class, self.n.get() - k))),
            _ => None,
        }
    }
    fn unary(&self, op: UnaryOp) -> Option<Result<Value, Exc>> {
        (op == UnaryOp::Neg).then(|| Ok(tally(&self.class, -self.n.get())))
    }
}

fn tally(class: &Value, n: i64) -> Value {
    Value::object(Tally {
        class: class.clone(),
        n: Cell::new(n),
        items: RefCell::default(),
    })
}

/// An object extending a dict: everything it does not handle goes to the dict.
struct Wrapped(Value);

impl Object for Wrapped {
    fn type_name(&self) -> &str {
        "Wrapped"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn base(&self) -> Option<Value> {
        Some(self.0.clone())
    }
    fn repr(&self) -> String {
        format!("Wrapped({})", repr::repr(&self.0))
    }
}

fn run(src: &str) -> String {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    let class = Value::object(NativeType::new(
        "demo",
        "Tally",
        Some(Box::new(|_, this, args| {
            let n = args.pos.first().and_then(ops::as_i64).unwrap_or(0);
            Ok(tally(this, n))
        })),
    ));
    it.set_builtin("Tally", class);
    it.set_builtin(
        "wrapped",
        crate::value::NativeFn::new("wrapped", |_, args| {
            Ok(Value::object(Wrapped(args.pos[0].clone())))
        }),
    );
    let g = it.new_globals("__main__", None);
    match it.run_source("<test>", src, &g) {
        Ok(()) => it.take_output().trim_end().to_string(),
        Err(e) => format!("{}{}: {}", it.take_output(), e.kind.name(), e.message),
    }
}

#[test]
fn type_value_repr_and_isinstance() {
    assert_eq!(
        run("t = Tally(3)\nprint(Tally, type(t), type(t) == Tally, isinstance(t, Tally), isinstance(t, int))"),
        "<class 'demo.Tally'> <class 'demo.Tally'> True True False"
    );
    assert_eq!(
        run("t = Tally(3)\nprint(repr(t), str(t), f'{t}', [t], t.n, Tally.__name__)"),
        "Tally(3) tally of 3 tally of 3 [Tally(3)] 3 Tally"
    );
}

#[test]
fn attributes_methods_and_calls() {
    assert_eq!(
        run("t = Tally(3)\nt.n = 5\nt.add(1, 'x')\nm = t.add\nm(2)\nt.apply(lambda k :: k * 10)\nprint(t.n, len(t), 'x' in t, 7 in t, t(1, 2), callable(t), t[1])"),
        "50 3 True False 100 True x"
    );
    assert_eq!(
        run("t = Tally(3)\nt.n = 'a'"),
        "TypeError: n must be int, not str"
    );
    assert_eq!(
        run("t = Tally(3)\nprint(t.size)"),
        "AttributeError: 'Tally' object has no attribute 'size'"
    );
    assert_eq!(
        run("t = Tally(3)\nt.add(1)\nt[0] = 9\nt[0] += 1\nprint(t[0])"),
        "10"
    );
}

#[test]
fn operators_equality_hash_and_order() {
    assert_eq!(
        run("a = Tally(3)\nb = Tally(3)\nprint(a == b, a != Tally(4), a < Tally(4), Tally(5) >= a, (a + 2).n, (10 - a).n, (-a).n, bool(Tally(0)))"),
        "True True True True 5 7 -3 False"
    );
    assert_eq!(
        run("d = {Tally(1): 'one'}\nprint(d[Tally(1)], sorted([Tally(2), Tally(1)]), max(Tally(2), Tally(7)))"),
        "one [Tally(1), Tally(2)] tally of 7"
    );
    assert_eq!(
        run("print(Tally(1) * 2)"),
        "TypeError: unsupported operand type(s) for *: 'Tally' and 'int'"
    );
}

#[test]
fn lazy_endless_iteration() {
    // The iterator never ends: every consumer below must stop on its own.
    let src = "t = Tally(5)
for x in t:
    if x > 7:
        break
    print(x)
print(list(zip(t, 'ab')))
for i, x in enumerate(t, 1):
    if i == 2:
        print(i, x)
        break
print(next(iter(t)), 7 in t, any([x > 9 for x in [1]]), any(map(lambda x :: x > 9, t)))
it = iter(t)
print(next(it), next(it), next(filter(lambda x :: x % 4 == 0, it)))
";
    assert_eq!(
        run(src),
        "5\n6\n7\n[(5, 'a'), (6, 'b')]\n2 6\n5 False False True\n5 6 8"
    );
}

#[test]
fn finite_iteration_everywhere() {
    let src = "def upto(n):
    out = []
    it = iter(range(n))
    while True:
        x = next(it, None)
        if x is None:
            return out
        out.append(x)
print(upto(3))
it = iter([1, 2])
print(list(it), list(it), next(it, 'done'))
";
    assert_eq!(run(src), "[0, 1, 2]\n[1, 2] [] done");
    assert_eq!(run("it = iter([])\nnext(it)"), "StopIteration: ");
    assert_eq!(
        run("next([1])"),
        "TypeError: 'list' object is not an iterator"
    );
    let src = "w = wrapped({'a': 1, 'b': 2})
print(w, isinstance(w, dict), len(w), w['a'], list(w), 'b' in w, sorted(w.keys()), dict(w), {**dict(w)})
a, b = w
print(a, b, [k for k in w], sum(w.values()))
";
    assert_eq!(
        run(src),
        "Wrapped({'a': 1, 'b': 2}) True 2 1 ['a', 'b'] True ['a', 'b'] {'a': 1, 'b': 2} {'a': 1, 'b': 2}\na b ['a', 'b'] 3"
    );
}
