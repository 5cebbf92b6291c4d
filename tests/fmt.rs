//! `dana fmt`: the formatter is safe on every program of the repository (the formatted text
//! builds the same tree, spans aside, and formatting it again changes nothing), and the
//! command line rewrites files, checks them, reads stdin and reports errors.

#[path = "support/temp_dir.rs"]
#[allow(dead_code)]
mod temp_dir;

use dana::fmt::{format_source, FormatOptions};
use dana_grammar::ast::spanless::{same_tree, without_spans};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use temp_dir::TempDir;

fn na_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            na_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "na") {
            out.push(p);
        }
    }
}

/// Every `.na` file that parses, under the conformance suite, the examples and the type
/// checker's cases, at `width`: same tree, idempotent. Returns how many were formatted.
fn check_corpus(width: usize) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in ["tests/conformance", "examples", "tests/typecheck"] {
        na_files(&root.join(d), &mut files);
    }
    let opts = FormatOptions { width, indent: 4 };
    let mut failures = Vec::new();
    let mut done = 0;
    for f in &files {
        let Ok(src) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(before) = dana_grammar::parse_module(&src) else {
            continue;
        };
        let once = match format_source(&src, &opts) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{}: {e}", f.display()));
                continue;
            }
        };
        match dana_grammar::parse_module(&once) {
            Ok(after) if same_tree(&before, &after) => {}
            Ok(after) => failures.push(format!(
                "{}: different tree\n{}\n{}",
                f.display(),
                without_spans(&before),
                without_spans(&after)
            )),
            Err(e) => failures.push(format!("{}: does not parse: {e}", f.display())),
        }
        match format_source(&once, &opts) {
            Ok(twice) if twice == once => {}
            Ok(twice) => failures.push(format!(
                "{}: not idempotent\n--- once\n{once}\n--- twice\n{twice}",
                f.display()
            )),
            Err(e) => failures.push(format!("{}: second pass: {e}", f.display())),
        }
        done += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    done
}

#[test]
fn every_program_keeps_its_tree_and_formats_once() {
    let n = check_corpus(100);
    assert!(n > 500, "only {n} files formatted");
}

#[test]
fn every_program_keeps_its_tree_at_a_narrow_width() {
    // Width 40 breaks most lines with brackets: the breaking rules are exercised everywhere.
    check_corpus(40);
}

/// Comments and line breaks put after brackets and commas all over the repository's programs
/// (where the result still parses): the formatter keeps every comment, builds the same tree
/// and reaches a fixed point in one pass. Comments inside brackets are where the re-attaching
/// is hardest, and the programs have few of them.
#[test]
fn comments_and_line_breaks_anywhere_inside_brackets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in ["tests/conformance", "examples"] {
        na_files(&root.join(d), &mut files);
    }
    let opts = FormatOptions::default();
    let mut failures = Vec::new();
    let mut tried = 0;
    for f in files.iter().step_by(4) {
        let Ok(src) = std::fs::read_to_string(f) else {
            continue;
        };
        let spots: Vec<usize> = src
            .char_indices()
            .filter(|&(_, c)| matches!(c, '(' | '[' | '{' | ','))
            .map(|(i, _)| i + 1)
            .take(12)
            .collect();
        for (n, &at) in spots.iter().enumerate() {
            let insert = if n % 2 == 0 {
                "  # note\n"
            } else {
                "\n# own line\n"
            };
            let mutated = format!("{}{insert}{}", &src[..at], &src[at..]);
            let Ok(before) = dana_grammar::parse_module(&mutated) else {
                continue;
            };
            tried += 1;
            let once = match format_source(&mutated, &opts) {
                Ok(t) => t,
                Err(e) => {
                    failures.push(format!("{} +{at}: {e}\n{mutated}", f.display()));
                    continue;
                }
            };
            let kept = |t: &str| t.matches("# note").count() + t.matches("# own line").count();
            if kept(&once) != kept(&mutated) {
                failures.push(format!("{} +{at}: a comment was lost\n{once}", f.display()));
            }
            if !dana_grammar::parse_module(&once).is_ok_and(|after| same_tree(&before, &after)) {
                failures.push(format!("{} +{at}: different tree\n{once}", f.display()));
            }
            if format_source(&once, &opts).as_deref() != Ok(once.as_str()) {
                failures.push(format!("{} +{at}: not idempotent\n{once}", f.display()));
            }
        }
    }
    assert!(tried > 500, "only {tried} mutants parsed");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn dana_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dana");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("dana finishes")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const UGLY: &str = "def f( a,b ):\n  return a+b\nx=f(1,2)   # three\n";
const PRETTY: &str = "def f(a, b):\n    return a + b\n\n\nx = f(1, 2)  # three\n";

#[test]
fn rewrites_files_in_place_and_folders_recursively() {
    let t = TempDir::new("fmt-rewrite");
    std::fs::create_dir_all(t.0.join("pkg/.hidden")).unwrap();
    std::fs::write(t.0.join("a.na"), UGLY).unwrap();
    std::fs::write(t.0.join("pkg/b.na"), UGLY).unwrap();
    std::fs::write(t.0.join("pkg/.hidden/c.na"), UGLY).unwrap();
    std::fs::write(t.0.join("pkg/ok.na"), PRETTY).unwrap();
    let out = dana_in(&t.0, &["fmt", "."], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(t.0.join("a.na")).unwrap(), PRETTY);
    assert_eq!(
        std::fs::read_to_string(t.0.join("pkg/b.na")).unwrap(),
        PRETTY
    );
    assert_eq!(
        std::fs::read_to_string(t.0.join("pkg/ok.na")).unwrap(),
        PRETTY
    );
    // Hidden folders are skipped; no temporary file is left behind.
    assert_eq!(
        std::fs::read_to_string(t.0.join("pkg/.hidden/c.na")).unwrap(),
        UGLY
    );
    let left: Vec<_> = std::fs::read_dir(&t.0)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("fmt-tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[cfg(unix)]
#[test]
fn rewriting_keeps_the_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let t = TempDir::new("fmt-perms");
    let f = t.0.join("tool.na");
    std::fs::write(&f, UGLY).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o751)).unwrap();
    let out = dana_in(&t.0, &["fmt", "tool.na"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), PRETTY);
    let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o751);
}

#[test]
fn check_lists_the_files_that_would_change_and_changes_nothing() {
    let t = TempDir::new("fmt-check");
    std::fs::write(t.0.join("ugly.na"), UGLY).unwrap();
    std::fs::write(t.0.join("pretty.na"), PRETTY).unwrap();
    let out = dana_in(&t.0, &["fmt", "--check", "ugly.na", "pretty.na"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "ugly.na\n");
    assert_eq!(text(&out.stderr), "");
    assert_eq!(std::fs::read_to_string(t.0.join("ugly.na")).unwrap(), UGLY);
    let out = dana_in(&t.0, &["fmt", "--check", "pretty.na"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn diff_shows_the_change_without_writing() {
    let t = TempDir::new("fmt-diff");
    std::fs::write(t.0.join("m.na"), "x=1\ny = 2\n").unwrap();
    let out = dana_in(&t.0, &["fmt", "--diff", "m.na"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "--- a/m.na\n+++ b/m.na\n@@ -1,2 +1,2 @@\n-x=1\n+x = 1\n y = 2\n"
    );
    assert_eq!(
        std::fs::read_to_string(t.0.join("m.na")).unwrap(),
        "x=1\ny = 2\n"
    );
}

#[test]
fn stdin_is_formatted_to_stdout() {
    let t = TempDir::new("fmt-stdin");
    let out = dana_in(&t.0, &["fmt", "-"], Some(UGLY));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), PRETTY);
    let out = dana_in(&t.0, &["fmt", "--check", "-"], Some(UGLY));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "<stdin>\n");
}

#[test]
fn width_comes_from_the_flag_then_dana_toml() {
    let t = TempDir::new("fmt-width");
    let src = "result = compute(alpha, beta, gamma)\n";
    let broken = "result = compute(\n    alpha,\n    beta,\n    gamma,\n)\n";
    let out = dana_in(&t.0, &["fmt", "--width", "30", "-"], Some(src));
    assert_eq!(text(&out.stdout), broken, "{}", text(&out.stderr));
    std::fs::write(t.0.join("dana.toml"), "[fmt]\nwidth = 30\n").unwrap();
    let out = dana_in(&t.0, &["fmt", "-"], Some(src));
    assert_eq!(text(&out.stdout), broken, "{}", text(&out.stderr));
    // The flag wins over dana.toml.
    let out = dana_in(&t.0, &["fmt", "--width", "80", "-"], Some(src));
    assert_eq!(text(&out.stdout), src);
    std::fs::write(t.0.join("dana.toml"), "[fmt]\nwidth = \"wide\"\n").unwrap();
    let out = dana_in(&t.0, &["fmt", "-"], Some(src));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("[fmt] width must be a positive whole number"));
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_left_alone() {
    let t = TempDir::new("fmt-syntax");
    let bad = "x = (1,\ny=2\n";
    std::fs::write(t.0.join("bad.na"), bad).unwrap();
    std::fs::write(t.0.join("good.na"), UGLY).unwrap();
    let out = dana_in(&t.0, &["fmt", "bad.na", "good.na"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("SyntaxError") && err.contains("bad.na:1:"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(t.0.join("bad.na")).unwrap(), bad);
    // The other files are still formatted.
    assert_eq!(
        std::fs::read_to_string(t.0.join("good.na")).unwrap(),
        PRETTY
    );
}

#[test]
fn an_unreadable_file_is_an_error() {
    let t = TempDir::new("fmt-missing");
    let out = dana_in(&t.0, &["fmt", "missing.na"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot read missing.na"),
        "{}",
        text(&out.stderr)
    );
}
