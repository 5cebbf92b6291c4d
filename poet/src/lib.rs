//! dana-poet: the `@poet(...)` decorator (POET_SPEC.md).
//!
//! [`install`] registers the decorator hook. Each decorated function gets a stored, validated
//! enhanced version (generated offline from its annotations and a domain template) and runs
//! every call through Perceive → Operate → Enforce → Train with retries, timeouts, a circuit
//! breaker and a fallback to the original.
//!
//! The modules form layers: `function.rs` and `state.rs` (what a decorated function is and
//! what it saves) at the bottom with `store/`, `events/` and `config.rs`; the groups that give
//! `PoetFunction` its behaviour (`call/`, `make/`, `learn/`) above them; `hook.rs` (the
//! decorator hook) and `admin.rs` (the `dana poet` commands) on top.

pub mod admin;
pub(crate) mod call;
pub(crate) mod config;
pub mod events;
pub mod fleet;
pub(crate) mod function;
pub(crate) mod hook;
mod host;
pub mod learn;
pub mod make;
pub(crate) mod state;
pub mod store;

pub use config::PoetConfig;
pub use function::{summary, PoetOptions, PoetRuntime};
pub use hook::{check_decorator, install, install_with};
pub use host::host_names;
