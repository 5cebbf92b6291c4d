//! Fleet mode against a real Redis (docs/fleet.md): each test starts its own `redis-server`
//! on a random port of 127.0.0.1 (tests/support/redis_server.rs) and runs `dana` processes
//! that share it, with a fake LLM on 127.0.0.1 that counts requests.

mod support;

use dana_interpreter::check::serde_json::{self, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::fake_llm::{FakeLlm, Reply};
use support::redis_server::RedisServer;

const PROGRAM: &str = "\
@poet(domain=\"api\", retries=0)
def add(a: int, b: int) -> int:
    return a + b

print(add(2, 3))
print(add(b=10, a=1))
";

const GOOD: &str = "```dana\n\
def perceive(a: int, b: int) -> dict:\n    return {\"a\": a, \"b\": b}\n\n\
def operate(a: int, b: int) -> int:\n    return a + b\n\n\
def enforce(result: int, a: int, b: int) -> int:\n    return result\n```";

/// One replica: a folder with the program and a dana.toml pointing at the shared Redis.
struct Replica {
    dir: PathBuf,
}

impl Replica {
    fn new(test: &str, name: &str, program: &str, poet_toml: &str) -> Replica {
        let dir =
            std::env::temp_dir().join(format!("dana-fleet-{}-{test}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("app.na"), program).unwrap();
        std::fs::write(
            dir.join("dana.toml"),
            format!(
                "[llm]\nmax_retries = 0\ntimeout = 60\nread_timeout = 60\n\n[poet]\n{poet_toml}"
            ),
        )
        .unwrap();
        Replica { dir }
    }

    fn command(&self, fake: Option<&FakeLlm>, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dana"));
        cmd.args(args).current_dir(&self.dir).env("NO_COLOR", "1");
        for k in [
            "DANA_POET_DIR",
            "DANA_POET_BACKEND",
            "DANA_POET_REDIS_URL",
            "DANA_LLM_PROVIDER",
            "DANA_LLM_API_KEY",
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "DANA_MOCK_LLM",
        ] {
            cmd.env_remove(k);
        }
        match fake {
            Some(f) => {
                cmd.env("DANA_LLM_BASE_URL", f.base_url())
                    .env("DANA_LLM_MODEL", "test-model");
            }
            None => {
                cmd.env("DANA_LLM_PROVIDER", "offline");
            }
        }
        cmd
    }

    fn run(&self, fake: Option<&FakeLlm>, args: &[&str]) -> (i32, String, String) {
        let out = self.command(fake, args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn spawn(&self, fake: Option<&FakeLlm>) -> Child {
        self.command(fake, &["run", "app.na"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn poet(&self) -> PathBuf {
        self.dir.join(".poet")
    }

    fn current(&self, f: &str) -> String {
        std::fs::read_link(self.poet().join(f).join("current"))
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    fn metadata(&self, f: &str, v: u32) -> Value {
        let p = self.poet().join(format!("{f}/v{v}/metadata.json"));
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn poet_toml(redis: &RedisServer, ns: &str) -> String {
    format!(
        "backend = \"redis\"\nurl = \"{}\"\nnamespace = \"{ns}\"\n",
        redis.url()
    )
}

fn finish(child: Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The stdout lines of a running child, as they come.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits (at most 60 s) for a line equal to `want`; returns the lines seen before it.
fn wait_for_line(rx: &mpsc::Receiver<String>, want: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(l) if l == want => return seen,
            Ok(l) => seen.push(l),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    panic!("no line {want:?} came; saw {seen:?}");
}

#[test]
fn three_processes_share_one_version_and_one_generation() {
    let redis = RedisServer::start();
    // The answer takes a while, so all three processes start before it is there.
    let fake = FakeLlm::start(vec![
        Reply::openai_text(GOOD).with_delay(Duration::from_millis(1500))
    ]);
    let replicas: Vec<Replica> = (0..3)
        .map(|i| {
            Replica::new(
                "three",
                &format!("r{i}"),
                PROGRAM,
                &poet_toml(&redis, "three"),
            )
        })
        .collect();
    let children: Vec<Child> = replicas.iter().map(|r| r.spawn(Some(&fake))).collect();
    for child in children {
        let (code, out, err) = finish(child);
        assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    }
    assert_eq!(
        fake.request_count(),
        1,
        "one generation for the whole fleet"
    );
    for r in &replicas {
        assert_eq!(r.current("add"), "v1");
        assert_eq!(r.metadata("add", 1)["generator"], "llm:test-model");
    }
    assert_eq!(
        redis.command(&["GET", "dana:poet:three:f:add:current"]),
        "1"
    );
    // One version, byte for byte the same everywhere.
    let code = |r: &Replica| std::fs::read_to_string(r.poet().join("add/v1/code.na")).unwrap();
    assert_eq!(code(&replicas[0]), code(&replicas[1]));
    assert_eq!(code(&replicas[0]), code(&replicas[2]));
    // A later run uses the shared version and asks nothing.
    let (code, out, err) = replicas[1].run(Some(&fake), &["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert_eq!(fake.request_count(), 1);
}

#[test]
fn push_then_pull_round_trips_a_store() {
    let redis = RedisServer::start();
    // A store made with the local backend.
    let a = Replica::new("sync", "a", PROGRAM, "");
    let (code, out, err) = a.run(None, &["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    let url = redis.url();
    let push = |r: &Replica| {
        r.command(None, &["poet", "push", "--backend", "redis"])
            .env("DANA_POET_REDIS_URL", &url)
            .output()
            .unwrap()
    };
    let out = push(&a);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 versions copied"), "{text}");
    // Idempotent.
    let out = push(&a);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("0 versions copied, 1 already there"),
        "{text}"
    );
    assert_eq!(
        redis.command(&["GET", "dana:poet:default:f:add:current"]),
        "1"
    );

    let b = Replica::new("sync", "b", "print(1)\n", "");
    sync(&b, "pull", &url);
    for file in ["code.na", "metadata.json", "params.json"] {
        let read = |r: &Replica| std::fs::read(r.poet().join("add/v1").join(file)).unwrap();
        assert_eq!(read(&a), read(&b), "{file} differs after push and pull");
    }
    assert_eq!(b.current("add"), "v1");
    // The pulled store is a working store: list reads it.
    let (code, out, err) = b.run(None, &["poet", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("add") && out.contains("v1"), "{out}");
}

/// Calls `add(1, 2)` until its answer changes back to 3, printing each new answer.
const WATCHER: &str = "\
import time

@poet(domain=\"api\", retries=0)
def add(a: int, b: int) -> int:
    return a + b

seen = []
i = 0
while i < 3000:
    r = add(1, 2)
    if len(seen) == 0 or seen[-1] != r:
        seen.append(r)
        print(r, flush=True)
    if r == 3 and len(seen) > 1:
        break
    time.sleep(0.01)
    i = i + 1
";

#[test]
fn a_rollback_reaches_a_running_process_without_restart() {
    let redis = RedisServer::start();
    let fake = FakeLlm::start(vec![Reply::openai_text(GOOD)]);
    let toml = poet_toml(&redis, "rollback");
    let a = Replica::new("rollback", "a", PROGRAM, &toml);
    let (code, out, err) = a.run(Some(&fake), &["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    // v2: the same version edited by hand to answer 100 more, made current and pushed.
    let poet = a.poet().join("add");
    let v2 = poet.join("v2");
    std::fs::create_dir_all(&v2).unwrap();
    for f in ["params.json", "state.json"] {
        std::fs::copy(poet.join("v1").join(f), v2.join(f)).unwrap();
    }
    let code_v1 = std::fs::read_to_string(poet.join("v1/code.na")).unwrap();
    let edited = code_v1.replace("return a + b\n", "return a + b + 100\n");
    assert_ne!(edited, code_v1);
    std::fs::write(v2.join("code.na"), edited).unwrap();
    let mut meta = a.metadata("add", 1);
    meta["version"] = 2.into();
    meta["parent"] = 1.into();
    std::fs::write(v2.join("metadata.json"), meta.to_string()).unwrap();
    std::fs::remove_file(poet.join("current")).unwrap();
    std::os::unix::fs::symlink("v2", poet.join("current")).unwrap();
    let (code, out, err) = a.run(None, &["poet", "push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        redis.command(&["GET", "dana:poet:rollback:f:add:current"]),
        "2"
    );

    // B runs and serves v2; a rollback in A reaches B's next calls.
    let b = Replica::new("rollback", "b", WATCHER, &toml);
    let mut child = b.spawn(Some(&fake));
    let rx = lines_of(&mut child);
    wait_for_line(&rx, "103");
    let (code, out, err) = a.run(None, &["poet", "rollback", "add", "--to", "1"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("v2 -> v1"), "{out}");
    wait_for_line(&rx, "3");
    let (code, _, err) = finish(child);
    assert_eq!(code, 0, "{err}");
    assert_eq!(b.current("add"), "v1");
    assert_eq!(
        redis.command(&["GET", "dana:poet:rollback:f:add:current"]),
        "1"
    );
    assert_eq!(fake.request_count(), 1);
}

#[test]
fn a_lease_holder_killed_mid_generation_is_replaced() {
    let redis = RedisServer::start();
    // The first request never gets its answer in time; the second is answered at once.
    let fake = FakeLlm::start(vec![
        Reply::openai_text(GOOD).with_delay(Duration::from_secs(300)),
        Reply::openai_text(GOOD),
    ]);
    let toml = format!("{}lease_ms = 1000\n", poet_toml(&redis, "lease"));
    let a = Replica::new("lease", "a", PROGRAM, &toml);
    let b = Replica::new("lease", "b", PROGRAM, &toml);
    let mut holder = a.spawn(Some(&fake));
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.request_count() == 0 {
        assert!(Instant::now() < deadline, "A never asked the LLM");
        std::thread::sleep(Duration::from_millis(20));
    }
    let waiter = b.spawn(Some(&fake));
    // Longer than the lease: the holder renews it, so B waits instead of generating.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        fake.request_count(),
        1,
        "B generated while A held the lease"
    );
    holder.kill().unwrap();
    let _ = holder.wait();
    let (code, out, err) = finish(waiter);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert_eq!(fake.request_count(), 2);
    assert_eq!(b.metadata("add", 1)["generator"], "llm:test-model");
    assert_eq!(
        redis.command(&["GET", "dana:poet:lease:f:add:current"]),
        "1"
    );
    // The fence moved on when B took the lease over.
    assert_eq!(redis.command(&["GET", "dana:poet:lease:f:add:fence"]), "2");
}

/// 40 calls, 50 ms apart, printing each index.
const STEADY: &str = "\
import time

@poet(domain=\"api\", retries=0)
def add(a: int, b: int) -> int:
    return a + b

i = 0
while i < 40:
    add(i, 1)
    print(i, flush=True)
    time.sleep(0.05)
    i = i + 1
";

/// The event ids in the stream (each entry is: entry id, "id", event id, "event", json).
fn stream_ids(redis: &RedisServer, stream: &str) -> Vec<(String, String)> {
    let text = redis.command(&["XRANGE", stream, "-", "+"]);
    let items: Vec<&str> = text.split('\n').collect();
    items
        .chunks(5)
        .filter(|c| c.len() == 5)
        .map(|c| (c[2].to_string(), c[4].to_string()))
        .collect()
}

#[test]
fn redis_stopped_and_restarted_mid_run_loses_no_event() {
    let mut redis = RedisServer::start();
    let toml = poet_toml(&redis, "outage");
    let r = Replica::new("outage", "r", STEADY, &toml);
    let mut child = r.spawn(None);
    let rx = lines_of(&mut child);
    wait_for_line(&rx, "10");
    redis.stop();
    wait_for_line(&rx, "25");
    redis.start_again();
    wait_for_line(&rx, "39");
    let (code, _, err) = finish(child);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("unreachable") && err.contains("spool"),
        "the outage was not reported: {err}"
    );
    let stream = "dana:poet:outage:events";
    let entries = stream_ids(&redis, stream);
    let executions = entries
        .iter()
        .filter(|(_, json)| json.contains("\"function.execution\""))
        .count();
    assert_eq!(executions, 40, "{entries:?}");
    let mut ids: Vec<&String> = entries.iter().map(|(id, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), entries.len(), "an event was added twice");
    // Forwarding again adds nothing: the spool is empty and ids are idempotency keys.
    let (code, out, err) = r.run(None, &["poet", "push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 events forwarded"), "{out}");
    assert_eq!(stream_ids(&redis, stream).len(), entries.len());
}

/// A Redis URL with a password never appears in what `dana` prints.
#[test]
fn credentials_are_never_printed() {
    let r = Replica::new(
        "secret",
        "r",
        PROGRAM,
        "backend = \"redis\"\nurl = \"redis://app:hunter2-secret@127.0.0.1:1\"\n",
    );
    let (code, out, err) = r.run(None, &["run", "app.na"]);
    // Redis is unreachable: the program still runs on its local store.
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert!(err.contains("unreachable"), "{err}");
    let (code, out2, err2) = r.run(None, &["poet", "list"]);
    assert_eq!(code, 1);
    for text in [&out, &err, &out2, &err2] {
        assert!(!text.contains("hunter2"), "the password leaked: {text}");
    }
    assert!(err2.contains("redis://***@127.0.0.1:1"), "{err2}");
}

/// The consumer side a `dana poet worker` uses: a group reads the stream, a dead consumer's
/// unacknowledged events are claimed by another, and publishing again adds nothing.
#[test]
fn a_consumer_group_takes_over_a_dead_workers_events() {
    use dana_poet::events::Event;
    use dana_poet::fleet::{stream, Fleet, FleetConfig};
    let redis = RedisServer::start();
    let fleet = Fleet::new(FleetConfig {
        url: redis.url(),
        namespace: "group".into(),
        lease_ms: 1000,
    })
    .unwrap();
    let events: Vec<Event> = (0..3)
        .map(|i| {
            Event::new(
                "function.feedback",
                None,
                None,
                serde_json::json!({"function_name": "add", "rating": i + 1}),
            )
        })
        .collect();
    assert_eq!(fleet.publish(&events).unwrap(), 3);
    assert_eq!(fleet.publish(&events).unwrap(), 0, "published twice");
    stream::ensure_group(&fleet, "workers").unwrap();
    stream::ensure_group(&fleet, "workers").unwrap();
    // w1 reads everything and dies without acknowledging.
    let read =
        stream::consume_batch(&fleet, "workers", "w1", 10, Duration::from_millis(100)).unwrap();
    let ids: Vec<&str> = read.iter().map(|e| e.event.id.as_str()).collect();
    let want: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, want);
    // Nothing new for w2; the stale ones are claimed.
    let none =
        stream::consume_batch(&fleet, "workers", "w2", 10, Duration::from_millis(50)).unwrap();
    assert!(none.is_empty());
    let claimed =
        stream::claim_stale(&fleet, "workers", "w2", Duration::from_millis(0), 10).unwrap();
    assert_eq!(claimed.len(), 3);
    let entries: Vec<String> = claimed.iter().map(|e| e.entry.clone()).collect();
    assert_eq!(stream::ack(&fleet, "workers", &entries).unwrap(), 3);
    let pending = redis.command(&["XPENDING", "dana:poet:group:events", "workers"]);
    assert!(pending.starts_with('0'), "{pending}");
}

#[test]
fn an_oversized_shared_version_never_reaches_the_disk() {
    let redis = RedisServer::start();
    let a = Replica::new("huge", "a", PROGRAM, "");
    let (code, out, err) = a.run(None, &["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    let url = redis.url();
    sync(&a, "push", &url);
    // Another process (or an attacker with access to Redis) writes a 2 MB code file.
    let huge = "x".repeat(2 << 20);
    redis.command(&["HSET", "dana:poet:default:f:add:v:1", "code.na", &huge]);
    let b = Replica::new("huge", "b", "print(1)\n", "");
    let out = b
        .command(None, &["poet", "pull", "--backend", "redis"])
        .env("DANA_POET_REDIS_URL", &url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("over the 1048576-byte limit"), "{stderr}");
    assert!(!b.poet().join("add/v1/code.na").exists());
}

/// The second answer of the fake LLM: the same sums written another way.
const GOOD_V2: &str = "```dana\n\
def perceive(a: int, b: int) -> dict:\n    return {\"a\": a, \"b\": b}\n\n\
def operate(a: int, b: int) -> int:\n    return b + a\n\n\
def enforce(result: int, a: int, b: int) -> int:\n    return result\n```";

const RATE_IT: &str = "\
@poet(domain=\"api\", retries=0)
def add(a: int, b: int) -> int:
    return a + b

print(add(2, 3))
feedback(add, rating=1, comment=\"wrong\", regenerate=True)
";

/// Feedback given in process A goes through the stream to a worker, whose request (kept in
/// Redis) is carried out by process B; B's new version is what C then runs.
#[test]
fn feedback_from_a_regenerates_the_version_that_b_and_c_then_use() {
    let redis = RedisServer::start();
    let fake = FakeLlm::start(vec![Reply::openai_text(GOOD), Reply::openai_text(GOOD_V2)]);
    let toml = format!("{}worker = true\n", poet_toml(&redis, "learn"));
    let a = Replica::new("learn", "a", RATE_IT, &toml);
    let b = Replica::new("learn", "b", PROGRAM, &toml);
    let c = Replica::new("learn", "c", PROGRAM, &toml);
    let w = Replica::new("learn", "w", "print(0)\n", &toml);
    let (code, out, err) = a.run(Some(&fake), &["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n"), "{err}");
    for r in [&b, &c] {
        let (code, out, err) = r.run(Some(&fake), &["run", "app.na"]);
        assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
        assert_eq!(r.current("add"), "v1");
    }
    assert_eq!(fake.request_count(), 1);
    // The worker reads A's feedback from the stream and asks the programs for new code.
    let (code, out, err) = w.run(None, &["poet", "worker", "--once"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 feedback"), "{out}");
    assert!(
        out.contains("add: v1 needs new code (feedback asked for a new version)"),
        "{out}"
    );
    assert_eq!(fake.request_count(), 1, "the worker itself asks no LLM");
    // B's next run carries the request out.
    let (code, out, err) = b.run(Some(&fake), &["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert_eq!(fake.request_count(), 2);
    assert_eq!(b.current("add"), "v2");
    assert_eq!(b.metadata("add", 2)["parent"], 1);
    assert_eq!(
        redis.command(&["GET", "dana:poet:learn:f:add:current"]),
        "2"
    );
    // C runs B's version, byte for byte, and asks nothing.
    let (code, out, err) = c.run(Some(&fake), &["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert_eq!(c.current("add"), "v2");
    let code_of = |r: &Replica| std::fs::read_to_string(r.poet().join("add/v2/code.na")).unwrap();
    assert!(code_of(&b).contains("return b + a"), "{}", code_of(&b));
    assert_eq!(code_of(&b), code_of(&c));
    assert_eq!(fake.request_count(), 2);
    // The feedback was applied once: the next batch has no new request.
    let (code, out, err) = w.run(None, &["poet", "worker", "--once", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["feedback"], 0, "{out}");
    assert!(report["events"].as_u64().unwrap() >= 4, "{out}");
    assert!(!out.contains("needs new code"), "{out}");
}

/// `dana poet worker` takes over what a worker killed mid-batch read and never acknowledged,
/// and an event delivered twice is applied once.
#[test]
fn a_killed_worker_loses_no_event_and_a_repeated_event_is_applied_once() {
    use dana_poet::fleet::{stream, worker::WORKER_GROUP, Fleet, FleetConfig};
    let redis = RedisServer::start();
    let toml = poet_toml(&redis, "claim");
    let r = Replica::new("claim", "r", STEADY, &toml);
    let (code, _, err) = r.run(None, &["run", "app.na"]);
    assert_eq!(code, 0, "{err}");
    let stream_key = "dana:poet:claim:events";
    let executions = stream_ids(&redis, stream_key)
        .iter()
        .filter(|(_, json)| json.contains("\"function.execution\""))
        .count();
    assert_eq!(executions, 40);
    // A worker reads every entry and is killed before acknowledging any.
    let fleet = Fleet::new(FleetConfig {
        url: redis.url(),
        namespace: "claim".into(),
        lease_ms: 1000,
    })
    .unwrap();
    stream::ensure_group(&fleet, WORKER_GROUP).unwrap();
    let read = stream::consume_batch(
        &fleet,
        WORKER_GROUP,
        "killed",
        1000,
        Duration::from_millis(10),
    )
    .unwrap();
    assert!(read.len() >= 40, "{}", read.len());
    let pending = redis.command(&["XPENDING", stream_key, WORKER_GROUP]);
    assert!(pending.starts_with(&read.len().to_string()), "{pending}");
    // The entries must have been idle longer than the claim threshold (10 ms) when the next
    // worker looks: a worker started sooner rightly claims nothing.
    std::thread::sleep(Duration::from_millis(50));
    let w = Replica::new("claim", "w", "print(0)\n", &toml);
    let (code, out, err) = w.run(
        None,
        &["poet", "worker", "--once", "--claim-idle", "0.01", "--json"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["executions"], 40, "{out}");
    assert_eq!(report["claimed"], read.len(), "{out}");
    let pending = redis.command(&["XPENDING", stream_key, WORKER_GROUP]);
    assert!(pending.starts_with('0'), "{pending}");
    let evidence: Value =
        serde_json::from_str(&redis.command(&["GET", "dana:poet:claim:f:add:evidence"])).unwrap();
    assert_eq!(evidence["live"]["calls"], 40, "{evidence}");
    // One execution added to the stream again (as a crash between XADD and the spool's
    // bookkeeping would): it is acknowledged and not counted twice.
    let (_, json) = stream_ids(&redis, stream_key)
        .into_iter()
        .find(|(_, json)| json.contains("\"function.execution\""))
        .unwrap();
    let event: Value = serde_json::from_str(&json).unwrap();
    let id = event["id"].as_str().unwrap();
    redis.command(&["XADD", stream_key, "*", "id", id, "event", &json]);
    let (code, out, err) = w.run(None, &["poet", "worker", "--once", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (report["events"].clone(), report["duplicates"].clone()),
        (1.into(), 1.into()),
        "{out}"
    );
    assert_eq!(report["executions"], 0, "{out}");
    let evidence: Value =
        serde_json::from_str(&redis.command(&["GET", "dana:poet:claim:f:add:evidence"])).unwrap();
    assert_eq!(evidence["live"]["calls"], 40, "{evidence}");
}

/// `stats` and `events` with the redis backend count every replica's calls.
#[test]
fn stats_and_events_read_the_whole_fleet() {
    let redis = RedisServer::start();
    let toml = poet_toml(&redis, "stats");
    let a = Replica::new("stats", "a", STEADY, &toml);
    let b = Replica::new("stats", "b", PROGRAM, &toml);
    for r in [&a, &b] {
        let (code, _, err) = r.run(None, &["run", "app.na"]);
        assert_eq!(code, 0, "{err}");
    }
    // Each replica alone saw its own calls; the fleet made 42.
    let (code, out, err) = b.run(None, &["poet", "stats", "add", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let rows: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["calls"], 42, "{out}");
    assert!(rows[0]["p50_ms"].is_number(), "{out}");
    let (code, out, err) = b.run(
        None,
        &["poet", "stats", "add", "--backend", "local", "--json"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let rows: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["calls"], 2, "{out}");
    let (code, out, err) = b.run(
        None,
        &["poet", "events", "--type", "function.execution", "--json"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.lines().count(), 42, "{out}");
}

/// `dana poet push|pull --backend redis` in replica `r`, which must succeed.
fn sync(r: &Replica, verb: &str, url: &str) {
    let out = r
        .command(None, &["poet", verb, "--backend", "redis"])
        .env("DANA_POET_REDIS_URL", url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "poet {verb}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
