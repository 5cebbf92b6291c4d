//! Numeric arithmetic: the i64 fast path with promotion to big integers on overflow, floats,
//! and Python's floor division, modulo and power rules.

use crate::error::{limit_error, overflow_error, type_error, value_error, zero_division, Exc};
use crate::host::big_to_f64;
use crate::value::Value;
use dana_grammar::ast::BinOp;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{FromPrimitive, One, Signed, ToPrimitive, Zero};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::rc::Rc;

/// Integers larger than this many bits (about 315,000 decimal digits) are refused: `2 **
/// 10**10` would need gigabytes, and printing a big integer takes quadratic time.
pub(crate) const MAX_INT_BITS: u64 = 1 << 20;

/// A number operand: bools count as the ints 0 and 1.
#[derive(Clone, Copy)]
pub(crate) enum Num<'a> {
    I(i64),
    B(&'a BigInt),
    F(f64),
}

pub(crate) fn as_num(v: &Value) -> Option<Num<'_>> {
    match v {
        Value::Int(i) => Some(Num::I(*i)),
        Value::Bool(b) => Some(Num::I(*b as i64)),
        Value::BigInt(b) => Some(Num::B(b)),
        Value::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

fn big<'a>(n: Num<'a>) -> Cow<'a, BigInt> {
    match n {
        Num::I(i) => Cow::Owned(BigInt::from(i)),
        Num::B(b) => Cow::Borrowed(b),
        Num::F(_) => Cow::Owned(BigInt::zero()),
    }
}

fn to_f64(n: Num<'_>) -> Result<f64, Exc> {
    match n {
        Num::I(i) => Ok(i as f64),
        Num::B(b) => big_to_f64(b),
        Num::F(f) => Ok(f),
    }
}

fn check_bits(b: BigInt) -> Result<Value, Exc> {
    if b.bits() > MAX_INT_BITS {
        return Err(limit_error("integer result too large"));
    }
    Ok(Value::from_bigint(b))
}

/// `a op b` for two numbers.
pub(crate) fn num_binary(op: BinOp, a: Num<'_>, b: Num<'_>) -> Result<Value, Exc> {
    match (a, b) {
        (Num::F(_), _) | (_, Num::F(_)) => match op {
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::FloorDiv
            | BinOp::Mod
            | BinOp::Pow => float_binary(op, to_f64(a)?, to_f64(b)?),
            _ => Err(unsupported(op, a, b)),
        },
        (Num::I(x), Num::I(y)) => small_binary(op, x, y),
        _ => big_binary(op, &big(a), &big(b)),
    }
}

fn num_type(n: Num<'_>) -> &'static str {
    match n {
        Num::F(_) => "float",
        _ => "int",
    }
}

fn unsupported(op: BinOp, a: Num<'_>, b: Num<'_>) -> Exc {
    type_error(format!(
        "unsupported operand type(s) for {}: '{}' and '{}'",
        op.symbol(),
        num_type(a),
        num_type(b)
    ))
}

fn int_zero_div() -> Exc {
    zero_division("integer division or modulo by zero")
}

fn int_zero_mod() -> Exc {
    zero_division("integer modulo by zero")
}

/// The i64 fast path; overflow falls through to big integers.
fn small_binary(op: BinOp, x: i64, y: i64) -> Result<Value, Exc> {
    let r = match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mul => x.checked_mul(y),
        BinOp::Div => {
            // Ints within 2**53 convert exactly, so one IEEE division rounds correctly.
            const EXACT: u64 = 1 << 53;
            if y != 0 && x.unsigned_abs() <= EXACT && y.unsigned_abs() <= EXACT {
                return Ok(Value::Float(x as f64 / y as f64));
            }
            return int_true_div(&BigInt::from(x), &BigInt::from(y)).map(Value::Float);
        }
        BinOp::FloorDiv => {
            if y == 0 {
                return Err(int_zero_div());
            }
            // `i64::MIN // -1` overflows.
            if y == -1 {
                x.checked_neg()
            } else {
                Some(Integer::div_floor(&x, &y))
            }
        }
        BinOp::Mod => {
            if y == 0 {
                return Err(int_zero_mod());
            }
            Some(if y == -1 {
                0
            } else {
                Integer::mod_floor(&x, &y)
            })
        }
        BinOp::Pow => {
            if y < 0 {
                return float_binary(BinOp::Pow, x as f64, y as f64);
            }
            u32::try_from(y).ok().and_then(|e| x.checked_pow(e))
        }
        BinOp::BitAnd => Some(x & y),
        BinOp::BitOr => Some(x | y),
        BinOp::BitXor => Some(x ^ y),
        BinOp::Shl => {
            if y < 0 {
                return Err(value_error("negative shift count"));
            }
            if x == 0 {
                Some(0)
            } else if y < 63 {
                let r = x << y;
                (r >> y == x).then_some(r)
            } else {
                None
            }
        }
        BinOp::Shr => {
            if y < 0 {
                return Err(value_error("negative shift count"));
            }
            Some(if y >= 64 {
                if x < 0 {
                    -1
                } else {
                    0
                }
            } else {
                x >> y
            })
        }
    };
    match r {
        Some(v) => Ok(Value::Int(v)),
        None => big_binary(op, &BigInt::from(x), &BigInt::from(y)),
    }
}

fn big_binary(op: BinOp, x: &BigInt, y: &BigInt) -> Result<Value, Exc> {
    match op {
        BinOp::Add => Ok(Value::from_bigint(x + y)),
        BinOp::Sub => Ok(Value::from_bigint(x - y)),
        BinOp::Mul => {
            if x.bits() + y.bits() > MAX_INT_BITS {
                return Err(limit_error("integer result too large"));
            }
            Ok(Value::from_bigint(x * y))
        }
        BinOp::Div => int_true_div(x, y).map(Value::Float),
        BinOp::FloorDiv => {
            if y.is_zero() {
                return Err(int_zero_div());
            }
            Ok(Value::from_bigint(Integer::div_floor(x, y)))
        }
        BinOp::Mod => {
            if y.is_zero() {
                return Err(int_zero_mod());
            }
            Ok(Value::from_bigint(Integer::mod_floor(x, y)))
        }
        BinOp::Pow => big_pow(x, y),
        BinOp::BitAnd => Ok(Value::from_bigint(x & y)),
        BinOp::BitOr => Ok(Value::from_bigint(x | y)),
        BinOp::BitXor => Ok(Value::from_bigint(x ^ y)),
        BinOp::Shl | BinOp::Shr => {
            if y.is_negative() {
                return Err(value_error("negative shift count"));
            }
            if x.is_zero() {
                return Ok(Value::Int(0));
            }
            let shift = y.to_u64().unwrap_or(u64::MAX);
            if op == BinOp::Shr {
                if shift >= x.bits() {
                    return Ok(Value::Int(if x.is_negative() { -1 } else { 0 }));
                }
                return Ok(Value::from_bigint(x >> shift));
            }
            if x.bits().saturating_add(shift) > MAX_INT_BITS {
                return Err(limit_error("integer result too large"));
            }
            check_bits(x << shift)
        }
    }
}

fn big_pow(x: &BigInt, y: &BigInt) -> Result<Value, Exc> {
    if y.is_negative() {
        return float_binary(
            BinOp::Pow,
            big_to_f64(x)?,
            y.to_f64().unwrap_or(f64::NEG_INFINITY),
        );
    }
    // Bases whose powers never grow, for any exponent.
    if x.is_zero() {
        return Ok(Value::Int(if y.is_zero() { 1 } else { 0 }));
    }
    if x.is_one() {
        return Ok(Value::Int(1));
    }
    if *x == BigInt::from(-1) {
        return Ok(Value::Int(if y.is_even() { 1 } else { -1 }));
    }
    // Estimate the result's size before computing it.
    let log2 = match x.to_f64() {
        Some(f) if f.is_finite() => f.abs().log2(),
        _ => x.bits() as f64,
    };
    let e = match y.to_u32() {
        Some(e) if log2 * e as f64 <= MAX_INT_BITS as f64 => e,
        _ => return Err(limit_error("integer result too large")),
    };
    check_bits(x.pow(e))
}

/// `x * 2**exp` without intermediate overflow or underflow.
fn ldexp(mut x: f64, mut exp: i64) -> f64 {
    while exp > 1000 {
        x *= 2f64.powi(1000);
        exp -= 1000;
        if x.is_infinite() {
            return x;
        }
    }
    while exp < -1000 {
        x *= 2f64.powi(-1000);
        exp += 1000;
        if x == 0.0 {
            return x;
        }
    }
    x * 2f64.powi(exp as i32)
}

/// Python's correctly rounded `int / int`.
pub(crate) fn int_true_div(a: &BigInt, b: &BigInt) -> Result<f64, Exc> {
    if b.is_zero() {
        return Err(zero_division("division by zero"));
    }
    const EXACT: u64 = 53;
    if a.bits() <= EXACT && b.bits() <= EXACT {
        // Both convert exactly, so one IEEE division rounds correctly.
        return Ok(a.to_f64().unwrap_or(0.0) / b.to_f64().unwrap_or(1.0));
    }
    let negative = a.is_negative() != b.is_negative();
    let (a, b) = (a.abs(), b.abs());
    // Scale so the integer quotient has about 66 significant bits, then keep a sticky bit for
    // the remainder: converting that to f64 rounds exactly once, correctly.
    let shift = b.bits() as i64 - a.bits() as i64 + 66;
    let (num, den) = if shift >= 0 {
        (a << shift as u64, b)
    } else {
        (a, b << (-shift) as u64)
    };
    let (mut q, r) = num.div_rem(&den);
    if !r.is_zero() {
        q |= BigInt::one();
    }
    let f = ldexp(q.to_f64().unwrap_or(f64::INFINITY), -shift);
    if f.is_infinite() {
        return Err(overflow_error(
            "integer division result too large for a float",
        ));
    }
    Ok(if negative { -f } else { f })
}

/// Python's float `//` and `%` (`divmod`), including its sign and rounding corrections.
pub(crate) fn float_divmod(x: f64, y: f64) -> (f64, f64) {
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(y);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(x / y)
    };
    (floordiv, m)
}

fn float_binary(op: BinOp, x: f64, y: f64) -> Result<Value, Exc> {
    let r = match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => {
            if y == 0.0 {
                return Err(zero_division("float division by zero"));
            }
            x / y
        }
        BinOp::FloorDiv => {
            if y == 0.0 {
                return Err(zero_division("float floor division by zero"));
            }
            float_divmod(x, y).0
        }
        BinOp::Mod => {
            if y == 0.0 {
                return Err(zero_division("float modulo"));
            }
            float_divmod(x, y).1
        }
        BinOp::Pow => float_pow(x, y)?,
        _ => return Err(unsupported(op, Num::F(x), Num::F(y))),
    };
    Ok(Value::Float(r))
}

fn float_pow(x: f64, y: f64) -> Result<f64, Exc> {
    if y == 0.0 || x == 1.0 {
        return Ok(1.0);
    }
    if x == 0.0 && y < 0.0 {
        return Err(zero_division("0.0 cannot be raised to a negative power"));
    }
    if x < 0.0 && x.is_finite() && y.is_finite() && y.fract() != 0.0 {
        // Python would return a complex number; Dana has none.
        return Err(value_error(
            "negative number cannot be raised to a fractional power",
        ));
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(overflow_error("(34, 'Numerical result out of range')"));
    }
    Ok(r)
}

/// Exact comparison of two numbers (`None` when a NaN is involved), as Python compares
/// ints with floats: without rounding the int.
pub(crate) fn num_cmp(a: Num<'_>, b: Num<'_>) -> Option<Ordering> {
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        (Num::F(x), Num::F(y)) => x.partial_cmp(&y),
        (Num::F(x), other) => int_float_cmp(other, x).map(Ordering::reverse),
        (other, Num::F(y)) => int_float_cmp(other, y),
        _ => Some(big(a).cmp(&big(b))),
    }
}

fn int_float_cmp(i: Num<'_>, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let t = f.trunc();
    let frac_order = if f > t {
        Ordering::Less
    } else if f < t {
        Ordering::Greater
    } else {
        Ordering::Equal
    };
    let ord = match i {
        Num::I(x) if t.abs() < 9.2e18 => x.cmp(&(t as i64)),
        _ => big(i)
            .as_ref()
            .cmp(&BigInt::from_f64(t).unwrap_or_default()),
    };
    Some(ord.then(frac_order))
}

/// `-n`, `+n`, `~n` on a number.
pub(crate) fn num_unary(op: dana_grammar::ast::UnaryOp, n: Num<'_>) -> Result<Value, Exc> {
    use dana_grammar::ast::UnaryOp;
    Ok(match (op, n) {
        (UnaryOp::Neg, Num::I(i)) => match i.checked_neg() {
            Some(v) => Value::Int(v),
            None => Value::from_bigint(-BigInt::from(i)),
        },
        (UnaryOp::Neg, Num::B(b)) => Value::from_bigint(-b),
        (UnaryOp::Neg, Num::F(f)) => Value::Float(-f),
        (UnaryOp::Pos, Num::I(i)) => Value::Int(i),
        (UnaryOp::Pos, Num::B(b)) => Value::BigInt(Rc::new(b.clone())),
        (UnaryOp::Pos, Num::F(f)) => Value::Float(f),
        (UnaryOp::Invert, Num::I(i)) => Value::Int(!i),
        (UnaryOp::Invert, Num::B(b)) => Value::from_bigint(-b - 1),
        (UnaryOp::Invert, Num::F(_)) => {
            return Err(type_error("bad operand type for unary ~: 'float'"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(op: BinOp, a: Value, b: Value) -> String {
        match num_binary(op, as_num(&a).unwrap(), as_num(&b).unwrap()) {
            Ok(v) => crate::value::repr::repr(&v),
            Err(e) => format!("!{}: {}", e.kind, e.message),
        }
    }

    #[test]
    fn floor_division_and_modulo_signs() {
        use Value::{Float as F, Int as I};
        // Expected values from python3.
        let table: &[(BinOp, Value, Value, &str)] = &[
            (BinOp::FloorDiv, I(-7), I(2), "-4"),
            (BinOp::Mod, I(-7), I(3), "2"),
            (BinOp::Mod, I(7), I(-3), "-2"),
            (BinOp::FloorDiv, I(7), I(-2), "-4"),
            (BinOp::Mod, F(7.5), I(2), "1.5"),
            (BinOp::Mod, F(-7.5), I(2), "0.5"),
            (BinOp::FloorDiv, F(-7.5), I(2), "-4.0"),
            (BinOp::Mod, F(7.5), F(-2.0), "-0.5"),
            (BinOp::Mod, F(-0.0), F(1.0), "0.0"),
            (BinOp::Mod, F(0.0), F(-1.0), "-0.0"),
            (BinOp::FloorDiv, I(i64::MIN), I(-1), "9223372036854775808"),
            (BinOp::Mod, I(i64::MIN), I(-1), "0"),
            (
                BinOp::FloorDiv,
                I(1),
                I(0),
                "!ZeroDivisionError: integer division or modulo by zero",
            ),
            (
                BinOp::Mod,
                I(1),
                I(0),
                "!ZeroDivisionError: integer modulo by zero",
            ),
            (
                BinOp::FloorDiv,
                F(1.0),
                I(0),
                "!ZeroDivisionError: float floor division by zero",
            ),
            (BinOp::Mod, F(1.0), I(0), "!ZeroDivisionError: float modulo"),
            (
                BinOp::Div,
                I(1),
                I(0),
                "!ZeroDivisionError: division by zero",
            ),
            (
                BinOp::Div,
                F(1.0),
                I(0),
                "!ZeroDivisionError: float division by zero",
            ),
            (BinOp::Div, I(7), I(2), "3.5"),
            (BinOp::Div, I(0), I(-5), "-0.0"),
            (BinOp::Div, I(1), I(3), "0.3333333333333333"),
            (BinOp::FloorDiv, F(f64::INFINITY), I(1), "nan"),
        ];
        for (op, a, b, want) in table {
            assert_eq!(
                run(*op, a.clone(), b.clone()),
                *want,
                "{a:?} {} {b:?}",
                op.symbol()
            );
        }
    }

    #[test]
    fn big_int_promotion() {
        use Value::Int as I;
        assert_eq!(
            run(BinOp::Pow, I(2), I(100)),
            "1267650600228229401496703205376"
        );
        assert_eq!(run(BinOp::Add, I(i64::MAX), I(1)), "9223372036854775808");
        assert_eq!(run(BinOp::Sub, I(i64::MIN), I(1)), "-9223372036854775809");
        assert_eq!(
            run(BinOp::Mul, I(i64::MAX), I(i64::MAX)),
            "85070591730234615847396907784232501249"
        );
        assert_eq!(run(BinOp::Shl, I(1), I(70)), "1180591620717411303424");
        assert_eq!(run(BinOp::Shl, I(-3), I(62)), "-13835058055282163712");
        assert_eq!(run(BinOp::Shr, I(-1), I(100)), "-1");
        assert_eq!(run(BinOp::Shr, I(-7), I(1)), "-4");
        assert_eq!(
            run(BinOp::Shl, I(1), I(-1)),
            "!ValueError: negative shift count"
        );
        assert_eq!(run(BinOp::Pow, I(2), I(-1)), "0.5");
        assert_eq!(
            run(BinOp::Pow, I(0), I(-1)),
            "!ZeroDivisionError: 0.0 cannot be raised to a negative power"
        );
        assert_eq!(run(BinOp::Pow, I(-1), I(i64::MAX)), "-1");
        assert_eq!(run(BinOp::Pow, I(0), I(0)), "1");
        assert!(run(BinOp::Pow, I(2), I(1 << 40)).starts_with("!LimitError"));
        // Normalised back to Int when the result fits.
        let big = Value::from_bigint(BigInt::from(i64::MAX) + 1);
        assert!(matches!(
            num_binary(BinOp::Sub, as_num(&big).unwrap(), Num::I(1)),
            Ok(Value::Int(i64::MAX))
        ));
        // Big-int true division is correctly rounded.
        let a = Value::from_bigint(BigInt::from(10).pow(400));
        let b = Value::from_bigint(BigInt::from(10).pow(399));
        assert_eq!(run(BinOp::Div, a.clone(), b), "10.0");
        assert_eq!(
            run(BinOp::Div, a.clone(), Value::Float(1.0)),
            "!OverflowError: int too large to convert to float"
        );
        assert_eq!(
            run(BinOp::Div, Value::Int(1), a),
            "1e-400"
                .parse::<f64>()
                .map(crate::value::repr::float_repr)
                .unwrap()
        );
        assert_eq!(
            run(BinOp::Div, I(9007199254740993), I(1)),
            "9007199254740992.0"
        );
        assert_eq!(
            run(
                BinOp::BitAnd,
                Value::from_bigint(BigInt::from(-1) << 80),
                I(0xff00)
            ),
            "0"
        );
        assert_eq!(run(BinOp::BitXor, I(6), I(3)), "5");
    }

    #[test]
    fn float_power() {
        use Value::{Float as F, Int as I};
        assert_eq!(run(BinOp::Pow, F(2.0), F(0.5)), "1.4142135623730951");
        assert_eq!(
            run(BinOp::Pow, F(10.0), I(400)),
            "!OverflowError: (34, 'Numerical result out of range')"
        );
        assert_eq!(
            run(BinOp::Pow, F(0.0), I(-1)),
            "!ZeroDivisionError: 0.0 cannot be raised to a negative power"
        );
        assert!(run(BinOp::Pow, I(-8), F(0.5)).starts_with("!ValueError"));
        assert_eq!(run(BinOp::Pow, F(-8.0), F(3.0)), "-512.0");
        assert_eq!(run(BinOp::Pow, F(f64::NAN), I(0)), "1.0");
    }

    #[test]
    fn exact_int_float_comparison() {
        let b = BigInt::from(1u64 << 53) + 1;
        assert_eq!(
            num_cmp(Num::B(&b), Num::F(9007199254740992.0)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            num_cmp(Num::I((1 << 53) + 1), Num::F(9007199254740992.0)),
            Some(Ordering::Greater)
        );
        assert_eq!(num_cmp(Num::I(2), Num::F(2.5)), Some(Ordering::Less));
        assert_eq!(num_cmp(Num::I(-2), Num::F(-2.5)), Some(Ordering::Greater));
        assert_eq!(num_cmp(Num::I(3), Num::F(3.0)), Some(Ordering::Equal));
        assert_eq!(num_cmp(Num::I(3), Num::F(f64::NAN)), None);
        assert_eq!(
            num_cmp(Num::F(1e300), Num::I(i64::MAX)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            num_cmp(Num::I(i64::MAX), Num::F(9.3e18)),
            Some(Ordering::Less)
        );
    }
}
