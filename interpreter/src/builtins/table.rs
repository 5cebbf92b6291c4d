//! The table of builtins: every builtin function with its `help()` text (whose first lines are
//! its signatures), the names bound to type values, and [`all`], what a new interpreter binds.

use super::signatures::{doc_signatures, Signature};
use super::{core, iter, log, numeric, type_values};
use crate::error::ExcKind;
use crate::host::native;
use crate::value::{BuiltinType, NativeFnPtr, Value};

/// The builtin functions implemented here: name, function, one-paragraph doc.
const FUNCTIONS: &[(&str, NativeFnPtr, &str)] = &[
    ("print", core::print, "print(*values, sep=' ', end='\\n', flush=False) -> None\n\nWrites the str() of each value, separated by sep and followed by end."),
    ("len", core::len, "len(obj) -> int\n\nThe number of items of a container (code points for a str)."),
    ("repr", core::repr, "repr(obj) -> str\n\nThe printable representation of obj (strings quoted)."),
    ("hash", core::hash, "hash(obj) -> int\n\nThe hash of a hashable value (equal values hash equally)."),
    ("ord", core::ord, "ord(c) -> int\n\nThe code point of a one-character string."),
    ("chr", core::chr, "chr(i) -> str\n\nThe one-character string of code point i."),
    ("id", core::id, "id(obj) -> int\n\nA number identifying obj while it lives: id(a) == id(b) exactly when a is b."),
    ("callable", core::callable, "callable(obj) -> bool\n\nTrue when obj can be called."),
    ("input", core::input, "input(prompt='') -> str\n\nWrites prompt, then reads one line of standard input (without its newline).\nAt end of input raises RuntimeError('EOF when reading a line')."),
    ("help", core::help, "help(obj)\n\nShows the documentation of a function, type or module."),
    ("format", core::format, "format(value, format_spec='') -> str\n\nFormats value with a format spec, as in f\"{value:format_spec}\"."),
    ("abs", numeric::abs, "abs(x)\n\nThe absolute value of a number."),
    ("round", numeric::round, "round(x, ndigits=None)\n\nRounds half to even. Without ndigits returns an int; with ndigits returns a\nvalue of x's type rounded to that many decimal places."),
    ("sum", numeric::sum, "sum(iterable, start=0)\n\nThe sum of start and the items of iterable (not for strings: use ''.join)."),
    ("max", numeric::max, "max(iterable, *, key=None, default=<none>)\nmax(a, b, *rest, key=None)\n\nThe largest item (the first one among equals)."),
    ("min", numeric::min, "min(iterable, *, key=None, default=<none>)\nmin(a, b, *rest, key=None)\n\nThe smallest item (the first one among equals)."),
    ("divmod", numeric::divmod, "divmod(a, b) -> (a // b, a % b)"),
    ("pow", numeric::pow, "pow(base, exp, mod=None)\n\nbase ** exp, or (base ** exp) % mod computed efficiently for ints."),
    ("bin", numeric::bin, "bin(n) -> str\n\nThe binary text of an int ('0b101')."),
    ("oct", numeric::oct, "oct(n) -> str\n\nThe octal text of an int ('0o17')."),
    ("hex", numeric::hex, "hex(n) -> str\n\nThe hexadecimal text of an int ('0x1f')."),
    ("sorted", iter::sorted, "sorted(iterable, *, key=None, reverse=False) -> list\n\nA new sorted list (stable)."),
    ("reversed", iter::reversed, "reversed(sequence) -> list\n\nThe items in reverse order, as a list."),
    ("enumerate", iter::enumerate, "enumerate(iterable, start=0) -> list\n\nA list of (index, item) tuples (a lazy iterator over a lazy iterator)."),
    ("zip", iter::zip, "zip(*iterables, strict=False) -> list\n\nA list of tuples, as long as the shortest iterable."),
    ("map", iter::map, "map(function, *iterables) -> list\n\nfunction applied to each item (to items in parallel with several iterables)."),
    ("filter", iter::filter, "filter(function_or_None, iterable) -> list\n\nThe items for which function(item) is truthy (the truthy items when None)."),
    ("iter", iter::iter, "iter(iterable) -> iterator\n\nAn iterator over the items of iterable (an iterator is its own)."),
    ("next", iter::next, "next(iterator, default=<none>)\n\nThe next item of an iterator; at the end default, else StopIteration."),
    ("all", iter::all, "all(iterable) -> bool\n\nTrue when every item is truthy (True for an empty iterable)."),
    ("any", iter::any, "any(iterable) -> bool\n\nTrue when some item is truthy (False for an empty iterable)."),
    ("isinstance", type_values::isinstance, "isinstance(obj, type_or_tuple) -> bool\n\nTrue when obj is an instance of the type (structs by identity, interfaces\nstructurally, exception classes with their hierarchy)."),
    ("log", log::log, "log(message, level='INFO', namespace=None) -> None\nlog(*, msg, level='INFO', namespace=None) -> None\n\nWrites 'HH:MM:SS [LEVEL] message' (UTC time) to standard error when level is\nat least the threshold set by log_level (default WARNING)."),
    ("log_level", log::log_level, "log_level(level=None, namespace=None)\n\nSets the minimum level log() writes: debug, info, warning, error, critical.\nWithout an argument returns the current level name."),
];

/// The builtin names bound to type values (callable as conversions; see `call_type`).
const TYPE_NAMES: &[(&str, BuiltinType)] = &[
    ("int", BuiltinType::Int),
    ("float", BuiltinType::Float),
    ("str", BuiltinType::Str),
    ("bool", BuiltinType::Bool),
    ("list", BuiltinType::List),
    ("dict", BuiltinType::Dict),
    ("set", BuiltinType::Set),
    ("tuple", BuiltinType::Tuple),
    ("type", BuiltinType::Type),
    // `range` is a type as in Python, so `type(range(3)) == range` holds.
    ("range", BuiltinType::Range),
];

/// Every builtin name with its value, in the order `dir()`-like listings show them.
pub fn all() -> Vec<(&'static str, Value)> {
    let mut out: Vec<(&'static str, Value)> = Vec::with_capacity(FUNCTIONS.len() + 32);
    for &(name, t) in TYPE_NAMES {
        out.push((name, Value::Type(t)));
    }
    for &(name, f, doc) in FUNCTIONS {
        out.push((name, native(name, f, doc)));
    }
    for kind in ExcKind::ALL {
        out.push((kind.name(), Value::ExcType(kind)));
    }
    out
}

/// The signatures of a builtin function, parsed from the leading lines of its `help()` text
/// (several lines are overloads, as for `max`). Empty when `name` is not a builtin function.
pub fn builtin_function_signatures(name: &str) -> Vec<Signature> {
    FUNCTIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, doc)| doc_signatures(doc))
        .unwrap_or_default()
}

/// The names of the builtin functions that have a signature table entry (for the checker).
pub fn builtin_function_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|(n, _, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_names_are_unique_and_complete() {
        let names: Vec<&str> = all().iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "duplicate builtin name");
        for required in [
            "print",
            "len",
            "str",
            "int",
            "float",
            "bool",
            "type",
            "range",
            "list",
            "dict",
            "set",
            "tuple",
            "sum",
            "max",
            "min",
            "abs",
            "round",
            "sorted",
            "reversed",
            "enumerate",
            "zip",
            "map",
            "filter",
            "all",
            "any",
            "isinstance",
            "callable",
            "repr",
            "hash",
            "ord",
            "chr",
            "input",
            "log",
            "log_level",
            "help",
            "format",
            "divmod",
            "pow",
            "ValueError",
            "Exception",
            "KeyError",
        ] {
            assert!(names.contains(&required), "missing builtin {required}");
        }
    }

    #[test]
    fn every_native_has_a_doc() {
        for (name, v) in all() {
            if let Value::Native(n) = v {
                assert!(n.doc.is_some_and(|d| !d.is_empty()), "{name} has no doc");
            }
        }
    }

    #[test]
    fn every_builtin_function_has_a_signature() {
        for name in builtin_function_names() {
            let sigs = builtin_function_signatures(name);
            assert!(!sigs.is_empty(), "{name} has no signature line");
            assert!(sigs.iter().all(|s| s.name == name), "{name}");
        }
        assert_eq!(builtin_function_signatures("max").len(), 2);
    }
}
