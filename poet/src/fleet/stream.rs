//! The event stream of a namespace (`XADD … MAXLEN ~`), and the consumers' side for
//! `dana poet worker` (a consumer group: [`consume_batch`], [`ack`], [`claim_stale`]).
//!
//! Events are always written to the local queue first (`.poet/events/pending/`, the spool);
//! [`forward`] copies pending events to the stream and then marks them processed locally.
//! Each event's id is the idempotency key: the script adds an event only when
//! `SET dana:poet:<ns>:seen:<id> 1 NX EX <ttl>` succeeds, so a crash between the two steps
//! never adds an event twice. When Redis is unreachable, events stay in the spool and the
//! next forward sends them.

use super::{say, Fleet, FleetError};
use crate::events::{Event, EventQueue};
use redis::Script;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// About how many events the stream keeps (`MAXLEN ~`).
pub const STREAM_CAP: u64 = 1_000_000;
/// How long a forwarded id is remembered (seconds).
pub const SEEN_TTL_S: u64 = 86_400;
/// Events per forwarding round trip.
const BATCH: usize = 500;

/// KEYS[1] the stream. ARGV: seen-key prefix, ttl, cap, then id, json pairs.
/// Returns how many were added (the others had been forwarded before).
const FORWARD: &str = r#"
local added = 0
for i = 4, #ARGV, 2 do
  if redis.call('SET', ARGV[1] .. ARGV[i], '1', 'NX', 'EX', ARGV[2]) then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'id', ARGV[i], 'event', ARGV[i + 1])
    added = added + 1
  end
end
return added
"#;

/// One event read from the stream, with its stream entry id (what [`ack`] takes).
#[derive(Clone, Debug)]
pub struct StreamEvent {
    pub entry: String,
    pub event: Event,
}

impl Fleet {
    /// The stream key.
    pub fn stream_key(&self) -> String {
        self.key("events")
    }

    /// Adds `events` to the stream, skipping ids forwarded before; returns how many were
    /// added.
    pub fn publish(&self, events: &[Event]) -> Result<usize, FleetError> {
        let stream = self.stream_key();
        let seen = self.key("seen:");
        let mut added = 0;
        for chunk in events.chunks(BATCH) {
            added += self.run(|c| {
                let script = Script::new(FORWARD);
                let mut inv = script.prepare_invoke();
                inv.key(&stream).arg(&seen).arg(SEEN_TTL_S).arg(STREAM_CAP);
                for e in chunk {
                    inv.arg(&e.id).arg(e.to_json());
                }
                inv.invoke::<usize>(c)
            })?;
        }
        Ok(added)
    }
}

/// Forwards the pending events of the store at `poet_dir` to the stream, then marks them
/// processed locally. Returns how many were added to the stream.
pub fn forward(fleet: &Fleet, poet_dir: &Path) -> Result<usize, FleetError> {
    let queue = EventQueue::open(poet_dir).map_err(|e| FleetError::other(e.to_string()))?;
    let pending = queue
        .pending()
        .map_err(|e| FleetError::other(e.to_string()))?;
    if pending.is_empty() {
        return Ok(0);
    }
    let added = fleet.publish(&pending)?;
    let ids: Vec<String> = pending.iter().map(|e| e.id.clone()).collect();
    queue
        .mark_processed(&ids)
        .map_err(|e| FleetError::other(e.to_string()))?;
    Ok(added)
}

/// A round reads every pending segment (its cost grows with the spool, not with what is new),
/// so the forwarder waits at least this many times as long as its last round took: it never
/// takes more than about a fifth of a core from the program.
const DUTY: u32 = 4;

/// Starts the thread that forwards the spool of `poet_dir` every `every` (longer while rounds
/// are slow: see [`DUTY`]).
pub(crate) fn start_forwarder(fleet: &Arc<Fleet>, poet_dir: PathBuf, every: Duration) {
    let fleet = fleet.clone();
    let _ = std::thread::Builder::new()
        .name("poet-fleet-forward".into())
        .spawn(move || {
            let mut wait = every;
            loop {
                std::thread::sleep(wait);
                let t = std::time::Instant::now();
                forward_reporting(&fleet, &poet_dir);
                wait = every.max(t.elapsed() * DUTY);
            }
        });
}

/// [`forward`], saying a failure (an outage once) on stderr.
pub(crate) fn forward_reporting(fleet: &Fleet, poet_dir: &Path) {
    match forward(fleet, poet_dir) {
        Ok(_) => {}
        Err(e) if e.unreachable => fleet.report(
            &e,
            "events are kept in the local spool and forwarded when it answers again",
        ),
        Err(e) => say(&format!("warning: POET fleet: forwarding events: {e}\n")),
    }
}

fn bulk(v: &redis::Value) -> Option<String> {
    match v {
        redis::Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        redis::Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// Entries as `XRANGE` answers them: `[[id, [field, value, …]], …]`.
fn parse_entries(value: redis::Value) -> Result<Vec<StreamEvent>, FleetError> {
    let redis::Value::Array(items) = value else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in items {
        let redis::Value::Array(parts) = item else {
            continue;
        };
        let (Some(entry), Some(redis::Value::Array(fields))) =
            (parts.first().and_then(bulk), parts.get(1))
        else {
            // A deleted entry (nil fields) of a pending list.
            continue;
        };
        let json = fields
            .chunks(2)
            .find(|kv| kv.first().and_then(bulk).as_deref() == Some("event"))
            .and_then(|kv| kv.get(1).and_then(bulk));
        let Some(json) = json else { continue };
        match serde_json::from_str::<Event>(&json) {
            Ok(event) => out.push(StreamEvent { entry, event }),
            Err(e) => say(&format!(
                "warning: POET fleet: stream entry {entry} is not an event ({e}); skipped\n"
            )),
        }
    }
    Ok(out)
}

/// Creates the consumer group `group` at the start of the stream (nothing when it exists).
pub fn ensure_group(fleet: &Fleet, group: &str) -> Result<(), FleetError> {
    let stream = fleet.stream_key();
    let r = fleet.run(|c| {
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&stream)
            .arg(group)
            .arg("0")
            .arg("MKSTREAM")
            .query::<String>(c)
    });
    match r {
        Err(e) if e.message.contains("BUSYGROUP") => Ok(()),
        other => other.map(|_| ()),
    }
}

/// Up to `count` new events for `consumer` of `group`, waiting at most `block` for some.
pub fn consume_batch(
    fleet: &Fleet,
    group: &str,
    consumer: &str,
    count: usize,
    block: Duration,
) -> Result<Vec<StreamEvent>, FleetError> {
    let stream = fleet.stream_key();
    let reply: redis::Value = fleet.run(|c| {
        redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(group)
            .arg(consumer)
            .arg("COUNT")
            .arg(count)
            .arg("BLOCK")
            .arg(block.as_millis() as u64)
            .arg("STREAMS")
            .arg(&stream)
            .arg(">")
            .query(c)
    })?;
    // [[stream, entries]] (nil when nothing came).
    let mut out = Vec::new();
    if let redis::Value::Array(streams) = reply {
        for s in streams {
            if let redis::Value::Array(mut parts) = s {
                if parts.len() >= 2 {
                    out.extend(parse_entries(parts.swap_remove(1))?);
                }
            }
        }
    }
    Ok(out)
}

/// Acknowledges processed entries of `group`.
pub fn ack(fleet: &Fleet, group: &str, entries: &[String]) -> Result<usize, FleetError> {
    if entries.is_empty() {
        return Ok(0);
    }
    let stream = fleet.stream_key();
    fleet.run(|c| {
        redis::cmd("XACK")
            .arg(&stream)
            .arg(group)
            .arg(entries)
            .query::<usize>(c)
    })
}

/// Takes over up to `count` entries of `group` that another consumer read but did not
/// acknowledge for `min_idle` (a dead worker's), for `consumer`.
pub fn claim_stale(
    fleet: &Fleet,
    group: &str,
    consumer: &str,
    min_idle: Duration,
    count: usize,
) -> Result<Vec<StreamEvent>, FleetError> {
    let stream = fleet.stream_key();
    let reply: redis::Value = fleet.run(|c| {
        redis::cmd("XAUTOCLAIM")
            .arg(&stream)
            .arg(group)
            .arg(consumer)
            .arg(min_idle.as_millis() as u64)
            .arg("0-0")
            .arg("COUNT")
            .arg(count)
            .query(c)
    })?;
    // [next cursor, entries, deleted ids]
    let entries = match reply {
        redis::Value::Array(mut parts) if parts.len() >= 2 => parts.swap_remove(1),
        _ => return Ok(Vec::new()),
    };
    parse_entries(entries)
}

/// Up to `count` events from the start of the stream (newest last).
pub fn read_range(fleet: &Fleet, count: usize) -> Result<Vec<StreamEvent>, FleetError> {
    let stream = fleet.stream_key();
    let reply: redis::Value = fleet.run(|c| {
        redis::cmd("XRANGE")
            .arg(&stream)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(count)
            .query(c)
    })?;
    parse_entries(reply)
}
