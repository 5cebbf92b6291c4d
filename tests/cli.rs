//! The command line as a user meets it: exit codes, --help/--version, main() arguments, and
//! the rendered diagnostics of the four classic mistakes (golden snapshots).

use std::path::Path;
use std::process::{Command, Output};

fn dana(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run dana")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).replace('\r', "")
}

#[test]
fn version_and_help() {
    let v = dana(&["--version"]);
    assert!(v.status.success());
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("dana "));
    let h = dana(&["--help"]);
    assert!(h.status.success());
    let text = String::from_utf8_lossy(&h.stdout);
    assert!(text.contains("run") && text.contains("check"), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(dana(&[]).status.code(), Some(2));
    assert_eq!(dana(&["frobnicate"]).status.code(), Some(2));
    let missing = dana(&["run", "no/such/file.na"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("cannot read"));
}

#[test]
fn syntax_error_diagnostic() {
    let o = dana(&["run", "examples/errors/syntax_error.na"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("examples/errors/syntax_error.na:2:"), "{err}");
    insta::assert_snapshot!("syntax_error", err);
}

#[test]
fn wrong_type_call_diagnostic() {
    let o = dana(&["run", "examples/errors/wrong_type.na"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("TypeError"), "{err}");
    assert!(err.contains("examples/errors/wrong_type.na:4:"), "{err}");
    insta::assert_snapshot!("wrong_type", err);
}

#[test]
fn undefined_name_diagnostic() {
    let o = dana(&["run", "examples/errors/undefined_name.na"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("NameError: name 'subtotl' is not defined"),
        "{err}"
    );
    assert!(err.contains("did you mean 'subtotal'?"), "{err}");
    assert!(
        err.contains("examples/errors/undefined_name.na:3:12"),
        "{err}"
    );
    insta::assert_snapshot!("undefined_name", err);
}

#[test]
fn failing_assert_diagnostic_shows_the_stack() {
    let o = dana(&["run", "examples/errors/failing_assert.na"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "2.0\n");
    let err = stderr(&o);
    assert!(
        err.contains("AssertionError: mean() needs data, got []"),
        "{err}"
    );
    assert!(
        err.contains("examples/errors/failing_assert.na:2:5"),
        "{err}"
    );
    assert!(err.contains("in report"), "{err}");
    insta::assert_snapshot!("failing_assert", err);
}

#[test]
fn main_receives_typed_arguments() {
    let dir = std::env::temp_dir().join(format!("dana-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("greet.na");
    std::fs::write(
        &file,
        "def main(name: str, times: int = 1, loud: bool = false):\n    for i in range(times):\n        print(name.upper() if loud else name, i)\n",
    )
    .unwrap();
    let f = file.to_string_lossy().to_string();
    let o = dana(&["run", &f, "ada", "times=2", "loud=yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "ADA 0\nADA 1\n");
    let bad = dana(&["run", &f, "ada", "times=lots"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("cannot assign"), "{}", stderr(&bad));
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}

#[test]
fn check_reports_syntax_errors_and_passes_good_files() {
    let good = dana(&["check", "examples/inventory.na"]);
    assert!(good.status.success(), "{}", stderr(&good));
    let bad = dana(&["check", "examples/errors/syntax_error.na"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn unbounded_recursion_is_a_recursion_error() {
    let dir = std::env::temp_dir().join(format!("dana-rec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("rec.na");
    std::fs::write(&file, "def f(n):\n    return f(n + 1)\n\nf(0)\n").unwrap();
    let o = dana(&["run", &file.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("RecursionError"), "{}", stderr(&o));
    let nested = dir.join("nested.na");
    std::fs::write(
        &nested,
        format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000)),
    )
    .unwrap();
    let o = dana(&["run", &nested.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("SyntaxError"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A directory of its own under the temp directory, removed on drop.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("dana-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The rendered snippet of a label past column 65535 is a clipped window around the label,
/// with the file's own line:column in the header.
fn assert_clipped(err: &str, file: &str, line_col: &str, label: &str) {
    assert!(err.contains(&format!("{file}:{line_col}")), "{err}");
    assert!(err.contains('…'), "{err}");
    assert!(err.contains(label), "{err}");
    assert!(err.len() < 4000, "{} bytes:\n{err}", err.len());
}

#[test]
fn errors_past_column_65535_are_clipped() {
    let dir = Scratch::new("clip");
    let pad = "a".repeat(70_000);
    // `x = len("` is 9 characters, then the padding, then `") + ` (5).
    let col = 9 + 70_000 + 5 + 1;
    let name_error = dir.file("name.na", &format!("x = len(\"{pad}\") + undefined_name\n"));
    let o = dana(&["run", &name_error]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("NameError"), "{err}");
    assert_clipped(&err, &name_error, &format!("1:{col}"), "undefined_name");

    let syntax = dir.file("syntax.na", &format!("x = len(\"{pad}\") + )\n"));
    let o = dana(&["run", &syntax]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("SyntaxError"), "{err}");
    assert_clipped(&err, &syntax, &format!("1:{col}"), ")");

    let o = dana(&["check", &name_error]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("undefined_name"), "{err}");
    assert_clipped(&err, &name_error, &format!("1:{col}"), "not defined");
}

/// A 2-million-digit literal is refused at once with a clear error, not parsed in
/// quadratic time.
#[test]
fn huge_integer_literal_is_a_syntax_error() {
    let dir = Scratch::new("bigint");
    let file = dir.file(
        "big.na",
        &format!("x = 1{}\nprint(x)\n", "0".repeat(2_000_000)),
    );
    let o = dana(&["run", &file]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("integer literal too long"), "{err}");
    assert!(err.contains("int()"), "{err}");
    assert!(err.len() < 4000, "{err}");
}
