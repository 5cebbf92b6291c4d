//! Rendering syntax and runtime errors as miette reports: a one-line summary, the source
//! snippet with a label at the span (`file.na:line:col`), a help line, then the Dana stack;
//! and whether output is coloured (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`).

use dana_interpreter::error::{ExcKind, RtError};
use dana_interpreter::source::{Shown, Snippet};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, SourceSpan};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};

/// `--color`: when diagnostics (and other output meant for a terminal) are coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// When the output is a terminal, unless `NO_COLOR` is set (non-empty); also when it is
    /// not a terminal if `CLICOLOR_FORCE` is set (non-empty, not `0`).
    #[default]
    Auto,
    Always,
    Never,
}

static COLOR: AtomicU8 = AtomicU8::new(0);

/// Sets the process's colour choice (the `dana` binary does it from `--color`).
pub fn set_color_choice(choice: ColorChoice) {
    COLOR.store(choice as u8, Ordering::Relaxed);
}

/// Whether output on stderr is coloured (see [`ColorChoice`]).
pub fn color_for_stderr() -> bool {
    use std::io::IsTerminal;
    color_for(std::io::stderr().is_terminal())
}

/// Whether to colour output going to a stream that `is_terminal` says is (or is not) a
/// terminal: `--color always|never` decides; otherwise `NO_COLOR` turns colour off,
/// `CLICOLOR_FORCE` on, and the terminal decides.
pub(crate) fn color_for(is_terminal: bool) -> bool {
    match COLOR.load(Ordering::Relaxed) {
        x if x == ColorChoice::Always as u8 => true,
        x if x == ColorChoice::Never as u8 => false,
        _ => {
            let env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
            if env("NO_COLOR").is_some() {
                false
            } else if env("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                true
            } else {
                is_terminal
            }
        }
    }
}

/// One error, ready to render.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{summary}")]
pub(crate) struct Report {
    summary: String,
    /// The file, or an excerpt of it with long lines clipped (the span is in its coordinates).
    #[source_code]
    src: Option<Shown>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
    /// The Dana call stack, rendered after the snippet.
    stack: Option<String>,
}

fn label_for(kind: ExcKind) -> &'static str {
    match kind {
        ExcKind::SyntaxError => "syntax error here",
        ExcKind::NameError => "not defined",
        ExcKind::TypeError => "wrong type here",
        ExcKind::AssertionError => "assertion failed",
        ExcKind::ZeroDivisionError => "division by zero",
        ExcKind::KeyError => "key not found",
        ExcKind::IndexError => "index out of range",
        ExcKind::AttributeError => "no such attribute",
        ExcKind::RecursionError => "too deep",
        ExcKind::ImportError => "import failed",
        ExcKind::PermissionError => "not permitted",
        _ => "raised here",
    }
}

/// Builds the report of a runtime (or import-time syntax) error.
/// `source_of` returns the text of a file by display name (for the snippet).
pub(crate) fn runtime_report(e: &RtError, source_of: impl Fn(&str) -> Option<String>) -> Report {
    let summary = e.to_string();
    let mut src = None;
    let mut span = None;
    if let Some(loc) = &e.location {
        if let Some(text) = source_of(&loc.file) {
            let shown = Snippet::new(&*loc.file, text).show(SourceSpan::from(loc.span));
            span = Some(shown.span());
            src = Some(shown);
        }
    }
    let stack = (e.stack.len() > 1).then(|| stack_text(e));
    // Without a snippet, still say where.
    let summary = match (&e.location, &src) {
        (Some(l), None) => format!("{summary}\n  at {}:{}:{}", l.file, l.line, l.column),
        _ => summary,
    };
    Report {
        summary,
        src,
        span,
        label: e
            .arity_problem()
            .unwrap_or_else(|| label_for(e.kind))
            .to_string(),
        help: e.help.clone(),
        stack,
    }
}

/// The call stack, innermost last, with runs of the same frame (deep recursion) folded.
fn stack_text(e: &RtError) -> String {
    let mut s = String::from("Dana call stack (innermost last):");
    let lines: Vec<String> = e
        .stack
        .iter()
        .rev()
        .map(|entry| match &entry.location {
            Some(l) => format!(
                "  in {} at {}:{}:{}",
                entry.function, l.file, l.line, l.column
            ),
            None => format!("  in {}", entry.function),
        })
        .collect();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i + 1;
        while j < lines.len() && lines[j] == lines[i] {
            j += 1;
        }
        let _ = write!(s, "\n{}", lines[i]);
        if j - i > 2 {
            let _ = write!(
                s,
                "\n{}\n  [the line above repeated {} more times]",
                lines[i],
                j - i - 2
            );
        } else if j - i == 2 {
            let _ = write!(s, "\n{}", lines[i]);
        }
        i = j;
    }
    s.push('\n');
    s
}

/// Builds the report of a syntax error in `file`.
pub(crate) fn syntax_report(e: &dana_grammar::SyntaxError, file: &str, text: &str) -> Report {
    let shown = Snippet::new(file, text).show(SourceSpan::from(e.span));
    Report {
        summary: format!("SyntaxError: {}", e.message),
        span: Some(shown.span()),
        src: Some(shown),
        label: e.label.clone(),
        help: e.help.clone(),
        stack: None,
    }
}

/// Renders a report as text (colours only when `color`), the call stack after it.
pub(crate) fn render(r: &Report, color: bool) -> String {
    let mut out = render_diagnostic(r, color);
    if let Some(stack) = &r.stack {
        out.push_str(stack);
    }
    out
}

/// Renders any diagnostic (runtime errors, syntax errors, checker findings) the same way:
/// miette's graphical report, 100 columns, no links.
pub(crate) fn render_diagnostic(d: &dyn Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, d).is_err() {
        out = format!("{d}\n");
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
