//! `dana poet list | show | diff | rollback | gc` against stores built with the store API:
//! tables, `--json` documents, exit codes and the messages of mistakes.

use dana_poet::admin::serde_json::{self, json, Value};
use dana_poet::store::{rfc3339_now, Metadata, NewVersion, PoetDir};
use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

#[path = "support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;

fn code(n: u32) -> String {
    format!(
        "def perceive(x: int) -> dict:\n    return {{\"x\": x}}\n\n\
         def operate(x: int) -> int:\n    return x + {n}\n"
    )
}

fn new_version(n: u32, domain: &str, params: Value, state: Value) -> NewVersion {
    NewVersion {
        code: code(n),
        params,
        state,
        metadata: Metadata {
            version: 0,
            created_at: rfc3339_now(),
            generator: "offline".into(),
            domain: domain.into(),
            template_version: 2,
            source_hash: PoetDir::sha256_hex(&["def f(x: int) -> int:\n    return x\n"]),
            cache_key: PoetDir::sha256_hex(&["key", &n.to_string()]),
            parent: None,
            reason: format!("reason {n}"),
            validation: json!({"passed": true}),
        },
    }
}

/// `detect_drift` with v1..v3 (params change in v3; v3 has call counts) and `mod.score`.
fn build_store(tmp: &TempDir) -> PoetDir {
    let poet = PoetDir::new(tmp.poet());
    let f = poet.function("detect_drift").expect("name");
    let lock = f.lock().expect("lock");
    for n in 1..=3 {
        let params = json!({"retries": 2, "threshold": if n == 3 { 0.7 } else { 0.5 }});
        let state = if n == 3 {
            json!({"calls": 42, "failures": 3})
        } else {
            json!({})
        };
        f.create(&lock, new_version(n, "ml_monitoring", params, state))
            .expect("create");
    }
    drop(lock);
    let g = poet.function("mod.score").expect("name");
    let lock = g.lock().expect("lock");
    g.create(
        &lock,
        new_version(1, "base", json!({}), json!({"calls": 5})),
    )
    .expect("create");
    poet
}

fn dana(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DANA_POET_DIR")
        .env("NO_COLOR", "1")
        .output()
        .expect("run dana")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    stdout(o)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn list_prints_an_aligned_table_and_json() {
    let tmp = TempDir::new("list");
    build_store(&tmp);
    // The default store is ./.poet.
    let text = ok(&dana(&tmp.0, &["poet", "list"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("FUNCTION"), "{text}");
    let col = |line: &str, word: &str| line.find(word).unwrap_or(usize::MAX);
    let drift = lines[1];
    assert!(drift.starts_with("detect_drift "), "{text}");
    for word in ["v3", "v1..v3", "offline", "ml_monitoring", "42", "3", "ok"] {
        assert!(drift.contains(word), "{word}: {text}");
    }
    // Aligned columns: each value starts under its header.
    assert_eq!(col(lines[0], "CURRENT"), col(drift, " v3 ") + 1, "{text}");
    assert_eq!(
        col(lines[0], "DOMAIN"),
        col(drift, "ml_monitoring"),
        "{text}"
    );
    assert_eq!(col(lines[0], "DOMAIN"), col(lines[2], "base"), "{text}");
    assert!(lines[2].starts_with("mod.score "), "{text}");

    let doc = parse(&ok(&dana(&tmp.0, &["poet", "list", "--json"])));
    let functions = doc["functions"].as_array().expect("functions");
    assert_eq!(functions.len(), 2);
    assert_eq!(functions[0]["name"], "detect_drift");
    assert_eq!(functions[0]["current"], 3);
    assert_eq!(functions[0]["versions"], json!([1, 2, 3]));
    assert_eq!(functions[0]["calls"], 42);
    assert_eq!(functions[0]["failures"], 3);
    assert_eq!(functions[0]["damaged"], Value::Null);
    assert_eq!(functions[1]["name"], "mod.score");
    assert_eq!(functions[1]["failures"], 0);

    // --dir works before or after the subcommand, and $DANA_POET_DIR is the default.
    let elsewhere = tmp.0.join("sub");
    fs::create_dir_all(&elsewhere).expect("dir");
    let dir = tmp.poet();
    let dir = dir.to_str().expect("utf-8 path");
    assert!(ok(&dana(&elsewhere, &["poet", "list", "--dir", dir])).contains("mod.score"));
    assert!(ok(&dana(&elsewhere, &["poet", "--dir", dir, "list"])).contains("mod.score"));
    let env = Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(["poet", "list"])
        .current_dir(&elsewhere)
        .env("DANA_POET_DIR", dir)
        .output()
        .expect("run dana");
    assert!(ok(&env).contains("detect_drift"));
}

#[test]
fn list_of_an_empty_or_missing_store() {
    let tmp = TempDir::new("empty");
    // A store named with --dir that does not exist yet is empty.
    let text = ok(&dana(&tmp.0, &["poet", "list", "--dir", ".poet"]));
    assert_eq!(text, "no POET functions in .poet\n");
    let doc = parse(&ok(&dana(
        &tmp.0,
        &["poet", "list", "--json", "--dir", ".poet"],
    )));
    assert_eq!(doc["functions"], json!([]));
    assert!(!tmp.poet().exists(), "listing creates nothing");
    // Without --dir, a folder (and its parents) with no dana.toml and no .poet is no project:
    // the error says where it looked (unless a folder above the temp folder is a project).
    let marked = tmp
        .0
        .ancestors()
        .any(|d| d.join("dana.toml").exists() || d.join(".poet").exists());
    if !marked {
        let o = dana(&tmp.0, &["poet", "list"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("no Dana project here"),
            "{}",
            stderr(&o)
        );
        assert!(!tmp.poet().exists(), "listing creates nothing");
    }
}

#[test]
fn list_reports_damage_without_failing() {
    let tmp = TempDir::new("damaged");
    let poet = build_store(&tmp);
    fs::write(poet.root().join("detect_drift/v2/metadata.json"), "{\"vers").expect("damage");
    let text = ok(&dana(&tmp.0, &["poet", "list"]));
    assert!(text.contains("damaged"), "{text}");
    assert!(
        text.contains("detect_drift: ") && text.contains("v2/metadata.json is not valid JSON"),
        "{text}"
    );
    let doc = parse(&ok(&dana(&tmp.0, &["poet", "list", "--json"])));
    let msg = doc["functions"][0]["damaged"]
        .as_str()
        .expect("damage message");
    assert!(msg.contains("metadata.json"), "{msg}");
    assert_eq!(doc["functions"][1]["damaged"], Value::Null);
}

#[test]
fn show_prints_metadata_then_code() {
    let tmp = TempDir::new("show");
    build_store(&tmp);
    let text = ok(&dana(&tmp.0, &["poet", "show", "detect_drift"]));
    assert!(text.starts_with("function:    detect_drift\n"), "{text}");
    for line in [
        "version:     v3 (current)",
        "versions:    v1..v3",
        "generator:   offline",
        "domain:      ml_monitoring (template v2)",
        "parent:      v2",
        "reason:      reason 3",
        "state:       {\"calls\":42,\"failures\":3}",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
    assert!(
        text.ends_with(&format!("--- code.na ---\n{}", code(3))),
        "{text}"
    );

    let old = ok(&dana(
        &tmp.0,
        &["poet", "show", "detect_drift", "--version", "v1"],
    ));
    assert!(old.contains("version:     v1\n"), "{old}");
    assert!(old.contains("parent:      -"), "{old}");
    assert!(old.contains("return x + 1"), "{old}");

    let doc = parse(&ok(&dana(
        &tmp.0,
        &["poet", "show", "detect_drift", "--version", "2", "--json"],
    )));
    assert_eq!(doc["function"], "detect_drift");
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["current"], false);
    assert_eq!(doc["metadata"]["parent"], 1);
    assert_eq!(doc["metadata"]["domain"], "ml_monitoring");
    assert_eq!(doc["params"]["threshold"], 0.5);
    assert_eq!(doc["code"], code(2));
}

#[test]
fn unknown_functions_and_versions_are_clear_errors() {
    let tmp = TempDir::new("unknown");
    build_store(&tmp);
    let o = dana(&tmp.0, &["poet", "show", "detect_drif"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with("error: no POET function `detect_drif`"),
        "{err}"
    );
    assert!(err.contains("did you mean `detect_drift`?"), "{err}");
    assert!(err.contains("known: detect_drift, mod.score"), "{err}");
    assert!(stdout(&o).is_empty());

    let o = dana(&tmp.0, &["poet", "rollback", "score"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("did you mean `mod.score`?"),
        "{}",
        stderr(&o)
    );

    let o = dana(&tmp.0, &["poet", "show", "detect_drift", "--version", "9"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: `detect_drift` has no version v9 (versions: v1, v2, v3)\n"
    );

    let o = dana(&tmp.0, &["poet", "show", "detect_drift", "--version", "vx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`vx` is not a version"),
        "{}",
        stderr(&o)
    );

    let o = dana(&tmp.0, &["poet", "diff", "detect_drift", "1"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a missing argument is a usage error"
    );
}

#[test]
fn diff_of_code_and_params() {
    let tmp = TempDir::new("diff");
    build_store(&tmp);
    let text = ok(&dana(&tmp.0, &["poet", "diff", "detect_drift", "1", "v2"]));
    assert!(
        text.starts_with("--- detect_drift/v1/code.na\n+++ detect_drift/v2/code.na\n@@"),
        "{text}"
    );
    assert!(
        text.contains("\n-    return x + 1\n+    return x + 2\n"),
        "{text}"
    );
    assert!(
        !text.contains("params.json"),
        "v1 and v2 share their params: {text}"
    );

    let text = ok(&dana(&tmp.0, &["poet", "diff", "detect_drift", "2", "3"]));
    assert!(
        text.contains("--- detect_drift/v2/params.json\n+++ detect_drift/v3/params.json\n"),
        "{text}"
    );
    assert!(
        text.contains("-  \"threshold\": 0.5\n+  \"threshold\": 0.7\n"),
        "{text}"
    );

    let same = ok(&dana(&tmp.0, &["poet", "diff", "detect_drift", "2", "2"]));
    assert_eq!(
        same,
        "detect_drift: v2 and v2 have the same code.na and params.json\n"
    );

    let doc = parse(&ok(&dana(
        &tmp.0,
        &["poet", "diff", "detect_drift", "1", "3", "--json"],
    )));
    assert_eq!(doc["identical"], false);
    assert!(doc["code_diff"]
        .as_str()
        .is_some_and(|d| d.contains("+    return x + 3")));
    assert!(doc["params_diff"]
        .as_str()
        .is_some_and(|d| d.contains("threshold")));

    let o = dana(&tmp.0, &["poet", "diff", "detect_drift", "1", "7"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no version v7"), "{}", stderr(&o));
}

#[test]
fn rollback_moves_current() {
    let tmp = TempDir::new("rollback");
    let poet = build_store(&tmp);
    let f = poet.function("detect_drift").expect("name");

    let text = ok(&dana(&tmp.0, &["poet", "rollback", "detect_drift"]));
    assert_eq!(text, "rolled back detect_drift: v3 -> v2\n");
    assert_eq!(f.current().expect("current"), Some(2));

    let doc = parse(&ok(&dana(
        &tmp.0,
        &["poet", "rollback", "detect_drift", "--to", "v3", "--json"],
    )));
    assert_eq!(doc, json!({"function": "detect_drift", "from": 2, "to": 3}));
    assert_eq!(f.current().expect("current"), Some(3));

    let again = ok(&dana(
        &tmp.0,
        &["poet", "rollback", "detect_drift", "--to", "3"],
    ));
    assert_eq!(again, "detect_drift is already at v3\n");

    let o = dana(&tmp.0, &["poet", "rollback", "mod.score"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no version before v1"),
        "{}",
        stderr(&o)
    );

    // A dangling `current` is reported, and repaired with --to.
    fs::remove_dir_all(f.dir().join("v3")).expect("remove v3");
    let o = dana(&tmp.0, &["poet", "show", "detect_drift"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("dangling"), "{}", stderr(&o));
    let text = ok(&dana(
        &tmp.0,
        &["poet", "rollback", "detect_drift", "--to", "1"],
    ));
    assert!(text.contains("current is now v1"), "{text}");
    assert_eq!(f.current().expect("current"), Some(1));
}

fn set_age(path: &Path, days: u64) {
    let file = fs::File::options().write(true).open(path).expect("open");
    let when = SystemTime::now() - Duration::from_secs(days * 24 * 60 * 60);
    file.set_modified(when).expect("set mtime");
}

#[test]
fn gc_removes_old_processed_files_and_leftovers() {
    let tmp = TempDir::new("gc");
    let poet = build_store(&tmp);
    // Two events, one of them processed (just now).
    let queue = dana_poet::events::EventQueue::open(poet.root()).expect("queue");
    let e1 = dana_poet::events::Event::new(
        "function.execution",
        None,
        None,
        json!({"function_name": "detect_drift"}),
    );
    let e2 = dana_poet::events::Event::new(
        "function.execution",
        None,
        None,
        json!({"function_name": "detect_drift"}),
    );
    queue.emit_batch(&[e1.clone(), e2.clone()]).expect("emit");
    queue
        .mark_processed(std::slice::from_ref(&e1.id))
        .expect("mark");
    let feedback = poet.root().join("detect_drift/feedback/processed");
    for (path, days) in [
        (feedback.join("old.json"), 31),
        (feedback.join("new.json"), 1),
    ] {
        fs::write(&path, "{\"type\": \"function.execution\"}").expect("write");
        set_age(&path, days);
    }
    let leftover = poet.root().join("detect_drift/.tmp-v9-1-2");
    fs::create_dir_all(&leftover).expect("temp dir");
    fs::write(leftover.join("code.na"), "half a module").expect("temp file");

    let text = ok(&dana(&tmp.0, &["poet", "gc"]));
    assert!(
        text.starts_with(
            "gc .poet: 2 functions checked; removed 0 versions, 1 temporary entry, \
             0 processed events, 1 feedback file; freed "
        ),
        "{text}"
    );
    assert!(!feedback.join("old.json").exists());
    assert!(feedback.join("new.json").exists());
    assert_eq!(queue.processed().expect("processed").len(), 1);
    assert!(!leftover.exists());
    assert_eq!(
        poet.function("detect_drift")
            .expect("name")
            .versions()
            .expect("versions"),
        vec![1, 2, 3]
    );

    let doc = parse(&ok(&dana(
        &tmp.0,
        &["poet", "gc", "--retention-days", "0", "--json"],
    )));
    assert_eq!(doc["functions"], 2);
    assert_eq!(doc["events_removed"], 1, "{doc}");
    // Pending events are never collected.
    let pending = queue.pending().expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, e2.id);
    assert_eq!(doc["temp_removed"], 0);
    assert_eq!(doc["errors"], json!([]));
    assert!(doc["bytes_freed"].as_u64().is_some_and(|b| b > 0), "{doc}");
    assert!(queue.processed().expect("processed").is_empty());
}

#[test]
fn help_describes_the_commands() {
    let tmp = TempDir::new("help");
    let text = ok(&dana(&tmp.0, &["poet", "--help"]));
    for word in ["list", "show", "diff", "rollback", "gc", "--dir", "--json"] {
        assert!(text.contains(word), "{word}: {text}");
    }
    let text = ok(&dana(&tmp.0, &["poet", "gc", "--help"]));
    assert!(
        text.contains("--retention-days") && text.contains("30"),
        "{text}"
    );
    assert_eq!(dana(&tmp.0, &["poet"]).status.code(), Some(2));
    assert_eq!(dana(&tmp.0, &["poet", "frob"]).status.code(), Some(2));
}
