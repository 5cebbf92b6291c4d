//! The fast parser's lexer: the layout pass's output (or an expression text) → tokens.
//!
//! Tokens are split exactly where the pest grammar splits them: identifiers are ASCII, every
//! reserved word gets its own kind (the grammar treats them as identifiers, the builder rejects
//! them as names), numbers follow the grammar's `number` rule byte for byte, and string
//! literals are delimited by the layout pass's own scanner. Multi-character operators are
//! matched longest first; `::` and `...` stay separate `:` / `.` tokens (the parser checks that
//! they are adjacent), as do `is not` / `not in`. Anything else — non-ASCII text outside
//! strings, stray characters — makes the lexer give up, and the pest path reports it.
//!
//! Every token carries its span in the original source: a marker byte shifts the offsets of
//! what follows it by one, and markers are counted as they are met.

use crate::build::kit::is_reserved;
use crate::layout::{is_string_prefix, scan_string, DEDENT, INDENT, NEWLINE};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Eof,
    Indent,
    Dedent,
    Newline,
    /// An identifier that is not a reserved word.
    Name,
    Number,
    /// One string literal, prefix and quotes included.
    Str,
    /// `private:x` (no spaces around the colon).
    Scoped,
    // Reserved words.
    True,
    False,
    None,
    /// `private`, `public`, `system` or `local` on its own.
    Scope,
    If,
    Elif,
    Else,
    While,
    For,
    In,
    Def,
    Sync,
    Return,
    Try,
    Except,
    Finally,
    Raise,
    From,
    Assert,
    Import,
    As,
    With,
    Struct,
    Interface,
    Lambda,
    And,
    Or,
    Not,
    Is,
    Pass,
    Break,
    Continue,
    /// `agent`, `agent_blueprint`, `resource` or `workflow`.
    Niche,
    // Punctuation.
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Colon,
    Comma,
    Semi,
    Dot,
    At,
    /// `$$`
    Dollars,
    /// `=` (never `==`)
    Assign,
    /// `->`
    Arrow,
    /// `:=`
    Walrus,
    /// `+=`, `-=`, `*=`, `/=`, `//=`, `%=`, `**=`, `|=`, `&=`, `^=`, `<<=`, `>>=`
    AugAssign,
    // Operators.
    Plus,
    Minus,
    Star,
    StarStar,
    Slash,
    SlashSlash,
    Percent,
    Pipe,
    Caret,
    Amp,
    Tilde,
    Shl,
    Shr,
    Lt,
    Le,
    Gt,
    Ge,
    EqEq,
    NotEq,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub kind: Tok,
    /// Span in the original source.
    pub start: u32,
    pub end: u32,
}

/// The lexer gives up (the pest path takes over).
pub(crate) struct Stop;

const WS: u8 = 1;
const IDENT: u8 = 2;
const DIGIT: u8 = 4;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c.is_ascii_digit() {
            IDENT | DIGIT
        } else if c.is_ascii_alphabetic() || c == b'_' {
            IDENT
        } else if c == b' ' || (c >= b'\t' && c <= b'\r') {
            WS
        } else {
            0
        };
        i += 1;
    }
    t
};

#[inline]
fn is(c: u8, class: u8) -> bool {
    CLASS[c as usize] & class != 0
}

/// Appends the tokens of `text` to `out`, ending with [`Tok::Eof`]. `base` is the original
/// offset of `text`; `markers` says that `text` is the layout pass's output (layout markers
/// are tokens, and a byte-order mark may open it); otherwise it is an expression text, which
/// has no markers.
pub(crate) fn lex(
    text: &str,
    base: usize,
    markers: bool,
    out: &mut Vec<Token>,
) -> Result<(), Stop> {
    let b = text.as_bytes();
    let n = b.len();
    if n + base > u32::MAX as usize {
        return Err(Stop);
    }
    let mut i = if markers && text.starts_with('\u{FEFF}') {
        3
    } else {
        0
    };
    // Original offset = base + i - (markers before i).
    let mut shift = base as u32;
    let mut seen = 0u32;
    loop {
        while i < n && is(b[i], WS) {
            i += 1;
        }
        if i >= n {
            break;
        }
        let c = b[i];
        let start = i;
        let kind = match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                i += 1;
                while i < n && is(b[i], IDENT) {
                    i += 1;
                }
                if i < n && (b[i] == b'"' || b[i] == b'\'') && is_string_prefix(&text[start..i]) {
                    i = scan_string(b, start, i).map_err(|_| Stop)?;
                    Tok::Str
                } else {
                    let kind = word(&b[start..i]);
                    debug_assert_eq!(
                        kind == Tok::Name,
                        !is_reserved(&text[start..i]),
                        "{}",
                        &text[start..i]
                    );
                    if kind == Tok::Scope
                        && i + 1 < n
                        && b[i] == b':'
                        && is(b[i + 1], IDENT)
                        && !is(b[i + 1], DIGIT)
                    {
                        i += 2;
                        while i < n && is(b[i], IDENT) {
                            i += 1;
                        }
                        Tok::Scoped
                    } else {
                        kind
                    }
                }
            }
            b'0'..=b'9' => {
                i = number(b, i);
                Tok::Number
            }
            b'"' | b'\'' => {
                i = scan_string(b, i, i).map_err(|_| Stop)?;
                Tok::Str
            }
            b'.' => {
                if i + 1 < n && b[i + 1].is_ascii_digit() {
                    i = number(b, i);
                    Tok::Number
                } else {
                    i += 1;
                    Tok::Dot
                }
            }
            INDENT | DEDENT | NEWLINE if markers => {
                // A marker sits at the original offset where it was inserted.
                let at = start as u32 + shift - seen;
                seen += 1;
                i += 1;
                out.push(Token {
                    kind: match c {
                        INDENT => Tok::Indent,
                        DEDENT => Tok::Dedent,
                        _ => Tok::Newline,
                    },
                    start: at,
                    end: at,
                });
                continue;
            }
            _ => {
                let (kind, len) = punct(b, i)?;
                i += len;
                kind
            }
        };
        let s = start as u32 + shift - seen;
        out.push(Token {
            kind,
            start: s,
            end: s + (i - start) as u32,
        });
    }
    shift += n as u32;
    let end = shift - seen;
    out.push(Token {
        kind: Tok::Eof,
        start: end,
        end,
    });
    Ok(())
}

/// The end of the `number` token starting at `i` (the grammar's rule: a radix prefix takes
/// every letter and digit after it; otherwise `digits ("." digits?)? exponent?` or
/// `"." digits exponent?`, where `digits` may have single `_` between digits).
fn number(b: &[u8], i: usize) -> usize {
    let n = b.len();
    if b[i] == b'0' && i + 1 < n && matches!(b[i + 1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B') {
        let mut j = i + 2;
        while j < n && is(b[j], IDENT) {
            j += 1;
        }
        return j;
    }
    let mut j = if b[i] == b'.' {
        digits(b, i + 1)
    } else {
        let j = digits(b, i);
        if j < n && b[j] == b'.' {
            if j + 1 < n && b[j + 1].is_ascii_digit() {
                digits(b, j + 1)
            } else {
                j + 1
            }
        } else {
            j
        }
    };
    if j < n && (b[j] == b'e' || b[j] == b'E') {
        let mut k = j + 1;
        if k < n && (b[k] == b'+' || b[k] == b'-') {
            k += 1;
        }
        if k < n && b[k].is_ascii_digit() {
            j = digits(b, k);
        }
    }
    j
}

/// `DIGIT ("_"? DIGIT)*` from `i` (which is a digit).
fn digits(b: &[u8], i: usize) -> usize {
    let n = b.len();
    let mut j = i + 1;
    loop {
        if j < n && b[j].is_ascii_digit() {
            j += 1;
        } else if j + 1 < n && b[j] == b'_' && b[j + 1].is_ascii_digit() {
            j += 2;
        } else {
            return j;
        }
    }
}

/// Operators and punctuation at `i`: the kind and the length.
fn punct(b: &[u8], i: usize) -> Result<(Tok, usize), Stop> {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    let (c1, c2) = (at(1), at(2));
    Ok(match b[i] {
        b'(' => (Tok::LParen, 1),
        b')' => (Tok::RParen, 1),
        b'[' => (Tok::LBracket, 1),
        b']' => (Tok::RBracket, 1),
        b'{' => (Tok::LBrace, 1),
        b'}' => (Tok::RBrace, 1),
        b':' if c1 == b'=' => (Tok::Walrus, 2),
        b':' => (Tok::Colon, 1),
        b',' => (Tok::Comma, 1),
        b';' => (Tok::Semi, 1),
        b'@' => (Tok::At, 1),
        b'~' => (Tok::Tilde, 1),
        b'$' if c1 == b'$' => (Tok::Dollars, 2),
        b'=' if c1 == b'=' => (Tok::EqEq, 2),
        b'=' => (Tok::Assign, 1),
        b'!' if c1 == b'=' => (Tok::NotEq, 2),
        b'+' if c1 == b'=' => (Tok::AugAssign, 2),
        b'+' => (Tok::Plus, 1),
        b'-' if c1 == b'=' => (Tok::AugAssign, 2),
        b'-' if c1 == b'>' => (Tok::Arrow, 2),
        b'-' => (Tok::Minus, 1),
        b'*' if c1 == b'*' && c2 == b'=' => (Tok::AugAssign, 3),
        b'*' if c1 == b'*' => (Tok::StarStar, 2),
        b'*' if c1 == b'=' => (Tok::AugAssign, 2),
        b'*' => (Tok::Star, 1),
        b'/' if c1 == b'/' && c2 == b'=' => (Tok::AugAssign, 3),
        b'/' if c1 == b'/' => (Tok::SlashSlash, 2),
        b'/' if c1 == b'=' => (Tok::AugAssign, 2),
        b'/' => (Tok::Slash, 1),
        b'%' if c1 == b'=' => (Tok::AugAssign, 2),
        b'%' => (Tok::Percent, 1),
        b'|' if c1 == b'=' => (Tok::AugAssign, 2),
        b'|' => (Tok::Pipe, 1),
        b'&' if c1 == b'=' => (Tok::AugAssign, 2),
        b'&' => (Tok::Amp, 1),
        b'^' if c1 == b'=' => (Tok::AugAssign, 2),
        b'^' => (Tok::Caret, 1),
        b'<' if c1 == b'<' && c2 == b'=' => (Tok::AugAssign, 3),
        b'<' if c1 == b'<' => (Tok::Shl, 2),
        b'<' if c1 == b'=' => (Tok::Le, 2),
        b'<' => (Tok::Lt, 1),
        b'>' if c1 == b'>' && c2 == b'=' => (Tok::AugAssign, 3),
        b'>' if c1 == b'>' => (Tok::Shr, 2),
        b'>' if c1 == b'=' => (Tok::Ge, 2),
        b'>' => (Tok::Gt, 1),
        _ => return Err(Stop),
    })
}

/// The kind of an identifier: a reserved word (DANA_SPEC §1) or a name.
fn word(w: &[u8]) -> Tok {
    match w.len() {
        2 => match w {
            b"if" => Tok::If,
            b"in" => Tok::In,
            b"is" => Tok::Is,
            b"or" => Tok::Or,
            b"as" => Tok::As,
            _ => Tok::Name,
        },
        3 => match w {
            b"for" => Tok::For,
            b"def" => Tok::Def,
            b"try" => Tok::Try,
            b"and" => Tok::And,
            b"not" => Tok::Not,
            _ => Tok::Name,
        },
        4 => match w {
            b"elif" => Tok::Elif,
            b"else" => Tok::Else,
            b"from" => Tok::From,
            b"with" => Tok::With,
            b"pass" => Tok::Pass,
            b"sync" => Tok::Sync,
            b"True" | b"true" | b"TRUE" => Tok::True,
            b"None" | b"none" | b"NONE" | b"null" | b"NULL" => Tok::None,
            _ => Tok::Name,
        },
        5 => match w {
            b"while" => Tok::While,
            b"raise" => Tok::Raise,
            b"break" => Tok::Break,
            b"agent" => Tok::Niche,
            b"local" => Tok::Scope,
            b"False" | b"false" | b"FALSE" => Tok::False,
            _ => Tok::Name,
        },
        6 => match w {
            b"return" => Tok::Return,
            b"except" => Tok::Except,
            b"assert" => Tok::Assert,
            b"import" => Tok::Import,
            b"struct" => Tok::Struct,
            b"lambda" => Tok::Lambda,
            b"public" | b"system" => Tok::Scope,
            _ => Tok::Name,
        },
        7 => match w {
            b"finally" => Tok::Finally,
            b"private" => Tok::Scope,
            _ => Tok::Name,
        },
        8 => match w {
            b"continue" => Tok::Continue,
            b"resource" | b"workflow" => Tok::Niche,
            _ => Tok::Name,
        },
        9 if w == b"interface" => Tok::Interface,
        15 if w == b"agent_blueprint" => Tok::Niche,
        _ => Tok::Name,
    }
}
