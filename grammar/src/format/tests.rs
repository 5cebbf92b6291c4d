//! Unit tests of the formatter's layout decisions.

use super::*;

fn fmt(src: &str) -> String {
    format_source(src, &FormatOptions::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

#[test]
fn spacing_smoke() {
    assert_eq!(fmt("x=1+2*3\n"), "x = 1 + 2 * 3\n");
}

#[test]
fn corpus_tmp() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    fn walk(d: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "na") {
                out.push(p);
            }
        }
    }
    for d in ["tests/conformance", "examples", "tests/typecheck"] {
        walk(&root.join(d), &mut files);
    }
    let mut bad = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        if crate::parse_module(&src).is_err() {
            continue;
        }
        match format_source(&src, &FormatOptions::default()) {
            Ok(a) => {
                let b = format_source(&a, &FormatOptions::default()).unwrap();
                if a != b {
                    bad += 1;
                    eprintln!("NOT IDEMPOTENT {}", f.display());
                }
            }
            Err(e) => {
                bad += 1;
                eprintln!("ERR {}: {e}", f.display());
            }
        }
    }
    assert_eq!(bad, 0);
}

#[test]
fn dump_tmp() {
    if let Ok(f) = std::env::var("FMT_FILE") {
        let src = std::fs::read_to_string(f).unwrap();
        let w = std::env::var("FMT_W").map_or(100, |w| w.parse().unwrap());
        match format_source(
            &src,
            &FormatOptions {
                width: w,
                indent: 4,
            },
        ) {
            Ok(t) => println!("{t}"),
            Err(e) => println!("ERROR {e}"),
        }
    }
}
