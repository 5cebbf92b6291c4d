//! Dict and set keys with Python's hashing rules (`1`, `1.0` and `True` are the same key):
//! [`Key`]'s constructor, hashing and equality.

use super::data::{Key, ObjRef, Value};
/// Where the attribute look-ups of the evaluator take it from.
pub(crate) use super::strkey::StrKey;
use crate::error::{type_error, Exc};
use std::hash::{Hash, Hasher};

impl Key {
    pub fn new(v: Value) -> Result<Key, Exc> {
        check_hashable(&v)?;
        Ok(Key(v))
    }
    pub fn value(&self) -> &Value {
        &self.0
    }
}

/// Tuples nest to any depth: the walks below keep their own stack instead of recursing.
fn check_hashable(v: &Value) -> Result<(), Exc> {
    // Most keys are strings and numbers: settle them without the walk's stack allocation.
    match v {
        Value::List(_) | Value::Dict(_) | Value::Set(_) => {
            return Err(type_error(format!("unhashable type: '{}'", v.type_name())))
        }
        Value::Tuple(_) => {}
        Value::Object(o) => return object_hash(o).map(|_| ()),
        _ => return Ok(()),
    }
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        match v {
            Value::List(_) | Value::Dict(_) | Value::Set(_) => {
                return Err(type_error(format!("unhashable type: '{}'", v.type_name())))
            }
            Value::Tuple(t) => todo.extend(t.iter().rev()),
            Value::Object(o) => {
                object_hash(o)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A native object's hash: its own, else its base value's (`None` then: hash the base), else
/// its identity.
fn object_hash(o: &ObjRef) -> Result<Option<u64>, Exc> {
    if let Some(h) = o.hash() {
        return h.map(Some);
    }
    match o.base() {
        Some(b) => {
            check_hashable(&b)?;
            Ok(None)
        }
        None => Ok(Some(std::rc::Rc::as_ptr(o) as *const u8 as usize as u64)),
    }
}

/// Python's hash of a value (consistent with [`key_eq`]: equal keys hash equally).
pub(crate) fn hash_value<H: Hasher>(v: &Value, h: &mut H) {
    if let Value::Tuple(_) = v {
        // Elements in order, depth first, as a recursive walk would write them.
        let mut todo = vec![v];
        while let Some(v) = todo.pop() {
            match v {
                Value::Tuple(t) => {
                    h.write_usize(t.len());
                    todo.extend(t.iter().rev());
                }
                other => hash_value(other, h),
            }
        }
        return;
    }
    match v {
        Value::None => h.write_u8(0),
        Value::Bool(b) => h.write_u64(*b as u64),
        Value::Int(i) => h.write_u64(*i as u64),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                h.write_u64(*f as i64 as u64)
            } else {
                h.write_u64(f.to_bits())
            }
        }
        Value::BigInt(b) => b.hash(h),
        Value::Str(s) => s.as_str().hash(h),
        Value::Tuple(_) => {}
        Value::Struct(s) => h.write_usize(std::rc::Rc::as_ptr(s) as usize),
        Value::Type(t) => t.hash(h),
        Value::ExcType(k) => k.hash(h),
        Value::Object(o) => match object_hash(o) {
            Ok(Some(x)) => h.write_u64(x),
            _ => match o.base() {
                Some(b) => hash_value(&b, h),
                None => h.write_u8(1),
            },
        },
        other => h.write_u64(other.type_name().len() as u64),
    }
}

/// Strict Python equality for keys (no Dana str/number conversion: `"5"` and `5` are two keys).
pub(crate) fn key_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Bool(x), Value::Int(y)) | (Value::Int(y), Value::Bool(x)) => *x as i64 == *y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Float(x), Value::Int(y)) | (Value::Int(y), Value::Float(x)) => *x == *y as f64,
        (Value::Float(x), Value::Bool(y)) | (Value::Bool(y), Value::Float(x)) => {
            *x == *y as i64 as f64
        }
        (Value::BigInt(x), Value::BigInt(y)) => x == y,
        (Value::Tuple(x), Value::Tuple(y)) => {
            let mut todo = vec![(x, y)];
            while let Some((x, y)) = todo.pop() {
                if std::rc::Rc::ptr_eq(x, y) {
                    continue;
                }
                if x.len() != y.len() {
                    return false;
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    match (p, q) {
                        (Value::Tuple(p), Value::Tuple(q)) => todo.push((p, q)),
                        _ if key_eq(p, q) => {}
                        _ => return false,
                    }
                }
            }
            true
        }
        (Value::Struct(x), Value::Struct(y)) => std::rc::Rc::ptr_eq(x, y),
        (Value::Object(_), _) | (_, Value::Object(_)) => super::ops::eq_python(a, b),
        _ => a.is_same(b),
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        key_eq(&self.0, &other.0)
    }
}

impl Eq for Key {}
