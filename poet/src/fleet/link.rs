//! One process's link to Redis: the connection (made on demand, dropped on failure, and
//! not retried for a moment after one, so calls never wait on a server that is down), the
//! errors with credentials redacted, the warnings said once per outage, and the store's
//! [`Backend`] side (numbering, pushing created versions, moving `current`).

use super::config::{redact_url, FleetConfig};
use crate::store::{Backend, VersionFiles};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long connecting may take before Redis counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long one command may take.
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// After a failure, commands fail at once (no network wait) for this long.
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// A Redis failure, with credentials redacted.
#[derive(Clone, Debug)]
pub struct FleetError {
    pub message: String,
    /// The server could not be reached (as opposed to a refused command).
    pub unreachable: bool,
}

impl fmt::Display for FleetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FleetError {}

impl FleetError {
    fn from_redis(shown_url: &str, e: &redis::RedisError) -> FleetError {
        let unreachable = e.is_io_error() || e.is_timeout() || e.is_connection_dropped();
        let what = redact_url(&e.to_string());
        FleetError {
            message: if unreachable {
                format!("Redis at {shown_url} is unreachable ({what})")
            } else {
                format!("Redis at {shown_url}: {what}")
            },
            unreachable,
        }
    }

    pub(crate) fn other(message: impl Into<String>) -> FleetError {
        FleetError {
            message: redact_url(&message.into()),
            unreachable: false,
        }
    }
}

/// One process's link to the shared store.
pub struct Fleet {
    pub(crate) config: FleetConfig,
    client: redis::Client,
    conn: Mutex<Option<redis::Connection>>,
    /// Commands fail at once until then (Redis was just found down).
    down_until: Mutex<Option<Instant>>,
    /// An outage was reported and Redis has not answered since.
    outage_reported: AtomicBool,
    /// Fencing tokens of the leases this process holds, by function.
    pub(crate) fences: Mutex<HashMap<String, u64>>,
    /// This process in published messages (its own changes are not news to it).
    pub(crate) instance: String,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Fleet({}, {})",
            self.config.shown_url(),
            self.config.namespace
        )
    }
}

impl Fleet {
    /// A fleet link (no connection is made yet).
    pub fn new(config: FleetConfig) -> Result<Arc<Fleet>, FleetError> {
        if config.url.starts_with("rediss://") {
            // rustls needs a process-wide provider; ring, as dana-llm installs it.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let client = redis::Client::open(config.url.as_str()).map_err(|e| {
            FleetError::other(format!(
                "the Redis URL {} is not valid: {}",
                config.shown_url(),
                e
            ))
        })?;
        Ok(Arc::new(Fleet {
            config,
            client,
            conn: Mutex::new(None),
            down_until: Mutex::new(None),
            outage_reported: AtomicBool::new(false),
            fences: Mutex::new(HashMap::new()),
            instance: crate::events::new_id(),
        }))
    }

    /// The namespace's key `dana:poet:<ns>:<rest>`.
    pub(crate) fn key(&self, rest: &str) -> String {
        format!("dana:poet:{}:{rest}", self.config.namespace)
    }

    /// A key of one function: `dana:poet:<ns>:f:<fn>:<rest>`.
    pub(crate) fn fkey(&self, function: &str, rest: &str) -> String {
        format!("dana:poet:{}:f:{function}:{rest}", self.config.namespace)
    }

    /// A fresh connection with the timeouts set (for threads of their own).
    pub(crate) fn connect(&self) -> Result<redis::Connection, FleetError> {
        let shown = self.config.shown_url();
        let c = self
            .client
            .get_connection_with_timeout(CONNECT_TIMEOUT)
            .map_err(|e| FleetError::from_redis(&shown, &e))?;
        c.set_read_timeout(Some(IO_TIMEOUT))
            .and_then(|()| c.set_write_timeout(Some(IO_TIMEOUT)))
            .map_err(|e| FleetError::from_redis(&shown, &e))?;
        Ok(c)
    }

    /// Runs `f` on the shared connection, connecting when needed. While Redis is known to be
    /// down, fails at once; a failure drops the connection.
    pub(crate) fn run<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, FleetError> {
        if let Ok(d) = self.down_until.lock() {
            if d.is_some_and(|t| Instant::now() < t) {
                return Err(FleetError {
                    message: format!(
                        "Redis at {} is unreachable (retrying shortly)",
                        self.config.shown_url()
                    ),
                    unreachable: true,
                });
            }
        }
        let mut guard = self
            .conn
            .lock()
            .map_err(|_| FleetError::other("the Redis connection lock is poisoned"))?;
        if guard.is_none() {
            match self.connect() {
                Ok(c) => *guard = Some(c),
                Err(e) => {
                    self.note_down();
                    return Err(e);
                }
            }
        }
        let conn = guard.as_mut().expect("connected above");
        match f(conn) {
            Ok(v) => {
                self.outage_reported.store(false, Ordering::Relaxed);
                Ok(v)
            }
            Err(e) => {
                let err = FleetError::from_redis(&self.config.shown_url(), &e);
                if err.unreachable {
                    *guard = None;
                    self.note_down();
                }
                Err(err)
            }
        }
    }

    fn note_down(&self) {
        if let Ok(mut d) = self.down_until.lock() {
            *d = Some(Instant::now() + RETRY_AFTER);
        }
    }

    /// Says `what` on stderr: a refused command every time, an outage once until Redis
    /// answers again.
    pub(crate) fn report(&self, e: &FleetError, what: &str) {
        if e.unreachable && self.outage_reported.swap(true, Ordering::Relaxed) {
            return;
        }
        say(&format!("warning: POET fleet: {e}; {what}\n"));
    }

    /// The server's URL, credentials redacted.
    pub fn config_url(&self) -> String {
        self.config.shown_url()
    }

    /// The namespace every key starts with.
    pub fn namespace(&self) -> &str {
        &self.config.namespace
    }

    /// Whether Redis answers `PING` now.
    pub fn ping(&self) -> Result<(), FleetError> {
        self.run(|c| redis::cmd("PING").query::<String>(c))
            .map(|_| ())
    }
}

impl Backend for Fleet {
    fn reserve(&self, function: &str, local_max: u32) -> Option<u32> {
        match self.reserve_number(function, local_max) {
            Ok(n) => Some(n),
            Err(e) => {
                self.report(&e, "new versions are numbered locally");
                None
            }
        }
    }

    fn created(&self, function: &str, files: &VersionFiles) {
        let fence = self
            .fences
            .lock()
            .ok()
            .and_then(|f| f.get(function).copied());
        if let Err(e) = self.push_version(function, files, fence, true) {
            self.report(
                &e,
                &format!(
                    "v{} of {function} stays in the local store (`dana poet push` copies it)",
                    files.number
                ),
            );
        }
    }

    fn current_moved(&self, function: &str, v: u32) {
        if let Err(e) = self.swap_current(function, v) {
            self.report(
                &e,
                &format!("{function}'s current version (v{v}) changed only locally"),
            );
        }
    }

    fn worker_evidence(&self, function: &str) -> Option<Vec<u8>> {
        // Unreachable: the local file (if any) serves; the outage is said elsewhere.
        self.evidence(function).ok().flatten()
    }
}

/// Writes to the process's standard error directly, with every registered secret redacted.
pub(crate) fn say(msg: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(redact_url(msg).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rediss://` is TLS (rustls with ring is built in): accepted by the configuration, and a
    /// failure to reach the server names it with the password redacted.
    #[test]
    fn tls_urls_are_accepted_and_redacted() {
        let c = FleetConfig::from_parts(
            |k| (k == "DANA_POET_REDIS_URL").then(|| "rediss://:tls-pw-123@127.0.0.1:1/0".into()),
            None,
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.url, "rediss://:tls-pw-123@127.0.0.1:1/0");
        assert_eq!(c.shown_url(), "rediss://***@127.0.0.1:1/0");
        let fleet = Fleet::new(c).expect("a TLS client is built in");
        let e = fleet.ping().unwrap_err();
        assert!(e.unreachable, "{e}");
        let text = e.to_string();
        assert!(text.contains("rediss://***@127.0.0.1:1/0"), "{text}");
        assert!(!text.contains("tls-pw-123"), "{text}");
    }
}
