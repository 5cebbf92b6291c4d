//! Builtin-value methods (DANA_SPEC §6.2): `str`, `list`, `dict`, `set`, `tuple`.
//!
//! Python semantics throughout, with one documented difference: `dict.keys()`, `values()` and
//! `items()` return lists (snapshots), not live views.

mod dict;
mod list;
mod text;

pub use list::sort_values;

use super::{Args, Value};
use crate::error::{type_error, Exc};
use crate::eval::Interp;
use dana_grammar::ast::Sym;

const STR_METHODS: &[&str] = &[
    "capitalize",
    "casefold",
    "center",
    "count",
    "endswith",
    "find",
    "format",
    "index",
    "isalnum",
    "isalpha",
    "isascii",
    "isdecimal",
    "isdigit",
    "islower",
    "isnumeric",
    "isspace",
    "istitle",
    "isupper",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "partition",
    "removeprefix",
    "removesuffix",
    "replace",
    "rfind",
    "rindex",
    "rjust",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "startswith",
    "strip",
    "swapcase",
    "title",
    "upper",
    "zfill",
];
const LIST_METHODS: &[&str] = &[
    "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse",
    "sort",
];
const TUPLE_METHODS: &[&str] = &["count", "index"];
const DICT_METHODS: &[&str] = &[
    "clear",
    "copy",
    "get",
    "items",
    "keys",
    "pop",
    "popitem",
    "setdefault",
    "update",
    "values",
];
const SET_METHODS: &[&str] = &[
    "add",
    "clear",
    "copy",
    "difference",
    "difference_update",
    "discard",
    "intersection",
    "intersection_update",
    "isdisjoint",
    "issubset",
    "issuperset",
    "pop",
    "remove",
    "symmetric_difference",
    "symmetric_difference_update",
    "union",
    "update",
];

/// Calls `recv.name(args)`; `None` when the receiver's type has no such method.
pub fn call_method(
    it: &mut Interp,
    recv: &Value,
    name: Sym,
    args: Args<'_>,
) -> Option<Result<Value, Exc>> {
    let name = name.as_str();
    if !has_method(recv, name) {
        return None;
    }
    if crate::sandbox::is_contained() && mutates(recv, name) {
        if let Err(e) = crate::sandbox::check_mutation(recv) {
            return Some(Err(e));
        }
    }
    Some(match recv {
        Value::Str(s) => text::call(s, name, args),
        Value::List(_) => list::call_list(it, recv, name, args),
        Value::Tuple(t) => list::call_tuple(t, name, args),
        Value::Dict(_) => dict::call_dict(recv, name, args),
        Value::Set(_) => dict::call_set(recv, name, args),
        _ => return None,
    })
}

/// `true` for the builtin methods that change their receiver.
fn mutates(recv: &Value, name: &str) -> bool {
    match recv {
        Value::List(_) => matches!(
            name,
            "append" | "extend" | "insert" | "pop" | "remove" | "clear" | "sort" | "reverse"
        ),
        Value::Dict(_) => matches!(name, "update" | "pop" | "popitem" | "setdefault" | "clear"),
        Value::Set(_) => matches!(
            name,
            "add"
                | "discard"
                | "remove"
                | "pop"
                | "clear"
                | "update"
                | "intersection_update"
                | "difference_update"
                | "symmetric_difference_update"
        ),
        _ => false,
    }
}

/// `true` when `recv`'s type has a builtin method `name`.
pub fn has_method(recv: &Value, name: &str) -> bool {
    let names = match recv {
        Value::Str(_) => STR_METHODS,
        Value::List(_) => LIST_METHODS,
        Value::Tuple(_) => TUPLE_METHODS,
        Value::Dict(_) => DICT_METHODS,
        Value::Set(_) => SET_METHODS,
        _ => return false,
    };
    names.binary_search(&name).is_ok()
}

/// The builtin method names of a type name (`"str"`, `"list"`, …), for completion and help.
pub fn method_names(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "str" => STR_METHODS,
        "list" => LIST_METHODS,
        "tuple" => TUPLE_METHODS,
        "dict" => DICT_METHODS,
        "set" => SET_METHODS,
        _ => &[],
    }
}

/// Binds a method call's arguments to `params` (positional, or by keyword name), with
/// Python's argument-count messages (`append() takes exactly one argument (2 given)`).
pub(crate) fn bind<'a>(
    name: &str,
    args: Args<'a>,
    params: &[&str],
    required: usize,
) -> Result<Vec<Option<&'a Value>>, Exc> {
    let n = args.pos.len();
    let max = params.len();
    if n > max || (n < required && args.kw.is_empty()) {
        let plural = |k: usize| if k == 1 { "" } else { "s" };
        return Err(type_error(if max == 0 {
            format!("{name}() takes no arguments ({n} given)")
        } else if max == 1 && required == 1 {
            format!("{name}() takes exactly one argument ({n} given)")
        } else if n > max {
            format!(
                "{name}() takes at most {max} argument{} ({n} given)",
                plural(max)
            )
        } else {
            format!(
                "{name}() takes at least {required} argument{} ({n} given)",
                plural(required)
            )
        }));
    }
    let mut out: Vec<Option<&'a Value>> = params
        .iter()
        .enumerate()
        .map(|(i, _)| args.pos.get(i))
        .collect();
    for (k, v) in args.kw {
        let Some(i) = params.iter().position(|p| *p == k.as_str()) else {
            if params.is_empty() {
                return Err(type_error(format!("{name}() takes no keyword arguments")));
            }
            return Err(type_error(format!(
                "{name}() got an unexpected keyword argument '{k}'"
            )));
        };
        if out[i].is_some() {
            return Err(type_error(format!(
                "{name}() got multiple values for argument '{k}'"
            )));
        }
        out[i] = Some(v);
    }
    if let Some(missing) = out.iter().take(required).position(|x| x.is_none()) {
        return Err(type_error(format!(
            "{name}() missing required argument '{}' (pos {})",
            params[missing],
            missing + 1
        )));
    }
    Ok(out)
}

/// An optional argument that is absent or `None`.
pub(crate) fn given(v: Option<&Value>) -> Option<&Value> {
    v.filter(|x| !x.is_none())
}

/// An integer argument (bools count), with Python's message for other types.
pub(crate) fn int_arg(v: &Value) -> Result<i64, Exc> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::BigInt(b) => {
            use num_traits::Signed;
            Ok(if b.is_negative() { i64::MIN } else { i64::MAX })
        }
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_tables_are_sorted() {
        for t in [
            STR_METHODS,
            LIST_METHODS,
            TUPLE_METHODS,
            DICT_METHODS,
            SET_METHODS,
        ] {
            assert!(t.windows(2).all(|w| w[0] < w[1]), "{t:?}");
        }
        assert!(has_method(&Value::str("x"), "title"));
        assert!(!has_method(&Value::str("x"), "append"));
        assert!(has_method(&Value::list(vec![]), "sort"));
        assert!(!has_method(&Value::Int(1), "upper"));
    }

    #[test]
    fn argument_messages() {
        let two = [Value::Int(1), Value::Int(2)];
        let e = bind("append", Args::positional(&two), &["x"], 1).unwrap_err();
        assert_eq!(e.message, "append() takes exactly one argument (2 given)");
        let e = bind("copy", Args::positional(&two), &[], 0).unwrap_err();
        assert_eq!(e.message, "copy() takes no arguments (2 given)");
        let e = bind("pop", Args::positional(&two), &["i"], 0).unwrap_err();
        assert_eq!(e.message, "pop() takes at most 1 argument (2 given)");
        let e = bind(
            "replace",
            Args::positional(&two[..1]),
            &["old", "new", "count"],
            2,
        )
        .unwrap_err();
        assert_eq!(e.message, "replace() takes at least 2 arguments (1 given)");
        let kw = [(Sym::intern("maxsplit"), Value::Int(1))];
        let b = bind("split", Args::new(&[], &kw), &["sep", "maxsplit"], 0).unwrap();
        assert!(b[0].is_none() && b[1].is_some());
        let kw = [(Sym::intern("maxsplt"), Value::Int(1))];
        let e = bind("split", Args::new(&[], &kw), &["sep", "maxsplit"], 0).unwrap_err();
        assert_eq!(
            e.message,
            "split() got an unexpected keyword argument 'maxsplt'"
        );
    }
}
