//! What a newcomer meets in the first hour with `dana`: program arguments (`--key=value`,
//! `--key value`), `dana FILE.na`, `dana run -`, output buffering and `flush=True`, Ctrl-C as
//! `KeyboardInterrupt`, and `dana check DIR`.

#[path = "support/temp_dir.rs"]
#[allow(dead_code)]
mod temp_dir;
use temp_dir::TempDir;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn dana_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run dana")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).replace('\r', "")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).replace('\r', "")
}

const MAIN: &str = "\
def main(top: int = 1, name: str = \"x\", dry_run: bool = False):
    print(top * 10, name, dry_run)
";

#[test]
fn double_dash_options_become_keyword_arguments() {
    let t = TempDir::new("args-dashes");
    std::fs::write(t.0.join("prog.na"), MAIN).unwrap();
    let o = dana_in(&t.0, &["run", "prog.na", "--top=2", "--name", "ada"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "20 ada False\n");
    // `--top 3`, a flag without a value (True), dashes as underscores, and `key=value` still.
    let o = dana_in(
        &t.0,
        &["run", "prog.na", "--top", "3", "--dry-run", "name=bo"],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "30 bo True\n");
    // The value is converted to the annotation, with the usual error when it cannot be.
    let o = dana_in(&t.0, &["run", "prog.na", "--top", "many"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("cannot assign 'many' to 'top: int'"),
        "{}",
        err(&o)
    );
}

#[test]
fn arguments_to_a_program_without_main_are_a_usage_error() {
    let t = TempDir::new("args-no-main");
    std::fs::write(t.0.join("plain.na"), "print(\"hi\")\n").unwrap();
    let o = dana_in(&t.0, &["run", "plain.na", "--top=2"]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(e.contains("takes no arguments"), "{e}");
    assert!(
        e.contains("defines no main()") && e.contains("'--top=2'"),
        "{e}"
    );
    // Without arguments the same program is fine.
    let o = dana_in(&t.0, &["run", "plain.na"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "hi\n");
}

#[test]
fn a_file_alone_is_run() {
    let t = TempDir::new("bare-file");
    std::fs::write(t.0.join("prog.na"), MAIN).unwrap();
    let o = dana_in(&t.0, &["prog.na", "--top", "4"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "40 x False\n");
    // A word that is not a file name is still an unknown subcommand.
    let o = dana_in(&t.0, &["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn run_dash_reads_the_program_from_stdin() {
    let t = TempDir::new("stdin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(["run", "-", "--top", "5"])
        .current_dir(&t.0)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dana");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(MAIN.as_bytes()).unwrap();
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "50 x False\n");
    // Errors name the program `<stdin>`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(["-"])
        .current_dir(&t.0)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dana");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"x = 1\nprint(y)\n").unwrap();
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("<stdin>:2:7"), "{}", err(&o));
}

/// Spawns `dana run prog.na` (in `dir`) with stdout on a pipe; returns the child and the time
/// its first line of output arrived, with that line.
fn first_line(mut cmd: Command) -> (std::process::Child, Duration, String) {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    (child, start.elapsed(), line)
}

#[test]
fn print_flush_true_writes_at_once_into_a_pipe() {
    let t = TempDir::new("flush");
    std::fs::write(
        t.0.join("slow.na"),
        "import time\nprint(\"early\", flush=True)\ntime.sleep(4)\nprint(\"late\")\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dana"));
    cmd.args(["run", "slow.na"]).current_dir(&t.0);
    let (mut child, _, line) = first_line(cmd);
    assert_eq!(line, "early\n");
    // The line came while the program still sleeps (block buffering alone would hold it).
    assert!(
        child.try_wait().unwrap().is_none(),
        "the line came only at exit"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(unix)]
#[test]
fn print_is_line_buffered_on_a_terminal() {
    // `script` gives the program a pseudo-terminal; without the tool there is nothing to test.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    }
    let t = TempDir::new("tty");
    std::fs::write(
        t.0.join("slow.na"),
        "import time\nprint(\"shown\")\ntime.sleep(4)\n",
    )
    .unwrap();
    let run = format!("{} run slow.na", env!("CARGO_BIN_EXE_dana"));
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &run, "/dev/null"]).current_dir(&t.0);
    let (mut child, _, line) = first_line(cmd);
    assert_eq!(line.trim_end(), "shown");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the line came only at exit"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `src` until it prints its first line, sends SIGINT, and returns the output.
#[cfg(unix)]
fn interrupted(tag: &str, src: &str) -> Output {
    let t = TempDir::new(tag);
    std::fs::write(t.0.join("loop.na"), src).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(["run", "loop.na"])
        .current_dir(&t.0)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dana");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut ready = String::new();
    reader.read_line(&mut ready).unwrap();
    assert_eq!(ready, "ready\n");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    let o = child.wait_with_output().unwrap();
    Output {
        stdout: rest.into_bytes(),
        ..o
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_raises_keyboard_interrupt() {
    let o = interrupted(
        "sigint",
        "\
print(\"ready\", flush=True)
n = 0
try:
    try:
        while True:
            n += 1
    except Exception:
        print(\"wrongly caught as an Exception\")
finally:
    print(\"finally ran\")
print(\"not reached\")
",
    );
    assert_eq!(o.status.code(), Some(130), "{}", err(&o));
    // Buffered output is flushed, `finally` ran, `except Exception` did not catch it.
    assert_eq!(out(&o), "finally ran\n");
    let e = err(&o);
    assert!(e.contains("KeyboardInterrupt"), "{e}");
    assert!(e.contains("loop.na:"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_bare_except_catches_keyboard_interrupt() {
    let o = interrupted(
        "sigint-caught",
        "\
import time
print(\"ready\", flush=True)
try:
    time.sleep(30)
except:
    print(\"caught\")
print(\"done\")
",
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), "caught\ndone\n");
}

#[test]
fn check_a_folder_checks_every_na_file_below_it() {
    let t = TempDir::new("check-dir");
    let d = &t.0;
    std::fs::create_dir_all(d.join("app/lib")).unwrap();
    std::fs::create_dir_all(d.join(".git")).unwrap();
    std::fs::create_dir_all(d.join(".poet/f/v1")).unwrap();
    std::fs::write(d.join("app/main.na"), "print(1 + 2)\n").unwrap();
    std::fs::write(
        d.join("app/lib/util.na"),
        "def f(x: int) -> int:\n    return x\n",
    )
    .unwrap();
    std::fs::write(d.join("app/lib/broken.na"), "def f(:\n").unwrap();
    std::fs::write(d.join("app/notes.txt"), "def f(:\n").unwrap();
    std::fs::write(d.join(".git/hidden.na"), "def f(:\n").unwrap();
    std::fs::write(d.join(".poet/f/v1/code.na"), "def f(:\n").unwrap();
    let o = dana_in(d, &["check", "app"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let (so, se) = (out(&o), err(&o));
    assert!(
        so.contains("main.na: ok") && so.contains("util.na: ok"),
        "{so}"
    );
    // A syntax error ends with the same summary line as any other error.
    assert!(se.contains("broken.na: 1 error, 0 warnings"), "{se}");
    assert!(!se.contains("notes.txt"), "{se}");
    // From the top: hidden folders and the .poet store are skipped.
    let o = dana_in(d, &["check", "."]);
    let all = format!("{}{}", out(&o), err(&o));
    assert!(
        !all.contains("hidden.na") && !all.contains("code.na"),
        "{all}"
    );
    assert!(all.contains("broken.na"), "{all}");
}

#[test]
fn check_validates_poet_arguments_as_the_runtime_does() {
    let t = TempDir::new("check-poet");
    let src = "\
@poet(domain=\"no_such_domain\")
def a(x: int) -> int:
    return x

@poet(retriez=3)
def b(x: int) -> int:
    return x

@poet(domain=\"ml_monitoring\", retries=1, timeout=2.0)
def c(x: int) -> int:
    return x

level = \"x\"
@poet(domain=level)
def d(x: int) -> int:
    return x
";
    std::fs::write(t.0.join("p.na"), src).unwrap();
    let o = dana_in(&t.0, &["check", "p.na"]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(e.contains("no_such_domain") && e.contains("p.na:1:"), "{e}");
    assert!(e.contains("retriez") && e.contains("p.na:5:"), "{e}");
    // The valid decorator, and the one whose argument is known only at run time, pass.
    assert!(!e.contains("p.na:9:") && !e.contains("p.na:14:"), "{e}");
    assert!(e.contains("p.na: 2 errors"), "{e}");
    // The runtime reports the same first error.
    let run = dana_in(&t.0, &["run", "p.na"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(err(&run).contains("no_such_domain"), "{}", err(&run));
}

fn has_marked_ancestor(dir: &Path) -> bool {
    dir.ancestors()
        .any(|d| d.join("dana.toml").exists() || d.join(".poet").exists())
}

#[test]
fn run_and_poet_find_the_same_project_folder() {
    let t = TempDir::new("anchor");
    let root = t.0.canonicalize().unwrap();
    if has_marked_ancestor(&root) {
        eprintln!("skipped: a folder above the temp folder is already a Dana project");
        return;
    }
    std::fs::create_dir_all(root.join("tools/sub")).unwrap();
    std::fs::create_dir_all(root.join("elsewhere")).unwrap();
    // Nothing marks a project yet: `dana poet` says where it looked.
    let o = dana_in(&root.join("tools/sub"), &["poet", "list"]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(e.contains("no Dana project here"), "{e}");
    assert!(
        e.contains(&root.join("tools/sub").display().to_string()),
        "{e}"
    );
    assert!(e.contains(&root.display().to_string()), "{e}");
    // A dana.toml at the top makes it the project for scripts below it.
    std::fs::write(root.join("dana.toml"), "").unwrap();
    std::fs::write(
        root.join("tools/sub/job.na"),
        "@poet(train=False)\ndef inc(x: int) -> int:\n    return x + 1\n\nprint(inc(1))\n",
    )
    .unwrap();
    let script = root.join("tools/sub/job.na");
    let o = Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(["run", &script.display().to_string()])
        .current_dir(root.join("elsewhere"))
        .env_remove("DANA_POET_DIR")
        .env("DANA_LLM_PROVIDER", "offline")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "2\n");
    assert!(
        root.join(".poet").is_dir(),
        "the store is at the project's top"
    );
    assert!(!root.join("tools/sub/.poet").exists());
    assert!(!root.join("elsewhere/.poet").exists());
    // `dana poet` below the top finds that store.
    let o = Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(["poet", "list"])
        .current_dir(root.join("tools"))
        .env_remove("DANA_POET_DIR")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("inc"), "{}", out(&o));
}
