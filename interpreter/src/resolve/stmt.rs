//! Statements: blocks, assignments, control flow, `try`, imports, struct, interface and
//! function definitions.

use super::function::FnBody;
use super::scope::{syntax_error, Resolver, R};
use crate::ir::*;
use crate::value::TypeAnn;
use dana_grammar::ast::{self, ExprKind, Span, StmtKind, Sym};
use std::rc::Rc;

impl Resolver {
    pub(super) fn block(&mut self, stmts: &[ast::Stmt]) -> R<Vec<St>> {
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            out.push(self.stmt(s)?);
        }
        Ok(out)
    }

    pub(super) fn stmt(&mut self, s: &ast::Stmt) -> R<St> {
        let span = s.span;
        Ok(match &s.kind {
            StmtKind::Expr(e) => St::Expr(self.expr(e)?, span),
            StmtKind::Assign { targets, value } => {
                let v = self.expr(value)?;
                if targets.len() == 1 {
                    St::Assign(self.target(&targets[0])?, v, span)
                } else {
                    let ts = targets
                        .iter()
                        .map(|t| self.target(t))
                        .collect::<R<Vec<_>>>()?;
                    St::AssignMany(ts, v, span)
                }
            }
            StmtKind::TypedAssign { target, ann, value } => {
                let v = value.as_ref().map(|v| self.expr(v)).transpose()?;
                let display = target_display(target);
                St::TypedAssign(
                    self.target(target)?,
                    Rc::new(TypeAnn::from_ast(ann)),
                    v,
                    display,
                    span,
                )
            }
            StmtKind::AugAssign { target, op, value } => {
                let v = self.expr(value)?;
                St::AugAssign(self.target(target)?, *op, v, span)
            }
            StmtKind::If { cond, body, orelse } => {
                St::If(self.expr(cond)?, self.block(body)?, self.block(orelse)?)
            }
            StmtKind::While { cond, body, orelse } => St::While(
                self.expr(cond)?,
                self.block(body)?,
                self.block(orelse)?,
                span,
            ),
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                let iter = self.expr(iter)?;
                St::For(Box::new(ForSt {
                    target: self.target(target)?,
                    iter,
                    body: self.block(body)?,
                    orelse: self.block(orelse)?,
                    span,
                }))
            }
            StmtKind::FunctionDef(f) => St::FuncDef(Box::new(self.func_def(f, None)?)),
            StmtKind::Return(e) => {
                if self.scopes.len() == 1 {
                    return Err(syntax_error(&self.src, span, "'return' outside function"));
                }
                St::Return(e.as_ref().map(|e| self.expr(e)).transpose()?, span)
            }
            StmtKind::Pass => St::Pass,
            StmtKind::Break => St::Break,
            StmtKind::Continue => St::Continue,
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                let body = self.block(body)?;
                let mut hs = Vec::new();
                for h in handlers {
                    let types = h.types.as_ref().map(|t| self.expr(t)).transpose()?;
                    let name = h.name.map(|n| self.store_place(n.name));
                    hs.push(Handler {
                        types,
                        name,
                        body: self.block(&h.body)?,
                        span: h.span,
                    });
                }
                St::Try(Box::new(TrySt {
                    body,
                    handlers: hs,
                    orelse: self.block(orelse)?,
                    finalbody: self.block(finalbody)?,
                }))
            }
            StmtKind::Raise { exc, cause } => St::Raise(
                exc.as_ref().map(|e| self.expr(e)).transpose()?,
                cause.as_ref().map(|e| self.expr(e)).transpose()?,
                span,
            ),
            StmtKind::Assert { test, msg } => St::Assert(
                self.expr(test)?,
                msg.as_ref().map(|e| self.expr(e)).transpose()?,
                span,
            ),
            StmtKind::Import { path, alias } => {
                let syms: Vec<Sym> = path.iter().map(|i| i.name).collect();
                let (bind_name, leaf) = match alias {
                    Some(a) => (a.name, true),
                    None => (syms[0], false),
                };
                St::Import(Box::new(ImportSt::Module {
                    path: syms,
                    bind: self.store_place(bind_name),
                    leaf,
                    span,
                }))
            }
            StmtKind::FromImport {
                level,
                path,
                names,
                star,
            } => {
                let syms: Vec<Sym> = path.iter().map(|i| i.name).collect();
                if *star {
                    if self.scopes.len() > 1 {
                        return Err(syntax_error(
                            &self.src,
                            span,
                            "'from ... import *' is only allowed at module level",
                        ));
                    }
                    St::Import(Box::new(ImportSt::Star {
                        level: *level,
                        path: syms,
                        span,
                    }))
                } else {
                    let mut ns = Vec::new();
                    for n in names {
                        let bind = n.alias.unwrap_or(n.name).name;
                        ns.push((n.name.name, self.store_place(bind), n.name.span));
                    }
                    St::Import(Box::new(ImportSt::From {
                        level: *level,
                        path: syms,
                        names: ns,
                        span,
                    }))
                }
            }
            StmtKind::Struct(d) => St::StructDef(Box::new(self.struct_def(
                d.name,
                None,
                &d.docstring,
                &d.fields,
                &d.methods,
                span,
            )?)),
            StmtKind::Niche(d) => St::StructDef(Box::new(self.struct_def(
                d.name,
                Some(d.kind),
                &d.docstring,
                &d.fields,
                &d.methods,
                span,
            )?)),
            StmtKind::Interface(d) => {
                let methods = d
                    .methods
                    .iter()
                    .map(|m| (m.name.name, m.params.len()))
                    .collect();
                let embeds = d
                    .embeds
                    .iter()
                    .map(|e| (Ex::Name(self.lookup(e.name), e.name, e.span), e.span))
                    .collect();
                St::InterfaceDef(Box::new(InterfaceDefIr {
                    name: d.name.name,
                    doc: d.docstring.clone(),
                    methods,
                    embeds,
                    bind: self.store_place(d.name.name),
                }))
            }
            StmtKind::Delete(targets) => St::Del(
                targets
                    .iter()
                    .map(|t| self.target(t))
                    .collect::<R<Vec<_>>>()?,
                span,
            ),
            // The declarations took effect when the function was compiled (its scope).
            StmtKind::Global(_) => St::Pass,
            StmtKind::Nonlocal(_) => {
                if self.scopes.len() == 1 {
                    return Err(syntax_error(
                        &self.src,
                        span,
                        "nonlocal declaration not allowed at module level",
                    ));
                }
                St::Pass
            }
            StmtKind::With { items, body } => {
                let mut its = Vec::new();
                for it in items {
                    let c = self.expr(&it.context)?;
                    let t = it.target.as_ref().map(|t| self.target(t)).transpose()?;
                    its.push((c, t));
                }
                St::With(Box::new(WithSt {
                    items: its,
                    body: self.block(body)?,
                    span,
                }))
            }
        })
    }

    pub(super) fn struct_def(
        &mut self,
        name: ast::Ident,
        kind: Option<ast::NicheKind>,
        doc: &Option<String>,
        fields: &[ast::FieldDef],
        methods: &[ast::FunctionDef],
        span: Span,
    ) -> R<StructDefIr> {
        let bind = self.store_place(name.name);
        let mut fs = Vec::new();
        for f in fields {
            fs.push(FieldIr {
                name: f.name.name,
                ann: f.ann.as_ref().map(TypeAnn::from_ast),
                default: f.default.as_ref().map(|d| self.expr(d)).transpose()?,
                comment: f.comment.clone(),
            });
        }
        let mut ms = Vec::new();
        for m in methods {
            ms.push(self.func_def(m, Some(name))?);
        }
        Ok(StructDefIr {
            name: name.name,
            kind,
            doc: doc.clone(),
            fields: fs,
            methods: ms,
            bind,
            span,
        })
    }

    /// A `def`; `block_of` is the struct whose block contains it (its implicit receiver type).
    pub(super) fn func_def(
        &mut self,
        f: &ast::FunctionDef,
        block_of: Option<ast::Ident>,
    ) -> R<FuncDef> {
        // Decorators, defaults and receiver types are evaluated in the defining scope.
        let mut decorators = Vec::new();
        for d in &f.decorators {
            decorators.push(Decorator {
                func: self.expr(&d.func)?,
                args: d
                    .args
                    .as_ref()
                    .map(|a| self.args(a).map(|x| x.0))
                    .transpose()?,
                span: d.span,
            });
        }
        let mut params: Vec<&ast::Param> = Vec::new();
        if let Some(r) = &f.receiver {
            params.push(r);
        }
        params.extend(f.params.iter());
        let mut defaults = Vec::new();
        for p in &params {
            if let Some(d) = &p.default {
                defaults.push(self.expr(d)?);
            }
        }
        let mut receivers = Vec::new();
        if let Some(r) = &f.receiver {
            if let Some(t) = &r.ann {
                for n in type_names(t) {
                    receivers.push((n, Ex::Name(self.lookup(n), n, t.span)));
                }
            }
        } else if let Some(s) = block_of {
            receivers.push((s.name, Ex::Name(self.lookup(s.name), s.name, s.span)));
        }
        // Methods are also plain functions in the enclosing scope (`move(pt, 1)`).
        let bind_place = Some(self.store_place(f.name.name));
        let code = match &f.body {
            ast::FuncBody::Block(body) => self.function_code(
                f.name.name,
                &params,
                FnBody::Block(body),
                f.returns.as_ref(),
                f.docstring.clone(),
                f.header_span,
            )?,
            ast::FuncBody::Pipeline(p) => self.function_code(
                f.name.name,
                &params,
                FnBody::Pipeline(p),
                f.returns.as_ref(),
                f.docstring.clone(),
                f.header_span,
            )?,
        };
        Ok(FuncDef {
            code,
            defaults,
            decorators,
            bind: bind_place,
            receivers,
            span: f.header_span,
            def_span: f.def_span(),
        })
    }
}

fn target_display(t: &ast::Expr) -> String {
    match &t.kind {
        ExprKind::Name { name, .. } => name.as_str().to_string(),
        ExprKind::Attribute { attr, .. } => attr.name.as_str().to_string(),
        _ => "target".into(),
    }
}

fn type_names(t: &ast::TypeExpr) -> Vec<Sym> {
    match &t.kind {
        ast::TypeExprKind::Name(n) => vec![*n],
        ast::TypeExprKind::Generic(n, _) => vec![*n],
        ast::TypeExprKind::Union(v) => v.iter().flat_map(type_names).collect(),
        ast::TypeExprKind::None => vec![],
    }
}
