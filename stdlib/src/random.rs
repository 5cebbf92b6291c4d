//! `import random`: a seedable pseudo-random generator (xoshiro256**, seeded through
//! splitmix64) with Python's functions. The state is per thread; until `seed()` is called it is
//! seeded from the clock. Sequences differ from CPython's Mersenne Twister: the same seed gives
//! the same numbers from run to run of Dana, not the numbers Python would give.

use dana_interpreter::error::{index_error, type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::{build_module, float_arg};
use dana_interpreter::host::{int_arg, Big};
use dana_interpreter::value::{ops, Args, Globals, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

/// xoshiro256** (Blackman & Vigna): fast, 256 bits of state, good statistical quality.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
    /// The second value of the last Box-Muller pair (Python's `gauss_next`).
    gauss_next: Option<f64>,
}

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    pub fn from_seed(seed: u64) -> Rng {
        let mut x = seed;
        let s = [
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ];
        Rng {
            s,
            gauss_next: None,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A float in [0, 1) with 53 random bits.
    pub fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in [0, n) for n > 0 (rejection sampling: no modulo bias).
    pub fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        // The largest multiple of n that fits; draws above it are retried.
        let zone = u64::MAX - (u64::MAX - n + 1) % n;
        loop {
            let x = self.next_u64();
            if x <= zone {
                return x % n;
            }
        }
    }

    /// A uniform integer in [a, b] (a <= b).
    pub fn between(&mut self, a: i64, b: i64) -> i64 {
        let width = (b as i128 - a as i128 + 1) as u128;
        let off = if width > u64::MAX as u128 {
            self.next_u64()
        } else {
            self.below(width as u64)
        };
        (a as i128 + off as i128) as i64
    }

    /// A normal deviate (Box-Muller, caching the pair's second value like CPython).
    pub fn gauss(&mut self, mu: f64, sigma: f64) -> f64 {
        let z = match self.gauss_next.take() {
            Some(z) => z,
            None => {
                let x2pi = self.random() * std::f64::consts::TAU;
                let g2rad = (-2.0 * (1.0 - self.random()).ln()).sqrt();
                self.gauss_next = Some(x2pi.sin() * g2rad);
                x2pi.cos() * g2rad
            }
        };
        mu + z * sigma
    }

    /// Fisher-Yates, from the end (Python's order of draws).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

thread_local! {
    static RNG: RefCell<Option<Rng>> = const { RefCell::new(None) };
}

fn clock_seed() -> u64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // Mix in an address so two generators seeded in the same nanosecond still differ.
    let local = 0u8;
    (d.as_nanos() as u64) ^ ((&local as *const u8 as u64).rotate_left(32))
}

fn with_rng<R>(f: impl FnOnce(&mut Rng) -> R) -> R {
    RNG.with(|cell| {
        let mut slot = cell.borrow_mut();
        let rng = slot.get_or_insert_with(|| Rng::from_seed(clock_seed()));
        f(rng)
    })
}

/// FNV-1a: a stable hash for text and big-int seeds (the std hasher is not stable).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// The 64-bit seed of a `seed(a)` argument (`None` for the clock).
pub fn seed_of(v: &Value) -> Result<Option<u64>, Exc> {
    Ok(match v {
        Value::None => None,
        Value::Int(i) => Some(*i as u64),
        Value::Bool(b) => Some(*b as u64),
        Value::BigInt(b) => Some(fnv1a(&b.to_signed_bytes_le())),
        Value::Float(f) => Some(f.to_bits()),
        Value::Str(s) => Some(fnv1a(s.as_bytes())),
        other => {
            return Err(type_error(format!(
                "The only supported seed types are: None, int, float, str (got {})",
                other.type_name()
            )))
        }
    })
}

pub(crate) fn module() -> Rc<Globals> {
    build_module(
        "random",
        &[
            ("seed", seed, "seed(a=None)\n\nRestarts the generator: the same seed (int, float or str) gives the same\nsequence. None seeds from the clock."),
            ("random", random, "random() -> float\n\nA float in [0.0, 1.0)."),
            ("randint", randint, "randint(a, b) -> int\n\nAn int in [a, b], both ends included."),
            ("randrange", randrange, "randrange(stop) / randrange(start, stop, step=1) -> int\n\nA random item of range(start, stop, step)."),
            ("uniform", uniform, "uniform(a, b) -> float\n\nA float between a and b."),
            ("gauss", gauss, "gauss(mu=0.0, sigma=1.0) -> float\n\nA normally distributed float."),
            ("choice", choice, "choice(seq)\n\nA random item of a non-empty list, tuple, str or range."),
            ("choices", choices, "choices(population, weights=None, *, k=1) -> list\n\nk items chosen with replacement, optionally weighted."),
            ("shuffle", shuffle, "shuffle(list)\n\nShuffles a list in place; returns None."),
            ("sample", sample, "sample(population, k) -> list\n\nk distinct items of a sequence, in random order."),
        ],
        vec![],
    )
}

fn seed(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("seed", 0, 1, &["a"])?;
    let s = match args.get(0, "a") {
        Some(v) => seed_of(v)?,
        None => None,
    };
    let rng = Rng::from_seed(s.unwrap_or_else(clock_seed));
    RNG.with(|cell| *cell.borrow_mut() = Some(rng));
    Ok(Value::None)
}

fn random(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("random", 0, 0, &[])?;
    Ok(Value::Float(with_rng(Rng::random)))
}

fn randint(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("randint", 2, 2, &[])?;
    let (a, b) = (
        int_arg(&args.pos[0], BOUNDS)?,
        int_arg(&args.pos[1], BOUNDS)?,
    );
    if a > b {
        return Err(value_error(format!("empty range in randint({a}, {b})")));
    }
    Ok(Value::Int(with_rng(|r| r.between(a, b))))
}

/// Big-int bounds are out of range for the generator.
const BOUNDS: Big<'static> =
    Big::Fail(|| value_error("random: integer bounds must fit in 64 bits"));

/// The number of items of `range(start, stop, step)`, as Python computes it.
pub(crate) fn range_len(start: i64, stop: i64, step: i64) -> i128 {
    let (a, b, s) = (start as i128, stop as i128, step as i128);
    if s > 0 {
        ((b - a + s - 1) / s).max(0)
    } else {
        ((a - b - s - 1) / (-s)).max(0)
    }
}

fn randrange(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("randrange", 1, 3, &["start", "stop", "step"])?;
    let nums: Vec<i64> = args
        .pos
        .iter()
        .map(|v| int_arg(v, BOUNDS))
        .collect::<Result<_, _>>()?;
    let (start, stop, step) = match nums.as_slice() {
        [stop] => (0, *stop, 1),
        [start, stop] => (*start, *stop, 1),
        [start, stop, step] => (*start, *stop, *step),
        _ => return Err(type_error("randrange() missing required argument 'start'")),
    };
    if step == 0 {
        return Err(value_error("zero step for randrange()"));
    }
    let n = range_len(start, stop, step);
    if n <= 0 {
        return Err(value_error(format!(
            "empty range in randrange({start}, {stop}, {step})"
        )));
    }
    let i = with_rng(|r| r.below(u64::try_from(n).unwrap_or(u64::MAX))) as i128;
    Ok(Value::Int((start as i128 + i * step as i128) as i64))
}

fn uniform(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("uniform", 2, 2, &[])?;
    let (a, b) = (float_arg(&args.pos[0])?, float_arg(&args.pos[1])?);
    Ok(Value::Float(a + (b - a) * with_rng(Rng::random)))
}

fn gauss(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("gauss", 0, 2, &["mu", "sigma"])?;
    let mu = args.get(0, "mu").map(float_arg).transpose()?.unwrap_or(0.0);
    let sigma = args
        .get(1, "sigma")
        .map(float_arg)
        .transpose()?
        .unwrap_or(1.0);
    Ok(Value::Float(with_rng(|r| r.gauss(mu, sigma))))
}

/// The items of a sequence argument (sets and dicts are refused, as in Python).
fn sequence(fname: &str, v: &Value) -> Result<Vec<Value>, Exc> {
    match v {
        Value::Set(_) | Value::Dict(_) => Err(type_error(format!(
            "{fname}() population must be a sequence (list, tuple, str or range), not {}; use sorted() first",
            v.type_name()
        ))),
        other => ops::iter_to_vec(other),
    }
}

fn choice(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("choice", 1, 1, &[])?;
    // A range is indexed directly rather than materialised.
    if let Value::Range(r) = &args.pos[0] {
        if r.is_empty() {
            return Err(index_error("Cannot choose from an empty sequence"));
        }
        let i = with_rng(|g| g.below(r.len() as u64)) as usize;
        return Ok(Value::Int(r.get(i)));
    }
    let items = sequence("choice", &args.pos[0])?;
    if items.is_empty() {
        return Err(index_error("Cannot choose from an empty sequence"));
    }
    let i = with_rng(|g| g.below(items.len() as u64)) as usize;
    Ok(items[i].clone())
}

fn choices(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("choices", 1, 2, &["weights", "k", "cum_weights"])?;
    let items = sequence("choices", &args.pos[0])?;
    let k = match args.kw("k") {
        Some(v) => int_arg(v, Big::Overflow)?.max(0) as usize,
        None => 1,
    };
    let cum: Option<Vec<f64>> = match (args.get(1, "weights"), args.kw("cum_weights")) {
        (Some(w), None) if !w.is_none() => {
            let mut acc = 0.0;
            let mut out = Vec::new();
            for x in ops::iter_to_vec(w)? {
                acc += float_arg(&x)?;
                out.push(acc);
            }
            Some(out)
        }
        (None, Some(c)) | (Some(Value::None), Some(c)) => Some(
            ops::iter_to_vec(c)?
                .iter()
                .map(float_arg)
                .collect::<Result<_, _>>()?,
        ),
        (Some(w), Some(_)) if !w.is_none() => {
            return Err(type_error(
                "Cannot specify both weights and cumulative weights",
            ))
        }
        _ => None,
    };
    if items.is_empty() {
        return Err(index_error("Cannot choose from an empty population"));
    }
    let mut out = Vec::with_capacity(k);
    match cum {
        None => {
            for _ in 0..k {
                let i = with_rng(|g| g.below(items.len() as u64)) as usize;
                out.push(items[i].clone());
            }
        }
        Some(cum) => {
            if cum.len() != items.len() {
                return Err(value_error(
                    "The number of weights does not match the population",
                ));
            }
            let total = cum.last().copied().unwrap_or(0.0);
            // NaN totals fail `is_finite`, so this also refuses NaN weights.
            if total <= 0.0 || !total.is_finite() {
                return Err(value_error("Total of weights must be greater than zero"));
            }
            for _ in 0..k {
                let x = with_rng(Rng::random) * total;
                // bisect_right: the first cumulative weight strictly above x.
                let i = cum.partition_point(|&c| c <= x).min(items.len() - 1);
                out.push(items[i].clone());
            }
        }
    }
    Ok(Value::list(out))
}

fn shuffle(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("shuffle", 1, 1, &[])?;
    let Value::List(l) = &args.pos[0] else {
        return Err(type_error(format!(
            "shuffle() argument must be a list, not {}",
            args.pos[0].type_name()
        )));
    };
    if dana_interpreter::sandbox::is_contained() {
        dana_interpreter::sandbox::check_mutation(&args.pos[0])?;
    }
    let mut items = l.borrow().clone();
    with_rng(|g| g.shuffle(&mut items));
    *l.borrow_mut() = items;
    Ok(Value::None)
}

fn sample(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("sample", 2, 2, &["k"])?;
    let mut items = sequence("sample", &args.pos[0])?;
    let k = int_arg(&args.pos[1], Big::Overflow)?;
    if k < 0 || k as usize > items.len() {
        return Err(value_error("Sample larger than population or is negative"));
    }
    let k = k as usize;
    with_rng(|g| {
        for i in 0..k {
            let j = i + g.below((items.len() - i) as u64) as usize;
            items.swap(i, j);
        }
    });
    items.truncate(k);
    Ok(Value::list(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut a = Rng::from_seed(42);
        let mut b = Rng::from_seed(42);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let mut c = Rng::from_seed(43);
        assert_ne!(xs[0], c.next_u64());
        // Pinned so an accidental change of the generator is noticed (seeded programs rely on it).
        // (Value computed independently from the published splitmix64/xoshiro256** definitions.)
        assert_eq!(Rng::from_seed(0).next_u64(), 11_091_344_671_253_066_420);
    }

    #[test]
    fn ranges_are_respected() {
        let mut g = Rng::from_seed(7);
        for _ in 0..10_000 {
            let f = g.random();
            assert!((0.0..1.0).contains(&f));
            let i = g.between(-3, 3);
            assert!((-3..=3).contains(&i));
            assert!(g.below(10) < 10);
        }
        assert_eq!(g.between(5, 5), 5);
        let full = g.between(i64::MIN, i64::MAX);
        let _ = full; // any value is valid; this must not overflow
        let mut seen = [false; 7];
        for _ in 0..1000 {
            seen[(g.between(-3, 3) + 3) as usize] = true;
        }
        assert!(
            seen.iter().all(|&s| s),
            "every value of a small range shows up"
        );
    }

    #[test]
    fn shuffle_is_a_permutation_and_gauss_is_centred() {
        let mut g = Rng::from_seed(1);
        let mut v: Vec<i32> = (0..100).collect();
        g.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(v, sorted);
        let n = 20_000;
        let mean: f64 = (0..n).map(|_| g.gauss(10.0, 2.0)).sum::<f64>() / n as f64;
        assert!((mean - 10.0).abs() < 0.1, "mean {mean}");
    }

    #[test]
    fn seeds_from_values() {
        assert_eq!(
            seed_of(&Value::str("abc")).ok().flatten(),
            seed_of(&Value::str("abc")).ok().flatten()
        );
        assert_ne!(
            seed_of(&Value::str("abc")).ok().flatten(),
            seed_of(&Value::str("abd")).ok().flatten()
        );
        assert_eq!(seed_of(&Value::None).ok().flatten(), None);
        assert!(seed_of(&Value::list(vec![])).is_err());
        assert_eq!(range_len(0, 10, 3), 4);
        assert_eq!(range_len(10, 0, -3), 4);
        assert_eq!(range_len(0, 0, 1), 0);
    }
}
