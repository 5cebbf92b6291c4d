//! The pest path: `dana.pest`, the normative grammar, and the builder that turns its pairs into
//! the AST. It parses every input the fast parser declines and produces every diagnostic.
//!
//! [`layout`](crate::layout) makes the indentation explicit, `dana.pest` (`grammar.rs`) parses
//! the rewritten text, and the `Builder` (`builder.rs`: its state, offset mapping, names and
//! nesting) walks the pairs once to build the AST, converting every pest offset back to an
//! offset of the original source through the layout's `OffsetMap`. The node kinds are built by
//! `stmt.rs` (statements and blocks), `defs.rs` (`def`, parameters, pipelines, type
//! annotations), `structs.rs` (struct / interface / niche blocks), `expr.rs` (operator streams,
//! primaries, lambdas), `displays.rs` (brackets and comprehensions), `calls.rs` (arguments and
//! subscripts), `targets.rs` (assignment targets) and `strings.rs` (string literals);
//! `diagnose.rs` turns pest errors into readable [`SyntaxError`](crate::error::SyntaxError)s.
//! What the fast parser shares with this path (precedence pass, literal decoding, node
//! constructors and their spans, context checks, limits) is in [`build`](crate::build).
//!
//! Depth is bounded everywhere, because both the interpreter and `Drop` walk the AST
//! recursively: the layout pass bounds brackets and blocks before pest runs, operator chains are
//! built iteratively and rejected past `MAX_EXPR_DEPTH`, and the builder's own recursion
//! (brackets, lambdas, f-string fields) is bounded by `MAX_NESTING`.

use pest::Parser as _;

use crate::ast::{Expr, Module, Span};
use crate::build::kit::{internal, Ctx, Result};
use crate::layout::{Layout, OffsetMap};
use builder::Builder;
use grammar::{DanaParser, Rule};

mod builder;
mod calls;
mod defs;
mod diagnose;
mod displays;
mod expr;
mod grammar;
mod stmt;
mod strings;
mod structs;
mod targets;

/// Parses a file (already through the layout pass) with the pest grammar and builds its AST.
pub(crate) fn build_module(src: &str, lay: &Layout) -> Result<Module> {
    let map = OffsetMap {
        marks: &lay.marks,
        base: 0,
    };
    let file = match DanaParser::parse(Rule::file, &lay.text) {
        Ok(mut pairs) => pairs.next(),
        Err(e) => return Err(diagnose::pest_error(e, Rule::file, &lay.text, map, src)),
    };
    let Some(file) = file else {
        return Err(internal(Span::new(0, 0)));
    };
    let mut b = Builder::new(src, map, Ctx::default());
    let body = b.module(file)?;
    Ok(Module { body })
}

/// Parses an expression with the pest grammar and its builder only.
pub(crate) fn build_expr(src: &str) -> Result<Expr> {
    let mut b = Builder::new(
        src,
        OffsetMap {
            marks: &[],
            base: 0,
        },
        Ctx::default(),
    );
    b.sub_expr(src, 0).map(|(e, _)| e)
}
