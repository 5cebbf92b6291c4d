//! Names and flow types: the current scope, reading and binding names (builtins, host names
//! and globals from the options last), declared types, and the snapshots and joins of flow
//! types across branches and loops.

use super::checker::{Checker, Scope, Var};
use super::diag::{Code, Diagnostic};
use super::scan::{self, BindKind};
use super::suggest::suggest;
use super::ty::Type;
use dana_grammar::ast::{Span, Stmt, Sym};
use std::collections::HashMap;

impl<'o, 'a> Checker<'o, 'a> {
    // ---- scopes and names ----

    pub(crate) fn scope(&mut self) -> &mut Scope<'a> {
        self.scopes.last_mut().expect("a scope is always pushed")
    }

    /// Resolves a read of an unscoped name: its type, and marks it used.
    pub(crate) fn read_name(&mut self, name: Sym, span: Span) -> Type {
        match self.lookup(name, true) {
            Some(t) => t,
            None => {
                if !self.star_import {
                    let mut d = Diagnostic::error(
                        Code::UndefinedName,
                        span,
                        format!("name '{name}' is not defined"),
                    );
                    if let Some(s) = self.suggest_name(name) {
                        d = d.with_help(format!("did you mean '{s}'?"));
                    }
                    self.error(d);
                }
                Type::Any
            }
        }
    }

    /// The type of a name, or `None` when nothing binds it.
    pub(crate) fn lookup(&mut self, name: Sym, mark_used: bool) -> Option<Type> {
        let depth = self.scopes.len();
        for i in (0..depth).rev() {
            let innermost = i + 1 == depth;
            let scope = &mut self.scopes[i];
            // Comprehension variables of an enclosing scope are visible to a lambda written
            // inside the comprehension (deferred function bodies run after it, when the
            // enclosing comprehension stack is empty again).
            for c in scope.comps.iter().rev() {
                if let Some(t) = c.get(&name) {
                    return Some(t.clone());
                }
            }
            if let Some(v) = scope.vars.get_mut(&name) {
                if mark_used {
                    v.used = true;
                }
                let t = if innermost {
                    v.cur.clone().unwrap_or_else(|| nonnever(&v.all))
                } else {
                    v.declared.clone().unwrap_or_else(|| nonnever(&v.all))
                };
                return Some(t);
            }
        }
        if self.scoped.contains(&name) || self.method_names.contains(&name) {
            return Some(Type::Any);
        }
        if let Some(t) = self.extra.get(&name) {
            return Some(t.clone());
        }
        if let Some(t) = self.builtins.get(&name) {
            let t = t.clone();
            return Some(t);
        }
        None
    }

    /// `true` when `name` resolves to a builtin (not shadowed by the module).
    pub(crate) fn is_builtin_ref(&self, name: Sym) -> bool {
        !self
            .scopes
            .iter()
            .any(|s| s.vars.contains_key(&name) || s.comps.iter().any(|c| c.contains_key(&name)))
            && !self.scoped.contains(&name)
            && !self.method_names.contains(&name)
            && !self.extra.contains_key(&name)
            && self.builtins.contains_key(&name)
    }

    pub(crate) fn suggest_name(&self, name: Sym) -> Option<String> {
        let mut cands: Vec<&'static str> = Vec::new();
        for s in &self.scopes {
            cands.extend(s.vars.keys().map(|k| k.as_str()));
            for c in &s.comps {
                cands.extend(c.keys().map(|k| k.as_str()));
            }
        }
        cands.extend(self.builtins.keys().map(|k| k.as_str()));
        cands.extend(self.extra.keys().map(|k| k.as_str()));
        suggest(name.as_str(), cands).map(str::to_string)
    }

    /// Binds a plain name in the current scope (comprehension variables included).
    pub(crate) fn bind(&mut self, name: Sym, t: Type, span: Span) {
        if let Some(types) = &mut self.types {
            types.push((span, t.clone()));
        }
        let scope = self.scope();
        if let Some(slot) = scope.comps.last_mut().and_then(|c| c.get_mut(&name)) {
            *slot = t;
            return;
        }
        match scope.vars.get_mut(&name) {
            Some(v) => {
                let t = match &v.declared {
                    Some(d) => d.clone(),
                    None => t,
                };
                v.all = Type::join(&v.all, &t);
                v.cur = Some(t);
            }
            None => {
                scope.vars.insert(
                    name,
                    Var {
                        cur: Some(t.clone()),
                        all: t,
                        declared: None,
                        span,
                        used: false,
                        param: false,
                        kind: BindKind::Other,
                    },
                );
            }
        }
    }

    pub(crate) fn declared_type(&self, name: Sym) -> Option<Type> {
        let s = self.scopes.last()?;
        if s.comps.iter().any(|c| c.contains_key(&name)) {
            return None;
        }
        s.vars.get(&name).and_then(|v| v.declared.clone())
    }

    pub(crate) fn declare(&mut self, name: Sym, t: Type, span: Span) {
        if let Some(types) = &mut self.types {
            types.push((span, t.clone()));
        }
        let scope = self.scope();
        let v = scope.vars.entry(name).or_insert(Var {
            cur: None,
            all: Type::Never,
            declared: None,
            span,
            used: false,
            param: false,
            kind: BindKind::Assign,
        });
        v.declared = Some(t.clone());
        v.all = Type::join(&v.all, &t);
        v.cur = Some(t);
    }

    /// Snapshot of the current scope's flow types (for branches).
    pub(crate) fn snapshot(&mut self) -> HashMap<Sym, Option<Type>> {
        self.scope()
            .vars
            .iter()
            .map(|(k, v)| (*k, v.cur.clone()))
            .collect()
    }

    pub(crate) fn restore(&mut self, snap: &HashMap<Sym, Option<Type>>) {
        for (k, v) in self.scope().vars.iter_mut() {
            if let Some(t) = snap.get(k) {
                v.cur = t.clone();
            }
        }
    }

    /// Sets each variable's flow type to the join over the snapshots of the paths that reach
    /// this point (an unassigned path contributes nothing).
    pub(crate) fn merge(&mut self, paths: &[HashMap<Sym, Option<Type>>]) {
        if paths.is_empty() {
            return;
        }
        for (k, v) in self.scope().vars.iter_mut() {
            let mut acc: Option<Type> = None;
            for p in paths {
                if let Some(Some(t)) = p.get(k) {
                    acc = Some(match acc {
                        None => t.clone(),
                        Some(a) => Type::join(&a, t),
                    });
                }
            }
            v.cur = acc;
        }
    }

    /// Loop bodies run any number of times: names they assign lose their flow type.
    pub(crate) fn widen_assigned(&mut self, body: &[Stmt]) {
        let mut names = Vec::new();
        scan::assigned_names(body, &mut names);
        let scope = self.scope();
        for (n, _, _) in names {
            if let Some(v) = scope.vars.get_mut(&n) {
                if v.declared.is_none() {
                    v.cur = Some(Type::Any);
                }
            }
        }
    }
}

pub(crate) fn nonnever(t: &Type) -> Type {
    if *t == Type::Never {
        Type::Any
    } else {
        t.clone()
    }
}
