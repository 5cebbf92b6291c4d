//! Calling Dana functions from Rust, with a program compiled once and reused.
//!
//! Run with `cargo run --example embed_call_fn`.

use dana::Engine;

const RULES: &str = r#"
state = {"calls": 0}

def shipping(weight_kg: float, express: bool) -> float:
    state["calls"] += 1
    base = 4.0 + 1.5 * weight_kg
    return round(base * 2 if express else base, 2)

def call_count() -> int:
    return state["calls"]

def label(order: dict) -> str:
    id, items = order['order']
    return f"{id}: {len(items)} item(s)"
"#;

pub fn main() {
    let mut engine = Engine::new();
    // A Program is Send + Sync: compile once, run anywhere, as often as needed.
    let rules = engine.compile_named("rules.na", RULES).unwrap();

    let cost: f64 = engine.call_fn(&rules, "shipping", (2.0, false)).unwrap();
    assert_eq!(cost, 7.0);
    let express: f64 = engine.call_fn(&rules, "shipping", (2.0, true)).unwrap();
    assert_eq!(express, 14.0);
    println!("shipping: {cost} / express {express}");

    // Module state persists between calls on the same program.
    let calls: i64 = engine.call_fn(&rules, "call_count", ()).unwrap();
    assert_eq!(calls, 2);

    // Any serde value converts (here a map); so do HashMaps, Vecs, tuples and Options.
    let order = dana::engine::to_value(&order()).unwrap();
    let text: String = engine.call_fn(&rules, "label", (order,)).unwrap();
    assert_eq!(text, "A-17: 2 item(s)");
    println!("{text}");

    // A Dana exception comes back as an error with the Dana location.
    let err = engine
        .call_fn::<f64>(&rules, "shipping", ("heavy", false))
        .unwrap_err();
    println!("error: {err}");
    assert_eq!(err.exception().kind, dana::interpreter::ExcKind::TypeError);

    // The same program on another thread, with that thread's own engine.
    let shared = rules.clone();
    let from_thread = std::thread::spawn(move || {
        let mut engine = Engine::new();
        engine
            .call_fn::<f64>(&shared, "shipping", (1.0, false))
            .unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(from_thread, 5.5);
    println!("from another thread: {from_thread}");
}

fn order() -> std::collections::BTreeMap<&'static str, (&'static str, Vec<&'static str>)> {
    // `id` then `items`, as a tuple so the two fields can have different types.
    let mut m = std::collections::BTreeMap::new();
    m.insert("order", ("A-17", vec!["pen", "ink"]));
    m
}
