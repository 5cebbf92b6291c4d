//! The objects `functools` makes: `partial`, the `lru_cache` wrapper with its `CacheInfo`,
//! and the key objects of `cmp_to_key`.

use dana_grammar::ast::{CmpOp, Sym};
use dana_interpreter::error::{type_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::repr::repr;
use dana_interpreter::value::{Args, DictMap, Key, Object, Value};
use std::any::Any;
use std::cell::{Cell, RefCell};

/// `functools.partial(func, *args, **keywords)`: calls `func(*args, *more, **keywords, **kw)`.
pub(crate) struct Partial {
    pub class: Value,
    pub func: Value,
    pub args: Vec<Value>,
    pub kw: Vec<(Sym, Value)>,
}

impl Object for Partial {
    fn type_name(&self) -> &str {
        "functools.partial"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        Some(self.class.clone())
    }
    fn repr(&self) -> String {
        let mut parts = vec![repr(&self.func)];
        parts.extend(self.args.iter().map(repr));
        parts.extend(self.kw.iter().map(|(k, v)| format!("{k}={}", repr(v))));
        format!("functools.partial({})", parts.join(", "))
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        Some(match name {
            "func" => self.func.clone(),
            "args" => Value::tuple(self.args.clone()),
            "keywords" => {
                let mut d = DictMap::default();
                for (k, v) in &self.kw {
                    d.insert(Key(Value::str(k.as_str())), v.clone());
                }
                Value::dict(d)
            }
            _ => return None,
        })
    }
    fn is_callable(&self) -> bool {
        true
    }
    fn call(&self, it: &mut Interp, _this: &Value, args: Args<'_>) -> Result<Value, Exc> {
        let mut pos = self.args.clone();
        pos.extend(args.pos.iter().cloned());
        let mut kw = self.kw.clone();
        for (k, v) in args.kw {
            match kw.iter_mut().find(|(n, _)| n == k) {
                Some(slot) => slot.1 = v.clone(),
                None => kw.push((*k, v.clone())),
            }
        }
        it.call_value(&self.func, pos, &kw)
    }
}

/// The cache of an `lru_cache` wrapper: results by argument key, least recently used first.
pub(crate) struct LruCache {
    pub class: Value,
    pub func: Value,
    /// `None`: unbounded (`cache`, `maxsize=None`).
    pub maxsize: Option<usize>,
    pub map: RefCell<DictMap>,
    pub hits: Cell<u64>,
    pub misses: Cell<u64>,
}

/// The dict key of a call: `(args, ((name, value), …))`; `TypeError: unhashable type` when an
/// argument cannot be a key, as in Python.
fn call_key(args: &Args<'_>) -> Result<Key, Exc> {
    let pos = Value::tuple(args.pos.to_vec());
    if args.kw.is_empty() {
        return Key::new(pos);
    }
    let kw = args
        .kw
        .iter()
        .map(|(k, v)| Value::tuple(vec![Value::str(k.as_str()), v.clone()]))
        .collect();
    Key::new(Value::tuple(vec![pos, Value::tuple(kw)]))
}

impl LruCache {
    fn info(&self) -> Value {
        Value::object(CacheInfo {
            hits: self.hits.get(),
            misses: self.misses.get(),
            maxsize: self.maxsize,
            currsize: self.map.borrow().len(),
        })
    }
}

impl Object for LruCache {
    fn type_name(&self) -> &str {
        "functools._lru_cache_wrapper"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        Some(self.class.clone())
    }
    fn repr(&self) -> String {
        format!(
            "<functools._lru_cache_wrapper object at {:#x}>",
            self as *const _ as usize
        )
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        (name == "__wrapped__").then(|| self.func.clone())
    }
    fn method_names(&self) -> &[&'static str] {
        &["cache_info", "cache_clear"]
    }
    fn call_method(
        &self,
        _it: &mut Interp,
        _this: &Value,
        name: &str,
        args: Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        if let Err(e) = args.check(name, 0, 0, &[]) {
            return Some(Err(e));
        }
        Some(Ok(match name {
            "cache_info" => self.info(),
            "cache_clear" => {
                self.map.borrow_mut().clear();
                self.hits.set(0);
                self.misses.set(0);
                Value::None
            }
            _ => return None,
        }))
    }
    fn is_callable(&self) -> bool {
        true
    }
    fn call(&self, it: &mut Interp, _this: &Value, args: Args<'_>) -> Result<Value, Exc> {
        if self.maxsize == Some(0) {
            self.misses.set(self.misses.get() + 1);
            return it.call_value(&self.func, args.pos.to_vec(), args.kw);
        }
        let key = call_key(&args)?;
        let hit = {
            let mut map = self.map.borrow_mut();
            match map.get_index_of(&key) {
                Some(i) => {
                    // Most recently used goes last.
                    let last = map.len() - 1;
                    if self.maxsize.is_some() {
                        map.move_index(i, last);
                    }
                    map.get_index(if self.maxsize.is_some() { last } else { i })
                        .map(|(_, v)| v.clone())
                }
                None => None,
            }
        };
        if let Some(v) = hit {
            self.hits.set(self.hits.get() + 1);
            return Ok(v);
        }
        self.misses.set(self.misses.get() + 1);
        // No borrow is held across the call: the function may call the wrapper again.
        let v = it.call_value(&self.func, args.pos.to_vec(), args.kw)?;
        let mut map = self.map.borrow_mut();
        map.insert(key, v.clone());
        if let Some(max) = self.maxsize {
            while map.len() > max {
                map.shift_remove_index(0);
            }
        }
        Ok(v)
    }
}

/// `CacheInfo(hits=3, misses=8, maxsize=32, currsize=8)`.
pub(crate) struct CacheInfo {
    hits: u64,
    misses: u64,
    maxsize: Option<usize>,
    currsize: usize,
}

impl CacheInfo {
    fn fields(&self) -> [(&'static str, Value); 4] {
        [
            ("hits", Value::Int(self.hits as i64)),
            ("misses", Value::Int(self.misses as i64)),
            (
                "maxsize",
                self.maxsize.map_or(Value::None, |m| Value::Int(m as i64)),
            ),
            ("currsize", Value::Int(self.currsize as i64)),
        ]
    }
}

impl Object for CacheInfo {
    fn type_name(&self) -> &str {
        "CacheInfo"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn base(&self) -> Option<Value> {
        Some(Value::tuple(
            self.fields().into_iter().map(|(_, v)| v).collect(),
        ))
    }
    fn repr(&self) -> String {
        let parts: Vec<String> = self
            .fields()
            .iter()
            .map(|(k, v)| format!("{k}={}", repr(v)))
            .collect();
        format!("CacheInfo({})", parts.join(", "))
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        self.fields()
            .into_iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
    fn eq(&self, other: &Value) -> Option<bool> {
        let mine = self.base()?;
        Some(match other.downcast::<CacheInfo>() {
            Some(o) => dana_interpreter::value::ops::eq_python(&mine, &o.base()?),
            None => dana_interpreter::value::ops::eq_python(&mine, other),
        })
    }
}

/// A key of `cmp_to_key(mycmp)`: `a < b` is `mycmp(a.obj, b.obj) < 0`.
pub(crate) struct CmpKey {
    pub cmp: Value,
    pub obj: Value,
}

impl Object for CmpKey {
    fn type_name(&self) -> &str {
        "functools.KeyWrapper"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn repr(&self) -> String {
        format!(
            "<functools.KeyWrapper object at {:#x}>",
            self as *const _ as usize
        )
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        (name == "obj").then(|| self.obj.clone())
    }
    fn hash(&self) -> Option<Result<u64, Exc>> {
        Some(Err(type_error("unhashable type: 'functools.KeyWrapper'")))
    }
    fn compare_in(&self, it: &mut Interp, op: CmpOp, other: &Value) -> Option<Result<bool, Exc>> {
        let Some(o) = other.downcast::<CmpKey>() else {
            return Some(Err(type_error("other argument must be K instance")));
        };
        Some(
            it.call(&self.cmp, &[self.obj.clone(), o.obj.clone()])
                .and_then(|r| dana_interpreter::value::ops::compare(op, &r, &Value::Int(0))),
        )
    }
}
