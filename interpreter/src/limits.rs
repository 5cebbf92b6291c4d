//! Resource limits: operation budget, call depth, wall-clock deadline, cancellation.
//!
//! The evaluator counts operations (loop iterations and calls) with a cheap countdown and only
//! looks at the clock, the cancellation flag and the budget every [`CHECK_EVERY`] operations,
//! so the checks cost a decrement and a branch on the hot path.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Operations between two slow checks.
pub const CHECK_EVERY: u64 = 1024;

/// Limits for one run (or one POET stage attempt).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Maximum nesting of Dana calls (a `RecursionError` beyond it).
    pub max_call_depth: usize,
    /// Maximum operations (loop iterations + calls); `None` = unlimited.
    pub max_operations: Option<u64>,
    /// Wall-clock deadline; `None` = none.
    pub deadline: Option<Instant>,
    /// Set to `true` from another thread to stop the run (a `LimitError`, "cancelled").
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_call_depth: 1000,
            max_operations: None,
            deadline: None,
            cancel: None,
        }
    }
}

/// What a slow check found.
pub enum LimitHit {
    Operations(u64),
    Deadline,
    Cancelled,
}

impl Limits {
    /// Checks the budget against `used` operations, then the deadline and the cancel flag.
    pub fn check(&self, used: u64) -> Result<(), LimitHit> {
        if let Some(max) = self.max_operations {
            if used > max {
                return Err(LimitHit::Operations(max));
            }
        }
        if let Some(d) = self.deadline {
            if Instant::now() >= d {
                return Err(LimitHit::Deadline);
            }
        }
        if let Some(c) = &self.cancel {
            if c.load(Ordering::Relaxed) {
                return Err(LimitHit::Cancelled);
            }
        }
        Ok(())
    }
}
