//! The event queue shared between processes: no acknowledged event is lost under SIGKILL, and
//! ids and correlation flows are shared between processes.
//!
//! The multi-process tests re-run this test binary with `--exact <child test>` and an
//! environment variable that makes the child test act; without the variable a child test
//! returns at once.

use dana_poet::events::{Event, EventFilter, EventQueue};
use serde_json::json;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CHILD_ROLE: &str = "DANA_POET_EVENTS_TEST_ROLE";
const CHILD_DIR: &str = "DANA_POET_EVENTS_TEST_DIR";
const CHILD_ARG: &str = "DANA_POET_EVENTS_TEST_ARG";
/// Children print `ack:<id>` lines; the prefix keeps them apart from the test harness's text.
const ACK: &str = "ack:";

#[path = "../../tests/support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;
#[path = "support/events_kit.rs"]
#[allow(dead_code)]
mod kit;
use kit::{ids, is_uuid, names};

// ---- multi-process tests ------------------------------------------------------------------

fn child_env(role: &str) -> Option<(PathBuf, String)> {
    if std::env::var(CHILD_ROLE).ok()? != role {
        return None;
    }
    let dir = std::env::var(CHILD_DIR).ok()?;
    let arg = std::env::var(CHILD_ARG).unwrap_or_default();
    Some((PathBuf::from(dir), arg))
}

fn spawn_child(test: &str, role: &str, dir: &Path, arg: &str) -> Command {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ROLE, role)
        .env(CHILD_DIR, dir)
        .env(CHILD_ARG, arg)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    cmd
}

/// The ids a child acknowledged (`ack:<id>` lines; a line cut by the kill is not one).
fn acked_ids(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.rsplit(ACK).next().filter(|_| l.contains(ACK)))
        .filter(|id| is_uuid(id))
        .map(str::to_string)
        .collect()
}

fn next_random(seed: &mut u64) -> u64 {
    // xorshift64*: enough to spread batch sizes and kill times.
    *seed ^= *seed >> 12;
    *seed ^= *seed << 25;
    *seed ^= *seed >> 27;
    seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// Child of `no_acknowledged_event_is_lost_under_sigkill`: emits batches of varied sizes until
/// killed (or 20 s pass), printing each id once its batch is durable.
#[test]
fn child_emit_loop() {
    let Some((dir, arg)) = child_env("emit_loop") else {
        return;
    };
    let q = EventQueue::open(&dir).expect("open");
    let mut seed: u64 = arg.parse::<u64>().unwrap_or(1) | 1;
    let started = Instant::now();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out);
    while started.elapsed() < Duration::from_secs(20) {
        let n = 1 + next_random(&mut seed) % 16;
        let pad = (next_random(&mut seed) % 500) as usize;
        let batch: Vec<Event> = (0..n)
            .map(|i| {
                Event::new(
                    "function.execution",
                    None,
                    None,
                    json!({"function_name": "f", "i": i, "pad": "p".repeat(pad)}),
                )
            })
            .collect();
        let result = if n == 1 {
            q.emit(&batch[0])
        } else {
            q.emit_batch(&batch)
        };
        result.expect("emit");
        for e in &batch {
            let _ = writeln!(out, "{ACK}{}", e.id);
        }
        let _ = out.flush();
    }
}

/// Child of `no_acknowledged_event_is_lost_under_sigkill`: moves pending events to processed
/// in small groups until killed.
#[test]
fn child_consume_loop() {
    let Some((dir, _)) = child_env("consume_loop") else {
        return;
    };
    let q = EventQueue::open(&dir).expect("open");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        let pending = q.pending().expect("pending");
        for chunk in pending.chunks(7) {
            let chunk_ids: Vec<String> = chunk.iter().map(|e| e.id.clone()).collect();
            q.mark_processed(&chunk_ids).expect("mark");
        }
        if pending.is_empty() {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Reads a child's stdout to the end on a thread, so a kill never blocks the parent.
fn collect_stdout(child: &mut Child) -> std::thread::JoinHandle<String> {
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        let mut text = String::new();
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            text.push_str(&line);
            line.clear();
        }
        text
    })
}

#[test]
fn no_acknowledged_event_is_lost_under_sigkill() {
    let tmp = TempDir::new("crash");
    let dir = tmp.poet();
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7)
        | 1;
    // Acknowledged since the queue was last emptied.
    let mut acked: Vec<String> = Vec::new();
    let mut total_acked = 0;
    let started = Instant::now();
    let mut kills = 0;
    let mut round = 0;
    // At least 100 kills; every third round a consumer is killed alongside the writer.
    while kills < 100 || (total_acked < 500 && started.elapsed() < Duration::from_secs(20)) {
        round += 1;
        let mut writer = spawn_child(
            "child_emit_loop",
            "emit_loop",
            &dir,
            &next_random(&mut seed).to_string(),
        )
        .spawn()
        .expect("spawn writer");
        let reader = collect_stdout(&mut writer);
        let mut consumer = (round % 3 == 0).then(|| {
            spawn_child("child_consume_loop", "consume_loop", &dir, "")
                .stdout(Stdio::null())
                .spawn()
                .expect("spawn consumer")
        });
        std::thread::sleep(Duration::from_millis(5 + next_random(&mut seed) % 45));
        let _ = writer.kill();
        let _ = writer.wait();
        kills += 1;
        if let Some(c) = consumer.as_mut() {
            std::thread::sleep(Duration::from_millis(next_random(&mut seed) % 5));
            let _ = c.kill();
            let _ = c.wait();
            kills += 1;
        }
        let new = acked_ids(&reader.join().expect("reader"));
        total_acked += new.len();
        acked.extend(new);

        let q = EventQueue::open(&dir).expect("open");
        let scan = q.scan(&EventFilter::default()).expect("scan");
        assert!(
            scan.damage.is_empty(),
            "round {round}: a kill left damage: {:?}",
            scan.damage
        );
        let readable: HashSet<String> = scan
            .pending
            .iter()
            .chain(&scan.processed)
            .map(|e| e.id.clone())
            .collect();
        for id in &acked {
            assert!(
                readable.contains(id),
                "round {round}: acknowledged {id} is lost"
            );
        }
        for e in scan.pending.iter().chain(&scan.processed) {
            assert_eq!(e.kind, "function.execution");
            assert_eq!(e.metadata.service, "dana");
            assert!(e.payload["pad"].is_string(), "round {round}: {}", e.id);
        }

        // Now and then a consumer here takes everything: each acknowledged event exactly
        // once; then the queue is emptied so reads stay quick.
        if round % 5 == 0 {
            let pending = ids(&q.pending().expect("pending"));
            q.mark_processed(&pending).expect("mark");
            q.gc(Duration::from_secs(3600), u64::MAX).expect("gc");
            assert!(q.pending().expect("pending").is_empty());
            let processed = ids(&q.processed().expect("processed"));
            let unique: HashSet<&String> = processed.iter().collect();
            for id in &acked {
                assert!(unique.contains(id), "round {round}: {id} lost in the move");
            }
            // A writer killed between creating its segment and renaming it into place leaves
            // an empty `.tmp-` file, which gc removes only after a grace period (a live writer
            // may be about to lock it). It never holds an event.
            let pending_dir = dir.join("events/pending");
            let left: Vec<String> = names(&pending_dir)
                .into_iter()
                .filter(|n| {
                    !(n.starts_with(".tmp-")
                        && std::fs::metadata(pending_dir.join(n)).is_ok_and(|m| m.len() == 0))
                })
                .collect();
            assert!(left.is_empty(), "round {round}: left in pending/: {left:?}");
            q.gc(Duration::ZERO, 0).expect("gc");
            acked.clear();
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "the test is too slow"
        );
    }
    assert!(total_acked > 0, "no writer ever acknowledged an event");
    eprintln!(
        "{round} rounds, {kills} kills, {total_acked} acknowledged events, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Child of `ids_are_shared_between_processes`: emits one event of a flow and prints its id.
#[test]
fn child_emit_flow() {
    let Some((dir, arg)) = child_env("emit_flow") else {
        return;
    };
    let q = EventQueue::open(&dir).expect("open");
    let (correlation, cause) = match arg.split_once(',') {
        Some((c, k)) => (Some(c), Some(k)),
        None => (None, None),
    };
    let kind = if correlation.is_some() {
        "function.feedback"
    } else {
        "function.execution"
    };
    let e = Event::new(kind, correlation, cause, json!({"function_name": "f"}));
    q.emit(&e).expect("emit");
    println!("{ACK}{}", e.id);
}

/// Child of `ids_are_shared_between_processes`: prints the ids correlated with `arg`.
#[test]
fn child_find_flow() {
    let Some((dir, arg)) = child_env("find_flow") else {
        return;
    };
    let q = EventQueue::open(&dir).expect("open");
    for e in q
        .all(&EventFilter::default().correlation(&arg))
        .expect("all")
    {
        println!("{ACK}{}", e.id);
    }
}

fn run_child(test: &str, role: &str, dir: &Path, arg: &str, env: &[(&str, &str)]) -> Vec<String> {
    let mut cmd = spawn_child(test, role, dir, arg);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run child");
    assert!(out.status.success(), "child {role} failed");
    acked_ids(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn ids_are_shared_between_processes() {
    let tmp = TempDir::new("restart");
    let dir = tmp.poet();
    // Process 1 starts a flow, in another environment.
    let first = run_child(
        "child_emit_flow",
        "emit_flow",
        &dir,
        "",
        &[("DANA_ENV", "staging")],
    );
    assert_eq!(first.len(), 1);
    let exec_id = first[0].clone();

    // Process 2 (this one) finds it and continues the flow.
    let q = EventQueue::open(&dir).expect("open");
    let found = q.all(&EventFilter::default()).expect("all");
    assert_eq!(ids(&found), vec![exec_id.clone()]);
    assert_eq!(found[0].metadata.environment, "staging");
    assert_eq!(found[0].correlation_id, exec_id);
    let fb = Event::new(
        "function.feedback",
        Some(&exec_id),
        Some(&exec_id),
        json!({"function_name": "f", "rating": 5}),
    );
    q.emit(&fb).expect("emit");

    // Process 3 adds to the flow; process 4 finds all three after process 2 moved one.
    let third = run_child(
        "child_emit_flow",
        "emit_flow",
        &dir,
        &format!("{exec_id},{}", fb.id),
        &[],
    );
    assert_eq!(third.len(), 1);
    q.mark_processed(std::slice::from_ref(&exec_id))
        .expect("mark");
    drop(q);
    let mut expected = vec![exec_id.clone(), fb.id.clone(), third[0].clone()];
    expected.sort();
    let mut seen = run_child("child_find_flow", "find_flow", &dir, &exec_id, &[]);
    seen.sort();
    assert_eq!(seen, expected);
    let q = EventQueue::open(&dir).expect("open");
    let flow = q
        .all(&EventFilter::default().correlation(&exec_id))
        .expect("all");
    assert_eq!(flow[2].causation_id.as_deref(), Some(fb.id.as_str()));
}
