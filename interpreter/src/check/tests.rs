//! Unit tests of the checker's pieces, of the host names and of the expectations API
//! (`expect.rs`); the file-based cases are in tests/typecheck/.

use super::suggest::suggest;
use super::ty::{Compat, TypeWorld};
use super::*;
use dana_grammar::ast::Sym;
use std::collections::HashSet;

/// Parses and checks a source text.
fn check_source(
    src: &str,
    opts: &CheckOptions,
) -> Result<Vec<Diagnostic>, dana_grammar::SyntaxError> {
    let m = dana_grammar::parse_module(src)?;
    Ok(check_module(&m, opts))
}

fn diags(src: &str) -> Vec<Diagnostic> {
    check_source(src, &CheckOptions::default()).expect("parses")
}

fn codes(ds: &[Diagnostic]) -> Vec<(&'static str, &'static str)> {
    ds.iter()
        .map(|d| (d.severity.as_str(), d.code.as_str()))
        .collect()
}

struct World;
impl TypeWorld for World {
    fn satisfies(&self, _: Sym, _: Sym) -> Option<bool> {
        None
    }
}

#[test]
fn clean_program_has_no_diagnostics() {
    assert!(diags("x = 1\nprint(x + 2)\n").is_empty());
}

#[test]
fn compatibility_is_gradual() {
    let w = World;
    assert_eq!(Type::Int.compat(&Type::Float, &w), Compat::Yes);
    assert_eq!(Type::Bool.compat(&Type::Int, &w), Compat::Yes);
    assert_eq!(Type::Float.compat(&Type::Int, &w), Compat::No);
    assert_eq!(Type::Any.compat(&Type::Int, &w), Compat::Yes);
    assert_eq!(Type::Str.compat(&Type::Any, &w), Compat::Yes);
    let opt_int = Type::union(vec![Type::Int, Type::None]);
    assert_eq!(opt_int.compat(&Type::Int, &w), Compat::Maybe);
    assert_eq!(Type::None.compat(&opt_int, &w), Compat::Yes);
    assert_eq!(opt_int.compat(&opt_int, &w), Compat::Yes);
    assert_eq!(
        Type::list(Type::Str).compat(&Type::list(Type::Int), &w),
        Compat::No
    );
    assert_eq!(
        Type::list(Type::Never).compat(&Type::list(Type::Int), &w),
        Compat::Yes
    );
    assert_eq!(
        Type::Opaque(Sym::intern("Match")).compat(&Type::Int, &w),
        Compat::Maybe
    );
}

#[test]
fn union_normalises() {
    assert_eq!(Type::union(vec![Type::Int, Type::Int]), Type::Int);
    assert_eq!(Type::union(vec![Type::Int, Type::Any]), Type::Any);
    assert_eq!(Type::union(vec![]), Type::Never);
    assert_eq!(
        Type::union(vec![Type::Int, Type::union(vec![Type::Str, Type::Int])]).to_string(),
        "int | str"
    );
    assert_eq!(Type::join(&Type::Never, &Type::Str), Type::Str);
}

#[test]
fn warnings_can_be_left_out() {
    let src = "def f(a, b):\n    c = 1\n    return a\n";
    assert_eq!(diags(src).len(), 2);
    let opts = CheckOptions {
        no_warnings: true,
        ..CheckOptions::default()
    };
    assert!(check_source(src, &opts).unwrap().is_empty());
}

#[test]
fn extra_globals_are_known() {
    let src = "def operate(x: int) -> int:\n    return helper(x)\n";
    let ds = check_source(src, &CheckOptions::default()).unwrap();
    assert_eq!(codes(&ds), vec![("error", "undefined-name")]);
    let opts = CheckOptions {
        globals: vec![("helper".into(), Type::Any)],
        ..CheckOptions::default()
    };
    assert!(check_source(src, &opts).unwrap().is_empty());
}

#[test]
fn imported_module_summary_is_used() {
    let lib = dana_grammar::parse_module(
        "def area(w: float, h: float) -> float:\n    return w * h\nUNIT = \"m\"\n",
    )
    .unwrap();
    let info = summarize_module(&lib, &CheckOptions::default());
    assert!(matches!(info.members.get("area"), Some(Type::Func(_))));
    assert_eq!(info.members.get("UNIT"), Some(&Type::Str));
    let mut opts = CheckOptions::default();
    opts.modules.insert("geo".into(), info);
    let ds = check_source("import geo\ngeo.area(1)\nx: int = geo.UNIT\n", &opts).unwrap();
    assert_eq!(codes(&ds), vec![("error", "arity")]);
}

#[test]
fn diagnostics_json_has_positions() {
    let src = "def f(a):\n    return a\nf(1, 2)\n";
    let ds = diags(src);
    let j = diagnostics_json("x.na", src, &ds);
    assert_eq!(j.len(), 1);
    assert_eq!(j[0]["line"], 3);
    assert_eq!(j[0]["column"], 6);
    assert_eq!(j[0]["code"], "arity");
    assert_eq!(j[0]["severity"], "error");
}

#[test]
fn suggestions_allow_transpositions() {
    assert_eq!(suggest("emial", ["email", "name"]), Some("email"));
    assert_eq!(suggest("x", ["yy", "zz"]), None);
}

// ---- host names ----

fn with_host(src: &str, host: HostNames) -> Vec<Diagnostic> {
    let opts = CheckOptions {
        host,
        ..CheckOptions::default()
    };
    check_source(src, &opts).expect("parses")
}

#[test]
fn host_functions_are_known_only_when_the_host_lists_them() {
    let src = "x = ask(\"q\")\nprint(x)\n";
    assert_eq!(codes(&diags(src)), vec![("error", "undefined-name")]);
    assert!(with_host(src, HostNames::functions(&["ask"])).is_empty());
    // A host function counts as a builtin: the module may shadow it.
    let shadowed = "def ask(q: str) -> int:\n    return 1\nx: list = ask(\"q\")\n";
    let ds = with_host(shadowed, HostNames::functions(&["ask"]));
    assert_eq!(codes(&ds), vec![("error", "assignment-type")], "{ds:#?}");
    // A builtin wins over a host name of the same name.
    let ds = with_host("x: list = len([1])\n", HostNames::functions(&["len"]));
    assert_eq!(codes(&ds), vec![("error", "assignment-type")], "{ds:#?}");
}

#[test]
fn a_host_decorator_keeps_the_signature() {
    let src = "@wrap\ndef f(x: int) -> int:\n    return x\ny: list = f(1)\n";
    // Another decorator may return anything: the call is `any`.
    let plain = HostNames::functions(&["wrap"]);
    assert!(!has_errors(&with_host(src, plain)));
    let keeping = HostNames::default().with_decorator("wrap");
    assert_eq!(
        codes(&with_host(src, keeping)),
        vec![("error", "assignment-type")]
    );
}

// ---- expectations (expect.rs) ----

const ORIGINAL: &str =
    "def detect(current: list[float], threshold: float = 0.5) -> dict:\n    return {}\n";

fn original_sig() -> FnSig {
    let m = dana_grammar::parse_module(ORIGINAL).unwrap();
    match &m.body[0].kind {
        dana_grammar::ast::StmtKind::FunctionDef(f) => FnSig::from_def(f).renamed("operate"),
        _ => unreachable!("the original is a def"),
    }
}

fn expectations() -> Expectations {
    Expectations {
        required: vec![original_sig()],
        optional: vec![
            FnSig::parse("perceive(current: list[float], threshold: float) -> dict").unwrap(),
            FnSig::parse("enforce(result: dict, current: list[float], threshold: float) -> dict")
                .unwrap(),
        ],
        allowed_toplevel: AllowedToplevel::definitions(),
        callable_allowlist: Some(
            ["len", "sum", "min", "max", "abs", "math.*", "ValueError"]
                .into_iter()
                .map(String::from)
                .collect::<HashSet<_>>(),
        ),
        options: CheckOptions {
            host: HostNames::functions(&["reason"]),
            ..CheckOptions::default()
        },
    }
}

fn gate(src: &str) -> Vec<Diagnostic> {
    let m = dana_grammar::parse_module(src).expect("parses");
    check_against(&m, &expectations())
}

#[test]
fn expect_accepts_a_good_module() {
    let src = "\
LIMIT = 3

def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if len(xs) > 0 else 0.0

def operate(current: list[float], threshold: float = 0.5) -> dict:
    m = _mean(current)
    return {\"drift_detected\": m > threshold, \"score\": min(1.0, abs(m))}

def enforce(result: dict, current: list[float], threshold: float) -> dict:
    if len(current) > LIMIT and \"score\" not in result:
        raise ValueError(\"no score\")
    return result
";
    let ds = gate(src);
    assert!(!has_errors(&ds), "{ds:#?}");
    assert_eq!(
        original_sig().to_string(),
        "operate(current: list[float], threshold: float = 0.5) -> dict"
    );
}

#[test]
fn expect_requires_operate() {
    let ds = gate("def _helper(x):\n    return x\n");
    assert_eq!(codes(&ds), vec![("error", "missing-function")]);
    assert!(ds[0]
        .message
        .contains("operate(current: list[float], threshold: float = 0.5) -> dict"));
}

#[test]
fn expect_reports_signature_differences() {
    let ds =
        gate("def operate(current: list[int], threshold: float = 0.7) -> list:\n    return []\n");
    assert_eq!(codes(&ds), vec![("error", "signature-mismatch")]);
    let m = &ds[0].message;
    assert!(
        m.contains("parameter 'current' is 'list[int]' instead of 'list[float]'"),
        "{m}"
    );
    assert!(m.contains("defaults to 0.7 instead of 0.5"), "{m}");
    assert!(m.contains("returns 'list' instead of 'dict'"), "{m}");
    let ds = gate("def operate(current: list[float]) -> dict:\n    return {}\n");
    assert!(
        ds[0].message.contains("takes 1 parameter instead of 2"),
        "{}",
        ds[0].message
    );
    // An optional stage, when present, is checked too.
    let ds = gate(
        "def operate(current: list[float], threshold: float = 0.5) -> dict:\n    return {}\ndef perceive(current, threshold: float) -> dict:\n    return {}\n",
    );
    assert_eq!(codes(&ds), vec![("error", "signature-mismatch")]);
    assert!(ds[0]
        .message
        .contains("'current' must be annotated 'list[float]'"));
}

#[test]
fn expect_refuses_top_level_code_and_unprefixed_helpers() {
    let ds = gate(
        "import math\nprint(\"hi\")\nx = len([1])\ndef helper():\n    return 1\ndef operate(current: list[float], threshold: float = 0.5) -> dict:\n    return {}\n",
    );
    let got = codes(&ds);
    assert_eq!(
        got.iter().filter(|c| c.1 == "forbidden-statement").count(),
        4,
        "{ds:#?}"
    );
    assert!(ds
        .iter()
        .any(|d| d.message.contains("unexpected function 'helper'")));
    // print is not in the allowlist either.
    assert!(ds
        .iter()
        .any(|d| d.code == Code::ForbiddenCall && d.message.contains("'print'")));
}

#[test]
fn expect_allowlist_covers_builtins_host_names_and_modules() {
    let ds = gate(
        "def operate(current: list[float], threshold: float = 0.5) -> dict:\n    f = open\n    return {\"n\": sorted(current), \"r\": reason(\"x\")}\n",
    );
    let forbidden: Vec<&str> = ds
        .iter()
        .filter(|d| d.code == Code::ForbiddenCall)
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        forbidden.iter().any(|m| m.contains("'sorted'")),
        "{forbidden:?}"
    );
    assert!(
        forbidden.iter().any(|m| m.contains("'reason'")),
        "{forbidden:?}"
    );
    // `open` is no builtin: an undefined name, an error in generated code.
    assert!(ds
        .iter()
        .any(|d| d.code == Code::UndefinedName && d.is_error()));
}

#[test]
fn expect_names_the_original_globals() {
    let mut exp = expectations();
    exp.callable_allowlist = None;
    exp.options.globals = vec![("_shared_helper".into(), Type::Any)];
    let m = dana_grammar::parse_module(
        "def operate(current: list[float], threshold: float = 0.5) -> dict:\n    return _shared_helper(current)\n",
    )
    .unwrap();
    assert!(!has_errors(&check_against(&m, &exp)));
}

#[test]
fn expect_type_errors_are_reported() {
    let ds = gate(
        "def operate(current: list[float], threshold: float = 0.5) -> dict:\n    return len(current)\n",
    );
    assert_eq!(
        codes(&ds),
        vec![("warning", "unused-parameter"), ("error", "return-type")]
    );
}

#[test]
fn expect_constants_are_literal_assignments_to_names() {
    let class = |src: &str| {
        let m = dana_grammar::parse_module(src).expect("parses");
        StmtClass::of(&m.body[0])
    };
    for src in [
        "X = -1",
        "X = -2.5",
        "X, Y = 1, \"a\"",
        "X = (True, [2.5, None], {\"k\": {1, 2}})",
        "X = f\"plain\"",
        "X: int = 3",
        "public:x = 1",
    ] {
        assert_eq!(class(src), StmtClass::Constant, "{src}");
    }
    for src in [
        "X = [x for x in [1]]",
        "X = len([1])",
        "X = f\"{len('a')}\"",
        "X = Y",
        "X = lambda :: 1",
        "X = -Y",
        "X = {\"k\": Y}",
    ] {
        assert_eq!(class(src), StmtClass::Assignment, "{src}");
    }
    assert_eq!(class("m.x = 1"), StmtClass::Store);
    assert_eq!(class("d[\"k\"] = 1"), StmtClass::Store);
    assert!(!AllowedToplevel::definitions()
        .kinds
        .contains(&StmtClass::Store));
    assert!(AllowedToplevel::any().kinds.contains(&StmtClass::Store));
}

#[test]
fn global_nonlocal_walrus_and_del_bind_names() {
    // A function's `global` creates a module name; `nonlocal` reads the enclosing one; a
    // comprehension's `:=` binds in the function; `del` of a bound name is fine.
    let src = "def setup():\n    global config\n    config = 1\nsetup()\nprint(config)\n\
               def make():\n    count = 0\n    def step():\n        nonlocal count\n        count += 1\n        return count\n    return step\n\
               def scan(xs):\n    kept = [y for x in xs if (y := x + 1) > 1]\n    return kept, y\n\
               if (n := len([1])) > 0:\n    print(n)\n\
               z = 1\ndel z\n\
               shift = lambda (p: int) d :: p + d\nprint(shift(1, 2))\n";
    let ds = diags(src);
    assert!(ds.is_empty(), "{:?}", codes(&ds));
    // Without the `global`, the module's read of `config` is undefined.
    let ds = diags("def setup():\n    config = 1\n    return config\nsetup()\nprint(config)\n");
    assert_eq!(codes(&ds), [("error", "undefined-name")]);
}

#[test]
fn analyse_records_the_type_at_each_span() {
    let src = "def f(n: int) -> str:\n    words = str(n).split(\",\")\n    return words[0]\n";
    let m = dana_grammar::parse_module(src).expect("parses");
    let a = analyse(&m, &CheckOptions::default());
    let at = |needle: &str| {
        let start = src.find(needle).expect("in source");
        let span = dana_grammar::ast::Span::new(start, start + needle.len());
        a.types
            .iter()
            .rev()
            .find(|(s, _)| *s == span)
            .map(|(_, t)| t.to_string())
    };
    // The parameter, the assignment target, a read and a call.
    assert_eq!(at("n").as_deref(), Some("int"));
    assert_eq!(at("words").as_deref(), Some("list[str]"));
    assert_eq!(at("words[0]").as_deref(), Some("str"));
    assert_eq!(at("str(n).split(\",\")").as_deref(), Some("list[str]"));
    // Same diagnostics as check_module, and check_module records nothing.
    assert_eq!(a.diagnostics, check_module(&m, &CheckOptions::default()));
    assert!(a.summary.members.contains_key("f"));
}
