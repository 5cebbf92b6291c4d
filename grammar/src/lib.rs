//! dana-grammar: Dana source text → AST.
//!
//! Pipeline: the `layout` pass rewrites indentation into explicit INDENT/DEDENT/NEWLINE markers
//! while keeping an offset map to the original text, `dana.pest` parses the result, and the
//! `parser` module builds the [`ast`] (an operator-precedence pass for operators). Every span in
//! the AST is a byte range of the original source. See README.md for the layout pass, the
//! limits that keep parsing safe on any input, and the error conventions.

pub mod ast;
pub mod error;
mod layout;
mod parser;

pub use error::SyntaxError;

/// Parses a whole `.na` file.
pub fn parse_module(src: &str) -> Result<ast::Module, SyntaxError> {
    parser::parse_module(src)
}

/// Parses a single expression (REPL `:type`, tooling). Leading/trailing whitespace is allowed.
pub fn parse_expr(src: &str) -> Result<ast::Expr, SyntaxError> {
    parser::parse_expr(src)
}
