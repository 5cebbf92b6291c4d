//! Statement shapes (DANA_SPEC §2, §6, §7, §8).
mod common;
use common::*;
use dana_grammar::ast::{FuncBody, StmtKind};

#[test]
fn assignments() {
    assert_eq!(st("total = 0"), "(= total 0)");
    assert_eq!(st("a = b = 1"), "(= a b 1)");
    assert_eq!(st("a, b = 1, 2"), "(= (tuple a b) (tuple 1 2))");
    assert_eq!(st("x, (y, z) = t"), "(= (tuple x (tuple y z)) t)");
    assert_eq!(st("[a, b] = c"), "(= [a b] c)");
    assert_eq!(st("a, *rest = xs"), "(= (tuple a *rest) xs)");
    assert_eq!(st("x = 1,"), "(= x (tuple 1))");
    assert_eq!(st("d[\"k\"] = v"), "(= (idx d \"k\") v)");
    assert_eq!(st("xs[1:3] = [9]"), "(= (idx xs (slice 1 3 _)) [9])");
    assert_eq!(st("p.x = 3"), "(= (. p x) 3)");
    assert_eq!(st("private:x = 1"), "(= private:x 1)");
    assert_eq!(st("public:cfg = {}"), "(= public:cfg {dict})");
    assert_eq!(st("system:flag = true"), "(= system:flag True)");
    assert_eq!(st("local:tmp = 2"), "(= local:tmp 2)");
    assert_eq!(st("x = y = z = f()"), "(= x y z (call f))");
}

#[test]
fn typed_assignments() {
    assert_eq!(st("n: int = \"42\""), "(typed n int \"42\")");
    assert_eq!(st("private:n: int = 1"), "(typed private:n int 1)");
    assert_eq!(st("xs: list[str] = []"), "(typed xs list[str] [])");
    assert_eq!(
        st("d: dict[str, int] = {}"),
        "(typed d dict[str, int] {dict})"
    );
    assert_eq!(st("v: int | None = None"), "(typed v int|None None)");
    assert_eq!(
        st("t: tuple[int, ...] = ()"),
        "(typed t tuple[int, ...] (tuple))"
    );
    assert_eq!(st("p: geo.Point"), "(typed p geo.Point)");
    assert_eq!(st("x: none = null"), "(typed x None None)");
    assert_eq!(st("self.n: int = 2"), "(typed (. self n) int 2)");
}

#[test]
fn augmented_assignments() {
    for op in [
        "+", "-", "*", "/", "//", "%", "**", "|", "&", "^", "<<", ">>",
    ] {
        assert_eq!(st(&format!("x {op}= 1")), format!("({op}= x 1)"));
    }
    assert_eq!(st("xs[0] *= 3"), "(*= (idx xs 0) 3)");
    assert_eq!(st("p.n -= 1"), "(-= (. p n) 1)");
    assert_eq!(st("private:count += 1"), "(+= private:count 1)");
}

#[test]
fn expression_statements_and_semicolons() {
    assert_eq!(st("compute(3)"), "(call compute 3)");
    assert_eq!(st("x = 1; y = 2"), "(= x 1)\n(= y 2)");
    assert_eq!(st("x = 1;"), "(= x 1)");
    assert_eq!(st("a; b; c"), "a\nb\nc");
    assert_eq!(st("1, 2"), "(tuple 1 2)");
    assert_eq!(st("x == 1"), "(cmp x == 1)");
}

#[test]
fn if_elif_else() {
    let src = "if a:\n    x()\nelif b:\n    y()\nelif c:\n    pass\nelse:\n    z()\n";
    assert_eq!(
        st(src),
        "(if a [(call x)] [(if b [(call y)] [(if c [pass] [(call z)])])])"
    );
    assert_eq!(st("if a:\n  b\n"), "(if a [b] [])");
    assert_eq!(st("if (a and\n    b):\n  c"), "(if (and a b) [c] [])");
}

#[test]
fn loops() {
    assert_eq!(
        st("while x < 3:\n    x += 1\nelse:\n    done()\n"),
        "(while (cmp x < 3) [(+= x 1)] [(call done)])"
    );
    assert_eq!(
        st("for k, v in d.items():\n    print(k)\n"),
        "(for (tuple k v) (call (. d items)) [(call print k)] [])"
    );
    assert_eq!(
        st("for i in range(3):\n    if i:\n        break\n    continue\nelse:\n    pass"),
        "(for i (call range 3) [(if i [break] []) continue] [pass])"
    );
    assert_eq!(
        st("for (a, b), c in xs:\n  pass"),
        "(for (tuple (tuple a b) c) xs [pass] [])"
    );
    assert_eq!(st("for x, in xs:\n  pass"), "(for (tuple x) xs [pass] [])");
    assert_eq!(
        st("for *a, b in xs:\n  pass"),
        "(for (tuple *a b) xs [pass] [])"
    );
    assert_eq!(
        st("for x in 1, 2:\n  pass"),
        "(for x (tuple 1 2) [pass] [])"
    );
    assert_eq!(st("for p.x in xs:\n  pass"), "(for (. p x) xs [pass] [])");
}

#[test]
fn functions() {
    assert_eq!(
        st("def area(w: float, h: float = 1.0) -> float:\n    return w * h\n"),
        "(def area (w:float h:float=1.0) -> float [(return (* w h))])"
    );
    assert_eq!(st("def f():\n    pass"), "(def f () [pass])");
    assert_eq!(
        st("def f(*args, **kwargs):\n    return"),
        "(def f (*args **kwargs) [(return)])"
    );
    assert_eq!(
        st("def f(a, *rest, k, **kw):\n  pass"),
        "(def f (a *rest k **kw) [pass])"
    );
    assert_eq!(
        st("def f(\n    a,  # the a\n    b: int = 2,  # the b\n) -> None:\n    pass"),
        "(def f (a b:int=2) -> None [pass])"
    );
    assert_eq!(st("sync def f():\n  pass"), "(def sync f () [pass])");
    assert_eq!(
        st("def f() -> list[int] | None:\n  return [1]"),
        "(def f () -> list[int]|None [(return [1])])"
    );
    assert_eq!(
        st("def outer():\n    def inner(x):\n        return x\n    return inner"),
        "(def outer () [(def inner (x) [(return x)]) (return inner)])"
    );
    assert_eq!(st("def f(): # comment\n  pass"), "(def f () [pass])");
}

#[test]
fn docstrings() {
    let m = module("def f():\n    \"\"\"Does things.\"\"\"\n    return 1\n");
    let StmtKind::FunctionDef(d) = &m.body[0].kind else {
        panic!()
    };
    assert_eq!(d.docstring.as_deref(), Some("Does things."));
    // The docstring also stays in the body as an expression statement.
    let FuncBody::Block(b) = &d.body else {
        panic!()
    };
    assert_eq!(b.len(), 2);
    let m = module("def f():\n    x = 1\n    \"not a docstring\"\n");
    let StmtKind::FunctionDef(d) = &m.body[0].kind else {
        panic!()
    };
    assert_eq!(d.docstring, None);
    let m = module("def f():\n    f\"no {x}\"\n");
    let StmtKind::FunctionDef(d) = &m.body[0].kind else {
        panic!()
    };
    assert_eq!(d.docstring, None, "an f-string is not a docstring");
}

#[test]
fn receivers() {
    assert_eq!(
        st("def (p: Point) move(dx: int) -> Point:\n    return p\n"),
        "(def <p:Point> move (dx:int) -> Point [(return p)])"
    );
    assert_eq!(
        st("def (s: Circle | Rect) area() -> float:\n    return 0.0\n"),
        "(def <s:Circle|Rect> area () -> float [(return 0.0)])"
    );
}

#[test]
fn decorators() {
    assert_eq!(st("@d\ndef f():\n  pass"), "(def @d f () [pass])");
    assert_eq!(st("@a.b\ndef f():\n  pass"), "(def @(. a b) f () [pass])");
    assert_eq!(
        st("@poet(domain=\"ml_monitoring\", retries=3)\ndef f():\n  pass"),
        "(def @poet(domain=\"ml_monitoring\" retries=3) f () [pass])"
    );
    assert_eq!(
        st("@one\n@two(1)\n# comment\n@three.four()\ndef f():\n  pass"),
        "(def @one @two(1) @(. three four)() f () [pass])"
    );
}

#[test]
fn pipelines() {
    assert_eq!(
        st("def p(x) = add_ten as base | multiply_by(2) as d | add(base, d)"),
        "(def p (x) = add_ten as base | (call multiply_by 2) as d | (call add base d))"
    );
    assert_eq!(
        st("def f(x) = a | b(2) as y | [g, h] | c($$)"),
        "(def f (x) = a | (call b 2) as y | [g, h] | (call c $$))"
    );
    assert_eq!(
        st("def clean(t: str) -> str = strip_it | lower_it | tag(\"x\")"),
        "(def clean (t:str) -> str = strip_it | lower_it | (call tag \"x\"))"
    );
    assert_eq!(
        st("def f(x) = m.g | [a, [b, c] as bc] as fan | h(1, $$, k=$$)"),
        "(def f (x) = (. m g) | [a, [b, c] as bc] as fan | (call h 1 $$ k=$$))"
    );
}

#[test]
fn try_except() {
    assert_eq!(
        st("try:\n  a()\nexcept (KeyError, ValueError) as e:\n  b(e)\nexcept T:\n  c()\nexcept:\n  d()\nelse:\n  f()\nfinally:\n  g()\n"),
        "(try [(call a)] (except (tuple KeyError ValueError) as e [(call b e)]) (except T [(call c)]) (except _ [(call d)]) else [(call f)] finally [(call g)])"
    );
    assert_eq!(
        st("try:\n  a()\nfinally:\n  b()"),
        "(try [(call a)]  else [] finally [(call b)])"
    );
    assert_eq!(
        st("try:\n  a()\nexcept errors.Bad as e:\n  pass"),
        "(try [(call a)] (except (. errors Bad) as e [pass]) else [] finally [])"
    );
}

#[test]
fn raise_and_assert() {
    assert_eq!(st("raise"), "(raise)");
    assert_eq!(
        st("raise ValueError(\"bad\")"),
        "(raise (call ValueError \"bad\"))"
    );
    assert_eq!(st("raise \"bad\""), "(raise \"bad\")");
    assert_eq!(st("raise X from Y"), "(raise X from Y)");
    assert_eq!(st("assert n > 0"), "(assert (cmp n > 0))");
    assert_eq!(
        st("assert n > 0, f\"bad {n}\""),
        "(assert (cmp n > 0) (f \"bad \" {n}))"
    );
}

#[test]
fn imports() {
    assert_eq!(st("import utils"), "(import utils)");
    assert_eq!(st("import a.b.c"), "(import a.b.c)");
    assert_eq!(st("import pkg.text as t"), "(import pkg.text as t)");
    assert_eq!(st("import a, b as c"), "(import a)\n(import b as c)");
    assert_eq!(
        st("from .util import f, g as h"),
        "(from .util import f, g as h)"
    );
    assert_eq!(st("from ..pkg import x"), "(from ..pkg import x)");
    assert_eq!(st("from . import x"), "(from . import x)");
    assert_eq!(st("from ...a.b import x"), "(from ...a.b import x)");
    assert_eq!(st("from m import *"), "(from m import *)");
    assert_eq!(
        st("from m import (\n  a,  # the a\n  b as c,\n)"),
        "(from m import a, b as c)"
    );
}

#[test]
fn structs() {
    let src = "struct Point:\n    \"\"\"A point.\"\"\"\n    x: int\n    y: int = 0  # the y\n    label: str = \"p\"   #   spaced   \n\n    def norm(self) -> float:\n        return 0.0\n";
    assert_eq!(
        st(src),
        "(struct Point doc=Some(\"A point.\") fields=[x:int, y:int=0 #\"the y\", label:str=\"p\" #\"spaced\"] methods=[(def norm (self) -> float [(return 0.0)])])"
    );
    assert_eq!(
        st("struct E:\n    pass"),
        "(struct E doc=None fields=[] methods=[])"
    );
    assert_eq!(
        st("struct W:\n    _inner: Point\n    items: list[int] = []"),
        "(struct W doc=None fields=[_inner:Point, items:list[int]=[]] methods=[])"
    );
}

#[test]
fn interfaces() {
    let src = "interface Shape:\n    \"\"\"Has an area.\"\"\"\n    area() -> float\n    scale(k: float) -> Shape\n    Named\n";
    assert_eq!(
        st(src),
        "(interface Shape doc=Some(\"Has an area.\") methods=[area() -> float, scale(k:float) -> Shape] embeds=[Named])"
    );
    assert_eq!(
        st("interface I:\n    def run(x)\n"),
        "(interface I doc=None methods=[run(x)] embeds=[])"
    );
}

#[test]
fn niche_blocks() {
    assert_eq!(
        st("agent Helper:\n    name: str = \"h\"\n    def run(self):\n        pass\n"),
        "(Agent Helper doc=None fields=[name:str=\"h\"] methods=[(def run (self) [pass])])"
    );
    assert_eq!(
        st("agent_blueprint B:\n    x: int"),
        "(AgentBlueprint B doc=None fields=[x:int] methods=[])"
    );
    assert_eq!(
        st("resource R:\n    \"\"\"doc\"\"\"\n    url: str"),
        "(Resource R doc=Some(\"doc\") fields=[url:str] methods=[])"
    );
    assert_eq!(
        st("workflow W:\n    pass"),
        "(Workflow W doc=None fields=[] methods=[])"
    );
}

#[test]
fn with_statements() {
    assert_eq!(st("with a as b, c:\n    pass"), "(with (a as b) c [pass])");
    assert_eq!(
        st("with open(p) as (x, y):\n    pass"),
        "(with ((call open p) as (tuple x y)) [pass])"
    );
}

#[test]
fn layout_edge_cases() {
    // No final newline, CRLF, tabs, blank and comment lines, comments after the colon.
    assert_eq!(st("x = 1"), "(= x 1)");
    assert_eq!(st("if a:\r\n    b\r\nc\r\n"), "(if a [b] [])\nc");
    assert_eq!(st("if a:\n\tb\n\tc\n"), "(if a [b c] [])");
    assert_eq!(
        st("if a:  # why\n\n    # note\n    b\n\n# end\n"),
        "(if a [b] [])"
    );
    assert_eq!(st(""), "");
    assert_eq!(st("\n\n# only comments\n   \n"), "");
    assert_eq!(st("\u{FEFF}x = 1\n"), "(= x 1)");
    assert_eq!(
        st("if a:\n    if b:\n        c\nd"),
        "(if a [(if b [c] [])] [])\nd"
    );
    assert_eq!(st("x = [\n  1,\n    2,\n]\ny = 2"), "(= x [1 2])\n(= y 2)");
    assert_eq!(
        st("s = \"\"\"\n  not indentation\n\"\"\"\nt = 1"),
        "(= s \"\\n  not indentation\\n\")\n(= t 1)"
    );
    assert_eq!(
        st("x = '#not a comment'  # but this is"),
        "(= x \"#not a comment\")"
    );
    assert_eq!(
        st("if a:\n    b\n  # odd comment indent\nc"),
        "(if a [b] [])\nc"
    );
}

#[test]
fn keyword_only_marker() {
    // A bare `*` is a VarArgs parameter named `*` (documented on ParamKind::VarArgs).
    assert_eq!(
        st("def g(a, *, b):\n    return a + b"),
        "(def g (a ** b) [(return (+ a b))])"
    );
    assert_eq!(st("def g(*, b=1):\n    pass"), "(def g (** b=1) [pass])");
    assert_eq!(ex("lambda a, *, b :: a"), "(lambda (a ** b) a)");
    let e = err("def g(a, *):\n    pass");
    assert!(e.message.contains("bare '*'"), "{}", e.message);
    let e = err("def g(a, *, **k):\n    pass");
    assert!(e.message.contains("bare '*'"), "{}", e.message);
    let e = err("def g(a, *b, *, c):\n    pass");
    assert!(e.message.contains("only one '*'"), "{}", e.message);
}
