//! The stage pipeline inside one interpreter: the per-attempt operation budget, retries, the
//! program's own deadline (no retry, no fallback), perceive rejections with the fallback, and
//! counters reaching `state.json` when the interpreter goes away.

use dana_interpreter::eval::{Interp, Output};
use dana_interpreter::{Exc, ExcKind};
use dana_poet::{install_with, PoetOptions, PoetRuntime};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

struct Store(PathBuf);

impl Store {
    fn new(name: &str) -> Store {
        let d =
            std::env::temp_dir().join(format!("dana-poet-pipeline-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        Store(d)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn interp(store: &Store, budget: u64) -> (Interp, Rc<PoetRuntime>) {
    let mut it = Interp::new();
    dana_stdlib::install(&mut it);
    let rt = install_with(
        &mut it,
        PoetOptions {
            dir: Some(store.0.clone()),
            stage_budget: budget,
            // Offline generation whatever the environment says.
            llm: Some(dana_llm::LlmConfig::default()),
        },
    );
    it.set_output(Output::Capture(String::new()));
    (it, rt)
}

fn run(it: &mut Interp, src: &str) -> Result<String, Exc> {
    let g = it.new_globals("__main__", Some("pipeline_test.na".into()));
    it.run_source("pipeline_test.na", src, &g)?;
    Ok(it.take_output())
}

#[test]
fn an_endless_loop_is_stopped_by_the_stage_budget() {
    let store = Store::new("budget");
    let (mut it, _rt) = interp(&store, 50_000);
    let start = Instant::now();
    let e = run(
        &mut it,
        "@poet(timeout=60.0, retries=1, backoff=0.0, fallback=\"raise\")\n\
         def spin(n: int) -> int:\n    while True:\n        n += 1\n    return n\n\
         spin(1)\n",
    )
    .unwrap_err();
    assert_eq!(e.kind, ExcKind::LimitError, "{}", e.message);
    assert!(e.message.contains("operation budget"), "{}", e.message);
    assert!(start.elapsed() < Duration::from_secs(30));
    // The program's own budget is untouched: it goes on running after the failed call.
    let out = run(
        &mut it,
        "@poet(timeout=60.0, retries=0, fallback=\"raise\")\n\
         def spin2(n: int) -> int:\n    while True:\n        n += 1\n    return n\n\
         try:\n    spin2(1)\nexcept LimitError:\n    print(\"stopped\")\n\
         t = 0\nfor i in range(200000):\n    t += i\nprint(t)\n",
    )
    .unwrap();
    assert_eq!(out, "stopped\n19999900000\n");
}

#[test]
fn attempts_are_retries_plus_one_then_the_fallback_answers() {
    let store = Store::new("retries");
    let (mut it, rt) = interp(&store, 1_000_000);
    let out = run(
        &mut it,
        "n = {\"operate\": 0}\n\
         @poet(retries=3, backoff=0.001)\n\
         def f(x: int) -> int:\n    n[\"operate\"] += 1\n    if n[\"operate\"] <= 4:\n        raise RuntimeError(\"no\")\n    return x\n\
         print(f(7), n[\"operate\"])\n\
         print(f(8), n[\"operate\"])\n",
    )
    .unwrap();
    // Call 1: four failing attempts, then the original (the fifth run of the body) answers.
    // Call 2: the first attempt succeeds.
    assert_eq!(out, "7 5\n8 6\n");
    let s = dana_poet::summary(&rt);
    assert_eq!(s.get("f"), Some(&(2, 1, 1)), "{s:?}");
}

#[test]
fn the_programs_own_deadline_is_not_retried_or_covered_by_the_fallback() {
    let store = Store::new("deadline");
    let (mut it, _rt) = interp(&store, 1_000_000_000);
    it.limits.deadline = Some(Instant::now() + Duration::from_millis(300));
    let g = it.new_globals("__main__", Some("pipeline_test.na".into()));
    let start = Instant::now();
    let e = it
        .run_source(
            "pipeline_test.na",
            "ran = {\"n\": 0}\n\
             @poet(timeout=30.0, retries=5, backoff=0.0)\n\
             def slow(x: int) -> int:\n    ran[\"n\"] += 1\n    while True:\n        x += 1\n    return x\n\
             slow(1)\n",
            &g,
        )
        .unwrap_err();
    assert_eq!(e.kind, ExcKind::TimeoutError, "{}", e.message);
    assert!(start.elapsed() < Duration::from_secs(5));
    // One attempt, and the original did not run after it (it would have counted too).
    let ran = g.get(dana_grammar::ast::Sym::intern("ran")).unwrap();
    assert_eq!(dana_interpreter::value::repr::repr(&ran), "{'n': 1}");
}

#[test]
fn rejected_input_falls_back_to_an_original_that_accepts_it() {
    let store = Store::new("perceive");
    let (mut it, _rt) = interp(&store, 1_000_000);
    let out = run(
        &mut it,
        "@poet(domain=\"ml_monitoring\")\n\
         def total(xs: list[float]) -> float:\n    return sum(xs)\n\
         print(total([1.0, 2.0]))\n\
         print(total([]))\n\
         @poet(domain=\"ml_monitoring\", fallback=\"raise\")\n\
         def total2(xs: list[float]) -> float:\n    return sum(xs)\n\
         try:\n    total2([])\nexcept ValueError as e:\n    print(\"refused:\", \"xs\" in e.message)\n",
    )
    .unwrap();
    assert_eq!(out, "3.0\n0\nrefused: True\n");
}

#[test]
fn counters_reach_state_json_when_the_interpreter_is_dropped() {
    let store = Store::new("flush");
    {
        let (mut it, _rt) = interp(&store, 1_000_000);
        run(
            &mut it,
            "@poet()\ndef inc(x: int) -> int:\n    return x + 1\nt = 0\nfor i in range(25):\n    t = inc(t)\n",
        )
        .unwrap();
    }
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.0.join("inc/v1/state.json")).unwrap())
            .unwrap();
    assert_eq!(state["calls"], 25, "{state}");
    assert_eq!(state["breaker"]["state"], "closed");
}

/// Refusals and the operation count of good calls, for `plain_stages_refuse_like_their_code`.
fn refusals(store: &Store) -> (Vec<String>, u64) {
    let (mut it, _rt) = interp(store, 1_000_000);
    let g = it.new_globals("__main__", Some("pipeline_test.na".into()));
    let run_in = |it: &mut Interp, src: &str| -> Result<String, Exc> {
        it.run_source("pipeline_test.na", src, &g)?;
        Ok(it.take_output())
    };
    run_in(
        &mut it,
        "@poet(fallback=\"raise\", train=False)\n\
         def g(x: int, y: float, z: str | None = None) -> int:\n    return x + int(y)\n",
    )
    .unwrap();
    let mut seen = Vec::new();
    for call in [
        "g(\"a\", 1.0)",
        "g(None, 1.0)",
        "g(1, float(\"nan\"))",
        "g(1, float(\"-inf\"))",
        "g(1, 2.0, z=3)",
        "g(True, 2, None)",
        "g(2 ** 70, 1.5)",
        "g(1, 2 ** 70)",
    ] {
        seen.push(match run_in(&mut it, &format!("print({call})\n")) {
            Ok(out) => format!("{call} -> {out}"),
            Err(e) => format!(
                "{call} -> {}: {} at {:?} in {:?}",
                e.kind.name(),
                e.message,
                e.location,
                e.stack
                    .iter()
                    .map(|s| (&s.function, &s.location))
                    .collect::<Vec<_>>()
            ),
        });
    }
    let before = it.operations();
    run_in(
        &mut it,
        "t = 0\nfor i in range(50):\n    t = g(t, 0.5)\nprint(t)\n",
    )
    .unwrap();
    (seen, it.operations() - before)
}

#[test]
fn plain_stages_refuse_like_their_code() {
    // The offline version's perceive only checks what its annotations imply (and NaN), so the
    // pipeline decides fitting calls natively; any other call runs the stage's code. The same
    // version with its text changed (a comment) runs every stage interpreted: the answers and
    // refusals (class, message, location, stack) must be the same, the work much smaller.
    let store = Store::new("plain");
    let (plain, plain_ops) = refusals(&store);
    let failed = |store: &Store| {
        let state: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(store.0.join("g/v1/state.json")).unwrap(),
        )
        .unwrap();
        state["failed_stages"].clone()
    };
    let after_plain = failed(&store);
    let code = store.0.join("g/v1/code.na");
    let text = std::fs::read_to_string(&code).unwrap();
    assert!(text.contains("def perceive("), "{text}");
    std::fs::write(&code, format!("{text}\n# edited\n")).unwrap();
    let (interpreted, interpreted_ops) = refusals(&store);
    assert_eq!(plain, interpreted);
    assert!(
        plain[0].contains("TypeError: perceive() argument 'x' must be int"),
        "{plain:?}"
    );
    assert!(
        plain[2].contains("ValueError: y: must be a finite number"),
        "{plain:?}"
    );
    assert!(plain[5].ends_with("-> 3\n"), "{plain:?}");
    // Each failure counted against perceive, the same number both ways.
    let after_both = failed(&store);
    let perceive = |v: &serde_json::Value| v["perceive"].as_u64().unwrap();
    assert!(perceive(&after_plain) >= 4, "{after_plain}");
    assert_eq!(perceive(&after_both), 2 * perceive(&after_plain));
    assert!(
        plain_ops * 2 < interpreted_ops,
        "plain {plain_ops} ops, interpreted {interpreted_ops}"
    );
}
