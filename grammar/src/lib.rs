//! dana-grammar: Dana source text → AST.
//!
//! Pipeline: the `layout` pass rewrites indentation into explicit INDENT/DEDENT/NEWLINE markers
//! while keeping an offset map to the original text. The `fast` parser (a hand-written lexer
//! and recursive-descent parser) builds the [`ast`] from that text; it is the path every valid
//! program takes. The `pest` path (`dana.pest`, the normative grammar, and its tree builder)
//! parses the input whenever the fast parser meets an error, a limit or anything it does not
//! handle, and reports the error. Both paths build through the same kit (`build`: the
//! precedence pass, literal decoding, node constructors and spans, context checks, limits) and
//! are tested against each other. Every span in the AST is a byte range of the original source.
//!
//! This file holds the entry points and the fast-then-pest dispatch. See README.md for the
//! layout pass, the contract between the two parsers, the limits that keep parsing safe on any
//! input, and the error conventions.

pub mod ast;
mod build;
pub mod error;
mod fast;
pub mod format;
mod layout;
mod pest;
pub mod tokens;

use ast::{Expr, Module, Span};
use build::kit::INLINE_NESTING;
pub use build::kit::MAX_INT_DIGITS;
pub use error::SyntaxError;

/// Largest text (in bytes) the pest path parses after the fast parser bailed. pest keeps a
/// record of every rule it matches, and re-runs with error tracking: its memory grows by
/// several hundred bytes per byte of input (a 10 MB line needed over 4 GB). Larger invalid
/// input is reported where the fast parser stopped instead (see [`too_large`]).
pub const MAX_PEST_INPUT: usize = 1 << 20;

/// The stack of the helper thread that parses input nested deeper than `INLINE_NESTING`.
const DEEP_STACK: usize = 64 << 20;

/// Parses a whole `.na` file: the fast parser first, the pest grammar and its builder when it
/// bails (unless the text is larger than [`MAX_PEST_INPUT`]).
pub fn parse_module(src: &str) -> Result<Module, SyntaxError> {
    let lay = layout::layout(src)?;
    on_stack(
        lay.nesting_hint > INLINE_NESTING,
        || match fast::parse_module(src, &lay) {
            Ok(m) => Ok(m),
            Err(at) if lay.text.len() > MAX_PEST_INPUT => {
                Err(at.map_or_else(|e| e, |at| too_large(src, at)))
            }
            Err(_) => pest::build_module(src, &lay),
        },
    )
}

/// Parses a single expression (REPL `:type`, tooling). Leading/trailing whitespace is allowed.
/// The fast parser first, the pest grammar when it bails.
pub fn parse_expr(src: &str) -> Result<Expr, SyntaxError> {
    match fast::parse_expr(src) {
        Some(e) => Ok(e),
        None if src.len() > MAX_PEST_INPUT => Err(too_large(src, Span::new(0, 0))),
        None => pest::build_expr(src),
    }
}

/// [`parse_module`] through the pest grammar and its builder only (the reference the fast
/// parser is tested against).
#[doc(hidden)]
pub fn parse_module_reference(src: &str) -> Result<Module, SyntaxError> {
    let lay = layout::layout(src)?;
    on_stack(lay.nesting_hint > INLINE_NESTING, || {
        pest::build_module(src, &lay)
    })
}

/// [`parse_module`] through the fast parser only: `None` when it bails (the input is invalid,
/// or it leaves the input to the pest path) or the layout pass fails.
#[doc(hidden)]
pub fn parse_module_fast(src: &str) -> Option<Module> {
    let lay = layout::layout(src).ok()?;
    on_stack(lay.nesting_hint > INLINE_NESTING, || {
        fast::parse_module(src, &lay).ok()
    })
}

/// [`parse_expr`] through the pest grammar and its builder only.
#[doc(hidden)]
pub fn parse_expr_reference(src: &str) -> Result<Expr, SyntaxError> {
    pest::build_expr(src)
}

/// [`parse_expr`] through the fast parser only: `None` when it bails.
#[doc(hidden)]
pub fn parse_expr_fast(src: &str) -> Option<Expr> {
    fast::parse_expr(src)
}

/// Runs `f` here, or on a helper thread with a [`DEEP_STACK`] stack when `deep` (falling back
/// to this thread if no thread can be started): building the AST recurses once per bracket,
/// block, lambda and f-string level, and unoptimised builds use several KiB per level.
pub(crate) fn on_stack<T: Send>(deep: bool, f: impl Fn() -> T + Sync) -> T {
    if !deep {
        return f();
    }
    std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name("dana-parse".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(s, &f);
        match spawned {
            Ok(handle) => match handle.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => f(),
        }
    })
}

/// The error for invalid input too large for the pest path: where the fast parser stopped.
fn too_large(src: &str, at: Span) -> SyntaxError {
    let start = (at.start as usize).min(src.len());
    let end = (at.end as usize).clamp(start, src.len());
    SyntaxError::new(
        format!(
            "invalid syntax (the input is {} bytes, too large for a detailed diagnostic: the \
             limit is {MAX_PEST_INPUT})",
            src.len()
        ),
        Span::new(start, end),
    )
    .with_label("the parser stopped here")
    .with_help(format!(
        "the mistake is here or just before; a text under {MAX_PEST_INPUT} bytes gets a \
         precise message"
    ))
}
