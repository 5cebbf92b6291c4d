//! One generation per cache key across the fleet: a lease (`SET key token NX PX`) renewed by
//! a thread while the holder generates, a fencing token (`INCR`) that the final write checks,
//! and the waiters' side (poll until the holder's version is in the shared store, or take an
//! expired lease over).

use super::{Fleet, FleetError};
use redis::Script;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Extends the lease only while it is still ours.
const RENEW: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"#;

/// Deletes the lease only while it is still ours.
const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// How often waiters look for the holder's result.
const POLL: Duration = Duration::from_millis(50);
/// Waiters give up and generate themselves after this long.
const MAX_WAIT: Duration = Duration::from_secs(600);

/// A held generation lease; released (and its renewal stopped) when dropped.
pub struct Lease {
    fleet: Arc<Fleet>,
    function: String,
    key: String,
    token: String,
    /// The fencing token: the shared store takes the holder's version only while the
    /// function's fence still equals it.
    pub fence: u64,
    stop: Arc<AtomicBool>,
    renewal: Option<JoinHandle<()>>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.renewal.take() {
            t.thread().unpark();
            let _ = t.join();
        }
        if let Ok(mut f) = self.fleet.fences.lock() {
            if f.get(&self.function) == Some(&self.fence) {
                f.remove(&self.function);
            }
        }
        let _ = self.fleet.run(|c| {
            Script::new(RELEASE)
                .key(&self.key)
                .arg(&self.token)
                .invoke::<i64>(c)
        });
    }
}

/// What [`Fleet::claim_generation`] found.
pub enum Claim {
    /// This process generates; the lease is held until dropped.
    Held(Lease),
    /// The shared store has a version for one of the keys (made by another process).
    Settled(u32),
    /// Redis is unreachable: generate locally.
    Unreachable(FleetError),
}

impl Fleet {
    fn lease_key(&self, function: &str, key: &str) -> String {
        self.fkey(function, &format!("lease:{key}"))
    }

    /// Tries once to take the lease of `(function, key)`.
    pub fn try_lease(
        self: &Arc<Self>,
        function: &str,
        key: &str,
    ) -> Result<Option<Lease>, FleetError> {
        let lkey = self.lease_key(function, key);
        let token = format!("{}-{}", self.instance, std::process::id());
        let ttl = self.config.lease_ms;
        let taken: Option<String> = self.run(|c| {
            redis::cmd("SET")
                .arg(&lkey)
                .arg(&token)
                .arg("NX")
                .arg("PX")
                .arg(ttl)
                .query(c)
        })?;
        if taken.is_none() {
            return Ok(None);
        }
        let fkey = self.fkey(function, "fence");
        let fence: u64 = self.run(|c| redis::cmd("INCR").arg(&fkey).query(c))?;
        if let Ok(mut f) = self.fences.lock() {
            f.insert(function.to_string(), fence);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let renewal = {
            let (fleet, lkey, token, stop) =
                (self.clone(), lkey.clone(), token.clone(), stop.clone());
            std::thread::Builder::new()
                .name("poet-lease".into())
                .spawn(move || renew_loop(&fleet, &lkey, &token, ttl, &stop))
                .ok()
        };
        Ok(Some(Lease {
            fleet: self.clone(),
            function: function.to_string(),
            key: lkey,
            token,
            fence,
            stop,
            renewal,
        }))
    }

    /// Before generating a version for `keys[0]`: returns the holder's version when another
    /// process made one for any of `keys`, waiting while one holds the lease (taking it over
    /// when it expires), or the lease itself when this process is to generate.
    pub fn claim_generation(self: &Arc<Self>, function: &str, keys: &[&str]) -> Claim {
        let deadline = Instant::now() + MAX_WAIT;
        let Some(&main) = keys.first() else {
            return Claim::Unreachable(FleetError::other("no cache key"));
        };
        loop {
            let found = (|| -> Result<Option<u32>, FleetError> {
                for k in keys {
                    if let Some(n) = self.version_for_key(function, k)? {
                        return Ok(Some(n));
                    }
                }
                Ok(None)
            })();
            match found {
                Ok(Some(n)) => return Claim::Settled(n),
                Ok(None) => {}
                Err(e) => return Claim::Unreachable(e),
            }
            match self.try_lease(function, main) {
                Ok(Some(lease)) => {
                    // The holder may have finished between the look and the lease.
                    for k in keys {
                        if let Ok(Some(n)) = self.version_for_key(function, k) {
                            return Claim::Settled(n);
                        }
                    }
                    return Claim::Held(lease);
                }
                Ok(None) => {}
                Err(e) => return Claim::Unreachable(e),
            }
            if Instant::now() > deadline {
                return Claim::Unreachable(FleetError::other(format!(
                    "no version of {function} appeared in {} s of waiting for another process's generation",
                    MAX_WAIT.as_secs()
                )));
            }
            std::thread::sleep(POLL);
        }
    }
}

fn renew_loop(fleet: &Fleet, key: &str, token: &str, ttl: u64, stop: &AtomicBool) {
    let every = Duration::from_millis((ttl / 3).max(30));
    let mut conn = None;
    while !stop.load(Ordering::Relaxed) {
        std::thread::park_timeout(every);
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if conn.is_none() {
            conn = fleet.connect().ok();
        }
        let Some(c) = conn.as_mut() else { continue };
        let r = Script::new(RENEW)
            .key(key)
            .arg(token)
            .arg(ttl)
            .invoke::<i64>(c);
        match r {
            Ok(1) => {}
            // Lost (expired and taken over): the fenced write will be refused.
            Ok(_) => break,
            Err(_) => conn = None,
        }
    }
}
