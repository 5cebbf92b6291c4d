//! `import time`: wall-clock and monotonic clocks, and `sleep`.

use dana_interpreter::error::{overflow_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::{build_module, float_arg};
use dana_interpreter::value::{Args, Globals, Value};
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(crate) fn module() -> Rc<Globals> {
    build_module(
        "time",
        &[
            ("time", time, "time() -> float\n\nSeconds since the Unix epoch (UTC), with sub-second precision."),
            ("time_ms", time_ms, "time_ms() -> int\n\nMilliseconds since the Unix epoch."),
            ("time_ns", time_ns, "time_ns() -> int\n\nNanoseconds since the Unix epoch."),
            ("sleep", sleep, "sleep(seconds)\n\nPauses the program for a number of seconds (a float is fine)."),
            ("monotonic", monotonic, "monotonic() -> float\n\nSeconds of a clock that never goes back (only differences are meaningful)."),
            ("perf_counter", perf_counter, "perf_counter() -> float\n\nA high-resolution monotonic clock in seconds, for timing code."),
        ],
        vec![],
    )
}

fn since_epoch() -> Duration {
    // A clock set before 1970 is reported as the epoch rather than failing.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The first instant any monotonic clock was read in this process: the zero of `monotonic()`.
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

fn time(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("time", 0, 0, &[])?;
    Ok(Value::Float(since_epoch().as_secs_f64()))
}

fn time_ms(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("time_ms", 0, 0, &[])?;
    Ok(Value::Int(
        i64::try_from(since_epoch().as_millis()).unwrap_or(i64::MAX),
    ))
}

fn time_ns(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("time_ns", 0, 0, &[])?;
    Ok(Value::Int(
        i64::try_from(since_epoch().as_nanos()).unwrap_or(i64::MAX),
    ))
}

fn monotonic(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("monotonic", 0, 0, &[])?;
    Ok(Value::Float(origin().elapsed().as_secs_f64()))
}

fn perf_counter(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("perf_counter", 0, 0, &[])?;
    Ok(Value::Float(origin().elapsed().as_secs_f64()))
}

/// The duration of `sleep(secs)`: refuses negative and NaN values like Python.
pub(crate) fn sleep_duration(secs: f64) -> Result<Duration, Exc> {
    if secs.is_nan() {
        return Err(value_error("Invalid value NaN (not a number)"));
    }
    if secs < 0.0 {
        return Err(value_error("sleep length must be non-negative"));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| overflow_error("sleep length is too large"))
}

fn sleep(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("sleep", 1, 1, &["secs"])?;
    let secs = match args.get(0, "secs") {
        Some(v) => float_arg(v)?,
        None => 0.0,
    };
    it.sleep(sleep_duration(secs)?)?;
    Ok(Value::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_lengths() {
        assert_eq!(sleep_duration(0.25).ok(), Some(Duration::from_millis(250)));
        assert!(sleep_duration(-1.0).is_err());
        assert!(sleep_duration(f64::NAN).is_err());
        assert!(sleep_duration(f64::INFINITY).is_err());
    }

    #[test]
    fn clocks_move_forward() {
        let a = origin().elapsed();
        let b = origin().elapsed();
        assert!(b >= a);
        assert!(since_epoch().as_secs() > 1_600_000_000);
    }
}
