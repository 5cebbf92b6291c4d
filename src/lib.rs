//! The `dana` facade: wires the grammar, interpreter and standard library together and offers
//! what the command line needs (running files, checking them, rendering errors).

pub mod diagnostics;
pub mod runner;

pub use dana_grammar as grammar;
pub use dana_interpreter as interpreter;
