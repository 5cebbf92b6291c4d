//! The methods Python programs reach for beyond the everyday ones: `str.maketrans` (a static
//! method), `str.translate`, `str.expandtabs`, `dict.fromkeys` (a class method) and the int
//! methods `bit_length` and `bit_count`.

use crate::error::{type_error, value_error, Exc};
use crate::host::{bind, int_arg, Big};
use crate::value::ops::{check_new_str, iter_to_vec};
use crate::value::{Args, DictMap, Key, Value};
use num_bigint::BigInt;

/// `str.maketrans(x[, y[, z]])`: the translation table for `str.translate`.
pub(crate) fn maketrans(args: Args<'_>) -> Result<Value, Exc> {
    let a = bind("maketrans", args, &["x", "y", "z"], 1)?;
    let mut table = DictMap::default();
    match (a[0], a[1], a[2]) {
        (Some(Value::Dict(d)), None, None) => {
            for (k, v) in d.borrow().iter() {
                let key = match &k.0 {
                    Value::Str(s) if s.chars().count() == 1 => {
                        Value::Int(s.chars().next().unwrap_or_default() as i64)
                    }
                    Value::Str(_) => {
                        return Err(value_error(
                            "string keys in translate table must be of length 1",
                        ))
                    }
                    Value::Int(i) => Value::Int(*i),
                    _ => {
                        return Err(type_error(
                            "keys in translate table must be strings or integers",
                        ))
                    }
                };
                table.insert(Key(key), v.clone());
            }
        }
        (Some(_), None, None) => {
            return Err(type_error(
                "if you give only one argument to maketrans it must be a dict",
            ))
        }
        (Some(Value::Str(x)), Some(Value::Str(y)), z) => {
            if x.chars().count() != y.chars().count() {
                return Err(value_error(
                    "the first two maketrans arguments must have equal length",
                ));
            }
            for (p, q) in x.chars().zip(y.chars()) {
                table.insert(Key(Value::Int(p as i64)), Value::Int(q as i64));
            }
            match z {
                None => {}
                Some(Value::Str(z)) => {
                    for c in z.chars() {
                        table.insert(Key(Value::Int(c as i64)), Value::None);
                    }
                }
                Some(other) => {
                    return Err(type_error(format!(
                        "maketrans() argument 3 must be str, not {}",
                        other.type_name()
                    )))
                }
            }
        }
        (Some(Value::Str(_)), Some(other), _) => {
            return Err(type_error(format!(
                "maketrans() argument 2 must be str, not {}",
                other.type_name()
            )))
        }
        _ => {
            return Err(type_error(
                "first maketrans argument must be a string if there is a second argument",
            ))
        }
    }
    Ok(Value::dict(table))
}

/// `s.translate(table)`: each character looked up by its code point in a dict; a str
/// replaces it, an int is a code point, None deletes it, a missing key keeps it.
pub(crate) fn translate(s: &str, args: Args<'_>) -> Result<Value, Exc> {
    let a = bind("translate", args, &["table"], 1)?;
    let Some(Value::Dict(table)) = a[0] else {
        return Err(type_error(format!(
            "translate() table must be a dict, not {}",
            a[0].map_or("NoneType".into(), Value::type_name)
        )));
    };
    let table = table.borrow();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match table.get(&Key(Value::Int(c as i64))) {
            None => out.push(c),
            Some(Value::None) => {}
            Some(Value::Str(r)) => out.push_str(r),
            Some(Value::Int(i)) => match u32::try_from(*i).ok().and_then(char::from_u32) {
                Some(r) => out.push(r),
                None => return Err(value_error("character mapping must be in range(0x110000)")),
            },
            Some(_) => {
                return Err(type_error(
                    "character mapping must return integer, None or str",
                ))
            }
        }
        if out.len() > 1 << 20 {
            check_new_str(out.len())?;
        }
    }
    Ok(Value::str(out))
}

/// `s.expandtabs(tabsize=8)`: each tab becomes spaces up to the next multiple of `tabsize`
/// (columns restart after `\n` and `\r`).
pub(crate) fn expandtabs(s: &str, args: Args<'_>) -> Result<Value, Exc> {
    let a = bind("expandtabs", args, &["tabsize"], 0)?;
    let size = match a[0] {
        Some(v) => int_arg(v, Big::Overflow)?,
        None => 8,
    };
    let mut out = String::with_capacity(s.len());
    let mut col: i64 = 0;
    for c in s.chars() {
        match c {
            '\t' => {
                if size > 0 {
                    let n = size - col % size;
                    check_new_str(out.len().saturating_add(n as usize))?;
                    out.extend(std::iter::repeat_n(' ', n as usize));
                    col += n;
                }
            }
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            _ => {
                out.push(c);
                col += 1;
            }
        }
    }
    Ok(Value::str(out))
}

/// `dict.fromkeys(iterable, value=None)`: a dict mapping every item to `value`.
pub(crate) fn fromkeys(args: Args<'_>) -> Result<Value, Exc> {
    let a = bind("fromkeys", args, &["iterable", "value"], 1)?;
    let value = a[1].cloned().unwrap_or_default();
    let mut d = DictMap::default();
    for k in iter_to_vec(a[0].unwrap_or(&Value::None))? {
        d.insert(Key::new(k)?, value.clone());
    }
    Ok(Value::dict(d))
}

/// `n.bit_length()` and `n.bit_count()` (bools count as ints).
pub(crate) fn call_int(n: &Value, name: &str, args: Args<'_>) -> Result<Value, Exc> {
    bind(name, args, &[], 0)?;
    let big = match n {
        Value::Int(i) => BigInt::from(*i),
        Value::Bool(b) => BigInt::from(*b as i64),
        Value::BigInt(b) => (**b).clone(),
        other => {
            return Err(type_error(format!(
                "'{}' object has no attribute '{name}'",
                other.type_name()
            )))
        }
    };
    Ok(Value::Int(match name {
        "bit_length" => big.bits() as i64,
        _ => big
            .magnitude()
            .iter_u64_digits()
            .map(|d| d.count_ones() as i64)
            .sum(),
    }))
}
