//! The version store between processes: crash safety under SIGKILL, and one version per cache
//! key when two processes create at once.
//!
//! The multi-process tests re-run this test binary with `--exact <child test>` and an
//! environment variable that makes the child test act; without the variable a child test
//! returns at once.

use dana_poet::store::{FunctionStore, PoetDir, MAX_VERSIONS};
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CHILD_ROLE: &str = "DANA_POET_STORE_TEST_ROLE";
const CHILD_DIR: &str = "DANA_POET_STORE_TEST_DIR";
const CHILD_FUNCTION: &str = "DANA_POET_STORE_TEST_FUNCTION";
const CHILD_KEY: &str = "DANA_POET_STORE_TEST_KEY";
const CHILD_START_MS: &str = "DANA_POET_STORE_TEST_START_MS";

#[path = "../../tests/support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;
#[path = "support/store_kit.rs"]
#[allow(dead_code)]
mod kit;
use kit::{entry_names, temp_entries, version_with, CODE};

// ---- multi-process tests -------------------------------------------------------------------

fn child_env(role: &str) -> Option<(PoetDir, String)> {
    if std::env::var(CHILD_ROLE).ok()? != role {
        return None;
    }
    let dir = std::env::var(CHILD_DIR).ok()?;
    let function = std::env::var(CHILD_FUNCTION).ok()?;
    Some((PoetDir::new(dir), function))
}

fn spawn_child(test: &str, role: &str, poet: &PoetDir, function: &str) -> Command {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", test, "--nocapture"])
        .env(CHILD_ROLE, role)
        .env(CHILD_DIR, poet.root())
        .env(CHILD_FUNCTION, function)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Child of `crash_safety_under_sigkill`: creates versions until killed (or 20 s pass).
#[test]
fn child_create_loop() {
    let Some((poet, function)) = child_env("create_loop") else {
        return;
    };
    let f = poet.function(&function).expect("name");
    // Big enough that a kill often lands in the middle of writing a file.
    let padding = "# padding line of a generated module\n".repeat(1500);
    let started = Instant::now();
    let mut i = 0u64;
    while started.elapsed() < Duration::from_secs(20) {
        let lock = f.lock().expect("lock");
        f.create(
            &lock,
            version_with(&format!("{CODE}{padding}# {i}\n"), &format!("k{i}")),
        )
        .expect("create");
        f.write_state(
            f.current().expect("current").expect("some"),
            &json!({"calls": i}),
        )
        .expect("state");
        i += 1;
    }
}

fn next_random(seed: &mut u64) -> u64 {
    // xorshift64*: enough to spread the kill times.
    *seed ^= *seed >> 12;
    *seed ^= *seed << 25;
    *seed ^= *seed >> 27;
    seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

fn assert_consistent(f: &FunctionStore, round: usize) {
    let versions = f.versions().expect("versions");
    for &v in &versions {
        if let Err(e) = f.load(v) {
            panic!("round {round}: v{v} does not load after a kill: {e}");
        }
    }
    match f.current() {
        Ok(None) => {}
        Ok(Some(c)) => assert!(versions.contains(&c), "round {round}: current v{c}"),
        Err(e) => panic!("round {round}: current is damaged after a kill: {e}"),
    }
    let version_dirs = entry_names(f.dir())
        .into_iter()
        .filter(|n| n.starts_with('v'))
        .count();
    assert_eq!(version_dirs, versions.len(), "round {round}: {versions:?}");
}

#[test]
fn crash_safety_under_sigkill() {
    let tmp = TempDir::new("crash");
    let poet = PoetDir::new(tmp.poet());
    let f = poet.function("f").expect("name");
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7)
        | 1;

    // First make sure the child gets to write at all, so the rounds below test something.
    let mut child = spawn_child("child_create_loop", "create_loop", &poet, "f")
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let deadline = Instant::now() + Duration::from_secs(15);
    while f.current().ok().flatten().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        f.current().expect("current").is_some(),
        "the child never created a version"
    );
    assert_consistent(&f, 0);

    for round in 1..=30 {
        let mut child = spawn_child("child_create_loop", "create_loop", &poet, "f")
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        std::thread::sleep(Duration::from_millis(5 + next_random(&mut seed) % 56));
        let _ = child.kill();
        let _ = child.wait();
        assert_consistent(&f, round);
    }

    let lock = f.lock().expect("lock");
    f.prune(&lock).expect("prune");
    assert!(
        temp_entries(f.dir()).is_empty(),
        "{:?}",
        entry_names(f.dir())
    );
    assert!(f.versions().expect("versions").len() <= MAX_VERSIONS);
    assert_consistent(&f, 31);
}

/// Child of `two_processes_create_one_version_per_key`: at an agreed instant, looks the key up
/// under the lock and creates a version on a miss, taking a while as generation would.
#[test]
fn child_create_once() {
    let Some((poet, function)) = child_env("create_once") else {
        return;
    };
    let key = std::env::var(CHILD_KEY).expect("key");
    let start_ms: u128 = std::env::var(CHILD_START_MS)
        .expect("start")
        .parse()
        .expect("start ms");
    loop {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        if now >= start_ms {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let f = poet.function(&function).expect("name");
    let lock = f.lock().expect("lock");
    if f.find_by_key(&key).is_none() {
        std::thread::sleep(Duration::from_millis(50));
        f.create(&lock, version_with(CODE, &key)).expect("create");
    }
}

#[test]
fn two_processes_create_one_version_per_key() {
    let tmp = TempDir::new("contention");
    let poet = PoetDir::new(tmp.poet());
    for round in 0..4 {
        let function = format!("g{round}");
        let key = format!("key-{round}");
        let start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
            + 400;
        let children: Vec<_> = (0..2)
            .map(|_| {
                spawn_child("child_create_once", "create_once", &poet, &function)
                    .env(CHILD_KEY, &key)
                    .env(CHILD_START_MS, start.to_string())
                    .spawn()
                    .expect("spawn child")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait child");
            assert!(
                out.status.success(),
                "child failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let f = poet.function(&function).expect("name");
        assert_eq!(f.versions().expect("versions"), vec![1], "round {round}");
        assert_eq!(f.find_by_key(&key), Some(1));
    }
}
