//! The integer and summation functions of `math`: `gcd`, `lcm`, `factorial`, `comb`, `perm`,
//! `isqrt` (arbitrary precision), `prod` and `fsum`.

use dana_grammar::ast::BinOp;
use dana_interpreter::error::{overflow_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::{bigint_arg, float_arg};
use dana_interpreter::value::{collect, ops, Args, Value};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

pub(crate) fn gcd(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("gcd", 0, usize::MAX, &[])?;
    let mut g = BigInt::zero();
    for v in args.pos {
        g = g.gcd(&bigint_arg(v)?);
    }
    Ok(Value::from_bigint(g))
}

pub(crate) fn lcm(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("lcm", 0, usize::MAX, &[])?;
    let mut l = BigInt::one();
    for v in args.pos {
        let x = bigint_arg(v)?;
        l = if l.is_zero() || x.is_zero() {
            BigInt::zero()
        } else {
            l.lcm(&x)
        };
    }
    Ok(Value::from_bigint(l))
}

/// `n!`, multiplying in u64 chunks before touching the big integer.
pub(crate) fn factorial_of(n: u64) -> BigInt {
    let mut acc = BigInt::one();
    let mut chunk: u64 = 1;
    for i in 2..=n {
        match chunk.checked_mul(i) {
            Some(c) => chunk = c,
            None => {
                acc *= chunk;
                chunk = i;
            }
        }
    }
    acc * chunk
}

/// A non-negative int argument that fits u64.
fn non_negative(v: &Value, what: &str) -> Result<BigInt, Exc> {
    let n = bigint_arg(v)?;
    if n.is_negative() {
        return Err(value_error(format!(
            "{what} must be a non-negative integer"
        )));
    }
    Ok(n)
}

pub(crate) fn factorial(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("factorial", 1, 1, &[])?;
    let n = bigint_arg(&args.pos[0])?;
    if n.is_negative() {
        return Err(value_error("factorial() not defined for negative values"));
    }
    let n = n.to_u64().ok_or_else(|| {
        overflow_error("factorial() argument should not exceed 18446744073709551615")
    })?;
    Ok(Value::from_bigint(factorial_of(n)))
}

/// `n * (n-1) * … * (n-k+1)`.
fn falling(n: &BigInt, k: u64) -> BigInt {
    let mut r = BigInt::one();
    let mut f = n.clone();
    for _ in 0..k {
        r *= &f;
        f -= 1;
    }
    r
}

pub(crate) fn comb_of(n: &BigInt, k: &BigInt) -> Result<BigInt, Exc> {
    if k > n {
        return Ok(BigInt::zero());
    }
    let k = std::cmp::min(k.clone(), n - k);
    let k = k
        .to_u64()
        .ok_or_else(|| overflow_error(format!("min(n - k, k) must not exceed {}", u64::MAX)))?;
    // Multiply then divide at each step: every prefix product is itself a binomial coefficient.
    let mut r = BigInt::one();
    for i in 0..k {
        r = r * (n - i) / (i + 1);
    }
    Ok(r)
}

pub(crate) fn comb(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("comb", 2, 2, &[])?;
    let n = non_negative(&args.pos[0], "n")?;
    let k = non_negative(&args.pos[1], "k")?;
    Ok(Value::from_bigint(comb_of(&n, &k)?))
}

pub(crate) fn perm(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("perm", 1, 2, &[])?;
    let n = non_negative(&args.pos[0], "n")?;
    let k = match args.pos.get(1) {
        None | Some(Value::None) => n.clone(),
        Some(k) => non_negative(k, "k")?,
    };
    if k > n {
        return Ok(Value::Int(0));
    }
    let k = k
        .to_u64()
        .ok_or_else(|| overflow_error(format!("k must not exceed {}", u64::MAX)))?;
    Ok(Value::from_bigint(falling(&n, k)))
}

pub(crate) fn isqrt(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("isqrt", 1, 1, &[])?;
    let n = bigint_arg(&args.pos[0])?;
    if n.is_negative() {
        return Err(value_error("isqrt() argument must be nonnegative"));
    }
    Ok(Value::from_bigint(n.sqrt()))
}

pub(crate) fn prod(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("prod", 1, 1, &["start"])?;
    let mut acc = args.kw("start").cloned().unwrap_or(Value::Int(1));
    for v in collect(it, &args.pos[0])? {
        acc = ops::binary(BinOp::Mul, &acc, &v)?;
    }
    Ok(acc)
}

pub(crate) fn fsum(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("fsum", 1, 1, &[])?;
    let xs: Vec<f64> = collect(it, &args.pos[0])?
        .iter()
        .map(float_arg)
        .collect::<Result<_, _>>()?;
    Ok(Value::Float(fsum_of(&xs)?))
}

/// Exactly rounded sum (Shewchuk's algorithm with CPython's final half-even correction).
pub(crate) fn fsum_of(xs: &[f64]) -> Result<f64, Exc> {
    let mut partials: Vec<f64> = Vec::new();
    let (mut special, mut inf_sum) = (0.0_f64, 0.0_f64);
    for &xsave in xs {
        let mut x = xsave;
        let mut i = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        partials.truncate(i);
        if !x.is_finite() {
            // Either an inf/nan summand, or an intermediate overflow of finite values.
            if xsave.is_finite() {
                return Err(overflow_error("intermediate overflow in fsum"));
            }
            if xsave.is_infinite() {
                inf_sum += xsave;
            }
            special += xsave;
            partials.clear();
        } else {
            partials.push(x);
        }
    }
    // NaN != 0.0 too, so a NaN summand also lands here.
    if special != 0.0 {
        if inf_sum.is_nan() {
            return Err(value_error("-inf + inf in fsum"));
        }
        return Ok(special);
    }
    let mut n = partials.len();
    let mut hi = 0.0;
    if n > 0 {
        n -= 1;
        hi = partials[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = partials[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
    }
    Ok(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factorials_and_combinations() {
        assert_eq!(factorial_of(0), BigInt::one());
        assert_eq!(factorial_of(5), BigInt::from(120));
        assert_eq!(factorial_of(25).to_string(), "15511210043330985984000000");
        let c = |n: i64, k: i64| comb_of(&BigInt::from(n), &BigInt::from(k)).ok();
        assert_eq!(c(10, 3), Some(BigInt::from(120)));
        assert_eq!(c(10, 0), Some(BigInt::one()));
        assert_eq!(c(3, 5), Some(BigInt::zero()));
        assert_eq!(
            c(100, 50).map(|b| b.to_string()).as_deref(),
            Some("100891344545564193334812497256")
        );
        assert_eq!(falling(&BigInt::from(5), 2), BigInt::from(20));
    }

    #[test]
    fn fsum_like_python() {
        assert_eq!(fsum_of(&[0.1; 10]).ok(), Some(1.0));
        assert_eq!(
            fsum_of(&[1e-16, 1.0, 1e16]).ok(),
            Some(1.0000000000000002e16)
        );
        assert!(fsum_of(&[1e308, 1e308, -1e308]).is_err());
        assert_eq!(fsum_of(&[]).ok(), Some(0.0));
        assert_eq!(fsum_of(&[f64::INFINITY, 1.0]).ok(), Some(f64::INFINITY));
        assert!(fsum_of(&[f64::INFINITY, f64::NEG_INFINITY]).is_err());
        assert!(fsum_of(&[f64::NAN]).is_ok_and(f64::is_nan));
    }
}
