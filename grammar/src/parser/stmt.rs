//! Statements and definitions: blocks, control flow, assignments, imports, `def` (including
//! receivers, decorators and declarative pipelines), `struct`, `interface` and the niche
//! blocks; plus parameters and type annotations, which only occur in definitions and lambdas.
//!
//! Span rule: a compound statement spans from its first token to the end of the last statement
//! of its last block; spans are computed from built children because a pest pair that ends with
//! an optional part also covers the whitespace skipped before it.

use std::collections::HashSet;

use super::expr::Built;
use super::{internal, Builder, Pair, Result, Rule};
use crate::ast::*;
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
    fn stmt_into(&mut self, p: Pair<'_>, out: &mut Vec<Stmt>) -> Result<()> {
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

    fn funcdef_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        let def = self.funcdef(p)?;
        let end = def_end(&def);
        Ok(Stmt {
            kind: StmtKind::FunctionDef(Box::new(def)),
            span: Span { start, end },
        })
    }

    fn struct_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        let (kind, end) = self.struct_like(p)?;
        Ok(Stmt {
            kind,
            span: Span { start, end },
        })
    }

    fn interface_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        let (kind, end) = self.interface(p)?;
        Ok(Stmt {
            kind,
            span: Span { start, end },
        })
    }

    fn import_stmt(&mut self, p: Pair<'_>, out: &mut Vec<Stmt>) -> Result<()> {
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
            let end = alias
                .map(|a| a.span.end)
                .or_else(|| path.last().map(|i| i.span.end))
                .unwrap_or(span.end);
            out.push(Stmt {
                kind: StmtKind::Import { path, alias },
                span: Span { start, end },
            });
        }
        Ok(())
    }

    /// The statements without blocks.
    fn simple_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
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
                let (kind, end) = self.from_import(p, start)?;
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

    fn opt_child_exprlist(&mut self, p: Pair<'_>) -> Result<Option<Expr>> {
        match p.into_inner().find(|c| c.as_rule() == Rule::exprlist) {
            Some(c) => Ok(Some(self.exprlist(c)?.0)),
            None => Ok(None),
        }
    }

    /// A block; an inline body (`if x: y()`) is reported here.
    fn block(&mut self, p: Pair<'_>) -> Result<Vec<Stmt>> {
        let mut body = Vec::new();
        for c in p.into_inner() {
            if c.as_rule() == Rule::inline_body {
                return Err(self.inline_body_error(&c));
            }
            self.stmt_into(c, &mut body)?;
        }
        Ok(body)
    }

    fn inline_body_error(&self, c: &Pair<'_>) -> SyntaxError {
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
    fn loop_body(&mut self, p: Pair<'_>) -> Result<Vec<Stmt>> {
        let saved = self.ctx.in_loop;
        self.ctx.in_loop = true;
        let r = self.block(p);
        self.ctx.in_loop = saved;
        r
    }

    fn else_body(&mut self, p: Pair<'_>) -> Result<Vec<Stmt>> {
        match p.into_inner().find(|c| c.as_rule() == Rule::block) {
            Some(b) => self.block(b),
            None => Ok(Vec::new()),
        }
    }

    fn if_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        let mut cond = None;
        let mut body = Vec::new();
        let mut elifs = Vec::new();
        let mut orelse = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::expr => cond = Some(self.stream(c)?.0),
                Rule::block => body = self.block(c)?,
                Rule::elif_clause => {
                    let estart = self.start(&c);
                    let mut econd = None;
                    let mut ebody = Vec::new();
                    for e in c.into_inner() {
                        match e.as_rule() {
                            Rule::expr => econd = Some(self.stream(e)?.0),
                            Rule::block => ebody = self.block(e)?,
                            _ => {}
                        }
                    }
                    elifs.push((estart, econd, ebody));
                }
                Rule::else_clause => orelse = self.else_body(c)?,
                _ => {}
            }
        }
        // `elif` chains become nested `If`s, built from the last one backwards.
        for (estart, econd, ebody) in elifs.into_iter().rev() {
            let econd =
                econd.ok_or_else(|| internal(Span::new(estart as usize, estart as usize)))?;
            let end = body_end(&orelse).max(body_end(&ebody)).max(econd.span.end);
            orelse = vec![Stmt {
                kind: StmtKind::If {
                    cond: econd,
                    body: ebody,
                    orelse,
                },
                span: Span { start: estart, end },
            }];
        }
        let cond = cond.ok_or_else(|| internal(Span::new(start as usize, start as usize)))?;
        let end = body_end(&orelse).max(body_end(&body)).max(cond.span.end);
        Ok(Stmt {
            kind: StmtKind::If { cond, body, orelse },
            span: Span { start, end },
        })
    }

    fn while_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
        let start = self.start(&p);
        let mut cond = None;
        let mut body = Vec::new();
        let mut orelse = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::expr => cond = Some(self.stream(c)?.0),
                Rule::block => body = self.loop_body(c)?,
                Rule::else_clause => orelse = self.else_body(c)?,
                _ => {}
            }
        }
        let cond = cond.ok_or_else(|| internal(Span::new(start as usize, start as usize)))?;
        let end = body_end(&orelse).max(body_end(&body)).max(cond.span.end);
        Ok(Stmt {
            kind: StmtKind::While { cond, body, orelse },
            span: Span { start, end },
        })
    }

    fn for_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
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
        let end = body_end(&orelse).max(body_end(&body)).max(iter.span.end);
        Ok(Stmt {
            kind: StmtKind::For {
                target,
                iter,
                body,
                orelse,
            },
            span: Span { start, end },
        })
    }

    fn try_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
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
                    let hend = body_end(&hbody).max(hstart + 6);
                    handlers.push(ExceptHandler {
                        types,
                        name,
                        body: hbody,
                        span: Span {
                            start: hstart,
                            end: hend,
                        },
                    });
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
        let end = body_end(&body)
            .max(handlers.last().map_or(0, |h| h.span.end))
            .max(body_end(&orelse))
            .max(body_end(&finalbody));
        Ok(Stmt {
            kind: StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            },
            span: Span { start, end },
        })
    }

    fn with_stmt(&mut self, p: Pair<'_>) -> Result<Stmt> {
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
                                self.check_target(&t, false)?;
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
        let end = body_end(&body).max(start + 4);
        Ok(Stmt {
            kind: StmtKind::With { items, body },
            span: Span { start, end },
        })
    }

    fn from_import(&mut self, p: Pair<'_>, start: u32) -> Result<(StmtKind, u32)> {
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
        if let Some(close) = self.src.get(end as usize..).and_then(|r| {
            let t = r.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
            t.starts_with(')').then(|| r.len() - t.len())
        }) {
            end += close as u32 + 1;
        }
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

    fn expr_stmt(&mut self, p: Pair<'_>) -> Result<(StmtKind, u32)> {
        let whole = self.span(&p);
        let mut it = p.into_inner().peekable();
        let first = it.next().ok_or_else(|| internal(whole))?;
        let word = first.as_str().trim_end();
        if it.peek().is_none()
            && super::is_reserved(word)
            && !matches!(word.as_bytes()[0], b'T' | b't' | b'F' | b'f' | b'N' | b'n')
        {
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
                self.single_target(&first, "an annotated assignment")?;
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
                let end = value.as_ref().map_or(ann.span.end, |v| v.span.end);
                Ok((
                    StmtKind::TypedAssign {
                        target: first,
                        ann,
                        value,
                    },
                    end,
                ))
            }
            Rule::aug_tail => {
                self.single_target(&first, "an augmented assignment")?;
                let mut parts = tail.into_inner();
                let (Some(op), Some(value)) = (parts.next(), parts.next()) else {
                    return Err(internal(whole));
                };
                let op = match op.as_str() {
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
                };
                let (value, _) = self.exprlist(value)?;
                let end = value.span.end;
                Ok((
                    StmtKind::AugAssign {
                        target: first,
                        op,
                        value,
                    },
                    end,
                ))
            }
            _ => {
                let mut targets = vec![first];
                for t in std::iter::once(tail).chain(it) {
                    let v = t.into_inner().next().ok_or_else(|| internal(whole))?;
                    targets.push(self.exprlist(v)?.0);
                }
                let value = targets.pop().ok_or_else(|| internal(whole))?;
                for t in &targets {
                    self.check_target(t, false)?;
                }
                let end = value.span.end;
                Ok((StmtKind::Assign { targets, value }, end))
            }
        }
    }

    /// Targets of typed and augmented assignment: one name, attribute or item.
    fn single_target(&self, e: &Expr, what: &str) -> Result<()> {
        match e.kind {
            ExprKind::Name { .. } | ExprKind::Attribute { .. } | ExprKind::Index { .. } => Ok(()),
            ExprKind::Tuple(_) | ExprKind::List(_) => Err(SyntaxError::new(
                format!("{what} needs a single target"),
                e.span,
            )
            .with_label("several targets")
            .with_help("assign to one name, attribute or item")),
            _ => self.check_target(e, false),
        }
    }

    pub(super) fn funcdef(&mut self, p: Pair<'_>) -> Result<FunctionDef> {
        let whole_start = self.start(&p);
        let here = Span::new(whole_start as usize, whole_start as usize);
        let mut decorators = Vec::new();
        let mut is_sync = false;
        let mut header_start = None;
        let mut header_end = whole_start;
        let mut receiver = None;
        let mut name = None;
        let mut params = Vec::new();
        let mut returns = None;
        let mut body = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::decorator => decorators.push(self.decorator(c)?),
                Rule::kw_sync | Rule::kw_def => {
                    is_sync |= c.as_rule() == Rule::kw_sync;
                    header_start.get_or_insert(self.start(&c));
                }
                Rule::receiver => {
                    let param = c.into_inner().next().ok_or_else(|| internal(here))?;
                    let (param, _) = self.param(param)?;
                    if param.kind != ParamKind::Normal || param.default.is_some() {
                        return Err(SyntaxError::new(
                            "a receiver is a single parameter `(name: Type)`",
                            param.span,
                        )
                        .with_label("invalid receiver"));
                    }
                    receiver = Some(param);
                }
                Rule::ident => name = Some(self.ident(&c)?),
                Rule::params => {
                    header_end = self.span(&c).end;
                    params = self.params(c)?;
                }
                Rule::ret_ann => {
                    let t = c.into_inner().next().ok_or_else(|| internal(here))?;
                    let t = self.type_expr(t)?;
                    header_end = t.span.end;
                    returns = Some(t);
                }
                Rule::block => {
                    // The block starts at the NEWLINE marker right after the ':'.
                    header_end = self.start(&c);
                    body = Some(FuncBody::Block(self.function_body(c)?));
                }
                Rule::pipe_body => body = Some(FuncBody::Pipeline(self.pipeline(c)?)),
                _ => {}
            }
        }
        let name = name.ok_or_else(|| internal(here))?;
        let body = body.ok_or_else(|| internal(here))?;
        let docstring = match &body {
            FuncBody::Block(stmts) => match stmts.first().map(|s| &s.kind) {
                Some(StmtKind::Expr(Expr {
                    kind: ExprKind::Str(s),
                    ..
                })) => Some(s.clone()),
                _ => None,
            },
            FuncBody::Pipeline(_) => None,
        };
        Ok(FunctionDef {
            name,
            receiver,
            params,
            returns,
            body,
            decorators,
            is_sync,
            docstring,
            header_span: Span {
                start: header_start.unwrap_or(whole_start),
                end: header_end,
            },
        })
    }

    fn function_body(&mut self, p: Pair<'_>) -> Result<Vec<Stmt>> {
        let saved = self.ctx;
        self.ctx.in_function = true;
        self.ctx.in_loop = false;
        self.ctx.in_stage = false;
        self.ctx.placeholder_ok = false;
        let r = self.block(p);
        self.ctx = super::Ctx {
            nesting: self.ctx.nesting,
            ..saved
        };
        r
    }

    fn decorator(&mut self, p: Pair<'_>) -> Result<Decorator> {
        let start = self.start(&p);
        let here = Span::new(start as usize, start as usize);
        let mut func: Option<Expr> = None;
        let mut args = None;
        let mut end = start + 1;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::dotted_name => {
                    for id in self.dotted(c)? {
                        end = id.span.end;
                        func = Some(match func {
                            None => Expr {
                                kind: ExprKind::Name {
                                    scope: None,
                                    name: id.name,
                                },
                                span: id.span,
                            },
                            Some(v) => Expr {
                                span: v.span.to(id.span),
                                kind: ExprKind::Attribute {
                                    value: Box::new(v),
                                    attr: id,
                                },
                            },
                        });
                    }
                }
                Rule::call => {
                    end = self.span(&c).end;
                    args = Some(self.call_args(c)?.0);
                }
                _ => {}
            }
        }
        Ok(Decorator {
            func: func.ok_or_else(|| internal(here))?,
            args,
            span: Span { start, end },
        })
    }

    fn params(&mut self, p: Pair<'_>) -> Result<Vec<Param>> {
        let mut params = Vec::new();
        for c in p.into_inner() {
            params.push(self.param(c)?.0);
        }
        self.check_params(&params)?;
        Ok(params)
    }

    /// One parameter of a def, receiver or lambda; the depth is that of its default.
    pub(super) fn param(&mut self, p: Pair<'_>) -> Result<(Param, u32)> {
        let start = self.start(&p);
        let here = Span::new(start as usize, start as usize);
        let mut kind = ParamKind::Normal;
        let mut name = None;
        let mut ann = None;
        let mut default = None;
        let mut depth = 0;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::param_star => {
                    kind = if c.as_str() == "**" {
                        ParamKind::KwArgs
                    } else {
                        ParamKind::VarArgs
                    }
                }
                Rule::ident => name = Some(self.ident(&c)?),
                Rule::type_expr => ann = Some(self.type_expr(c)?),
                Rule::expr => {
                    let (e, d): Built = self.stream(c)?;
                    depth = d;
                    default = Some(e);
                }
                _ => {}
            }
        }
        let name: Ident = name.ok_or_else(|| internal(here))?;
        let end = default
            .as_ref()
            .map(|d| d.span.end)
            .or(ann.as_ref().map(|a| a.span.end))
            .unwrap_or(name.span.end);
        let span = Span { start, end };
        if kind != ParamKind::Normal {
            if let Some(d) = &default {
                return Err(SyntaxError::new(
                    "a '*' or '**' parameter cannot have a default value",
                    d.span,
                )
                .with_label("default not allowed here"));
            }
        }
        Ok((
            Param {
                name,
                ann,
                default,
                kind,
                span,
            },
            depth,
        ))
    }

    /// Python's rules for a parameter list.
    pub(super) fn check_params(&self, params: &[Param]) -> Result<()> {
        let mut names = HashSet::with_capacity(params.len());
        let mut seen_default = false;
        let mut seen_varargs = false;
        let mut seen_kwargs = false;
        for p in params {
            if !names.insert(p.name.name) {
                return Err(SyntaxError::new(
                    format!("duplicate parameter '{}'", p.name.name),
                    p.name.span,
                )
                .with_label("already a parameter")
                .with_help("give each parameter a different name"));
            }
            if seen_kwargs {
                return Err(
                    SyntaxError::new("'**' parameter must be the last one", p.span)
                        .with_label("after the '**' parameter")
                        .with_help("move this parameter before the '**' parameter"),
                );
            }
            match p.kind {
                ParamKind::KwArgs => seen_kwargs = true,
                ParamKind::VarArgs => {
                    if seen_varargs {
                        return Err(
                            SyntaxError::new("only one '*' parameter is allowed", p.span)
                                .with_label("second '*' parameter"),
                        );
                    }
                    seen_varargs = true;
                }
                ParamKind::Normal => {
                    if p.default.is_some() {
                        seen_default = true;
                    } else if seen_default && !seen_varargs {
                        return Err(SyntaxError::new(
                            "parameter without a default follows a parameter with a default",
                            p.span,
                        )
                        .with_label("needs a default value")
                        .with_help(
                            "give it a default, or move it before the parameters with defaults",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn type_expr(&mut self, p: Pair<'_>) -> Result<TypeExpr> {
        let whole = self.span(&p);
        let mut alts = Vec::new();
        for atom in p.into_inner() {
            alts.push(self.type_atom(atom)?);
        }
        if alts.len() == 1 {
            return alts.pop().ok_or_else(|| internal(whole));
        }
        let span = match (alts.first(), alts.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => whole,
        };
        Ok(TypeExpr {
            kind: TypeExprKind::Union(alts),
            span,
        })
    }

    fn type_atom(&mut self, p: Pair<'_>) -> Result<TypeExpr> {
        let whole = self.span(&p);
        let mut name: Option<(String, Span)> = None;
        let mut args = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::dotted_name => {
                    let mut text = String::new();
                    let mut span: Option<Span> = None;
                    for id in c.into_inner() {
                        let s = self.span(&id);
                        let word = id.as_str();
                        // `None`/`none`/`null` are types; other reserved words are not names.
                        if super::is_reserved(word) && !is_none_word(word) {
                            return Err(super::reserved_error(word, s));
                        }
                        if !text.is_empty() {
                            text.push('.');
                        }
                        text.push_str(word);
                        span = Some(span.map_or(s, |sp| sp.to(s)));
                    }
                    name = Some((text, span.unwrap_or(whole)));
                }
                Rule::type_args => {
                    let end = self.span(&c).end;
                    let mut list = Vec::new();
                    for a in c.into_inner() {
                        if a.as_rule() == Rule::ellipsis {
                            list.push(TypeExpr {
                                kind: TypeExprKind::Name(Sym::intern("...")),
                                span: self.span(&a),
                            });
                        } else {
                            let span = self.span(&a);
                            list.push(self.nested(span, |b| b.type_expr(a))?);
                        }
                    }
                    args = Some((list, end));
                }
                _ => {}
            }
        }
        let (text, span) = name.ok_or_else(|| internal(whole))?;
        Ok(match args {
            Some((list, end)) => TypeExpr {
                kind: TypeExprKind::Generic(Sym::intern(&text), list),
                span: Span {
                    start: span.start,
                    end,
                },
            },
            None if is_none_word(&text) => TypeExpr {
                kind: TypeExprKind::None,
                span,
            },
            None => TypeExpr {
                kind: TypeExprKind::Name(Sym::intern(&text)),
                span,
            },
        })
    }

    fn pipeline(&mut self, p: Pair<'_>) -> Result<Pipeline> {
        let whole = self.span(&p);
        let mut stages = Vec::new();
        for c in p.into_inner() {
            stages.push(self.pipe_stage(c)?);
        }
        let span = match (stages.first(), stages.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => whole,
        };
        Ok(Pipeline { stages, span })
    }

    fn pipe_stage(&mut self, p: Pair<'_>) -> Result<PipeStage> {
        let start = self.start(&p);
        let here = Span::new(start as usize, start as usize);
        let mut kind = None;
        let mut end = start;
        let mut capture = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::fanout => {
                    let span = self.span(&c);
                    end = span.end;
                    let stages = self.nested(span, |b| {
                        c.into_inner()
                            .map(|s| b.pipe_stage(s))
                            .collect::<Result<Vec<_>>>()
                    })?;
                    kind = Some(PipeStageKind::FanOut(stages));
                }
                Rule::pipe_expr => {
                    let saved = self.ctx;
                    self.ctx.in_stage = true;
                    let r = self.stream(c);
                    self.ctx.in_stage = saved.in_stage;
                    self.ctx.placeholder_ok = saved.placeholder_ok;
                    let (e, _) = r?;
                    end = e.span.end;
                    kind = Some(PipeStageKind::Expr(e));
                }
                Rule::ident => {
                    let id = self.ident(&c)?;
                    end = id.span.end;
                    capture = Some(id);
                }
                _ => {}
            }
        }
        Ok(PipeStage {
            kind: kind.ok_or_else(|| internal(here))?,
            capture,
            span: Span { start, end },
        })
    }

    /// `struct` and the niche blocks (`agent`, `agent_blueprint`, `resource`, `workflow`).
    fn struct_like(&mut self, p: Pair<'_>) -> Result<(StmtKind, u32)> {
        let start = self.start(&p);
        let here = Span::new(start as usize, start as usize);
        let mut niche = None;
        let mut name = None;
        let mut members = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::niche_kw => {
                    niche = Some(match c.as_str() {
                        "agent" => NicheKind::Agent,
                        "agent_blueprint" => NicheKind::AgentBlueprint,
                        "resource" => NicheKind::Resource,
                        _ => NicheKind::Workflow,
                    })
                }
                Rule::ident => name = Some(self.ident(&c)?),
                Rule::struct_bases => {
                    let what = if niche.is_some() {
                        "this block"
                    } else {
                        "a struct"
                    };
                    return Err(SyntaxError::new(
                        format!("{what} cannot inherit: Dana has no inheritance"),
                        self.span(&c),
                    )
                    .with_label("base types are not allowed")
                    .with_help(
                        "use composition: add a field whose name starts with '_' (e.g. `_base: A`); \
                         attribute and method lookups that miss are delegated to it",
                    ));
                }
                Rule::members => members = Some(self.members(c)?),
                _ => {}
            }
        }
        let name = name.ok_or_else(|| internal(here))?;
        let (docstring, fields, methods, end) = members.ok_or_else(|| internal(here))?;
        let kind = match niche {
            None => StmtKind::Struct(Box::new(StructDef {
                name,
                docstring,
                fields,
                methods,
            })),
            Some(kind) => StmtKind::Niche(Box::new(NicheDef {
                kind,
                name,
                docstring,
                fields,
                methods,
            })),
        };
        Ok((kind, end.max(name.span.end)))
    }

    /// The body of a struct-like block: docstring, fields, methods and where it ends.
    #[allow(clippy::type_complexity)]
    fn members(
        &mut self,
        p: Pair<'_>,
    ) -> Result<(Option<String>, Vec<FieldDef>, Vec<FunctionDef>, u32)> {
        let mut end = 0;
        let mut docstring = None;
        let mut fields = Vec::new();
        let mut methods = Vec::new();
        let mut first = true;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::inline_body => return Err(self.inline_body_error(&c)),
                Rule::docstring_line => {
                    let (doc, dend) = self.docstring_line(c)?;
                    end = end.max(dend);
                    // Only a leading string is the docstring; later ones are no-ops.
                    if first {
                        docstring = doc;
                    }
                }
                Rule::funcdef => {
                    let def = self.funcdef(c)?;
                    end = end.max(def_end(&def));
                    methods.push(def);
                }
                Rule::field_line => {
                    let f = self.field(c)?;
                    end = end.max(f.span.end);
                    fields.push(f);
                }
                Rule::pass_stmt => end = end.max(self.span(&c).end),
                _ => {}
            }
            first = false;
        }
        Ok((docstring, fields, methods, end))
    }

    fn docstring_line(&mut self, p: Pair<'_>) -> Result<(Option<String>, u32)> {
        let here = self.span(&p);
        let s = p.into_inner().next().ok_or_else(|| internal(here))?;
        let e = self.strings(s)?.0;
        match e.kind {
            ExprKind::Str(text) => Ok((Some(text), e.span.end)),
            _ => Ok((None, e.span.end)),
        }
    }

    fn field(&mut self, p: Pair<'_>) -> Result<FieldDef> {
        let here = self.span(&p);
        let mut name = None;
        let mut ann = None;
        let mut default = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)?),
                Rule::type_expr => ann = Some(self.type_expr(c)?),
                Rule::expr => default = Some(self.stream(c)?.0),
                _ => {}
            }
        }
        let name: Ident = name.ok_or_else(|| internal(here))?;
        let end = default
            .as_ref()
            .map(|d| d.span.end)
            .or(ann.as_ref().map(|a| a.span.end))
            .unwrap_or(name.span.end);
        Ok(FieldDef {
            comment: self.trailing_comment(end as usize),
            name,
            ann,
            default,
            span: Span {
                start: name.span.start,
                end,
            },
        })
    }

    /// The `# comment` after offset `end` on the same line of the original source.
    fn trailing_comment(&self, end: usize) -> Option<String> {
        let rest = self.src.get(end..)?;
        let line = rest.split('\n').next()?;
        let text = line.trim_start().strip_prefix('#')?;
        Some(text.trim().to_string())
    }

    fn interface(&mut self, p: Pair<'_>) -> Result<(StmtKind, u32)> {
        let start = self.start(&p);
        let mut end = start;
        let here = Span::new(start as usize, start as usize);
        let mut name = None;
        let mut docstring = None;
        let mut methods = Vec::new();
        let mut embeds = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)?),
                Rule::iface_members => {
                    let mut first = true;
                    for m in c.into_inner() {
                        match m.as_rule() {
                            Rule::inline_body => return Err(self.inline_body_error(&m)),
                            Rule::docstring_line => {
                                let (doc, dend) = self.docstring_line(m)?;
                                end = end.max(dend);
                                if first {
                                    docstring = doc;
                                }
                            }
                            Rule::method_sig => {
                                let sig = self.method_sig(m)?;
                                end = end.max(sig.span.end);
                                methods.push(sig);
                            }
                            Rule::embed_line => {
                                let id = m.into_inner().next().ok_or_else(|| internal(here))?;
                                let id = self.ident(&id)?;
                                end = end.max(id.span.end);
                                embeds.push(id);
                            }
                            Rule::pass_stmt => end = end.max(self.span(&m).end),
                            _ => {}
                        }
                        first = false;
                    }
                }
                _ => {}
            }
        }
        Ok((
            StmtKind::Interface(Box::new(InterfaceDef {
                name: name.ok_or_else(|| internal(here))?,
                docstring,
                methods,
                embeds,
            })),
            end,
        ))
    }

    fn method_sig(&mut self, p: Pair<'_>) -> Result<MethodSig> {
        let start = self.start(&p);
        let here = Span::new(start as usize, start as usize);
        let mut name = None;
        let mut params = Vec::new();
        let mut returns = None;
        let mut end = start;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)?),
                Rule::params => {
                    end = self.span(&c).end;
                    params = self.params(c)?;
                }
                Rule::ret_ann => {
                    let t = c.into_inner().next().ok_or_else(|| internal(here))?;
                    let t = self.type_expr(t)?;
                    end = t.span.end;
                    returns = Some(t);
                }
                _ => {}
            }
        }
        Ok(MethodSig {
            name: name.ok_or_else(|| internal(here))?,
            params,
            returns,
            span: Span { start, end },
        })
    }
}

fn is_none_word(w: &str) -> bool {
    matches!(w, "None" | "none" | "NONE" | "null" | "NULL")
}

/// Where a list of statements ends (0 when empty).
fn body_end(stmts: &[Stmt]) -> u32 {
    stmts.last().map_or(0, |s| s.span.end)
}

fn def_end(def: &FunctionDef) -> u32 {
    match &def.body {
        FuncBody::Block(stmts) => body_end(stmts).max(def.header_span.end),
        FuncBody::Pipeline(p) => p.span.end.max(def.header_span.end),
    }
}
