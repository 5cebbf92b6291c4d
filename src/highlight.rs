//! Semantic highlighting: every token of a `.na` text with its kind, in LSP's terms (line,
//! UTF-16 column and length, a type from [`TOKEN_TYPES`]).
//!
//! The tokens come from the grammar's tolerant lexer ([`dana_grammar::tokens`]), so any text
//! is highlighted, valid or not; f-strings are split into their literal parts and the
//! expressions of their fields (`lex.rs`). The kinds and the legend are in `kind.rs`. Names are classified from the tokens around
//! them (after `def`, before `(`, after `.`, …) and, when the text parses, refined from the
//! tree (`names.rs`): parameters and their uses, functions, structs and modules where they are
//! used, annotations as types, decorators. The language server publishes these through
//! `textDocument/semanticTokens/full`; `tests/highlight.rs` checks the TextMate grammar of
//! `editors/vscode` against them.

mod kind;
mod lex;
mod names;

pub use kind::{SemanticToken, TokenKind, TOKEN_TYPES};

use dana_grammar::tokens::{LexKind, Lexeme};
use lex::expanded_lexemes;

/// The highlighted tokens of `source`, sorted, non-overlapping, none spanning a line break.
/// Any text is accepted: invalid code is highlighted as far as its tokens go.
pub fn semantic_tokens(source: &str) -> Vec<SemanticToken> {
    let pieces = classify(source);
    to_lines(source, &pieces)
}

/// A classified byte range of the source.
#[derive(Clone, Copy, Debug)]
struct Piece {
    pub start: u32,
    pub end: u32,
    pub kind: TokenKind,
}

/// Every token of `source` with its kind (punctuation and stray characters left out).
fn classify(source: &str) -> Vec<Piece> {
    let toks = expanded_lexemes(source);
    let roles = match dana_grammar::parse_module(source) {
        Ok(module) => names::roles(&module),
        Err(_) => names::Roles::default(),
    };
    let b = source.as_bytes();
    let text = |t: &Lexeme| &source[t.start as usize..t.end as usize];
    // Significant tokens (no comments), to look at neighbours.
    let code: Vec<usize> = (0..toks.len())
        .filter(|&i| toks[i].kind != LexKind::Comment)
        .collect();
    let mut out = Vec::with_capacity(toks.len());
    let mut in_decorator = false;
    let mut prev: Option<&Lexeme> = None;
    let mut ci = 0;
    for (i, t) in toks.iter().enumerate() {
        let piece = |kind| Piece {
            start: t.start,
            end: t.end,
            kind,
        };
        if t.kind == LexKind::Comment {
            out.push(piece(TokenKind::Comment));
            continue;
        }
        while ci < code.len() && code[ci] < i {
            ci += 1;
        }
        let next = code.get(ci + 1).map(|&j| &toks[j]);
        let next_is = |s: &str| next.is_some_and(|n| n.kind == LexKind::Punct && text(n) == s);
        let prev_text = prev.map_or("", text);
        let prev_kind = prev.map(|p| p.kind);
        match t.kind {
            LexKind::Comment => {}
            LexKind::Keyword | LexKind::Constant => out.push(piece(TokenKind::Keyword)),
            LexKind::Number => out.push(piece(TokenKind::Number)),
            LexKind::Str => out.push(piece(TokenKind::String)),
            LexKind::Operator => out.push(piece(TokenKind::Operator)),
            LexKind::At => {
                in_decorator = true;
                out.push(piece(TokenKind::Decorator));
            }
            LexKind::ScopedName => {
                let colon = text(t).find(':').unwrap_or(0) as u32;
                out.push(Piece {
                    start: t.start,
                    end: t.start + colon,
                    kind: TokenKind::Keyword,
                });
                out.push(Piece {
                    start: t.start + colon + 1,
                    end: t.end,
                    kind: TokenKind::Variable,
                });
            }
            LexKind::Name => {
                let word = text(t);
                let kind = if is_soft_keyword(b, t, prev) {
                    TokenKind::Keyword
                } else if in_decorator && (prev_kind == Some(LexKind::At) || prev_text == ".") {
                    TokenKind::Decorator
                } else if let Some(k) = roles.kind_at(t.start) {
                    k
                } else if roles.in_type(t.start) {
                    match roles.globals_kind(word) {
                        Some(k @ (TokenKind::Struct | TokenKind::Interface)) => k,
                        _ => TokenKind::Type,
                    }
                } else {
                    lexical(prev_kind, prev_text, next_is("("))
                };
                out.push(piece(kind));
            }
            LexKind::Punct | LexKind::Unknown => {}
        }
        if !(t.kind == LexKind::At || (in_decorator && (t.kind == LexKind::Name || text(t) == ".")))
        {
            in_decorator = false;
        }
        prev = Some(t);
    }
    out
}

/// A name's kind from the tokens around it (the text did not parse, or the tree says nothing).
fn lexical(prev_kind: Option<LexKind>, prev: &str, call: bool) -> TokenKind {
    match (prev_kind, prev) {
        (Some(LexKind::Keyword), "def") => TokenKind::Function,
        (
            Some(LexKind::Keyword),
            "struct" | "agent" | "agent_blueprint" | "resource" | "workflow",
        ) => TokenKind::Struct,
        (Some(LexKind::Keyword), "interface") => TokenKind::Interface,
        (Some(LexKind::Keyword), "import" | "from") => TokenKind::Namespace,
        (Some(LexKind::Punct), ".") if call => TokenKind::Method,
        (Some(LexKind::Punct), ".") => TokenKind::Property,
        _ if call => TokenKind::Function,
        _ => TokenKind::Variable,
    }
}

/// `del`, `global` and `nonlocal` are keywords when they open a line and a name follows them
/// after spaces (the grammar's rule, DANA_SPEC §1; a statement after `;` is not recognised).
fn is_soft_keyword(b: &[u8], t: &Lexeme, prev: Option<&Lexeme>) -> bool {
    let (s, e) = (t.start as usize, t.end as usize);
    if !matches!(&b[s..e], b"del" | b"global" | b"nonlocal") {
        return false;
    }
    let line_start = b[..s]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |p| p + 1);
    if prev.is_some_and(|p| p.end as usize > line_start) {
        return false;
    }
    let mut j = e;
    while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
        j += 1;
    }
    j > e && j < b.len() && (b[j].is_ascii_alphabetic() || b[j] == b'_')
}

/// Byte ranges → LSP positions, one token per line of a multi-line range.
fn to_lines(source: &str, pieces: &[Piece]) -> Vec<SemanticToken> {
    let b = source.as_bytes();
    let mut out = Vec::with_capacity(pieces.len());
    // The cursor: a byte offset, its line and its UTF-16 column.
    let (mut at, mut line, mut col) = (0usize, 0u32, 0u32);
    let advance = |to: usize, at: &mut usize, line: &mut u32, col: &mut u32| {
        while *at < to {
            let c = b[*at];
            if c == b'\n' || (c == b'\r' && b.get(*at + 1) != Some(&b'\n')) {
                *line += 1;
                *col = 0;
                *at += 1;
            } else if c == b'\r' {
                *at += 1;
            } else {
                let ch = source[*at..].chars().next().unwrap_or(' ');
                *col += ch.len_utf16() as u32;
                *at += ch.len_utf8();
            }
        }
    };
    for p in pieces {
        let (start, end) = (p.start as usize, (p.end as usize).min(b.len()));
        if start < at || start >= end || !source.is_char_boundary(start) {
            continue;
        }
        advance(start, &mut at, &mut line, &mut col);
        let mut seg_line = line;
        let mut seg_col = col;
        while at < end {
            let c = b[at];
            if c == b'\n' || c == b'\r' {
                if col > seg_col {
                    out.push(SemanticToken {
                        line: seg_line,
                        start: seg_col,
                        length: col - seg_col,
                        kind: p.kind,
                    });
                }
                advance(at + 1, &mut at, &mut line, &mut col);
                seg_line = line;
                seg_col = col;
            } else {
                advance(at + 1, &mut at, &mut line, &mut col);
            }
        }
        if col > seg_col {
            out.push(SemanticToken {
                line: seg_line,
                start: seg_col,
                length: col - seg_col,
                kind: p.kind,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
