//! Definitions: `def` (decorators, `sync`, receivers, parameters, return annotations, block
//! or pipeline bodies), type annotations, and `struct` / `interface` / niche blocks.

use super::lexer::Tok;
use super::{Bail, Parser, R};
use crate::ast::*;
use crate::build::checks::{check_params, check_receiver};
use crate::build::kit::{Built, Ctx};
use crate::build::nodes::{
    block_stmt_node, decorator_node, def_node, docstring_of, dotted_func, field_node,
    generic_type_node, method_sig_node, niche_kind, param_node, pipe_stage_node, pipeline_node,
    union_type_node, Members,
};

impl<'s> Parser<'s> {
    /// `[@decorators] [sync] def [(receiver)] name(params) [-> T] (: block | = pipeline)`.
    pub(super) fn funcdef(&mut self) -> R<FunctionDef> {
        let mut decorators = Vec::new();
        while self.peek() == Tok::At {
            decorators.push(self.decorator()?);
        }
        let header_start = self.tok().start;
        let is_sync = self.eat(Tok::Sync);
        self.expect(Tok::Def)?;
        let receiver = if self.eat(Tok::LParen) {
            let (param, _) = self.param()?;
            self.expect(Tok::RParen)?;
            check_receiver(&param)?;
            Some(param)
        } else {
            None
        };
        let name = self.ident()?;
        let (params, mut header_end) = self.params()?;
        let returns = self.returns(&mut header_end)?;
        let body = match self.peek() {
            Tok::Colon => {
                self.bump();
                // The header ends where the block's NEWLINE marker was inserted.
                header_end = self.tok().start;
                FuncBody::Block(self.function_body()?)
            }
            Tok::Assign => {
                self.bump();
                let p = self.pipeline()?;
                self.expect(Tok::Newline)?;
                FuncBody::Pipeline(p)
            }
            _ => return Err(Bail),
        };
        Ok(FunctionDef {
            name,
            receiver,
            params,
            returns,
            docstring: docstring_of(&body),
            body,
            decorators,
            is_sync,
            header_span: Span {
                start: header_start,
                end: header_end,
            },
        })
    }

    /// `-> T` if present; `end` then becomes where `T` ends.
    fn returns(&mut self, end: &mut u32) -> R<Option<TypeExpr>> {
        if !self.eat(Tok::Arrow) {
            return Ok(None);
        }
        let t = self.type_expr()?;
        *end = t.span.end;
        Ok(Some(t))
    }

    /// A `def` as a statement.
    pub(super) fn funcdef_stmt(&mut self) -> R<Stmt> {
        let start = self.tok().start;
        Ok(def_node(start, self.funcdef()?))
    }

    fn function_body(&mut self) -> R<Vec<Stmt>> {
        let saved = self.ctx;
        self.ctx = Ctx {
            in_function: true,
            ..Ctx::default()
        };
        self.ctx.nesting = saved.nesting;
        let r = self.block();
        self.ctx = saved;
        r
    }

    fn decorator(&mut self) -> R<Decorator> {
        let start = self.expect(Tok::At)?.start;
        let mut func: Option<Expr> = None;
        let mut end;
        loop {
            let id = self.ident()?;
            end = id.span.end;
            func = Some(dotted_func(func, id));
            if !self.eat(Tok::Dot) {
                break;
            }
        }
        let args = if self.peek() == Tok::LParen {
            let (args, _, close) = self.call()?;
            end = close;
            Some(args)
        } else {
            None
        };
        self.expect(Tok::Newline)?;
        Ok(decorator_node(start, func.ok_or(Bail)?, args, end))
    }

    /// `(params)`, checked; and where the `)` ends.
    fn params(&mut self) -> R<(Vec<Param>, u32)> {
        self.expect(Tok::LParen)?;
        let base = self.params.len();
        while self.peek() != Tok::RParen {
            let (p, _) = self.param()?;
            self.params.push(p);
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        let close = self.expect(Tok::RParen)?;
        let params: Vec<Param> = self.params.drain(base..).collect();
        check_params(&params)?;
        Ok((params, close.end))
    }

    /// One parameter of a def, receiver or lambda; the depth is that of its default.
    pub(super) fn param(&mut self) -> R<(Param, u32)> {
        let first = self.tok();
        let start = first.start;
        let kind = match first.kind {
            Tok::Star => ParamKind::VarArgs,
            Tok::StarStar => ParamKind::KwArgs,
            _ => ParamKind::Normal,
        };
        if kind != ParamKind::Normal {
            self.bump();
            if kind == ParamKind::VarArgs
                && (matches!(self.peek(), Tok::Comma | Tok::RParen) || self.at_double_colon())
            {
                // A bare `*` (keyword-only marker), named `*`; pest's pair for it reaches
                // the next token.
                let name = Ident {
                    name: Sym::intern("*"),
                    span: Span {
                        start,
                        end: self.tok().start,
                    },
                };
                let param = Param {
                    name,
                    ann: None,
                    default: None,
                    kind,
                    span: name.span,
                };
                return Ok((param, 0));
            }
        }
        let name = self.ident()?;
        // `:` then anything but another `:` (`lambda x :: x` has no annotation).
        let ann = if self.peek() == Tok::Colon && self.peek2() != Tok::Colon {
            self.bump();
            Some(self.type_expr()?)
        } else {
            None
        };
        let mut depth = 0;
        let default = if self.eat(Tok::Assign) {
            let (e, d) = self.stream(true)?;
            depth = d;
            Some(e)
        } else {
            None
        };
        Ok((param_node(start, kind, name, ann, default)?, depth))
    }

    /// `A | B[C, ...] | None`.
    pub(super) fn type_expr(&mut self) -> R<TypeExpr> {
        let first = self.type_atom()?;
        if self.peek() != Tok::Pipe {
            return Ok(first);
        }
        let mut alts = vec![first];
        while self.eat(Tok::Pipe) {
            alts.push(self.type_atom()?);
        }
        union_type_node(alts).ok_or(Bail)
    }

    fn type_atom(&mut self) -> R<TypeExpr> {
        // A dotted name; `None`/`none`/`null` are types, other reserved words are not names.
        let first = self.tok();
        if !matches!(first.kind, Tok::Name | Tok::None) {
            return Err(Bail);
        }
        self.bump();
        let mut span = Span {
            start: first.start,
            end: first.end,
        };
        let first_text = self.text(first)?;
        let mut dotted: Option<String> = None;
        while self.peek() == Tok::Dot {
            self.bump();
            let t = self.tok();
            if !matches!(t.kind, Tok::Name | Tok::None) {
                return Err(Bail);
            }
            self.bump();
            let text = dotted.get_or_insert_with(|| first_text.to_string());
            text.push('.');
            text.push_str(self.text(t)?);
            span.end = t.end;
        }
        let name = match &dotted {
            Some(text) => Sym::intern(text),
            None => self.names.sym(first_text),
        };
        if self.peek() == Tok::LBracket {
            self.bump();
            let mut args = Vec::new();
            loop {
                args.push(self.type_arg()?);
                if !self.eat(Tok::Comma) || self.peek() == Tok::RBracket {
                    break;
                }
            }
            let close = self.expect(Tok::RBracket)?;
            return Ok(generic_type_node(name, args, span.start, close.end));
        }
        let kind = if dotted.is_none() && first.kind == Tok::None {
            TypeExprKind::None
        } else {
            TypeExprKind::Name(name)
        };
        Ok(TypeExpr { kind, span })
    }

    /// A type argument: `...` or a type (one nesting level deeper).
    fn type_arg(&mut self) -> R<TypeExpr> {
        let t = self.tok();
        if t.kind == Tok::Dot {
            let toks = self.toks.get(self.pos..self.pos + 3).ok_or(Bail)?;
            let adjacent = toks[1].kind == Tok::Dot
                && toks[2].kind == Tok::Dot
                && toks[1].start == t.end
                && toks[2].start == toks[1].end;
            if !adjacent {
                return Err(Bail);
            }
            let end = toks[2].end;
            self.pos += 3;
            return Ok(TypeExpr {
                kind: TypeExprKind::Name(Sym::intern("...")),
                span: Span {
                    start: t.start,
                    end,
                },
            });
        }
        self.enter()?;
        let r = self.type_expr();
        self.leave();
        r
    }

    /// A declarative body: `stage | stage | …`.
    fn pipeline(&mut self) -> R<Pipeline> {
        let mut stages = vec![self.pipe_stage()?];
        while self.eat(Tok::Pipe) {
            stages.push(self.pipe_stage()?);
        }
        pipeline_node(stages).ok_or(Bail)
    }

    /// `[a, b]` (fan-out) or a primary with postfixes, optionally `as name`.
    fn pipe_stage(&mut self) -> R<PipeStage> {
        let start = self.tok().start;
        let (kind, end) = if self.peek() == Tok::LBracket {
            self.bump();
            self.enter()?;
            let mut stages = Vec::new();
            loop {
                stages.push(self.pipe_stage()?);
                if !self.eat(Tok::Comma) || self.peek() == Tok::RBracket {
                    break;
                }
            }
            let close = self.expect(Tok::RBracket)?;
            self.leave();
            (PipeStageKind::FanOut(stages), close.end)
        } else {
            let saved = self.ctx;
            self.ctx.in_stage = true;
            let r = self.unit(None);
            self.ctx.in_stage = saved.in_stage;
            self.ctx.placeholder_ok = saved.placeholder_ok;
            let (e, _, _) = r?;
            let end = e.span.end;
            (PipeStageKind::Expr(e), end)
        };
        let capture = self.as_name()?;
        Ok(pipe_stage_node(start, kind, end, capture))
    }

    /// `struct` and the niche blocks (`agent`, `agent_blueprint`, `resource`, `workflow`).
    pub(super) fn struct_stmt(&mut self) -> R<Stmt> {
        let kw = self.bump();
        let niche = match kw.kind {
            Tok::Struct => None,
            _ => Some(niche_kind(self.text(kw)?)),
        };
        let name = self.ident()?;
        self.expect(Tok::Colon)?;
        self.expect(Tok::Newline)?;
        self.expect(Tok::Indent)?;
        let mut members = Members::default();
        loop {
            match self.peek() {
                Tok::At | Tok::Sync | Tok::Def => members.method(self.funcdef()?),
                Tok::Str => members.string_line(self.docstring_line()?),
                Tok::Pass => {
                    members.pass(self.bump().end);
                    self.expect(Tok::Newline)?;
                }
                Tok::Name => members.field(self.field()?),
                _ => return Err(Bail),
            }
            if self.eat(Tok::Dedent) {
                break;
            }
        }
        Ok(block_stmt_node(members.finish(niche, name), kw.start))
    }

    /// A string literal alone on its line: its text (if not an f-string) and end.
    fn docstring_line(&mut self) -> R<(Option<String>, u32)> {
        let (e, _): Built = self.strings()?;
        self.expect(Tok::Newline)?;
        match e.kind {
            ExprKind::Str(text) => Ok((Some(text), e.span.end)),
            _ => Ok((None, e.span.end)),
        }
    }

    /// `name: T = default  # comment`.
    fn field(&mut self) -> R<FieldDef> {
        let name = self.ident()?;
        let mut ann = None;
        let mut default = None;
        if self.eat(Tok::Colon) {
            ann = Some(self.type_expr()?);
            if self.eat(Tok::Assign) {
                default = Some(self.stream(true)?.0);
            }
        } else {
            self.expect(Tok::Assign)?;
            default = Some(self.stream(true)?.0);
        }
        self.expect(Tok::Newline)?;
        Ok(field_node(self.src, name, ann, default))
    }

    pub(super) fn interface_stmt(&mut self) -> R<Stmt> {
        let start = self.expect(Tok::Interface)?.start;
        let name = self.ident()?;
        self.expect(Tok::Colon)?;
        self.expect(Tok::Newline)?;
        self.expect(Tok::Indent)?;
        let mut end = start;
        let mut docstring = None;
        let mut methods = Vec::new();
        let mut embeds = Vec::new();
        let mut first = true;
        loop {
            match (self.peek(), self.peek2()) {
                (Tok::Str, _) => {
                    let (doc, dend) = self.docstring_line()?;
                    end = end.max(dend);
                    if first {
                        docstring = doc;
                    }
                }
                (Tok::Pass, _) => {
                    end = end.max(self.bump().end);
                    self.expect(Tok::Newline)?;
                }
                (Tok::Def, _) | (Tok::Name, Tok::LParen) => {
                    let mstart = self.tok().start;
                    self.eat(Tok::Def);
                    let mname = self.ident()?;
                    let (params, params_end) = self.params()?;
                    let mut returns_end = params_end;
                    let returns = self.returns(&mut returns_end)?;
                    self.expect(Tok::Newline)?;
                    let sig = method_sig_node(mstart, mname, params, returns, params_end);
                    end = end.max(sig.span.end);
                    methods.push(sig);
                }
                (Tok::Name, Tok::Newline) => {
                    let id = self.ident()?;
                    self.bump();
                    end = end.max(id.span.end);
                    embeds.push(id);
                }
                _ => return Err(Bail),
            }
            first = false;
            if self.eat(Tok::Dedent) {
                break;
            }
        }
        let kind = StmtKind::Interface(Box::new(InterfaceDef {
            name,
            docstring,
            methods,
            embeds,
        }));
        Ok(block_stmt_node((kind, end), start))
    }
}
