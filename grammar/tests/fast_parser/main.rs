//! The fast parser against the pest path (the reference): on every `.na` file of the
//! repository, the parse benchmark's generated program and thousands of mutants of them.
//!
//! * On valid input the fast parser must build the same AST, spans included, and must not
//!   bail (it covers the whole language).
//! * On invalid input it must bail, so that the pest path reports the error.
//! * On anything, it either bails or agrees with the reference.
//!
//! Shared here: the corpus, the comparison of both paths on one input and the report of where
//! two trees differ. The tests, by theme: `corpus.rs` (every file and every expression of it),
//! `edge_cases.rs` (valid corner cases of the grammar), `mutants.rs` (mutated files) and
//! `generated.rs` (programs from a small random generator).

#[path = "../common/mod.rs"]
mod common;

mod corpus;
mod edge_cases;
mod generated;
mod mutants;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use dana_grammar::ast::{Module, Stmt, StmtKind};
use dana_grammar::{parse_module_fast, parse_module_reference};

/// Every `.na` file under the repository's tests, examples and benchmark programs.
fn corpus() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["tests", "examples", "benches/programs"] {
        collect(&root.join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 100, "found only {} .na files", files.len());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("reading a .na file");
            (p, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "na") {
            out.push(p);
        }
    }
}

// `generate(lines)`: the parse benchmark's program (benches/parse.rs).
include!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../benches/support/generated_program.rs"
));

/// What the fast parser did with one input, compared with the reference.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Both parsed it to the same tree.
    Same,
    /// The reference parsed it; the fast parser bailed.
    BailedOnValid,
    /// The reference rejected it; the fast parser bailed, as it must.
    Rejected,
}

/// Compares both paths on `src`; panics on a disagreement.
fn compare(name: &str, src: &str) -> Outcome {
    let reference = parse_module_reference(src);
    let fast = parse_module_fast(src);
    match (reference, fast) {
        (Ok(r), Some(f)) => {
            if r != f {
                panic!("{}", difference(name, src, &r, &f));
            }
            Outcome::Same
        }
        (Ok(_), None) => Outcome::BailedOnValid,
        (Err(_), None) => Outcome::Rejected,
        (Err(e), Some(f)) => panic!(
            "{name}: the fast parser accepted input the reference rejects ({} at {:?})\n\
             --- source ---\n{src}\n--- fast AST ---\n{f:#?}",
            e.message, e.span
        ),
    }
}

/// The first statement (recursively, through blocks) where two trees differ.
fn difference(name: &str, src: &str, r: &Module, f: &Module) -> String {
    fn first_diff<'a>(a: &'a [Stmt], b: &'a [Stmt]) -> Option<(&'a Stmt, Option<&'a Stmt>)> {
        for (i, s) in a.iter().enumerate() {
            let Some(t) = b.get(i) else {
                return Some((s, None));
            };
            if s != t {
                let inner = match (&s.kind, &t.kind) {
                    (
                        StmtKind::If {
                            body: x,
                            orelse: xo,
                            ..
                        },
                        StmtKind::If {
                            body: y,
                            orelse: yo,
                            ..
                        },
                    )
                    | (
                        StmtKind::While {
                            body: x,
                            orelse: xo,
                            ..
                        },
                        StmtKind::While {
                            body: y,
                            orelse: yo,
                            ..
                        },
                    )
                    | (
                        StmtKind::For {
                            body: x,
                            orelse: xo,
                            ..
                        },
                        StmtKind::For {
                            body: y,
                            orelse: yo,
                            ..
                        },
                    ) => first_diff(x, y).or_else(|| first_diff(xo, yo)),
                    (StmtKind::FunctionDef(x), StmtKind::FunctionDef(y)) => {
                        match (&x.body, &y.body) {
                            (
                                dana_grammar::ast::FuncBody::Block(x),
                                dana_grammar::ast::FuncBody::Block(y),
                            ) => first_diff(x, y),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                return Some(inner.unwrap_or((s, Some(t))));
            }
        }
        None
    }
    let mut out = format!("{name}: the fast parser built a different AST\n");
    match first_diff(&r.body, &f.body) {
        Some((s, t)) => {
            let text = src.get(s.span.range()).unwrap_or("?");
            let _ = write!(
                out,
                "--- statement (reference span {:?}) ---\n{text}\n--- reference ---\n{s:#?}\n--- fast ---\n{t:#?}",
                s.span
            );
        }
        None => {
            let _ = write!(out, "(extra statements in the fast tree: {})", f.body.len());
        }
    }
    out
}

/// Mutants per small file; `DANA_FAST_PARSER_MUTANTS=N` runs N per file (and N/4 per large
/// one) for a longer search, e.g. in release mode.
fn mutants_per_file() -> usize {
    std::env::var("DANA_FAST_PARSER_MUTANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4)
}
