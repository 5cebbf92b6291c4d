//! The harness shared by the offline enhancement, template and gate tests: the cases (one
//! function per kind of annotation), loading a program, running the gate and the stages.

use dana_grammar::ast::{self, StmtKind, Sym};
use dana_interpreter::check::{self, CheckOptions};
use dana_interpreter::eval::{Interp, Output};
use dana_interpreter::value::{repr::repr, Globals, Value};
use dana_interpreter::ExcKind;
use dana_poet::make::domains::Domains;
use dana_poet::make::gate::{validate, GateInput, GateReport, ProgramNames};
use dana_poet::make::shape::FunctionShape;
use std::rc::Rc;

pub const DOMAINS: &[&str] = &[
    "base",
    "ml_monitoring",
    "api",
    "financial_risk",
    "customer_service",
    "prompt_optimization",
];

/// A module defining the function under test, and calls that must behave alike.
pub struct Case {
    /// The whole original module.
    pub src: &'static str,
    /// The decorated function's name (found at any depth).
    pub func: &'static str,
    /// The global holding the undecorated function value (differs for closures).
    pub value: &'static str,
    /// Argument lists (Dana list displays) valid in every domain.
    pub valid: &'static [&'static str],
}

pub const CASES: &[Case] = &[
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
pub fn def_text(src: &str, name: &str) -> (String, usize) {
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

pub fn shape_of(src: &str, name: &str) -> FunctionShape {
    let (text, col) = def_text(src, name);
    FunctionShape::from_source(&text, col).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

pub struct Loaded {
    pub it: Interp,
    pub module: Rc<Globals>,
}

pub fn load(src: &str) -> Loaded {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    dana_stdlib::install(&mut it);
    let module = it.new_globals("__main__", None);
    it.run_source("original.na", src, &module)
        .unwrap_or_else(|e| panic!("{}: {}", e.kind, e.message));
    Loaded { it, module }
}

pub fn gate_options(l: &mut Loaded) -> CheckOptions {
    let info = check::module_info_from_globals(&l.module);
    CheckOptions {
        globals: info.members.into_iter().collect(),
        modules: check::stdlib_module_infos(&mut l.it, &dana_stdlib::module_names()),
        ..CheckOptions::default()
    }
}

pub fn gate(l: &mut Loaded, code: &str, shape: &FunctionShape, caps: &[&str]) -> GateReport {
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
pub fn install_code(l: &mut Loaded, code: &str, value: &str) -> Rc<Globals> {
    let g = Rc::new(Globals::child("code", None, l.module.clone()));
    if let Some(v) = l.module.get(Sym::intern(value)) {
        g.set(Sym::intern("_original"), v);
    }
    l.it.run_source("code.na", code, &g)
        .unwrap_or_else(|e| panic!("{}: {}\n{code}", e.kind, e.message));
    g
}

pub fn eval(l: &mut Loaded, expr: &str) -> Value {
    let module = l.module.clone();
    try_eval(l, &module, expr).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The value of a Dana expression evaluated in a scratch module that reads through to `g`.
pub fn try_eval(l: &mut Loaded, g: &Rc<Globals>, expr: &str) -> Result<Value, (ExcKind, String)> {
    let scratch = Rc::new(Globals::child("scratch", None, g.clone()));
    l.it.run_source("call.na", &format!("__v = {expr}\n"), &scratch)
        .map_err(|e| (e.kind, e.message.clone()))?;
    Ok(scratch.get(Sym::intern("__v")).expect("bound"))
}

pub fn call(
    l: &mut Loaded,
    g: &Globals,
    f: &str,
    args: &[Value],
) -> Result<Value, (ExcKind, String)> {
    let fv = g
        .get(Sym::intern(f))
        .unwrap_or_else(|| panic!("{f} is not defined"));
    l.it.call(&fv, args)
        .map_err(|e| (e.kind, e.message.clone()))
}

pub fn has(g: &Globals, f: &str) -> bool {
    g.get(Sym::intern(f)).is_some()
}

/// perceive → operate → enforce → train on the call arguments `args` (Dana text), as the
/// pipeline runs them.
pub fn run_stages(l: &mut Loaded, g: &Rc<Globals>, args: &str) -> Result<Value, (ExcKind, String)> {
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

pub fn domains() -> Domains {
    Domains::builtin()
}
