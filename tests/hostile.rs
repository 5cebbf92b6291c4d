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

mod support;

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::fake_llm::{FakeLlm, Reply};

const MIN_CASES: usize = 60;
const FILTER_VAR: &str = "DANA_HOSTILE_FILTER";
/// Set (to anything) to keep every run folder for inspection; their paths go to stderr.
const KEEP_VAR: &str = "DANA_HOSTILE_KEEP";
const CASE_FILE: &str = "case.json";
/// The wall limit of one child process unless a step says otherwise (a hang guard).
const DEFAULT_WALL_SECS: u64 = 30;
/// The address-space limit of every child unless a step says otherwise: a guard for the
/// machine in case a memory limit does not hold, not an expectation.
const DEFAULT_ADDRESS_SPACE_MB: u64 = 8192;
const WORKERS: usize = 2;
/// The model name the fake server's answers come from (`llm:<model>` in metadata).
const MODEL: &str = "hostile-model";
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
// The run folder
// ---------------------------------------------------------------------------------------------

/// A temporary folder removed when dropped (permissions restored first, so that a case that
/// made something unreadable is still cleaned up).
struct Workdir(PathBuf);

impl Workdir {
    fn new(name: &str) -> Workdir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let tag: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let path = std::env::temp_dir().join(format!(
            "dana-hostile-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create the run folder");
        Workdir(path)
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        make_writable(&self.0);
        if std::env::var_os(KEEP_VAR).is_some() {
            eprintln!("kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn make_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.is_dir() {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
            if let Ok(rd) = std::fs::read_dir(path) {
                for e in rd.flatten() {
                    make_writable(&e.path());
                }
            }
        }
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("mkdir {}: {e}", to.display()))?;
    let rd = std::fs::read_dir(from).map_err(|e| format!("read {}: {e}", from.display()))?;
    for e in rd.flatten() {
        let src = e.path();
        let dst = to.join(e.file_name());
        if src.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| format!("copy {}: {e}", src.display()))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Values of case.json
// ---------------------------------------------------------------------------------------------

/// Replaces `{dir}`, `{llm}`, `{llm2}` and `{key}` in a text.
struct Vars {
    dir: String,
    llm: String,
    llm2: String,
    key: String,
}

impl Vars {
    fn expand(&self, s: &str) -> String {
        s.replace("{dir}", &self.dir)
            .replace("{llm2}", &self.llm2)
            .replace("{llm}", &self.llm)
            .replace("{key}", &self.key)
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn obj<'a>(v: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    v.get(key).and_then(Value::as_object)
}

/// The scripted replies of a server: `"file.md"` (an OpenAI answer whose text is that file of
/// `answers/`), `{"text": …}`, `{"file": …}`, with optional `status`, `headers` and `raw`
/// (a body sent as it is).
fn replies(case_dir: &Path, spec: &Value, vars: &Vars) -> Result<Vec<Reply>, String> {
    let list = spec.as_array().ok_or("an answer list must be an array")?;
    let read = |f: &str| {
        std::fs::read_to_string(case_dir.join("answers").join(f))
            .map_err(|e| format!("answer file answers/{f}: {e}"))
    };
    let mut out = Vec::new();
    for item in list {
        let reply = match item {
            Value::String(f) => Reply::openai_text(&vars.expand(&read(f)?)),
            Value::Object(o) => {
                let mut r = if let Some(raw) = o.get("raw").and_then(Value::as_str) {
                    Reply::raw(vars.expand(raw))
                } else if let Some(f) = o.get("file").and_then(Value::as_str) {
                    Reply::openai_text(&vars.expand(&read(f)?))
                } else if let Some(t) = o.get("text").and_then(Value::as_str) {
                    Reply::openai_text(&vars.expand(t))
                } else {
                    Reply::status(500)
                };
                if let Some(s) = o.get("status").and_then(Value::as_u64) {
                    r = r.with_status(s as u16);
                }
                if let Some(h) = o.get("headers").and_then(Value::as_object) {
                    for (k, v) in h {
                        r = r.with_header(k, &vars.expand(v.as_str().unwrap_or("")));
                    }
                }
                r
            }
            other => return Err(format!("bad answer {other}")),
        };
        out.push(reply);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Preparing the folder: writes, generated files, edits of stored JSON
// ---------------------------------------------------------------------------------------------

fn apply_edits(dir: &Path, spec: &Value, vars: &Vars) -> Result<(), String> {
    if let Some(w) = obj(spec, "write") {
        for (path, text) in w {
            let p = dir.join(vars.expand(path));
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("mkdir for {path}: {e}"))?;
            }
            std::fs::write(&p, vars.expand(text.as_str().unwrap_or("")))
                .map_err(|e| format!("write {path}: {e}"))?;
        }
    }
    for d in strings(spec.get("mkdir")) {
        std::fs::create_dir_all(dir.join(&d)).map_err(|e| format!("mkdir {d}: {e}"))?;
    }
    if let Some(list) = spec.get("repeat").and_then(Value::as_array) {
        // A large generated file: `parts` is a list of `[text, times]`, written in order.
        for r in list {
            let path = r["path"].as_str().ok_or("repeat needs a path")?;
            let parts = r["parts"].as_array().ok_or("repeat needs parts")?;
            let mut text = String::new();
            for part in parts {
                let unit = part[0].as_str().ok_or("a part is [text, times]")?;
                let times = part[1].as_u64().ok_or("a part is [text, times]")? as usize;
                text.reserve(unit.len() * times);
                for _ in 0..times {
                    text.push_str(unit);
                }
            }
            std::fs::write(dir.join(path), text).map_err(|e| format!("write {path}: {e}"))?;
        }
    }
    if let Some(list) = spec.get("append").and_then(Value::as_object) {
        for (path, text) in list {
            let p = dir.join(path);
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&p)
                .map_err(|e| format!("append to {path}: {e}"))?;
            f.write_all(vars.expand(text.as_str().unwrap_or("")).as_bytes())
                .map_err(|e| format!("append to {path}: {e}"))?;
        }
    }
    if let Some(list) = spec.get("json_set").and_then(Value::as_array) {
        // Sets the value at a JSON pointer of a stored file (planting a bad number).
        for s in list {
            let path = s["path"].as_str().ok_or("json_set needs a path")?;
            let pointer = s["pointer"].as_str().ok_or("json_set needs a pointer")?;
            let p = dir.join(path);
            let text = std::fs::read_to_string(&p).map_err(|e| format!("read {path}: {e}"))?;
            let mut doc: Value =
                serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))?;
            set_pointer(&mut doc, pointer, s["value"].clone())
                .map_err(|e| format!("{path}{pointer}: {e}"))?;
            std::fs::write(&p, doc.to_string()).map_err(|e| format!("write {path}: {e}"))?;
        }
    }
    for path in strings(spec.get("remove")) {
        let p = dir.join(&path);
        let _ = std::fs::remove_file(&p).or_else(|_| std::fs::remove_dir_all(&p));
    }
    if let Some(list) = spec.get("chmod").and_then(Value::as_object) {
        use std::os::unix::fs::PermissionsExt;
        for (path, mode) in list {
            let mode = u32::from_str_radix(mode.as_str().unwrap_or("755"), 8)
                .map_err(|e| format!("chmod {path}: {e}"))?;
            std::fs::set_permissions(dir.join(path), std::fs::Permissions::from_mode(mode))
                .map_err(|e| format!("chmod {path}: {e}"))?;
        }
    }
    Ok(())
}

fn set_pointer(doc: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    let mut parts: Vec<&str> = pointer.split('/').skip(1).collect();
    let last = parts.pop().ok_or("empty pointer")?;
    let mut cur = doc;
    for p in parts {
        if cur.get(p).is_none() {
            if let Some(o) = cur.as_object_mut() {
                o.insert(p.to_string(), json!({}));
            }
        }
        cur = cur.get_mut(p).ok_or_else(|| format!("no {p}"))?;
    }
    cur.as_object_mut()
        .ok_or("not an object")?
        .insert(last.to_string(), value);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Running a child
// ---------------------------------------------------------------------------------------------

struct Ran {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
    elapsed: Duration,
}

fn drain(mut r: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

fn run_child(
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

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/// Whether `actual` has everything `expected` states: objects by key (extra keys allowed),
/// arrays as "every expected item matches some actual item", a string `"~text"` as "contains
/// text" (case-insensitive; for a non-string, its JSON text), `"*"` as "present and not null",
/// numbers by value, everything else by equality.
fn matches(expected: &Value, actual: &Value) -> bool {
    match expected {
        Value::Object(e) => e.iter().all(|(k, ev)| match actual.get(k) {
            Some(av) => matches(ev, av),
            None => ev.is_null(),
        }),
        Value::Array(e) => match actual {
            Value::Array(a) => e.iter().all(|ev| a.iter().any(|av| matches(ev, av))),
            _ => false,
        },
        Value::String(s) if s == "*" => !actual.is_null(),
        Value::String(s) if s.starts_with('~') => {
            let needle = s[1..].to_lowercase();
            let hay = match actual {
                Value::String(a) => a.to_lowercase(),
                other => other.to_string().to_lowercase(),
            };
            hay.contains(&needle)
        }
        Value::Number(n) => actual.as_f64().zip(n.as_f64()).is_some_and(|(a, b)| a == b),
        other => other == actual,
    }
}

fn short(s: &str, n: usize) -> String {
    let one_line = s.replace('\n', "⏎");
    if one_line.chars().count() <= n {
        one_line
    } else {
        let head: String = one_line.chars().take(n).collect();
        format!("{head}…")
    }
}

/// Every event of the store as JSON, read with `dana poet events --json` (the documented
/// interface); an empty list when the store has none or cannot be read.
fn read_events(dir: &Path, poet: &Path) -> Vec<Value> {
    let args = vec![
        "poet".to_string(),
        "events".to_string(),
        "--json".to_string(),
        "--dir".to_string(),
        poet.to_string_lossy().into_owned(),
    ];
    let ran = match run_child(
        dir,
        &args,
        &BTreeMap::new(),
        "",
        Duration::from_secs(DEFAULT_WALL_SECS),
        DEFAULT_ADDRESS_SPACE_MB,
    ) {
        Ok(r) => r,
        Err(_) => return Vec::new(),
    };
    ran.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => files_under(&p, out),
                Ok(m) if m.is_file() => out.push(p),
                _ => {}
            }
        }
    }
}

/// The function folders of a store that hold at least one version.
fn stored_functions(poet: &Path) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(rd) = std::fs::read_dir(poet) {
        for e in rd.flatten() {
            if e.path().join("v1").join("code.na").is_file() {
                names.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    names
}

/// The `v<N>` folders of a function store.
fn version_count(function_dir: &Path) -> usize {
    std::fs::read_dir(function_dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.len() > 1
                        && name.starts_with('v')
                        && name[1..].bytes().all(|b| b.is_ascii_digit())
                        && e.path().is_dir()
                })
                .count()
        })
        .unwrap_or(0)
}

struct Context<'a> {
    dir: &'a Path,
    poet: PathBuf,
    events: Option<Vec<Value>>,
    llm: Option<&'a FakeLlm>,
    llm2: Option<&'a FakeLlm>,
}

impl Context<'_> {
    fn events(&mut self) -> &[Value] {
        if self.events.is_none() {
            self.events = Some(read_events(self.dir, &self.poet));
        }
        self.events.as_deref().unwrap_or(&[])
    }
}

/// Checks one expectation block; the first problem found.
fn check_after(cx: &mut Context<'_>, spec: &Value) -> Result<(), String> {
    if let Some(list) = spec.get("events").and_then(Value::as_array) {
        for e in list {
            let kind = e["type"].as_str().unwrap_or("");
            let payload = e.get("payload").cloned().unwrap_or(json!({}));
            let min = e.get("min").and_then(Value::as_u64).unwrap_or(1) as usize;
            let max = e.get("max").and_then(Value::as_u64).map(|m| m as usize);
            let events = cx.events();
            let n = events
                .iter()
                .filter(|ev| ev["type"] == kind && matches(&payload, &ev["payload"]))
                .count();
            if n < min || max.is_some_and(|m| n > m) {
                let kinds: Vec<String> = events
                    .iter()
                    .map(|ev| {
                        format!(
                            "{}{}",
                            ev["type"].as_str().unwrap_or("?"),
                            ev["payload"]
                                .get("status")
                                .map(|s| format!("({})", s.as_str().unwrap_or("")))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                return Err(format!(
                    "{n} `{kind}` events match {payload} (wanted {}{}); the store has [{}]",
                    min,
                    max.map(|m| format!("..{m}")).unwrap_or("+".into()),
                    short(&kinds.join(", "), 200)
                ));
            }
        }
    }
    if let Some(list) = spec.get("json").and_then(Value::as_array) {
        for j in list {
            let path = j["path"].as_str().unwrap_or("");
            let text = std::fs::read_to_string(cx.dir.join(path))
                .map_err(|e| format!("{path}: cannot read: {e}"))?;
            let doc: Value =
                serde_json::from_str(&text).map_err(|e| format!("{path}: not JSON: {e}"))?;
            let want = j.get("match").cloned().unwrap_or(json!({}));
            if !matches(&want, &doc) {
                return Err(format!(
                    "{path} does not match {want}: {}",
                    short(&doc.to_string(), 300)
                ));
            }
        }
    }
    if let Some(list) = spec.get("text").and_then(Value::as_array) {
        for t in list {
            let path = t["path"].as_str().unwrap_or("");
            let text = std::fs::read_to_string(cx.dir.join(path))
                .map_err(|e| format!("{path}: cannot read: {e}"))?
                .to_lowercase();
            let any = strings(t.get("contains_any"));
            if !any.is_empty() && !any.iter().any(|s| text.contains(&s.to_lowercase())) {
                return Err(format!("{path} contains none of {any:?}"));
            }
            for s in strings(t.get("lacks")) {
                if text.contains(&s.to_lowercase()) {
                    return Err(format!("{path} contains {s:?}"));
                }
            }
        }
    }
    for path in strings(spec.get("exists")) {
        if std::fs::symlink_metadata(cx.dir.join(&path)).is_err() {
            return Err(format!("{path} is gone"));
        }
    }
    for path in strings(spec.get("absent")) {
        if std::fs::symlink_metadata(cx.dir.join(&path)).is_ok() {
            return Err(format!("{path} exists"));
        }
    }
    let nowhere = strings(spec.get("nowhere"));
    if !nowhere.is_empty() {
        let mut files = Vec::new();
        files_under(cx.dir, &mut files);
        for f in files {
            let bytes = std::fs::read(&f).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            for s in &nowhere {
                if text.contains(s.as_str()) {
                    let rel = f.strip_prefix(cx.dir).unwrap_or(&f);
                    return Err(format!("{s:?} was written into {}", rel.display()));
                }
            }
        }
    }
    if let Some(n) = spec.get("stores_min").and_then(Value::as_u64) {
        let names = stored_functions(&cx.poet);
        if names.len() < n as usize {
            return Err(format!(
                "{} function stores with a version ({names:?}), wanted at least {n}",
                names.len()
            ));
        }
    }
    if let Some(n) = spec.get("stores_max").and_then(Value::as_u64) {
        let names = stored_functions(&cx.poet);
        if names.len() > n as usize {
            return Err(format!(
                "{} function stores with a version ({names:?}), wanted at most {n}",
                names.len()
            ));
        }
    }
    if let Some(n) = spec.get("versions_max").and_then(Value::as_u64) {
        for name in stored_functions(&cx.poet) {
            let versions = version_count(&cx.poet.join(&name));
            if versions > n as usize {
                return Err(format!(
                    ".poet/{name} holds {versions} versions, wanted at most {n} (another function's source shares it?)"
                ));
            }
        }
    }
    for (key, server) in [("llm_requests", cx.llm), ("llm2_requests", cx.llm2)] {
        if let Some(want) = spec.get(key) {
            let n = server.map(|s| s.request_count()).unwrap_or(0) as u64;
            let ok = match want {
                Value::Number(w) => Some(n) == w.as_u64(),
                Value::Object(o) => {
                    o.get("min").and_then(Value::as_u64).is_none_or(|m| n >= m)
                        && o.get("max").and_then(Value::as_u64).is_none_or(|m| n <= m)
                }
                _ => true,
            };
            if !ok {
                return Err(format!("{key}: {n}, wanted {want}"));
            }
        }
    }
    if let Some(list) = spec.get("llm_prompt_lacks").and_then(Value::as_array) {
        let requests = cx.llm.map(|s| s.requests()).unwrap_or_default();
        for s in list.iter().filter_map(Value::as_str) {
            if requests.iter().any(|r| r.raw_body.contains(s)) {
                return Err(format!("a request to the LLM contains {s:?}"));
            }
        }
    }
    if let Some(alts) = spec.get("one_of").and_then(Value::as_array) {
        let mut reasons = Vec::new();
        for alt in alts {
            match check_after(cx, alt) {
                Ok(()) => {
                    reasons.clear();
                    break;
                }
                Err(e) => reasons.push(e),
            }
        }
        if !reasons.is_empty() {
            return Err(format!("none of the outcomes: {}", reasons.join(" | ")));
        }
    }
    Ok(())
}

/// The checks every step gets and those the step states; the first problem found.
fn check_step(step: &Value, ran: &Ran, vars: &Vars) -> Result<(), String> {
    if ran.timed_out {
        return Err(format!(
            "still running after {:.0} s (killed); stderr: {}",
            ran.elapsed.as_secs_f64(),
            short(&ran.stderr, 160)
        ));
    }
    if let Some(sig) = ran.signal {
        return Err(format!(
            "killed by signal {sig}; stderr: {}",
            short(tail(&ran.stderr, 300), 200)
        ));
    }
    if ran.stderr.contains("panicked at") || ran.code == Some(101) || ran.code == Some(134) {
        return Err(format!(
            "panic/abort (exit {:?}): {}",
            ran.code,
            short(tail(&ran.stderr, 400), 220)
        ));
    }
    let want_exit: Vec<i64> = match step.get("exit") {
        Some(Value::Number(n)) => n.as_i64().into_iter().collect(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_i64).collect(),
        _ => vec![0],
    };
    let code = ran.code.map(i64::from).unwrap_or(-1);
    if !want_exit.contains(&code) {
        return Err(format!(
            "exit {code}, wanted {want_exit:?}; stderr: {}",
            short(tail(&ran.stderr, 400), 220)
        ));
    }
    // Checks that apply only for one exit code: `"on_exit": {"2": {"stderr_contains": [..]}}`.
    if let Some(extra) = step.get("on_exit").and_then(|o| o.get(code.to_string())) {
        let mut extra = extra.clone();
        if let Some(o) = extra.as_object_mut() {
            o.insert("exit".into(), json!(code));
        }
        check_step(&extra, ran, vars)?;
    }
    let outs: Vec<String> = strings(step.get("stdout"))
        .iter()
        .map(|s| vars.expand(s))
        .collect();
    if !outs.is_empty() && !outs.contains(&ran.stdout) {
        return Err(format!(
            "stdout {:?}, wanted {:?}; stderr: {}",
            short(&ran.stdout, 120),
            short(&outs[0], 120),
            short(tail(&ran.stderr, 300), 160)
        ));
    }
    for s in strings(step.get("stdout_lacks")) {
        if ran.stdout.contains(&vars.expand(&s)) {
            return Err(format!("stdout contains {s:?}"));
        }
    }
    let stderr_lc = ran.stderr.to_lowercase();
    let any = strings(step.get("stderr_contains_any"));
    if !any.is_empty() && !any.iter().any(|s| stderr_lc.contains(&s.to_lowercase())) {
        return Err(format!(
            "stderr has none of {any:?}: {}",
            short(tail(&ran.stderr, 300), 200)
        ));
    }
    for s in strings(step.get("stderr_contains")) {
        if !stderr_lc.contains(&vars.expand(&s).to_lowercase()) {
            return Err(format!(
                "stderr lacks {s:?}: {}",
                short(tail(&ran.stderr, 300), 200)
            ));
        }
    }
    for s in strings(step.get("stderr_lacks")) {
        let s = vars.expand(&s);
        if ran.stderr.contains(&s) {
            return Err(format!("stderr contains {s:?}"));
        }
    }
    Ok(())
}

fn tail(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut start = s.len() - n;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

// ---------------------------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------------------------

enum Outcome {
    Pass,
    Skip(String),
    Fail(String),
}

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
