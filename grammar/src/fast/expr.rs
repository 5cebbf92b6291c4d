//! Expressions: operator streams (through the builder's precedence pass), primaries,
//! postfixes (calls, subscripts, attributes), expression lists and assignment targets.
//!
//! A stream is `prefix* primary postfix* (infix prefix* primary postfix*)*`, exactly the
//! grammar's `expr` (with the `a if c else b` operator) or `test` (without). A postfix binds
//! to the primary before any prefix operator applies, so postfixes are applied here and the
//! finished operand is handed to the [`Shunt`](crate::build::shunt::Shunt); a lone operand
//! (the common case) never touches it.

use super::lexer::Tok;
use super::{Bail, Parser, R};
use crate::ast::*;
use crate::build::checks::check_target;
use crate::build::exprs::{
    attribute_node, call_node, index_node, named_expr_node, slice_node, starred_node,
    subscript_tuple_node, tuple_node,
};
use crate::build::kit::{boxed, check_depth, is_reserved, split_scoped, Built};
use crate::build::literals::{number, StringsAcc};
use crate::build::nodes::generator_arg;
use crate::build::shunt::{and_op, bin_op, cmp_op, or_op, prefix_op, OpKind};

/// What follows an operand.
enum Infix {
    /// An operator and how many tokens it takes (`is not`, `not in`: two).
    Op((OpKind, u8), usize),
    /// `if` of `a if c else b`.
    Ternary,
}

/// Whether `kind` may start an element of an expression list or target list as the grammar
/// sees it (reserved words count: the grammar reads them as names and the builder rejects
/// them). Deciding "no" must mean the grammar cannot parse an element here.
pub(super) fn may_start_expr(kind: Tok) -> bool {
    !matches!(
        kind,
        Tok::Eof
            | Tok::Indent
            | Tok::Dedent
            | Tok::Newline
            | Tok::Semi
            | Tok::Colon
            | Tok::Comma
            | Tok::Assign
            | Tok::AugAssign
            | Tok::Arrow
            | Tok::Walrus
            | Tok::RParen
            | Tok::RBracket
            | Tok::RBrace
            | Tok::Dot
            | Tok::At
            | Tok::StarStar
            | Tok::Slash
            | Tok::SlashSlash
            | Tok::Percent
            | Tok::Pipe
            | Tok::Caret
            | Tok::Amp
            | Tok::Shl
            | Tok::Shr
            | Tok::Lt
            | Tok::Le
            | Tok::Gt
            | Tok::Ge
            | Tok::EqEq
            | Tok::NotEq
    )
}

impl<'s> Parser<'s> {
    /// The grammar's `expr` (`ternary`) or `test`.
    #[inline]
    pub(super) fn stream(&mut self, ternary: bool) -> R<Built> {
        self.stream_from(None, ternary)
    }

    /// A stream whose first primary (`first`, without prefix operators) is already built.
    pub(super) fn stream_from(&mut self, mut first: Option<Built>, ternary: bool) -> R<Built> {
        let bases = self.shunt.bases();
        let mut pushed = false;
        let mut had_infix = false;
        // The operand right after `|`: its calls are pipeline stages (`f | g(1, $$)`).
        let mut after_pipe = false;
        loop {
            let mut prefixed = false;
            if first.is_none() {
                loop {
                    let t = self.tok();
                    let op = match t.kind {
                        Tok::Minus => Some(UnaryOp::Neg),
                        Tok::Plus => Some(UnaryOp::Pos),
                        Tok::Tilde => Some(UnaryOp::Invert),
                        Tok::Not => None,
                        _ => break,
                    };
                    self.bump();
                    self.shunt.prefix(prefix_op(op), t.start);
                    prefixed = true;
                }
            }
            let (e, d, postfixed) = self.unit_in(first.take(), after_pipe)?;
            let infix = self.infix(ternary);
            if !pushed && !prefixed && infix.is_none() {
                self.last_stream = (false, postfixed);
                return Ok((e, d));
            }
            self.shunt.operand(e, d);
            pushed = true;
            match infix {
                None => {
                    self.last_stream = (had_infix, postfixed);
                    break;
                }
                Some(Infix::Op(op, n)) => {
                    after_pipe = self.peek() == Tok::Pipe;
                    for _ in 0..n {
                        self.bump();
                    }
                    self.shunt.infix(bases.1, op)?;
                }
                Some(Infix::Ternary) => {
                    after_pipe = false;
                    let at = self.pos;
                    self.bump();
                    let (test, td) = self.stream(false)?;
                    if !self.eat(Tok::Else) {
                        // Like pest, back out of an `if` without `else`: it then belongs to
                        // an enclosing comprehension (`for f in lambda :: a if c`). A test
                        // that parsed leaves every stack as it found it.
                        self.pos = at;
                        self.last_stream = (had_infix, postfixed);
                        break;
                    }
                    self.shunt.ternary(bases.1, test, td)?;
                }
            }
            had_infix = true;
        }
        Ok(self.shunt.finish(bases, Span::default())?)
    }

    /// Where the pest pair of the expression just parsed ends: after the whitespace that
    /// follows it, unless its last operand came after an operator and ended with a postfix
    /// (pest keeps the whitespace it skipped before an optional part that then matched
    /// nothing). Only `**m` in a dict display uses such a span.
    pub(super) fn expr_pair_end(&self) -> u32 {
        match self.last_stream {
            (true, true) => self.prev_end(),
            _ => self.tok().start,
        }
    }

    fn infix(&self, ternary: bool) -> Option<Infix> {
        let op = match self.peek() {
            Tok::Plus => bin_op(BinOp::Add),
            Tok::Minus => bin_op(BinOp::Sub),
            Tok::Star => bin_op(BinOp::Mul),
            Tok::Slash => bin_op(BinOp::Div),
            Tok::SlashSlash => bin_op(BinOp::FloorDiv),
            Tok::Percent => bin_op(BinOp::Mod),
            Tok::StarStar => bin_op(BinOp::Pow),
            Tok::Pipe => bin_op(BinOp::BitOr),
            Tok::Caret => bin_op(BinOp::BitXor),
            Tok::Amp => bin_op(BinOp::BitAnd),
            Tok::Shl => bin_op(BinOp::Shl),
            Tok::Shr => bin_op(BinOp::Shr),
            Tok::EqEq => cmp_op(CmpOp::Eq),
            Tok::NotEq => cmp_op(CmpOp::NotEq),
            Tok::Lt => cmp_op(CmpOp::Lt),
            Tok::Le => cmp_op(CmpOp::LtE),
            Tok::Gt => cmp_op(CmpOp::Gt),
            Tok::Ge => cmp_op(CmpOp::GtE),
            Tok::In => cmp_op(CmpOp::In),
            Tok::Is if self.peek2() == Tok::Not => return Some(Infix::Op(cmp_op(CmpOp::IsNot), 2)),
            Tok::Is => cmp_op(CmpOp::Is),
            Tok::Not if self.peek2() == Tok::In => return Some(Infix::Op(cmp_op(CmpOp::NotIn), 2)),
            Tok::And => and_op(),
            Tok::Or => or_op(),
            Tok::If if ternary => return Some(Infix::Ternary),
            _ => return None,
        };
        Some(Infix::Op(op, 1))
    }

    /// A primary (or `first`) with its postfixes; also says whether there was a postfix.
    pub(super) fn unit(&mut self, first: Option<Built>) -> R<(Expr, u32, bool)> {
        self.unit_in(first, false)
    }

    /// [`Self::unit`]; with `stage_calls`, its calls are those of a pipeline stage (the right
    /// operand of `|`), whose arguments may use `$$` (the primary itself is not a stage).
    fn unit_in(&mut self, first: Option<Built>, stage_calls: bool) -> R<(Expr, u32, bool)> {
        let (mut e, mut d) = match first {
            Some(b) => b,
            None => self.primary()?,
        };
        let mut postfixed = false;
        loop {
            let (node, depth) = match self.peek() {
                Tok::LParen => {
                    let in_stage = self.ctx.in_stage;
                    self.ctx.in_stage |= stage_calls;
                    let r = self.call();
                    self.ctx.in_stage = in_stage;
                    let (args, ad, end) = r?;
                    call_node((e, d), args, ad, end)
                }
                Tok::LBracket => {
                    let (index, end) = self.subscript()?;
                    index_node((e, d), index, end)
                }
                Tok::Dot => {
                    self.bump();
                    let attr = self.ident()?;
                    attribute_node((e, d), attr, attr.span.end)
                }
                _ => break,
            };
            check_depth(depth, node.span)?;
            e = node;
            d = depth;
            postfixed = true;
        }
        Ok((e, d, postfixed))
    }

    /// A name that is not a reserved word.
    /// `name := value` when the next tokens are a name and `:=`, else an expression (the
    /// grammar's `named`).
    pub(super) fn named(&mut self) -> R<Built> {
        if self.peek() != Tok::Name || self.peek2() != Tok::Walrus {
            return self.stream(true);
        }
        let name = self.ident()?;
        self.bump();
        let value = self.stream(true)?;
        let (e, d) = named_expr_node(name, value);
        check_depth(d, e.span)?;
        Ok((e, d))
    }

    pub(super) fn ident(&mut self) -> R<Ident> {
        let t = self.expect(Tok::Name)?;
        Ok(Ident {
            name: self.names.sym(self.text(t)?),
            span: Span {
                start: t.start,
                end: t.end,
            },
        })
    }

    pub(super) fn primary(&mut self) -> R<Built> {
        let t = self.tok();
        let span = Span {
            start: t.start,
            end: t.end,
        };
        let kind = match t.kind {
            Tok::Name => ExprKind::Name {
                scope: None,
                name: self.names.sym(self.text(t)?),
            },
            Tok::Number => number(self.text(t)?, span)?,
            Tok::Str => return self.strings(),
            Tok::True => ExprKind::Bool(true),
            Tok::False => ExprKind::Bool(false),
            Tok::None => ExprKind::None,
            Tok::Scoped => {
                let (scope, name) = split_scoped(self.text(t)?).ok_or(Bail)?;
                if is_reserved(name) {
                    return Err(Bail);
                }
                ExprKind::Name {
                    scope: Some(scope),
                    name: self.names.sym(name),
                }
            }
            Tok::Dollars if self.ctx.placeholder_ok => ExprKind::Placeholder,
            Tok::LParen => return self.paren_expr(),
            Tok::LBracket => return self.list_disp(),
            Tok::LBrace => return self.brace_disp(),
            Tok::Lambda => return self.lambda(),
            _ => return Err(Bail),
        };
        self.bump();
        Ok((Expr { kind, span }, 1))
    }

    /// Adjacent string literals, concatenated.
    pub(super) fn strings(&mut self) -> R<Built> {
        let mut acc = StringsAcc::default();
        while self.peek() == Tok::Str {
            let t = self.bump();
            let text = self.text(t)?;
            let span = Span {
                start: t.start,
                end: t.end,
            };
            acc.push(self, text, span)?;
        }
        Ok(acc.finish()?)
    }

    /// A call's `(…)`: the arguments, their depth, and where the `)` ends. As in the builder,
    /// the arguments of a pipeline stage's call may use `$$`.
    pub(super) fn call(&mut self) -> R<(Vec<Arg>, u32, u32)> {
        let saved = self.ctx;
        if self.ctx.in_stage {
            self.ctx.placeholder_ok = true;
        }
        self.ctx.in_stage = false;
        self.enter()?;
        let r = self.call_inner();
        self.leave();
        self.ctx.placeholder_ok = saved.placeholder_ok;
        self.ctx.in_stage = saved.in_stage;
        r
    }

    fn call_inner(&mut self) -> R<(Vec<Arg>, u32, u32)> {
        self.expect(Tok::LParen)?;
        let base = self.args.len();
        let mut gens = Vec::new();
        let mut depth = 0;
        if self.peek() != Tok::RParen {
            let mut seen_kw = false;
            let mut seen_starstar = false;
            let mut keywords: Vec<Sym> = Vec::new();
            loop {
                let start = self.tok().start;
                let kind = match self.peek() {
                    Tok::StarStar => {
                        self.bump();
                        let (v, d) = self.stream(true)?;
                        depth = depth.max(d);
                        seen_starstar = true;
                        ArgKind::StarStar(v)
                    }
                    Tok::Star => {
                        self.bump();
                        let (v, d) = self.stream(true)?;
                        depth = depth.max(d);
                        if seen_starstar {
                            return Err(Bail);
                        }
                        ArgKind::Star(v)
                    }
                    Tok::Name if self.peek2() == Tok::Assign => {
                        let name = self.ident()?;
                        self.bump();
                        if keywords.contains(&name.name) {
                            return Err(Bail);
                        }
                        keywords.push(name.name);
                        let (v, d) = self.stream(true)?;
                        depth = depth.max(d);
                        seen_kw = true;
                        ArgKind::Keyword(name, v)
                    }
                    _ => {
                        let (v, d) = self.named()?;
                        depth = depth.max(d);
                        if seen_kw || seen_starstar {
                            return Err(Bail);
                        }
                        ArgKind::Positional(v)
                    }
                };
                let end = match &kind {
                    ArgKind::Positional(v)
                    | ArgKind::Keyword(_, v)
                    | ArgKind::Star(v)
                    | ArgKind::StarStar(v) => v.span.end,
                };
                self.args.push(Arg {
                    kind,
                    span: Span { start, end },
                });
                if self.args.len() == base + 1 && self.peek() == Tok::For {
                    while self.peek() == Tok::For {
                        let (g, d) = self.comp_for()?;
                        depth = depth.max(d);
                        gens.push(g);
                    }
                    break;
                }
                if !self.eat(Tok::Comma) || self.peek() == Tok::RParen {
                    break;
                }
            }
        }
        let close = self.expect(Tok::RParen)?;
        let mut args: Vec<Arg> = self.args.drain(base..).collect();
        if !gens.is_empty() {
            let arg = generator_arg(args.pop(), gens, close.start).ok_or(Bail)?;
            args.push(arg);
            depth += 1;
        }
        Ok((args, depth + 1, close.end))
    }

    /// `[…]` after an expression: an index, a slice or a tuple of them; and where `]` ends.
    fn subscript(&mut self) -> R<(Built, u32)> {
        let open = self.expect(Tok::LBracket)?;
        self.enter()?;
        let (first, mut depth) = self.sub_item()?;
        if self.peek() == Tok::RBracket {
            let close = self.bump();
            self.leave();
            return Ok(((first, depth), close.end));
        }
        let base = self.exprs.len();
        self.exprs.push(first);
        while self.eat(Tok::Comma) && self.peek() != Tok::RBracket {
            let (e, d) = self.sub_item()?;
            depth = depth.max(d);
            self.exprs.push(e);
        }
        let close = self.expect(Tok::RBracket)?;
        self.leave();
        let items: Vec<Expr> = self.exprs.drain(base..).collect();
        let (tuple, depth) = subscript_tuple_node(items, depth, open.end, close.start);
        check_depth(depth, tuple.span)?;
        Ok(((tuple, depth), close.end))
    }

    fn sub_item(&mut self) -> R<Built> {
        let start = self.tok().start;
        let mut slots: [Option<Box<Expr>>; 3] = [None, None, None];
        let mut depth = 0;
        if self.peek() != Tok::Colon {
            let (e, d) = self.stream(true)?;
            if self.peek() != Tok::Colon {
                return Ok((e, d));
            }
            depth = d;
            slots[0] = Some(boxed(e));
        }
        let mut end = start;
        for slot in slots.iter_mut().skip(1) {
            if self.peek() != Tok::Colon {
                break;
            }
            end = self.bump().end;
            if !matches!(self.peek(), Tok::Colon | Tok::Comma | Tok::RBracket) {
                let (e, d) = self.stream(true)?;
                depth = depth.max(d);
                end = e.span.end;
                *slot = Some(boxed(e));
            }
        }
        let (slice, depth) = slice_node(slots, depth, start, end);
        check_depth(depth, slice.span)?;
        Ok((slice, depth))
    }

    /// An element of a display or an expression list: `expr` or `*expr`.
    pub(super) fn star_elem(&mut self) -> R<Built> {
        if self.peek() != Tok::Star {
            return self.stream(true);
        }
        let star = self.bump();
        let (e, d) = starred_node(star.start, self.stream(true)?);
        check_depth(d, e.span)?;
        Ok((e, d))
    }

    /// `exprlist`: one expression, or a tuple when there is a comma.
    pub(super) fn exprlist(&mut self) -> R<Built> {
        let (first, d) = self.star_elem()?;
        if self.peek() != Tok::Comma {
            if matches!(first.kind, ExprKind::Starred(_)) {
                return Err(Bail);
            }
            return Ok((first, d));
        }
        let start = first.span.start;
        let base = self.exprs.len();
        self.exprs.push(first);
        let mut depth = d;
        let mut end;
        loop {
            end = self.bump().end;
            if !may_start_expr(self.peek()) {
                break;
            }
            let (e, d) = self.star_elem()?;
            depth = depth.max(d);
            end = e.span.end;
            self.exprs.push(e);
            if self.peek() != Tok::Comma {
                break;
            }
        }
        let items: Vec<Expr> = self.exprs.drain(base..).collect();
        let (tuple, depth) = tuple_node(items, depth, start, end);
        check_depth(depth, tuple.span)?;
        Ok((tuple, depth))
    }

    /// The target list of a `for` loop or comprehension, checked as an assignment target.
    pub(super) fn target_list(&mut self) -> R<Built> {
        let mut items = Vec::new();
        let mut depth = 0;
        let mut trailing = false;
        let mut end;
        loop {
            let (e, d) = if self.peek() == Tok::Star {
                let star = self.bump();
                let (e, d, _) = self.unit(None)?;
                starred_node(star.start, (e, d))
            } else {
                let (e, d, _) = self.unit(None)?;
                (e, d)
            };
            end = e.span.end;
            depth = depth.max(d);
            items.push(e);
            if self.peek() != Tok::Comma {
                break;
            }
            let comma = self.bump();
            if self.peek() == Tok::In || !may_start_expr(self.peek()) {
                trailing = true;
                end = comma.end;
                break;
            }
        }
        let target = if items.len() == 1 && !trailing {
            items.pop().ok_or(Bail)?
        } else {
            let tuple;
            (tuple, depth) = tuple_node(items, depth, end, end);
            tuple
        };
        check_target(self.src, &target, false)?;
        Ok((target, depth))
    }
}

#[cfg(test)]
mod tests {
    use super::may_start_expr;
    use super::Tok;

    #[test]
    fn list_ends_are_not_expression_starts() {
        for t in [
            Tok::Newline,
            Tok::Semi,
            Tok::Colon,
            Tok::Assign,
            Tok::RParen,
        ] {
            assert!(!may_start_expr(t));
        }
        for t in [
            Tok::Name,
            Tok::Star,
            Tok::Minus,
            Tok::Not,
            Tok::If,
            Tok::LBrace,
        ] {
            assert!(may_start_expr(t));
        }
    }
}
