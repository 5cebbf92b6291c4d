//! The names of one module for the language server: every definition (functions, structs,
//! fields, methods, parameters, variables, imports) with its scope, every use of a name, every
//! attribute access and every call, gathered in one walk of the AST. Names resolve by
//! Python's rules: a name bound anywhere in a function is local to it; otherwise the enclosing
//! functions, then the module.

use dana_grammar::ast::visit::{self, Visitor};
use dana_grammar::ast::{
    Expr, ExprKind, FunctionDef, Ident, Lambda, Module, Param, Span, Stmt, StmtKind, Sym,
};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DefKind {
    Function,
    Struct,
    Interface,
    Field,
    Method,
    Param,
    Variable,
    /// `import m` / `import m as k` (the module named by `module`).
    Import,
    /// `from m import name` (the member `name` of `module`).
    FromImport,
}

#[derive(Clone, Debug)]
pub(crate) struct Def {
    pub(crate) name: Sym,
    /// The span of the defining identifier.
    pub(crate) span: Span,
    /// The whole definition (a function's `def` to the end of its body).
    pub(crate) full: Span,
    pub(crate) kind: DefKind,
    pub(crate) scope: usize,
    /// The struct a field or method belongs to.
    pub(crate) owner: Option<Sym>,
    pub(crate) docstring: Option<String>,
    /// A function's header span (`def f(x: int) -> str`).
    pub(crate) header: Option<Span>,
    /// The names of its decorators (`poet`, `m.deco`).
    pub(crate) decorators: Vec<String>,
    /// For imports: the module's dotted name (leading dots for relative ones) and, for
    /// `from … import`, the imported member.
    pub(crate) module: Option<String>,
    pub(crate) member: Option<Sym>,
}

/// A use of a name (a read, or a binding after the first one) in a scope.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NameUse {
    pub(crate) name: Sym,
    pub(crate) span: Span,
    pub(crate) scope: usize,
}

/// `value.attr`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AttrUse {
    pub(crate) value: Span,
    pub(crate) attr: Ident,
}

#[derive(Clone, Debug)]
pub(crate) struct ScopeInfo {
    pub(crate) parent: Option<usize>,
    pub(crate) span: Span,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    pub(crate) defs: Vec<Def>,
    pub(crate) uses: Vec<NameUse>,
    pub(crate) attrs: Vec<AttrUse>,
    /// Scope 0 is the module.
    pub(crate) scopes: Vec<ScopeInfo>,
    /// The definition of each name in each scope (its first binding; fields and methods are
    /// not in scopes).
    by_name: HashMap<(usize, Sym), usize>,
    /// The definitions of each scope, in source order.
    scope_defs: Vec<Vec<usize>>,
}

impl Index {
    pub(crate) fn build(m: &Module, text_len: usize) -> Index {
        let mut b = Builder {
            ix: Index {
                scopes: vec![ScopeInfo {
                    parent: None,
                    span: Span::new(0, text_len),
                }],
                ..Index::default()
            },
            scope: 0,
            owner: None,
        };
        b.visit_module(m);
        let mut ix = b.ix;
        ix.scope_defs = vec![Vec::new(); ix.scopes.len()];
        for (&(scope, _), &d) in &ix.by_name {
            if let Some(list) = ix.scope_defs.get_mut(scope) {
                list.push(d);
            }
        }
        for list in &mut ix.scope_defs {
            list.sort_unstable();
        }
        ix
    }

    /// The innermost scope whose span holds `offset`.
    pub(crate) fn scope_at(&self, offset: usize) -> usize {
        let mut best = 0;
        for (i, s) in self.scopes.iter().enumerate().skip(1) {
            let inside = (s.span.start as usize) <= offset && offset <= s.span.end as usize;
            if inside && s.span.len() <= self.scopes[best].span.len() {
                best = i;
            }
        }
        best
    }

    /// The definition a name in `scope` refers to (fields and methods are not in scopes).
    pub(crate) fn resolve(&self, name: Sym, scope: usize) -> Option<usize> {
        let mut s = Some(scope);
        while let Some(cur) = s {
            if let Some(&i) = self.by_name.get(&(cur, name)) {
                return Some(i);
            }
            s = self.scopes.get(cur).and_then(|s| s.parent);
        }
        None
    }

    /// The definitions visible in `scope`, innermost first (each name once).
    pub(crate) fn visible(&self, scope: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut names = std::collections::HashSet::new();
        let mut s = Some(scope);
        while let Some(cur) = s {
            for &d in self.scope_defs.get(cur).into_iter().flatten() {
                if names.insert(self.defs[d].name) {
                    out.push(d);
                }
            }
            s = self.scopes.get(cur).and_then(|s| s.parent);
        }
        out
    }

    /// The definition whose identifier is at `offset`.
    pub(crate) fn def_at(&self, offset: usize) -> Option<usize> {
        self.defs.iter().position(|d| contains(d.span, offset))
    }

    /// The use of a name at `offset`.
    pub(crate) fn use_at(&self, offset: usize) -> Option<&NameUse> {
        self.uses.iter().find(|u| contains(u.span, offset))
    }

    /// The attribute access whose attribute name is at `offset`.
    pub(crate) fn attr_at(&self, offset: usize) -> Option<&AttrUse> {
        self.attrs.iter().find(|a| contains(a.attr.span, offset))
    }

    /// The member (field or method) `name` of struct `owner`.
    pub(crate) fn member(&self, owner: Sym, name: Sym) -> Option<usize> {
        self.defs.iter().position(|d| {
            d.owner == Some(owner)
                && d.name == name
                && matches!(d.kind, DefKind::Field | DefKind::Method)
        })
    }

    /// The module-level definition of `name`.
    pub(crate) fn top_level(&self, name: Sym) -> Option<usize> {
        self.resolve(name, 0)
    }

    /// The spans of every use of definition `def` in this module, its own identifier first.
    pub(crate) fn uses_of(&self, def: usize) -> Vec<Span> {
        let d = &self.defs[def];
        let mut out = vec![d.span];
        if matches!(d.kind, DefKind::Field | DefKind::Method) {
            return out;
        }
        for u in &self.uses {
            if u.name == d.name && self.resolve(u.name, u.scope) == Some(def) && u.span != d.span {
                out.push(u.span);
            }
        }
        out
    }
}

pub(crate) fn contains(span: Span, offset: usize) -> bool {
    (span.start as usize) <= offset && offset <= span.end as usize
}

struct Builder {
    ix: Index,
    scope: usize,
    /// The struct whose block is being walked.
    owner: Option<Sym>,
}

impl Builder {
    fn def(&mut self, ident: Ident, full: Span, kind: DefKind) -> &mut Def {
        if !matches!(kind, DefKind::Field | DefKind::Method) {
            self.ix
                .by_name
                .entry((self.scope, ident.name))
                .or_insert(self.ix.defs.len());
        }
        self.ix.defs.push(Def {
            name: ident.name,
            span: ident.span,
            full,
            kind,
            scope: self.scope,
            owner: None,
            docstring: None,
            header: None,
            decorators: Vec::new(),
            module: None,
            member: None,
        });
        self.ix.defs.last_mut().expect("just pushed")
    }

    /// A binding: the first in its scope defines the name, later ones are uses.
    fn bind(&mut self, ident: Ident, full: Span, kind: DefKind) {
        if self.known(ident.name) {
            self.ix.uses.push(NameUse {
                name: ident.name,
                span: ident.span,
                scope: self.scope,
            });
        } else {
            self.def(ident, full, kind);
        }
    }

    /// Whether `name` is already defined in the current scope.
    fn known(&self, name: Sym) -> bool {
        self.ix.by_name.contains_key(&(self.scope, name))
    }

    fn push_scope(&mut self, span: Span) -> usize {
        self.ix.scopes.push(ScopeInfo {
            parent: Some(self.scope),
            span,
        });
        std::mem::replace(&mut self.scope, self.ix.scopes.len() - 1)
    }

    fn param(&mut self, p: &Param) {
        if p.name.name.as_str() != "*" {
            self.bind(p.name, p.span, DefKind::Param);
        }
    }

    fn members(
        &mut self,
        name: Sym,
        fields: &[dana_grammar::ast::FieldDef],
        methods: &[FunctionDef],
    ) {
        for f in fields {
            if let Some(a) = &f.ann {
                self.visit_type(a);
            }
            if let Some(d) = &f.default {
                self.visit_expr(d);
            }
            let d = self.def(f.name, f.span, DefKind::Field);
            d.owner = Some(name);
            d.docstring = f.comment.clone();
        }
        let outer = self.owner.replace(name);
        for m in methods {
            self.visit_function_def(m);
        }
        self.owner = outer;
    }
}

fn decorator_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Name { name, .. } => name.as_str().to_string(),
        ExprKind::Attribute { value, attr } => format!("{}.{}", decorator_name(value), attr.name),
        _ => String::new(),
    }
}

impl<'ast> Visitor<'ast> for Builder {
    fn visit_stmt(&mut self, s: &'ast Stmt) {
        match &s.kind {
            StmtKind::Import { path, alias } => {
                let dotted: Vec<&str> = path.iter().map(|i| i.name.as_str()).collect();
                let bound = alias.unwrap_or(path[0]);
                let module = if alias.is_some() {
                    dotted.join(".")
                } else {
                    dotted[0].to_string()
                };
                if !self.known(bound.name) {
                    let d = self.def(bound, s.span, DefKind::Import);
                    d.module = Some(module);
                }
            }
            StmtKind::FromImport {
                level, path, names, ..
            } => {
                let module = format!(
                    "{}{}",
                    ".".repeat(*level as usize),
                    path.iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(".")
                );
                for n in names {
                    let bound = n.alias.unwrap_or(n.name);
                    let d = self.def(bound, s.span, DefKind::FromImport);
                    d.module = Some(module.clone());
                    d.member = Some(n.name.name);
                    if n.alias.is_some() {
                        // The imported name itself refers to the other module's definition.
                        self.ix.uses.push(NameUse {
                            name: n.name.name,
                            span: n.name.span,
                            scope: usize::MAX,
                        });
                    }
                }
            }
            StmtKind::Struct(sd) => {
                let d = self.def(sd.name, s.span, DefKind::Struct);
                d.docstring = sd.docstring.clone();
                self.members(sd.name.name, &sd.fields, &sd.methods);
            }
            StmtKind::Niche(nd) => {
                let d = self.def(nd.name, s.span, DefKind::Struct);
                d.docstring = nd.docstring.clone();
                self.members(nd.name.name, &nd.fields, &nd.methods);
            }
            StmtKind::Interface(idef) => {
                let d = self.def(idef.name, s.span, DefKind::Interface);
                d.docstring = idef.docstring.clone();
            }
            StmtKind::Try { handlers, .. } => {
                for h in handlers {
                    if let Some(n) = h.name {
                        self.bind(n, h.span, DefKind::Variable);
                    }
                }
                visit::walk_stmt(self, s);
            }
            _ => visit::walk_stmt(self, s),
        }
    }

    fn visit_target(&mut self, t: &'ast Expr) {
        match &t.kind {
            ExprKind::Name { scope: None, name } => self.bind(
                Ident {
                    name: *name,
                    span: t.span,
                },
                t.span,
                DefKind::Variable,
            ),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for i in items {
                    self.visit_target(i);
                }
            }
            ExprKind::Starred(inner) => self.visit_target(inner),
            _ => visit::walk_target(self, t),
        }
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        match &e.kind {
            ExprKind::Name { scope: None, name } => self.ix.uses.push(NameUse {
                name: *name,
                span: e.span,
                scope: self.scope,
            }),
            ExprKind::Attribute { value, attr } => {
                self.ix.attrs.push(AttrUse {
                    value: value.span,
                    attr: *attr,
                });
                self.visit_expr(value);
            }
            ExprKind::ListComp { .. } | ExprKind::SetComp { .. } | ExprKind::DictComp { .. } => {
                let outer = self.push_scope(e.span);
                // Clauses first: their targets bind the names the element reads.
                match &e.kind {
                    ExprKind::ListComp { elt, gens } | ExprKind::SetComp { elt, gens } => {
                        for g in gens {
                            self.visit_comprehension(g);
                        }
                        self.visit_expr(elt);
                    }
                    ExprKind::DictComp { key, value, gens } => {
                        for g in gens {
                            self.visit_comprehension(g);
                        }
                        self.visit_expr(key);
                        self.visit_expr(value);
                    }
                    _ => {}
                }
                self.scope = outer;
            }
            _ => visit::walk_expr(self, e),
        }
    }

    fn visit_lambda(&mut self, l: &'ast Lambda) {
        let span = l
            .params
            .first()
            .map_or(l.body.span, |p| p.span.to(l.body.span));
        let outer = self.push_scope(span);
        for p in l.receiver.iter().chain(&l.params) {
            self.param(p);
        }
        self.visit_expr(&l.body);
        self.scope = outer;
    }

    fn visit_function_def(&mut self, f: &'ast FunctionDef) {
        for d in &f.decorators {
            self.visit_decorator(d);
        }
        for p in f.receiver.iter().chain(&f.params) {
            if let Some(a) = &p.ann {
                self.visit_type(a);
            }
            if let Some(d) = &p.default {
                self.visit_expr(d);
            }
        }
        let owner = self.owner.take();
        let receiver_owner = f.receiver.as_ref().and_then(|r| match &r.ann {
            Some(dana_grammar::ast::TypeExpr {
                kind: dana_grammar::ast::TypeExprKind::Name(n),
                ..
            }) => Some(*n),
            _ => None,
        });
        let is_method = owner.is_some();
        let kind = if is_method {
            DefKind::Method
        } else {
            DefKind::Function
        };
        let decorators = f
            .decorators
            .iter()
            .map(|d| decorator_name(&d.func))
            .collect();
        {
            let d = if is_method {
                self.def(f.name, f.def_span(), kind)
            } else {
                // A second `def` of a name (an overload by receiver) keeps the first as the
                // definition.
                self.bind(f.name, f.def_span(), kind);
                let i = self.ix.by_name[&(self.scope, f.name.name)];
                &mut self.ix.defs[i]
            };
            if d.span == f.name.span {
                d.owner = owner.or(receiver_owner);
                d.docstring = f.docstring.clone();
                d.header = Some(f.header_span);
                d.decorators = decorators;
            }
        }
        if let Some(o) = receiver_owner {
            // A receiver method is a member of its struct too.
            let d = self.def(f.name, f.def_span(), DefKind::Method);
            d.owner = Some(o);
            d.docstring = f.docstring.clone();
            d.header = Some(f.header_span);
            d.scope = usize::MAX;
        }
        let outer = self.push_scope(f.def_span());
        for p in f.receiver.iter().chain(&f.params) {
            self.param(p);
        }
        match &f.body {
            dana_grammar::ast::FuncBody::Block(b) => self.visit_block(b),
            dana_grammar::ast::FuncBody::Pipeline(p) => self.visit_pipeline(p),
        }
        self.scope = outer;
        self.owner = owner;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_scoping() {
        let src = "x = 1\ndef f(a):\n    y, z = a + x, 2\n    return y\nprint(x)\n";
        let m = dana_grammar::parse_module(src).unwrap();
        let ix = Index::build(&m, src.len());
        let x = ix.top_level(Sym::intern("x")).unwrap();
        // `x` at line 1, in f, and in print(x).
        assert_eq!(ix.uses_of(x).len(), 3);
        let inner = ix.scope_at(src.find("return").unwrap());
        let a = ix.resolve(Sym::intern("a"), inner).unwrap();
        assert_eq!(ix.defs[a].kind, DefKind::Param);
        assert!(ix.resolve(Sym::intern("y"), 0).is_none());
        let z = ix.resolve(Sym::intern("z"), inner).unwrap();
        assert_eq!(ix.defs[z].kind, DefKind::Variable);
    }
}
