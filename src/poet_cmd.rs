//! `dana poet`: inspect and repair the POET version store (POET_SPEC §5, §9).
//!
//! The work happens in `dana_poet::admin`; this module parses the arguments and renders the
//! results as aligned tables for people, or one JSON document with `--json`.
//! Exit codes: 0 ok, 1 a store error (message on stderr), 2 usage (from clap).
//!
//! Its children: `events.rs` (`events`: the local log or the shared stream), `fleet.rs` (`--backend redis`, `push`, `pull`: fleet mode), `learning.rs`
//! (`stats`, `regenerate`, `feedback`: the learning loop), `worker.rs` (`worker`: the consumer
//! of the event queue) and `table.rs` (the aligned tables they render with).

mod events;
mod fleet;
mod learning;
mod table;
mod worker;

use clap::{Args, Subcommand};
use dana_poet::admin::{
    self,
    serde_json::{self, json, Value},
    FunctionSummary, GcReport, VersionDiff, VersionView,
};
use dana_poet::events::{Event, EventFilter};
use dana_poet::store::{PoetDir, StoreError};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;
use table::{emit, table};

/// The help texts of `dana poet` itself are the doc comment of `Command::Poet` in main.rs.
#[derive(Args)]
pub struct PoetArgs {
    #[command(subcommand)]
    command: PoetCommand,
    /// The .poet directory to work on [default: $DANA_POET_DIR, else the .poet of the nearest
    /// folder upward holding dana.toml or .poet].
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Print one JSON document on stdout instead of a table (for scripts).
    #[arg(long, global = true)]
    json: bool,
    /// Where the versions live: `local` (the .poet directory) or `redis` (the shared store of
    /// fleet mode, read through the local one) [default: dana.toml [poet] backend, else
    /// $DANA_POET_BACKEND, else redis when $DANA_POET_REDIS_URL is set, else local].
    #[arg(long, global = true, value_name = "BACKEND", value_parser = ["local", "redis"])]
    backend: Option<String>,
}

#[derive(Subcommand)]
enum PoetCommand {
    /// List the functions with their current version, generator, domain and call counts.
    List,
    /// Show one version: its metadata, parameters and state, then its code.na.
    Show {
        /// The function: its directory name in the store (`f`, or `module.f`).
        function: String,
        /// The version to show (`3` or `v3`) [default: the current one].
        #[arg(long, value_name = "N", value_parser = parse_version)]
        version: Option<u32>,
    },
    /// Unified diff of code.na (and params.json when it differs) between two versions.
    Diff {
        /// The function: its directory name in the store (`f`, or `module.f`).
        function: String,
        /// The old version (`1` or `v1`).
        #[arg(value_parser = parse_version)]
        a: u32,
        /// The new version (`2` or `v2`).
        #[arg(value_parser = parse_version)]
        b: u32,
    },
    /// Make an earlier version current again.
    ///
    /// With --to, also repairs a damaged or dangling `current`. The target must load cleanly.
    Rollback {
        /// The function: its directory name in the store (`f`, or `module.f`).
        function: String,
        /// The version to make current (`2` or `v2`) [default: the current version's
        /// parent, else the newest earlier version that loads cleanly].
        #[arg(long, value_name = "N", value_parser = parse_version)]
        to: Option<u32>,
    },
    /// Remove surplus versions, leftovers of interrupted writes and old processed events.
    ///
    /// Prunes every function to 10 versions and 1 MiB (oldest first, never the current
    /// version or its parent), removes temporary entries of interrupted writes, and deletes
    /// files in events/processed/ and <function>/feedback/processed/ last modified before the
    /// retention; pending events are dropped only past the caps of `[poet.events]` in
    /// dana.toml (said with their count). Functions locked by a running program are
    /// skipped and reported.
    Gc {
        /// Keep processed events and feedback for this many days.
        #[arg(long, value_name = "DAYS", default_value_t = 30)]
        retention_days: u64,
    },
    /// Show the event log: executions, feedback, enhancements, version changes.
    ///
    /// Pending and processed events, oldest first, one per line: time (UTC), type, function,
    /// status (or rating, or version) and id. --json prints each event's JSON envelope on a
    /// line of its own (JSON lines). Damaged records are skipped with a warning on stderr.
    Events {
        /// Only the events of this function (`payload.function_name`).
        #[arg(long, value_name = "FN")]
        function: Option<String>,
        /// Only events of this type (`function.execution`, …), or of every type under a prefix
        /// written with a final `.*` (`enhancement.*`).
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Keep watching: print new events as they arrive (checked every 200 ms) until
        /// interrupted.
        #[arg(long)]
        follow: bool,
    },
    /// Per-version statistics: calls, failures, fallbacks, timeouts, latency, ratings and the
    /// parameters each version learned.
    Stats {
        /// The function: its directory name in the store (`f`, or `module.f`).
        function: String,
    },
    /// Copy the local store (versions, current, pending events) into the shared Redis store.
    ///
    /// Idempotent: versions already there are left alone; a different version under the same
    /// number is reported and not overwritten.
    Push,
    /// Copy the shared Redis store (versions and current) into the local store.
    ///
    /// Idempotent, like push.
    Pull,
    /// Ask for a new version: the function's next call in a running program makes it (from
    /// the LLM with the evidence, or by offline re-tuning), replays the recorded inputs and
    /// promotes it.
    Regenerate {
        /// The function: its directory name in the store (`f`, or `module.f`).
        function: String,
    },
    /// Rate an execution: a `function.feedback` event linked to it, counted by the learning
    /// loop.
    Feedback {
        /// The function: its directory name in the store (`f`, or `module.f`).
        function: String,
        /// The execution to rate [default: the function's latest recorded execution].
        #[arg(long, value_name = "ID")]
        execution: Option<String>,
        /// From 1 (bad) to 5 (good).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
        rating: u8,
        /// What was wrong or right.
        #[arg(long, default_value = "")]
        comment: String,
    },

    /// Consume the event queue: feed pending events to the learning loop and move them to
    /// events/processed/.
    ///
    /// Batches are taken under the queue's consumer lock, so two workers never handle the same
    /// event, and moved only once handled: a worker killed mid-batch leaves it pending for the
    /// next one. The worker folds executions and feedback into each function's evidence,
    /// rolls back a promoted version that does worse than its parent, promotes re-tuned
    /// timeouts and retries, and asks programs (`[poet] worker = true` in dana.toml) for a
    /// regeneration when new code is needed. Ctrl-C stops it after the current batch.
    ///
    /// With the redis backend it consumes the shared event stream instead, in a consumer
    /// group: feedback given on any replica reaches the learning loop once, the evidence is
    /// shared by every worker, and a dead worker's unacknowledged events are taken over.
    Worker {
        /// Drain what is pending, print a summary and exit.
        #[arg(long)]
        once: bool,
        /// Seconds between polls while nothing is pending.
        #[arg(long, value_name = "SECONDS", default_value_t = 1.0, value_parser = parse_interval)]
        interval: f64,
        /// Events per batch.
        #[arg(long, value_name = "N", default_value_t = dana_poet::learn::DEFAULT_BATCH)]
        batch: usize,
        /// With the redis backend: events another worker read and did not acknowledge for
        /// this many seconds (a worker that died) are taken over.
        #[arg(long, value_name = "SECONDS", default_value_t = 60.0, value_parser = parse_interval)]
        claim_idle: f64,
    },
}

/// A poll interval: seconds from 0.01 to 3600.
fn parse_interval(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.01..=3600.0).contains(&x) => Ok(x),
        _ => Err(format!(
            "`{s}` is not a number of seconds from 0.01 to 3600"
        )),
    }
}

/// `3` or `v3`.
fn parse_version(s: &str) -> Result<u32, String> {
    let digits = s.strip_prefix('v').unwrap_or(s);
    match digits.parse::<u32>() {
        Ok(n) if n > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "`{s}` is not a version: expected a number from 1 up, like 3 or v3"
        )),
    }
}

/// Runs `dana poet …`; returns the exit code.
pub fn run(args: PoetArgs) -> i32 {
    let dir = match args.dir.clone().map(Ok).unwrap_or_else(default_dir) {
        Ok(d) => PoetDir::new(d),
        Err(e) => {
            eprintln!("error: {e}");
            return crate::runner::EXIT_USAGE;
        }
    };
    let shared = match fleet::connect(args.backend.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    if let PoetCommand::Events {
        function,
        kind,
        follow,
    } = &args.command
    {
        let filter = EventFilter {
            function: function.clone(),
            kind: kind.clone(),
            correlation_id: None,
        };
        if let Some(f) = &shared {
            return events::run_shared_events(f, &filter, *follow, args.json);
        }
        return events::run_events(&dir, &filter, *follow, args.json);
    }
    if let PoetCommand::Worker {
        once,
        interval,
        batch,
        claim_idle,
    } = &args.command
    {
        let options = worker::WorkerOptions {
            once: *once,
            interval: Duration::from_secs_f64(*interval),
            batch: *batch,
            json: args.json,
            claim_idle: Duration::from_secs_f64(*claim_idle),
        };
        return worker::run(&dir, &options, shared.as_ref());
    }
    let up = matches!(args.command, PoetCommand::Push);
    if up || matches!(args.command, PoetCommand::Pull) {
        let r = fleet::require(args.backend.as_deref())
            .and_then(|f| fleet::sync(&f, &dir, up, args.json));
        return match r {
            Ok(text) => {
                emit(&text);
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        };
    }
    if let Some(f) = &shared {
        let reads = matches!(
            args.command,
            PoetCommand::List
                | PoetCommand::Show { .. }
                | PoetCommand::Diff { .. }
                | PoetCommand::Stats { .. }
                | PoetCommand::Rollback { .. }
        );
        if reads {
            if let Err(e) = fleet::refresh(f, &dir) {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
    let fleet_events = match (&shared, &args.command) {
        (Some(f), PoetCommand::Stats { .. }) => Some(fleet::events(f)),
        _ => None,
    };
    let outcome = execute(&dir, &args, fleet_events.as_ref());
    if let (Some(f), PoetCommand::Feedback { .. }, Ok((_, 0))) = (&shared, &args.command, &outcome)
    {
        // The rating reaches the workers of the fleet through the shared stream.
        if let Err(e) = fleet::forward(f, &dir) {
            eprintln!(
                "warning: {e}; the feedback stays in the local spool (`dana poet push` sends it)"
            );
        }
    }
    if let (Some(f), PoetCommand::Rollback { function, .. }, Ok(_)) =
        (&shared, &args.command, &outcome)
    {
        let to = dir
            .function(function)
            .ok()
            .and_then(|s| s.current().ok().flatten());
        if let Some(to) = to {
            if let Err(e) = fleet::publish_rollback(f, function, to) {
                eprintln!("error: the local store rolled back, the shared one did not: {e}");
                return 1;
            }
        }
    }
    match outcome {
        Ok((text, code)) => {
            emit(&text);
            code
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// The store without `--dir`: `$DANA_POET_DIR`, else the `.poet` of the project found from the
/// working folder as `dana run` finds it ([`dana_llm::project`]); an error that says where it
/// looked when no folder there holds `dana.toml` or `.poet`.
fn default_dir() -> Result<PathBuf, String> {
    if let Some(d) = std::env::var_os("DANA_POET_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let here = dana_llm::project::start_folder();
    match dana_llm::project::find_anchor(&here) {
        // In the project's folder itself the store is shown as `.poet`.
        Some(dir) if std::fs::canonicalize(".").is_ok_and(|cwd| cwd == dir) => {
            Ok(PathBuf::from(".poet"))
        }
        Some(dir) => Ok(dir.join(".poet")),
        None => {
            let looked: Vec<String> = dana_llm::project::searched(&here)
                .iter()
                .map(|d| d.display().to_string())
                .collect();
            Err(format!(
                "no Dana project here: none of these folders holds a dana.toml or a .poet \
                 store: {}\n  help: run `dana poet` in the project's folder (where `dana run` \
                 made .poet), or give --dir PATH or $DANA_POET_DIR",
                looked.join(", ")
            ))
        }
    }
}

fn json_text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

/// The text for stdout and the exit code.
///
/// `fleet_events`: with the redis backend, the shared stream's events (for `stats`).
fn execute(
    dir: &PoetDir,
    args: &PoetArgs,
    fleet_events: Option<&Result<Vec<Event>, String>>,
) -> Result<(String, i32), StoreError> {
    let json = args.json;
    let text = match &args.command {
        PoetCommand::List => {
            let functions = admin::list(dir)?;
            if json {
                json_text(&admin::summary_json(dir, &functions))
            } else {
                render_list(dir, &functions)
            }
        }
        PoetCommand::Show { function, version } => {
            let view = admin::inspect(dir, function, *version)?;
            if json {
                json_text(&admin::version_json(&view))
            } else {
                render_show(&view)
            }
        }
        PoetCommand::Diff { function, a, b } => {
            let d = admin::diff_versions(dir, function, *a, *b)?;
            if json {
                json_text(&admin::diff_json(&d))
            } else {
                render_diff(&d)
            }
        }
        PoetCommand::Rollback { function, to } => {
            let (from, to) = admin::rollback(dir, function, *to)?;
            if json {
                json_text(&json!({"function": function, "from": from, "to": to}))
            } else {
                match from {
                    Some(f) if f == to => format!("{function} is already at v{to}\n"),
                    Some(f) => format!("rolled back {function}: v{f} -> v{to}\n"),
                    None => format!(
                        "{function}: current is now v{to} (there was no valid current version)\n"
                    ),
                }
            }
        }
        PoetCommand::Gc { retention_days } => {
            let retention = Duration::from_secs(retention_days.saturating_mul(24 * 60 * 60));
            let report = admin::gc(dir, retention)?;
            let text = if json {
                json_text(&admin::gc_json(dir, &report))
            } else {
                render_gc(dir, &report)
            };
            if report.pending_dropped > 0 {
                eprintln!(
                    "warning: {} pending POET event(s) were dropped: events/pending/ was past its caps",
                    report.pending_dropped
                );
            }
            if !report.errors.is_empty() {
                for e in &report.errors {
                    eprintln!("error: {e}");
                }
                return Ok((text, 1));
            }
            text
        }
        // Stream their output (with --follow) or talk to Redis, so `run` handles them before
        // coming here.
        PoetCommand::Events { .. }
        | PoetCommand::Worker { .. }
        | PoetCommand::Push
        | PoetCommand::Pull => String::new(),
        PoetCommand::Stats { function } => {
            let shared = match fleet_events {
                Some(Err(e)) => return Ok(learning(Err(e.clone()))),
                Some(Ok(events)) => Some(events.as_slice()),
                None => None,
            };
            return Ok(learning(learning::stats(dir, function, json, shared)));
        }
        PoetCommand::Regenerate { function } => {
            return Ok(learning(learning::regenerate(dir, function, json)))
        }
        PoetCommand::Feedback {
            function,
            execution,
            rating,
            comment,
        } => {
            return Ok(learning(learning::feedback(
                dir,
                function,
                execution.as_deref(),
                *rating,
                comment,
                json,
            )))
        }
    };
    Ok((text, 0))
}

/// The output of a learning command, or its error on stderr with exit code 1.
fn learning(r: Result<String, String>) -> (String, i32) {
    match r {
        Ok(text) => (text, 0),
        Err(e) => {
            eprintln!("error: {e}");
            (String::new(), 1)
        }
    }
}

fn version_list(versions: &[u32]) -> String {
    match versions {
        [] => "-".to_string(),
        [only] => format!("v{only}"),
        [first, .., last] if last.saturating_sub(*first) as usize + 1 == versions.len() => {
            format!("v{first}..v{last}")
        }
        _ => versions
            .iter()
            .map(|v| format!("v{v}"))
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn render_list(dir: &PoetDir, functions: &[FunctionSummary]) -> String {
    if functions.is_empty() {
        return format!("no POET functions in {}\n", dir.root().display());
    }
    let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".to_string());
    let rows: Vec<Vec<String>> = functions
        .iter()
        .map(|f| {
            vec![
                f.name.clone(),
                f.current.map_or("-".to_string(), |c| format!("v{c}")),
                version_list(&f.versions),
                dash(&f.generator),
                dash(&f.domain),
                dash(&f.created_at),
                f.calls.to_string(),
                f.failures.to_string(),
                if f.damaged.is_some() { "damaged" } else { "ok" }.to_string(),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "FUNCTION",
            "CURRENT",
            "VERSIONS",
            "GENERATOR",
            "DOMAIN",
            "CREATED",
            "CALLS",
            "FAILURES",
            "STATUS",
        ],
        &rows,
    );
    let damaged: Vec<&FunctionSummary> = functions.iter().filter(|f| f.damaged.is_some()).collect();
    if !damaged.is_empty() {
        out.push('\n');
        for f in damaged {
            let _ = writeln!(out, "{}: {}", f.name, dash(&f.damaged));
        }
    }
    out
}

/// A one-line JSON rendering, shortened when long (the full value is in `--json`).
fn compact(v: &Value) -> String {
    const LIMIT: usize = 200;
    let s = v.to_string();
    if s.chars().count() <= LIMIT {
        return s;
    }
    let short: String = s.chars().take(LIMIT).collect();
    format!("{short}… ({} bytes; --json shows all)", s.len())
}

/// What judged the version (POET_SPEC §4) and on how many inputs and examples: `original (9
/// inputs, 2 recorded; 1 example)`, or the note of an offline version instead of the inputs;
/// `-` for a version stored before the trial recorded it.
fn oracle_line(validation: &Value) -> String {
    let Some(oracle) = validation.get("oracle").and_then(Value::as_str) else {
        return "-".into();
    };
    let trial = &validation["trial"];
    let count = |v: &Value| v.as_array().map_or(0, Vec::len);
    let inputs = count(&trial["inputs"]);
    let recorded = trial["recorded_inputs"].as_u64().unwrap_or(0);
    let examples = trial["examples"]["checked"].as_u64().unwrap_or(0);
    let s = |n: u64| if n == 1 { "" } else { "s" };
    let mut out = match trial["note"].as_str() {
        Some(note) => format!("{oracle} ({note}"),
        None => format!("{oracle} ({inputs} input{}", s(inputs as u64)),
    };
    if recorded > 0 {
        out.push_str(&format!(", {recorded} recorded"));
    }
    out.push_str(&format!("; {examples} example{})", s(examples)));
    out
}

fn render_show(view: &VersionView) -> String {
    let v = &view.version;
    let m = &v.metadata;
    let mut out = String::new();
    let marker = if view.current == Some(v.number) {
        " (current)"
    } else {
        ""
    };
    let rows = [
        ("function", view.function.clone()),
        ("version", format!("v{}{marker}", v.number)),
        ("versions", version_list(&view.versions)),
        ("created", m.created_at.clone()),
        ("generator", m.generator.clone()),
        (
            "domain",
            format!("{} (template v{})", m.domain, m.template_version),
        ),
        (
            "parent",
            m.parent.map_or("-".to_string(), |p| format!("v{p}")),
        ),
        ("reason", m.reason.clone()),
        ("source hash", m.source_hash.clone()),
        ("cache key", m.cache_key.clone()),
        ("oracle", oracle_line(&m.validation)),
        ("validation", compact(&m.validation)),
        ("params", compact(&v.params)),
        ("state", compact(&v.state)),
        ("path", v.dir.display().to_string()),
    ];
    for (k, val) in rows {
        let _ = writeln!(out, "{:<12} {val}", format!("{k}:"));
    }
    let _ = writeln!(out, "\n--- code.na ---");
    out.push_str(&v.code);
    if !v.code.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn render_diff(d: &VersionDiff) -> String {
    if d.is_empty() {
        format!(
            "{}: v{} and v{} have the same code.na and params.json\n",
            d.function, d.a, d.b
        )
    } else {
        d.text()
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    format!("{value:.1} {unit}")
}

fn render_gc(dir: &PoetDir, r: &GcReport) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut out = format!(
        "gc {}: {} checked; removed {}, {}, {}, {}; freed {}\n",
        dir.root().display(),
        plural(r.functions, "function", "functions"),
        plural(r.versions_removed.len(), "version", "versions"),
        plural(r.temp_removed, "temporary entry", "temporary entries"),
        plural(r.events_removed, "processed event", "processed events"),
        plural(r.feedback_removed, "feedback file", "feedback files"),
        human_bytes(r.bytes_freed),
    );
    if r.pending_dropped > 0 {
        let _ = writeln!(
            out,
            "  dropped {} past the caps of [poet.events] (no worker consumed them)",
            plural(r.pending_dropped, "pending event", "pending events")
        );
    }
    for v in &r.versions_removed {
        let _ = writeln!(out, "  removed {}/v{}", v.function, v.version);
    }
    for s in &r.skipped {
        let _ = writeln!(out, "  skipped {s}: locked by a running program");
    }
    for s in &r.foreign {
        let _ = writeln!(
            out,
            "  left alone {s}: it holds files POET never writes (see the errors)"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_with_or_without_v() {
        assert_eq!(parse_version("3"), Ok(3));
        assert_eq!(parse_version("v12"), Ok(12));
        for bad in ["", "v", "0", "v0", "-1", "+1", "x3", "v3x", "99999999999"] {
            assert!(parse_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn version_ranges_and_tables() {
        assert_eq!(version_list(&[]), "-");
        assert_eq!(version_list(&[4]), "v4");
        assert_eq!(version_list(&[3, 4, 5]), "v3..v5");
        assert_eq!(version_list(&[1, 3]), "v1,v3");
        assert_eq!(human_bytes(10), "10 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 20), "3.0 MiB");
    }
}
