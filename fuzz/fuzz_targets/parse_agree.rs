//! The two parsers on arbitrary text, and nothing else.
//!
//! The pest grammar is the definition of the syntax; the fast parser must build the identical
//! AST (spans included) or decline. For the input as a module, as the body of a loop inside a
//! function (where `return`, `break` and `continue` are allowed) and as an expression: the fast
//! parser never accepts what pest rejects, never builds a different tree, and the public entry
//! points (fast parser, then pest when it declines) give exactly what pest alone gives, errors
//! included.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn module_agrees(src: &str) {
    let reference = dana_grammar::parse_module_reference(src);
    if let Some(fast) = dana_grammar::parse_module_fast(src) {
        match &reference {
            Ok(m) => assert!(*m == fast, "the parsers build different trees"),
            Err(e) => panic!("the fast parser accepts what pest rejects: {e:?}"),
        }
    }
    if src.len() <= dana_grammar::MAX_PEST_INPUT {
        assert_eq!(
            dana_grammar::parse_module(src),
            reference,
            "parse_module differs"
        );
    }
}

fn expr_agrees(src: &str) {
    let reference = dana_grammar::parse_expr_reference(src);
    if let Some(fast) = dana_grammar::parse_expr_fast(src) {
        match &reference {
            Ok(e) => assert!(*e == fast, "the expression parsers build different trees"),
            Err(e) => panic!("the fast expression parser accepts what pest rejects: {e:?}"),
        }
    }
    if src.len() <= dana_grammar::MAX_PEST_INPUT {
        assert_eq!(
            dana_grammar::parse_expr(src),
            reference,
            "parse_expr differs"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    module_agrees(src);
    let mut body = String::with_capacity(src.len() * 2 + 32);
    body.push_str("def f():\n    while x:\n");
    for line in src.split('\n') {
        body.push_str("        ");
        body.push_str(line);
        body.push('\n');
    }
    module_agrees(&body);
    expr_agrees(src);
});
