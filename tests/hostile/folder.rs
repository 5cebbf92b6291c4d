//! The hostile suite's run folder: a temporary folder per case, filled from the case folder
//! and edited as `case.json` says (`setup`, `before`), and the values of `case.json` (`{dir}`,
//! `{llm}`, `{llm2}`, `{key}` and the fake LLM's scripted replies).

use crate::support::fake_llm::Reply;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Set (to anything) to keep every run folder for inspection; their paths go to stderr.
const KEEP_VAR: &str = "DANA_HOSTILE_KEEP";

// ---------------------------------------------------------------------------------------------
// The run folder
// ---------------------------------------------------------------------------------------------

/// A temporary folder removed when dropped (permissions restored first, so that a case that
/// made something unreadable is still cleaned up).
pub(crate) struct Workdir(pub(crate) PathBuf);

impl Workdir {
    pub(crate) fn new(name: &str) -> Workdir {
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

pub(crate) fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
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
pub(crate) struct Vars {
    pub(crate) dir: String,
    pub(crate) llm: String,
    pub(crate) llm2: String,
    pub(crate) key: String,
}

impl Vars {
    pub(crate) fn expand(&self, s: &str) -> String {
        s.replace("{dir}", &self.dir)
            .replace("{llm2}", &self.llm2)
            .replace("{llm}", &self.llm)
            .replace("{key}", &self.key)
    }
}

pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
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
pub(crate) fn replies(case_dir: &Path, spec: &Value, vars: &Vars) -> Result<Vec<Reply>, String> {
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

pub(crate) fn apply_edits(dir: &Path, spec: &Value, vars: &Vars) -> Result<(), String> {
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
