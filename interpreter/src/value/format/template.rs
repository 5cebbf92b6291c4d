//! `str.format`: `"{} {0} {name} {x.field} {xs[0]} {v!r:>{width}}".format(...)`.

use super::spec::{ascii_escape, format_spec};
use crate::error::{attribute_error, index_error, key_error, value_error, Exc};
use crate::value::repr::{repr, str_repr, to_str};
use crate::value::{ops, Key, Value};
use dana_grammar::ast::Sym;

/// Python's `fmt.format(*pos, **kw)`.
pub(crate) fn str_format(fmt: &str, pos: &[Value], kw: &[(Sym, Value)]) -> Result<String, Exc> {
    let mut st = State {
        pos,
        kw,
        auto: None,
    };
    expand(fmt, &mut st, 0)
}

struct State<'a> {
    pos: &'a [Value],
    kw: &'a [(Sym, Value)],
    /// `Some(next)` once automatic numbering (`{}`) is used, `Some(usize::MAX)` once a manual
    /// index (`{0}`) is used: Python forbids mixing the two.
    auto: Option<usize>,
}

const MANUAL: usize = usize::MAX;

fn expand(fmt: &str, st: &mut State<'_>, depth: usize) -> Result<String, Exc> {
    if depth > 1 {
        return Err(value_error("Max string recursion exceeded"));
    }
    let cs: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        i += 1;
        match c {
            '{' if cs.get(i) == Some(&'{') => {
                out.push('{');
                i += 1;
            }
            '}' if cs.get(i) == Some(&'}') => {
                out.push('}');
                i += 1;
            }
            '}' => return Err(value_error("Single '}' encountered in format string")),
            '{' => {
                if i >= cs.len() {
                    return Err(value_error("Single '{' encountered in format string"));
                }
                // The field runs to the matching `}` (a spec may hold nested `{…}` fields).
                let start = i;
                let mut nest = 1;
                let mut in_bracket = false;
                while i < cs.len() {
                    match cs[i] {
                        '[' => in_bracket = true,
                        ']' => in_bracket = false,
                        '{' if !in_bracket => nest += 1,
                        '}' if !in_bracket => {
                            nest -= 1;
                            if nest == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                if i >= cs.len() {
                    return Err(value_error("expected '}' before end of string"));
                }
                let field: String = cs[start..i].iter().collect();
                i += 1;
                out.push_str(&replace_field(&field, st, depth)?);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// One `{name!conv:spec}` field.
fn replace_field(field: &str, st: &mut State<'_>, depth: usize) -> Result<String, Exc> {
    // The name ends at the first `!` or `:` outside `[...]`.
    let mut end = field.len();
    let mut in_bracket = false;
    for (k, c) in field.char_indices() {
        match c {
            '[' => in_bracket = true,
            ']' => in_bracket = false,
            '!' | ':' if !in_bracket => {
                end = k;
                break;
            }
            _ => {}
        }
    }
    let (name, rest) = field.split_at(end);
    let (conv, spec) = if let Some(r) = rest.strip_prefix('!') {
        let mut it = r.chars();
        let conv = it
            .next()
            .ok_or_else(|| value_error("end of string while looking for conversion specifier"))?;
        let after = it.as_str();
        let spec = match after.strip_prefix(':') {
            Some(s) => s,
            None if after.is_empty() => "",
            None => return Err(value_error("expected ':' after conversion specifier")),
        };
        (Some(conv), spec)
    } else {
        (None, rest.strip_prefix(':').unwrap_or(""))
    };
    let value = lookup_field(name, st)?;
    let value = match conv {
        None => value,
        Some('r') => Value::str(repr(&value)),
        Some('s') => Value::str(to_str(&value)),
        Some('a') => Value::str(ascii_escape(&repr(&value))),
        Some(c) => return Err(value_error(format!("Unknown conversion specifier {c}"))),
    };
    let spec = if spec.contains('{') {
        expand(spec, st, depth + 1)?
    } else {
        spec.to_owned()
    };
    format_spec(&value, &spec)
}

/// Resolves `0`, `name`, `` (automatic), then `.attr` and `[key]` accessors.
fn lookup_field(name: &str, st: &mut State<'_>) -> Result<Value, Exc> {
    let first_end = name.find(['.', '[']).unwrap_or(name.len());
    let (first, mut rest) = name.split_at(first_end);
    let mut v = if first.is_empty() {
        let next =
            match st.auto {
                Some(MANUAL) => return Err(value_error(
                    "cannot switch from manual field specification to automatic field numbering",
                )),
                Some(n) => n,
                None => 0,
            };
        st.auto = Some(next + 1);
        positional(st, next)?
    } else if first.bytes().all(|b| b.is_ascii_digit()) {
        if matches!(st.auto, Some(n) if n != MANUAL) {
            return Err(value_error(
                "cannot switch from automatic field numbering to manual field specification",
            ));
        }
        st.auto = Some(MANUAL);
        let idx = first.parse::<usize>().unwrap_or(usize::MAX);
        positional(st, idx)?
    } else {
        st.kw
            .iter()
            .find(|(k, _)| k.as_str() == first)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| key_error(str_repr(first)))?
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let attr = &r[..end];
            if attr.is_empty() {
                return Err(value_error("Empty attribute in format string"));
            }
            v = get_attr(&v, attr)?;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| value_error("Missing ']' in format string"))?;
            let key = &r[..end];
            if key.is_empty() {
                return Err(value_error("Empty attribute in format string"));
            }
            let k = match key.parse::<i64>() {
                Ok(n) if key.bytes().all(|b| b.is_ascii_digit()) => Value::Int(n),
                _ => Value::str(key),
            };
            v = ops::get_index(&v, &k)?;
            rest = &r[end + 1..];
            if !rest.is_empty() && !rest.starts_with(['.', '[']) {
                return Err(value_error(
                    "Only '.' or '[' may follow ']' in format field specifier",
                ));
            }
        } else {
            return Err(value_error(
                "Only '.' or '[' may follow ']' in format field specifier",
            ));
        }
    }
    Ok(v)
}

fn positional(st: &State<'_>, i: usize) -> Result<Value, Exc> {
    st.pos.get(i).cloned().ok_or_else(|| {
        index_error(format!(
            "Replacement index {i} out of range for positional args tuple"
        ))
    })
}

/// `.attr` in a field name: a struct field, or a dict key (Dana's attribute-on-dict rule).
fn get_attr(v: &Value, attr: &str) -> Result<Value, Exc> {
    match v {
        Value::Struct(inst) => {
            if let Some(i) = inst.ty.field_index(Sym::intern(attr)) {
                if let Some(x) = inst.fields.borrow().get(i) {
                    return Ok(x.clone());
                }
            }
        }
        Value::Dict(d) => {
            if let Some(x) = d.borrow().get(&Key(Value::str(attr))) {
                return Ok(x.clone());
            }
        }
        _ => {}
    }
    Err(attribute_error(format!(
        "'{}' object has no attribute '{attr}'",
        v.type_name()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sf(fmt: &str, pos: &[Value], kw: &[(&str, Value)]) -> String {
        let kw: Vec<(Sym, Value)> = kw
            .iter()
            .map(|(k, v)| (Sym::intern(k), v.clone()))
            .collect();
        match str_format(fmt, pos, &kw) {
            Ok(s) => s,
            Err(e) => format!("!{}: {}", e.kind, e.message),
        }
    }

    #[test]
    fn fields() {
        let p = [Value::Int(1), Value::str("a"), Value::Float(2.5)];
        assert_eq!(sf("{} {} {}", &p, &[]), "1 a 2.5");
        assert_eq!(sf("{2} {0} {0}", &p, &[]), "2.5 1 1");
        assert_eq!(
            sf(
                "{x}-{y!r}",
                &[],
                &[("x", Value::Int(3)), ("y", Value::str("b"))]
            ),
            "3-'b'"
        );
        assert_eq!(sf("{:>5}|{:<4}|{:.2f}", &p, &[]), "    1|a   |2.50");
        assert_eq!(sf("{{}} {{{}}}", &p, &[]), "{} {1}");
        assert_eq!(
            sf("{0:>{1}}", &[Value::str("x"), Value::Int(3)], &[]),
            "  x"
        );
        assert_eq!(sf("{:{}}", &[Value::str("x"), Value::Int(3)], &[]), "x  ");
        let xs = Value::list(vec![Value::Int(7), Value::Int(8)]);
        assert_eq!(
            sf(
                "{0[1]} {xs[0]}",
                std::slice::from_ref(&xs),
                &[("xs", xs.clone())]
            ),
            "8 7"
        );
        assert_eq!(sf("{!s:>3}", &[Value::Bool(true)], &[]), "True");
    }

    #[test]
    fn errors() {
        assert_eq!(
            sf("{} {}", &[Value::Int(1)], &[]),
            "!IndexError: Replacement index 1 out of range for positional args tuple"
        );
        assert_eq!(
            sf("{0} {}", &[Value::Int(1), Value::Int(2)], &[]),
            "!ValueError: cannot switch from manual field specification to automatic field numbering"
        );
        assert_eq!(
            sf("{} {0}", &[Value::Int(1), Value::Int(2)], &[]),
            "!ValueError: cannot switch from automatic field numbering to manual field specification"
        );
        assert_eq!(
            sf("{", &[], &[]),
            "!ValueError: Single '{' encountered in format string"
        );
        assert_eq!(
            sf("}", &[], &[]),
            "!ValueError: Single '}' encountered in format string"
        );
        assert_eq!(
            sf("{0", &[], &[]),
            "!ValueError: expected '}' before end of string"
        );
        assert_eq!(sf("{a}", &[], &[]), "!KeyError: 'a'");
        assert_eq!(
            sf("{!x}", &[Value::Int(1)], &[]),
            "!ValueError: Unknown conversion specifier x"
        );
    }
}
