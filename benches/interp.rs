//! Interpreter micro-benchmarks: constructing an `Interp`, and the call path (a Dana function
//! called 1,000 times from Rust through `Interp::call_value`, and 1,000 times from a Dana loop).
//!
//! Run: `cargo bench --bench interp`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dana_grammar::ast::Sym;
use dana_interpreter::eval::{Interp, Output};
use dana_interpreter::Value;
use std::hint::black_box;

const CALLS: i64 = 1_000;

const PROGRAM: &str = "\
def f(x: int) -> int:
    return x + 1

def g(n: int) -> int:
    total = 0
    for i in range(n):
        total += f(i)
    return total
";

/// A quiet interpreter with PROGRAM loaded, and the functions `f` and `g`.
fn loaded() -> (Interp, Value, Value) {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    let globals = it.new_globals("bench", None);
    it.run_source("bench.na", PROGRAM, &globals)
        .expect("the program loads");
    let f = globals.get(Sym::intern("f")).expect("f is defined");
    let g = globals.get(Sym::intern("g")).expect("g is defined");
    (it, f, g)
}

fn bench(c: &mut Criterion) {
    c.bench_function("interp_new", |b| b.iter_with_large_drop(Interp::new));

    let (mut it, f, g) = loaded();
    // Check the results once, outside the timed loops.
    let r = it
        .call_value(&g, vec![Value::Int(CALLS)], &[])
        .expect("g runs");
    assert!(matches!(r, Value::Int(v) if v == CALLS * (CALLS + 1) / 2));

    let mut calls = c.benchmark_group("call");
    calls.throughput(Throughput::Elements(CALLS as u64));
    calls.bench_function("call_value_x1000", |b| {
        b.iter(|| {
            for i in 0..CALLS {
                let v = it
                    .call_value(black_box(&f), vec![Value::Int(i)], &[])
                    .expect("f runs");
                black_box(v);
            }
        })
    });
    calls.bench_function("dana_loop_calls_x1000", |b| {
        b.iter(|| {
            it.call_value(black_box(&g), vec![Value::Int(CALLS)], &[])
                .expect("g runs")
        })
    });
    calls.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
