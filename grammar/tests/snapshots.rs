//! insta snapshots of whole parses: `{:#?}` of the AST for a few representative programs, the
//! compact S-expression form of a larger one, and the rendered list of error diagnostics.
//! Update with `INSTA_UPDATE=always cargo test -p dana-grammar --test snapshots` and review.
mod common;
use common::*;

#[test]
fn struct_and_receiver_method() {
    let src = "\
struct Point:
    \"\"\"A point.\"\"\"
    x: int
    y: int = 0  # vertical

def (p: Point) move(dx: int) -> Point:
    return Point(x=p.x + dx, y=p.y)
";
    insta::assert_debug_snapshot!(module(src));
}

#[test]
fn pipeline_decorators_imports() {
    let src = "\
from .util import f, g as h
import pkg.text as t

@poet(domain=\"ml\")
def p(x) = add_ten as base | multiply_by(2) as d | [f, g] | add(base, $$)
";
    insta::assert_debug_snapshot!(module(src));
}

#[test]
fn fstring_and_comprehension() {
    let src = "msg = f\"{name!r:>{w}} {v=}\" + str([i * 2 for i in xs if i])\n";
    insta::assert_debug_snapshot!(module(src));
}

#[test]
fn program_sexpr() {
    let src = r#"
# Inventory report.
import math
from .data import load as load_items
struct Item:
    """An item on a shelf."""
    name: str
    qty: int = 0  # units on hand
    tags: list[str] = []
    def total(self, price: float = 1.5) -> float:
        return self.qty * price

interface Priced:
    total(price: float) -> float
    Named

def summarize(items: list[Item], *rest, limit: float = 10.0, **opts) -> dict[str, int | None]:
    """Summary of the big items."""
    totals = {it.name: it.total() for it in items if it.qty > 0}
    big = [n for n, t in totals.items() if t > limit]
    count, (a, b) = 0, (1, 2)
    while count < len(big):
        if count % 2 == 0 and not big[count].startswith("_"):
            log(f"big {big[count]!r} at {count:>4}", level="info")
        elif count % 3 == 0:
            pass
        else:
            count += 1
            continue
        count += 1
    else:
        done = True
    try:
        ratio = len(big) / len(totals)
    except (ZeroDivisionError, KeyError) as e:
        raise ValueError("empty") from e
    finally:
        private:runs: int = private:runs + 1
    scale = lambda a, b: int = 2 :: a * b ** -1
    pairs = {(k: v) for k, v in enumerate([scale(v) for v in range(10)])}
    assert ratio >= 0, f"bad ratio {ratio:.1%}"
    return {"count": len(big), "keys": sorted(big, key=lambda s :: len(s), reverse=True)}

sync def run(x) = load_items | summarize(limit=2.0) as s | [print, log]
with open(path) as fh, lock:
    data = fh.read()[::-1]
agent Helper:
    model: str = "small"
result = summarize(load_items()) if __name__ == "__main__" else None
"#;
    insta::assert_snapshot!(st(src));
}

#[test]
fn error_messages() {
    let cases = [
        "if x: y()",
        "x = pass",
        "struct B(A):\n    x: int",
        "return 1",
        "while x:\n    def f():\n        break",
        "x = $$",
        "s = \"abc",
        "f(1, [2, 3)",
        "call(1, 2\nx = 3",
        "if x:\n        a\n    b",
        "x = 1\n    y = 2",
        "if x:\ny = 1",
        "if x\n    y",
        "foo(1 2)",
        "x = (1 + \n   * 2)",
        "for x y:\n    pass",
        "def f(a=1, b):\n    pass",
        "x = f\"{a +}\"",
        "else:\n    pass",
        "a, b += 1",
        &format!("x = {}1{}", "(".repeat(300), ")".repeat(300)),
        &format!("x = {}\n", vec!["1"; 2000].join("+")),
    ];
    let mut out = String::new();
    for src in cases {
        let e = err(src);
        let ((l1, c1), (l2, c2)) = lc(src, e.span);
        let shown: String = src.chars().take(40).collect();
        out.push_str(&format!(
            "{shown:?}\n  {l1}:{c1}-{l2}:{c2} {}\n  label: {}\n  help: {}\n",
            e.message,
            e.label,
            e.help.as_deref().unwrap_or("-")
        ));
    }
    insta::assert_snapshot!(out);
}
