//! Learning from calls (POET_SPEC §6, §9): the measured metrics of each execution, the
//! feedback API, and the learning loop (triggers, re-tuning, replay, promotion, rollback),
//! with the data `dana poet stats` and `dana poet feedback` work on, and the same loop fed
//! from the event queue by `dana poet worker` (`worker.rs`).

pub(crate) mod evidence;
pub(crate) mod feedback;
pub(crate) mod learning;
pub(crate) mod metrics;
pub(crate) mod stats;
pub mod worker;

pub use crate::state::MAX_RECORDS;
pub use feedback::FeedbackRecord;
pub use stats::{
    rate_recorded_execution, request_regeneration, stats, stats_from_events, VersionStats,
};
pub use worker::shared::{consumer_name, SharedWorker};
pub use worker::{run_batch, WorkerReport, DEFAULT_BATCH};
