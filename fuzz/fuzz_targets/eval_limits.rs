//! The evaluator under limits: arbitrary text run by an embedding engine with the standard
//! modules (no POET, no file or network access), an operation budget, a call-depth limit and
//! a deadline. Any outcome is fine (a value, a Dana exception, a syntax error) except a panic,
//! an abort, a hang or a stack overflow; every error report renders.
#![no_main]

use dana::diagnostics::{render, runtime_report};
use dana_interpreter::engine::Engine;
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut engine = Engine::builder()
        .installer(dana_stdlib::install)
        .max_operations(20_000)
        .max_call_depth(40)
        .timeout(Duration::from_secs(2))
        .capture_output()
        .build();
    if let Err(e) = engine.run_source(src) {
        // Every location is read against the program's text (a span of another file may
        // fall outside it: the renderer must cope).
        let report = runtime_report(e.exception(), |_| Some(src.to_string()));
        let _ = render(&report, false);
    }
    let _ = engine.take_output();
});
