//! `dana poet worker` and the events of programs: the worker consumes pending events and moves
//! them to processed/, runs the learning loop for programs in worker mode, loses nothing when
//! killed mid-batch, never handles an event twice when two run at once; the events of a
//! program are all on disk when it exits normally or panics, two programs emitting at once
//! leave no damage, and a bounded pending/ warns and is trimmed by gc.

use dana_interpreter::check::serde_json::{self, Value};
use dana_poet::events::{new_id, Event, EventFilter, EventQueue};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[path = "support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;

fn dana(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dana"));
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DANA_POET_DIR")
        .env_remove("DANA_LLM_BASE_URL")
        .env_remove("DANA_LLM_PROVIDER")
        .env_remove("DANA_MOCK_LLM")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY");
    c
}

fn run(dir: &Path, file: &str, src: &str) -> Output {
    std::fs::write(dir.join(file), src).unwrap();
    dana(dir).args(["run", file]).output().unwrap()
}

fn poet(dir: &Path, args: &[&str]) -> Output {
    dana(dir)
        .arg("poet")
        .args(args)
        .arg("--dir")
        .arg(dir.join(".poet"))
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn queue(dir: &Path) -> EventQueue {
    EventQueue::open(&dir.join(".poet")).unwrap()
}

fn of_kind(events: &[Event], kind: &str) -> usize {
    events.iter().filter(|e| e.kind == kind).count()
}

const CALLS: &str = r#"
@poet()
def inc(x: int) -> int:
    return x + 1

t = 0
for i in range(40):
    t = inc(t)
print(t)
"#;

#[test]
fn worker_consumes_pending_events_and_moves_them_to_processed() {
    let d = TempDir::new("worker-consume");
    let out = run(&d.0, "calls.na", CALLS);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "40\n");
    // Every event of a normal exit is on disk, and nothing consumed them yet.
    let q = queue(&d.0);
    let pending = q.pending().unwrap();
    assert_eq!(of_kind(&pending, "function.execution"), 40);
    assert!(q.processed().unwrap().is_empty());

    let w = poet(&d.0, &["worker", "--once", "--json"]);
    assert!(w.status.success(), "{}", text(&w.stderr));
    let report: Value = serde_json::from_slice(&w.stdout).unwrap();
    assert_eq!(report["events"], pending.len(), "{report}");
    assert_eq!(report["executions"], 40, "{report}");
    assert!(q.pending().unwrap().is_empty());
    let processed: Vec<String> = q.processed().unwrap().into_iter().map(|e| e.id).collect();
    let before: Vec<String> = pending.into_iter().map(|e| e.id).collect();
    assert_eq!(processed, before);
    // Nothing left: a second pass consumes nothing.
    let again = poet(&d.0, &["worker", "--once"]);
    assert!(
        text(&again.stdout).starts_with("consumed 0 event(s)"),
        "{}",
        text(&again.stdout)
    );
}

/// Writes `n` execution events of `function` (version 1) from a closed writer.
fn fill(poet_dir: &Path, n: usize) -> HashSet<String> {
    let q = EventQueue::open(poet_dir).unwrap();
    let mut ids = HashSet::new();
    for chunk in 0..n.div_ceil(500) {
        let batch: Vec<Event> = (0..500.min(n - chunk * 500))
            .map(|_| {
                Event::new(
                    "function.execution",
                    None,
                    None,
                    serde_json::json!({"function_name": "absent", "version": 1,
                        "execution_id": new_id(), "status": "success",
                        "metrics": {"duration_ms": 1.0}}),
                )
            })
            .collect();
        ids.extend(batch.iter().map(|e| e.id.clone()));
        q.emit_batch(&batch).unwrap();
    }
    ids
}

fn store_with_marker(d: &TempDir) {
    // `dana poet` works only on a folder carrying the store's marker.
    let out = run(
        &d.0,
        "one.na",
        "@poet()\ndef one() -> int:\n    return 1\nprint(one())\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn two_workers_at_once_handle_each_event_once() {
    let d = TempDir::new("worker-two");
    store_with_marker(&d);
    let mut ids = fill(&d.poet(), 3000);
    ids.extend(queue(&d.0).pending().unwrap().into_iter().map(|e| e.id));
    let spawn = || {
        dana(&d.0)
            .args([
                "poet", "worker", "--once", "--json", "--batch", "200", "--dir",
            ])
            .arg(d.poet())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let mut handled = 0;
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        handled += r["events"].as_u64().unwrap() as usize;
    }
    // Each event was handed to exactly one of them.
    assert_eq!(handled, ids.len());
    let q = queue(&d.0);
    assert!(q.pending().unwrap().is_empty());
    let processed: HashSet<String> = q.processed().unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(processed, ids);
}

#[test]
fn a_worker_killed_mid_batch_loses_no_event() {
    let d = TempDir::new("worker-kill");
    store_with_marker(&d);
    let mut ids = fill(&d.poet(), 4000);
    ids.extend(queue(&d.0).pending().unwrap().into_iter().map(|e| e.id));
    let mut child = dana(&d.0)
        .args([
            "poet",
            "worker",
            "--batch",
            "250",
            "--interval",
            "0.05",
            "--dir",
        ])
        .arg(d.poet())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Killed once it has moved its first batch, while it works on the next ones.
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("consumed 250 event(s)"), "{first}");
    child.kill().unwrap();
    child.wait().unwrap();
    let q = queue(&d.0);
    let scan = q.scan(&EventFilter::default()).unwrap();
    assert!(scan.damage.is_empty(), "{:?}", scan.damage);
    let seen: HashSet<String> = scan.all().into_iter().map(|e| e.id).collect();
    assert_eq!(seen, ids, "an event went missing");
    assert!(!scan.processed.is_empty());
    // The next worker takes over what the killed one had not moved, its batch included.
    let w = poet(&d.0, &["worker", "--once"]);
    assert!(w.status.success(), "{}", text(&w.stderr));
    assert!(q.pending().unwrap().is_empty());
    let processed: HashSet<String> = q.processed().unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(processed, ids);
}

const FLAKY: &str = r#"
mode = {"fail_every": EVERY}

@poet(retries=0, backoff=0.0, breaker={"failures": 1000, "window": 0})
def work(x: int) -> int:
    if x % mode["fail_every"] == 0:
        raise ValueError("unlucky " + str(x))
    return x

failed = 0
for i in range(CALLS):
    try:
        work(i + 1)
    except ValueError:
        failed += 1
print(failed)
"#;

fn current(d: &TempDir, f: &str) -> PathBuf {
    std::fs::read_link(d.poet().join(f).join("current")).unwrap()
}

#[test]
fn in_worker_mode_the_worker_promotes_and_rolls_back() {
    let d = TempDir::new("worker-learn");
    std::fs::write(d.0.join("dana.toml"), "[poet]\nworker = true\n").unwrap();
    let flaky = |every: &str, n: &str| {
        let out = run(
            &d.0,
            "flaky.na",
            &FLAKY.replace("EVERY", every).replace("CALLS", n),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // 7 failures in 21 calls: the in-process loop would promote; in worker mode it waits.
    assert_eq!(flaky("3", "21"), "7\n");
    assert_eq!(current(&d, "work"), Path::new("v1"));
    let w = poet(&d.0, &["worker", "--once"]);
    let out = text(&w.stdout);
    assert!(w.status.success(), "{}", text(&w.stderr));
    assert!(out.contains("work: promoted v2 from v1"), "{out}");
    assert_eq!(current(&d, "work"), Path::new("v2"));
    let params: Value =
        serde_json::from_slice(&std::fs::read(d.poet().join("work/v2/params.json")).unwrap())
            .unwrap();
    assert_eq!(params["learned"]["retries"], 1, "{params}");
    // v2 then fails every second call, worse than its parent: the worker rolls it back.
    assert_eq!(flaky("2", "24"), "12\n");
    let w = poet(&d.0, &["worker", "--once"]);
    let out = text(&w.stdout);
    assert!(out.contains("work: rolled back v2 -> v1"), "{out}");
    assert_eq!(current(&d, "work"), Path::new("v1"));
    let all = queue(&d.0).all(&EventFilter::default()).unwrap();
    assert_eq!(of_kind(&all, "version.promoted"), 1);
    assert_eq!(of_kind(&all, "version.rolled_back"), 1);
}

#[test]
fn two_programs_emitting_at_once_leave_every_event_intact() {
    let d = TempDir::new("worker-two-programs");
    std::fs::write(
        d.0.join("calls.na"),
        CALLS.replace("range(40)", "range(300)"),
    )
    .unwrap();
    let spawn = || {
        dana(&d.0)
            .args(["run", "calls.na"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let scan = queue(&d.0).scan(&EventFilter::default()).unwrap();
    assert!(scan.damage.is_empty(), "{:?}", scan.damage);
    assert_eq!(scan.torn_tails, 0);
    let all = scan.all();
    assert_eq!(of_kind(&all, "function.execution"), 600);
    let ids: HashSet<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), all.len());
}

#[test]
fn a_pending_queue_past_its_cap_warns_once_and_gc_trims_it() {
    let d = TempDir::new("worker-caps");
    std::fs::write(
        d.0.join("dana.toml"),
        "[poet.events]\nmax_pending_mb = 1\nmax_pending_days = 30\n",
    )
    .unwrap();
    store_with_marker(&d);
    // About 2 MiB of events nobody consumes.
    fill(&d.poet(), 9000);
    let out = run(&d.0, "calls.na", CALLS);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        err.matches("no worker is consuming them").count(),
        1,
        "{err}"
    );
    assert!(err.contains("(cap 1 MiB)"), "{err}");
    let before = queue(&d.0).pending().unwrap().len();
    let gc = poet(&d.0, &["gc"]);
    let (out, err) = (text(&gc.stdout), text(&gc.stderr));
    let usage = queue(&d.0).pending_usage().unwrap();
    assert!(usage.bytes <= 1 << 20, "{usage:?}");
    let after = queue(&d.0).pending().unwrap().len();
    let dropped = before - after;
    assert!(dropped > 0);
    assert!(
        err.contains(&format!(
            "warning: {dropped} pending POET event(s) were dropped"
        )),
        "{err}"
    );
    assert!(
        out.contains(&format!("dropped {dropped} pending events")),
        "{out}"
    );
    // A worker alive keeps programs quiet: it is consuming, only behind.
    fill(&d.poet(), 9000);
    queue(&d.0).touch_worker().unwrap();
    let out = run(&d.0, "calls.na", CALLS);
    assert!(
        !text(&out.stderr).contains("no worker"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn gc_drops_pending_segments_past_the_age_cap() {
    let d = TempDir::new("worker-age");
    std::fs::write(
        d.0.join("dana.toml"),
        "[poet.events]\nmax_pending_days = 1\n",
    )
    .unwrap();
    store_with_marker(&d);
    let old = fill(&d.poet(), 10);
    let pending = d.poet().join("events/pending");
    let two_days = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    for entry in std::fs::read_dir(&pending).unwrap() {
        let f = std::fs::File::options()
            .append(true)
            .open(entry.unwrap().path())
            .unwrap();
        f.set_modified(two_days).unwrap();
    }
    let fresh = fill(&d.poet(), 5);
    let gc = poet(&d.0, &["gc", "--json"]);
    let report: Value = serde_json::from_slice(&gc.stdout).unwrap();
    // The program's own event (one execution) was as old as the others here.
    assert!(
        report["pending_dropped"].as_u64().unwrap() >= old.len() as u64,
        "{report}"
    );
    let left: HashSet<String> = queue(&d.0)
        .pending()
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(left, fresh);
}

// ---- a program that panics ------------------------------------------------------------------

const PANIC_ROLE: &str = "DANA_POET_WORKER_TEST_PANIC";

/// Runs this test binary again as a child that makes `calls` calls of the `@poet` function in
/// a live engine and then panics; returns the child's folder. In the child (`PANIC_ROLE` set
/// to the folder), it makes the calls and panics.
fn calls_then_panic(test: &str, calls: usize) -> TempDir {
    if let Ok(dir) = std::env::var(PANIC_ROLE) {
        let mut engine = dana::Engine::builder()
            .poet_dir(Path::new(&dir).join(".poet"))
            .build();
        let program = engine
            .compile(
                CALLS
                    .replace("range(40)", &format!("range({calls})"))
                    .as_str(),
            )
            .unwrap();
        engine
            .run_with_scope(&program, &mut dana::Scope::new())
            .unwrap();
        panic!("the host fails after {calls} calls");
    }
    let d = TempDir::new(test);
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(PANIC_ROLE, &d.0)
        .env_remove("DANA_LLM_BASE_URL")
        .env_remove("DANA_MOCK_LLM")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stdout).contains("the host fails")
            || text(&out.stderr).contains("the host fails")
    );
    d
}

#[test]
fn events_of_a_program_that_panics_are_on_disk() {
    let d = calls_then_panic("events_of_a_program_that_panics_are_on_disk", 25);
    let pending = queue(&d.0).pending().unwrap();
    assert_eq!(of_kind(&pending, "function.execution"), 25);
}

// ---- a burst larger than a batch, then a panic -----------------------------------------------

/// More calls than the event writer puts in one batch (16,384) and more bytes than one
/// segment holds (4 MiB): several batches and segments, the last ones still on their way to
/// disk when the host panics.
const BURST: usize = 20_000;

#[test]
fn a_burst_larger_than_a_batch_then_a_panic_loses_nothing() {
    let d = calls_then_panic(
        "a_burst_larger_than_a_batch_then_a_panic_loses_nothing",
        BURST,
    );
    let scan = queue(&d.0).scan(&EventFilter::default()).unwrap();
    assert!(scan.damage.is_empty(), "{:?}", scan.damage);
    assert_eq!(scan.torn_tails, 0);
    let executions: Vec<&Event> = scan
        .pending
        .iter()
        .filter(|e| e.kind == "function.execution")
        .collect();
    assert_eq!(executions.len(), BURST);
    let ids: HashSet<&str> = executions.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), BURST);
    let segments = std::fs::read_dir(d.0.join(".poet/events/pending"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
        })
        .count();
    assert!(segments >= 2, "{segments} segment(s)");
}
