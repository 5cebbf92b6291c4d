//! Scalar conversions: smart truthiness of text (DANA_SPEC §5.2), int, float and bool from
//! text, and the conversions behind `int()` and `float()`.

use crate::error::{overflow_error, type_error, value_error, Exc};
use crate::host::big_to_f64;
use crate::value::repr::str_repr;
use crate::value::Value;
use num_bigint::BigInt;
use num_traits::FromPrimitive;

const TRUE_WORDS: [&str; 10] = [
    "true", "yes", "y", "on", "ok", "okay", "1", "sure", "correct", "right",
];
const FALSE_WORDS: [&str; 12] = [
    "false", "no", "n", "off", "0", "0.0", "none", "null", "", "nope", "never", "wrong",
];

/// Smart truthiness of text (§5.2). A phrase takes the value of its first word: the first
/// whitespace-separated token with surrounding punctuation removed (`"No, thanks"` → False,
/// `"**Yes**"` → True, `"nothing"` → True because `nothing` is not the word `no`).
pub(crate) fn smart_bool(s: &str) -> bool {
    let t = s.trim().to_lowercase();
    if TRUE_WORDS.contains(&t.as_str()) {
        return true;
    }
    if FALSE_WORDS.contains(&t.as_str()) {
        return false;
    }
    let first = t.split_whitespace().next().unwrap_or("");
    let word = first.trim_matches(|c: char| !c.is_alphanumeric());
    if !word.is_empty() {
        if TRUE_WORDS.contains(&word) {
            return true;
        }
        if FALSE_WORDS.contains(&word) {
            return false;
        }
    }
    true
}

/// Python's whitespace (`str.isspace`): Unicode White_Space plus the ASCII separators
/// `\x1c`–`\x1f`.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Longer integer texts are refused: converting text to a big integer takes quadratic time
/// (Python refuses beyond 4300 digits by default for the same reason). Integer literals in
/// source have the same limit.
const MAX_INT_TEXT: usize = dana_grammar::MAX_INT_DIGITS;

/// Digits with single underscores between them (`1_000`), in `radix`.
fn valid_digits(s: &str, radix: u32) -> bool {
    !s.is_empty()
        && !s.starts_with('_')
        && !s.ends_with('_')
        && !s.contains("__")
        && s.chars().all(|c| c == '_' || c.is_digit(radix))
}

/// Parses integer text as `int(text, base)` does (whitespace, sign, `0x`/`0o`/`0b` prefixes,
/// underscores); `None` when it is not an integer literal.
pub(crate) fn parse_int_text(s: &str, base: u32) -> Option<Value> {
    if s.len() > MAX_INT_TEXT {
        return None;
    }
    let t = s.trim_matches(is_py_space);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = t.get(..2).map(|p| p.to_ascii_lowercase());
    let prefixed = |p: &str, radix: u32| (lower.as_deref() == Some(p)).then_some(radix);
    let prefix_radix = prefixed("0x", 16)
        .or(prefixed("0o", 8))
        .or(prefixed("0b", 2));
    let (radix, digits) = match (base, prefix_radix) {
        (0, Some(r)) => (r, t[2..].strip_prefix('_').unwrap_or(&t[2..])),
        (0, None) => {
            // Base 0 forbids leading zeros on a non-zero decimal (`010`).
            let nonzero = t.chars().any(|c| c != '0' && c != '_');
            if t.starts_with('0') && nonzero {
                return None;
            }
            (10, t)
        }
        (b, Some(r)) if b == r => (r, t[2..].strip_prefix('_').unwrap_or(&t[2..])),
        (b, _) => (b, t),
    };
    if !valid_digits(digits, radix) {
        return None;
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    let v = match i64::from_str_radix(&clean, radix) {
        Ok(i) => Value::Int(if negative { -i } else { i }),
        Err(_) => {
            let b = BigInt::parse_bytes(clean.as_bytes(), radix)?;
            Value::from_bigint(if negative { -b } else { b })
        }
    };
    Some(v)
}

/// Parses float text as `float(text)` does (`"1e3"`, `" 2.5 "`, `"inf"`, `"nan"`, `"1_000.5"`).
pub(crate) fn parse_float_text(s: &str) -> Option<f64> {
    let t = s.trim_matches(is_py_space);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return t.parse::<f64>().ok();
    }
    let (mant, exp) = match lower.find('e') {
        Some(i) => (&lower[..i], Some(&lower[i + 1..])),
        None => (lower.as_str(), None),
    };
    let (int_part, frac) = match mant.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mant, None),
    };
    let ok_part = |p: &str| p.is_empty() || valid_digits(p, 10);
    let has_digits = !int_part.is_empty() || frac.is_some_and(|f| !f.is_empty());
    let exp_ok = exp.is_none_or(|e| valid_digits(e.strip_prefix(['+', '-']).unwrap_or(e), 10));
    if !has_digits || !ok_part(int_part) || !frac.is_none_or(ok_part) || !exp_ok {
        return None;
    }
    t.replace('_', "").parse::<f64>().ok()
}

/// Dana's reading of text compared with a bool (`"1" == True`): `true`/`1` and `false`/`0`,
/// case-insensitive, surrounding whitespace ignored. Other words (`"yes"`) are not bools here:
/// smart truthiness is only for `bool(text)` and `x: bool = text`.
pub(crate) fn parse_bool_text(s: &str) -> Option<bool> {
    match s.trim_matches(is_py_space).to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `int(v)` (also `int(text, base)` through `base`).
pub(crate) fn to_int(v: &Value, base: Option<u32>) -> Result<Value, Exc> {
    if let Value::Str(s) = v {
        if s.len() > MAX_INT_TEXT {
            return Err(value_error(format!(
                "Exceeds the limit ({MAX_INT_TEXT} digits) for integer string conversion"
            )));
        }
    }
    if let Some(b) = base {
        if b == 1 || b > 36 {
            return Err(value_error("int() base must be >= 2 and <= 36, or 0"));
        }
        let Value::Str(s) = v else {
            return Err(type_error(
                "int() can't convert non-string with explicit base",
            ));
        };
        return parse_int_text(s, b).ok_or_else(|| {
            value_error(format!(
                "invalid literal for int() with base {b}: {}",
                str_repr(s)
            ))
        });
    }
    match v {
        Value::Int(_) | Value::BigInt(_) => Ok(v.clone()),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Float(f) => float_to_int(*f),
        Value::Str(s) => parse_int_text(s, 10).ok_or_else(|| {
            value_error(format!(
                "invalid literal for int() with base 10: {}",
                str_repr(s)
            ))
        }),
        other => Err(type_error(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            other.type_name()
        ))),
    }
}

/// A float truncated toward zero, as an int.
pub(crate) fn float_to_int(f: f64) -> Result<Value, Exc> {
    if f.is_nan() {
        return Err(value_error("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(overflow_error("cannot convert float infinity to integer"));
    }
    let t = f.trunc();
    if t.abs() < 9.2e18 {
        return Ok(Value::Int(t as i64));
    }
    Ok(Value::from_bigint(BigInt::from_f64(t).unwrap_or_default()))
}

/// `float(v)`.
pub(crate) fn to_float(v: &Value) -> Result<f64, Exc> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(*b as i64 as f64),
        Value::BigInt(b) => big_to_f64(b),
        Value::Str(s) => parse_float_text(s).ok_or_else(|| {
            value_error(format!(
                "could not convert string to float: {}",
                str_repr(s)
            ))
        }),
        other => Err(type_error(format!(
            "float() argument must be a string or a real number, not '{}'",
            other.type_name()
        ))),
    }
}
