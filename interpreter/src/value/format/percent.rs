//! printf-style formatting: `"%d items" % n`, `"%(name)s" % d`, `"%5.2f|%-5s" % (x, s)`.

use super::spec::{ascii_escape, finish_number, format_float, pad, IntArg, Spec, MAX_FORMAT_LEN};
use crate::error::{key_error, limit_error, overflow_error, type_error, value_error, Exc};
use crate::value::repr::{repr, to_str};
use crate::value::{Key, Value};
use num_traits::FromPrimitive;

/// `fmt % args` for a str `fmt` (`args` a tuple, a dict for `%(name)s`, or a single value).
pub(crate) fn percent_format(fmt: &str, args: &Value) -> Result<String, Exc> {
    let single = std::slice::from_ref(args);
    let items: &[Value] = match args {
        Value::Tuple(t) => t,
        _ => single,
    };
    // As in Python, a mapping-like right operand (a dict, or a list) never causes "not all
    // arguments converted".
    let mapping_like = matches!(args, Value::Dict(_) | Value::List(_));
    let cs: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut next = 0usize;
    let mut i = 0usize;
    let next_arg = |next: &mut usize| -> Result<Value, Exc> {
        let v = items
            .get(*next)
            .cloned()
            .ok_or_else(|| type_error("not enough arguments for format string"))?;
        *next += 1;
        Ok(v)
    };
    while i < cs.len() {
        let c = cs[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        // `%(key)`: the argument comes from the mapping.
        let mut keyed: Option<Value> = None;
        if cs.get(i) == Some(&'(') {
            let mut depth = 1;
            let start = i + 1;
            let mut j = start;
            while j < cs.len() {
                match cs[j] {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            if j >= cs.len() {
                return Err(value_error("incomplete format key"));
            }
            let key: String = cs[start..j].iter().collect();
            i = j + 1;
            let Value::Dict(d) = args else {
                return Err(type_error("format requires a mapping"));
            };
            let k = Value::str(key);
            let v = d.borrow().get(&Key(k.clone())).cloned();
            keyed = Some(v.ok_or_else(|| key_error(repr(&k)))?);
        }
        let mut sp = Spec::default();
        let mut left = false;
        while let Some(&f) = cs.get(i) {
            match f {
                '-' => left = true,
                '+' => sp.sign = '+',
                ' ' if sp.sign != '+' => sp.sign = ' ',
                ' ' => {}
                '#' => sp.alt = true,
                '0' => sp.zero = true,
                _ => break,
            }
            i += 1;
        }
        if left {
            // `-` wins over `0`: left-aligned numbers are padded with spaces.
            sp.zero = false;
        }
        if cs.get(i) == Some(&'*') {
            i += 1;
            let w = star_arg(next_arg(&mut next)?)?;
            if w < 0 {
                left = true;
            }
            sp.width = w.unsigned_abs() as usize;
        } else {
            sp.width = super::spec::read_number(&cs, &mut i)?.unwrap_or(0);
        }
        if cs.get(i) == Some(&'.') {
            i += 1;
            if cs.get(i) == Some(&'*') {
                i += 1;
                sp.precision = Some(star_arg(next_arg(&mut next)?)?.max(0) as usize);
            } else {
                sp.precision = Some(super::spec::read_number(&cs, &mut i)?.unwrap_or(0));
            }
        }
        while matches!(cs.get(i), Some('h' | 'l' | 'L')) {
            i += 1;
        }
        let Some(&ty) = cs.get(i) else {
            return Err(value_error("incomplete format"));
        };
        i += 1;
        if ty == '%' {
            out.push('%');
            continue;
        }
        if !"diuoxXeEfFgGcrsa".contains(ty) {
            return Err(value_error(format!(
                "unsupported format character '{ty}' (0x{:x}) at index {}",
                ty as u32,
                i - 1
            )));
        }
        let v = match keyed {
            Some(v) => v,
            None => next_arg(&mut next)?,
        };
        sp.align = Some(if left { '<' } else { '>' });
        if sp.zero && !left && !matches!(ty, 's' | 'r' | 'a' | 'c') {
            sp.fill = '0';
            sp.align = Some('=');
        }
        out.push_str(&convert(ty, &v, &sp)?);
    }
    if next < items.len() && !mapping_like {
        return Err(type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

/// A `*` width or precision argument.
fn star_arg(v: Value) -> Result<i64, Exc> {
    let n = match v {
        Value::Int(i) => i,
        Value::Bool(b) => b as i64,
        _ => return Err(type_error("* wants int")),
    };
    if n.unsigned_abs() > MAX_FORMAT_LEN as u64 {
        return Err(limit_error("string too large"));
    }
    Ok(n)
}

/// One conversion (`%d`, `%s`, …) of `v`, padded.
fn convert(ty: char, v: &Value, sp: &Spec) -> Result<String, Exc> {
    match ty {
        's' | 'r' | 'a' => {
            let mut s = match ty {
                's' => to_str(v),
                'r' => repr(v),
                _ => ascii_escape(&repr(v)),
            };
            if let Some(p) = sp.precision {
                s = s.chars().take(p).collect();
            }
            Ok(pad("", &s, sp, '>'))
        }
        'c' => {
            let c = match v {
                Value::Int(i) => u32::try_from(*i)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| overflow_error("%c arg not in range(0x110000)"))?,
                Value::Bool(b) => char::from(*b as u8),
                Value::BigInt(_) => return Err(overflow_error("%c arg not in range(0x110000)")),
                Value::Str(s) if s.chars().count() == 1 => s.chars().next().unwrap_or(' '),
                _ => return Err(type_error("%c requires int or char")),
            };
            Ok(pad("", &c.to_string(), sp, '>'))
        }
        'd' | 'i' | 'u' | 'o' | 'x' | 'X' => {
            let truncated;
            let n = match v {
                Value::Int(i) => IntArg::Small(*i),
                Value::Bool(b) => IntArg::Small(*b as i64),
                Value::BigInt(b) => IntArg::Big(b),
                Value::Float(f) if matches!(ty, 'd' | 'i' | 'u') => {
                    if f.is_nan() {
                        return Err(value_error("cannot convert float NaN to integer"));
                    }
                    truncated = num_bigint::BigInt::from_f64(f.trunc()).ok_or_else(|| {
                        overflow_error("cannot convert float infinity to integer")
                    })?;
                    IntArg::Big(&truncated)
                }
                other => {
                    let what = if matches!(ty, 'd' | 'i' | 'u') {
                        "a real number"
                    } else {
                        "an integer"
                    };
                    return Err(type_error(format!(
                        "%{ty} format: {what} is required, not {}",
                        other.type_name()
                    )));
                }
            };
            let (radix, prefix) = match ty {
                'o' => (8, "0o"),
                'x' => (16, "0x"),
                'X' => (16, "0X"),
                _ => (10, ""),
            };
            let mut digits = n.abs_digits(radix);
            if ty == 'X' {
                digits.make_ascii_uppercase();
            }
            // A precision on an integer is a minimum digit count (`%.3d` → `005`).
            if let Some(p) = sp.precision {
                if digits.len() < p {
                    digits = format!("{}{digits}", "0".repeat(p - digits.len()));
                }
            }
            let prefix = if sp.alt { prefix } else { "" };
            Ok(finish_number(n.negative(), prefix, &digits, "", sp, 3))
        }
        _ => {
            let f = match v {
                Value::Float(f) => *f,
                Value::Int(i) => *i as f64,
                Value::Bool(b) => *b as i64 as f64,
                Value::BigInt(b) => IntArg::Big(b).to_f64()?,
                other => {
                    return Err(type_error(format!(
                        "must be real number, not {}",
                        other.type_name()
                    )))
                }
            };
            let sp = Spec {
                ty: Some(ty),
                precision: Some(sp.precision.unwrap_or(6)),
                ..sp.clone()
            };
            format_float(f, &sp)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::DictMap;

    fn pf(fmt: &str, args: Value) -> String {
        match percent_format(fmt, &args) {
            Ok(s) => s,
            Err(e) => format!("!{}: {}", e.kind, e.message),
        }
    }

    fn t(v: Vec<Value>) -> Value {
        Value::tuple(v)
    }

    #[test]
    fn conversions_match_python() {
        use Value::*;
        let args = t(vec![
            Value::str("a"),
            Value::str("b"),
            Int(42),
            Int(42),
            Int(5),
            Int(5),
            Int(5),
            Int(255),
            Int(255),
            Int(8),
            Int(255),
            Float(1.5),
            Float(0.0001),
            Float(3.14149),
            Float(2.25),
            Int(65),
            Value::str("z"),
            Value::str("q"),
            Int(1),
            Int(2),
            Bool(true),
        ]);
        assert_eq!(
            pf("%5s|%-5s|%05d|%-05d|%+d|% d|%.3d|%x|%#x|%#o|%X|%e|%g|%.2f|%5.1f|%c|%c|%r|%%|%i|%u|%s", args),
            "    a|b    |00042|42   |+5| 5|005|ff|0xff|0o10|FF|1.500000e+00|0.0001|3.14|  2.2|A|z|'q'|%|1|2|True"
        );
        assert_eq!(
            pf(
                "%*d|%-*d|%.*f",
                t(vec![Int(5), Int(1), Int(4), Int(2), Int(2), Float(3.14149)])
            ),
            "    1|2   |3.14"
        );
        assert_eq!(
            pf(
                "%#.0f|%#g|%g|%G|%E",
                t(vec![
                    Float(1.0),
                    Float(1.0),
                    Float(1e20),
                    Float(1e-20),
                    Float(12.0)
                ])
            ),
            "1.|1.00000|1e+20|1E-20|1.200000E+01"
        );
        assert_eq!(pf("%d", Float(3.9)), "3");
        assert_eq!(pf("%d", Float(-3.9)), "-3");
        assert_eq!(pf("%s", None), "None");
        assert_eq!(pf("%5.2s|", Value::str("abc")), "   ab|");
        assert_eq!(pf("%a", Value::str("é")), "'\\xe9'");
        assert_eq!(pf("%05s", Value::str("a")), "    a");
        assert_eq!(pf("%ld", Int(5)), "5");
        assert_eq!(pf("%.f", Float(1.5)), "2");
        assert_eq!(pf("%-+5d|", Int(3)), "+3   |");
        assert_eq!(pf("% +d", Int(3)), "+3");
        assert_eq!(pf("%o", Int(-8)), "-10");
        assert_eq!(pf("%#X", Int(255)), "0XFF");
        assert_eq!(pf("%.2e", Int(12345)), "1.23e+04");
        assert_eq!(pf("%10.3e|", Int(12345)), " 1.234e+04|");
        assert_eq!(pf("%-10.1f|", Float(-1.25)), "-1.2      |");
        assert_eq!(pf("%010.1f|", Float(-1.25)), "-0000001.2|");
        assert_eq!(pf("%x", Bool(true)), "1");
        assert_eq!(pf("%0-9G|", Float(2.5)), "2.5      |");
        assert_eq!(pf("%-05g|", Int(-820)), "-820 |");
        assert_eq!(pf("%.0e", Int(5)), "5e+00");
        assert_eq!(pf("%s%%", Int(5)), "5%");
        assert_eq!(pf("%s", t(vec![t(vec![Int(1), Int(2)])])), "(1, 2)");
        assert_eq!(pf("%d items", Int(3)), "3 items");
    }

    #[test]
    fn mappings() {
        let mut d = DictMap::default();
        d.insert(Key(Value::str("a")), Value::Int(1));
        d.insert(Key(Value::str("b")), Value::Int(2));
        let d = Value::dict(d);
        assert_eq!(pf("%(a)s %(b)05.1f", d.clone()), "1 002.0");
        assert_eq!(pf("%s", d.clone()), "{'a': 1, 'b': 2}");
        assert_eq!(pf("abc", d.clone()), "abc");
        assert_eq!(pf("%(z)s", d.clone()), "!KeyError: 'z'");
        assert_eq!(pf("%(a", d), "!ValueError: incomplete format key");
        assert_eq!(
            pf("%(a)s", Value::Int(1)),
            "!TypeError: format requires a mapping"
        );
    }

    #[test]
    fn errors_match_python() {
        use Value::*;
        assert_eq!(
            pf("%d", Value::str("5")),
            "!TypeError: %d format: a real number is required, not str"
        );
        assert_eq!(
            pf("%i", Value::str("3")),
            "!TypeError: %i format: a real number is required, not str"
        );
        assert_eq!(
            pf("%x", Float(1.5)),
            "!TypeError: %x format: an integer is required, not float"
        );
        assert_eq!(
            pf("%d", None),
            "!TypeError: %d format: a real number is required, not NoneType"
        );
        assert_eq!(
            pf("%f", Value::str("a")),
            "!TypeError: must be real number, not str"
        );
        assert_eq!(
            pf("%c", Value::str("ab")),
            "!TypeError: %c requires int or char"
        );
        assert_eq!(
            pf("%c", Int(0x110000)),
            "!OverflowError: %c arg not in range(0x110000)"
        );
        assert_eq!(
            pf("%s %s", t(vec![Int(1)])),
            "!TypeError: not enough arguments for format string"
        );
        assert_eq!(
            pf("%s", t(vec![])),
            "!TypeError: not enough arguments for format string"
        );
        assert_eq!(
            pf("%s", t(vec![Int(1), Int(2)])),
            "!TypeError: not all arguments converted during string formatting"
        );
        assert_eq!(
            pf("abc", Int(5)),
            "!TypeError: not all arguments converted during string formatting"
        );
        assert_eq!(pf("abc", t(vec![])), "abc");
        assert_eq!(pf("abc", Value::list(vec![Int(1)])), "abc");
        assert_eq!(
            pf("%z", Int(1)),
            "!ValueError: unsupported format character 'z' (0x7a) at index 1"
        );
        assert_eq!(pf("%", Int(1)), "!ValueError: incomplete format");
        assert_eq!(pf("%5", Int(1)), "!ValueError: incomplete format");
    }
}
