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

/// The names an expression binds with `:=` (a lambda body's walrus targets are the lambda's
/// locals), not descending into nested lambdas.
pub(crate) fn walrus_names(e: &Expr, out: &mut Vec<(Sym, Span, BindKind)>) {
    Binds { out }.visit_expr(e);
}

/// Collects the names statements bind, in source order: assignments, loops, definitions,
/// imports, `del` targets (which make a name local, as in Python) and the targets of `:=` in
/// any expression (a comprehension's walrus binds in the enclosing function). Nested
/// definitions and lambdas bind only in their own scope.
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
            StmtKind::For { target, .. } => target_names(target, BindKind::Other, out),
            StmtKind::Delete(targets) => {
                for t in targets {
                    target_names(t, BindKind::Other, out);
                }
            }
            StmtKind::FunctionDef(f) => {
                return out.push((f.name.name, f.name.span, BindKind::Other));
            }
            StmtKind::Import { path, alias } => {
                let id = alias.unwrap_or(path[0]);
                return out.push((id.name, id.span, BindKind::Other));
            }
            StmtKind::FromImport { names, .. } => {
                for n in names {
                    let id = n.alias.unwrap_or(n.name);
                    out.push((id.name, id.span, BindKind::Other));
                }
                return;
            }
            StmtKind::Struct(d) => return out.push((d.name.name, d.name.span, BindKind::Other)),
            StmtKind::Niche(d) => return out.push((d.name.name, d.name.span, BindKind::Other)),
            StmtKind::Interface(d) => {
                return out.push((d.name.name, d.name.span, BindKind::Other));
            }
            StmtKind::With { items, .. } => {
                for it in items {
                    if let Some(t) = &it.target {
                        target_names(t, BindKind::Other, out);
                    }
                }
            }
            _ => {}
        }
        // Blocks, handlers and the expressions (for their `:=` targets).
        visit::walk_stmt(self, s)
    }
    fn visit_except_handler(&mut self, h: &'ast ExceptHandler) {
        if let Some(n) = h.name {
            self.out.push((n.name, n.span, BindKind::Other));
        }
        visit::walk_except_handler(self, h);
    }
    fn visit_target(&mut self, t: &'ast Expr) {
        // The names were taken above; only a `:=` inside (`xs[(i := 0)] = …`) binds here.
        visit::walk_expr(self, t)
    }
    fn visit_expr(&mut self, e: &'ast Expr) {
        match &e.kind {
            ExprKind::NamedExpr { target, value } => {
                target_names(target, BindKind::Assign, self.out);
                self.visit_expr(value);
            }
            ExprKind::Lambda(_) => {}
            _ => visit::walk_expr(self, e),
        }
    }
}

/// A `global` (`true`) or `nonlocal` declaration of a name, where it stands.
pub(crate) type Decl = (Sym, Span, bool);

/// The `global` and `nonlocal` declarations of a body, not descending into nested definitions.
pub(crate) fn scope_decls(body: &[Stmt]) -> Vec<Decl> {
    let mut out = Vec::new();
    Decls { out: &mut out }.visit_block(body);
    out
}

struct Decls<'o> {
    out: &'o mut Vec<Decl>,
}

impl<'ast> Visitor<'ast> for Decls<'_> {
    fn visit_stmt(&mut self, s: &'ast Stmt) {
        match &s.kind {
            StmtKind::Global(names) | StmtKind::Nonlocal(names) => {
                let global = matches!(s.kind, StmtKind::Global(_));
                for n in names {
                    self.out.push((n.name, n.span, global));
                }
            }
            StmtKind::FunctionDef(_)
            | StmtKind::Struct(_)
            | StmtKind::Niche(_)
            | StmtKind::Interface(_) => {}
            _ => visit::walk_stmt(self, s),
        }
    }
    fn visit_expr(&mut self, _e: &'ast Expr) {}
}

/// Python's checks of a body's `global`/`nonlocal` declarations against its own statements:
/// a name may not be used or assigned before its declaration, nor be declared both ways, nor
/// be a parameter. Returns the message and where, for the first problem.
pub(crate) fn check_decls(body: &[Stmt], decls: &[Decl], params: &[Sym]) -> Option<(String, Span)> {
    if decls.is_empty() {
        return None;
    }
    let word = |g: bool| if g { "global" } else { "nonlocal" };
    for (i, &(n, span, global)) in decls.iter().enumerate() {
        if params.contains(&n) {
            return Some((
                format!("name '{n}' is parameter and {}", word(global)),
                span,
            ));
        }
        if decls[..i].iter().any(|&(m, _, g)| m == n && g != global) {
            return Some((format!("name '{n}' is nonlocal and global"), span));
        }
    }
    // Every mention of a name in this body (its own statements, not nested definitions).
    let mut mentions: Vec<(Sym, Span)> = Vec::new();
    Shallow {
        on_expr: &mut |e| {
            visit_expr(e, &mut |x| {
                if let ExprKind::Name {
                    scope: None | Some(ScopeKind::Local),
                    name,
                } = &x.kind
                {
                    mentions.push((*name, x.span));
                }
            })
        },
        on_fn: &mut |_| {},
    }
    .visit_block(body);
    let mut stores = Vec::new();
    assigned_names(body, &mut stores);
    for &(n, span, global) in decls {
        let earlier = |s: Span| s.start < span.start;
        let stored = stores.iter().any(|&(m, s, _)| m == n && earlier(s));
        let used = mentions.iter().any(|&(m, s)| m == n && earlier(s));
        if stored {
            return Some((
                format!(
                    "name '{n}' is assigned to before {} declaration",
                    word(global)
                ),
                span,
            ));
        }
        if used {
            return Some((
                format!("name '{n}' is used prior to {} declaration", word(global)),
                span,
            ));
        }
    }
    None
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

/// Whether an expression of `body` itself (outside its functions; lambdas included) holds a
/// comprehension. Only a comprehension's targets ask a module scope which names nested
/// functions mention, so without one the module need not collect them.
pub(crate) fn has_comprehension(body: &[ast::Stmt]) -> bool {
    let mut found = false;
    Shallow {
        on_expr: &mut |e| {
            if !found {
                visit_expr(e, &mut |x| {
                    found |= matches!(
                        x.kind,
                        ExprKind::ListComp { .. }
                            | ExprKind::SetComp { .. }
                            | ExprKind::DictComp { .. }
                    );
                })
            }
        },
        on_fn: &mut |_| {},
    }
    .visit_block(body);
    found
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
    if let ast::FuncBody::Block(b) = &f.body {
        for (n, _, global) in scope_decls(b) {
            if !global {
                out.insert(n);
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
