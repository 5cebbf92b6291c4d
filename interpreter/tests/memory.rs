//! The memory limit: a catchable `MemoryError` before (or soon after) the program passes it,
//! never an abort. This test binary installs the counting allocator, as the `dana` binary does.

use dana_interpreter::engine::Engine;
use dana_interpreter::eval::{Interp, Output};
use dana_interpreter::limits::{self, CountingAlloc};
use dana_interpreter::ExcKind;

#[global_allocator]
static GLOBAL: CountingAlloc<std::alloc::System> = CountingAlloc::new(std::alloc::System);

const MIB: usize = 1 << 20;

fn interp(max_memory: usize) -> Interp {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    it.limits.max_memory = Some(max_memory);
    it
}

fn run(it: &mut Interp, src: &str) -> Result<String, Box<dana_interpreter::RtError>> {
    let g = it.new_globals("__main__", None);
    it.run_source("<test>", src, &g)?;
    Ok(it.take_output())
}

fn memory_error(src: &str, max_memory: usize) -> Box<dana_interpreter::RtError> {
    let mut it = interp(max_memory);
    let e = run(&mut it, src).expect_err("expected a MemoryError");
    assert_eq!(e.kind, ExcKind::MemoryError, "{}: {}", e.kind, e.message);
    e
}

#[test]
fn the_counting_allocator_measures_this_thread() {
    assert!(limits::counting_installed());
    // (The counter of a test thread may start slightly negative: it frees a little memory the
    // main thread allocated, and usage is clamped at 0.)
    let before = limits::thread_usage().unwrap();
    let v: Vec<u8> = std::hint::black_box(vec![1; 4 * MIB]);
    let during = limits::thread_usage().unwrap();
    assert!(during + 4096 >= before + 4 * MIB, "{before} -> {during}");
    drop(v);
    let after = limits::thread_usage().unwrap();
    assert!(after < during - 3 * MIB, "{during} -> {after}");
    // Another thread's allocations are its own.
    let other = std::thread::spawn(|| {
        let big = std::hint::black_box(vec![0u8; 8 * MIB]);
        let used = limits::thread_usage().unwrap();
        drop(big);
        used
    })
    .join()
    .unwrap();
    assert!(other + 4096 >= 8 * MIB, "{other}");
    let now = limits::thread_usage().unwrap();
    assert!(now < after + MIB, "{after} -> {now}");
}

#[test]
fn many_values_under_the_per_value_caps_hit_the_total_limit() {
    // Each string is far under the 256 MiB cap; together they pass the 32 MiB limit.
    let e = memory_error(
        "xs = []\nfor i in range(100):\n    xs.append(\"x\" * (1024 * 1024))\n",
        32 * MIB,
    );
    assert!(
        e.message.contains("memory limit of 32 MiB"),
        "{}",
        e.message
    );
    assert_eq!(e.location.as_ref().map(|l| l.line), Some(3));
    let help = e.help.as_deref().unwrap_or("");
    assert!(help.contains("--max-memory 1G"), "{help}");
}

#[test]
fn many_small_values_are_caught_by_the_periodic_check() {
    // No single allocation is large: only the evaluator's periodic check can see this one.
    let e = memory_error("xs = []\nwhile True:\n    xs.append([len(xs)])\n", 16 * MIB);
    assert!(e.message.contains("in use"), "{}", e.message);
}

#[test]
fn split_list_and_comprehension_attacks_are_refused() {
    memory_error("s = \"x\" * 10000000\nparts = s.split(\"x\")\n", 64 * MIB);
    memory_error(
        "s = \"x\" * 10000000\nparts = s.split()\nys = list(s)\n",
        64 * MIB,
    );
    memory_error("s = \"ab\" * 5000000\nxs = list(s)\n", 64 * MIB);
    memory_error("xs = [i for i in range(200000000)]\n", 16 * MIB);
    memory_error("xs = [0] * 1000000\nys = xs * 30\n", 64 * MIB);
    memory_error("xs = list(range(30000000))\n", 64 * MIB);
    memory_error("s = \"a\\n\" * 5000000\nxs = s.splitlines()\n", 64 * MIB);
    memory_error(
        "s = \",\".join([\"abc\"] * 1000000)\nt = s + s + s\nu = t.replace(\",\", \";\" * 32)\n",
        48 * MIB,
    );
}

#[test]
fn memory_error_is_catchable_and_the_program_goes_on() {
    let mut it = interp(32 * MIB);
    let out = run(
        &mut it,
        "try:\n    s = \"x\" * (64 * 1024 * 1024)\nexcept MemoryError as e:\n    print(\"caught\", e.type)\nprint(len(\"y\" * 1000))\n",
    )
    .unwrap();
    assert_eq!(out, "caught MemoryError\n1000\n");
    // `except Exception` catches it too.
    let out = run(
        &mut it,
        "try:\n    s = \"x\" * (64 * 1024 * 1024)\nexcept Exception as e:\n    print(e.type)\n",
    )
    .unwrap();
    assert_eq!(out, "MemoryError\n");
}

#[test]
fn freed_memory_counts_again() {
    let mut it = interp(32 * MIB);
    // 20 MiB built and dropped, three times: usage never accumulates past the limit.
    let out = run(
        &mut it,
        "for i in range(3):\n    s = \"x\" * (20 * 1024 * 1024)\n    s = \"\"\nprint(\"done\")\n",
    )
    .unwrap();
    assert_eq!(out, "done\n");
}

#[test]
fn an_allowance_is_tighter_inside_and_released_after() {
    let mut it = interp(512 * MIB);
    let g = it.new_globals("__main__", None);
    let r = it.with_memory_allowance(4 * MIB, |it| {
        it.run_source("<test>", "s = \"x\" * (8 * 1024 * 1024)\n", &g)
    });
    let e = r.unwrap_err();
    assert_eq!(e.kind, ExcKind::MemoryError);
    assert!(
        e.message.contains("memory allowance of 4 MiB"),
        "{}",
        e.message
    );
    // Nested: the inner allowance cannot widen the outer one.
    let r = it.with_memory_allowance(4 * MIB, |it| {
        it.with_memory_allowance(64 * MIB, |it| {
            it.run_source("<test>", "s = \"x\" * (8 * 1024 * 1024)\n", &g)
        })
    });
    assert_eq!(r.unwrap_err().kind, ExcKind::MemoryError);
    // The program's own limit still applies inside a larger allowance.
    it.limits.max_memory = Some(4 * MIB);
    let r = it.with_memory_allowance(64 * MIB, |it| {
        it.run_source("<test>", "s = \"x\" * (8 * 1024 * 1024)\n", &g)
    });
    let e = r.unwrap_err();
    assert!(e.message.contains("memory limit of 4 MiB"), "{}", e.message);
    // Afterwards the program's limit is back.
    it.limits.max_memory = Some(512 * MIB);
    it.run_source("<test>", "s = \"x\" * (8 * 1024 * 1024)\n", &g)
        .unwrap();
}

#[test]
fn no_limit_means_only_the_size_caps() {
    let mut it = interp(MIB);
    it.limits.max_memory = None;
    run(&mut it, "s = \"x\" * (4 * 1024 * 1024)\n").unwrap();
    let e = run(&mut it, "s = \"x\" * (1024 * 1024 * 1024)\n").unwrap_err();
    assert_eq!(e.kind, ExcKind::LimitError, "{}", e.message);
}

#[test]
fn engine_builder_sets_the_memory_limit() {
    let mut engine = Engine::builder()
        .max_memory(16 * MIB)
        .capture_output()
        .build();
    let err = engine
        .run_source("xs = []\nfor i in range(100):\n    xs.append(\"z\" * 1000000)\n")
        .unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::MemoryError);
    // The engine goes on working after the error.
    engine.run_source("print(\"alive\")\n").unwrap();
    assert_eq!(engine.take_output(), "alive\n");
    // The default limit is the documented one.
    let mut it = Interp::new();
    assert_eq!(it.limits.max_memory, Some(limits::default_max_memory()));
    it.limits.max_memory = None;
}
