//! Definitions: `def` (decorators, `sync`, receivers, parameters, return annotations, block or
//! declarative pipeline bodies), type annotations, and the parameter rules shared with lambdas.

use std::collections::HashSet;

use super::expr::Built;
use super::{internal, Builder, Pair, Result, Rule};
use crate::ast::*;
use crate::error::SyntaxError;

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
        self.ctx = super::Ctx {
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
        Ok(Decorator {
            func: func.ok_or_else(|| internal(here))?,
            args,
            span: Span { start, end },
        })
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

/// A decorator's dotted name read so far (`None` before its first name), extended by `id`:
/// a `Name`, then `Attribute`s of it.
#[inline]
pub(crate) fn dotted_func(func: Option<Expr>, id: Ident) -> Expr {
    match func {
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
    }
}

/// Where a parameter or a struct field ends: at its default, else its annotation, else its
/// name.
#[inline]
pub(crate) fn annotated_end(name: &Ident, ann: Option<&TypeExpr>, default: Option<&Expr>) -> u32 {
    default
        .map(|d| d.span.end)
        .or(ann.map(|a| a.span.end))
        .unwrap_or(name.span.end)
}

/// A parameter starting at `start` (its `*` or `**`, if any), checked.
#[inline]
pub(crate) fn param_node(
    start: u32,
    kind: ParamKind,
    name: Ident,
    ann: Option<TypeExpr>,
    default: Option<Expr>,
) -> Result<Param> {
    let end = annotated_end(&name, ann.as_ref(), default.as_ref());
    let param = Param {
        name,
        ann,
        default,
        kind,
        span: Span { start, end },
    };
    check_param(&param)?;
    Ok(param)
}

/// A `*` or `**` parameter has no default.
pub(crate) fn check_param(param: &Param) -> Result<()> {
    if param.kind != ParamKind::Normal {
        if let Some(d) = &param.default {
            return Err(SyntaxError::new(
                "a '*' or '**' parameter cannot have a default value",
                d.span,
            )
            .with_label("default not allowed here"));
        }
    }
    Ok(())
}

/// A receiver is one plain parameter without a default.
pub(crate) fn check_receiver(param: &Param) -> Result<()> {
    if param.kind != ParamKind::Normal || param.default.is_some() {
        return Err(SyntaxError::new(
            "a receiver is a single parameter `(name: Type)`",
            param.span,
        )
        .with_label("invalid receiver"));
    }
    Ok(())
}

/// The docstring of a function: the leading string literal of a block body.
pub(crate) fn docstring_of(body: &FuncBody) -> Option<String> {
    match body {
        FuncBody::Block(stmts) => match stmts.first().map(|s| &s.kind) {
            Some(StmtKind::Expr(Expr {
                kind: ExprKind::Str(s),
                ..
            })) => Some(s.clone()),
            _ => None,
        },
        FuncBody::Pipeline(_) => None,
    }
}

/// Python's rules for a parameter list.
pub(crate) fn check_params(params: &[Param]) -> Result<()> {
    let mut names = HashSet::with_capacity(params.len());
    let mut seen_default = false;
    let mut seen_varargs = false;
    let mut seen_kwargs = false;
    let star = Sym::intern("*");
    for (i, p) in params.iter().enumerate() {
        if p.name.name == star {
            let named_follows = params
                .get(i + 1)
                .is_some_and(|q| q.kind == ParamKind::Normal);
            if !named_follows {
                return Err(SyntaxError::new(
                    "a bare '*' must be followed by a named parameter",
                    p.span,
                )
                .with_label("keyword-only marker with nothing after it")
                .with_help("add a parameter after '*', or remove the '*'"));
            }
        }
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
        let span = match (alts.first(), alts.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => whole,
        };
        Ok(TypeExpr {
            kind: TypeExprKind::Union(alts),
            span,
        })
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

    pub(super) fn pipeline(&mut self, p: Pair<'_>) -> Result<Pipeline> {
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
}

fn is_none_word(w: &str) -> bool {
    matches!(w, "None" | "none" | "NONE" | "null" | "NULL")
}

/// Where a definition ends: its last body statement, pipeline stage or header.
pub(crate) fn def_end(def: &FunctionDef) -> u32 {
    def.def_span().end
}
