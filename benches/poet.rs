//! The cost POET adds to every call (POET_SPEC §3: microseconds, not milliseconds). Each
//! benchmark runs 1,000 calls inside Dana, so the per-call figure is the time / 1,000; the
//! added cost is the difference to the plain function. Target: ≤ 3 µs per call with events
//! and learning on (`enhanced_train`). Calls run back to back for seconds here, faster than
//! one writer thread can fsync, so a long run also measures the writer's throughput (calls
//! wait for room in its channel); `benches/poet_call/run.sh` measures whole `dana` runs.
//!
//! Run: `cargo bench --bench poet`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

const PROGRAM: &str = r#"
def plain(x: int) -> int:
    return x + 1

@poet(train=False)
def enhanced(x: int) -> int:
    return x + 1

@poet()
def enhanced_train(x: int) -> int:
    return x + 1

def run_plain(n: int) -> int:
    t = 0
    for i in range(n):
        t = plain(t)
    return t

def run_enhanced(n: int) -> int:
    t = 0
    for i in range(n):
        t = enhanced(t)
    return t

def run_enhanced_train(n: int) -> int:
    t = 0
    for i in range(n):
        t = enhanced_train(t)
    return t
"#;

fn per_call(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("dana-bench-poet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // SAFETY: set before any other thread of this process reads the environment.
    std::env::set_var("DANA_POET_DIR", &dir);
    let mut engine = dana::Engine::new();
    let program = engine.compile(PROGRAM).unwrap();
    let mut scope = dana::Scope::new();
    engine.run_with_scope(&program, &mut scope).unwrap();
    // The first calls generate and store the versions; the benchmark measures warm calls.
    for f in ["run_plain", "run_enhanced", "run_enhanced_train"] {
        assert_eq!(engine.call_fn_in::<i64>(&scope, f, (10,)).unwrap(), 10);
    }
    let mut group = c.benchmark_group("poet_call_x1000");
    for f in ["run_plain", "run_enhanced", "run_enhanced_train"] {
        group.bench_function(f, |b| {
            b.iter(|| black_box(engine.call_fn_in::<i64>(&scope, f, (1000,)).unwrap()))
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, per_call);
criterion_main!(benches);
