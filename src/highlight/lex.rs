//! The tokens to highlight: the grammar's tolerant lexer, with f-strings split. The literal
//! parts (quotes, text, field braces, conversions and format specs) are strings; the
//! expression of each field is lexed as code.
//! The split follows the f-string rule of DANA_SPEC §1: `{{` is a literal brace; a field's
//! expression ends at the first `}`, `!` (not `!=`) or `:` outside brackets and nested strings;
//! a format spec may hold fields of its own.

use dana_grammar::tokens::{lexemes, LexKind, Lexeme};

/// The tokens of `source` with f-strings split into parts; strings stay `LexKind::Str`.
pub(super) fn expanded_lexemes(source: &str) -> Vec<Lexeme> {
    let mut out = Vec::new();
    expand_into(source, 0, &lexemes(source), &mut out, 0);
    out
}

/// Appends `toks` (lexed from `source[base..]`) to `out` in source coordinates, with each
/// f-string replaced by its literal parts and the tokens of its fields.
fn expand_into(source: &str, base: u32, toks: &[Lexeme], out: &mut Vec<Lexeme>, depth: u32) {
    for t in toks {
        let t = Lexeme {
            start: t.start + base,
            end: t.end + base,
            ..*t
        };
        if t.kind == LexKind::Str && is_fstring(&source[t.start as usize..t.end as usize]) {
            split(source, t, out, depth);
        } else {
            out.push(t);
        }
    }
}

/// Nested f-strings deeper than this are left as plain strings (a quote of another kind is
/// needed at each level, so real code stops at four).
const MAX_DEPTH: u32 = 8;

/// Whether the literal `text` (prefix included) is an f-string.
fn is_fstring(text: &str) -> bool {
    text.bytes()
        .take_while(|c| c.is_ascii_alphabetic())
        .any(|c| c == b'f' || c == b'F')
}

/// Appends the parts of the f-string token `t` to `out`.
fn split(source: &str, t: Lexeme, out: &mut Vec<Lexeme>, depth: u32) {
    let (start, end) = (t.start as usize, t.end as usize);
    let b = source.as_bytes();
    let q = start
        + b[start..end]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
    if depth >= MAX_DEPTH || q >= end {
        out.push(t);
        return;
    }
    let quote = b[q];
    let qlen = if end - q >= 6 && b[q + 1] == quote && b[q + 2] == quote {
        3
    } else {
        1
    };
    let body = q + qlen;
    let closed = end >= body + qlen && b[end - qlen..end].iter().all(|&c| c == quote);
    let body_end = if closed { end - qlen } else { end };
    let mut lit = start;
    let mut i = body;
    while i < body_end {
        match b[i] {
            b'\\' => i += 2,
            b'{' if b.get(i + 1) == Some(&b'{') => i += 2,
            b'{' => {
                push_str(out, lit, i + 1);
                let e = expr_end(b, i + 1, body_end);
                let text = &source[i + 1..e];
                let inner = lexemes(text);
                expand_into(source, (i + 1) as u32, &inner, out, depth + 1);
                lit = e;
                i = e;
            }
            _ => i += 1,
        }
    }
    push_str(out, lit, end);
}

fn push_str(out: &mut Vec<Lexeme>, start: usize, end: usize) {
    if end > start {
        out.push(Lexeme {
            kind: LexKind::Str,
            start: start as u32,
            end: end as u32,
        });
    }
}

/// Where the expression of a field starting at `i` ends (before `limit` at most).
fn expr_end(b: &[u8], mut i: usize, limit: usize) -> usize {
    let mut depth = 0u32;
    while i < limit {
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' if depth == 0 => return i,
            b'}' => depth -= 1,
            b'!' if depth == 0 && b.get(i + 1) != Some(&b'=') => return i,
            b':' if depth == 0 => return i,
            q @ (b'"' | b'\'') => {
                // A nested string: skip to its closing quote.
                i += 1;
                while i < limit && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    limit
}
