//! The gradual static type checker (`dana check`, and POET's validation gate).
//!
//! One pass over a parsed module: a pre-pass collects structs, interfaces, receiver methods
//! and the names each scope binds (Python rules); then the top-level statements are checked in
//! order, and after them every function body (so a function sees the module's globals with
//! the types of all their assignments). Types come from annotations, literals, operators
//! (Dana's mixed-type rules), assignments, builtin and stdlib signatures
//! ([`crate::builtins::signatures`]) and struct definitions. `any` and unannotated values are
//! compatible with everything: only a type that can *never* fit is an error. See README.md
//! beside this file for what is checked and the decisions taken to avoid false positives.

mod call;
mod checker;
pub mod diag;
pub mod expect;
mod expr;
mod modules;
mod reach;
mod scan;
mod ty;

#[cfg(test)]
mod tests;

pub use diag::{line_col, Code, Diagnostic, Severity, SourcedDiagnostic};
pub use expect::{check_against, AllowedToplevel, Expectations, FnSig, ParamSig, StmtClass};
pub use modules::{module_info_from_globals, stdlib_module_infos};
pub use ty::{Compat, FnType, ParamT, Sig, Type};

/// Re-exported so hosts can build and print the JSON of [`diagnostics_json`] without their own
/// dependency.
pub use serde_json;

use dana_grammar::ast::{Module, Sym};
use std::collections::HashMap;

/// What the checker may assume about the world outside the module.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Extra names visible as globals (host builtins, the globals of the module whose function
    /// POET enhances), with their types (`Type::Any` when unknown).
    pub globals: Vec<(String, Type)>,
    /// Modules that imports may name, by dotted path (`math`, `utils`, `pkg.text`; a relative
    /// import `from .util import f` is looked up as `.util`). An unknown module is `any`.
    pub modules: HashMap<String, ModuleInfo>,
    /// Leave out the warnings (unused names, unreachable code, downgraded errors).
    pub no_warnings: bool,
    /// An undefined name is an error even inside a function nothing in the module calls
    /// (POET's gate: the generated stage functions are called from outside).
    pub strict_names: bool,
}

/// What a module offers to its importers.
#[derive(Clone, Debug, Default)]
pub struct ModuleInfo {
    /// Public members and their types.
    pub members: HashMap<String, Type>,
    /// The struct types the module defines (members may be `Type::StructType` of them).
    pub structs: Vec<StructInfo>,
    pub interfaces: Vec<InterfaceInfo>,
    /// `true` when `members` is exhaustive (standard modules): a missing member is an error.
    pub complete: bool,
}

/// A struct (or agent/resource/workflow) type as the checker sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct StructInfo {
    pub name: Sym,
    pub fields: Vec<FieldInfo>,
    /// Methods without their receiver parameter.
    pub methods: HashMap<Sym, std::rc::Rc<FnType>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldInfo {
    pub name: Sym,
    pub ty: Type,
    pub has_default: bool,
}

impl StructInfo {
    pub fn field(&self, n: Sym) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.name == n)
    }
    /// Fields whose names start with `_` receive the lookups that miss (DANA_SPEC §7).
    pub fn delegates(&self) -> impl Iterator<Item = &FieldInfo> {
        self.fields
            .iter()
            .filter(|f| f.name.as_str().starts_with('_'))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct InterfaceInfo {
    pub name: Sym,
    pub methods: Vec<Sym>,
    pub embeds: Vec<Sym>,
}

/// Checks a module; diagnostics are sorted by position (errors and warnings mixed).
pub fn check_module(m: &Module, opts: &CheckOptions) -> Vec<Diagnostic> {
    checker::Checker::run(m, opts).diags
}

/// Parses and checks a source text.
pub fn check_source(
    src: &str,
    opts: &CheckOptions,
) -> Result<Vec<Diagnostic>, dana_grammar::SyntaxError> {
    let m = dana_grammar::parse_module(src)?;
    Ok(check_module(&m, opts))
}

/// What a module offers to importers (its public module-level names with their types, its
/// structs and interfaces), for checking the modules that import it.
pub fn summarize_module(m: &Module, opts: &CheckOptions) -> ModuleInfo {
    checker::Checker::run(m, opts).summary
}

/// The names of the modules a module imports (dotted; relative ones with their leading dots),
/// for a host that builds [`CheckOptions::modules`].
pub fn imported_modules(m: &Module) -> Vec<String> {
    scan::imported_modules(m)
}

/// `true` when the diagnostics contain an error (not only warnings).
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

/// Diagnostics as JSON objects (`file`, `severity`, `code`, `message`, `line`, `column`,
/// `end_line`, `end_column`, `label`, `help`) for editors and CI.
pub fn diagnostics_json(file: &str, src: &str, diags: &[Diagnostic]) -> Vec<serde_json::Value> {
    let lines = crate::source::SourceFile::new(file, src);
    diags
        .iter()
        .map(|d| {
            let (line, column) = lines.line_col(d.span.start);
            let (end_line, end_column) = lines.line_col(d.span.end);
            serde_json::json!({
                "file": file,
                "severity": d.severity.as_str(),
                "code": d.code.as_str(),
                "message": d.message,
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
                "label": d.label,
                "help": d.help,
            })
        })
        .collect()
}

/// The closest candidate to `name` (optimal string alignment distance, transpositions count
/// once), within a third of its length (at least 1, at least 2 for names of 5+ characters).
pub(crate) fn suggest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let a: Vec<char> = name.chars().collect();
    let max = (a.len() / 3).max(if a.len() >= 5 { 2 } else { 1 });
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let b: Vec<char> = c.chars().collect();
        if a.len().abs_diff(b.len()) > max {
            continue;
        }
        let d = osa_distance(&a, &b);
        if d <= max && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn osa_distance(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}
