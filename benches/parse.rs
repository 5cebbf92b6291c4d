//! Parse throughput: `dana_grammar::parse_module` on a generated 5,000-line Dana file, in MB/s.
//! Also times loading that file into a fresh interpreter (parse + resolve + run the top level,
//! which defines the structs and functions).
//!
//! Run: `cargo bench --bench parse`. Set `DANA_BENCH_SOURCE=FILE` to also write the generated
//! program to FILE (for `dana check FILE`).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dana_interpreter::eval::{Interp, Output};
use std::fmt::Write;
use std::hint::black_box;

/// Lines in the generated program.
const LINES: usize = 5_000;

/// One section of realistic Dana code: a struct with a receiver method, functions with loops,
/// comprehensions, f-strings with format specs, lambdas, try/except, dicts and sets.
fn section(out: &mut String, i: usize) {
    write!(
        out,
        r#"
# ---- section {i}: an inventory of items ----
struct Item{i}:
    """An item on a shelf (section {i})."""
    name: str
    qty: int = 0  # units on hand
    price: float = 1.5
    tags: list[str] = []

def (it: Item{i}) total() -> float:
    return it.qty * it.price

def (it: Item{i}) label(width: int = 12) -> str:
    return f"{{it.name:<12}} x{{it.qty:>4}} @ {{it.price:.2f}}"

def make_items_{i}(n: int) -> list:
    """Builds n items with varied quantities."""
    items = []
    for k in range(n):
        items.append(Item{i}(name=f"item-{i}-{{k}}", qty=k % 7, price=k * 0.5 + {i}))
    return items

def summarize_{i}(items: list, limit: float = 10.0) -> dict:
    totals = {{it.name: it.total() for it in items if it.qty > 0}}
    big = [name for name, t in totals.items() if t > limit]
    count = 0
    while count < len(big):
        if count % 2 == 0:
            log(f"big item {{big[count]!r}} at {{count:>4}}", "info")
        elif count % 3 == 0:
            pass
        else:
            count += 1
            continue
        count += 1
    try:
        ratio = len(big) / len(totals)
    except ZeroDivisionError as e:
        ratio = 0.0
    finally:
        done = True
    return {{"count": len(big), "ratio": f"{{ratio:.1%}}", "keys": sorted(big, key=lambda s :: len(s), reverse=True)}}

def check_{i}(x: int | None = None, *rest, **opts) -> bool:
    assert x is None or x >= 0, f"negative: {{x}}"
    scale = lambda a, b: int = 2 :: a * b + {i}
    values = [scale(v) for v in range(10) if v not in {{3, 5}}]
    pairs = {{(k: v) for k, v in enumerate(values)}}
    a, (b, c) = 1, (2, 3)
    values[0] += a + b * c - (7 // 2) ** 2
    return any([v > 100 for v in values]) and not all([v < 0 for v in pairs.values()])
"#
    )
    .expect("writing to a String");
}

/// A Dana program of exactly `lines` lines.
fn generate(lines: usize) -> String {
    let mut out = String::from("# Generated for the parse benchmark: realistic Dana code.\n");
    let mut i = 0;
    while out.lines().count() < lines {
        section(&mut out, i);
        i += 1;
    }
    let mut text: String = out.lines().take(lines).collect::<Vec<_>>().join("\n");
    text.push('\n');
    text
}

fn bench(c: &mut Criterion) {
    let src = generate(LINES);
    if let Ok(path) = std::env::var("DANA_BENCH_SOURCE") {
        std::fs::write(&path, &src).expect("writing DANA_BENCH_SOURCE");
    }
    // A truncated last section must still parse: fail loudly here rather than in the loop.
    dana_grammar::parse_module(&src).expect("the generated program parses");

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::BytesDecimal(src.len() as u64));
    g.bench_function("parse_module_5000_lines", |b| {
        b.iter(|| dana_grammar::parse_module(black_box(&src)).expect("parses"))
    });
    g.bench_function("load_5000_lines", |b| {
        b.iter_batched(
            || {
                let mut it = Interp::new();
                it.set_output(Output::Capture(String::new()));
                let globals = it.new_globals("__main__", None);
                (it, globals)
            },
            |(mut it, globals)| {
                it.run_source("generated.na", black_box(&src), &globals)
                    .expect("loads");
                (it, globals)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
