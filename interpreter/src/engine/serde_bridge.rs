//! Any serde type to and from a Dana value, through `serde_json::Value`.

use super::error::{Error, Result};
use crate::error::{type_error, value_error};
use crate::value::{DictMap, Key, Value};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value as Json;

/// Converts any `Serialize` value into a Dana value: maps become dicts, sequences lists,
/// structs dicts of their fields.
///
/// ```
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct Item { name: String, qty: i64 }
///
/// let v = dana_interpreter::engine::to_value(&Item { name: "pen".into(), qty: 2 }).unwrap();
/// assert_eq!(format!("{v:?}"), "{'name': 'pen', 'qty': 2}");
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    let json = serde_json::to_value(value)
        .map_err(|e| Error::conversion(value_error(format!("cannot serialize: {e}"))))?;
    Ok(from_json(json))
}

/// Converts a Dana value into any `DeserializeOwned` type (dicts with string keys, lists,
/// tuples, scalars and `None`; struct instances as dicts of their fields).
///
/// ```
/// use serde::Deserialize;
///
/// #[derive(Deserialize, Debug, PartialEq)]
/// struct Item { name: String, qty: i64 }
///
/// let mut engine = dana_interpreter::engine::Engine::new();
/// let v = engine.eval::<dana_interpreter::Value>("{'name': 'pen', 'qty': 2}").unwrap();
/// let item: Item = dana_interpreter::engine::from_value(&v).unwrap();
/// assert_eq!(item, Item { name: "pen".into(), qty: 2 });
/// ```
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T> {
    let json = to_json(value, 0).map_err(Error::conversion)?;
    serde_json::from_value(json)
        .map_err(|e| Error::conversion(type_error(format!("cannot deserialize: {e}"))))
}

fn from_json(j: Json) -> Value {
    match j {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::from_bigint(num_bigint::BigInt::from(u)),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::str(s),
        Json::Array(a) => Value::list(a.into_iter().map(from_json).collect()),
        Json::Object(o) => {
            let mut d = DictMap::default();
            for (k, v) in o {
                d.insert(Key(Value::str(k)), from_json(v));
            }
            Value::dict(d)
        }
    }
}

/// Nesting beyond this is refused (a cyclic list would otherwise recurse forever).
const MAX_DEPTH: usize = 256;

fn to_json(v: &Value, depth: usize) -> std::result::Result<Json, crate::error::Exc> {
    if depth > MAX_DEPTH {
        return Err(value_error("value nested too deeply (or cyclic)"));
    }
    let seq = |items: &[Value]| -> std::result::Result<Json, crate::error::Exc> {
        items
            .iter()
            .map(|x| to_json(x, depth + 1))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Json::Array)
    };
    Ok(match v {
        Value::None => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::BigInt(b) => {
            use num_traits::ToPrimitive;
            match b.to_u64() {
                Some(u) => Json::from(u),
                None => return Err(value_error("int too large to convert")),
            }
        }
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .ok_or_else(|| value_error(format!("cannot convert float {f}")))?,
        Value::Str(s) => Json::String(s.to_string()),
        Value::List(l) => seq(&l.borrow())?,
        Value::Tuple(t) => seq(t)?,
        Value::Dict(d) => {
            let mut o = serde_json::Map::new();
            for (k, x) in d.borrow().iter() {
                let Value::Str(key) = &k.0 else {
                    return Err(type_error(format!(
                        "dict keys must be str to convert, got {}",
                        k.0.type_name()
                    )));
                };
                o.insert(key.to_string(), to_json(x, depth + 1)?);
            }
            Json::Object(o)
        }
        Value::Struct(s) => {
            let mut o = serde_json::Map::new();
            for (f, x) in s.ty.fields.iter().zip(s.fields.borrow().iter()) {
                if s.ty.kind == "host" && f.name.as_str() == "_host" {
                    continue;
                }
                o.insert(f.name.as_str().to_string(), to_json(x, depth + 1)?);
            }
            Json::Object(o)
        }
        other => {
            return Err(type_error(format!(
                "cannot convert {} value",
                crate::error::with_article(&other.type_name())
            )))
        }
    })
}
