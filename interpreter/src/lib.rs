//! dana-interpreter: resolves and evaluates Dana programs.
//!
//! The interpreter knows nothing of LLMs, POET, files beyond `.na` imports, or the network: it
//! offers hooks, limits and an embedding API; the facade wires the rest in.

pub mod builtins;
pub mod error;
pub mod eval;
pub mod value;

pub use error::{Exc, ExcKind, RtError};
pub use value::Value;
pub mod limits;
pub mod resolve;
pub mod source;
