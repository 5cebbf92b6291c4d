//! Semantic highlighting: `dana::highlight::semantic_tokens` on the generated 5,000-line Dana
//! file of the parse bench (what `textDocument/semanticTokens/full` computes per request), and
//! its parts: the grammar's tolerant lexer alone, and the parse the names are refined from.
//!
//! Run: `cargo bench --bench highlight`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

/// Lines in the generated program.
const LINES: usize = 5_000;

include!("support/generated_program.rs");

fn bench(c: &mut Criterion) {
    let src = generate(LINES);
    dana_grammar::parse_module(&src).expect("the generated program parses");
    let tokens = dana::highlight::semantic_tokens(&src);
    assert!(tokens.len() > LINES, "{} tokens", tokens.len());

    let mut g = c.benchmark_group("highlight");
    g.throughput(Throughput::BytesDecimal(src.len() as u64));
    g.bench_function("semantic_tokens_5000_lines", |b| {
        b.iter(|| dana::highlight::semantic_tokens(black_box(&src)))
    });
    g.bench_function("lexemes_5000_lines", |b| {
        b.iter(|| dana_grammar::tokens::lexemes(black_box(&src)))
    });
    g.bench_function("parse_module_5000_lines", |b| {
        b.iter(|| dana_grammar::parse_module(black_box(&src)).expect("parses"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
