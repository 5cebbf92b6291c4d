//! Every `.na` file of the repository and the parse benchmark's program, as modules and as the
//! expressions they contain: the same tree through both paths, and no bail on a valid file.

use dana_grammar::ast::{Expr, ExprKind, Stmt, StmtKind};
use dana_grammar::{parse_expr_fast, parse_expr_reference, parse_module_reference};

use super::common::Rng;
use super::mutants::mutate;
use super::{compare, corpus, generate, Outcome};

#[test]
fn every_valid_file_parses_identically_and_no_file_bails() {
    let mut bailed = Vec::new();
    let (mut same, mut rejected) = (0, 0);
    let mut files = corpus();
    files.push(("<parse benchmark program>".into(), generate(5_000)));
    for (path, src) in &files {
        let name = path.display().to_string();
        match compare(&name, src) {
            Outcome::Same => same += 1,
            Outcome::Rejected => rejected += 1,
            Outcome::BailedOnValid => bailed.push(name),
        }
    }
    assert!(
        bailed.is_empty(),
        "the fast parser bailed on {} valid files:\n{}",
        bailed.len(),
        bailed.join("\n")
    );
    assert!(same > 500, "only {same} valid files");
    eprintln!("{same} valid files parsed identically, {rejected} invalid files rejected");
}

/// The text of every expression statement and assignment value of a module (expressions
/// that `parse_expr` accepts on their own).
fn expressions<'a>(src: &'a str, stmts: &[Stmt], out: &mut Vec<&'a str>) {
    for s in stmts {
        match &s.kind {
            StmtKind::Expr(e) | StmtKind::Assign { value: e, .. } => push_expr(src, e, out),
            StmtKind::If { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::For { body, orelse, .. } => {
                expressions(src, body, out);
                expressions(src, orelse, out);
            }
            StmtKind::FunctionDef(d) => {
                if let dana_grammar::ast::FuncBody::Block(b) = &d.body {
                    expressions(src, b, out);
                }
            }
            _ => {}
        }
    }
}

fn push_expr<'a>(src: &'a str, e: &Expr, out: &mut Vec<&'a str>) {
    if matches!(e.kind, ExprKind::Tuple(_)) {
        return;
    }
    if let Some(t) = src.get(e.span.range()) {
        out.push(t);
    }
}

#[test]
fn expressions_parse_identically() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let files = corpus();
    let (mut same, mut checked) = (0, 0);
    for (path, src) in &files {
        let Ok(m) = parse_module_reference(src) else {
            continue;
        };
        let mut exprs = Vec::new();
        expressions(src, &m.body, &mut exprs);
        for text in exprs {
            let mut inputs = vec![text.to_string()];
            if rng.below(4) == 0 {
                inputs.push(mutate(text, &mut rng));
            }
            for input in &inputs {
                checked += 1;
                match (parse_expr_reference(input), parse_expr_fast(input)) {
                    (Ok(r), Some(f)) => {
                        assert_eq!(r, f, "{}: parse_expr({input:?})", path.display());
                        same += 1;
                    }
                    (Ok(_), None) => {
                        assert!(
                            input != text,
                            "{}: the fast parser bailed on the expression {input:?}",
                            path.display()
                        );
                    }
                    (Err(_), None) => {}
                    (Err(e), Some(f)) => panic!(
                        "{}: parse_expr({input:?}) accepted by the fast parser, rejected by \
                         the reference ({}): {f:?}",
                        path.display(),
                        e.message
                    ),
                }
            }
        }
    }
    eprintln!("{checked} expressions checked, {same} parsed identically");
    assert!(same > 1_000, "only {same} expressions");
}
