//! Builtin-value methods (DANA_SPEC §6.2): `str`, `list`, `dict`, `set`, `tuple`.
//!
//! Python semantics throughout: `dict.keys()`, `values()` and `items()` return live views
//! (`value/views.rs`).

mod dict;
mod extra;
mod list;
mod text;

pub(crate) use extra::{fromkeys, maketrans};
pub use list::sort_values;

use super::{Args, Value};
use crate::error::Exc;
use crate::value::runtime::Interp;
use dana_grammar::ast::Sym;

const STR_METHODS: &[&str] = &[
    "capitalize",
    "casefold",
    "center",
    "count",
    "endswith",
    "expandtabs",
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
    "maketrans",
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
    "translate",
    "upper",
    "zfill",
];
const LIST_METHODS: &[&str] = &[
    "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse",
    "sort",
];
const TUPLE_METHODS: &[&str] = &["count", "index"];
const INT_METHODS: &[&str] = &["bit_count", "bit_length"];
const DICT_METHODS: &[&str] = &[
    "clear",
    "copy",
    "fromkeys",
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
    if !has_method_sym(recv, name) {
        return None;
    }
    let name = name.as_str();
    if crate::sandbox::is_contained() && mutates(recv, name) {
        if let Err(e) = crate::sandbox::check_mutation(recv) {
            return Some(Err(e));
        }
    }
    if args.pos.iter().any(|a| matches!(a, Value::Object(_))) && takes_iterable(name) {
        let pos: Result<Vec<Value>, Exc> = args
            .pos
            .iter()
            .map(|a| match a {
                Value::Object(o) => match o.base() {
                    Some(b) => Ok(b),
                    None => crate::value::collect(it, a).map(Value::list),
                },
                other => Ok(other.clone()),
            })
            .collect();
        return match pos {
            Ok(pos) => call_method(it, recv, Sym::intern(name), Args::new(&pos, args.kw)),
            Err(e) => Some(Err(e)),
        };
    }
    Some(match recv {
        Value::Str(s) if matches!(name, "maketrans" | "translate" | "expandtabs") => match name {
            "maketrans" => extra::maketrans(args),
            "translate" => extra::translate(s, args),
            _ => extra::expandtabs(s, args),
        },
        Value::Dict(_) if name == "fromkeys" => extra::fromkeys(args),
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => extra::call_int(recv, name, args),
        Value::Object(o) => {
            if o.method_names().contains(&name) {
                return o.call_method(it, recv, name, args);
            }
            let base = o.base()?;
            return call_method(it, &base, Sym::intern(name), args);
        }
        Value::Str(s) => text::call(s, name, args),
        Value::List(_) => list::call_list(it, recv, name, args),
        Value::Tuple(t) => list::call_tuple(t, name, args),
        Value::Dict(_) => dict::call_dict(recv, name, args),
        Value::Set(_) => dict::call_set(recv, name, args),
        _ => return None,
    })
}

/// `true` for the builtin methods whose arguments are iterables: a native object passed to
/// one is replaced by its base value, or by the list of its items.
fn takes_iterable(name: &str) -> bool {
    matches!(
        name,
        "join"
            | "extend"
            | "update"
            | "union"
            | "intersection"
            | "difference"
            | "symmetric_difference"
            | "intersection_update"
            | "difference_update"
            | "symmetric_difference_update"
            | "issubset"
            | "issuperset"
            | "isdisjoint"
            | "fromkeys"
    )
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
pub(crate) fn has_method(recv: &Value, name: &str) -> bool {
    let names = match recv {
        Value::Str(_) => STR_METHODS,
        Value::List(_) => LIST_METHODS,
        Value::Tuple(_) => TUPLE_METHODS,
        Value::Dict(_) => DICT_METHODS,
        Value::Set(_) => SET_METHODS,
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => INT_METHODS,
        Value::Object(o) => {
            return o.method_names().contains(&name)
                || o.base().is_some_and(|b| has_method(&b, name))
        }
        _ => return false,
    };
    names.binary_search(&name).is_ok()
}

/// Bits of [`method_kinds`]: which builtin types have a method of a given name.
const K_STR: u8 = 1;
const K_LIST: u8 = 2;
const K_TUPLE: u8 = 4;
const K_DICT: u8 = 8;
const K_SET: u8 = 16;
const K_INT: u8 = 32;
const K_UNKNOWN: u8 = 128;

thread_local! {
    /// [`method_kinds`] by symbol id, filled as names are met (`K_UNKNOWN`: not yet).
    static KINDS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The builtin types that have a method `name`, as `K_*` bits: one table read per call
/// instead of a binary search over the names.
fn method_kinds(name: Sym) -> u8 {
    let id = name.id() as usize;
    KINDS.with(|k| {
        if let Some(&f) = k.borrow().get(id) {
            if f != K_UNKNOWN {
                return f;
            }
        }
        let s = name.as_str();
        let mut f = 0;
        for (names, bit) in [
            (STR_METHODS, K_STR),
            (LIST_METHODS, K_LIST),
            (TUPLE_METHODS, K_TUPLE),
            (DICT_METHODS, K_DICT),
            (SET_METHODS, K_SET),
            (INT_METHODS, K_INT),
        ] {
            if names.binary_search(&s).is_ok() {
                f |= bit;
            }
        }
        let mut k = k.borrow_mut();
        if k.len() <= id {
            k.resize(id + 1, K_UNKNOWN);
        }
        k[id] = f;
        f
    })
}

/// [`has_method`] for a symbol.
pub(crate) fn has_method_sym(recv: &Value, name: Sym) -> bool {
    let bit = match recv {
        Value::Str(_) => K_STR,
        Value::List(_) => K_LIST,
        Value::Tuple(_) => K_TUPLE,
        Value::Dict(_) => K_DICT,
        Value::Set(_) => K_SET,
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => K_INT,
        Value::Object(_) => return has_method(recv, name.as_str()),
        _ => return false,
    };
    method_kinds(name) & bit != 0
}

/// The builtin method names of a type name (`"str"`, `"list"`, …), for completion and help.
pub fn method_names(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "str" => STR_METHODS,
        "list" => LIST_METHODS,
        "tuple" => TUPLE_METHODS,
        "dict" => DICT_METHODS,
        "set" => SET_METHODS,
        "int" | "bool" => INT_METHODS,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_tables_are_sorted() {
        for t in [
            INT_METHODS,
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
        // The table by symbol agrees with the name lists, for a name of several types too.
        for (v, name, want) in [
            (Value::str("x"), "title", true),
            (Value::str("x"), "append", false),
            (Value::list(vec![]), "count", true),
            (Value::tuple(vec![]), "count", true),
            (Value::Int(1), "count", false),
            (Value::Int(1), "bit_length", true),
            (Value::set(Default::default()), "union", true),
            (Value::dict(Default::default()), "union", false),
            (Value::None, "count", false),
        ] {
            let sym = Sym::intern(name);
            assert_eq!(has_method_sym(&v, sym), want, "{name} on {}", v.type_name());
            assert_eq!(has_method_sym(&v, sym), has_method(&v, name));
        }
    }
}
