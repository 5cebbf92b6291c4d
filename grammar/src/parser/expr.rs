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

fn boxed(e: Expr) -> Box<Expr> {
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

    fn push_prefix(&mut self, c: &Pair<'_>) {
        let (kind, prec) = match c.as_str() {
            "-" => (OpKind::Unary(UnaryOp::Neg), P_UNARY),
            "+" => (OpKind::Unary(UnaryOp::Pos), P_UNARY),
            "~" => (OpKind::Unary(UnaryOp::Invert), P_UNARY),
            _ => (OpKind::Not, P_NOT),
        };
        let start = self.start(c);
        self.ops.push(OpEntry { kind, prec, start });
    }

    fn push_binop(&mut self, c: &Pair<'_>, pb: usize) -> Result<()> {
        let (kind, prec) = classify_binop(c.as_str());
        self.reduce_while(pb, prec, prec == P_POW)?;
        self.ops.push(OpEntry {
            kind,
            prec,
            start: 0,
        });
        Ok(())
    }

    fn push_ternary(&mut self, c: Pair<'_>, pb: usize, whole: Span) -> Result<()> {
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

    fn push_primary(&mut self, c: Pair<'_>) -> Result<()> {
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

    fn postfix(&mut self, c: Pair<'_>, base: usize) -> Result<()> {
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
    fn primary(&mut self, p: Pair<'_>) -> Result<Built> {
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
    fn leaf(&self, p: &Pair<'_>) -> Result<Expr> {
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

    fn scoped_name(&self, text: &'s str, span: Span) -> Result<ExprKind> {
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

    fn lambda(&mut self, p: Pair<'_>) -> Result<Built> {
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

    fn paren(&mut self, p: Pair<'_>) -> Result<Built> {
        let span = self.span(&p);
        self.nested(span, |b| {
            let mut it = p.into_inner();
            let Some(first) = it.next() else {
                return Ok((
                    Expr {
                        kind: ExprKind::Tuple(Vec::new()),
                        span,
                    },
                    1,
                ));
            };
            let (e0, d0) = b.star_elem(first)?;
            let Some(second) = it.next() else {
                if matches!(e0.kind, ExprKind::Starred(_)) {
                    return Err(starred_here(e0.span));
                }
                return Ok((e0, d0));
            };
            match second.as_rule() {
                Rule::comp_for => {
                    let mut gens = Vec::new();
                    let mut depth = d0;
                    for g in std::iter::once(second).chain(it) {
                        let (g, d) = b.comp_for(g)?;
                        depth = depth.max(d);
                        gens.push(g);
                    }
                    if matches!(e0.kind, ExprKind::Starred(_)) {
                        return Err(starred_here(e0.span));
                    }
                    // A generator expression is built eagerly, as a list comprehension.
                    b.finish(
                        ExprKind::ListComp {
                            elt: boxed(e0),
                            gens,
                        },
                        depth + 1,
                        span,
                    )
                }
                Rule::tuple_tail => {
                    let mut items = vec![e0];
                    let mut depth = d0;
                    for c in second.into_inner() {
                        let (e, d) = b.star_elem(c)?;
                        depth = depth.max(d);
                        items.push(e);
                    }
                    b.finish(ExprKind::Tuple(items), depth + 1, span)
                }
                _ => Err(SyntaxError::new(
                    "'(key: value)' is only valid in a dict comprehension",
                    span,
                )
                .with_label("key/value pair in parentheses")
                .with_help("write a dict comprehension `{(k: v) for …}`, or a dict `{k: v}`")),
            }
        })
    }

    fn finish(&self, kind: ExprKind, depth: u32, span: Span) -> Result<Built> {
        self.check_depth(depth, span)?;
        Ok((Expr { kind, span }, depth))
    }

    fn list_disp(&mut self, p: Pair<'_>) -> Result<Built> {
        let span = self.span(&p);
        self.nested(span, |b| {
            let mut items = Vec::new();
            let mut gens = Vec::new();
            let mut depth = 0;
            for c in p.into_inner() {
                if c.as_rule() == Rule::comp_for {
                    let (g, d) = b.comp_for(c)?;
                    depth = depth.max(d);
                    gens.push(g);
                } else {
                    let (e, d) = b.star_elem(c)?;
                    depth = depth.max(d);
                    items.push(e);
                }
            }
            if gens.is_empty() {
                return b.finish(ExprKind::List(items), depth + 1, span);
            }
            let elt = items.pop().ok_or_else(|| internal(span))?;
            if matches!(elt.kind, ExprKind::Starred(_)) {
                return Err(starred_here(elt.span));
            }
            b.finish(
                ExprKind::ListComp {
                    elt: boxed(elt),
                    gens,
                },
                depth + 1,
                span,
            )
        })
    }

    fn brace_disp(&mut self, p: Pair<'_>) -> Result<Built> {
        let span = self.span(&p);
        self.nested(span, |b| {
            let mut singles = Vec::new();
            let mut pairs = Vec::new();
            let mut gens = Vec::new();
            let mut depth = 0;
            for c in p.into_inner() {
                if c.as_rule() == Rule::comp_for {
                    let (g, d) = b.comp_for(c)?;
                    depth = depth.max(d);
                    gens.push(g);
                    continue;
                }
                let mut parts = c.into_inner();
                let Some(k) = parts.next() else {
                    return Err(internal(span));
                };
                if k.as_rule() == Rule::dict_unpack {
                    return Err(SyntaxError::new(
                        "'**' unpacking in a dict display is not supported",
                        b.span(&k),
                    )
                    .with_label("dict unpacking")
                    .with_help("build the dict first, then merge with `.update(other)`"));
                }
                match parts.next() {
                    Some(v) => {
                        let (k, kd) = b.star_elem(k)?;
                        if matches!(k.kind, ExprKind::Starred(_)) {
                            return Err(starred_here(k.span));
                        }
                        let (v, vd) = b.stream(v)?;
                        depth = depth.max(kd).max(vd);
                        pairs.push((k, v));
                    }
                    None => {
                        // The Dana spelling `{(k: v) for …}`: a parenthesised pair.
                        if let Some((kp, vp)) = paren_pair(&k) {
                            let (k, kd) = b.nested(span, |b| b.star_elem(kp))?;
                            let (v, vd) = b.nested(span, |b| b.stream(vp))?;
                            depth = depth.max(kd).max(vd);
                            pairs.push((k, v));
                        } else {
                            let (e, d) = b.star_elem(k)?;
                            depth = depth.max(d);
                            singles.push(e);
                        }
                    }
                }
            }
            if !gens.is_empty() {
                if let Some((k, v)) = pairs.pop() {
                    return b.finish(
                        ExprKind::DictComp {
                            key: boxed(k),
                            value: boxed(v),
                            gens,
                        },
                        depth + 1,
                        span,
                    );
                }
                let elt = singles.pop().ok_or_else(|| internal(span))?;
                if matches!(elt.kind, ExprKind::Starred(_)) {
                    return Err(starred_here(elt.span));
                }
                return b.finish(
                    ExprKind::SetComp {
                        elt: boxed(elt),
                        gens,
                    },
                    depth + 1,
                    span,
                );
            }
            if !singles.is_empty() && !pairs.is_empty() {
                return Err(SyntaxError::new(
                    "cannot mix 'key: value' entries and set elements",
                    span,
                )
                .with_label("in this display")
                .with_help("use `{k: v, …}` for a dict or `{a, b, …}` for a set"));
            }
            if pairs.is_empty() && !singles.is_empty() {
                return b.finish(ExprKind::Set(singles), depth + 1, span);
            }
            b.finish(ExprKind::Dict(pairs), depth + 1, span)
        })
    }

    pub(super) fn comp_for(&mut self, p: Pair<'_>) -> Result<(Comprehension, u32)> {
        let whole = self.span(&p);
        let mut target = None;
        let mut iter = None;
        let mut ifs = Vec::new();
        let mut depth = 0;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::target_list => {
                    let (t, d) = self.target_list(c)?;
                    depth = depth.max(d);
                    target = Some(t);
                }
                Rule::test => {
                    let (e, d) = self.stream(c)?;
                    depth = depth.max(d);
                    iter = Some(e);
                }
                Rule::comp_if => {
                    let test = c
                        .into_inner()
                        .find(|t| t.as_rule() == Rule::test)
                        .ok_or_else(|| internal(whole))?;
                    let (e, d) = self.stream(test)?;
                    depth = depth.max(d);
                    ifs.push(e);
                }
                _ => {}
            }
        }
        match (target, iter) {
            (Some(target), Some(iter)) => Ok((Comprehension { target, iter, ifs }, depth + 1)),
            _ => Err(internal(whole)),
        }
    }

    /// The target list of a `for` loop or comprehension.
    pub(super) fn target_list(&mut self, p: Pair<'_>) -> Result<Built> {
        let whole = self.span(&p);
        let mut items = Vec::new();
        let mut depth = 0;
        let mut trailing = false;
        let mut end = whole.start;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::tcomma => {
                    trailing = true;
                    end = self.span(&c).end;
                }
                Rule::starred_target => {
                    let start = self.start(&c);
                    let inner = c.into_inner().next().ok_or_else(|| internal(whole))?;
                    let (e, d) = self.stream(inner)?;
                    let span = Span {
                        start,
                        end: e.span.end,
                    };
                    end = span.end;
                    depth = depth.max(d + 1);
                    items.push(Expr {
                        kind: ExprKind::Starred(boxed(e)),
                        span,
                    });
                }
                _ => {
                    let (e, d) = self.stream(c)?;
                    end = e.span.end;
                    depth = depth.max(d);
                    items.push(e);
                }
            }
        }
        let target = if items.len() == 1 && !trailing {
            items.pop().ok_or_else(|| internal(whole))?
        } else {
            depth += 1;
            let span = Span {
                start: items.first().map_or(whole.start, |e| e.span.start),
                end,
            };
            Expr {
                kind: ExprKind::Tuple(items),
                span,
            }
        };
        self.check_target(&target, false)?;
        Ok((target, depth))
    }

    /// Checks that `e` can be assigned to (DANA_SPEC §2).
    pub(super) fn check_target(&self, e: &Expr, in_sequence: bool) -> Result<()> {
        match &e.kind {
            ExprKind::Name { .. } | ExprKind::Attribute { .. } | ExprKind::Index { .. } => Ok(()),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let mut stars = 0;
                for item in items {
                    if matches!(item.kind, ExprKind::Starred(_)) {
                        stars += 1;
                        if stars > 1 {
                            return Err(SyntaxError::new(
                                "multiple starred expressions in assignment",
                                item.span,
                            )
                            .with_label("second starred target"));
                        }
                    }
                    self.check_target(item, true)?;
                }
                Ok(())
            }
            ExprKind::Starred(inner) if in_sequence => self.check_target(inner, false),
            ExprKind::Starred(_) => Err(SyntaxError::new(
                "a starred assignment target must be in a list or tuple",
                e.span,
            )
            .with_label("starred target")
            .with_help("add a comma: `*rest, = values`")),
            ExprKind::Bool(_) | ExprKind::None => {
                let word = self.src.get(e.span.range()).unwrap_or("this literal");
                Err(SyntaxError::new(
                    format!("cannot assign to '{word}': it is a reserved word"),
                    e.span,
                )
                .with_label("reserved word")
                .with_help(format!("choose another name, e.g. '{word}_'")))
            }
            _ => Err(SyntaxError::new(
                format!("cannot assign to {}", describe(e)),
                e.span,
            )
            .with_label("not assignable")
            .with_help("assign to a name, an attribute (`p.x`), an item (`d[k]`) or a tuple of them")),
        }
    }

    /// The arguments of a call (also used by decorators).
    pub(super) fn call_args(&mut self, p: Pair<'_>) -> Result<(Vec<Arg>, u32)> {
        let span = self.span(&p);
        let saved = self.ctx;
        if self.ctx.in_stage {
            self.ctx.placeholder_ok = true;
        }
        self.ctx.in_stage = false;
        let r = self.nested(span, |b| b.call_args_inner(p, span));
        self.ctx.placeholder_ok = saved.placeholder_ok;
        self.ctx.in_stage = saved.in_stage;
        r
    }

    fn call_args_inner(&mut self, p: Pair<'_>, span: Span) -> Result<(Vec<Arg>, u32)> {
        let mut args: Vec<Arg> = Vec::new();
        let mut gens = Vec::new();
        let mut depth = 0;
        let mut seen_kw = false;
        let mut seen_starstar = false;
        for c in p.into_inner() {
            let start = self.start(&c);
            let rule = c.as_rule();
            if rule == Rule::comp_for {
                let (g, d) = self.comp_for(c)?;
                depth = depth.max(d);
                gens.push(g);
                continue;
            }
            let (kind, end) = match rule {
                Rule::kwarg => {
                    let mut it = c.into_inner();
                    let (Some(name), Some(value)) = (it.next(), it.next()) else {
                        return Err(internal(span));
                    };
                    let name = self.ident(&name)?;
                    let (v, d) = self.stream(value)?;
                    depth = depth.max(d);
                    seen_kw = true;
                    let end = v.span.end;
                    (ArgKind::Keyword(name, v), end)
                }
                Rule::star_arg | Rule::starstar_arg => {
                    let inner = c.into_inner().next().ok_or_else(|| internal(span))?;
                    let (v, d) = self.stream(inner)?;
                    depth = depth.max(d);
                    let end = v.span.end;
                    if rule == Rule::starstar_arg {
                        seen_starstar = true;
                        (ArgKind::StarStar(v), end)
                    } else {
                        if seen_starstar {
                            return Err(SyntaxError::new(
                                "'*' argument follows '**' argument",
                                Span { start, end },
                            )
                            .with_label("iterable unpacking after keyword unpacking")
                            .with_help("move the '*' argument before the '**' argument"));
                        }
                        (ArgKind::Star(v), end)
                    }
                }
                _ => {
                    let (v, d) = self.stream(c)?;
                    depth = depth.max(d);
                    if seen_kw || seen_starstar {
                        return Err(SyntaxError::new(
                            "positional argument follows keyword argument",
                            v.span,
                        )
                        .with_label("positional argument")
                        .with_help("move positional arguments before keyword arguments"));
                    }
                    let end = v.span.end;
                    (ArgKind::Positional(v), end)
                }
            };
            args.push(Arg {
                kind,
                span: Span { start, end },
            });
        }
        if !gens.is_empty() {
            // `f(x for x in xs)`: the sole argument is an (eager) generator expression.
            let Some(Arg {
                kind: ArgKind::Positional(elt),
                span: aspan,
            }) = args.pop()
            else {
                return Err(SyntaxError::new(
                    "a generator expression must be the only argument or be parenthesised",
                    span,
                )
                .with_label("generator expression"));
            };
            let end = span.end - 1;
            let gspan = Span {
                start: aspan.start,
                end,
            };
            let comp = Expr {
                kind: ExprKind::ListComp {
                    elt: boxed(elt),
                    gens,
                },
                span: gspan,
            };
            args.push(Arg {
                kind: ArgKind::Positional(comp),
                span: gspan,
            });
            depth += 1;
        }
        Ok((args, depth + 1))
    }

    /// The contents of `[...]` after an expression: an index, a slice or a tuple of them.
    fn subscript(&mut self, p: Pair<'_>) -> Result<Built> {
        let span = self.span(&p);
        self.nested(span, |b| {
            let mut items = Vec::new();
            let mut depth = 0;
            let mut trailing = false;
            for c in p.into_inner() {
                if c.as_rule() == Rule::tcomma {
                    trailing = true;
                    continue;
                }
                let (e, d) = b.sub_item(c)?;
                depth = depth.max(d);
                items.push(e);
            }
            if items.len() == 1 && !trailing {
                let e = items.pop().ok_or_else(|| internal(span))?;
                return Ok((e, depth));
            }
            let tspan = Span {
                start: span.start + 1,
                end: span.end - 1,
            };
            b.finish(ExprKind::Tuple(items), depth + 1, tspan)
        })
    }

    fn sub_item(&mut self, p: Pair<'_>) -> Result<Built> {
        let start = self.start(&p);
        let mut slots: [Option<Box<Expr>>; 3] = [None, None, None];
        let mut slot = 0;
        let mut end = start;
        let mut depth = 0;
        for c in p.into_inner() {
            if c.as_rule() == Rule::slice_colon {
                slot += 1;
                end = self.span(&c).end;
                continue;
            }
            let (e, d) = self.stream(c)?;
            depth = depth.max(d);
            end = e.span.end;
            match slots.get_mut(slot) {
                Some(s) => *s = Some(boxed(e)),
                None => return Err(internal(Span { start, end })),
            }
        }
        let [lower, upper, step] = slots;
        if slot == 0 {
            return match lower {
                Some(e) => Ok((*e, depth)),
                None => Err(internal(Span { start, end })),
            };
        }
        let span = Span { start, end };
        self.finish(ExprKind::Slice { lower, upper, step }, depth + 1, span)
    }
}

/// `(k: v)` written as a whole brace item: the `expr` pair holds nothing but a `paren` with
/// two children (the grammar's pair form).
fn paren_pair<'i>(item: &Pair<'i>) -> Option<(Pair<'i>, Pair<'i>)> {
    if item.as_rule() != Rule::expr {
        return None;
    }
    let mut inner = item.clone().into_inner();
    let paren = inner.next()?;
    if paren.as_rule() != Rule::paren || inner.next().is_some() {
        return None;
    }
    let mut parts = paren.into_inner();
    let (k, v) = (parts.next()?, parts.next()?);
    if v.as_rule() != Rule::expr || parts.next().is_some() {
        return None;
    }
    Some((k, v))
}

fn starred_here(span: Span) -> SyntaxError {
    SyntaxError::new("can't use a starred expression here", span)
        .with_label("starred expression")
        .with_help(
            "'*' unpacking works in list, tuple and set displays, calls and assignment targets",
        )
}

fn describe(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::BigInt(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None => "a literal",
        ExprKind::FString(_) => "an f-string",
        ExprKind::Call { .. } => "a function call",
        ExprKind::Compare { .. } => "a comparison",
        ExprKind::Lambda(_) => "a lambda",
        ExprKind::IfExp { .. } => "a conditional expression",
        ExprKind::Dict(_) | ExprKind::Set(_) => "a dict or set display",
        ExprKind::ListComp { .. } | ExprKind::SetComp { .. } | ExprKind::DictComp { .. } => {
            "a comprehension"
        }
        ExprKind::Placeholder => "the '$$' placeholder",
        _ => "an expression",
    }
}
