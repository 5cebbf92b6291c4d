//! Definitions: `def` (decorators, `sync`, receivers, parameters, return annotations, block or
//! declarative pipeline bodies), type annotations, and the parameter rules shared with lambdas.

use super::builder::Builder;
use super::grammar::{Pair, Rule};
use crate::ast::*;
use crate::build::checks::{check_params, check_receiver};
use crate::build::kit::{internal, is_reserved, reserved_error, Built, Ctx, Result};
use crate::build::nodes::{
    decorator_node, docstring_of, dotted_func, generic_type_node, param_node, pipe_stage_node,
    pipeline_node, union_type_node,
};

impl<'s> Builder<'s> {
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
                    check_receiver(&param)?;
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
        let docstring = docstring_of(&body);
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

    pub(super) fn function_body(&mut self, p: Pair<'_>) -> Result<Vec<Stmt>> {
        let saved = self.ctx;
        self.ctx.in_function = true;
        self.ctx.in_loop = false;
        self.ctx.in_stage = false;
        self.ctx.placeholder_ok = false;
        let r = self.block(p);
        self.ctx = Ctx {
            nesting: self.ctx.nesting,
            ..saved
        };
        r
    }

    pub(super) fn decorator(&mut self, p: Pair<'_>) -> Result<Decorator> {
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
                        func = Some(dotted_func(func, id));
                    }
                }
                Rule::call => {
                    end = self.span(&c).end;
                    args = Some(self.call_args(c)?.0);
                }
                _ => {}
            }
        }
        let func = func.ok_or_else(|| internal(here))?;
        Ok(decorator_node(start, func, args, end))
    }

    pub(super) fn params(&mut self, p: Pair<'_>) -> Result<Vec<Param>> {
        let mut params = Vec::new();
        for c in p.into_inner() {
            params.push(self.param(c)?.0);
        }
        check_params(&params)?;
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
                Rule::kwonly_star => {
                    // Encoded as a `*args` parameter named `*` (see ParamKind::VarArgs).
                    kind = ParamKind::VarArgs;
                    name = Some(Ident {
                        name: Sym::intern("*"),
                        span: self.span(&c),
                    });
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
        Ok((param_node(start, kind, name, ann, default)?, depth))
    }
}

impl<'s> Builder<'s> {
    pub(super) fn type_expr(&mut self, p: Pair<'_>) -> Result<TypeExpr> {
        let whole = self.span(&p);
        let mut alts = Vec::new();
        for atom in p.into_inner() {
            alts.push(self.type_atom(atom)?);
        }
        if alts.len() == 1 {
            return alts.pop().ok_or_else(|| internal(whole));
        }
        union_type_node(alts).ok_or_else(|| internal(whole))
    }

    pub(super) fn type_atom(&mut self, p: Pair<'_>) -> Result<TypeExpr> {
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
                        if is_reserved(word) && !is_none_word(word) {
                            return Err(reserved_error(word, s));
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
            Some((list, end)) => generic_type_node(Sym::intern(&text), list, span.start, end),
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

    pub(super) fn pipeline(&mut self, p: Pair<'_>) -> Result<Pipeline> {
        let whole = self.span(&p);
        let mut stages = Vec::new();
        for c in p.into_inner() {
            stages.push(self.pipe_stage(c)?);
        }
        pipeline_node(stages).ok_or_else(|| internal(whole))
    }

    pub(super) fn pipe_stage(&mut self, p: Pair<'_>) -> Result<PipeStage> {
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
                Rule::ident => capture = Some(self.ident(&c)?),
                _ => {}
            }
        }
        let kind = kind.ok_or_else(|| internal(here))?;
        Ok(pipe_stage_node(start, kind, end, capture))
    }
}

fn is_none_word(w: &str) -> bool {
    matches!(w, "None" | "none" | "NONE" | "null" | "NULL")
}
