//! How a call ended (`Outcome`, for the counters, the events and the learning records) and
//! the stage an error came from.

use dana_interpreter::error::{Exc, RtError};
use dana_interpreter::value::Value;
use std::time::{Duration, Instant};

/// The stage an error came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    Perceive,
    Operate,
    Enforce,
    /// A failing `train` stage is reported and does not fail the call, so no call ends with
    /// it today; the variant keeps `failed_stages.train` of `state.json` in the schema.
    #[allow(dead_code)]
    Train,
}

impl Stage {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Stage::Perceive => "perceive",
            Stage::Operate => "operate",
            Stage::Enforce => "enforce",
            Stage::Train => "train",
        }
    }
}

/// How a call ended, for the counters in `state.json`.
pub(crate) struct Outcome<'a> {
    pub ok: bool,
    pub attempts: u32,
    pub failed_stage: Option<Stage>,
    pub error: Option<&'a RtError>,
    pub fallback: bool,
    pub rejected_input: bool,
    pub duration: Duration,
    /// When the call ended (the one clock reading its counters and event use).
    pub end: Instant,
    /// The bound arguments and the result, for the learning loop's records.
    pub args: Option<&'a [Value]>,
    pub result: Option<&'a Value>,
}

impl<'a> Outcome<'a> {
    /// The call's duration in milliseconds, as the counters, the learning records and the
    /// execution event all take it: the nanoseconds divided once, so the number is the
    /// nearest to the exact one and is written with the fewest digits (`0.003285`, not the
    /// `0.0032849999999999997` of seconds times a thousand).
    pub(crate) fn millis(&self) -> f64 {
        let d = self.duration;
        let nanos = d
            .as_secs()
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(d.subsec_nanos()));
        nanos as f64 / 1e6
    }

    /// A call the stages did not run: the fallback answered (or raised) `r`.
    pub(crate) fn fallback_only(r: &'a Result<Value, Exc>, start: Instant) -> Outcome<'a> {
        let end = Instant::now();
        Outcome {
            ok: r.is_ok(),
            attempts: 0,
            failed_stage: None,
            error: r.as_ref().err().map(|e| &**e),
            fallback: true,
            rejected_input: false,
            duration: end.saturating_duration_since(start),
            end,
            args: None,
            result: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(duration: Duration) -> Outcome<'static> {
        Outcome {
            ok: true,
            attempts: 1,
            failed_stage: None,
            error: None,
            fallback: false,
            rejected_input: false,
            duration,
            end: Instant::now(),
            args: None,
            result: None,
        }
    }

    #[test]
    fn milliseconds_are_the_nearest_number_to_the_nanoseconds() {
        for (d, text) in [
            (Duration::from_nanos(3_285), "0.003285"),
            (Duration::from_nanos(521), "0.000521"),
            (Duration::from_nanos(37_455_410), "37.45541"),
            (Duration::new(2, 500_000), "2000.5"),
            (Duration::ZERO, "0.0"),
        ] {
            let ms = after(d).millis();
            assert_eq!(serde_json::to_string(&ms).unwrap(), text, "{d:?}");
            // The value the seconds give, within a rounding step.
            let other = d.as_secs_f64() * 1000.0;
            assert!((ms - other).abs() <= other * 1e-15, "{ms} vs {other}");
        }
    }
}
