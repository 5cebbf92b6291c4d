//! Syntax helpers of the containment audit: the names a statement or a function body binds,
//! the types a receiver annotation names, whether an expression runs code.

use dana_grammar::ast::{
    Expr, ExprKind, Ident, PipeStage, PipeStageKind, ScopeKind, Stmt, StmtKind, Sym, TypeExpr,
    TypeExprKind,
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

/// The names a function body binds (Python rules: anywhere in the body, not in nested
/// functions, lambdas or comprehensions).
pub(super) fn bound_in(stmts: &[Stmt], out: &mut HashSet<Sym>) {
    for s in stmts {
        match &s.kind {
            StmtKind::Assign { targets, .. } => {
                for t in targets {
                    target_names(t, out);
                }
            }
            StmtKind::TypedAssign { target, .. } | StmtKind::AugAssign { target, .. } => {
                target_names(target, out)
            }
            StmtKind::For {
                target,
                body,
                orelse,
                ..
            } => {
                target_names(target, out);
                bound_in(body, out);
                bound_in(orelse, out);
            }
            StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } => {
                bound_in(body, out);
                bound_in(orelse, out);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                bound_in(body, out);
                for h in handlers {
                    if let Some(n) = &h.name {
                        out.insert(n.name);
                    }
                    bound_in(&h.body, out);
                }
                bound_in(orelse, out);
                bound_in(finalbody, out);
            }
            StmtKind::With { items, body } => {
                for i in items {
                    if let Some(t) = &i.target {
                        target_names(t, out);
                    }
                }
                bound_in(body, out);
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
        }
    }
}

/// The names imports bind in a function body (not in nested functions).
pub(super) fn imported_in(stmts: &[Stmt], out: &mut HashSet<Sym>) {
    for s in stmts {
        match &s.kind {
            StmtKind::Import { .. } | StmtKind::FromImport { .. } => {
                let mut v = Vec::new();
                toplevel_names(s, &mut v);
                out.extend(v.into_iter().map(|(i, _)| i.name));
            }
            StmtKind::If { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::For { body, orelse, .. } => {
                imported_in(body, out);
                imported_in(orelse, out);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                imported_in(body, out);
                for h in handlers {
                    imported_in(&h.body, out);
                }
                imported_in(orelse, out);
                imported_in(finalbody, out);
            }
            StmtKind::With { body, .. } => imported_in(body, out),
            _ => {}
        }
    }
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
