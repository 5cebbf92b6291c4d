//! The operations behind `dana poet list | show | diff | rollback | gc | events` (POET_SPEC §9).
//!
//! Each returns data and prints nothing, so the command line, tests and embedders render it as
//! they like; [`summary_json`], [`version_json`], [`diff_json`] and [`gc_json`] give the JSON
//! documents of `--json`.
//!
//! * A function is named by its directory in the store: `f`, or `module.f` when two modules
//!   share a name. An unknown name is an error listing the known ones with a did-you-mean;
//!   `f` suggests `module.f` when that is the only function called `f`.
//! * [`list`] never fails on a damaged function: it reports the damage in
//!   [`FunctionSummary::damaged`] and moves on, because listing is how people find damage.
//! * [`rollback`] and [`gc`] take the function's lock like every other writer. `gc` does not
//!   wait for a lock held elsewhere (a generation may take seconds): it skips that function
//!   and says so in [`GcReport::skipped`].
//! * [`gc`] and [`rollback`] refuse a directory without the store's marker
//!   ([`crate::store::MARKER_FILE`]) and leave alone any function folder that holds something
//!   POET never writes there (see [`crate::store::foreign_entry`]).
//! * [`gc`] deletes files in `events/processed/` and `<function>/feedback/processed/` whose
//!   modification time is older than the retention; `pending/` is never touched, since those
//!   events are not handled yet.

use crate::events::{Event, EventError, EventFilter, EventFollower, EventQueue, EventScan};
use crate::store::{FunctionStore, PoetDir, PruneReport, StoreError, Version};
use serde::Serialize;
use serde_json::{json, Value};
use similar::TextDiff;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The JSON library of these documents, so that the command line and its tests build and read
/// them with the same one.
pub use serde_json;

/// The default retention of processed events and feedback (POET_SPEC §5).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// One line of `dana poet list`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FunctionSummary {
    pub name: String,
    pub current: Option<u32>,
    pub versions: Vec<u32>,
    /// Of the current version.
    pub generator: Option<String>,
    pub domain: Option<String>,
    pub created_at: Option<String>,
    /// `calls` and `failures` of the current version's `state.json` (0 when absent).
    pub calls: u64,
    pub failures: u64,
    /// The first problem found: a damaged `current`, or a version that does not load.
    pub damaged: Option<String>,
}

/// Every function of the store with its current version's facts; damage is reported per
/// function, not as an error. An empty or missing store gives an empty list.
pub fn list(dir: &PoetDir) -> Result<Vec<FunctionSummary>, StoreError> {
    let mut out = Vec::new();
    for name in dir.functions()? {
        let store = dir.function(&name)?;
        out.push(summarize(&store));
    }
    Ok(out)
}

fn summarize(store: &FunctionStore) -> FunctionSummary {
    let mut s = FunctionSummary {
        name: store.name().to_string(),
        current: None,
        versions: Vec::new(),
        generator: None,
        domain: None,
        created_at: None,
        calls: 0,
        failures: 0,
        damaged: None,
    };
    match store.versions() {
        Ok(v) => s.versions = v,
        Err(e) => {
            s.damaged = Some(e.to_string());
            return s;
        }
    }
    match store.current() {
        Ok(c) => s.current = c,
        Err(e) => s.damaged = Some(e.to_string()),
    }
    if let Some(c) = s.current {
        match store.load(c) {
            Ok(v) => {
                let count = |key: &str| v.state.get(key).and_then(Value::as_u64).unwrap_or(0);
                s.calls = count("calls");
                s.failures = count("failures");
                s.generator = Some(v.metadata.generator);
                s.domain = Some(v.metadata.domain);
                s.created_at = Some(v.metadata.created_at);
            }
            Err(e) => s.damaged = Some(e.to_string()),
        }
    }
    if s.damaged.is_none() {
        s.damaged = s
            .versions
            .iter()
            .filter(|&&v| Some(v) != s.current)
            .find_map(|&v| store.load(v).err())
            .map(|e| e.to_string());
    }
    s
}

/// The store of the function named exactly `name`, or an error listing the known functions.
pub fn resolve(dir: &PoetDir, name: &str) -> Result<FunctionStore, StoreError> {
    let known = dir.functions()?;
    if known.iter().any(|k| k == name) {
        return dir.function(name);
    }
    let suffix = format!(".{name}");
    let mut qualified = known.iter().filter(|k| k.ends_with(&suffix));
    let suggestion = match (qualified.next(), qualified.next()) {
        (Some(only), None) => Some(only.clone()),
        _ => dana_interpreter::error::did_you_mean(name, known.iter().map(String::as_str))
            .map(str::to_string),
    };
    Err(StoreError::UnknownFunction {
        name: name.to_string(),
        root: dir.root().to_path_buf(),
        known,
        suggestion,
    })
}

/// A version with the facts `dana poet show` prints around it.
#[derive(Clone, Debug)]
pub struct VersionView {
    pub function: String,
    pub version: Version,
    /// The function's current version, when `current` is valid.
    pub current: Option<u32>,
    pub versions: Vec<u32>,
}

/// Version `version` of `name` (default: the current one), with its context.
pub fn inspect(dir: &PoetDir, name: &str, version: Option<u32>) -> Result<VersionView, StoreError> {
    let store = resolve(dir, name)?;
    // An explicit version is shown even while `current` is damaged.
    let current = match (store.current(), version) {
        (Ok(c), _) => c,
        (Err(_), Some(_)) => None,
        (Err(e), None) => return Err(e),
    };
    let number = match version {
        Some(v) => v,
        None => current.ok_or_else(|| StoreError::NoCurrent {
            function: store.name().to_string(),
        })?,
    };
    let version = store.load(number)?;
    Ok(VersionView {
        function: store.name().to_string(),
        version,
        current,
        versions: store.versions()?,
    })
}

/// Version `version` of `name` (default: the current one).
pub fn show(dir: &PoetDir, name: &str, version: Option<u32>) -> Result<Version, StoreError> {
    inspect(dir, name, version).map(|v| v.version)
}

/// The differences between two versions of a function.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionDiff {
    pub function: String,
    pub a: u32,
    pub b: u32,
    /// Unified diff of `code.na`; empty when equal.
    pub code: String,
    /// Unified diff of `params.json` (pretty-printed); empty when equal.
    pub params: String,
}

impl VersionDiff {
    pub fn is_empty(&self) -> bool {
        self.code.is_empty() && self.params.is_empty()
    }

    /// Both diffs, code first.
    pub fn text(&self) -> String {
        format!("{}{}", self.code, self.params)
    }
}

/// Compares `code.na` and `params.json` of versions `a` and `b` of `name`.
pub fn diff_versions(dir: &PoetDir, name: &str, a: u32, b: u32) -> Result<VersionDiff, StoreError> {
    let store = resolve(dir, name)?;
    let va = store.load(a)?;
    let vb = store.load(b)?;
    let fname = store.name();
    let unified = |file: &str, old: &str, new: &str| {
        if old == new {
            return String::new();
        }
        TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("{fname}/v{a}/{file}"),
                &format!("{fname}/v{b}/{file}"),
            )
            .missing_newline_hint(true)
            .to_string()
    };
    let pretty = |v: &Value| {
        let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
        s.push('\n');
        s
    };
    Ok(VersionDiff {
        function: fname.to_string(),
        a,
        b,
        code: unified("code.na", &va.code, &vb.code),
        params: unified("params.json", &pretty(&va.params), &pretty(&vb.params)),
    })
}

/// The unified diff of versions `a` and `b` of `name` (code.na, then params.json when it
/// differs); empty when they are the same.
pub fn diff(dir: &PoetDir, name: &str, a: u32, b: u32) -> Result<String, StoreError> {
    diff_versions(dir, name, a, b).map(|d| d.text())
}

/// Rolls `name` back (see [`FunctionStore::rollback`]); returns (previous current, new
/// current). The previous one is `None` when `current` was missing or damaged.
pub fn rollback(
    dir: &PoetDir,
    name: &str,
    to: Option<u32>,
) -> Result<(Option<u32>, u32), StoreError> {
    dir.check_marker()?;
    let store = resolve(dir, name)?;
    if let Some(why) = crate::store::foreign_entry(store.dir()) {
        return Err(StoreError::NotAStore {
            root: store.dir().to_path_buf(),
            detail: format!("the function folder does not look like POET's: {why}"),
        });
    }
    let lock = store.lock()?;
    let from = match (store.current(), to) {
        (Ok(c), _) => c,
        (Err(_), Some(_)) => None,
        (Err(e), None) => return Err(e),
    };
    let target = store.rollback(&lock, to)?;
    Ok((from, target))
}

/// A version removed by [`gc`].
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RemovedVersion {
    pub function: String,
    pub version: u32,
}

/// What [`gc`] did.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct GcReport {
    /// Functions looked at.
    pub functions: usize,
    pub versions_removed: Vec<RemovedVersion>,
    /// Temporary entries of interrupted writers.
    pub temp_removed: usize,
    /// Files of `events/processed/`.
    pub events_removed: usize,
    /// Files of `<function>/feedback/processed/`.
    pub feedback_removed: usize,
    /// Pending events dropped because `events/pending/` was past its size or age cap
    /// (`[poet.events]` in dana.toml).
    pub pending_dropped: usize,
    pub bytes_freed: u64,
    /// Functions whose lock another process held; nothing of their versions was touched.
    pub skipped: Vec<String>,
    /// Folders of the store that do not look exactly like a function folder POET made (they
    /// hold files POET never writes); nothing in them was touched.
    pub foreign: Vec<String>,
    /// What could not be done; the rest was.
    pub errors: Vec<String>,
}

/// Prunes every function and deletes processed events and feedback older than `retention`.
pub fn gc(dir: &PoetDir, retention: Duration) -> Result<GcReport, StoreError> {
    // Only a folder that carries the store's marker is touched (a mistyped --dir must not
    // delete anybody's files), and inside it only function folders exactly like POET's.
    dir.check_marker()?;
    let mut report = GcReport::default();
    let cutoff = SystemTime::now().checked_sub(retention);
    for name in dir.functions()? {
        report.functions += 1;
        let store = dir.function(&name)?;
        if let Some(why) = crate::store::foreign_entry(store.dir()) {
            report.foreign.push(name.clone());
            report.errors.push(format!(
                "{} was left alone, it does not look like a POET function folder: {why}",
                store.dir().display()
            ));
            continue;
        }
        match store.try_lock() {
            Ok(Some(lock)) => match store.prune_report(&lock) {
                Ok(PruneReport {
                    versions,
                    temp_entries,
                    bytes,
                }) => {
                    report
                        .versions_removed
                        .extend(versions.into_iter().map(|version| RemovedVersion {
                            function: name.clone(),
                            version,
                        }));
                    report.temp_removed += temp_entries;
                    report.bytes_freed = report.bytes_freed.saturating_add(bytes);
                }
                Err(e) => report.errors.push(e.to_string()),
            },
            Ok(None) => report.skipped.push(name.clone()),
            Err(e) => report.errors.push(e.to_string()),
        }
        let (n, bytes) = remove_old_files(
            &store.feedback_dir().join("processed"),
            cutoff,
            &mut report.errors,
        );
        report.feedback_removed += n;
        report.bytes_freed = report.bytes_freed.saturating_add(bytes);
    }
    // The event queue prunes by the processing time in its file names, compacts closed
    // pending segments and removes what killed writers left; pending events are dropped only
    // past the caps of `[poet.events]` in dana.toml, and counted.
    let (caps, problems) = crate::events::EventSettings::load(dir.root());
    report.errors.extend(problems);
    match crate::events::EventQueue::open(dir.root())
        .and_then(|q| q.gc_capped(retention, MAX_PROCESSED_EVENT_BYTES, &caps))
    {
        Ok(c) => {
            report.pending_dropped += c.pending_dropped;
            report.events_removed += c.events_removed;
            report.temp_removed += c.temp_removed;
            report.bytes_freed = report.bytes_freed.saturating_add(c.bytes_freed);
        }
        Err(e) => report.errors.push(e.to_string()),
    }
    Ok(report)
}

/// `dana poet gc` keeps at most this much of processed events (oldest removed first).
pub(crate) const MAX_PROCESSED_EVENT_BYTES: u64 = 256 << 20;

/// Deletes the files under `dir` last modified before `cutoff` (none when the retention
/// reaches before the clock's epoch), and subdirectories that end up empty; returns the count
/// and bytes. Symlinks are removed as entries, never followed.
fn remove_old_files(
    dir: &Path,
    cutoff: Option<SystemTime>,
    errors: &mut Vec<String>,
) -> (usize, u64) {
    fn walk(
        dir: &Path,
        cutoff: SystemTime,
        depth: u32,
        errors: &mut Vec<String>,
        acc: &mut (usize, u64),
    ) {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => {
                errors.push(format!("cannot list {}: {e}", dir.display()));
                return;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                if depth > 0 {
                    walk(&path, cutoff, depth - 1, errors, acc);
                    // Fails while the directory still holds newer files, as it should.
                    let _ = fs::remove_dir(&path);
                }
                continue;
            }
            let old = meta.modified().is_ok_and(|m| m < cutoff);
            if !old {
                continue;
            }
            match fs::remove_file(&path) {
                Ok(()) => {
                    acc.0 += 1;
                    acc.1 = acc.1.saturating_add(meta.len());
                }
                Err(e) => errors.push(format!("cannot remove {}: {e}", path.display())),
            }
        }
    }
    let mut acc = (0, 0);
    if let Some(cutoff) = cutoff {
        walk(dir, cutoff, 4, errors, &mut acc);
    }
    acc
}

/// The `--json` document of `dana poet list`.
pub fn summary_json(dir: &PoetDir, functions: &[FunctionSummary]) -> Value {
    json!({
        "dir": dir.root().display().to_string(),
        "functions": functions,
    })
}

/// The `--json` document of `dana poet show`.
pub fn version_json(view: &VersionView) -> Value {
    let v = &view.version;
    json!({
        "function": view.function,
        "version": v.number,
        "current": view.current == Some(v.number),
        "versions": view.versions,
        "dir": v.dir.display().to_string(),
        "metadata": v.metadata,
        "params": v.params,
        "state": v.state,
        "code": v.code,
    })
}

/// The `--json` document of `dana poet diff`.
pub fn diff_json(d: &VersionDiff) -> Value {
    json!({
        "function": d.function,
        "a": d.a,
        "b": d.b,
        "identical": d.is_empty(),
        "code_diff": d.code,
        "params_diff": d.params,
    })
}

/// The `--json` document of `dana poet gc`.
pub fn gc_json(dir: &PoetDir, report: &GcReport) -> Value {
    let mut v = serde_json::to_value(report).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("dir".into(), dir.root().display().to_string().into());
    }
    v
}

// ---- dana poet events ----------------------------------------------------------------------

/// One line of `dana poet events`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EventRow {
    /// RFC 3339 UTC with milliseconds.
    pub time: String,
    pub kind: String,
    /// `payload.function_name`, or `-`.
    pub function: String,
    /// `payload.status` (with `(fallback)` when the fallback answered), else `rating N`, else
    /// `vN` of `payload.version`, else `vA -> vB` of `payload.from` and `payload.to`, else `-`.
    pub status: String,
    pub id: String,
}

/// The events of the store that match `filter` (both `pending/` and `processed/`), oldest
/// first, with the damage met while reading. A store without events gives none.
pub fn events(dir: &PoetDir, filter: &EventFilter) -> Result<EventScan, EventError> {
    filter.check()?;
    EventQueue::open(dir.root())?.scan(filter)
}

/// A watcher of the store's events that match `filter`: its first poll gives all of them,
/// later polls what arrived since (see [`EventQueue::follow`]).
pub fn follow_events(dir: &PoetDir, filter: &EventFilter) -> Result<EventFollower, EventError> {
    filter.check()?;
    Ok(EventQueue::open(dir.root())?.follow(filter.clone()))
}

/// Milliseconds since the Unix epoch as RFC 3339 UTC, `2026-11-26T15:48:32.123Z`.
pub(crate) fn event_time(ms: i64) -> String {
    let secs = crate::store::rfc3339_from_unix(ms.div_euclid(1000));
    let base = secs.strip_suffix('Z').unwrap_or(&secs);
    format!("{base}.{:03}Z", ms.rem_euclid(1000))
}

pub fn event_row(e: &Event) -> EventRow {
    let p = &e.payload;
    let status = if let Some(s) = p.get("status").and_then(Value::as_str) {
        if p.get("fallback_used").and_then(Value::as_bool) == Some(true) {
            format!("{s} (fallback)")
        } else {
            s.to_string()
        }
    } else if let Some(r) = p.get("rating").filter(|r| r.is_number()) {
        format!("rating {r}")
    } else if let Some(v) = p.get("version").and_then(Value::as_u64) {
        format!("v{v}")
    } else if let (Some(from), Some(to)) = (
        p.get("from").and_then(Value::as_u64),
        p.get("to").and_then(Value::as_u64),
    ) {
        format!("v{from} -> v{to}")
    } else {
        "-".to_string()
    };
    EventRow {
        time: event_time(e.timestamp),
        kind: e.kind.clone(),
        function: e.function_name().unwrap_or("-").to_string(),
        status,
        id: e.id.clone(),
    }
}
