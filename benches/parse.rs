//! Parse throughput: `dana_grammar::parse_module` on a generated 5,000-line Dana file, in MB/s.
//! Also times loading that file into a fresh interpreter (parse + resolve + run the top level,
//! which defines the structs and functions), and formatting it (`dana fmt`, the language
//! server's formatting request: two parses, the layout and the tree comparison).
//!
//! Run: `cargo bench --bench parse`. Set `DANA_BENCH_SOURCE=FILE` to also write the generated
//! program to FILE (for `dana check FILE`).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dana_interpreter::eval::{Interp, Output};
use std::hint::black_box;

/// Lines in the generated program.
const LINES: usize = 5_000;

include!("support/generated_program.rs");

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
    let opts = dana_grammar::format::FormatOptions::default();
    g.bench_function("format_source_5000_lines", |b| {
        b.iter(|| dana_grammar::format::format_source(black_box(&src), &opts).expect("formats"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
