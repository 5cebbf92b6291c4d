//! Runs every Rust embedding example (examples/embed_*.rs): each `main` asserts what it shows.

#[path = "../examples/embed_call_fn.rs"]
mod embed_call_fn;
#[path = "../examples/embed_eval.rs"]
mod embed_eval;
#[path = "../examples/embed_host_fn.rs"]
mod embed_host_fn;
#[path = "../examples/embed_host_type.rs"]
mod embed_host_type;
#[path = "../examples/embed_limits.rs"]
mod embed_limits;
#[path = "../examples/embed_poet.rs"]
mod embed_poet;

#[test]
fn embed_eval_runs() {
    embed_eval::main();
}

#[test]
fn embed_host_fn_runs() {
    embed_host_fn::main();
}

#[test]
fn embed_host_type_runs() {
    embed_host_type::main();
}

#[test]
fn embed_call_fn_runs() {
    embed_call_fn::main();
}

#[test]
fn embed_limits_runs() {
    embed_limits::main();
}

#[test]
fn embed_poet_runs() {
    embed_poet::main();
}

/// A new example must be added above, so that it is run.
#[test]
fn every_embed_example_is_listed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("embed_") && n.ends_with(".rs"))
        .collect();
    found.sort();
    let listed = include_str!("embed_examples.rs");
    for name in found {
        assert!(
            listed.contains(&format!("examples/{name}\"")),
            "{name} is not run by tests/embed_examples.rs"
        );
    }
}
