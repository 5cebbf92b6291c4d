//! `dana fmt`: the formatter on files, folders and standard input.
//!
//! The formatting itself is [`format_source`] (dana-grammar's `format` module; the language
//! server calls it for the formatting request). This file finds the files, reads the width
//! (`--width`, else `[fmt] width` in the project's `dana.toml`, else 100), rewrites each file
//! atomically (a temporary file beside it, its permissions copied, renamed over it), and
//! implements `--check` and `--diff`. `fmt/diff.rs` writes the unified diffs.

mod diff;

pub use dana_grammar::format::{format_source, FormatError, FormatOptions};

use crate::diagnostics::{render, syntax_report};
use crate::runner::{expand_folders, use_color};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Everything is formatted (or already was).
const EXIT_OK: i32 = 0;
/// `--check` / `--diff`: some file would change.
const EXIT_CHANGES: i32 = 1;
/// A file could not be read, parsed or written, or the options are wrong.
const EXIT_ERROR: i32 = 2;

/// What `dana fmt` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct FmtArgs {
    /// Files, folders (every `.na` below, hidden folders skipped) or `-` (standard input).
    pub paths: Vec<PathBuf>,
    /// Write nothing; list the files that would change and exit 1 if any.
    pub check: bool,
    /// Write nothing; print a unified diff of each file that would change and exit 1 if any.
    pub diff: bool,
    /// The line width (overrides `dana.toml`).
    pub width: Option<usize>,
}

/// Runs `dana fmt`; returns the exit code.
pub fn run(args: &FmtArgs) -> i32 {
    let mut code = EXIT_OK;
    let files = expand_folders(&args.paths);
    if files.is_empty() {
        eprintln!("error: no .na files found in the paths given");
        return EXIT_ERROR;
    }
    for path in &files {
        let options = match options_for(path, args.width) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_ERROR;
            }
        };
        let stdin = path.as_os_str() == "-";
        let name = if stdin {
            "<stdin>".to_string()
        } else {
            path.display().to_string()
        };
        let text = match read(path, stdin) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {name}: {e}");
                code = EXIT_ERROR;
                continue;
            }
        };
        let formatted = match format_source(&text, &options) {
            Ok(f) => f,
            Err(FormatError::Syntax(e)) => {
                eprint!("{}", render(&syntax_report(&e, &name, &text), use_color()));
                eprintln!("{name}: not formatted (the file does not parse)");
                code = EXIT_ERROR;
                continue;
            }
            Err(FormatError::Unsupported(m)) => {
                eprintln!("error: {name}: {m}");
                code = EXIT_ERROR;
                continue;
            }
        };
        let changed = formatted != text;
        if args.check || args.diff {
            if changed {
                if args.diff {
                    print!("{}", diff::unified(&name, &text, &formatted));
                } else {
                    println!("{name}");
                }
                code = code.max(EXIT_CHANGES);
            }
            continue;
        }
        if stdin {
            print!("{formatted}");
            let _ = std::io::stdout().flush();
        } else if changed {
            if let Err(e) = write_atomically(path, &formatted) {
                eprintln!("error: cannot write {name}: {e}");
                code = EXIT_ERROR;
            }
        }
    }
    code
}

fn read(path: &Path, stdin: bool) -> std::io::Result<String> {
    if stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(path)
    }
}

/// The options for `path`: `width` when given, else the project's `dana.toml` `[fmt] width`
/// (the project of the file's folder, or of the current folder for stdin), else the default.
pub(crate) fn options_for(path: &Path, width: Option<usize>) -> Result<FormatOptions, String> {
    let mut o = FormatOptions::default();
    if let Some(w) = width {
        o.width = w;
        return Ok(o);
    }
    let start = if path.as_os_str() == "-" {
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
    } else {
        let dir = path.parent().unwrap_or(Path::new("."));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
    };
    if let Some(toml) = dana_llm::LlmConfig::find_dana_toml(&start) {
        if let Some(w) = toml_width(&toml)? {
            o.width = w;
        }
    }
    Ok(o)
}

/// `[fmt] width` of the `dana.toml` at `path`, if set.
fn toml_width(path: &Path) -> Result<Option<usize>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let Some(fmt) = table.get("fmt") else {
        return Ok(None);
    };
    match fmt.get("width") {
        None => Ok(None),
        Some(toml::Value::Integer(w)) if *w > 0 => Ok(Some(*w as usize)),
        Some(v) => {
            let found = match v {
                toml::Value::Integer(i) => i.to_string(),
                other => format!("a {}", other.type_str()),
            };
            Err(format!(
                "{}: [fmt] width must be a positive whole number, found {found}",
                path.display()
            ))
        }
    }
}

/// Replaces the file at `path` by `text` in one step: a temporary file in the same folder,
/// with the original's permissions, renamed over it (a symlink's target is replaced).
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.fmt-tmp", std::process::id()));
    let perms = std::fs::metadata(&target)?.permissions();
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        drop(f);
        std::fs::set_permissions(&tmp, perms)?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
