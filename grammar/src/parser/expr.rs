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

fn classify_binop(s: &str) -> (OpKind, u8) {
    use OpKind::{Bin, Cmp};
    match s {
        "+" => (Bin(BinOp::Add), P_ADD),
        "-" => (Bin(BinOp::Sub), P_ADD),
        "*" => (Bin(BinOp::Mul), P_MUL),
        "/" => (Bin(BinOp::Div), P_MUL),
        "//" => (Bin(BinOp::FloorDiv), P_MUL),
        "%" => (Bin(BinOp::Mod), P_MUL),
        "**" => (Bin(BinOp::Pow), P_POW),
        "|" => (Bin(BinOp::BitOr), P_BITOR),
        "^" => (Bin(BinOp::BitXor), P_XOR),
        "&" => (Bin(BinOp::BitAnd), P_BITAND),
        "<<" => (Bin(BinOp::Shl), P_SHIFT),
        ">>" => (Bin(BinOp::Shr), P_SHIFT),
        "==" => (Cmp(CmpOp::Eq), P_CMP),
        "!=" => (Cmp(CmpOp::NotEq), P_CMP),
        "<" => (Cmp(CmpOp::Lt), P_CMP),
        "<=" => (Cmp(CmpOp::LtE), P_CMP),
        ">" => (Cmp(CmpOp::Gt), P_CMP),
        ">=" => (Cmp(CmpOp::GtE), P_CMP),
        "in" => (Cmp(CmpOp::In), P_CMP),
        "is" => (Cmp(CmpOp::Is), P_CMP),
        "and" => (OpKind::And, P_AND),
        "or" => (OpKind::Or, P_OR),
        // `not in` / `is not` may have any whitespace between their words.
        _ if s.starts_with("not") => (Cmp(CmpOp::NotIn), P_CMP),
        _ => (Cmp(CmpOp::IsNot), P_CMP),
    }
}

pub(super) fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl<'s> Builder<'s> {
    /// Builds an `expr`, `test`, `target_expr` or `pipe_expr` pair (all flat streams).
    pub(super) fn stream(&mut self, p: Pair<'_>) -> Result<Built> {
        let whole = self.span(&p);
        let ob = self.operands.len();
        let pb = self.ops.len();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::prefix => self.push_prefix(&c),
                Rule::binop => self.push_binop(&c, pb)?,
                Rule::ternary_op => self.push_ternary(c, pb, whole)?,
                Rule::call | Rule::index | Rule::attr => self.postfix(c, ob)?,
                _ => self.push_primary(c)?,
            }
        }
        while self.ops.len() > pb {
            self.reduce()?;
        }
        if self.operands.len() != ob + 1 {
            return Err(internal(whole));
        }
        let top = self.operands.pop().ok_or_else(|| internal(whole))?;
        Ok((top.expr, top.depth))
    }

    pub(super) fn push_prefix(&mut self, c: &Pair<'_>) {
        let (kind, prec) = match c.as_str() {
            "-" => (OpKind::Unary(UnaryOp::Neg), P_UNARY),
            "+" => (OpKind::Unary(UnaryOp::Pos), P_UNARY),
            "~" => (OpKind::Unary(UnaryOp::Invert), P_UNARY),
            _ => (OpKind::Not, P_NOT),
        };
        let start = self.start(c);
        self.ops.push(OpEntry { kind, prec, start });
    }

    pub(super) fn push_binop(&mut self, c: &Pair<'_>, pb: usize) -> Result<()> {
        let (kind, prec) = classify_binop(c.as_str());
        self.reduce_while(pb, prec, prec == P_POW)?;
        self.ops.push(OpEntry {
            kind,
            prec,
            start: 0,
        });
        Ok(())
    }

    pub(super) fn push_ternary(&mut self, c: Pair<'_>, pb: usize, whole: Span) -> Result<()> {
        let test = c
            .into_inner()
            .find(|t| t.as_rule() == Rule::test)
            .ok_or_else(|| internal(whole))?;
        let (test, td) = self.stream(test)?;
        self.reduce_while(pb, P_TERNARY, true)?;
        self.ops.push(OpEntry {
            kind: OpKind::Ternary(boxed(test), td),
            prec: P_TERNARY,
            start: 0,
        });
        Ok(())
    }

    pub(super) fn push_primary(&mut self, c: Pair<'_>) -> Result<()> {
        let (expr, depth) = self.primary(c)?;
        self.operands.push(Operand {
            expr,
            depth,
            chain: false,
        });
        Ok(())
    }

    /// Reduces the operators above `base` that bind tighter than an incoming operator of
    /// precedence `prec` (or as tight, for a left-associative one).
    pub(super) fn reduce_while(&mut self, base: usize, prec: u8, right_assoc: bool) -> Result<()> {
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

    pub(super) fn pop_operand(&mut self) -> Result<Operand> {
        self.operands.pop().ok_or_else(|| internal(Span::new(0, 0)))
    }

    pub(super) fn reduce(&mut self) -> Result<()> {
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
                                self.check_depth(d, span)?;
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
        self.check_depth(depth, span)?;
        self.operands.push(Operand {
            expr: Expr { kind, span },
            depth,
            chain,
        });
        Ok(())
    }

    #[inline]
    pub(super) fn check_depth(&self, depth: u32, span: Span) -> Result<()> {
        if depth > MAX_EXPR_DEPTH {
            Err(too_deep(span))
        } else {
            Ok(())
        }
    }

    pub(super) fn postfix(&mut self, c: Pair<'_>, base: usize) -> Result<()> {
        let pspan = self.span(&c);
        if self.operands.len() <= base {
            return Err(internal(pspan));
        }
        let target = self.pop_operand()?;
        let span = Span {
            start: target.expr.span.start,
            end: pspan.end,
        };
        let (kind, depth) = match c.as_rule() {
            Rule::attr => {
                let id = c.into_inner().next().ok_or_else(|| internal(pspan))?;
                let attr = self.ident(&id)?;
                (
                    ExprKind::Attribute {
                        value: boxed(target.expr),
                        attr,
                    },
                    target.depth + 1,
                )
            }
            Rule::call => {
                let (args, ad) = self.call_args(c)?;
                (
                    ExprKind::Call {
                        func: boxed(target.expr),
                        args,
                    },
                    1 + target.depth.max(ad),
                )
            }
            _ => {
                let (index, id) = self.subscript(c)?;
                (
                    ExprKind::Index {
                        value: boxed(target.expr),
                        index: boxed(index),
                    },
                    1 + target.depth.max(id),
                )
            }
        };
        self.check_depth(depth, span)?;
        self.operands.push(Operand {
            expr: Expr { kind, span },
            depth,
            chain: false,
        });
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
        let Some((scope, name)) = text.split_once(':') else {
            return Err(internal(span));
        };
        let scope = match scope {
            "private" => ScopeKind::Private,
            "public" => ScopeKind::Public,
            "system" => ScopeKind::System,
            _ => ScopeKind::Local,
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
            b.check_params(&params)?;
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

pub(super) fn starred_here(span: Span) -> SyntaxError {
    SyntaxError::new("can't use a starred expression here", span)
        .with_label("starred expression")
        .with_help(
            "'*' unpacking works in list, tuple and set displays, calls and assignment targets",
        )
}
