//! Fleet mode (POET_SPEC §10, docs/fleet.md): the processes that run one program share
//! versions, generations and events through Redis.
//!
//! ```text
//! dana:poet:<ns>:functions            set of function store names
//! dana:poet:<ns>:f:<fn>:v:<N>         hash: code.na, params.json, state.json, metadata.json
//! dana:poet:<ns>:f:<fn>:versions      sorted set of version numbers (lineage in metadata)
//! dana:poet:<ns>:f:<fn>:current       N
//! dana:poet:<ns>:f:<fn>:next          the last number handed out (INCR)
//! dana:poet:<ns>:f:<fn>:key:<sha256>  N: the version made for a cache key
//! dana:poet:<ns>:f:<fn>:lease:<sha>   the generation lease (SET NX PX, renewed)
//! dana:poet:<ns>:f:<fn>:fence         fencing counter (INCR per lease taken)
//! dana:poet:<ns>:events               the event stream (XADD MAXLEN ~)
//! dana:poet:<ns>:seen:<event id>      forwarded event ids (idempotency, with a TTL)
//! channel dana:poet:<ns>:current      "<fn> <N> <instance>" when `current` moves
//! ```
//!
//! The local `.poet/` stays what calls read: a [`Fleet`] attached to it
//! ([`crate::store::attach_backend`]) numbers new versions, pushes them with an atomic Lua
//! script (checking the fencing token of the lease the process holds), swaps `current`, and
//! installs versions made elsewhere before a function is prepared. A watcher thread
//! subscribed to the channel bumps [`epoch`], which makes each function prepare again on its
//! next call (one relaxed atomic load per call). A forwarder thread moves spooled events from
//! `events/pending/` to the stream. Every Redis failure is a warning (once per outage), never
//! a failed call: the process goes on with its local store.
//!
//! `config.rs` the settings and redaction; `link.rs` the connection, errors and the store's
//! backend side; `versions.rs` versions, `current` and lineage;
//! `lease.rs` one generation per cache key; `watch.rs` the change watcher; `stream.rs` the
//! event stream (publish, consume, ack, claim); `sync.rs` push/pull of whole stores;
//! `worker.rs` the shared evidence of `dana poet worker` (applied ids, a lock per function).

mod config;
pub mod lease;
mod link;
pub mod stream;
mod sync;
mod versions;
mod watch;
pub mod worker;

pub use config::{redact_url, FleetConfig, DEFAULT_LEASE_MS};
pub(crate) use link::say;
pub use link::{Fleet, FleetError};
pub use sync::{pull, push, SyncReport};
pub use watch::epoch;

use std::sync::Arc;
use std::time::Duration;

/// How often spooled events are forwarded by a running program.
const FORWARD_EVERY: Duration = Duration::from_millis(250);

/// Starts the change watcher and the event forwarder of `fleet` for the store at `poet_dir`.
pub(crate) fn start_threads(fleet: &Arc<Fleet>, poet_dir: &std::path::Path) {
    watch::start(fleet);
    stream::start_forwarder(fleet, poet_dir.to_path_buf(), FORWARD_EVERY);
}
