//! `dana repl`: the interactive read-eval-print loop.
//!
//! One [`Interp`] and one module `Globals` (`__main__`) live for the whole session, so every
//! input sees the names the earlier ones bound; redefining a function or struct simply
//! overwrites its global slot. Each input is parsed as a module named `<repl:N>` (diagnostics
//! point into that input) and run with [`Interp::run_parsed`].
//!
//! Echo: when an input is a single expression statement, it is rewritten (in the AST, spans
//! unchanged) to an assignment to the hidden global `__repl_value__`, which is read back and
//! unbound after the run; a value other than `None` is printed with its `repr` and bound to `_`
//! (Python's behaviour).
//!
//! On a terminal, input comes from a rustyline editor (history in `~/.dana/history` or
//! `$DANA_HISTORY`, reverse search with Ctrl-R, Tab completion, highlighting, Python-style
//! continuation lines with auto-indent). Otherwise lines are read from stdin without prompts.
//! Ctrl-C during an evaluation sets the interpreter's cancellation flag (a SIGINT handler): the
//! run stops with `KeyboardInterrupt` and the REPL continues. Ctrl-D at the prompt exits.

mod helper;

pub(crate) use helper::KEYWORDS;
use helper::{needs_more, next_indent};

use crate::diagnostics::{render, render_diagnostic, runtime_report, syntax_report};
use dana_grammar::ast::{Stmt, StmtKind, Sym};
use dana_interpreter::check;
use dana_interpreter::error::{ExcKind, RtError};
use dana_interpreter::eval::Interp;
use dana_interpreter::load;
use dana_interpreter::value::repr::repr;
use dana_interpreter::value::{Globals, Value};
use helper::DanaHelper;
use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History};
use rustyline::{CompletionType, Config, Editor};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const HIDDEN: &str = "__repl_value__";
const TYPE_PROBE: &str = "__repl_type__";

const HELP: &str = "\
Dana REPL: type statements or expressions; an expression's value is echoed (and bound to `_`).
Blocks continue Python-style: end them with an empty line.

  :help          this text
  :type EXPR     the static type of an expression (the type checker's view)
  :vars          the names defined in this session, with their types and values
  :load FILE     run a .na file in this session (its definitions stay available)
  :reset         forget every definition (a fresh interpreter)
  :poet CMD      POET, as `dana poet` (the store is $DANA_POET_DIR, else the project's
                 .poet): list, show FN [vN], diff FN A B, stats FN,
                 feedback FN RATING \"comment\", regenerate FN, rollback FN [--to N],
                 events [--function FN], gc
  :quit          leave (or Ctrl-D)

Keys: Tab completes names, keywords, methods and struct fields; Ctrl-R searches the history;
Ctrl-C cancels the input or a running evaluation; Ctrl-D exits.";

/// One REPL session: the interpreter, the module globals and the input counter.
pub(crate) struct Session {
    it: Interp,
    /// POET in this session (flushed before `:poet` commands).
    poet: Rc<dana_poet::PoetRuntime>,
    globals: Rc<RefCell<Rc<Globals>>>,
    cancel: Arc<AtomicBool>,
    counter: usize,
    color: bool,
    /// The source of the definitions run so far (functions, structs, interfaces, imports,
    /// assignments), for `:type`.
    defs: Vec<(Option<Sym>, String)>,
    /// The standard modules as the type checker sees them (computed on the first `:type`).
    stdlib: Option<HashMap<String, check::ModuleInfo>>,
}

impl Session {
    /// A fresh session whose runs stop when `cancel` becomes `true`.
    pub(crate) fn new(cancel: Arc<AtomicBool>, color: bool) -> Session {
        let (it, g, poet) = fresh(&cancel);
        Session {
            it,
            poet,
            globals: Rc::new(RefCell::new(g)),
            cancel,
            counter: 0,
            color,
            defs: Vec::new(),
            stdlib: None,
        }
    }

    /// The session's current module globals.
    pub(crate) fn globals(&self) -> Rc<Globals> {
        self.globals.borrow().clone()
    }

    /// Handles one complete input (a meta command or code). Returns `false` to leave.
    pub(crate) fn handle(&mut self, input: &str) -> bool {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return true;
        }
        if let Some(cmd) = trimmed.strip_prefix(':') {
            let (name, arg) = match cmd.split_once(char::is_whitespace) {
                Some((n, a)) => (n, a.trim()),
                None => (cmd, ""),
            };
            match name {
                "help" | "h" | "?" => println!("{HELP}"),
                "type" | "t" => self.show_type(arg),
                "vars" => self.show_vars(),
                "load" => self.load(arg),
                "reset" => {
                    let (it, g, poet) = fresh(&self.cancel);
                    self.it = it;
                    self.poet = poet;
                    *self.globals.borrow_mut() = g;
                    self.defs.clear();
                    println!("(session reset)");
                }
                "poet" => {
                    // What the session's functions did so far is on disk for the command.
                    self.poet.flush();
                    poet_command(arg)
                }
                "quit" | "exit" | "q" => return false,
                _ => eprintln!("unknown command :{name} (try :help)"),
            }
            return true;
        }
        self.counter += 1;
        let name = format!("<repl:{}>", self.counter);
        self.run_code(input, &name, true);
        true
    }

    /// Parses and runs `text` in the session; echoes a lone expression's value when `echo`.
    fn run_code(&mut self, text: &str, name: &str, echo: bool) {
        let mut parsed = match load::parse(name, text) {
            Ok(p) => p,
            Err(e) => {
                eprint!(
                    "{}",
                    render(&syntax_report(&e.error, name, text), self.color)
                );
                return;
            }
        };
        for st in &parsed.module.body {
            if let Some(def) = definition_text(st, text) {
                // A redefined function, struct or interface replaces the earlier one.
                let name = defined_name(st);
                if name.is_some() {
                    self.defs.retain(|(n, _)| *n != name);
                }
                self.defs.push((name, def));
            }
        }
        let hidden = Sym::intern(HIDDEN);
        let echo = echo && parsed.module.body.len() == 1 && parsed.assign_last_expr(hidden);
        let globals = self.globals();
        self.cancel.store(false, Ordering::SeqCst);
        self.it.reset_operations();
        let result = self.it.run_parsed(&parsed, &globals);
        self.it.flush();
        let _ = std::io::stdout().flush();
        match result {
            Ok(()) if echo => {
                if let Some(v) = globals.get(hidden) {
                    let slot = globals.slot_of(hidden);
                    globals.slots.borrow_mut()[slot as usize] = None;
                    if !matches!(v, Value::None) {
                        println!("{}", repr(&v));
                        globals.set(Sym::intern("_"), v);
                    }
                }
            }
            Ok(()) => {}
            Err(e) => self.print_error(&e),
        }
    }

    fn print_error(&self, e: &RtError) {
        if e.kind == ExcKind::LimitError && e.message == "execution cancelled" {
            eprintln!("KeyboardInterrupt");
            return;
        }
        let report = runtime_report(e, |f| self.it.source(f).map(|s| s.text.to_string()));
        eprint!("{}", render(&report, self.color));
    }

    /// `:type EXPR`: checks the session's definitions followed by `__repl_type__ = (EXPR)`,
    /// with the session's globals (typed from their current values) and the standard modules
    /// known to the checker, and prints the type it infers for the probe.
    fn show_type(&mut self, expr: &str) {
        if expr.is_empty() {
            eprintln!("usage: :type EXPR");
            return;
        }
        let probe = format!("{TYPE_PROBE} = ({expr})");
        if let Err(e) = dana_grammar::parse_module(&probe) {
            eprint!(
                "{}",
                render(&syntax_report(&e, "<type>", &probe), self.color)
            );
            return;
        }
        let mut text: String = self.defs.iter().map(|(_, d)| format!("{d}\n")).collect();
        let mut offset = text.len();
        text.push_str(&probe);
        // Definitions that no longer parse together (should not happen): the probe alone.
        let module = match dana_grammar::parse_module(&text) {
            Ok(m) => m,
            Err(_) => {
                text = probe.clone();
                offset = 0;
                match dana_grammar::parse_module(&text) {
                    Ok(m) => m,
                    Err(_) => return,
                }
            }
        };
        let info = check::module_info_from_globals(&self.globals());
        let stdlib = self.stdlib.get_or_insert_with(|| {
            let mut it = crate::runner::new_interp();
            check::stdlib_module_infos(&mut it, &dana_stdlib::module_names())
        });
        let mut opts = check::CheckOptions {
            host: crate::runner::host_names(),
            no_warnings: true,
            modules: stdlib.clone(),
            ..Default::default()
        };
        opts.globals = info
            .members
            .into_iter()
            .filter(|(n, _)| n != TYPE_PROBE)
            .collect();
        let diags: Vec<_> = check::check_module(&module, &opts)
            .into_iter()
            .filter(|d| d.is_error() && d.span.start as usize >= offset)
            .collect();
        if !diags.is_empty() {
            for d in &diags {
                eprint!(
                    "{}",
                    render_diagnostic(
                        &d.with_source(&dana_interpreter::source::Snippet::new(
                            "<type>",
                            text.as_str()
                        )),
                        self.color,
                    )
                );
            }
            return;
        }
        let summary = check::summarize_module(&module, &opts);
        match summary.members.get(TYPE_PROBE) {
            Some(t) => println!("{t}"),
            None => println!("any"),
        }
    }

    /// `:vars`: the session's names with their runtime types and values.
    fn show_vars(&self) {
        let globals = self.globals();
        let mut any = false;
        for n in globals.names() {
            let name = n.as_str();
            if name.starts_with("__") {
                continue;
            }
            let Some(v) = globals.get(n) else { continue };
            let mut shown = repr(&v);
            if shown.chars().count() > 70 {
                shown = shown.chars().take(67).collect::<String>() + "...";
            }
            println!("{name}: {} = {shown}", v.type_name());
            any = true;
        }
        if !any {
            println!("(no variables)");
        }
    }

    /// `:load FILE`: runs a file in the session.
    fn load(&mut self, path: &str) {
        if path.is_empty() {
            eprintln!("usage: :load FILE");
            return;
        }
        match std::fs::read_to_string(path) {
            Ok(text) => self.run_code(&text, path, false),
            Err(e) => eprintln!("error: cannot read {path}: {e}"),
        }
    }
}

/// The name a plain `def`, `struct` or `interface` defines (receiver methods: none).
fn defined_name(st: &Stmt) -> Option<Sym> {
    match &st.kind {
        StmtKind::FunctionDef(f) if f.receiver.is_none() => Some(f.name.name),
        StmtKind::Struct(s) => Some(s.name.name),
        StmtKind::Interface(i) => Some(i.name.name),
        _ => None,
    }
}

/// The source of a top-level statement that defines names (kept for `:type`).
fn definition_text(st: &Stmt, text: &str) -> Option<String> {
    let keep = matches!(
        st.kind,
        StmtKind::FunctionDef(_)
            | StmtKind::Struct(_)
            | StmtKind::Interface(_)
            | StmtKind::Import { .. }
            | StmtKind::FromImport { .. }
            | StmtKind::Assign { .. }
            | StmtKind::TypedAssign { .. }
    );
    let slice = text.get(st.span.start as usize..st.span.end as usize)?;
    // Only whole statements starting at column 0 (a decorator before a `def` is not in its
    // span: such a definition is left out rather than cut).
    let line_start = text[..st.span.start as usize]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    (keep && line_start == st.span.start as usize && dana_grammar::parse_module(slice).is_ok())
        .then(|| slice.to_string())
}

/// A fresh interpreter (with the cancellation flag) and `__main__` globals.
fn fresh(cancel: &Arc<AtomicBool>) -> (Interp, Rc<Globals>, Rc<dana_poet::PoetRuntime>) {
    let (mut it, poet) = crate::runner::new_interp_with_poet();
    it.limits.cancel = Some(cancel.clone());
    // `DANA_MAX_MEMORY` (checked when the REPL starts), else the default.
    if let Ok(m) = crate::runner::memory_limit(&crate::runner::RunLimits::default()) {
        it.limits.max_memory = m;
    }
    let g = it.new_globals("__main__", None);
    (it, g, poet)
}

/// Where the history is kept: `$DANA_HISTORY` (empty: none), else `~/.dana/history`.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DANA_HISTORY") {
        return (!p.is_empty()).then(|| PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".dana").join("history"))
}

/// Runs the REPL until Ctrl-D (or `:quit`); returns the exit code.
pub fn run() -> i32 {
    if let Err(e) = crate::runner::memory_limit(&crate::runner::RunLimits::default()) {
        eprintln!("error: {e}");
        eprintln!("  help: give a size such as 512M, 2G or 1073741824, or `unlimited`");
        return crate::runner::EXIT_USAGE;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let color = crate::diagnostics::color_for(interactive);
    let mut session = Session::new(cancel, color);
    if interactive {
        match interactive_loop(&mut session) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        }
    } else {
        install_sigint(&session.cancel);
        line_loop(&mut session, std::io::stdin().lock());
        0
    }
}

/// SIGINT (Ctrl-C while an evaluation runs: the terminal is in cooked mode then) sets the
/// cancellation flag. Installed after the editor, whose own SIGINT handler it replaces: at the
/// prompt the editor reads Ctrl-C as a key in raw mode, so it does not need one. Only one
/// handler per process: a second call keeps the first.
fn install_sigint(cancel: &Arc<AtomicBool>) {
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
}

/// Without a terminal: reads lines, groups them into inputs with the same continuation rules,
/// and evaluates each (no prompts, no editor).
pub(crate) fn line_loop(session: &mut Session, input: impl BufRead) {
    let mut buf = String::new();
    for line in input.lines() {
        let Ok(line) = line else { break };
        if buf.is_empty() {
            if line.trim().is_empty() {
                continue;
            }
            buf = line;
        } else {
            buf.push('\n');
            buf.push_str(&line);
        }
        if buf.starts_with(':') || !needs_more(&buf) {
            let input = std::mem::take(&mut buf);
            if !session.handle(&input) {
                return;
            }
        }
    }
    if !buf.is_empty() {
        session.handle(&buf);
    }
}

fn interactive_loop(session: &mut Session) -> rustyline::Result<()> {
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_space(true)
        .max_history_size(5000)?
        .completion_type(CompletionType::List)
        .build();
    let mut ed: Editor<DanaHelper, FileHistory> = Editor::with_config(config)?;
    let builtins = dana_interpreter::builtins::all()
        .into_iter()
        .map(|(n, _)| n.to_string())
        .collect();
    ed.set_helper(Some(DanaHelper {
        globals: session.globals.clone(),
        builtins,
        color: session.color,
    }));
    install_sigint(&session.cancel);
    let hist = history_path();
    if let Some(p) = &hist {
        if let Some(dir) = p.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = ed.load_history(p);
    }
    println!(
        "Dana {} REPL. :help for help, Ctrl-D to exit.",
        env!("CARGO_PKG_VERSION")
    );
    'outer: loop {
        let mut buf = match ed.readline(">>> ") {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e),
        };
        if buf.trim().is_empty() {
            continue;
        }
        let mut lines = vec![buf.clone()];
        while !buf.trim_start().starts_with(':') && needs_more(&buf) {
            let indent = next_indent(&buf);
            match ed.readline_with_initial("... ", (&indent, "")) {
                Ok(l) => {
                    buf.push('\n');
                    buf.push_str(&l);
                    lines.push(l);
                }
                Err(ReadlineError::Interrupted) => {
                    eprintln!("KeyboardInterrupt");
                    continue 'outer;
                }
                Err(ReadlineError::Eof) => break,
                Err(e) => return Err(e),
            }
        }
        for l in lines.iter().filter(|l| !l.trim().is_empty()) {
            let _ = ed.add_history_entry(l.as_str());
        }
        let go_on = session.handle(&buf);
        if let Some(p) = &hist {
            let _ = ed.history_mut().save(p);
        }
        if !go_on {
            break;
        }
    }
    if let Some(p) = &hist {
        let _ = ed.history_mut().save(p);
    }
    Ok(())
}

/// `:poet …`: the `dana poet` subcommands inside the session.
fn poet_command(arg: &str) {
    use clap::Parser;
    #[derive(Parser)]
    #[command(name = ":poet", no_binary_name = true)]
    struct Line {
        #[command(flatten)]
        args: crate::poet_cmd::PoetArgs,
    }
    let words = match split_words(arg) {
        Ok(w) => session_forms(w),
        Err(e) => {
            eprintln!(":poet: {e}");
            return;
        }
    };
    match Line::try_parse_from(words) {
        Ok(line) => {
            crate::poet_cmd::run(line.args);
        }
        Err(e) => {
            let _ = e.print();
        }
    }
}

/// The REPL's short forms: `show FN vN` and `feedback FN RATING "comment"`.
fn session_forms(mut words: Vec<String>) -> Vec<String> {
    match words.first().map(String::as_str) {
        Some("show") if words.len() == 3 && !words[2].starts_with('-') => {
            let v = words.pop().unwrap_or_default();
            words.extend(["--version".to_string(), v]);
        }
        Some("feedback") if words.len() >= 3 && words[2].parse::<u8>().is_ok() => {
            let rest: Vec<String> = words.drain(2..).collect();
            words.extend(["--rating".to_string(), rest[0].clone()]);
            if let Some(c) = rest.get(1) {
                words.extend(["--comment".to_string(), c.clone()]);
            }
            words.extend(rest.into_iter().skip(2));
        }
        _ => {}
    }
    words
}

/// Splits a command line into words; double quotes group words (`"a false alarm"`).
fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod poet_line_tests {
    use super::split_words;

    #[test]
    fn short_forms() {
        let w = |s: &str| super::session_forms(split_words(s).unwrap());
        assert_eq!(w("show f v2"), vec!["show", "f", "--version", "v2"]);
        assert_eq!(
            w(r#"feedback f 1 "false alarm""#),
            vec!["feedback", "f", "--rating", "1", "--comment", "false alarm"]
        );
        assert_eq!(
            w("feedback f --rating 2"),
            vec!["feedback", "f", "--rating", "2"]
        );
        assert_eq!(w("list"), vec!["list"]);
    }

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            split_words(r#"feedback f 1 "a false \"alarm\"" x"#).unwrap(),
            vec!["feedback", "f", "1", "a false \"alarm\"", "x"]
        );
        assert_eq!(split_words("  list  ").unwrap(), vec!["list"]);
        assert_eq!(split_words(r#"show """#).unwrap(), vec!["show", ""]);
        assert!(split_words(r#"show "x"#).is_err());
    }
}
