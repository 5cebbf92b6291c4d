//! Running and checking `.na` files: what `dana run` and `dana check` do.

use crate::diagnostics::{render, runtime_report, syntax_report};
use dana_grammar::ast::Sym;
use dana_interpreter::error::RtError;
use dana_interpreter::eval::Interp;
use dana_interpreter::resolve::Resolver;
use dana_interpreter::source::SourceFile;
use dana_interpreter::value::{coerce, Value};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// Exit codes of the command line (DANA_SPEC §9).
pub const EXIT_OK: i32 = 0;
pub const EXIT_RUNTIME: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// A fresh interpreter with the standard modules and `DANAPATH` installed.
pub fn new_interp() -> Interp {
    let mut it = Interp::new();
    dana_stdlib::install(&mut it);
    if let Some(p) = std::env::var_os("DANAPATH") {
        it.search_path
            .extend(std::env::split_paths(&p).filter(|p| !p.as_os_str().is_empty()));
    }
    it
}

/// Whether stderr output should be coloured.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

fn print_runtime_error(e: &RtError, it: &Interp) {
    let report = runtime_report(e, |f| it.source(f).map(|s| s.text.to_string()));
    eprint!("{}", render(&report, use_color()));
}

/// Runs a program file, then its `main(...)` with the command-line arguments; returns the exit
/// code.
pub fn run_file(path: &Path, args: &[String]) -> i32 {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return EXIT_USAGE;
        }
    };
    let name = path.to_string_lossy().to_string();
    let module = match dana_grammar::parse_module(&text) {
        Ok(m) => m,
        Err(e) => {
            eprint!("{}", render(&syntax_report(&e, &name, &text), use_color()));
            return EXIT_USAGE;
        }
    };
    let mut it = new_interp();
    let file: Arc<str> = Arc::from(name.as_str());
    let globals = it.new_globals("__main__", Some(file.clone()));
    let src = Rc::new(SourceFile::new(file, text.as_str()));
    let result = it
        .run_ast(&module, &globals, &src)
        .and_then(|_| call_main(&mut it, &globals, args));
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
        let param = match name {
            Some(n) => params.iter().find(|p| p.name.as_str() == n),
            None => params.get(pos.len()),
        };
        let mut v = Value::str(text);
        if let Some(p) = param {
            if let Some(ann) = &p.ann {
                v = coerce::coerce(v, ann, p.name.as_str(), &lookup)?;
            }
        }
        match name {
            Some(n) => kw.push((Sym::intern(n), v)),
            None => pos.push(v),
        }
    }
    it.call_value(&main, pos, &kw).map(|_| ())
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// Parses and resolves files without running them; prints diagnostics; returns the exit code.
pub fn check_files(paths: &[PathBuf]) -> i32 {
    let mut code = EXIT_OK;
    for path in paths {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                code = EXIT_USAGE;
                continue;
            }
        };
        let name = path.to_string_lossy().to_string();
        match dana_grammar::parse_module(&text) {
            Err(e) => {
                eprint!("{}", render(&syntax_report(&e, &name, &text), use_color()));
                code = EXIT_USAGE;
            }
            Ok(m) => {
                let it = new_interp();
                let file: Arc<str> = Arc::from(name.as_str());
                let globals = it.new_globals("__main__", Some(file.clone()));
                let src = Rc::new(SourceFile::new(file, text.as_str()));
                match Resolver::new(globals, src.clone()).module(&m) {
                    Ok(_) => println!("{}: ok", path.display()),
                    Err(e) => {
                        let report = runtime_report(&e, |f| (f == name).then(|| text.clone()));
                        eprint!("{}", render(&report, use_color()));
                        code = EXIT_USAGE;
                    }
                }
            }
        }
    }
    code
}
