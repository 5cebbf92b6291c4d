//! `import stats`: descriptive statistics and the drift measures POET's monitoring domains use.
//!
//! Every function takes sequences of numbers (lists, tuples, ranges; ints, floats and bools)
//! and returns floats (`ks_2samp` a dict). Empty input, NaN or infinite values, and sequences
//! whose lengths must match but do not are `ValueError`s that say which argument is wrong.
//!
//! * `mean`, `median`, `stdev`, `variance`: `stdev` and `variance` are the **sample** ones
//!   (divisor n − 1, like Python's `statistics` and numpy's `ddof=1`); they need two values.
//! * `percentile(xs, q)`: q in [0, 100], linear interpolation between the closest ranks, like
//!   numpy's default (`method="linear"`): rank = q/100 · (n − 1).
//! * `ks_2samp(a, b)`: the two-sided two-sample Kolmogorov–Smirnov test, `{"statistic",
//!   "p_value"}`, as `scipy.stats.ks_2samp(a, b)` (method "auto"): the exact p-value when both
//!   samples have at most 10,000 values, else the asymptotic one (see `stats/kolmogorov.rs`).
//! * `psi(expected, actual, bins=10)`: the population stability index. The cut points are the
//!   1/bins, 2/bins, …, (bins−1)/bins quantiles of `expected` (linear interpolation, as
//!   `percentile`); equal cut points are merged, so there may be fewer bins. Bin i holds the
//!   values v with `cut[i−1] <= v < cut[i]`; the first and last bins are open-ended, so values
//!   of `actual` outside the range of `expected` still count. With p and q the proportions of
//!   `expected` and `actual` in a bin, an empty bin's proportion is replaced by
//!   [`PSI_EPSILON`] = 1e-4; PSI = Σ (q − p) · ln(q / p). Rules of thumb: < 0.1 stable,
//!   0.1–0.25 a moderate shift, > 0.25 a major one.
//! * `kl_divergence(p, q)`: the Kullback–Leibler divergence D(P‖Q) in nats of two discrete
//!   distributions given as non-negative weights of equal length; each is divided by its sum
//!   first. Terms with P_i = 0 count 0; Q_i is floored at [`KL_EPSILON`] = 1e-10, so a Q that
//!   misses part of P's support gives a large finite number rather than infinity. Where Q
//!   covers P it equals `scipy.stats.entropy(p, q)`.
//!
//! The numbers are checked against numpy and scipy by `stdlib/tests/stats_reference.rs`.

mod kolmogorov;

pub use kolmogorov::{kstwo_sf, smirnov_sf};

use dana_interpreter::builtins::FloatSum;
use dana_interpreter::error::{type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::{build_module, float_arg};
use dana_interpreter::host::{int_arg, Big};
use dana_interpreter::value::{ops, Args, DictMap, Globals, Key, NativeFnPtr, Value};
use std::fmt;
use std::rc::Rc;

/// The proportion given to an empty bin by [`psi`].
pub const PSI_EPSILON: f64 = 1e-4;
/// The floor of Q's probabilities in [`kl_divergence`].
pub const KL_EPSILON: f64 = 1e-10;
/// The most bins [`psi`] accepts: more would only split the expected sample into noise.
pub const MAX_PSI_BINS: usize = 10_000;

/// Why a statistic cannot be computed; a `ValueError` in Dana.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatsError(pub String);

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StatsError {}

fn err<T>(msg: impl Into<String>) -> Result<T, StatsError> {
    Err(StatsError(msg.into()))
}

/// Refuses empty input and non-finite values, naming the function and argument.
fn check(func: &str, arg: &str, xs: &[f64]) -> Result<(), StatsError> {
    if xs.is_empty() {
        return err(format!("{func}() {arg} must not be empty"));
    }
    if let Some(i) = xs.iter().position(|x| !x.is_finite()) {
        let what = if xs[i].is_nan() { "NaN" } else { "infinite" };
        return err(format!("{func}() {arg}[{i}] is {what}"));
    }
    Ok(())
}

/// The compensated sum of the builtin `sum()`: the mean of a million floats keeps every digit
/// it can.
fn sum(xs: impl IntoIterator<Item = f64>) -> f64 {
    let mut s = FloatSum::default();
    for x in xs {
        s.add(x);
    }
    s.total()
}

fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

pub fn mean(xs: &[f64]) -> Result<f64, StatsError> {
    check("mean", "xs", xs)?;
    Ok(sum(xs.iter().copied()) / xs.len() as f64)
}

pub fn median(xs: &[f64]) -> Result<f64, StatsError> {
    check("median", "xs", xs)?;
    let v = sorted(xs);
    let n = v.len();
    Ok(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The sample variance (divisor n − 1), by two passes for accuracy.
pub fn variance(xs: &[f64]) -> Result<f64, StatsError> {
    check("variance", "xs", xs)?;
    if xs.len() < 2 {
        return err("variance() requires at least two data points");
    }
    let m = sum(xs.iter().copied()) / xs.len() as f64;
    Ok(sum(xs.iter().map(|x| (x - m) * (x - m))) / (xs.len() - 1) as f64)
}

/// The sample standard deviation.
pub fn stdev(xs: &[f64]) -> Result<f64, StatsError> {
    check("stdev", "xs", xs)?;
    if xs.len() < 2 {
        return err("stdev() requires at least two data points");
    }
    variance(xs).map(f64::sqrt)
}

/// numpy's `_lerp`: exact at both ends, monotone in between.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The q-th percentile of sorted, non-empty `v`.
fn percentile_sorted(v: &[f64], q: f64) -> f64 {
    let rank = q / 100.0 * (v.len() - 1) as f64;
    let lo = (rank.floor() as usize).min(v.len() - 1);
    let hi = (lo + 1).min(v.len() - 1);
    lerp(v[lo], v[hi], rank - lo as f64)
}

pub fn percentile(xs: &[f64], q: f64) -> Result<f64, StatsError> {
    check("percentile", "xs", xs)?;
    if !(0.0..=100.0).contains(&q) {
        return err(format!(
            "percentile() q must be in the range [0, 100], not {q}"
        ));
    }
    Ok(percentile_sorted(&sorted(xs), q))
}

/// The result of [`ks_2samp`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KsTest {
    /// The largest distance between the two empirical CDFs.
    pub statistic: f64,
    /// Two-sided.
    pub p_value: f64,
}

pub fn ks_2samp(a: &[f64], b: &[f64]) -> Result<KsTest, StatsError> {
    check("ks_2samp", "a", a)?;
    check("ks_2samp", "b", b)?;
    let (statistic, p_value) = kolmogorov::ks_2samp_sorted(&sorted(a), &sorted(b));
    Ok(KsTest { statistic, p_value })
}

pub fn psi(expected: &[f64], actual: &[f64], bins: usize) -> Result<f64, StatsError> {
    check("psi", "expected", expected)?;
    check("psi", "actual", actual)?;
    if !(1..=MAX_PSI_BINS).contains(&bins) {
        return err(format!(
            "psi() bins must be between 1 and {MAX_PSI_BINS}, not {bins}"
        ));
    }
    let e = sorted(expected);
    let mut cuts: Vec<f64> = Vec::with_capacity(bins);
    for i in 1..bins {
        let c = percentile_sorted(&e, 100.0 * i as f64 / bins as f64);
        if cuts.last().is_none_or(|&last| c > last) {
            cuts.push(c);
        }
    }
    let count = |xs: &[f64]| {
        let mut counts = vec![0usize; cuts.len() + 1];
        for &x in xs {
            counts[cuts.partition_point(|&c| c <= x)] += 1;
        }
        counts
    };
    let proportions = |counts: Vec<usize>, n: usize| -> Vec<f64> {
        counts
            .into_iter()
            .map(|c| {
                if c == 0 {
                    PSI_EPSILON
                } else {
                    c as f64 / n as f64
                }
            })
            .collect()
    };
    let p = proportions(count(expected), expected.len());
    let q = proportions(count(actual), actual.len());
    Ok(sum(p.iter().zip(&q).map(|(p, q)| (q - p) * (q / p).ln())))
}

pub fn kl_divergence(p: &[f64], q: &[f64]) -> Result<f64, StatsError> {
    check("kl_divergence", "p", p)?;
    check("kl_divergence", "q", q)?;
    if p.len() != q.len() {
        return err(format!(
            "kl_divergence() p and q must have the same length, not {} and {}",
            p.len(),
            q.len()
        ));
    }
    for (name, xs) in [("p", p), ("q", q)] {
        if let Some(i) = xs.iter().position(|&x| x < 0.0) {
            return err(format!(
                "kl_divergence() {name}[{i}] is negative; weights must be >= 0"
            ));
        }
    }
    let (sp, sq) = (sum(p.iter().copied()), sum(q.iter().copied()));
    for (name, s) in [("p", sp), ("q", sq)] {
        if s <= 0.0 || !s.is_finite() {
            return err(format!(
                "kl_divergence() {name} must have a positive, finite sum"
            ));
        }
    }
    Ok(sum(p.iter().zip(q).filter(|(&pi, _)| pi > 0.0).map(
        |(&pi, &qi)| {
            let (pn, qn) = (pi / sp, (qi / sq).max(KL_EPSILON));
            pn * (pn / qn).ln()
        },
    )))
}

// ---- the Dana module -----------------------------------------------------------------------

type Doc = (&'static str, NativeFnPtr, &'static str);

const FUNCTIONS: &[Doc] = &[
    ("mean", dana_mean, "mean(xs: list) -> float\n\nThe arithmetic mean of a non-empty sequence of numbers."),
    ("median", dana_median, "median(xs: list) -> float\n\nThe middle value (the mean of the two middle values for an even count)."),
    ("stdev", dana_stdev, "stdev(xs: list) -> float\n\nThe sample standard deviation (divisor n - 1); needs two values."),
    ("variance", dana_variance, "variance(xs: list) -> float\n\nThe sample variance (divisor n - 1); needs two values."),
    ("percentile", dana_percentile, "percentile(xs: list, q: float) -> float\n\nThe q-th percentile, q in [0, 100], interpolating linearly between ranks\n(numpy's default)."),
    ("ks_2samp", dana_ks_2samp, "ks_2samp(a: list, b: list) -> dict\n\nTwo-sided two-sample Kolmogorov-Smirnov test: {\"statistic\": D, \"p_value\": p}.\nExact p-value up to 10,000 values per sample, asymptotic beyond (as scipy)."),
    ("psi", dana_psi, "psi(expected: list, actual: list, bins: int = 10) -> float\n\nPopulation stability index over bins cut at the quantiles of expected;\nempty bins count as a proportion of 1e-4."),
    ("kl_divergence", dana_kl_divergence, "kl_divergence(p: list, q: list) -> float\n\nKullback-Leibler divergence D(P||Q) in nats of two discrete distributions\n(weights, each normalised to sum 1; q floored at 1e-10)."),
];

pub(crate) fn module() -> Rc<Globals> {
    build_module("stats", FUNCTIONS, vec![])
}

fn to_value_error(e: StatsError) -> Exc {
    value_error(e.0)
}

/// The numbers of a sequence argument.
fn numbers(func: &str, arg: &str, v: &Value) -> Result<Vec<f64>, Exc> {
    let items = match v {
        Value::Str(_) | Value::Dict(_) | Value::Set(_) => {
            return Err(type_error(format!(
                "{func}() {arg} must be a list or tuple of numbers, not {}",
                v.type_name()
            )))
        }
        other => ops::iter_to_vec(other)?,
    };
    items
        .iter()
        .enumerate()
        .map(|(i, x)| {
            float_arg(x).map_err(|_| {
                type_error(format!(
                    "{func}() {arg}[{i}] must be a number, not {}",
                    x.type_name()
                ))
            })
        })
        .collect()
}

fn one_list(func: &str, args: Args) -> Result<Vec<f64>, Exc> {
    args.check(func, 0, 1, &["xs"])?;
    let v = args
        .get(0, "xs")
        .ok_or_else(|| type_error(format!("{func}() missing required argument 'xs'")))?;
    numbers(func, "xs", v)
}

fn two_lists(
    func: &str,
    args: Args,
    names: [&str; 2],
    extra: &[&str],
) -> Result<[Vec<f64>; 2], Exc> {
    let mut allowed = names.to_vec();
    allowed.extend_from_slice(extra);
    args.check(func, 0, 2 + extra.len(), &allowed)?;
    let get = |i: usize, name: &str| {
        args.get(i, name)
            .ok_or_else(|| type_error(format!("{func}() missing required argument '{name}'")))
            .and_then(|v| numbers(func, name, v))
    };
    Ok([get(0, names[0])?, get(1, names[1])?])
}

fn dana_mean(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let xs = one_list("mean", args)?;
    mean(&xs).map(Value::Float).map_err(to_value_error)
}

fn dana_median(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let xs = one_list("median", args)?;
    median(&xs).map(Value::Float).map_err(to_value_error)
}

fn dana_stdev(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let xs = one_list("stdev", args)?;
    stdev(&xs).map(Value::Float).map_err(to_value_error)
}

fn dana_variance(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let xs = one_list("variance", args)?;
    variance(&xs).map(Value::Float).map_err(to_value_error)
}

fn dana_percentile(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("percentile", 0, 2, &["xs", "q"])?;
    let xs = args
        .get(0, "xs")
        .ok_or_else(|| type_error("percentile() missing required argument 'xs'"))?;
    let q = args
        .get(1, "q")
        .ok_or_else(|| type_error("percentile() missing required argument 'q'"))?;
    let xs = numbers("percentile", "xs", xs)?;
    let q = float_arg(q)?;
    if q.is_nan() {
        return Err(value_error("percentile() q is NaN"));
    }
    percentile(&xs, q).map(Value::Float).map_err(to_value_error)
}

fn dana_ks_2samp(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let [a, b] = two_lists("ks_2samp", args, ["a", "b"], &[])?;
    let r = ks_2samp(&a, &b).map_err(to_value_error)?;
    let mut d = DictMap::default();
    d.insert(Key(Value::str("statistic")), Value::Float(r.statistic));
    d.insert(Key(Value::str("p_value")), Value::Float(r.p_value));
    Ok(Value::dict(d))
}

fn dana_psi(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let [e, a] = two_lists("psi", args, ["expected", "actual"], &["bins"])?;
    let bins = match args.get(2, "bins") {
        None => 10,
        Some(Value::Bool(_)) | Some(Value::Float(_)) | Some(Value::Str(_)) | Some(Value::None) => {
            return Err(type_error("psi() bins must be an int"))
        }
        Some(v) => {
            let n = int_arg(v, Big::Overflow)?;
            usize::try_from(n).map_err(|_| {
                value_error(format!(
                    "psi() bins must be between 1 and {MAX_PSI_BINS}, not {n}"
                ))
            })?
        }
    };
    psi(&e, &a, bins).map(Value::Float).map_err(to_value_error)
}

fn dana_kl_divergence(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let [p, q] = two_lists("kl_divergence", args, ["p", "q"], &[])?;
    kl_divergence(&p, &q)
        .map(Value::Float)
        .map_err(to_value_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptive_statistics() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&xs), Ok(5.0));
        assert_eq!(median(&xs), Ok(4.5));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Ok(2.0));
        assert!((variance(&xs).unwrap_or(0.0) - 32.0 / 7.0).abs() < 1e-12);
        assert!((stdev(&xs).unwrap_or(0.0) - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), Ok(2.5));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 100.0), Ok(4.0));
        assert_eq!(percentile(&[5.0], 37.0), Ok(5.0));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(mean(&[]).is_err());
        assert!(mean(&[1.0, f64::NAN]).is_err_and(|e| e.0.contains("xs[1] is NaN")));
        assert!(median(&[f64::INFINITY]).is_err());
        assert!(stdev(&[1.0]).is_err());
        assert!(percentile(&[1.0], 101.0).is_err());
        assert!(percentile(&[1.0], -0.1).is_err());
        assert!(ks_2samp(&[], &[1.0]).is_err());
        assert!(psi(&[1.0], &[1.0], 0).is_err());
        assert!(kl_divergence(&[1.0], &[1.0, 2.0]).is_err());
        assert!(kl_divergence(&[1.0, -1.0], &[1.0, 2.0]).is_err());
        assert!(kl_divergence(&[0.0, 0.0], &[1.0, 2.0]).is_err());
    }

    #[test]
    fn psi_and_kl_edge_cases() {
        // Identical samples: no shift.
        let xs: Vec<f64> = (0..100).map(f64::from).collect();
        assert_eq!(psi(&xs, &xs, 10), Ok(0.0));
        // A constant expected sample has one cut point (merged), so two bins.
        let p = psi(&[1.0; 10], &[0.0, 2.0], 10).unwrap_or(f64::NAN);
        assert!(p.is_finite() && p > 0.0, "{p}");
        assert_eq!(kl_divergence(&[1.0, 1.0], &[2.0, 2.0]), Ok(0.0));
        let k = kl_divergence(&[0.5, 0.5], &[1.0, 0.0]).unwrap_or(f64::NAN);
        assert!(k.is_finite() && k > 10.0, "{k}");
    }
}
