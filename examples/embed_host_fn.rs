//! Registering Rust functions that Dana code calls like builtins.
//!
//! Run with `cargo run --example embed_host_fn`.

use dana::Engine;
use std::collections::HashMap;

pub fn main() {
    let mut engine = Engine::new();

    // Any arity up to four; arguments and results convert through FromValue / IntoValue.
    engine.register_fn("clamp", |x: i64, lo: i64, hi: i64| x.clamp(lo, hi));
    engine.register_fn("word_counts", |text: String| {
        let mut counts: HashMap<String, i64> = HashMap::new();
        for w in text.split_whitespace() {
            *counts.entry(w.to_lowercase()).or_default() += 1;
        }
        counts
    });
    // A `Result` return: an `Err` is raised as a Dana RuntimeError, which Dana can catch.
    engine.register_fn("parse_port", |s: String| s.parse::<u16>().map(i64::from));

    let clamped: Vec<i64> = engine
        .eval("[clamp(x, 0, 10) for x in [-5, 5, 50]]")
        .unwrap();
    assert_eq!(clamped, [0, 5, 10]);
    println!("clamped: {clamped:?}");

    let the: i64 = engine
        .eval("word_counts('The cat saw the dog')['the']")
        .unwrap();
    assert_eq!(the, 2);
    println!("'the' appears {the} times");

    let port: String = engine
        .eval(
            "def port_or_default(s):\n    try:\n        return str(parse_port(s))\n    except RuntimeError as e:\n        return 'default (' + e.message + ')'\nport_or_default('http')",
        )
        .unwrap();
    assert!(port.starts_with("default ("));
    println!("port: {port}");

    // Wrong argument types are TypeErrors naming the function and the argument.
    let err = engine.eval::<i64>("clamp('a', 0, 1)").unwrap_err();
    assert!(err.to_string().contains("clamp() argument 1"));
    println!("error: {err}");
}
