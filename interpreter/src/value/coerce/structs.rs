//! Struct construction and field validation (DANA_SPEC §7), and struct coercion from dicts
//! and JSON objects (§5.3).

use super::{convert, json, matches, TypeLookup};
use crate::error::{attribute_error, did_you_mean, type_error, Exc};
use crate::value::{StructInstance, StructType, TypeAnn, Value};
use dana_grammar::ast::Sym;
use std::cell::RefCell;
use std::rc::Rc;

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
    if !matches(&v, ann, lookup) {
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
        Value::BigInt(ref b) if widens_int(ann) => match crate::value::ops::arith::big_to_f64(b) {
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
