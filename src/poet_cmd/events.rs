//! `dana poet events`: the local event log (with `--follow`), or the shared stream of the
//! redis backend, as aligned lines or JSON lines.

use super::fleet;
use super::table::emit;
use dana_poet::admin;
use dana_poet::events::{Event, EventFilter};
use dana_poet::store::PoetDir;
use std::collections::HashSet;
use std::io::Write as _;
use std::time::Duration;

/// How often `dana poet events --follow` looks for new events.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(200);

/// `dana poet events`: prints the matching events, then with `follow` keeps printing new ones
/// until interrupted or until stdout is closed. Exit code 1 on an error.
pub(super) fn run_events(dir: &PoetDir, filter: &EventFilter, follow: bool, json: bool) -> i32 {
    let mut follower = match admin::follow_events(dir, filter) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let mut warned: HashSet<String> = HashSet::new();
    let mut first = true;
    loop {
        let polled = match follower.poll() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        };
        for d in &polled.damage {
            if warned.insert(d.to_string()) {
                eprintln!("warning: {d}");
            }
        }
        let mut text = String::new();
        if first && polled.events.is_empty() && !follow && !json {
            let what = if filter.function.is_some() || filter.kind.is_some() {
                "no matching events"
            } else {
                "no events"
            };
            text = format!("{what} in {}\n", dir.root().join("events").display());
        } else if !polled.events.is_empty() {
            text = render_events(&polled.events, json, first);
        }
        if !polled.events.is_empty() {
            first = false;
        }
        if !text.is_empty() {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                // The reader has gone (`dana poet events --follow | head`).
                return 0;
            }
        }
        if !follow {
            return 0;
        }
        std::thread::sleep(FOLLOW_INTERVAL);
    }
}

/// `dana poet events --backend redis`: the shared stream's matching events.
pub(super) fn run_shared_events(
    f: &dana_poet::fleet::Fleet,
    filter: &EventFilter,
    follow: bool,
    json: bool,
) -> i32 {
    if follow {
        eprintln!("error: --follow reads the local queue; with the redis backend, run it without --follow");
        return crate::runner::EXIT_USAGE;
    }
    if let Err(e) = filter.check() {
        eprintln!("error: {e}");
        return crate::runner::EXIT_USAGE;
    }
    match fleet::events(f) {
        Ok(all) => {
            let events: Vec<Event> = all.into_iter().filter(|e| filter.matches(e)).collect();
            if events.is_empty() && !json {
                emit(&format!(
                    "no events in the stream {} of {}\n",
                    f.stream_key(),
                    f.config_url()
                ));
            } else {
                emit(&render_events(&events, json, true));
            }
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// Event columns have fixed widths, so the lines printed by `--follow` over time align.
fn render_events(events: &[Event], json: bool, header: bool) -> String {
    let mut out = String::new();
    if json {
        for e in events {
            out.push_str(&e.to_json());
            out.push('\n');
        }
        return out;
    }
    let line = |out: &mut String, cells: [&str; 5]| {
        let [time, kind, function, status, id] = cells;
        let l = format!("{time:<24}  {kind:<21}  {function:<20}  {status:<18}  {id}");
        out.push_str(l.trim_end());
        out.push('\n');
    };
    if header {
        line(&mut out, ["TIME", "TYPE", "FUNCTION", "STATUS", "ID"]);
    }
    for e in events {
        let r = admin::event_row(e);
        line(&mut out, [&r.time, &r.kind, &r.function, &r.status, &r.id]);
    }
    out
}
