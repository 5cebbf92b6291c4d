//! Every program in examples/ runs and prints exactly its `.out` file.

use std::path::Path;
use std::process::Command;

#[test]
fn examples_print_their_expected_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut ran = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.extension().and_then(|e| e.to_str()) != Some("na") {
            continue;
        }
        let expected_path = path.with_extension("out");
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} has no .out file", path.display()));
        let args_path = path.with_extension("args");
        let args: Vec<String> = std::fs::read_to_string(&args_path)
            .map(|s| s.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        // Each example starts with an empty POET store, outside the source tree.
        let poet_dir = std::env::temp_dir().join(format!(
            "dana-example-poet-{}-{}",
            std::process::id(),
            path.file_stem().unwrap().to_string_lossy()
        ));
        let _ = std::fs::remove_dir_all(&poet_dir);
        let out = Command::new(env!("CARGO_BIN_EXE_dana"))
            .arg("run")
            .arg(&path)
            .args(&args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env("DANA_POET_DIR", &poet_dir)
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&poet_dir);
        ran += 1;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout != expected || !out.status.success() {
            failures.push(format!(
                "{}: exit {:?}\nexpected:\n{expected}\ngot:\n{stdout}\nstderr:\n{}",
                path.display(),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(ran >= 3, "expected at least 3 examples, ran {ran}");
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}
