//! Syntactic pre-passes shared by the resolver and the type checker: which names a scope binds
//! (Python rules), which names nested functions mention, and an expression visitor. All of
//! them are walkers over `dana_grammar::ast::visit`.

use dana_grammar::ast::visit::{self, Visitor};
use dana_grammar::ast::{
    self, ExceptHandler, Expr, ExprKind, FunctionDef, InterfaceDef, NicheDef, ScopeKind, Span,
    Stmt, StmtKind, StructDef, Sym,
};
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
    Binds { out }.visit_block(body);
}

/// Collects the names statements bind, in source order; expressions bind nothing, and nested
/// definitions bind only their own name.
struct Binds<'o> {
    out: &'o mut Vec<(Sym, Span, BindKind)>,
}

impl<'ast> Visitor<'ast> for Binds<'_> {
    fn visit_stmt(&mut self, s: &'ast Stmt) {
        let out = &mut *self.out;
        match &s.kind {
            StmtKind::Assign { targets, .. } => {
                for t in targets {
                    target_names(t, BindKind::Assign, out);
                }
            }
            StmtKind::TypedAssign { target, .. } | StmtKind::AugAssign { target, .. } => {
                target_names(target, BindKind::Assign, out)
            }
            StmtKind::For {
                target,
                body,
                orelse,
                ..
            } => {
                target_names(target, BindKind::Other, out);
                self.visit_block(body);
                self.visit_block(orelse);
            }
            StmtKind::FunctionDef(f) => out.push((f.name.name, f.name.span, BindKind::Other)),
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
                self.visit_block(body);
            }
            // `if`, `while` and `try` bind through their blocks and handlers.
            _ => visit::walk_stmt(self, s),
        }
    }
    fn visit_except_handler(&mut self, h: &'ast ExceptHandler) {
        if let Some(n) = h.name {
            self.out.push((n.name, n.span, BindKind::Other));
        }
        self.visit_block(&h.body);
    }
    fn visit_expr(&mut self, _e: &'ast Expr) {}
}

/// Every name mentioned inside functions and lambdas nested in `body` (an over-approximation
/// of what closures capture: a needless cell costs little, a missing one would be wrong).
pub(crate) fn nested_refs_block(body: &[ast::Stmt], out: &mut HashSet<Sym>) {
    let mut fns = Vec::new();
    Shallow {
        on_expr: &mut |e| nested_refs_expr(e, out),
        on_fn: &mut |f| fns.push(f),
    }
    .visit_block(body);
    for f in fns {
        all_names_fn(f, out);
    }
}

pub(crate) fn nested_refs_expr(e: &ast::Expr, out: &mut HashSet<Sym>) {
    visit_expr(e, &mut |x| {
        // The right operand of `a | g(k)` may run as a stage function (see `Resolver::pipe`),
        // which captures what it reads.
        if let ExprKind::Binary(ast::BinOp::BitOr, _, r) = &x.kind {
            if ast::PipeStage::from_operand(r).is_some() {
                visit_expr(r, &mut |y| {
                    if let ExprKind::Name { name, .. } = &y.kind {
                        out.insert(*name);
                    }
                });
            }
        }
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
        let mut shallow = Shallow {
            on_expr: &mut add,
            on_fn: &mut |g| nested.push(g),
        };
        match &f.body {
            ast::FuncBody::Block(b) => shallow.visit_block(b),
            ast::FuncBody::Pipeline(p) => shallow.visit_pipeline(p),
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

/// Hands `on_expr` each top-level expression of the statements and their nested blocks
/// (assignment and loop targets included), and `on_fn` each nested function definition,
/// whose body it does not enter (its parameter defaults and decorators are expressions of
/// the enclosing scope). Of a struct it sees the field defaults and the methods; of a niche
/// block the methods; an interface holds no expressions.
struct Shallow<'a, 'c> {
    on_expr: &'c mut dyn FnMut(&'a Expr),
    on_fn: &'c mut dyn FnMut(&'a FunctionDef),
}

impl<'a> Visitor<'a> for Shallow<'a, '_> {
    fn visit_expr(&mut self, e: &'a Expr) {
        (self.on_expr)(e);
    }
    fn visit_function_def(&mut self, f: &'a FunctionDef) {
        (self.on_fn)(f);
        for p in f.receiver.iter().chain(f.params.iter()) {
            if let Some(d) = &p.default {
                (self.on_expr)(d);
            }
        }
        for d in &f.decorators {
            (self.on_expr)(&d.func);
            for a in d.args.iter().flatten() {
                visit::walk_arg(self, a);
            }
        }
    }
    fn visit_struct_def(&mut self, d: &'a StructDef) {
        for f in &d.fields {
            if let Some(x) = &f.default {
                (self.on_expr)(x);
            }
        }
        for m in &d.methods {
            (self.on_fn)(m);
        }
    }
    fn visit_niche_def(&mut self, d: &'a NicheDef) {
        for m in &d.methods {
            (self.on_fn)(m);
        }
    }
    fn visit_interface_def(&mut self, _d: &'a InterfaceDef) {}
}

/// Pre-order visit of an expression tree, including lambda bodies and f-string parts.
pub fn visit_expr(e: &ast::Expr, f: &mut dyn FnMut(&ast::Expr)) {
    PreOrder { f }.visit_expr(e);
}

/// Calls `f` on every expression before its children.
struct PreOrder<'f> {
    f: &'f mut dyn FnMut(&ast::Expr),
}

impl<'ast> Visitor<'ast> for PreOrder<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        (self.f)(e);
        match &e.kind {
            // The condition first (this visitor's order; the walk goes in source order).
            ExprKind::IfExp { test, body, orelse } => {
                self.visit_expr(test);
                self.visit_expr(body);
                self.visit_expr(orelse);
            }
            _ => visit::walk_expr(self, e),
        }
    }
}
