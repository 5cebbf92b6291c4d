//! Imports (`import m`, `from m import x`, star imports) against the modules the options
//! describe, and the summary of the module that its own importers see.

use super::checker::{Checker, ExternalRef};
use super::diag::{Code, Diagnostic};
use super::flow::nonnever;
use super::scan;
use super::suggest::suggest;
use super::ty::Type;
use dana_grammar::ast::{self, Span, Sym};

impl<'o, 'a> Checker<'o, 'a> {
    // ---- imports ----

    pub(crate) fn module_type(&mut self, key: &str) -> Type {
        match self.opts.modules.get(key) {
            Some(_) => Type::Module(Sym::intern(key)),
            None => Type::Any,
        }
    }

    pub(crate) fn import(&mut self, path: &[ast::Ident], alias: Option<&ast::Ident>, span: Span) {
        let full = scan::dotted(0, path);
        self.refs.push(ExternalRef {
            name: full.clone(),
            span,
        });
        match alias {
            Some(a) => {
                let t = self.module_type(&full);
                self.bind(a.name, t, a.span);
            }
            None => {
                let first = path[0].name.as_str().to_string();
                let t = self.module_type(&first);
                self.bind(path[0].name, t, path[0].span);
            }
        }
    }

    pub(crate) fn import_from(
        &mut self,
        level: u32,
        path: &[ast::Ident],
        names: &[ast::ImportName],
        star: bool,
        span: Span,
    ) {
        let key = scan::dotted(level, path);
        let info = self.opts.modules.get(&key);
        if star {
            self.refs.push(ExternalRef {
                name: format!("{key}.*"),
                span,
            });
            if let Some(info) = info {
                let members: Vec<(String, Type)> = info
                    .members
                    .iter()
                    .filter(|(n, _)| !n.starts_with('_'))
                    .map(|(n, t)| (n.clone(), t.clone()))
                    .collect();
                for (n, t) in members {
                    self.bind(Sym::intern(&n), t, span);
                }
            }
            return;
        }
        for n in names {
            let member = n.name.name.as_str();
            self.refs.push(ExternalRef {
                name: format!("{key}.{member}"),
                span: n.name.span,
            });
            let bound = n.alias.unwrap_or(n.name);
            let t = match self.opts.modules.get(&key) {
                Some(info) => match info.members.get(member) {
                    Some(t) => t.clone(),
                    None => {
                        let sub = format!("{key}.{member}");
                        if self.opts.modules.contains_key(&sub) {
                            Type::Module(Sym::intern(&sub))
                        } else {
                            if info.complete {
                                let cands: Vec<&str> =
                                    info.members.keys().map(|s| s.as_str()).collect();
                                let mut d = Diagnostic::error(
                                    Code::UnknownMember,
                                    n.name.span,
                                    format!("cannot import name '{member}' from '{key}'"),
                                );
                                if let Some(s) = suggest(member, cands) {
                                    d = d.with_help(format!("did you mean '{s}'?"));
                                }
                                self.error_as(d, Some("ImportError"));
                            }
                            Type::Any
                        }
                    }
                },
                None => Type::Any,
            };
            self.bind(bound.name, t, bound.span);
        }
    }

    // ---- the summary importers see ----

    pub(crate) fn build_summary(&mut self) {
        let Some(scope) = self.scopes.first() else {
            return;
        };
        for (n, v) in &scope.vars {
            let t = v.declared.clone().unwrap_or_else(|| nonnever(&v.all));
            self.summary.members.insert(n.as_str().to_string(), t);
        }
        for st in self.structs.values() {
            self.summary.structs.push(st.clone());
        }
        for i in self.interfaces.values() {
            self.summary.interfaces.push(i.clone());
        }
    }
}
