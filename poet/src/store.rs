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
//!
//! # Files
//!
//! `backend.rs` the seam to a shared backend (fleet mode: numbering, created versions, moves
//! of `current`, installing versions made elsewhere); `layout.rs` the names, limits and ownership of folders; `dir.rs` a `.poet` directory and its
//! marker; `function_store.rs` one function's versions (lock, load, create, `current`,
//! rollback); `version.rs` a version's files and their checks; `prune.rs` pruning; `fsio.rs`
//! crash-safe file writes; `time.rs` RFC 3339 times; `error.rs` the errors.

mod backend;
mod dir;
mod error;
mod fsio;
mod function_store;
mod layout;
mod prune;
mod time;
mod version;

pub(crate) use backend::backend_for;
pub use backend::{attach_backend, detach_backend, Backend, VersionFiles};
pub use dir::{hash_hex, PoetDir};
pub use error::StoreError;
pub(crate) use fsio::fsync_dir;
pub(crate) use fsio::write_atomic;
pub use function_store::{FunctionStore, StoreLock};
pub(crate) use layout::claim_owner;
pub use layout::{foreign_entry, MARKER_FILE, MAX_FILE_BYTES, MAX_FUNCTION_BYTES, MAX_VERSIONS};
pub use prune::PruneReport;
pub(crate) use time::rfc3339_from_unix;
pub use time::rfc3339_now;
pub use version::{Metadata, NewVersion, Version};
