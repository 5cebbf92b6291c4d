//! POET's gate on generated modules: arbitrary text validated as the enhancement of a small
//! fixed function (with the standard modules' signatures and the original module's globals,
//! as the runtime passes them). Any verdict is fine; a panic is a bug, and a module that
//! passes must parse.
#![no_main]

use dana_interpreter::eval::Interp;
use dana_interpreter::check::{self, CheckOptions, Type};
use dana_poet::make::gate::{validate, GateInput, CHECK_NAMES};
use dana_poet::make::shape::FunctionShape;
use libfuzzer_sys::fuzz_target;

const ORIGINAL: &str = "\
def score(text: str, limit: int = 10) -> int:
    \"\"\"Counts the words of a text, at most `limit`.\"\"\"
    words = text.split()
    return min(len(words), limit)
";

struct Fixture {
    shape: FunctionShape,
    modules: Vec<(String, check::ModuleInfo)>,
}

fn fixture() -> Fixture {
    {
        let shape = FunctionShape::from_source(ORIGINAL, 0).expect("the original parses");
        let mut it = Interp::new();
        dana_stdlib::install(&mut it);
        let modules = check::stdlib_module_infos(&mut it, dana_stdlib::MODULES)
            .into_iter()
            .collect();
        Fixture { shape, modules }
    }
}

thread_local! {
    static FIXTURE: Fixture = fixture();
}

fuzz_target!(|data: &[u8]| {
    let Ok(code) = std::str::from_utf8(data) else {
        return;
    };
    FIXTURE.with(|f| check(f, data, code));
});

fn check(f: &Fixture, data: &[u8], code: &str) {
    let caps: Vec<String> = match data.first() {
        Some(b) if b % 3 == 0 => vec!["reason".into()],
        _ => Vec::new(),
    };
    let options = CheckOptions {
        globals: vec![("score".into(), Type::Any), ("LIMIT".into(), Type::Int)],
        modules: f.modules.iter().cloned().collect(),
        ..CheckOptions::default()
    };
    let report = validate(&GateInput {
        code,
        shape: &f.shape,
        capabilities: &caps,
        options,
    });
    if report.passed() {
        assert_eq!(report.checks.len(), CHECK_NAMES.len());
        assert!(
            dana_grammar::parse_module(code).is_ok(),
            "a passing module must parse"
        );
    }
    let _ = report.summary();
    let _ = report.to_json();
}
