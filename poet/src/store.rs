//! The POET version store: every enhanced version of a function, on disk (POET_SPEC §5).
//!
//! ```text
//! .poet/
//!   <function>/                 "<module>.<function>" when two modules share a name
//!     v1/ code.na params.json state.json metadata.json
//!     v2/ ...
//!     current -> v2             relative symlink, replaced atomically
//!     feedback/pending/  feedback/processed/
//!     .lock                     exclusive file lock of writers
//!   events/pending/  events/processed/
//!   domains/                    user domain templates (never a function)
//! ```
//!
//! # Guarantees
//!
//! * **A version is complete before anyone sees it.** [`FunctionStore::create`] writes the four
//!   files into a hidden `.tmp-v<N>-…` directory, fsyncs each file and the directory, renames it
//!   to `v<N>` and fsyncs the function directory. Only then does `current` move: a new symlink
//!   is made under a temporary name and renamed over `current`, which is atomic on POSIX. A
//!   process killed at any instant leaves either no `v<N>` or a whole one, and `current` points
//!   at the old version or the new one. Leftover temporary entries are invisible to
//!   [`FunctionStore::versions`] and removed by [`FunctionStore::prune`].
//! * **One writer at a time.** Everything that adds, removes or promotes a version takes a
//!   [`StoreLock`] (an exclusive `flock` on `<function>/.lock`, released when the lock is
//!   dropped or the process dies). A caller that looks a cache key up and generates on a miss
//!   does both under one lock, so concurrent processes never produce two versions for one key.
//!   The lock is per open file: two `lock()` calls of one thread on the same function deadlock.
//! * **`state.json` and `params.json` change in place** through [`write_atomic`] (temp file,
//!   fsync, rename), without the lock: concurrent writers never corrupt the file, the last
//!   rename wins.
//! * **Damage is reported, never a panic.** [`FunctionStore::load`] checks every file: present,
//!   at most [`MAX_FILE_BYTES`], UTF-8, valid JSON, metadata complete and numbered like its
//!   directory. `metadata.json` also records the SHA-256 of `code.na` (key `code_sha256`); when
//!   the code no longer matches, it is accepted only if it is non-empty and still parses as
//!   Dana, because people may edit `code.na` by hand (POET_SPEC §2) while truncation or garbage
//!   almost never parses. Each error names the file and what is wrong with it.
//! * **Bounded.** At most [`MAX_VERSIONS`] versions and [`MAX_FUNCTION_BYTES`] per function:
//!   after each new version the oldest ones go, never the current version nor its parent. A
//!   pruned version is first renamed to a temporary name, so a crash mid-removal never leaves
//!   a half-deleted `v<N>`. While `current` is damaged, pruning keeps every version, since one
//!   of them is what a person will want to roll back to.
//!
//! A new version is numbered `1 + ` the highest `v<N>` present, damaged or not, so numbers
//! keep growing as old versions are pruned.

mod error;
mod fsio;
pub(crate) use fsio::fsync_dir;
mod prune;
mod time;

pub use error::StoreError;
pub use fsio::write_atomic;
pub use prune::PruneReport;
pub use time::{rfc3339_from_unix, rfc3339_now};

use fsio::{make_symlink, read_limited, unique_suffix};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// Versions kept per function.
pub const MAX_VERSIONS: usize = 10;
/// Bytes kept per function, all its versions together.
pub const MAX_FUNCTION_BYTES: u64 = 1 << 20;
/// The largest file the store reads; anything bigger is damage (the store never writes one).
pub const MAX_FILE_BYTES: u64 = 1 << 20;

const CODE_FILE: &str = "code.na";
const PARAMS_FILE: &str = "params.json";
const STATE_FILE: &str = "state.json";
const METADATA_FILE: &str = "metadata.json";
const CURRENT_LINK: &str = "current";
const LOCK_FILE: &str = ".lock";
/// Prefix of the temporary directories of `create` and `prune`; never a version.
const TEMP_PREFIX: &str = ".tmp-";
/// Prefix of the temporary symlink of `set_current`.
const CURRENT_TEMP_PREFIX: &str = ".current.tmp-";
/// Key of `metadata.json` holding the SHA-256 of `code.na`.
const CODE_HASH_KEY: &str = "code_sha256";
/// The marker file at the root of every store POET made or uses: destructive commands
/// (`gc`, `rollback`, …) touch only folders that carry it.
pub const MARKER_FILE: &str = ".dana-poet-store";
/// The store format the marker declares; a marker naming a higher one was written by a newer
/// dana, and destructive commands leave such a store alone.
pub const STORE_FORMAT: u32 = 1;
/// Directory names under `.poet` that belong to the store itself.
const RESERVED_NAMES: [&str; 2] = ["events", "domains"];
/// A temp file of [`write_atomic`] inside a version directory may belong to a writer that is
/// still running (those writes take no lock); older than this, its writer is gone.
const STALE_TEMP_FILE_AGE: Duration = Duration::from_secs(600);

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

/// A `.poet` directory. Nothing is created on disk until something is written.
#[derive(Clone, Debug)]
pub struct PoetDir {
    root: PathBuf,
}

impl PoetDir {
    pub fn new(root: impl Into<PathBuf>) -> PoetDir {
        PoetDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/.dana-poet-store`.
    pub fn marker_path(&self) -> PathBuf {
        self.root.join(MARKER_FILE)
    }

    /// Checks, without writing anything, that the store can be used: the root is missing (it
    /// will be made at the first write) or a directory that can be listed. A root that is a
    /// file or unreadable is an error saying so.
    pub fn probe(&self) -> Result<(), StoreError> {
        match fs::metadata(&self.root) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::io(&self.root, "inspect", e)),
            Ok(m) if !m.is_dir() => {
                return Err(StoreError::NotAStore {
                    root: self.root.clone(),
                    detail: "it is a file, not a directory".into(),
                })
            }
            Ok(_) => {}
        }
        fs::read_dir(&self.root)
            .map(drop)
            .map_err(|e| StoreError::io(&self.root, "list", e))
    }

    /// Makes the store usable by the runtime: creates the root when missing and writes the
    /// marker when it is not there yet (a store made by an older dana is adopted this way, the
    /// first time a program uses it). Any failure means the store is unusable.
    pub fn open_for_use(&self) -> Result<(), StoreError> {
        self.probe()?;
        fs::create_dir_all(&self.root).map_err(|e| StoreError::io(&self.root, "create", e))?;
        self.ensure_marker()
    }

    /// Writes the marker unless one is there.
    pub fn ensure_marker(&self) -> Result<(), StoreError> {
        let path = self.marker_path();
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return Ok(());
        }
        let text = format!(
            "This directory is a dana POET version store; `dana poet gc` may prune it.\nformat {STORE_FORMAT}\n"
        );
        write_atomic(&path, text.as_bytes()).map_err(|e| StoreError::io(&path, "write", e))
    }

    /// Whether the root carries a marker this dana understands; else the reason, for the
    /// error of a destructive command. An empty marker (made by hand with `touch`) counts as
    /// format 1.
    pub fn check_marker(&self) -> Result<(), StoreError> {
        let not_a_store = |detail: String| StoreError::NotAStore {
            root: self.root.clone(),
            detail,
        };
        match fs::metadata(&self.root) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(not_a_store("it is a file, not a directory".into())),
            Err(e) => return Err(not_a_store(format!("it cannot be opened ({e})"))),
        }
        let path = self.marker_path();
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => return Err(not_a_store(format!("{MARKER_FILE} is not a regular file"))),
            Err(_) => {
                return Err(not_a_store(format!(
                    "it has no {MARKER_FILE} marker, which POET writes into every store it \
                     creates or uses"
                )))
            }
        }
        let text = read_text(&path)?;
        let format = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("format "))
            .map(|n| n.trim().parse::<u32>());
        match format {
            None => Ok(()),
            Some(Ok(n)) if n <= STORE_FORMAT => Ok(()),
            Some(Ok(n)) => Err(not_a_store(format!(
                "its marker declares store format {n}, newer than this dana's {STORE_FORMAT}"
            ))),
            Some(Err(_)) => Err(not_a_store(format!(
                "its marker {} has an unreadable format line",
                path.display()
            ))),
        }
    }

    /// `<root>/events`, holding `pending/` and `processed/`.
    pub fn events_dir(&self) -> PathBuf {
        self.root.join("events")
    }

    /// The store of one function. The name is a single directory name: no separators, no
    /// `..`, no leading dot, not a name the store reserves (`events`, `domains`).
    pub fn function(&self, name: &str) -> Result<FunctionStore, StoreError> {
        validate_name(name)?;
        Ok(FunctionStore {
            name: name.to_string(),
            dir: self.root.join(name),
            root: self.root.clone(),
        })
    }

    /// The functions in the store, sorted: directories with a valid name that hold a `v<N>`
    /// directory or a `current` entry. A missing root is an empty store.
    pub fn functions(&self) -> Result<Vec<String>, StoreError> {
        let entries = match fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io(&self.root, "list", e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(&self.root, "list", e))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if validate_name(&name).is_err() || !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if holds_versions(&entry.path()) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Hex SHA-256 of `parts`, each prefixed with its length so that `("ab", "c")` and
    /// `("a", "bc")` hash differently. Used for source hashes and cache keys.
    pub fn sha256_hex(parts: &[&str]) -> String {
        let mut h = Sha256::new();
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
        }
        hex(&h.finalize())
    }
}

/// Same as [`PoetDir::sha256_hex`].
pub fn hash_hex(parts: &[&str]) -> String {
    PoetDir::sha256_hex(parts)
}

/// The file in a function folder naming the source file that defines the function.
pub const OWNER_FILE: &str = "owner";

/// Claims the function folder `dir` for the functions of `file`: `Ok(true)` when it is free
/// (the folder or its owner file does not exist yet: both are written now; a folder made before
/// owners were recorded is adopted) or already `file`'s, `Ok(false)` when another file owns it.
/// An owner file naming a file that no longer exists is taken over (a renamed script keeps its
/// versions). Two processes claiming one folder for two files at the same moment may both win; the names
/// of later runs follow the file that wrote last.
pub fn claim_owner(dir: &Path, file: &str) -> io::Result<bool> {
    let path = dir.join(OWNER_FILE);
    match fs::read_to_string(&path) {
        // An empty file is a write that a crash cut short: claim it again.
        // An owner that no longer exists (the file was renamed or moved) gives the folder up.
        Ok(owner)
            if !owner.trim().is_empty() && Path::new(owner.trim_end_matches('\n')).exists() =>
        {
            return Ok(owner.trim_end_matches('\n') == file)
        }
        Ok(_) => {}
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        Err(_) => {}
    }
    fs::create_dir_all(dir)?;
    fs::write(&path, format!("{file}\n"))?;
    Ok(true)
}

/// An unreadable directory counts as a function: listing it then reports the damage.
fn holds_versions(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return true;
    };
    entries.flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name == CURRENT_LINK
            || (parse_version_name(&name).is_some() && e.file_type().is_ok_and(|t| t.is_dir()))
    })
}

/// Why `dir` does not look exactly like a function folder POET made, or `None` when it does:
/// a `.lock` file, and nothing but `v<N>` directories (holding only the version files and
/// their temp files), `current`, `feedback/` and POET's own temporary entries. Destructive
/// commands skip any other folder, so user files that happen to sit in a store are never
/// taken for versions.
pub fn foreign_entry(dir: &Path) -> Option<String> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return Some(format!("it cannot be listed ({e})")),
    };
    if !fs::symlink_metadata(dir.join(LOCK_FILE)).is_ok_and(|m| m.is_file()) {
        return Some(format!("it has no {LOCK_FILE} file"));
    }
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(ty) = entry.file_type() else {
            return Some(format!("{name} cannot be inspected"));
        };
        let ok = match name.as_ref() {
            LOCK_FILE | OWNER_FILE => ty.is_file(),
            CURRENT_LINK => ty.is_symlink(),
            "feedback" => ty.is_dir(),
            n if parse_version_name(n).is_some() => {
                ty.is_dir() && version_files_only(&entry.path())
            }
            n => is_store_temp_name(n),
        };
        if !ok {
            return Some(format!("it holds {name:?}, which POET never writes there"));
        }
    }
    None
}

/// The temporary names of `create` (`.tmp-v<N>-…`), `prune` (`.tmp-pruned-v<N>-…`) and
/// `set_current` (`.current.tmp-<pid>`).
fn is_store_temp_name(name: &str) -> bool {
    if let Some(pid) = name.strip_prefix(CURRENT_TEMP_PREFIX) {
        return !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    }
    let Some(rest) = name.strip_prefix(TEMP_PREFIX) else {
        return false;
    };
    let rest = rest.strip_prefix("pruned-").unwrap_or(rest);
    let Some((v, suffix)) = rest.split_once('-') else {
        return false;
    };
    parse_version_name(v).is_some()
        && !suffix.is_empty()
        && suffix.bytes().all(|b| b.is_ascii_digit() || b == b'-')
}

/// A version directory holds the four files and, briefly, [`write_atomic`]'s temp files.
fn version_files_only(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().all(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let file = e.file_type().is_ok_and(|t| t.is_file());
        file && ([CODE_FILE, PARAMS_FILE, STATE_FILE, METADATA_FILE].contains(&name.as_ref())
            || [CODE_FILE, PARAMS_FILE, STATE_FILE, METADATA_FILE]
                .iter()
                .any(|f| name.starts_with(&format!(".{f}.tmp-"))))
    })
}

fn validate_name(name: &str) -> Result<(), StoreError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.contains('/') || name.contains('\\') {
        Some("it contains a path separator")
    } else if name.contains("..") {
        Some("it contains `..`")
    } else if name.starts_with('.') {
        Some("it starts with a dot")
    } else if RESERVED_NAMES.contains(&name) {
        Some("the store uses that directory itself")
    } else if name.chars().any(char::is_control) || name.contains(':') || name.contains('\0') {
        Some("it contains a control character or `:`")
    } else if name.len() > 200 {
        Some("it is longer than 200 bytes")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(StoreError::BadName {
            name: name.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// `v<N>` with `N` ≥ 1 in plain decimal (no sign, no leading zero) → `N`.
pub fn parse_version_name(name: &str) -> Option<u32> {
    let digits = name.strip_prefix('v')?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Plain SHA-256 of the code, so that `sha256sum code.na` shows the same value.
fn code_hash(code: &str) -> String {
    hex(&Sha256::digest(code.as_bytes()))
}

/// The exclusive lock of one function's store; released when dropped.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
    dir: PathBuf,
}

impl StoreLock {
    /// The function directory this lock protects.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The versions of one function.
#[derive(Clone, Debug)]
pub struct FunctionStore {
    name: String,
    dir: PathBuf,
    root: PathBuf,
}

impl FunctionStore {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `<dir>/v<v>`, whether it exists or not.
    pub fn version_dir(&self, v: u32) -> PathBuf {
        self.dir.join(format!("v{v}"))
    }

    /// `<dir>/feedback`, holding `pending/` and `processed/`.
    pub fn feedback_dir(&self) -> PathBuf {
        self.dir.join("feedback")
    }

    /// Takes the function's exclusive lock, waiting for other holders. Creates the function's
    /// directories (and the root's `events/`) first.
    pub fn lock(&self) -> Result<StoreLock, StoreError> {
        let file = self.open_lock_file()?;
        file.lock()
            .map_err(|e| StoreError::io(&self.dir.join(LOCK_FILE), "lock", e))?;
        Ok(StoreLock {
            _file: file,
            dir: self.dir.clone(),
        })
    }

    /// Like [`FunctionStore::lock`], but `Ok(None)` instead of waiting when another holder has
    /// the lock.
    pub fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        let file = self.open_lock_file()?;
        match file.try_lock() {
            Ok(()) => Ok(Some(StoreLock {
                _file: file,
                dir: self.dir.clone(),
            })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => {
                Err(StoreError::io(&self.dir.join(LOCK_FILE), "lock", e))
            }
        }
    }

    fn open_lock_file(&self) -> Result<File, StoreError> {
        // Every store POET writes to carries the marker (see [`MARKER_FILE`]).
        fs::create_dir_all(&self.root).map_err(|e| StoreError::io(&self.root, "create", e))?;
        PoetDir::new(&self.root).ensure_marker()?;
        let feedback = self.feedback_dir();
        let events = self.root.join("events");
        for d in [
            feedback.join("pending"),
            feedback.join("processed"),
            events.join("pending"),
            events.join("processed"),
        ] {
            fs::create_dir_all(&d).map_err(|e| StoreError::io(&d, "create", e))?;
        }
        let path = self.dir.join(LOCK_FILE);
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StoreError::io(&path, "open", e))
    }

    fn check_lock(&self, lock: &StoreLock) -> Result<(), StoreError> {
        if lock.dir == self.dir {
            return Ok(());
        }
        // The same directory may be spelled two ways (relative and absolute).
        match (fs::canonicalize(&lock.dir), fs::canonicalize(&self.dir)) {
            (Ok(a), Ok(b)) if a == b => Ok(()),
            _ => Err(StoreError::WrongLock {
                function: self.name.clone(),
                locked: lock.dir.clone(),
            }),
        }
    }

    /// The version numbers present, ascending: directories named `v<N>`, damaged or not.
    pub fn versions(&self) -> Result<Vec<u32>, StoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io(&self.dir, "list", e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(&self.dir, "list", e))?;
            let Some(n) = entry.file_name().to_str().and_then(parse_version_name) else {
                continue;
            };
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                out.push(n);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The version `current` points at; `None` when there is no `current`. An error when it
    /// is not a symlink, points elsewhere than a sibling `v<N>`, or dangles.
    pub fn current(&self) -> Result<Option<u32>, StoreError> {
        let path = self.dir.join(CURRENT_LINK);
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io(&path, "inspect", e)),
        };
        if !meta.file_type().is_symlink() {
            let kind = if meta.is_dir() {
                "a directory"
            } else {
                "a file"
            };
            return Err(StoreError::BadCurrent {
                path,
                detail: format!("is {kind}, not a symlink to a version directory"),
            });
        }
        let target = fs::read_link(&path).map_err(|e| StoreError::io(&path, "read", e))?;
        let shown = target.display().to_string();
        let mut components = target.components();
        let n = match (components.next(), components.next()) {
            (Some(Component::Normal(c)), None) => c.to_str().and_then(parse_version_name),
            _ => None,
        };
        let Some(n) = n else {
            return Err(StoreError::BadCurrent {
                path,
                detail: format!("points at {shown:?}, not at a version directory like \"v3\""),
            });
        };
        if !self.version_dir(n).is_dir() {
            return Err(StoreError::DanglingCurrent {
                path,
                target: shown,
            });
        }
        Ok(Some(n))
    }

    /// Loads version `v`, checking every file (see the module documentation).
    pub fn load(&self, v: u32) -> Result<Version, StoreError> {
        let dir = self.version_dir(v);
        if !dir.is_dir() {
            return Err(StoreError::NoSuchVersion {
                function: self.name.clone(),
                version: v,
                available: self.versions().unwrap_or_default(),
            });
        }
        let code_path = dir.join(CODE_FILE);
        let code = read_text(&code_path)?;
        let params = read_json(&dir.join(PARAMS_FILE))?;
        let state = read_json(&dir.join(STATE_FILE))?;
        let meta_path = dir.join(METADATA_FILE);
        let meta_value = read_json(&meta_path)?;
        let metadata: Metadata =
            serde_json::from_value(meta_value.clone()).map_err(|e| StoreError::BadMetadata {
                path: meta_path.clone(),
                detail: e.to_string(),
            })?;
        if metadata.version != v {
            return Err(StoreError::VersionMismatch {
                path: meta_path,
                found: metadata.version,
                expected: v,
            });
        }
        check_code(&code_path, &code, &meta_value)?;
        Ok(Version {
            number: v,
            dir,
            code,
            params,
            state,
            metadata,
        })
    }

    /// The newest version that loads cleanly and was made for `key`.
    pub fn find_by_key(&self, key: &str) -> Option<u32> {
        let versions = self.versions().ok()?;
        versions.into_iter().rev().find(|&v| {
            // Reading the key alone first keeps a miss cheap; the full load proves the hit.
            self.read_metadata_value(v)
                .is_some_and(|m| m.get("cache_key").and_then(|k| k.as_str()) == Some(key))
                && self.load(v).is_ok()
        })
    }

    /// `metadata.json` of `v` as plain JSON, or `None` when it cannot be read.
    fn read_metadata_value(&self, v: u32) -> Option<serde_json::Value> {
        let bytes = read_limited(&self.version_dir(v).join(METADATA_FILE)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The parent recorded by `v`, read leniently: a version whose other files are damaged
    /// still names its parent.
    fn read_parent(&self, v: u32) -> Option<u32> {
        let m = self.read_metadata_value(v)?;
        u32::try_from(m.get("parent")?.as_u64()?).ok()
    }

    /// Stores a new version, makes it current and prunes old ones; returns its number.
    pub fn create(&self, lock: &StoreLock, new: NewVersion) -> Result<u32, StoreError> {
        self.check_lock(lock)?;
        let NewVersion {
            code,
            params,
            state,
            mut metadata,
        } = new;
        // Nothing a store holds may carry the API key (an endpoint may echo it back).
        let code = dana_llm::redact_secrets(&code).into_owned();
        let number = match self.versions()?.last() {
            None => 1,
            Some(&n) => n
                .checked_add(1)
                .ok_or_else(|| StoreError::VersionOverflow {
                    function: self.name.clone(),
                })?,
        };
        let final_dir = self.version_dir(number);
        metadata.version = number;
        // A damaged `current` is no parent: the new version replaces it.
        metadata.parent = self.current().ok().flatten();
        let encode = |file: &str, value: &serde_json::Value| {
            serde_json::to_vec_pretty(value)
                .map(redact_bytes)
                .map_err(|e| StoreError::Encode {
                    path: final_dir.join(file),
                    detail: e.to_string(),
                })
        };
        let mut meta_value = serde_json::to_value(&metadata).map_err(|e| StoreError::Encode {
            path: final_dir.join(METADATA_FILE),
            detail: e.to_string(),
        })?;
        if let Some(obj) = meta_value.as_object_mut() {
            obj.insert(CODE_HASH_KEY.to_string(), code_hash(&code).into());
        }
        let files = [
            (PARAMS_FILE, encode(PARAMS_FILE, &params)?),
            (STATE_FILE, encode(STATE_FILE, &state)?),
            (METADATA_FILE, encode(METADATA_FILE, &meta_value)?),
            (CODE_FILE, code.into_bytes()),
        ];
        let size: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
        if size > MAX_FUNCTION_BYTES {
            return Err(StoreError::FunctionTooLarge {
                function: self.name.clone(),
                size,
                limit: MAX_FUNCTION_BYTES,
            });
        }
        let tmp = self
            .dir
            .join(format!("{TEMP_PREFIX}v{number}-{}", unique_suffix()));
        let written = (|| -> Result<(), StoreError> {
            fs::create_dir(&tmp).map_err(|e| StoreError::io(&tmp, "create", e))?;
            for (name, bytes) in &files {
                let path = tmp.join(name);
                fsio::write_new_file(&path, bytes)
                    .map_err(|e| StoreError::io(&path, "write", e))?;
            }
            fsync_dir(&tmp).map_err(|e| StoreError::io(&tmp, "sync", e))?;
            fs::rename(&tmp, &final_dir).map_err(|e| StoreError::io(&final_dir, "create", e))?;
            fsync_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, "sync", e))
        })();
        if let Err(e) = written {
            // Best effort: prune removes whatever is left.
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        self.set_current(lock, number)?;
        // Housekeeping only: the version is stored and current; surplus versions that cannot
        // be removed now stay until the next prune or `dana poet gc`.
        let _ = self.prune(lock);
        Ok(number)
    }

    /// Points `current` at `v<v>`, atomically.
    pub fn set_current(&self, lock: &StoreLock, v: u32) -> Result<(), StoreError> {
        self.check_lock(lock)?;
        if !self.version_dir(v).is_dir() {
            return Err(StoreError::NoSuchVersion {
                function: self.name.clone(),
                version: v,
                available: self.versions().unwrap_or_default(),
            });
        }
        let tmp = self
            .dir
            .join(format!("{CURRENT_TEMP_PREFIX}{}", std::process::id()));
        // Left by an earlier process that had the same id and died here.
        let _ = fs::remove_file(&tmp);
        make_symlink(&format!("v{v}"), &tmp).map_err(|e| StoreError::io(&tmp, "create", e))?;
        let link = self.dir.join(CURRENT_LINK);
        if let Err(e) = fs::rename(&tmp, &link) {
            let _ = fs::remove_file(&tmp);
            return Err(StoreError::io(&link, "replace", e));
        }
        fsync_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, "sync", e))
    }

    /// Replaces `state.json` of `v` atomically. Needs no lock.
    pub fn write_state(&self, v: u32, state: &serde_json::Value) -> Result<(), StoreError> {
        self.write_json_file(v, STATE_FILE, state)
    }

    /// Replaces `params.json` of `v` atomically. Needs no lock.
    pub fn write_params(&self, v: u32, params: &serde_json::Value) -> Result<(), StoreError> {
        self.write_json_file(v, PARAMS_FILE, params)
    }

    fn write_json_file(
        &self,
        v: u32,
        file: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let dir = self.version_dir(v);
        if !dir.is_dir() {
            return Err(StoreError::NoSuchVersion {
                function: self.name.clone(),
                version: v,
                available: self.versions().unwrap_or_default(),
            });
        }
        let path = dir.join(file);
        let bytes = serde_json::to_vec_pretty(value)
            .map(redact_bytes)
            .map_err(|e| StoreError::Encode {
                path: path.clone(),
                detail: e.to_string(),
            })?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(StoreError::TooBig {
                path,
                size: bytes.len() as u64,
                limit: MAX_FILE_BYTES,
            });
        }
        write_atomic(&path, &bytes).map_err(|e| StoreError::io(&path, "write", e))
    }

    /// Makes an earlier version current again and returns it. Without `to`: the current
    /// version's parent, else the highest version below current that loads cleanly. The
    /// target must load cleanly. With `to`, a damaged `current` is repaired too.
    pub fn rollback(&self, lock: &StoreLock, to: Option<u32>) -> Result<u32, StoreError> {
        self.check_lock(lock)?;
        let current = match (self.current(), to) {
            (Ok(c), _) => c,
            (Err(_), Some(_)) => None,
            (Err(e), None) => return Err(e),
        };
        let target = match to {
            Some(t) => {
                self.load(t).map_err(|e| StoreError::RollbackTarget {
                    function: self.name.clone(),
                    version: t,
                    source: Box::new(e),
                })?;
                t
            }
            None => {
                let cur = current.ok_or_else(|| StoreError::NoCurrent {
                    function: self.name.clone(),
                })?;
                self.default_rollback_target(cur)?
                    .ok_or_else(|| StoreError::NoRollbackTarget {
                        function: self.name.clone(),
                        current: cur,
                    })?
            }
        };
        if current != Some(target) {
            self.set_current(lock, target)?;
        }
        Ok(target)
    }

    fn default_rollback_target(&self, cur: u32) -> Result<Option<u32>, StoreError> {
        if let Some(p) = self.read_parent(cur) {
            if p != cur && self.load(p).is_ok() {
                return Ok(Some(p));
            }
        }
        Ok(self
            .versions()?
            .into_iter()
            .rev()
            .filter(|&v| v < cur)
            .find(|&v| self.load(v).is_ok()))
    }
}

/// JSON text with every registered secret replaced (a secret never holds JSON escapes, so
/// the result is still valid JSON).
fn redact_bytes(bytes: Vec<u8>) -> Vec<u8> {
    match std::str::from_utf8(&bytes) {
        Ok(text) if dana_llm::secrets::contains_secret(text) => {
            dana_llm::redact_secrets(text).into_owned().into_bytes()
        }
        _ => bytes,
    }
}

fn read_text(path: &Path) -> Result<String, StoreError> {
    let bytes = read_limited(path)?;
    String::from_utf8(bytes).map_err(|_| StoreError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

fn read_json(path: &Path) -> Result<serde_json::Value, StoreError> {
    let bytes = read_limited(path)?;
    serde_json::from_slice(&bytes).map_err(|e| StoreError::BadJson {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
    })
}

/// Accepts the code when it matches the checksum recorded at creation (or none is recorded);
/// otherwise only when it is non-empty and parses, which is what a hand edit looks like.
fn check_code(path: &Path, code: &str, meta: &serde_json::Value) -> Result<(), StoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names() {
        assert_eq!(parse_version_name("v1"), Some(1));
        assert_eq!(parse_version_name("v12"), Some(12));
        for bad in [
            "v0",
            "v01",
            "v",
            "1",
            "v-1",
            "v+1",
            "v1a",
            ".tmp-v1",
            "v99999999999",
        ] {
            assert_eq!(parse_version_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn names() {
        for bad in [
            "", "a/b", "a\\b", "..", "a..b", ".hidden", "events", "domains", "a\nb",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        for good in ["f", "module.f", "detect_drift", "m.Type.method"] {
            assert!(validate_name(good).is_ok(), "{good:?}");
        }
    }
}
