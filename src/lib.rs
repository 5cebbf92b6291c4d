//! The `dana` facade: wires the grammar, interpreter and standard library together and offers
//! what the command line needs (running files, checking them, formatting them in `fmt.rs`,
//! rendering errors, highlighting), and the embedding [`Engine`] with the standard library and
//! POET installed (`engine.rs`).

mod diagnostics;
pub mod engine;
pub mod fmt;
pub mod highlight;
pub mod lsp;
pub mod poet_cmd;
pub mod repl;
pub mod runner;

pub use dana_grammar as grammar;
pub use dana_interpreter as interpreter;

pub use diagnostics::{color_for_stderr, set_color_choice, ColorChoice};
pub use engine::{Engine, EngineBuilder, Error, Program, Scope};
