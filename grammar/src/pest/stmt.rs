//! Statements and definitions: blocks, control flow, assignments, imports, `def` (including
//! receivers, decorators and declarative pipelines), `struct`, `interface` and the niche
//! blocks; plus parameters and type annotations, which only occur in definitions and lambdas.
//!
//! Span rule: a compound statement spans from its first token to the end of the last statement
//! of its last block; spans are computed from built children because a pest pair that ends with
//! an optional part also covers the whitespace skipped before it.

use super::builder::Builder;
use super::grammar::{Pair, Rule};
use crate::ast::*;
use crate::build::checks::{check_target, single_target};
use crate::build::kit::{internal, Result};
use crate::build::nodes::{
    assign_node, aug_assign_node, block_stmt_node, def_node, delete_node, for_node,
    from_import_end, handler_node, if_node, import_node, scope_decl_node, try_node,
    typed_assign_node, while_node, with_node,
};
use crate::build::shunt::aug_op;
use crate::error::SyntaxError;
use crate::layout::NEWLINE;

impl<'s> Builder<'s> {
    pub(super) fn module(&mut self, file: Pair<'_>) -> Result<Vec<Stmt>> {
        let mut body = Vec::new();
        for p in file.into_inner() {
            if p.as_rule() != Rule::EOI {
                self.stmt_into(p, &mut body)?;
            }
        }
        Ok(body)
    }

    /// Builds one statement pair into `out` (`import a, b` gives two statements). A thin
    /// dispatcher: blocks recurse through here, so it keeps its stack frame small.
    pub(super) fn stmt_into(&mut self, p: Pair<'_>, out: &mut Vec<Stmt>) -> Result<()> {
        let s = match p.as_rule() {
            Rule::if_stmt => self.if_stmt(p)?,
            Rule::while_stmt => self.while_stmt(p)?,
            Rule::for_stmt => self.for_stmt(p)?,
            Rule::try_stmt => self.try_stmt(p)?,
            Rule::with_stmt => self.with_stmt(p)?,
            Rule::funcdef => self.funcdef_stmt(p)?,
            Rule::struct_def | Rule::niche_def => self.struct_stmt(p)?,
            Rule::interface_def => self.interface_stmt(p)?,
            Rule::import_stmt => return self.import_stmt(p, out),
            _ => self.simple_stmt(p)?,
        };
        out.push(s);
        Ok(())
    }

    pub(super) fn funcdef_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        Ok(def_node(start, self.funcdef(p)?))
    }

    pub(super) fn struct_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        Ok(block_stmt_node(self.struct_like(p)?, start))
    }

    pub(super) fn interface_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        Ok(block_stmt_node(self.interface(p)?, start))
    }

    pub(super) fn import_stmt(&mut self, p: Pair<'_>, out: &mut Vec<Stmt>) -> Result<()> {
        let span = self.span(&p);
        let start = span.start;
        for item in p.into_inner().filter(|c| c.as_rule() == Rule::import_item) {
            let mut path = Vec::new();
            let mut alias = None;
            for c in item.into_inner() {
                match c.as_rule() {
                    Rule::dotted_name => path = self.dotted(c)?,
                    Rule::ident => alias = Some(self.ident(&c)?),
                    _ => {}
                }
            }
            out.push(import_node(start, path, alias).ok_or_else(|| internal(span))?);
        }
        Ok(())
    }

    /// The statements without blocks.
    pub(super) fn simple_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let span = self.span(&p);
        let start = span.start;
        let stmt = |kind, end: u32| Stmt {
            kind,
            span: Span { start, end },
        };
        let s = match p.as_rule() {
            Rule::pass_stmt => stmt(StmtKind::Pass, span.end),
            Rule::break_stmt | Rule::continue_stmt => {
                let is_break = p.as_rule() == Rule::break_stmt;
                let word = if is_break { "break" } else { "continue" };
                if !self.ctx.in_loop {
                    return Err(SyntaxError::new(format!("'{word}' outside loop"), span)
                        .with_label("not inside a loop body"));
                }
                stmt(
                    if is_break {
                        StmtKind::Break
                    } else {
                        StmtKind::Continue
                    },
                    span.end,
                )
            }
            Rule::return_stmt => {
                let kw_end = start + 6;
                if !self.ctx.in_function {
                    return Err(SyntaxError::new(
                        "'return' outside function",
                        Span::new(start as usize, kw_end as usize),
                    )
                    .with_label("not inside a def"));
                }
                let value = self.opt_child_exprlist(p)?;
                let end = value.as_ref().map_or(kw_end, |e| e.span.end);
                stmt(StmtKind::Return(value), end)
            }
            Rule::raise_stmt => {
                let mut exprs = Vec::new();
                for c in p.into_inner() {
                    if c.as_rule() == Rule::expr {
                        exprs.push(self.stream(c)?.0);
                    }
                }
                let end = exprs.last().map_or(start + 5, |e| e.span.end);
                let mut it = exprs.into_iter();
                stmt(
                    StmtKind::Raise {
                        exc: it.next(),
                        cause: it.next(),
                    },
                    end,
                )
            }
            Rule::assert_stmt => {
                let mut exprs = Vec::new();
                for c in p.into_inner() {
                    if c.as_rule() == Rule::expr {
                        exprs.push(self.stream(c)?.0);
                    }
                }
                let end = exprs.last().map_or(span.end, |e| e.span.end);
                let mut it = exprs.into_iter();
                let test = it.next().ok_or_else(|| internal(span))?;
                stmt(
                    StmtKind::Assert {
                        test,
                        msg: it.next(),
                    },
                    end,
                )
            }
            Rule::from_stmt => {
                let (kind, end) = self.import_from(p, start)?;
                stmt(kind, end)
            }
            Rule::del_stmt => {
                let mut targets = Vec::new();
                for c in p.into_inner() {
                    if c.as_rule() == Rule::target_expr {
                        targets.push(self.stream(c)?.0);
                    }
                }
                let (kind, end) = delete_node(targets)?;
                stmt(kind, end)
            }
            Rule::global_stmt | Rule::nonlocal_stmt => {
                let global = p.as_rule() == Rule::global_stmt;
                let mut names = Vec::new();
                for c in p.into_inner() {
                    if c.as_rule() == Rule::ident {
                        names.push(self.ident(&c)?);
                    }
                }
                let (kind, end) = scope_decl_node(global, names);
                stmt(kind, end)
            }
            Rule::expr_stmt => {
                let (kind, end) = self.expr_stmt(p)?;
                stmt(kind, end)
            }
            Rule::stray_clause => {
                let kw = p.into_inner().next().ok_or_else(|| internal(span))?;
                let word = kw
                    .as_str()
                    .split(|c: char| !c.is_ascii_alphabetic())
                    .next()
                    .unwrap_or("");
                let start = self.start(&kw) as usize;
                return Err(SyntaxError::new(
                    format!("'{word}' does not continue any statement here"),
                    Span::new(start, start + word.len()),
                )
                .with_label(format!("unexpected '{word}'"))
                .with_help(format!(
                    "'{word}' must directly follow its block (if / for / while / try), at the same indentation"
                )));
            }
            _ => return Err(internal(span)),
        };
        Ok(s)
    }

    pub(super) fn opt_child_exprlist(&mut self, p: Pair<'_>) -> Result<Option<Expr>> {
        match p.into_inner().find(|c| c.as_rule() == Rule::exprlist) {
            Some(c) => Ok(Some(self.exprlist(c)?.0)),
            None => Ok(None),
        }
    }

    /// A block; an inline body (`if x: y()`) is reported here.
    pub(super) fn block(&mut self, p: Pair<'_>) -> Result<Vec<Stmt>> {
        let mut body = Vec::new();
        for c in p.into_inner() {
            if c.as_rule() == Rule::inline_body {
                return Err(self.inline_body_error(&c));
            }
            self.stmt_into(c, &mut body)?;
        }
        Ok(body)
    }

    pub(super) fn inline_body_error(&self, c: &Pair<'_>) -> SyntaxError {
        // The body on the header line ends at the layout's NEWLINE marker.
        let s = c.as_span();
        let text = c.as_str().as_bytes();
        let nl = text
            .iter()
            .position(|&b| b == NEWLINE)
            .unwrap_or(text.len());
        SyntaxError::new(
            "a block body must start on its own line",
            self.map.span(s.start(), s.start() + nl),
        )
        .with_label("body on the same line as the ':'")
        .with_help("put the body on the next line, indented under the header (e.g. by 4 spaces)")
    }

    /// A loop body: `break`/`continue` allowed inside.
    pub(super) fn loop_body(&mut self, p: Pair<'_>) -> Result<Vec<Stmt>> {
        let saved = self.ctx.in_loop;
        self.ctx.in_loop = true;
        let r = self.block(p);
        self.ctx.in_loop = saved;
        r
    }

    pub(super) fn else_body(&mut self, p: Pair<'_>) -> Result<Vec<Stmt>> {
        match p.into_inner().find(|c| c.as_rule() == Rule::block) {
            Some(b) => self.block(b),
            None => Ok(Vec::new()),
        }
    }

    pub(super) fn if_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        let mut cond = None;
        let mut body = Vec::new();
        let mut elifs = Vec::new();
        let mut orelse = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::expr | Rule::walrus => cond = Some(self.stream(c)?.0),
                Rule::block => body = self.block(c)?,
                Rule::elif_clause => {
                    let estart = self.start(&c);
                    let mut econd = None;
                    let mut ebody = Vec::new();
                    for e in c.into_inner() {
                        match e.as_rule() {
                            Rule::expr | Rule::walrus => econd = Some(self.stream(e)?.0),
                            Rule::block => ebody = self.block(e)?,
                            _ => {}
                        }
                    }
                    let econd = econd
                        .ok_or_else(|| internal(Span::new(estart as usize, estart as usize)))?;
                    elifs.push((estart, econd, ebody));
                }
                Rule::else_clause => orelse = self.else_body(c)?,
                _ => {}
            }
        }
        let cond = cond.ok_or_else(|| internal(Span::new(start as usize, start as usize)))?;
        Ok(if_node(start, cond, body, elifs, orelse))
    }

    pub(super) fn while_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        let mut cond = None;
        let mut body = Vec::new();
        let mut orelse = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::expr | Rule::walrus => cond = Some(self.stream(c)?.0),
                Rule::block => body = self.loop_body(c)?,
                Rule::else_clause => orelse = self.else_body(c)?,
                _ => {}
            }
        }
        let cond = cond.ok_or_else(|| internal(Span::new(start as usize, start as usize)))?;
        Ok(while_node(start, cond, body, orelse))
    }

    pub(super) fn for_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        let here = Span::new(start as usize, start as usize);
        let mut target = None;
        let mut iter = None;
        let mut body = Vec::new();
        let mut orelse = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::target_list => target = Some(self.target_list(c)?.0),
                Rule::exprlist => iter = Some(self.exprlist(c)?.0),
                Rule::block => body = self.loop_body(c)?,
                Rule::else_clause => orelse = self.else_body(c)?,
                _ => {}
            }
        }
        let (target, iter) = (
            target.ok_or_else(|| internal(here))?,
            iter.ok_or_else(|| internal(here))?,
        );
        Ok(for_node(start, target, iter, body, orelse))
    }

    pub(super) fn try_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        let kw = Span::new(start as usize, start as usize + 3);
        let mut body = Vec::new();
        let mut handlers: Vec<ExceptHandler> = Vec::new();
        let mut orelse = None;
        let mut finalbody = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::block => body = self.block(c)?,
                Rule::except_clause => {
                    let hstart = self.start(&c);
                    if let Some(prev) = handlers.last() {
                        if prev.types.is_none() {
                            return Err(SyntaxError::new(
                                "a bare 'except:' must be the last handler",
                                prev.span,
                            )
                            .with_label("catches everything, so later handlers never run")
                            .with_help("move this handler after the others"));
                        }
                    }
                    let mut types = None;
                    let mut name = None;
                    let mut hbody = Vec::new();
                    for e in c.into_inner() {
                        match e.as_rule() {
                            Rule::expr => types = Some(self.stream(e)?.0),
                            Rule::ident => name = Some(self.ident(&e)?),
                            Rule::block => hbody = self.block(e)?,
                            _ => {}
                        }
                    }
                    handlers.push(handler_node(hstart, types, name, hbody));
                }
                Rule::else_clause => {
                    let espan = Span::new(self.start(&c) as usize, self.start(&c) as usize + 4);
                    if handlers.is_empty() {
                        return Err(SyntaxError::new(
                            "'else' after 'try' needs an 'except' block",
                            espan,
                        )
                        .with_label("no 'except' before this")
                        .with_help("add an `except` handler, or drop the `else:`"));
                    }
                    orelse = Some(self.else_body(c)?);
                }
                Rule::finally_clause => finalbody = Some(self.else_body(c)?),
                _ => {}
            }
        }
        if handlers.is_empty() && finalbody.is_none() {
            return Err(
                SyntaxError::new("'try' needs an 'except' or 'finally' block", kw)
                    .with_label("this 'try' has no handler")
                    .with_help("add `except Exception as e:` or `finally:` after the block"),
            );
        }
        let orelse = orelse.unwrap_or_default();
        let finalbody = finalbody.unwrap_or_default();
        Ok(try_node(start, body, handlers, orelse, finalbody))
    }

    pub(super) fn with_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        let mut items = Vec::new();
        let mut body = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::with_item => {
                    let mut context = None;
                    let mut target = None;
                    for e in c.into_inner() {
                        match e.as_rule() {
                            Rule::expr => context = Some(self.stream(e)?.0),
                            Rule::target_expr => {
                                let (t, _) = self.stream(e)?;
                                check_target(self.src, &t, false)?;
                                target = Some(t);
                            }
                            _ => {}
                        }
                    }
                    let context = context
                        .ok_or_else(|| internal(Span::new(start as usize, start as usize)))?;
                    items.push(WithItem { context, target });
                }
                Rule::block => body = self.block(c)?,
                _ => {}
            }
        }
        Ok(with_node(start, items, body))
    }

    pub(super) fn import_from(&mut self, p: Pair<'_>, start: u32) -> Result<(StmtKind, u32)> {
        let kw = Span::new(start as usize, start as usize + 4);
        let mut end = kw.end;
        let mut level = 0;
        let mut path = Vec::new();
        let mut names = Vec::new();
        let mut star = false;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::rel_dots => level = c.as_str().len() as u32,
                Rule::dotted_name => path = self.dotted(c)?,
                Rule::import_star => {
                    star = true;
                    end = self.span(&c).end;
                }
                Rule::import_names => {
                    for n in c.into_inner() {
                        let mut ids = n.into_inner().filter(|c| c.as_rule() == Rule::ident);
                        let name = ids.next().ok_or_else(|| internal(kw))?;
                        let name = self.ident(&name)?;
                        let alias = match ids.next() {
                            Some(a) => Some(self.ident(&a)?),
                            None => None,
                        };
                        end = alias.map_or(name.span.end, |a| a.span.end);
                        names.push(ImportName { name, alias });
                    }
                }
                _ => {}
            }
        }
        if level == 0 && path.is_empty() {
            return Err(SyntaxError::new("expected a module name after 'from'", kw)
                .with_label("no module named")
                .with_help("write `from module import name` or `from . import name`"));
        }
        // A parenthesised list ends with ')'.
        let end = from_import_end(self.src, end);
        Ok((
            StmtKind::FromImport {
                level,
                path,
                names,
                star,
            },
            end,
        ))
    }

    /// `a.b.c` as identifiers.
    pub(super) fn dotted(&self, p: Pair<'_>) -> Result<Vec<Ident>> {
        p.into_inner().map(|c| self.ident(&c)).collect()
    }

    pub(super) fn expr_stmt(&mut self, p: Pair<'_>) -> Result<(StmtKind, u32)> {
        let whole = self.span(&p);
        let mut it = p.into_inner().peekable();
        let first = it.next().ok_or_else(|| internal(whole))?;
        let word = first.as_str().trim_end();
        let opens_statement = matches!(
            word,
            "import"
                | "from"
                | "assert"
                | "if"
                | "while"
                | "for"
                | "def"
                | "sync"
                | "struct"
                | "interface"
                | "with"
                | "try"
                | "agent"
                | "agent_blueprint"
                | "resource"
                | "workflow"
        );
        if it.peek().is_none() && opens_statement {
            // A statement keyword alone on its line, e.g. `import` or `assert`.
            let start = self.start(&first) as usize;
            return Err(SyntaxError::new(
                format!("incomplete '{word}' statement"),
                Span::new(start, start + word.len()),
            )
            .with_label("something is missing after this"));
        }
        let (first, _) = self.exprlist(first)?;
        let Some(tail) = it.next() else {
            let end = first.span.end;
            return Ok((StmtKind::Expr(first), end));
        };
        match tail.as_rule() {
            Rule::annot_tail => {
                single_target(self.src, &first, "an annotated assignment")?;
                let mut ann = None;
                let mut value = None;
                for c in tail.into_inner() {
                    match c.as_rule() {
                        Rule::type_expr => ann = Some(self.type_expr(c)?),
                        Rule::exprlist => value = Some(self.exprlist(c)?.0),
                        _ => {}
                    }
                }
                let ann = ann.ok_or_else(|| internal(whole))?;
                Ok(typed_assign_node(first, ann, value))
            }
            Rule::aug_tail => {
                single_target(self.src, &first, "an augmented assignment")?;
                let mut parts = tail.into_inner();
                let (Some(op), Some(value)) = (parts.next(), parts.next()) else {
                    return Err(internal(whole));
                };
                let op = aug_op(op.as_str());
                let (value, _) = self.exprlist(value)?;
                Ok(aug_assign_node(first, op, value))
            }
            _ => {
                let mut targets = vec![first];
                for t in std::iter::once(tail).chain(it) {
                    let v = t
                        .into_inner()
                        .find(|c| c.as_rule() == Rule::exprlist)
                        .ok_or_else(|| internal(whole))?;
                    targets.push(self.exprlist(v)?.0);
                }
                let value = targets.pop().ok_or_else(|| internal(whole))?;
                assign_node(self.src, targets, value)
            }
        }
    }
}

// Assignment statements (kind and end), shared with the fast parser.

// Statement nodes and their spans, shared with the fast parser (`crate::fast`): each takes the
// start of the statement's first keyword and its built parts.
