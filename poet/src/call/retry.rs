//! Retries of the Operate stage: exponential backoff with full jitter (POET_SPEC §1, §3).
//!
//! The n-th retry (0-based) waits a uniformly random time in `[0, min(cap, base · 2ⁿ))`.
//! Full jitter spreads the retries of many callers over the whole interval, so a failing
//! dependency is not hit by synchronised waves. The clock and the random source are
//! parameters, so the schedule is tested without sleeping.

use std::time::Duration;

/// The longest single wait, in seconds.
pub const BACKOFF_CAP: f64 = 5.0;

/// How Operate is retried.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Extra attempts after the first (`attempts = retries + 1`).
    pub retries: u32,
    /// Base of the exponential backoff, in seconds.
    pub base: f64,
}

impl RetryPolicy {
    /// The wait before retry `n` (0-based) for a random `unit` in `[0, 1)`.
    pub fn delay(&self, n: u32, unit: f64) -> Duration {
        let ceiling = (self.base * 2f64.powi(n.min(60) as i32)).min(BACKOFF_CAP);
        let secs = (unit.clamp(0.0, 1.0) * ceiling).max(0.0);
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::ZERO)
    }
}

/// What a run of attempts produced.
pub struct Attempts<T, E> {
    pub result: Result<T, E>,
    /// Attempts made (1 ..= retries + 1).
    pub made: u32,
}

/// Calls `attempt(ctx, n)` until it succeeds, `give_up` says an error is final, or the retries
/// are used; between attempts calls `sleep(ctx, delay)`, whose error ends the run (the caller's
/// own deadline or a cancellation).
pub fn run<C, T, E>(
    ctx: &mut C,
    policy: RetryPolicy,
    unit: &mut dyn FnMut() -> f64,
    sleep: &mut dyn FnMut(&mut C, Duration) -> Result<(), E>,
    give_up: &dyn Fn(&mut C, &E) -> bool,
    attempt: &mut dyn FnMut(&mut C, u32) -> Result<T, E>,
) -> Attempts<T, E> {
    let mut n = 0;
    loop {
        let result = attempt(ctx, n);
        let made = n + 1;
        let err = match result {
            Ok(v) => {
                return Attempts {
                    result: Ok(v),
                    made,
                }
            }
            Err(e) => e,
        };
        if n >= policy.retries || give_up(ctx, &err) {
            return Attempts {
                result: Err(err),
                made,
            };
        }
        if let Err(stop) = sleep(ctx, policy.delay(n, unit())) {
            return Attempts {
                result: Err(stop),
                made,
            };
        }
        n += 1;
    }
}

/// A small, fast random source for jitter (xorshift64*); not for anything secret.
pub struct Jitter(u64);

impl Jitter {
    /// Seeded from the clock and the process id.
    pub fn from_entropy() -> Jitter {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        Jitter::seeded(t ^ ((std::process::id() as u64) << 32))
    }

    /// A fixed sequence (tests).
    pub fn seeded(seed: u64) -> Jitter {
        Jitter(seed | 1)
    }

    /// A uniform number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(d: Duration) -> f64 {
        d.as_secs_f64()
    }

    #[test]
    fn delays_double_and_are_capped() {
        let p = RetryPolicy {
            retries: 10,
            base: 0.1,
        };
        // With the top of the jitter interval the schedule is the exponential ceiling.
        let top: Vec<f64> = (0..8).map(|n| secs(p.delay(n, 1.0))).collect();
        let want = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0];
        for (got, want) in top.iter().zip(want) {
            assert!((got - want).abs() < 1e-9, "{top:?}");
        }
        assert_eq!(p.delay(3, 0.0), Duration::ZERO);
        assert!((secs(p.delay(2, 0.5)) - 0.2).abs() < 1e-9);
        // Huge retry numbers neither overflow nor exceed the cap.
        assert!((secs(p.delay(u32::MAX, 0.999)) - 4.995).abs() < 1e-9);
    }

    #[test]
    fn jitter_is_uniform_in_the_unit_interval() {
        let mut j = Jitter::seeded(42);
        let xs: Vec<f64> = (0..10_000).map(|_| j.unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
        let low = xs.iter().filter(|x| **x < 0.1).count();
        assert!((800..1200).contains(&low), "{low} of 10000 below 0.1");
    }

    /// The schedule a failing operation sees, with an injected clock (the sleeps are recorded,
    /// not slept) and an injected random source.
    #[test]
    fn retries_sleep_the_jittered_schedule_then_give_up() {
        let policy = RetryPolicy {
            retries: 3,
            base: 0.5,
        };
        let mut units = [0.5, 0.25, 1.0].into_iter();
        let mut slept: Vec<Duration> = Vec::new();
        let out: Attempts<(), String> = run(
            &mut slept,
            policy,
            &mut || units.next().unwrap_or(0.0),
            &mut |slept, d| {
                slept.push(d);
                Ok(())
            },
            &|_, _| false,
            &mut |_, n| Err(format!("attempt {n} failed")),
        );
        assert_eq!(out.made, 4);
        assert_eq!(out.result.unwrap_err(), "attempt 3 failed");
        let got: Vec<f64> = slept.iter().map(|d| secs(*d)).collect();
        assert_eq!(got, vec![0.25, 0.25, 2.0]);
    }

    #[test]
    fn success_stops_and_final_errors_are_not_retried() {
        let policy = RetryPolicy {
            retries: 5,
            base: 0.0,
        };
        let mut calls = 0;
        let out: Attempts<u32, String> = run(
            &mut calls,
            policy,
            &mut || 0.0,
            &mut |_, _| Ok(()),
            &|_, _| false,
            &mut |calls, n| {
                *calls += 1;
                if n < 2 {
                    Err("transient".into())
                } else {
                    Ok(n)
                }
            },
        );
        assert_eq!((out.result, out.made, calls), (Ok(2), 3, 3));

        let out: Attempts<u32, String> = run(
            &mut (),
            policy,
            &mut || 0.0,
            &mut |_, _| Ok(()),
            &|_, e| e == "fatal",
            &mut |_, _| Err("fatal".into()),
        );
        assert_eq!(out.made, 1);

        // A sleep that fails (the program's own deadline) ends the run with its error.
        let out: Attempts<u32, String> = run(
            &mut (),
            policy,
            &mut || 0.0,
            &mut |_, _| Err("deadline".into()),
            &|_, _| false,
            &mut |_, _| Err("transient".into()),
        );
        assert_eq!(
            (out.result.unwrap_err().as_str(), out.made),
            ("deadline", 1)
        );

        let none: Attempts<u32, String> = run(
            &mut (),
            RetryPolicy {
                retries: 0,
                base: 1.0,
            },
            &mut || 0.0,
            &mut |_, _| panic!("no retry, no sleep"),
            &|_, _| false,
            &mut |_, _| Err("x".into()),
        );
        assert_eq!(none.made, 1);
    }
}
