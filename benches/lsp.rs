//! Response times of `dana lsp` on a generated 5,000-line file, measured as an editor sees
//! them: the built binary is spawned and spoken to over stdin/stdout (the client of
//! tests/support/lsp_client.rs), so each time includes the JSON-RPC framing and the pipes.
//!
//! - `change_to_diagnostics`: a `didChange` (one character edited, the version bumped) until
//!   the `publishDiagnostics` of that version arrives: parsing, resolving and type-checking
//!   the whole file (the worker starts at once when it is idle).
//! - `hover_after_change`: a hover on a new version (the worker's run for that version:
//!   parse, resolve and check with types recorded, publish, index).
//! - `hover` and `completion`: on an analysed version (the usual case while reading).
//!
//! After criterion's groups, the server's CPU time per operation (user + system of the
//! `dana lsp` process, from `/proc`, which the machine's load does not inflate) is printed
//! for the first two, over a fixed number of operations.
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
    if let Some(pid) = server_pid() {
        const N: u32 = 20;
        let before = cpu_ms(pid);
        for _ in 0..N {
            let v = change(&mut client);
            client.diagnostics(&uri, v);
            client.backlog.clear();
        }
        let mid = cpu_ms(pid);
        for _ in 0..N {
            change(&mut client);
            client.result("textDocument/hover", hover_at.clone());
        }
        let after = cpu_ms(pid);
        client.backlog.clear();
        if let (Some(a), Some(b), Some(c)) = (before, mid, after) {
            println!(
                "server CPU per operation ({N} each): change_to_diagnostics {:.1} ms, \
                 hover_after_change {:.1} ms",
                (b - a) / f64::from(N),
                (c - b) / f64::from(N)
            );
        }
    }
    let _ = client.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `dana lsp` process this bench started: the child of this process named `dana`.
fn server_pid() -> Option<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
        let (comm, rest) = stat.split_once(") ")?;
        let ppid: u32 = rest.split(' ').nth(1)?.parse().ok()?;
        (ppid == me && comm.ends_with("(dana")).then_some(pid)
    })
}

/// User + system CPU time of process `pid` so far, in milliseconds.
fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(") ")?.1;
    // After the command: state is field 3; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // The kernel counts in clock ticks of 1/100 s (USER_HZ on Linux).
    Some(ticks * 10.0)
}

criterion_group!(benches, bench);
criterion_main!(benches);
