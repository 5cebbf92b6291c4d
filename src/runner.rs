//! Running and checking `.na` files: what `dana run` and `dana check` do.

use crate::diagnostics::{render, render_diagnostic, runtime_report, syntax_report};
use dana_grammar::ast::{ParamKind, Sym};
use dana_interpreter::check;
use dana_interpreter::check::serde_json;
use dana_interpreter::error::RtError;
use dana_interpreter::eval::Interp;
use dana_interpreter::load;
use dana_interpreter::value::{coerce, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Exit codes of the command line (DANA_SPEC §9).
pub(crate) const EXIT_OK: i32 = 0;
pub(crate) const EXIT_RUNTIME: i32 = 1;
pub(crate) const EXIT_USAGE: i32 = 2;

/// A fresh interpreter with the standard modules, POET and `DANAPATH` installed.
pub(crate) fn new_interp() -> Interp {
    new_interp_with_poet().0
}

/// [`new_interp`], with the POET runtime (to flush it at chosen moments).
pub(crate) fn new_interp_with_poet() -> (Interp, Rc<dana_poet::PoetRuntime>) {
    let mut it = Interp::new();
    dana_stdlib::install(&mut it);
    let poet = dana_poet::install_with(&mut it, dana_poet::PoetOptions::from_env());
    it.search_path.extend(load::danapath());
    (it, poet)
}

/// Whether stderr output should be coloured.
pub(crate) fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

fn print_runtime_error(e: &RtError, it: &Interp) {
    let report = runtime_report(e, |f| it.source(f).map(|s| s.text.to_string()));
    eprint!("{}", render(&report, use_color()));
}

/// The limits of one `dana run` (the command-line options; `None`: not given).
#[derive(Clone, Debug, Default)]
pub struct RunLimits {
    /// `--max-memory`: `Some(None)` is `unlimited`; `None` means `$DANA_MAX_MEMORY`, else the
    /// default ([`dana_interpreter::limits::default_max_memory`]).
    pub max_memory: Option<Option<usize>>,
    /// `--timeout`: wall time from the start of the run.
    pub timeout: Option<std::time::Duration>,
    /// `--max-operations`.
    pub max_operations: Option<u64>,
}

/// Parses a memory limit as `--max-memory` and `DANA_MAX_MEMORY` take it: a size (`512M`,
/// `2G`, `1073741824`) or `unlimited`/`none` (`Ok(None)`).
pub fn parse_memory_limit(text: &str) -> Result<Option<usize>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "unlimited" | "none" => Ok(None),
        _ => dana_interpreter::limits::parse_size(text).map(Some),
    }
}

/// The memory limit of a run (and of the REPL): the option, else `$DANA_MAX_MEMORY`, else the
/// default.
pub(crate) fn memory_limit(limits: &RunLimits) -> Result<Option<usize>, String> {
    if let Some(m) = limits.max_memory {
        return Ok(m);
    }
    match std::env::var("DANA_MAX_MEMORY") {
        Ok(v) if !v.trim().is_empty() => {
            parse_memory_limit(&v).map_err(|e| format!("DANA_MAX_MEMORY: {e}"))
        }
        _ => Ok(Some(dana_interpreter::limits::default_max_memory())),
    }
}

/// Runs a program file, then its `main(...)` with the command-line arguments, under the limits
/// of the command line (those not given: the defaults, and `$DANA_MAX_MEMORY`); returns the
/// exit code.
pub fn run_file_with(path: &Path, args: &[String], limits: &RunLimits) -> i32 {
    let max_memory = match memory_limit(limits) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("  help: give a size such as 512M, 2G or 1073741824, or `unlimited`");
            return EXIT_USAGE;
        }
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return EXIT_USAGE;
        }
    };
    let name = path.to_string_lossy().to_string();
    let parsed = match load::parse(name.as_str(), text.as_str()) {
        Ok(p) => p,
        Err(e) => {
            eprint!(
                "{}",
                render(&syntax_report(&e.error, &name, &text), use_color())
            );
            return EXIT_USAGE;
        }
    };
    let mut it = new_interp();
    it.search_path = load::program_search_path(path);
    it.limits.max_memory = max_memory;
    it.limits.max_operations = limits.max_operations;
    // A deadline past what the clock can represent is no deadline.
    it.limits.deadline = limits
        .timeout
        .and_then(|t| std::time::Instant::now().checked_add(t));
    it.reset_operations();
    let globals = it.new_globals("__main__", Some(parsed.name.clone()));
    let guarded = calls_main_under_name_guard(&parsed.module);
    let result = it.run_parsed(&parsed, &globals).and_then(|_| {
        if guarded {
            Ok(())
        } else {
            call_main(&mut it, &globals, args)
        }
    });
    it.flush();
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            print_runtime_error(&e, &it);
            if e.kind == dana_interpreter::ExcKind::SyntaxError {
                EXIT_USAGE
            } else {
                EXIT_RUNTIME
            }
        }
    }
}

/// `true` when the program already runs `main()` itself under Python's
/// `if __name__ == "__main__":` guard; `dana run` then does not call it a second time.
fn calls_main_under_name_guard(m: &dana_grammar::ast::Module) -> bool {
    use dana_grammar::ast::{ExprKind, StmtKind};
    m.body.iter().any(|s| {
        let StmtKind::If { cond, body, .. } = &s.kind else {
            return false;
        };
        let mut mentions_name = false;
        dana_interpreter::resolve::visit_expr(cond, &mut |e| {
            if let ExprKind::Name { name, .. } = &e.kind {
                mentions_name |= name.as_str() == "__name__";
            }
        });
        mentions_name
            && body.iter().any(|st| {
                let StmtKind::Expr(e) = &st.kind else {
                    return false;
                };
                let mut calls = false;
                dana_interpreter::resolve::visit_expr(e, &mut |x| {
                    if let ExprKind::Call { func, .. } = &x.kind {
                        calls |= matches!(&func.kind, ExprKind::Name { name, .. } if name.as_str() == "main");
                    }
                });
                calls
            })
    })
}

/// Calls `main` when the program defines it: `key=value` words are keyword arguments, other
/// words positional, each converted to the parameter's annotated type (DANA_SPEC §11).
fn call_main(
    it: &mut Interp,
    globals: &Rc<dana_interpreter::value::Globals>,
    args: &[String],
) -> Result<(), Box<RtError>> {
    let Some(main) = globals.get(Sym::intern("main")) else {
        return Ok(());
    };
    let Value::Func(f) = &main else {
        return Ok(());
    };
    let params = &f.code.params;
    let lookup = |s: Sym| globals.get(s);
    let mut pos = Vec::new();
    let mut kw = Vec::new();
    for a in args {
        let (name, text) = match a.split_once('=') {
            Some((k, v)) if is_identifier(k) => (Some(k), v),
            _ => (None, a.as_str()),
        };
        // Positional words fill the positional parameters in order, then `*args` (whose
        // annotation, if any, types each element).
        let param = match name {
            Some(n) => params
                .iter()
                .find(|p| p.name.as_str() == n && p.kind == ParamKind::Normal)
                .or_else(|| params.iter().find(|p| p.kind == ParamKind::KwArgs)),
            None => params
                .iter()
                .filter(|p| p.kind == ParamKind::Normal)
                .take(f.code.n_positional)
                .nth(pos.len())
                .or_else(|| params.iter().find(|p| p.kind == ParamKind::VarArgs)),
        };
        let mut v = Value::str(text);
        if let Some(p) = param {
            if let Some(ann) = &p.ann {
                v = coerce::coerce(v, ann, p.name.as_str(), &lookup).map_err(|mut e| {
                    e.location = Some(f.code.src.location(f.code.span));
                    e
                })?;
            }
        }
        match name {
            Some(n) => kw.push((Sym::intern(n), v)),
            None => pos.push(v),
        }
    }
    let at_main = |mut e: Box<RtError>| {
        if e.location.is_none() {
            e.location = Some(f.code.src.location(f.code.span));
        }
        e
    };
    it.call_value(&main, pos, &kw).map(|_| ()).map_err(at_main)
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// Checks files without running them: syntax, name resolution, then the static type checker
/// (`dana_interpreter::check`). Prints every diagnostic as a miette report on stderr (or, with
/// `json`, one JSON array of all diagnostics on stdout); returns 2 when any file has an error.
pub fn check_files(paths: &[PathBuf], json: bool) -> i32 {
    let mut code = EXIT_OK;
    let mut all_json: Vec<serde_json::Value> = Vec::new();
    let mut stdlib: Option<HashMap<String, check::ModuleInfo>> = None;
    for path in paths {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                if json {
                    all_json.push(serde_json::json!({
                        "file": path.to_string_lossy(), "severity": "error", "code": "io",
                        "message": format!("cannot read {}: {e}", path.display()),
                        "line": 0, "column": 0, "end_line": 0, "end_column": 0,
                        "label": "", "help": null,
                    }));
                } else {
                    eprintln!("error: cannot read {}: {e}", path.display());
                }
                code = EXIT_USAGE;
                continue;
            }
        };
        let name = path.to_string_lossy().to_string();
        let parsed = match load::parse(name.as_str(), text.as_str()) {
            Ok(p) => p,
            Err(e) => {
                let e = e.error;
                if json {
                    all_json.push(fatal_json(&name, &text, "syntax", &e.message, e.span));
                } else {
                    eprint!("{}", render(&syntax_report(&e, &name, &text), use_color()));
                }
                code = EXIT_USAGE;
                continue;
            }
        };
        let m = &parsed.module;
        {
            let it = new_interp();
            let globals = it.new_globals("__main__", Some(parsed.name.clone()));
            if let Err(e) = parsed.resolve(globals) {
                if json {
                    let span = e.location.as_ref().map(|l| l.span).unwrap_or_default();
                    all_json.push(fatal_json(&name, &text, "syntax", &e.message, span));
                } else {
                    let report = runtime_report(&e, |f| (f == name).then(|| text.clone()));
                    eprint!("{}", render(&report, use_color()));
                }
                code = EXIT_USAGE;
                continue;
            }
        }
        let stdlib = stdlib.get_or_insert_with(|| {
            let mut it = new_interp();
            check::stdlib_module_infos(&mut it, dana_stdlib::MODULES)
        });
        let opts = check_options(path, m, stdlib);
        let diags = check::check_module(m, &opts);
        if check::has_errors(&diags) {
            code = EXIT_USAGE;
        }
        if json {
            all_json.extend(check::diagnostics_json(&name, &text, &diags));
            continue;
        }
        let snippet = dana_interpreter::source::Snippet::new(name.as_str(), text.as_str());
        for d in &diags {
            eprint!(
                "{}",
                render_diagnostic(&d.with_source(&snippet), use_color())
            );
        }
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let warnings = diags.len() - errors;
        match (errors, warnings) {
            (0, 0) => println!("{}: ok", path.display()),
            (0, w) => println!("{}: ok ({w} warning{})", path.display(), plural(w)),
            (e, w) => eprintln!(
                "{}: {e} error{}, {w} warning{}",
                path.display(),
                plural(e),
                plural(w)
            ),
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Array(all_json))
                .unwrap_or_else(|_| "[]".into())
        );
    }
    code
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn fatal_json(
    file: &str,
    text: &str,
    code: &str,
    message: &str,
    span: dana_grammar::ast::Span,
) -> serde_json::Value {
    let (line, column) = check::line_col(text, span.start as usize);
    let (end_line, end_column) = check::line_col(text, span.end as usize);
    serde_json::json!({
        "file": file, "severity": "error", "code": code, "message": message,
        "line": line, "column": column, "end_line": end_line, "end_column": end_column,
        "label": "", "help": null,
    })
}

/// Type-checks one file as `dana check` does (standard modules and imported `.na` modules
/// known); returns its text and diagnostics, or the syntax error's message.
pub fn typecheck_file(path: &Path) -> Result<(String, Vec<check::Diagnostic>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let m = dana_grammar::parse_module(&text).map_err(|e| e.message.clone())?;
    let mut it = new_interp();
    let stdlib = check::stdlib_module_infos(&mut it, dana_stdlib::MODULES);
    let opts = check_options(path, &m, &stdlib);
    let diags = check::check_module(&m, &opts);
    Ok((text, diags))
}

/// The names [`new_interp`] installs beside the builtins (the standard library's `reason` and
/// `llm`, POET's `feedback`, `poet_last_execution` and `@poet`), as the static checker must
/// know them.
pub fn host_names() -> check::HostNames {
    dana_stdlib::host_names().and(dana_poet::host_names())
}

/// The checker's view of the world for one file: the host's names, the standard modules, and
/// a summary of each `.na` module the file imports (found by the module search of `import`:
/// beside the importing file, then beside `path` as the program, then on `DANAPATH`),
/// recursively.
fn check_options(
    path: &Path,
    m: &dana_grammar::ast::Module,
    stdlib: &HashMap<String, check::ModuleInfo>,
) -> check::CheckOptions {
    let mut opts = check::CheckOptions {
        host: host_names(),
        ..check::CheckOptions::default()
    };
    let search_path = load::program_search_path(path);
    let mut visiting = vec![path.canonicalize().unwrap_or_else(|_| path.to_path_buf())];
    let here = load::importer_dir(Some(path));
    add_imports(
        &here,
        m,
        stdlib,
        &search_path,
        &mut opts.modules,
        &mut visiting,
    );
    opts
}

fn add_imports(
    here: &Path,
    m: &dana_grammar::ast::Module,
    stdlib: &HashMap<String, check::ModuleInfo>,
    search_path: &[PathBuf],
    out: &mut HashMap<String, check::ModuleInfo>,
    visiting: &mut Vec<PathBuf>,
) {
    for name in check::imported_modules(m) {
        if out.contains_key(&name) {
            continue;
        }
        // As `import` does: a `.na` module found by the search first, then a standard module.
        let Some(file) = load::find_module_file(here, &name, search_path) else {
            if let Some(info) = stdlib.get(&name) {
                out.insert(name, info.clone());
            }
            continue;
        };
        let canon = file.canonicalize().unwrap_or_else(|_| file.clone());
        // A cycle or a very deep chain: the module stays unknown (`any`).
        if visiting.contains(&canon) || visiting.len() > 16 {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(sub) = dana_grammar::parse_module(&text) else {
            continue;
        };
        visiting.push(canon);
        let sub_here = load::importer_dir(Some(&file));
        let mut sub_opts = check::CheckOptions {
            host: host_names(),
            ..check::CheckOptions::default()
        };
        add_imports(
            &sub_here,
            &sub,
            stdlib,
            search_path,
            &mut sub_opts.modules,
            visiting,
        );
        visiting.pop();
        out.insert(name, check::summarize_module(&sub, &sub_opts));
    }
}
