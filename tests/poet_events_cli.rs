//! `dana poet events` against queues written with the event API: the table, filters, JSON
//! lines, damage warnings, mistakes, and `--follow` picking up an event written meanwhile.

use dana_poet::admin::serde_json::{self, json, Value};
use dana_poet::events::{new_id, Event, EventQueue};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[path = "support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;

fn dana(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dana"))
        .arg("poet")
        .args(args)
        .arg("--dir")
        .arg(dir)
        .env_remove("DANA_POET_DIR")
        .output()
        .expect("run dana")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn execution(function: &str, status: &str, fallback: bool) -> Event {
    Event::new(
        "function.execution",
        None,
        None,
        json!({
            "function_name": function,
            "version": 2,
            "execution_id": new_id(),
            "status": status,
            "fallback_used": fallback,
            "metrics": {"duration_ms": 2.0, "memory_mb": 8.0, "cpu_percent": 1.0},
        }),
    )
}

/// Four events of two functions; the first one already processed.
fn build(dir: &Path) -> Vec<Event> {
    let q = EventQueue::open(dir).expect("open");
    let a = execution("detect_drift", "success", false);
    let b = execution("score", "failure", true);
    let fb = Event::new(
        "function.feedback",
        Some(&a.correlation_id),
        Some(&a.id),
        json!({"function_name": "detect_drift", "execution_id": a.payload["execution_id"], "rating": 2, "feedback_type": "user"}),
    );
    let promoted = Event::new(
        "version.promoted",
        None,
        None,
        json!({"function_name": "detect_drift", "version": 3}),
    );
    let all = vec![a, b, fb, promoted];
    q.emit_batch(&all).expect("emit");
    q.mark_processed(std::slice::from_ref(&all[0].id))
        .expect("mark");
    all
}

#[test]
fn lists_events_oldest_first_as_a_table() {
    let tmp = TempDir::new("table");
    let events = build(&tmp.poet());
    let out = dana(&tmp.poet(), &["events"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    for col in ["TIME", "TYPE", "FUNCTION", "STATUS", "ID"] {
        assert!(lines[0].contains(col), "{}", lines[0]);
    }
    let expected = [
        ("function.execution", "detect_drift", "success"),
        ("function.execution", "score", "failure (fallback)"),
        ("function.feedback", "detect_drift", "rating 2"),
        ("version.promoted", "detect_drift", "v3"),
    ];
    for ((line, e), (kind, function, status)) in lines[1..].iter().zip(&events).zip(expected) {
        assert!(line.ends_with(&e.id), "{line}");
        assert!(line.contains(kind) && line.contains(function), "{line}");
        assert!(line.contains(status), "{line}");
        // RFC 3339 with milliseconds, UTC.
        let time = line.split_whitespace().next().expect("time");
        assert_eq!(time.len(), 24, "{time}");
        assert!(time.ends_with('Z') && time.as_bytes()[19] == b'.', "{time}");
    }
    // The columns line up.
    let id_col = lines[0].find("ID").expect("ID");
    for line in &lines[1..] {
        assert_eq!(line.len() - 36, id_col, "{line}");
    }
}

#[test]
fn filters_by_function_and_type() {
    let tmp = TempDir::new("filter");
    let events = build(&tmp.poet());
    let rows = |args: &[&str]| -> Vec<String> {
        let out = dana(&tmp.poet(), args);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .skip(1)
            .map(|l| l.rsplit(' ').next().unwrap_or("").to_string())
            .collect()
    };
    let id = |i: usize| events[i].id.clone();
    assert_eq!(rows(&["events", "--function", "score"]), vec![id(1)]);
    assert_eq!(
        rows(&["events", "--type", "function.execution"]),
        vec![id(0), id(1)]
    );
    assert_eq!(rows(&["events", "--type", "version.*"]), vec![id(3)]);
    assert_eq!(
        rows(&[
            "events",
            "--function",
            "detect_drift",
            "--type",
            "function.feedback"
        ]),
        vec![id(2)]
    );
    let none = dana(&tmp.poet(), &["events", "--function", "nobody"]);
    assert!(none.status.success());
    assert!(
        stdout(&none).starts_with("no matching events in "),
        "{}",
        stdout(&none)
    );
}

#[test]
fn json_lines_are_the_envelopes() {
    let tmp = TempDir::new("json");
    let events = build(&tmp.poet());
    let out = dana(&tmp.poet(), &["events", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let parsed: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(parsed.len(), 4);
    for (v, e) in parsed.iter().zip(&events) {
        assert_eq!(v, &serde_json::to_value(e).expect("value"));
        assert_eq!(v["metadata"]["service"], "dana");
    }
    // No events: no lines, still success.
    let empty = TempDir::new("json-empty");
    let out = dana(&empty.poet(), &["events", "--json"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
}

#[test]
fn mistakes_and_damage_are_reported() {
    let tmp = TempDir::new("mistakes");
    let out = dana(&tmp.poet(), &["events"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).starts_with("no events in "),
        "{}",
        stdout(&out)
    );

    let out = dana(&tmp.poet(), &["events", "--type", "function.feedbak"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("unknown event type \"function.feedbak\"")
            && err.contains("did you mean \"function.feedback\"")
            && err.contains("version.rolled_back"),
        "{err}"
    );

    // A damaged record between good ones: skipped with a warning, the rest listed.
    let events = build(&tmp.poet());
    let pending = tmp.poet().join("events/pending");
    let segment = fs::read_dir(&pending)
        .expect("pending")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("a segment");
    let text = fs::read_to_string(&segment).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = lines[2].replacen("rating", "ratinG", 1);
    fs::write(&segment, lines.join("\n") + "\n").expect("write");
    let out = dana(&tmp.poet(), &["events"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: ") && stderr(&out).contains("checksum mismatch"),
        "{}",
        stderr(&out)
    );
    let shown = stdout(&out);
    assert_eq!(shown.lines().count(), 4, "{shown}");
    assert!(!shown.contains(&events[2].id), "{shown}");
}

#[test]
fn follow_prints_events_as_they_arrive() {
    let tmp = TempDir::new("follow");
    let dir = tmp.poet();
    build(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_dana"))
        .args([
            "poet",
            "events",
            "--follow",
            "--type",
            "function.*",
            "--dir",
        ])
        .arg(&dir)
        .env_remove("DANA_POET_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| -> String {
        rx.recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no {what} within 10 s"))
    };
    assert!(next("header").starts_with("TIME"));
    for _ in 0..3 {
        next("existing event");
    }
    // A new event from another writer, and one the filter excludes.
    let q = EventQueue::open(&dir).expect("open");
    let skipped = Event::new(
        "version.rolled_back",
        None,
        None,
        json!({"function_name": "score", "version": 1}),
    );
    let fresh = execution("late", "success", false);
    q.emit(&skipped).expect("emit");
    let started = Instant::now();
    q.emit(&fresh).expect("emit");
    let line = next("new event");
    assert!(line.ends_with(&fresh.id), "{line}");
    assert!(line.contains("late"), "{line}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let _ = child.kill();
    let _ = child.wait();
    drop(rx);
    let _ = reader.join();
}
