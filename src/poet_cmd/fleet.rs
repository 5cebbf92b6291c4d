//! `dana poet … --backend redis` and `dana poet push | pull`: the shared store of fleet mode
//! (docs/fleet.md) from the command line.
//!
//! Reading commands (`list`, `show`, `diff`, `stats`) first bring the shared versions into
//! the local store (a pull: the local `.poet/` is the cache every process reads), then read it
//! as usual. `rollback` moves the shared `current` (every running replica follows within a
//! second) and the local one. `events` reads the shared stream, and `stats` counts the
//! executions and ratings in it (every replica's). `feedback` forwards its event to the
//! stream, where the workers consume it.

use dana_poet::events::Event;
use dana_poet::fleet::{self, Fleet, FleetConfig, SyncReport};
use dana_poet::store::PoetDir;
use std::sync::Arc;

/// The fleet link when the backend (from `--backend`, else the environment and dana.toml) is
/// redis; `Ok(None)` for the local backend.
pub(crate) fn connect(backend: Option<&str>) -> Result<Option<Arc<Fleet>>, String> {
    let start = dana_llm::project::start_folder();
    let toml =
        dana_llm::LlmConfig::find_dana_toml(&start).and_then(|p| std::fs::read_to_string(p).ok());
    let config = FleetConfig::from_parts(|k| std::env::var(k).ok(), toml.as_deref(), backend)?;
    let Some(config) = config else {
        return Ok(None);
    };
    let f = Fleet::new(config).map_err(|e| e.to_string())?;
    f.ping().map_err(|e| e.to_string())?;
    Ok(Some(f))
}

/// The fleet link, or an error saying how to configure one.
pub(crate) fn require(backend: Option<&str>) -> Result<Arc<Fleet>, String> {
    connect(backend.or(Some("redis")))?.ok_or_else(|| "the redis backend is not configured".into())
}

fn say_conflicts(r: &SyncReport) {
    for c in &r.conflicts {
        eprintln!("warning: {c}");
    }
}

/// Brings the shared store into the local one before a reading command.
pub(crate) fn refresh(f: &Fleet, dir: &PoetDir) -> Result<(), String> {
    let r = fleet::pull(f, dir.root()).map_err(|e| e.to_string())?;
    say_conflicts(&r);
    Ok(())
}

/// Moves the shared `current` of `function` to `to` (after the local rollback chose it).
pub(crate) fn publish_rollback(f: &Fleet, function: &str, to: u32) -> Result<(), String> {
    f.swap_current(function, to).map_err(|e| e.to_string())
}

/// `dana poet push` (`up`) or `pull`.
pub(crate) fn sync(f: &Fleet, dir: &PoetDir, up: bool, json: bool) -> Result<String, String> {
    let r = if up {
        fleet::push(f, dir.root())
    } else {
        fleet::pull(f, dir.root())
    }
    .map_err(|e| e.to_string())?;
    say_conflicts(&r);
    if json {
        return Ok(format!(
            "{}\n",
            dana_poet::admin::serde_json::json!({
                "functions": r.functions, "copied": r.copied, "unchanged": r.unchanged,
                "current_moved": r.moved, "events": r.events, "conflicts": r.conflicts,
            })
        ));
    }
    let (verb, place) = if up {
        (
            "pushed",
            format!("{} (namespace {})", f.config_url(), f.namespace()),
        )
    } else {
        ("pulled", dir.root().display().to_string())
    };
    let mut text = format!(
        "{verb} {} functions to {place}: {} versions copied, {} already there, {} current \
         pointers moved",
        r.functions, r.copied, r.unchanged, r.moved
    );
    if up {
        text.push_str(&format!(", {} events forwarded", r.events));
    }
    if !r.conflicts.is_empty() {
        text.push_str(&format!(", {} conflicts (see above)", r.conflicts.len()));
    }
    text.push('\n');
    Ok(text)
}

/// Sends the local spool (pending events) to the shared stream.
pub(crate) fn forward(f: &Fleet, dir: &PoetDir) -> Result<usize, String> {
    fleet::stream::forward(f, dir.root()).map_err(|e| e.to_string())
}

/// The events of the shared stream, oldest first.
pub(crate) fn events(f: &Fleet) -> Result<Vec<Event>, String> {
    let entries = fleet::stream::read_range(f, usize::MAX >> 1).map_err(|e| e.to_string())?;
    Ok(entries.into_iter().map(|e| e.event).collect())
}
