//! The validation gate's checks one by one on small modules: size, parse, the top level,
//! stage signatures, types, the capability audit, and odd input that must never panic.

use dana_poet::make::gate::{GateReport, MAX_CODE_BYTES};

#[path = "support/offline_kit.rs"]
#[allow(dead_code)]
mod kit;
use kit::*;

// ---- the gate ----

const ADD: &str = "def add(a: int, b: int = 2) -> int:\n    return a + b\n";

fn gate_add(code: &str, caps: &[&str]) -> GateReport {
    let shape = shape_of(ADD, "add");
    let mut l = load(ADD);
    gate(&mut l, code, &shape, caps)
}

fn failed(r: &GateReport) -> Vec<&str> {
    r.checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name.as_str())
        .collect()
}

#[test]
fn gate_accepts_a_good_module() {
    let r = gate_add(
        "\"\"\"Adds.\"\"\"\nLIMIT = 10\n\ndef _clip(x: int) -> int:\n    return min(x, LIMIT)\n\ndef operate(a: int, b: int = 2) -> int:\n    log(\"adding\")\n    return a + b\n\ndef perceive(a: int, b: int) -> dict:\n    return {\"a\": _clip(a), \"b\": b}\n",
        &[],
    );
    assert!(r.passed(), "{}", r.summary());
    assert_eq!(r.summary(), "all 6 checks passed");
    let j = r.to_json();
    assert_eq!(j["passed"], true);
    assert_eq!(j["checks"].as_array().map(Vec::len), Some(6));
}

#[test]
fn gate_rejects_oversized_code() {
    let big = format!(
        "def operate(a: int, b: int = 2) -> int:\n    return a + b\n{}",
        "# padding\n".repeat(7200)
    );
    assert!(big.len() > MAX_CODE_BYTES && big.len() < 80 * 1024);
    let r = gate_add(&big, &[]);
    assert!(!r.passed());
    assert_eq!(failed(&r), ["size"]);
    assert!(
        r.checks[0].detail.contains("65536"),
        "{}",
        r.checks[0].detail
    );
}

#[test]
fn gate_reports_syntax_errors_with_line_and_column() {
    let r = gate_add(
        "def operate(a: int, b: int = 2) -> int:\n    return (a +\n",
        &[],
    );
    assert_eq!(failed(&r), ["parse"]);
    assert!(
        r.diagnostics[0].starts_with("code.na:"),
        "{:?}",
        r.diagnostics
    );
    let detail = &r.checks[1].detail;
    assert!(
        detail
            .split(':')
            .take(2)
            .all(|n| n.trim().parse::<usize>().is_ok()),
        "{detail}"
    );
}

#[test]
fn gate_rejects_top_level_code() {
    let r = gate_add(
        "print(\"x\")\n\ndef operate(a: int, b: int = 2) -> int:\n    return a + b\n",
        &[],
    );
    assert!(failed(&r).contains(&"toplevel"), "{}", r.summary());
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.starts_with("code.na:1:1: error:")),
        "{:?}",
        r.diagnostics
    );
    let r = gate_add(
        "def helper():\n    return 1\n\ndef operate(a: int, b: int = 2) -> int:\n    return a + b\n",
        &[],
    );
    assert_eq!(failed(&r), ["toplevel"], "{}", r.summary());
}

#[test]
fn gate_checks_the_stage_signatures() {
    let r = gate_add("def _x() -> int:\n    return 1\n", &[]);
    assert_eq!(failed(&r), ["signatures"]);
    assert!(r.summary().contains("operate"), "{}", r.summary());
    let r = gate_add(
        "def operate(b: int = 2, a: int = 0) -> int:\n    return a + b\n",
        &[],
    );
    assert_eq!(failed(&r), ["signatures"], "{}", r.summary());
    assert!(
        r.summary().contains("parameter 1 is 'b' instead of 'a'"),
        "{}",
        r.summary()
    );
    let r = gate_add(
        "def operate(a: int, b: int = 2) -> str:\n    return str(a + b)\n",
        &[],
    );
    assert_eq!(failed(&r), ["signatures"], "{}", r.summary());
    assert!(
        r.summary().contains("returns 'str' instead of 'int'"),
        "{}",
        r.summary()
    );
    let r = gate_add(
        "def operate(a: int, b: int = 3) -> int:\n    return a + b\n",
        &[],
    );
    assert!(
        r.summary().contains("defaults to 3 instead of 2"),
        "{}",
        r.summary()
    );
    let r = gate_add(
        "def operate(a: int, b: int = 2) -> int:\n    return a + b\n\ndef perceive(a: int, b: int = 2) -> dict:\n    return {}\n\ndef enforce(result: int, a: int) -> int:\n    return result\n\ndef train(result: int) -> dict:\n    return {}\n",
        &[],
    );
    assert_eq!(failed(&r), ["signatures"]);
    assert_eq!(r.diagnostics.len(), 3, "{:?}", r.diagnostics);
    // *args where the original has *args.
    let src = "def f(a: int, *rest) -> int:\n    return a\n";
    let shape = shape_of(src, "f");
    let mut l = load(src);
    let r = gate(
        &mut l,
        "def operate(a: int, rest) -> int:\n    return a\n",
        &shape,
        &[],
    );
    assert_eq!(failed(&r), ["signatures"], "{}", r.summary());
    assert!(r.summary().contains("must be '*rest'"), "{}", r.summary());
}

#[test]
fn gate_reports_type_errors_but_not_warnings() {
    let r = gate_add(
        "def operate(a: int, b: int = 2) -> int:\n    return \"x\"\n",
        &[],
    );
    assert_eq!(failed(&r), ["types"]);
    let r = gate_add(
        "def operate(a: int, b: int = 2) -> int:\n    unused = 1\n    return a\n",
        &[],
    );
    assert!(r.passed(), "{}", r.summary());
}

#[test]
fn gate_audits_builtins_modules_and_capabilities() {
    let r = gate_add(
        "def operate(a: int, b: int = 2) -> int:\n    print(a)\n    return a + b\n",
        &[],
    );
    assert_eq!(failed(&r), ["capabilities"]);
    assert!(r.summary().contains("'print'"), "{}", r.summary());
    // An original that prints may keep printing.
    let noisy = CASES[12].src;
    let shape = shape_of(noisy, "noisy");
    let mut l = load(noisy);
    let r = gate(
        &mut l,
        "def operate(n: int) -> int:\n    print(\"n =\", n)\n    return n * 2\n",
        &shape,
        &[],
    );
    assert!(r.passed(), "{}", r.summary());

    for forbidden in [
        "import os",
        "import fs",
        "import http",
        "from time import sleep",
    ] {
        let r = gate_add(
            &format!(
                "def operate(a: int, b: int = 2) -> int:\n    {forbidden}\n    return a + b\n"
            ),
            &[],
        );
        assert!(
            failed(&r).contains(&"capabilities"),
            "{forbidden}: {}",
            r.summary()
        );
    }
    let r = gate_add(
        "import math\n\ndef operate(a: int, b: int = 2) -> int:\n    return a + b\n",
        &[],
    );
    assert_eq!(
        failed(&r),
        ["toplevel"],
        "imports belong inside functions: {}",
        r.summary()
    );
    let r = gate_add(
        "def operate(a: int, b: int = 2) -> int:\n    import math\n    return math.floor(a + b)\n",
        &[],
    );
    assert!(r.passed(), "{}", r.summary());
    let r = gate_add(
        "def operate(a: int, b: int = 2) -> int:\n    return int(reason(\"add\"))\n",
        &[],
    );
    assert_eq!(failed(&r), ["capabilities"]);
    assert!(gate_add(
        "def operate(a: int, b: int = 2) -> int:\n    return int(reason(\"add\"))\n",
        &["reason"]
    )
    .passed());

    let sleepy = "def operate(a: int, b: int = 2) -> int:\n    import time\n    time.sleep(0.01)\n    return a + b\n";
    let r = gate_add(sleepy, &[]);
    assert_eq!(failed(&r), ["capabilities"], "{}", r.summary());
    assert!(r.summary().contains("'time'"), "{}", r.summary());
    let r = gate_add(sleepy, &["time"]);
    assert!(r.passed(), "{}", r.summary());
    // A module member the original uses is allowed, its neighbours are not.
    let src = "def stamp(x: int) -> float:\n    import time\n    return time.time() + x\n";
    let shape = shape_of(src, "stamp");
    let mut l = load(src);
    let ok = gate(
        &mut l,
        "def operate(x: int) -> float:\n    import time\n    return time.time() + x\n",
        &shape,
        &[],
    );
    assert!(ok.passed(), "{}", ok.summary());
    let bad = gate(&mut l, "def operate(x: int) -> float:\n    import time\n    time.sleep(1)\n    return time.time() + x\n", &shape, &[]);
    assert_eq!(failed(&bad), ["capabilities"], "{}", bad.summary());
    assert!(bad.summary().contains("time.sleep"), "{}", bad.summary());
}

#[test]
fn gate_never_panics_on_odd_input() {
    let shape = shape_of(ADD, "add");
    let mut l = load(ADD);
    for code in [
        "",
        "\n\n",
        "\u{0}",
        "def",
        "def operate(",
        "@@@",
        "operate = 1\n",
        "def operate(a, b=2):\n    return operate(a, b)\n",
    ] {
        let r = gate(&mut l, code, &shape, &[]);
        assert!(!r.passed(), "{code:?}");
        assert!(!r.summary().is_empty());
    }
}
