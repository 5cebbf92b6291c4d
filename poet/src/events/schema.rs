//! The schema of POET's events: the event types of POET_SPEC §6, the size limit and the
//! envelope's version and service.

/// The event types of POET_SPEC §6; [`EventQueue::emit`] refuses any other.
pub const EVENT_TYPES: &[&str] = &[
    "function.execution",
    "function.feedback",
    "enhancement.requested",
    "enhancement.completed",
    "enhancement.failed",
    "version.promoted",
    "version.rolled_back",
];

/// The largest event, as compact JSON.
pub const MAX_EVENT_BYTES: usize = 1 << 20;
/// The envelope schema version written into every event's metadata.
pub const SCHEMA_VERSION: &str = "1.0";
/// The `service` of every event's metadata.
pub const SERVICE: &str = "dana";
