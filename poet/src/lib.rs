//! dana-poet: the `@poet(...)` decorator (POET_SPEC.md).
//!
//! [`install`] registers the decorator hook. Each decorated function gets a stored, validated
//! enhanced version (generated offline from its annotations and a domain template) and runs
//! every call through Perceive → Operate → Enforce → Train with retries, timeouts, a circuit
//! breaker and a fallback to the original.

pub mod admin;
pub mod breaker;
pub mod config;
mod contain;
pub mod domains;
pub mod events;
pub mod feedback;
pub mod gate;
mod generate;
mod host;
pub mod learn;
pub mod offline;
pub mod pipeline;
pub mod prompt;
pub mod retry;
pub mod runtime;
pub mod shape;
pub mod store;
mod trial;

pub use config::PoetConfig;
pub use host::host_names;
pub use runtime::{install, install_with, PoetOptions, PoetRuntime};
