//! The `dana` command line.

use dana::poet_cmd;

/// mimalloc, counted per thread so that the memory limit (`--max-memory`) has a measure.
#[global_allocator]
static GLOBAL: dana_interpreter::limits::CountingAlloc<mimalloc::MiMalloc> =
    dana_interpreter::limits::CountingAlloc::new(mimalloc::MiMalloc);

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "dana",
    version,
    about = "Dana: a small, Python-shaped language for AI-assisted programs",
    long_about = "Dana: a small, Python-shaped language for AI-assisted programs.\n\n\
                  Exit codes: 0 ok, 1 runtime error, 2 usage, syntax or type error, 130 interrupted \
                  (Ctrl-C)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour diagnostics: `auto` when the output is a terminal and NO_COLOR is unset (or
    /// CLICOLOR_FORCE is set), `always`, or `never`.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = Color::Auto)]
    color: Color,
    /// Print POET's decisions and the LLM client's requests on stderr from this level up
    /// (overrides $DANA_LOG, which takes a level or `target=level,…` directives).
    #[arg(long, global = true, value_enum, value_name = "LEVEL")]
    log_level: Option<LogLevel>,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// `--log-level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

#[derive(Subcommand)]
enum Command {
    /// Run a .na file; calls its main(...) afterwards when it defines one.
    ///
    /// Limits (options go before the file): memory defaults to half of the machine's memory,
    /// at most 4 GiB ($DANA_MAX_MEMORY overrides it, --max-memory overrides both); there is no
    /// time or operation limit unless given. A limit hit is a catchable MemoryError,
    /// TimeoutError or LimitError.
    Run {
        /// Memory limit: bytes, or a size with K, M, G or T (512M, 2G, 1073741824), or
        /// `unlimited`.
        #[arg(long, value_name = "SIZE", value_parser = parse_memory, allow_hyphen_values = true)]
        max_memory: Option<MemoryLimit>,
        /// Stop the program after SECS seconds of wall time (a TimeoutError); decimals allowed.
        #[arg(long, value_name = "SECS", value_parser = parse_timeout, allow_hyphen_values = true)]
        timeout: Option<std::time::Duration>,
        /// Stop the program after about N operations (loop iterations and calls; a LimitError).
        #[arg(long, value_name = "N", value_parser = parse_operations, allow_hyphen_values = true)]
        max_operations: Option<u64>,
        /// The program to run (`-`: read it from standard input). `dana FILE.na` is short for
        /// `dana run FILE.na`.
        file: PathBuf,
        /// Arguments for main(): `--key=value`, `--key value` and `key=value` become keyword
        /// arguments (`--dry-run` is `dry_run`; a `--flag` with no value is True), other words
        /// positional ones, each converted to the parameter's annotated type. A program without
        /// main() takes no arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Check .na files without running them: syntax, names and types (gradual: unannotated
    /// values are never an error). Exit code 2 when a file has an error; warnings do not count.
    Check {
        /// The files to check; a folder checks every .na file below it (hidden folders and
        /// .poet stores skipped).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print all diagnostics as one JSON array on stdout (for editors and CI).
        #[arg(long)]
        json: bool,
    },
    /// Start the interactive REPL: state persists between inputs; an expression's value is
    /// echoed; blocks continue Python-style until an empty line. Meta commands: :help,
    /// :type EXPR, :vars, :load FILE, :reset, :quit. Tab completes, Ctrl-R searches the history
    /// (~/.dana/history, or $DANA_HISTORY), Ctrl-C cancels a running evaluation, Ctrl-D exits.
    /// Without a terminal, reads the inputs from stdin.
    Repl,
    /// POET's store: list, show, diff, rollback, gc, events, stats, feedback, regenerate.
    ///
    /// Every @poet function keeps up to 10 versions under .poet/<function>/v<N>/ (code.na,
    /// params.json, state.json, metadata.json); the symlink `current` names the one in use.
    /// The store is $DANA_POET_DIR when set, else the .poet of the project: the nearest folder
    /// upward from here holding dana.toml or .poet (as `dana run` finds it); --dir chooses
    /// another. Tables are for people, --json prints one JSON document for scripts.
    ///
    /// Exit codes: 0 ok, 1 store error, 2 usage error (no project found, among others).
    Poet(poet_cmd::PoetArgs),
    /// Format .na files in place: the canonical layout (4-space indentation, spacing, blank
    /// lines, lines broken inside brackets at the width), comments and strings kept.
    ///
    /// A folder formats every .na file below it (hidden folders skipped); `-` reads standard
    /// input and writes the result to standard output. The width is --width, else `width` in
    /// the `[fmt]` table of the project's dana.toml, else 100. Files are replaced atomically.
    /// Exit codes: 0 ok, 1 a file would change (--check, --diff), 2 a file cannot be read or
    /// does not parse.
    Fmt {
        /// Files or folders to format, or `-` for standard input.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Change nothing: list the files that would change (exit 1 if any).
        #[arg(long)]
        check: bool,
        /// Change nothing: print a unified diff for each file that would change (exit 1 if any).
        #[arg(long)]
        diff: bool,
        /// The line width to break at (overrides dana.toml).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(20..))]
        width: Option<u16>,
    },
    /// Start the language server (Language Server Protocol over stdin/stdout) for editors:
    /// diagnostics as you type, hover, completion, go to definition, references, rename,
    /// symbols, signature help, quick fixes and POET's code lens. See docs/editors.md.
    Lsp,
    /// Print a shell completion script for dana on stdout.
    ///
    /// bash: `dana completions bash > ~/.local/share/bash-completion/completions/dana`;
    /// zsh: `dana completions zsh > ~/.zfunc/_dana` (a folder on $fpath); fish:
    /// `dana completions fish > ~/.config/fish/completions/dana.fish`; PowerShell:
    /// `dana completions powershell >> $PROFILE`.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
}

/// A `--max-memory` value: a size, or `None` for `unlimited`.
#[derive(Clone, Copy, Debug)]
struct MemoryLimit(Option<usize>);

fn parse_memory(text: &str) -> Result<MemoryLimit, String> {
    dana::runner::parse_memory_limit(text).map(MemoryLimit)
}

fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds (e.g. 30 or 0.5), got '{text}'"))?;
    if secs.is_nan() || secs <= 0.0 {
        return Err(format!(
            "the timeout must be more than 0 seconds, got '{text}'"
        ));
    }
    std::time::Duration::try_from_secs_f64(secs)
        .map_err(|_| format!("the timeout '{text}' is too large"))
}

fn parse_operations(text: &str) -> Result<u64, String> {
    let t: String = text.trim().chars().filter(|&c| c != '_').collect();
    match t.parse::<u64>() {
        Ok(0) => Err("the operation limit must be more than 0".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "expected a whole number of operations (e.g. 1000000), got '{text}'"
        )),
    }
}

/// `dana run [OPTIONS] FILE ARGS…`: every word after the file is the program's, even one that
/// looks like a `run` option (`dana run prog.na --timeout 5` passes both words to `main`), as
/// with `python prog.py --flag`. Clap would take a known option anywhere, so a `--` is put in
/// front of the file.
///
/// `dana FILE.na ARGS…` is `dana run FILE.na ARGS…`: a first word ending in `.na` (or `-`,
/// the program on stdin) that is not a subcommand is taken as the file.
fn file_ends_run_options(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    // The global options may come before the command.
    let mut cmd = 1;
    while let Some(a) = args.get(cmd).and_then(|a| a.to_str()) {
        match a {
            "--color" | "--log-level" => cmd += 2,
            _ if a.starts_with("--color=") || a.starts_with("--log-level=") => cmd += 1,
            _ => break,
        }
    }
    if let Some(first) = args.get(cmd).and_then(|a| a.to_str()) {
        if first.ends_with(".na") || first == "-" {
            args.insert(cmd, "run".into());
        }
    }
    if args.get(cmd).and_then(|a| a.to_str()) != Some("run") {
        return args;
    }
    let mut i = cmd + 1;
    while let Some(a) = args.get(i).and_then(|a| a.to_str()) {
        match a {
            "--" => return args,
            "--max-memory" | "--timeout" | "--max-operations" | "--color" | "--log-level" => i += 2,
            _ if a.starts_with('-') && a != "-" => i += 1,
            _ => {
                args.insert(i, "--".into());
                return args;
            }
        }
    }
    args
}

/// The interpreter recurses on the Rust stack; a large thread stack keeps deep (but
/// limit-respecting) Dana programs far from a native stack overflow.
const STACK_SIZE: usize = 512 * 1024 * 1024;

/// The `--color` choice written in `args` (for clap's own messages, before parsing).
fn color_in(args: &[std::ffi::OsString]) -> Color {
    let mut choice = Color::Auto;
    let mut words = args.iter().filter_map(|a| a.to_str());
    while let Some(a) = words.next() {
        let value = match a {
            "--" => break,
            "--color" => words.next(),
            _ => a.strip_prefix("--color="),
        };
        if let Some(c) = value.and_then(|v| Color::from_str(v, false).ok()) {
            choice = c;
        }
    }
    choice
}

/// Installs the stderr subscriber for `--log-level`, else `$DANA_LOG` (a level, or
/// `target=level,…` directives); neither: no subscriber, and events cost one check.
fn init_log(level: Option<LogLevel>) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    let filter = match level {
        Some(l) => Targets::new().with_default(match l {
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }),
        None => match std::env::var("DANA_LOG") {
            Ok(text) if !text.trim().is_empty() => {
                // Each directive is a level or `target=level` (a bare word would be read as a
                // target at every level: a typo must not turn on trace logging).
                let valid = text
                    .split(',')
                    .all(|d| d.contains('=') || d.trim().parse::<LevelFilter>().is_ok());
                match text.trim().parse::<Targets>() {
                    Ok(t) if valid => t,
                    _ => {
                        eprintln!(
                            "warning: DANA_LOG={text:?} is not a level (error, warn, info, debug, \
                             trace) nor `target=level,…` directives; logging stays off"
                        );
                        return;
                    }
                }
            }
            _ => return,
        },
    };
    use tracing_subscriber::layer::SubscriberExt as _;
    let fmt = tracing_subscriber::fmt::layer()
        .without_time()
        .with_writer(std::io::stderr);
    let subscriber = tracing_subscriber::registry().with(fmt).with(filter);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

fn main() {
    let args = file_ends_run_options(std::env::args_os().collect());
    let clap_color = match color_in(&args) {
        Color::Always => clap::ColorChoice::Always,
        Color::Never => clap::ColorChoice::Never,
        Color::Auto if dana::color_for_stderr() => clap::ColorChoice::Always,
        Color::Auto => clap::ColorChoice::Never,
    };
    let parsed = Cli::command()
        .color(clap_color)
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    dana::set_color_choice(match cli.color {
        Color::Auto => dana::ColorChoice::Auto,
        Color::Always => dana::ColorChoice::Always,
        Color::Never => dana::ColorChoice::Never,
    });
    init_log(cli.log_level);
    let handle = std::thread::Builder::new()
        .name("dana".into())
        .stack_size(STACK_SIZE)
        .spawn(move || match cli.command {
            Command::Run {
                file,
                args,
                max_memory,
                timeout,
                max_operations,
            } => {
                let limits = dana::runner::RunLimits {
                    max_memory: max_memory.map(|m| m.0),
                    timeout,
                    max_operations,
                };
                dana::runner::run_file_with(&file, &args, &limits)
            }
            Command::Check { files, json } => dana::runner::check_files(&files, json),
            Command::Repl => dana::repl::run(),
            Command::Poet(args) => poet_cmd::run(args),
            Command::Fmt {
                paths,
                check,
                diff,
                width,
            } => dana::fmt::run(&dana::fmt::FmtArgs {
                paths,
                check,
                diff,
                width: width.map(usize::from),
            }),
            Command::Lsp => dana::lsp::run(),
            Command::Completions { shell } => {
                let mut cmd = Cli::command();
                clap_complete::generate(shell, &mut cmd, "dana", &mut std::io::stdout());
                0
            }
        });
    let code = match handle.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("error: the interpreter thread failed");
            70
        }
    };
    // Events of a runtime the interpreter thread could not drop (it panicked while holding
    // it) are written before the process ends.
    dana_poet::events::flush_all();
    std::process::exit(code);
}
