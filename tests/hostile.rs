//! The hostile suite: attacks on POET's containment and on the runtime's limits, each a folder
//! under `tests/hostile/<class>/<case>/` (format: tests/hostile/README.md). Every case runs the
//! built `dana` binary in a fresh temporary folder, optionally against a fake LLM server on
//! 127.0.0.1 serving the case's hostile answers, and checks what a user must see: the program's
//! output unchanged, the exit code, a bounded run (a wall limit per child process as a hang
//! guard, not a speed assertion), no panic and no abort, and the POET events and store files
//! that say what happened.
//!
//! All cases run (two at a time); every failing case is reported with a one-line reason, and
//! the test fails at the end if any did. `DANA_HOSTILE_FILTER=a,b` runs only the cases whose
//! name (`class/case`) contains one of the comma-separated substrings; `DANA_HOSTILE_KEEP=1`
//! keeps the run folders for inspection.

//!
//! The harness: `hostile/folder.rs` (the run folder and the values of `case.json`),
//! `hostile/child.rs` (running one `dana` child), `hostile/expect.rs` (the checks); this file
//! finds the cases, runs each one's steps and reports.

#[path = "hostile/child.rs"]
mod child;
#[path = "hostile/expect.rs"]
mod expect;
#[path = "hostile/folder.rs"]
mod folder;
mod support;

use child::{run_child, Ran, DEFAULT_ADDRESS_SPACE_MB, DEFAULT_WALL_SECS};
use expect::{check_after, check_step, matches, Context};
use folder::{apply_edits, copy_tree, replies, strings, Vars, Workdir};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;
use support::fake_llm::FakeLlm;

const MIN_CASES: usize = 60;
const FILTER_VAR: &str = "DANA_HOSTILE_FILTER";
const CASE_FILE: &str = "case.json";
const WORKERS: usize = 2;
/// The model name the fake server's answers come from (`llm:<model>` in metadata).
const MODEL: &str = "hostile-model";
/// Files of a case folder that are not copied into the run folder.
const NOT_COPIED: &[&str] = &[CASE_FILE, "answers", "store"];

fn hostile_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("hostile")
}

// ---------------------------------------------------------------------------------------------
// Discovering cases
// ---------------------------------------------------------------------------------------------

/// Every folder under `dir` holding a `case.json`, sorted by name.
fn collect_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(err) => panic!("cannot read {}: {err}", dir.display()),
    };
    entries.sort();
    for path in entries {
        if !path.is_dir() {
            continue;
        }
        if path.join(CASE_FILE).is_file() {
            out.push(path);
        } else {
            collect_cases(&path, out);
        }
    }
}

fn case_name(root: &Path, dir: &Path) -> String {
    dir.strip_prefix(root)
        .unwrap_or(dir)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn selected(name: &str) -> bool {
    match std::env::var(FILTER_VAR) {
        Ok(f) if !f.trim().is_empty() => f
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .any(|p| name.contains(p)),
        _ => true,
    }
}

// ---------------------------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------------------------

enum Outcome {
    Pass,
    Skip(String),
    Fail(String),
}

/// Running as root (Linux's /proc; elsewhere assumed not, and permission cases then run).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

fn run_case(root: &Path, case_dir: &Path) -> Outcome {
    let name = case_name(root, case_dir);
    let text = match std::fs::read_to_string(case_dir.join(CASE_FILE)) {
        Ok(t) => t,
        Err(e) => return Outcome::Fail(format!("cannot read {CASE_FILE}: {e}")),
    };
    let spec: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(format!("{CASE_FILE} is not JSON: {e}")),
    };
    if spec.get("about").and_then(Value::as_str).is_none() {
        return Outcome::Fail(format!("{CASE_FILE} has no \"about\" line"));
    }
    if spec.get("skip_as_root") == Some(&Value::Bool(true)) && is_root() {
        return Outcome::Skip("running as root: file permissions do not apply".into());
    }
    match run_case_spec(&name, case_dir, &spec) {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}

fn run_case_spec(name: &str, case_dir: &Path, spec: &Value) -> Result<(), String> {
    let work = Workdir::new(name);
    let dir = work.0.clone();
    // The case's files, and its planted store as `.poet/`.
    let rd = std::fs::read_dir(case_dir).map_err(|e| e.to_string())?;
    for e in rd.flatten() {
        let fname = e.file_name().to_string_lossy().into_owned();
        if NOT_COPIED.contains(&fname.as_str()) {
            continue;
        }
        let src = e.path();
        if src.is_dir() {
            copy_tree(&src, &dir.join(&fname))?;
        } else {
            std::fs::copy(&src, dir.join(&fname)).map_err(|e| format!("copy {fname}: {e}"))?;
        }
    }
    if case_dir.join("store").is_dir() {
        copy_tree(&case_dir.join("store"), &dir.join(".poet"))?;
    }
    if !dir.join("dana.toml").exists() {
        std::fs::write(
            dir.join("dana.toml"),
            "[llm]\nmax_retries = 0\ntimeout = 20\nread_timeout = 5\n",
        )
        .map_err(|e| e.to_string())?;
    }

    let mut vars = Vars {
        dir: dir.to_string_lossy().into_owned(),
        llm: String::new(),
        llm2: String::new(),
        key: spec
            .get("key")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    };
    // The second server first: the first one's answers may redirect to it.
    let llm2 = match spec.get("llm2") {
        Some(s) => Some(FakeLlm::start(replies(case_dir, s, &vars)?)),
        None => None,
    };
    if let Some(s) = &llm2 {
        vars.llm2 = s.base_url();
    }
    let llm = match spec.get("llm") {
        Some(s) => Some(FakeLlm::start(replies(case_dir, s, &vars)?)),
        None => None,
    };
    if let Some(s) = &llm {
        vars.llm = s.base_url();
    }
    if let Some(setup) = spec.get("setup") {
        apply_edits(&dir, setup, &vars)?;
    }

    let steps: Vec<Value> = match spec.get("steps").and_then(Value::as_array) {
        Some(s) => s.clone(),
        None => vec![spec.clone()],
    };
    for (i, step) in steps.iter().enumerate() {
        let at = if steps.len() > 1 {
            format!("step {}: ", i + 1)
        } else {
            String::new()
        };
        if let Some(before) = step.get("before") {
            apply_edits(&dir, before, &vars).map_err(|e| format!("{at}{e}"))?;
        }
        let args: Vec<String> = match step.get("args") {
            Some(a) => strings(Some(a)).iter().map(|s| vars.expand(s)).collect(),
            None => vec!["run".into(), "main.na".into()],
        };
        let mut env = BTreeMap::new();
        match &llm {
            Some(s) => {
                env.insert("DANA_LLM_BASE_URL".to_string(), s.base_url());
                env.insert("DANA_LLM_MODEL".to_string(), MODEL.to_string());
            }
            None => {
                env.insert("DANA_LLM_PROVIDER".to_string(), "offline".to_string());
            }
        }
        if !vars.key.is_empty() {
            env.insert("DANA_LLM_API_KEY".to_string(), vars.key.clone());
        }
        for source in [spec.get("env"), step.get("env")].into_iter().flatten() {
            if let Some(o) = source.as_object() {
                for (k, v) in o {
                    env.insert(k.clone(), vars.expand(v.as_str().unwrap_or("")));
                }
            }
        }
        let wall = step
            .get("wall_secs")
            .or(spec.get("wall_secs"))
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_WALL_SECS);
        let address_space = step
            .get("address_space_mb")
            .or(spec.get("address_space_mb"))
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_ADDRESS_SPACE_MB);
        let stdin = step.get("stdin").and_then(Value::as_str).unwrap_or("");
        let ran = run_child(
            &dir,
            &args,
            &env,
            stdin,
            Duration::from_secs(wall),
            address_space,
        )
        .map_err(|e| format!("{at}{e}"))?;
        check_step(step, &ran, &vars).map_err(|e| format!("{at}{e}"))?;
        if let Some(after) = step.get("after_step") {
            let mut cx = Context {
                dir: &dir,
                poet: dir.join(spec["poet_dir"].as_str().unwrap_or(".poet")),
                events: None,
                llm: llm.as_ref(),
                llm2: llm2.as_ref(),
            };
            check_after(&mut cx, after).map_err(|e| format!("{at}{e}"))?;
        }
    }
    if let Some(after) = spec.get("after") {
        let mut cx = Context {
            dir: &dir,
            poet: dir.join(spec["poet_dir"].as_str().unwrap_or(".poet")),
            events: None,
            llm: llm.as_ref(),
            llm2: llm2.as_ref(),
        };
        check_after(&mut cx, after)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

#[test]
fn hostile_cases() {
    let root = hostile_root();
    let mut all = Vec::new();
    collect_cases(&root, &mut all);
    assert!(
        all.len() >= MIN_CASES,
        "only {} hostile cases, expected at least {MIN_CASES}",
        all.len()
    );
    let cases: Vec<PathBuf> = all
        .into_iter()
        .filter(|c| selected(&case_name(&root, c)))
        .collect();
    assert!(
        !cases.is_empty(),
        "{FILTER_VAR} selects no case under {}",
        root.display()
    );

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(String, Outcome)>> = Mutex::new(Vec::new());
    thread::scope(|s| {
        for _ in 0..WORKERS.min(cases.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let name = case_name(&root, case);
                let outcome = run_case(&root, case);
                if let Ok(mut r) = results.lock() {
                    r.push((name, outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by(|a, b| a.0.cmp(&b.0));

    let mut report = String::new();
    let (mut passed, mut skipped, mut failed) = (0, 0, 0);
    for (name, outcome) in &results {
        match outcome {
            Outcome::Pass => passed += 1,
            Outcome::Skip(why) => {
                skipped += 1;
                eprintln!("skipped {name}: {why}");
            }
            Outcome::Fail(why) => {
                failed += 1;
                report.push_str(&format!("FAIL {name}: {why}\n"));
            }
        }
    }
    eprintln!(
        "hostile: {} cases, {passed} passed, {failed} failed, {skipped} skipped",
        results.len()
    );
    if failed > 0 {
        panic!(
            "{failed} of {} hostile cases failed:\n{report}",
            results.len()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The harness's own rules
// ---------------------------------------------------------------------------------------------

#[test]
fn patterns_match_what_they_state_and_nothing_else() {
    let event = json!({
        "function_name": "fee",
        "status": "failure",
        "fallback_used": true,
        "version": 1,
        "error": {"type": "MemoryError", "message": "over the limit of 1 GiB"},
        "attempts": [{"outcome": "rejected", "problems": ["code.na:2:5: print is not allowed"]}],
    });
    for yes in [
        json!({"function_name": "fee"}),
        json!({"version": 1.0, "fallback_used": true}),
        json!({"error": {"type": "MemoryError"}}),
        json!({"error": {"message": "~1 gib"}}),
        json!({"error": "~memoryerror"}),
        json!({"attempts": [{"outcome": "rejected"}]}),
        json!({"attempts": [{"problems": ["~PRINT"]}]}),
        json!({"status": "*", "missing": null}),
    ] {
        assert!(matches(&yes, &event), "{yes} should match");
    }
    for no in [
        json!({"function_name": "fe"}),
        json!({"version": 2}),
        json!({"fallback_used": false}),
        json!({"error": {"type": "TimeoutError"}}),
        json!({"attempts": [{"outcome": "accepted"}]}),
        json!({"attempts": {"outcome": "rejected"}}),
        json!({"train": "*"}),
        json!({"status": "~success"}),
    ] {
        assert!(!matches(&no, &event), "{no} should not match");
    }
}

#[test]
fn a_step_fails_on_panics_signals_hangs_and_wrong_output() {
    let vars = Vars {
        dir: "/tmp/x".into(),
        llm: String::new(),
        llm2: String::new(),
        key: "sk-k".into(),
    };
    let ran = |code: Option<i32>, signal: Option<i32>, out: &str, err: &str, timed_out: bool| Ran {
        code,
        signal,
        stdout: out.into(),
        stderr: err.into(),
        timed_out,
        elapsed: Duration::from_secs(1),
    };
    let step = json!({"stdout": ["5\n", "RecursionError\n"], "stderr_lacks": ["{key}"]});
    assert!(check_step(&step, &ran(Some(0), None, "5\n", "", false), &vars).is_ok());
    assert!(check_step(
        &step,
        &ran(Some(0), None, "RecursionError\n", "", false),
        &vars
    )
    .is_ok());
    for (bad, why) in [
        (ran(Some(0), None, "6\n", "", false), "stdout"),
        (ran(Some(1), None, "5\n", "", false), "exit 1"),
        (ran(None, Some(6), "5\n", "", false), "signal 6"),
        (ran(Some(0), None, "5\n", "", true), "still running"),
        (
            ran(
                Some(70),
                None,
                "5\n",
                "thread 'x' panicked at src/a.rs",
                false,
            ),
            "panic",
        ),
        (ran(Some(0), None, "5\n", "key sk-k leaked", false), "sk-k"),
    ] {
        let e = check_step(&step, &bad, &vars).expect_err(why);
        assert!(e.contains(why), "{e}");
    }
    let by_exit = json!({"exit": [0, 2], "on_exit": {"2": {"stderr_contains": ["SyntaxError"]}}});
    assert!(check_step(&by_exit, &ran(Some(0), None, "", "", false), &vars).is_ok());
    assert!(check_step(
        &by_exit,
        &ran(Some(2), None, "", "SyntaxError: x", false),
        &vars
    )
    .is_ok());
    assert!(check_step(&by_exit, &ran(Some(2), None, "", "error", false), &vars).is_err());
    let exits = json!({"exit": [1, 2]});
    assert!(check_step(&exits, &ran(Some(2), None, "", "", false), &vars).is_ok());
    assert!(check_step(&exits, &ran(Some(0), None, "", "", false), &vars).is_err());
}
