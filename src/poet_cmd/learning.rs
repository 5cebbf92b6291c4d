//! `dana poet stats | regenerate | feedback`: the learning loop from the command line
//! (POET_SPEC §6, §9). The data comes from `dana_poet::learn` and the event queue; this module
//! renders it.

use dana_poet::admin::serde_json::{self, json, Value};
use dana_poet::events::{EventFilter, EventQueue};
use dana_poet::learn;
use dana_poet::learn::FeedbackRecord;
use dana_poet::store::PoetDir;
use std::fmt::Write as _;

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.digits$}"))
}

/// Per-version statistics of a function.
/// `fleet_events`: the shared stream's events (the redis backend), counted instead of this
/// replica's `state.json`.
pub(crate) fn stats(
    dir: &PoetDir,
    function: &str,
    as_json: bool,
    fleet_events: Option<&[dana_poet::events::Event]>,
) -> Result<String, String> {
    let rows = match fleet_events {
        Some(events) => learn::stats_from_events(dir, function, events)?,
        None => learn::stats(dir, function)?,
    };
    if as_json {
        let v = serde_json::to_value(&rows).map_err(|e| e.to_string())?;
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ));
    }
    let header = [
        "VERSION",
        "GENERATOR",
        "CALLS",
        "FAILURES",
        "FALLBACKS",
        "TIMEOUTS",
        "P50 MS",
        "P95 MS",
        "RATINGS",
        "MEAN",
        "LOW-RATED",
        "LEARNED",
    ];
    let mut table: Vec<Vec<String>> = vec![Vec::new()];
    for r in &rows {
        let learned = match r.learned.as_object() {
            Some(o) => {
                let mut parts = Vec::new();
                if let Some(d) = o.get("defaults").and_then(Value::as_object) {
                    for (k, v) in d {
                        parts.push(format!("{k}={v}"));
                    }
                }
                for k in ["timeout", "retries"] {
                    if let Some(v) = o.get(k).filter(|v| !v.is_null()) {
                        parts.push(format!("{k}={v}"));
                    }
                }
                if parts.is_empty() {
                    "-".to_string()
                } else {
                    parts.join(" ")
                }
            }
            None => "-".to_string(),
        };
        table.push(vec![
            format!("v{}{}", r.version, if r.current { "*" } else { "" }),
            r.generator.clone(),
            r.calls.to_string(),
            r.failures.to_string(),
            r.fallbacks.to_string(),
            r.timeouts.to_string(),
            num(r.p50_ms, 2),
            num(r.p95_ms, 2),
            r.ratings.to_string(),
            num(r.mean_rating, 1),
            r.low_rated
                .map_or_else(|| "-".into(), |x| format!("{:.0}%", x * 100.0)),
            learned,
        ]);
    }
    let mut out = super::table::table(&header, &table[1..]);
    if fleet_events.is_some() {
        let _ = writeln!(
            out,
            "(* current; every replica's calls and ratings in the shared event stream; \
             LOW-RATED: share of rated calls rated 1 or 2)"
        );
        return Ok(out);
    }
    let _ = writeln!(
        out,
        "(* current; latencies and ratings over the latest {} recorded calls of each version; \
         LOW-RATED: share of rated calls rated 1 or 2)",
        learn::MAX_RECORDS
    );
    Ok(out)
}

/// Asks for a new version at the function's next call.
pub(crate) fn regenerate(dir: &PoetDir, function: &str, as_json: bool) -> Result<String, String> {
    let v = learn::request_regeneration(dir, function)?;
    if as_json {
        return Ok(format!(
            "{}\n",
            json!({"function": function, "version": v, "regenerate_requested": true})
        ));
    }
    Ok(format!(
        "{function}: regeneration requested (current v{v}); the next call of {function} in a \
         running program makes the new version\n"
    ))
}

/// Rates an execution (`--execution ID`, else the function's latest recorded one): a
/// `function.feedback` event, and the rating on the execution's record for the learning loop.
pub(crate) fn feedback(
    dir: &PoetDir,
    function: &str,
    execution: Option<&str>,
    rating: u8,
    comment: &str,
    as_json: bool,
) -> Result<String, String> {
    if !(1..=5).contains(&rating) {
        return Err(format!("--rating is from 1 to 5, got {rating}"));
    }
    // Checked before the event is written, so a refused store gets nothing at all.
    dir.check_marker().map_err(|e| e.to_string())?;
    let queue = EventQueue::open(dir.root()).map_err(|e| e.to_string())?;
    let mut filter = EventFilter::default()
        .kind("function.execution")
        .function(function);
    if let Some(id) = execution {
        filter = filter.correlation(id);
    }
    let executions = queue.all(&filter).map_err(|e| e.to_string())?;
    let Some(exec) = executions.last() else {
        return Err(match execution {
            Some(id) => format!(
                "no execution {id} of {function} in {}",
                dir.root().display()
            ),
            None => format!(
                "no recorded execution of {function} in {} (run the program with train=True first)",
                dir.root().display()
            ),
        });
    };
    let exec_id = exec.correlation_id.clone();
    let e = FeedbackRecord {
        function_name: function.to_string(),
        version: exec
            .payload
            .get("version")
            .and_then(Value::as_u64)
            .map(|v| v as u32),
        execution_id: exec_id.clone(),
        execution_event: Some(exec.id.clone()),
        kind: "user".into(),
        rating: Some(i64::from(rating)),
        comment: comment.to_string(),
        suggestions: Value::Null,
        regenerate: false,
    }
    .to_event();
    queue.emit(&e).map_err(|e| e.to_string())?;
    let recorded = learn::rate_recorded_execution(dir, function, &exec_id, i64::from(rating))?;
    if as_json {
        return Ok(format!(
            "{}\n",
            json!({"event_id": e.id, "execution_id": exec_id, "recorded": recorded})
        ));
    }
    Ok(format!(
        "feedback {} on execution {exec_id} of {function} (rating {rating}){}\n",
        e.id,
        if recorded {
            ""
        } else {
            "; the execution is not among the current version's recorded calls, so only the event keeps it"
        }
    ))
}
