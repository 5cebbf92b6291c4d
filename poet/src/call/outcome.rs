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
