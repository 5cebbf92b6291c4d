//! Expressions: the operator-precedence pass over pest's flat operator streams, primaries,
//! displays, comprehensions, lambdas, call arguments, subscripts and assignment targets.
//!
//! The grammar parses `expr` as a flat stream `prefix* primary postfix* (infix prefix* primary
//! postfix*)*`; [`Builder::stream`] applies DANA_SPEC §3 precedence with an explicit operator
//! stack (shunting-yard). Nothing here recurses per operator, so a 100,000-term `1+1+…` or a
//! long `- - - x` chain costs heap, not stack, and is rejected once its tree would exceed
//! [`MAX_EXPR_DEPTH`].

use super::MAX_EXPR_DEPTH;
use super::{internal, is_reserved, reserved_error, too_deep, Builder, Pair, Result, Rule};
use crate::ast::*;
use crate::error::SyntaxError;

/// An expression with the depth of its tree (a leaf is 1).
pub(crate) type Built = (Expr, u32);

pub(crate) struct Operand {
    expr: Expr,
    depth: u32,
    /// Built by a comparison in this stream: a following comparison extends it (`a < b < c`)
    /// instead of nesting. Parenthesised comparisons arrive as primaries and never chain.
    chain: bool,
}

pub(crate) enum OpKind {
    Bin(BinOp),
    Cmp(CmpOp),
    And,
    Or,
    Not,
    Unary(UnaryOp),
    /// `if test else`, with the test already built (and its depth).
    Ternary(Box<Expr>, u32),
}

pub(crate) struct OpEntry {
    kind: OpKind,
    prec: u8,
    /// Where a prefix operator starts (its node's span starts there).
    start: u32,
}

// Binding power, lowest first (DANA_SPEC §3).
const P_TERNARY: u8 = 1;
const P_OR: u8 = 2;
const P_AND: u8 = 3;
const P_NOT: u8 = 4;
const P_CMP: u8 = 5;
const P_BITOR: u8 = 6;
const P_XOR: u8 = 7;
const P_BITAND: u8 = 8;
const P_SHIFT: u8 = 9;
const P_ADD: u8 = 10;
const P_MUL: u8 = 11;
const P_UNARY: u8 = 12;
const P_POW: u8 = 13;

/// The precedence table: an arithmetic or bitwise operator with its binding power.
pub(crate) fn bin_op(op: BinOp) -> (OpKind, u8) {
    let prec = match op {
        BinOp::Add | BinOp::Sub => P_ADD,
        BinOp::Mul | BinOp::Div | BinOp::FloorDiv | BinOp::Mod => P_MUL,
        BinOp::Pow => P_POW,
        BinOp::BitOr => P_BITOR,
        BinOp::BitXor => P_XOR,
        BinOp::BitAnd => P_BITAND,
        BinOp::Shl | BinOp::Shr => P_SHIFT,
    };
    (OpKind::Bin(op), prec)
}

/// A comparison (all comparisons share one binding power and chain).
pub(crate) fn cmp_op(op: CmpOp) -> (OpKind, u8) {
    (OpKind::Cmp(op), P_CMP)
}

pub(crate) fn and_op() -> (OpKind, u8) {
    (OpKind::And, P_AND)
}

pub(crate) fn or_op() -> (OpKind, u8) {
    (OpKind::Or, P_OR)
}

/// A prefix operator: `-`, `+`, `~` or `not` (`None` = `not`).
pub(crate) fn prefix_op(op: Option<UnaryOp>) -> (OpKind, u8) {
    match op {
        Some(u) => (OpKind::Unary(u), P_UNARY),
        None => (OpKind::Not, P_NOT),
    }
}

/// The operator of a `binop` token's text.
fn classify_binop(s: &str) -> (OpKind, u8) {
    match s {
        "+" => bin_op(BinOp::Add),
        "-" => bin_op(BinOp::Sub),
        "*" => bin_op(BinOp::Mul),
        "/" => bin_op(BinOp::Div),
        "//" => bin_op(BinOp::FloorDiv),
        "%" => bin_op(BinOp::Mod),
        "**" => bin_op(BinOp::Pow),
        "|" => bin_op(BinOp::BitOr),
        "^" => bin_op(BinOp::BitXor),
        "&" => bin_op(BinOp::BitAnd),
        "<<" => bin_op(BinOp::Shl),
        ">>" => bin_op(BinOp::Shr),
        "==" => cmp_op(CmpOp::Eq),
        "!=" => cmp_op(CmpOp::NotEq),
        "<" => cmp_op(CmpOp::Lt),
        "<=" => cmp_op(CmpOp::LtE),
        ">" => cmp_op(CmpOp::Gt),
        ">=" => cmp_op(CmpOp::GtE),
        "in" => cmp_op(CmpOp::In),
        "is" => cmp_op(CmpOp::Is),
        "and" => and_op(),
        "or" => or_op(),
        // `not in` / `is not` may have any whitespace between their words.
        _ if s.starts_with("not") => cmp_op(CmpOp::NotIn),
        _ => cmp_op(CmpOp::IsNot),
    }
}

pub(crate) fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// Rejects an expression tree deeper than [`MAX_EXPR_DEPTH`].
#[inline]
pub(crate) fn check_depth(depth: u32, span: Span) -> Result<()> {
    if depth > MAX_EXPR_DEPTH {
        Err(too_deep(span))
    } else {
        Ok(())
    }
}

/// The operator-precedence (shunting-yard) pass over a flat operator stream, shared by the
/// pest builder and the fast parser. Nested expressions share the two stacks: each stream
/// works above the stack heights it started at (`bases`), so building an expression allocates
/// nothing but its nodes.
#[derive(Default)]
pub(crate) struct Shunt {
    operands: Vec<Operand>,
    ops: Vec<OpEntry>,
}

impl Shunt {
    /// The stack heights a new stream starts from: `(operands, operators)`.
    #[inline]
    pub(crate) fn bases(&self) -> (usize, usize) {
        (self.operands.len(), self.ops.len())
    }

    /// A prefix operator starting at `start`.
    #[inline]
    pub(crate) fn prefix(&mut self, (kind, prec): (OpKind, u8), start: u32) {
        self.ops.push(OpEntry { kind, prec, start });
    }

    /// An infix operator of the stream whose operator stack starts at `pb`.
    pub(crate) fn infix(&mut self, pb: usize, (kind, prec): (OpKind, u8)) -> Result<()> {
        self.reduce_while(pb, prec, prec == P_POW)?;
        self.ops.push(OpEntry {
            kind,
            prec,
            start: 0,
        });
        Ok(())
    }

    /// `if test else`, the test already built.
    pub(crate) fn ternary(&mut self, pb: usize, test: Expr, td: u32) -> Result<()> {
        self.reduce_while(pb, P_TERNARY, true)?;
        self.ops.push(OpEntry {
            kind: OpKind::Ternary(boxed(test), td),
            prec: P_TERNARY,
            start: 0,
        });
        Ok(())
    }

    /// An operand (a primary with its postfixes).
    #[inline]
    pub(crate) fn operand(&mut self, expr: Expr, depth: u32) {
        self.operands.push(Operand {
            expr,
            depth,
            chain: false,
        });
    }

    /// The operand on top of the stream whose operands start at `ob` (a postfix applies to it).
    pub(crate) fn take_top(&mut self, ob: usize, at: Span) -> Result<(Expr, u32)> {
        if self.operands.len() <= ob {
            return Err(internal(at));
        }
        let top = self.pop_operand()?;
        Ok((top.expr, top.depth))
    }

    /// Reduces what is left of a stream and returns its expression.
    pub(crate) fn finish(&mut self, (ob, pb): (usize, usize), whole: Span) -> Result<Built> {
        while self.ops.len() > pb {
            self.reduce()?;
        }
        if self.operands.len() != ob + 1 {
            return Err(internal(whole));
        }
        let top = self.pop_operand()?;
        Ok((top.expr, top.depth))
    }

    /// Reduces the operators above `base` that bind tighter than an incoming operator of
    /// precedence `prec` (or as tight, for a left-associative one).
    fn reduce_while(&mut self, base: usize, prec: u8, right_assoc: bool) -> Result<()> {
        while self.ops.len() > base {
            let top = self.ops.last().map_or(0, |o| o.prec);
            if top > prec || (top == prec && !right_assoc) {
                self.reduce()?;
            } else {
                break;
            }
        }
        Ok(())
    }

    fn pop_operand(&mut self) -> Result<Operand> {
        self.operands.pop().ok_or_else(|| internal(Span::new(0, 0)))
    }

    fn reduce(&mut self) -> Result<()> {
        let Some(op) = self.ops.pop() else {
            return Err(internal(Span::new(0, 0)));
        };
        let rhs = self.pop_operand()?;
        let (kind, depth, span, chain) = match op.kind {
            OpKind::Not | OpKind::Unary(_) => {
                let span = Span {
                    start: op.start,
                    end: rhs.expr.span.end,
                };
                let kind = match op.kind {
                    OpKind::Unary(u) => ExprKind::Unary(u, boxed(rhs.expr)),
                    _ => ExprKind::Not(boxed(rhs.expr)),
                };
                (kind, rhs.depth + 1, span, false)
            }
            other => {
                let lhs = self.pop_operand()?;
                let span = lhs.expr.span.to(rhs.expr.span);
                let depth = 1 + lhs.depth.max(rhs.depth);
                match other {
                    OpKind::Bin(b) => (
                        ExprKind::Binary(b, boxed(lhs.expr), boxed(rhs.expr)),
                        depth,
                        span,
                        false,
                    ),
                    OpKind::And => (
                        ExprKind::And(boxed(lhs.expr), boxed(rhs.expr)),
                        depth,
                        span,
                        false,
                    ),
                    OpKind::Or => (
                        ExprKind::Or(boxed(lhs.expr), boxed(rhs.expr)),
                        depth,
                        span,
                        false,
                    ),
                    OpKind::Ternary(test, td) => {
                        let depth = 1 + lhs.depth.max(rhs.depth).max(td);
                        (
                            ExprKind::IfExp {
                                test,
                                body: boxed(lhs.expr),
                                orelse: boxed(rhs.expr),
                            },
                            depth,
                            span,
                            false,
                        )
                    }
                    OpKind::Cmp(c) => {
                        let mut lhs = lhs;
                        if lhs.chain {
                            if let ExprKind::Compare { ops, .. } = &mut lhs.expr.kind {
                                let d = lhs.depth.max(rhs.depth + 1);
                                ops.push((c, rhs.expr));
                                lhs.expr.span = span;
                                check_depth(d, span)?;
                                self.operands.push(Operand {
                                    expr: lhs.expr,
                                    depth: d,
                                    chain: true,
                                });
                                return Ok(());
                            }
                        }
                        (
                            ExprKind::Compare {
                                left: boxed(lhs.expr),
                                ops: vec![(c, rhs.expr)],
                            },
                            depth,
                            span,
                            true,
                        )
                    }
                    OpKind::Not | OpKind::Unary(_) => return Err(internal(span)),
                }
            }
        };
        check_depth(depth, span)?;
        self.operands.push(Operand {
            expr: Expr { kind, span },
            depth,
            chain,
        });
        Ok(())
    }
}

impl<'s> Builder<'s> {
    /// Builds an `expr`, `test`, `target_expr` or `pipe_expr` pair (all flat streams).
    pub(super) fn stream(&mut self, p: Pair<'_>) -> Result<Built> {
        let whole = self.span(&p);
        let bases = self.shunt.bases();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::prefix => {
                    let op = match c.as_str() {
                        "-" => Some(UnaryOp::Neg),
                        "+" => Some(UnaryOp::Pos),
                        "~" => Some(UnaryOp::Invert),
                        _ => None,
                    };
                    let start = self.start(&c);
                    self.shunt.prefix(prefix_op(op), start);
                }
                Rule::binop => self.shunt.infix(bases.1, classify_binop(c.as_str()))?,
                Rule::ternary_op => {
                    let test = c
                        .into_inner()
                        .find(|t| t.as_rule() == Rule::test)
                        .ok_or_else(|| internal(whole))?;
                    let (test, td) = self.stream(test)?;
                    self.shunt.ternary(bases.1, test, td)?;
                }
                Rule::call | Rule::index | Rule::attr => self.postfix(c, bases.0)?,
                _ => {
                    let (expr, depth) = self.primary(c)?;
                    self.shunt.operand(expr, depth);
                }
            }
        }
        self.shunt.finish(bases, whole)
    }

    #[inline]
    pub(super) fn check_depth(&self, depth: u32, span: Span) -> Result<()> {
        check_depth(depth, span)
    }

    pub(super) fn postfix(&mut self, c: Pair<'_>, base: usize) -> Result<()> {
        let pspan = self.span(&c);
        let (target, target_depth) = self.shunt.take_top(base, pspan)?;
        let span = Span {
            start: target.span.start,
            end: pspan.end,
        };
        let (kind, depth) = match c.as_rule() {
            Rule::attr => {
                let id = c.into_inner().next().ok_or_else(|| internal(pspan))?;
                let attr = self.ident(&id)?;
                (
                    ExprKind::Attribute {
                        value: boxed(target),
                        attr,
                    },
                    target_depth + 1,
                )
            }
            Rule::call => {
                let (args, ad) = self.call_args(c)?;
                (
                    ExprKind::Call {
                        func: boxed(target),
                        args,
                    },
                    1 + target_depth.max(ad),
                )
            }
            _ => {
                let (index, id) = self.subscript(c)?;
                (
                    ExprKind::Index {
                        value: boxed(target),
                        index: boxed(index),
                    },
                    1 + target_depth.max(id),
                )
            }
        };
        self.check_depth(depth, span)?;
        self.shunt.operand(Expr { kind, span }, depth);
        Ok(())
    }

    /// A thin dispatcher: nested brackets recurse through here.
    pub(super) fn primary(&mut self, p: Pair<'_>) -> Result<Built> {
        match p.as_rule() {
            Rule::strings => self.strings(p),
            Rule::lambda_expr => self.lambda(p),
            Rule::paren => self.paren(p),
            Rule::list_disp => self.list_disp(p),
            Rule::brace_disp => self.brace_disp(p),
            _ => Ok((self.leaf(&p)?, 1)),
        }
    }

    /// Names, literal keywords, numbers, scoped names and `$$`.
    pub(super) fn leaf(&self, p: &Pair<'_>) -> Result<Expr> {
        let span = self.span(p);
        let kind = match p.as_rule() {
            Rule::ident => match self.token_text(span) {
                "True" | "true" | "TRUE" => ExprKind::Bool(true),
                "False" | "false" | "FALSE" => ExprKind::Bool(false),
                "None" | "none" | "NONE" | "null" | "NULL" => ExprKind::None,
                w if is_reserved(w) => return Err(reserved_error(w, span)),
                w => ExprKind::Name {
                    scope: None,
                    name: self.sym(w),
                },
            },
            Rule::number => super::strings::number(p.as_str(), span)?,
            Rule::scoped_name => self.scoped_name(self.token_text(span), span)?,
            Rule::placeholder => {
                if !self.ctx.placeholder_ok {
                    return Err(SyntaxError::new(
                        "'$$' is only valid inside the arguments of a pipeline stage",
                        span,
                    )
                    .with_label("placeholder outside a pipeline")
                    .with_help(
                        "use it in a declarative definition, e.g. `def f(x) = g | h(1, $$)`",
                    ));
                }
                ExprKind::Placeholder
            }
            _ => return Err(internal(span)),
        };
        Ok(Expr { kind, span })
    }

    pub(super) fn scoped_name(&self, text: &'s str, span: Span) -> Result<ExprKind> {
        let Some((scope, name)) = split_scoped(text) else {
            return Err(internal(span));
        };
        if is_reserved(name) {
            let start = span.end as usize - name.len();
            return Err(reserved_error(name, Span::new(start, span.end as usize)));
        }
        Ok(ExprKind::Name {
            scope: Some(scope),
            name: self.sym(name),
        })
    }

    /// An element of a display or an expression list: `expr` or `*expr`.
    pub(super) fn star_elem(&mut self, p: Pair<'_>) -> Result<Built> {
        match p.as_rule() {
            Rule::starred => {
                let start = self.start(&p);
                let inner = p
                    .into_inner()
                    .next()
                    .ok_or_else(|| internal(Span::new(start as usize, start as usize)))?;
                let (e, d) = self.stream(inner)?;
                let span = Span {
                    start,
                    end: e.span.end,
                };
                self.check_depth(d + 1, span)?;
                Ok((
                    Expr {
                        kind: ExprKind::Starred(boxed(e)),
                        span,
                    },
                    d + 1,
                ))
            }
            _ => self.stream(p),
        }
    }

    /// `exprlist`: one expression, or a tuple when there is a comma.
    pub(super) fn exprlist(&mut self, p: Pair<'_>) -> Result<Built> {
        let whole = self.span(&p);
        let mut items = Vec::new();
        let mut depth = 0;
        let mut end = whole.start;
        let mut trailing = false;
        for c in p.into_inner() {
            if c.as_rule() == Rule::tcomma {
                trailing = true;
                end = self.span(&c).end;
                continue;
            }
            let (e, d) = self.star_elem(c)?;
            depth = depth.max(d);
            end = e.span.end;
            items.push(e);
        }
        if items.len() == 1 && !trailing {
            let e = items.pop().ok_or_else(|| internal(whole))?;
            if matches!(e.kind, ExprKind::Starred(_)) {
                return Err(starred_here(e.span));
            }
            return Ok((e, depth));
        }
        let span = Span {
            start: items.first().map_or(whole.start, |e| e.span.start),
            end,
        };
        self.check_depth(depth + 1, span)?;
        Ok((
            Expr {
                kind: ExprKind::Tuple(items),
                span,
            },
            depth + 1,
        ))
    }

    pub(super) fn lambda(&mut self, p: Pair<'_>) -> Result<Built> {
        let start = self.start(&p);
        let head = Span {
            start,
            end: start + 6,
        };
        self.nested(head, |b| {
            let mut params = Vec::new();
            let mut depth = 0;
            let mut body = None;
            for c in p.into_inner() {
                match c.as_rule() {
                    Rule::param => {
                        let (param, d) = b.param(c)?;
                        depth = depth.max(d);
                        params.push(param);
                    }
                    Rule::expr => body = Some(c),
                    _ => {}
                }
            }
            super::defs::check_params(&params)?;
            let body = body.ok_or_else(|| internal(head))?;
            let (body, bd) = b.stream(body)?;
            let span = Span {
                start,
                end: body.span.end,
            };
            let depth = 2 + depth.max(bd);
            b.check_depth(depth, span)?;
            Ok((
                Expr {
                    kind: ExprKind::Lambda(Box::new(Lambda { params, body })),
                    span,
                },
                depth,
            ))
        })
    }
}

/// The scope and the name of a scoped name's text (`private:x`).
pub(crate) fn split_scoped(text: &str) -> Option<(ScopeKind, &str)> {
    let (scope, name) = text.split_once(':')?;
    let scope = match scope {
        "private" => ScopeKind::Private,
        "public" => ScopeKind::Public,
        "system" => ScopeKind::System,
        _ => ScopeKind::Local,
    };
    Some((scope, name))
}

pub(super) fn starred_here(span: Span) -> SyntaxError {
    SyntaxError::new("can't use a starred expression here", span)
        .with_label("starred expression")
        .with_help(
            "'*' unpacking works in list, tuple and set displays, calls and assignment targets",
        )
}
