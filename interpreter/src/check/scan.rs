//! Syntactic pre-passes: which names a scope binds (Python rules), which modules a module
//! imports, which statements can fall through, and the expression of an argument.

use dana_grammar::ast::visit::{self, Visitor};
use dana_grammar::ast::{self, Expr, ExprKind, ScopeKind, Stmt, StmtKind, Sym};

pub(crate) use crate::resolve::names::{assigned_names, target_names, BindKind};

/// Calls `f` for every statement of `body`, at any depth, including function and method bodies.
pub(crate) fn walk_stmts<'a>(body: &'a [Stmt], f: &mut dyn FnMut(&'a Stmt)) {
    /// The statements only: expressions hold no statements.
    struct Stmts<'f, 'a>(&'f mut dyn FnMut(&'a Stmt));
    impl<'a> Visitor<'a> for Stmts<'_, 'a> {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            (self.0)(s);
            visit::walk_stmt(self, s);
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
        fn visit_target(&mut self, _: &'a Expr) {}
        fn visit_type(&mut self, _: &'a ast::TypeExpr) {}
    }
    Stmts(f).visit_block(body);
}

/// Every expression directly held by a statement (not those of nested statements).
pub(crate) fn stmt_exprs<'a>(s: &'a Stmt, f: &mut dyn FnMut(&'a Expr)) {
    match &s.kind {
        StmtKind::Expr(e) | StmtKind::Return(Some(e)) => f(e),
        StmtKind::Assign { targets, value } => {
            targets.iter().for_each(&mut *f);
            f(value);
        }
        StmtKind::TypedAssign { target, value, .. } => {
            f(target);
            value.iter().for_each(f);
        }
        StmtKind::AugAssign { target, value, .. } => {
            f(target);
            f(value);
        }
        StmtKind::If { cond, .. } | StmtKind::While { cond, .. } => f(cond),
        StmtKind::For { target, iter, .. } => {
            f(target);
            f(iter);
        }
        StmtKind::Raise { exc, cause } => {
            exc.iter().for_each(&mut *f);
            cause.iter().for_each(f);
        }
        StmtKind::Assert { test, msg } => {
            f(test);
            msg.iter().for_each(f);
        }
        StmtKind::With { items, .. } => {
            for it in items {
                f(&it.context);
                it.target.iter().for_each(&mut *f);
            }
        }
        StmtKind::FunctionDef(d) => {
            for p in d.receiver.iter().chain(d.params.iter()) {
                p.default.iter().for_each(&mut *f);
            }
            for dec in &d.decorators {
                f(&dec.func);
            }
        }
        _ => {}
    }
}

/// The `private:`/`public:`/`system:` names a module mentions anywhere (an unscoped read
/// falls back to them at run time).
pub(crate) fn scoped_names(m: &ast::Module) -> Vec<Sym> {
    let mut out = Vec::new();
    walk_stmts(&m.body, &mut |s| {
        stmt_exprs(s, &mut |e| {
            crate::resolve::visit_expr(e, &mut |x| {
                if let ExprKind::Name {
                    scope: Some(ScopeKind::Private | ScopeKind::Public | ScopeKind::System),
                    name,
                } = &x.kind
                {
                    out.push(*name);
                }
            })
        })
    });
    out
}

/// The modules a module imports, as dotted paths (relative ones keep their leading dots).
pub(crate) fn imported_modules(m: &ast::Module) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    walk_stmts(&m.body, &mut |s| match &s.kind {
        StmtKind::Import { path, .. } => {
            let full = dotted(0, path);
            // `import a.b` binds `a`, and `a.b` is reached through it: both are needed.
            let mut prefix = String::new();
            for (i, p) in path.iter().enumerate() {
                if i > 0 {
                    prefix.push('.');
                }
                prefix.push_str(p.name.as_str());
                if !out.contains(&prefix) {
                    out.push(prefix.clone());
                }
            }
            if !out.contains(&full) {
                out.push(full);
            }
        }
        StmtKind::FromImport { level, path, .. } => {
            let full = dotted(*level, path);
            if !out.contains(&full) {
                out.push(full);
            }
        }
        _ => {}
    });
    out
}

pub(crate) fn dotted(level: u32, path: &[ast::Ident]) -> String {
    let mut s = ".".repeat(level as usize);
    for (i, p) in path.iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        s.push_str(p.name.as_str());
    }
    s
}

/// `true` when a loop body contains a `break` that leaves this loop.
pub(crate) fn has_break(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::Break => true,
        StmtKind::If { body, orelse, .. } => has_break(body) || has_break(orelse),
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } => {
            has_break(body)
                || handlers.iter().any(|h| has_break(&h.body))
                || has_break(orelse)
                || has_break(finalbody)
        }
        StmtKind::With { body, .. } => has_break(body),
        _ => false,
    })
}

/// `true` for a body that only documents or stubs (`pass`, `...`, a docstring, `raise …`):
/// its unused parameters are not worth a warning.
pub(crate) fn is_stub_body(body: &[Stmt]) -> bool {
    body.iter().all(|s| match &s.kind {
        StmtKind::Pass | StmtKind::Raise { .. } => true,
        StmtKind::Expr(e) => matches!(e.kind, ExprKind::Str(_) | ExprKind::Name { .. }),
        StmtKind::Return(None) => true,
        StmtKind::Return(Some(e)) => matches!(
            e.kind,
            ExprKind::None
                | ExprKind::Int(_)
                | ExprKind::Float(_)
                | ExprKind::Str(_)
                | ExprKind::Bool(_)
                | ExprKind::Dict(_)
                | ExprKind::List(_)
        ),
        _ => false,
    })
}
/// The expression of an argument, whatever its kind (positional, keyword, `*`, `**`).
pub(crate) fn arg_expr(a: &ast::Arg) -> &Expr {
    match &a.kind {
        ast::ArgKind::Positional(e)
        | ast::ArgKind::Keyword(_, e)
        | ast::ArgKind::Star(e)
        | ast::ArgKind::StarStar(e) => e,
    }
}
