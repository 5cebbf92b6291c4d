//! One call of a decorated function: the stage pipeline with its fallback, the retry driver
//! and its backoff schedule, the circuit breaker, the plain offline stages decided without
//! the interpreter, and the counting of each finished call.

pub(crate) mod breaker;
pub(crate) mod count;
pub(crate) mod outcome;
pub(crate) mod pipeline;
pub(crate) mod plain;
pub(crate) mod retry;
