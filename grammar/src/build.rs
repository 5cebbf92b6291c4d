//! The parser-neutral kit the fast parser and the pest builder share, so that both build the
//! same AST by construction: `kit.rs` (result and error types, limits, context flags, the name
//! cache, reserved words), `shunt.rs` (the operator-precedence pass), `literals.rs` (numbers,
//! strings, f-strings), `nodes.rs` (statement and definition nodes and their spans), `exprs.rs`
//! (expression nodes whose span follows from their parts) and `checks.rs` (assignment-target and
//! parameter checks). Nothing here knows either parser.

pub(crate) mod checks;
pub(crate) mod exprs;
pub(crate) mod kit;
pub(crate) mod literals;
pub(crate) mod nodes;
pub(crate) mod shunt;
