//! `import json`: `dumps` and `loads` with Python's output and error messages.

mod decode;
mod encode;

pub use decode::decode;
pub use encode::{encode, EncodeOptions};

use dana_interpreter::error::{type_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::build_module;
use dana_interpreter::value::{Args, Globals, Value};
use std::rc::Rc;

pub(crate) fn module() -> Rc<Globals> {
    build_module(
        "json",
        &[
            (
                "dumps",
                dumps,
                "dumps(obj, indent=None, sort_keys=False, ensure_ascii=True, separators=None,\n      default=None, allow_nan=True) -> str\n\nThe JSON text of obj (dicts, lists, tuples, str, numbers, bools, None and struct\ninstances). default(o) is called for other values and must return something\nserializable.",
            ),
            (
                "loads",
                loads,
                "loads(text) -> value\n\nParses JSON text: objects become dicts, arrays lists. Bad JSON raises ValueError\nwith the line, column and character position.",
            ),
        ],
        vec![],
    )
}

/// The options of `dumps` from its keyword arguments.
fn options(args: &Args) -> Result<EncodeOptions, Exc> {
    let indent = match args.get(1, "indent") {
        None | Some(Value::None) => None,
        Some(Value::Int(n)) => Some(" ".repeat((*n).clamp(0, 64) as usize)),
        Some(Value::Str(s)) => Some(s.to_string()),
        Some(other) => {
            return Err(type_error(format!(
                "dumps() indent must be an int, a str or None, not {}",
                other.type_name()
            )))
        }
    };
    let mut o = EncodeOptions {
        item_sep: if indent.is_some() { "," } else { ", " }.into(),
        indent,
        sort_keys: args.kw("sort_keys").is_some_and(Value::truthy),
        ensure_ascii: args.kw("ensure_ascii").is_none_or(Value::truthy),
        allow_nan: args.kw("allow_nan").is_none_or(Value::truthy),
        ..EncodeOptions::default()
    };
    match args.kw("separators") {
        None | Some(Value::None) => {}
        Some(v) => {
            let pair = match v {
                Value::Tuple(t) => t.to_vec(),
                Value::List(l) => l.borrow().clone(),
                _ => Vec::new(),
            };
            match pair.as_slice() {
                [Value::Str(item), Value::Str(key)] => {
                    o.item_sep = item.to_string();
                    o.key_sep = key.to_string();
                }
                _ => {
                    return Err(type_error(
                        "dumps() separators must be a (item_separator, key_separator) pair of str",
                    ))
                }
            }
        }
    }
    Ok(o)
}

fn dumps(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check(
        "dumps",
        1,
        2,
        &[
            "indent",
            "sort_keys",
            "ensure_ascii",
            "separators",
            "default",
            "allow_nan",
        ],
    )?;
    let opts = options(&args)?;
    let text = match args.kw("default").filter(|d| !d.is_none()) {
        Some(f) => {
            let mut call = |v: &Value| it.call(f, std::slice::from_ref(v));
            encode(&args.pos[0], &opts, Some(&mut call))?
        }
        None => encode(&args.pos[0], &opts, None)?,
    };
    Ok(Value::str(text))
}

fn loads(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("loads", 1, 1, &["s"])?;
    match args.get(0, "s") {
        Some(Value::Str(s)) => decode(s),
        Some(other) => Err(type_error(format!(
            "the JSON object must be str, not {}",
            other.type_name()
        ))),
        None => Err(type_error("loads() missing required argument 's'")),
    }
}

#[cfg(test)]
mod tests;
