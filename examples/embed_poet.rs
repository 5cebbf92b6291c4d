//! POET from a host: a `@poet` function in an embedded engine, its stored version, and
//! feedback on its latest execution sent from Rust.
//!
//! Run with `cargo run --example embed_poet`.

use dana::{Engine, Scope};

pub fn main() {
    // Keep this example's versions and events in a scratch directory.
    let store = std::env::temp_dir().join(format!("dana-embed-poet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store);
    let mut engine = Engine::builder().poet_dir(&store).capture_output().build();

    let program = engine
        .compile(
            "@poet(domain=\"ml_monitoring\")\n\
             def drift_score(current: list[float], reference: list[float]) -> float:\n\
             \x20   return abs(sum(current) / len(current) - sum(reference) / len(reference))\n",
        )
        .unwrap();
    let mut scope = Scope::new();
    engine.run_with_scope(&program, &mut scope).unwrap();

    // Call the enhanced function from Rust: it answers like the original.
    let score: f64 = engine
        .call_fn_in(
            &scope,
            "drift_score",
            (vec![1.0, 2.0, 3.0], vec![1.0, 1.0, 1.0]),
        )
        .unwrap();
    assert!((score - 1.0).abs() < 1e-12);
    println!("drift_score = {score}");

    // Its perceive stage refuses an empty sample (the ml_monitoring domain's rule). The
    // original would divide by zero, so the fallback cannot answer either: the caller gets
    // perceive's ValueError, which names the argument.
    let err = engine
        .call_fn_in::<f64>(&scope, "drift_score", (Vec::<f64>::new(), vec![1.0]))
        .unwrap_err();
    assert!(err.to_string().contains("current"), "{err}");
    println!("empty sample: {err}");

    // Feedback on the latest execution, from Rust: a `function.feedback` event linked to it.
    let poet = engine.poet().expect("POET is installed by default");
    let id = poet
        .feedback("drift_score", Some(4), "looks right", false)
        .unwrap();
    println!("feedback event {id}");
    poet.flush();

    // The version and the events are on disk.
    let code = std::fs::read_to_string(store.join("drift_score/v1/code.na")).unwrap();
    assert!(code.contains("def operate(current: list[float], reference: list[float]) -> float:"));
    let events: usize = std::fs::read_dir(store.join("events/pending"))
        .unwrap()
        .flatten()
        .map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap_or_default()
                .lines()
                .count()
        })
        .sum();
    assert!(
        events >= 3,
        "two executions and one feedback, got {events} events"
    );
    println!("{events} events in {}", store.join("events").display());
    let _ = std::fs::remove_dir_all(&store);
}
