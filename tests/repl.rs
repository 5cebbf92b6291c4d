//! `dana repl`, driven as a user would: through a pseudo-terminal (util-linux `script` allocates
//! it; keystrokes are written to its stdin, the screen is read from its stdout), and in line mode
//! with stdin a pipe. Every wait has a timeout and the child is killed when a test fails.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

fn dana() -> &'static str {
    env!("CARGO_BIN_EXE_dana")
}

/// The pseudo-terminal comes from util-linux `script` (Debian's essential bsdutils package, so
/// on every machine this project runs on); without it these tests fail rather than skip.
fn require_script() {
    let ok = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "util-linux `script` is needed to drive the REPL through a pseudo-terminal"
    );
}

/// `dana repl` on a pseudo-terminal.
struct Pty {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Arc<Mutex<Vec<u8>>>,
    /// Matches are searched after this offset of the cleaned screen text.
    cursor: usize,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A directory of its own for each call (tests run in parallel and remove theirs on drop).
fn temp_dir(tag: &str) -> TempDir {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("dana-repl-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::create_dir_all(&d);
    TempDir(d)
}

impl Pty {
    fn spawn(tag: &str) -> Pty {
        let dir = temp_dir(tag);
        let cmd = format!("stty cols 100 rows 40 2>/dev/null; exec '{}' repl", dana());
        let mut child = Command::new("script")
            .args(["-qfec", &cmd, "/dev/null"])
            .env("DANA_HISTORY", dir.0.join("history"))
            .env("DANA_POET_DIR", dir.0.join("poet"))
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn script");
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut stdout = child.stdout.take().unwrap();
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let stdin = child.stdin.take();
        let mut p = Pty {
            child,
            stdin,
            out,
            cursor: 0,
            _dir: dir,
        };
        p.expect(">>> ");
        p
    }

    /// The screen output so far without escape sequences and carriage returns.
    fn screen(&self) -> String {
        clean(&String::from_utf8_lossy(&self.out.lock().unwrap()))
    }

    fn send(&mut self, keys: &str) {
        let w = self.stdin.as_mut().unwrap();
        w.write_all(keys.as_bytes()).unwrap();
        w.flush().unwrap();
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Waits until `needle` appears after the cursor; moves the cursor past it.
    fn expect(&mut self, needle: &str) {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if let Some(i) = s.get(self.cursor..).and_then(|t| t.find(needle)) {
                self.cursor += i + needle.len();
                return;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("timed out waiting for {needle:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the process to exit; its status code.
    fn wait_exit(&mut self) -> i32 {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code().unwrap_or(-1);
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("dana repl did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Removes ANSI escape sequences and carriage returns.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    for n in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&n) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    for n in chars.by_ref() {
                        if n == '\x07' {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn pty_multiline_def_then_call() {
    require_script();
    let mut p = Pty::spawn("def");
    p.send("def double(x):\r");
    p.expect("... ");
    p.send("return x * 2\r");
    p.expect("... ");
    p.send("\r");
    p.expect(">>> ");
    p.send("double(21)\r");
    p.expect("\n42\n");
    p.expect(">>> ");
    p.send("\x04");
    assert_eq!(p.wait_exit(), 0);
}

#[test]
fn pty_tab_completion() {
    require_script();
    let mut p = Pty::spawn("tab");
    p.send("pri\t");
    p.expect("print");
    p.send("(7 * 6)\r");
    p.expect("\n42\n");
    p.expect(">>> ");
    p.send("word = 'abc'\r");
    p.expect(">>> ");
    p.send("word.upp\t");
    p.expect("upper");
    p.send("()\r");
    p.expect("'ABC'");
    p.expect(">>> ");
    p.send("struct Point:\r");
    p.expect("... ");
    p.send("xcoord: int\r");
    p.expect("... ");
    p.send("\r");
    p.expect(">>> ");
    p.send("pt = Point(xcoord=4)\r");
    p.expect(">>> ");
    p.send("pt.xc\t");
    p.expect("pt.xcoord");
    p.send(" + 1\r");
    p.expect("\n5\n");
    p.expect(">>> ");
    p.send("\x04");
    assert_eq!(p.wait_exit(), 0);
}

#[test]
fn pty_error_then_continue() {
    require_script();
    let mut p = Pty::spawn("err");
    p.send("1 / 0\r");
    p.expect("ZeroDivisionError");
    p.expect("<repl:1>");
    p.expect(">>> ");
    p.send("2 + 3\r");
    p.expect("\n5\n");
    p.send("\x04");
    assert_eq!(p.wait_exit(), 0);
}

#[test]
fn pty_ctrl_c_cancels_endless_loop() {
    require_script();
    let mut p = Pty::spawn("ctrlc");
    p.send("while True:\r");
    p.expect("... ");
    p.send("pass\r");
    p.expect("... ");
    p.send("\r");
    std::thread::sleep(Duration::from_millis(400));
    p.send("\x03");
    p.expect("KeyboardInterrupt");
    p.expect(">>> ");
    p.send("1 + 1\r");
    p.expect("\n2\n");
    p.expect(">>> ");
    // Ctrl-C at the prompt clears the line and stays.
    p.send("abc\x03");
    p.expect(">>> ");
    p.send("3 * 3\r");
    p.expect("\n9\n");
    p.send("\x04");
    assert_eq!(p.wait_exit(), 0);
}

#[test]
fn pty_meta_commands_and_history() {
    require_script();
    let mut p = Pty::spawn("meta");
    p.send(":type 1 + 2.0\r");
    p.expect("\nfloat\n");
    p.send("count = 5\r");
    p.expect(">>> ");
    p.send(":vars\r");
    p.expect("count: int = 5");
    p.send("@poet()\r");
    p.send("def double(x: int) -> int:\r");
    p.send("return 2 * x\r");
    p.send("\r");
    p.send("double(21)\r");
    p.expect("42");
    p.send(":poet list\r");
    p.expect("double");
    p.expect("v1");
    p.expect(">>> ");
    p.send("\x04");
    assert_eq!(p.wait_exit(), 0);
    let hist = std::fs::read_to_string(p._dir.0.join("history")).unwrap_or_default();
    assert!(hist.contains("count = 5"), "history: {hist}");
}

/// Line mode: stdin is not a terminal.
fn pipe(input: &str) -> (String, String, i32) {
    pipe_with(input, &[])
}

/// [`pipe`] with more environment variables.
fn pipe_with(input: &str, env: &[(&str, &str)]) -> (String, String, i32) {
    let dir = temp_dir("pipe");
    let mut child = Command::new(dana())
        .arg("repl")
        .env("DANA_HISTORY", dir.0.join("history"))
        .env("DANA_POET_DIR", dir.0.join("poet"))
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn line_mode_session() {
    let (out, err, code) = pipe(
        "def f(x):\n    return x * 2\n\nf(21)\nxs = [1,\n  2]\nxs\nprint('hi')\n1/0\nNone\n\
         :type 1 + 2.0\n:type 'a'.split()\nstruct P:\n    x: int\n\np = P(x=3)\np.x\n\
         def f(x):\n    return x + 1\n\nf(1)\n_\n:poet explore\n\
         struct P:\n    x: int\n    y: int = 7\n\nP(x=1).y\n\
         def h(n: int) -> str:\n    return str(n)\n\n:type h(1)\n:type P(x=1)\n:type nope\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "42\n[1, 2]\nhi\nfloat\nlist[str]\n3\n2\n2\n7\nstr\nP\n"
    );
    assert!(err.contains("ZeroDivisionError"), "{err}");
    assert!(err.contains("<repl:6>"), "{err}");
    assert!(err.contains("name 'nope' is not defined"), "{err}");
}

#[test]
fn line_mode_vars_load_reset() {
    let dir = temp_dir("load");
    let file = dir.0.join("lib.na");
    std::fs::write(&file, "def greet(n):\n    return 'hi ' + n\nLIMIT = 3\n").unwrap();
    let (out, err, code) = pipe(&format!(
        ":load {}\ngreet('ann')\n:vars\n:reset\n:vars\ngreet\n:bogus\n",
        file.display()
    ));
    assert_eq!(code, 0);
    assert!(out.starts_with("'hi ann'\n"), "{out}");
    assert!(out.contains("LIMIT: int = 3"), "{out}");
    assert!(out.contains("(session reset)\n(no variables)\n"), "{out}");
    assert!(err.contains("NameError"), "{err}");
    assert!(err.contains("unknown command :bogus"), "{err}");
}

#[test]
fn line_mode_syntax_error_points_into_input() {
    let (out, err, code) = pipe("x = (1 +\n)\n1 + 1\n");
    assert_eq!(code, 0);
    assert!(err.contains("SyntaxError"), "{err}");
    assert!(err.contains("<repl:1>"), "{err}");
    assert_eq!(out, "2\n");
}

#[test]
fn line_mode_poet_commands() {
    let (out, err, code) = pipe(
        "@poet(domain=\"api\")\ndef double(x: int) -> int:\n    return 2 * x\n\ndouble(21)\n\
         :poet list\n:poet show double\n:poet rollback double --to 9\n:poet nonsense\n\
         :poet feedback double 1 \"too small\"\n:poet stats double\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("42"), "{out}");
    assert!(out.contains("double") && out.contains("offline"), "{out}");
    assert!(out.contains("def operate(x: int) -> int:"), "{out}");
    assert!(err.contains("v9"), "{err}");
    assert!(err.contains("nonsense"), "{err}");
    assert!(
        out.contains("feedback ") && out.contains("(rating 1)"),
        "{out}"
    );
    assert!(out.contains("LOW-RATED") && out.contains("100%"), "{out}");
}

/// An error far right on a long input line is shown clipped, and the session goes on.
#[test]
fn line_mode_error_past_column_65535_keeps_the_session() {
    let pad = "a".repeat(70_000);
    let (out, err, code) = pipe(&format!(
        "x = len(\"{pad}\") + undefined_name\ny = len(\"{pad}\") + )\n1 + 1\n"
    ));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "2\n");
    assert!(
        err.contains("NameError") && err.contains("SyntaxError"),
        "{err}"
    );
    assert!(err.contains('…'), "{err}");
    assert!(err.len() < 8000, "{} bytes", err.len());
}

/// The REPL takes its memory limit from `DANA_MAX_MEMORY` as `dana run` does: past it, a
/// `MemoryError` and the session goes on; a limit that is not a size is a usage error.
#[test]
fn line_mode_honours_dana_max_memory() {
    let input = "x = \"ab\" * 50000000\nlen(\"ok\")\n";
    let (out, err, code) = pipe_with(input, &[("DANA_MAX_MEMORY", "32M")]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("MemoryError"), "{err}");
    assert_eq!(out, "2\n");
    let (out, _, code) = pipe_with(input, &[("DANA_MAX_MEMORY", "unlimited")]);
    assert_eq!(code, 0);
    assert_eq!(out, "2\n");
    let (_, err, code) = pipe_with("1\n", &[("DANA_MAX_MEMORY", "lots")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("DANA_MAX_MEMORY"), "{err}");
}
