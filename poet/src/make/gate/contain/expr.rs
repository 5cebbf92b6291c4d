//! The containment audit's reads: how a name resolves (local, the module's own, the program's,
//! free), what a read or a uniform call of it may do, what a value is rooted in, and the walk
//! over expressions.

use super::{Audit, Res, Scope, HELP_CALLS, HELP_WRITES, MUTATING_METHODS, SHARING_METHODS};
use crate::make::gate::names::{scope_text, target_names, Own};
use crate::make::gate::program::Binding;
use dana_grammar::ast::{self, Arg, ArgKind, Expr, ExprKind, FPart, ScopeKind, Span, Sym};
use dana_interpreter::check::expect::allowed;
use dana_interpreter::check::Code;

impl<'a> Audit<'a> {
    // ---- names ----

    pub(super) fn resolve(&self, name: Sym) -> Res<'a> {
        for s in self.scopes.iter().rev() {
            if s.locals.contains(&name) {
                return Res::Local {
                    tainted: s.tainted.contains(&name),
                };
            }
        }
        if let Some(k) = self.own.get(&name) {
            return Res::Own(*k);
        }
        match self.cx.and_then(|cx| cx.program.get(name.as_str())) {
            Some(b) => Res::Program(b),
            None => Res::Free,
        }
    }

    /// A plain name read.
    pub(super) fn read(&mut self, name: Sym, span: Span) {
        match self.resolve(name) {
            Res::Local { .. } => {}
            Res::Own(_) => {}
            Res::Program(b) => self.program_ref(name.as_str(), b, span),
            Res::Free => {
                if self.cx.is_none() {
                    self.free.insert(name.as_str().to_string());
                }
            }
        }
    }

    /// A read of a program global: the code it runs must be code the module may run.
    pub(super) fn program_ref(&mut self, name: &str, b: &Binding, span: Span) {
        let Some(cx) = self.cx else {
            self.free.insert(name.to_string());
            return;
        };
        if cx.original_free.contains(name) {
            return;
        }
        let message = match b {
            Binding::Function => {
                format!("'{name}' is a program function that the original does not call")
            }
            Binding::BoundMethod => {
                format!("'{name}' is a method bound to a program value, which the original does not use")
            }
            Binding::Builtin(real) if !allowed(cx.allow, real) => {
                if real == name {
                    format!("'{name}' is not in the allowlist of this module")
                } else {
                    format!("'{name}' is the builtin '{real}', which is not in the allowlist of this module")
                }
            }
            Binding::ModuleMember { module, member }
                if !allowed(cx.allow, &format!("{module}.{member}")) =>
            {
                format!(
                    "'{name}' is '{module}.{member}', which is not in the allowlist of this module"
                )
            }
            _ => return,
        };
        self.refuse(Code::ForbiddenCall, span, message, HELP_CALLS);
    }

    /// `x.f(...)` where `f` is no method that any value here has: Dana calls the function `f`
    /// in scope with `x` first.
    pub(super) fn uniform_call(&mut self, attr: &ast::Ident) {
        if self.methods.contains(attr.name.as_str()) {
            return;
        }
        match self.resolve(attr.name) {
            Res::Local { .. } | Res::Own(_) => {}
            Res::Program(b) => self.program_ref(attr.name.as_str(), b, attr.span),
            Res::Free => {
                let n = attr.name.as_str();
                match self.cx {
                    None => {
                        self.free.insert(n.to_string());
                    }
                    Some(cx) => {
                        if self.builtins.contains(n)
                            && !allowed(cx.allow, n)
                            && !cx.original_free.contains(n)
                        {
                            self.refuse(
                                Code::ForbiddenCall,
                                attr.span,
                                format!("'.{n}()' calls the builtin '{n}', which is not in the allowlist of this module"),
                                HELP_CALLS,
                            );
                        }
                    }
                }
            }
        }
    }

    /// The program value (or shared name, or module) an expression is part of, if any.
    pub(super) fn root(&self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Name {
                scope: Some(sc @ (ScopeKind::Public | ScopeKind::Private | ScopeKind::System)),
                name,
            } => Some(format!("{}:{name}", scope_text(*sc))),
            ExprKind::Name { name, .. } => match self.resolve(*name) {
                Res::Local { tainted: true } | Res::Own(Own::Import) | Res::Program(_) => {
                    Some(name.as_str().to_string())
                }
                Res::Free
                    if self.cx.is_none()
                        || name.as_str() == "_original"
                        || self.builtins.contains(name.as_str()) =>
                {
                    Some(name.as_str().to_string())
                }
                _ => None,
            },
            ExprKind::Attribute { value, .. } | ExprKind::Index { value, .. } => self.root(value),
            ExprKind::Call { func, .. } => match &func.kind {
                ExprKind::Attribute { value, attr }
                    if SHARING_METHODS.contains(&attr.name.as_str()) =>
                {
                    self.root(value)
                }
                _ => None,
            },
            ExprKind::IfExp { body, orelse, .. } => self.root(body).or_else(|| self.root(orelse)),
            _ => None,
        }
    }

    /// `true` when `e` is a module or a member chain of one (`json`, `pkg.sub`).
    pub(super) fn module_rooted(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name { scope: None, name } => match self.resolve(*name) {
                Res::Own(Own::Import) | Res::Program(Binding::Module(_)) => true,
                Res::Local { .. } => self
                    .scopes
                    .iter()
                    .rev()
                    .find(|s| s.locals.contains(name))
                    .is_some_and(|s| s.imported.contains(name)),
                _ => false,
            },
            ExprKind::Attribute { value, .. } => self.module_rooted(value),
            _ => false,
        }
    }

    // ---- expressions ----

    pub(super) fn args<'e>(&mut self, args: impl IntoIterator<Item = &'e Arg>) {
        for a in args {
            match &a.kind {
                ArgKind::Positional(e)
                | ArgKind::Keyword(_, e)
                | ArgKind::Star(e)
                | ArgKind::StarStar(e) => self.expr(e),
            }
        }
    }

    pub(super) fn exprs(&mut self, v: &[Expr]) {
        for e in v {
            self.expr(e);
        }
    }

    pub(super) fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Name {
                scope: None | Some(ScopeKind::Local),
                name,
            } => self.read(*name, e.span),
            ExprKind::Call { func, args } => {
                match &func.kind {
                    ExprKind::Attribute { value, attr } if !self.module_rooted(value) => {
                        let m = attr.name.as_str();
                        if MUTATING_METHODS.contains(&m) {
                            if let Some(root) = self.root(value) {
                                self.refuse_write(
                                    attr.span,
                                    format!(
                                        "'.{m}()' changes '{root}', which belongs to the program"
                                    ),
                                    HELP_WRITES,
                                );
                            }
                        }
                        self.uniform_call(attr);
                        self.expr(value);
                    }
                    _ => self.expr(func),
                }
                self.args(args);
            }
            ExprKind::FString(parts) => self.fparts(parts),
            ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => self.exprs(v),
            ExprKind::Dict(v) => {
                for (k, x) in v {
                    self.expr(k);
                    self.expr(x);
                }
            }
            ExprKind::ListComp { elt, gens } | ExprKind::SetComp { elt, gens } => {
                self.comprehension(gens, &[elt]);
            }
            ExprKind::DictComp { key, value, gens } => self.comprehension(gens, &[key, value]),
            ExprKind::Lambda(l) => {
                let mut scope = Scope::default();
                for p in l.receiver.iter().chain(&l.params) {
                    if let Some(d) = &p.default {
                        self.expr(d);
                    }
                    scope.locals.insert(p.name.name);
                }
                self.scopes.push(scope);
                self.expr(&l.body);
                self.scopes.pop();
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test);
                self.expr(body);
                self.expr(orelse);
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) | ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Not(x) | ExprKind::Unary(_, x) | ExprKind::Starred(x) => self.expr(x),
            ExprKind::NamedExpr { target, value } => {
                self.expr(value);
                let taint = self.root(value).is_some();
                self.store(target, taint);
            }
            ExprKind::Compare { left, ops } => {
                self.expr(left);
                for (_, x) in ops {
                    self.expr(x);
                }
            }
            ExprKind::Attribute { value, .. } => self.expr(value),
            ExprKind::Index { value, index } => {
                self.expr(value);
                self.expr(index);
            }
            ExprKind::Slice { lower, upper, step } => {
                for x in [lower, upper, step].into_iter().flatten() {
                    self.expr(x);
                }
            }
            ExprKind::Name { .. }
            | ExprKind::Int(_)
            | ExprKind::BigInt(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Placeholder => {}
        }
    }

    pub(super) fn fparts(&mut self, parts: &[FPart]) {
        for p in parts {
            if let FPart::Expr { expr, spec, .. } = p {
                self.expr(expr);
                if let Some(s) = spec {
                    self.fparts(s);
                }
            }
        }
    }

    /// The first iterable is read outside; the loop variables are local to the rest.
    pub(super) fn comprehension(&mut self, gens: &[ast::Comprehension], elts: &[&Expr]) {
        let Some(first) = gens.first() else {
            for e in elts {
                self.expr(e);
            }
            return;
        };
        self.expr(&first.iter);
        let mut scope = Scope::default();
        for g in gens {
            target_names(&g.target, &mut scope.locals);
        }
        self.scopes.push(scope);
        for (i, g) in gens.iter().enumerate() {
            if i > 0 {
                self.expr(&g.iter);
            }
            self.exprs(&g.ifs);
        }
        for e in elts {
            self.expr(e);
        }
        self.scopes.pop();
    }
}
