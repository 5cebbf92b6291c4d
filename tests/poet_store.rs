//! A store and tools that never hurt the program, end to end through `dana`: `gc` touches only
//! marked stores and POET-shaped folders; an unusable store means one warning and the original
//! functions; planted numbers in the store are clamped; huge error messages are cut to fit
//! the event limit; store identity comes from the canonical module path.

use dana_interpreter::check::serde_json::{self, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("dana-poet-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }
    fn dana_env(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dana"));
        cmd.args(args)
            .current_dir(&self.0)
            .env("NO_COLOR", "1")
            .env_remove("DANA_POET_DIR")
            .env_remove("DANA_LLM_BASE_URL")
            .env_remove("DANA_LLM_PROVIDER")
            .env_remove("DANA_MOCK_LLM")
            .env_remove("OPENAI_API_KEY")
            .env_remove("ANTHROPIC_API_KEY");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
    fn dana(&self, args: &[&str]) -> (i32, String, String) {
        self.dana_env(args, &[])
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every file under `root`, relative, sorted, with its content.
fn snapshot(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(p) = todo.pop() {
        for e in std::fs::read_dir(&p).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                todo.push(path.clone());
            }
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            out.push((rel, std::fs::read(&path).unwrap_or_default()));
        }
    }
    out.sort();
    out
}

const PROGRAM: &str = "\
@poet(retries=0)
def add(a: int, b: int) -> int:
    return a + b

print(add(2, 3))
print(add(b=10, a=1))
";

#[test]
fn gc_refuses_an_ordinary_folder_and_deletes_nothing() {
    let d = Dir::new("gc-ordinary");
    // A user's folder that happens to look like a function store to a careless eye.
    for f in [
        "photos/v1/a.jpg",
        "photos/v2/b.jpg",
        "photos/.tmp-draft",
        "photos/current",
        "notes/v3/todo.txt",
        "readme.txt",
    ] {
        d.write(f, "precious");
    }
    let before = snapshot(&d.0);
    for json_flag in [false, true] {
        let mut args = vec!["poet", "gc", "--dir", "."];
        if json_flag {
            args.push("--json");
        }
        let (code, out, err) = d.dana(&args);
        assert_ne!(code, 0, "{out}{err}");
        assert!(
            err.contains("is not a POET store") && err.contains(".dana-poet-store"),
            "{err}"
        );
        assert!(
            err.contains("nothing in it was changed or deleted"),
            "{err}"
        );
        assert!(err.contains("help:"), "{err}");
    }
    for cmd in [
        vec!["poet", "rollback", "photos", "--dir", "."],
        vec!["poet", "regenerate", "photos", "--dir", "."],
    ] {
        let (code, _, err) = d.dana(&cmd);
        assert_ne!(code, 0, "{cmd:?}");
        assert!(err.contains("not a POET store"), "{cmd:?}: {err}");
    }
    assert_eq!(
        snapshot(&d.0),
        before,
        "a refused command changed the folder"
    );
}

#[test]
fn gc_in_a_real_store_leaves_foreign_folders_alone() {
    let d = Dir::new("gc-store");
    d.write("app.na", PROGRAM);
    let (code, out, err) = d.dana(&["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    let marker = std::fs::read_to_string(d.path(".poet/.dana-poet-store")).unwrap();
    assert!(marker.contains("format 1"), "{marker}");
    // A user folder inside the store, shaped like a function with leftovers.
    for f in [
        "mine/v1/x.txt",
        "mine/v2/y.txt",
        "mine/.tmp-v3-1-2-3",
        "mine/.lock",
    ] {
        d.write(&format!(".poet/{f}"), "keep me");
    }
    // A stale temp entry of POET's own in a real function folder goes.
    std::fs::create_dir_all(d.path(".poet/add/.tmp-v9-123-456-0")).unwrap();
    let (code, out, err) = d.dana(&["poet", "gc", "--dir", ".poet", "--json"]);
    // The folder it had to leave alone is an error of the run; the rest was done.
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("does not look like a POET function folder"),
        "{err}"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["temp_removed"], 1, "{report}");
    assert_eq!(report["foreign"], serde_json::json!(["mine"]), "{report}");
    assert_eq!(report["skipped"], serde_json::json!([]), "{report}");
    assert!(
        report["errors"]
            .to_string()
            .contains("does not look like a POET function folder"),
        "{report}"
    );
    for f in ["mine/v1/x.txt", "mine/v2/y.txt", "mine/.tmp-v3-1-2-3"] {
        assert!(d.path(&format!(".poet/{f}")).exists(), "{f} was deleted");
    }
    assert!(!d.path(".poet/add/.tmp-v9-123-456-0").exists());
    assert!(d.path(".poet/add/v1/code.na").exists());
}

#[test]
fn an_old_store_without_marker_is_adopted_by_the_runtime() {
    let d = Dir::new("adopt");
    d.write("app.na", PROGRAM);
    assert_eq!(d.dana(&["run", "app.na"]).0, 0);
    std::fs::remove_file(d.path(".poet/.dana-poet-store")).unwrap();
    let (code, _, err) = d.dana(&["poet", "gc", "--dir", ".poet"]);
    assert_ne!(code, 0);
    assert!(err.contains("no .dana-poet-store marker"), "{err}");
    // The next run uses the store and marks it; gc works again.
    let (code, out, _) = d.dana(&["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"));
    assert!(d.path(".poet/.dana-poet-store").is_file());
    assert_eq!(d.dana(&["poet", "gc", "--dir", ".poet"]).0, 0);
}

#[test]
fn an_unusable_store_means_one_warning_and_the_original() {
    let two =
        format!("{PROGRAM}\n@poet()\ndef neg(x: int) -> int:\n    return -x\n\nprint(neg(4))\n");
    // `.poet` is a file.
    let d = Dir::new("unusable-file");
    d.write("app.na", &two);
    d.write(".poet", "not a directory");
    let (code, out, err) = d.dana(&["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n-4\n"), "{err}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(
        err.contains("cannot be used") && err.contains("not a directory"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path(".poet")).unwrap(),
        "not a directory"
    );
    // DANA_POET_DIR names a file.
    let d = Dir::new("unusable-env");
    d.write("app.na", &two);
    d.write("store-file", "x");
    let (code, out, err) = d.dana_env(&["run", "app.na"], &[("DANA_POET_DIR", "store-file")]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n-4\n"), "{err}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(!d.path(".poet").exists());
    // Inside the store, a function folder that is a file: that function alone falls back.
    let d = Dir::new("unusable-function");
    d.write("app.na", &two);
    d.write(".poet/add", "a file where a folder should be");
    let (code, out, err) = d.dana(&["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n-4\n"), "{err}");
    assert!(err.contains("@poet add:"), "{err}");
    assert!(d.path(".poet/neg/v1/code.na").is_file());
    // The templates' folder cannot be read: even a function naming a user template runs.
    let d = Dir::new("unusable-domains");
    d.write(
        "app.na",
        &format!(
            "@poet(domain=\"my_rules\")\ndef one() -> int:\n    return 1\n\nprint(one())\n{two}"
        ),
    );
    d.write(".poet/domains", "a file where a folder should be");
    let (code, out, err) = d.dana(&["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "1\n5\n11\n-4\n"), "{err}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(err.contains("cannot be used"), "{err}");
}

#[test]
fn planted_numbers_in_the_store_are_clamped_and_reported() {
    let d = Dir::new("planted");
    d.write("app.na", PROGRAM);
    assert_eq!(d.dana(&["run", "app.na"]).0, 0);
    let v1 = d.path(".poet/add/v1");
    let mut params = json(&v1.join("params.json"));
    params["learned"] = serde_json::json!({
        "timeout": 1e300, "retries": 4_000_000_000u64, "defaults": {"b": "x"}
    });
    params["learning"] = serde_json::json!({"min_calls": 0, "timeouts": 0, "error_rate": -4});
    std::fs::write(v1.join("params.json"), params.to_string()).unwrap();
    let mut state = json(&v1.join("state.json"));
    state["breaker"] = serde_json::json!({
        "state": "open", "consecutive_failures": 4294967295u64, "recent": [],
        "opened_at": 1e300, "opened_count": 1
    });
    state["ratings"] =
        serde_json::json!([9_223_372_036_854_775_807i64, 9_223_372_036_854_775_807i64]);
    state["cooldown"] = serde_json::json!(1u64 << 60);
    state["calls"] = serde_json::json!(u64::MAX);
    state["failures"] = serde_json::json!(u64::MAX);
    std::fs::write(v1.join("state.json"), state.to_string()).unwrap();
    let (code, out, err) = d.dana(&["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert!(err.contains("damaged store"), "{err}");
    for part in [
        "learned.timeout",
        "learned.retries",
        "learning.min_calls",
        "opened_at",
        "counters above",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn decorator_numbers_out_of_range_are_clear_errors() {
    let d = Dir::new("decorator");
    for (arg, want) in [
        ("timeout=1e300", "@poet timeout=1e+300 is out of range"),
        (
            "retries=4000000000",
            "@poet retries=4000000000 is out of range",
        ),
        ("backoff=-1.0", "@poet backoff=-1.0 is out of range"),
        ("breaker={\"cooldown\": 1e300}", "breaker.cooldown"),
    ] {
        d.write(
            "e.na",
            &format!("@poet({arg})\ndef f(x: int) -> int:\n    return x\n\nprint(f(1))\n"),
        );
        let (code, out, err) = d.dana(&["run", "e.na"]);
        assert_eq!(code, 1, "{arg}: {out}{err}");
        assert!(
            err.contains(want) || err.contains(&want.replace("1e+300", "1e300")),
            "{arg}: {err}"
        );
        assert!(
            err.contains("e.na:1:1") && !err.contains("panicked"),
            "{arg}: {err}"
        );
    }
}

#[test]
fn a_huge_error_message_is_cut_to_fit_and_no_event_is_lost() {
    let d = Dir::new("huge-error");
    d.write(
        "app.na",
        "\
@poet(retries=0, breaker={\"failures\": 0, \"window\": 0})
def check(n: int) -> int:
    if n % 2 == 0:
        raise ValueError(\"x\" * 3000000)
    return n

ok = 0
for i in range(10):
    try:
        ok += check(i)
    except ValueError:
        ok += 100
print(ok)
",
    );
    let (code, out, err) = d.dana(&["run", "app.na"]);
    assert_eq!((code, out.as_str()), (0, "525\n"), "{err}");
    assert!(!err.contains("not being saved"), "{err}");
    let (code, out, err) = d.dana(&["poet", "events", "--dir", ".poet", "--json"]);
    assert_eq!(code, 0, "{err}");
    let executions: Vec<Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["type"] == "function.execution")
        .collect();
    assert_eq!(executions.len(), 10, "{}", &out[..out.len().min(2000)]);
    let failed: Vec<&Value> = executions
        .iter()
        .filter(|e| e["payload"]["status"] == "failure")
        .collect();
    assert_eq!(failed.len(), 5);
    for e in failed {
        let msg = e["payload"]["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("bytes cut]"),
            "{}",
            &msg[msg.len().saturating_sub(80)..]
        );
        assert!(e.to_string().len() <= 1 << 20);
    }
    // The counters reached state.json, with the failure message cut too.
    let state = json(&d.path(".poet/check/v1/state.json"));
    assert_eq!(state["calls"], 10, "{state}");
    assert_eq!(state["failures"], 5);
    let last = state["last_failure"]["message"].as_str().unwrap();
    assert!(last.len() < 5000 && last.contains("bytes cut]"));
}

#[test]
fn modules_run_by_a_relative_path_keep_separate_stores() {
    let d = Dir::new("relative");
    d.write(
        "helpers.na",
        "@poet()\ndef f(x: int) -> int:\n    return x * 10\n",
    );
    d.write(
        "main.na",
        "import helpers\n\n@poet()\ndef f(x: int) -> int:\n    return x + 1\n\nprint(f(1))\nprint(helpers.f(1))\n",
    );
    for _ in 0..2 {
        let (code, out, err) = d.dana(&["run", "main.na"]);
        assert_eq!((code, out.as_str()), (0, "2\n10\n"), "{err}");
    }
    let (code, out, err) = d.dana(&["run", "./main.na"]);
    assert_eq!((code, out.as_str()), (0, "2\n10\n"), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(d.path(".poet"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && n != "events")
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    // One version each, made from its own module's source: no run took the other module's
    // version for its own (which would regenerate over it every time).
    let hashes: Vec<Value> = names
        .iter()
        .map(|n| json(&d.path(&format!(".poet/{n}/v1/metadata.json")))["source_hash"].clone())
        .collect();
    assert_ne!(hashes[0], hashes[1]);
    for n in &names {
        assert!(
            !d.path(&format!(".poet/{n}/v2")).exists(),
            "{n} was regenerated"
        );
    }
}

#[test]
fn counters_that_cannot_be_saved_are_reported_once_and_the_program_goes_on() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let d = Dir::new("save-fails");
    d.write(
        "app.na",
        "@poet(retries=0)\ndef add(a: int, b: int) -> int:\n    return a + b\n\n\
         print(add(1, 2))\ngo = input(\"\")\nfor i in range(3):\n    print(add(i, i))\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(["run", "app.na"])
        .current_dir(&d.0)
        .env("NO_COLOR", "1")
        .env_remove("DANA_POET_DIR")
        .env_remove("DANA_LLM_BASE_URL")
        .env_remove("DANA_LLM_PROVIDER")
        .env_remove("DANA_MOCK_LLM")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert_eq!(first, "3\n");
    // The version is loaded; now its state.json cannot be replaced any more.
    let state = d.path(".poet/add/v1/state.json");
    std::fs::remove_file(&state).unwrap();
    std::fs::create_dir(&state).unwrap();
    std::fs::write(state.join("blocker"), "x").unwrap();
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let done = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{err}");
    assert_eq!(rest, "0\n2\n4\n");
    assert_eq!(err.matches("cannot be saved").count(), 1, "{err}");
}
