//! `import string`: Python's character-class constants and `capwords`.

use dana_grammar::ast::Sym;
use dana_interpreter::error::{attribute_error, type_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::build_module;
use dana_interpreter::value::methods::call_method;
use dana_interpreter::value::{Args, Globals, Value};
use std::rc::Rc;

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const WHITESPACE: &str = " \t\n\r\x0b\x0c";

pub(crate) fn module() -> Rc<Globals> {
    let letters = format!("{LOWER}{UPPER}");
    let printable = format!("{DIGITS}{letters}{PUNCTUATION}{WHITESPACE}");
    build_module(
        "string",
        &[(
            "capwords",
            capwords,
            "capwords(s, sep: str | None = None) -> str\n\nSplits s into words with s.split(sep), capitalizes each word and joins\nthem with sep (a single space when sep is None).",
        )],
        vec![
            ("ascii_letters", Value::str(letters)),
            ("ascii_lowercase", Value::str(LOWER)),
            ("ascii_uppercase", Value::str(UPPER)),
            ("digits", Value::str(DIGITS)),
            ("hexdigits", Value::str("0123456789abcdefABCDEF")),
            ("octdigits", Value::str("01234567")),
            ("punctuation", Value::str(PUNCTUATION)),
            ("whitespace", Value::str(WHITESPACE)),
            ("printable", Value::str(printable)),
        ],
    )
}

/// `recv.name(*pos)` with the builtin string methods, so `capwords` splits and capitalizes
/// exactly as `str.split` and `str.capitalize` do.
fn str_method(it: &mut Interp, recv: &Value, name: &str, pos: &[Value]) -> Result<Value, Exc> {
    call_method(it, recv, Sym::intern(name), Args::positional(pos))
        .unwrap_or_else(|| Err(type_error(format!("str has no method {name}"))))
}

fn capwords(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("capwords", 1, 2, &["sep"])?;
    let s = &args.pos[0];
    let sep = args.get(1, "sep").cloned().unwrap_or(Value::None);
    // Python evaluates `(sep or ' ').join` first, then `s.split(sep)`.
    for (v, method) in [(&sep, "join"), (s, "split")] {
        if !matches!(v, Value::Str(_) | Value::None) || (method == "split" && v.is_none()) {
            return Err(attribute_error(format!(
                "'{}' object has no attribute '{method}'",
                v.type_name()
            )));
        }
    }
    let words = str_method(it, s, "split", std::slice::from_ref(&sep))?;
    let mut caps = Vec::new();
    for w in dana_interpreter::value::ops::iter_to_vec(&words)? {
        caps.push(str_method(it, &w, "capitalize", &[])?);
    }
    let joiner = if sep.is_none() { Value::str(" ") } else { sep };
    str_method(it, &joiner, "join", &[Value::list(caps)])
}
