//! Fleet mode (docs/fleet.md) against a private `redis-server` on 127.0.0.1:
//!
//! 1. a cached call's latency with the redis backend against the local one (target: ≤ 5 µs
//!    added): 200 × 1,000 calls in one process, best of 5 rounds;
//! 2. executions and events per second from 1, 4 and 16 `dana run` processes at once, each
//!    making 2,000 calls, with the redis backend (until every event is in the stream) and the
//!    local one (until every process has exited, its events fsynced in `.poet/events/`), and
//!    with redis the events per second one `dana poet worker --once` consumes from the stream;
//! 3. 50 processes starting at once against one slow fake LLM (2 s per answer): the number
//!    of generations and the time until all 50 have answered.
//!
//! Run: `cargo bench --bench fleet` (needs `redis-server` on the PATH). It prints a table;
//! the figures go to benches/RESULTS.md by hand.

#[path = "../tests/support/fake_llm.rs"]
mod fake_llm;
#[path = "../tests/support/redis_server.rs"]
mod redis_server;

use fake_llm::{FakeLlm, Reply};
use redis_server::RedisServer;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CALLS: &str = r#"
@poet(train=False)
def enhanced(x: int) -> int:
    return x + 1

def run_enhanced(n: int) -> int:
    t = 0
    for i in range(n):
        t = enhanced(t)
    return t
"#;

const GOOD: &str = "```dana\n\
def perceive(a: int, b: int) -> dict:\n    return {\"a\": a, \"b\": b}\n\n\
def operate(a: int, b: int) -> int:\n    return a + b\n\n\
def enforce(result: int, a: int, b: int) -> int:\n    return result\n```";

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dana-bench-fleet-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Nanoseconds per cached call, best of 5 rounds of 200 × 1,000 calls.
fn per_call_ns(dir: &Path) -> f64 {
    std::env::set_var("DANA_POET_DIR", dir);
    let mut engine = dana::Engine::new();
    let program = engine.compile(CALLS).unwrap();
    let mut scope = dana::Scope::new();
    engine.run_with_scope(&program, &mut scope).unwrap();
    assert_eq!(
        engine
            .call_fn_in::<i64>(&scope, "run_enhanced", (10,))
            .unwrap(),
        10
    );
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..200 {
            engine
                .call_fn_in::<i64>(&scope, "run_enhanced", (1000,))
                .unwrap();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / 200_000.0);
    }
    best
}

fn dana(dir: &Path, url: Option<&str>, fake: Option<&FakeLlm>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dana"));
    cmd.arg("run")
        .arg("app.na")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for k in [
        "DANA_POET_DIR",
        "DANA_POET_BACKEND",
        "DANA_MOCK_LLM",
        "DANA_LLM_API_KEY",
    ] {
        cmd.env_remove(k);
    }
    match url {
        Some(u) => cmd.env("DANA_POET_REDIS_URL", u),
        None => cmd.env_remove("DANA_POET_REDIS_URL"),
    };
    match fake {
        Some(f) => cmd
            .env("DANA_LLM_BASE_URL", f.base_url())
            .env("DANA_LLM_MODEL", "bench-model"),
        None => cmd.env("DANA_LLM_PROVIDER", "offline"),
    };
    cmd
}

/// `procs` processes × `calls` calls each; the seconds until all are done (with `url`: until
/// the stream holds every execution event), and with `url` the seconds one
/// `dana poet worker --once` takes to consume the stream.
fn throughput(redis: &RedisServer, procs: usize, calls: usize, shared: bool) -> (f64, Option<f64>) {
    let program = format!(
        "@poet(domain=\"api\", retries=0)\ndef add(a: int, b: int) -> int:\n    return a + b\n\n\
         i = 0\nwhile i < {calls}:\n    add(i, 1)\n    i = i + 1\n"
    );
    let ns = format!("tp{procs}{}", if shared { "r" } else { "l" });
    let dirs: Vec<PathBuf> = (0..procs)
        .map(|i| {
            let d = scratch(&format!("{ns}-{i}"));
            std::fs::write(d.join("app.na"), &program).unwrap();
            let toml = if shared {
                format!("[poet]\nnamespace = \"{ns}\"\n")
            } else {
                String::new()
            };
            std::fs::write(d.join("dana.toml"), toml).unwrap();
            d
        })
        .collect();
    let url = shared.then(|| redis.url());
    // Each store's version first, so the measure is of calls and events.
    for d in &dirs {
        let prep = "@poet(domain=\"api\", retries=0)\ndef add(a: int, b: int) -> int:\n    return a + b\n\nadd(1, 2)\n";
        std::fs::write(d.join("app.na"), prep).unwrap();
        let s = dana(d, url.as_deref(), None).status().unwrap();
        assert!(s.success());
        std::fs::write(d.join("app.na"), &program).unwrap();
    }
    let stream = format!("dana:poet:{ns}:events");
    let before: usize = if shared {
        redis.command(&["XLEN", &stream]).parse().unwrap_or(0)
    } else {
        0
    };
    let t = Instant::now();
    let children: Vec<_> = dirs
        .iter()
        .map(|d| dana(d, url.as_deref(), None).spawn().unwrap())
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if shared {
        let want = before + procs * calls;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let n: usize = redis.command(&["XLEN", &stream]).parse().unwrap_or(0);
            if n >= want || Instant::now() > deadline {
                assert!(n >= want, "the stream holds {n} events, {want} expected");
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let secs = t.elapsed().as_secs_f64();
    // The learning loop of the fleet: one `dana poet worker --once` drains the stream.
    let worker_secs = shared.then(|| {
        let w = &dirs[0];
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_dana"))
            .args(["poet", "worker", "--once", "--json"])
            .current_dir(w)
            .env("DANA_POET_REDIS_URL", redis.url())
            .env_remove("DANA_POET_DIR")
            .output()
            .unwrap();
        let secs = t.elapsed().as_secs_f64();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        secs
    });
    for d in dirs {
        let _ = std::fs::remove_dir_all(d);
    }
    (secs, worker_secs)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let redis = RedisServer::start();
    println!(
        "fleet benchmarks, redis-server on 127.0.0.1:{}",
        redis.port()
    );

    let local = scratch("call-local");
    let ns_local = per_call_ns(&local);
    let remote = scratch("call-redis");
    std::env::set_var("DANA_POET_REDIS_URL", redis.url());
    let ns_redis = per_call_ns(&remote);
    std::env::remove_var("DANA_POET_REDIS_URL");
    println!(
        "cached call: local {ns_local:.0} ns, redis {ns_redis:.0} ns, added {:.0} ns",
        ns_redis - ns_local
    );

    println!(
        "| processes | backend | calls | seconds | executions/s (= events/s) | worker events/s |"
    );
    println!("|---:|---|---:|---:|---:|---:|");
    for procs in [1, 4, 16] {
        for shared in [false, true] {
            let calls = 2000;
            let (secs, worker) = throughput(&redis, procs, calls, shared);
            println!(
                "| {procs} | {} | {} | {secs:.2} | {:.0} | {} |",
                if shared { "redis" } else { "local" },
                procs * calls,
                (procs * calls) as f64 / secs,
                worker.map_or("-".to_string(), |w| format!(
                    "{:.0}",
                    (procs * calls) as f64 / w
                ))
            );
        }
    }

    let fake = FakeLlm::start(vec![
        Reply::openai_text(GOOD).with_delay(Duration::from_secs(2))
    ]);
    let program = "@poet(domain=\"api\", retries=0)\ndef add(a: int, b: int) -> int:\n    return a + b\n\nprint(add(2, 3))\n";
    let dirs: Vec<PathBuf> = (0..50)
        .map(|i| {
            let d = scratch(&format!("stampede-{i}"));
            std::fs::write(d.join("app.na"), program).unwrap();
            std::fs::write(
                d.join("dana.toml"),
                "[llm]\nmax_retries = 0\ntimeout = 60\nread_timeout = 60\n\n[poet]\nnamespace = \"stampede\"\n",
            )
            .unwrap();
            d
        })
        .collect();
    let url = redis.url();
    let t = Instant::now();
    let children: Vec<_> = dirs
        .iter()
        .map(|d| dana(d, Some(&url), Some(&fake)).spawn().unwrap())
        .collect();
    let mut ok = 0;
    for c in children {
        if c.wait_with_output().unwrap().status.success() {
            ok += 1;
        }
    }
    println!(
        "50 processes at once, fake LLM answering in 2 s: {ok} answered, {} LLM requests, all done in {:.2} s",
        fake.request_count(),
        t.elapsed().as_secs_f64()
    );
    for d in dirs {
        let _ = std::fs::remove_dir_all(d);
    }
    for d in [local, remote] {
        let _ = std::fs::remove_dir_all(d);
    }
}
