//! Type-checking speed: `dana_interpreter::check::check_module` on a generated 5,000-line Dana
//! file (structs, receiver methods, typed functions calling each other, comprehensions,
//! lambdas, try/except, loops), parsed once; and parsing plus checking, as `dana check` does
//! before it renders the diagnostics. The target: at most 50 ms for the whole check.
//!
//! Run: `cargo bench --bench typecheck`. Set `DANA_BENCH_SOURCE=FILE` to also write the
//! generated program to FILE (then `dana check FILE` times the whole command).

use criterion::{criterion_group, criterion_main, Criterion};
use dana_interpreter::check::{check_module, has_errors, CheckOptions};
use std::hint::black_box;

/// Lines in the generated program.
const LINES: usize = 5_000;

/// One section of typed Dana code; `@` is replaced by the section number.
const SECTION: &str = r##"
# ---- section @ ----
struct Order@:
    """An order (section @)."""
    id: int
    items: list[str] = []
    amount: float = 0.0  # in euros
    note: str | None = None

def (o: Order@) total(tax: float = 0.2) -> float:
    return o.amount * (1 + tax)

def (o: Order@) describe() -> str:
    return f"#{o.id}: {len(o.items)} items, {o.total():.2f}"

def make_orders_@(n: int, base: float = 1.0) -> list[Order@]:
    """Builds n orders."""
    out = []
    for k in range(n):
        out.append(Order@(id=k, items=[str(k)] * (k % 3), amount=k * base))
    return out

def stats_@(orders: list[Order@], limit: float = 10.0) -> dict[str, float]:
    totals = {o.id: o.total() for o in orders if o.amount > 0}
    big = [i for i, t in totals.items() if t > limit]
    count = 0
    while count < len(big):
        if count % 2 == 0:
            count += 2
        else:
            count += 1
    try:
        ratio = len(big) / len(totals)
    except ZeroDivisionError:
        ratio = 0.0
    return {"count": float(len(big)), "ratio": ratio, "max": max([0.0] + list(totals.values()))}

def label_@(o: Order@, prefix: str = "order") -> str:
    words = o.describe().split(" ")
    parts = [w.strip().lower() for w in words if w]
    key = sorted(parts, key=lambda s :: len(s), reverse=True)
    return prefix + ": " + "-".join(key[:3])

def run_@() -> int:
    orders = make_orders_@(5, 2.5)
    s = stats_@(orders, limit=3.0)
    names = [label_@(o) for o in orders]
    total = 0
    for i, name in enumerate(names):
        total += len(name) + i
    return total + int(s["count"])
"##;

/// A Dana program of about `lines` lines (whole sections only).
fn generate(lines: usize) -> String {
    let mut out = String::from("# Generated for the type-check benchmark.\n");
    let mut i = 0;
    while out.lines().count() + SECTION.lines().count() <= lines {
        out.push_str(&SECTION.replace('@', &i.to_string()));
        i += 1;
    }
    let mut n = out.lines().count();
    while n < lines {
        out.push_str("pass\n");
        n += 1;
    }
    out
}

fn bench(c: &mut Criterion) {
    let src = generate(LINES);
    if let Ok(path) = std::env::var("DANA_BENCH_SOURCE") {
        std::fs::write(&path, &src).expect("writing DANA_BENCH_SOURCE");
    }
    let module = dana_grammar::parse_module(&src).expect("the generated program parses");
    let opts = CheckOptions::default();
    let diags = check_module(&module, &opts);
    assert!(!has_errors(&diags), "the generated program checks clean");
    let mut g = c.benchmark_group("typecheck");
    g.bench_function("check_module_5000_lines", |b| {
        b.iter(|| check_module(black_box(&module), black_box(&opts)))
    });
    // What `dana check` does before rendering: parse, then check.
    g.bench_function("parse_and_check_5000_lines", |b| {
        b.iter(|| {
            let module = dana_grammar::parse_module(black_box(&src)).expect("parses");
            check_module(&module, black_box(&opts))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
