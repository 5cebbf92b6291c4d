//! Helpers shared by the event queue tests.

use dana_poet::events::{new_id, Event};
use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};

pub fn execution(function: &str, status: &str) -> Event {
    Event::new(
        "function.execution",
        None,
        None,
        json!({
            "function_name": function,
            "version": 1,
            "execution_id": new_id(),
            "status": status,
            "metrics": {"duration_ms": 1.5, "memory_mb": 10.0, "cpu_percent": 3.0},
        }),
    )
}

pub fn ids(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.id.clone()).collect()
}

pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub fn segments(dir: &Path) -> Vec<PathBuf> {
    names(dir)
        .into_iter()
        .filter(|n| n.ends_with(".jsonl") && !n.starts_with('.'))
        .map(|n| dir.join(n))
        .collect()
}

pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        })
}
