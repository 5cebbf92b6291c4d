//! The checker: scopes, name resolution and statements. Expressions are in `expr.rs`, calls
//! in `call.rs`.

use super::diag::{Code, Diagnostic, Severity};
use super::scan::{self, BindKind};
use super::ty::{FnType, NameKinds, ParamT, Sig, Type, TypeWorld};
use super::{CheckOptions, FieldInfo, InterfaceInfo, ModuleInfo, StructInfo};
use dana_grammar::ast::{
    self, Expr, ExprKind, FuncBody, FunctionDef, Module, ParamKind, ScopeKind, Span, Stmt,
    StmtKind, Sym,
};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// A name bound in a scope.
#[derive(Clone, Debug)]
pub(crate) struct Var {
    /// The type at the current point of the flow (`None`: not assigned yet on this path).
    pub cur: Option<Type>,
    /// The join of every type assigned anywhere in the scope (what closures and functions see).
    pub all: Type,
    /// The declared type (`x: T = …`, an annotated parameter).
    pub declared: Option<Type>,
    pub span: Span,
    pub used: bool,
    pub param: bool,
    pub kind: BindKind,
}

pub(crate) struct Scope<'a> {
    pub module: bool,
    pub vars: HashMap<Sym, Var>,
    /// Comprehension variables, innermost last.
    pub comps: Vec<HashMap<Sym, Type>>,
    /// The declared return type (`None`: unannotated, anything goes).
    pub ret: Option<Type>,
    pub fn_name: String,
    /// Nested function bodies, checked when this scope's own body is done.
    pub deferred: Vec<Deferred<'a>>,
}

impl Scope<'_> {
    /// Declares the names a body binds (first binding wins), not yet typed or used.
    fn bind_all(&mut self, names: Vec<(Sym, Span, BindKind)>) {
        for (n, span, kind) in names {
            self.vars.entry(n).or_insert(Var {
                cur: None,
                all: Type::Never,
                declared: None,
                span,
                used: false,
                param: false,
                kind,
            });
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) struct Deferred<'a> {
    pub def: &'a FunctionDef,
    /// The struct whose block defines the method (`self` gets its type).
    pub owner: Option<Sym>,
}

/// A reference to a name from outside the module (builtins, module members), for POET's
/// allowlist.
#[derive(Clone, Debug)]
pub(crate) struct ExternalRef {
    pub name: String,
    pub span: Span,
}

pub(crate) struct Checker<'o, 'a> {
    pub opts: &'o CheckOptions,
    pub diags: Vec<Diagnostic>,
    pub summary: ModuleInfo,
    pub structs: HashMap<Sym, StructInfo>,
    pub interfaces: HashMap<Sym, InterfaceInfo>,
    pub scopes: Vec<Scope<'a>>,
    /// `private:`/`public:`/`system:` names mentioned anywhere.
    pub scoped: HashSet<Sym>,
    /// Names of struct-block methods (callable as plain functions too).
    pub method_names: HashSet<Sym>,
    pub star_import: bool,
    /// Exception names each enclosing `try` catches (`*` for all), innermost last.
    pub catches: Vec<Vec<&'static str>>,
    /// While > 0, diagnostics are dropped (unreachable code).
    pub silent: u32,
    pub builtins: HashMap<Sym, Type>,
    pub extra: HashMap<Sym, Type>,
    pub refs: Vec<ExternalRef>,
    /// Struct names declared in more than one place (their static type is not trusted).
    ambiguous_structs: HashSet<Sym>,
    /// What the module's call sites tell about each function (see `reach.rs`).
    reach: HashMap<Sym, super::reach::Reach>,
    /// The exceptions every caller of the function being checked catches.
    fn_protect: super::reach::Protect,
    /// Nothing calls the function being checked.
    fn_uncalled: bool,
    /// Depth of lambda bodies being checked.
    pub in_lambda: u32,
}

impl NameKinds for Checker<'_, '_> {
    fn is_struct(&self, n: Sym) -> bool {
        self.structs.contains_key(&n) && !self.ambiguous_structs.contains(&n)
    }
    fn is_interface(&self, n: Sym) -> bool {
        self.interfaces.contains_key(&n)
    }
}

impl TypeWorld for Checker<'_, '_> {
    fn satisfies(&self, s: Sym, i: Sym) -> Option<bool> {
        let st = self.structs.get(&s)?;
        let mut needed = Vec::new();
        let mut seen = HashSet::new();
        self.interface_methods(i, &mut needed, &mut seen)?;
        let missing = needed
            .iter()
            .any(|m| !st.methods.contains_key(m) && st.field(*m).is_none());
        if !missing {
            return Some(true);
        }
        if st.delegates().next().is_some() {
            return None;
        }
        Some(false)
    }
}

impl<'o, 'a> Checker<'o, 'a> {
    pub(crate) fn run(m: &'a Module, opts: &'o CheckOptions) -> Checker<'o, 'a> {
        let mut c = Checker {
            opts,
            diags: Vec::new(),
            summary: ModuleInfo::default(),
            structs: HashMap::new(),
            interfaces: HashMap::new(),
            scopes: Vec::new(),
            scoped: scan::scoped_names(m).into_iter().collect(),
            method_names: HashSet::new(),
            star_import: false,
            catches: Vec::new(),
            silent: 0,
            builtins: builtin_types(),
            extra: opts
                .globals
                .iter()
                .map(|(n, t)| (Sym::intern(n), t.clone()))
                .collect(),
            refs: Vec::new(),
            ambiguous_structs: HashSet::new(),
            reach: super::reach::analyse(m),
            fn_protect: 0,
            fn_uncalled: false,
            in_lambda: 0,
        };
        c.prepass(m);
        let mut scope = Scope {
            module: true,
            vars: HashMap::new(),
            comps: Vec::new(),
            ret: None,
            fn_name: "<module>".into(),
            deferred: Vec::new(),
        };
        let mut names = Vec::new();
        scan::assigned_names(&m.body, &mut names);
        scope.bind_all(names);
        c.scopes.push(scope);
        c.block(&m.body);
        c.run_deferred();
        c.build_summary();
        c.diags
            .sort_by_key(|d| (d.span.start, d.severity, d.span.end));
        c.diags.dedup();
        c
    }

    // ---- pre-pass: structs, interfaces, receiver methods, star imports ----

    fn prepass(&mut self, m: &'a Module) {
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

    fn interface_methods(&self, i: Sym, out: &mut Vec<Sym>, seen: &mut HashSet<Sym>) -> Option<()> {
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
    pub(crate) fn fn_type(&self, f: &FunctionDef, in_struct_block: bool) -> Rc<FnType> {
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

    // ---- diagnostics ----

    /// Records an error, or a warning when an enclosing `try` catches the exception the error
    /// predicts (the program expects the failure), or nothing in unreachable code.
    pub(crate) fn error(&mut self, d: Diagnostic) {
        self.error_as(d, None)
    }

    pub(crate) fn error_as(&mut self, mut d: Diagnostic, exc: Option<&str>) {
        if self.silent > 0 {
            return;
        }
        let exc = exc.or(d.code.predicted_exception());
        if d.severity == Severity::Error {
            let bit = exc.map(super::reach::bit_of).unwrap_or(0);
            let why = if exc.is_some_and(|e| self.caught(e)) {
                Some("an enclosing try catches it")
            } else if bit & self.fn_protect != 0 {
                Some("every caller of this function catches it")
            } else if self.in_lambda > 0 && exc.is_some() {
                Some("inside a lambda: it fails only when the lambda runs")
            } else if d.code == Code::UndefinedName && self.fn_uncalled && !self.opts.strict_names {
                Some("nothing in this module calls this function")
            } else {
                None
            };
            if let Some(why) = why {
                d.severity = Severity::Warning;
                d.message.push_str(&format!(" ({why})"));
            }
        }
        if d.severity == Severity::Warning && self.opts.no_warnings {
            return;
        }
        self.diags.push(d);
    }

    pub(crate) fn warn(&mut self, d: Diagnostic) {
        if self.silent > 0 || self.opts.no_warnings {
            return;
        }
        self.diags.push(d);
    }

    fn caught(&self, exc: &str) -> bool {
        let family: &[&str] = match exc {
            "TypeError" => &["TypeError"],
            "NameError" => &["NameError"],
            "AttributeError" => &["AttributeError"],
            "ImportError" => &["ImportError"],
            _ => &[],
        };
        self.catches.iter().any(|set| {
            set.iter()
                .any(|c| *c == "*" || *c == "Exception" || family.contains(c))
        })
    }

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

    fn suggest_name(&self, name: Sym) -> Option<String> {
        let mut cands: Vec<&'static str> = Vec::new();
        for s in &self.scopes {
            cands.extend(s.vars.keys().map(|k| k.as_str()));
            for c in &s.comps {
                cands.extend(c.keys().map(|k| k.as_str()));
            }
        }
        cands.extend(self.builtins.keys().map(|k| k.as_str()));
        cands.extend(self.extra.keys().map(|k| k.as_str()));
        super::suggest(name.as_str(), cands).map(str::to_string)
    }

    /// Binds a plain name in the current scope (comprehension variables included).
    pub(crate) fn bind(&mut self, name: Sym, t: Type, span: Span) {
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

    fn declare(&mut self, name: Sym, t: Type, span: Span) {
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
    fn snapshot(&mut self) -> HashMap<Sym, Option<Type>> {
        self.scope()
            .vars
            .iter()
            .map(|(k, v)| (*k, v.cur.clone()))
            .collect()
    }

    fn restore(&mut self, snap: &HashMap<Sym, Option<Type>>) {
        for (k, v) in self.scope().vars.iter_mut() {
            if let Some(t) = snap.get(k) {
                v.cur = t.clone();
            }
        }
    }

    /// Sets each variable's flow type to the join over the snapshots of the paths that reach
    /// this point (an unassigned path contributes nothing).
    fn merge(&mut self, paths: &[HashMap<Sym, Option<Type>>]) {
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
    fn widen_assigned(&mut self, body: &[Stmt]) {
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

    // ---- statements ----

    /// Checks a block; returns `true` when its end can be reached.
    pub(crate) fn block(&mut self, body: &'a [Stmt]) -> bool {
        let mut live = true;
        let mut warned = false;
        for s in body {
            if !live && !warned {
                warned = true;
                self.warn(Diagnostic::warning(
                    Code::Unreachable,
                    s.span,
                    "unreachable code",
                ));
                self.silent += 1;
            }
            let ft = self.stmt(s);
            live = live && ft;
        }
        if warned {
            self.silent -= 1;
        }
        live
    }

    fn stmt(&mut self, s: &'a Stmt) -> bool {
        match &s.kind {
            StmtKind::Expr(e) => {
                self.infer(e);
                true
            }
            StmtKind::Assign { targets, value } => {
                let t = self.infer(value);
                for target in targets {
                    self.assign(target, &t, value, false);
                }
                true
            }
            StmtKind::TypedAssign { target, ann, value } => {
                self.typed_assign(target, ann, value.as_ref(), s.span);
                true
            }
            StmtKind::AugAssign { target, op, value } => {
                let cur = self.infer(target);
                let v = self.infer(value);
                let t = self.binary_type(*op, &cur, &v);
                self.assign(target, &t, value, true);
                true
            }
            StmtKind::If { cond, body, orelse } => {
                self.infer(cond);
                // `if False:` / `if True: … else:` bodies never run: checked silently.
                let (dead_body, dead_else) = match cond.kind {
                    ExprKind::Bool(b) => (!b, b),
                    _ => (false, false),
                };
                let before = self.snapshot();
                self.silent += u32::from(dead_body);
                let ft_body = self.block(body) && !dead_body;
                self.silent -= u32::from(dead_body);
                let after_body = self.snapshot();
                self.restore(&before);
                self.silent += u32::from(dead_else);
                let ft_else = self.block(orelse) && !dead_else;
                self.silent -= u32::from(dead_else);
                let after_else = self.snapshot();
                let mut paths = Vec::new();
                if ft_body {
                    paths.push(after_body);
                }
                if ft_else {
                    paths.push(after_else);
                }
                self.merge(&paths);
                ft_body || ft_else
            }
            StmtKind::While { cond, body, orelse } => {
                self.widen_assigned(body);
                self.widen_assigned(orelse);
                self.infer(cond);
                let dead = matches!(cond.kind, ExprKind::Bool(false));
                self.silent += u32::from(dead);
                self.block(body);
                self.silent -= u32::from(dead);
                self.block(orelse);
                let forever = matches!(cond.kind, ExprKind::Bool(true));
                !forever || scan::has_break(body)
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                let it = self.infer(iter);
                self.widen_assigned(body);
                self.widen_assigned(orelse);
                let item = it.item_type();
                self.bind_target(target, &item);
                self.block(body);
                self.block(orelse);
                true
            }
            StmtKind::FunctionDef(f) => {
                self.function_def(f, None);
                true
            }
            StmtKind::Return(value) => {
                self.ret(value.as_ref(), s.span);
                false
            }
            StmtKind::Pass => true,
            StmtKind::Break | StmtKind::Continue => false,
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => self.try_stmt(body, handlers, orelse, finalbody),
            StmtKind::Raise { exc, cause } => {
                if let Some(e) = exc {
                    self.infer(e);
                }
                if let Some(c) = cause {
                    self.infer(c);
                }
                false
            }
            StmtKind::Assert { test, msg } => {
                self.infer(test);
                if let Some(m) = msg {
                    self.infer(m);
                }
                !matches!(test.kind, ExprKind::Bool(false))
            }
            StmtKind::Import { path, alias } => {
                self.import(path, alias.as_ref(), s.span);
                true
            }
            StmtKind::FromImport {
                level,
                path,
                names,
                star,
            } => {
                self.import_from(*level, path, names, *star, s.span);
                true
            }
            StmtKind::Struct(d) => {
                self.struct_body(d.name, &d.fields, &d.methods);
                true
            }
            StmtKind::Niche(d) => {
                self.struct_body(d.name, &d.fields, &d.methods);
                true
            }
            StmtKind::Interface(d) => {
                for e in &d.embeds {
                    self.read_name(e.name, e.span);
                }
                self.bind(d.name.name, Type::Opaque(d.name.name), d.name.span);
                true
            }
            StmtKind::With { items, body } => {
                for it in items {
                    self.infer(&it.context);
                    if let Some(t) = &it.target {
                        self.bind_target(t, &Type::Any);
                    }
                }
                self.block(body)
            }
        }
    }

    fn try_stmt(
        &mut self,
        body: &'a [Stmt],
        handlers: &'a [ast::ExceptHandler],
        orelse: &'a [Stmt],
        finalbody: &'a [Stmt],
    ) -> bool {
        let mut caught: Vec<&'static str> = Vec::new();
        for h in handlers {
            match &h.types {
                None => caught.push("*"),
                Some(t) => exc_names(t, &mut caught),
            }
        }
        let before = self.snapshot();
        self.catches.push(caught);
        let ft_body = self.block(body);
        self.catches.pop();
        let ft_else = ft_body && self.block(orelse);
        let after_ok = self.snapshot();
        let mut paths = Vec::new();
        if ft_body && ft_else {
            paths.push(after_ok.clone());
        }
        let mut any_handler = false;
        for h in handlers {
            // A handler may start from any point of the body.
            self.merge(&[before.clone(), after_ok.clone()]);
            if let Some(t) = &h.types {
                self.infer(t);
            }
            if let Some(n) = h.name {
                self.bind(n.name, Type::Any, n.span);
            }
            if self.block(&h.body) {
                any_handler = true;
                paths.push(self.snapshot());
            }
        }
        if paths.is_empty() {
            self.merge(&[before, after_ok]);
        } else {
            self.merge(&paths);
        }
        let ft_final = self.block(finalbody);
        ((ft_body && ft_else) || any_handler) && ft_final
    }

    fn ret(&mut self, value: Option<&Expr>, span: Span) {
        let t = match value {
            Some(e) => self.infer(e),
            None => Type::None,
        };
        let Some(decl) = self.scopes.last().and_then(|s| s.ret.clone()) else {
            return;
        };
        if self.scopes.last().is_some_and(|s| s.module) {
            return;
        }
        if t.compat(&decl, self) == super::ty::Compat::No {
            let name = self.scope().fn_name.clone();
            let at = value.map(|e| e.span).unwrap_or(span);
            self.error(
                Diagnostic::error(
                    Code::ReturnType,
                    at,
                    format!("{name}() must return {decl}, got {t}"),
                )
                .with_label(format!("this is {t}")),
            );
        }
    }

    // ---- assignments ----

    /// `target = value` (or `target op= value` when `aug`).
    fn assign(&mut self, target: &Expr, t: &Type, value: &Expr, aug: bool) {
        match &target.kind {
            ExprKind::Name {
                scope: None | Some(ScopeKind::Local),
                name,
            } => {
                if let Some(decl) = self.declared_type(*name) {
                    if t.compat(&decl, self) == super::ty::Compat::No {
                        let what = if aug { "the result" } else { "a value" };
                        self.error(
                            Diagnostic::error(
                                Code::AssignType,
                                value.span,
                                format!(
                                    "cannot assign {t} to '{name}: {decl}' ({what} of type {t} never fits)"
                                ),
                            )
                            .with_label(format!("this is {t}"))
                            .with_help(format!(
                                "'{name}' was declared '{decl}'; a plain assignment is not converted: write '{name}: {decl} = …' to convert, or use another name"
                            )),
                        );
                    }
                }
                self.bind(*name, t.clone(), target.span);
            }
            ExprKind::Name { .. } => {}
            ExprKind::Attribute { value: obj, attr } => {
                let ot = self.infer(obj);
                self.assign_attr(&ot, *attr, t, value.span);
            }
            ExprKind::Index { value: obj, index } => {
                self.infer(obj);
                self.infer(index);
            }
            ExprKind::Tuple(_) | ExprKind::List(_) => self.bind_target(target, t),
            _ => {
                self.infer(target);
            }
        }
    }

    /// Binds the names of a target (unpacking a tuple type where the lengths agree).
    pub(crate) fn bind_target(&mut self, target: &Expr, t: &Type) {
        match &target.kind {
            ExprKind::Name {
                scope: None | Some(ScopeKind::Local),
                name,
            } => self.bind(*name, t.clone(), target.span),
            ExprKind::Name { .. } => {}
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let has_star = items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_)));
                for (i, it) in items.iter().enumerate() {
                    let et = match (t, has_star) {
                        (Type::Tuple(ts), false) if ts.len() == items.len() => ts[i].clone(),
                        _ => t.item_type(),
                    };
                    match &it.kind {
                        ExprKind::Starred(inner) => {
                            self.bind_target(inner, &Type::list(t.item_type()))
                        }
                        _ => self.bind_target(it, &et),
                    }
                }
            }
            ExprKind::Attribute { value, attr } => {
                let ot = self.infer(value);
                self.assign_attr(&ot, *attr, t, target.span);
            }
            _ => {
                self.infer(target);
            }
        }
    }

    fn assign_attr(&mut self, obj: &Type, attr: ast::Ident, t: &Type, span: Span) {
        let Type::Struct(sname) = obj else { return };
        if self.ambiguous_structs.contains(sname) {
            return;
        }
        let Some(st) = self.structs.get(sname) else {
            return;
        };
        match st.field(attr.name) {
            Some(f) => {
                let fty = f.ty.clone();
                if t.compat(&fty, self) == super::ty::Compat::No {
                    self.error(
                        Diagnostic::error(
                            Code::AssignType,
                            span,
                            format!("{sname}.{} must be {fty}, got {t}", attr.name),
                        )
                        .with_label(format!("this is {t}")),
                    );
                }
            }
            None => {
                if st.delegates().next().is_some() || st.methods.contains_key(&attr.name) {
                    return;
                }
                let cands: Vec<&str> = st.fields.iter().map(|f| f.name.as_str()).collect();
                let mut d = Diagnostic::error(
                    Code::UnknownField,
                    attr.span,
                    format!("'{sname}' object has no attribute '{}'", attr.name),
                );
                if let Some(s) = super::suggest(attr.name.as_str(), cands) {
                    d = d.with_help(format!("did you mean '{s}'?"));
                }
                self.error_as(d, Some("AttributeError"));
            }
        }
    }

    fn typed_assign(
        &mut self,
        target: &Expr,
        ann: &ast::TypeExpr,
        value: Option<&Expr>,
        span: Span,
    ) {
        let decl = Type::from_ann(ann, self);
        if let Some(v) = value {
            let t = self.infer(v);
            self.check_conversion(v, &t, ann, &decl, target, span);
        }
        match &target.kind {
            ExprKind::Name {
                scope: None | Some(ScopeKind::Local),
                name,
            } => self.declare(*name, decl, target.span),
            ExprKind::Name { .. } => {}
            ExprKind::Attribute { value: obj, .. } | ExprKind::Index { value: obj, .. } => {
                self.infer(obj);
            }
            _ => {}
        }
    }

    /// `name: T = value` converts (DANA_SPEC §5.3): only a value that can never convert is an
    /// error. A literal is converted here exactly as the runtime would.
    fn check_conversion(
        &mut self,
        v: &Expr,
        t: &Type,
        ann: &ast::TypeExpr,
        decl: &Type,
        target: &Expr,
        _span: Span,
    ) {
        let display = match &target.kind {
            ExprKind::Name { name, .. } => name.as_str().to_string(),
            ExprKind::Attribute { attr, .. } => attr.name.as_str().to_string(),
            _ => "target".into(),
        };
        if let Some(lit) = literal_value(v) {
            let rt = crate::value::TypeAnn::from_ast(ann);
            if type_ann_is_plain(&rt) {
                let lookup = |_s: Sym| None;
                if let Err(e) = crate::value::coerce::coerce(lit, &rt, &display, &lookup) {
                    self.error(
                        Diagnostic::error(Code::AssignType, v.span, e.message.clone())
                            .with_label("this never converts"),
                    );
                }
                return;
            }
        }
        if never_converts(t, decl) {
            self.error(
                Diagnostic::error(
                    Code::AssignType,
                    v.span,
                    format!("cannot assign {t} to '{display}: {decl}'"),
                )
                .with_label(format!("a {} never converts to {decl}", t.runtime_name())),
            );
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
            let is_poet =
                matches!(&d.func.kind, ExprKind::Name { name, .. } if name.as_str() == "poet");
            if !is_poet {
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
                        Type::Func(Rc::new(merged))
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

    fn struct_body(
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
                    if t.compat(&decl, self) == super::ty::Compat::No {
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
    fn run_deferred(&mut self) {
        while let Some(d) = self.scope().deferred.pop() {
            self.function_body(d.def, d.owner);
        }
    }

    fn function_body(&mut self, f: &'a FunctionDef, owner: Option<Sym>) {
        let saved_catches = std::mem::take(&mut self.catches);
        let saved_reach = (self.fn_protect, self.fn_uncalled, self.in_lambda);
        let r = self.reach.get(&f.name.name).copied();
        self.fn_protect = r.map(|r| r.protect).unwrap_or(0);
        self.fn_uncalled = r.is_some_and(|r| r.uncalled);
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
        self.scopes.push(scope);
        match &f.body {
            FuncBody::Block(b) => {
                let falls_through = self.block(b);
                if falls_through {
                    if let Some(r) = self.scope().ret.clone() {
                        if Type::None.compat(&r, self) == super::ty::Compat::No {
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
        (self.fn_protect, self.fn_uncalled, self.in_lambda) = saved_reach;
    }

    fn pipe_stage(&mut self, st: &ast::PipeStage) {
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

    // ---- imports ----

    fn module_type(&mut self, key: &str) -> Type {
        match self.opts.modules.get(key) {
            Some(_) => Type::Module(Sym::intern(key)),
            None => Type::Any,
        }
    }

    fn import(&mut self, path: &[ast::Ident], alias: Option<&ast::Ident>, span: Span) {
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

    fn import_from(
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
                                if let Some(s) = super::suggest(member, cands) {
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

    fn build_summary(&mut self) {
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

fn nonnever(t: &Type) -> Type {
    if *t == Type::Never {
        Type::Any
    } else {
        t.clone()
    }
}

pub(crate) fn arg_expr(a: &ast::Arg) -> &Expr {
    match &a.kind {
        ast::ArgKind::Positional(e)
        | ast::ArgKind::Keyword(_, e)
        | ast::ArgKind::Star(e)
        | ast::ArgKind::StarStar(e) => e,
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

fn exc_names(t: &Expr, out: &mut Vec<&'static str>) {
    match &t.kind {
        ExprKind::Name { name, .. } => out.push(name.as_str()),
        ExprKind::Attribute { attr, .. } => out.push(attr.name.as_str()),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            for i in items {
                exc_names(i, out);
            }
        }
        _ => out.push("*"),
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
fn strip_receiver(ft: &Rc<FnType>, md: &FunctionDef) -> Rc<FnType> {
    // In a struct block the first parameter is the receiver, whatever its name (the runtime
    // passes the instance first).
    let has_self = md.receiver.is_some() || !md.params.is_empty();
    if has_self {
        strip_first(ft)
    } else {
        ft.clone()
    }
}

fn strip_first(ft: &Rc<FnType>) -> Rc<FnType> {
    let mut f = (**ft).clone();
    for s in &mut f.sigs {
        if !s.params.is_empty() {
            s.params.remove(0);
        }
    }
    Rc::new(f)
}

/// The runtime value of a literal expression (strings, numbers, bools, None, negatives).
fn literal_value(e: &Expr) -> Option<crate::value::Value> {
    use crate::value::Value;
    Some(match &e.kind {
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Float(f) => Value::Float(*f),
        ExprKind::Str(s) => Value::str(s.clone()),
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::None => Value::None,
        ExprKind::Unary(ast::UnaryOp::Neg, inner) => match &inner.kind {
            ExprKind::Int(i) => Value::Int(i.checked_neg()?),
            ExprKind::Float(f) => Value::Float(-f),
            _ => return None,
        },
        _ => return None,
    })
}

/// Annotations the literal conversion can test without looking names up.
fn type_ann_is_plain(t: &crate::value::TypeAnn) -> bool {
    use crate::value::TypeAnn as A;
    match t {
        A::Named(_) => false,
        A::Union(v) => v.iter().all(type_ann_is_plain),
        A::List(Some(x)) | A::Set(Some(x)) => type_ann_is_plain(x),
        A::Dict(Some(kv)) => type_ann_is_plain(&kv.0) && type_ann_is_plain(&kv.1),
        A::Tuple(Some((v, _))) => v.iter().all(type_ann_is_plain),
        _ => true,
    }
}

/// `true` when no value of type `t` converts to `decl` by DANA_SPEC §5.3 (conservative).
fn never_converts(t: &Type, decl: &Type) -> bool {
    use Type::*;
    match decl {
        Union(ds) => ds.iter().all(|d| never_converts(t, d)),
        Int | Float => match t {
            Union(ts) => ts.iter().all(|x| never_converts(x, decl)),
            List(_) | Dict(..) | Set(_) | Tuple(_) | TupleOf(_) | Func(_) | StructType(_)
            | Module(_) | Struct(_) => true,
            _ => false,
        },
        List(_) | Dict(..) | Set(_) | Tuple(_) | TupleOf(_) => match t {
            Union(ts) => ts.iter().all(|x| never_converts(x, decl)),
            Int | Float | Bool | Func(_) | Module(_) | StructType(_) => true,
            _ => false,
        },
        _ => false,
    }
}

/// The types of the builtin names.
fn builtin_types() -> HashMap<Sym, Type> {
    use crate::builtins as sigs;
    let mut out = HashMap::new();
    for (name, v) in crate::builtins::all() {
        let t = match v {
            crate::value::Value::Type(_) => Type::BuiltinType(Sym::intern(name)),
            crate::value::Value::Native(_) => {
                let s = sigs::builtin_function_signatures(name);
                if s.is_empty() {
                    Type::Callable
                } else {
                    Type::Func(Rc::new(super::call::fn_type_from_signatures(name, &s)))
                }
            }
            _ => Type::Opaque(Sym::intern(name)),
        };
        out.insert(Sym::intern(name), t);
    }
    // Bound by the host (POET, the LLM layer) in every program the command line runs.
    for n in ["reason", "llm", "feedback", "poet_last_execution", "poet"] {
        out.entry(Sym::intern(n)).or_insert(Type::Any);
    }
    out.insert(Sym::intern("__name__"), Type::Str);
    out.insert(Sym::intern("__file__"), Type::Str);
    out
}
