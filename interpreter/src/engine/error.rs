//! The engine's one error type.

use crate::error::{Exc, ExcKind, RtError};
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};
use std::fmt;

/// A result with the engine's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The source does not parse.
    Syntax,
    /// Running the program raised a Dana exception (including limit, timeout and
    /// cancellation errors).
    Runtime,
    /// A value could not be converted between Rust and Dana.
    Conversion,
}

/// An engine error: a syntax error, an uncaught Dana exception or a failed conversion.
///
/// It is `Send + Sync + 'static` (it holds no runtime values) and a [`miette::Diagnostic`]
/// with the source text attached, so a `miette` report shows the snippet.
///
/// ```
/// let mut engine = dana_interpreter::engine::Engine::new();
/// let err = engine.run_source("x = 1 / 0").unwrap_err();
/// assert_eq!(err.kind(), dana_interpreter::engine::ErrorKind::Runtime);
/// assert_eq!(err.exception().kind, dana_interpreter::ExcKind::ZeroDivisionError);
/// assert_eq!(err.line(), Some(1));
/// ```
#[derive(Debug)]
pub struct Error(Box<ErrorInner>);

/// Behind one box, so that `Result<T, Error>` stays small.
#[derive(Debug)]
struct ErrorInner {
    kind: ErrorKind,
    error: RtError,
    source: Option<NamedSource<String>>,
}

impl Error {
    pub(crate) fn syntax(e: &crate::load::ParseError) -> Error {
        let exc = e.to_exc(&e.source_file());
        Error(Box::new(ErrorInner {
            kind: ErrorKind::Syntax,
            error: *exc,
            source: Some(NamedSource::new(&*e.name, e.text.to_string())),
        }))
    }

    // `Exc` is what the evaluator hands over; unboxing it here is the point.
    #[allow(clippy::boxed_local)]
    pub(crate) fn runtime(e: Exc, text: Option<String>) -> Error {
        let kind = if e.kind == ExcKind::SyntaxError {
            ErrorKind::Syntax
        } else {
            ErrorKind::Runtime
        };
        let source = match (&e.location, text) {
            (Some(l), Some(t)) => Some(NamedSource::new(&*l.file, t)),
            _ => None,
        };
        Error(Box::new(ErrorInner {
            kind,
            error: *e,
            source,
        }))
    }

    #[allow(clippy::boxed_local)]
    pub(crate) fn conversion(e: Exc) -> Error {
        Error(Box::new(ErrorInner {
            kind: ErrorKind::Conversion,
            error: *e,
            source: None,
        }))
    }

    /// What failed.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The Dana exception: kind, message, location, help and call stack.
    pub fn exception(&self) -> &RtError {
        &self.0.error
    }

    /// The message without the exception name.
    pub fn message(&self) -> &str {
        &self.0.error.message
    }

    /// The 1-based line of the error, when it has a location.
    pub fn line(&self) -> Option<u32> {
        self.0.error.location.as_ref().map(|l| l.line)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.error, f)
    }
}

impl std::error::Error for Error {}

impl From<Error> for RtError {
    fn from(e: Error) -> RtError {
        e.0.error
    }
}

impl Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("dana::{}", self.0.error.kind)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .error
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.0.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.0.source.as_ref()?;
        let loc = self.0.error.location.as_ref()?;
        let label = match self.0.kind {
            ErrorKind::Syntax => "syntax error here",
            _ => "raised here",
        };
        let span = miette::SourceSpan::from(loc.span);
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(label.to_string()),
            span,
        ))))
    }
}
