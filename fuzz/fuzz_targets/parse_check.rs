//! Parser and type checker on arbitrary text.
//!
//! Whatever the input: no panic; the fast parser and the pest path agree (when both accept,
//! the same tree, spans included; the fast parser never accepts what pest rejects); a syntax
//! error renders; an accepted module goes through the type checker and its diagnostics
//! render.
#![no_main]

use dana::diagnostics::{render, render_diagnostic, syntax_report};
use dana_interpreter::source::Snippet;
use dana_interpreter::check::{check_module, CheckOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let reference = dana_grammar::parse_module_reference(src);
    if let Some(fast) = dana_grammar::parse_module_fast(src) {
        match &reference {
            Ok(m) => assert!(*m == fast, "the parsers build different trees"),
            Err(e) => panic!("the fast parser accepts what pest rejects: {e:?}"),
        }
    }
    match dana_grammar::parse_module(src) {
        Ok(m) => {
            assert!(reference.is_ok(), "parse_module accepts what pest rejects");
            let opts = CheckOptions::default();
            let snippet = Snippet::new("fuzz.na", src);
            for d in check_module(&m, &opts).iter().take(8) {
                let _ = render_diagnostic(&d.with_source(&snippet), false);
            }
        }
        Err(e) => {
            assert_eq!(
                Err(&e),
                reference.as_ref(),
                "the two paths report different errors"
            );
            let _ = render(&syntax_report(&e, "fuzz.na", src), false);
        }
    }
    // The expression entry point on the first line.
    let line = src.lines().next().unwrap_or("");
    let expr_ref = dana_grammar::parse_expr_reference(line);
    if let Some(fast) = dana_grammar::parse_expr_fast(line) {
        match &expr_ref {
            Ok(e) => assert!(*e == fast, "the expression parsers build different trees"),
            Err(e) => panic!("the fast expression parser accepts what pest rejects: {e:?}"),
        }
    }
});
