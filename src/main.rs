//! The `dana` command line.

use dana::poet_cmd;

/// mimalloc, counted per thread so that the memory limit (`--max-memory`) has a measure.
#[global_allocator]
static GLOBAL: dana_interpreter::limits::CountingAlloc<mimalloc::MiMalloc> =
    dana_interpreter::limits::CountingAlloc::new(mimalloc::MiMalloc);

use clap::{Parser, Subcommand};
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
    if let Some(first) = args.get(1).and_then(|a| a.to_str()) {
        if first.ends_with(".na") || first == "-" {
            args.insert(1, "run".into());
        }
    }
    if args.get(1).and_then(|a| a.to_str()) != Some("run") {
        return args;
    }
    let mut i = 2;
    while let Some(a) = args.get(i).and_then(|a| a.to_str()) {
        match a {
            "--" => return args,
            "--max-memory" | "--timeout" | "--max-operations" => i += 2,
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

fn main() {
    let cli = match Cli::try_parse_from(file_ends_run_options(std::env::args_os().collect())) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
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
