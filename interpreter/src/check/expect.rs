//! What a module is expected to be, for a validation gate of generated code: the functions it
//! must and may define, with exact signatures ([`FnSig`]), the top-level statement kinds
//! allowed ([`AllowedToplevel`]), and an allowlist of the builtins, host names and module
//! members it may use. [`check_against`] checks a module against [`Expectations`] on top of
//! the ordinary type check.

use super::checker::Checker;
use super::diag::{Code, Diagnostic};
use super::options::CheckOptions;
use crate::builtins::signatures::{parse_signature, parse_type};
use crate::value::TypeAnn;
use dana_grammar::ast::{
    Expr, ExprKind, FPart, FunctionDef, Module, Span, Stmt, StmtKind, TypeExpr, UnaryOp,
};
use std::collections::HashSet;
use std::fmt;

/// One expected parameter: its name, annotation (as written) and default (as written).
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSig {
    pub name: String,
    pub ann: Option<TypeExpr>,
    pub default: Option<String>,
}

/// An expected function signature.
#[derive(Clone, Debug, PartialEq)]
pub struct FnSig {
    pub name: String,
    pub params: Vec<ParamSig>,
    pub returns: Option<TypeExpr>,
}

impl FnSig {
    /// Parses `name(p: T = d, …) -> R`.
    pub fn parse(line: &str) -> Option<FnSig> {
        let s = parse_signature(line)?;
        Some(FnSig {
            name: s.name,
            params: s
                .params
                .into_iter()
                .map(|p| ParamSig {
                    name: p.name,
                    ann: p.ann,
                    default: p.default.map(|d| canonical_default_text(&d)),
                })
                .collect(),
            returns: s.returns,
        })
    }

    /// The signature of a `def` (the receiver, if any, first).
    pub fn from_def(f: &FunctionDef) -> FnSig {
        FnSig {
            name: f.name.name.as_str().to_string(),
            params: f
                .receiver
                .iter()
                .chain(f.params.iter())
                .map(|p| ParamSig {
                    name: p.name.name.as_str().to_string(),
                    ann: p.ann.clone(),
                    default: p.default.as_ref().map(canonical_default),
                })
                .collect(),
            returns: f.returns.clone(),
        }
    }

    /// The same signature under another name (`operate` for the original `f`).
    pub fn renamed(&self, name: &str) -> FnSig {
        FnSig {
            name: name.to_string(),
            ..self.clone()
        }
    }
}

impl fmt::Display for FnSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name)?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&p.name)?;
            if let Some(a) = &p.ann {
                write!(f, ": {}", TypeAnn::from_ast(a))?;
            }
            if let Some(d) = &p.default {
                write!(f, " = {d}")?;
            }
        }
        f.write_str(")")?;
        if let Some(r) = &self.returns {
            write!(f, " -> {}", TypeAnn::from_ast(r))?;
        }
        Ok(())
    }
}

/// The kinds of top-level statement a generated module may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StmtClass {
    FunctionDef,
    Struct,
    Interface,
    /// An assignment of a literal value to names (`LIMIT = 10`, `_NAMES = ["a"]`, `X = -1`).
    Constant,
    /// Any other assignment to names (its value runs code at import, or reads other names).
    Assignment,
    /// An assignment to an attribute or an item (`m.x = 1`, `d["k"] = 2`).
    Store,
    Import,
    /// A string literal on its own (a module docstring).
    Docstring,
    Pass,
    /// Any other expression statement (calls run at import).
    Expression,
    /// `if`, `for`, `while`, `try`, `with`, `raise`, `assert`, `return`, `break`, `continue`.
    Control,
    /// `agent`, `resource`, `workflow` blocks.
    Niche,
}

impl StmtClass {
    pub fn of(s: &Stmt) -> StmtClass {
        match &s.kind {
            StmtKind::FunctionDef(_) => StmtClass::FunctionDef,
            StmtKind::Struct(_) => StmtClass::Struct,
            StmtKind::Interface(_) => StmtClass::Interface,
            StmtKind::Assign { targets, value } => assignment_class(targets, Some(value)),
            StmtKind::TypedAssign { target, value, .. } => {
                assignment_class(std::slice::from_ref(target), value.as_ref())
            }
            StmtKind::AugAssign { .. } => StmtClass::Assignment,
            StmtKind::Import { .. } | StmtKind::FromImport { .. } => StmtClass::Import,
            StmtKind::Expr(e) if matches!(e.kind, ExprKind::Str(_)) => StmtClass::Docstring,
            StmtKind::Expr(_) => StmtClass::Expression,
            StmtKind::Pass => StmtClass::Pass,
            StmtKind::Niche(_) => StmtClass::Niche,
            _ => StmtClass::Control,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            StmtClass::FunctionDef => "a function definition",
            StmtClass::Struct => "a struct definition",
            StmtClass::Interface => "an interface definition",
            StmtClass::Constant => "a constant",
            StmtClass::Assignment => {
                "an assignment whose value is not a literal (a call or computation there runs code at load time)"
            }
            StmtClass::Store => "an assignment to an attribute or item",
            StmtClass::Import => "an import",
            StmtClass::Docstring => "a docstring",
            StmtClass::Pass => "pass",
            StmtClass::Expression => "an expression statement",
            StmtClass::Control => "a control-flow statement",
            StmtClass::Niche => "an agent/resource/workflow block",
        }
    }
}

fn assignment_class(targets: &[Expr], value: Option<&Expr>) -> StmtClass {
    if !targets.iter().all(names_only) {
        return StmtClass::Store;
    }
    if value.is_none_or(is_literal) {
        StmtClass::Constant
    } else {
        StmtClass::Assignment
    }
}

/// A target made of names only (`x`, `a, b`, `public:x`).
fn names_only(t: &Expr) -> bool {
    match &t.kind {
        ExprKind::Name { .. } => true,
        ExprKind::Tuple(v) | ExprKind::List(v) => v.iter().all(names_only),
        ExprKind::Starred(x) => names_only(x),
        _ => false,
    }
}

/// A literal value: a number (negative ones too), a string without interpolation, a bool,
/// `None`, or a list, tuple, set or dict of literals. Evaluating one runs no code and reads
/// no name.
pub fn is_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::BigInt(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None => true,
        ExprKind::Unary(UnaryOp::Neg | UnaryOp::Pos, inner) => matches!(
            inner.kind,
            ExprKind::Int(_) | ExprKind::BigInt(_) | ExprKind::Float(_)
        ),
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => v.iter().all(is_literal),
        ExprKind::Dict(v) => v.iter().all(|(k, x)| is_literal(k) && is_literal(x)),
        ExprKind::FString(parts) => parts.iter().all(|p| matches!(p, FPart::Lit(_))),
        _ => false,
    }
}

/// Which top-level statements are allowed, and how extra functions must be named.
#[derive(Clone, Debug, PartialEq)]
pub struct AllowedToplevel {
    pub kinds: HashSet<StmtClass>,
    /// Functions other than the expected ones must start with this prefix (e.g. `_`).
    /// `None` allows any name.
    pub helper_prefix: Option<String>,
}

impl AllowedToplevel {
    /// Definitions only: the expected functions, `_` helpers, structs, interfaces, literal
    /// constants, docstrings and `pass`; nothing else runs at module level.
    pub fn definitions() -> AllowedToplevel {
        AllowedToplevel {
            kinds: [
                StmtClass::FunctionDef,
                StmtClass::Struct,
                StmtClass::Interface,
                StmtClass::Constant,
                StmtClass::Docstring,
                StmtClass::Pass,
            ]
            .into_iter()
            .collect(),
            helper_prefix: Some("_".into()),
        }
    }

    /// Everything allowed.
    pub fn any() -> AllowedToplevel {
        AllowedToplevel {
            kinds: [
                StmtClass::FunctionDef,
                StmtClass::Struct,
                StmtClass::Interface,
                StmtClass::Constant,
                StmtClass::Assignment,
                StmtClass::Store,
                StmtClass::Import,
                StmtClass::Docstring,
                StmtClass::Pass,
                StmtClass::Expression,
                StmtClass::Control,
                StmtClass::Niche,
            ]
            .into_iter()
            .collect(),
            helper_prefix: None,
        }
    }
}

impl Default for AllowedToplevel {
    fn default() -> Self {
        AllowedToplevel::definitions()
    }
}

/// What a generated module must satisfy.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    /// Functions that must be defined at top level, with exactly these signatures.
    pub required: Vec<FnSig>,
    /// Functions that may be defined; when they are, with exactly these signatures.
    pub optional: Vec<FnSig>,
    pub allowed_toplevel: AllowedToplevel,
    /// The builtins and module members the module may use (`len`, `math.sqrt`, `math.*`,
    /// `math` for the import itself). `None`: no restriction. Names the module defines itself
    /// are always allowed.
    pub callable_allowlist: Option<HashSet<String>>,
    /// The ordinary checker's options (e.g. the globals of the module defining the original).
    pub options: CheckOptions,
}

/// Checks `m` as the type checker does, plus the expectations; diagnostics sorted by position.
pub fn check_against(m: &Module, exp: &Expectations) -> Vec<Diagnostic> {
    let checker = Checker::run(m, &exp.options);
    let mut diags = checker.diags;
    let defs: Vec<&FunctionDef> = m
        .body
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::FunctionDef(f) => Some(&**f),
            _ => None,
        })
        .collect();
    let module_end = m
        .body
        .first()
        .map(|s| Span::new(s.span.start as usize, s.span.start as usize));
    for want in &exp.required {
        match defs.iter().find(|f| f.name.name.as_str() == want.name) {
            Some(f) => compare(f, want, &mut diags),
            None => diags.push(
                Diagnostic::error(
                    Code::MissingFunction,
                    module_end.unwrap_or_default(),
                    format!("the module must define {want}"),
                )
                .with_help(format!("define 'def {want}:' at top level")),
            ),
        }
    }
    for want in &exp.optional {
        if let Some(f) = defs.iter().find(|f| f.name.name.as_str() == want.name) {
            compare(f, want, &mut diags);
        }
    }
    let expected: HashSet<&str> = exp
        .required
        .iter()
        .chain(exp.optional.iter())
        .map(|s| s.name.as_str())
        .collect();
    for s in &m.body {
        let class = StmtClass::of(s);
        if !exp.allowed_toplevel.kinds.contains(&class) {
            diags.push(
                Diagnostic::error(
                    Code::ForbiddenStatement,
                    s.span,
                    format!("{} is not allowed at the top level here", class.describe()),
                )
                .with_help(allowed_help(&exp.allowed_toplevel)),
            );
            continue;
        }
        if let (StmtKind::FunctionDef(f), Some(prefix)) =
            (&s.kind, &exp.allowed_toplevel.helper_prefix)
        {
            let n = f.name.name.as_str();
            if !expected.contains(n) && !n.starts_with(prefix.as_str()) {
                diags.push(
                    Diagnostic::error(
                        Code::ForbiddenStatement,
                        f.name.span,
                        format!("unexpected function '{n}': helpers must start with '{prefix}'"),
                    )
                    .with_help(format!("rename it '{prefix}{n}'")),
                );
            }
        }
    }
    if let Some(allow) = &exp.callable_allowlist {
        for r in &checker.refs {
            if !allowed(allow, &r.name) {
                diags.push(
                    Diagnostic::error(
                        Code::ForbiddenCall,
                        r.span,
                        format!("'{}' is not in the allowlist of this module", r.name),
                    )
                    .with_help("only the allowed builtins and granted capabilities may be used"),
                );
            }
        }
    }
    diags.sort_by_key(|d| (d.span.start, d.severity, d.span.end));
    diags.dedup();
    diags
}

fn allowed_help(a: &AllowedToplevel) -> String {
    let mut kinds: Vec<&str> = a.kinds.iter().map(|k| k.describe()).collect();
    kinds.sort();
    format!("allowed: {}", kinds.join(", "))
}

/// `name` is allowed when listed, or when its module is listed as `m` or `m.*`.
pub fn allowed(allow: &HashSet<String>, name: &str) -> bool {
    if allow.contains(name) {
        return true;
    }
    let mut prefix = name;
    while let Some((head, _)) = prefix.rsplit_once('.') {
        if allow.contains(&format!("{head}.*")) || allow.contains(head) {
            return true;
        }
        prefix = head;
    }
    // `import m` is allowed when any member of m is.
    allow.iter().any(|a| a.starts_with(&format!("{name}.")))
}

fn compare(f: &FunctionDef, want: &FnSig, diags: &mut Vec<Diagnostic>) {
    let got = FnSig::from_def(f);
    let mut problems: Vec<String> = Vec::new();
    if got.params.len() != want.params.len() {
        problems.push(format!(
            "it takes {} parameter{} instead of {}",
            got.params.len(),
            if got.params.len() == 1 { "" } else { "s" },
            want.params.len()
        ));
    }
    for (i, (g, w)) in got.params.iter().zip(&want.params).enumerate() {
        if g.name != w.name {
            problems.push(format!(
                "parameter {} is '{}' instead of '{}'",
                i + 1,
                g.name,
                w.name
            ));
            continue;
        }
        if let Some(wa) = &w.ann {
            let wt = TypeAnn::from_ast(wa);
            match &g.ann {
                Some(ga) if TypeAnn::from_ast(ga) == wt => {}
                Some(ga) => problems.push(format!(
                    "parameter '{}' is '{}' instead of '{wt}'",
                    g.name,
                    TypeAnn::from_ast(ga)
                )),
                None => problems.push(format!("parameter '{}' must be annotated '{wt}'", g.name)),
            }
        }
        match (&g.default, &w.default) {
            (None, Some(d)) => problems.push(format!("parameter '{}' must default to {d}", g.name)),
            (Some(_), None) => {
                problems.push(format!("parameter '{}' must have no default", g.name))
            }
            (Some(a), Some(b)) if a != b && a != "…" && b != "…" => problems.push(format!(
                "parameter '{}' defaults to {a} instead of {b}",
                g.name
            )),
            _ => {}
        }
    }
    if let Some(wr) = &want.returns {
        let wt = TypeAnn::from_ast(wr);
        match &got.returns {
            Some(gr) if TypeAnn::from_ast(gr) == wt => {}
            Some(gr) => problems.push(format!(
                "it returns '{}' instead of '{wt}'",
                TypeAnn::from_ast(gr)
            )),
            None => problems.push(format!("it must declare '-> {wt}'")),
        }
    }
    if !problems.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::SignatureMismatch,
                f.header_span,
                format!(
                    "{}() does not match the expected signature: {}",
                    f.name.name,
                    problems.join("; ")
                ),
            )
            .with_help(format!("expected: def {want}:")),
        );
    }
}

/// A default value as canonical text (`…` when it is not a plain literal).
fn canonical_default(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(i) => i.to_string(),
        ExprKind::BigInt(s) => s.clone(),
        ExprKind::Float(f) => crate::value::repr::repr(&crate::value::Value::Float(*f)),
        ExprKind::Str(s) => crate::value::repr::repr(&crate::value::Value::str(s.clone())),
        ExprKind::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        ExprKind::None => "None".into(),
        ExprKind::Unary(dana_grammar::ast::UnaryOp::Neg, inner) => match &inner.kind {
            ExprKind::Int(_) | ExprKind::Float(_) => format!("-{}", canonical_default(inner)),
            _ => "…".into(),
        },
        ExprKind::List(v) if v.is_empty() => "[]".into(),
        ExprKind::Dict(v) if v.is_empty() => "{}".into(),
        ExprKind::Tuple(v) if v.is_empty() => "()".into(),
        _ => "…".into(),
    }
}

fn canonical_default_text(text: &str) -> String {
    match dana_grammar::parse_expr(text) {
        Ok(e) => canonical_default(&e),
        Err(_) => "…".into(),
    }
}

/// Parses an annotation's text (for hosts building [`FnSig`]s by hand).
pub fn parse_annotation(text: &str) -> Option<TypeExpr> {
    parse_type(text)
}
