//! Module summaries from runtime modules: the standard modules' members get their types from
//! their values and from the signature line heading each native function's doc (the same text
//! `help()` shows).

use super::options::{FieldInfo, ModuleInfo, StructInfo};
use super::ty::{fn_type_from_signatures, Type};
use crate::builtins::signatures::doc_signatures;
use crate::eval::Interp;
use crate::value::{Globals, TypeAnn, Value};
use dana_grammar::ast::Sym;
use std::collections::HashMap;
use std::sync::Arc;

/// The summary of a runtime module (its members are exhaustive).
pub fn module_info_from_globals(g: &Globals) -> ModuleInfo {
    let mut info = ModuleInfo {
        complete: true,
        ..ModuleInfo::default()
    };
    for n in g.names() {
        let Some(v) = g.get(n) else { continue };
        let t = match &v {
            Value::Int(_) | Value::BigInt(_) => Type::Int,
            Value::Float(_) => Type::Float,
            Value::Str(_) => Type::Str,
            Value::Bool(_) => Type::Bool,
            Value::None => Type::None,
            Value::List(_) => Type::list(Type::Any),
            Value::Dict(_) => Type::dict(Type::Any, Type::Any),
            Value::Native(f) => {
                let sigs = f.doc.map(doc_signatures).unwrap_or_default();
                if sigs.is_empty() {
                    Type::Callable
                } else {
                    Type::Func(Arc::new(fn_type_from_signatures(n.as_str(), &sigs)))
                }
            }
            Value::Func(_) => Type::Callable,
            Value::StructType(st) => {
                info.structs.push(StructInfo {
                    name: st.name,
                    fields: st
                        .fields
                        .iter()
                        .map(|f| FieldInfo {
                            name: f.name,
                            ty: f.ann.as_ref().map(type_of_ann).unwrap_or(Type::Any),
                            has_default: f.default.is_some(),
                        })
                        .collect(),
                    methods: HashMap::new(),
                });
                // Methods are native: their signatures are not tracked, so calls are `any`.
                Type::Opaque(st.name)
            }
            _ => Type::Any,
        };
        info.members.insert(n.as_str().to_string(), t);
    }
    info
}

/// A runtime annotation as a static type (named types stay opaque).
pub(crate) fn type_of_ann(a: &TypeAnn) -> Type {
    match a {
        TypeAnn::Any => Type::Any,
        TypeAnn::Int => Type::Int,
        TypeAnn::Float => Type::Float,
        TypeAnn::Str => Type::Str,
        TypeAnn::Bool => Type::Bool,
        TypeAnn::None => Type::None,
        TypeAnn::List(t) => Type::list(t.as_deref().map(type_of_ann).unwrap_or(Type::Any)),
        TypeAnn::Set(t) => Type::set(t.as_deref().map(type_of_ann).unwrap_or(Type::Any)),
        TypeAnn::Dict(kv) => match kv.as_deref() {
            Some((k, v)) => Type::dict(type_of_ann(k), type_of_ann(v)),
            None => Type::dict(Type::Any, Type::Any),
        },
        TypeAnn::Tuple(None) => Type::TupleOf(Box::new(Type::Any)),
        TypeAnn::Tuple(Some((ts, true))) => {
            Type::TupleOf(Box::new(ts.first().map(type_of_ann).unwrap_or(Type::Any)))
        }
        TypeAnn::Tuple(Some((ts, false))) => Type::Tuple(ts.iter().map(type_of_ann).collect()),
        TypeAnn::Union(ts) => Type::union(ts.iter().map(type_of_ann).collect()),
        TypeAnn::Callable => Type::Callable,
        TypeAnn::Named(n) => Type::Opaque(*n),
    }
}

/// Imports each named module into a scratch namespace of `it` and summarises it. Modules that
/// fail to import are left out (imports of them are then `any`).
pub fn stdlib_module_infos(it: &mut Interp, names: &[&str]) -> HashMap<String, ModuleInfo> {
    let mut out = HashMap::new();
    for name in names {
        let g = it.new_globals("__check__", None);
        if it
            .run_source("<check>", &format!("import {name}"), &g)
            .is_err()
        {
            continue;
        }
        if let Some(Value::Module(m)) = g.get(Sym::intern(name)) {
            out.insert((*name).to_string(), module_info_from_globals(&m));
        }
    }
    out
}
