//! dana-grammar: Dana source text → AST.
//!
//! Pipeline: the `layout` pass rewrites indentation into explicit INDENT/DEDENT/NEWLINE markers
//! while keeping an offset map to the original text. The `fast` parser (a hand-written lexer
//! and recursive-descent parser) builds the [`ast`] from that text; it is the path every valid
//! program takes. `dana.pest` is the normative grammar: whenever the fast parser meets an error,
//! a limit or anything it does not handle, it bails and the `parser` module (pest plus a
//! builder with an operator-precedence pass) parses the input instead and reports the error.
//! Both paths share the precedence pass, literal decoding and context checks, and are tested
//! against each other (`tests/fast_parser.rs`). Every span in the AST is a byte range of the
//! original source. See README.md for the layout pass, the bail contract, the limits that keep
//! parsing safe on any input, and the error conventions.

pub mod ast;
pub mod error;
mod fast;
mod layout;
mod parser;

pub use error::SyntaxError;
pub use parser::MAX_PEST_INPUT;

/// Longest decimal integer literal accepted, in digits. Converting decimal text to a big
/// integer takes quadratic time; `int(text)` refuses longer texts with the same limit.
pub const MAX_INT_DIGITS: usize = 400_000;

/// Parses a whole `.na` file.
pub fn parse_module(src: &str) -> Result<ast::Module, SyntaxError> {
    parser::parse_module(src)
}

/// Parses a single expression (REPL `:type`, tooling). Leading/trailing whitespace is allowed.
pub fn parse_expr(src: &str) -> Result<ast::Expr, SyntaxError> {
    parser::parse_expr(src)
}

/// [`parse_module`] through the pest grammar and its builder only (the reference the fast
/// parser is tested against).
#[doc(hidden)]
pub fn parse_module_reference(src: &str) -> Result<ast::Module, SyntaxError> {
    parser::parse_module_reference(src)
}

/// [`parse_module`] through the fast parser only: `None` when it bails (the input is invalid,
/// or it leaves the input to the pest path).
#[doc(hidden)]
pub fn parse_module_fast(src: &str) -> Option<ast::Module> {
    parser::parse_module_fast(src)
}

/// [`parse_expr`] through the pest grammar and its builder only.
#[doc(hidden)]
pub fn parse_expr_reference(src: &str) -> Result<ast::Expr, SyntaxError> {
    parser::parse_expr_reference(src)
}

/// [`parse_expr`] through the fast parser only: `None` when it bails.
#[doc(hidden)]
pub fn parse_expr_fast(src: &str) -> Option<ast::Expr> {
    fast::parse_expr(src)
}
