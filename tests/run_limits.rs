//! `dana run` limits: `--max-memory`, `--timeout`, `--max-operations` and `DANA_MAX_MEMORY`.
//! Every attack on memory ends in a `MemoryError` with exit code 1 (never an abort, 134).

use std::path::PathBuf;
use std::process::{Command, Output};

fn program(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dana-run-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn dana_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dana"));
    c.args(args)
        .env("NO_COLOR", "1")
        .env_remove("DANA_MAX_MEMORY")
        .env("DANA_MOCK_LLM", "true");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run dana")
}

fn dana(args: &[&str]) -> Output {
    dana_env(args, &[])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).replace('\r', "")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).replace('\r', "")
}

/// Runs `text` under `--max-memory limit` and expects an uncaught `MemoryError` at `line`.
fn expect_memory_error(name: &str, text: &str, limit: &str, line: usize) {
    let p = program(name, text);
    let o = dana(&["run", "--max-memory", limit, p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{name}: {err}");
    assert!(err.contains("MemoryError"), "{name}: {err}");
    assert!(err.contains(&format!("{name}:{line}:")), "{name}: {err}");
}

#[test]
fn many_strings_under_the_cap_end_in_a_memory_error() {
    expect_memory_error(
        "many_strings.na",
        "xs = []\nfor i in range(26):\n    xs.append(\"x\" * (16 * 1024 * 1024))\n",
        "64M",
        3,
    );
}

#[test]
fn split_of_a_huge_string_ends_in_a_memory_error() {
    expect_memory_error(
        "split.na",
        "parts = (\"x\" * 10**8).split(\"x\")\n",
        "256M",
        1,
    );
}

#[test]
fn list_of_a_huge_string_ends_in_a_memory_error() {
    expect_memory_error(
        "list_str.na",
        "s = \"x\" * 10**8\nxs = list(s)\n",
        "256M",
        2,
    );
}

#[test]
fn a_huge_comprehension_ends_in_a_memory_error() {
    expect_memory_error(
        "comprehension.na",
        "xs = [i for i in range(2 * 10**8)]\n",
        "32M",
        1,
    );
}

#[test]
fn memory_error_is_catchable_from_the_command_line() {
    let p = program(
        "catch.na",
        "try:\n    s = \"x\" * 10**9\nexcept MemoryError as e:\n    print(\"caught\", e.type)\nprint(\"after\")\n",
    );
    let o = dana(&["run", "--max-memory", "128M", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "caught MemoryError\nafter\n");
}

#[test]
fn the_message_names_the_limit_and_how_to_raise_it() {
    let p = program("message.na", "s = \"x\" * (300 * 1024 * 1024)\n");
    let o = dana(&["run", "--max-memory", "256M", p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("memory limit of 256 MiB exceeded"), "{err}");
    assert!(err.contains("--max-memory 1G"), "{err}");
}

#[test]
fn dana_max_memory_sets_the_limit_and_the_flag_wins() {
    let p = program("env.na", "s = \"x\" * (64 * 1024 * 1024)\nprint(len(s))\n");
    let path = p.to_str().unwrap();
    let o = dana_env(&["run", path], &[("DANA_MAX_MEMORY", "32M")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("memory limit of 32 MiB"),
        "{}",
        stderr(&o)
    );
    let o = dana_env(
        &["run", "--max-memory", "1G", path],
        &[("DANA_MAX_MEMORY", "32M")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "67108864\n");
    let o = dana_env(&["run", path], &[("DANA_MAX_MEMORY", "lots")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("DANA_MAX_MEMORY"), "{}", stderr(&o));
}

#[test]
fn invalid_limit_values_are_usage_errors() {
    let p = program("ok.na", "print(1)\n");
    let path = p.to_str().unwrap();
    for (flag, value, says) in [
        ("--max-memory", "12X", "invalid size"),
        ("--max-memory", "0", "more than 0"),
        ("--max-memory", "-1G", "invalid size"),
        ("--timeout", "soon", "seconds"),
        ("--timeout", "0", "more than 0"),
        ("--timeout", "-3", "more than 0"),
        ("--timeout", "1e300", "too large"),
        ("--timeout", "NaN", "more than 0"),
        ("--max-operations", "many", "whole number"),
        ("--max-operations", "0", "more than 0"),
        ("--max-operations", "1.5", "whole number"),
    ] {
        let o = dana(&["run", flag, value, path]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(says), "{flag} {value}: {err}");
        assert!(stdout(&o).is_empty());
    }
    // Valid forms run the program.
    for args in [
        ["--max-memory", "1073741824"],
        ["--max-memory", "512M"],
        ["--max-memory", "unlimited"],
        ["--timeout", "30"],
        ["--timeout", "0.5"],
        ["--max-operations", "1_000_000"],
    ] {
        let o = dana(&["run", args[0], args[1], path]);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "1\n");
    }
}

#[test]
fn timeout_stops_an_endless_program_with_a_located_error() {
    let p = program("forever.na", "n = 0\nwhile True:\n    n += 1\n");
    let o = dana(&["run", "--timeout", "0.3", p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("TimeoutError"), "{err}");
    assert!(
        err.contains("forever.na:2:") || err.contains("forever.na:3:"),
        "{err}"
    );
}

#[test]
fn max_operations_stops_a_long_program() {
    let p = program(
        "budget.na",
        "def spin():\n    while True:\n        pass\n\nspin()\n",
    );
    let o = dana(&["run", "--max-operations", "5000", p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("LimitError: operation budget of 5000 exhausted"),
        "{err}"
    );
    assert!(err.contains("budget.na:2:"), "{err}");
    // Without the flag a long loop over a finite range finishes: no default budget.
    let p = program(
        "finite.na",
        "n = 0\nfor i in range(200000):\n    n += 1\nprint(n)\n",
    );
    let o = dana(&["run", p.to_str().unwrap()]);
    assert_eq!(stdout(&o), "200000\n", "{}", stderr(&o));
}

#[test]
fn program_arguments_after_the_file_are_not_options() {
    // Words after the file belong to the program: `--timeout x` is main's keyword argument
    // `timeout`, not dana's time limit; `-v` stays a positional word.
    let p = program(
        "args.na",
        "def main(*words, **opts):\n    print(\" \".join(words), sorted(opts.items()))\n",
    );
    let o = dana(&["run", p.to_str().unwrap(), "--timeout", "x"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), " [('timeout', 'x')]\n");
    let o = dana(&[
        "run",
        "--timeout",
        "30",
        p.to_str().unwrap(),
        "-v",
        "--max-memory",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "-v [('max_memory', True)]\n");
}
