//! Fleet mode against a real Redis (docs/fleet.md): each test starts its own `redis-server`
//! on a random port of 127.0.0.1 (tests/support/redis_server.rs) and runs `dana` processes
//! that share it, with a fake LLM on 127.0.0.1 that counts requests.

mod support;

use dana_interpreter::check::serde_json::{self, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
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
    let out = b
        .command(None, &["poet", "pull", "--backend", "redis"])
        .env("DANA_POET_REDIS_URL", &url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
