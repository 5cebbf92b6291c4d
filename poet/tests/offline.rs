//! Domain templates, the offline enhancement and the validation gate, end to end: every
//! function × every built-in domain gives code that passes the gate and, run by the
//! interpreter, answers like the original on valid input and refuses invalid input with a
//! ValueError that names the argument.

use dana_grammar::ast::{self, StmtKind, Sym};
use dana_interpreter::check::{self, CheckOptions};
use dana_interpreter::eval::{Interp, Output};
use dana_interpreter::value::{repr::repr, Globals, Value};
use dana_interpreter::ExcKind;
use dana_poet::domains::{DomainError, Domains};
use dana_poet::gate::{validate, GateInput, GateReport, ProgramNames, MAX_CODE_BYTES};
use dana_poet::offline::enhance;
use dana_poet::shape::FunctionShape;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

const DOMAINS: &[&str] = &[
    "base",
    "ml_monitoring",
    "api",
    "financial_risk",
    "customer_service",
    "prompt_optimization",
];

/// A module defining the function under test, and calls that must behave alike.
struct Case {
    /// The whole original module.
    src: &'static str,
    /// The decorated function's name (found at any depth).
    func: &'static str,
    /// The global holding the undecorated function value (differs for closures).
    value: &'static str,
    /// Argument lists (Dana list displays) valid in every domain.
    valid: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        src: "def add(a: int, b: int = 2) -> int:\n    return a + b\n",
        func: "add",
        value: "add",
        valid: &["1, 2", "-5, 0"],
    },
    Case {
        src: "def mean(xs: list[float]) -> float:\n    \"\"\"The average.\"\"\"\n    # an empty sample has no mean\n\n    return sum(xs) / len(xs)\n",
        func: "mean",
        value: "mean",
        valid: &["[1.0, 2.0, 4.5]", "[3, 4]"],
    },
    Case {
        src: "def detect_drift(current: list[float], reference: list[float], threshold: float = 0.1) -> dict:\n    gap = abs(sum(current) / len(current) - sum(reference) / len(reference))\n    score = min(1.0, gap)\n    return {\"drift_detected\": score > threshold, \"score\": score}\n",
        func: "detect_drift",
        value: "detect_drift",
        valid: &["[1.0, 2.0], [1.0, 2.5], 0.1", "[0.5], [0.5], 0.2"],
    },
    Case {
        src: "def greet(name: str, punctuation: str = \"!\") -> str:\n    return \"Hello, \" + name + punctuation\n",
        func: "greet",
        value: "greet",
        valid: &["\"Ann\", \"!\"", "\"\", \"?\""],
    },
    Case {
        src: "def scale(x: float | None = None, factor: float = 2.0) -> float | None:\n    if x is None:\n        return None\n    return x * factor\n",
        func: "scale",
        value: "scale",
        valid: &["None, 2.0", "1.5, 3"],
    },
    Case {
        src: "struct Point:\n    x: float\n    y: float\n\ndef (p: Point) area(scale: float = 1.0) -> float:\n    return p.x * p.y * scale\n",
        func: "area",
        value: "area",
        valid: &["Point(x=2.0, y=3.0), 1.0"],
    },
    Case {
        src: "def combine(first: int, *rest, **named) -> int:\n    return first + len(rest) + len(named)\n",
        func: "combine",
        value: "combine",
        valid: &["1"],
    },
    Case {
        src: "def pair(a, b):\n    return [a, b]\n",
        func: "pair",
        value: "pair",
        valid: &["1, \"x\"", "None, [2]"],
    },
    Case {
        src: "def ident(x: int) -> int:\n    return x\n",
        func: "ident",
        value: "ident",
        valid: &["7"],
    },
    Case {
        src: "def make(k: int):\n    def shift(x: int) -> int:\n        return x + k\n    return shift\n\nadd3 = make(3)\n",
        func: "shift",
        value: "add3",
        valid: &["4"],
    },
    Case {
        src: "def upper_it(t):\n    return t.upper()\n\ndef bang(t):\n    return t + \"!\"\n\ndef shout(t: str) -> str = upper_it | bang\n",
        func: "shout",
        value: "shout",
        valid: &["\"hi\""],
    },
    Case {
        src: "import math\n\ndef _square(x):\n    return x * x\n\ndef norm(v: list[float]) -> float:\n    total = 0.0\n    for x in v:\n        total += _square(x)\n    return math.sqrt(total)\n",
        func: "norm",
        value: "norm",
        valid: &["[3.0, 4.0]"],
    },
    Case {
        src: "def noisy(n: int) -> int:\n    \"\"\"Doubles n, loudly.\"\"\"\n    print(\"n =\", n)\n    return n * 2\n",
        func: "noisy",
        value: "noisy",
        valid: &["21"],
    },
    Case {
        src: "def kw(a: int, *, b: int = 1) -> int:\n    return a * 10 + b\n",
        func: "kw",
        value: "kw",
        valid: &["4, b=1"],
    },
    Case {
        src: "def pick(flags: dict[str, bool], key: str, default: bool = False) -> bool:\n    return flags.get(key, default)\n",
        func: "pick",
        value: "pick",
        valid: &["{\"a\": True}, \"a\", False", "{}, \"b\", True"],
    },
    Case {
        src: "def fee(amount: float, rate: float = 0.01, currency: str = \"EUR\") -> float:\n    return round(amount * rate, 2)\n",
        func: "fee",
        value: "fee",
        valid: &["100.0, 0.02, \"USD\"", "0, 0.5, \"EUR\""],
    },
    Case {
        src: "def score_prompt(prompt: str, temperature: float = 0.7) -> float:\n    words = prompt.split()\n    return min(1.0, len(words) / 10)\n",
        func: "score_prompt",
        value: "score_prompt",
        valid: &["\"write a haiku about rust\", 0.7"],
    },
    Case {
        src: "def classify(message: str, priority: int = 3) -> dict:\n    angry = \"!\" in message\n    return {\"priority\": 1 if angry else priority, \"sentiment\": -0.5 if angry else 0.2}\n",
        func: "classify",
        value: "classify",
        valid: &["\"where is my order!\", 3", "\"thanks\", 5"],
    },
    Case {
        src: "def fetch_status(url: str, timeout: float = 5.0) -> int:\n    if url.startswith(\"https://\"):\n        return 200\n    return 301\n",
        func: "fetch_status",
        value: "fetch_status",
        valid: &["\"https://example.org\", 2.5", "\"http://example.org\", 1"],
    },
    Case {
        src: "def stats_of(values: tuple[float, ...], labels: set[str] | None = None) -> tuple:\n    n = len(values)\n    return (n, sum(values), labels)\n",
        func: "stats_of",
        value: "stats_of",
        valid: &["(1.0, 2.0), None", "(0.5,), {\"a\"}"],
    },
];

// ---- harness ----

/// The text of the def named `name` (at any depth) and its column.
fn def_text(src: &str, name: &str) -> (String, usize) {
    fn find<'a>(stmts: &'a [ast::Stmt], name: &str) -> Option<&'a ast::FunctionDef> {
        for s in stmts {
            match &s.kind {
                StmtKind::FunctionDef(f) if f.name.name.as_str() == name => return Some(f),
                StmtKind::FunctionDef(f) => {
                    if let ast::FuncBody::Block(b) = &f.body {
                        if let Some(x) = find(b, name) {
                            return Some(x);
                        }
                    }
                }
                StmtKind::Struct(st) => {
                    if let Some(m) = st.methods.iter().find(|m| m.name.name.as_str() == name) {
                        return Some(m);
                    }
                }
                _ => {}
            }
        }
        None
    }
    let m = dana_grammar::parse_module(src).expect("the case parses");
    let f = find(&m.body, name).expect("the case defines the function");
    let span = f.def_span();
    let start = span.start as usize;
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    (src[span.range()].to_string(), start - line_start)
}

fn shape_of(src: &str, name: &str) -> FunctionShape {
    let (text, col) = def_text(src, name);
    FunctionShape::from_source(&text, col).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

struct Loaded {
    it: Interp,
    module: Rc<Globals>,
}

fn load(src: &str) -> Loaded {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    dana_stdlib::install(&mut it);
    let module = it.new_globals("__main__", None);
    it.run_source("original.na", src, &module)
        .unwrap_or_else(|e| panic!("{}: {}", e.kind, e.message));
    Loaded { it, module }
}

fn gate_options(l: &mut Loaded) -> CheckOptions {
    let info = check::module_info_from_globals(&l.module);
    CheckOptions {
        globals: info.members.into_iter().collect(),
        modules: check::stdlib_module_infos(&mut l.it, dana_stdlib::MODULES),
        ..CheckOptions::default()
    }
}

fn gate(l: &mut Loaded, code: &str, shape: &FunctionShape, caps: &[&str]) -> GateReport {
    let caps: Vec<String> = caps.iter().map(|s| s.to_string()).collect();
    validate(&GateInput {
        code,
        shape,
        capabilities: &caps,
        options: gate_options(l),
        program: ProgramNames::from_globals(&l.module),
    })
}

/// Runs `code` as the enhancement module of `l`'s function; `_original` bound to `value`.
fn install_code(l: &mut Loaded, code: &str, value: &str) -> Rc<Globals> {
    let g = Rc::new(Globals::child("code", None, l.module.clone()));
    if let Some(v) = l.module.get(Sym::intern(value)) {
        g.set(Sym::intern("_original"), v);
    }
    l.it.run_source("code.na", code, &g)
        .unwrap_or_else(|e| panic!("{}: {}\n{code}", e.kind, e.message));
    g
}

fn eval(l: &mut Loaded, expr: &str) -> Value {
    let module = l.module.clone();
    try_eval(l, &module, expr).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The value of a Dana expression evaluated in a scratch module that reads through to `g`.
fn try_eval(l: &mut Loaded, g: &Rc<Globals>, expr: &str) -> Result<Value, (ExcKind, String)> {
    let scratch = Rc::new(Globals::child("scratch", None, g.clone()));
    l.it.run_source("call.na", &format!("__v = {expr}\n"), &scratch)
        .map_err(|e| (e.kind, e.message.clone()))?;
    Ok(scratch.get(Sym::intern("__v")).expect("bound"))
}

fn call(l: &mut Loaded, g: &Globals, f: &str, args: &[Value]) -> Result<Value, (ExcKind, String)> {
    let fv = g
        .get(Sym::intern(f))
        .unwrap_or_else(|| panic!("{f} is not defined"));
    l.it.call(&fv, args)
        .map_err(|e| (e.kind, e.message.clone()))
}

fn has(g: &Globals, f: &str) -> bool {
    g.get(Sym::intern(f)).is_some()
}

/// perceive → operate → enforce → train on the call arguments `args` (Dana text), as the
/// pipeline runs them.
fn run_stages(l: &mut Loaded, g: &Rc<Globals>, args: &str) -> Result<Value, (ExcKind, String)> {
    if has(g, "perceive") {
        let d = try_eval(l, g, &format!("perceive({args})"))?;
        assert!(matches!(d, Value::Dict(_)), "perceive returns a dict");
    }
    let result = try_eval(l, g, &format!("operate({args})"))?;
    g.set(Sym::intern("__result"), result.clone());
    if has(g, "enforce") {
        let sep = if args.trim().is_empty() { "" } else { ", " };
        let back = try_eval(l, g, &format!("enforce(__result{sep}{args})"))?;
        assert_eq!(
            repr(&back),
            repr(&result),
            "enforce returns the result unchanged"
        );
    }
    if has(g, "train") {
        let m = try_eval(l, g, "train(__result, {})").expect("train never raises");
        assert!(matches!(m, Value::Dict(_)));
    }
    Ok(result)
}

fn domains() -> Domains {
    Domains::builtin()
}

// ---- templates ----

#[test]
fn every_builtin_template_loads_and_resolves() {
    let d = domains();
    assert_eq!(d.names().len(), DOMAINS.len());
    for name in DOMAINS {
        let t = d.resolve(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.name, *name);
        assert!(!t.description.is_empty());
        assert!(!t.requirements.operate.is_empty(), "{name}");
        assert_eq!(t.fingerprint.len(), 16);
        if *name != "base" {
            assert_eq!(t.parent.as_deref(), Some("base"));
            assert_eq!(t.chain, vec!["base".to_string(), name.to_string()]);
            assert!(
                !t.input_rules.is_empty() && !t.output_rules.is_empty(),
                "{name}"
            );
        }
    }
    // Loading with no extra folder, or one that does not exist, gives the built-in set.
    let loaded = Domains::load(&[PathBuf::from("/nonexistent/poet/domains")]).unwrap();
    assert_eq!(loaded.names(), d.names());
}

#[test]
fn inheritance_merges_the_parent_first() {
    let d = domains();
    let base = d.resolve("base").unwrap();
    let ml = d.resolve("ml_monitoring").unwrap();
    assert_eq!(ml.version, base.version + 1);
    assert_eq!(
        ml.requirements.perceive[..base.requirements.perceive.len()],
        base.requirements.perceive[..]
    );
    assert!(ml.requirements.perceive.len() > base.requirements.perceive.len());
    for c in &base.capabilities {
        assert!(ml.capabilities.contains(c), "{c}");
    }
    assert!(ml.capabilities.contains(&"time".to_string()));
    assert_eq!(
        ml.capabilities.iter().filter(|c| *c == "time").count(),
        1,
        "capabilities are a union"
    );
    let (granted, refused) = ml.grant(&["time".into(), "fs_write".into()]);
    assert_eq!(
        (granted, refused),
        (vec!["time".to_string()], vec!["fs_write".to_string()])
    );
}

#[test]
fn unknown_domain_lists_the_known_ones() {
    let e = domains().resolve("ml_monitorin").unwrap_err();
    let text = e.to_string();
    assert!(text.contains("did you mean 'ml_monitoring'"), "{text}");
    assert!(text.contains("base, customer_service"), "{text}");
}

static DIRS: AtomicUsize = AtomicUsize::new(0);

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "dana-poet-domains-{}-{}",
            std::process::id(),
            DIRS.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_user_folder_overrides_and_extends() {
    let dir = TempDir::new();
    dir.write(
        "fraud.toml",
        "description = \"Card fraud\"\nparent = \"financial_risk\"\nversion = 3\n\n[[input_rules]]\napplies_to = \"str\"\nnames = [\"*card*\"]\ncheck = \"len({p}) == 16\"\nmessage = \"must have 16 digits\"\n",
    );
    dir.write(
        "api.toml",
        "name = \"api\"\ndescription = \"Our API\"\nparent = \"base\"\nversion = 7\n",
    );
    dir.write("notes.txt", "not a template");
    let d = Domains::load(std::slice::from_ref(&dir.0)).unwrap_or_else(|e| panic!("{e}"));
    assert!(d.names().contains(&"fraud".to_string()));
    let fraud = d.resolve("fraud").unwrap();
    assert_eq!(fraud.chain, ["base", "financial_risk", "fraud"]);
    assert_eq!(fraud.version, 1 + 1 + 3);
    let fin = d.resolve("financial_risk").unwrap();
    assert_eq!(fraud.input_rules.len(), fin.input_rules.len() + 1);
    assert_eq!(
        fraud.input_rules.last().map(|r| r.check.as_str()),
        Some("len({p}) == 16")
    );
    // The user's api replaces the built-in one entirely.
    let api = d.resolve("api").unwrap();
    assert_eq!(api.description, "Our API");
    assert!(api.input_rules.is_empty());
    assert_eq!(api.version, 8);
    assert!(api.origin.ends_with("api.toml"));
    // The generated code follows the user's rule.
    let s =
        FunctionShape::from_source("def charge(card: str) -> bool:\n    return True\n", 0).unwrap();
    assert!(enhance(&s, &fraud, None).contains("len(card) == 16"));
}

#[test]
fn cycles_and_unknown_parents_are_errors() {
    let dir = TempDir::new();
    dir.write("a.toml", "parent = \"b\"\n");
    dir.write("b.toml", "parent = \"a\"\n");
    let e = Domains::load(std::slice::from_ref(&dir.0)).unwrap_err();
    assert!(matches!(e, DomainError::Cycle(_)), "{e}");
    assert!(
        e.to_string().contains("a -> b -> a") || e.to_string().contains("b -> a -> b"),
        "{e}"
    );

    let dir = TempDir::new();
    dir.write("c.toml", "parent = \"bas\"\n");
    let e = Domains::load(std::slice::from_ref(&dir.0)).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, DomainError::UnknownParent { .. }), "{text}");
    assert!(
        text.contains("'bas'") && text.contains("did you mean 'base'"),
        "{text}"
    );
}

#[test]
fn malformed_files_name_file_line_and_column() {
    let dir = TempDir::new();
    let path = dir.write("broken.toml", "name = \"broken\"\nversion = 1\nparent = \n");
    let e = Domains::load(std::slice::from_ref(&dir.0)).unwrap_err();
    match &e {
        DomainError::Syntax {
            file, line, column, ..
        } => {
            assert_eq!(file, &path.display().to_string());
            assert_eq!((*line, *column), (3, 10), "{e}");
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string()
            .starts_with(&format!("{}:3:10: ", path.display())),
        "{e}"
    );

    let dir = TempDir::new();
    dir.write("typo.toml", "verison = 2\n");
    let e = Domains::load(std::slice::from_ref(&dir.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("typo.toml:1:1") && e.contains("verison"), "{e}");

    let dir = TempDir::new();
    dir.write(
        "bad_rule.toml",
        "[[input_rules]]\napplies_to = \"number\"\ncheck = \"{p} >=\"\nmessage = \"x\"\n",
    );
    let e = Domains::load(std::slice::from_ref(&dir.0))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad_rule.toml") && e.contains("input_rules[0].check"),
        "{e}"
    );

    let dir = TempDir::new();
    dir.write(
        "bad_type.toml",
        "[[output_rules]]\napplies_to = \"numbr\"\ncheck = \"True\"\nmessage = \"x\"\n",
    );
    let e = Domains::load(std::slice::from_ref(&dir.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("output_rules[0].applies_to"), "{e}");

    let dir = TempDir::new();
    dir.write("caps.toml", "capabilities = [\"tim\"]\n");
    let e = Domains::load(std::slice::from_ref(&dir.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("did you mean 'time'"), "{e}");
}

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
