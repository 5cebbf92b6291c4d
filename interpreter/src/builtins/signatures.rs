//! Signatures of the builtins, the builtin type conversions and the builtin-value methods, in one
//! place that the runtime (`help()`) and the static type checker (`crate::check`) both read.
//!
//! A signature is one line of Python-like text: `name(p: T = default, *args, *, k=None, **kw) -> R`.
//! - The builtin *functions* keep theirs as the first line(s) of their `help()` text in
//!   `table.rs` (a doc may list several lines, one per overload, before the first blank line);
//!   `builtin_function_signatures` there parses them with [`doc_signatures`].
//! - The builtin *types* (`int`, `str`, …, callable as conversions) and the builtin-value
//!   *methods* have theirs in [`TYPE_SIGNATURES`] and [`METHOD_SIGNATURES`] below; `help()` on a
//!   bound builtin method shows the line from here.
//! - Standard modules (crate dana-stdlib) keep theirs as the first line of each member's doc;
//!   the checker parses them with [`parse_signature`] too.
//!
//! In method signatures `T` is the element type of a `list`/`set`/`tuple` receiver, `K` and `V`
//! the key and value types of a `dict` receiver. Parameter names are the ones the runtime
//! accepts as keywords. A parameter without a type is `any`; a line without `->` returns `any`.

use dana_grammar::ast::{ParamKind, Span, Sym, TypeExpr, TypeExprKind};

/// One parameter of a signature line.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSpec {
    pub name: String,
    pub ann: Option<TypeExpr>,
    /// The default's source text (`None`, `' '`, `<none>`), when the parameter has one.
    pub default: Option<String>,
    pub kind: ParamKind,
    /// After a bare `*` (or after `*args`): only by keyword.
    pub keyword_only: bool,
}

/// A parsed signature line.
#[derive(Clone, Debug, PartialEq)]
pub struct Signature {
    pub name: String,
    pub params: Vec<ParamSpec>,
    /// `None` when the line has no `-> R` or `R` is not a type (`-> (a // b, a % b)`).
    pub returns: Option<TypeExpr>,
}

/// The call signatures of the builtin type names (conversions and constructors).
pub(crate) const TYPE_SIGNATURES: &[&str] = &[
    "int(x=0, base: int = 10) -> int",
    "float(x=0.0) -> float",
    "str(object='') -> str",
    "bool(x=False) -> bool",
    "list(iterable=()) -> list",
    "dict(mapping=None, **kwargs) -> dict",
    "set(iterable=()) -> set",
    "tuple(iterable=()) -> tuple",
    "type(obj) -> type",
    "range(start_or_stop: int, stop: int = None, step: int = 1) -> range",
];

/// `(receiver type, signature)` of every builtin-value method (DANA_SPEC §6.2).
pub(crate) const METHOD_SIGNATURES: &[(&str, &str)] = &[
    ("str", "capitalize() -> str"),
    ("str", "casefold() -> str"),
    ("str", "center(width: int, fillchar: str = ' ') -> str"),
    (
        "str",
        "count(sub: str, start: int | None = None, end: int | None = None) -> int",
    ),
    (
        "str",
        "endswith(sub: str | tuple, start: int | None = None, end: int | None = None) -> bool",
    ),
    (
        "str",
        "find(sub: str, start: int | None = None, end: int | None = None) -> int",
    ),
    ("str", "format(*args, **kwargs) -> str"),
    (
        "str",
        "index(sub: str, start: int | None = None, end: int | None = None) -> int",
    ),
    ("str", "isalnum() -> bool"),
    ("str", "isalpha() -> bool"),
    ("str", "isascii() -> bool"),
    ("str", "isdecimal() -> bool"),
    ("str", "isdigit() -> bool"),
    ("str", "islower() -> bool"),
    ("str", "isnumeric() -> bool"),
    ("str", "isspace() -> bool"),
    ("str", "istitle() -> bool"),
    ("str", "isupper() -> bool"),
    ("str", "join(x) -> str"),
    ("str", "ljust(width: int, fillchar: str = ' ') -> str"),
    ("str", "lower() -> str"),
    ("str", "lstrip(chars: str | None = None) -> str"),
    ("str", "partition(x: str) -> tuple[str, str, str]"),
    ("str", "removeprefix(x: str) -> str"),
    ("str", "removesuffix(x: str) -> str"),
    ("str", "replace(old: str, new: str, count: int = -1) -> str"),
    (
        "str",
        "rfind(sub: str, start: int | None = None, end: int | None = None) -> int",
    ),
    (
        "str",
        "rindex(sub: str, start: int | None = None, end: int | None = None) -> int",
    ),
    ("str", "rjust(width: int, fillchar: str = ' ') -> str"),
    ("str", "rpartition(x: str) -> tuple[str, str, str]"),
    (
        "str",
        "rsplit(sep: str | None = None, maxsplit: int | None = None) -> list[str]",
    ),
    ("str", "rstrip(chars: str | None = None) -> str"),
    (
        "str",
        "split(sep: str | None = None, maxsplit: int | None = None) -> list[str]",
    ),
    ("str", "splitlines(keepends=False) -> list[str]"),
    (
        "str",
        "startswith(sub: str | tuple, start: int | None = None, end: int | None = None) -> bool",
    ),
    ("str", "strip(chars: str | None = None) -> str"),
    ("str", "swapcase() -> str"),
    ("str", "title() -> str"),
    ("str", "translate(table: dict) -> str"),
    ("str", "maketrans(x, y: str = '', z: str = '') -> dict"),
    ("str", "expandtabs(tabsize: int = 8) -> str"),
    ("str", "upper() -> str"),
    ("str", "zfill(x: int) -> str"),
    ("list", "append(x: T) -> None"),
    ("list", "clear() -> None"),
    ("list", "copy() -> list[T]"),
    ("list", "count(x) -> int"),
    ("list", "extend(x) -> None"),
    (
        "list",
        "index(x, start: int | None = None, end: int | None = None) -> int",
    ),
    ("list", "insert(index: int, x: T) -> None"),
    ("list", "pop(index: int = -1) -> T"),
    ("list", "remove(x) -> None"),
    ("list", "reverse() -> None"),
    ("list", "sort(*, key=None, reverse=False) -> None"),
    ("tuple", "count(x) -> int"),
    (
        "tuple",
        "index(x, start: int | None = None, end: int | None = None) -> int",
    ),
    ("dict", "clear() -> None"),
    ("dict", "copy() -> dict[K, V]"),
    ("dict", "get(key, default=None) -> V | None"),
    ("dict", "items() -> dict_items"),
    ("dict", "keys() -> dict_keys"),
    ("dict", "fromkeys(iterable, value = None) -> dict"),
    ("dict", "pop(key, default=<none>) -> V"),
    ("dict", "popitem() -> tuple[K, V]"),
    ("dict", "setdefault(key, default=None) -> V"),
    ("dict", "update(*args, **kwargs) -> None"),
    ("dict", "values() -> dict_values"),
    ("set", "add(x) -> None"),
    ("set", "clear() -> None"),
    ("set", "copy() -> set[T]"),
    ("set", "difference(*others) -> set[T]"),
    ("set", "difference_update(*others) -> None"),
    ("set", "discard(x) -> None"),
    ("set", "intersection(*others) -> set[T]"),
    ("set", "intersection_update(*others) -> None"),
    ("set", "isdisjoint(x) -> bool"),
    ("set", "issubset(x) -> bool"),
    ("set", "issuperset(x) -> bool"),
    ("set", "pop() -> T"),
    ("set", "remove(x) -> None"),
    ("set", "symmetric_difference(x) -> set[T]"),
    ("set", "symmetric_difference_update(x) -> None"),
    ("set", "union(*others) -> set"),
    ("set", "update(*others) -> None"),
];

/// The signature line of a builtin-value method, e.g. `("str", "split")`.
pub(crate) fn method_signature_line(type_name: &str, method: &str) -> Option<&'static str> {
    METHOD_SIGNATURES
        .iter()
        .find_map(|(t, line)| (*t == type_name && signature_name(line) == method).then_some(*line))
}

/// The parsed signature of a builtin-value method.
pub(crate) fn method_signature(type_name: &str, method: &str) -> Option<Signature> {
    method_signature_line(type_name, method).and_then(parse_signature)
}

/// The parsed call signature of a builtin type name (`int`, `str`, `range`, …).
pub(crate) fn type_signature(name: &str) -> Option<Signature> {
    TYPE_SIGNATURES
        .iter()
        .find(|l| signature_name(l) == name)
        .and_then(|l| parse_signature(l))
}

/// The signatures at the head of a doc text: every line before the first blank line that
/// parses as a signature.
pub(crate) fn doc_signatures(doc: &str) -> Vec<Signature> {
    doc.lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(parse_signature)
        .collect()
}

fn signature_name(line: &str) -> &str {
    line.split('(').next().unwrap_or("").trim()
}

/// Parses `name(params) -> R`. `None` when the line is not of that shape.
pub(crate) fn parse_signature(line: &str) -> Option<Signature> {
    let line = line.trim();
    let open = line.find('(')?;
    let name = line[..open].trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    let close = matching_paren(line, open)?;
    let inner = &line[open + 1..close];
    let rest = line[close + 1..].trim();
    let returns = match rest.strip_prefix("->") {
        Some(r) => parse_type(r.trim()),
        None if rest.is_empty() => None,
        None => return None,
    };
    let mut params = Vec::new();
    let mut keyword_only = false;
    for part in split_top(inner, ',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if part == "*" {
            keyword_only = true;
            continue;
        }
        if part == "/" {
            continue;
        }
        let (kind, part) = if let Some(p) = part.strip_prefix("**") {
            (ParamKind::KwArgs, p)
        } else if let Some(p) = part.strip_prefix('*') {
            (ParamKind::VarArgs, p)
        } else {
            (ParamKind::Normal, part)
        };
        let (head, default) = match split_top(part, '=').as_slice() {
            [h] => (h.to_string(), None),
            [h, d, ..] => (h.to_string(), Some(d.trim().to_string())),
            [] => return None,
        };
        let (pname, ann) = match head.split_once(':') {
            Some((n, t)) => (n.trim().to_string(), parse_type(t.trim())),
            None => (head.trim().to_string(), None),
        };
        if pname.is_empty() {
            return None;
        }
        params.push(ParamSpec {
            name: pname,
            ann,
            default,
            kind,
            keyword_only: keyword_only && kind == ParamKind::Normal,
        });
        if kind == ParamKind::VarArgs {
            keyword_only = true;
        }
    }
    Some(Signature {
        name: name.to_string(),
        params,
        returns,
    })
}

fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices().skip_while(|(i, _)| *i < open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits on `sep` outside brackets and quotes.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{' | '<') => depth += 1,
            (None, ')' | ']' | '}' | '>') => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Parses a type annotation's text (`int`, `list[str]`, `dict[str, int] | None`).
pub(crate) fn parse_type(s: &str) -> Option<TypeExpr> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let parts = split_top(s, '|');
    if parts.len() > 1 {
        let ts = parts
            .iter()
            .map(|p| parse_type(p))
            .collect::<Option<Vec<_>>>()?;
        return Some(texpr(TypeExprKind::Union(ts)));
    }
    if let Some(open) = s.find('[') {
        if !s.ends_with(']') {
            return None;
        }
        let name = s[..open].trim();
        if !is_type_name(name) {
            return None;
        }
        let args = split_top(&s[open + 1..s.len() - 1], ',')
            .iter()
            .map(|a| parse_type(a))
            .collect::<Option<Vec<_>>>()?;
        return Some(texpr(TypeExprKind::Generic(Sym::intern(name), args)));
    }
    if s == "None" {
        return Some(texpr(TypeExprKind::None));
    }
    if s == "..." || is_type_name(s) {
        return Some(texpr(TypeExprKind::Name(Sym::intern(s))));
    }
    None
}

fn is_type_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn texpr(kind: TypeExprKind) -> TypeExpr {
    TypeExpr {
        kind,
        span: Span::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::methods::method_names;

    #[test]
    fn parses_lines_with_defaults_stars_and_types() {
        let s = parse_signature("sorted(iterable, *, key=None, reverse=False) -> list").unwrap();
        assert_eq!(s.name, "sorted");
        assert_eq!(s.params.len(), 3);
        assert!(s.params[1].keyword_only && s.params[2].keyword_only);
        assert_eq!(s.params[1].default.as_deref(), Some("None"));
        let s = parse_signature("print(*values, sep=' ', end='\\n')").unwrap();
        assert_eq!(s.params[0].kind, ParamKind::VarArgs);
        assert!(s.returns.is_none());
        let s = parse_signature("divmod(a, b) -> (a // b, a % b)").unwrap();
        assert!(s.returns.is_none());
        let s = parse_signature("get(key, default=None) -> V | None").unwrap();
        assert!(matches!(
            s.returns.unwrap().kind,
            TypeExprKind::Union(ref v) if v.len() == 2
        ));
        assert!(parse_signature("not a signature").is_none());
        assert!(parse_signature("Writes the str() of each value").is_none());
    }

    #[test]
    fn method_table_matches_the_runtime_method_names() {
        for t in ["str", "list", "tuple", "dict", "set"] {
            let runtime = method_names(t);
            for m in runtime {
                assert!(
                    method_signature(t, m).is_some(),
                    "{t}.{m} has no signature line"
                );
            }
            for (tt, line) in METHOD_SIGNATURES {
                if *tt == t {
                    let n = signature_name(line);
                    assert!(runtime.contains(&n), "{t}.{n} is not a runtime method");
                    assert!(parse_signature(line).is_some(), "{line}");
                }
            }
        }
    }

    #[test]
    fn every_type_name_has_a_signature() {
        for t in [
            "int", "float", "str", "bool", "list", "dict", "set", "tuple", "type", "range",
        ] {
            assert!(type_signature(t).is_some(), "{t}");
        }
    }
}
