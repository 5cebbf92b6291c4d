//! The `dana` facade: wires the grammar, interpreter and standard library together.
pub use dana_grammar as grammar;
pub use dana_interpreter as interpreter;
