//! The expression nodes whose span or depth follows from their parts, built the same way by both
//! parsers: starred items, postfixes (attribute, call, index), slices, lambdas and tuples. Each
//! returns the node with the depth of its tree; the caller checks the depth where the grammar does
//! (`kit::check_depth`). Changing one of these spans is an edit here.

use super::kit::{boxed, Built};
use crate::ast::*;

/// `name := value`, from the name to the end of the value.
#[inline]
pub(crate) fn named_expr_node(target: Ident, (value, d): Built) -> Built {
    let span = Span {
        start: target.span.start,
        end: value.span.end,
    };
    let name = Expr {
        kind: ExprKind::Name {
            scope: None,
            name: target.name,
        },
        span: target.span,
    };
    let kind = ExprKind::NamedExpr {
        target: boxed(name),
        value: boxed(value),
    };
    (Expr { kind, span }, d + 1)
}

/// `*e`, from its star (at `star`) to the end of `e`.
#[inline]
pub(crate) fn starred_node(star: u32, (e, d): Built) -> Built {
    let span = Span {
        start: star,
        end: e.span.end,
    };
    let kind = ExprKind::Starred(boxed(e));
    (Expr { kind, span }, d + 1)
}

/// `value.attr`, from the start of `value` to `end` (the end of the name).
#[inline]
pub(crate) fn attribute_node((value, d): Built, attr: Ident, end: u32) -> Built {
    let span = Span {
        start: value.span.start,
        end,
    };
    let kind = ExprKind::Attribute {
        value: boxed(value),
        attr,
    };
    (Expr { kind, span }, d + 1)
}

/// `func(args)` (`ad`: the deepest argument), from the start of `func` to `end`, after the `)`.
#[inline]
pub(crate) fn call_node((func, d): Built, args: Vec<Arg>, ad: u32, end: u32) -> Built {
    let span = Span {
        start: func.span.start,
        end,
    };
    let kind = ExprKind::Call {
        func: boxed(func),
        args,
    };
    (Expr { kind, span }, 1 + d.max(ad))
}

/// `value[index]`, from the start of `value` to `end`, after the `]`.
#[inline]
pub(crate) fn index_node((value, d): Built, (index, id): Built, end: u32) -> Built {
    let span = Span {
        start: value.span.start,
        end,
    };
    let kind = ExprKind::Index {
        value: boxed(value),
        index: boxed(index),
    };
    (Expr { kind, span }, 1 + d.max(id))
}

/// `lambda [(receiver)] params :: body` (`pd`: the deepest parameter), from the keyword at
/// `start` to the end of the body.
#[inline]
pub(crate) fn lambda_node(
    start: u32,
    receiver: Option<Param>,
    params: Vec<Param>,
    pd: u32,
    (body, bd): Built,
) -> Built {
    let span = Span {
        start,
        end: body.span.end,
    };
    let kind = ExprKind::Lambda(Box::new(Lambda {
        receiver,
        params,
        body,
    }));
    (Expr { kind, span }, 2 + pd.max(bd))
}

/// A tuple without brackets (`a, b` in an expression list or a target list; `depth`: its
/// deepest item), from its first item (`start` when it has none) to `end`: the end of the last
/// item or of the trailing comma.
#[inline]
pub(crate) fn tuple_node(items: Vec<Expr>, depth: u32, start: u32, end: u32) -> Built {
    let span = Span {
        start: items.first().map_or(start, |e| e.span.start),
        end,
    };
    (
        Expr {
            kind: ExprKind::Tuple(items),
            span,
        },
        depth + 1,
    )
}

/// The tuple of a subscript `a[i, j]`: everything between the brackets (`open_end`: just after
/// the `[`, `close`: at the `]`).
#[inline]
pub(crate) fn subscript_tuple_node(
    items: Vec<Expr>,
    depth: u32,
    open_end: u32,
    close: u32,
) -> Built {
    let span = Span {
        start: open_end,
        end: close,
    };
    (
        Expr {
            kind: ExprKind::Tuple(items),
            span,
        },
        depth + 1,
    )
}

/// `lower:upper:step` inside brackets (any part may be missing; `depth`: the deepest part),
/// from `start` to `end`: the end of its last part or colon.
#[inline]
pub(crate) fn slice_node(
    [lower, upper, step]: [Option<Box<Expr>>; 3],
    depth: u32,
    start: u32,
    end: u32,
) -> Built {
    let span = Span { start, end };
    let kind = ExprKind::Slice { lower, upper, step };
    (Expr { kind, span }, depth + 1)
}
