//! Building native objects (the [`Object`] trait is declared with the values in `data.rs`):
//! [`Value::object`] and [`Value::downcast`], a type value [`NativeType`] (callable
//! constructor, class attributes, `isinstance`, `<class 'collections.deque'>`) and a lazy
//! iterator [`NativeIter`] driven by a closure.

use super::data::{Args, BuiltinType, Object, Value};
use super::runtime::Interp;
use crate::error::{type_error, value_error, Exc};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

impl Value {
    /// Wraps a native object as a value.
    pub fn object(o: impl Object) -> Value {
        Value::Object(Rc::new(Box::new(o)))
    }

    /// The native object of type `T` this value holds, if it holds one.
    pub fn downcast<T: Object>(&self) -> Option<&T> {
        match self {
            Value::Object(o) => o.as_any().downcast_ref::<T>(),
            _ => None,
        }
    }
}

/// What a type's constructor does: `(interp, the type value, the call's arguments)`.
pub type Constructor = dyn Fn(&mut Interp, &Value, Args<'_>) -> Result<Value, Exc>;

/// A type defined in Rust, as a value: calling it constructs (its instances return it from
/// [`Object::class`]), `isinstance(x, T)` holds for them, `T.name` reads a class attribute,
/// and it prints as `<class 'module.name'>`.
pub struct NativeType {
    /// `deque`.
    pub name: String,
    /// `collections` (empty for a type shown without a module).
    pub module: String,
    new: Option<Box<Constructor>>,
    attrs: RefCell<indexmap::IndexMap<String, Value>>,
}

impl NativeType {
    /// A type named `module.name` whose calls run `new` (`None`: not constructible, as
    /// Python's `cannot create 'T' instances`).
    pub fn new(module: &str, name: &str, new: Option<Box<Constructor>>) -> NativeType {
        NativeType {
            name: name.into(),
            module: module.into(),
            new,
            attrs: RefCell::default(),
        }
    }

    /// Sets the class attribute `T.name` (a constant, or a function such as `fromkeys`).
    pub fn set_attr_value(&self, name: &str, v: Value) {
        self.attrs.borrow_mut().insert(name.into(), v);
    }

    /// The names of the class attributes (`now`, `fromisoformat`, …), in the order they were set.
    pub fn attr_names(&self) -> Vec<String> {
        self.attrs.borrow().keys().cloned().collect()
    }

    /// The type value of a native object that names no class: its type name, no module.
    pub(crate) fn plain(name: &str) -> Value {
        Value::object(NativeType::new("", name, None))
    }
}

impl Object for NativeType {
    fn type_name(&self) -> &str {
        "type"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        Some(Value::Type(BuiltinType::Type))
    }
    fn repr(&self) -> String {
        if self.module.is_empty() {
            format!("<class '{}'>", self.name)
        } else {
            format!("<class '{}.{}'>", self.module, self.name)
        }
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        match name {
            "__name__" => Some(Value::str(self.name.clone())),
            _ => self.attrs.borrow().get(name).cloned(),
        }
    }
    fn is_callable(&self) -> bool {
        true
    }
    fn call(&self, it: &mut Interp, this: &Value, args: Args<'_>) -> Result<Value, Exc> {
        match &self.new {
            Some(f) => f(it, this, args),
            None => Err(type_error(format!(
                "cannot create '{}' instances",
                self.repr()
                    .trim_start_matches("<class '")
                    .trim_end_matches("'>")
            ))),
        }
    }
    fn eq(&self, other: &Value) -> Option<bool> {
        // Two type values are equal when they are the same type; `plain` ones by name.
        Some(other.downcast::<NativeType>().is_some_and(|t| {
            std::ptr::eq(t, self)
                || (self.new.is_none()
                    && t.new.is_none()
                    && t.name == self.name
                    && t.module == self.module)
        }))
    }
    fn hash(&self) -> Option<Result<u64, Exc>> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.name.hash(&mut h);
        Some(Ok(h.finish()))
    }
    fn instance_check(&self, this: &Value, v: &Value) -> Option<bool> {
        Some(match v {
            Value::Object(o) => match o.class() {
                Some(c) => c.is_same(this),
                None => self.new.is_none() && self.module.is_empty() && o.type_name() == self.name,
            },
            _ => false,
        })
    }
}

/// The step of a [`NativeIter`]: the next item, `None` at the end.
pub type NextFn = dyn FnMut(&mut Interp) -> Result<Option<Value>, Exc>;

/// A lazy iterator driven by a closure (`itertools.count`, a view's iterator, …): `iter(x)`
/// is `x`, `next(x)` runs the closure, and once it has returned `None` it stays exhausted.
pub struct NativeIter {
    name: String,
    class: Option<Value>,
    step: RefCell<Box<NextFn>>,
    done: Cell<bool>,
}

impl NativeIter {
    /// An iterator named `name` (in messages and `type()`), of type `class` when given.
    // Returns the wrapping `Value`: that is what every caller needs.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(
        name: &str,
        class: Option<Value>,
        step: impl FnMut(&mut Interp) -> Result<Option<Value>, Exc> + 'static,
    ) -> Value {
        Value::object(NativeIter {
            name: name.into(),
            class,
            step: RefCell::new(Box::new(step)),
            done: Cell::new(false),
        })
    }
}

impl Object for NativeIter {
    fn type_name(&self) -> &str {
        &self.name
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        self.class.clone()
    }
    fn repr(&self) -> String {
        format!("<{} object at {:#x}>", self.name, self as *const _ as usize)
    }
    fn iter(&self, this: &Value) -> Option<Result<Value, Exc>> {
        Some(Ok(this.clone()))
    }
    fn next(&self, it: &mut Interp) -> Result<Option<Value>, Exc> {
        if self.done.get() {
            return Ok(None);
        }
        let Ok(mut step) = self.step.try_borrow_mut() else {
            return Err(value_error(format!("{} already executing", self.name)));
        };
        let r = step(it);
        if matches!(r, Ok(None)) {
            self.done.set(true);
        }
        r
    }
}
