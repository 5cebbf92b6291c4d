//! `@poet` functions in the editor: what POET's store holds for a function (its current
//! version, the generator, the state of the version), read from the `.poet` store of the
//! document's project (`$DANA_POET_DIR` when set, else the nearest folder upward holding
//! `dana.toml` or `.poet`, as `dana run` finds it), and where the enhanced `code.na` is.

use dana_poet::admin;
use dana_poet::store::PoetDir;
use std::path::{Path, PathBuf};

/// The current stored version of a function, as hover and the code lens show it.
#[derive(Clone, Debug)]
pub(crate) struct Stored {
    /// The function's name in the store (`f` or `module.f`).
    pub(crate) name: String,
    pub(crate) version: u32,
    pub(crate) versions: Vec<u32>,
    pub(crate) generator: String,
    pub(crate) domain: String,
    pub(crate) created_at: String,
    /// The version's `state.json`.
    pub(crate) state: serde_json::Value,
    pub(crate) code: PathBuf,
}

/// What the store says about a `@poet` function.
#[derive(Clone, Debug)]
pub(crate) enum PoetInfo {
    Stored(Stored),
    /// No store, no versions yet, or a damaged store (with what was found).
    Missing(String),
}

/// The store of the project holding `document`.
pub(crate) fn store_for(document: &Path) -> Option<PoetDir> {
    if let Some(d) = std::env::var_os("DANA_POET_DIR").filter(|d| !d.is_empty()) {
        return Some(PoetDir::new(PathBuf::from(d)));
    }
    let folder = document.parent()?;
    let root = dana_llm::project::find_anchor(folder)?;
    Some(PoetDir::new(root.join(".poet")))
}

/// The current version of `function` (defined in `document`), looked up as `function`, then
/// as `<module>.function`.
pub(crate) fn lookup(document: &Path, function: &str) -> PoetInfo {
    let Some(dir) = store_for(document) else {
        return PoetInfo::Missing(
            "no POET store: no folder above this file holds dana.toml or .poet".into(),
        );
    };
    if !dir.root().is_dir() {
        return PoetInfo::Missing(format!(
            "no enhanced version yet ({} does not exist)",
            dir.root().display()
        ));
    }
    let module = document
        .file_stem()
        .map(|s| format!("{}.{function}", s.to_string_lossy()));
    let names = std::iter::once(function.to_string()).chain(module);
    let mut last_error = None;
    for name in names {
        match admin::inspect(&dir, &name, None) {
            Ok(view) => {
                let v = view.version;
                return PoetInfo::Stored(Stored {
                    name: view.function,
                    version: v.number,
                    versions: view.versions,
                    generator: v.metadata.generator,
                    domain: v.metadata.domain,
                    created_at: v.metadata.created_at,
                    state: v.state,
                    code: v.dir.join("code.na"),
                });
            }
            Err(e) => last_error = Some(e),
        }
    }
    match last_error {
        Some(e) if e.is_damage() => PoetInfo::Missing(format!("the store is damaged: {e}")),
        _ => PoetInfo::Missing("no enhanced version yet (the function has not run)".into()),
    }
}

/// The hover section of a `@poet` function (Markdown).
pub(crate) fn hover_text(info: &PoetInfo) -> String {
    match info {
        PoetInfo::Missing(why) => format!("**POET**: {why}"),
        PoetInfo::Stored(s) => {
            let state = match &s.state {
                serde_json::Value::Object(m) if !m.is_empty() => m
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => "(empty)".into(),
            };
            let all: Vec<String> = s.versions.iter().map(|v| format!("v{v}")).collect();
            format!(
                "**POET** `{}`: current version **v{}** of {}\n\n\
                 - generator: {}\n- domain: {}\n- created: {}\n- state: {}",
                s.name,
                s.version,
                all.join(", "),
                s.generator,
                s.domain,
                s.created_at,
                state
            )
        }
    }
}
