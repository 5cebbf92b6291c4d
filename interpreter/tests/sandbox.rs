//! Contained modules (`dana_interpreter::sandbox`): what generated code may and may not do to
//! the program that runs it, and the trial's snapshot of program state.

use dana_grammar::ast::Sym;
use dana_interpreter::eval::{Interp, Output};
use dana_interpreter::sandbox::Policy;
use dana_interpreter::snapshot::Snapshot;
use dana_interpreter::value::Function;
use dana_interpreter::value::{repr::repr, Globals, NativeFn, Value};
use dana_interpreter::ExcKind;
use std::collections::HashSet;
use std::rc::Rc;

/// Allows the natives and functions bound to the given names in the program module (and
/// every builtin but `print`).
struct Allow {
    natives: HashSet<usize>,
    functions: HashSet<usize>,
}

impl Policy for Allow {
    fn may_call_native(&self, f: &NativeFn) -> Result<(), String> {
        if self.natives.contains(&(f as *const NativeFn as usize)) {
            Ok(())
        } else {
            Err("not allowed".into())
        }
    }
    fn may_call_function(&self, f: &Function) -> Result<(), String> {
        if self.functions.contains(&(f as *const Function as usize)) {
            Ok(())
        } else {
            Err("not called by the original".into())
        }
    }
}

struct World {
    it: Interp,
    program: Rc<Globals>,
}

const PROGRAM: &str = r#"
LIMITS = {"max_transfer": 100}
LOG = []
struct Account:
    owner: str
    balance: float = 0.0
ACCT = Account(owner="ann")
out = print
def helper(x):
    LOG.append(x)
    return x * 2
def secret():
    return "s3cret"
def fresh():
    return [1, 2]
"#;

fn world() -> World {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    let program = it.new_globals("program", None);
    it.run_source("program.na", PROGRAM, &program).unwrap();
    World { it, program }
}

impl World {
    fn contained(&mut self, allowed_functions: &[&str]) -> Rc<Globals> {
        let mut natives = HashSet::new();
        for (name, v) in self.it.builtins() {
            if let Value::Native(f) = v {
                if name.as_str() != "print" {
                    natives.insert(Rc::as_ptr(f) as usize);
                }
            }
        }
        let mut functions = HashSet::new();
        for n in allowed_functions {
            if let Some(Value::Func(f)) = self.program.get(Sym::intern(n)) {
                functions.insert(Rc::as_ptr(&f) as usize);
            }
        }
        Rc::new(Globals::contained(
            "candidate",
            None,
            self.program.clone(),
            Rc::new(Allow { natives, functions }),
        ))
    }

    /// Loads `code` as a contained module and calls its `operate` with `args`.
    fn run(&mut self, allowed: &[&str], code: &str, args: Vec<Value>) -> Result<Value, String> {
        let m = self.contained(allowed);
        self.it
            .run_source("code.na", code, &m)
            .map_err(|e| format!("{}: {}", e.kind.name(), e.message))?;
        let op = m.get(Sym::intern("operate")).expect("operate");
        self.it
            .call_value(&op, args, &[])
            .map_err(|e| format!("{}: {}", e.kind.name(), e.message))
    }

    fn eval(&mut self, expr: &str) -> String {
        let g = self.program.clone();
        self.it
            .run_source("check.na", &format!("__probe = {expr}"), &g)
            .unwrap();
        repr(&g.get(Sym::intern("__probe")).unwrap())
    }
}

fn refused(r: Result<Value, String>, what: &str) {
    match r {
        Err(e) => assert!(
            e.starts_with("PermissionError") && e.contains(what),
            "expected a PermissionError about {what:?}, got {e}"
        ),
        Ok(v) => panic!("expected a refusal about {what:?}, got {}", repr(&v)),
    }
}

#[test]
fn program_data_cannot_be_modified_through_globals() {
    let mut w = world();
    for code in [
        "def operate():\n    LIMITS[\"max_transfer\"] = 999999\n",
        "def operate():\n    LIMITS.update({\"max_transfer\": 1})\n",
        "def operate():\n    LIMITS.clear()\n",
        "def operate():\n    LOG.append(1)\n",
        "def operate():\n    x = LOG\n    x += [1]\n",
        "def operate():\n    LOG[0:0] = [1]\n",
        "def operate():\n    ACCT.balance = 1e9\n",
        "def operate():\n    box = [LIMITS]\n    box[0][\"max_transfer\"] = 5\n",
        "def operate():\n    LIMITS.max_transfer = 5\n",
    ] {
        refused(w.run(&[], code, vec![]), "belongs to the program");
    }
    assert_eq!(w.eval("LIMITS"), "{'max_transfer': 100}");
    assert_eq!(w.eval("LOG"), "[]");
    assert_eq!(w.eval("ACCT.balance"), "0.0");
}

#[test]
fn own_values_and_the_callers_arguments_can_be_modified() {
    let mut w = world();
    let code = "def operate(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    d = {}\n    d[\"n\"] = len(out)\n    s = set()\n    s.add(1)\n    a = Account(owner=\"bob\")\n    a.balance = 5.0\n    xs.append(99)\n    rows = [[0] * 2 for _ in range(2)]\n    rows[1][0] = 7\n    return [out, d, a.balance, rows]\n";
    let arg = Value::list(vec![Value::Int(1), Value::Int(2)]);
    let r = w.run(&[], code, vec![arg.clone()]).unwrap();
    assert_eq!(repr(&r), "[[2, 4], {'n': 2}, 5.0, [[0, 0], [7, 0]]]");
    // The caller's list was the caller's to hand over.
    assert_eq!(repr(&arg), "[1, 2, 99]");
}

#[test]
fn calls_are_limited_to_the_policy() {
    let mut w = world();
    refused(
        w.run(&[], "def operate():\n    print(\"x\")\n", vec![]),
        "print",
    );
    // An alias is the same native.
    refused(
        w.run(&[], "def operate():\n    out(\"x\")\n", vec![]),
        "print",
    );
    // Through data.
    refused(
        w.run(
            &[],
            "def operate():\n    fs = [print]\n    fs[0](\"x\")\n",
            vec![],
        ),
        "print",
    );
    // Uniform call syntax reaches the same native.
    refused(
        w.run(&[], "def operate():\n    \"x\".print()\n", vec![]),
        "print",
    );
    refused(
        w.run(&[], "def operate():\n    return secret()\n", vec![]),
        "secret",
    );
    assert_eq!(w.it.take_output(), "", "nothing was printed");
    // An allowed program function runs uncontained: it may change program data.
    let r = w.run(
        &["helper"],
        "def operate():\n    return helper(21)\n",
        vec![],
    );
    assert_eq!(repr(&r.unwrap()), "42");
    assert_eq!(w.eval("LOG"), "[21]");
    // A value a program function built is the program's.
    refused(
        w.run(
            &["fresh"],
            "def operate():\n    xs = fresh()\n    xs.append(3)\n",
            vec![],
        ),
        "belongs to the program",
    );
    // A callable the caller passes is the caller's to call.
    let secret = w.program.get(Sym::intern("secret")).unwrap();
    let r = w.run(&[], "def operate(f):\n    return f()\n", vec![secret]);
    assert_eq!(repr(&r.unwrap()), "'s3cret'");
}

#[test]
fn scoped_names_receivers_and_module_attributes_are_refused() {
    let mut w = world();
    for (code, what) in [
        ("public:flag = 1\n", "public:flag"),
        ("def operate():\n    private:x = 1\n", "private:x"),
        ("def operate():\n    system:x = 1\n", "system:x"),
        (
            "def (a: Account) _can_withdraw(n: float) -> bool:\n    return True\n",
            "Account",
        ),
    ] {
        let r = w.run(
            &[],
            &format!("{code}\ndef operate():\n    return 1\n"),
            vec![],
        );
        let r = match r {
            Ok(_) if code.starts_with("def operate") => {
                let m = w.contained(&[]);
                w.it.run_source("code.na", code, &m).unwrap();
                let op = m.get(Sym::intern("operate")).unwrap();
                w.it.call_value(&op, vec![], &[])
                    .map_err(|e| format!("{}: {}", e.kind.name(), e.message))
            }
            other => other,
        };
        refused(r, what);
    }
    assert!(w.it.public("flag").is_none());
    // The program's type did not get the method.
    let g = w.program.clone();
    let e =
        w.it.run_source("probe.na", "ACCT._can_withdraw(1.0)\n", &g)
            .unwrap_err();
    assert_eq!(e.kind, ExcKind::AttributeError, "{}", e.message);
}

#[test]
fn a_contained_module_defines_its_own_structs_and_methods() {
    let mut w = world();
    let code = "struct _Box:\n    v: int = 0\ndef (b: _Box) _twice() -> int:\n    return b.v * 2\ndef operate(n: int) -> int:\n    b = _Box(v=n)\n    b.v = b.v + 1\n    return b._twice()\n";
    let r = w.run(&[], code, vec![Value::Int(4)]).unwrap();
    assert_eq!(repr(&r), "10");
}

#[test]
fn modules_are_read_only_from_outside_for_all_code() {
    let dir = std::env::temp_dir().join(format!("dana-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("auth.na"), "def is_admin(u):\n    return False\n").unwrap();
    let main = dir.join("main.na");
    let mut it = Interp::new();
    let g = it.new_globals("main", Some(main.to_str().unwrap().into()));
    let e = it
        .run_source(
            main.to_str().unwrap(),
            "import auth\ndef _yes(u):\n    return True\nauth.is_admin = _yes\n",
            &g,
        )
        .unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(e.kind, ExcKind::TypeError, "{}", e.message);
    assert!(e.message.contains("read-only"), "{}", e.message);
}

#[test]
fn a_snapshot_puts_program_state_back() {
    let mut w = world();
    let snap = Snapshot::take(&w.it, &[w.program.clone()]);
    let g = w.program.clone();
    w.it
        .run_source(
            "mess.na",
            "LIMITS[\"max_transfer\"] = 1\nLOG.append(LIMITS)\nACCT.balance = 9.0\nout = 3\npublic:x = 1\nNEW = 5\n",
            &g,
        )
        .unwrap();
    assert_eq!(w.eval("LOG"), "[{'max_transfer': 1}]");
    snap.restore(&mut w.it);
    assert_eq!(w.eval("LIMITS"), "{'max_transfer': 100}");
    assert_eq!(w.eval("LOG"), "[]");
    assert_eq!(w.eval("ACCT.balance"), "0.0");
    assert_eq!(w.eval("out"), "<built-in function print>");
    assert!(w.it.public("x").is_none());
    assert!(g.get(Sym::intern("NEW")).is_none());
    // Usable again.
    w.it.run_source("mess.na", "LOG.append(1)\n", &g).unwrap();
    snap.restore(&mut w.it);
    assert_eq!(w.eval("LOG"), "[]");
}

#[test]
fn captured_effects_do_not_reach_the_outside() {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    let g = it.new_globals("main", None);
    let saved = it.capture_effects();
    assert!(it.effects_captured());
    it.run_source("m.na", "print(\"hi\")\nlog(\"careful\", \"error\")\n", &g)
        .unwrap();
    let (out, err) = it.release_effects(saved);
    assert_eq!(out, "hi\n");
    assert!(err.contains("careful"), "{err}");
    assert!(!it.effects_captured());
    assert_eq!(
        it.take_output(),
        "",
        "the program's own output is untouched"
    );
}
