//! Bracketed displays (parentheses, lists, dicts, sets), comprehensions and lambdas.

use super::lexer::Tok;
use super::{finish, Bail, Parser, R};
use crate::ast::*;
use crate::build::checks::{check_params, check_receiver};
use crate::build::exprs::lambda_node;
use crate::build::kit::{boxed, check_depth, Built};
use crate::build::nodes::dict_unpack;

/// What a parenthesis holds: an expression, or the Dana dict-comprehension pair `(k: v)`
/// (only valid as a whole item of a brace display).
pub(super) enum Paren {
    Expr(Built),
    Pair(Built, Built),
}

impl<'s> Parser<'s> {
    /// A parenthesised primary in an ordinary expression.
    pub(super) fn paren_expr(&mut self) -> R<Built> {
        match self.paren()? {
            Paren::Expr(b) => Ok(b),
            Paren::Pair(..) => Err(Bail),
        }
    }

    /// `()`, `(x)`, `(x,)`, `(a, b)`, `(x for x in xs)` (eager, a list comprehension) or
    /// `(k: v)`.
    pub(super) fn paren(&mut self) -> R<Paren> {
        let open = self.expect(Tok::LParen)?;
        self.enter()?;
        let r = self.paren_inner(open.start);
        self.leave();
        r
    }

    fn paren_inner(&mut self, start: u32) -> R<Paren> {
        if self.peek() == Tok::RParen {
            let close = self.bump();
            let span = Span {
                start,
                end: close.end,
            };
            let e = Expr {
                kind: ExprKind::Tuple(Vec::new()),
                span,
            };
            return Ok(Paren::Expr((e, 1)));
        }
        let (e0, d0) = if self.peek() == Tok::Name && self.peek2() == Tok::Walrus {
            self.named()?
        } else {
            self.star_elem()?
        };
        match self.peek() {
            Tok::Colon => {
                self.bump();
                let v = self.stream(true)?;
                self.expect(Tok::RParen)?;
                Ok(Paren::Pair((e0, d0), v))
            }
            Tok::For => {
                let mut gens = Vec::new();
                let mut depth = d0;
                while self.peek() == Tok::For {
                    let (g, d) = self.comp_for()?;
                    depth = depth.max(d);
                    gens.push(g);
                }
                let close = self.expect(Tok::RParen)?;
                if matches!(e0.kind, ExprKind::Starred(_)) {
                    return Err(Bail);
                }
                let kind = ExprKind::ListComp {
                    elt: boxed(e0),
                    gens,
                };
                let span = Span {
                    start,
                    end: close.end,
                };
                Ok(Paren::Expr(finish(kind, depth + 1, span)?))
            }
            Tok::Comma => {
                self.bump();
                let base = self.exprs.len();
                self.exprs.push(e0);
                let mut depth = d0;
                while self.peek() != Tok::RParen {
                    let (e, d) = self.star_elem()?;
                    depth = depth.max(d);
                    self.exprs.push(e);
                    if !self.eat(Tok::Comma) {
                        break;
                    }
                }
                let close = self.expect(Tok::RParen)?;
                let items: Vec<Expr> = self.exprs.drain(base..).collect();
                let span = Span {
                    start,
                    end: close.end,
                };
                Ok(Paren::Expr(finish(
                    ExprKind::Tuple(items),
                    depth + 1,
                    span,
                )?))
            }
            _ => {
                self.expect(Tok::RParen)?;
                if matches!(e0.kind, ExprKind::Starred(_)) {
                    return Err(Bail);
                }
                Ok(Paren::Expr((e0, d0)))
            }
        }
    }

    pub(super) fn list_disp(&mut self) -> R<Built> {
        let open = self.expect(Tok::LBracket)?;
        self.enter()?;
        let base = self.exprs.len();
        let mut gens = Vec::new();
        let mut depth = 0;
        if self.peek() != Tok::RBracket {
            let (e, d) = self.star_elem()?;
            depth = d;
            self.exprs.push(e);
            if self.peek() == Tok::For {
                while self.peek() == Tok::For {
                    let (g, d) = self.comp_for()?;
                    depth = depth.max(d);
                    gens.push(g);
                }
            } else {
                while self.eat(Tok::Comma) && self.peek() != Tok::RBracket {
                    let (e, d) = self.star_elem()?;
                    depth = depth.max(d);
                    self.exprs.push(e);
                }
            }
        }
        let close = self.expect(Tok::RBracket)?;
        self.leave();
        let mut items: Vec<Expr> = self.exprs.drain(base..).collect();
        let span = Span {
            start: open.start,
            end: close.end,
        };
        if gens.is_empty() {
            return finish(ExprKind::List(items), depth + 1, span);
        }
        let elt = items.pop().ok_or(Bail)?;
        if matches!(elt.kind, ExprKind::Starred(_)) {
            return Err(Bail);
        }
        let kind = ExprKind::ListComp {
            elt: boxed(elt),
            gens,
        };
        finish(kind, depth + 1, span)
    }

    pub(super) fn brace_disp(&mut self) -> R<Built> {
        let open = self.expect(Tok::LBrace)?;
        self.enter()?;
        let mut items = BraceItems::default();
        if self.peek() != Tok::RBrace {
            self.brace_item(&mut items)?;
            if self.peek() == Tok::For {
                while self.peek() == Tok::For {
                    let (g, d) = self.comp_for()?;
                    items.depth = items.depth.max(d);
                    items.gens.push(g);
                }
            } else {
                while self.eat(Tok::Comma) && self.peek() != Tok::RBrace {
                    self.brace_item(&mut items)?;
                }
            }
        }
        let close = self.expect(Tok::RBrace)?;
        self.leave();
        let span = Span {
            start: open.start,
            end: close.end,
        };
        let BraceItems {
            mut singles,
            mut pairs,
            gens,
            depth,
        } = items;
        if !gens.is_empty() {
            if let Some((k, v)) = pairs.pop() {
                if matches!(k.kind, ExprKind::Starred(_)) {
                    return Err(Bail);
                }
                let kind = ExprKind::DictComp {
                    key: boxed(k),
                    value: boxed(v),
                    gens,
                };
                return finish(kind, depth + 1, span);
            }
            let elt = singles.pop().ok_or(Bail)?;
            if matches!(elt.kind, ExprKind::Starred(_)) {
                return Err(Bail);
            }
            let kind = ExprKind::SetComp {
                elt: boxed(elt),
                gens,
            };
            return finish(kind, depth + 1, span);
        }
        if !singles.is_empty() && !pairs.is_empty() {
            return Err(Bail);
        }
        if pairs.is_empty() && !singles.is_empty() {
            return finish(ExprKind::Set(singles), depth + 1, span);
        }
        finish(ExprKind::Dict(pairs), depth + 1, span)
    }

    /// One item of a brace display: `**m`, `k: v`, `(k: v)` or an element.
    fn brace_item(&mut self, items: &mut BraceItems) -> R<()> {
        if self.peek() == Tok::StarStar {
            // `**m` is stored as the entry `(Starred(m), None)`, spanning the pest pair.
            let start = self.bump().start;
            let (m, md) = self.stream(true)?;
            let span = Span {
                start,
                end: self.expr_pair_end(),
            };
            items.depth = items.depth.max(md + 1);
            items.pairs.push(dict_unpack(m, span));
            return Ok(());
        }
        let (k, kd) = if self.peek() == Tok::LParen {
            match self.paren()? {
                // The Dana spelling `{(k: v) for …}`: the pair must be the whole item.
                Paren::Pair((k, kd), (v, vd)) => {
                    if !matches!(self.peek(), Tok::Comma | Tok::RBrace | Tok::For) {
                        return Err(Bail);
                    }
                    items.depth = items.depth.max(kd).max(vd);
                    items.pairs.push((k, v));
                    return Ok(());
                }
                Paren::Expr(first) => self.stream_from(Some(first), true)?,
            }
        } else {
            self.star_elem()?
        };
        if self.eat(Tok::Colon) {
            if matches!(k.kind, ExprKind::Starred(_)) {
                return Err(Bail);
            }
            let (v, vd) = self.stream(true)?;
            items.depth = items.depth.max(kd).max(vd);
            items.pairs.push((k, v));
        } else {
            items.depth = items.depth.max(kd);
            items.singles.push(k);
        }
        Ok(())
    }

    /// `for targets in test (if test)*`.
    pub(super) fn comp_for(&mut self) -> R<(Comprehension, u32)> {
        self.expect(Tok::For)?;
        let (target, td) = self.target_list()?;
        self.expect(Tok::In)?;
        let (iter, id) = self.stream(false)?;
        let mut depth = td.max(id);
        let mut ifs = Vec::new();
        while self.eat(Tok::If) {
            let (e, d) = self.stream(false)?;
            depth = depth.max(d);
            ifs.push(e);
        }
        Ok((Comprehension { target, iter, ifs }, depth + 1))
    }

    /// `lambda params :: body`.
    pub(super) fn lambda(&mut self) -> R<Built> {
        let kw = self.expect(Tok::Lambda)?;
        self.enter()?;
        let receiver = if self.eat(Tok::LParen) {
            let (param, _) = self.param()?;
            self.expect(Tok::RParen)?;
            check_receiver(&param)?;
            Some(param)
        } else {
            None
        };
        let base = self.params.len();
        let mut depth = 0;
        if !self.at_double_colon() {
            loop {
                let (p, d) = self.param()?;
                depth = depth.max(d);
                self.params.push(p);
                if !self.eat(Tok::Comma) || self.at_double_colon() {
                    break;
                }
            }
        }
        if !self.at_double_colon() {
            return Err(Bail);
        }
        self.bump();
        self.bump();
        let params: Vec<Param> = self.params.drain(base..).collect();
        check_params(&params)?;
        let body = self.stream(true)?;
        self.leave();
        let (lambda, depth) = lambda_node(kw.start, receiver, params, depth, body);
        check_depth(depth, lambda.span)?;
        Ok((lambda, depth))
    }
}

#[derive(Default)]
struct BraceItems {
    singles: Vec<Expr>,
    pairs: Vec<(Expr, Expr)>,
    gens: Vec<Comprehension>,
    depth: u32,
}
