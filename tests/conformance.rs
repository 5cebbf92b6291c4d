//! The Dana conformance suite: runs every `tests/conformance/**/*.na` case through the `dana`
//! binary and compares its behaviour with the expectations written in the case itself.
//!
//! Case format (see tests/conformance/README.md):
//! - `# expect: text` lines, concatenated in file order, are the exact expected stdout
//!   (or a sibling `<name>.out` file holds it);
//! - `# error: Kind line N` marks a case that must fail with that exception at that line
//!   (exit code 2 for `SyntaxError`, 1 for every runtime error);
//! - `# args: a b k=v` gives the command-line arguments after the file;
//! - `# stdin: text` lines form the standard input.
//!
//! Every path with a `_support` component is a helper (an imported module), not a case.
//! `DANA_CONFORMANCE_FILTER=substring` runs only the cases whose relative path contains it.
//! For error cases whose behaviour matches, the rendered diagnostic (ANSI stripped, paths made
//! relative to tests/conformance) is compared with the insta snapshot in
//! tests/conformance/snapshots/; regenerate them with `INSTA_UPDATE=always`.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);
const MIN_CASES: usize = 200;
const FILTER_VAR: &str = "DANA_CONFORMANCE_FILTER";

fn conformance_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("conformance")
}

// ---------------------------------------------------------------------------------------------
// Discovering and parsing cases
// ---------------------------------------------------------------------------------------------

/// Every `.na` file under `dir`, sorted, skipping `_support` folders.
fn collect_case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(err) => panic!("cannot read {}: {err}", dir.display()),
    };
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "_support" {
            continue;
        }
        if path.is_dir() {
            collect_case_files(&path, out);
        } else if path.extension().and_then(|e| e.to_str()) == Some("na") {
            out.push(path);
        }
    }
}

fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ExpectedError {
    kind: String,
    line: u32,
}

impl ExpectedError {
    fn exit_code(&self) -> i32 {
        if self.kind == "SyntaxError" {
            2
        } else {
            1
        }
    }
}

#[derive(Debug, Clone)]
struct Case {
    path: PathBuf,
    rel: String,
    expected_stdout: String,
    error: Option<ExpectedError>,
    args: Vec<String>,
    stdin: String,
}

/// The text after `marker` when the (indentation-trimmed) line is a directive comment.
fn directive<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let rest = line.trim_start().strip_prefix(marker)?;
    let rest = rest.trim_end_matches(['\r', '\n']);
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

fn parse_error_directive(text: &str) -> Result<ExpectedError, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [kind, "line", n] => {
            let line = n
                .parse::<u32>()
                .map_err(|_| format!("bad line number in `# error: {text}`"))?;
            Ok(ExpectedError {
                kind: kind.to_string(),
                line,
            })
        }
        _ => Err(format!(
            "`# error:` must be `# error: <Kind> line <N>`, got `{text}`"
        )),
    }
}

fn parse_case(root: &Path, path: &Path) -> Result<Case, String> {
    let rel = relative_name(root, path);
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let source = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");

    let mut expect_lines: Vec<String> = Vec::new();
    let mut error = None;
    let mut args = Vec::new();
    let mut stdin = String::new();
    for line in source.lines() {
        if let Some(text) = directive(line, "# expect:") {
            expect_lines.push(text.trim_end_matches(' ').to_string());
        } else if let Some(text) = directive(line, "# error:") {
            if error.is_some() {
                return Err("more than one `# error:` line".into());
            }
            error = Some(parse_error_directive(text)?);
        } else if let Some(text) = directive(line, "# args:") {
            args.extend(text.split_whitespace().map(str::to_string));
        } else if let Some(text) = directive(line, "# stdin:") {
            stdin.push_str(text);
            stdin.push('\n');
        }
    }

    let out_file = path.with_extension("out");
    let expected_stdout = if out_file.exists() {
        if !expect_lines.is_empty() {
            return Err(format!(
                "has both `# expect:` lines and {}",
                out_file.file_name().unwrap().to_string_lossy()
            ));
        }
        std::fs::read_to_string(&out_file)
            .map_err(|e| format!("cannot read {}: {e}", out_file.display()))?
            .replace("\r\n", "\n")
    } else {
        if expect_lines.is_empty() && error.is_none() {
            return Err("no expectation: add `# expect:` lines, a .out file or `# error:`".into());
        }
        expect_lines.iter().map(|l| format!("{l}\n")).collect()
    };

    Ok(Case {
        path: path.to_path_buf(),
        rel,
        expected_stdout,
        error,
        args,
        stdin,
    })
}

// ---------------------------------------------------------------------------------------------
// Running a case
// ---------------------------------------------------------------------------------------------

struct RunOutput {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

/// One `.poet` store for the whole run, outside the source tree.
fn poet_dir() -> PathBuf {
    std::env::temp_dir().join(format!("dana-conformance-poet-{}", std::process::id()))
}

fn run_case(root: &Path, case: &Case) -> Result<RunOutput, String> {
    // The case runs from the suite's root with its relative path, so that every path dana
    // prints (and wraps in a diagnostic) is the same on every machine and clone location.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dana"))
        .arg("run")
        .arg(&case.rel)
        .args(&case.args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env("DANA_POET_DIR", poet_dir())
        .env_remove("DANAPATH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start dana: {e}"))?;

    let mut stdin_pipe = child.stdin.take().expect("piped stdin");
    let input = case.stdin.clone();
    thread::spawn(move || {
        // The program may exit without reading its input; a broken pipe is fine.
        let _ = stdin_pipe.write_all(input.as_bytes());
    });
    // Pipes are drained on threads that report through channels, so that a grandchild still
    // holding a pipe open after a timeout cannot hang the suite.
    let (out_tx, out_rx) = mpsc::channel();
    let mut stdout_pipe = child.stdout.take().expect("piped stdout");
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut buf);
        let _ = out_tx.send(buf);
    });
    let (err_tx, err_rx) = mpsc::channel();
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut buf);
        let _ = err_tx.send(buf);
    });

    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > TIMEOUT => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().map_err(|e| format!("wait failed: {e}"))?;
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("wait failed: {e}")),
        }
    };
    let grace = Duration::from_secs(2);
    let stdout = out_rx.recv_timeout(grace).unwrap_or_default();
    let stderr = err_rx.recv_timeout(grace).unwrap_or_default();
    Ok(RunOutput {
        status: status.code(),
        stdout: String::from_utf8_lossy(&stdout).replace("\r\n", "\n"),
        stderr: String::from_utf8_lossy(&stderr).replace("\r\n", "\n"),
        timed_out,
    })
}

/// Removes ANSI escape sequences (CSI `ESC [ … final` and OSC `ESC ] … BEL|ESC \`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {
                chars.next();
            }
        }
    }
    out
}

/// The stderr as stored in a snapshot: no ANSI, no absolute paths, no trailing spaces.
fn normalise_stderr(root: &Path, case: &Case, stderr: &str) -> String {
    let mut text = strip_ansi(stderr);
    let mut replacements: Vec<(String, String)> = Vec::new();
    let abs = case.path.to_string_lossy().into_owned();
    replacements.push((abs, case.rel.clone()));
    if let Ok(canon) = case.path.canonicalize() {
        replacements.push((canon.to_string_lossy().into_owned(), case.rel.clone()));
    }
    let mut roots = vec![root.to_path_buf()];
    if let Ok(canon) = root.canonicalize() {
        roots.push(canon);
    }
    for r in roots {
        let mut s = r.to_string_lossy().into_owned();
        s.push(std::path::MAIN_SEPARATOR);
        replacements.push((s, String::new()));
    }
    for (from, to) in replacements {
        if !from.is_empty() {
            text = text.replace(&from, &to);
        }
    }
    let mut out: String = text
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn snapshot_name(rel: &str) -> String {
    rel.trim_end_matches(".na").replace('/', "__")
}

// ---------------------------------------------------------------------------------------------
// A small LCS line diff
// ---------------------------------------------------------------------------------------------

/// A unified-style diff of `expected` against `actual` (every line, `-` expected, `+` actual).
fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = actual.split_inclusive('\n').collect();
    let (n, m) = (a.len(), b.len());
    // lcs[i][j] = length of the LCS of a[i..] and b[j..]
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let show = |line: &str| -> String {
        match line.strip_suffix('\n') {
            Some(body) => body.to_string(),
            None => format!("{line}\\ (no newline at end)"),
        }
    };
    let mut out = String::from("--- expected stdout\n+++ actual stdout\n");
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            let _ = writeln!(out, "  {}", show(a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "- {}", show(a[i]));
            i += 1;
        } else {
            let _ = writeln!(out, "+ {}", show(b[j]));
            j += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------------

/// The behavioural problems of one run (empty: the case passes).
fn check_case(case: &Case, run: &RunOutput) -> Vec<String> {
    let mut problems = Vec::new();
    if run.timed_out {
        problems.push(format!("timed out after {}s (killed)", TIMEOUT.as_secs()));
    }
    let expected_code = case.error.as_ref().map_or(0, ExpectedError::exit_code);
    if run.status != Some(expected_code) {
        problems.push(format!(
            "exit code: expected {expected_code}, got {}",
            run.status
                .map_or("none (killed by a signal)".to_string(), |c| c.to_string())
        ));
    }
    if run.stdout != case.expected_stdout {
        problems.push(format!(
            "stdout differs:\n{}",
            line_diff(&case.expected_stdout, &run.stdout)
        ));
    }
    if let Some(err) = &case.error {
        let stderr = strip_ansi(&run.stderr);
        if !stderr.contains(&err.kind) {
            problems.push(format!(
                "stderr does not name the exception kind `{}`",
                err.kind
            ));
        }
        let file_name = case.path.file_name().unwrap().to_string_lossy();
        let location = format!("{file_name}:{}:", err.line);
        if !stderr.contains(&location) {
            problems.push(format!("stderr does not contain the location `{location}`"));
        }
    }
    problems
}

struct Outcome {
    case: Case,
    problems: Vec<String>,
    stderr: String,
}

fn load_cases(root: &Path) -> (Vec<Case>, Vec<(String, String)>) {
    let mut files = Vec::new();
    collect_case_files(root, &mut files);
    let mut cases = Vec::new();
    let mut bad = Vec::new();
    for f in files {
        match parse_case(root, &f) {
            Ok(c) => cases.push(c),
            Err(e) => bad.push((relative_name(root, &f), e)),
        }
    }
    (cases, bad)
}

/// `true` when the case at `rel` passes the `DANA_CONFORMANCE_FILTER` substring filter.
fn selected(filter: Option<&str>, rel: &str) -> bool {
    match filter {
        Some(f) => rel.contains(f),
        None => true,
    }
}

#[test]
fn conformance() {
    let root = conformance_root();
    let filter = std::env::var(FILTER_VAR).ok().filter(|f| !f.is_empty());
    let (cases, bad) = load_cases(&root);
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| selected(filter.as_deref(), &c.rel))
        .collect();
    let bad: Vec<(String, String)> = bad
        .into_iter()
        .filter(|(rel, _)| selected(filter.as_deref(), rel))
        .collect();

    // Run the cases on a few worker threads; results keep the sorted order.
    let workers = thread::available_parallelism()
        .map_or(4, |n| n.get())
        .min(8);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..cases.len()).map(|_| None).collect());
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let outcome = match run_case(&root, case) {
                    Ok(run) => Outcome {
                        case: case.clone(),
                        problems: check_case(case, &run),
                        stderr: run.stderr,
                    },
                    Err(e) => Outcome {
                        case: case.clone(),
                        problems: vec![e],
                        stderr: String::new(),
                    },
                };
                results.lock().unwrap()[i] = Some(outcome);
            });
        }
    });
    let outcomes: Vec<Outcome> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("every case ran"))
        .collect();

    // Golden diagnostics, for the error cases that behave as expected.
    let snapshot_dir = root.join("snapshots");
    let mut snapshot_failures: Vec<(String, String)> = Vec::new();
    for o in &outcomes {
        if o.case.error.is_none() || !o.problems.is_empty() {
            continue;
        }
        let rendered = normalise_stderr(&root, &o.case, &o.stderr);
        let name = snapshot_name(&o.case.rel);
        let result = catch_unwind(AssertUnwindSafe(|| {
            insta::with_settings!({
                snapshot_path => snapshot_dir.clone(),
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => o.case.rel.clone(),
            }, {
                insta::assert_snapshot!(name.as_str(), rendered);
            });
        }));
        if let Err(payload) = result {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "snapshot assertion failed".to_string());
            snapshot_failures.push((
                o.case.rel.clone(),
                format!("{msg}\nrendered stderr:\n{rendered}"),
            ));
        }
    }

    // Report.
    let mut report = String::new();
    let mut failed = 0usize;
    for (rel, err) in &bad {
        failed += 1;
        let _ = writeln!(report, "=== {rel}: malformed case: {err}\n");
    }
    for o in &outcomes {
        if o.problems.is_empty() {
            continue;
        }
        failed += 1;
        let _ = writeln!(report, "=== {}", o.case.rel);
        if let Some(e) = &o.case.error {
            let _ = writeln!(report, "(expected {} at line {})", e.kind, e.line);
        }
        for p in &o.problems {
            let _ = writeln!(report, "{}", p.trim_end());
        }
        let stderr = strip_ansi(&o.stderr);
        if !stderr.trim().is_empty() {
            let _ = writeln!(report, "stderr:");
            for l in stderr.lines() {
                let _ = writeln!(report, "  | {l}");
            }
        }
        let _ = writeln!(report);
    }
    for (rel, msg) in &snapshot_failures {
        failed += 1;
        let _ = writeln!(report, "=== {rel}: diagnostic snapshot mismatch\n{msg}\n");
    }
    let passed =
        outcomes.iter().filter(|o| o.problems.is_empty()).count() - snapshot_failures.len();
    let summary = format!("conformance: {passed} passed, {failed} failed");
    if failed > 0 {
        panic!("{summary}\n\n{report}{summary}");
    }
    println!("{summary}");
    if let Some(f) = filter {
        println!("(filtered by {FILTER_VAR}={f})");
    }
}

#[test]
fn conformance_suite_is_large_enough() {
    let root = conformance_root();
    let (cases, bad) = load_cases(&root);
    assert!(bad.is_empty(), "malformed conformance cases: {bad:#?}");
    assert!(
        cases.len() >= MIN_CASES,
        "expected at least {MIN_CASES} conformance cases, found {}",
        cases.len()
    );
}

#[test]
fn line_diff_marks_changes() {
    let d = line_diff("a\nb\nc\n", "a\nx\nc\n");
    assert!(d.contains("  a\n- b\n+ x\n  c\n"), "{d}");
    let d = line_diff("a\n", "a");
    assert!(d.contains("- a\n+ a\\ (no newline at end)\n"), "{d}");
}

#[test]
fn case_directives_parse() {
    assert_eq!(directive("# expect: hi", "# expect:"), Some("hi"));
    assert_eq!(directive("    # expect:", "# expect:"), Some(""));
    assert_eq!(directive("# expect: ", "# expect:"), Some(""));
    assert_eq!(directive("print(1)", "# expect:"), None);
    assert_eq!(
        parse_error_directive("ZeroDivisionError line 4"),
        Ok(ExpectedError {
            kind: "ZeroDivisionError".into(),
            line: 4
        })
    );
    assert!(parse_error_directive("ZeroDivisionError 4").is_err());
    assert_eq!(
        snapshot_name("errors/zero_division.na"),
        "errors__zero_division"
    );
}
