//! The validation gate (POET_SPEC §4): every generated `code.na`, offline or from an LLM,
//! passes these checks before it is stored or run.
//!
//! | check | what it demands |
//! |---|---|
//! | `size` | at most [`MAX_CODE_BYTES`] |
//! | `parse` | valid Dana |
//! | `toplevel` | only definitions, literal constants and docstrings at top level; other functions start with `_`; no name defined twice; nothing that runs at load time |
//! | `types` | no type-checker errors (warnings do not fail) |
//! | `signatures` | `operate` exactly like the original; `perceive`, `enforce`, `train` as §2 says when present |
//! | `capabilities` | only allowed builtins and modules (below), resolved through what the program's names are bound to; no writes to program state; no changes to program types (`contain.rs`) |
//!
//! The allowlist: the builtins that compute without side effects (not `print`, `input`,
//! `help`, `log_level`, the POET and LLM hooks; `log` is allowed), the pure standard modules
//! (`math`, `json`, `re`, `stats`), the modules a granted capability opens ([`CAPABILITY_GRANTS`]),
//! every builtin, module member and import the original function itself uses (an offline
//! version copies its body; a plain name counts when the original reads it from outside, not
//! when it is one of its own locals), and `_original`. The module members a call uses are
//! audited when [`CheckOptions::modules`] describes the module (give the standard modules'
//! summaries); an `import` is audited always.
//!
//! On top of the allowlist, the containment audit (`gate/contain.rs`, POET_SPEC §2) resolves
//! what each name is bound to through [`GateInput::program`], and refuses writes to program
//! state, receiver methods and structs that would change program types, and load-time code.
//!
//! The trial run of §4 needs an interpreter and lives with the pipeline.

mod allow;
mod contain;
mod names;
mod program;
mod uses;

pub(crate) use allow::{CAPABILITY_GRANTS, IMPURE_BUILTINS, PURE_MODULES};
pub(crate) use contain::writes_program_state;
pub use program::{Binding, ProgramNames};

use crate::host::gate_host_names;
use crate::make::shape::{FunctionShape, ParamKind};
use dana_grammar::ast::{self, StmtKind, TypeExpr};
use dana_interpreter::check::expect::parse_annotation;
use dana_interpreter::check::{
    check_against, line_col, AllowedToplevel, CheckOptions, Code, Diagnostic, Expectations, FnSig,
    ParamSig, Type,
};
use std::collections::{HashMap, HashSet};
use uses::names_used;

/// The largest `code.na` the gate accepts.
pub const MAX_CODE_BYTES: usize = 64 * 1024;

/// The checks, in the order they run.
pub const CHECK_NAMES: &[&str] = &[
    "size",
    "parse",
    "toplevel",
    "types",
    "signatures",
    "capabilities",
];

/// One check's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct GateCheck {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

/// All checks' outcomes, with the error diagnostics (`code.na:12:5: error: …`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct GateReport {
    pub checks: Vec<GateCheck>,
    pub diagnostics: Vec<String>,
}

impl GateReport {
    /// Every check ran and passed.
    pub fn passed(&self) -> bool {
        self.checks.len() == CHECK_NAMES.len() && self.checks.iter().all(|c| c.passed)
    }

    /// `{"passed": …, "checks": [{"name", "passed", "detail"}], "diagnostics": […]}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "passed": self.passed(),
            "checks": self.checks.iter().map(|c| serde_json::json!({
                "name": c.name,
                "passed": c.passed,
                "detail": c.detail,
            })).collect::<Vec<_>>(),
            "diagnostics": self.diagnostics,
        })
    }

    /// One line: `all 6 checks passed`, or each failed check with its detail.
    pub fn summary(&self) -> String {
        if self.passed() {
            return format!("all {} checks passed", CHECK_NAMES.len());
        }
        let failed: Vec<String> = self
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{} failed: {}", c.name, c.detail))
            .collect();
        if failed.is_empty() {
            "not all checks ran".into()
        } else {
            failed.join("; ")
        }
    }

    fn push(&mut self, name: &str, passed: bool, detail: impl Into<String>) {
        self.checks.push(GateCheck {
            name: name.into(),
            passed,
            detail: detail.into(),
        });
    }
}

/// What the gate needs.
pub struct GateInput<'a> {
    pub code: &'a str,
    /// The original function.
    pub shape: &'a FunctionShape,
    /// The capabilities granted to the function.
    pub capabilities: &'a [String],
    /// The checker's view of the world: the globals of the module defining the original and
    /// the modules it may import.
    pub options: CheckOptions,
    /// What the globals of the module defining the original are bound to (the containment
    /// audit resolves names through it; empty when there is no program).
    pub program: ProgramNames,
}

/// Runs the checks; later checks are skipped when the code is too large or does not parse.
pub fn validate(input: &GateInput) -> GateReport {
    let mut report = GateReport::default();
    let code = input.code;
    if code.len() > MAX_CODE_BYTES {
        report.push(
            "size",
            false,
            format!(
                "{} bytes, more than the limit of {MAX_CODE_BYTES}",
                code.len()
            ),
        );
        report.diagnostics.push(format!(
            "code.na:1:1: error: the code has {} bytes; the limit is {MAX_CODE_BYTES}",
            code.len()
        ));
        return report;
    }
    report.push("size", true, format!("{} bytes", code.len()));
    let module = match dana_grammar::parse_module(code) {
        Ok(m) => m,
        Err(e) => {
            let (line, col) = line_col(code, e.span.start as usize);
            report.push("parse", false, format!("{line}:{col}: {}", e.message));
            report.diagnostics.push(render(
                code,
                e.span.start as usize,
                &e.message,
                e.help.as_deref(),
            ));
            return report;
        }
    };
    report.push("parse", true, "valid Dana");

    let original = match original_def(input.shape) {
        Ok(m) => m,
        Err(e) => {
            for name in &CHECK_NAMES[2..] {
                report.push(name, false, format!("the original function: {e}"));
            }
            return report;
        }
    };
    let Some(orig) = first_def(&original) else {
        for name in &CHECK_NAMES[2..] {
            report.push(name, false, "the original is not a function definition");
        }
        return report;
    };
    let mut options = input.options.clone();
    options.host = std::mem::take(&mut options.host).and(gate_host_names());
    if !options.globals.iter().any(|(n, _)| n == "_original") {
        options.globals.push(("_original".into(), Type::Any));
    }
    let allow = allowlist(orig, input.capabilities, &options);
    let module_types = module_types(&options);
    let expectations = Expectations {
        required: vec![FnSig::from_def(orig).renamed("operate")],
        optional: stage_sigs(orig),
        allowed_toplevel: AllowedToplevel::definitions(),
        callable_allowlist: Some(allow.clone()),
        options,
    };
    let mut diags: Vec<Diagnostic> = check_against(&module, &expectations)
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    diags.extend(kind_mismatches(&module, input.shape));
    let mut original_free = contain::free_names(orig);
    original_free.insert(orig.name.name.as_str().to_string());
    diags.extend(contain::audit(
        &module,
        code,
        &contain::Context {
            program: &input.program,
            allow: &allow,
            original_free: &original_free,
            module_types,
        },
    ));
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    diags.dedup();

    let mut by_check: HashMap<&str, Vec<&Diagnostic>> = HashMap::new();
    for d in &diags {
        by_check.entry(check_of(d.code)).or_default().push(d);
        report.diagnostics.push(render(
            code,
            d.span.start as usize,
            &d.message,
            d.help.as_deref(),
        ));
    }
    for (name, ok_detail) in [
        ("toplevel", "only definitions and constants at top level"),
        ("types", "no type errors"),
        (
            "signatures",
            "the stage functions match the original's signature",
        ),
        (
            "capabilities",
            "only allowed builtins and modules; no writes to program state",
        ),
    ] {
        match by_check.get(name) {
            None => report.push(name, true, ok_detail),
            Some(ds) => {
                let shown: Vec<String> = ds
                    .iter()
                    .take(3)
                    .map(|d| {
                        let (line, col) = line_col(code, d.span.start as usize);
                        format!("{line}:{col}: {}", d.message)
                    })
                    .collect();
                let more = if ds.len() > 3 {
                    format!(" (and {} more)", ds.len() - 3)
                } else {
                    String::new()
                };
                report.push(name, false, format!("{}{more}", shown.join("; ")));
            }
        }
    }
    report
}

/// The struct and interface types of the modules the program imported, with their members.
fn module_types(options: &CheckOptions) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for info in options.modules.values() {
        for s in &info.structs {
            let members = out.entry(s.name.as_str().to_string()).or_default();
            members.extend(s.fields.iter().map(|f| f.name.as_str().to_string()));
            members.extend(s.methods.keys().map(|m| m.as_str().to_string()));
        }
        for i in &info.interfaces {
            out.entry(i.name.as_str().to_string())
                .or_default()
                .extend(i.methods.iter().map(|m| m.as_str().to_string()));
        }
    }
    out
}

/// `code.na:12:5: error: message (help: …)`.
fn render(code: &str, offset: usize, message: &str, help: Option<&str>) -> String {
    let (line, col) = line_col(code, offset);
    match help {
        Some(h) => format!("code.na:{line}:{col}: error: {message} (help: {h})"),
        None => format!("code.na:{line}:{col}: error: {message}"),
    }
}

fn check_of(code: Code) -> &'static str {
    match code {
        Code::ForbiddenStatement => "toplevel",
        Code::MissingFunction | Code::SignatureMismatch => "signatures",
        Code::ForbiddenCall => "capabilities",
        _ => "types",
    }
}

fn original_def(shape: &FunctionShape) -> Result<ast::Module, String> {
    dana_grammar::parse_module(&shape.source).map_err(|e| {
        let (line, col) = line_col(&shape.source, e.span.start as usize);
        format!("does not parse: {line}:{col}: {}", e.message)
    })
}

fn first_def(m: &ast::Module) -> Option<&ast::FunctionDef> {
    m.body.iter().find_map(|s| match &s.kind {
        StmtKind::FunctionDef(f) => Some(&**f),
        _ => None,
    })
}

fn texpr(text: &str) -> Option<TypeExpr> {
    parse_annotation(text)
}

/// `perceive`, `enforce` and `train` as POET_SPEC §2 defines them for `orig`.
fn stage_sigs(orig: &ast::FunctionDef) -> Vec<FnSig> {
    let sig = FnSig::from_def(orig);
    let params: Vec<ParamSig> = sig
        .params
        .iter()
        .map(|p| ParamSig {
            default: None,
            ..p.clone()
        })
        .collect();
    let result = ParamSig {
        name: "result".into(),
        ann: sig.returns.clone(),
        default: None,
    };
    let mut enforce_params = vec![result.clone()];
    enforce_params.extend(params.iter().cloned());
    vec![
        FnSig {
            name: "perceive".into(),
            params,
            returns: texpr("dict"),
        },
        FnSig {
            name: "enforce".into(),
            params: enforce_params,
            returns: sig.returns.clone(),
        },
        FnSig {
            name: "train".into(),
            params: vec![
                result,
                ParamSig {
                    name: "metrics".into(),
                    ann: texpr("dict"),
                    default: None,
                },
            ],
            returns: texpr("dict"),
        },
    ]
}

/// The checker compares names, annotations and defaults; this adds the parameter kinds
/// (`*args` where the original has `*args`).
fn kind_mismatches(m: &ast::Module, shape: &FunctionShape) -> Vec<Diagnostic> {
    let orig: Vec<(String, ParamKind)> = shape
        .params
        .iter()
        .map(|p| (p.name.clone(), p.kind))
        .collect();
    let mut with_result = vec![("result".to_string(), ParamKind::Normal)];
    with_result.extend(orig.iter().cloned());
    let mut out = Vec::new();
    for s in &m.body {
        let StmtKind::FunctionDef(f) = &s.kind else {
            continue;
        };
        let want = match f.name.name.as_str() {
            "operate" | "perceive" => &orig,
            "enforce" => &with_result,
            _ => continue,
        };
        let got: Vec<(String, ParamKind)> = f
            .receiver
            .iter()
            .chain(f.params.iter())
            .map(|p| {
                let kind = match p.kind {
                    ast::ParamKind::Normal => ParamKind::Normal,
                    ast::ParamKind::VarArgs => ParamKind::VarArgs,
                    ast::ParamKind::KwArgs => ParamKind::KwArgs,
                };
                (p.name.name.as_str().to_string(), kind)
            })
            .collect();
        if got.len() != want.len() {
            continue;
        }
        for ((gn, gk), (wn, wk)) in got.iter().zip(want) {
            if gn == wn && gk != wk {
                let shown = |k: ParamKind| match k {
                    ParamKind::Normal => format!("'{wn}'"),
                    ParamKind::VarArgs => format!("'*{wn}'"),
                    ParamKind::KwArgs => format!("'**{wn}'"),
                };
                out.push(
                    Diagnostic::error(
                        Code::SignatureMismatch,
                        f.header_span,
                        format!(
                            "{}() does not match the expected signature: parameter {} must be {}",
                            f.name.name,
                            shown(*gk),
                            shown(*wk)
                        ),
                    )
                    .with_help(format!("write the parameter as in: {}", shape.signature())),
                );
            }
        }
    }
    out
}

/// The builtins and module members the generated module may use.
fn allowlist(
    orig: &ast::FunctionDef,
    capabilities: &[String],
    options: &CheckOptions,
) -> HashSet<String> {
    let mut allow: HashSet<String> = dana_interpreter::builtins::all()
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| !IMPURE_BUILTINS.contains(n))
        .map(str::to_string)
        .collect();
    allow.insert("__name__".into());
    allow.insert("_original".into());
    allow.extend(PURE_MODULES.iter().map(|s| s.to_string()));
    for c in capabilities {
        if let Some((_, grants)) = CAPABILITY_GRANTS.iter().find(|(n, _)| n == c) {
            allow.extend(grants.iter().map(|s| s.to_string()));
        }
    }
    // The original's plain names count when it reads them from outside (not its own locals
    // that happen to share a builtin's name); its dotted members and imports all count.
    let free = contain::free_names(orig);
    allow.extend(
        names_used(orig, options)
            .into_iter()
            .filter(|n| n.contains('.') || free.contains(n)),
    );
    allow
}

/// The names the original function's definition uses (see [`names_used`]); empty when it
/// does not parse.
pub(crate) fn names_used_by(shape: &FunctionShape) -> HashSet<String> {
    match original_def(shape) {
        Ok(m) => first_def(&m)
            .map(|f| names_used(f, &CheckOptions::default()))
            .unwrap_or_default(),
        Err(_) => HashSet::new(),
    }
}
