//! Running one `dana` child process of the hostile suite: in the run folder, with a cleared
//! environment, an address-space limit (prlimit) and a wall limit (a hang guard); what it did.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The wall limit of one child process unless a step says otherwise (a hang guard).
pub(crate) const DEFAULT_WALL_SECS: u64 = 30;
/// The address-space limit of every child unless a step says otherwise: a guard for the
/// machine in case a memory limit does not hold, not an expectation.
pub(crate) const DEFAULT_ADDRESS_SPACE_MB: u64 = 8192;
/// Environment variables of the test's own environment that would change what a case does.
const CLEARED_ENV: &[&str] = &[
    "DANA_POET_DIR",
    "DANA_LLM_PROVIDER",
    "DANA_LLM_BASE_URL",
    "DANA_LLM_MODEL",
    "DANA_LLM_API_KEY",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "DANA_MOCK_LLM",
    "DANA_MAX_MEMORY",
    "DANA_ENV",
    "DANAPATH",
];

pub(crate) struct Ran {
    pub(crate) code: Option<i32>,
    pub(crate) signal: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) timed_out: bool,
    pub(crate) elapsed: Duration,
}

fn drain(mut r: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

pub(crate) fn run_child(
    dir: &Path,
    args: &[String],
    env: &BTreeMap<String, String>,
    stdin: &str,
    wall: Duration,
    address_space_mb: u64,
) -> Result<Ran, String> {
    let dana = env!("CARGO_BIN_EXE_dana");
    let prlimit = Path::new("/usr/bin/prlimit");
    let mut cmd = if prlimit.exists() {
        let mut c = Command::new(prlimit);
        c.arg(format!("--as={}", address_space_mb * 1024 * 1024))
            .arg("--")
            .arg(dana);
        c
    } else {
        Command::new(dana)
    };
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_COLOR", "1");
    for k in CLEARED_ENV {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot start dana: {e}"))?;
    let out = drain(child.stdout.take().expect("piped stdout"));
    let err = drain(child.stderr.take().expect("piped stderr"));
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() >= wall => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().map_err(|e| format!("wait: {e}"))?;
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("wait: {e}")),
        }
    };
    let elapsed = start.elapsed();
    use std::os::unix::process::ExitStatusExt;
    Ok(Ran {
        code: status.code(),
        signal: status.signal(),
        stdout: String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned(),
        timed_out,
        elapsed,
    })
}
