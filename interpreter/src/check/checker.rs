//! The checker's state ([`Checker`]: scopes, structs, the diagnostics so far), its entry
//! point [`Checker::run`] and how it records diagnostics (an error some enclosing `try` or
//! every caller expects becomes a warning). The passes are `impl Checker` blocks in sibling
//! files: names and flow types (`flow.rs`), statements and assignments (`stmt.rs`),
//! definitions (`decl.rs`), imports (`import.rs`), expressions (`expr.rs`), calls (`call.rs`).

use super::diag::{Diagnostic, Severity};
use super::options::{CheckOptions, HostNames, InterfaceInfo, ModuleInfo, StructInfo};
use super::reach::{self, Protect, Reach};
use super::scan::{self, BindKind};
use super::ty::{fn_type_from_signatures, NameKinds, Type, TypeWorld};
use dana_grammar::ast::{FunctionDef, Module, Span, Sym};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A name bound in a scope.
#[derive(Clone, Debug)]
pub(crate) struct Var {
    /// The type at the current point of the flow (`None`: not assigned yet on this path).
    pub(crate) cur: Option<Type>,
    /// The join of every type assigned anywhere in the scope (what closures and functions see).
    pub(crate) all: Type,
    /// The declared type (`x: T = …`, an annotated parameter).
    pub(crate) declared: Option<Type>,
    pub(crate) span: Span,
    pub(crate) used: bool,
    pub(crate) param: bool,
    pub(crate) kind: BindKind,
}

pub(crate) struct Scope<'a> {
    pub(crate) module: bool,
    pub(crate) vars: HashMap<Sym, Var>,
    /// Comprehension variables, innermost last.
    pub(crate) comps: Vec<HashMap<Sym, Type>>,
    /// The declared return type (`None`: unannotated, anything goes).
    pub(crate) ret: Option<Type>,
    pub(crate) fn_name: String,
    /// Nested function bodies, checked when this scope's own body is done.
    pub(crate) deferred: Vec<Deferred<'a>>,
}

impl Scope<'_> {
    /// Declares the names a body binds (first binding wins), not yet typed or used.
    pub(crate) fn bind_all(&mut self, names: Vec<(Sym, Span, BindKind)>) {
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
    pub(crate) def: &'a FunctionDef,
    /// The struct whose block defines the method (`self` gets its type).
    pub(crate) owner: Option<Sym>,
}

/// A reference to a name from outside the module (builtins, host names, module members), for
/// a gate's allowlist.
#[derive(Clone, Debug)]
pub(crate) struct ExternalRef {
    pub(crate) name: String,
    pub(crate) span: Span,
}

pub(crate) struct Checker<'o, 'a> {
    pub(crate) opts: &'o CheckOptions,
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) summary: ModuleInfo,
    pub(crate) structs: HashMap<Sym, StructInfo>,
    pub(crate) interfaces: HashMap<Sym, InterfaceInfo>,
    pub(crate) scopes: Vec<Scope<'a>>,
    /// `private:`/`public:`/`system:` names mentioned anywhere.
    pub(crate) scoped: HashSet<Sym>,
    /// Names of struct-block methods (callable as plain functions too).
    pub(crate) method_names: HashSet<Sym>,
    pub(crate) star_import: bool,
    /// Exception names each enclosing `try` catches (`*` for all), innermost last.
    pub(crate) catches: Vec<Vec<&'static str>>,
    /// While > 0, diagnostics are dropped (unreachable code).
    pub(crate) silent: u32,
    pub(crate) builtins: HashMap<Sym, Type>,
    pub(crate) extra: HashMap<Sym, Type>,
    pub(crate) refs: Vec<ExternalRef>,
    /// Struct names declared in more than one place (their static type is not trusted).
    pub(crate) ambiguous_structs: HashSet<Sym>,
    /// What the module's call sites tell about each function (see `reach.rs`).
    pub(crate) reach: HashMap<Sym, Reach>,
    /// The exceptions every caller of the function being checked catches.
    pub(crate) fn_protect: Protect,
    /// Depth of lambda bodies being checked.
    pub(crate) in_lambda: u32,
    /// When `Some`, the type inferred for every expression checked and every name bound, by
    /// span (for an editor's hover and completion: [`crate::check::analyse`]). `None` for
    /// `dana check` and the gates: no work is done.
    pub(crate) types: Option<Vec<(Span, Type)>>,
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
        Checker::run_with(m, opts, false)
    }

    /// [`Checker::run`], recording the inferred types in [`Checker::types`] when `record`.
    pub(crate) fn run_with(m: &'a Module, opts: &'o CheckOptions, record: bool) -> Checker<'o, 'a> {
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
            builtins: builtin_types(&opts.host),
            extra: opts
                .globals
                .iter()
                .map(|(n, t)| (Sym::intern(n), t.clone()))
                .collect(),
            refs: Vec::new(),
            ambiguous_structs: HashSet::new(),
            reach: reach::analyse(m),
            fn_protect: 0,
            in_lambda: 0,
            types: record.then(Vec::new),
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
        // A function's `global x` binds `x` in the module.
        scan::walk_stmts(&m.body, &mut |s| {
            if let dana_grammar::ast::StmtKind::Global(ids) = &s.kind {
                names.extend(ids.iter().map(|i| (i.name, i.span, BindKind::Other)));
            }
        });
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
            let bit = exc.map(reach::bit_of).unwrap_or(0);
            let why = if exc.is_some_and(|e| self.caught(e)) {
                Some("an enclosing try catches it")
            } else if bit & self.fn_protect != 0 {
                Some("every caller of this function catches it")
            } else if self.in_lambda > 0 && exc.is_some() {
                Some("inside a lambda: it fails only when the lambda runs")
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
}

/// The types of the builtin names and of the host's names (a builtin wins over a host name).
pub(crate) fn builtin_types(host: &HostNames) -> HashMap<Sym, Type> {
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
                    Type::Func(Arc::new(fn_type_from_signatures(name, &s)))
                }
            }
            _ => Type::Opaque(Sym::intern(name)),
        };
        out.insert(Sym::intern(name), t);
    }
    for (n, t) in &host.functions {
        out.entry(Sym::intern(n)).or_insert_with(|| t.clone());
    }
    out.insert(Sym::intern("__name__"), Type::Str);
    out.insert(Sym::intern("__file__"), Type::Str);
    out
}
