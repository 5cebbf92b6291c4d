//! One version's files: `metadata.json` and the loaded version, reading the files with
//! their size limit, the checksum of `code.na` and what a hand edit of it may change.

use super::error::StoreError;
use super::fsio::read_limited;
use super::layout::CODE_HASH_KEY;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// `metadata.json` of one version.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Metadata {
    /// The version number; equals the `N` of its `v<N>` directory.
    pub version: u32,
    /// When the version was created, RFC 3339 UTC (`2026-11-26T15:48:32Z`).
    pub created_at: String,
    /// `"offline"` or `"llm:<model>"`.
    pub generator: String,
    pub domain: String,
    pub template_version: u32,
    /// Hex SHA-256 of the original function's source.
    pub source_hash: String,
    /// Hex SHA-256 of everything that decides the version (POET_SPEC §4 "Cache").
    pub cache_key: String,
    /// The version that was current when this one was created.
    pub parent: Option<u32>,
    /// Why the version was created (first call, edited source, learning trigger, …).
    pub reason: String,
    /// The validation gate's report.
    pub validation: serde_json::Value,
}

/// What [`FunctionStore::create`] writes; it fills `metadata.version` and `metadata.parent`.
#[derive(Clone, Debug)]
pub struct NewVersion {
    pub code: String,
    pub params: serde_json::Value,
    pub state: serde_json::Value,
    pub metadata: Metadata,
}

/// One version, as loaded from disk.
#[derive(Clone, Debug)]
pub struct Version {
    pub number: u32,
    pub dir: PathBuf,
    pub code: String,
    pub params: serde_json::Value,
    pub state: serde_json::Value,
    pub metadata: Metadata,
}

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Plain SHA-256 of the code, so that `sha256sum code.na` shows the same value.
pub(super) fn code_hash(code: &str) -> String {
    hex(&Sha256::digest(code.as_bytes()))
}

/// JSON text with every registered secret replaced (a secret never holds JSON escapes, so
/// the result is still valid JSON).
pub(super) fn redact_bytes(bytes: Vec<u8>) -> Vec<u8> {
    match std::str::from_utf8(&bytes) {
        Ok(text) if dana_llm::secrets::contains_secret(text) => {
            dana_llm::redact_secrets(text).into_owned().into_bytes()
        }
        _ => bytes,
    }
}

pub(super) fn read_text(path: &Path) -> Result<String, StoreError> {
    let bytes = read_limited(path)?;
    String::from_utf8(bytes).map_err(|_| StoreError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

pub(super) fn read_json(path: &Path) -> Result<serde_json::Value, StoreError> {
    let bytes = read_limited(path)?;
    serde_json::from_slice(&bytes).map_err(|e| StoreError::BadJson {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
    })
}

/// Accepts the code when it matches the checksum recorded at creation (or none is recorded);
/// otherwise only when it is non-empty and parses, which is what a hand edit looks like.
pub(super) fn check_code(
    path: &Path,
    code: &str,
    meta: &serde_json::Value,
) -> Result<(), StoreError> {
    let Some(recorded) = meta.get(CODE_HASH_KEY).and_then(|h| h.as_str()) else {
        return Ok(());
    };
    if recorded == code_hash(code) {
        return Ok(());
    }
    let damaged = |detail: String| StoreError::CodeDamaged {
        path: path.to_path_buf(),
        detail,
    };
    if code.trim().is_empty() {
        return Err(damaged(
            "it is empty, and metadata.json records different code (truncated?)".to_string(),
        ));
    }
    if let Err(e) = dana_grammar::parse_module(code) {
        let start = usize::try_from(e.span.start)
            .unwrap_or(usize::MAX)
            .min(code.len());
        let before = &code.as_bytes()[..start];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        return Err(damaged(format!(
            "it differs from the code recorded in metadata.json ({CODE_HASH_KEY}) and does \
             not parse (line {line}, column {column}: {}): truncated or corrupted",
            e.message
        )));
    }
    Ok(())
}
