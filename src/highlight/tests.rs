//! Tests of semantic highlighting: kinds of every token of small programs, positions in UTF-16,
//! multi-line strings, invalid input.

use super::*;

/// `(text, kind)` of every token of `src` (single-line tokens only: ASCII sources).
fn kinds(src: &str) -> Vec<(String, &'static str)> {
    let lines: Vec<&str> = src.split('\n').collect();
    semantic_tokens(src)
        .into_iter()
        .map(|t| {
            let line = lines[t.line as usize];
            let text = line[t.start as usize..(t.start + t.length) as usize].to_string();
            (text, t.kind.name())
        })
        .collect()
}

fn kind_of<'a>(all: &'a [(String, &'static str)], text: &str, nth: usize) -> &'a str {
    all.iter()
        .filter(|(t, _)| t == text)
        .nth(nth)
        .map_or("<none>", |(_, k)| k)
}

#[test]
fn legend_matches_kinds() {
    assert_eq!(TOKEN_TYPES.len(), TokenKind::ALL.len());
    for (i, k) in TokenKind::ALL.iter().enumerate() {
        assert_eq!(*k as usize, i);
        assert_eq!(k.name(), TOKEN_TYPES[i]);
    }
}

#[test]
fn classifies_a_program() {
    let src = "import math as m\n\
               struct Point:\n    x: int = 0  # the x\n    y: float = 1.5\n\
               def (p: Point) norm() -> float:\n    return m.sqrt(p.x ** 2 + p.y ** 2)\n\
               @poet(domain=\"math\")\n\
               def area(w: int, h: int) -> int:\n    return w * h\n\
               total = area(2, h=3) + len([1])\n\
               pt = Point(x=1)\n\
               print(f\"{total:>5} and {pt.norm()!r}\", pt.x, True)\n";
    let k = kinds(src);
    assert_eq!(kind_of(&k, "import", 0), "keyword");
    assert_eq!(kind_of(&k, "math", 0), "namespace");
    assert_eq!(kind_of(&k, "m", 0), "namespace");
    assert_eq!(kind_of(&k, "Point", 0), "struct");
    assert_eq!(kind_of(&k, "x", 0), "property");
    assert_eq!(kind_of(&k, "int", 0), "type");
    assert_eq!(kind_of(&k, "# the x", 0), "comment");
    assert_eq!(kind_of(&k, "1.5", 0), "number");
    assert_eq!(kind_of(&k, "p", 0), "parameter");
    assert_eq!(
        kind_of(&k, "Point", 1),
        "struct",
        "a struct in an annotation"
    );
    assert_eq!(kind_of(&k, "norm", 0), "method");
    assert_eq!(kind_of(&k, "float", 1), "type", "the return type");
    assert_eq!(kind_of(&k, "m", 1), "namespace");
    assert_eq!(kind_of(&k, "sqrt", 0), "function", "a module's function");
    assert_eq!(kind_of(&k, "p", 1), "parameter", "a parameter used");
    assert_eq!(kind_of(&k, "x", 1), "property");
    assert_eq!(kind_of(&k, "**", 0), "operator");
    assert_eq!(kind_of(&k, "@", 0), "decorator");
    assert_eq!(kind_of(&k, "poet", 0), "decorator");
    assert_eq!(kind_of(&k, "domain", 0), "parameter", "a keyword argument");
    assert_eq!(kind_of(&k, "\"math\"", 0), "string");
    assert_eq!(kind_of(&k, "area", 0), "function");
    assert_eq!(kind_of(&k, "w", 1), "parameter");
    assert_eq!(kind_of(&k, "total", 0), "variable");
    assert_eq!(kind_of(&k, "area", 1), "function", "a call");
    assert_eq!(kind_of(&k, "len", 0), "function", "a builtin called");
    assert_eq!(kind_of(&k, "Point", 2), "struct", "a constructor call");
    assert_eq!(
        kind_of(&k, "f\"{", 0),
        "string",
        "the f-string's opening part"
    );
    assert_eq!(
        kind_of(&k, "total", 1),
        "variable",
        "a name in an f-string field"
    );
    assert_eq!(
        kind_of(&k, ":>5} and {", 0),
        "string",
        "a format spec and the next text"
    );
    assert_eq!(kind_of(&k, "norm", 1), "method", "a method call in a field");
    assert_eq!(kind_of(&k, "!r}\"", 0), "string", "a conversion");
    assert_eq!(kind_of(&k, "True", 0), "keyword");
}

#[test]
fn tokens_are_sorted_and_in_utf16() {
    let src = "s = \"é😀\" + t  # ü\n";
    let toks = semantic_tokens(src);
    let spans: Vec<(u32, u32, &str)> = toks
        .iter()
        .map(|t| (t.start, t.length, t.kind.name()))
        .collect();
    // `"é😀"` is 4 UTF-16 units between the quotes (é: 1, 😀: 2).
    assert_eq!(
        spans,
        [
            (0, 1, "variable"),
            (2, 1, "operator"),
            (4, 5, "string"),
            (10, 1, "operator"),
            (12, 1, "variable"),
            (15, 3, "comment"),
        ]
    );
}

#[test]
fn multi_line_strings_give_one_token_per_line() {
    let src = "x = \"\"\"one\r\ntwo\n\nthree\"\"\"\ny = 1\n";
    let toks: Vec<(u32, u32, u32, &str)> = semantic_tokens(src)
        .iter()
        .map(|t| (t.line, t.start, t.length, t.kind.name()))
        .collect();
    assert_eq!(
        toks,
        [
            (0, 0, 1, "variable"),
            (0, 2, 1, "operator"),
            (0, 4, 6, "string"),
            (1, 0, 3, "string"),
            (3, 0, 8, "string"),
            (4, 0, 1, "variable"),
            (4, 2, 1, "operator"),
            (4, 4, 1, "number"),
        ]
    );
}

#[test]
fn soft_keywords_only_at_statement_start() {
    let k = kinds("del x\nglobal g\ndel = 1\nprint(nonlocal)\n");
    assert_eq!(kind_of(&k, "del", 0), "keyword");
    assert_eq!(kind_of(&k, "global", 0), "keyword");
    assert_eq!(kind_of(&k, "del", 1), "variable");
    assert_eq!(kind_of(&k, "nonlocal", 0), "variable");
}

#[test]
fn invalid_input_is_highlighted_as_far_as_it_goes() {
    let k = kinds("def f(:\n    return 'open\nwhile ? x é\n");
    assert_eq!(kind_of(&k, "def", 0), "keyword");
    assert_eq!(kind_of(&k, "f", 0), "function", "from the tokens around it");
    assert_eq!(kind_of(&k, "return", 0), "keyword");
    assert_eq!(kind_of(&k, "'open", 0), "string");
    assert_eq!(kind_of(&k, "while", 0), "keyword");
    assert_eq!(kind_of(&k, "x", 0), "variable");
    for src in [
        "",
        "\"",
        "f\"{",
        "f'{x!",
        "@",
        "@.",
        "private:",
        "\u{feff}x",
        "0x",
        "'''",
        "f'''{'''",
    ] {
        let toks = semantic_tokens(src);
        for w in toks.windows(2) {
            assert!(
                (w[0].line, w[0].start + w[0].length) <= (w[1].line, w[1].start),
                "{src:?}"
            );
        }
    }
}
