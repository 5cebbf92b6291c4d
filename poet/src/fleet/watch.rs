//! The change watcher: a thread subscribed to the namespace's channel that bumps [`epoch`]
//! when another process moves a function's `current`, so every function of this process
//! prepares again (and reads the new version) on its next call. A reconnection bumps it too,
//! since messages may have been missed meanwhile.

use super::Fleet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

static EPOCH: AtomicU64 = AtomicU64::new(0);

/// Changes each time another process moves a shared `current` (0 while no fleet runs).
#[inline]
pub fn epoch() -> u64 {
    EPOCH.load(Ordering::Relaxed)
}

pub(crate) fn bump() {
    EPOCH.fetch_add(1, Ordering::Relaxed);
}

/// Starts the watcher thread of `fleet` (for the rest of the process).
pub(crate) fn start(fleet: &Arc<Fleet>) {
    let fleet = fleet.clone();
    let _ = std::thread::Builder::new()
        .name("poet-fleet-watch".into())
        .spawn(move || watch_loop(&fleet));
}

fn watch_loop(fleet: &Fleet) {
    let channel = fleet.channel();
    let mut first = true;
    loop {
        let Ok(mut conn) = fleet.connect() else {
            std::thread::sleep(Duration::from_millis(250));
            continue;
        };
        let mut ps = conn.as_pubsub();
        if ps.subscribe(&channel).is_err() {
            std::thread::sleep(Duration::from_millis(250));
            continue;
        }
        // Changes made while the subscription was down were not heard: look again.
        if !first {
            bump();
        }
        first = false;
        let _ = ps.set_read_timeout(None);
        // Until the server goes away; then subscribe again.
        while let Ok(msg) = ps.get_message() {
            let payload: String = msg.get_payload().unwrap_or_default();
            // "<function> <N> <instance>": this process's own changes are known.
            if payload.rsplit(' ').next() != Some(fleet.instance.as_str()) {
                bump();
            }
        }
    }
}
