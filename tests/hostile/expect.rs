//! What the hostile suite checks after a child ran: the step's own expectations (exit code,
//! stdout, stderr) and every step's (no panic, no signal, no hang), then the `after` blocks
//! (POET events, stored JSON and text, files present or absent, requests to the fake LLM).

use crate::child::{run_child, Ran, DEFAULT_ADDRESS_SPACE_MB, DEFAULT_WALL_SECS};
use crate::folder::{strings, Vars};
use crate::support::fake_llm::FakeLlm;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Whether `actual` has everything `expected` states: objects by key (extra keys allowed),
/// arrays as "every expected item matches some actual item", a string `"~text"` as "contains
/// text" (case-insensitive; for a non-string, its JSON text), `"*"` as "present and not null",
/// numbers by value, everything else by equality.
pub(crate) fn matches(expected: &Value, actual: &Value) -> bool {
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

pub(crate) struct Context<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) poet: PathBuf,
    pub(crate) events: Option<Vec<Value>>,
    pub(crate) llm: Option<&'a FakeLlm>,
    pub(crate) llm2: Option<&'a FakeLlm>,
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
pub(crate) fn check_after(cx: &mut Context<'_>, spec: &Value) -> Result<(), String> {
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
pub(crate) fn check_step(step: &Value, ran: &Ran, vars: &Vars) -> Result<(), String> {
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
