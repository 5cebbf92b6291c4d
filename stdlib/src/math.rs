//! `import math`: Python's math module (floats, with Python's domain and range errors; `floor`,
//! `ceil` and `trunc` return ints). The integer functions live in `math_int`.

use crate::math_int;
use dana_interpreter::builtins::float_to_int;
use dana_interpreter::error::{overflow_error, type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::big_to_f64;
use dana_interpreter::host::{build_module, float_arg};
use dana_interpreter::value::{Args, Globals, NativeFnPtr, Value};
use num_bigint::{BigInt, Sign};
use std::f64::consts;
use std::rc::Rc;

type Doc = (&'static str, NativeFnPtr, &'static str);

const FUNCTIONS: &[Doc] = &[
    ("sqrt", sqrt, "sqrt(x) -> float\n\nThe square root of x."),
    ("exp", exp, "exp(x) -> float\n\ne raised to the power x."),
    ("expm1", expm1, "expm1(x) -> float\n\nexp(x) - 1, accurate for small x."),
    ("log", log, "log(x, base=e) -> float\n\nThe logarithm of x to the given base."),
    ("log2", log2, "log2(x) -> float\n\nThe base-2 logarithm of x."),
    ("log10", log10, "log10(x) -> float\n\nThe base-10 logarithm of x."),
    ("log1p", log1p, "log1p(x) -> float\n\nlog(1 + x), accurate for small x."),
    ("pow", pow, "pow(x, y) -> float\n\nx raised to the power y, as floats."),
    ("sin", sin, "sin(x) -> float\n\nThe sine of x (radians)."),
    ("cos", cos, "cos(x) -> float\n\nThe cosine of x (radians)."),
    ("tan", tan, "tan(x) -> float\n\nThe tangent of x (radians)."),
    ("asin", asin, "asin(x) -> float\n\nThe arc sine of x, in radians."),
    ("acos", acos, "acos(x) -> float\n\nThe arc cosine of x, in radians."),
    ("atan", atan, "atan(x) -> float\n\nThe arc tangent of x, in radians."),
    ("atan2", atan2, "atan2(y, x) -> float\n\nThe arc tangent of y/x, in radians, using the signs of both."),
    ("sinh", sinh, "sinh(x) -> float\n\nThe hyperbolic sine of x."),
    ("cosh", cosh, "cosh(x) -> float\n\nThe hyperbolic cosine of x."),
    ("tanh", tanh, "tanh(x) -> float\n\nThe hyperbolic tangent of x."),
    ("floor", floor, "floor(x) -> int\n\nThe largest int <= x."),
    ("ceil", ceil, "ceil(x) -> int\n\nThe smallest int >= x."),
    ("trunc", trunc, "trunc(x) -> int\n\nx truncated toward 0."),
    ("fabs", fabs, "fabs(x) -> float\n\nThe absolute value of x, as a float."),
    ("fmod", fmod, "fmod(x, y) -> float\n\nThe C remainder of x / y (sign of x)."),
    ("copysign", copysign, "copysign(x, y) -> float\n\nx with the sign of y."),
    ("isnan", isnan, "isnan(x) -> bool\n\nTrue when x is a NaN."),
    ("isinf", isinf, "isinf(x) -> bool\n\nTrue when x is an infinity."),
    ("isfinite", isfinite, "isfinite(x) -> bool\n\nTrue when x is neither an infinity nor a NaN."),
    ("isclose", isclose, "isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0) -> bool\n\nTrue when a and b are close to each other."),
    ("hypot", hypot, "hypot(*coordinates) -> float\n\nThe Euclidean norm, sqrt(sum(x**2 for x in coordinates))."),
    ("degrees", degrees, "degrees(x) -> float\n\nx radians in degrees."),
    ("radians", radians, "radians(x) -> float\n\nx degrees in radians."),
    ("gcd", math_int::gcd, "gcd(*integers) -> int\n\nThe greatest common divisor (0 without arguments)."),
    ("lcm", math_int::lcm, "lcm(*integers) -> int\n\nThe least common multiple (1 without arguments)."),
    ("factorial", math_int::factorial, "factorial(n) -> int\n\nn! for a non-negative int n (arbitrary precision)."),
    ("comb", math_int::comb, "comb(n, k) -> int\n\nThe number of ways to choose k items from n, without order."),
    ("perm", math_int::perm, "perm(n, k=None) -> int\n\nThe number of ways to choose k items from n, with order."),
    ("isqrt", math_int::isqrt, "isqrt(n) -> int\n\nThe integer square root of a non-negative int."),
    ("prod", math_int::prod, "prod(iterable, *, start=1)\n\nThe product of start and the items."),
    ("fsum", math_int::fsum, "fsum(iterable) -> float\n\nAn exactly rounded floating-point sum."),
];

pub(crate) fn module() -> Rc<Globals> {
    build_module(
        "math",
        FUNCTIONS,
        vec![
            ("pi", Value::Float(consts::PI)),
            ("e", Value::Float(consts::E)),
            ("tau", Value::Float(consts::TAU)),
            ("inf", Value::Float(f64::INFINITY)),
            ("nan", Value::Float(f64::NAN)),
        ],
    )
}

/// The single argument of a one-argument function.
fn one<'a>(name: &str, args: Args<'a>) -> Result<&'a Value, Exc> {
    args.check(name, 1, 1, &[])?;
    Ok(&args.pos[0])
}

fn domain() -> Exc {
    value_error("math domain error")
}

/// Applies `f` with CPython's error rules: a NaN from a non-NaN is a domain error; an infinity
/// from a finite input is a range error for functions that can overflow, else a domain error.
pub(crate) fn math_1(x: f64, f: fn(f64) -> f64, can_overflow: bool) -> Result<f64, Exc> {
    let r = f(x);
    if r.is_nan() && !x.is_nan() {
        return Err(domain());
    }
    if r.is_infinite() && x.is_finite() {
        return Err(if can_overflow {
            overflow_error("math range error")
        } else {
            domain()
        });
    }
    Ok(r)
}

macro_rules! unary {
    ($name:ident, $f:expr, $overflow:expr) => {
        fn $name(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
            let x = float_arg(one(stringify!($name), args)?)?;
            Ok(Value::Float(math_1(x, $f, $overflow)?))
        }
    };
}

unary!(sqrt, f64::sqrt, false);
unary!(exp, f64::exp, true);
unary!(expm1, f64::exp_m1, true);
unary!(sin, f64::sin, false);
unary!(cos, f64::cos, false);
unary!(tan, f64::tan, false);
unary!(asin, f64::asin, false);
unary!(acos, f64::acos, false);
unary!(atan, f64::atan, false);
unary!(sinh, f64::sinh, true);
unary!(cosh, f64::cosh, true);
unary!(tanh, f64::tanh, false);
unary!(fabs, f64::abs, false);
// Python: degrees(x) = x * (180 / pi), radians(x) = x * (pi / 180).
unary!(degrees, |x| x * (180.0 / consts::PI), true);
unary!(radians, |x| x * (consts::PI / 180.0), false);

/// The natural log of a number value; big ints beyond the float range are handled through
/// their bit length, as CPython does (`log(2**2000)` works).
fn ln_value(v: &Value, base_ln: Option<f64>) -> Result<f64, Exc> {
    let ln = match v {
        Value::BigInt(b) if big_to_f64(b).is_err() => {
            if b.sign() != Sign::Plus {
                return Err(domain());
            }
            let bits = b.bits();
            let shift = bits.saturating_sub(60);
            let top: BigInt = &**b >> shift;
            big_to_f64(&top)?.ln() + shift as f64 * consts::LN_2
        }
        other => {
            let x = float_arg(other)?;
            if x <= 0.0 && !x.is_nan() {
                return Err(domain());
            }
            x.ln()
        }
    };
    Ok(match base_ln {
        Some(b) => ln / b,
        None => ln,
    })
}

fn log(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("log", 1, 2, &["base"])?;
    let base = match args.get(1, "base") {
        None => None,
        Some(b) => {
            let lb = ln_value(b, None)?;
            if lb == 0.0 {
                return Err(dana_interpreter::error::zero_division(
                    "float division by zero",
                ));
            }
            Some(lb)
        }
    };
    Ok(Value::Float(ln_value(&args.pos[0], base)?))
}

fn log2(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let v = one("log2", args)?;
    Ok(Value::Float(match v {
        Value::BigInt(b) if big_to_f64(b).is_err() => ln_value(v, Some(consts::LN_2))?,
        // IEEE log2(0) is -inf, a domain error in Python (math_1 maps it).
        other => math_1(float_arg(other)?, f64::log2, false)?,
    }))
}

fn log10(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let v = one("log10", args)?;
    Ok(Value::Float(match v {
        Value::BigInt(b) if big_to_f64(b).is_err() => ln_value(v, Some(consts::LN_10))?,
        other => math_1(float_arg(other)?, f64::log10, false)?,
    }))
}

fn log1p(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let x = float_arg(one("log1p", args)?)?;
    if x <= -1.0 {
        return Err(domain());
    }
    Ok(Value::Float(x.ln_1p()))
}

fn pow(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("pow", 2, 2, &[])?;
    let (x, y) = (float_arg(&args.pos[0])?, float_arg(&args.pos[1])?);
    Ok(Value::Float(float_pow(x, y)?))
}

/// `math.pow` with C99 special cases and Python's errors.
pub(crate) fn float_pow(x: f64, y: f64) -> Result<f64, Exc> {
    let r = x.powf(y);
    if x.is_finite() && y.is_finite() {
        if r.is_nan() {
            return Err(domain());
        }
        if r.is_infinite() {
            return Err(if x == 0.0 {
                domain()
            } else {
                overflow_error("math range error")
            });
        }
    }
    Ok(r)
}

fn atan2(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("atan2", 2, 2, &[])?;
    Ok(Value::Float(
        float_arg(&args.pos[0])?.atan2(float_arg(&args.pos[1])?),
    ))
}

fn fmod(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("fmod", 2, 2, &[])?;
    let (x, y) = (float_arg(&args.pos[0])?, float_arg(&args.pos[1])?);
    if y.is_infinite() && x.is_finite() {
        return Ok(Value::Float(x));
    }
    let r = x % y;
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(domain());
    }
    Ok(Value::Float(r))
}

fn copysign(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("copysign", 2, 2, &[])?;
    Ok(Value::Float(
        float_arg(&args.pos[0])?.copysign(float_arg(&args.pos[1])?),
    ))
}

/// `floor`/`ceil`/`trunc`: ints stay ints; floats become ints (big when needed).
fn to_int_by(name: &str, args: Args, f: fn(f64) -> f64) -> Result<Value, Exc> {
    match one(name, args)? {
        Value::Int(i) => Ok(Value::Int(*i)),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::BigInt(b) => Ok(Value::BigInt(b.clone())),
        Value::Float(x) => float_to_int(f(*x)),
        other => Err(type_error(format!(
            "must be real number, not {}",
            other.type_name()
        ))),
    }
}

fn floor(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    to_int_by("floor", args, f64::floor)
}

fn ceil(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    to_int_by("ceil", args, f64::ceil)
}

fn trunc(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    to_int_by("trunc", args, f64::trunc)
}

fn isnan(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    Ok(Value::Bool(float_arg(one("isnan", args)?)?.is_nan()))
}

fn isinf(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let v = one("isinf", args)?;
    // A big int is finite even when it does not fit a float.
    if matches!(v, Value::BigInt(_)) {
        return Ok(Value::Bool(false));
    }
    Ok(Value::Bool(float_arg(v)?.is_infinite()))
}

fn isfinite(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let v = one("isfinite", args)?;
    if matches!(v, Value::BigInt(_)) {
        return Ok(Value::Bool(true));
    }
    Ok(Value::Bool(float_arg(v)?.is_finite()))
}

/// Python's `math.isclose`.
pub(crate) fn is_close(a: f64, b: f64, rel_tol: f64, abs_tol: f64) -> Result<bool, Exc> {
    if rel_tol < 0.0 || abs_tol < 0.0 {
        return Err(value_error("tolerances must be non-negative"));
    }
    if a == b {
        return Ok(true);
    }
    if a.is_infinite() || b.is_infinite() {
        return Ok(false);
    }
    let diff = (b - a).abs();
    Ok(diff <= (rel_tol * b).abs() || diff <= (rel_tol * a).abs() || diff <= abs_tol)
}

fn isclose(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("isclose", 2, 2, &["rel_tol", "abs_tol"])?;
    let rel = args
        .kw("rel_tol")
        .map(float_arg)
        .transpose()?
        .unwrap_or(1e-9);
    let abs = args
        .kw("abs_tol")
        .map(float_arg)
        .transpose()?
        .unwrap_or(0.0);
    Ok(Value::Bool(is_close(
        float_arg(&args.pos[0])?,
        float_arg(&args.pos[1])?,
        rel,
        abs,
    )?))
}

/// The Euclidean norm, scaled by the largest magnitude to avoid overflow.
pub(crate) fn hypot_of(xs: &[f64]) -> f64 {
    if xs.iter().any(|x| x.is_infinite()) {
        return f64::INFINITY;
    }
    if xs.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    match xs {
        [] => 0.0,
        [x] => x.abs(),
        [x, y] => x.hypot(*y),
        _ => {
            let max = xs.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
            if max == 0.0 {
                return 0.0;
            }
            let s: f64 = xs.iter().map(|x| (x / max) * (x / max)).sum();
            max * s.sqrt()
        }
    }
}

fn hypot(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("hypot", 0, usize::MAX, &[])?;
    let xs: Vec<f64> = args.pos.iter().map(float_arg).collect::<Result<_, _>>()?;
    Ok(Value::Float(hypot_of(&xs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_and_range_errors() {
        assert!(math_1(-1.0, f64::sqrt, false).is_err());
        assert_eq!(math_1(4.0, f64::sqrt, false).ok(), Some(2.0));
        let e = math_1(1000.0, f64::exp, true).err().map(|e| e.kind);
        assert_eq!(e, Some(dana_interpreter::ExcKind::OverflowError));
        assert!(math_1(f64::NAN, f64::sqrt, false).is_ok_and(f64::is_nan));
        assert!(math_1(2.0, f64::asin, false).is_err());
        assert_eq!(
            math_1(f64::INFINITY, f64::exp, true).ok(),
            Some(f64::INFINITY)
        );
    }

    #[test]
    fn logs() {
        assert_eq!(ln_value(&Value::Int(8), Some(consts::LN_2)).ok(), Some(3.0));
        assert_eq!(
            ln_value(&Value::Int(1000), Some(consts::LN_10)).ok(),
            Some(2.9999999999999996)
        );
        assert!(ln_value(&Value::Int(0), None).is_err());
        assert!(ln_value(&Value::Float(-1.0), None).is_err());
        let big = Value::from_bigint(num_traits::pow(BigInt::from(2), 2000));
        let l = ln_value(&big, None).unwrap_or(0.0);
        assert!((l - 1386.2943611198907).abs() < 1e-9);
    }

    #[test]
    fn pow_errors() {
        assert!(float_pow(0.0, -1.0).is_err());
        assert!(float_pow(-8.0, 1.0 / 3.0).is_err());
        assert!(float_pow(10.0, 400.0).is_err());
        assert_eq!(float_pow(2.0, 10.0).ok(), Some(1024.0));
        assert_eq!(float_pow(f64::NAN, 0.0).ok(), Some(1.0));
    }

    #[test]
    fn close_and_hypot() {
        assert!(is_close(1.0, 1.0000000001, 1e-9, 0.0).unwrap_or(false));
        assert!(!is_close(1.0, 1.1, 1e-9, 0.0).unwrap_or(true));
        assert!(is_close(0.0, 1e-12, 1e-9, 1e-9).unwrap_or(false));
        assert!(is_close(1.0, 1.0, -1.0, 0.0).is_err());
        assert_eq!(hypot_of(&[3.0, 4.0]), 5.0);
        assert_eq!(hypot_of(&[3.0, 4.0, 12.0]), 13.0);
        assert_eq!(hypot_of(&[]), 0.0);
        assert_eq!(hypot_of(&[1.0, f64::INFINITY, f64::NAN]), f64::INFINITY);
    }

    #[test]
    fn floats_to_ints() {
        assert!(matches!(
            float_to_int((-2.5_f64).floor()),
            Ok(Value::Int(-3))
        ));
        assert!(matches!(float_to_int(1e20), Ok(Value::BigInt(_))));
        assert!(float_to_int(f64::NAN).is_err());
    }
}
