//! The gradual static type checker (`dana check`, and the validation gate of generated code).
//!
//! One pass over a parsed module: a pre-pass collects structs, interfaces, receiver methods
//! and the names each scope binds (Python rules); then the top-level statements are checked in
//! order, and after them every function body (so a function sees the module's globals with
//! the types of all their assignments). Types come from annotations, literals, operators
//! (Dana's mixed-type rules), assignments, builtin and stdlib signatures
//! ([`crate::builtins::signatures`]), the host's names ([`CheckOptions::host`]) and struct
//! definitions. `any` and unannotated values are compatible with everything: only a type that
//! can *never* fit is an error. See `check/README.md` for what is checked and the decisions
//! taken to avoid false positives. This file holds the entry points; the files of `check/`
//! hold the work.

mod call;
mod checker;
mod decl;
mod diag;
pub mod expect;
mod expr;
mod flow;
mod import;
mod modules;
mod options;
mod reach;
mod scan;
mod stmt;
mod suggest;
mod ty;

#[cfg(test)]
mod tests;

pub use diag::{line_col, Code, Diagnostic, Severity, SourcedDiagnostic};
pub use expect::{check_against, AllowedToplevel, Expectations, FnSig, ParamSig, StmtClass};
pub use modules::{module_info_from_globals, stdlib_module_infos};
pub use options::{CheckOptions, FieldInfo, HostNames, InterfaceInfo, ModuleInfo, StructInfo};
pub use ty::{FnType, ParamT, Sig, Type};

/// Re-exported so hosts can build and print the JSON of [`diagnostics_json`] without their own
/// dependency.
pub use serde_json;

use dana_grammar::ast::Module;

/// Checks a module; diagnostics are sorted by position (errors and warnings mixed).
pub fn check_module(m: &Module, opts: &CheckOptions) -> Vec<Diagnostic> {
    checker::Checker::run(m, opts).diags
}

/// One run of the checker for an editor: the diagnostics, the module's summary and the type
/// inferred at each span ([`analyse`]).
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// As [`check_module`] gives them.
    pub diagnostics: Vec<Diagnostic>,
    /// As [`summarize_module`] gives it.
    pub summary: ModuleInfo,
    /// The type of every expression the checker looked at and of every name bound
    /// (assignment targets, parameters, definitions, imports), by span, in the order checked.
    pub types: Vec<(dana_grammar::ast::Span, Type)>,
}

/// Checks a module once and keeps what an editor needs: diagnostics, summary and the inferred
/// type at each span (hover, completion after `x.`). [`check_module`] records no types.
pub fn analyse(m: &Module, opts: &CheckOptions) -> Analysis {
    let c = checker::Checker::run_with(m, opts, true);
    Analysis {
        diagnostics: c.diags,
        summary: c.summary,
        types: c.types.unwrap_or_default(),
    }
}

/// The type of every builtin name and host name as the checker sees it (a builtin wins over a
/// host name), for an editor's hover and signature help.
pub fn builtin_types(host: &HostNames) -> std::collections::HashMap<String, Type> {
    checker::builtin_types(host)
        .into_iter()
        .map(|(k, v)| (k.as_str().to_string(), v))
        .collect()
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
