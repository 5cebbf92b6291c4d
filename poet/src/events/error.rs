//! The error type of the event queue. Every message names the file, event or type involved.

use super::schema::EVENT_TYPES;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What went wrong while emitting, reading or maintaining events.
#[derive(Debug)]
pub enum EventError {
    /// The operating system refused an operation (permissions, full disk, …).
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
    /// An event's JSON is larger than [`super::schema::MAX_EVENT_BYTES`].
    TooBig {
        id: String,
        size: usize,
        limit: usize,
    },
    /// An event's `type` is not one of [`EVENT_TYPES`].
    UnknownType {
        kind: String,
        suggestion: Option<String>,
    },
    /// An event's `id` is not a UUID in its canonical lowercase hyphenated form.
    BadId { id: String },
    /// A `.poet/events` path exists but is not a directory.
    NotADirectory { path: PathBuf },
    /// An event could not be encoded as JSON.
    Encode { id: String, detail: String },
}

impl EventError {
    pub(crate) fn io(path: &Path, action: &'static str, source: io::Error) -> EventError {
        EventError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::Io {
                path,
                action,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            EventError::TooBig { id, size, limit } => write!(
                f,
                "event {id} is {size} bytes of JSON, over the limit of {limit} bytes; \
                 shorten its payload"
            ),
            EventError::UnknownType { kind, suggestion } => {
                write!(f, "unknown event type {kind:?}")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean {s:?}?")?;
                }
                write!(f, " (known: {})", EVENT_TYPES.join(", "))
            }
            EventError::BadId { id } => write!(
                f,
                "event id {id:?} is not a UUID in lowercase hyphenated form \
                 (events::new_id() makes one)"
            ),
            EventError::NotADirectory { path } => {
                write!(f, "{} exists but is not a directory", path.display())
            }
            EventError::Encode { id, detail } => write!(f, "cannot encode event {id}: {detail}"),
        }
    }
}

impl std::error::Error for EventError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EventError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
