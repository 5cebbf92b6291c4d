//! Expressions: the operator-precedence pass over pest's flat operator streams, primaries,
//! displays, comprehensions, lambdas, call arguments, subscripts and assignment targets.
//!
//! The grammar parses `expr` as a flat stream `prefix* primary postfix* (infix prefix* primary
//! postfix*)*`; [`Builder::stream`] applies DANA_SPEC §3 precedence with an explicit operator
//! stack (shunting-yard). Nothing here recurses per operator, so a 100,000-term `1+1+…` or a
//! long `- - - x` chain costs heap, not stack, and is rejected once its tree would exceed
//! [`MAX_EXPR_DEPTH`].

use super::builder::{starred_here, Builder};
use super::grammar::{Pair, Rule};
use crate::ast::*;
use crate::build::checks::{check_params, check_receiver};
use crate::build::exprs::{
    attribute_node, call_node, index_node, lambda_node, named_expr_node, starred_node, tuple_node,
};
use crate::build::kit::{
    check_depth, internal, is_reserved, reserved_error, split_scoped, Built, Result,
};
use crate::build::literals::number;
use crate::build::shunt::{and_op, bin_op, cmp_op, or_op, prefix_op, OpKind};
use crate::error::SyntaxError;

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

impl<'s> Builder<'s> {
    /// Builds an `expr`, `test`, `target_expr` or `pipe_expr` pair (all flat streams).
    pub(super) fn stream(&mut self, p: Pair<'_>) -> Result<Built> {
        if p.as_rule() == Rule::walrus {
            return self.walrus(p);
        }
        let whole = self.span(&p);
        let bases = self.shunt.bases();
        // The operand right after `|`: its calls are pipeline stages (`f | g(1, $$)`).
        let mut after_pipe = false;
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
                Rule::binop => {
                    after_pipe = c.as_str() == "|";
                    self.shunt.infix(bases.1, classify_binop(c.as_str()))?
                }
                Rule::call if after_pipe => {
                    let in_stage = self.ctx.in_stage;
                    self.ctx.in_stage = true;
                    let r = self.postfix(c, bases.0);
                    self.ctx.in_stage = in_stage;
                    r?
                }
                Rule::ternary_op => {
                    after_pipe = false;
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
        let target = (target, target_depth);
        let (node, depth) = match c.as_rule() {
            Rule::attr => {
                let id = c.into_inner().next().ok_or_else(|| internal(pspan))?;
                let attr = self.ident(&id)?;
                attribute_node(target, attr, pspan.end)
            }
            Rule::call => {
                let (args, ad) = self.call_args(c)?;
                call_node(target, args, ad, pspan.end)
            }
            _ => {
                let index = self.subscript(c)?;
                index_node(target, index, pspan.end)
            }
        };
        self.check_depth(depth, node.span)?;
        self.shunt.operand(node, depth);
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
            Rule::number => number(p.as_str(), span)?,
            Rule::scoped_name => self.scoped_name(self.token_text(span), span)?,
            Rule::placeholder => {
                if !self.ctx.placeholder_ok {
                    return Err(SyntaxError::new(
                        "'$$' is only valid inside the arguments of a pipeline stage",
                        span,
                    )
                    .with_label("placeholder outside a pipeline")
                    .with_help(
                        "use it in the arguments of a stage: `def f(x) = g | h(1, $$)`, `g | h(1, $$)`",
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
                let (e, d) = starred_node(start, self.stream(inner)?);
                self.check_depth(d, e.span)?;
                Ok((e, d))
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
        let (tuple, depth) = tuple_node(items, depth, whole.start, end);
        self.check_depth(depth, tuple.span)?;
        Ok((tuple, depth))
    }

    /// `name := value`.
    pub(super) fn walrus(&mut self, p: Pair<'_>) -> Result<Built> {
        let whole = self.span(&p);
        let mut it = p.into_inner();
        let (Some(name), Some(value)) = (it.next(), it.next()) else {
            return Err(internal(whole));
        };
        let name = self.ident(&name)?;
        let value = self.stream(value)?;
        let (e, d) = named_expr_node(name, value);
        self.check_depth(d, e.span)?;
        Ok((e, d))
    }

    pub(super) fn lambda(&mut self, p: Pair<'_>) -> Result<Built> {
        let start = self.start(&p);
        let head = Span {
            start,
            end: start + 6,
        };
        self.nested(head, |b| {
            let mut params = Vec::new();
            let mut receiver = None;
            let mut depth = 0;
            let mut body = None;
            for c in p.into_inner() {
                match c.as_rule() {
                    Rule::receiver => {
                        let param = c.into_inner().next().ok_or_else(|| internal(head))?;
                        let (param, _) = b.param(param)?;
                        check_receiver(&param)?;
                        receiver = Some(param);
                    }
                    Rule::param => {
                        let (param, d) = b.param(c)?;
                        depth = depth.max(d);
                        params.push(param);
                    }
                    Rule::expr => body = Some(c),
                    _ => {}
                }
            }
            check_params(&params)?;
            let body = body.ok_or_else(|| internal(head))?;
            let body = b.stream(body)?;
            let (lambda, depth) = lambda_node(start, receiver, params, depth, body);
            b.check_depth(depth, lambda.span)?;
            Ok((lambda, depth))
        })
    }
}
