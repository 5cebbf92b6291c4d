//! Types as values: calling `int`, `str`, `list`, … (conversions), `type(x)`, `isinstance`,
//! and calling exception classes (`ValueError("bad")`).

use crate::error::{type_error, value_error, Exc, ExcKind};
use crate::host::{int_arg, Big};
use crate::value::runtime::Interp;
use crate::value::{
    coerce, exception_value, methods, ops, repr, Args, BuiltinType, DictMap, Key, SetMap, Value,
};
use std::rc::Rc;

/// Calls a builtin type value: `int("3")`, `str(x)`, `list(xs)`, `dict(a=1)`, `type(x)`, ….
pub(crate) fn call_type(it: &mut Interp, t: BuiltinType, args: Args) -> Result<Value, Exc> {
    let _ = it;
    match t {
        BuiltinType::Int => {
            args.check("int", 0, 2, &["base"])?;
            let Some(x) = args.pos.first() else {
                if args.kw("base").is_some() {
                    return Err(type_error("int() missing string argument"));
                }
                return Ok(Value::Int(0));
            };
            match args.get(1, "base") {
                None => coerce::to_int(x, None),
                Some(b) => {
                    let base = int_arg(b, Big::TooLarge("int"))?;
                    if base != 0 && !(2..=36).contains(&base) {
                        return Err(value_error("int() base must be >= 2 and <= 36, or 0"));
                    }
                    if !matches!(x, Value::Str(_)) {
                        return Err(type_error(
                            "int() can't convert non-string with explicit base",
                        ));
                    }
                    coerce::to_int(x, Some(base as u32))
                }
            }
        }
        BuiltinType::Float => {
            args.check("float", 0, 1, &[])?;
            match args.pos.first() {
                None => Ok(Value::Float(0.0)),
                Some(x) => Ok(Value::Float(coerce::to_float(x)?)),
            }
        }
        BuiltinType::Str => {
            args.check("str", 0, 1, &[])?;
            Ok(match args.pos.first() {
                None => Value::str(""),
                Some(s @ Value::Str(_)) => s.clone(),
                Some(x) => Value::str(repr::to_str(x)),
            })
        }
        BuiltinType::Bool => {
            args.check("bool", 0, 1, &[])?;
            Ok(Value::Bool(args.pos.first().is_some_and(bool_of)))
        }
        BuiltinType::List => {
            args.check("list", 0, 1, &[])?;
            match args.pos.first() {
                None => Ok(Value::list(Vec::new())),
                Some(x) => Ok(Value::list(crate::value::collect(it, x)?)),
            }
        }
        BuiltinType::Tuple => {
            args.check("tuple", 0, 1, &[])?;
            match args.pos.first() {
                None => Ok(Value::tuple(Vec::new())),
                Some(t @ Value::Tuple(_)) => Ok(t.clone()),
                Some(x) => Ok(Value::tuple(crate::value::collect(it, x)?)),
            }
        }
        BuiltinType::Set => {
            args.check("set", 0, 1, &[])?;
            let mut s = SetMap::default();
            if let Some(x) = args.pos.first() {
                for v in crate::value::collect(it, x)? {
                    s.insert(Key::new(v)?);
                }
            }
            Ok(Value::set(s))
        }
        BuiltinType::Dict => build_dict(it, args),
        BuiltinType::Type => {
            if !args.kw.is_empty() || args.pos.len() != 1 {
                return Err(type_error(
                    "type() takes 1 argument (creating new types is not supported)",
                ));
            }
            Ok(type_of(&args.pos[0]))
        }
        BuiltinType::Range => range(args),
        BuiltinType::NoneType => {
            args.check("NoneType", 0, 0, &[])?;
            Ok(Value::None)
        }
        BuiltinType::Function | BuiltinType::Module | BuiltinType::Any => Err(type_error(format!(
            "cannot create '{}' instances",
            t.name()
        ))),
    }
}

/// `bool(x)`: smart truthiness for text (DANA_SPEC §5.2), Python truthiness otherwise.
fn bool_of(v: &Value) -> bool {
    match v {
        Value::Str(s) => coerce::smart_bool(s),
        other => other.truthy(),
    }
}

/// `dict()`, `dict(mapping)`, `dict(pairs)`, each optionally followed by `**kw`.
fn build_dict(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    if args.pos.len() > 1 {
        return Err(type_error(format!(
            "dict expected at most 1 argument, got {}",
            args.pos.len()
        )));
    }
    let mut d = DictMap::default();
    let base = match args.pos.first() {
        Some(Value::Object(o)) => o.base(),
        _ => None,
    };
    match base.as_ref().or(args.pos.first()) {
        None => {}
        Some(Value::Dict(src)) => {
            for (k, v) in src.borrow().iter() {
                d.insert(k.clone(), v.clone());
            }
        }
        Some(src) => {
            for (i, item) in crate::value::collect(it, src)?.into_iter().enumerate() {
                let pair = match &item {
                    Value::Str(_) | Value::Tuple(_) | Value::List(_) => ops::iter_to_vec(&item)?,
                    other => {
                        return Err(type_error(format!(
                            "cannot convert dictionary update sequence element #{i} to a sequence (got {})",
                            other.type_name()
                        )))
                    }
                };
                if pair.len() != 2 {
                    return Err(value_error(format!(
                        "dictionary update sequence element #{i} has length {}; 2 is required",
                        pair.len()
                    )));
                }
                let mut p = pair.into_iter();
                if let (Some(k), Some(v)) = (p.next(), p.next()) {
                    d.insert(Key::new(k)?, v);
                }
            }
        }
    }
    for (k, v) in args.kw {
        d.insert(Key(Value::str(k.as_str())), v.clone());
    }
    Ok(Value::dict(d))
}

/// `range(stop)`, `range(start, stop[, step])`.
fn range(args: Args) -> Result<Value, Exc> {
    args.check("range", 1, 3, &[])?;
    let nums: Vec<i64> = args
        .pos
        .iter()
        .map(|v| int_arg(v, Big::TooLarge("range")))
        .collect::<Result<_, _>>()?;
    let (start, stop, step) = match nums.as_slice() {
        [stop] => (0, *stop, 1),
        [start, stop] => (*start, *stop, 1),
        [start, stop, step] => (*start, *stop, *step),
        _ => return Err(type_error("range expected at most 3 arguments")),
    };
    if step == 0 {
        return Err(value_error("range() arg 3 must not be zero"));
    }
    Ok(Value::Range(Rc::new(crate::value::RangeValue {
        start,
        stop,
        step,
    })))
}

/// `type(v)`: the type value of `v` (prints as its name, compares equal to the type).
pub(crate) fn type_of(v: &Value) -> Value {
    let t = match v {
        Value::None => BuiltinType::NoneType,
        Value::Bool(_) => BuiltinType::Bool,
        Value::Int(_) | Value::BigInt(_) => BuiltinType::Int,
        Value::Float(_) => BuiltinType::Float,
        Value::Str(_) => BuiltinType::Str,
        Value::List(_) => BuiltinType::List,
        Value::Tuple(_) => BuiltinType::Tuple,
        Value::Dict(_) => BuiltinType::Dict,
        Value::Set(_) => BuiltinType::Set,
        Value::Struct(s) => return Value::StructType(s.ty.clone()),
        Value::Func(_) | Value::Native(_) | Value::Method(_) => BuiltinType::Function,
        Value::Type(_) | Value::StructType(_) | Value::Interface(_) | Value::ExcType(_) => {
            BuiltinType::Type
        }
        Value::Exception(e) => return Value::ExcType(e.kind),
        Value::Module(_) => BuiltinType::Module,
        Value::Range(_) => BuiltinType::Range,
        Value::Object(o) => {
            return o
                .class()
                .unwrap_or_else(|| crate::value::NativeType::plain(o.type_name()))
        }
    };
    Value::Type(t)
}

/// `isinstance(obj, T)` for one type value or a tuple of them.
pub(crate) fn is_instance(v: &Value, t: &Value) -> Result<bool, Exc> {
    Ok(match t {
        Value::Type(bt) => {
            (match bt {
                // bool is a subclass of int, as in Python.
                BuiltinType::Int => matches!(v, Value::Int(_) | Value::BigInt(_) | Value::Bool(_)),
                BuiltinType::Float => matches!(v, Value::Float(_)),
                BuiltinType::Str => matches!(v, Value::Str(_)),
                BuiltinType::Bool => matches!(v, Value::Bool(_)),
                BuiltinType::NoneType => v.is_none(),
                BuiltinType::List => matches!(v, Value::List(_)),
                BuiltinType::Dict => matches!(v, Value::Dict(_)),
                BuiltinType::Set => matches!(v, Value::Set(_)),
                BuiltinType::Tuple => matches!(v, Value::Tuple(_)),
                BuiltinType::Function => {
                    matches!(v, Value::Func(_) | Value::Native(_) | Value::Method(_))
                }
                BuiltinType::Module => matches!(v, Value::Module(_)),
                BuiltinType::Type => matches!(
                    v,
                    Value::Type(_) | Value::StructType(_) | Value::Interface(_) | Value::ExcType(_)
                ),
                BuiltinType::Range => matches!(v, Value::Range(_)),
                BuiltinType::Any => true,
            }) || base_is_instance(v, t)
        }
        Value::StructType(st) => matches!(v, Value::Struct(s) if Rc::ptr_eq(&s.ty, st)),
        Value::Interface(iface) => iface
            .methods
            .iter()
            .all(|(name, _)| has_method_for_interface(v, name.as_str(), 0)),
        Value::ExcType(kind) => matches!(v, Value::Exception(e) if e.kind.is_subclass_of(*kind)),
        Value::Object(o) if o.instance_check(t, v).is_some() => {
            o.instance_check(t, v).unwrap_or(false)
        }
        Value::Tuple(ts) => {
            for t in ts.iter() {
                if is_instance(v, t)? {
                    return Ok(true);
                }
            }
            false
        }
        other => {
            return Err(type_error(format!(
                "isinstance() arg 2 must be a type or a tuple of types, not {}",
                other.type_name()
            )))
        }
    })
}

/// `true` when `v` is a native object whose base value is an instance of `t` (a Counter is a
/// dict).
fn base_is_instance(v: &Value, t: &Value) -> bool {
    match v {
        Value::Object(o) => o
            .base()
            .is_some_and(|b| is_instance(&b, t).unwrap_or(false)),
        _ => false,
    }
}

/// Structural interface check for one method: a struct's receiver methods, then (Dana's
/// composition, §7) the values of its `_`-prefixed fields; builtin values by their methods.
fn has_method_for_interface(v: &Value, name: &str, depth: usize) -> bool {
    // Composition chains are short; the bound only guards against self-embedding cycles.
    if depth > 32 {
        return false;
    }
    match v {
        Value::Struct(s) => {
            if s.ty.methods.borrow().keys().any(|k| k.as_str() == name) {
                return true;
            }
            let fields = s.fields.borrow();
            s.ty.fields.iter().zip(fields.iter()).any(|(f, fv)| {
                f.name.as_str().starts_with('_') && has_method_for_interface(fv, name, depth + 1)
            })
        }
        Value::Str(_) | Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Tuple(_) => {
            methods::has_method(v, name)
        }
        _ => false,
    }
}

/// `isinstance(obj, type_or_tuple)`.
pub(super) fn isinstance(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("isinstance", 2, 2, &[])?;
    Ok(Value::Bool(is_instance(&args.pos[0], &args.pos[1])?))
}

/// Calls an exception class: `ValueError("bad")` is an exception value whose message is the
/// `str` of the first argument (`""` without arguments).
pub(crate) fn call_exc_type(kind: ExcKind, args: Args) -> Result<Value, Exc> {
    if !args.kw.is_empty() {
        return Err(type_error(format!(
            "{}() takes no keyword arguments",
            kind.name()
        )));
    }
    let message = match args.pos {
        [] => String::new(),
        // Python's str(KeyError(k)) is repr(k): the key, quoted.
        [one] if kind == ExcKind::KeyError => repr::repr(one),
        [one] => repr::to_str(one),
        // Python shows the args tuple when there are several.
        many => repr::repr(&Value::tuple(many.to_vec())),
    };
    Ok(exception_value(kind, message))
}
