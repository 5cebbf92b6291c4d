//! Syntactic pre-passes shared by the resolver and the type checker: which names a scope binds
//! (Python rules), which names nested functions mention, and an expression visitor.

use dana_grammar::ast::{self, Expr, ExprKind, ScopeKind, Span, Stmt, StmtKind, Sym};
use std::collections::HashSet;

/// How a name got bound (decides which unused names are worth a warning).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BindKind {
    /// `x = …`, `x: T = …`, `x += …` with a plain name target.
    Assign,
    /// Everything else: unpacking, loop targets, defs, imports, `except … as e`, `with … as x`.
    Other,
}

/// Names bound by an assignment target.
pub(crate) fn target_names(t: &Expr, kind: BindKind, out: &mut Vec<(Sym, Span, BindKind)>) {
    match &t.kind {
        ExprKind::Name {
            scope: None | Some(ScopeKind::Local),
            name,
        } => out.push((*name, t.span, kind)),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            for i in items {
                target_names(i, BindKind::Other, out);
            }
        }
        ExprKind::Starred(inner) => target_names(inner, BindKind::Other, out),
        _ => {}
    }
}

/// The names a body binds, not descending into nested functions (their locals are theirs).
pub(crate) fn assigned_names(body: &[Stmt], out: &mut Vec<(Sym, Span, BindKind)>) {
    for s in body {
        match &s.kind {
            StmtKind::Assign { targets, .. } => {
                for t in targets {
                    target_names(t, BindKind::Assign, out);
                }
            }
            StmtKind::TypedAssign { target, .. } | StmtKind::AugAssign { target, .. } => {
                target_names(target, BindKind::Assign, out)
            }
            StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } => {
                assigned_names(body, out);
                assigned_names(orelse, out);
            }
            StmtKind::For {
                target,
                body,
                orelse,
                ..
            } => {
                target_names(target, BindKind::Other, out);
                assigned_names(body, out);
                assigned_names(orelse, out);
            }
            StmtKind::FunctionDef(f) => out.push((f.name.name, f.name.span, BindKind::Other)),
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                assigned_names(body, out);
                for h in handlers {
                    if let Some(n) = h.name {
                        out.push((n.name, n.span, BindKind::Other));
                    }
                    assigned_names(&h.body, out);
                }
                assigned_names(orelse, out);
                assigned_names(finalbody, out);
            }
            StmtKind::Import { path, alias } => {
                let id = alias.unwrap_or(path[0]);
                out.push((id.name, id.span, BindKind::Other))
            }
            StmtKind::FromImport { names, .. } => {
                for n in names {
                    let id = n.alias.unwrap_or(n.name);
                    out.push((id.name, id.span, BindKind::Other));
                }
            }
            StmtKind::Struct(d) => out.push((d.name.name, d.name.span, BindKind::Other)),
            StmtKind::Niche(d) => out.push((d.name.name, d.name.span, BindKind::Other)),
            StmtKind::Interface(d) => out.push((d.name.name, d.name.span, BindKind::Other)),
            StmtKind::With { items, body } => {
                for it in items {
                    if let Some(t) = &it.target {
                        target_names(t, BindKind::Other, out);
                    }
                }
                assigned_names(body, out);
            }
            _ => {}
        }
    }
}

/// Every name mentioned inside functions and lambdas nested in `body` (an over-approximation
/// of what closures capture: a needless cell costs little, a missing one would be wrong).
pub(crate) fn nested_refs_block(body: &[ast::Stmt], out: &mut HashSet<Sym>) {
    let mut fns = Vec::new();
    for s in body {
        visit_stmt_shallow(s, &mut |e| nested_refs_expr(e, out), &mut |f| fns.push(f));
    }
    for f in fns {
        all_names_fn(f, out);
    }
}

pub(crate) fn nested_refs_expr(e: &ast::Expr, out: &mut HashSet<Sym>) {
    visit_expr(e, &mut |x| {
        if let ExprKind::Lambda(l) = &x.kind {
            visit_expr(&l.body, &mut |y| {
                if let ExprKind::Name { name, .. } = &y.kind {
                    out.insert(*name);
                }
            });
            for p in &l.params {
                if let Some(d) = &p.default {
                    nested_refs_expr(d, out);
                }
            }
        }
    });
}

fn all_names_fn(f: &ast::FunctionDef, out: &mut HashSet<Sym>) {
    let mut nested: Vec<&ast::FunctionDef> = Vec::new();
    {
        let mut add = |e: &ast::Expr| {
            visit_expr(e, &mut |y| {
                if let ExprKind::Name { name, .. } = &y.kind {
                    out.insert(*name);
                }
            })
        };
        match &f.body {
            ast::FuncBody::Block(b) => {
                for s in b {
                    visit_stmt_shallow(s, &mut add, &mut |g| nested.push(g));
                }
            }
            ast::FuncBody::Pipeline(p) => {
                for st in &p.stages {
                    pipe_names(st, &mut add);
                }
            }
        }
        for p in f.receiver.iter().chain(f.params.iter()) {
            if let Some(d) = &p.default {
                add(d);
            }
        }
    }
    for g in nested {
        all_names_fn(g, out);
    }
}

fn pipe_names<'a>(st: &'a ast::PipeStage, add: &mut dyn FnMut(&'a ast::Expr)) {
    match &st.kind {
        ast::PipeStageKind::Expr(e) => add(e),
        ast::PipeStageKind::FanOut(v) => {
            for s in v {
                pipe_names(s, add);
            }
        }
    }
}

/// Calls `on_expr` for each top-level expression of `s` and its nested blocks, and `on_fn` for
/// each nested function definition (whose body it does not enter).
fn visit_stmt_shallow<'a>(
    s: &'a ast::Stmt,
    on_expr: &mut dyn FnMut(&'a ast::Expr),
    on_fn: &mut dyn FnMut(&'a ast::FunctionDef),
) {
    fn blk<'a>(
        b: &'a [ast::Stmt],
        on_expr: &mut dyn FnMut(&'a ast::Expr),
        on_fn: &mut dyn FnMut(&'a ast::FunctionDef),
    ) {
        for x in b {
            visit_stmt_shallow(x, on_expr, on_fn);
        }
    }
    match &s.kind {
        StmtKind::Expr(e) | StmtKind::Return(Some(e)) => on_expr(e),
        StmtKind::Assign { targets, value } => {
            for t in targets {
                on_expr(t);
            }
            on_expr(value);
        }
        StmtKind::TypedAssign { target, value, .. } => {
            on_expr(target);
            if let Some(v) = value {
                on_expr(v);
            }
        }
        StmtKind::AugAssign { target, value, .. } => {
            on_expr(target);
            on_expr(value);
        }
        StmtKind::If { cond, body, orelse } | StmtKind::While { cond, body, orelse } => {
            on_expr(cond);
            blk(body, on_expr, on_fn);
            blk(orelse, on_expr, on_fn);
        }
        StmtKind::For {
            target,
            iter,
            body,
            orelse,
        } => {
            on_expr(target);
            on_expr(iter);
            blk(body, on_expr, on_fn);
            blk(orelse, on_expr, on_fn);
        }
        StmtKind::FunctionDef(f) => {
            on_fn(f);
            for p in f.receiver.iter().chain(f.params.iter()) {
                if let Some(d) = &p.default {
                    on_expr(d);
                }
            }
            for d in &f.decorators {
                on_expr(&d.func);
                for a in d.args.iter().flatten() {
                    arg_expr(a, on_expr);
                }
            }
        }
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } => {
            blk(body, on_expr, on_fn);
            for h in handlers {
                if let Some(t) = &h.types {
                    on_expr(t);
                }
                blk(&h.body, on_expr, on_fn);
            }
            blk(orelse, on_expr, on_fn);
            blk(finalbody, on_expr, on_fn);
        }
        StmtKind::Raise { exc, cause } => {
            for e in exc.iter().chain(cause.iter()) {
                on_expr(e);
            }
        }
        StmtKind::Assert { test, msg } => {
            on_expr(test);
            if let Some(m) = msg {
                on_expr(m);
            }
        }
        StmtKind::Struct(d) => {
            for f in &d.fields {
                if let Some(x) = &f.default {
                    on_expr(x);
                }
            }
            for m in &d.methods {
                on_fn(m);
            }
        }
        StmtKind::Niche(d) => {
            for m in &d.methods {
                on_fn(m);
            }
        }
        StmtKind::With { items, body } => {
            for it in items {
                on_expr(&it.context);
                if let Some(t) = &it.target {
                    on_expr(t);
                }
            }
            blk(body, on_expr, on_fn);
        }
        _ => {}
    }
}

fn arg_expr<'a>(a: &'a ast::Arg, on_expr: &mut dyn FnMut(&'a ast::Expr)) {
    match &a.kind {
        ast::ArgKind::Positional(e)
        | ast::ArgKind::Keyword(_, e)
        | ast::ArgKind::Star(e)
        | ast::ArgKind::StarStar(e) => on_expr(e),
    }
}

/// Pre-order visit of an expression tree, including lambda bodies and f-string parts.
pub fn visit_expr(e: &ast::Expr, f: &mut dyn FnMut(&ast::Expr)) {
    f(e);
    match &e.kind {
        ExprKind::FString(parts) => visit_fparts(parts, f),
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => {
            for x in v {
                visit_expr(x, f);
            }
        }
        ExprKind::Dict(v) => {
            for (k, x) in v {
                visit_expr(k, f);
                visit_expr(x, f);
            }
        }
        ExprKind::ListComp { elt, gens } | ExprKind::SetComp { elt, gens } => {
            visit_expr(elt, f);
            visit_gens(gens, f);
        }
        ExprKind::DictComp { key, value, gens } => {
            visit_expr(key, f);
            visit_expr(value, f);
            visit_gens(gens, f);
        }
        ExprKind::Lambda(l) => {
            for p in &l.params {
                if let Some(d) = &p.default {
                    visit_expr(d, f);
                }
            }
            visit_expr(&l.body, f);
        }
        ExprKind::IfExp { test, body, orelse } => {
            visit_expr(test, f);
            visit_expr(body, f);
            visit_expr(orelse, f);
        }
        ExprKind::And(a, b) | ExprKind::Or(a, b) | ExprKind::Binary(_, a, b) => {
            visit_expr(a, f);
            visit_expr(b, f);
        }
        ExprKind::Not(a) | ExprKind::Unary(_, a) | ExprKind::Starred(a) => visit_expr(a, f),
        ExprKind::Compare { left, ops } => {
            visit_expr(left, f);
            for (_, r) in ops {
                visit_expr(r, f);
            }
        }
        ExprKind::Call { func, args } => {
            visit_expr(func, f);
            for a in args {
                arg_expr(a, &mut |x| visit_expr(x, f));
            }
        }
        ExprKind::Attribute { value, .. } => visit_expr(value, f),
        ExprKind::Index { value, index } => {
            visit_expr(value, f);
            visit_expr(index, f);
        }
        ExprKind::Slice { lower, upper, step } => {
            for x in [lower, upper, step].into_iter().flatten() {
                visit_expr(x, f);
            }
        }
        _ => {}
    }
}

fn visit_gens(gens: &[ast::Comprehension], f: &mut dyn FnMut(&ast::Expr)) {
    for g in gens {
        visit_expr(&g.target, f);
        visit_expr(&g.iter, f);
        for i in &g.ifs {
            visit_expr(i, f);
        }
    }
}

fn visit_fparts(parts: &[ast::FPart], f: &mut dyn FnMut(&ast::Expr)) {
    for p in parts {
        if let ast::FPart::Expr { expr, spec, .. } = p {
            visit_expr(expr, f);
            if let Some(s) = spec {
                visit_fparts(s, f);
            }
        }
    }
}
