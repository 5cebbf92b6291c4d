//! Runs every ```dana snippet of README.md and compares its output with the ```text block
//! that follows it.

use std::process::Command;

fn snippets(readme: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = readme.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() != "```dana" {
            continue;
        }
        let mut code = String::new();
        for l in lines.by_ref() {
            if l.trim() == "```" {
                break;
            }
            code.push_str(l);
            code.push('\n');
        }
        let mut expected = String::new();
        if lines.peek().map(|l| l.trim()) == Some("```text") {
            lines.next();
            for l in lines.by_ref() {
                if l.trim() == "```" {
                    break;
                }
                expected.push_str(l);
                expected.push('\n');
            }
        }
        out.push((code, expected));
    }
    out
}

#[test]
fn readme_snippets_run_and_print_what_the_readme_says() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let cases = snippets(&readme);
    assert!(
        cases.len() >= 5,
        "expected the tour's snippets, found {}",
        cases.len()
    );
    let dir = std::env::temp_dir().join(format!("dana-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (i, (code, expected)) in cases.iter().enumerate() {
        let file = dir.join(format!("snippet{i}.na"));
        std::fs::write(&file, code).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_dana"))
            .arg("run")
            .arg(&file)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout != *expected || !out.status.success() {
            failures.push(format!(
                "snippet {i}:\n{code}\nexpected:\n{expected}\ngot:\n{stdout}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}
