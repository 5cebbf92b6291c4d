//! The one error type of the version store. Every message names the file or directory involved
//! and says what is wrong with it, so a person can repair a damaged store by hand.

use super::layout::MARKER_FILE;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What went wrong while reading or writing a `.poet` store.
#[derive(Debug)]
pub enum StoreError {
    /// The operating system refused an operation (permissions, full disk, …).
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
    /// A file that every version holds is not there.
    Missing { path: PathBuf },
    /// A file is larger than the store ever writes ([`super::layout::MAX_FILE_BYTES`]).
    TooBig {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    /// A text file holds bytes that are not UTF-8.
    NotUtf8 { path: PathBuf },
    /// A JSON file does not parse.
    BadJson {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    /// `metadata.json` parses but lacks a field or has one of the wrong type.
    BadMetadata { path: PathBuf, detail: String },
    /// `metadata.json` claims another version number than the directory it is in.
    VersionMismatch {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    /// `code.na` is empty, or differs from what was written and no longer parses.
    CodeDamaged { path: PathBuf, detail: String },
    /// A function name that cannot be a directory of the store.
    BadName { name: String, reason: &'static str },
    /// `current` is a symlink to a version directory that does not exist.
    DanglingCurrent { path: PathBuf, target: String },
    /// `current` is not a symlink, or points somewhere other than a `v<N>` directory.
    BadCurrent { path: PathBuf, detail: String },
    /// The function has no directory `v<N>`.
    NoSuchVersion {
        function: String,
        version: u32,
        available: Vec<u32>,
    },
    /// The operation needs a current version and the function has none.
    NoCurrent { function: String },
    /// A rollback without a target found no earlier version that loads cleanly.
    NoRollbackTarget { function: String, current: u32 },
    /// The version asked for as a rollback target does not load.
    RollbackTarget {
        function: String,
        version: u32,
        source: Box<StoreError>,
    },
    /// No function of that name in the store.
    UnknownFunction {
        name: String,
        root: PathBuf,
        known: Vec<String>,
        suggestion: Option<String>,
    },
    /// A single version is larger than the whole budget of a function.
    FunctionTooLarge {
        function: String,
        size: u64,
        limit: u64,
    },
    /// A `StoreLock` taken on one function was handed to another.
    WrongLock { function: String, locked: PathBuf },
    /// A value could not be encoded as JSON.
    Encode { path: PathBuf, detail: String },
    /// Version numbers are exhausted (a `v4294967295` directory exists).
    VersionOverflow { function: String },
    /// A directory a destructive command was pointed at is not a POET store (no marker, or a
    /// file); nothing in it was touched.
    NotAStore { root: PathBuf, detail: String },
}

impl StoreError {
    /// True when the error describes damaged store content (a missing, truncated or corrupted
    /// file, a dangling link) rather than an operating-system failure or a wrong request.
    /// Callers recover from damage by falling back to another version or regenerating.
    pub fn is_damage(&self) -> bool {
        match self {
            StoreError::Missing { .. }
            | StoreError::TooBig { .. }
            | StoreError::NotUtf8 { .. }
            | StoreError::BadJson { .. }
            | StoreError::BadMetadata { .. }
            | StoreError::VersionMismatch { .. }
            | StoreError::CodeDamaged { .. }
            | StoreError::DanglingCurrent { .. }
            | StoreError::BadCurrent { .. } => true,
            StoreError::RollbackTarget { source, .. } => source.is_damage(),
            _ => false,
        }
    }

    /// The file or directory the error is about, when there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            StoreError::Io { path, .. }
            | StoreError::Missing { path }
            | StoreError::TooBig { path, .. }
            | StoreError::NotUtf8 { path }
            | StoreError::BadJson { path, .. }
            | StoreError::BadMetadata { path, .. }
            | StoreError::VersionMismatch { path, .. }
            | StoreError::CodeDamaged { path, .. }
            | StoreError::DanglingCurrent { path, .. }
            | StoreError::BadCurrent { path, .. }
            | StoreError::Encode { path, .. } => Some(path),
            StoreError::UnknownFunction { root, .. } | StoreError::NotAStore { root, .. } => {
                Some(root)
            }
            StoreError::WrongLock { locked, .. } => Some(locked),
            StoreError::RollbackTarget { source, .. } => source.path(),
            _ => None,
        }
    }

    pub(crate) fn io(path: &Path, action: &'static str, source: io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

/// `v1, v2, v5`, or `none`.
pub(crate) fn version_list(versions: &[u32]) -> String {
    if versions.is_empty() {
        return "none".to_string();
    }
    versions
        .iter()
        .map(|v| format!("v{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io {
                path,
                action,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            StoreError::Missing { path } => write!(f, "{} is missing", path.display()),
            StoreError::TooBig { path, size, limit } => write!(
                f,
                "{} is {size} bytes, over the limit of {limit} bytes",
                path.display()
            ),
            StoreError::NotUtf8 { path } => write!(
                f,
                "{} is not valid UTF-8 text: truncated or corrupted",
                path.display()
            ),
            StoreError::BadJson { path, line, column } => write!(
                f,
                "{} is not valid JSON (line {line}, column {column}): truncated or corrupted",
                path.display()
            ),
            StoreError::BadMetadata { path, detail } => {
                write!(
                    f,
                    "{} is not valid version metadata: {detail}",
                    path.display()
                )
            }
            StoreError::VersionMismatch {
                path,
                found,
                expected,
            } => write!(
                f,
                "{} says version {found}, but it is stored in v{expected}",
                path.display()
            ),
            StoreError::CodeDamaged { path, detail } => {
                write!(f, "{} is damaged: {detail}", path.display())
            }
            StoreError::BadName { name, reason } => {
                write!(f, "invalid POET function name {name:?}: {reason}")
            }
            StoreError::DanglingCurrent { path, target } => write!(
                f,
                "{} points at {target}, which does not exist (dangling link)",
                path.display()
            ),
            StoreError::BadCurrent { path, detail } => write!(f, "{} {detail}", path.display()),
            StoreError::NoSuchVersion {
                function,
                version,
                available,
            } => write!(
                f,
                "`{function}` has no version v{version} (versions: {})",
                version_list(available)
            ),
            StoreError::NoCurrent { function } => {
                write!(f, "`{function}` has no current version")
            }
            StoreError::NoRollbackTarget { function, current } => write!(
                f,
                "cannot roll back `{function}`: no version before v{current} loads cleanly"
            ),
            StoreError::RollbackTarget {
                function,
                version,
                source,
            } => write!(f, "cannot roll back `{function}` to v{version}: {source}"),
            StoreError::UnknownFunction {
                name,
                root,
                known,
                suggestion,
            } => {
                write!(f, "no POET function `{name}` in {}", root.display())?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean `{s}`?")?;
                }
                if known.is_empty() {
                    write!(f, " (the store holds no functions)")
                } else {
                    write!(f, " (known: {})", known.join(", "))
                }
            }
            StoreError::FunctionTooLarge {
                function,
                size,
                limit,
            } => write!(
                f,
                "a version of `{function}` would take {size} bytes, over the limit of {limit} \
                 bytes per function"
            ),
            StoreError::WrongLock { function, locked } => write!(
                f,
                "the lock passed for `{function}` was taken on {}",
                locked.display()
            ),
            StoreError::Encode { path, detail } => {
                write!(f, "cannot encode {}: {detail}", path.display())
            }
            StoreError::VersionOverflow { function } => {
                write!(f, "`{function}` has used up all version numbers")
            }
            StoreError::NotAStore { root, detail } => write!(
                f,
                "{} is not a POET store: {detail}; nothing in it was changed or deleted\n\
                 help: POET marks every store it creates or uses with {}; a store made by an \
                 older dana is marked the next time a program uses it (or run `touch {}`)",
                root.display(),
                MARKER_FILE,
                root.join(MARKER_FILE).display()
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            StoreError::RollbackTarget { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}
