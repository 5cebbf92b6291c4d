//! The gate's containment audit (POET_SPEC §2): what a generated module may call, write and
//! define, judged against the program's names as they are bound when the gate runs. Each
//! refusal is a precise `code.na:L:C` diagnostic in the `capabilities` or `toplevel` check;
//! legitimate code next to it stays accepted.

use dana_interpreter::check::{self, CheckOptions};
use dana_interpreter::eval::{Interp, Output};
use dana_interpreter::value::Globals;
use dana_poet::make::gate::{validate, Binding, GateInput, GateReport, ProgramNames};
use dana_poet::make::shape::FunctionShape;
use std::path::PathBuf;
use std::rc::Rc;

/// The program: a module `auth` it imports, a std module, a struct, data, an alias of
/// `print`, a helper that prints (not called by the original) and one the original calls.
const PROGRAM: &str = r#"import json
import auth

struct Account:
    owner: str
    balance: float = 0.0

LIMITS = {"max_transfer": 1000.0, "names": ["a"]}
out = print
dumps = json.dumps

def _audit_log(msg: str) -> None:
    print(msg)

def double(x: float) -> float:
    return x * 2.0

def transfer(a: Account, amount: float, note: str = "") -> float:
    if amount > LIMITS["max_transfer"]:
        raise ValueError("too much")
    return double(amount)
"#;

const AUTH: &str = "def is_admin(user: str) -> bool:\n    return user == \"root\"\n";

const ORIGINAL: &str = r#"def transfer(a: Account, amount: float, note: str = "") -> float:
    if amount > LIMITS["max_transfer"]:
        raise ValueError("too much")
    return double(amount)
"#;

/// The operate header every case uses.
const OP: &str = "def operate(a: Account, amount: float, note: str = \"\") -> float:\n";

struct Program {
    it: Interp,
    module: Rc<Globals>,
    shape: FunctionShape,
}

fn program() -> Program {
    // One folder per program: tests run in parallel and each writes `auth.na`.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("dana-gate-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("auth.na"), AUTH).expect("write auth.na");
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    dana_stdlib::install(&mut it);
    it.search_path.push(dir.clone());
    let file = dir.join("bank.na").display().to_string();
    let module = it.new_globals("__main__", Some(file.as_str().into()));
    it.run_source(&file, PROGRAM, &module)
        .unwrap_or_else(|e| panic!("{}: {}", e.kind, e.message));
    let shape = FunctionShape::from_source(ORIGINAL, 0).unwrap_or_else(|e| panic!("{e}"));
    Program { it, module, shape }
}

fn options(p: &mut Program) -> CheckOptions {
    use dana_interpreter::check::Type;
    use dana_interpreter::value::Value;
    let info = check::module_info_from_globals(&p.module);
    let mut modules = check::stdlib_module_infos(&mut p.it, &dana_stdlib::module_names());
    let globals = info
        .members
        .into_iter()
        .map(
            |(name, ty)| match p.module.get(dana_grammar::ast::Sym::intern(&name)) {
                Some(Value::Module(m)) => {
                    modules.insert(m.name.clone(), check::module_info_from_globals(&m));
                    (name, Type::Module(dana_grammar::ast::Sym::intern(&m.name)))
                }
                _ => (name, ty),
            },
        )
        .collect();
    CheckOptions {
        globals,
        modules,
        ..CheckOptions::default()
    }
}

fn gate_caps(code: &str, caps: &[&str]) -> GateReport {
    let mut p = program();
    let caps: Vec<String> = caps.iter().map(|s| s.to_string()).collect();
    let options = options(&mut p);
    validate(&GateInput {
        code,
        shape: &p.shape,
        capabilities: &caps,
        options,
        program: ProgramNames::from_globals(&p.module),
    })
}

fn gate(code: &str) -> GateReport {
    gate_caps(code, &[])
}

fn failed(r: &GateReport) -> Vec<&str> {
    r.checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name.as_str())
        .collect()
}

/// The module is refused by exactly `check`, with a diagnostic that starts with `at` and
/// contains `text`.
#[track_caller]
fn refused(code: &str, check: &str, at: &str, text: &str) {
    let r = gate(code);
    assert_eq!(failed(&r), [check], "{}\n{code}", r.summary());
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.starts_with(&format!("code.na:{at}: error: ")) && d.contains(text)),
        "no diagnostic at {at} containing {text:?}: {:#?}\n{code}",
        r.diagnostics
    );
    assert!(
        r.diagnostics.iter().all(|d| d.contains("(help: ")),
        "{:#?}",
        r.diagnostics
    );
}

#[track_caller]
fn accepted(code: &str) {
    let r = gate(code);
    assert!(r.passed(), "{}\n{:#?}\n{code}", r.summary(), r.diagnostics);
}

fn op(body: &str) -> String {
    format!("{OP}{body}")
}

#[test]
fn the_program_names_are_described_by_what_they_are_bound_to() {
    let p = program();
    let names = ProgramNames::from_globals(&p.module);
    assert_eq!(names.get("out"), Some(&Binding::Builtin("print".into())));
    assert_eq!(
        names.get("dumps"),
        Some(&Binding::ModuleMember {
            module: "json".into(),
            member: "dumps".into()
        })
    );
    assert_eq!(names.get("double"), Some(&Binding::Function));
    assert_eq!(names.get("_audit_log"), Some(&Binding::Function));
    assert_eq!(names.get("auth"), Some(&Binding::Module("auth".into())));
    assert_eq!(names.get("LIMITS"), Some(&Binding::Data));
    match names.get("Account") {
        Some(Binding::Struct { fields, .. }) => {
            assert_eq!(fields, &["owner".to_string(), "balance".to_string()])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn legitimate_code_stays_accepted() {
    // Reads program data, calls what the original calls, builds the program's struct, mutates
    // its own copies and its arguments, calls its own helpers (also with uniform call syntax).
    accepted(&format!(
        "_SCALE = 2.0\n_NAMES = [\"a\", -1, (1.5, None), {{\"k\": True}}]\n\nstruct _Fee:\n    rate: float = 0.01\n\ndef (f: _Fee) _apply(x: float) -> float:\n    return x * f.rate\n\ndef _twice(x: float) -> float:\n    return x * _SCALE\n\n{}",
        op("    limits = dict(LIMITS)\n    limits[\"max_transfer\"] = 5.0\n    seen = []\n    seen.append(amount)\n    a.balance = a.balance\n    fee = _Fee()\n    log(note.upper())\n    if amount > LIMITS[\"max_transfer\"]:\n        raise ValueError(\"too much\")\n    c = Account(owner=\"x\")\n    return double(amount) + fee._apply(amount) * 0.0 + amount._twice() * 0.0\n")
    ));
    // Calling the decorated function itself (it runs the original).
    accepted(&op("    return transfer(a, amount, note)\n"));
}

#[test]
fn refuses_assigning_an_attribute_of_a_program_module() {
    refused(
        &format!("{OP}    auth.is_admin = _yes\n    return amount\n\ndef _yes(u: str) -> bool:\n    return True\n"),
        "capabilities",
        "2:5",
        "assigns the attribute 'is_admin' of 'auth', which belongs to the program",
    );
}

#[test]
fn refuses_assigning_an_attribute_of_a_program_module_at_the_top_level() {
    let r = gate(&format!(
        "auth.is_admin = 1\n\n{}",
        op("    return amount\n")
    ));
    assert_eq!(failed(&r), ["toplevel", "capabilities"], "{}", r.summary());
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.starts_with("code.na:1:1: error: ")
                && d.contains("assigns the attribute 'is_admin' of 'auth'")),
        "{:#?}",
        r.diagnostics
    );
}

#[test]
fn refuses_assigning_a_member_of_a_standard_module() {
    // The program imported json: its global `json` is the module.
    refused(
        &op("    json.dumps = str\n    return amount\n"),
        "capabilities",
        "2:5",
        "assigns the attribute 'dumps' of 'json', which belongs to the program",
    );
    // Imported by the module itself.
    refused(
        &format!("{OP}    import json\n    json.dumps = _fake\n    return amount\n\ndef _fake(x) -> str:\n    return \"\"\n"),
        "capabilities",
        "3:5",
        "attribute 'dumps' of 'json'",
    );
}

#[test]
fn refuses_writing_shared_scoped_names() {
    for (scope, col) in [("public", 5), ("private", 5), ("system", 5)] {
        refused(
            &op(&format!("    {scope}:flag = 1\n    return amount\n")),
            "capabilities",
            &format!("2:{col}"),
            &format!("'{scope}:flag' is shared program state"),
        );
    }
    // At the top level too, and through augmented assignment.
    refused(
        &format!("public:flag = 1\n\n{}", op("    return amount\n")),
        "capabilities",
        "1:1",
        "'public:flag' is shared program state",
    );
    refused(
        &op("    private:count += 1\n    return amount\n"),
        "capabilities",
        "2:5",
        "'private:count'",
    );
    // Changing what a shared name holds is writing it.
    refused(
        &op("    public:seen.append(amount)\n    return amount\n"),
        "capabilities",
        "2:17",
        "'.append()' changes 'public:seen', which belongs to the program",
    );
    refused(
        &op("    private:cfg[\"k\"] = 1\n    return amount\n"),
        "capabilities",
        "2:5",
        "assigns an item of 'private:cfg'",
    );
    // Reading them is fine; so is `local:`, the function's own scope.
    accepted(&op("    local:x = 1\n    return amount + x\n"));
}

#[test]
fn refuses_a_receiver_method_on_a_program_struct() {
    refused(
        &format!(
            "def (a: Account) _can_withdraw(x: float) -> bool:\n    return True\n\n{}",
            op("    return amount\n")
        ),
        "capabilities",
        "1:6",
        "'_can_withdraw' is a receiver method of 'Account', a type this module does not define",
    );
}

#[test]
fn refuses_a_struct_named_like_a_program_struct() {
    refused(
        &format!(
            "struct Account:\n    owner: str\n\n{}",
            op("    return amount\n")
        ),
        "capabilities",
        "1:8",
        "struct 'Account' has the name of a type of the program",
    );
}

#[test]
fn refuses_mutating_program_data_through_a_global() {
    refused(
        &op("    LIMITS[\"max_transfer\"] = 999999.0\n    return amount\n"),
        "capabilities",
        "2:5",
        "assigns an item of 'LIMITS', which belongs to the program",
    );
    refused(
        &op("    LIMITS[\"names\"].append(\"b\")\n    return amount\n"),
        "capabilities",
        "2:21",
        "'.append()' changes 'LIMITS', which belongs to the program",
    );
    refused(
        &op("    LIMITS.update({\"max_transfer\": 1.0})\n    return amount\n"),
        "capabilities",
        "2:12",
        "'.update()' changes 'LIMITS'",
    );
    refused(
        &op("    LIMITS[\"max_transfer\"] += 1.0\n    return amount\n"),
        "capabilities",
        "2:5",
        "assigns an item of 'LIMITS'",
    );
}

#[test]
fn refuses_mutating_program_data_through_a_local_alias() {
    refused(
        &op("    lim = LIMITS\n    lim[\"max_transfer\"] = 1.0\n    return amount\n"),
        "capabilities",
        "3:5",
        "assigns an item of 'lim', which belongs to the program",
    );
    refused(
        &op("    names = LIMITS.get(\"names\")\n    names.clear()\n    return amount\n"),
        "capabilities",
        "3:11",
        "'.clear()' changes 'names'",
    );
    refused(
        &op("    for xs in [LIMITS]:\n        pass\n    for n in LIMITS[\"names\"]:\n        pass\n    ys = LIMITS[\"names\"]\n    ys.sort()\n    return amount\n"),
        "capabilities",
        "7:8",
        "'.sort()' changes 'ys'",
    );
    refused(
        &op("    ys = LIMITS[\"names\"]\n    ys += [\"b\"]\n    return amount\n"),
        "capabilities",
        "3:5",
        "changes 'ys' in place, which belongs to the program",
    );
    // A number read from program data is a value of the module's own.
    accepted(&op(
        "    m = LIMITS[\"max_transfer\"]\n    m += 1.0\n    return amount + m\n",
    ));
    // A copy is the module's own.
    accepted(&op(
        "    ys = list(LIMITS[\"names\"])\n    ys.sort()\n    return amount\n",
    ));
}

#[test]
fn refuses_an_alias_of_a_forbidden_builtin() {
    refused(
        &op("    out(\"moving\", amount)\n    return amount\n"),
        "capabilities",
        "2:5",
        "'out' is the builtin 'print', which is not in the allowlist",
    );
    // Taking it as a value is refused too (it could be called later).
    refused(
        &op("    f = out\n    return amount\n"),
        "capabilities",
        "2:9",
        "'out' is the builtin 'print'",
    );
    // An alias of an allowed module member is allowed.
    accepted(&op("    log(dumps({\"a\": amount}))\n    return amount\n"));
}

#[test]
fn refuses_a_program_function_the_original_does_not_call() {
    refused(
        &op("    _audit_log(\"moving\")\n    return amount\n"),
        "capabilities",
        "2:5",
        "'_audit_log' is a program function that the original does not call",
    );
    // Through a pipeline stage or a uniform call too.
    refused(
        &op("    note._audit_log()\n    return amount\n"),
        "capabilities",
        "2:10",
        "'_audit_log' is a program function",
    );
    // A program module's function the original does not call.
    refused(
        &op("    if auth.is_admin(a.owner):\n        return 0.0\n    return amount\n"),
        "capabilities",
        "2:13",
        "'auth.is_admin' is not in the allowlist",
    );
}

#[test]
fn a_local_of_the_original_named_like_a_builtin_allows_nothing() {
    // The original binds `input` itself: that does not put the builtin in the allowlist.
    let src = "def f(x: int) -> int:\n    input = x + 1\n    return input\n";
    let shape = FunctionShape::from_source(src, 0).unwrap_or_else(|e| panic!("{e}"));
    let mut it = Interp::new();
    dana_stdlib::install(&mut it);
    let module = it.new_globals("__main__", None);
    it.run_source("f.na", src, &module)
        .unwrap_or_else(|e| panic!("{}: {}", e.kind, e.message));
    let info = check::module_info_from_globals(&module);
    let r = validate(&GateInput {
        code: "def operate(x: int) -> int:\n    input(\"?\")\n    return x + 1\n",
        shape: &shape,
        capabilities: &[],
        options: CheckOptions {
            globals: info.members.into_iter().collect(),
            ..CheckOptions::default()
        },
        program: ProgramNames::from_globals(&module),
    });
    assert_eq!(failed(&r), ["capabilities"], "{}", r.summary());
    assert!(r.summary().contains("'input'"), "{}", r.summary());
}

#[test]
fn refuses_uniform_call_syntax_reaching_a_forbidden_builtin() {
    refused(
        &op("    \"amount? \".input()\n    return amount\n"),
        "capabilities",
        "2:16",
        "'.input()' calls the builtin 'input'",
    );
    refused(
        &op("    x = note.reason()\n    return amount\n"),
        "capabilities",
        "2:14",
        "'.reason()' calls the builtin 'reason'",
    );
    // With the capability granted, `reason` is allowed, in either spelling.
    let r = gate_caps(
        &op("    x = note.reason()\n    return amount\n"),
        &["reason"],
    );
    assert!(r.passed(), "{}", r.summary());
}

#[test]
fn refuses_top_level_constants_that_run_code() {
    for (line, col, what) in [
        ("_ALL = [x * 2 for x in [1, 2]]", "1:1", "comprehension"),
        ("_N = len(\"abc\")", "1:1", "call"),
        ("_S = f\"{len('a')}\"", "1:1", "f-string with a call"),
        ("_F = double", "1:1", "a function's name"),
        ("_L = lambda :: 1", "1:1", "lambda"),
    ] {
        refused(
            &format!("{line}\n\n{}", op("    return amount\n")),
            "toplevel",
            col,
            "an assignment whose value is not a literal",
        );
        let _ = what;
    }
    // Literals of every kind are constants.
    accepted(&format!(
        "_A = -1\n_B = -2.5\n_C = \"s\"\n_D = None\n_E = (True, {{1, 2}}, {{\"k\": [1.0]}})\n_F = f\"plain\"\n\n{}",
        op("    return amount\n")
    ));
}

#[test]
fn refuses_a_struct_field_default_that_runs_code() {
    refused(
        &format!(
            "struct _Cfg:\n    n: int = len(\"abc\")\n\n{}",
            op("    return amount\n")
        ),
        "toplevel",
        "2:14",
        "the default of field 'n' is not a literal",
    );
}

#[test]
fn refuses_load_time_code_in_decorators_and_defaults() {
    refused(
        &format!(
            "@_deco\ndef _h(x: int) -> int:\n    return x\n\ndef _deco(f):\n    return f\n\n{}",
            op("    return amount\n")
        ),
        "toplevel",
        "1:1",
        "the decorator of '_h' would run code when the module loads",
    );
    refused(
        &format!(
            "def _h(x: int = len(\"ab\")) -> int:\n    return x\n\n{}",
            op("    return amount\n")
        ),
        "toplevel",
        "1:17",
        "the default of parameter 'x' would run code",
    );
}

#[test]
fn refuses_a_name_defined_twice() {
    refused(
        &format!("{}\n{}", op("    return amount\n"), op("    return 0.0\n")),
        "toplevel",
        "4:5",
        "'operate' is defined twice (lines 1 and 4)",
    );
    refused(
        &format!(
            "_h = 1\n\ndef _h(x: int) -> int:\n    return x\n\n{}",
            op("    return amount\n")
        ),
        "toplevel",
        "3:5",
        "'_h' is defined twice (lines 1 and 3)",
    );
}

#[test]
fn global_nonlocal_and_del_of_program_state_are_refused() {
    // They parse (they are statements of the language), but generated code keeps to its own
    // names: rebinding a module name or deleting from program data is a write to the program.
    for stmt in [
        "global LIMITS",
        "nonlocal x",
        "del LIMITS[\"max_transfer\"]",
    ] {
        let r = gate(&op(&format!("    {stmt}\n    return amount\n")));
        assert_eq!(failed(&r), ["capabilities"], "{stmt}: {}", r.summary());
    }
}

#[test]
fn an_original_that_writes_program_state_is_delegated_to() {
    // The offline version cannot copy such a body (the gate would refuse it): it calls the
    // original instead.
    for body in [
        "    n[\"k\"] += 1\n    return x\n",
        "    LOG.append(x)\n    return x\n",
        "    private:count = x\n    return x\n",
        "    cfg.limit = x\n    return x\n",
    ] {
        let src = format!("def f(x: int) -> int:\n{body}");
        let shape = FunctionShape::from_source(&src, 0).unwrap_or_else(|e| panic!("{e}"));
        assert!(shape.delegate, "{src}");
    }
    // Writes to its own locals and arguments keep the body.
    let src = "def f(x: list) -> int:\n    x.append(1)\n    y = {}\n    y[\"a\"] = 1\n    for v in x:\n        y[\"b\"] = v\n    return len(y)\n";
    let shape = FunctionShape::from_source(src, 0).unwrap_or_else(|e| panic!("{e}"));
    assert!(!shape.delegate);
}
