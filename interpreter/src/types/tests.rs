//! Unit tests of the checker (the file-based cases are in tests/typecheck/).

use super::*;

fn diags(src: &str) -> Vec<Diagnostic> {
    check_source(src, &CheckOptions::default()).expect("parses")
}

#[test]
fn clean_program_has_no_diagnostics() {
    assert!(diags("x = 1\nprint(x + 2)\n").is_empty());
}
