//! The static type checker (`dana check`): the cases in tests/typecheck/, the no-false-positive
//! guarantee over the valid conformance programs and the examples, the command line's exit
//! codes and JSON, and snapshots of the rendered diagnostics.
//!
//! A case is a `.na` file whose expected diagnostics are comments in the file itself:
//! `# check: error[arity] line 4: takes 2 positional arguments` — the severity, the code, the
//! 1-based line, and optionally a piece of the message. The diagnostics of the file must be
//! exactly the listed ones (in any order); a case without `# check:` lines must check clean.
//! A file with a `# support` line is a module the cases import, not a case.
//! `DANA_TYPECHECK_FILTER=substring` runs only the cases whose path contains it.

use dana::interpreter::check::{self, Diagnostic};
use std::path::{Path, PathBuf};
use std::process::Command;

const MIN_CASES: usize = 100;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn na_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        // `_support` holds imported modules; hidden folders (a `.poet` store) hold generated
        // code that the gate checks with its own names.
        if p.file_name()
            .is_some_and(|n| n == "_support" || n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        if p.is_dir() {
            na_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "na") {
            out.push(p);
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Expected {
    severity: String,
    code: String,
    line: usize,
    fragment: Option<String>,
}

fn parse_expectations(text: &str) -> Result<Vec<Expected>, String> {
    let mut out = Vec::new();
    for l in text.lines() {
        let Some(rest) = l.trim().strip_prefix("# check:") else {
            continue;
        };
        let rest = rest.trim();
        let (head, fragment) = match rest.split_once(": ") {
            Some((h, f)) => (h, Some(f.trim().to_string())),
            None => (rest, None),
        };
        let (sev_code, line) = head
            .split_once(" line ")
            .ok_or_else(|| format!("bad check line: {l}"))?;
        let (severity, code) = sev_code
            .trim()
            .strip_suffix(']')
            .and_then(|s| s.split_once('['))
            .ok_or_else(|| format!("bad check line: {l}"))?;
        out.push(Expected {
            severity: severity.to_string(),
            code: code.to_string(),
            line: line
                .trim()
                .parse()
                .map_err(|_| format!("bad line number: {l}"))?,
            fragment,
        });
    }
    Ok(out)
}

fn describe(text: &str, d: &Diagnostic) -> String {
    let (line, _) = d.line_col(text);
    format!(
        "{}[{}] line {}: {}",
        d.severity.as_str(),
        d.code.as_str(),
        line,
        d.message
    )
}

/// Compares one case; `Err` describes the mismatch.
fn run_case(path: &Path) -> Result<(), String> {
    let (text, diags) = dana::runner::typecheck_file(path)?;
    let expected = parse_expectations(&text)?;
    let mut unmatched: Vec<&Diagnostic> = diags.iter().collect();
    let mut missing = Vec::new();
    for e in &expected {
        let pos = unmatched.iter().position(|d| {
            d.severity.as_str() == e.severity
                && d.code.as_str() == e.code
                && d.line_col(&text).0 == e.line
                && e.fragment
                    .as_ref()
                    .is_none_or(|f| d.message.contains(f.as_str()))
        });
        match pos {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(e),
        }
    }
    if missing.is_empty() && unmatched.is_empty() {
        return Ok(());
    }
    let mut msg = String::new();
    for e in missing {
        msg.push_str(&format!(
            "  missing:    {}[{}] line {}{}\n",
            e.severity,
            e.code,
            e.line,
            e.fragment
                .as_ref()
                .map(|f| format!(": …{f}…"))
                .unwrap_or_default()
        ));
    }
    for d in unmatched {
        msg.push_str(&format!("  unexpected: {}\n", describe(&text, d)));
    }
    Err(msg)
}

fn is_support(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .map(|t| t.lines().any(|l| l.trim() == "# support"))
        .unwrap_or(false)
}

#[test]
fn typecheck_cases() {
    let filter = std::env::var("DANA_TYPECHECK_FILTER").unwrap_or_default();
    let mut files = Vec::new();
    na_files(&root().join("tests").join("typecheck"), &mut files);
    let cases: Vec<PathBuf> = files.into_iter().filter(|p| !is_support(p)).collect();
    assert!(
        filter.is_empty() || cases.len() >= MIN_CASES,
        "only {} cases",
        cases.len()
    );
    assert!(cases.len() >= MIN_CASES, "only {} cases", cases.len());
    let mut failures = String::new();
    let mut ran = 0;
    for c in &cases {
        let rel = c.strip_prefix(root()).unwrap_or(c).display().to_string();
        if !rel.contains(&filter) {
            continue;
        }
        ran += 1;
        if let Err(e) = run_case(c) {
            failures.push_str(&format!("{rel}\n{e}"));
        }
    }
    assert!(failures.is_empty(), "failing cases:\n{failures}");
    eprintln!("{ran} type-checker cases passed");
}

/// No false positives: every valid program of the conformance suite (no `# error:` line) and
/// every example checks without errors (warnings are fine), except the errors a file announces
/// with `# check:` lines (a program `dana run` runs although the checker rejects it, such as
/// an undefined name in a function nothing calls). Files the grammar does not parse yet are
/// left to the conformance suite.
#[test]
fn valid_programs_check_without_errors() {
    let mut files = Vec::new();
    na_files(&root().join("tests").join("conformance"), &mut files);
    na_files(&root().join("examples"), &mut files);
    let mut failures = String::new();
    let mut checked = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        if text.lines().any(|l| l.trim_start().starts_with("# error:"))
            || f.components().any(|c| c.as_os_str() == "errors")
        {
            continue;
        }
        let Ok((text, diags)) = dana::runner::typecheck_file(&f) else {
            continue;
        };
        checked += 1;
        let announced = parse_expectations(&text).unwrap_or_default();
        for d in diags.iter().filter(|d| d.is_error()) {
            if announced.iter().any(|e| {
                e.severity == "error" && e.code == d.code.as_str() && e.line == d.line_col(&text).0
            }) {
                continue;
            }
            failures.push_str(&format!("{}: {}\n", f.display(), describe(&text, d)));
        }
    }
    assert!(checked >= 100, "only {checked} valid programs found");
    assert!(failures.is_empty(), "false positives:\n{failures}");
}

fn dana(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dana"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run dana")
}

#[test]
fn exit_codes_errors_versus_warnings() {
    let clean = dana(&["check", "tests/typecheck/gradual/unannotated_program.na"]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&clean.stdout).contains(": ok"));
    let warn = dana(&["check", "tests/typecheck/warnings/unused_variable.na"]);
    assert_eq!(
        warn.status.code(),
        Some(0),
        "warnings do not fail the check"
    );
    assert!(String::from_utf8_lossy(&warn.stdout).contains("ok (1 warning)"));
    assert!(String::from_utf8_lossy(&warn.stderr).contains("warning[unused-variable]"));
    let err = dana(&["check", "tests/typecheck/calls/too_many_positional.na"]);
    assert_eq!(err.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&err.stderr).contains("error[arity]"));
    // Several files: the worst one decides.
    let both = dana(&[
        "check",
        "tests/typecheck/gradual/unannotated_program.na",
        "tests/typecheck/calls/too_many_positional.na",
    ]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn json_output_for_editors() {
    let o = dana(&[
        "check",
        "--json",
        "tests/typecheck/calls/too_many_positional.na",
        "tests/typecheck/warnings/unused_variable.na",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let v: check::serde_json::Value =
        check::serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let items = v.as_array().expect("an array");
    assert_eq!(items.len(), 2, "{v}");
    assert_eq!(items[0]["severity"], "error");
    assert_eq!(items[0]["code"], "arity");
    assert_eq!(items[0]["line"], 4);
    assert_eq!(items[0]["column"], 18);
    assert!(items[0]["file"]
        .as_str()
        .is_some_and(|f| f.ends_with("too_many_positional.na")));
    assert_eq!(items[1]["severity"], "warning");
    assert_eq!(items[1]["code"], "unused-variable");
    // A syntax error is a JSON entry too.
    let dir = std::env::temp_dir().join(format!("dana-tc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.na");
    std::fs::write(&bad, "def f(:\n").expect("write");
    let o = dana(&["check", "--json", &bad.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    let v: check::serde_json::Value =
        check::serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(v[0]["code"], "syntax");
    let _ = std::fs::remove_dir_all(&dir);
}

fn rendered(case: &str) -> String {
    let o = dana(&["check", &format!("tests/typecheck/{case}")]);
    let mut s = String::from_utf8_lossy(&o.stderr).replace('\r', "");
    s.push_str(&String::from_utf8_lossy(&o.stdout));
    s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

#[test]
fn rendered_diagnostics_snapshots() {
    insta::assert_snapshot!("check_arity", rendered("calls/too_many_positional.na"));
    insta::assert_snapshot!("check_undefined_name", rendered("names/undefined_name.na"));
    insta::assert_snapshot!(
        "check_unknown_field",
        rendered("structs/unknown_field_did_you_mean.na")
    );
    insta::assert_snapshot!(
        "check_missing_return",
        rendered("returns/missing_return_path.na")
    );
    insta::assert_snapshot!(
        "check_typed_reassignment",
        rendered("assign/typed_reassignment.na")
    );
    insta::assert_snapshot!(
        "check_warnings",
        rendered("warnings/warnings_do_not_fail.na")
    );
    insta::assert_snapshot!(
        "check_caught",
        rendered("calls/caught_call_error_is_warning.na")
    );
}

/// `dana check` finds an imported module where `dana run` does (the one module search): in a
/// package beside the program, in a `DANAPATH` folder, and a local file before a standard
/// module of the same name.
#[test]
fn check_and_run_find_the_same_modules() {
    let dir = std::env::temp_dir().join(format!("dana-tc-search-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "lib/helpers.na",
        "def twice(n: int) -> int:\n    return n * 2\n",
    );
    write("app/pkg/__init__.na", "");
    write(
        "app/pkg/util.na",
        "def shout(s: str) -> str:\n    return s.upper()\n",
    );
    write(
        "app/good.na",
        "from helpers import twice\nfrom pkg.util import shout\nprint(twice(3), shout('a'))\n",
    );
    write("app/bad_path.na", "from helpers import twice\ntwice('a')\n");
    write("app/bad_pkg.na", "from pkg.util import shout\nshout(1)\n");
    // A local module named like a standard one is the one both find.
    write(
        "app/math.na",
        "def floor(s: str) -> str:\n    return s + '!'\n",
    );
    write("app/local_math.na", "import math\nprint(math.floor('a'))\n");
    write("app/bad_local_math.na", "import math\nmath.floor(2.5)\n");
    let with_path = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_dana"))
            .args(args)
            .current_dir(dir.join("app"))
            .env("NO_COLOR", "1")
            .env("DANAPATH", dir.join("lib"))
            .output()
            .expect("run dana")
    };
    let run = with_path(&["run", "good.na"]);
    assert_eq!(String::from_utf8_lossy(&run.stdout), "6 A\n");
    assert_eq!(with_path(&["check", "good.na"]).status.code(), Some(0));
    let run = with_path(&["run", "local_math.na"]);
    assert_eq!(String::from_utf8_lossy(&run.stdout), "a!\n");
    assert_eq!(
        with_path(&["check", "local_math.na"]).status.code(),
        Some(0)
    );
    for bad in ["bad_path.na", "bad_pkg.na", "bad_local_math.na"] {
        let o = with_path(&["check", bad]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{bad}: the module's types are known"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
