//! The operator-precedence pass both parsers use: the operator table (DANA_SPEC §3 binding
//! powers, chained comparisons, right-associative `**`, prefix `-`/`not`, `a if c else b`) and
//! an explicit-stack shunting-yard reduction, so long operator chains cost heap, not stack, and
//! are rejected once their tree would exceed `MAX_EXPR_DEPTH`. Also the augmented-assignment
//! operators.

use super::kit::{boxed, check_depth, internal, Built, Result};
use crate::ast::*;

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

/// The operator of an augmented assignment token (`+=` → `+`).
pub(crate) fn aug_op(text: &str) -> BinOp {
    match text {
        "+=" => BinOp::Add,
        "-=" => BinOp::Sub,
        "*=" => BinOp::Mul,
        "/=" => BinOp::Div,
        "//=" => BinOp::FloorDiv,
        "%=" => BinOp::Mod,
        "**=" => BinOp::Pow,
        "|=" => BinOp::BitOr,
        "&=" => BinOp::BitAnd,
        "^=" => BinOp::BitXor,
        "<<=" => BinOp::Shl,
        _ => BinOp::Shr,
    }
}
