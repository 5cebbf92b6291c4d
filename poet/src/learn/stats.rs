//! The learning data the `dana poet` commands work on: the statistics of every version
//! (`dana poet stats`), a regeneration request and a rating put on a recorded execution.
//!
//! With the Redis backend, [`stats_from_events`] computes the numbers of the whole fleet from
//! the shared event stream (every replica's executions and feedback) instead of one
//! replica's `state.json`.

use crate::state::Live;
use crate::store::PoetDir;
use serde::Serialize;
use serde_json::json;

/// One version's numbers for `dana poet stats`.
#[derive(Clone, Debug, Serialize)]
pub struct VersionStats {
    pub version: u32,
    pub current: bool,
    pub generator: String,
    pub learned: serde_json::Value,
    pub calls: u64,
    pub failures: u64,
    pub fallbacks: u64,
    pub timeouts: u64,
    /// Over the recorded executions (the latest [`MAX_RECORDS`]).
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub ratings: usize,
    pub mean_rating: Option<f64>,
    /// The share of rated executions rated 1 or 2 (for a detector: its false-alarm rate).
    pub low_rated: Option<f64>,
}

/// The statistics of every version of a function, oldest first.
pub fn stats(dir: &PoetDir, function: &str) -> Result<Vec<VersionStats>, String> {
    let store = dir.function(function).map_err(|e| e.to_string())?;
    let current = store.current().ok().flatten();
    let versions = store.versions().map_err(|e| e.to_string())?;
    if versions.is_empty() {
        return Err(format!(
            "no versions of {function} in {}",
            dir.root().display()
        ));
    }
    let mut out = Vec::new();
    for v in versions {
        let Ok(ver) = store.load(v) else { continue };
        let live: Live = serde_json::from_value(ver.state.clone()).unwrap_or_default();
        let mut ms: Vec<f64> = live.records.iter().map(|r| r.ms).collect();
        ms.sort_by(|a, b| a.total_cmp(b));
        let pct = |q: f64| -> Option<f64> {
            (!ms.is_empty()).then(|| ms[((ms.len() as f64 - 1.0) * q).round() as usize])
        };
        let rated: Vec<i64> = live.records.iter().filter_map(|r| r.rating).collect();
        let low = rated.iter().filter(|r| **r <= 2).count();
        out.push(VersionStats {
            version: v,
            current: current == Some(v),
            generator: ver.metadata.generator.clone(),
            learned: ver.params.get("learned").cloned().unwrap_or(json!({})),
            calls: live.calls,
            failures: live.failures,
            fallbacks: live.fallbacks,
            timeouts: live.timeouts,
            p50_ms: pct(0.5),
            p95_ms: pct(0.95),
            ratings: rated.len(),
            mean_rating: live.mean_rating(),
            low_rated: (!rated.is_empty()).then(|| low as f64 / rated.len() as f64),
        });
    }
    Ok(out)
}

/// The statistics of every version of a function from `events` (the fleet's stream): calls,
/// failures, fallbacks, timeouts and latencies of its `function.execution` events, ratings of
/// its `function.feedback` events (each event id counted once). The versions and what they
/// learned come from the local store (brought up to date from the shared one first).
pub fn stats_from_events(
    dir: &PoetDir,
    function: &str,
    events: &[crate::events::Event],
) -> Result<Vec<VersionStats>, String> {
    let mut rows = stats(dir, function)?;
    let mut seen = std::collections::HashSet::new();
    let mut ms: Vec<Vec<f64>> = vec![Vec::new(); rows.len()];
    let mut ratings: Vec<Vec<i64>> = vec![Vec::new(); rows.len()];
    for r in rows.iter_mut() {
        (r.calls, r.failures, r.fallbacks, r.timeouts) = (0, 0, 0, 0);
    }
    for e in events {
        if e.function_name() != Some(function) || !seen.insert(e.id.as_str()) {
            continue;
        }
        let p = &e.payload;
        let Some(v) = p.get("version").and_then(|v| v.as_u64()) else {
            continue;
        };
        let Some(i) = rows.iter().position(|r| u64::from(r.version) == v) else {
            continue;
        };
        match e.kind.as_str() {
            "function.execution" => {
                let r = &mut rows[i];
                r.calls += 1;
                if p.get("status").and_then(|s| s.as_str()) != Some("success") {
                    r.failures += 1;
                }
                if p.get("fallback_used").and_then(|f| f.as_bool()) == Some(true) {
                    r.fallbacks += 1;
                }
                if p.pointer("/error/type").and_then(|t| t.as_str()) == Some("TimeoutError") {
                    r.timeouts += 1;
                }
                if let Some(d) = p.pointer("/metrics/duration_ms").and_then(|d| d.as_f64()) {
                    ms[i].push(d);
                }
            }
            "function.feedback" => {
                if let Some(x) = p.get("rating").and_then(|x| x.as_i64()) {
                    ratings[i].push(x);
                }
            }
            _ => {}
        }
    }
    for ((r, ms), rated) in rows.iter_mut().zip(&mut ms).zip(&ratings) {
        ms.sort_by(|a, b| a.total_cmp(b));
        let pct = |q: f64| -> Option<f64> {
            (!ms.is_empty()).then(|| ms[((ms.len() as f64 - 1.0) * q).round() as usize])
        };
        (r.p50_ms, r.p95_ms) = (pct(0.5), pct(0.95));
        r.ratings = rated.len();
        r.mean_rating =
            (!rated.is_empty()).then(|| rated.iter().sum::<i64>() as f64 / rated.len() as f64);
        let low = rated.iter().filter(|x| **x <= 2).count();
        r.low_rated = (!rated.is_empty()).then(|| low as f64 / rated.len() as f64);
    }
    Ok(rows)
}

/// Asks for a new version at the function's next call (`dana poet regenerate`): sets the
/// request in the current version's `state.json`.
pub fn request_regeneration(dir: &PoetDir, function: &str) -> Result<u32, String> {
    dir.check_marker().map_err(|e| e.to_string())?;
    let store = dir.function(function).map_err(|e| e.to_string())?;
    let v = store
        .current()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{function} has no current version"))?;
    let ver = store.load(v).map_err(|e| e.to_string())?;
    let mut state = ver.state.clone();
    match state.as_object_mut() {
        Some(o) => {
            o.insert("regenerate_requested".into(), json!(true));
        }
        None => state = json!({"regenerate_requested": true}),
    }
    store.write_state(v, &state).map_err(|e| e.to_string())?;
    Ok(v)
}

/// Puts a rating on a recorded execution of the current version (`dana poet feedback`), so the
/// learning loop of the next run counts it; `false` when the execution is not recorded there.
pub fn rate_recorded_execution(
    dir: &PoetDir,
    function: &str,
    execution_id: &str,
    rating: i64,
) -> Result<bool, String> {
    dir.check_marker().map_err(|e| e.to_string())?;
    let store = dir.function(function).map_err(|e| e.to_string())?;
    let Some(v) = store.current().map_err(|e| e.to_string())? else {
        return Ok(false);
    };
    let ver = store.load(v).map_err(|e| e.to_string())?;
    let mut live: Live = serde_json::from_value(ver.state.clone()).unwrap_or_default();
    let Some(rec) = live
        .records
        .iter_mut()
        .rev()
        .find(|r| r.execution_id == execution_id)
    else {
        return Ok(false);
    };
    rec.rating = Some(rating);
    live.ratings.push(rating);
    let excess = live.ratings.len().saturating_sub(20);
    live.ratings.drain(..excess);
    let state = serde_json::to_value(&live).map_err(|e| e.to_string())?;
    store.write_state(v, &state).map_err(|e| e.to_string())?;
    Ok(true)
}
