//! Typed conversions between Rust values and Dana [`Value`]s.

use crate::error::{overflow_error, type_error, value_error, Exc};
use crate::value::{DictMap, Key, Value};
use std::collections::HashMap;

/// A Rust type that can be built from a Dana value (function arguments, results, scope reads).
///
/// ```
/// use dana_interpreter::engine::FromValue;
/// use dana_interpreter::Value;
///
/// assert_eq!(i64::from_value(Value::Int(7)).unwrap(), 7);
/// assert!(String::from_value(Value::Int(7)).is_err());
/// ```
pub trait FromValue: Sized {
    /// Converts, or fails with a `TypeError` (or `OverflowError` for an out-of-range int).
    fn from_value(v: Value) -> Result<Self, Exc>;
}

/// A Rust type that can become a Dana value (function results, arguments, scope writes).
///
/// ```
/// use dana_interpreter::engine::IntoValue;
///
/// let v = vec![1, 2, 3].into_value();
/// assert_eq!(format!("{v:?}"), "[1, 2, 3]");
/// ```
pub trait IntoValue {
    /// Converts.
    fn into_value(self) -> Value;
}

fn expected(what: &str, v: &Value) -> Exc {
    type_error(format!("expected {what}, got {}", v.type_name()))
}

impl FromValue for Value {
    fn from_value(v: Value) -> Result<Self, Exc> {
        Ok(v)
    }
}
impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}

impl FromValue for () {
    fn from_value(v: Value) -> Result<Self, Exc> {
        match v {
            Value::None => Ok(()),
            other => Err(expected("None", &other)),
        }
    }
}
impl IntoValue for () {
    fn into_value(self) -> Value {
        Value::None
    }
}

impl FromValue for bool {
    fn from_value(v: Value) -> Result<Self, Exc> {
        match v {
            Value::Bool(b) => Ok(b),
            other => Err(expected("bool", &other)),
        }
    }
}
impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}

impl FromValue for i64 {
    fn from_value(v: Value) -> Result<Self, Exc> {
        match v {
            Value::Int(i) => Ok(i),
            Value::BigInt(_) => Err(overflow_error("int too large for a 64-bit integer")),
            other => Err(expected("int", &other)),
        }
    }
}
impl IntoValue for i64 {
    fn into_value(self) -> Value {
        Value::Int(self)
    }
}

impl FromValue for i32 {
    fn from_value(v: Value) -> Result<Self, Exc> {
        let i = i64::from_value(v)?;
        i32::try_from(i).map_err(|_| overflow_error(format!("{i} does not fit a 32-bit integer")))
    }
}
impl IntoValue for i32 {
    fn into_value(self) -> Value {
        Value::Int(self as i64)
    }
}

impl FromValue for usize {
    fn from_value(v: Value) -> Result<Self, Exc> {
        let i = i64::from_value(v)?;
        usize::try_from(i).map_err(|_| value_error(format!("expected a non-negative int, got {i}")))
    }
}
impl IntoValue for usize {
    fn into_value(self) -> Value {
        match i64::try_from(self) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::from_bigint(num_bigint::BigInt::from(self)),
        }
    }
}

impl FromValue for f64 {
    fn from_value(v: Value) -> Result<Self, Exc> {
        match v {
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(expected("float", &other)),
        }
    }
}
impl IntoValue for f64 {
    fn into_value(self) -> Value {
        Value::Float(self)
    }
}

impl FromValue for String {
    fn from_value(v: Value) -> Result<Self, Exc> {
        match v {
            Value::Str(s) => Ok(std::rc::Rc::try_unwrap(s).unwrap_or_else(|s| (*s).clone())),
            other => Err(expected("str", &other)),
        }
    }
}
impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::str(self)
    }
}
impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::str(self)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> Result<Self, Exc> {
        match v {
            Value::None => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}
impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        match self {
            None => Value::None,
            Some(v) => v.into_value(),
        }
    }
}

/// The items of a list or tuple.
fn items(v: Value, what: &str) -> Result<Vec<Value>, Exc> {
    match v {
        Value::List(l) => Ok(l.borrow().clone()),
        Value::Tuple(t) => Ok((*t).clone()),
        other => Err(expected(what, &other)),
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(v: Value) -> Result<Self, Exc> {
        items(v, "list")?.into_iter().map(T::from_value).collect()
    }
}
impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::list(self.into_iter().map(IntoValue::into_value).collect())
    }
}

impl<T: FromValue> FromValue for HashMap<String, T> {
    fn from_value(v: Value) -> Result<Self, Exc> {
        let Value::Dict(d) = v else {
            return Err(expected("dict", &v));
        };
        let d = d.borrow();
        let mut out = HashMap::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = String::from_value(k.0.clone())
                .map_err(|_| type_error(format!("expected str keys, got {}", k.0.type_name())))?;
            out.insert(key, T::from_value(v.clone())?);
        }
        Ok(out)
    }
}
impl<T: IntoValue> IntoValue for HashMap<String, T> {
    fn into_value(self) -> Value {
        // Sorted keys: a Dana dict keeps insertion order, so make it deterministic.
        let mut pairs: Vec<(String, T)> = self.into_iter().collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut d = DictMap::default();
        for (k, v) in pairs {
            d.insert(Key(Value::str(k)), v.into_value());
        }
        Value::dict(d)
    }
}

macro_rules! tuple_impls {
    ($n:expr; $($t:ident $i:tt),+) => {
        impl<$($t: FromValue),+> FromValue for ($($t,)+) {
            fn from_value(v: Value) -> Result<Self, Exc> {
                let items = items(v, "tuple")?;
                if items.len() != $n {
                    return Err(type_error(format!(
                        "expected a tuple of {} items, got {}", $n, items.len()
                    )));
                }
                let mut it = items.into_iter();
                Ok(($({
                    // The length was checked: each `next` has an item.
                    let _ = $i;
                    $t::from_value(it.next().unwrap_or_default())?
                },)+))
            }
        }
        impl<$($t: IntoValue),+> IntoValue for ($($t,)+) {
            fn into_value(self) -> Value {
                Value::tuple(vec![$(self.$i.into_value()),+])
            }
        }
        impl<$($t: IntoValue),+> IntoArgs for ($($t,)+) {
            fn into_args(self) -> Vec<Value> {
                vec![$(self.$i.into_value()),+]
            }
        }
    };
}

/// Arguments for [`Engine::call_fn`](super::Engine::call_fn): `()`, a tuple of up to four
/// [`IntoValue`]s, or a `Vec<Value>`.
pub trait IntoArgs {
    /// The positional argument values.
    fn into_args(self) -> Vec<Value>;
}

impl IntoArgs for () {
    fn into_args(self) -> Vec<Value> {
        Vec::new()
    }
}
impl IntoArgs for Vec<Value> {
    fn into_args(self) -> Vec<Value> {
        self
    }
}

tuple_impls!(1; A 0);
tuple_impls!(2; A 0, B 1);
tuple_impls!(3; A 0, B 1, C 2);
tuple_impls!(4; A 0, B 1, C 2, D 3);
