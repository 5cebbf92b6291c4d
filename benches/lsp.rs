//! Response times of `dana lsp` on a generated 5,000-line file, measured as an editor sees
//! them: the built binary is spawned and spoken to over stdin/stdout (the client of
//! tests/support/lsp_client.rs), so each time includes the JSON-RPC framing and the pipes.
//!
//! - `change_to_diagnostics`: a `didChange` (one character edited, the version bumped) until
//!   the `publishDiagnostics` of that version arrives: the debounce (25 ms), parsing, resolving
//!   and type-checking the whole file.
//! - `hover_after_change`: a hover on a new version (the document is analysed again: parse,
//!   check with types recorded, index).
//! - `hover` and `completion`: on an analysed version (the usual case while reading).
//!
//! Run: `cargo bench --bench lsp`. The target is 50 ms for each.

// The tests' client; the bench uses part of it.
#[allow(dead_code)]
#[path = "../tests/support/lsp_client.rs"]
mod lsp_client;

include!("support/generated_program.rs");

use criterion::{criterion_group, criterion_main, Criterion};
use lsp_client::LspClient;
use serde_json::json;
use std::time::Duration;

const LINES: usize = 5_000;

fn bench(c: &mut Criterion) {
    let src = generate(LINES);
    let dir = std::env::temp_dir().join(format!("dana-bench-lsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench folder");
    let path = dir.join("big.na");
    std::fs::write(&path, &src).expect("write the program");
    let mut client = LspClient::spawn(&dir);
    client.initialize(&dir);
    let uri = client.open(&path, &src);
    client.diagnostics(&uri, 1);
    // A position inside a function near the end of the file: `it` in the last `total()`.
    let last = src.rfind("return it.qty").expect("a receiver method") + "return ".len();
    let line = src[..last].matches('\n').count();
    let col = last - src[..last].rfind('\n').map_or(0, |i| i + 1);
    let hover_at =
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col}});
    let complete_at = json!({"textDocument": {"uri": uri},
                             "position": {"line": line, "character": col + 3}});
    let mut version = 1;
    // Toggles one digit in the first comment line, as a keystroke would.
    let mut change = |client: &mut LspClient| -> i64 {
        version += 1;
        let digit = if version % 2 == 0 { "1" } else { "2" };
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": {"start": {"line": 0, "character": 0},
                                                 "end": {"line": 0, "character": 0}},
                                       "text": digit}]}),
        );
        version
    };
    let mut g = c.benchmark_group("lsp_5000_lines");
    g.sample_size(20)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(2));
    g.bench_function("change_to_diagnostics", |b| {
        b.iter(|| {
            let v = change(&mut client);
            client.diagnostics(&uri, v);
            client.backlog.clear();
        })
    });
    g.bench_function("hover_after_change", |b| {
        b.iter(|| {
            change(&mut client);
            client.result("textDocument/hover", hover_at.clone());
        })
    });
    g.bench_function("hover", |b| {
        b.iter(|| client.result("textDocument/hover", hover_at.clone()))
    });
    g.bench_function("completion", |b| {
        b.iter(|| client.result("textDocument/completion", complete_at.clone()))
    });
    g.finish();
    client.backlog.clear();
    let _ = client.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
