//! Resource limits: operation budget, call depth, wall-clock deadline, cancellation, memory.
//!
//! The evaluator counts operations (loop iterations and calls) with a cheap countdown and only
//! looks at the clock, the cancellation flag and the budget every [`CHECK_EVERY`] operations,
//! so the checks cost a decrement and a branch on the hot path. Memory is measured by the
//! counting allocator of [`memory`] (checked at the same slow check, and before every large
//! allocation).

pub mod memory;

pub use crate::value::ops::{MAX_LIST_LEN, MAX_STR_LEN};
pub use memory::{
    check_alloc, check_progress, counting_installed, default_max_memory, parse_size, thread_usage,
    CountingAlloc, Progress,
};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Operations between two slow checks.
pub(crate) const CHECK_EVERY: u64 = 1024;

/// Limits for one run (or one POET stage attempt).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Maximum nesting of Dana calls (a `RecursionError` beyond it).
    pub max_call_depth: usize,
    /// Maximum operations (loop iterations + calls); `None` = unlimited.
    pub max_operations: Option<u64>,
    /// The operation count the budget of `max_operations` was given at (a stage's or trial's
    /// budget counts from its start), so that the error names the budget, not the count.
    pub(crate) operations_from: u64,
    /// Wall-clock deadline; `None` = none.
    pub deadline: Option<Instant>,
    /// Set to `true` from another thread to stop the run (a `LimitError`, "cancelled").
    pub cancel: Option<Arc<AtomicBool>>,
    /// Set to `true` from another thread (or a Ctrl-C handler) to interrupt the run: the next
    /// periodic check clears it and raises `KeyboardInterrupt` (not an `Exception`: only a bare
    /// `except:` or `except BaseException` catches it; `finally` blocks run). One interrupt per
    /// setting, as Python's SIGINT.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Maximum bytes the interpreter's thread may hold on top of what it held when the
    /// interpreter was created (a `MemoryError` beyond it); `None` = unlimited. Measured by
    /// [`CountingAlloc`]; without it only single allocations larger than the limit are refused.
    /// Default: [`default_max_memory`].
    pub max_memory: Option<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_call_depth: 1000,
            max_operations: None,
            operations_from: 0,
            deadline: None,
            cancel: None,
            interrupt: None,
            max_memory: Some(default_max_memory()),
        }
    }
}

/// What a slow check found.
pub enum LimitHit {
    /// The operation budget (counted from where it was given) is spent.
    Operations(u64),
    Deadline,
    Cancelled,
    Interrupted,
}

impl Limits {
    /// Checks the budget against `used` operations, then the deadline and the cancel flag.
    pub fn check(&self, used: u64) -> Result<(), LimitHit> {
        if let Some(max) = self.max_operations {
            if used > max {
                return Err(LimitHit::Operations(max - self.operations_from.min(max)));
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
        if let Some(i) = &self.interrupt {
            if i.swap(false, Ordering::Relaxed) {
                return Err(LimitHit::Interrupted);
            }
        }
        Ok(())
    }
}
