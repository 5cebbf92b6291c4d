//! The static half of containment (POET_SPEC §2): what a generated module may call, what it
//! may write, and what its top level may define. Names are resolved as the runtime resolves
//! them (local → enclosing → the module's own definitions → the program's globals, through
//! [`ProgramNames`] → builtins), so an alias `out = print` in the program is audited as
//! `print`, and a uniform call `x.f()` of a name that is no method is audited as a call of `f`.
//! The runtime enforces the rest (values reached in ways this cannot see).

use super::allow::IMPURE_BUILTINS;
use super::names::{
    bound_in, captures, imported_in, runs_code, scope_text, toplevel_names, type_names, Own,
};
use super::program::{Binding, ProgramNames};
use dana_grammar::ast::{
    self, Expr, ExprKind, FuncBody, FunctionDef, Ident, PipeStage, PipeStageKind, ScopeKind, Span,
    Stmt, StmtKind, Sym,
};
use dana_interpreter::check::expect::is_literal;
use dana_interpreter::check::{line_col, Code, Diagnostic};
use std::collections::{HashMap, HashSet};

mod expr;

/// Methods of the builtin containers that change the value they are called on.
pub const MUTATING_METHODS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "clear",
    "sort",
    "reverse",
    "update",
    "setdefault",
    "popitem",
    "add",
    "discard",
    "intersection_update",
    "difference_update",
    "symmetric_difference_update",
];

/// Methods whose result is (part of) the value they are called on: a local assigned from
/// `LIMITS.get("k")` still belongs to the program.
const SHARING_METHODS: &[&str] = &["get", "setdefault"];

const HELP_CALLS: &str =
    "call only this module's own definitions, the functions the original calls, and the allowed builtins and modules";
const HELP_WRITES: &str =
    "the program's values are read-only here: copy first (e.g. 'd = dict(LIMITS)') and return the result";

/// What the audit compares the module against.
pub struct Context<'a> {
    pub program: &'a ProgramNames,
    /// The allowlist of builtins and module members (spellings, see the gate's module docs).
    pub allow: &'a HashSet<String>,
    /// The names the original function reads that it does not bind itself.
    pub original_free: &'a HashSet<String>,
    /// Struct and interface types of the modules the program imported (name → members).
    pub module_types: HashMap<String, Vec<String>>,
}

#[derive(Clone, Copy, Debug)]
enum Res<'p> {
    Local { tainted: bool },
    Own(Own),
    Program(&'p Binding),
    Free,
}

#[derive(Default)]
struct Scope {
    locals: HashSet<Sym>,
    /// Locals that hold (part of) a program value or a module.
    tainted: HashSet<Sym>,
    /// Locals bound by an import.
    imported: HashSet<Sym>,
}

struct Audit<'a> {
    cx: Option<&'a Context<'a>>,
    own: HashMap<Sym, Own>,
    own_types: HashSet<Sym>,
    methods: HashSet<String>,
    builtins: HashSet<&'static str>,
    scopes: Vec<Scope>,
    diags: Vec<Diagnostic>,
    /// In collection mode (no context): the free names read.
    free: HashSet<String>,
    /// A write the audit refuses was seen (in collection mode: a write of a global).
    writes: bool,
}

/// Every containment refusal of `m` (the source `code`, for line numbers).
pub fn audit(m: &ast::Module, code: &str, cx: &Context) -> Vec<Diagnostic> {
    let mut a = Audit::new(Some(cx));
    for b in cx.program.names.values() {
        if let Binding::Struct { fields, methods } = b {
            a.methods.extend(fields.iter().chain(methods).cloned());
        }
    }
    for members in cx.module_types.values() {
        a.methods.extend(members.iter().cloned());
    }
    a.module(m, code);
    a.diags
}

/// The names `f` reads that it does not bind (its body, defaults and uniform calls; not its
/// decorators): the program functions and builtins the original itself uses.
pub fn free_names(f: &FunctionDef) -> HashSet<String> {
    let mut a = Audit::new(None);
    a.params_defaults(f);
    a.function(f);
    a.free
}

/// `true` when `f` writes what a generated module may not write: an attribute or item of a
/// global, a mutating method on one, a `public:`/`private:`/`system:` name. Generated code
/// cannot copy such a body; it calls the original instead.
pub fn writes_program_state(f: &FunctionDef) -> bool {
    let mut a = Audit::new(None);
    a.function(f);
    a.writes
}

impl<'a> Audit<'a> {
    fn new(cx: Option<&'a Context<'a>>) -> Audit<'a> {
        Audit {
            cx,
            own: HashMap::new(),
            own_types: HashSet::new(),
            methods: ["str", "list", "tuple", "dict", "set"]
                .iter()
                .flat_map(|t| dana_interpreter::value::methods::method_names(t))
                .map(|s| s.to_string())
                .collect(),
            builtins: dana_interpreter::builtins::all()
                .into_iter()
                .map(|(n, _)| n)
                .chain(IMPURE_BUILTINS.iter().copied())
                .collect(),
            scopes: Vec::new(),
            diags: Vec::new(),
            free: HashSet::new(),
            writes: false,
        }
    }

    pub(super) fn refuse_write(&mut self, span: Span, message: String, help: &str) {
        self.writes = true;
        self.refuse(Code::ForbiddenCall, span, message, help);
    }

    pub(super) fn refuse(&mut self, code: Code, span: Span, message: String, help: &str) {
        if self.cx.is_some() {
            self.diags
                .push(Diagnostic::error(code, span, message).with_help(help.to_string()));
        }
    }

    // ---- the top level ----

    fn module(&mut self, m: &ast::Module, code: &str) {
        let mut first: HashMap<Sym, Span> = HashMap::new();
        for s in &m.body {
            let mut defined: Vec<(Ident, Own)> = Vec::new();
            toplevel_names(s, &mut defined);
            for (id, kind) in defined {
                if matches!(kind, Own::Type) {
                    self.own_types.insert(id.name);
                }
                self.own.insert(id.name, kind);
                match first.get(&id.name) {
                    Some(prev) => {
                        let (l1, _) = line_col(code, prev.start as usize);
                        let (l2, _) = line_col(code, id.span.start as usize);
                        self.refuse(
                            Code::ForbiddenStatement,
                            id.span,
                            format!("'{}' is defined twice (lines {l1} and {l2})", id.name),
                            "keep one definition, or rename the other",
                        );
                    }
                    None => {
                        first.insert(id.name, id.span);
                    }
                }
            }
            // Methods a struct of this module defines are methods for the uniform-call rule.
            match &s.kind {
                StmtKind::Struct(st) => self.type_members(&st.fields, &st.methods),
                StmtKind::Niche(n) => self.type_members(&n.fields, &n.methods),
                StmtKind::Interface(i) => self
                    .methods
                    .extend(i.methods.iter().map(|m| m.name.name.as_str().to_string())),
                StmtKind::FunctionDef(f) if f.receiver.is_some() => {
                    self.methods.insert(f.name.name.as_str().to_string());
                }
                _ => {}
            }
        }
        for s in &m.body {
            if let StmtKind::FunctionDef(f) = &s.kind {
                for d in &f.decorators {
                    self.refuse(
                        Code::ForbiddenStatement,
                        d.span,
                        format!(
                            "the decorator of '{}' would run code when the module loads",
                            f.name.name
                        ),
                        "remove the decorator",
                    );
                }
                for p in f.receiver.iter().chain(&f.params) {
                    if let Some(d) = &p.default {
                        if runs_code(d) {
                            self.refuse(
                                Code::ForbiddenStatement,
                                d.span,
                                format!(
                                    "the default of parameter '{}' would run code when the module loads",
                                    p.name.name
                                ),
                                "use a literal default, or a constant",
                            );
                        }
                    }
                }
            }
            self.stmt(s);
        }
    }

    fn type_members(&mut self, fields: &[ast::FieldDef], methods: &[FunctionDef]) {
        self.methods
            .extend(fields.iter().map(|f| f.name.name.as_str().to_string()));
        self.methods
            .extend(methods.iter().map(|m| m.name.name.as_str().to_string()));
    }

    /// A struct, niche or interface definition: its name must not be a program type's, its
    /// field defaults must be literals.
    fn type_def(&mut self, name: &ast::Ident, fields: &[ast::FieldDef], what: &str) {
        if let Some(cx) = self.cx {
            let n = name.name.as_str();
            let program_type = matches!(
                cx.program.get(n),
                Some(Binding::Struct { .. } | Binding::Type)
            ) || cx.module_types.contains_key(n);
            if program_type {
                self.refuse(
                    Code::ForbiddenCall,
                    name.span,
                    format!("{what} '{n}' has the name of a type of the program; it would change the program's type"),
                    &format!("give it a name of its own (e.g. '_{n}'), or use the program's '{n}'"),
                );
            }
        }
        for f in fields {
            if let Some(d) = &f.default {
                if !is_literal(d) {
                    self.refuse(
                        Code::ForbiddenStatement,
                        d.span,
                        format!(
                            "the default of field '{}' is not a literal (it would run code when the module loads)",
                            f.name.name
                        ),
                        "use a number, string, bool, None, or a list/dict/tuple/set of them",
                    );
                }
                self.expr(d);
            }
        }
    }

    /// A receiver method may only extend a type this module defines.
    fn receiver(&mut self, f: &FunctionDef) {
        let Some(p) = &f.receiver else { return };
        let mut names = Vec::new();
        if let Some(t) = &p.ann {
            type_names(t, &mut names);
        }
        let foreign: Vec<Sym> = names
            .into_iter()
            .filter(|n| !self.own_types.contains(n))
            .collect();
        if p.ann.is_none() || !foreign.is_empty() {
            let on = match foreign.first() {
                Some(t) => format!("of '{t}', a type this module does not define"),
                None => "without a receiver type".to_string(),
            };
            self.refuse(
                Code::ForbiddenCall,
                p.span,
                format!(
                    "'{}' is a receiver method {on}; it would change the program's type",
                    f.name.name
                ),
                &format!(
                    "write a helper that takes the value as a parameter: def _{}({}: …)",
                    f.name.name.as_str().trim_start_matches('_'),
                    p.name.name
                ),
            );
        }
    }

    // ---- statements ----

    pub(super) fn stmts(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    pub(super) fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Assign { targets, value } => {
                self.expr(value);
                let taint = self.root(value).is_some();
                for t in targets {
                    self.store(t, taint);
                }
            }
            StmtKind::TypedAssign { target, value, .. } => {
                let mut taint = false;
                if let Some(v) = value {
                    self.expr(v);
                    taint = self.root(v).is_some();
                }
                self.store(target, taint);
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.expr(value);
                if let ExprKind::Name { scope: None, name } = &target.kind {
                    self.read(*name, target.span);
                    // `xs += [1]` extends the list in place: when `xs` holds program data,
                    // that changes the program's value. (With a value of unknown type the
                    // runtime decides.)
                    let container = matches!(
                        value.kind,
                        ExprKind::List(_)
                            | ExprKind::Set(_)
                            | ExprKind::Dict(_)
                            | ExprKind::Tuple(_)
                            | ExprKind::ListComp { .. }
                            | ExprKind::SetComp { .. }
                            | ExprKind::DictComp { .. }
                    );
                    if container && matches!(self.resolve(*name), Res::Local { tainted: true }) {
                        self.refuse_write(
                            target.span,
                            format!("changes '{name}' in place, which belongs to the program"),
                            HELP_WRITES,
                        );
                        return;
                    }
                }
                self.store(target, false);
            }
            StmtKind::If { cond, body, orelse } | StmtKind::While { cond, body, orelse } => {
                self.expr(cond);
                self.stmts(body);
                self.stmts(orelse);
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                self.expr(iter);
                let taint = self.root(iter).is_some();
                self.store(target, taint);
                self.stmts(body);
                self.stmts(orelse);
            }
            StmtKind::FunctionDef(f) => {
                if !self.scopes.is_empty() {
                    for d in &f.decorators {
                        self.expr(&d.func);
                        self.args(d.args.iter().flatten());
                    }
                }
                self.receiver(f);
                self.params_defaults(f);
                self.function(f);
            }
            StmtKind::Return(e) => {
                if let Some(e) = e {
                    self.expr(e);
                }
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.stmts(body);
                for h in handlers {
                    if let Some(t) = &h.types {
                        self.expr(t);
                    }
                    self.stmts(&h.body);
                }
                self.stmts(orelse);
                self.stmts(finalbody);
            }
            StmtKind::Raise { exc, cause } => {
                for e in exc.iter().chain(cause) {
                    self.expr(e);
                }
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test);
                if let Some(m) = msg {
                    self.expr(m);
                }
            }
            StmtKind::Struct(st) => {
                self.type_def(&st.name, &st.fields, "struct");
                for m in &st.methods {
                    self.params_defaults(m);
                    self.function(m);
                }
            }
            StmtKind::Niche(n) => {
                self.type_def(&n.name, &n.fields, "type");
                for m in &n.methods {
                    self.params_defaults(m);
                    self.function(m);
                }
            }
            StmtKind::Interface(i) => self.type_def(&i.name, &[], "interface"),
            StmtKind::With { items, body } => {
                for i in items {
                    self.expr(&i.context);
                    let taint = self.root(&i.context).is_some();
                    if let Some(t) = &i.target {
                        self.store(t, taint);
                    }
                }
                self.stmts(body);
            }
            // `del` writes like an assignment does (a program-owned target is refused).
            StmtKind::Delete(targets) => {
                for t in targets {
                    self.store(t, false);
                }
            }
            // Generated code keeps to its own names: rebinding a module name or an enclosing
            // function's from inside a function is a write to the program.
            StmtKind::Global(names) | StmtKind::Nonlocal(names) => {
                if let Some(n) = names.first() {
                    self.refuse_write(
                        n.span,
                        format!("declares '{}' global or nonlocal to rebind it", n.name),
                        HELP_WRITES,
                    );
                }
            }
            StmtKind::Import { .. }
            | StmtKind::FromImport { .. }
            | StmtKind::Pass
            | StmtKind::Break
            | StmtKind::Continue => {}
        }
    }

    pub(super) fn params_defaults(&mut self, f: &FunctionDef) {
        for p in f.receiver.iter().chain(&f.params) {
            if let Some(d) = &p.default {
                self.expr(d);
            }
        }
    }

    /// A function body in a new scope: its parameters and every name it binds are locals.
    pub(super) fn function(&mut self, f: &FunctionDef) {
        let mut scope = Scope::default();
        for p in f.receiver.iter().chain(&f.params) {
            scope.locals.insert(p.name.name);
        }
        match &f.body {
            FuncBody::Block(stmts) => {
                bound_in(stmts, &mut scope.locals);
                imported_in(stmts, &mut scope.imported);
                scope.tainted.extend(scope.imported.iter().copied());
            }
            FuncBody::Pipeline(p) => captures(&p.stages, &mut scope.locals),
        }
        self.scopes.push(scope);
        match &f.body {
            FuncBody::Block(stmts) => self.stmts(stmts),
            FuncBody::Pipeline(p) => self.stages(&p.stages),
        }
        self.scopes.pop();
    }

    pub(super) fn stages(&mut self, stages: &[PipeStage]) {
        for s in stages {
            match &s.kind {
                PipeStageKind::Expr(e) => self.expr(e),
                PipeStageKind::FanOut(v) => self.stages(v),
            }
        }
    }

    /// An assignment target: names bind locals (tainted when the value belongs to the
    /// program); attributes and items of program values and shared names are refused.
    pub(super) fn store(&mut self, t: &Expr, taint: bool) {
        match &t.kind {
            ExprKind::Name {
                scope: Some(sc @ (ScopeKind::Public | ScopeKind::Private | ScopeKind::System)),
                name,
            } => {
                let shown = format!("{}:{name}", scope_text(*sc));
                self.refuse_write(
                    t.span,
                    format!("'{shown}' is shared program state; this module may not write it"),
                    "use a local variable, or return the value",
                );
            }
            ExprKind::Name { name, .. } => {
                if let Some(s) = self.scopes.last_mut() {
                    if taint {
                        s.tainted.insert(*name);
                    } else {
                        s.tainted.remove(name);
                    }
                }
            }
            ExprKind::Attribute { value, attr } => {
                if let Some(root) = self.root(value) {
                    self.refuse_write(
                        t.span,
                        format!(
                            "assigns the attribute '{}' of '{root}', which belongs to the program",
                            attr.name
                        ),
                        HELP_WRITES,
                    );
                }
                self.expr(value);
            }
            ExprKind::Index { value, index } => {
                if let Some(root) = self.root(value) {
                    self.refuse_write(
                        t.span,
                        format!("assigns an item of '{root}', which belongs to the program"),
                        HELP_WRITES,
                    );
                }
                self.expr(value);
                self.expr(index);
            }
            ExprKind::Tuple(v) | ExprKind::List(v) => {
                for x in v {
                    self.store(x, taint);
                }
            }
            ExprKind::Starred(x) => self.store(x, taint),
            _ => self.expr(t),
        }
    }
}
