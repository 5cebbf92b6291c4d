//! Running untrusted Dana code in a sandbox: operation budget, call depth, deadline and
//! cancellation from another thread.
//!
//! Run with `cargo run --example embed_limits`.

use dana::engine::ErrorKind;
use dana::interpreter::ExcKind;
use dana::Engine;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub fn main() {
    let mut engine = Engine::builder()
        .max_operations(50_000)
        .max_call_depth(50)
        .timeout(Duration::from_secs(2))
        .capture_output()
        .build();

    // An endless loop runs out of operations.
    let err = engine
        .run_source("n = 0\nwhile True:\n    n += 1\n")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Runtime);
    assert_eq!(err.exception().kind, ExcKind::LimitError);
    println!("loop: {err}");

    // Runaway recursion is a RecursionError, not a crashed host.
    let err = engine
        .run_source("def f(n):\n    return f(n + 1)\nf(0)\n")
        .unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::RecursionError);
    println!("recursion: {err}");

    // The budget is per run: the next program starts afresh.
    engine.run_source("print(sum(range(1000)))").unwrap();
    assert_eq!(engine.take_output(), "499500\n");

    // A wall-clock deadline (no operation budget here).
    let mut slow = Engine::builder()
        .timeout(Duration::from_millis(100))
        .build();
    let started = Instant::now();
    let err = slow.run_source("while True:\n    pass\n").unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::TimeoutError);
    println!("deadline: {err} after {:?}", started.elapsed());

    // Cancellation from another thread.
    let mut engine = Engine::new();
    let cancel = engine.cancel_handle();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        cancel.store(true, Ordering::Relaxed);
    });
    let err = engine.run_source("while True:\n    pass\n").unwrap_err();
    canceller.join().unwrap();
    assert!(err.to_string().contains("cancelled"));
    println!("cancelled: {err}");
    // Clear the flag to use the engine again.
    engine.cancel_handle().store(false, Ordering::Relaxed);
    assert_eq!(engine.eval::<i64>("6 * 7").unwrap(), 42);
}
