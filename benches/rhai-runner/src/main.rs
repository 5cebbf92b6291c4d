//! Runs one Rhai benchmark program with a size injected as the variable `n`.
//!
//! Usage: `rhai-runner FILE.rhai [n=VALUE]` (a bare `VALUE` works too). The script's `print`
//! output goes to standard output; an error is printed to standard error with exit code 1.
//! Besides Rhai's standard library it registers one function, `array.join(sep)`, which Rhai
//! lacks and the strjoin program needs.

use rhai::{Array, Engine, ImmutableString, Scope};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: rhai-runner FILE.rhai [n=VALUE]");
        return ExitCode::from(2);
    };
    let mut n: Option<i64> = None;
    for a in args {
        let text = a.strip_prefix("n=").unwrap_or(&a);
        match text.parse::<i64>() {
            Ok(v) => n = Some(v),
            Err(_) => {
                eprintln!("rhai-runner: bad size argument '{a}' (expected n=INTEGER)");
                return ExitCode::from(2);
            }
        }
    }
    let script = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rhai-runner: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };

    let mut engine = Engine::new();
    // Rhai arrays have no `join`; register the native one that Python and Dana have as a
    // builtin (`sep.join(xs)`), so strjoin measures the same kind of work in all three.
    engine.register_fn("join", |xs: &mut Array, sep: &str| -> String {
        let mut out = String::new();
        for (i, x) in xs.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            match x.read_lock::<ImmutableString>() {
                Some(s) => out.push_str(&s),
                None => out.push_str(&x.to_string()),
            }
        }
        out
    });
    // Buffer `print` output like the other two languages do; flushed at the end.
    let out = std::rc::Rc::new(std::cell::RefCell::new(std::io::BufWriter::new(
        std::io::stdout(),
    )));
    let sink = out.clone();
    engine.on_print(move |s| {
        let mut w = sink.borrow_mut();
        let _ = writeln!(w, "{s}");
    });

    let mut scope = Scope::new();
    if let Some(n) = n {
        scope.push("n", n);
    }
    let result = engine.run_with_scope(&mut scope, &script);
    let _ = out.borrow_mut().flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rhai-runner: {path}: {e}");
            ExitCode::from(1)
        }
    }
}
