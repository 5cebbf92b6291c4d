//! Deterministic mutants of every corpus file (characters and tokens deleted, duplicated,
//! swapped or inserted): the fast parser bails or agrees with the reference.

use super::common::Rng;
use super::{compare, corpus, mutants_per_file, Outcome};

/// Byte ranges of the "tokens" of `src` (runs of word characters, single other characters),
/// for token-level mutations.
fn rough_tokens(src: &str) -> Vec<(usize, usize)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_alphanumeric() || b[i] == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
        } else {
            i += 1;
            while i < b.len() && !src.is_char_boundary(i) {
                i += 1;
            }
        }
        if !b[start].is_ascii_whitespace() {
            out.push((start, i));
        }
    }
    out
}

/// One mutation of `src`: delete, duplicate or swap characters or tokens, or insert a
/// character or token that often matters to the grammar.
pub(super) fn mutate(src: &str, rng: &mut Rng) -> String {
    const INSERTS: &[&str] = &[
        "(", ")", "[", "]", "{", "}", ":", "::", ",", ";", ".", "=", "==", "*", "**", "-", "not ",
        " in ", " is ", " if ", " else ", "lambda ", "$$", "@", "\n", "    ", "\t", "'", "\"",
        "f\"{x}\"", "#", "\\", "return ", "break", "yield", "private:", " as ", "...", "->",
        " and ", "+=", "1", "0x", "_",
    ];
    let toks = rough_tokens(src);
    let mut s = src.to_string();
    for _ in 0..1 + rng.below(2) {
        let b = s.as_bytes();
        if b.is_empty() || toks.is_empty() {
            break;
        }
        let (ts, te) = toks[rng.below(toks.len())];
        let (te, ts) = (te.min(s.len()), ts.min(s.len()));
        if !s.is_char_boundary(ts) || !s.is_char_boundary(te) {
            continue;
        }
        match rng.below(7) {
            0 => s.replace_range(ts..te, ""),
            1 => {
                let t = s[ts..te].to_string();
                s.insert_str(te, &t);
            }
            2 => {
                let (us, ue) = toks[rng.below(toks.len())];
                let (us, ue) = (us.min(s.len()), ue.min(s.len()));
                if ue <= ts && s.is_char_boundary(us) && s.is_char_boundary(ue) {
                    let a = s[us..ue].to_string();
                    let c = s[ts..te].to_string();
                    s.replace_range(ts..te, &a);
                    s.replace_range(us..ue, &c);
                }
            }
            3 => s.insert_str(ts, INSERTS[rng.below(INSERTS.len())]),
            4 => s.insert_str(te, INSERTS[rng.below(INSERTS.len())]),
            5 => {
                // Delete one character somewhere.
                let i = rng.below(s.len());
                if s.is_char_boundary(i) {
                    let len = s[i..].chars().next().map_or(0, char::len_utf8);
                    s.replace_range(i..i + len, "");
                }
            }
            _ => {
                // Duplicate one character somewhere.
                let i = rng.below(s.len());
                if s.is_char_boundary(i) {
                    if let Some(c) = s[i..].chars().next() {
                        s.insert(i, c);
                    }
                }
            }
        }
    }
    s
}

#[test]
fn mutants_are_parsed_identically_or_left_to_pest() {
    let seed = std::env::var("DANA_FAST_PARSER_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed);
    let (mut same, mut rejected, mut bailed) = (0usize, 0usize, 0usize);
    let files = corpus();
    let n = mutants_per_file();
    // Small files get more mutants: they are cheap and cover every construct.
    for (path, src) in &files {
        let per_file = if src.len() < 2_000 { n } else { n.div_ceil(4) };
        for _ in 0..per_file {
            let m = mutate(src, &mut rng);
            match compare(&format!("mutant of {}", path.display()), &m) {
                Outcome::Same => same += 1,
                Outcome::Rejected => rejected += 1,
                Outcome::BailedOnValid => bailed += 1,
            }
        }
    }
    let total = same + rejected + bailed;
    eprintln!(
        "{total} mutants: {same} parsed identically, {rejected} rejected, {bailed} left to pest"
    );
    assert!(total >= 2_000, "only {total} mutants");
    assert!(
        rejected > total / 10,
        "too few invalid mutants ({rejected})"
    );
}
