//! The progress line shown on a terminal while an LLM answer is awaited: POET generation and
//! `reason()`/`llm()` show the same one (`  <label>… 1.2 s`, rewritten in place and erased
//! when the answer comes).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs `f`, showing `label` and the elapsed time on stderr when stderr is a terminal (nothing
/// otherwise, so piped or captured output stays clean).
pub fn with_progress<T>(label: &str, f: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return f();
    }
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let label = label.to_string();
    let start = Instant::now();
    let painter = std::thread::spawn(move || {
        use std::io::Write;
        while !flag.load(Ordering::Relaxed) {
            eprint!("\r\x1b[2K  {label}… {:.1} s", start.elapsed().as_secs_f64());
            let _ = std::io::stderr().flush();
            std::thread::sleep(Duration::from_millis(100));
        }
        eprint!("\r\x1b[2K");
        let _ = std::io::stderr().flush();
    });
    let r = f();
    done.store(true, Ordering::Relaxed);
    let _ = painter.join();
    r
}
