//! Unit tests of the formatter's layout decisions. Every case is also checked to be a fixed
//! point (formatting the result changes nothing).

use super::*;

fn fmt_at(src: &str, width: usize) -> String {
    let opts = FormatOptions { width, indent: 4 };
    let once = format_source(src, &opts).unwrap_or_else(|e| panic!("{e}\n{src}"));
    let twice = format_source(&once, &opts).unwrap_or_else(|e| panic!("{e}\n{once}"));
    assert_eq!(once, twice, "not a fixed point");
    once
}

fn fmt(src: &str) -> String {
    fmt_at(src, 100)
}

#[test]
fn operators_commas_and_colons_are_spaced() {
    assert_eq!(fmt("x=1+2*3\n"), "x = 1 + 2 * 3\n");
    assert_eq!(fmt("y = -x**2 , ~a\n"), "y = -x ** 2, ~a\n");
    assert_eq!(fmt("z = a if not b else-c\n"), "z = a if not b else -c\n");
    assert_eq!(
        fmt("t = x  is  not None and y not in zs\n"),
        "t = x is not None and y not in zs\n"
    );
    assert_eq!(fmt("d = {'a':1 , **m}\n"), "d = {'a': 1, **m}\n");
    assert_eq!(fmt("n: int=5\n"), "n: int = 5\n");
    assert_eq!(fmt("n += 1\nm|=2\n"), "n += 1\nm |= 2\n");
    assert_eq!(
        fmt("if (n:=f( 1 )) > 0 :\n  pass\n"),
        "if (n := f(1)) > 0:\n    pass\n"
    );
}

#[test]
fn calls_parameters_and_defaults() {
    assert_eq!(
        fmt("def f( a:int=5,b = 3 , *args, **kw )->int :\n  return g(a, key = b, *args, **kw)\n"),
        "def f(a: int = 5, b=3, *args, **kw) -> int:\n    return g(a, key=b, *args, **kw)\n"
    );
    assert_eq!(
        fmt("def f(a, * , b):\n pass\n"),
        "def f(a, *, b):\n    pass\n"
    );
    assert_eq!(
        fmt("def (p : Point) move(dx:int) -> Point:\n    return p\n"),
        "def (p: Point) move(dx: int) -> Point:\n    return p\n"
    );
    assert_eq!(
        fmt("@poet( domain = 'x' )\ndef f():\n pass\n"),
        "@poet(domain='x')\ndef f():\n    pass\n"
    );
}

#[test]
fn subscripts_slices_lambdas_and_dots() {
    assert_eq!(
        fmt("a = xs[ 1 : 2 ] + xs[::2] + xs[ : -1]\n"),
        "a = xs[1:2] + xs[::2] + xs[:-1]\n"
    );
    assert_eq!(
        fmt("t: tuple[int , ...] = (1,)\n"),
        "t: tuple[int, ...] = (1,)\n"
    );
    assert_eq!(
        fmt("h = lambda a,b=2::a+b\n"),
        "h = lambda a, b=2 :: a + b\n"
    );
    assert_eq!(fmt("k = lambda::1\n"), "k = lambda :: 1\n");
    assert_eq!(
        fmt("from . import a\nfrom ..pkg . m import (b,c)\n"),
        "from . import a\nfrom ..pkg.m import (b, c)\n"
    );
    assert_eq!(fmt("s = x . y ( ) [0]\n"), "s = x.y()[0]\n");
    assert_eq!(fmt("r = 1 .real\n"), "r = 1 .real\n");
    assert_eq!(fmt("p = private:x\n"), "p = private:x\n");
    assert_eq!(
        fmt("def q(x)=a  |  b(2) as y | c($$)\n"),
        "def q(x) = a | b(2) as y | c($$)\n"
    );
}

#[test]
fn strings_and_docstrings_stay_byte_for_byte() {
    let src = "def f():\n    \"\"\"Doc   string\n  kept\"\"\"\n    return f'{x=}  {y!r:>10}' + r'\\d  ' + 'a\n  b'\n";
    assert_eq!(fmt(src), src);
    assert_eq!(fmt("x = 'a'  'b'\n"), "x = 'a' 'b'\n");
}

#[test]
fn indentation_is_four_spaces() {
    assert_eq!(
        fmt("if x:\n  y = 1\nelse:\n        while y:\n          y -= 1\n"),
        "if x:\n    y = 1\nelse:\n    while y:\n        y -= 1\n"
    );
    let two = FormatOptions {
        width: 100,
        indent: 2,
    };
    assert_eq!(
        format_source("if x:\n    y = 1\n", &two).unwrap(),
        "if x:\n  y = 1\n"
    );
}

#[test]
fn comments_are_kept_where_they_stand() {
    assert_eq!(fmt("x=1 # one\n#own\ny=2\n"), "x = 1  # one\n#own\ny = 2\n");
    // A comment after a block's last line stays in the block when it is indented like it.
    assert_eq!(
        fmt("if x:\n    y = 1\n    # inside\n# outside\nz = 2\n"),
        "if x:\n    y = 1\n    # inside\n# outside\nz = 2\n"
    );
    assert_eq!(fmt("# only a comment\n"), "# only a comment\n");
    assert_eq!(fmt("x = 1\n\n\n\n# end\n"), "x = 1\n\n\n# end\n");
    // Struct field comments are part of the tree: kept on the field's line.
    assert_eq!(
        fmt("struct P:\n  x: int=0   # the x\n  y: int\n"),
        "struct P:\n    x: int = 0  # the x\n    y: int\n"
    );
}

#[test]
fn comments_inside_brackets_force_one_item_per_line() {
    assert_eq!(
        fmt("call(1,\n     2,  # two\n     # before three\n     3)\n"),
        "call(\n    1,\n    2,  # two\n    # before three\n    3,\n)\n"
    );
    assert_eq!(
        fmt("xs = [  # numbers\n  1, 2]\n"),
        "xs = [  # numbers\n    1,\n    2,\n]\n"
    );
    // A comment inside an item that cannot be broken goes on its own line before it.
    assert_eq!(
        fmt("v = f(a +  # why\n  b)\n"),
        "v = f(\n    # why\n    a + b,\n)\n"
    );
    // A comment after a closing bracket that is followed by more code.
    fmt("v = (f(\n    a,\n)  # c\n.g())\n");
}

#[test]
fn long_lines_break_inside_their_largest_brackets() {
    assert_eq!(
        fmt_at("result = compute(alpha, beta, gamma)\n", 30),
        "result = compute(\n    alpha,\n    beta,\n    gamma,\n)\n"
    );
    assert_eq!(
        fmt_at(
            "def f(alpha: int, beta: int) -> dict[str, int]:\n    pass\n",
            30
        ),
        "def f(\n    alpha: int,\n    beta: int,\n) -> dict[str, int]:\n    pass\n"
    );
    // Nested brackets break again when an item is still too wide.
    assert_eq!(
        fmt_at("x = f(g(aaaa, bbbb, cccc), d)\n", 20),
        "x = f(\n    g(\n        aaaa,\n        bbbb,\n        cccc,\n    ),\n    d,\n)\n"
    );
    // Brackets that take a trailing comma are broken first: the comma keeps the choice on
    // the next pass (the receiver's brackets take none).
    assert_eq!(
        fmt_at(
            "def (a: Account) can_withdraw(n: int) -> bool:\n    pass\n",
            20
        ),
        "def (a: Account) can_withdraw(\n    n: int,\n) -> bool:\n    pass\n"
    );
    // A line that fits is joined, unless a trailing comma asks for one item per line.
    assert_eq!(fmt("x = f(\n    a,\n    b\n)\n"), "x = f(a, b)\n");
    assert_eq!(fmt("x = f(a, b,)\n"), "x = f(\n    a,\n    b,\n)\n");
}

#[test]
fn trailing_commas_only_where_they_change_nothing() {
    // A comprehension, a subscript and a parenthesised expression get none.
    assert_eq!(
        fmt_at("total = sum([value * 2 for value in values])\n", 30),
        "total = sum(\n    [\n        value * 2 for value in values\n    ],\n)\n"
    );
    assert_eq!(
        fmt_at("y = table[first_key, second_key]\n", 20),
        "y = table[\n    first_key,\n    second_key\n]\n"
    );
    assert_eq!(
        fmt_at("z = (alpha_value + beta_value)\n", 20),
        "z = (\n    alpha_value + beta_value\n)\n"
    );
    // A one-element tuple keeps its comma and stays on one line.
    assert_eq!(fmt("t = (1,)\n"), "t = (1,)\n");
}

#[test]
fn blank_lines_follow_the_common_style() {
    // At most two at the top level, one inside blocks, none at the start of a block.
    assert_eq!(fmt("\n\nx = 1\n\n\n\n\ny = 2\n"), "x = 1\n\n\ny = 2\n");
    assert_eq!(
        fmt("if x:\n\n    y = 1\n\n\n    z = 2\n"),
        "if x:\n    y = 1\n\n    z = 2\n"
    );
    // Two around top-level definitions (decorators and the comments above them included).
    assert_eq!(
        fmt("x = 1\n# about f\n@d\ndef f():\n    pass\ny = 2\n"),
        "x = 1\n\n\n# about f\n@d\ndef f():\n    pass\n\n\ny = 2\n"
    );
    assert_eq!(
        fmt("x = 1\ndef f(v) = g | h\ndef k(v) = h\ny = 2\n"),
        "x = 1\n\n\ndef f(v) = g | h\n\n\ndef k(v) = h\n\n\ny = 2\n"
    );
    // Interface method signatures are not definitions with bodies: left as they are.
    assert_eq!(
        fmt("interface Shape:\n    def area() -> float\n    def name() -> str\n"),
        "interface Shape:\n    def area() -> float\n    def name() -> str\n"
    );
    // One around nested ones.
    assert_eq!(
        fmt("struct P:\n    x: int\n    def m(self):\n        pass\n    def n(self):\n        pass\n"),
        "struct P:\n    x: int\n\n    def m(self):\n        pass\n\n    def n(self):\n        pass\n"
    );
}

#[test]
fn a_source_that_does_not_parse_is_an_error() {
    let e = format_source("x = (1,\n", &FormatOptions::default()).unwrap_err();
    assert!(matches!(e, FormatError::Syntax(_)), "{e:?}");
    let e = format_source("if x\n    y\n", &FormatOptions::default()).unwrap_err();
    assert!(matches!(e, FormatError::Syntax(_)), "{e:?}");
}

#[test]
fn byte_order_mark_and_missing_final_newline() {
    assert_eq!(fmt("\u{FEFF}x=1"), "\u{FEFF}x = 1\n");
    assert_eq!(fmt(""), "");
    // Windows line endings stay (inside strings too: strings are not touched).
    assert_eq!(
        fmt("x=1\r\n# c\r\ns = '''a\r\nb'''\r\n"),
        "x = 1\r\n# c\r\ns = '''a\r\nb'''\r\n"
    );
}
