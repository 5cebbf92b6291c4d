//! Evaluating a Dana expression from Rust, with values passed in through a `Scope`.
//!
//! Run with `cargo run --example embed_eval`.

use dana::{Engine, Scope};

pub fn main() {
    let mut engine = Engine::new();

    // A bare expression: the value of the last line comes back, converted.
    let total: i64 = engine.eval("sum([n * n for n in range(5)])").unwrap();
    assert_eq!(total, 30);
    println!("sum of squares below 5 = {total}");

    // Host values go in as module globals; what the program defines comes back out.
    let mut scope = Scope::new();
    scope.set("prices", vec![3.5, 2.0, 10.25]);
    scope.set("discount", 0.1);
    let program = engine
        .compile("subtotal = sum(prices)\ntotal = round(subtotal * (1 - discount), 2)")
        .unwrap();
    engine.run_with_scope(&program, &mut scope).unwrap();
    let total: f64 = scope.get("total").unwrap();
    assert_eq!(total, 14.18);
    println!("total after discount = {total}");

    // Errors carry the Dana exception and the source, ready for a miette report.
    let err = engine.eval::<i64>("1 +").unwrap_err();
    assert_eq!(err.kind(), dana::engine::ErrorKind::Syntax);
    println!("syntax error: {err}");
}
