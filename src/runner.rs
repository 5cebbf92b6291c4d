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
/// A run ended by Ctrl-C (`KeyboardInterrupt` not caught): 128 + SIGINT, as shells report it.
pub(crate) const EXIT_INTERRUPTED: i32 = 130;

/// The flag Ctrl-C sets for [`dana_interpreter::limits::Limits::interrupt`]: the program sees a
/// `KeyboardInterrupt` at its next periodic check (a loop step, a call, a `sleep` tick). A
/// second Ctrl-C while the first is still pending (the program is blocked outside the
/// evaluator, e.g. waiting on input) ends the process at once.
fn interrupt_on_ctrl_c() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let flag = std::sync::Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let _ = ctrlc::set_handler(move || {
        if f.swap(true, Ordering::SeqCst) {
            // No destructor runs past this point: the POET events handed over are written now.
            dana_poet::events::flush_all();
            std::process::exit(EXIT_INTERRUPTED);
        }
    });
    flag
}

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

/// Whether stderr output should be coloured (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`).
pub(crate) fn use_color() -> bool {
    crate::diagnostics::color_for_stderr()
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
    let from_stdin = path.as_os_str() == "-";
    let read = if from_stdin {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    };
    let text = match read {
        Ok(t) => t,
        Err(e) => {
            let what = if from_stdin {
                "the program from standard input".to_string()
            } else {
                path.display().to_string()
            };
            eprintln!("error: cannot read {what}: {e}");
            return EXIT_USAGE;
        }
    };
    // The project (dana.toml, .poet) is found from the program's folder.
    match path.parent() {
        Some(dir) if !from_stdin => dana_llm::project::set_entry_folder(dir),
        _ => dana_llm::project::set_entry_folder(Path::new(".")),
    }
    let name = if from_stdin {
        "<stdin>".to_string()
    } else {
        path.to_string_lossy().to_string()
    };
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
    it.limits.interrupt = Some(interrupt_on_ctrl_c());
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
    if let Err(e) = &result {
        if e.kind == dana_interpreter::ExcKind::ValueError && e.message.starts_with(NO_MAIN) {
            it.flush();
            eprintln!("error: {}", e.message);
            return EXIT_USAGE;
        }
    }
    it.flush();
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            print_runtime_error(&e, &it);
            match e.kind {
                dana_interpreter::ExcKind::SyntaxError => EXIT_USAGE,
                dana_interpreter::ExcKind::KeyboardInterrupt => EXIT_INTERRUPTED,
                _ => EXIT_RUNTIME,
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
    let main = match globals.get(Sym::intern("main")) {
        Some(m @ Value::Func(_)) => m,
        _ if args.is_empty() => return Ok(()),
        _ => {
            return Err(RtError::new(
                dana_interpreter::ExcKind::ValueError,
                format!(
                    "{NO_MAIN}: it defines no main(), so the arguments {} have nothing to go to \
                     (define `def main(...)` to take them)",
                    args.iter()
                        .map(|a| format!("'{a}'"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            ))
        }
    };
    let Value::Func(f) = &main else {
        return Ok(());
    };
    let params = &f.code.params;
    let lookup = |s: Sym| globals.get(s);
    let mut pos = Vec::new();
    let mut kw = Vec::new();
    for (name, text) in split_arguments(args) {
        let name = name.as_deref();
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
        // A `--flag` without a value is True (and is not converted).
        let Some(text) = text else {
            kw.push((Sym::intern(name.unwrap_or_default()), Value::Bool(true)));
            continue;
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

/// The start of the usage error for arguments given to a program without `main`.
const NO_MAIN: &str = "the program takes no arguments";

/// The command-line words of a program as (keyword, text) pairs: `--key=value`, `--key value`
/// and `key=value` are keyword arguments (dashes in a `--` name are underscores: `--dry-run` is
/// `dry_run`), a `--key` followed by nothing, by another `--` option or by a `key=value` word
/// is `True`; other words are positional (keyword `None`). The text is `None` for such a flag.
pub fn split_arguments(args: &[String]) -> Vec<(Option<String>, Option<String>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if let Some(opt) = a.strip_prefix("--").filter(|o| !o.is_empty()) {
            let (key, value) = match opt.split_once('=') {
                Some((k, v)) => (k, Some(v.to_string())),
                None => (opt, None),
            };
            let key = key.replace('-', "_");
            if is_identifier(&key) {
                let value = value.or_else(|| match args.get(i) {
                    Some(next) if !next.starts_with("--") && !is_keyword_word(next) => {
                        i += 1;
                        Some(next.clone())
                    }
                    _ => None,
                });
                out.push((Some(key), value));
                continue;
            }
        }
        match a.split_once('=') {
            Some((k, v)) if is_identifier(k) => {
                out.push((Some(k.to_string()), Some(v.to_string())))
            }
            _ => out.push((None, Some(a.clone()))),
        }
    }
    out
}

/// A `key=value` word (a keyword argument of its own).
fn is_keyword_word(word: &str) -> bool {
    word.split_once('=').is_some_and(|(k, _)| is_identifier(k))
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// Checks files without running them: syntax, name resolution, then the static type checker
/// (`dana_interpreter::check`). Prints every diagnostic as a miette report on stderr (or, with
/// `json`, one JSON array of all diagnostics on stdout); returns 2 when any file has an error.
///
/// A folder stands for every `.na` file below it (hidden folders and `.poet` skipped), in
/// name order.
pub fn check_files(paths: &[PathBuf], json: bool) -> i32 {
    let paths = expand_folders(paths);
    let mut code = EXIT_OK;
    let mut all_json: Vec<serde_json::Value> = Vec::new();
    let mut stdlib: Option<HashMap<String, check::ModuleInfo>> = None;
    for path in &paths {
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
                    eprintln!("{}: 1 error, 0 warnings", path.display());
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
                    eprintln!("{}: 1 error, 0 warnings", path.display());
                }
                code = EXIT_USAGE;
                continue;
            }
        }
        let stdlib = stdlib.get_or_insert_with(|| {
            let mut it = new_interp();
            check::stdlib_module_infos(&mut it, &dana_stdlib::module_names())
        });
        let opts = check_options(path, m, stdlib);
        let mut diags = check::check_module(m, &opts);
        diags.extend(poet_decorator_diagnostics(&name, m, &text));
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

/// The `@poet(...)` decorators of the module's functions (top level and struct-less nested
/// blocks), checked as the runtime checks them when the function is defined
/// ([`dana_poet::check_decorator`]). An argument that is not a constant (it names a variable)
/// cannot be known before the run: that decorator is left to the runtime.
pub(crate) fn poet_decorator_diagnostics(
    file: &str,
    m: &dana_grammar::ast::Module,
    text: &str,
) -> Vec<check::Diagnostic> {
    use dana_grammar::ast::{ArgKind, ExprKind, Stmt, StmtKind};
    fn defs<'a>(body: &'a [Stmt], out: &mut Vec<&'a dana_grammar::ast::FunctionDef>) {
        for s in body {
            match &s.kind {
                StmtKind::FunctionDef(f) => out.push(f),
                StmtKind::If { body, orelse, .. } => {
                    defs(body, out);
                    defs(orelse, out);
                }
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    defs(&m.body, &mut found);
    let mut out = Vec::new();
    let mut it: Option<Interp> = None;
    for f in found {
        for d in &f.decorators {
            let is_poet =
                matches!(&d.func.kind, ExprKind::Name { name, .. } if name.as_str() == "poet");
            if is_poet {
                out.extend(docstring_example_diagnostics(f, text));
            }
            let (true, Some(args)) = (is_poet, &d.args) else {
                continue;
            };
            let it = it.get_or_insert_with(Interp::new);
            // Each argument's value, when it is a constant expression.
            let constant = |it: &mut Interp, e: &dana_grammar::ast::Expr| -> Option<Value> {
                let src = text.get(e.span.start as usize..e.span.end as usize)?;
                let g = it.new_globals("__check__", None);
                it.run_source("<check>", &format!("__value = ({src})\n"), &g)
                    .ok()?;
                g.get(Sym::intern("__value"))
            };
            let mut pos = Vec::new();
            let mut kw = Vec::new();
            let mut known = true;
            for a in args {
                let v = match &a.kind {
                    ArgKind::Positional(e) | ArgKind::Keyword(_, e) => constant(it, e),
                    _ => None,
                };
                match (v, &a.kind) {
                    (Some(v), ArgKind::Keyword(name, _)) => kw.push((name.name, v)),
                    (Some(v), _) => pos.push(v),
                    (None, _) => known = false,
                }
            }
            if !known {
                continue;
            }
            let args = dana_interpreter::value::Args::new(&pos, &kw);
            if let Err(message) = dana_poet::check_decorator(args, file) {
                let mut diag = check::Diagnostic::error(check::Code::ArgType, d.span, message);
                diag.label = "invalid @poet argument".into();
                out.push(diag);
            }
        }
    }
    out
}

/// The docstring examples of a `@poet` function that do not parse (`>>> f(2)` then the
/// expected answer; [`dana_poet::make::examples`]), each at its line in the file.
fn docstring_example_diagnostics(
    f: &dana_grammar::ast::FunctionDef,
    text: &str,
) -> Vec<check::Diagnostic> {
    use dana_grammar::ast::{FuncBody, Span};
    let (Some(doc), FuncBody::Block(stmts)) = (&f.docstring, &f.body) else {
        return Vec::new();
    };
    let Some(first) = stmts.first() else {
        return Vec::new();
    };
    let (_, errors) = dana_poet::make::examples::parse(doc, f.name.name.as_str());
    errors
        .into_iter()
        .map(|e| {
            // Line n of the docstring is n - 1 lines below the line its quotes open on.
            let start = first.span.start as usize;
            let mut at = start.min(text.len());
            for _ in 1..e.line {
                match text[at..].find('\n') {
                    Some(i) => at += i + 1,
                    None => break,
                }
            }
            let line = &text[at..];
            let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
            let end = at + line.find('\n').unwrap_or(line.len());
            let span = Span {
                start: (at + indent).min(end) as u32,
                end: end as u32,
            };
            let mut diag = check::Diagnostic::error(check::Code::ArgType, span, e.message);
            diag.label = "invalid docstring example".into();
            diag
        })
        .collect()
}

/// The files `dana check` looks at: each file as given, and for a folder every `.na` file
/// below it (not in hidden folders such as `.git`, nor in `.poet` stores), sorted.
pub(crate) fn expand_folders(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "na") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out);
        } else {
            out.push(p.clone());
        }
    }
    out
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
    let stdlib = check::stdlib_module_infos(&mut it, &dana_stdlib::module_names());
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
pub(crate) fn check_options(
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
