//! Every span is a byte range of the ORIGINAL source: checked as line:column (1-based,
//! columns in characters) through blocks, multi-line brackets, strings and f-strings.
mod common;
use common::*;
use dana_grammar::ast::*;
use dana_grammar::parse_module;

fn body(src: &str) -> Vec<Stmt> {
    module(src).body
}

fn expr_of(s: &Stmt) -> &Expr {
    match &s.kind {
        StmtKind::Expr(e) => e,
        StmtKind::Assign { value, .. } => value,
        other => panic!("not an expression statement: {other:?}"),
    }
}

/// Finds the first sub-expression (pre-order) that is the name `name`.
fn find_name<'a>(e: &'a Expr, name: &str) -> Option<&'a Expr> {
    if let ExprKind::Name { name: n, .. } = &e.kind {
        if n.as_str() == name {
            return Some(e);
        }
    }
    let kids: Vec<&Expr> = match &e.kind {
        ExprKind::Binary(_, a, b) | ExprKind::And(a, b) | ExprKind::Or(a, b) => vec![a, b],
        ExprKind::Unary(_, a) | ExprKind::Not(a) | ExprKind::Starred(a) => vec![a],
        ExprKind::Call { func, args } => {
            let mut v = vec![&**func];
            for a in args {
                match &a.kind {
                    ArgKind::Positional(x)
                    | ArgKind::Keyword(_, x)
                    | ArgKind::Star(x)
                    | ArgKind::StarStar(x) => v.push(x),
                }
            }
            v
        }
        ExprKind::List(xs) | ExprKind::Tuple(xs) | ExprKind::Set(xs) => xs.iter().collect(),
        ExprKind::Attribute { value, .. } => vec![value],
        ExprKind::Index { value, index } => vec![value, index],
        ExprKind::Compare { left, ops } => {
            let mut v = vec![&**left];
            v.extend(ops.iter().map(|(_, r)| r));
            v
        }
        ExprKind::FString(parts) => {
            let mut v = Vec::new();
            fn walk<'a>(parts: &'a [FPart], v: &mut Vec<&'a Expr>) {
                for p in parts {
                    if let FPart::Expr { expr, spec, .. } = p {
                        v.push(expr);
                        if let Some(s) = spec {
                            walk(s, v);
                        }
                    }
                }
            }
            walk(parts, &mut v);
            v
        }
        ExprKind::IfExp { test, body, orelse } => vec![test, body, orelse],
        ExprKind::Lambda(l) => vec![&l.body],
        ExprKind::ListComp { elt, gens } => {
            let mut v = vec![&**elt];
            for g in gens {
                v.push(&g.target);
                v.push(&g.iter);
                v.extend(g.ifs.iter());
            }
            v
        }
        _ => vec![],
    };
    kids.into_iter().find_map(|k| find_name(k, name))
}

#[test]
fn line_col_helper() {
    let src = "ab\ncdé\nf";
    assert_eq!(line_col(src, 0), (1, 1));
    assert_eq!(line_col(src, 3), (2, 1));
    assert_eq!(line_col(src, 7), (2, 4), "é is one column");
    assert_eq!(line_col(src, 8), (3, 1));
}

#[test]
fn statements_and_names() {
    let src = "x = 1\nif x:\n    y = x + 2\n    print(y)\nz = 3\n";
    let b = body(src);
    assert_eq!(lc(src, b[0].span), ((1, 1), (1, 6)));
    let StmtKind::If { body: inner, .. } = &b[1].kind else {
        panic!()
    };
    assert_eq!(lc(src, inner[0].span), ((3, 5), (3, 14)));
    assert_eq!(text(src, inner[1].span), "print(y)");
    assert_eq!(
        lc(src, b[1].span),
        ((2, 1), (4, 13)),
        "a block ends with its last statement"
    );
    assert_eq!(lc(src, b[2].span), ((5, 1), (5, 6)));
    let StmtKind::Assign { targets, value } = &inner[0].kind else {
        panic!()
    };
    assert_eq!(lc(src, targets[0].span), ((3, 5), (3, 6)));
    assert_eq!(text(src, value.span), "x + 2");
}

#[test]
fn after_multi_line_brackets() {
    let src =
        "total = compute(1,\n                2,  # two\n    3)\nafter = [\n  a,\n  b]\nlast = q\n";
    let b = body(src);
    assert_eq!(lc(src, b[0].span), ((1, 1), (3, 7)));
    let v = expr_of(&b[0]);
    assert_eq!(
        text(src, v.span),
        "compute(1,\n                2,  # two\n    3)"
    );
    assert_eq!(lc(src, b[1].span).0, (4, 1));
    let a = find_name(expr_of(&b[1]), "b").unwrap();
    assert_eq!(lc(src, a.span), ((6, 3), (6, 4)));
    let q = find_name(expr_of(&b[2]), "q").unwrap();
    assert_eq!(lc(src, q.span), ((7, 8), (7, 9)));
}

#[test]
fn after_triple_quoted_strings_and_comments() {
    let src = "doc = \"\"\"line one\n(not a bracket\n   end\"\"\"  # c (\n# (((\nname = value  # trailing\n";
    let b = body(src);
    assert_eq!(lc(src, b[0].span), ((1, 1), (3, 10)));
    let v = find_name(expr_of(&b[1]), "value").unwrap();
    assert_eq!(lc(src, v.span), ((5, 8), (5, 13)));
}

#[test]
fn fstring_inner_spans() {
    let src = "msg = f\"hello {name.upper()} and {count + 1:>{width}} {x!r}\"\n";
    let b = body(src);
    let v = expr_of(&b[0]);
    assert_eq!(text(src, v.span), &src[6..src.len() - 1]);
    let name = find_name(v, "name").unwrap();
    assert_eq!(lc(src, name.span), ((1, 16), (1, 20)));
    let count = find_name(v, "count").unwrap();
    assert_eq!(text(src, count.span), "count");
    assert_eq!(lc(src, count.span).0, (1, 35));
    let width = find_name(v, "width").unwrap();
    assert_eq!(text(src, width.span), "width");
    let x = find_name(v, "x").unwrap();
    assert_eq!(text(src, x.span), "x");
    // The whole field expression span.
    let ExprKind::FString(parts) = &v.kind else {
        panic!()
    };
    let FPart::Expr { expr, .. } = &parts[3] else {
        panic!()
    };
    assert_eq!(text(src, expr.span), "count + 1");
}

#[test]
fn fstring_spans_across_lines_and_blocks() {
    let src = "def f(a):\n    s = f\"\"\"first\n  {a}\n    {b * 2}\"\"\"\n    return s\n";
    let b = body(src);
    let StmtKind::FunctionDef(d) = &b[0].kind else {
        panic!()
    };
    let FuncBody::Block(stmts) = &d.body else {
        panic!()
    };
    let v = expr_of(&stmts[0]);
    let a = find_name(v, "a").unwrap();
    assert_eq!(lc(src, a.span), ((3, 4), (3, 5)));
    let bb = find_name(v, "b").unwrap();
    assert_eq!(lc(src, bb.span), ((4, 6), (4, 7)));
    assert_eq!(lc(src, stmts[1].span), ((5, 5), (5, 13)));
}

#[test]
fn nested_fstring_and_adjacent_literal_spans() {
    let src = "x = \"a\" f'{y}' \"c\" f\"{f'{z}'}\"\n";
    let v = expr_of(&body(src)[0]).clone();
    assert_eq!(lc(src, v.span), ((1, 5), (1, 31)));
    assert_eq!(
        lc(src, find_name(&v, "y").unwrap().span),
        ((1, 12), (1, 13))
    );
    assert_eq!(
        lc(src, find_name(&v, "z").unwrap().span),
        ((1, 26), (1, 27))
    );
}

#[test]
fn def_header_and_params() {
    let src = "@deco(1)\ndef area(w: float, h: float = 1.0) -> float:\n    return w * h\n";
    let b = body(src);
    assert_eq!(lc(src, b[0].span), ((1, 1), (3, 17)));
    let StmtKind::FunctionDef(d) = &b[0].kind else {
        panic!()
    };
    assert_eq!(
        text(src, d.header_span),
        "def area(w: float, h: float = 1.0) -> float:"
    );
    assert_eq!(text(src, d.decorators[0].span), "@deco(1)");
    assert_eq!(text(src, d.params[1].span), "h: float = 1.0");
    assert_eq!(text(src, d.name.span), "area");
    assert_eq!(text(src, d.returns.as_ref().unwrap().span), "float");
    let src = "def f(x) = a | b(2) as y | [g, h]\n";
    let StmtKind::FunctionDef(d) = &body(src)[0].kind else {
        panic!()
    };
    let FuncBody::Pipeline(p) = &d.body else {
        panic!()
    };
    assert_eq!(text(src, p.span), "a | b(2) as y | [g, h]");
    assert_eq!(text(src, p.stages[1].span), "b(2) as y");
    assert_eq!(text(src, p.stages[2].span), "[g, h]");
}

#[test]
fn struct_field_spans() {
    let src = "struct P:\n    x: int = 0  # the x\n    y: list[str]\n";
    let StmtKind::Struct(s) = &body(src)[0].kind else {
        panic!()
    };
    assert_eq!(lc(src, s.fields[0].span), ((2, 5), (2, 15)));
    assert_eq!(text(src, s.fields[1].span), "y: list[str]");
    assert_eq!(
        text(src, s.fields[1].ann.as_ref().unwrap().span),
        "list[str]"
    );
}

#[test]
fn crlf_tabs_and_unicode() {
    let src = "if a:\r\n\tb = \"é\" + c\r\nd = 1\r\n";
    let b = body(src);
    let StmtKind::If { body: inner, .. } = &b[0].kind else {
        panic!()
    };
    let c = find_name(expr_of(&inner[0]), "c").unwrap();
    assert_eq!(lc(src, c.span), ((2, 12), (2, 13)), "a tab is one column");
    assert_eq!(lc(src, b[1].span), ((3, 1), (3, 6)));
    let src = "s = \"日本語\"; t = u\n";
    let b = body(src);
    let u = find_name(expr_of(&b[1]), "u").unwrap();
    assert_eq!(lc(src, u.span), ((1, 16), (1, 17)));
}

#[test]
fn expression_spans() {
    let src = "v = -a.b[c](d, k=e) ** 2 if not t else [i for i in xs]\n";
    let v = expr_of(&body(src)[0]).clone();
    assert_eq!(text(src, v.span), &src[4..src.len() - 1]);
    let ExprKind::IfExp {
        test,
        body: then,
        orelse,
    } = &v.kind
    else {
        panic!()
    };
    assert_eq!(text(src, test.span), "not t");
    assert_eq!(text(src, then.span), "-a.b[c](d, k=e) ** 2");
    assert_eq!(text(src, orelse.span), "[i for i in xs]");
    let ExprKind::Unary(_, pow) = &then.kind else {
        panic!()
    };
    let ExprKind::Binary(_, call, _) = &pow.kind else {
        panic!()
    };
    assert_eq!(text(src, call.span), "a.b[c](d, k=e)");
    let ExprKind::Call { args, .. } = &call.kind else {
        panic!()
    };
    assert_eq!(text(src, args[1].span), "k=e");
    let src = "t = (1,\n     2)\ns = xs[1:\n  3]\n";
    let b = body(src);
    assert_eq!(text(src, expr_of(&b[0]).span), "(1,\n     2)");
    let ExprKind::Index { index, .. } = &expr_of(&b[1]).kind else {
        panic!()
    };
    assert_eq!(text(src, index.span), "1:\n  3");
}

#[test]
fn error_spans_are_in_the_original_text() {
    let src = "def f():\n    x = (1 +\n         2) +\n    return x\n";
    let e = parse_module(src).unwrap_err();
    assert_eq!(
        line_col(src, e.span.start as usize),
        (3, 14),
        "{}",
        e.message
    );
    let src = "s = f\"\"\"\n  {a +}\n\"\"\"\n";
    let e = parse_module(src).unwrap_err();
    assert_eq!(
        line_col(src, e.span.start as usize),
        (2, 7),
        "{}",
        e.message
    );
    let src = "if x:\n    y = 1\n    z = [1, 2\n\nw = 3\n";
    let e = parse_module(src).unwrap_err();
    assert_eq!(lc(src, e.span), ((3, 9), (3, 10)), "{}", e.message);
}
