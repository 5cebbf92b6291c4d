//! The `dana` command line.

use dana::poet_cmd;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "dana",
    version,
    about = "Dana: a small, Python-shaped language for AI-assisted programs",
    long_about = "Dana: a small, Python-shaped language for AI-assisted programs.\n\n\
                  Exit codes: 0 ok, 1 runtime error, 2 usage, syntax or type error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a .na file; calls its main(...) afterwards when it defines one.
    Run {
        /// The program to run.
        file: PathBuf,
        /// Arguments for main(): `key=value` pairs become keyword arguments, other words
        /// positional ones, each converted to the parameter's annotated type.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Check .na files without running them: syntax, names and types (gradual: unannotated
    /// values are never an error). Exit code 2 when a file has an error; warnings do not count.
    Check {
        /// The files to check.
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
    /// The store is $DANA_POET_DIR when set, else ./.poet; --dir chooses another. Tables are for
    /// people, --json prints one JSON document for scripts.
    ///
    /// Exit codes: 0 ok, 1 store error, 2 usage error.
    Poet(poet_cmd::PoetArgs),
}

/// The interpreter recurses on the Rust stack; a large thread stack keeps deep (but
/// limit-respecting) Dana programs far from a native stack overflow.
const STACK_SIZE: usize = 512 * 1024 * 1024;

fn main() {
    let cli = match Cli::try_parse() {
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
            Command::Run { file, args } => dana::runner::run_file(&file, &args),
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
    std::process::exit(code);
}
