#![doc = include_str!("../README.md")]

pub mod builtins;
pub mod engine;
pub mod error;
pub mod eval;
pub mod hooks;
pub mod host;
pub mod value;

pub use error::{Exc, ExcKind, RtError};
pub use value::Value;
pub mod check;
pub(crate) mod ir;
pub mod limits;
pub mod load;
pub mod resolve;
pub mod sandbox;
pub mod snapshot;
pub mod source;
