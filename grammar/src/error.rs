//! Syntax errors.
//!
//! Conventions (see README.md): `message` is one short line naming what was expected or what
//! is wrong ("expected ':', found end of line", "'if' is a reserved word and cannot be used as
//! a name"); `span` is a byte range of the original source (zero-width at an end of line or
//! file); `label` describes the spot; `help` is set when a likely fix exists.

use crate::ast::Span;

/// A syntax error at a span of the original source. The source text itself is attached by the
/// caller (who knows the file name) when rendering.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(dana::syntax))]
pub struct SyntaxError {
    /// One-line summary, e.g. "expected ':' after the if condition".
    pub message: String,
    /// Where the error is (byte range of the original source).
    #[label("{label}")]
    pub span: Span,
    /// Label text shown at the span.
    pub label: String,
    /// A likely fix, when there is one.
    #[help]
    pub help: Option<String>,
}

impl SyntaxError {
    pub fn new(message: impl Into<String>, span: Span) -> SyntaxError {
        let message = message.into();
        SyntaxError {
            label: "here".into(),
            message,
            span,
            help: None,
        }
    }
    pub fn with_label(mut self, label: impl Into<String>) -> SyntaxError {
        self.label = label.into();
        self
    }
    pub fn with_help(mut self, help: impl Into<String>) -> SyntaxError {
        self.help = Some(help.into());
        self
    }
}
