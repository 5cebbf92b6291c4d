//! What the formatter is asked for ([`FormatOptions`]) and why it can refuse ([`FormatError`]).

use crate::error::SyntaxError;

/// The layout the formatter aims for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatOptions {
    /// The widest a line may be (in characters, indentation included) before the formatter
    /// breaks it inside its brackets. Strings, comments and lines without brackets can stay
    /// wider.
    pub width: usize,
    /// Spaces per indentation level.
    pub indent: usize,
}

impl Default for FormatOptions {
    fn default() -> FormatOptions {
        FormatOptions {
            width: 100,
            indent: 4,
        }
    }
}

/// Why a source was not formatted. The source is never half-formatted: either the whole
/// canonical text comes back, or this error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormatError {
    /// The source does not parse: the same error `dana check` reports.
    #[error(transparent)]
    Syntax(SyntaxError),
    /// The source parses, but the formatter cannot lay it out without changing what it means
    /// (a bug of the formatter; the message says what went wrong).
    #[error("{0}")]
    Unsupported(String),
}
