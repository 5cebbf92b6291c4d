//! Syntax helpers of the containment audit: the names a statement or a function body binds,
//! the types a receiver annotation names, whether an expression runs code.

use dana_grammar::ast::visit::{self, Visitor};
use dana_grammar::ast::{
    Expr, ExprKind, FunctionDef, Ident, InterfaceDef, NicheDef, PipeStage, PipeStageKind,
    ScopeKind, Stmt, StmtKind, StructDef, Sym, TypeExpr, TypeExprKind,
};
use std::collections::HashSet;

/// What a top-level name of the generated module is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Own {
    Def,
    Type,
    Value,
    Import,
}

pub(super) fn scope_text(s: ScopeKind) -> &'static str {
    match s {
        ScopeKind::Local => "local",
        ScopeKind::Private => "private",
        ScopeKind::Public => "public",
        ScopeKind::System => "system",
    }
}

/// Whether evaluating `e` runs code (a call, a lambda or a comprehension).
pub(super) fn runs_code(e: &Expr) -> bool {
    let mut found = false;
    dana_interpreter::resolve::visit_expr(e, &mut |x| {
        if matches!(
            x.kind,
            ExprKind::Call { .. }
                | ExprKind::Lambda(_)
                | ExprKind::ListComp { .. }
                | ExprKind::SetComp { .. }
                | ExprKind::DictComp { .. }
        ) {
            found = true;
        }
    });
    found
}

pub(super) fn type_names(t: &TypeExpr, out: &mut Vec<Sym>) {
    match &t.kind {
        TypeExprKind::Name(n) | TypeExprKind::Generic(n, _) => out.push(*n),
        TypeExprKind::None => {}
        TypeExprKind::Union(v) => {
            for x in v {
                type_names(x, out);
            }
        }
    }
}

/// The names a top-level statement defines.
pub(super) fn toplevel_names(s: &Stmt, out: &mut Vec<(Ident, Own)>) {
    match &s.kind {
        StmtKind::FunctionDef(f) => out.push((f.name, Own::Def)),
        StmtKind::Struct(st) => out.push((st.name, Own::Type)),
        StmtKind::Niche(n) => out.push((n.name, Own::Type)),
        StmtKind::Interface(i) => out.push((i.name, Own::Type)),
        StmtKind::Assign { targets, .. } => {
            for t in targets {
                target_idents(t, out);
            }
        }
        StmtKind::TypedAssign { target, .. } => target_idents(target, out),
        StmtKind::Import { path, alias } => {
            if let Some(id) = alias.or_else(|| path.first().copied()) {
                out.push((id, Own::Import));
            }
        }
        StmtKind::FromImport { names, .. } => {
            for n in names {
                out.push((n.alias.unwrap_or(n.name), Own::Import));
            }
        }
        _ => {}
    }
}

pub(super) fn target_idents(t: &Expr, out: &mut Vec<(Ident, Own)>) {
    match &t.kind {
        ExprKind::Name {
            scope: None | Some(ScopeKind::Local),
            name,
        } => out.push((
            Ident {
                name: *name,
                span: t.span,
            },
            Own::Value,
        )),
        ExprKind::Tuple(v) | ExprKind::List(v) => {
            for x in v {
                target_idents(x, out);
            }
        }
        ExprKind::Starred(x) => target_idents(x, out),
        _ => {}
    }
}

pub(super) fn target_names(t: &Expr, out: &mut HashSet<Sym>) {
    let mut v = Vec::new();
    target_idents(t, &mut v);
    out.extend(v.into_iter().map(|(i, _)| i.name));
}

/// Calls `f` for every statement of one function body at any depth, without entering nested
/// functions, struct or niche methods, lambdas or comprehensions (Python's scope of a body).
fn body_stmts<'a>(stmts: &'a [Stmt], f: impl FnMut(&'a Stmt)) {
    struct Walk<F>(F);
    impl<'a, F: FnMut(&'a Stmt)> Visitor<'a> for Walk<F> {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            (self.0)(s);
            visit::walk_stmt(self, s);
        }
        fn visit_function_def(&mut self, _: &'a FunctionDef) {}
        fn visit_struct_def(&mut self, _: &'a StructDef) {}
        fn visit_niche_def(&mut self, _: &'a NicheDef) {}
        fn visit_interface_def(&mut self, _: &'a InterfaceDef) {}
        fn visit_expr(&mut self, _: &'a Expr) {}
        fn visit_target(&mut self, _: &'a Expr) {}
        fn visit_type(&mut self, _: &'a TypeExpr) {}
    }
    Walk(f).visit_block(stmts);
}

/// The names a function body binds (Python rules: anywhere in the body, not in nested
/// functions, lambdas or comprehensions).
pub(super) fn bound_in(stmts: &[Stmt], out: &mut HashSet<Sym>) {
    body_stmts(stmts, |s| match &s.kind {
        StmtKind::Assign { targets, .. } => {
            for t in targets {
                target_names(t, out);
            }
        }
        StmtKind::TypedAssign { target, .. }
        | StmtKind::AugAssign { target, .. }
        | StmtKind::For { target, .. } => target_names(target, out),
        StmtKind::Try { handlers, .. } => {
            out.extend(
                handlers
                    .iter()
                    .filter_map(|h| h.name.as_ref())
                    .map(|n| n.name),
            );
        }
        StmtKind::With { items, .. } => {
            for t in items.iter().filter_map(|i| i.target.as_ref()) {
                target_names(t, out);
            }
        }
        StmtKind::FunctionDef(f) => {
            out.insert(f.name.name);
        }
        StmtKind::Struct(_)
        | StmtKind::Niche(_)
        | StmtKind::Interface(_)
        | StmtKind::Import { .. }
        | StmtKind::FromImport { .. } => {
            let mut v = Vec::new();
            toplevel_names(s, &mut v);
            out.extend(v.into_iter().map(|(i, _)| i.name));
        }
        _ => {}
    });
}

/// The names imports bind in a function body (not in nested functions).
pub(super) fn imported_in(stmts: &[Stmt], out: &mut HashSet<Sym>) {
    body_stmts(stmts, |s| {
        if let StmtKind::Import { .. } | StmtKind::FromImport { .. } = &s.kind {
            let mut v = Vec::new();
            toplevel_names(s, &mut v);
            out.extend(v.into_iter().map(|(i, _)| i.name));
        }
    });
}

pub(super) fn captures(stages: &[PipeStage], out: &mut HashSet<Sym>) {
    for s in stages {
        if let Some(c) = s.capture {
            out.insert(c.name);
        }
        if let PipeStageKind::FanOut(v) = &s.kind {
            captures(v, out);
        }
    }
}
