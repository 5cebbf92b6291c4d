//! Numeric builtins: `abs`, `round`, `sum`, `max`, `min`, `divmod`, `pow`, `bin`, `oct`, `hex`.

use crate::error::{overflow_error, type_error, value_error, Exc};
use crate::host::{int_arg, is_number, Big};
use crate::value::runtime::Interp;
use crate::value::{ops, Args, Value};
use dana_grammar::ast::BinOp;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{FromPrimitive, One, Signed, Zero};
use std::cmp::Ordering;

/// An int value as a big integer (bools count as ints).
fn to_big(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::Bool(b) => Some(BigInt::from(*b as i64)),
        Value::BigInt(b) => Some((**b).clone()),
        _ => None,
    }
}

pub(super) fn abs(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("abs", 1, 1, &[])?;
    abs_of(&args.pos[0])
}

/// `abs(v)`; `abs(i64::MIN)` promotes to a big integer.
pub(crate) fn abs_of(v: &Value) -> Result<Value, Exc> {
    Ok(match v {
        Value::Int(i) => match i.checked_abs() {
            Some(a) => Value::Int(a),
            None => Value::from_bigint(BigInt::from(*i).abs()),
        },
        Value::Bool(b) => Value::Int(*b as i64),
        Value::BigInt(b) => Value::from_bigint(b.abs()),
        Value::Float(f) => Value::Float(f.abs()),
        other => {
            if let Value::Object(o) = other {
                if let Some(r) = o.abs() {
                    return r;
                }
            }
            return Err(type_error(format!(
                "bad operand type for abs(): '{}'",
                other.type_name()
            )));
        }
    })
}

// ---- round ----

pub(super) fn round(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("round", 1, 2, &["ndigits"])?;
    let x = &args.pos[0];
    let nd = match args.get(1, "ndigits") {
        None | Some(Value::None) => None,
        Some(Value::BigInt(b)) => {
            // Far beyond any float's precision: behave like the largest/smallest ndigits.
            Some(if b.is_negative() {
                i64::MIN / 2
            } else {
                i64::MAX / 2
            })
        }
        Some(n) => Some(int_arg(n, Big::TooLarge("round"))?),
    };
    match (x, nd) {
        (Value::Float(f), None) => float_to_int(f.round_ties_even()),
        (Value::Float(f), Some(n)) => Ok(Value::Float(round_float(*f, n)?)),
        (Value::Int(_) | Value::Bool(_) | Value::BigInt(_), nd) => {
            let b = to_big(x).unwrap_or_default();
            match nd {
                Some(n) if n < 0 => Ok(Value::from_bigint(round_half_even_int(
                    &b,
                    n.unsigned_abs(),
                ))),
                _ => Ok(Value::from_bigint(b)),
            }
        }
        (other, _) => Err(type_error(format!(
            "type {} doesn't define __round__ method",
            other.type_name()
        ))),
    }
}

/// An integral float as an int value (ValueError for NaN, OverflowError for infinities).
pub fn float_to_int(f: f64) -> Result<Value, Exc> {
    if f.is_nan() {
        return Err(value_error("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(overflow_error("cannot convert float infinity to integer"));
    }
    if f.abs() < 9.0e18 {
        return Ok(Value::Int(f as i64));
    }
    Ok(BigInt::from_f64(f)
        .map(Value::from_bigint)
        .unwrap_or(Value::Int(0)))
}

/// `round(x, -k)` for ints: to a multiple of 10^k, ties to even (`round(25, -1) == 20`).
pub fn round_half_even_int(x: &BigInt, k: u64) -> BigInt {
    // 10^k beyond the size of any realistic int rounds everything to 0.
    if k > 100_000 {
        return BigInt::zero();
    }
    let p = num_traits::pow(BigInt::from(10), k as usize);
    let (q, r) = x.div_mod_floor(&p);
    let twice: BigInt = &r * 2;
    let q = match twice.cmp(&p) {
        Ordering::Greater => q + 1,
        Ordering::Equal if q.is_odd() => q + 1,
        _ => q,
    };
    q * p
}

/// `round(x, ndigits)` for floats, correctly rounded like CPython: the exact decimal expansion
/// of `x` is rounded half-to-even at `ndigits` and parsed back (so `round(2.675, 2) == 2.67`,
/// because 2.675 is really 2.67499999…, and `round(0.125, 2) == 0.12`, an exact tie).
pub fn round_float(x: f64, ndigits: i64) -> Result<f64, Exc> {
    if !x.is_finite() || x == 0.0 {
        return Ok(x);
    }
    // The smallest subnormal, 2^-1074, has exactly 1074 fractional decimal digits, so this
    // expansion is exact for every f64.
    let text = format!("{:.1074}", x.abs());
    let Some((int_part, frac_part)) = text.split_once('.') else {
        return Ok(x);
    };
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let point = int_part.len() as i128;
    let keep = point + ndigits as i128;
    if keep >= digits.len() as i128 {
        return Ok(x);
    }
    if keep < 0 {
        return Ok(0.0_f64.copysign(x));
    }
    let keep = keep as usize;
    let first_dropped = digits[keep];
    let rest_nonzero = digits[keep + 1..].iter().any(|&d| d != 0);
    let last_odd = keep > 0 && digits[keep - 1] % 2 == 1;
    let round_up = first_dropped > 5 || (first_dropped == 5 && (rest_nonzero || last_odd));
    let mut kept: Vec<u8> = digits[..keep].to_vec();
    if round_up {
        let mut j = kept.len();
        loop {
            if j == 0 {
                kept.insert(0, 1);
                break;
            }
            j -= 1;
            if kept[j] == 9 {
                kept[j] = 0;
            } else {
                kept[j] += 1;
                break;
            }
        }
    }
    if kept.is_empty() {
        return Ok(0.0_f64.copysign(x));
    }
    // The value is now the integer `kept` times 10^-ndigits.
    let mantissa: String = kept.iter().map(|d| (b'0' + d) as char).collect();
    let rounded: f64 = format!("{mantissa}e{}", -(ndigits as i128))
        .parse()
        .unwrap_or(f64::NAN);
    if rounded.is_infinite() {
        return Err(overflow_error("overflow occurred during round"));
    }
    Ok(rounded.copysign(x))
}

// ---- sum ----

pub(super) fn sum(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("sum", 1, 2, &["start"])?;
    let start = args.get(1, "start").cloned().unwrap_or(Value::Int(0));
    // `sum(range(n))` is common and n may be large: use the closed form, not a list of n ints.
    if let (Value::Range(r), Value::Int(s0)) = (&args.pos[0], &start) {
        return Ok(Value::from_bigint(range_sum(r.start, r.len(), r.step) + s0));
    }
    let items = crate::value::collect(it, &args.pos[0])?;
    sum_values(start, &items)
}

/// `start + (start + step) + …` over `n` terms: `n*start + step*n*(n-1)/2`.
pub(crate) fn range_sum(start: i64, n: usize, step: i64) -> BigInt {
    let n = BigInt::from(n);
    let pairs: BigInt = &n * (&n - 1) / 2;
    n * start + pairs * step
}

const SUM_STRINGS: &str = "sum() can't sum strings [use ''.join(seq) instead]";

/// `sum(items, start)` like CPython 3.12: an exact i64 fast path, a compensated (Neumaier)
/// float path, and `+` for everything else. Strings are refused (Dana's `0 + "a"` would
/// otherwise silently concatenate).
pub(crate) fn sum_values(start: Value, items: &[Value]) -> Result<Value, Exc> {
    if matches!(start, Value::Str(_)) {
        return Err(type_error(SUM_STRINGS));
    }
    let mut acc = start;
    let mut i = 0;
    while i < items.len() {
        match acc {
            Value::Int(mut n) => {
                while let Some(item) = items.get(i) {
                    let x = match item {
                        Value::Int(x) => *x,
                        Value::Bool(b) => *b as i64,
                        _ => break,
                    };
                    match n.checked_add(x) {
                        Some(s) => n = s,
                        None => break,
                    }
                    i += 1;
                }
                acc = Value::Int(n);
            }
            Value::Float(f) => {
                let mut s = FloatSum::new(f);
                while let Some(item) = items.get(i) {
                    match item {
                        Value::Float(x) => s.add(*x),
                        Value::Int(x) => s.add_plain(*x as f64),
                        Value::Bool(b) => s.add_plain(*b as i64 as f64),
                        _ => break,
                    }
                    i += 1;
                }
                acc = Value::Float(s.total());
            }
            _ => {}
        }
        let Some(item) = items.get(i) else { break };
        if matches!(item, Value::Str(_)) {
            return Err(type_error(SUM_STRINGS));
        }
        acc = ops::binary(BinOp::Add, &acc, item)?;
        i += 1;
    }
    Ok(acc)
}

// ---- max / min ----

pub(super) fn max(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    extremum(it, args, "max", Ordering::Greater)
}

pub(super) fn min(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    extremum(it, args, "min", Ordering::Less)
}

/// `max`/`min`: the first item whose key compares `want` against every earlier best.
/// `reverse=True` (a Dana extension, §10) flips the ordering.
fn extremum(it: &mut Interp, args: Args, name: &str, want: Ordering) -> Result<Value, Exc> {
    if args.pos.is_empty() {
        return Err(type_error(format!(
            "{name} expected at least 1 argument, got 0"
        )));
    }
    args.check(name, 1, usize::MAX, &["key", "default", "reverse"])?;
    let default = args.kw("default");
    let key = args.kw("key").filter(|k| !k.is_none());
    let want = if args.kw("reverse").is_some_and(Value::truthy) {
        want.reverse()
    } else {
        want
    };
    let owned;
    let items: &[Value] = if args.pos.len() == 1 {
        owned = crate::value::collect(it, &args.pos[0])?;
        &owned
    } else {
        if default.is_some() {
            return Err(type_error(format!(
                "Cannot specify a default for {name}() with multiple positional arguments"
            )));
        }
        args.pos
    };
    let mut best: Option<(Value, Value)> = None;
    for item in items {
        let k = match key {
            Some(f) => it.call(f, std::slice::from_ref(item))?,
            None => item.clone(),
        };
        let replace = match &best {
            None => true,
            Some((bk, _)) => ops::cmp_values_in(it, &k, bk)? == want,
        };
        if replace {
            best = Some((k, item.clone()));
        }
    }
    match (best, default) {
        (Some((_, v)), _) => Ok(v),
        (None, Some(d)) => Ok(d.clone()),
        (None, None) => Err(value_error(format!("{name}() arg is an empty sequence"))),
    }
}

// ---- divmod / pow ----

fn check_numbers(op: &str, a: &Value, b: &Value) -> Result<(), Exc> {
    if is_number(a) && is_number(b) {
        Ok(())
    } else {
        Err(type_error(format!(
            "unsupported operand type(s) for {op}: '{}' and '{}'",
            a.type_name(),
            b.type_name()
        )))
    }
}

pub(super) fn divmod(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("divmod", 2, 2, &[])?;
    let (a, b) = (&args.pos[0], &args.pos[1]);
    check_numbers("divmod()", a, b)?;
    if matches!(a, Value::Float(_)) || matches!(b, Value::Float(_)) {
        if let (Some(0), _) | (_, true) =
            (ops::as_i64(b), matches!(b, Value::Float(f) if *f == 0.0))
        {
            return Err(crate::error::zero_division("float divmod()"));
        }
    }
    let q = ops::binary(BinOp::FloorDiv, a, b)?;
    let r = ops::binary(BinOp::Mod, a, b)?;
    Ok(Value::tuple(vec![q, r]))
}

pub(super) fn pow(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("pow", 2, 3, &["base", "exp", "mod"])?;
    let (Some(base), Some(exp)) = (args.get(0, "base"), args.get(1, "exp")) else {
        return Err(type_error(
            "pow() missing required argument 'base' or 'exp'",
        ));
    };
    match args.get(2, "mod") {
        None | Some(Value::None) => {
            check_numbers("** or pow()", base, exp)?;
            ops::binary(BinOp::Pow, base, exp)
        }
        Some(m) => {
            let (Some(b), Some(e), Some(m)) = (to_big(base), to_big(exp), to_big(m)) else {
                return Err(type_error(
                    "pow() 3rd argument not allowed unless all arguments are integers",
                ));
            };
            Ok(Value::from_bigint(mod_pow(&b, &e, &m)?))
        }
    }
}

/// `pow(b, e, m)` with Python's rules: the result has the sign of `m`; a negative exponent
/// uses the modular inverse of `b`.
pub(crate) fn mod_pow(b: &BigInt, e: &BigInt, m: &BigInt) -> Result<BigInt, Exc> {
    if m.is_zero() {
        return Err(value_error("pow() 3rd argument cannot be 0"));
    }
    let am = m.abs();
    let mut base = b.mod_floor(&am);
    if e.is_negative() {
        base = mod_inverse(&base, &am)
            .ok_or_else(|| value_error("base is not invertible for the given modulus"))?;
    }
    let r = base.modpow(&e.abs(), &am);
    Ok(if m.is_negative() && !r.is_zero() {
        r - am
    } else {
        r
    })
}

/// The inverse of `a` modulo `m` (`m > 0`), by the extended Euclidean algorithm.
fn mod_inverse(a: &BigInt, m: &BigInt) -> Option<BigInt> {
    let (mut old_r, mut r) = (a.clone(), m.clone());
    let (mut old_s, mut s) = (BigInt::one(), BigInt::zero());
    while !r.is_zero() {
        let q = &old_r / &r;
        let nr = &old_r - &q * &r;
        old_r = std::mem::replace(&mut r, nr);
        let ns = &old_s - &q * &s;
        old_s = std::mem::replace(&mut s, ns);
    }
    if old_r.is_one() {
        Some(old_s.mod_floor(m))
    } else if m.is_one() {
        Some(BigInt::zero())
    } else {
        None
    }
}

// ---- bin / oct / hex ----

/// `bin`/`oct`/`hex` text of an int: sign, prefix, digits (`-0x1f`).
pub(crate) fn radix_text(v: &Value, radix: u32, prefix: &str) -> Result<String, Exc> {
    let b = to_big(v).ok_or_else(|| {
        type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            v.type_name()
        ))
    })?;
    let sign = if b.is_negative() { "-" } else { "" };
    Ok(format!("{sign}{prefix}{}", b.abs().to_str_radix(radix)))
}

pub(super) fn bin(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("bin", 1, 1, &[])?;
    radix_text(&args.pos[0], 2, "0b").map(Value::str)
}

pub(super) fn oct(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("oct", 1, 1, &[])?;
    radix_text(&args.pos[0], 8, "0o").map(Value::str)
}

pub(super) fn hex(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("hex", 1, 1, &[])?;
    radix_text(&args.pos[0], 16, "0x").map(Value::str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(x: f64, n: i64) -> f64 {
        round_float(x, n).unwrap_or(f64::NAN)
    }

    #[test]
    fn round_float_like_python() {
        assert_eq!(r(0.125, 2), 0.12);
        assert_eq!(r(0.375, 2), 0.38);
        assert_eq!(r(2.675, 2), 2.67);
        assert_eq!(r(1234.5, -2), 1200.0);
        assert_eq!(r(1250.0, -2), 1200.0);
        assert_eq!(r(1350.0, -2), 1400.0);
        assert_eq!(r(0.5, 0), 0.0);
        assert_eq!(r(1.5, 0), 2.0);
        assert_eq!(r(2.5, 0), 2.0);
        assert_eq!(r(-2.5, 0), -2.0);
        assert!(r(-0.4, 0).is_sign_negative());
        assert_eq!(r(1.23456, 3), 1.235);
        assert_eq!(r(9.995, 2), 9.99); // 9.995 is 9.99499999…
        assert_eq!(r(9.9999, 2), 10.0);
        assert_eq!(r(1e300, -300), 1e300);
        assert_eq!(r(1e-300, 2), 0.0);
        assert_eq!(r(5e-324, 400), 5e-324);
        assert_eq!(r(123.456, 500), 123.456);
        assert_eq!(r(123.456, -500), 0.0);
        assert_eq!(r(0.1 + 0.2, 10), 0.3);
        assert!(r(f64::NAN, 2).is_nan());
        assert_eq!(r(f64::INFINITY, 2), f64::INFINITY);
        assert!(round_float(1.7976931348623157e308, -308).is_err());
    }

    #[test]
    fn round_ints_half_even() {
        let f = |x: i64, k: u64| round_half_even_int(&BigInt::from(x), k);
        assert_eq!(f(25, 1), BigInt::from(20));
        assert_eq!(f(35, 1), BigInt::from(40));
        assert_eq!(f(-25, 1), BigInt::from(-20));
        assert_eq!(f(-26, 1), BigInt::from(-30));
        assert_eq!(f(1234, 2), BigInt::from(1200));
        assert_eq!(f(1250, 2), BigInt::from(1200));
        assert_eq!(f(1251, 2), BigInt::from(1300));
        assert_eq!(f(7, 5), BigInt::from(0));
    }

    #[test]
    fn float_to_int_rules() {
        assert!(matches!(float_to_int(2.0), Ok(Value::Int(2))));
        assert!(matches!(float_to_int(1e20), Ok(Value::BigInt(_))));
        assert!(float_to_int(f64::NAN).is_err());
        assert!(float_to_int(f64::NEG_INFINITY).is_err());
    }

    #[test]
    fn int_sums_without_the_value_layer() {
        let items = [Value::Int(1), Value::Int(2), Value::Bool(true)];
        assert!(matches!(
            sum_values(Value::Int(0), &items),
            Ok(Value::Int(4))
        ));
        let fl = vec![Value::Float(0.1); 10];
        assert!(matches!(sum_values(Value::Float(0.0), &fl), Ok(Value::Float(f)) if f == 1.0));
        assert!(sum_values(Value::str("a"), &[]).is_err());
        assert!(sum_values(Value::Int(0), &[Value::str("a")]).is_err());
        assert!(matches!(sum_values(Value::Int(5), &[]), Ok(Value::Int(5))));
    }

    #[test]
    fn range_sums() {
        assert_eq!(range_sum(0, 10, 1), BigInt::from(45));
        assert_eq!(range_sum(10, 4, -3), BigInt::from(10 + 7 + 4 + 1));
        assert_eq!(range_sum(5, 0, 1), BigInt::from(0));
        let big = range_sum(i64::MAX - 1, 2, 1);
        assert_eq!(big, BigInt::from(i64::MAX) * 2 - 1);
    }

    #[test]
    fn modular_pow() {
        let p = |b: i64, e: i64, m: i64| mod_pow(&b.into(), &e.into(), &m.into()).ok();
        assert_eq!(p(3, 4, 5), Some(BigInt::from(1)));
        assert_eq!(p(3, 2, -5), Some(BigInt::from(-1)));
        assert_eq!(p(-3, 3, 7), Some(BigInt::from(1))); // -27 mod 7
        assert_eq!(p(3, -1, 7), Some(BigInt::from(5)));
        assert_eq!(p(2, -1, 4), None);
        assert_eq!(p(2, 5, 1), Some(BigInt::from(0)));
        assert_eq!(p(2, 5, 0), None);
    }

    #[test]
    fn radix() {
        assert_eq!(
            radix_text(&Value::Int(5), 2, "0b").ok().as_deref(),
            Some("0b101")
        );
        assert_eq!(
            radix_text(&Value::Int(-31), 16, "0x").ok().as_deref(),
            Some("-0x1f")
        );
        assert_eq!(
            radix_text(&Value::Int(0), 8, "0o").ok().as_deref(),
            Some("0o0")
        );
        assert!(radix_text(&Value::Float(1.0), 2, "0b").is_err());
    }
}

/// Neumaier's compensated float sum, as Python's `sum` of floats: a million floats keep every
/// digit they can. `sum()` and the `stats` module share it.
#[derive(Clone, Copy, Debug, Default)]
pub struct FloatSum {
    s: f64,
    c: f64,
}

impl FloatSum {
    pub fn new(start: f64) -> FloatSum {
        FloatSum { s: start, c: 0.0 }
    }
    /// Adds `x`, keeping the rounding error for the end.
    pub fn add(&mut self, x: f64) {
        let t = self.s + x;
        if self.s.abs() >= x.abs() {
            self.c += (self.s - t) + x;
        } else {
            self.c += (x - t) + self.s;
        }
        self.s = t;
    }
    /// Adds `x` without compensation (ints converted to float, as CPython does).
    pub(crate) fn add_plain(&mut self, x: f64) {
        self.s += x;
    }
    /// The sum; the correction is dropped once the sum has overflowed (it would turn an
    /// infinity into NaN).
    pub fn total(self) -> f64 {
        if self.c != 0.0 && self.c.is_finite() {
            self.s + self.c
        } else {
            self.s
        }
    }
}
