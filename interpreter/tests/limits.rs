//! Resource limits: the operation budget, the deadline, cancellation and the call-depth limit
//! stop a run with a catchable-but-recurring error, never a hang or a native stack overflow.

use dana_interpreter::eval::{Interp, Output};
use dana_interpreter::ExcKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn interp() -> Interp {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    it
}

fn run(it: &mut Interp, src: &str) -> Result<String, Box<dana_interpreter::RtError>> {
    let g = it.new_globals("__main__", None);
    it.run_source("<test>", src, &g)?;
    Ok(it.take_output())
}

#[test]
fn operation_budget_stops_an_endless_loop() {
    let mut it = interp();
    it.limits.max_operations = Some(100_000);
    let e = run(&mut it, "n = 0\nwhile True:\n    n += 1\n").unwrap_err();
    assert_eq!(e.kind, ExcKind::LimitError);
    assert!(e.message.contains("operation budget"), "{}", e.message);
    assert_eq!(e.location.as_ref().map(|l| l.line), Some(2));
}

#[test]
fn a_caught_budget_error_fires_again() {
    let mut it = interp();
    it.limits.max_operations = Some(50_000);
    let src = "def spin():\n    while True:\n        pass\n\nwhile True:\n    try:\n        spin()\n    except LimitError:\n        pass\n";
    let e = run(&mut it, src).unwrap_err();
    assert_eq!(e.kind, ExcKind::LimitError);
}

#[test]
fn deadline_stops_a_run() {
    let mut it = interp();
    it.limits.deadline = Some(Instant::now() + Duration::from_millis(50));
    let started = Instant::now();
    let e = run(&mut it, "while True:\n    x = [1, 2, 3]\n").unwrap_err();
    assert_eq!(e.kind, ExcKind::TimeoutError);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn cancellation_flag_stops_a_run() {
    let mut it = interp();
    let flag = Arc::new(AtomicBool::new(false));
    it.limits.cancel = Some(flag.clone());
    let setter = {
        let flag = flag.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            flag.store(true, Ordering::Relaxed);
        })
    };
    let e = run(&mut it, "i = 0\nwhile True:\n    i = i + 1\n").unwrap_err();
    setter.join().unwrap();
    assert_eq!(e.kind, ExcKind::LimitError);
    assert!(e.message.contains("cancelled"));
}

#[test]
fn recursion_limit_is_a_recursion_error() {
    // Run on a thread with a generous stack, as the CLI does.
    let r = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let mut it = interp();
            let e = run(&mut it, "def down(n):\n    return down(n + 1) + 1\n\ndown(0)\n").unwrap_err();
            assert_eq!(e.kind, ExcKind::RecursionError);
            // The limit can be caught and the program continues.
            let out = run(
                &mut it,
                "def down(n):\n    return down(n + 1)\n\ntry:\n    down(0)\nexcept RecursionError as e:\n    print('caught', e.type)\n",
            )
            .unwrap();
            assert_eq!(out, "caught RecursionError\n");
        })
        .unwrap()
        .join();
    assert!(r.is_ok());
}

#[test]
fn call_depth_limit_is_configurable() {
    let mut it = interp();
    it.limits.max_call_depth = 50;
    let src = "def depth(n):\n    if n == 0:\n        return 0\n    return 1 + depth(n - 1)\n\nprint(depth(40))\n";
    assert_eq!(run(&mut it, src).unwrap(), "40\n");
    let e = run(&mut it, "def depth(n):\n    if n == 0:\n        return 0\n    return 1 + depth(n - 1)\n\ndepth(60)\n").unwrap_err();
    assert_eq!(e.kind, ExcKind::RecursionError);
}
