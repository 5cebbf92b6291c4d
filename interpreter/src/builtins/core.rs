//! Output, input and the small value builtins: `print`, `input`, `len`, `repr`, `hash`, `ord`,
//! `chr`, `callable`, `format`, `help`.

use crate::error::{runtime_error, type_error, value_error, Exc, ExcKind};
use crate::host::{int_arg, Big};
use crate::value::fxhash::FxHasher;
use crate::value::hash::hash_value;
use crate::value::runtime::Interp;
use crate::value::{
    format as fmt, methods, ops, repr as vrepr, Args, BuiltinType, Key, MethodTarget, NativeType,
    Value,
};
use std::hash::Hasher;

/// A `sep=`/`end=` argument of `print`: a str, or None for the default.
fn print_text<'a>(name: &str, v: Option<&'a Value>, default: &'a str) -> Result<&'a str, Exc> {
    match v {
        None | Some(Value::None) => Ok(default),
        Some(Value::Str(s)) => Ok(s.as_str()),
        Some(other) => Err(type_error(format!(
            "{name} must be None or a string, not {}",
            other.type_name()
        ))),
    }
}

pub(super) fn print(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("print", 0, usize::MAX, &["sep", "end", "flush"])?;
    let sep = print_text("sep", args.kw("sep"), " ")?;
    let end = print_text("end", args.kw("end"), "\n")?;
    let mut out = String::new();
    for (i, v) in args.pos.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        match v {
            Value::Str(s) => out.push_str(s),
            other => out.push_str(&vrepr::to_str(other)),
        }
    }
    out.push_str(end);
    it.write_stdout(&out);
    if args.kw("flush").is_some_and(|f| f.truthy()) {
        it.flush();
    }
    Ok(Value::None)
}

pub(super) fn input(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("input", 0, 1, &["prompt"])?;
    if let Some(p) = args.get(0, "prompt") {
        it.write_stdout(&vrepr::to_str(p));
    }
    match it.read_line() {
        Some(line) => Ok(Value::str(line)),
        // There is no EOFError class in Dana (§9); RuntimeError is the closest catchable kind.
        None => Err(runtime_error("EOF when reading a line")),
    }
}

pub(super) fn len(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("len", 1, 1, &[])?;
    let n = ops::len(&args.pos[0])?;
    Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

pub(super) fn repr(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("repr", 1, 1, &[])?;
    Ok(Value::str(vrepr::repr(&args.pos[0])))
}

/// The hash of a hashable value as a Dana int (TypeError for lists, dicts, sets).
pub(crate) fn hash_of(v: &Value) -> Result<i64, Exc> {
    let key = Key::new(v.clone())?;
    let mut h = FxHasher::default();
    hash_value(key.value(), &mut h);
    Ok(h.finish() as i64)
}

pub(super) fn hash(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("hash", 1, 1, &[])?;
    Ok(Value::Int(hash_of(&args.pos[0])?))
}

/// `ord(c)`.
pub(crate) fn ord_of(v: &Value) -> Result<i64, Exc> {
    let s = v.as_str().ok_or_else(|| {
        type_error(format!(
            "ord() expected string of length 1, but {} found",
            v.type_name()
        ))
    })?;
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c as i64),
        _ => Err(type_error(format!(
            "ord() expected a character, but string of length {} found",
            s.chars().count()
        ))),
    }
}

pub(super) fn ord(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("ord", 1, 1, &[])?;
    Ok(Value::Int(ord_of(&args.pos[0])?))
}

/// `chr(i)`. Surrogate code points (U+D800..U+DFFF) are rejected: Dana strings are UTF-8.
pub(crate) fn chr_of(i: i64) -> Result<char, Exc> {
    if !(0..0x110000).contains(&i) {
        return Err(value_error("chr() arg not in range(0x110000)"));
    }
    char::from_u32(i as u32)
        .ok_or_else(|| value_error(format!("chr() arg is a surrogate code point ({i:#x})")))
}

pub(super) fn chr(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("chr", 1, 1, &[])?;
    let i = match &args.pos[0] {
        Value::BigInt(_) => {
            return Err(crate::error::overflow_error(
                "Python int too large to convert to C int",
            ))
        }
        v => int_arg(v, Big::TooLarge("chr"))?,
    };
    Ok(Value::str(chr_of(i)?.to_string()))
}

pub(super) fn callable(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("callable", 1, 1, &[])?;
    Ok(Value::Bool(args.pos[0].is_callable()))
}

pub(super) fn format(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("format", 1, 2, &["format_spec"])?;
    let spec = match args.get(1, "format_spec") {
        None => "",
        Some(Value::Str(s)) => s.as_str(),
        Some(other) => {
            return Err(type_error(format!(
                "format() argument 2 must be str, not {}",
                other.type_name()
            )))
        }
    };
    Ok(Value::str(fmt::format_spec(&args.pos[0], spec)?))
}

pub(super) fn help(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("help", 0, 1, &[])?;
    let text = match args.pos.first() {
        None => general_help(),
        Some(v) => help_text(v),
    };
    it.write_stdout(&text);
    Ok(Value::None)
}

const GENERAL_HELP: &str = "Dana builtins:\n    print len str int float bool type range list dict set tuple sum max min abs\n    round sorted reversed enumerate zip map filter all any isinstance callable repr\n    hash ord chr input format divmod pow bin oct hex log log_level help\nUse help(obj) for the documentation of a function, type or module.\n";

fn general_help() -> String {
    GENERAL_HELP.to_string()
}

/// Python's `inspect.cleandoc`: strips the first line, removes the common indentation of the
/// other lines, and drops leading and trailing blank lines.
pub(crate) fn clean_doc(doc: &str) -> String {
    let doc = doc.replace('\t', "        ");
    let lines: Vec<&str> = doc.lines().collect();
    // Indentation counted in characters, so odd whitespace cannot split a UTF-8 sequence.
    let lead = |l: &str| l.chars().take_while(|c| c.is_whitespace()).count();
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| lead(l))
        .min()
        .unwrap_or(0);
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        if i == 0 {
            out.push(l.trim().to_string());
        } else {
            let drop = lead(l).min(indent);
            out.push(
                l.chars()
                    .skip(drop)
                    .collect::<String>()
                    .trim_end()
                    .to_string(),
            );
        }
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// `text` with every line indented by four spaces.
fn indented(text: &str) -> String {
    let mut out = String::new();
    for l in text.lines() {
        if !l.is_empty() {
            out.push_str("    ");
            out.push_str(l);
        }
        out.push('\n');
    }
    out
}

/// What `help(v)` prints.
pub(crate) fn help_text(v: &Value) -> String {
    match v {
        Value::Func(f) => {
            let name = f.name().as_str();
            let doc = f
                .doc()
                .map(clean_doc)
                .unwrap_or_else(|| "(no documentation)".into());
            format!(
                "Help on function {name} in module {}:\n\n{}\n{}\n",
                f.globals.name,
                f.signature(),
                indented(&doc)
            )
        }
        Value::Native(n) => {
            let name = n.name.as_str();
            // Native docs are "signature\n\nbody", shown like Python's help().
            let (sig, body) = match n.doc {
                Some(doc) => match doc.split_once("\n\n") {
                    Some((sig, body)) => (sig.to_string(), body.to_string()),
                    None => (doc.to_string(), String::new()),
                },
                None => (format!("{name}(...)"), "(no documentation)".to_string()),
            };
            format!(
                "Help on builtin function {name}:\n\n{sig}\n{}",
                indented(&body)
            )
        }
        Value::Method(m) => match &m.target {
            MethodTarget::Func(f) => help_text(f),
            MethodTarget::Builtin(name) => {
                let tn = m.recv.type_name();
                // The signature line is the one the type checker reads (builtins/signatures.rs).
                let sig = super::signatures::method_signature_line(&tn, name.as_str())
                    .map(|l| format!("{tn}.{l}"))
                    .unwrap_or_else(|| format!("{tn}.{name}(...)"));
                format!(
                    "Help on method {tn}.{name}:\n\n{sig}\n    A builtin method of {tn} (Python-compatible).\n"
                )
            }
        },
        Value::Type(t) => type_help(*t),
        Value::StructType(st) => {
            let mut out = format!("Help on {} {}:\n\n", st.kind, st.name);
            let sig: Vec<String> = st
                .fields
                .iter()
                .map(|f| {
                    let mut s = f.name.as_str().to_string();
                    if let Some(a) = &f.ann {
                        s.push_str(&format!(": {a}"));
                    }
                    if let Some(d) = &f.default {
                        s.push_str(&format!(" = {}", vrepr::repr(d)));
                    }
                    s
                })
                .collect();
            out.push_str(&format!("{}({})\n", st.name, sig.join(", ")));
            if let Some(doc) = &st.doc {
                out.push_str(&indented(&clean_doc(doc)));
            }
            let commented: Vec<_> = st.fields.iter().filter(|f| f.comment.is_some()).collect();
            if !commented.is_empty() {
                out.push_str("\n    Fields:\n");
                for f in commented {
                    out.push_str(&format!(
                        "        {}: {}\n",
                        f.name,
                        f.comment.as_deref().unwrap_or("")
                    ));
                }
            }
            let methods = st.methods.borrow();
            if !methods.is_empty() {
                let names: Vec<&str> = methods.keys().map(|k| k.as_str()).collect();
                out.push_str(&format!("\n    Methods: {}\n", names.join(", ")));
            }
            out
        }
        Value::Object(o) => match v.downcast::<NativeType>() {
            Some(t) => {
                let mut out = if t.module.is_empty() {
                    format!("Help on class {}:\n\n{}(...)\n", t.name, t.name)
                } else {
                    format!(
                        "Help on class {} in module {}:\n\n{}(...)\n",
                        t.name, t.module, t.name
                    )
                };
                let names = t.attr_names();
                if !names.is_empty() {
                    out.push_str(&format!("\n    Class attributes: {}\n", names.join(", ")));
                }
                out
            }
            None => {
                let mut out = format!("Help on {} object:\n", o.type_name());
                let methods = o.method_names();
                if !methods.is_empty() {
                    out.push_str(&format!("\n    Methods: {}\n", methods.join(", ")));
                }
                out
            }
        },
        Value::Interface(iface) => {
            let mut out = format!("Help on interface {}:\n\n", iface.name);
            if let Some(doc) = &iface.doc {
                out.push_str(&indented(&clean_doc(doc)));
                out.push('\n');
            }
            for (m, n) in &iface.methods {
                out.push_str(&format!(
                    "    {m}({})\n",
                    if *n == 1 {
                        "1 parameter".to_string()
                    } else {
                        format!("{n} parameters")
                    }
                ));
            }
            out
        }
        Value::ExcType(kind) => exc_help(*kind),
        Value::Module(m) => {
            let names: Vec<&str> = m
                .names()
                .into_iter()
                .map(|s| s.as_str())
                .filter(|s| !s.starts_with('_'))
                .collect();
            format!(
                "Help on module {}:\n\n    Names: {}\n",
                m.name,
                if names.is_empty() {
                    "(none)".to_string()
                } else {
                    names.join(", ")
                }
            )
        }
        Value::Exception(e) => exc_help(e.kind),
        other => match super::type_values::type_of(other) {
            Value::Type(t) => type_help(t),
            Value::StructType(st) => help_text(&Value::StructType(st)),
            _ => format!("Help on {}\n", other.type_name()),
        },
    }
}

fn exc_help(kind: ExcKind) -> String {
    let parent = kind
        .parent()
        .map(|p| format!("; a subclass of {p}"))
        .unwrap_or_default();
    format!(
        "Help on exception class {kind}:\n\n{kind}(message='')\n    An exception class{parent}.\n    `except {kind} as e:` gives e.type, e.message, e.line, e.column, e.file.\n"
    )
}

fn type_help(t: BuiltinType) -> String {
    let (sig, what) = match t {
        BuiltinType::Int => (
            "int(x=0, base=10)",
            "Converts a number or integer text to an int (arbitrary precision).",
        ),
        BuiltinType::Float => (
            "float(x=0.0)",
            "Converts a number or numeric text ('inf', 'nan' too) to a float.",
        ),
        BuiltinType::Str => ("str(obj='')", "The printable text of obj."),
        BuiltinType::Bool => (
            "bool(x=False)",
            "Truthiness of x; text uses Dana's smart truthiness ('no' is False).",
        ),
        BuiltinType::NoneType => ("NoneType()", "The type of None."),
        BuiltinType::List => ("list(iterable=())", "A new list of the items of iterable."),
        BuiltinType::Dict => (
            "dict(mapping_or_pairs=(), **kw)",
            "A new insertion-ordered dict.",
        ),
        BuiltinType::Set => ("set(iterable=())", "A new set of the items of iterable."),
        BuiltinType::Tuple => (
            "tuple(iterable=())",
            "A new tuple of the items of iterable.",
        ),
        BuiltinType::Function => ("function", "The type of functions and lambdas."),
        BuiltinType::Module => ("module", "The type of imported modules."),
        BuiltinType::Type => ("type(obj)", "The type of obj."),
        BuiltinType::Range => (
            "range(stop) / range(start, stop, step=1)",
            "An immutable sequence of ints.",
        ),
        BuiltinType::Any => ("any", "Any value (annotation only)."),
    };
    let methods = methods::method_names(t.name());
    let mut out = format!("Help on type {}:\n\n{sig}\n    {what}\n", t.name());
    if !methods.is_empty() {
        out.push_str(&format!("\n    Methods: {}\n", methods.join(", ")));
    }
    out
}

/// `id(obj)`: a number that identifies the object while it lives (`id(a) == id(b)` exactly
/// when `a is b`): the address of a shared value, a value-derived number for a scalar.
pub(super) fn id(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("id", 1, 1, &[])?;
    Ok(Value::Int(identity(&args.pos[0])))
}

fn identity(v: &Value) -> i64 {
    use std::rc::Rc;
    let addr = |p: *const u8| p as usize as i64;
    match v {
        Value::None => 1,
        Value::Bool(b) => 2 + *b as i64,
        // Scalars have no address: odd numbers keep them apart from (aligned) addresses.
        Value::Int(i) => i.wrapping_mul(4).wrapping_add(1) | 1,
        Value::Float(f) => (f.to_bits() as i64) | 1,
        Value::Type(t) => 5 + 2 * (*t as i64),
        Value::ExcType(k) => 1001 + 2 * (*k as i64),
        Value::BigInt(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Str(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::List(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Tuple(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Dict(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Set(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Struct(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Func(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Native(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Method(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::StructType(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Interface(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Exception(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Module(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Range(x) => addr(Rc::as_ptr(x) as *const u8),
        Value::Object(x) => addr(Rc::as_ptr(x) as *const u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleandoc_like_python() {
        assert_eq!(
            clean_doc("  Adds.\n\n    More text.\n      indented\n  "),
            "Adds.\n\nMore text.\n  indented"
        );
        assert_eq!(clean_doc("\n    Only body.\n"), "Only body.");
        assert_eq!(clean_doc(""), "");
        assert_eq!(clean_doc("x\n\u{3000}  a\n   b"), "x\na\nb");
    }

    #[test]
    fn ord_and_chr() {
        assert_eq!(ord_of(&Value::str("a")).ok(), Some(97));
        assert_eq!(ord_of(&Value::str("é")).ok(), Some(233));
        assert!(ord_of(&Value::str("ab")).is_err());
        assert!(ord_of(&Value::str("")).is_err());
        assert!(ord_of(&Value::Int(3)).is_err());
        assert_eq!(chr_of(0x1F600).ok(), Some('😀'));
        assert!(chr_of(-1).is_err());
        assert!(chr_of(0x110000).is_err());
        assert!(chr_of(0xD800).is_err());
    }

    #[test]
    fn hash_rules() {
        assert!(hash_of(&Value::list(vec![])).is_err());
        let a = hash_of(&Value::Int(1)).ok();
        assert_eq!(a, hash_of(&Value::Bool(true)).ok());
        assert_eq!(a, hash_of(&Value::Float(1.0)).ok());
        assert_eq!(
            hash_of(&Value::str("x")).ok(),
            hash_of(&Value::str("x")).ok()
        );
    }
}
