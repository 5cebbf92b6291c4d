//! The embedding API: creating an engine (the target is ≤ 1 ms for `dana::Engine::new()`, with
//! the standard library and POET installed), and a small `eval` and `call_fn` round trip.
//!
//! Run: `cargo bench --bench engine`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn engine_new(c: &mut Criterion) {
    c.bench_function("engine_new/dana (stdlib + poet)", |b| {
        b.iter(|| black_box(dana::Engine::new()))
    });
    c.bench_function("engine_new/core", |b| {
        b.iter(|| black_box(dana_interpreter::engine::Engine::new()))
    });
}

fn round_trips(c: &mut Criterion) {
    let mut engine = dana::Engine::new();
    engine.register_fn("double", |x: i64| x * 2);
    c.bench_function("engine/eval 'double(20) + 2'", |b| {
        b.iter(|| black_box(engine.eval::<i64>("double(20) + 2").unwrap()))
    });
    let program = engine
        .compile("def add(a: int, b: int) -> int:\n    return a + b\n")
        .unwrap();
    c.bench_function("engine/call_fn add(2, 3)", |b| {
        b.iter(|| black_box(engine.call_fn::<i64>(&program, "add", (2, 3)).unwrap()))
    });
}

criterion_group!(benches, engine_new, round_trips);
criterion_main!(benches);
