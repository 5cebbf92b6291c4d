//! Statements: blocks, simple statements, assignments, imports and control flow. Spans are
//! the shared constructors' (`build/nodes.rs`): a compound statement spans from its keyword to the end of the last statement
//! of its last block.

use super::expr::may_start_expr;
use super::lexer::Tok;
use super::{Bail, Parser, R};
use crate::ast::*;
use crate::build::checks::{check_target, single_target};
use crate::build::nodes::{
    assign_node, aug_assign_node, delete_node, for_node, from_import_end, handler_node, if_node,
    import_node, scope_decl_node, try_node, typed_assign_node, while_node, with_node,
};
use crate::build::shunt::aug_op;

impl<'s> Parser<'s> {
    pub(super) fn module(&mut self) -> R<Vec<Stmt>> {
        while self.peek() != Tok::Eof {
            self.stmt()?;
        }
        Ok(std::mem::take(&mut self.stmts))
    }

    /// `NEWLINE INDENT stmt+ DEDENT` (an inline body is left to the pest path).
    pub(super) fn block(&mut self) -> R<Vec<Stmt>> {
        self.expect(Tok::Newline)?;
        self.expect(Tok::Indent)?;
        let base = self.stmts.len();
        loop {
            self.stmt()?;
            if self.eat(Tok::Dedent) {
                return Ok(self.stmts.drain(base..).collect());
            }
        }
    }

    /// A loop body: `break`/`continue` allowed inside.
    fn loop_body(&mut self) -> R<Vec<Stmt>> {
        let saved = self.ctx.in_loop;
        self.ctx.in_loop = true;
        let r = self.block();
        self.ctx.in_loop = saved;
        r
    }

    /// `else: block` if present (the `else` of if / while / for / try).
    fn else_body(&mut self) -> R<Vec<Stmt>> {
        if !self.eat(Tok::Else) {
            return Ok(Vec::new());
        }
        self.expect(Tok::Colon)?;
        self.block()
    }

    /// One statement onto the statement stack (`import a, b` and `x; y` give several).
    fn stmt(&mut self) -> R<()> {
        let s = match self.peek() {
            Tok::If => self.if_stmt()?,
            Tok::While => self.while_stmt()?,
            Tok::For => self.for_stmt()?,
            Tok::Try => self.try_stmt()?,
            Tok::With => self.with_stmt()?,
            Tok::At | Tok::Def | Tok::Sync => self.funcdef_stmt()?,
            Tok::Struct | Tok::Niche => self.struct_stmt()?,
            Tok::Interface => self.interface_stmt()?,
            _ => return self.simple_line(),
        };
        self.stmts.push(s);
        Ok(())
    }

    /// `small (; small)* ;? NEWLINE`.
    fn simple_line(&mut self) -> R<()> {
        loop {
            self.small_stmt()?;
            if !self.eat(Tok::Semi) || self.peek() == Tok::Newline {
                break;
            }
        }
        self.expect(Tok::Newline)?;
        Ok(())
    }

    fn small_stmt(&mut self) -> R<()> {
        let t = self.tok();
        let start = t.start;
        let (kind, end) = match t.kind {
            Tok::Pass => {
                self.bump();
                (StmtKind::Pass, t.end)
            }
            Tok::Break | Tok::Continue => {
                if !self.ctx.in_loop {
                    return Err(Bail);
                }
                self.bump();
                let kind = match t.kind {
                    Tok::Break => StmtKind::Break,
                    _ => StmtKind::Continue,
                };
                (kind, t.end)
            }
            Tok::Return => {
                if !self.ctx.in_function {
                    return Err(Bail);
                }
                self.bump();
                let value = if self.at_line_end() {
                    None
                } else {
                    Some(self.exprlist()?.0)
                };
                let end = value.as_ref().map_or(start + 6, |e| e.span.end);
                (StmtKind::Return(value), end)
            }
            Tok::Raise => {
                self.bump();
                let mut exc = None;
                let mut cause = None;
                if !self.at_line_end() {
                    exc = Some(self.stream(true)?.0);
                    if self.eat(Tok::From) {
                        cause = Some(self.stream(true)?.0);
                    }
                }
                let end = cause
                    .as_ref()
                    .or(exc.as_ref())
                    .map_or(start + 5, |e| e.span.end);
                (StmtKind::Raise { exc, cause }, end)
            }
            Tok::Assert => {
                self.bump();
                let (test, _) = self.stream(true)?;
                let msg = if self.eat(Tok::Comma) {
                    Some(self.stream(true)?.0)
                } else {
                    None
                };
                let end = msg.as_ref().unwrap_or(&test).span.end;
                (StmtKind::Assert { test, msg }, end)
            }
            Tok::Import => return self.import_stmt(),
            Tok::From => self.import_from()?,
            Tok::Name if self.peek2() == Tok::Name => match self.text(t)? {
                "del" => self.del_stmt()?,
                "global" => self.scope_decl(true)?,
                "nonlocal" => self.scope_decl(false)?,
                _ => self.expr_stmt()?,
            },
            _ => self.expr_stmt()?,
        };
        self.stmts.push(Stmt {
            kind,
            span: Span { start, end },
        });
        Ok(())
    }

    /// `del t1, t2,` (the grammar's `del_stmt`: `del` then a space and a name).
    fn del_stmt(&mut self) -> R<(StmtKind, u32)> {
        self.soft_keyword()?;
        let mut targets = Vec::new();
        loop {
            let (t, _, _) = self.unit(None)?;
            targets.push(t);
            if !self.eat(Tok::Comma) || !may_start_expr(self.peek()) {
                break;
            }
        }
        Ok(delete_node(targets)?)
    }

    /// `global a, b` / `nonlocal a, b`.
    fn scope_decl(&mut self, global: bool) -> R<(StmtKind, u32)> {
        self.soft_keyword()?;
        let mut names = vec![self.ident()?];
        while self.eat(Tok::Comma) {
            names.push(self.ident()?);
        }
        Ok(scope_decl_node(global, names))
    }

    /// Takes a soft keyword (`del`, `global`, `nonlocal`): the grammar wants only spaces or
    /// tabs between it and the name after it.
    fn soft_keyword(&mut self) -> R<()> {
        let kw = self.bump();
        let next = self.tok();
        let gap = self
            .src
            .get(kw.end as usize..next.start as usize)
            .ok_or(Bail)?;
        if gap.is_empty() || !gap.bytes().all(|c| c == b' ' || c == b'\t') {
            return Err(Bail);
        }
        Ok(())
    }

    /// At the end of a simple statement (`;` or the end of the line).
    fn at_line_end(&self) -> bool {
        matches!(self.peek(), Tok::Newline | Tok::Semi)
    }

    /// `import a.b as c, d`: one statement per module.
    fn import_stmt(&mut self) -> R<()> {
        let start = self.expect(Tok::Import)?.start;
        loop {
            let path = self.dotted()?;
            let alias = self.as_name()?;
            let stmt = import_node(start, path, alias).ok_or(Bail)?;
            self.stmts.push(stmt);
            if !self.eat(Tok::Comma) {
                return Ok(());
            }
        }
    }

    /// `as name`, if present.
    pub(super) fn as_name(&mut self) -> R<Option<Ident>> {
        if !self.eat(Tok::As) {
            return Ok(None);
        }
        Ok(Some(self.ident()?))
    }

    /// `a.b.c` as identifiers.
    fn dotted(&mut self) -> R<Vec<Ident>> {
        let mut path = vec![self.ident()?];
        while self.eat(Tok::Dot) {
            path.push(self.ident()?);
        }
        Ok(path)
    }

    /// `from ..a.b import x, y as z` / `from m import (x,)` / `from m import *`.
    fn import_from(&mut self) -> R<(StmtKind, u32)> {
        self.expect(Tok::From)?;
        let mut level = 0;
        if self.peek() == Tok::Dot {
            // The grammar's `rel_dots` is one token: adjacent dots only.
            let mut last = self.bump();
            level = 1;
            while self.peek() == Tok::Dot && self.tok().start == last.end {
                last = self.bump();
                level += 1;
            }
        }
        let path = if self.peek() == Tok::Import {
            Vec::new()
        } else {
            self.dotted()?
        };
        self.expect(Tok::Import)?;
        if level == 0 && path.is_empty() {
            return Err(Bail);
        }
        let mut end;
        let mut names = Vec::new();
        let mut star = false;
        if self.peek() == Tok::Star {
            star = true;
            end = self.bump().end;
        } else {
            let paren = self.eat(Tok::LParen);
            loop {
                let name = self.ident()?;
                let alias = self.as_name()?;
                end = alias.map_or(name.span.end, |a| a.span.end);
                names.push(ImportName { name, alias });
                if !self.eat(Tok::Comma) || self.peek() != Tok::Name {
                    break;
                }
            }
            if paren {
                self.expect(Tok::RParen)?;
            }
        }
        let kind = StmtKind::FromImport {
            level,
            path,
            names,
            star,
        };
        Ok((kind, from_import_end(self.src, end)))
    }

    /// Expression statements and (typed, augmented, chained) assignments.
    fn expr_stmt(&mut self) -> R<(StmtKind, u32)> {
        let (first, _) = self.exprlist()?;
        match self.peek() {
            Tok::Colon => {
                self.bump();
                single_target(self.src, &first, "an annotated assignment")?;
                let ann = self.type_expr()?;
                let value = if self.eat(Tok::Assign) {
                    Some(self.exprlist()?.0)
                } else {
                    None
                };
                Ok(typed_assign_node(first, ann, value))
            }
            Tok::AugAssign => {
                single_target(self.src, &first, "an augmented assignment")?;
                let t = self.bump();
                let op = aug_op(self.text(t)?);
                let (value, _) = self.exprlist()?;
                Ok(aug_assign_node(first, op, value))
            }
            Tok::Assign => {
                let mut targets = vec![first];
                while self.eat(Tok::Assign) {
                    targets.push(self.exprlist()?.0);
                }
                let value = targets.pop().ok_or(Bail)?;
                Ok(assign_node(self.src, targets, value)?)
            }
            _ => {
                let end = first.span.end;
                Ok((StmtKind::Expr(first), end))
            }
        }
    }

    fn if_stmt(&mut self) -> R<Stmt> {
        let start = self.expect(Tok::If)?.start;
        let (cond, _) = self.named()?;
        self.expect(Tok::Colon)?;
        let body = self.block()?;
        let mut elifs = Vec::new();
        while self.peek() == Tok::Elif {
            let estart = self.bump().start;
            let (econd, _) = self.named()?;
            self.expect(Tok::Colon)?;
            let ebody = self.block()?;
            elifs.push((estart, econd, ebody));
        }
        let orelse = self.else_body()?;
        Ok(if_node(start, cond, body, elifs, orelse))
    }

    fn while_stmt(&mut self) -> R<Stmt> {
        let start = self.expect(Tok::While)?.start;
        let (cond, _) = self.named()?;
        self.expect(Tok::Colon)?;
        let body = self.loop_body()?;
        let orelse = self.else_body()?;
        Ok(while_node(start, cond, body, orelse))
    }

    fn for_stmt(&mut self) -> R<Stmt> {
        let start = self.expect(Tok::For)?.start;
        let (target, _) = self.target_list()?;
        self.expect(Tok::In)?;
        let (iter, _) = self.exprlist()?;
        self.expect(Tok::Colon)?;
        let body = self.loop_body()?;
        let orelse = self.else_body()?;
        Ok(for_node(start, target, iter, body, orelse))
    }

    fn try_stmt(&mut self) -> R<Stmt> {
        let start = self.expect(Tok::Try)?.start;
        self.expect(Tok::Colon)?;
        let body = self.block()?;
        let mut handlers: Vec<ExceptHandler> = Vec::new();
        while self.peek() == Tok::Except {
            // A bare `except:` must be the last handler.
            if handlers.last().is_some_and(|h| h.types.is_none()) {
                return Err(Bail);
            }
            let hstart = self.bump().start;
            let mut types = None;
            let mut name = None;
            if self.peek() == Tok::As {
                name = self.as_name()?;
            } else if self.peek() != Tok::Colon {
                types = Some(self.stream(true)?.0);
                name = self.as_name()?;
            }
            self.expect(Tok::Colon)?;
            let hbody = self.block()?;
            handlers.push(handler_node(hstart, types, name, hbody));
        }
        if self.peek() == Tok::Else && handlers.is_empty() {
            return Err(Bail);
        }
        let orelse = self.else_body()?;
        let finalbody = if self.eat(Tok::Finally) {
            self.expect(Tok::Colon)?;
            Some(self.block()?)
        } else {
            None
        };
        if handlers.is_empty() && finalbody.is_none() {
            return Err(Bail);
        }
        let finalbody = finalbody.unwrap_or_default();
        Ok(try_node(start, body, handlers, orelse, finalbody))
    }

    fn with_stmt(&mut self) -> R<Stmt> {
        let start = self.expect(Tok::With)?.start;
        let mut items = Vec::new();
        loop {
            let (context, _) = self.stream(true)?;
            let target = if self.eat(Tok::As) {
                let (t, _, _) = self.unit(None)?;
                check_target(self.src, &t, false)?;
                Some(t)
            } else {
                None
            };
            items.push(WithItem { context, target });
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        self.expect(Tok::Colon)?;
        let body = self.block()?;
        Ok(with_node(start, items, body))
    }
}
