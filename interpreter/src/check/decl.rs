//! Definitions: the pre-pass over structs, interfaces and receiver methods, the static types
//! of `def`s, and function bodies (parameters, the missing-return check, unused names), struct
//! blocks and pipelines.

use super::checker::{Checker, Deferred, Scope, Var};
use super::diag::{Code, Diagnostic};
use super::options::{FieldInfo, InterfaceInfo, StructInfo};
use super::scan::{self, arg_expr, BindKind};
use super::ty::{Compat, FnType, ParamT, Sig, Type};
use dana_grammar::ast::{
    self, ExprKind, FuncBody, FunctionDef, Module, ParamKind, Span, StmtKind, Sym,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

impl<'o, 'a> Checker<'o, 'a> {
    // ---- pre-pass: structs, interfaces, receiver methods, star imports ----

    pub(crate) fn prepass(&mut self, m: &'a Module) {
        let mut struct_defs: Vec<(Sym, &[ast::FieldDef], &[FunctionDef])> = Vec::new();
        let mut receivers: Vec<&FunctionDef> = Vec::new();
        let mut seen_structs: HashSet<Sym> = HashSet::new();
        scan::walk_stmts(&m.body, &mut |s| match &s.kind {
            StmtKind::Struct(d) => struct_defs.push((d.name.name, &d.fields, &d.methods)),
            StmtKind::Niche(d) => struct_defs.push((d.name.name, &d.fields, &d.methods)),
            StmtKind::Interface(d) => {
                self.interfaces.insert(
                    d.name.name,
                    InterfaceInfo {
                        name: d.name.name,
                        methods: d.methods.iter().map(|x| x.name.name).collect(),
                        embeds: d.embeds.iter().map(|x| x.name).collect(),
                    },
                );
            }
            StmtKind::FunctionDef(f) if f.receiver.is_some() => receivers.push(f),
            StmtKind::FromImport { star: true, .. } => self.star_import = true,
            _ => {}
        });
        // Imported structs first, so local definitions win.
        for (key, info) in &self.opts.modules {
            let _ = key;
            for s in &info.structs {
                self.structs.entry(s.name).or_insert_with(|| s.clone());
            }
            for i in &info.interfaces {
                self.interfaces.entry(i.name).or_insert_with(|| i.clone());
            }
        }
        // Names first (field types may mention structs declared later), then fields.
        for (name, _, _) in &struct_defs {
            if !seen_structs.insert(*name) {
                self.ambiguous_structs.insert(*name);
            }
            self.structs.insert(
                *name,
                StructInfo {
                    name: *name,
                    fields: Vec::new(),
                    methods: HashMap::new(),
                },
            );
        }
        for (name, fields, methods) in &struct_defs {
            let fs: Vec<FieldInfo> = fields
                .iter()
                .map(|f| FieldInfo {
                    name: f.name.name,
                    ty: f
                        .ann
                        .as_ref()
                        .map(|a| Type::from_ann(a, self))
                        .unwrap_or(Type::Any),
                    has_default: f.default.is_some(),
                })
                .collect();
            let mut ms = HashMap::new();
            for md in methods.iter() {
                self.method_names.insert(md.name.name);
                let ft = self.fn_type(md, true);
                ms.insert(md.name.name, strip_receiver(&ft, md));
            }
            if let Some(st) = self.structs.get_mut(name) {
                st.fields = fs;
                st.methods.extend(ms);
            }
        }
        for f in receivers {
            let Some(r) = &f.receiver else { continue };
            let ft = self.fn_type(f, false);
            let bound = strip_first(&ft);
            for n in r.ann.iter().flat_map(ann_names) {
                if let Some(st) = self.structs.get_mut(&n) {
                    st.methods.insert(f.name.name, bound.clone());
                }
            }
        }
    }

    pub(crate) fn interface_methods(
        &self,
        i: Sym,
        out: &mut Vec<Sym>,
        seen: &mut HashSet<Sym>,
    ) -> Option<()> {
        if !seen.insert(i) {
            return Some(());
        }
        let info = self.interfaces.get(&i)?;
        out.extend(info.methods.iter().copied());
        for e in &info.embeds {
            self.interface_methods(*e, out, seen)?;
        }
        Some(())
    }

    /// The static type of a `def` from its annotations (a struct-block method gets its struct
    /// as the type of a first parameter named `self`).
    pub(crate) fn fn_type(&self, f: &FunctionDef, in_struct_block: bool) -> Arc<FnType> {
        let mut params = Vec::new();
        let mut keyword_only = false;
        for p in f.receiver.iter().chain(f.params.iter()) {
            params.push(self.param_t(p, keyword_only));
            if p.kind == ParamKind::VarArgs {
                keyword_only = true;
            }
        }
        let _ = in_struct_block;
        let (ret, ret_annotated) = match &f.returns {
            Some(r) => (Type::from_ann(r, self), true),
            None => (Type::Any, false),
        };
        FnType::single(
            f.name.name.as_str(),
            Sig {
                params,
                ret,
                ret_annotated,
            },
            true,
        )
    }

    pub(crate) fn param_t(&self, p: &ast::Param, keyword_only: bool) -> ParamT {
        ParamT {
            name: p.name.name,
            ty: p
                .ann
                .as_ref()
                .map(|a| Type::from_ann(a, self))
                .unwrap_or(Type::Any),
            annotated: p.ann.is_some(),
            has_default: p.default.is_some(),
            kind: p.kind,
            keyword_only: keyword_only && p.kind == ParamKind::Normal,
        }
    }

    // ---- definitions ----

    pub(crate) fn function_def(&mut self, f: &'a FunctionDef, owner: Option<Sym>) {
        for p in f.receiver.iter().chain(f.params.iter()) {
            if let Some(d) = &p.default {
                self.infer(d);
            }
        }
        let mut decorated = false;
        for d in &f.decorators {
            // A host decorator that keeps the signature leaves the function's type as it is.
            let keeps_signature = matches!(&d.func.kind, ExprKind::Name { name, .. }
                if self.opts.host.decorators.iter().any(|k| k == name.as_str()));
            if !keeps_signature {
                decorated = true;
            }
            self.infer(&d.func);
            if let Some(args) = &d.args {
                for a in args {
                    self.infer(arg_expr(a));
                }
            }
        }
        let ft = self.fn_type(f, owner.is_some());
        let mut t = if decorated { Type::Any } else { Type::Func(ft) };
        // Receiver functions dispatch on the receiver's type: a def with a receiver adds an
        // overload to what the name already means (another receiver def, a builtin).
        if f.receiver.is_some() {
            if let Type::Func(new) = &t {
                let prior = self
                    .scopes
                    .last()
                    .and_then(|sc| sc.vars.get(&f.name.name))
                    .and_then(|v| v.cur.clone())
                    .or_else(|| self.builtins.get(&f.name.name).cloned());
                t = match prior {
                    Some(Type::Func(old)) => {
                        let mut merged = (*old).clone();
                        merged.sigs.extend(new.sigs.iter().cloned());
                        merged.user = merged.user || new.user;
                        Type::Func(Arc::new(merged))
                    }
                    Some(Type::Any) | None => t,
                    Some(_) => Type::Any,
                };
            }
        }
        if owner.is_none() {
            self.bind(f.name.name, t, f.name.span);
        }
        self.scope().deferred.push(Deferred { def: f, owner });
    }

    pub(crate) fn struct_body(
        &mut self,
        name: ast::Ident,
        fields: &'a [ast::FieldDef],
        methods: &'a [FunctionDef],
    ) {
        for fd in fields {
            if let Some(d) = &fd.default {
                let t = self.infer(d);
                if let Some(a) = &fd.ann {
                    let decl = Type::from_ann(a, self);
                    if t.compat(&decl, self) == Compat::No {
                        self.error(Diagnostic::error(
                            Code::AssignType,
                            d.span,
                            format!(
                                "{name}.{} must be {decl}, got {t}",
                                fd.name.name,
                                name = name.name
                            ),
                        ));
                    }
                }
            }
        }
        self.bind(name.name, Type::StructType(name.name), name.span);
        for m in methods {
            self.function_def(m, Some(name.name));
        }
    }

    /// Checks the deferred function bodies of the current scope (and, recursively, theirs).
    pub(crate) fn run_deferred(&mut self) {
        while let Some(d) = self.scope().deferred.pop() {
            self.function_body(d.def, d.owner);
        }
    }

    pub(crate) fn function_body(&mut self, f: &'a FunctionDef, owner: Option<Sym>) {
        let saved_catches = std::mem::take(&mut self.catches);
        let saved_reach = (self.fn_protect, self.in_lambda);
        let r = self.reach.get(&f.name.name).copied();
        self.fn_protect = r.map(|r| r.protect).unwrap_or(0);
        self.in_lambda = 0;
        let ft = self.fn_type(f, owner.is_some());
        let sig = ft.sigs[0].clone();
        let mut scope = Scope {
            module: false,
            vars: HashMap::new(),
            comps: Vec::new(),
            ret: sig.ret_annotated.then(|| sig.ret.clone()),
            fn_name: f.name.name.as_str().to_string(),
            deferred: Vec::new(),
        };
        let all_params: Vec<&ast::Param> = f.receiver.iter().chain(f.params.iter()).collect();
        for (i, p) in all_params.iter().enumerate() {
            let mut t = sig.params[i].ty.clone();
            if i == 0 && f.receiver.is_none() && p.name.name.as_str() == "self" && p.ann.is_none() {
                if let Some(o) = owner {
                    t = Type::Struct(o);
                }
            }
            t = match p.kind {
                ParamKind::VarArgs => Type::TupleOf(Box::new(t)),
                ParamKind::KwArgs => Type::dict(Type::Str, t),
                ParamKind::Normal => t,
            };
            let is_receiver = (i == 0 && f.receiver.is_some())
                || (i == 0 && owner.is_some() && p.name.name.as_str() == "self");
            if let Some(types) = &mut self.types {
                types.push((p.name.span, t.clone()));
            }
            scope.vars.insert(
                p.name.name,
                Var {
                    cur: Some(t.clone()),
                    all: t.clone(),
                    declared: p.ann.as_ref().map(|_| t.clone()),
                    span: p.name.span,
                    used: is_receiver,
                    param: true,
                    kind: BindKind::Other,
                },
            );
        }
        let mut names = Vec::new();
        match &f.body {
            FuncBody::Block(b) => scan::assigned_names(b, &mut names),
            FuncBody::Pipeline(p) => {
                for st in &p.stages {
                    pipeline_captures(st, &mut names);
                }
            }
        }
        scope.bind_all(names);
        // `global`/`nonlocal` names live in another scope: seen from here they are bound
        // (with no known type) and never "unused".
        if let FuncBody::Block(b) = &f.body {
            for (n, span, _) in crate::resolve::names::scope_decls(b) {
                let v = scope.vars.entry(n).or_insert(Var {
                    cur: None,
                    all: Type::Never,
                    declared: None,
                    span,
                    used: true,
                    param: false,
                    kind: BindKind::Other,
                });
                v.used = true;
                v.kind = BindKind::Other;
                // The enclosing binding is used through this declaration.
                if let Some(outer) = self
                    .scopes
                    .iter_mut()
                    .rev()
                    .find_map(|s| s.vars.get_mut(&n))
                {
                    outer.used = true;
                }
            }
        }
        self.scopes.push(scope);
        match &f.body {
            FuncBody::Block(b) => {
                let falls_through = self.block(b);
                if falls_through {
                    if let Some(r) = self.scope().ret.clone() {
                        if Type::None.compat(&r, self) == Compat::No {
                            self.error(
                                Diagnostic::error(
                                    Code::MissingReturn,
                                    f.header_span,
                                    format!(
                                        "{}() is declared to return {r} but can reach its end without a return (it would return None)",
                                        f.name.name
                                    ),
                                )
                                .with_help(format!(
                                    "add a return on every path, or declare '-> {r} | None'"
                                )),
                            );
                        }
                    }
                }
            }
            FuncBody::Pipeline(p) => {
                for st in &p.stages {
                    self.pipe_stage(st);
                }
            }
        }
        self.run_deferred();
        let scope = self.scopes.pop().expect("pushed above");
        let stub = match &f.body {
            FuncBody::Block(b) => scan::is_stub_body(b),
            FuncBody::Pipeline(_) => true,
        };
        let mut unused: Vec<(Span, Diagnostic)> = Vec::new();
        for (n, v) in &scope.vars {
            if v.used || n.as_str().starts_with('_') {
                continue;
            }
            if v.param {
                if !stub && f.decorators.is_empty() {
                    unused.push((
                        v.span,
                        Diagnostic::warning(
                            Code::UnusedParameter,
                            v.span,
                            format!("parameter '{n}' of {}() is never used", f.name.name),
                        )
                        .with_help(format!("prefix it with '_' ('_{n}') if that is on purpose")),
                    ));
                }
            } else if v.kind == BindKind::Assign {
                unused.push((
                    v.span,
                    Diagnostic::warning(
                        Code::UnusedVariable,
                        v.span,
                        format!("local variable '{n}' is assigned but never read"),
                    ),
                ));
            }
        }
        unused.sort_by_key(|(s, _)| s.start);
        for (_, d) in unused {
            self.warn(d);
        }
        self.catches = saved_catches;
        (self.fn_protect, self.in_lambda) = saved_reach;
    }

    pub(crate) fn pipe_stage(&mut self, st: &ast::PipeStage) {
        match &st.kind {
            ast::PipeStageKind::Expr(e) => match &e.kind {
                // A partial stage: the value goes in as an extra argument, so no arity check.
                ExprKind::Call { func, args } => {
                    self.infer(func);
                    for a in args {
                        self.infer(arg_expr(a));
                    }
                }
                _ => {
                    self.infer(e);
                }
            },
            ast::PipeStageKind::FanOut(v) => {
                for s in v {
                    self.pipe_stage(s);
                }
            }
        }
        if let Some(c) = st.capture {
            self.bind(c.name, Type::Any, c.span);
            if let Some(v) = self.scope().vars.get_mut(&c.name) {
                v.used = true;
            }
        }
    }
}

fn pipeline_captures(st: &ast::PipeStage, out: &mut Vec<(Sym, Span, BindKind)>) {
    if let Some(c) = st.capture {
        out.push((c.name, c.span, BindKind::Other));
    }
    if let ast::PipeStageKind::FanOut(v) = &st.kind {
        for s in v {
            pipeline_captures(s, out);
        }
    }
}

fn ann_names(t: &ast::TypeExpr) -> Vec<Sym> {
    match &t.kind {
        ast::TypeExprKind::Name(n) | ast::TypeExprKind::Generic(n, _) => vec![*n],
        ast::TypeExprKind::Union(v) => v.iter().flat_map(ann_names).collect(),
        ast::TypeExprKind::None => vec![],
    }
}

/// A struct-block method as seen through an instance: without `self`.
fn strip_receiver(ft: &Arc<FnType>, md: &FunctionDef) -> Arc<FnType> {
    // In a struct block the first parameter is the receiver, whatever its name (the runtime
    // passes the instance first).
    let has_self = md.receiver.is_some() || !md.params.is_empty();
    if has_self {
        strip_first(ft)
    } else {
        ft.clone()
    }
}

fn strip_first(ft: &Arc<FnType>) -> Arc<FnType> {
    let mut f = (**ft).clone();
    for s in &mut f.sigs {
        if !s.params.is_empty() {
            s.params.remove(0);
        }
    }
    Arc::new(f)
}
