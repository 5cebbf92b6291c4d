//! Helpers shared by the version store tests.

use dana_poet::store::{rfc3339_now, FunctionStore, Metadata, NewVersion, PoetDir};
use serde_json::json;
use std::fs;
use std::path::Path;

pub const CODE: &str = "def operate(x: int) -> int:\n    return x + 1\n";

pub fn metadata(key: &str) -> Metadata {
    Metadata {
        version: 0,
        created_at: rfc3339_now(),
        generator: "offline".into(),
        domain: "base".into(),
        template_version: 1,
        source_hash: PoetDir::sha256_hex(&["def f(x: int) -> int:\n    return x\n"]),
        cache_key: key.into(),
        parent: None,
        reason: "first call".into(),
        validation: json!({"passed": true, "checks": ["parse", "types"]}),
    }
}

pub fn version_with(code: &str, key: &str) -> NewVersion {
    NewVersion {
        code: code.into(),
        params: json!({"retries": 2, "timeout": 5.0, "key": key}),
        state: json!({"calls": 0, "failures": 0}),
        metadata: metadata(key),
    }
}

pub fn create(store: &FunctionStore, code: &str, key: &str) -> u32 {
    let lock = store.lock().expect("lock");
    store
        .create(&lock, version_with(code, key))
        .expect("create version")
}

pub fn entry_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

pub fn temp_entries(dir: &Path) -> Vec<String> {
    entry_names(dir)
        .into_iter()
        .filter(|n| n.starts_with(".tmp-") || n.starts_with(".current.tmp-"))
        .collect()
}
