//! Function bodies (a `def`, a lambda or a pipeline): parameters, which locals become cells,
//! the captured free variables; pipelines and their stages.

use super::names::{
    assigned_names, check_decls, nested_refs_block, nested_refs_expr, scope_decls, visit_expr,
    walrus_names,
};
use super::scope::{syntax_error, Resolver, Scope, ScopeType, R};
use crate::ir::*;
use crate::value::TypeAnn;
use dana_grammar::ast::{self, ExprKind, ParamKind, Span, Sym};
use std::collections::HashSet;
use std::rc::Rc;

pub(super) enum FnBody<'a> {
    Block(&'a [ast::Stmt]),
    Expr(&'a ast::Expr),
    Pipeline(&'a ast::Pipeline),
}

impl Resolver {
    pub(super) fn function_code(
        &mut self,
        name: Sym,
        params: &[&ast::Param],
        body: FnBody<'_>,
        returns: Option<&ast::TypeExpr>,
        doc: Option<String>,
        span: Span,
    ) -> R<Rc<FuncCode>> {
        let mut captured = HashSet::new();
        let mut assigned = Vec::new();
        let mut decls = Vec::new();
        match body {
            FnBody::Block(b) => {
                nested_refs_block(b, &mut captured);
                decls = scope_decls(b);
                let names: Vec<Sym> = params.iter().map(|p| p.name.name).collect();
                if let Some((msg, at)) = check_decls(b, &decls, &names) {
                    return Err(syntax_error(&self.src, at, msg));
                }
                let mut bound = Vec::new();
                assigned_names(b, &mut bound);
                assigned.extend(
                    bound
                        .into_iter()
                        .map(|(n, _, _)| n)
                        .filter(|n| !decls.iter().any(|d| d.0 == *n)),
                );
            }
            FnBody::Expr(e) => {
                nested_refs_expr(e, &mut captured);
                let mut bound = Vec::new();
                walrus_names(e, &mut bound);
                assigned.extend(bound.into_iter().map(|(n, _, _)| n));
            }
            FnBody::Pipeline(p) => {
                for st in &p.stages {
                    stage_refs(st, &mut captured, &mut assigned);
                }
            }
        }
        let mut scope = Scope::new(ScopeType::Function, captured);
        // Parameters occupy slots 0..n in order (the call fast path pushes them there); a
        // captured parameter also gets a cell that the call binder fills from its slot.
        let mut ps = Vec::new();
        let mut default_idx = 0;
        let mut n_positional = 0;
        for p in params {
            let slot = scope.new_slot(p.name.name);
            let place = if scope.captured.contains(&p.name.name) {
                scope.new_cell(p.name.name)
            } else {
                slot
            };
            scope.locals.insert(p.name.name, place);
            let default = if p.default.is_some() {
                default_idx += 1;
                Some(default_idx - 1)
            } else {
                None
            };
            // Parameters after `*args` are keyword-only.
            if p.kind == ParamKind::Normal
                && !ps.iter().any(|q: &ParamIr| q.kind == ParamKind::VarArgs)
            {
                n_positional += 1;
            }
            ps.push(ParamIr {
                name: p.name.name,
                place,
                ann: p.ann.as_ref().map(TypeAnn::from_ast),
                default,
                kind: p.kind,
            });
        }
        for &(n, at, global) in &decls {
            if global {
                scope.global_decl.insert(n);
            } else if self.nonlocal_binding(n) {
                scope.nonlocal_decl.insert(n);
            } else {
                return Err(syntax_error(
                    &self.src,
                    at,
                    format!("no binding for nonlocal '{n}' found"),
                ));
            }
        }
        for n in assigned {
            scope.declare(n);
        }
        if let FnBody::Pipeline(p) = body {
            let mut caps = HashSet::new();
            for st in &p.stages {
                collect_captures(st, &mut caps);
            }
            scope.pipeline_captures = caps;
            let dollar = Sym::intern("$$");
            if let Place::Local(s) = scope.new_slot(dollar) {
                scope.pipeline_slot = Some(s);
            }
        }
        self.scopes.push(scope);
        let body_ir = match body {
            FnBody::Block(b) => self.block(b).map(Body::Block),
            FnBody::Expr(e) => self.expr(e).map(Body::Expr),
            FnBody::Pipeline(p) => self.pipeline(p).map(Body::Pipeline),
        };
        let scope = self.scopes.pop().expect("function scope pushed above");
        let body_ir = body_ir?;
        Ok(Rc::new(FuncCode {
            name,
            // A bare `*` (stored as a VarArgs parameter named `*`) takes no arguments.
            has_varargs: ps
                .iter()
                .any(|p| p.kind == ParamKind::VarArgs && p.name.as_str() != "*"),
            has_kwargs: ps.iter().any(|p| p.kind == ParamKind::KwArgs),
            params: ps,
            n_positional,
            n_slots: scope.slot_names.len() as u32,
            n_cells: scope.cell_names.len() as u32,
            captures: scope.free,
            body: body_ir,
            returns: returns.map(TypeAnn::from_ast),
            doc,
            src: self.src.clone(),
            span,
            slot_names: scope.slot_names,
            cell_names: scope.cell_names,
        }))
    }

    /// Whether an enclosing function binds `name` (the target of a `nonlocal`): the innermost
    /// one that mentions it decides (a `global` there means no binding).
    fn nonlocal_binding(&self, name: Sym) -> bool {
        for s in self.scopes.iter().rev() {
            if s.ty != ScopeType::Function || s.global_decl.contains(&name) {
                return false;
            }
            if s.locals.contains_key(&name)
                || s.free_map.contains_key(&name)
                || s.nonlocal_decl.contains(&name)
            {
                return true;
            }
        }
        false
    }

    /// `a | rhs` where `rhs` reads as a stage: the right operand is resolved both as the one
    /// stage of a pipeline function of one parameter (the stage rules of a `def … = …`, so a
    /// partial `g(3)`, a fan-out `[g, h]` and `$$` work alike) and, unless it holds `$$`, as a
    /// plain value for `|` on a left operand that is no callable.
    pub(super) fn pipe(
        &mut self,
        left: &ast::Expr,
        right: &ast::Expr,
        stage: &ast::PipeStage,
        span: Span,
    ) -> R<Ex> {
        let left = self.expr(left)?;
        let plain = if contains_placeholder(right) {
            None
        } else {
            Some(self.expr(right)?)
        };
        let value = ast::Param {
            name: ast::Ident {
                name: Sym::intern("<value>"),
                span: right.span,
            },
            ann: None,
            default: None,
            kind: ParamKind::Normal,
            span: right.span,
        };
        let body = ast::Pipeline {
            stages: vec![stage.clone()],
            span: right.span,
        };
        let code = self.function_code(
            Sym::intern("<stage>"),
            &[&value],
            FnBody::Pipeline(&body),
            None,
            None,
            right.span,
        )?;
        Ok(Ex::Pipe(Box::new(Pipe {
            left,
            plain,
            stage: Ex::MakeFunction(code, Vec::new()),
            span,
        })))
    }

    pub(super) fn pipeline(&mut self, p: &ast::Pipeline) -> R<Pipeline> {
        let value_slot = self.scope().pipeline_slot.unwrap_or(0);
        let mut stages = Vec::new();
        for st in &p.stages {
            stages.push(self.stage(st)?);
        }
        Ok(Pipeline { stages, value_slot })
    }

    pub(super) fn stage(&mut self, st: &ast::PipeStage) -> R<Stage> {
        let kind = match &st.kind {
            ast::PipeStageKind::FanOut(v) => {
                StageKind::FanOut(v.iter().map(|s| self.stage(s)).collect::<R<Vec<_>>>()?)
            }
            ast::PipeStageKind::Expr(e) => match &e.kind {
                ExprKind::Call { func, args } => {
                    let caps = &self.scope().pipeline_captures;
                    let explicit = args.iter().any(|a| match &a.kind {
                        ast::ArgKind::Positional(x) | ast::ArgKind::Keyword(_, x) => {
                            contains_placeholder(x)
                                || matches!(&x.kind, ExprKind::Name { scope: None, name } if caps.contains(name))
                        }
                        _ => false,
                    });
                    let func = self.expr(func)?;
                    let (args, _) = self.args(args)?;
                    StageKind::Partial {
                        func,
                        args,
                        insert: !explicit,
                    }
                }
                _ => StageKind::Callee(self.expr(e)?),
            },
        };
        let capture = st.capture.map(|c| self.store_place(c.name));
        Ok(Stage {
            kind,
            capture,
            span: st.span,
        })
    }
}

fn contains_placeholder(e: &ast::Expr) -> bool {
    let mut found = false;
    visit_expr(e, &mut |x| {
        if matches!(x.kind, ExprKind::Placeholder) {
            found = true;
        }
    });
    found
}

fn collect_captures(st: &ast::PipeStage, out: &mut HashSet<Sym>) {
    if let Some(c) = st.capture {
        out.insert(c.name);
    }
    if let ast::PipeStageKind::FanOut(v) = &st.kind {
        for s in v {
            collect_captures(s, out);
        }
    }
}

fn stage_refs(st: &ast::PipeStage, captured: &mut HashSet<Sym>, assigned: &mut Vec<Sym>) {
    if let Some(c) = st.capture {
        assigned.push(c.name);
    }
    match &st.kind {
        ast::PipeStageKind::Expr(e) => nested_refs_expr(e, captured),
        ast::PipeStageKind::FanOut(v) => {
            for s in v {
                stage_refs(s, captured, assigned);
            }
        }
    }
}
