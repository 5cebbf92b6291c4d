//! Valid snippets around the grammar's corners, through both paths: the same tree, no bail.

use dana_grammar::{parse_module_fast, parse_module_reference};

use super::difference;

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
    // Issue 14 syntax: `except as e`, lambda receivers, `:=`, `del`, `global`, `nonlocal`,
    // scoped names in f-string fields, strings spanning lines.
    "try:\n    f()\nexcept as e:\n    print(e)\n",
    "try:\n    f()\nexcept ValueError:\n    pass\nexcept as e:\n    pass\n",
    "g = lambda (p: Point) dx :: p.x + dx\n",
    "g = lambda (p: Point) :: p.x\n",
    "g = lambda (p: Point | Rect) a, b = 2 :: a\n",
    "x = (n := len(xs)) > 3\n",
    "if (n := len(xs)) > 3:\n    pass\n",
    "if n := f():\n    pass\nelif m := g():\n    pass\n",
    "while line := next_line():\n    pass\n",
    "xs = [y for x in d if (y := f(x))]\n",
    "print(n := 10, m := 2 + 3)\n",
    "t = (a := 1, 2)\n",
    "del x\n",
    "del d['k'], xs[0]\n",
    "del xs[1:3]\n",
    "del a, b[0], c.d,\n",
    "del\tx; y = 1\n",
    "del = 3\n",
    "x = del + 1\n",
    "def f():\n    global a, b\n    a = 1\n",
    "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x += 1\n",
    "global = 1\nnonlocal = global\n",
    "x = f'{private:x} {public:total:.2f} {system:flag!r} {local:y:>5} {x:>5}'\n",
    "x = f'{ private:x }'\n",
    "s = 'a\nb'\nt = \"c\n  d\" + f'{x}\n{y}'\n",
    "if x:\n    s = 'a\nb'\n    y = 1\n",
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
    // `$$` in the calls of the operand right after `|` (a stage outside a `def`).
    "p = f | g(1, $$)\n",
    "p = f | m.g($$)(k=$$) | h\n",
    "p = -f | g($$) + 1\n",
    "p = s | set(x) | t(2)\n",
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
