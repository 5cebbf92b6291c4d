//! Hostile inputs: deep nesting, huge operator chains, random bytes and token soup. The parser
//! must return Ok or a clean SyntaxError — never panic, never overflow the stack — and the AST
//! it returns must stay shallow enough for recursive walkers (depth ≤ 1000).
mod common;
use common::Rng;
use dana_grammar::ast::*;
use dana_grammar::{parse_expr, parse_module};

/// Depth of an expression tree, computed with an explicit stack (the tree may be deep).
fn expr_depth<'a>(root: &'a Expr) -> usize {
    let mut max = 0;
    let mut stack: Vec<(&'a Expr, usize)> = vec![(root, 1usize)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        let mut push = |c: &'a Expr| stack.push((c, d + 1));
        match &e.kind {
            ExprKind::List(xs) | ExprKind::Tuple(xs) | ExprKind::Set(xs) => {
                xs.iter().for_each(push)
            }
            ExprKind::Dict(ps) => ps.iter().for_each(|(k, v)| {
                push(k);
                push(v)
            }),
            ExprKind::ListComp { elt, gens } | ExprKind::SetComp { elt, gens } => {
                push(elt);
                gens.iter().for_each(|g| {
                    push(&g.target);
                    push(&g.iter);
                    g.ifs.iter().for_each(&mut push);
                });
            }
            ExprKind::DictComp { key, value, gens } => {
                push(key);
                push(value);
                gens.iter().for_each(|g| {
                    push(&g.target);
                    push(&g.iter);
                    g.ifs.iter().for_each(&mut push);
                });
            }
            ExprKind::Lambda(l) => {
                push(&l.body);
                l.params
                    .iter()
                    .filter_map(|p| p.default.as_ref())
                    .for_each(push);
            }
            ExprKind::IfExp { test, body, orelse } => {
                push(test);
                push(body);
                push(orelse)
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) | ExprKind::Binary(_, a, b) => {
                push(a);
                push(b)
            }
            ExprKind::Not(a) | ExprKind::Unary(_, a) | ExprKind::Starred(a) => push(a),
            ExprKind::Compare { left, ops } => {
                push(left);
                ops.iter().for_each(|(_, r)| push(r));
            }
            ExprKind::Call { func, args } => {
                push(func);
                for a in args {
                    match &a.kind {
                        ArgKind::Positional(x)
                        | ArgKind::Keyword(_, x)
                        | ArgKind::Star(x)
                        | ArgKind::StarStar(x) => push(x),
                    }
                }
            }
            ExprKind::Attribute { value, .. } => push(value),
            ExprKind::Index { value, index } => {
                push(value);
                push(index)
            }
            ExprKind::Slice { lower, upper, step } => [lower, upper, step]
                .into_iter()
                .flatten()
                .for_each(|x| push(x)),
            ExprKind::FString(parts) => {
                for p in parts {
                    if let FPart::Expr { expr, .. } = p {
                        push(expr);
                    }
                }
            }
            _ => {}
        }
    }
    max
}

fn assert_clean(src: &str) {
    common::cross_check(src);
    match parse_module(src) {
        Ok(m) => {
            for s in &m.body {
                if let StmtKind::Expr(e) | StmtKind::Assign { value: e, .. } = &s.kind {
                    assert!(expr_depth(e) <= 1000);
                }
            }
        }
        Err(e) => {
            assert!(!e.message.is_empty());
            assert!(e.span.start <= e.span.end);
            assert!(
                e.span.end as usize <= src.len(),
                "span {:?} beyond source",
                e.span
            );
        }
    }
}

/// Parses, agreeing with the reference (the fast parser must not bail on valid input here).
fn assert_ok(src: &str) {
    common::cross_check(src);
    assert!(
        dana_grammar::parse_module_fast(src).is_some(),
        "the fast parser bailed"
    );
    assert!(parse_module(src).is_ok());
}

fn must_fail_with(src: &str, needle: &str) {
    common::cross_check(src);
    match parse_module(src) {
        Ok(_) => panic!("expected an error containing {needle:?}"),
        Err(e) => assert!(
            e.message.contains(needle),
            "message {:?} does not contain {needle:?}",
            e.message
        ),
    }
}

#[test]
fn ten_thousand_nested_parens() {
    let src = format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
    must_fail_with(&src, "too many nested brackets (limit 200)");
    let src = "[".repeat(10_000);
    must_fail_with(&src, "too many nested brackets");
    let src = format!("x = {}1{}", "{".repeat(10_000), "}".repeat(10_000));
    must_fail_with(&src, "too many nested brackets");
    let e = parse_expr(&"(".repeat(10_000)).unwrap_err();
    assert!(e.message.contains("too many nested brackets"));
}

#[test]
fn nesting_at_the_limit_parses() {
    let src = format!("x = {}1{}\n", "(".repeat(200), ")".repeat(200));
    assert_ok(&src);
    let src = format!("x = {}1{}\n", "[".repeat(200), "]".repeat(200));
    assert_ok(&src);
    let src = format!("x = {}1{}\n", "f(".repeat(200), ")".repeat(200));
    assert_ok(&src);
    let src = format!("x = {}\n", "{'k': ".repeat(199) + "1" + &"}".repeat(199));
    assert_ok(&src);
}

#[test]
fn deep_unary_chains() {
    for op in ["-", "not ", "~", "+", "- "] {
        let src = format!("x = {}y\n", op.repeat(100_000));
        must_fail_with(&src, "expression too deeply nested");
        let src = format!("x = {}y\n", op.repeat(300));
        assert_ok(&src);
    }
}

#[test]
fn long_operator_chains() {
    let src = format!("x = {}\n", vec!["1"; 100_000].join("+"));
    must_fail_with(&src, "expression too deeply nested");
    let src = format!("x = {}\n", vec!["2"; 20_000].join("**"));
    must_fail_with(&src, "expression too deeply nested");
    let src = format!("x = {}\n", vec!["a"; 20_000].join(" and "));
    must_fail_with(&src, "expression too deeply nested");
    // A long comparison chain is one flat node.
    let src = format!("x = {}\n", vec!["a"; 10_000].join(" < "));
    assert_clean(&src);
    let src = format!("x = {}\n", vec!["1"; 700].join(" + "));
    assert_ok(&src);
    let src = format!("x = a{}\n", ".b".repeat(20_000));
    must_fail_with(&src, "expression too deeply nested");
    let src = format!("x = f{}\n", "()".repeat(20_000));
    must_fail_with(&src, "expression too deeply nested");
    let src = format!("x = a{}\n", "[0]".repeat(20_000));
    must_fail_with(&src, "expression too deeply nested");
    let src = format!("x = {} 1\n", "a if b else ".repeat(20_000));
    must_fail_with(&src, "too deeply nested");
}

#[test]
fn deep_lambdas() {
    let src = format!("x = {}1\n", "lambda :: ".repeat(10_000));
    must_fail_with(&src, "too deeply nested");
    let src = format!("x = {}1\n", "lambda :: ".repeat(100));
    assert_ok(&src);
}

#[test]
fn thousand_nested_ifs() {
    let mut src = String::new();
    for i in 0..1000 {
        src.push_str(&" ".repeat(i));
        src.push_str("if x:\n");
    }
    src.push_str(&" ".repeat(1000));
    src.push_str("pass\n");
    must_fail_with(&src, "too many levels of indentation");
    let mut src = String::new();
    for i in 0..99 {
        src.push_str(&" ".repeat(i));
        src.push_str("if x:\n");
    }
    src.push_str(&" ".repeat(99));
    src.push_str("pass\n");
    assert_ok(&src);
}

#[test]
fn deep_blocks_with_deep_brackets() {
    // The worst case the limits allow: 99 blocks, then 200 nested brackets.
    let mut src = String::new();
    for i in 0..99 {
        src.push_str(&"\t".repeat(i));
        src.push_str("while x:\n");
    }
    src.push_str(&"\t".repeat(99));
    src.push_str(&format!("y = {}1{}\n", "[".repeat(200), "]".repeat(200)));
    assert_ok(&src);
}

#[test]
fn deep_fstrings() {
    let src = format!("x = f\"{{{}1{}}}\"\n", "(".repeat(199), ")".repeat(199));
    assert_clean(&src);
    let src = format!(
        "x = ({}f\"{{{}1{}}}\"{})\n",
        "(".repeat(150),
        "(".repeat(150),
        ")".repeat(150),
        ")".repeat(150)
    );
    must_fail_with(&src, "too many nested brackets");
    let src = "x = f'''{f\"{f'{1}'}\"}'''\n";
    assert_clean(src);
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let alphabet: &[u8] = b" \t\n\r#()[]{}:;,.=+-*/%<>!&|^~@$'\"\\_abcdefxyz0123456789\x01\x02\x03";
    for _ in 0..3000 {
        let len = rng.below(60);
        let bytes: Vec<u8> = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let src = String::from_utf8_lossy(&bytes).into_owned();
        assert_clean(&src);
        common::cross_check_expr(&src);
        let _ = parse_expr(&src);
    }
    // Arbitrary UTF-8, including multi-byte characters.
    for _ in 0..1000 {
        let len = rng.below(40);
        let src: String = (0..len)
            .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'))
            .collect();
        assert_clean(&src);
    }
}

#[test]
fn token_soup_never_panics() {
    let tokens = [
        "x",
        "y",
        "1",
        "2.5",
        "\"s\"",
        "f\"{x}\"",
        "f\"{",
        "'",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ":",
        "::",
        ",",
        ";",
        ".",
        "=",
        "==",
        "+",
        "-",
        "*",
        "**",
        "/",
        "//",
        "%",
        "|",
        "&",
        "^",
        "<<",
        "<",
        ">=",
        "!=",
        "->",
        "@",
        "$$",
        "if",
        "elif",
        "else",
        "for",
        "in",
        "while",
        "def",
        "return",
        "lambda",
        "not",
        "and",
        "or",
        "is",
        "struct",
        "interface",
        "try",
        "except",
        "finally",
        "raise",
        "from",
        "import",
        "as",
        "with",
        "pass",
        "break",
        "continue",
        "private:x",
        "True",
        "None",
        "sync",
        "agent",
        "\n",
        "\n    ",
        "\n  ",
        "\n\t",
        " ",
        "# c\n",
        "\"\"\"",
        "*",
        "+=",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..5000 {
        let n = rng.below(30);
        let src: String = (0..n)
            .map(|_| tokens[rng.below(tokens.len())])
            .collect::<Vec<_>>()
            .join(" ");
        assert_clean(&src);
    }
    // Mutations of a valid program.
    let base = "def f(x: int = 1) -> int:\n    if x > 0:\n        return f\"{x!r:>5}\"\n    return [i for i in range(x) if i]\nstruct P:\n    a: int = 0  # c\n";
    for _ in 0..3000 {
        let mut b: Vec<u8> = base.as_bytes().to_vec();
        for _ in 0..1 + rng.below(3) {
            if b.is_empty() {
                break;
            }
            let i = rng.below(b.len());
            match rng.below(3) {
                0 => {
                    b.remove(i);
                }
                1 => b.insert(i, b"()[]{}:\"'\n #=,"[rng.below(14)]),
                _ => {
                    let j = rng.below(b.len());
                    b.swap(i, j)
                }
            }
        }
        assert_clean(&String::from_utf8_lossy(&b));
    }
}

/// Decimal integer literals have `int()`'s limit: converting decimal text to a big integer
/// takes quadratic time.
#[test]
fn integer_literals_are_capped_like_int() {
    let max = dana_grammar::MAX_INT_DIGITS;
    let ok = format!("x = {}\n", "7".repeat(max));
    assert!(parse_module(&ok).is_ok());
    let long = format!("x = {}\n", "7".repeat(max + 1));
    must_fail_with(&long, "integer literal too long");
    let e = parse_module(&long).unwrap_err();
    assert_eq!((e.span.start, e.span.end as usize), (4, 4 + max + 1));
    assert!(e.help.as_deref().unwrap_or("").contains("int()"), "{e:?}");
    // Underscores do not count as digits.
    let spaced = format!("x = 1{}\n", "_0".repeat(max - 1));
    assert!(parse_module(&spaced).is_ok());
    // Millions of digits are refused at once (linear work), with the same message even in
    // a file too large for the pest path.
    let huge = format!("x = 1{}\n", "0".repeat(2_000_000));
    let e = parse_module(&huge).unwrap_err();
    assert!(e.message.contains("integer literal too long"), "{e:?}");
    let e = parse_expr(&format!("1{}", "0".repeat(max + 10))).unwrap_err();
    assert!(e.message.contains("integer literal too long"), "{e:?}");
}

/// Invalid input larger than `MAX_PEST_INPUT` is not handed to the pest path (whose memory
/// grows by hundreds of bytes per input byte): the error is where the fast parser stopped.
#[test]
fn huge_invalid_input_is_reported_without_pest() {
    let limit = dana_grammar::MAX_PEST_INPUT;
    let line = "x = 1 + 2 * (3 - 4)\n";
    let mut src = line.repeat(limit / line.len() + 1);
    let bad = src.len();
    src.push_str("y = 1 +\nz = 2\n");
    let e = parse_module(&src).unwrap_err();
    assert!(
        e.message.contains("too large for a detailed diagnostic"),
        "{e:?}"
    );
    assert!(
        (bad..bad + 8).contains(&(e.span.start as usize)),
        "{e:?} (the bad line starts at {bad})"
    );
    assert!(e.help.is_some());
    // A smaller file with the same mistake gets the precise message, as before.
    let small = line.repeat(100) + "y = 1 +\nz = 2\n";
    let e = parse_module(&small).unwrap_err();
    assert!(!e.message.contains("too large"), "{e:?}");
    // One long line: a chain of additions that ends with an operator.
    let chain = format!("x = {}\n", "1 + ".repeat(limit / 4 + 10));
    let e = parse_module(&chain).unwrap_err();
    assert!(
        e.message.contains("too large for a detailed diagnostic"),
        "{e:?}"
    );
    let e = parse_expr(&chain).unwrap_err();
    assert!(
        e.message.contains("too large for a detailed diagnostic"),
        "{e:?}"
    );
    // Valid input of any size is not affected.
    let big_ok = line.repeat(limit / line.len() + 1);
    assert_eq!(
        parse_module(&big_ok).unwrap().body.len(),
        limit / line.len() + 1
    );
}
