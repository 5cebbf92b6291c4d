//! `import collections`: `Counter`, `defaultdict`, `deque` and `namedtuple`, built as native
//! objects (`dana_interpreter::value::Object`). A Counter and a defaultdict extend a dict
//! (their `base()`): `isinstance(c, dict)` holds, dict methods, `len`, iteration, `json.dumps`
//! and `dict(c)` see the dict. A namedtuple instance extends a tuple the same way.

use dana_grammar::ast::BinOp;
use dana_interpreter::error::{key_error, type_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::{build_module, int_arg, Big};
use dana_interpreter::value::{
    collect, ops, repr, Args, DictMap, Globals, Key, NativeType, Object, Value,
};
use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

mod deque;
mod named;

pub fn module() -> Rc<Globals> {
    let counter = Value::object(NativeType::new(
        "collections",
        "Counter",
        Some(Box::new(|it, this, args| {
            if args.pos.len() > 1 {
                return Err(type_error(format!(
                    "Counter expected at most 1 argument, got {}",
                    args.pos.len()
                )));
            }
            let c = Counter::empty(this);
            if let Some(src) = args.pos.first() {
                c.update(it, src, 1)?;
            }
            for (k, v) in args.kw {
                c.add(Value::str(k.as_str()), v, 1)?;
            }
            Ok(Value::object(c))
        })),
    ));
    let defaultdict = Value::object(NativeType::new(
        "collections",
        "defaultdict",
        Some(Box::new(|it, this, args| {
            if args.pos.len() > 2 {
                return Err(type_error(format!(
                    "defaultdict expected at most 2 arguments, got {}",
                    args.pos.len()
                )));
            }
            let factory = args.pos.first().cloned().unwrap_or_default();
            if !factory.is_none() && !factory.is_callable() {
                return Err(type_error("first argument must be callable or None"));
            }
            let dict = match args.pos.get(1) {
                Some(src) => it.call(
                    &Value::Type(dana_interpreter::value::BuiltinType::Dict),
                    std::slice::from_ref(src),
                )?,
                None => Value::dict(DictMap::default()),
            };
            if let Value::Dict(d) = &dict {
                for (k, v) in args.kw {
                    d.borrow_mut()
                        .insert(Key(Value::str(k.as_str())), v.clone());
                }
            }
            Ok(Value::object(DefaultDict {
                class: this.clone(),
                factory,
                dict,
            }))
        })),
    ));
    build_module(
        "collections",
        &[(
            "namedtuple",
            named::namedtuple,
            "namedtuple(typename, field_names) -> type\n\nA tuple type whose items are also named fields: Point = namedtuple('Point', ['x', 'y']).",
        )],
        vec![
            ("Counter", counter),
            ("defaultdict", defaultdict),
            ("deque", deque::deque_type()),
        ],
    )
}

/// The dict inside a dict-based object.
fn dict_of(v: &Value) -> &Rc<RefCell<DictMap>> {
    match v {
        Value::Dict(d) => d,
        _ => unreachable!("a dict-based object always holds a dict"),
    }
}

/// `collections.Counter`: a dict of counts; a missing key counts 0.
pub(crate) struct Counter {
    class: Value,
    dict: Value,
}

impl Counter {
    fn empty(class: &Value) -> Counter {
        Counter {
            class: class.clone(),
            dict: Value::dict(DictMap::default()),
        }
    }

    fn add(&self, k: Value, n: &Value, sign: i64) -> Result<(), Exc> {
        let key = Key::new(k)?;
        let cur = dict_of(&self.dict)
            .borrow()
            .get(&key)
            .cloned()
            .unwrap_or(Value::Int(0));
        let n = if sign < 0 {
            ops::binary(BinOp::Sub, &Value::Int(0), n)?
        } else {
            n.clone()
        };
        let v = ops::binary(BinOp::Add, &cur, &n)?;
        dict_of(&self.dict).borrow_mut().insert(key, v);
        Ok(())
    }

    /// `update` (sign 1) and `subtract` (sign -1): a mapping adds its counts, another
    /// iterable counts its items.
    fn update(&self, it: &mut Interp, src: &Value, sign: i64) -> Result<(), Exc> {
        let mapping = match src {
            Value::Dict(d) => Some(d.clone()),
            Value::Object(o) => match o.base() {
                Some(Value::Dict(d)) => Some(d),
                _ => None,
            },
            _ => None,
        };
        match mapping {
            Some(d) => {
                let pairs: Vec<(Value, Value)> = d
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.0.clone(), v.clone()))
                    .collect();
                for (k, v) in pairs {
                    self.add(k, &v, sign)?;
                }
            }
            None => {
                for x in collect(it, src)? {
                    self.add(x, &Value::Int(1), sign)?;
                }
            }
        }
        Ok(())
    }

    /// The entries, most common first (ties in insertion order).
    fn most_common(&self) -> Result<Vec<(Value, Value)>, Exc> {
        let mut pairs: Vec<(Value, Value)> = dict_of(&self.dict)
            .borrow()
            .iter()
            .map(|(k, v)| (k.0.clone(), v.clone()))
            .collect();
        let mut err = None;
        pairs.sort_by(|a, b| {
            ops::cmp_values(&b.1, &a.1).unwrap_or_else(|e| {
                err.get_or_insert(e);
                std::cmp::Ordering::Equal
            })
        });
        match err {
            Some(e) => Err(e),
            None => Ok(pairs),
        }
    }

    /// A new Counter of the same type from `(key, count)` pairs, keeping positive counts.
    fn positive(&self, pairs: impl IntoIterator<Item = (Key, Value)>) -> Value {
        let mut d = DictMap::default();
        for (k, v) in pairs {
            if ops::compare(dana_grammar::ast::CmpOp::Gt, &v, &Value::Int(0)).unwrap_or(false) {
                d.insert(k, v);
            }
        }
        Value::object(Counter {
            class: self.class.clone(),
            dict: Value::dict(d),
        })
    }
}

impl Object for Counter {
    fn type_name(&self) -> &str {
        "Counter"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        Some(self.class.clone())
    }
    fn base(&self) -> Option<Value> {
        Some(self.dict.clone())
    }
    fn repr(&self) -> String {
        if dict_of(&self.dict).borrow().is_empty() {
            return "Counter()".into();
        }
        let pairs = self.most_common().unwrap_or_default();
        let mut d = DictMap::default();
        for (k, v) in pairs {
            d.insert(Key(k), v);
        }
        format!("Counter({})", repr::repr(&Value::dict(d)))
    }
    fn method_names(&self) -> &[&'static str] {
        &["elements", "most_common", "subtract", "total", "update"]
    }
    fn call_method(
        &self,
        it: &mut Interp,
        _this: &Value,
        name: &str,
        args: Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        Some((|| match name {
            "most_common" => {
                args.check("most_common", 0, 1, &["n"])?;
                let mut pairs = self.most_common()?;
                if let Some(n) = args.get(0, "n").filter(|n| !n.is_none()) {
                    let n = int_arg(n, Big::Saturate)?.max(0) as usize;
                    pairs.truncate(n);
                }
                Ok(Value::list(
                    pairs
                        .into_iter()
                        .map(|(k, v)| Value::tuple(vec![k, v]))
                        .collect(),
                ))
            }
            "update" | "subtract" => {
                if args.pos.len() > 1 {
                    return Err(type_error(format!(
                        "{name} expected at most 1 argument, got {}",
                        args.pos.len()
                    )));
                }
                let sign = if name == "update" { 1 } else { -1 };
                if let Some(src) = args.pos.first() {
                    self.update(it, src, sign)?;
                }
                for (k, v) in args.kw {
                    self.add(Value::str(k.as_str()), v, sign)?;
                }
                Ok(Value::None)
            }
            "elements" => {
                args.check("elements", 0, 0, &[])?;
                let mut out = Vec::new();
                for (k, v) in dict_of(&self.dict).borrow().iter() {
                    let n = ops::as_i64(v).unwrap_or(0);
                    for _ in 0..n.max(0) {
                        out.push(k.0.clone());
                    }
                }
                Ok(Value::list(out))
            }
            _ => {
                args.check("total", 0, 0, &[])?;
                let mut sum = Value::Int(0);
                for v in dict_of(&self.dict).borrow().values() {
                    sum = ops::binary(BinOp::Add, &sum, v)?;
                }
                Ok(sum)
            }
        })())
    }
    fn get_item(&self, _it: &mut Interp, key: &Value) -> Option<Result<Value, Exc>> {
        Some(Key::new(key.clone()).map(|k| {
            dict_of(&self.dict)
                .borrow()
                .get(&k)
                .cloned()
                .unwrap_or(Value::Int(0))
        }))
    }
    fn binary(&self, op: BinOp, other: &Value, reflected: bool) -> Option<Result<Value, Exc>> {
        let o = other.downcast::<Counter>()?;
        let (a, b) = if reflected { (o, self) } else { (self, o) };
        let (x, y) = (dict_of(&a.dict).borrow(), dict_of(&b.dict).borrow());
        let get = |d: &DictMap, k: &Key| d.get(k).cloned().unwrap_or(Value::Int(0));
        let mut keys: Vec<Key> = x.keys().cloned().collect();
        keys.extend(y.keys().filter(|k| !x.contains_key(*k)).cloned());
        let pick = |p: &Value, q: &Value, want_max: bool| -> Result<Value, Exc> {
            let gt = ops::compare(dana_grammar::ast::CmpOp::Gt, p, q)?;
            Ok(if gt == want_max { p.clone() } else { q.clone() })
        };
        let r: Result<Vec<(Key, Value)>, Exc> = keys
            .into_iter()
            .map(|k| {
                let (p, q) = (get(&x, &k), get(&y, &k));
                let v = match op {
                    BinOp::Add => ops::binary(BinOp::Add, &p, &q)?,
                    BinOp::Sub => ops::binary(BinOp::Sub, &p, &q)?,
                    BinOp::BitOr => pick(&p, &q, true)?,
                    BinOp::BitAnd => pick(&p, &q, false)?,
                    _ => return Err(type_error("")),
                };
                Ok((k, v))
            })
            .collect();
        if !matches!(op, BinOp::Add | BinOp::Sub | BinOp::BitOr | BinOp::BitAnd) {
            return None;
        }
        Some(r.map(|pairs| self.positive(pairs)))
    }
}

/// `collections.defaultdict`: a dict whose missing keys are made by `default_factory()`.
pub(crate) struct DefaultDict {
    class: Value,
    factory: Value,
    dict: Value,
}

impl Object for DefaultDict {
    fn type_name(&self) -> &str {
        "defaultdict"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        Some(self.class.clone())
    }
    fn base(&self) -> Option<Value> {
        Some(self.dict.clone())
    }
    fn repr(&self) -> String {
        let f = match &self.factory {
            Value::Type(t) => format!("<class '{}'>", t.name()),
            other => repr::repr(other),
        };
        format!("defaultdict({f}, {})", repr::repr(&self.dict))
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        (name == "default_factory").then(|| self.factory.clone())
    }
    fn get_item(&self, it: &mut Interp, key: &Value) -> Option<Result<Value, Exc>> {
        Some((|| {
            let k = Key::new(key.clone())?;
            if let Some(v) = dict_of(&self.dict).borrow().get(&k) {
                return Ok(v.clone());
            }
            if self.factory.is_none() {
                return Err(key_error(repr::repr(key)));
            }
            let v = it.call(&self.factory, &[])?;
            dict_of(&self.dict).borrow_mut().insert(k, v.clone());
            Ok(v)
        })())
    }
}
