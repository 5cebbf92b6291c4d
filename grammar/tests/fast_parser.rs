//! The fast parser against the pest path (the reference): on every `.na` file of the
//! repository, the parse benchmark's generated program and thousands of mutants of them.
//!
//! * On valid input the fast parser must build the same AST, spans included, and must not
//!   bail (it covers the whole language).
//! * On invalid input it must bail, so that the pest path reports the error.
//! * On anything, it either bails or agrees with the reference.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::Rng;

use dana_grammar::ast::{Expr, ExprKind, Module, Stmt, StmtKind};
use dana_grammar::{
    parse_expr_fast, parse_expr_reference, parse_module_fast, parse_module_reference,
};

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

/// Byte ranges of the "tokens" of `src` (runs of word characters, single other characters),
/// for token-level mutations.
fn rough_tokens(src: &str) -> Vec<(usize, usize)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_alphanumeric() || b[i] == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
        } else {
            i += 1;
            while i < b.len() && !src.is_char_boundary(i) {
                i += 1;
            }
        }
        if !b[start].is_ascii_whitespace() {
            out.push((start, i));
        }
    }
    out
}

/// One mutation of `src`: delete, duplicate or swap characters or tokens, or insert a
/// character or token that often matters to the grammar.
fn mutate(src: &str, rng: &mut Rng) -> String {
    const INSERTS: &[&str] = &[
        "(", ")", "[", "]", "{", "}", ":", "::", ",", ";", ".", "=", "==", "*", "**", "-", "not ",
        " in ", " is ", " if ", " else ", "lambda ", "$$", "@", "\n", "    ", "\t", "'", "\"",
        "f\"{x}\"", "#", "\\", "return ", "break", "yield", "private:", " as ", "...", "->",
        " and ", "+=", "1", "0x", "_",
    ];
    let toks = rough_tokens(src);
    let mut s = src.to_string();
    for _ in 0..1 + rng.below(2) {
        let b = s.as_bytes();
        if b.is_empty() || toks.is_empty() {
            break;
        }
        let (ts, te) = toks[rng.below(toks.len())];
        let (te, ts) = (te.min(s.len()), ts.min(s.len()));
        if !s.is_char_boundary(ts) || !s.is_char_boundary(te) {
            continue;
        }
        match rng.below(7) {
            0 => s.replace_range(ts..te, ""),
            1 => {
                let t = s[ts..te].to_string();
                s.insert_str(te, &t);
            }
            2 => {
                let (us, ue) = toks[rng.below(toks.len())];
                let (us, ue) = (us.min(s.len()), ue.min(s.len()));
                if ue <= ts && s.is_char_boundary(us) && s.is_char_boundary(ue) {
                    let a = s[us..ue].to_string();
                    let c = s[ts..te].to_string();
                    s.replace_range(ts..te, &a);
                    s.replace_range(us..ue, &c);
                }
            }
            3 => s.insert_str(ts, INSERTS[rng.below(INSERTS.len())]),
            4 => s.insert_str(te, INSERTS[rng.below(INSERTS.len())]),
            5 => {
                // Delete one character somewhere.
                let i = rng.below(s.len());
                if s.is_char_boundary(i) {
                    let len = s[i..].chars().next().map_or(0, char::len_utf8);
                    s.replace_range(i..i + len, "");
                }
            }
            _ => {
                // Duplicate one character somewhere.
                let i = rng.below(s.len());
                if s.is_char_boundary(i) {
                    if let Some(c) = s[i..].chars().next() {
                        s.insert(i, c);
                    }
                }
            }
        }
    }
    s
}

/// Mutants per small file; `DANA_FAST_PARSER_MUTANTS=N` runs N per file (and N/4 per large
/// one) for a longer search, e.g. in release mode.
fn mutants_per_file() -> usize {
    std::env::var("DANA_FAST_PARSER_MUTANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4)
}

#[test]
fn mutants_are_parsed_identically_or_left_to_pest() {
    let seed = std::env::var("DANA_FAST_PARSER_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed);
    let (mut same, mut rejected, mut bailed) = (0usize, 0usize, 0usize);
    let files = corpus();
    let n = mutants_per_file();
    // Small files get more mutants: they are cheap and cover every construct.
    for (path, src) in &files {
        let per_file = if src.len() < 2_000 { n } else { n.div_ceil(4) };
        for _ in 0..per_file {
            let m = mutate(src, &mut rng);
            match compare(&format!("mutant of {}", path.display()), &m) {
                Outcome::Same => same += 1,
                Outcome::Rejected => rejected += 1,
                Outcome::BailedOnValid => bailed += 1,
            }
        }
    }
    let total = same + rejected + bailed;
    eprintln!(
        "{total} mutants: {same} parsed identically, {rejected} rejected, {bailed} left to pest"
    );
    assert!(total >= 2_000, "only {total} mutants");
    assert!(
        rejected > total / 10,
        "too few invalid mutants ({rejected})"
    );
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

/// Valid snippets around the grammar's corners: spans pest computes with trailing whitespace,
/// tokens that must be adjacent, keyword operators, and every statement form. The fast parser
/// must build the reference's tree without bailing.
const EDGE_CASES: &[&str] = &[
    // `**m` in a dict spans the pest pair, which may include the whitespace after it.
    "d = {**a}\n",
    "d = {**a , 'k': 1}\n",
    "d = {** a.b() ,}\n",
    "d = {**a + b.c }\n",
    "d = {**a + b }\n",
    "d = {**a if c else b\n  , **e}\n",
    "d = {**f(x)[0] , **-y }\n",
    // A bare `*` parameter also spans the whitespace after it.
    "def f(a, * , b):\n    pass\n",
    "def f(a, *,b):\n    pass\n",
    "g = lambda *, k :: k\n",
    "g = lambda * , k=1 :: k\n",
    // `::` and annotations in lambdas.
    "g = lambda x :: x\n",
    "g = lambda x: int :: x\n",
    "g = lambda x:int::x\n",
    "g = lambda a, b: int = 2 :: a * b\n",
    "g = lambda :: 1\n",
    "g = lambda x, :: x\n",
    "g = lambda *a, **k :: (a, k)\n",
    "g = lambda :: lambda y :: y if y else -y\n",
    // pest backs out of `if` without `else` after a lambda body: a comprehension's `if`.
    "x = [f for f in lambda :: a if c]\n",
    "x = [y for y in z if lambda :: a if b]\n",
    "x = [y for y in lambda :: a if b else c if d]\n",
    "x = {f for f in lambda :: a if c if d}\n",
    // Keyword operators and chains.
    "x = a is not b\n",
    "x = a is  not b\n",
    "x = (a is\n   not b)\n",
    "x = a not in b\n",
    "x = a not  in b\n",
    "x = not a in b\n",
    "x = a is not_b\n",
    "x = a < b <= c != d\n",
    "x = (a < b) < c\n",
    "x = - - -a ** -b ** 2\n",
    "x = not not a and b or not c\n",
    "x = a if b else c if d else e\n",
    "x = 1if y else 2\n",
    "x = a == not b\n",
    "x = ~a | b ^ c & d << 2 >> 1\n",
    "x = a // b % c * d / e\n",
    // Numbers and strings.
    "x = [0, 00, 0_0, 1_000, 1., .5, 1.5e-3, 1E5, 0x_ff, 0o17, 0b1_0, 99999999999999999999]\n",
    "x = 0xffffffffffffffffffff\n",
    "x = 'a' \"b\" '''c''' r'\\d' f'{x}' rf'{y}\\n' R'x'\n",
    "x = 'a' f'{b}' 'c'\n",
    "x = f'{x!r:>{w}.{p}f} {y=} {z = !s} {{}} {a:{b}}'\n",
    "x = f\"{f'{1}'}\"\n",
    "x = f'{ {**a} }'\n",
    "x = f'''{\n  a +\n  b  # note\n}'''\n",
    "x = f'{a, b}'\n",
    "x = f'{a!r}' f'{b:>3}'\n",
    "x = 'a\\\nb'\n",
    "x = '\\x41\\u00e9\\N'\n",
    // Scoped names.
    "private:x = 1\nlocal:y: int = 2\nz = public:x + system:y\n",
    "d = {private:x}\ns = a[local:b]\n",
    // Subscripts and slices.
    "y = a[1:2, ::3, :, 4:]\n",
    "y = a[::]\ny = a[:: -1]\ny = a[x::y]\n",
    "y = a[1,]\ny = a[1, 2]\ny = a[(1, 2)]\n",
    "y = a[ 1 , ]\n",
    "y = a[lambda x :: x]\n",
    // Displays and comprehensions.
    "t = ()\nt = (1,)\nt = (1, 2,)\nt = (*a, b)\nt = (a)\n",
    "l = [*a, *b]\nl = [x for x in y if x if not x for z in x]\n",
    "s = {1, 2}\ns = {*a}\ns = {x for x in y}\n",
    "d = {}\nd = {1: 2, **e}\nd = {k: v for k, v in e}\nd = {(k: v) for k, v in e}\n",
    "d = {(k: v), (a: b)}\n",
    "d = {(k): v}\n",
    "d = {(*k: v)}\n",
    "g = sum(x for x in y)\ng = f(x for x in y )\n",
    "g = (x for x in y)\n",
    "for a, in b:\n    pass\n",
    "for a, (b, *c) in d:\n    pass\n",
    "for x in a, b:\n    pass\n",
    "[a for b, in c]\n",
    // Calls.
    "f(a, *b, c, k=1, *d, **e)\n",
    "f(x=1, **k)\n",
    "f(a,)\nf()\nf(\n  a,\n  b,\n)\n",
    "f(a)(b)[c].d(e=f)\n",
    // Assignments.
    "a = b = c = 1\n",
    "a, b = b, a\n",
    "a, = b\n",
    "[a, b] = c\n",
    "*a, b = c\n",
    "x = 1,\n",
    "x = *a, *b\n",
    "a.b[c] += 1\na -= 1\na *= 2\na /= 2\na //= 2\na %= 2\na **= 2\na |= 1\na &= 1\na ^= 1\na <<= 1\na >>= 1\n",
    "x: int\nx: list[str] = []\nx: dict[str, tuple[int, ...]] | None = None\nx: a.b.C = d\n",
    "x: None = None\nx: None[int] = 1\nx: none | null = 1\n",
    "a; b; c;\n",
    "a = 1;\n",
    // Imports.
    "import a\nimport a.b as c, d\n",
    "from a import b\nfrom .a import b as c, d\nfrom ..a.b import *\nfrom . import x\nfrom ... import y\n",
    "from a import (b, c)\nfrom a import (b,\n   c,\n)\nfrom a import (b # c\n)\nfrom a import b,\n",
    // Control flow.
    "if a:\n    b\nelif c:\n    d\nelif e:\n    f\nelse:\n    g\n",
    "if a:\n    if b:\n        c\nelif d:\n    e\n",
    "while a:\n    break\nelse:\n    continue_ = 1\n",
    "for x in y:\n    continue\nelse:\n    pass\n",
    "try:\n    a\nexcept E as e:\n    b\nexcept (F, G):\n    c\nexcept:\n    d\nelse:\n    e\nfinally:\n    f\n",
    "try:\n    a\nfinally:\n    b\n",
    "with a as b, c:\n    d\nwith a as (b, c):\n    d\nwith a as b.c:\n    d\n",
    "assert a\nassert a, 'msg'\nraise\nraise E\nraise E from c\n",
    "def f():\n    return\n\ndef g():\n    return 1, 2\n",
    "def f():\n    return;\n",
    // Definitions.
    "@d\n@e.f(1, k=2)\nsync def g(a: int, b=2, *c, d, **e) -> list[int]:\n    '''doc'''\n    return a\n",
    "def (p: P) move(dx: int = 0) -> P:\n    pass\n",
    "def f(x) = a | b(2) as y | [g, h as z,] | c($$) | d(e($$), [$$])\n",
    "def f(x) = a.b(1)(2)($$)\n",
    "def f(x) = lambda y :: g($$) | h\n",
    "def f(x) = (a)\n",
    "def f(x) -> int = g\n",
    "def f(x) = g[h($$)]\n",
    "def f(x) = g(f'{$$}')\n",
    "struct P:\n    '''doc'''\n    x: int = 0  # the x\n    y: float = (1)  # no comment: the default ends before ')'\n    z = 3\n    pass\n    'not a docstring'\n    def norm(self) -> float:\n        return 0\n",
    "agent A:\n    x: int\nagent_blueprint B:\n    pass\nresource R:\n    y = 1\nworkflow W:\n    def run(self):\n        pass\n",
    "interface I:\n    '''doc'''\n    def a(self) -> int\n    b(x: int)\n    Other\n    pass\n",
    // Layout corners.
    "\u{feff}x = 1\n",
    "x = 1",
    "x = (1 +\n     2)  # c\n",
    "if a:\n\tb\n",
    "if a:  # c\n    # d\n\n    b\n",
    "x = 1\r\ny = 2\r\n",
    "",
    "# only a comment\n",
];

#[test]
fn edge_cases_parse_identically() {
    let mut problems = Vec::new();
    for src in EDGE_CASES {
        let reference = match parse_module_reference(src) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("rejected by the reference: {src:?}: {}", e.message));
                continue;
            }
        };
        match parse_module_fast(src) {
            Some(f) if f == reference => {}
            Some(f) => problems.push(difference(src, src, &reference, &f)),
            None => problems.push(format!("the fast parser bailed on {src:?}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Random expressions and statements from a small generator (mostly valid, with odd spacing,
/// line breaks and comments inside brackets, and the occasional invalid piece).
struct Gen {
    rng: Rng,
    out: String,
    /// Open brackets (line breaks and comments are only whitespace inside them).
    brackets: usize,
}

impl Gen {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.rng.below(items.len())]
    }

    fn space(&mut self) {
        let s = match self.rng.below(12) {
            0..=5 => " ",
            6..=8 => "",
            9 => "  ",
            10 if self.brackets > 0 => "\n    ",
            11 if self.brackets > 0 => "  # note\n  ",
            _ => " ",
        };
        self.out.push_str(s);
    }

    fn tok(&mut self, t: &str) {
        self.out.push_str(t);
        self.space();
    }

    fn open(&mut self, t: &str) {
        self.brackets += 1;
        self.tok(t);
    }

    fn close(&mut self, t: &str) {
        self.brackets -= 1;
        self.tok(t);
    }

    fn expr(&mut self, depth: usize) {
        if depth == 0 || self.rng.below(3) == 0 {
            return self.atom();
        }
        match self.rng.below(14) {
            0 => {
                let op = self.pick(&["-", "+", "~", "not "]);
                self.tok(op);
                self.expr(depth - 1);
            }
            1..=4 => {
                self.expr(depth - 1);
                let op = self.pick(&[
                    "+", "-", "*", "/", "//", "%", "**", "|", "^", "&", "<<", ">>", "==", "!=",
                    "<", "<=", ">", ">=", " in ", " not in ", " is ", " is not ", " and ", " or ",
                ]);
                self.tok(op);
                self.expr(depth - 1);
            }
            5 => {
                self.expr(depth - 1);
                self.tok(" if ");
                self.expr(depth - 1);
                self.tok(" else ");
                self.expr(depth - 1);
            }
            6 => {
                self.open("(");
                match self.rng.below(5) {
                    0 => {}
                    1 => {
                        self.expr(depth - 1);
                        self.tok(",");
                    }
                    2 => self.list(depth - 1, 3),
                    3 => {
                        self.expr(depth - 1);
                        self.comp(depth - 1);
                    }
                    _ => self.expr(depth - 1),
                }
                self.close(")");
            }
            7 => {
                self.open("[");
                if self.rng.below(3) == 0 {
                    self.expr(depth - 1);
                    self.comp(depth - 1);
                } else {
                    self.list(depth - 1, 4);
                }
                self.close("]");
            }
            8 => {
                self.open("{");
                match self.rng.below(5) {
                    0 => self.list(depth - 1, 3),
                    1 => {
                        self.expr(depth - 1);
                        self.tok(":");
                        self.expr(depth - 1);
                        self.comp(depth - 1);
                    }
                    2 => {
                        self.open("(");
                        self.expr(depth - 1);
                        self.tok(":");
                        self.expr(depth - 1);
                        self.close(")");
                        self.comp(depth - 1);
                    }
                    _ => {
                        for i in 0..self.rng.below(4) {
                            if i > 0 {
                                self.tok(",");
                            }
                            if self.rng.below(4) == 0 {
                                self.tok("**");
                                self.expr(depth - 1);
                            } else {
                                self.expr(depth - 1);
                                self.tok(":");
                                self.expr(depth - 1);
                            }
                        }
                        if self.rng.below(3) == 0 {
                            self.tok(",");
                        }
                    }
                }
                self.close("}");
            }
            9 => {
                self.tok("lambda ");
                for i in 0..self.rng.below(4) {
                    if i > 0 {
                        self.tok(",");
                    }
                    let p =
                        self.pick(&["a", "b", "*c", "**d", "*", "e: int", "f=1", "g: str = 'x'"]);
                    self.tok(p);
                }
                self.tok(" :: ");
                self.expr(depth - 1);
            }
            10 => {
                self.atom();
                self.open("(");
                for i in 0..self.rng.below(4) {
                    if i > 0 {
                        self.tok(",");
                    }
                    let prefix = self.pick(&["", "", "*", "**", "k=", "j ="]);
                    self.tok(prefix);
                    self.expr(depth - 1);
                }
                if self.rng.below(4) == 0 {
                    self.comp(depth - 1);
                }
                self.close(")");
            }
            11 => {
                self.atom();
                self.open("[");
                for i in 0..1 + self.rng.below(2) {
                    if i > 0 {
                        self.tok(",");
                    }
                    match self.rng.below(4) {
                        0 => {
                            self.expr(depth - 1);
                            self.tok(":");
                            self.expr(depth - 1);
                        }
                        1 => self.tok("::"),
                        2 => {
                            self.tok(":");
                            self.expr(depth - 1);
                            self.tok(":");
                        }
                        _ => self.expr(depth - 1),
                    }
                }
                self.close("]");
            }
            12 => {
                self.atom();
                self.tok(".");
                let a = self.pick(&["attr", "b", "c"]);
                self.tok(a);
            }
            _ => {
                let f = self.pick(&[
                    "f'{x}'",
                    "f\"{a + b!r:>{w}}\"",
                    "f'{x=}'",
                    "f'{ {**d} }'",
                    "f'''{\n a\n}'''",
                    "'a' 'b'",
                    "'a' f'{b}'",
                    "f'{f\"{1}\"}'",
                ]);
                self.tok(f);
            }
        }
    }

    fn atom(&mut self) {
        let a = self.pick(&[
            "x",
            "y",
            "_z",
            "True",
            "None",
            "null",
            "1",
            "0",
            "2.5",
            ".5",
            "1e3",
            "0x1f",
            "1_0",
            "'s'",
            "\"t\"",
            "r'\\d'",
            "private:p",
            "local:l",
            "$$",
            "0o7",
            "1.",
            "a1",
        ]);
        self.tok(a);
    }

    fn list(&mut self, depth: usize, max: usize) {
        for i in 0..self.rng.below(max + 1) {
            if i > 0 {
                self.tok(",");
            }
            if self.rng.below(6) == 0 {
                self.tok("*");
            }
            self.expr(depth);
        }
        if self.rng.below(3) == 0 {
            self.tok(",");
        }
    }

    fn comp(&mut self, depth: usize) {
        for _ in 0..1 + self.rng.below(2) {
            self.tok(" for ");
            let t = self.pick(&["i", "i, j", "(i, j)", "i,", "*i, j", "a.b", "k[0]"]);
            self.tok(t);
            self.tok(" in ");
            self.expr(depth);
            if self.rng.below(2) == 0 {
                self.tok(" if ");
                self.expr(depth);
            }
        }
    }

    /// A statement line (or a small block).
    fn stmt(&mut self, indent: &str) {
        self.out.push_str(indent);
        match self.rng.below(10) {
            0..=3 => {
                let t = self.pick(&["v = ", "v: int = ", "v += ", "a, b = ", "v.w[0] = ", ""]);
                self.tok(t);
                self.expr(4);
            }
            4 => {
                self.tok("return ");
                self.expr(3);
            }
            5 => {
                self.tok("if ");
                self.expr(3);
                self.out.push_str(":\n");
                self.stmt(&format!("{indent}    "));
                return;
            }
            6 => {
                self.tok("for ");
                let t = self.pick(&["i", "i, j", "i,"]);
                self.tok(t);
                self.tok(" in ");
                self.expr(3);
                self.out.push_str(":\n");
                self.stmt(&format!("{indent}    "));
                return;
            }
            7 => {
                self.tok("assert ");
                self.expr(3);
                self.tok(",");
                self.expr(2);
            }
            8 => {
                self.tok("raise ");
                self.expr(2);
                self.tok(" from ");
                self.expr(2);
            }
            _ => {
                self.expr(3);
                self.tok(";");
                self.expr(3);
            }
        }
        if self.rng.below(5) == 0 {
            self.out.push_str("  # trailing");
        }
        self.out.push('\n');
    }
}

#[test]
fn generated_programs_parse_identically_or_are_left_to_pest() {
    let n = mutants_per_file() * 500;
    let mut g = Gen {
        rng: Rng(0xD1B5_4A32_D192_ED03),
        out: String::new(),
        brackets: 0,
    };
    let (mut same, mut rejected, mut bailed) = (0usize, 0usize, 0usize);
    let mut bails = Vec::new();
    for _ in 0..n {
        g.out.clear();
        g.brackets = 0;
        let pipeline = g.rng.below(8) == 0;
        if pipeline {
            g.out.push_str("def f(x) = ");
            g.expr(3);
            g.out.push_str(" | g($$, h($$)) as y\n");
        } else {
            g.out.push_str("def f():\n");
            for _ in 0..1 + g.rng.below(3) {
                g.stmt("    ");
            }
        }
        let src = g.out.clone();
        match compare("generated program", &src) {
            Outcome::Same => same += 1,
            Outcome::Rejected => rejected += 1,
            Outcome::BailedOnValid => {
                bailed += 1;
                if bails.len() < 5 {
                    bails.push(src);
                }
            }
        }
    }
    eprintln!("{n} generated programs: {same} parsed identically, {rejected} rejected, {bailed} left to pest");
    assert!(
        bails.is_empty(),
        "the fast parser bailed on {bailed} valid programs, e.g.:\n{}",
        bails.join("\n---\n")
    );
    assert!(
        same > n / 10,
        "only {same} of {n} generated programs are valid"
    );
}
