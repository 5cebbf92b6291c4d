//! What the tree says about names, for highlighting: the kind of each identifier by where it
//! starts (definitions, parameters and their uses, calls, attributes, imports, decorators,
//! keyword arguments) and the spans of annotations (names in them are types).

use super::kind::TokenKind;
use dana_grammar::ast::visit::{self, Visitor};
use dana_grammar::ast::{
    Arg, ArgKind, Decorator, Expr, ExprKind, FieldDef, FunctionDef, InterfaceDef, Lambda,
    MethodSig, Module, NicheDef, Param, Stmt, StmtKind, StructDef, Sym, TypeExpr,
};
use std::collections::{HashMap, HashSet};

/// Kinds by the byte offset where a name starts, and the annotations' spans.
#[derive(Default)]
pub(super) struct Roles {
    /// `(start, kind)` sorted by start, one per start (the last one set wins).
    at: Vec<(u32, TokenKind)>,
    /// Annotation spans, sorted by start.
    types: Vec<(u32, u32)>,
    /// Names the module defines anywhere: functions, structs, interfaces, imported modules.
    globals: HashMap<Sym, TokenKind>,
    /// The same, by text.
    by_text: HashMap<&'static str, TokenKind>,
}

impl Roles {
    /// The kind the tree gives the name starting at `start`.
    pub fn kind_at(&self, start: u32) -> Option<TokenKind> {
        self.at
            .binary_search_by_key(&start, |&(s, _)| s)
            .ok()
            .map(|i| self.at[i].1)
    }

    /// Whether the offset is inside an annotation.
    pub fn in_type(&self, at: u32) -> bool {
        let i = self.types.partition_point(|&(s, _)| s <= at);
        self.types[..i]
            .iter()
            .rev()
            .take(8)
            .any(|&(s, e)| s <= at && at < e)
    }

    /// The kind of a module-defined name, by its text.
    pub fn globals_kind(&self, word: &str) -> Option<TokenKind> {
        self.by_text.get(word).copied()
    }
}

/// Walks `module` once for its definitions, then once for every name.
pub(super) fn roles(module: &Module) -> Roles {
    let mut defs = Defs::default();
    defs.visit_module(module);
    let mut w = Walker {
        roles: Roles {
            globals: defs.0,
            ..Roles::default()
        },
        params: Vec::new(),
        in_struct: false,
    };
    w.visit_module(module);
    w.roles.types.sort_unstable();
    // Stable: for a start set twice, the later setting stays last, and wins.
    let at = &mut w.roles.at;
    at.sort_by_key(|&(s, _)| s);
    let mut kept: Vec<(u32, TokenKind)> = Vec::with_capacity(at.len());
    for &(s, k) in at.iter() {
        match kept.last_mut() {
            Some(last) if last.0 == s => last.1 = k,
            _ => kept.push((s, k)),
        }
    }
    *at = kept;
    w.roles.by_text = w
        .roles
        .globals
        .iter()
        .map(|(s, &k)| (s.as_str(), k))
        .collect();
    w.roles
}

/// The names of functions, structs, interfaces and imported modules, wherever defined.
#[derive(Default)]
struct Defs(HashMap<Sym, TokenKind>);

impl<'ast> Visitor<'ast> for Defs {
    fn visit_stmt(&mut self, s: &'ast Stmt) {
        match &s.kind {
            StmtKind::FunctionDef(d) => {
                self.0.entry(d.name.name).or_insert(TokenKind::Function);
            }
            StmtKind::Struct(d) => {
                self.0.insert(d.name.name, TokenKind::Struct);
            }
            StmtKind::Niche(d) => {
                self.0.insert(d.name.name, TokenKind::Struct);
            }
            StmtKind::Interface(d) => {
                self.0.insert(d.name.name, TokenKind::Interface);
            }
            StmtKind::Import { path, alias } => {
                if let Some(n) = alias.as_ref().or(path.first()) {
                    self.0.insert(n.name, TokenKind::Namespace);
                }
            }
            _ => {}
        }
        visit::walk_stmt(self, s);
    }
}

struct Walker {
    roles: Roles,
    /// The parameter names of the enclosing functions and lambdas, innermost last.
    params: Vec<HashSet<Sym>>,
    /// Inside a struct or niche block (a `def` there is a method).
    in_struct: bool,
}

impl Walker {
    fn set(&mut self, at: u32, kind: TokenKind) {
        self.roles.at.push((at, kind));
    }

    /// The kind of a name used in an expression.
    fn name_kind(&self, name: Sym, called: bool) -> TokenKind {
        if self.params.iter().any(|p| p.contains(&name)) {
            return TokenKind::Parameter;
        }
        match self.roles.globals.get(&name) {
            Some(&k) => k,
            None if called => TokenKind::Function,
            None => TokenKind::Variable,
        }
    }

    /// Marks the names of a decorator's (dotted) name.
    fn decorator_names(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Name { .. } => self.set(e.span.start, TokenKind::Decorator),
            ExprKind::Attribute { value, attr } => {
                self.decorator_names(value);
                self.set(attr.span.start, TokenKind::Decorator);
            }
            _ => {}
        }
    }

    fn with_params<'ast>(
        &mut self,
        params: impl Iterator<Item = &'ast Param>,
        f: impl FnOnce(&mut Self),
    ) {
        let set = params.map(|p| p.name.name).collect();
        self.params.push(set);
        f(self);
        self.params.pop();
    }
}

impl<'ast> Visitor<'ast> for Walker {
    fn visit_stmt(&mut self, s: &'ast Stmt) {
        match &s.kind {
            StmtKind::Import { path, alias } => {
                for n in path.iter().chain(alias) {
                    self.set(n.span.start, TokenKind::Namespace);
                }
            }
            StmtKind::FromImport { path, .. } => {
                for n in path {
                    self.set(n.span.start, TokenKind::Namespace);
                }
            }
            _ => {}
        }
        visit::walk_stmt(self, s);
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        match &e.kind {
            ExprKind::Name { scope: None, name } => {
                let k = self.name_kind(*name, false);
                self.set(e.span.start, k);
            }
            ExprKind::Call { func, args } => {
                match &func.kind {
                    ExprKind::Name { scope: None, name } => {
                        let k = self.name_kind(*name, true);
                        self.set(func.span.start, k);
                    }
                    ExprKind::Attribute { value, attr } => {
                        self.visit_expr(value);
                        let k = match &value.kind {
                            // `mod.f()`: a function of a module.
                            ExprKind::Name { scope: None, name }
                                if self.name_kind(*name, false) == TokenKind::Namespace =>
                            {
                                TokenKind::Function
                            }
                            _ => TokenKind::Method,
                        };
                        self.set(attr.span.start, k);
                    }
                    _ => self.visit_expr(func),
                }
                for a in args {
                    self.visit_arg(a);
                }
            }
            ExprKind::Attribute { value, attr } => {
                self.visit_expr(value);
                self.set(attr.span.start, TokenKind::Property);
            }
            _ => visit::walk_expr(self, e),
        }
    }

    fn visit_type(&mut self, ty: &'ast TypeExpr) {
        self.roles.types.push((ty.span.start, ty.span.end));
    }

    fn visit_function_def(&mut self, def: &'ast FunctionDef) {
        for d in &def.decorators {
            self.visit_decorator(d);
        }
        let method = self.in_struct || def.receiver.is_some();
        let kind = if method {
            TokenKind::Method
        } else {
            TokenKind::Function
        };
        self.set(def.name.span.start, kind);
        let was = std::mem::replace(&mut self.in_struct, false);
        self.with_params(def.receiver.iter().chain(&def.params), |w| {
            for p in def.receiver.iter().chain(&def.params) {
                w.visit_param(p);
            }
            if let Some(t) = &def.returns {
                w.visit_type(t);
            }
            match &def.body {
                dana_grammar::ast::FuncBody::Block(body) => w.visit_block(body),
                dana_grammar::ast::FuncBody::Pipeline(p) => w.visit_pipeline(p),
            }
        });
        self.in_struct = was;
    }

    fn visit_param(&mut self, p: &'ast Param) {
        self.set(p.name.span.start, TokenKind::Parameter);
        visit::walk_param(self, p);
    }

    fn visit_decorator(&mut self, d: &'ast Decorator) {
        self.decorator_names(&d.func);
        for a in d.args.iter().flatten() {
            self.visit_arg(a);
        }
    }

    fn visit_arg(&mut self, a: &'ast Arg) {
        if let ArgKind::Keyword(name, _) = &a.kind {
            self.set(name.span.start, TokenKind::Parameter);
        }
        visit::walk_arg(self, a);
    }

    fn visit_lambda(&mut self, l: &'ast Lambda) {
        self.with_params(l.receiver.iter().chain(&l.params), |w| {
            visit::walk_lambda(w, l)
        });
    }

    fn visit_struct_def(&mut self, d: &'ast StructDef) {
        self.set(d.name.span.start, TokenKind::Struct);
        let was = std::mem::replace(&mut self.in_struct, true);
        visit::walk_struct_def(self, d);
        self.in_struct = was;
    }

    fn visit_niche_def(&mut self, d: &'ast NicheDef) {
        self.set(d.name.span.start, TokenKind::Struct);
        let was = std::mem::replace(&mut self.in_struct, true);
        visit::walk_niche_def(self, d);
        self.in_struct = was;
    }

    fn visit_interface_def(&mut self, d: &'ast InterfaceDef) {
        self.set(d.name.span.start, TokenKind::Interface);
        for e in &d.embeds {
            self.set(e.span.start, TokenKind::Interface);
        }
        visit::walk_interface_def(self, d);
    }

    fn visit_field(&mut self, f: &'ast FieldDef) {
        self.set(f.name.span.start, TokenKind::Property);
        visit::walk_field(self, f);
    }

    fn visit_method_sig(&mut self, m: &'ast MethodSig) {
        self.set(m.name.span.start, TokenKind::Method);
        self.with_params(m.params.iter(), |w| visit::walk_method_sig(w, m));
    }
}
