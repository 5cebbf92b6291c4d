//! The offline enhancement and the validation gate, end to end: every
//! function × every built-in domain gives code that passes the gate and, run by the
//! interpreter, answers like the original on valid input and refuses invalid input with a
//! ValueError that names the argument.
//! Also every rule of every domain and odd function shapes. The templates are tested in
//! `domains.rs`, the gate's checks one by one in `gate_checks.rs`.

use dana_interpreter::value::repr::repr;
use dana_interpreter::ExcKind;
use dana_poet::make::offline::enhance;

#[path = "support/offline_kit.rs"]
#[allow(dead_code)]
mod kit;
use kit::*;

// ---- enhancement × gate × run ----

#[test]
fn every_case_in_every_domain_passes_the_gate_and_runs_like_the_original() {
    let d = domains();
    for case in CASES {
        let shape = shape_of(case.src, case.func);
        for name in DOMAINS {
            let template = d.resolve(name).unwrap();
            let code = enhance(&shape, &template, Some("accuracy"));
            assert_eq!(
                code,
                enhance(&shape, &template, Some("accuracy")),
                "deterministic"
            );
            let mut l = load(case.src);
            let report = gate(&mut l, &code, &shape, &[]);
            assert!(
                report.passed(),
                "{} in {name}: {}\n{:#?}\n{code}",
                case.func,
                report.summary(),
                report.diagnostics
            );
            let g = install_code(&mut l, &code, case.value);
            for list in case.valid {
                let module = l.module.clone();
                let want = try_eval(&mut l, &module, &format!("{}({list})", case.value))
                    .map(|v| repr(&v))
                    .unwrap_or_else(|e| panic!("{e:?}"));
                let got = run_stages(&mut l, &g, list)
                    .map(|v| repr(&v))
                    .unwrap_or_else(|e| panic!("{} {list} in {name}: {e:?}\n{code}", case.func));
                assert_eq!(got, want, "{} {list} in {name}", case.func);
            }
        }
    }
}

/// The error of perceive on `args`, which must name `param`.
fn refused(case_src: &str, func: &str, domain: &str, args: &str) -> (ExcKind, String) {
    let shape = shape_of(case_src, func);
    let template = domains().resolve(domain).unwrap();
    let code = enhance(&shape, &template, None);
    let mut l = load(case_src);
    let g = install_code(&mut l, &code, func);
    match run_stages(&mut l, &g, args) {
        Ok(v) => panic!("{func}({args}) in {domain} gave {}\n{code}", repr(&v)),
        Err(e) => e,
    }
}

#[test]
fn invalid_input_is_refused_with_a_value_error_naming_the_argument() {
    let mean = CASES[1].src;
    for domain in ["ml_monitoring", "financial_risk"] {
        assert_eq!(
            refused(mean, "mean", domain, "[1.0, float(\"nan\")]"),
            (
                ExcKind::ValueError,
                "xs: must contain only finite numbers (no NaN or infinity)".into()
            )
        );
    }
    // Elsewhere list elements are not checked: the stages answer as the original does.
    let shape = shape_of(mean, "mean");
    let code = enhance(&shape, &domains().resolve("api").unwrap(), None);
    let mut l = load(mean);
    let g = install_code(&mut l, &code, "mean");
    assert_eq!(
        run_stages(&mut l, &g, "[1.0, float(\"inf\")]").map(|v| repr(&v)),
        Ok("inf".into())
    );
    let fee = CASES[15].src;
    for domain in DOMAINS {
        assert_eq!(
            refused(fee, "fee", domain, "float(\"nan\"), 0.1, \"EUR\""),
            (
                ExcKind::ValueError,
                "amount: must be a finite number (not NaN or infinity)".into()
            ),
            "{domain}"
        );
        assert_eq!(
            refused(fee, "fee", domain, "1.0, float(\"-inf\"), \"EUR\""),
            (
                ExcKind::ValueError,
                "rate: must be a finite number (not NaN or infinity)".into()
            ),
            "{domain}"
        );
    }
}

#[test]
fn none_and_wrong_types_are_refused_naming_the_argument() {
    // The runtime checks the declared parameter types when perceive is called, before its
    // body runs: None or a str for `xs: list[float]` is a TypeError naming the argument.
    let mean = CASES[1].src;
    for bad in ["None", "\"abc\"", "[1.0, \"x\"]"] {
        let (k, m) = refused(mean, "mean", "base", bad);
        assert!(
            matches!(k, ExcKind::TypeError | ExcKind::ValueError),
            "{k}: {m}"
        );
        assert!(m.contains("'xs'") || m.starts_with("xs: "), "{m}");
    }
    // The checks in perceive's body hold on their own too.
    let shape = shape_of(mean, "mean");
    let code = enhance(&shape, &domains().resolve("base").unwrap(), None);
    assert!(
        code.contains("    if xs is None:\n        raise ValueError(\"xs: must not be None\")\n"),
        "{code}"
    );
    assert!(code.contains("    if not isinstance(xs, list):\n        raise ValueError(f\"xs: expected list[float], got {type(xs)}\")\n"), "{code}");
}

#[test]
fn domain_rules_refuse_what_the_domain_forbids() {
    let mean = CASES[1].src;
    assert_eq!(
        refused(mean, "mean", "ml_monitoring", "[]"),
        (
            ExcKind::ValueError,
            "xs: must not be empty (a sample needs at least one value)".into()
        )
    );
    let fee = CASES[15].src;
    assert_eq!(
        refused(fee, "fee", "financial_risk", "-5.0, 0.1, \"EUR\""),
        (ExcKind::ValueError, "amount: must not be negative".into())
    );
    assert_eq!(
        refused(fee, "fee", "financial_risk", "5.0, 1.5, \"EUR\""),
        (
            ExcKind::ValueError,
            "rate: must be a fraction between 0 and 1".into()
        )
    );
    assert_eq!(
        refused(fee, "fee", "financial_risk", "5.0, 0.1, \"eur\""),
        (
            ExcKind::ValueError,
            "currency: must be a three-letter upper-case currency code (ISO 4217)".into()
        )
    );
    let status = CASES[18].src;
    assert_eq!(
        refused(status, "fetch_status", "api", "\"ftp://x\", 1.0"),
        (
            ExcKind::ValueError,
            "url: must be an http(s) URL or an absolute path".into()
        )
    );
    assert_eq!(
        refused(status, "fetch_status", "api", "\"https://x\", 0"),
        (
            ExcKind::ValueError,
            "timeout: must be a positive number of seconds".into()
        )
    );
    let classify = CASES[17].src;
    assert_eq!(
        refused(classify, "classify", "customer_service", "\"   \", 3"),
        (ExcKind::ValueError, "message: must not be empty".into())
    );
    assert_eq!(
        refused(classify, "classify", "customer_service", "\"hi\", 9"),
        (
            ExcKind::ValueError,
            "priority: must be between 1 (highest) and 5".into()
        )
    );
    let score = CASES[16].src;
    assert_eq!(
        refused(score, "score_prompt", "prompt_optimization", "\"x\", 2.5"),
        (
            ExcKind::ValueError,
            "temperature: must be between 0 and 2".into()
        )
    );
    // The same arguments pass where the domain has no such rule.
    let shape = shape_of(fee, "fee");
    let code = enhance(&shape, &domains().resolve("base").unwrap(), None);
    let mut l = load(fee);
    let g = install_code(&mut l, &code, "fee");
    assert_eq!(
        run_stages(&mut l, &g, "-5.0, 0.1, \"eur\"").map(|v| repr(&v)),
        Ok("-0.5".into())
    );
}

#[test]
fn bad_results_are_refused_by_enforce() {
    let src = "def drift_check(current: list[float]) -> dict:\n    return {\"drift_detected\": True, \"score\": 1.5}\n";
    assert_eq!(
        refused(src, "drift_check", "ml_monitoring", "[1.0]"),
        (
            ExcKind::ValueError,
            "result: 'score' must be a number between 0 and 1".into()
        )
    );
    let src = "def drift_check(current: list[float]) -> dict:\n    return {\"score\": 0.5}\n";
    assert_eq!(
        refused(src, "drift_check", "ml_monitoring", "[1.0]"),
        (
            ExcKind::ValueError,
            "result: a drift result must contain 'drift_detected'".into()
        )
    );
    let src = "def expected_loss(exposure: float) -> float:\n    return -exposure\n";
    assert_eq!(
        refused(src, "expected_loss", "financial_risk", "10.0"),
        (ExcKind::ValueError, "result: must not be negative".into())
    );
    let src = "def maybe(x: int) -> dict:\n    return None\n";
    let (k, m) = refused(src, "maybe", "base", "1");
    // operate's own return annotation is checked by the runtime first.
    assert!(
        matches!(k, ExcKind::TypeError | ExcKind::ValueError) && m.contains("dict"),
        "{m}"
    );
}

#[test]
fn train_reports_domain_metrics() {
    let src = CASES[2].src;
    let shape = shape_of(src, "detect_drift");
    let code = enhance(&shape, &domains().resolve("ml_monitoring").unwrap(), None);
    let mut l = load(src);
    let g = install_code(&mut l, &code, "detect_drift");
    let result = eval(&mut l, "{\"drift_detected\": True, \"score\": 0.75}");
    let empty = eval(&mut l, "{}");
    let m = call(&mut l, &g, "train", &[result, empty.clone()]).unwrap();
    assert_eq!(repr(&m), "{'score': 0.75, 'drift_detected': True}");
    // A result without the keys gives no metrics, and never an error.
    let other = eval(&mut l, "{\"x\": 1}");
    assert_eq!(
        repr(&call(&mut l, &g, "train", &[other, empty]).unwrap()),
        "{}"
    );
}

#[test]
fn domains_produce_different_checks() {
    let src = "def assess(amount: float, samples: list[float], confidence: float = 0.9) -> dict:\n    return {\"score\": 0.5}\n";
    let shape = shape_of(src, "assess");
    let d = domains();
    let ml = enhance(&shape, &d.resolve("ml_monitoring").unwrap(), None);
    let fin = enhance(&shape, &d.resolve("financial_risk").unwrap(), None);
    let checks = |code: &str| -> Vec<String> {
        code.lines()
            .filter(|l| l.trim_start().starts_with("if "))
            .map(str::to_string)
            .collect()
    };
    assert_ne!(checks(&ml), checks(&fin));
    assert!(ml.contains("len(samples) > 0"), "{ml}");
    assert!(!fin.contains("len(samples) > 0"), "{fin}");
    assert!(fin.contains("amount >= 0"), "{fin}");
    assert!(!ml.contains("amount >= 0"), "{ml}");
    assert!(ml.contains("# Domain: ml_monitoring (base -> ml_monitoring)"));
    let all: Vec<String> = DOMAINS
        .iter()
        .map(|n| enhance(&shape, &d.resolve(n).unwrap(), None))
        .collect();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn the_generated_module_reads_well() {
    let src = CASES[2].src;
    let shape = shape_of(src, "detect_drift");
    let code = enhance(
        &shape,
        &domains().resolve("ml_monitoring").unwrap(),
        Some("latency"),
    );
    assert!(code.starts_with("# Enhancement of detect_drift generated by POET's offline rules.\n"));
    assert!(code.contains("# Original: def detect_drift(current: list[float], reference: list[float], threshold: float = 0.1) -> dict\n"));
    assert!(code.contains("# Optimize for: latency\n"));
    assert!(code.contains(
        "def perceive(current: list[float], reference: list[float], threshold: float) -> dict:\n"
    ));
    assert!(code.contains("def operate(current: list[float], reference: list[float], threshold: float = 0.1) -> dict:\n"));
    assert!(code.contains("def enforce(result: dict, current: list[float], reference: list[float], threshold: float) -> dict:\n"));
    assert!(code.contains("def train(result: dict, metrics: dict) -> dict:\n"));
    assert!(code.contains(
        "    return {\"current\": current, \"reference\": reference, \"threshold\": threshold}\n"
    ));
    assert!(code.contains("\n    score = min(1.0, gap)\n"));
    assert!(code.contains("def _poet_all_finite(xs) -> bool:"));
    assert!(!code.contains("\n\n\n\n"));
    // Functions with nothing to check get no perceive or enforce.
    let plain = shape_of(CASES[7].src, "pair");
    let code = enhance(&plain, &domains().resolve("api").unwrap(), None);
    assert!(
        !code.contains("def perceive") && !code.contains("def enforce"),
        "{code}"
    );
    assert!(code.contains("# perceive: no input checks apply"));
}

#[test]
fn delegating_functions_call_the_original() {
    let shape = shape_of(CASES[9].src, "shift");
    assert!(shape.delegate);
    let code = enhance(&shape, &domains().resolve("base").unwrap(), None);
    assert!(code.contains("    return _original(x)\n"), "{code}");
    let shape = shape_of(CASES[6].src, "combine");
    assert!(!shape.delegate);
    let mut l = load(CASES[6].src);
    let code = enhance(&shape, &domains().resolve("base").unwrap(), None);
    let g = install_code(&mut l, &code, "combine");
    assert_eq!(
        try_eval(&mut l, &g, "operate(1, 2, 3, x=4)").map(|v| repr(&v)),
        Ok("4".into())
    );
}

// ---- every rule, odd shapes ----

/// A concrete annotation for a type pattern.
fn annotation_for(pattern: &str) -> String {
    match pattern {
        "number" => "float".into(),
        "numbers" => "list[float]".into(),
        "collection" => "list".into(),
        "any" => "int".into(),
        other => other.into(),
    }
}

/// A parameter or function name that the glob matches.
fn name_for(glob: &str) -> String {
    let n: String = glob.replace('*', "").replace('?', "q");
    if n.is_empty() || n.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v{n}")
    } else {
        n
    }
}

#[test]
fn every_rule_of_every_domain_generates_code_that_passes_the_gate() {
    let d = domains();
    for name in DOMAINS {
        let t = d.resolve(name).unwrap();
        for (i, r) in t.input_rules.iter().enumerate() {
            for optional in [false, true] {
                let ann = annotation_for(&r.applies_to);
                let ann = if optional {
                    format!("{ann} | None")
                } else {
                    ann
                };
                let p = name_for(&r.names[0]);
                let src = format!("def f({p}: {ann}):\n    return {p}\n");
                let shape = shape_of(&src, "f");
                let code = enhance(&shape, &t, None);
                assert!(
                    code.contains(&r.check.replace("{p}", &p)),
                    "{name} input rule {i}\n{code}"
                );
                let mut l = load(&src);
                let report = gate(&mut l, &code, &shape, &[]);
                assert!(
                    report.passed(),
                    "{name} input rule {i}: {}\n{code}",
                    report.summary()
                );
                install_code(&mut l, &code, "f");
            }
        }
        for (i, r) in t.output_rules.iter().chain([]).enumerate() {
            let ann = annotation_for(&r.applies_to);
            let f = name_for(&r.names[0]);
            let src = format!("def {f}(x) -> {ann} | None:\n    return x\n");
            let shape = shape_of(&src, &f);
            let code = enhance(&shape, &t, None);
            assert!(code.contains(&r.check), "{name} output rule {i}\n{code}");
            let mut l = load(&src);
            let report = gate(&mut l, &code, &shape, &[]);
            assert!(
                report.passed(),
                "{name} output rule {i}: {}\n{code}",
                report.summary()
            );
            let g = install_code(&mut l, &code, &f);
            // None passes the rules when the annotation allows it.
            assert_eq!(
                run_stages(&mut l, &g, "None").map(|v| repr(&v)),
                Ok("None".into())
            );
        }
        for m in &t.metrics {
            let ann = annotation_for(&m.applies_to);
            let src = format!("def f(x) -> {ann}:\n    return x\n");
            let shape = shape_of(&src, "f");
            let code = enhance(&shape, &t, None);
            assert!(
                code.contains("def train("),
                "{name} metric {}\n{code}",
                m.name
            );
            let mut l = load(&src);
            assert!(
                gate(&mut l, &code, &shape, &[]).passed(),
                "{name} metric {}",
                m.name
            );
        }
    }
}

#[test]
fn odd_shapes_pass_the_gate_in_every_domain() {
    let srcs = [
        "def f():\n    return 1\n",
        "def f() -> None:\n    pass\n",
        "def f(result: int, metrics: dict) -> int:\n    return result\n",
        "def f(type: str, len: int = 0) -> str:\n    return type * len\n",
        "def f(x: int | str) -> int | str:\n    return x\n",
        "def f(d: dict[str, float] | None = None) -> dict[str, float] | None:\n    return d\n",
        "def f(t: tuple[int, ...], fn: function) -> tuple:\n    return t\n",
        "struct Box:\n    v: int\n\ndef f(b: Box, other: Box | None = None) -> Box:\n    return b\n",
        "def f(x: any, y: None = None) -> any:\n    return x\n",
        "def f(a, /, b):\n    return a\n",
        "def f(*, k: float = 1.5) -> float:\n    return k\n",
        "def f(*args: int, **kwargs: str) -> list:\n    return [args, kwargs]\n",
        "def f(s: str = \"a \\\"quoted\\\" {brace}\") -> str:\n    s2 = \"\"\"multi\nline {x}\n\"\"\"\n    return s + s2\n",
        "def f(amount: float, amounts: list[float], probability: float | None, currency: str, email: str, url: str, prompt: str, temperature: float, priority: int, timeout: float, message: str) -> dict:\n    return {}\n",
        "def f(x: set[int], flag: bool = True, cb: callable = None) -> set[int]:\n    return x\n",
    ];
    let d = domains();
    for src in srcs {
        let Ok(m) = dana_grammar::parse_module(src) else {
            continue; // a form this Dana does not have
        };
        let _ = m;
        let shape = shape_of(src, "f");
        for name in DOMAINS {
            let code = enhance(
                &shape,
                &d.resolve(name).unwrap(),
                Some("a \"quoted\"\nobjective"),
            );
            let mut l = load(src);
            let report = gate(&mut l, &code, &shape, &[]);
            assert!(
                report.passed(),
                "{src}\nin {name}: {}\n{code}",
                report.summary()
            );
            install_code(&mut l, &code, "f");
        }
    }
}

#[test]
fn a_method_in_a_struct_block_and_a_receiver_method() {
    let src = "struct Rect:\n    w: float\n    h: float\n\n    def area(self) -> float:\n        # width times height\n        return self.w * self.h\n";
    let shape = shape_of(src, "area");
    assert!(shape.is_method);
    assert_eq!(shape.body, "# width times height\nreturn self.w * self.h\n");
    for name in DOMAINS {
        let code = enhance(&shape, &domains().resolve(name).unwrap(), None);
        let mut l = load(src);
        let report = gate(&mut l, &code, &shape, &[]);
        assert!(report.passed(), "{name}: {}\n{code}", report.summary());
        let g = install_code(&mut l, &code, "area");
        assert_eq!(
            run_stages(&mut l, &g, "Rect(w=2.0, h=4.0)").map(|v| repr(&v)),
            Ok("8.0".into())
        );
    }
}
