//! Conversions: typed-assignment coercion (DANA_SPEC §5.3), smart truthiness (§5.2), type
//! checks against annotations, and the conversions behind `int()`, `float()`, `str()`, `bool()`.

mod json;
mod structs;

pub use structs::{check_field_assign, construct_struct};

use super::ops::{arith::big_to_f64, iter_to_vec};
use super::repr::{repr, str_repr, to_str};
use super::{BuiltinType, Key, TypeAnn, Value};
use crate::error::{overflow_error, type_error, value_error, Exc};
use dana_grammar::ast::Sym;
use num_bigint::BigInt;
use num_traits::FromPrimitive;
use std::rc::Rc;

/// Looks up a named type (struct or interface) by name, for `TypeAnn::Named`.
pub type TypeLookup<'a> = &'a dyn Fn(Sym) -> Option<Value>;

/// Nested values deeper than this are not converted (a guard against stack exhaustion).
const MAX_DEPTH: usize = 200;

const TRUE_WORDS: [&str; 10] = [
    "true", "yes", "y", "on", "ok", "okay", "1", "sure", "correct", "right",
];
const FALSE_WORDS: [&str; 12] = [
    "false", "no", "n", "off", "0", "0.0", "none", "null", "", "nope", "never", "wrong",
];

/// Smart truthiness of text (§5.2). A phrase takes the value of its first word: the first
/// whitespace-separated token with surrounding punctuation removed (`"No, thanks"` → False,
/// `"**Yes**"` → True, `"nothing"` → True because `nothing` is not the word `no`).
pub fn smart_bool(s: &str) -> bool {
    let t = s.trim().to_lowercase();
    if TRUE_WORDS.contains(&t.as_str()) {
        return true;
    }
    if FALSE_WORDS.contains(&t.as_str()) {
        return false;
    }
    let first = t.split_whitespace().next().unwrap_or("");
    let word = first.trim_matches(|c: char| !c.is_alphanumeric());
    if !word.is_empty() {
        if TRUE_WORDS.contains(&word) {
            return true;
        }
        if FALSE_WORDS.contains(&word) {
            return false;
        }
    }
    true
}

/// Python's whitespace (`str.isspace`): Unicode White_Space plus the ASCII separators
/// `\x1c`–`\x1f`.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Longer integer texts are refused: converting text to a big integer takes quadratic time
/// (Python refuses beyond 4300 digits by default for the same reason). Integer literals in
/// source have the same limit.
const MAX_INT_TEXT: usize = dana_grammar::MAX_INT_DIGITS;

/// Digits with single underscores between them (`1_000`), in `radix`.
fn valid_digits(s: &str, radix: u32) -> bool {
    !s.is_empty()
        && !s.starts_with('_')
        && !s.ends_with('_')
        && !s.contains("__")
        && s.chars().all(|c| c == '_' || c.is_digit(radix))
}

/// Parses integer text as `int(text, base)` does (whitespace, sign, `0x`/`0o`/`0b` prefixes,
/// underscores); `None` when it is not an integer literal.
pub(crate) fn parse_int_text(s: &str, base: u32) -> Option<Value> {
    if s.len() > MAX_INT_TEXT {
        return None;
    }
    let t = s.trim_matches(is_py_space);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = t.get(..2).map(|p| p.to_ascii_lowercase());
    let prefixed = |p: &str, radix: u32| (lower.as_deref() == Some(p)).then_some(radix);
    let prefix_radix = prefixed("0x", 16)
        .or(prefixed("0o", 8))
        .or(prefixed("0b", 2));
    let (radix, digits) = match (base, prefix_radix) {
        (0, Some(r)) => (r, t[2..].strip_prefix('_').unwrap_or(&t[2..])),
        (0, None) => {
            // Base 0 forbids leading zeros on a non-zero decimal (`010`).
            let nonzero = t.chars().any(|c| c != '0' && c != '_');
            if t.starts_with('0') && nonzero {
                return None;
            }
            (10, t)
        }
        (b, Some(r)) if b == r => (r, t[2..].strip_prefix('_').unwrap_or(&t[2..])),
        (b, _) => (b, t),
    };
    if !valid_digits(digits, radix) {
        return None;
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    let v = match i64::from_str_radix(&clean, radix) {
        Ok(i) => Value::Int(if negative { -i } else { i }),
        Err(_) => {
            let b = BigInt::parse_bytes(clean.as_bytes(), radix)?;
            Value::from_bigint(if negative { -b } else { b })
        }
    };
    Some(v)
}

/// Parses float text as `float(text)` does (`"1e3"`, `" 2.5 "`, `"inf"`, `"nan"`, `"1_000.5"`).
pub(crate) fn parse_float_text(s: &str) -> Option<f64> {
    let t = s.trim_matches(is_py_space);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return t.parse::<f64>().ok();
    }
    let (mant, exp) = match lower.find('e') {
        Some(i) => (&lower[..i], Some(&lower[i + 1..])),
        None => (lower.as_str(), None),
    };
    let (int_part, frac) = match mant.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mant, None),
    };
    let ok_part = |p: &str| p.is_empty() || valid_digits(p, 10);
    let has_digits = !int_part.is_empty() || frac.is_some_and(|f| !f.is_empty());
    let exp_ok = exp.is_none_or(|e| valid_digits(e.strip_prefix(['+', '-']).unwrap_or(e), 10));
    if !has_digits || !ok_part(int_part) || !frac.is_none_or(ok_part) || !exp_ok {
        return None;
    }
    t.replace('_', "").parse::<f64>().ok()
}

/// Dana's reading of text compared with a bool (`"1" == True`): `true`/`1` and `false`/`0`,
/// case-insensitive, surrounding whitespace ignored. Other words (`"yes"`) are not bools here:
/// smart truthiness is only for `bool(text)` and `x: bool = text`.
pub(crate) fn parse_bool_text(s: &str) -> Option<bool> {
    match s.trim_matches(is_py_space).to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `int(v)` (also `int(text, base)` through `base`).
pub fn to_int(v: &Value, base: Option<u32>) -> Result<Value, Exc> {
    if let Value::Str(s) = v {
        if s.len() > MAX_INT_TEXT {
            return Err(value_error(format!(
                "Exceeds the limit ({MAX_INT_TEXT} digits) for integer string conversion"
            )));
        }
    }
    if let Some(b) = base {
        if b == 1 || b > 36 {
            return Err(value_error("int() base must be >= 2 and <= 36, or 0"));
        }
        let Value::Str(s) = v else {
            return Err(type_error(
                "int() can't convert non-string with explicit base",
            ));
        };
        return parse_int_text(s, b).ok_or_else(|| {
            value_error(format!(
                "invalid literal for int() with base {b}: {}",
                str_repr(s)
            ))
        });
    }
    match v {
        Value::Int(_) | Value::BigInt(_) => Ok(v.clone()),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Float(f) => float_to_int(*f),
        Value::Str(s) => parse_int_text(s, 10).ok_or_else(|| {
            value_error(format!(
                "invalid literal for int() with base 10: {}",
                str_repr(s)
            ))
        }),
        other => Err(type_error(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            other.type_name()
        ))),
    }
}

/// A float truncated toward zero, as an int.
pub(crate) fn float_to_int(f: f64) -> Result<Value, Exc> {
    if f.is_nan() {
        return Err(value_error("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(overflow_error("cannot convert float infinity to integer"));
    }
    let t = f.trunc();
    if t.abs() < 9.2e18 {
        return Ok(Value::Int(t as i64));
    }
    Ok(Value::from_bigint(BigInt::from_f64(t).unwrap_or_default()))
}

/// `float(v)`.
pub fn to_float(v: &Value) -> Result<f64, Exc> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(*b as i64 as f64),
        Value::BigInt(b) => big_to_f64(b),
        Value::Str(s) => parse_float_text(s).ok_or_else(|| {
            value_error(format!(
                "could not convert string to float: {}",
                str_repr(s)
            ))
        }),
        other => Err(type_error(format!(
            "float() argument must be a string or a real number, not '{}'",
            other.type_name()
        ))),
    }
}

fn builtin_ann(t: BuiltinType) -> Option<TypeAnn> {
    Some(match t {
        BuiltinType::Int => TypeAnn::Int,
        BuiltinType::Float => TypeAnn::Float,
        BuiltinType::Str => TypeAnn::Str,
        BuiltinType::Bool => TypeAnn::Bool,
        BuiltinType::NoneType => TypeAnn::None,
        BuiltinType::List => TypeAnn::List(None),
        BuiltinType::Dict => TypeAnn::Dict(None),
        BuiltinType::Set => TypeAnn::Set(None),
        BuiltinType::Tuple => TypeAnn::Tuple(None),
        BuiltinType::Function => TypeAnn::Callable,
        BuiltinType::Any => TypeAnn::Any,
        BuiltinType::Module | BuiltinType::Type | BuiltinType::Range => return None,
    })
}

/// `true` when the struct instance `v` (or a value it delegates to through `_` fields) has a
/// method named `name`.
fn has_struct_method(v: &Value, name: Sym, depth: usize) -> bool {
    let Value::Struct(inst) = v else { return false };
    if inst.ty.methods.borrow().contains_key(&name) {
        return true;
    }
    if depth > 8 {
        return false;
    }
    let fields = inst.fields.borrow();
    inst.ty
        .fields
        .iter()
        .zip(fields.iter())
        .any(|(f, x)| f.name.as_str().starts_with('_') && has_struct_method(x, name, depth + 1))
}

/// `true` when `v` is a value of type `ann` (no conversion; an int is accepted for `float`,
/// a bool for `int`, as Python's numeric tower does).
pub fn matches(v: &Value, ann: &TypeAnn, lookup: TypeLookup<'_>) -> bool {
    matches_at(v, ann, lookup, 0)
}

fn matches_at(v: &Value, ann: &TypeAnn, lookup: TypeLookup<'_>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let each = |items: &mut dyn Iterator<Item = &Value>, t: &TypeAnn| {
        for x in items {
            if !matches_at(x, t, lookup, depth + 1) {
                return false;
            }
        }
        true
    };
    match ann {
        TypeAnn::Any => true,
        TypeAnn::Int => matches!(v, Value::Int(_) | Value::BigInt(_) | Value::Bool(_)),
        TypeAnn::Float => matches!(
            v,
            Value::Float(_) | Value::Int(_) | Value::BigInt(_) | Value::Bool(_)
        ),
        TypeAnn::Str => matches!(v, Value::Str(_)),
        TypeAnn::Bool => matches!(v, Value::Bool(_)),
        TypeAnn::None => v.is_none(),
        TypeAnn::List(t) => match (v, t) {
            (Value::List(l), Some(t)) => each(&mut l.borrow().iter(), t),
            (Value::List(_), None) => true,
            _ => false,
        },
        TypeAnn::Set(t) => match (v, t) {
            (Value::Set(s), Some(t)) => each(&mut s.borrow().iter().map(|k| &k.0), t),
            (Value::Set(_), None) => true,
            _ => false,
        },
        TypeAnn::Dict(kv) => match (v, kv) {
            (Value::Dict(d), Some(kv)) => d.borrow().iter().all(|(k, x)| {
                matches_at(&k.0, &kv.0, lookup, depth + 1)
                    && matches_at(x, &kv.1, lookup, depth + 1)
            }),
            (Value::Dict(_), None) => true,
            _ => false,
        },
        TypeAnn::Tuple(spec) => match (v, spec) {
            (Value::Tuple(_), None) => true,
            (Value::Tuple(items), Some((ts, true))) => match ts.first() {
                Some(t) => each(&mut items.iter(), t),
                None => true,
            },
            (Value::Tuple(items), Some((ts, false))) => {
                items.len() == ts.len()
                    && items
                        .iter()
                        .zip(ts)
                        .all(|(x, t)| matches_at(x, t, lookup, depth + 1))
            }
            _ => false,
        },
        TypeAnn::Union(ts) => ts.iter().any(|t| matches_at(v, t, lookup, depth + 1)),
        TypeAnn::Callable => v.is_callable(),
        TypeAnn::Named(sym) => match lookup(*sym) {
            Some(Value::StructType(st)) => {
                matches!(v, Value::Struct(inst) if Rc::ptr_eq(&inst.ty, &st) || inst.ty.name == st.name)
            }
            Some(Value::Interface(iface)) => iface
                .methods
                .iter()
                .all(|(m, _)| has_struct_method(v, *m, 0)),
            Some(Value::ExcType(k)) => matches!(v, Value::Exception(e) if e.kind.is_subclass_of(k)),
            Some(Value::Type(bt)) => match builtin_ann(bt) {
                Some(a) => matches_at(v, &a, lookup, depth + 1),
                None => v.type_name() == bt.name(),
            },
            _ => match (crate::error::ExcKind::from_name(sym.as_str()), v) {
                (Some(k), Value::Exception(e)) => e.kind.is_subclass_of(k),
                _ => v.type_name() == sym.as_str(),
            },
        },
    }
}

/// `name: ann = v`: converts per §5.3, or fails with `TypeError: cannot assign 'abc' to 'n: int'`.
///
/// Choices where §5.3 is silent: `None` stays `None` for every annotation (also inside
/// containers); a text holding `FINAL_ANSWER:` is replaced by what follows the last marker
/// (for every annotation but `any`); a union takes the first member, in the order written,
/// whose conversion succeeds (`str | int` turns 5 into "5"); text converts to a list, dict,
/// tuple or set only when it is JSON (not character by character); a struct converted from a
/// dict or JSON object has its field values converted to the field types.
pub fn coerce(v: Value, ann: &TypeAnn, target: &str, lookup: TypeLookup<'_>) -> Result<Value, Exc> {
    if v.is_none() || *ann == TypeAnn::Any {
        return Ok(v);
    }
    let v = final_answer(v);
    convert(&v, ann, lookup, 0).ok_or_else(|| {
        let mut shown = repr(&v);
        if shown.chars().count() > 80 {
            shown = shown.chars().take(77).collect::<String>() + "...";
        }
        let to = if target.is_empty() {
            ann.to_string()
        } else {
            format!("{target}: {ann}")
        };
        type_error(format!("cannot assign {shown} to '{to}'"))
    })
}

/// The text after the last `FINAL_ANSWER:` marker of an LLM answer, trimmed.
fn final_answer(v: Value) -> Value {
    const MARKER: &str = "FINAL_ANSWER:";
    if let Value::Str(s) = &v {
        if let Some(i) = s.rfind(MARKER) {
            return Value::str(s[i + MARKER.len()..].trim());
        }
    }
    v
}

/// The items a list/tuple/set conversion starts from: any iterable but text, or JSON text of
/// an array.
fn source_items(v: &Value, from_any_iterable: bool) -> Option<Vec<Value>> {
    match v {
        Value::Str(s) => match json::parse_json_text(s, '[')? {
            Value::List(l) => Some(l.borrow().clone()),
            _ => None,
        },
        Value::List(_) | Value::Tuple(_) | Value::Set(_) => iter_to_vec(v).ok(),
        Value::Range(_) | Value::Dict(_) if from_any_iterable => iter_to_vec(v).ok(),
        _ => None,
    }
}

fn convert_all(
    items: &[Value],
    t: Option<&TypeAnn>,
    lookup: TypeLookup<'_>,
    depth: usize,
) -> Option<Vec<Value>> {
    match t {
        None => Some(items.to_vec()),
        Some(t) => items
            .iter()
            .map(|x| convert(x, t, lookup, depth + 1))
            .collect(),
    }
}

fn same_items(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.is_same(y))
}

/// The conversion of §5.3, `None` when it fails.
pub(crate) fn convert(
    v: &Value,
    ann: &TypeAnn,
    lookup: TypeLookup<'_>,
    depth: usize,
) -> Option<Value> {
    if v.is_none() || *ann == TypeAnn::Any {
        return Some(v.clone());
    }
    if depth > MAX_DEPTH {
        return None;
    }
    match ann {
        TypeAnn::Any => Some(v.clone()),
        TypeAnn::None => None,
        TypeAnn::Int => match v {
            Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => Some(v.clone()),
            Value::Float(f) => float_to_int(*f).ok(),
            Value::Str(s) => parse_int_text(s, 10),
            _ => None,
        },
        TypeAnn::Float => match v {
            Value::Float(_) => Some(v.clone()),
            Value::Str(s) => parse_float_text(s).map(Value::Float),
            Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => to_float(v).ok().map(Value::Float),
            _ => None,
        },
        TypeAnn::Str => Some(match v {
            Value::Str(_) => v.clone(),
            Value::Bool(b) => Value::str(if *b { "true" } else { "false" }),
            other => Value::str(to_str(other)),
        }),
        TypeAnn::Bool => Some(match v {
            Value::Bool(_) => v.clone(),
            Value::Str(s) => Value::Bool(smart_bool(s)),
            other => Value::Bool(other.truthy()),
        }),
        TypeAnn::List(t) => {
            let items = source_items(v, true)?;
            let out = convert_all(&items, t.as_deref(), lookup, depth)?;
            match v {
                // Keep the same list (a shared reference) when nothing changed.
                Value::List(_) if same_items(&items, &out) => Some(v.clone()),
                _ => Some(Value::list(out)),
            }
        }
        TypeAnn::Tuple(spec) => {
            let items = source_items(v, false)?;
            let out = match spec {
                None => items.clone(),
                Some((ts, true)) => convert_all(&items, ts.first(), lookup, depth)?,
                Some((ts, false)) => {
                    if ts.len() != items.len() {
                        return None;
                    }
                    items
                        .iter()
                        .zip(ts)
                        .map(|(x, t)| convert(x, t, lookup, depth + 1))
                        .collect::<Option<Vec<_>>>()?
                }
            };
            match v {
                Value::Tuple(_) if same_items(&items, &out) => Some(v.clone()),
                _ => Some(Value::tuple(out)),
            }
        }
        TypeAnn::Set(t) => {
            let items = source_items(v, false)?;
            let out = convert_all(&items, t.as_deref(), lookup, depth)?;
            if matches!(v, Value::Set(_)) && same_items(&items, &out) {
                return Some(v.clone());
            }
            let mut set = super::SetMap::default();
            for x in out {
                set.insert(Key::new(x).ok()?);
            }
            Some(Value::set(set))
        }
        TypeAnn::Dict(kv) => {
            let src = match v {
                Value::Dict(_) => v.clone(),
                Value::Str(s) => json::parse_json_text(s, '{')?,
                _ => return None,
            };
            let Value::Dict(d) = &src else { return None };
            let Some(kv) = kv else { return Some(src) };
            let pairs: Vec<(Value, Value)> = d
                .borrow()
                .iter()
                .map(|(k, x)| (k.0.clone(), x.clone()))
                .collect();
            let mut out = super::DictMap::default();
            let mut changed = false;
            for (k, x) in pairs {
                let k2 = convert(&k, &kv.0, lookup, depth + 1)?;
                let x2 = convert(&x, &kv.1, lookup, depth + 1)?;
                changed |= !k2.is_same(&k) || !x2.is_same(&x);
                out.insert(Key::new(k2).ok()?, x2);
            }
            Some(if changed { Value::dict(out) } else { src })
        }
        // §5.3 literally: the first member, in the order written, whose conversion succeeds
        // (`str | int` turns 5 into "5"; `int | float` truncates 3.7 to 3).
        TypeAnn::Union(ts) => ts.iter().find_map(|t| convert(v, t, lookup, depth + 1)),
        TypeAnn::Callable => v.is_callable().then(|| v.clone()),
        TypeAnn::Named(sym) => match lookup(*sym) {
            Some(Value::StructType(st)) => structs::struct_from_value(v, &st, lookup, depth),
            Some(Value::Type(bt)) => match builtin_ann(bt) {
                Some(a) => convert(v, &a, lookup, depth + 1),
                None => matches_at(v, ann, lookup, depth).then(|| v.clone()),
            },
            _ => matches_at(v, ann, lookup, depth).then(|| v.clone()),
        },
    }
}

#[cfg(test)]
mod tests;
