//! Checker diagnostics: a severity, a stable code, a message, the span of the source it is about,
//! a label for that span and an optional help line. A [`Diagnostic`] is a
//! `miette::Diagnostic` (attach the source text with [`Diagnostic::with_source`] to render it).

use dana_grammar::ast::Span;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The stable diagnostic codes (`dana check --json` prints them; tests match on them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// Wrong number of positional arguments, or a missing required argument.
    Arity,
    /// A keyword argument naming no parameter.
    UnknownKeyword,
    /// An argument whose type can never match the parameter's annotation.
    ArgType,
    /// A returned value whose type can never match the return annotation.
    ReturnType,
    /// A function whose return type excludes `None` can finish without `return`.
    MissingReturn,
    /// An attribute or constructor keyword that is no field or method of the struct.
    UnknownField,
    /// Assigning a value that can never be of the declared type.
    AssignType,
    /// Calling a value that can never be called.
    NotCallable,
    /// A name bound nowhere the read can see.
    UndefinedName,
    /// A method a builtin value does not have (`"x".push(1)`).
    UnknownMethod,
    /// An imported standard module without that member.
    UnknownMember,
    /// Statements after `return`, `raise`, `break` or `continue`.
    Unreachable,
    UnusedVariable,
    UnusedParameter,
    /// [`crate::check::expect`]: a required function is missing.
    MissingFunction,
    /// [`crate::check::expect`]: a function's signature differs from the expected one.
    SignatureMismatch,
    /// [`crate::check::expect`]: a top-level statement of a kind the expectations do not allow.
    ForbiddenStatement,
    /// [`crate::check::expect`]: a name outside the allowlist.
    ForbiddenCall,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Arity => "arity",
            Code::UnknownKeyword => "unknown-keyword",
            Code::ArgType => "argument-type",
            Code::ReturnType => "return-type",
            Code::MissingReturn => "missing-return",
            Code::UnknownField => "unknown-field",
            Code::AssignType => "assignment-type",
            Code::NotCallable => "not-callable",
            Code::UndefinedName => "undefined-name",
            Code::UnknownMethod => "unknown-method",
            Code::UnknownMember => "unknown-member",
            Code::Unreachable => "unreachable-code",
            Code::UnusedVariable => "unused-variable",
            Code::UnusedParameter => "unused-parameter",
            Code::MissingFunction => "missing-function",
            Code::SignatureMismatch => "signature-mismatch",
            Code::ForbiddenStatement => "forbidden-statement",
            Code::ForbiddenCall => "forbidden-call",
        }
    }

    /// The runtime exception this diagnostic predicts (a `try` that catches it downgrades the
    /// error to a warning: the program expects the failure).
    pub fn predicted_exception(self) -> Option<&'static str> {
        match self {
            Code::Arity
            | Code::UnknownKeyword
            | Code::ArgType
            | Code::ReturnType
            | Code::MissingReturn
            | Code::AssignType
            | Code::NotCallable
            | Code::UnknownField => Some("TypeError"),
            Code::UnknownMethod | Code::UnknownMember => Some("AttributeError"),
            Code::UndefinedName => Some("NameError"),
            _ => None,
        }
    }
}

/// One finding of the checker.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub span: Span,
    /// The text shown at the span.
    pub label: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: default_label(code).to_string(),
            help: None,
        }
    }
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// 1-based line and column of the span's start in `src`.
    pub fn line_col(&self, src: &str) -> (usize, usize) {
        line_col(src, self.span.start as usize)
    }

    /// This diagnostic with its source, ready for miette to render.
    pub fn with_source(&self, src: &crate::source::Snippet) -> SourcedDiagnostic {
        SourcedDiagnostic {
            diag: self.clone(),
            src: src.show(self.span),
        }
    }
}

fn default_label(code: Code) -> &'static str {
    match code {
        Code::Arity => "wrong arguments",
        Code::UnknownKeyword => "unknown keyword",
        Code::ArgType | Code::AssignType | Code::ReturnType => "wrong type here",
        Code::MissingReturn => "can end without return",
        Code::UnknownField => "no such field",
        Code::NotCallable => "not callable",
        Code::UndefinedName => "not defined",
        Code::UnknownMethod => "no such method",
        Code::UnknownMember => "no such member",
        Code::Unreachable => "never runs",
        Code::UnusedVariable => "never read",
        Code::UnusedParameter => "never used",
        Code::MissingFunction => "expected here",
        Code::SignatureMismatch => "signature differs",
        Code::ForbiddenStatement => "not allowed here",
        Code::ForbiddenCall => "not allowed",
    }
}

/// 1-based line and column (in characters) of byte `offset` in `src`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.as_str()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(self.label.clone()), self.span),
        )))
    }
}

/// A diagnostic together with the file it is about (what miette renders).
#[derive(Debug)]
pub struct SourcedDiagnostic {
    pub diag: Diagnostic,
    /// The file, or an excerpt with long lines clipped (the label's span is in its
    /// coordinates).
    src: crate::source::Shown,
}

/// `error[arity]: f() takes 1 positional argument but 2 were given` (rustc style: the
/// severity and code lead, so warnings stand out from errors even without colour).
impl fmt::Display for SourcedDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: {}",
            self.diag.severity.as_str(),
            self.diag.code.as_str(),
            self.diag.message
        )
    }
}

impl std::error::Error for SourcedDiagnostic {}

impl miette::Diagnostic for SourcedDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(&self.diag)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        miette::Diagnostic::help(&self.diag)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(self.diag.label.clone()), self.src.span()),
        )))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
}
