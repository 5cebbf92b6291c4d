//! No input makes the interpreter panic or overflow the native stack: every conformance
//! program, mutated at random (lines dropped, duplicated, swapped, characters changed), is
//! parsed and run under an operation budget and a call-depth limit.

use dana_interpreter::eval::{Interp, Output};
use std::path::{Path, PathBuf};

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            cases(&p, out);
        } else if p.extension().is_some_and(|e| e == "na") {
            out.push(p);
        }
    }
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "::",
    "=",
    "==",
    "+",
    "**",
    "-",
    "*",
    "/",
    "//",
    "%",
    "|",
    "$$",
    "lambda",
    "def",
    "if",
    "else",
    "for",
    "in",
    "return",
    "None",
    "\"",
    "'",
    "f\"{",
    "}",
    "\n",
    "    ",
    "\t",
    ",",
    ".",
    "@poet",
    "struct",
    "try:",
    "except",
    "raise",
    "0",
    "1e999",
    "9999999999999999999999",
    "-",
    "not",
    "and",
    "or",
    "private:",
    "#",
    "\\",
    "\u{e9}",
    "\r\n",
];

fn mutate(src: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = src.lines().map(String::from).collect();
    for _ in 0..1 + rng.below(4) {
        if lines.is_empty() {
            break;
        }
        let i = rng.below(lines.len());
        match rng.below(6) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            3 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let l = &mut lines[i];
                let mut at = rng.below(l.len() + 1);
                while !l.is_char_boundary(at) {
                    at -= 1;
                }
                l.insert_str(at, t);
            }
            4 => {
                let l = &mut lines[i];
                if !l.is_empty() {
                    let mut at = rng.below(l.len());
                    while !l.is_char_boundary(at) {
                        at -= 1;
                    }
                    l.remove(at);
                }
            }
            _ => {
                let j = rng.below(lines.len());
                let l = lines[j].clone();
                lines[i].push_str(&l);
            }
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_programs_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut files = Vec::new();
    cases(&root, &mut files);
    assert!(!files.is_empty());
    let handle = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            let mut runs = 0;
            for round in 0..6 {
                for f in &files {
                    let Ok(src) = std::fs::read_to_string(f) else {
                        continue;
                    };
                    let text = if round == 0 {
                        src
                    } else {
                        mutate(&src, &mut rng)
                    };
                    let mut it = Interp::new();
                    dana_stdlib::install(&mut it);
                    it.set_output(Output::Capture(String::new()));
                    it.set_input(|| None);
                    it.limits.max_operations = Some(200_000);
                    it.limits.max_call_depth = 200;
                    let g = it.new_globals("__main__", Some(f.to_string_lossy().as_ref().into()));
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let _ = it.run_source(&f.to_string_lossy(), &text, &g);
                    }));
                    if outcome.is_err() {
                        panic!("panic while running a mutant of {}:\n{text}", f.display());
                    }
                    runs += 1;
                }
            }
            runs
        })
        .unwrap();
    let runs = handle.join().expect("the fuzz thread itself must not die");
    assert!(runs > 1000, "ran only {runs} programs");
}
