//! Typed-assignment coercion (DANA_SPEC §5.3) and checks of values against annotations,
//! struct construction from arguments and from dicts or JSON, and struct field assignment.

use super::json;
use super::scalar::{float_to_int, parse_float_text, parse_int_text, smart_bool, to_float};
use crate::error::{attribute_error, did_you_mean, type_error, Exc};
use crate::host::big_to_f64;
use crate::value::ops::iter_to_vec;
use crate::value::repr::{repr, to_str};
use crate::value::{BuiltinType, Key, StructInstance, StructType, TypeAnn, Value};
use dana_grammar::ast::Sym;
use std::cell::RefCell;
use std::rc::Rc;

/// Looks up a named type (struct or interface) by name, for `TypeAnn::Named`.
pub type TypeLookup<'a> = &'a dyn Fn(Sym) -> Option<Value>;

/// Nested values deeper than this are not converted (a guard against stack exhaustion).
const MAX_DEPTH: usize = 200;

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

/// Decides `matches(v, ann)` without looking names up when that is cheap: `Some(answer)`,
/// or `None` when the full check has to run. An instance matches the name of its own struct
/// type.
#[inline]
pub fn quick_match(v: &Value, ann: &TypeAnn) -> Option<bool> {
    Some(match (ann, v) {
        (TypeAnn::Any, _) => true,
        (TypeAnn::Int, Value::Int(_) | Value::Bool(_) | Value::BigInt(_)) => true,
        (TypeAnn::Float, Value::Float(_) | Value::Int(_) | Value::Bool(_) | Value::BigInt(_)) => {
            true
        }
        (TypeAnn::Str, Value::Str(_)) => true,
        (TypeAnn::Bool, Value::Bool(_)) => true,
        (TypeAnn::None, _) => v.is_none(),
        (TypeAnn::List(None), Value::List(_)) | (TypeAnn::Dict(None), Value::Dict(_)) => true,
        // An instance always matches the name of its own struct type.
        (TypeAnn::Named(n), Value::Struct(inst)) if inst.ty.name == *n => true,
        (TypeAnn::Int | TypeAnn::Float | TypeAnn::Str | TypeAnn::Bool, _) => false,
        (TypeAnn::Union(ts), _) => return quick_match_union(v, ts),
        _ => return None,
    })
}

/// [`quick_match`] for `Packet | None`: a member that surely matches decides; a union whose
/// members all surely fail fails; otherwise the full check runs. Out of line, so that
/// `quick_match` itself is not recursive and inlines into the call path.
#[inline(never)]
fn quick_match_union(v: &Value, ts: &[TypeAnn]) -> Option<bool> {
    // `T | None`, the common union: `None` decides at once, anything else is `T`'s answer.
    if let [t, TypeAnn::None] | [TypeAnn::None, t] = ts {
        return if v.is_none() {
            Some(true)
        } else {
            quick_match(v, t)
        };
    }
    let mut unsure = false;
    for t in ts {
        match quick_match(v, t) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => unsure = true,
        }
    }
    if unsure {
        None
    } else {
        Some(false)
    }
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
            let mut set = crate::value::SetMap::default();
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
            let mut out = crate::value::DictMap::default();
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
            Some(Value::StructType(st)) => struct_from_value(v, &st, lookup, depth),
            Some(Value::Type(bt)) => match builtin_ann(bt) {
                Some(a) => convert(v, &a, lookup, depth + 1),
                None => matches_at(v, ann, lookup, depth).then(|| v.clone()),
            },
            _ => matches_at(v, ann, lookup, depth).then(|| v.clone()),
        },
    }
}

/// `true` when `ann` accepts a float but not an int: such a field stores an int as a float.
fn widens_int(ann: &TypeAnn) -> bool {
    fn has(ann: &TypeAnn, want: &TypeAnn) -> bool {
        match ann {
            TypeAnn::Union(ts) => ts.iter().any(|t| has(t, want)),
            t => t == want,
        }
    }
    has(ann, &TypeAnn::Float) && !has(ann, &TypeAnn::Int) && !has(ann, &TypeAnn::Any)
}

/// Checks (and for float fields widens) the value of field `i`.
fn check_field(ty: &StructType, i: usize, v: Value, lookup: TypeLookup<'_>) -> Result<Value, Exc> {
    let Some(field) = ty.fields.get(i) else {
        return Err(attribute_error(format!(
            "'{}' object has no field number {i}",
            ty.name
        )));
    };
    let Some(ann) = &field.ann else { return Ok(v) };
    if !quick_match(&v, ann).unwrap_or_else(|| matches(&v, ann, lookup)) {
        return Err(type_error(format!(
            "{}.{} must be {ann}, got {}",
            ty.name,
            field.name,
            v.type_name()
        )));
    }
    Ok(match v {
        Value::Int(i) if widens_int(ann) => Value::Float(i as f64),
        Value::Bool(b) if widens_int(ann) => Value::Float(b as i64 as f64),
        Value::BigInt(ref b) if widens_int(ann) => match big_to_f64(b) {
            Ok(f) => Value::Float(f),
            Err(_) => v,
        },
        v => v,
    })
}

/// A field default for a new instance. Mutable containers are copied so that instances do
/// not share one default list (the trap Python's dataclasses forbid).
fn fresh_default(v: &Value) -> Value {
    match v {
        Value::List(l) => Value::list(l.borrow().clone()),
        Value::Dict(d) => Value::dict(d.borrow().clone()),
        Value::Set(s) => Value::set(s.borrow().clone()),
        other => other.clone(),
    }
}

fn quoted_list(names: &[Sym]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match q.len() {
        0 | 1 => q.concat(),
        _ => format!("{} and {}", q[..q.len() - 1].join(", "), q[q.len() - 1]),
    }
}

/// `Point(1, y=2)`: positional args in field order, keyword args by name, defaults; a missing
/// required field, an unknown field (with a did-you-mean), too many positional arguments or a
/// wrong type is a TypeError naming the struct and the field.
pub fn construct_struct(
    ty: &Rc<StructType>,
    pos: &[Value],
    kw: &[(Sym, Value)],
    lookup: TypeLookup<'_>,
) -> Result<Value, Exc> {
    let n = ty.fields.len();
    if pos.len() > n {
        return Err(type_error(format!(
            "{}() takes {n} positional argument{} but {} {} given",
            ty.name,
            if n == 1 { "" } else { "s" },
            pos.len(),
            if pos.len() == 1 { "was" } else { "were" }
        )));
    }
    let mut vals: Vec<Option<Value>> = vec![None; n];
    for (slot, v) in vals.iter_mut().zip(pos) {
        *slot = Some(v.clone());
    }
    for (name, v) in kw {
        let Some(i) = ty.field_index(*name) else {
            let mut e = type_error(format!("{}() got an unknown field '{name}'", ty.name));
            if let Some(s) = did_you_mean(name.as_str(), ty.fields.iter().map(|f| f.name.as_str()))
            {
                e = e.with_help(format!("did you mean '{s}'?"));
            }
            return Err(e);
        };
        if vals[i].is_some() {
            return Err(type_error(format!(
                "{}() got multiple values for field '{name}'",
                ty.name
            )));
        }
        vals[i] = Some(v.clone());
    }
    let mut missing = Vec::new();
    for (slot, f) in vals.iter_mut().zip(&ty.fields) {
        if slot.is_none() {
            match &f.default {
                Some(d) => *slot = Some(fresh_default(d)),
                None => missing.push(f.name),
            }
        }
    }
    if !missing.is_empty() {
        return Err(type_error(format!(
            "{}() missing required field{} {}",
            ty.name,
            if missing.len() == 1 { "" } else { "s" },
            quoted_list(&missing)
        )));
    }
    let mut fields = Vec::with_capacity(n);
    for (i, v) in vals.into_iter().enumerate() {
        fields.push(check_field(ty, i, v.unwrap_or_default(), lookup)?);
    }
    let inst = Rc::new(StructInstance {
        ty: ty.clone(),
        fields: RefCell::new(fields),
    });
    if crate::sandbox::is_contained() {
        crate::sandbox::note_struct(&inst);
    }
    Ok(Value::Struct(inst))
}

/// Re-validates `p.x = value` against the field's annotation; returns the value to store
/// (an int widened to float for a float field).
pub fn check_field_assign(
    ty: &StructType,
    field_index: usize,
    value: Value,
    lookup: TypeLookup<'_>,
) -> Result<Value, Exc> {
    check_field(ty, field_index, value, lookup)
}

/// §5.3 for a struct type: an instance stays; a dict, or JSON text of an object, with the
/// struct's fields is converted (field values converted to the field types).
pub(crate) fn struct_from_value(
    v: &Value,
    st: &Rc<StructType>,
    lookup: TypeLookup<'_>,
    depth: usize,
) -> Option<Value> {
    let dict = match v {
        Value::Struct(inst) if Rc::ptr_eq(&inst.ty, st) || inst.ty.name == st.name => {
            return Some(v.clone())
        }
        Value::Dict(_) => v.clone(),
        Value::Str(s) => json::parse_json_text(s, '{')?,
        _ => return None,
    };
    let Value::Dict(d) = &dict else { return None };
    let pairs: Vec<(Value, Value)> = d
        .borrow()
        .iter()
        .map(|(k, x)| (k.0.clone(), x.clone()))
        .collect();
    let mut kw = Vec::with_capacity(pairs.len());
    for (k, x) in pairs {
        // Compare names as text: interning arbitrary JSON keys would leak memory.
        let key = k.as_str()?;
        let i = st.fields.iter().position(|f| f.name.as_str() == key)?;
        let name = st.fields[i].name;
        let x = match &st.fields[i].ann {
            Some(ann) => convert(&x, ann, lookup, depth + 1)?,
            None => x,
        };
        kw.push((name, x));
    }
    construct_struct(st, &[], &kw, lookup).ok()
}
