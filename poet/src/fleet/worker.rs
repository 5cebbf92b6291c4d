//! What `dana poet worker` keeps in Redis so that any number of workers share one learning
//! loop: each function's evidence (`…:f:<fn>:evidence`, the JSON the local worker keeps in
//! `events/worker/<fn>.json`), the ids of the events already folded into it
//! (`…:applied:<id>`, written in the same transaction as the evidence: an event delivered
//! twice is applied once), and a short lock per function so two workers never fold into the
//! same evidence at once.

use super::{Fleet, FleetError};
use std::time::{Duration, Instant};

/// The consumer group of `dana poet worker`.
pub const WORKER_GROUP: &str = "dana-poet-workers";
/// How long an applied event id is remembered (seconds): longer than any redelivery.
const APPLIED_TTL_S: u64 = 7 * 86_400;
/// How long a worker's lock on a function lasts unless released.
const LOCK_MS: u64 = 30_000;
/// How long a worker waits for another worker's lock on a function.
const LOCK_WAIT: Duration = Duration::from_secs(35);

/// KEYS[1] the lock. ARGV[1] the token. Deletes the lock only when it is still ours.
const UNLOCK: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"#;

/// A worker's hold on one function's evidence; released on drop.
pub struct EvidenceLock<'a> {
    fleet: &'a Fleet,
    key: String,
    token: String,
}

impl Drop for EvidenceLock<'_> {
    fn drop(&mut self) {
        let _ = self.fleet.run(|c| {
            redis::Script::new(UNLOCK)
                .key(&self.key)
                .arg(&self.token)
                .invoke::<i64>(c)
        });
    }
}

impl Fleet {
    /// Which of `ids` were applied already (in the same order).
    pub fn applied(&self, ids: &[&str]) -> Result<Vec<bool>, FleetError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = ids
            .iter()
            .map(|id| self.key(&format!("applied:{id}")))
            .collect();
        let found: Vec<Option<String>> = self.run(|c| redis::cmd("MGET").arg(&keys).query(c))?;
        Ok(found.iter().map(Option::is_some).collect())
    }

    /// Waits (at most about half a minute) for the lock on `function`'s evidence.
    pub fn lock_evidence(&self, function: &str) -> Result<EvidenceLock<'_>, FleetError> {
        let key = self.fkey(function, "evidence:lock");
        let token = crate::events::new_id();
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            let got: Option<String> = self.run(|c| {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(&token)
                    .arg("NX")
                    .arg("PX")
                    .arg(LOCK_MS)
                    .query(c)
            })?;
            if got.is_some() {
                return Ok(EvidenceLock {
                    fleet: self,
                    key,
                    token,
                });
            }
            if Instant::now() > deadline {
                return Err(FleetError::other(format!(
                    "another worker holds the evidence of {function} (lock {key})"
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The shared evidence of `function` (JSON), if any.
    pub fn evidence(&self, function: &str) -> Result<Option<Vec<u8>>, FleetError> {
        let key = self.fkey(function, "evidence");
        self.run(|c| redis::cmd("GET").arg(&key).query(c))
    }

    /// Writes `function`'s evidence and marks `ids` applied, in one transaction.
    pub fn save_evidence(
        &self,
        _lock: &EvidenceLock<'_>,
        function: &str,
        evidence: &[u8],
        ids: &[&str],
    ) -> Result<(), FleetError> {
        let key = self.fkey(function, "evidence");
        let applied = self.applied_keys(ids);
        self.run(|c| {
            let mut p = redis::pipe();
            p.atomic().cmd("SET").arg(&key).arg(evidence).ignore();
            mark(&mut p, &applied);
            p.query::<()>(c)
        })
    }

    /// Marks `ids` applied (events with nothing to fold: other kinds, unknown functions).
    pub fn mark_applied(&self, ids: &[&str]) -> Result<(), FleetError> {
        if ids.is_empty() {
            return Ok(());
        }
        let applied = self.applied_keys(ids);
        self.run(|c| {
            let mut p = redis::pipe();
            mark(&mut p, &applied);
            p.query::<()>(c)
        })
    }

    /// The keys that mark `ids` applied.
    fn applied_keys(&self, ids: &[&str]) -> Vec<String> {
        ids.iter()
            .map(|id| self.key(&format!("applied:{id}")))
            .collect()
    }
}

/// Adds to `p` the setting of each applied-marker key (expiring after [`APPLIED_TTL_S`]).
fn mark(p: &mut redis::Pipeline, applied: &[String]) {
    for k in applied {
        p.cmd("SET")
            .arg(k)
            .arg(1)
            .arg("EX")
            .arg(APPLIED_TTL_S)
            .ignore();
    }
}
