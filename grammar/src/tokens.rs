//! The tokens of any text, for tooling (highlighting): the fast lexer's tokens of the original
//! source, plus what the lexer stops at. Comments, stray characters and unterminated strings
//! become tokens of their own, and lexing resumes after them, so every input gives its tokens
//! (never an error, never a panic). Newlines and indentation are whitespace here: the layout
//! pass is not run.

use crate::fast::lexer::{lex, Tok, Token};
use crate::layout::is_string_prefix;

/// What a [`Lexeme`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexKind {
    /// An identifier that is not a reserved word (`del`, `global` and `nonlocal` included:
    /// they are keywords only at the start of their statement).
    Name,
    /// A reserved word other than the constants (`if`, `def`, `and`, `private`, `agent`, …).
    Keyword,
    /// `True`, `False`, `None` and their spellings (`true`, `NULL`, …).
    Constant,
    /// A scoped name written `private:x`, as one token.
    ScopedName,
    Number,
    /// A string literal, prefix and quotes included (an unterminated one runs to the end of
    /// its line).
    Str,
    /// `#` to the end of the line.
    Comment,
    /// `@`.
    At,
    /// An operator: arithmetic, comparison, bitwise, assignment (`=`, `+=`, `:=`), `->`, `$$`.
    Operator,
    /// Brackets, `,`, `:`, `;`, `.`.
    Punct,
    /// A character the language has no token for (non-ASCII text outside strings, `?`, …).
    Unknown,
}

/// One token: its kind and its byte range in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lexeme {
    pub kind: LexKind,
    pub start: u32,
    pub end: u32,
}

/// The tokens of `src`, in order, non-overlapping, whitespace left out. Any text is accepted;
/// a text over 4 GiB gives no tokens.
pub fn lexemes(src: &str) -> Vec<Lexeme> {
    let mut out = Vec::new();
    if src.len() >= u32::MAX as usize {
        return out;
    }
    let b = src.as_bytes();
    let mut toks: Vec<Token> = Vec::new();
    let mut pos = 0usize;
    while pos < b.len() {
        toks.clear();
        let done = lex(&src[pos..], pos, false, &mut toks).is_ok();
        let mut end = pos;
        for t in &toks {
            if t.kind == Tok::Eof {
                continue;
            }
            end = t.end as usize;
            out.push(Lexeme {
                kind: kind_of(t.kind),
                start: t.start,
                end: t.end,
            });
        }
        if done {
            break;
        }
        // The lexer stopped at the first thing after its last token that is not whitespace.
        let mut i = end;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let (kind, stop) = stopped_at(src, i);
        out.push(Lexeme {
            kind,
            start: i as u32,
            end: stop as u32,
        });
        pos = stop;
    }
    out
}

/// What the lexer could not take at `i`, and where it ends.
fn stopped_at(src: &str, i: usize) -> (LexKind, usize) {
    let b = src.as_bytes();
    let line_end = |from: usize| {
        b[from..]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(b.len(), |p| from + p)
    };
    if b[i] == b'#' {
        return (LexKind::Comment, line_end(i));
    }
    let mut j = i;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    let quoted = j < b.len() && (b[j] == b'"' || b[j] == b'\'');
    if quoted && (j == i || is_string_prefix(&src[i..j])) {
        // An unterminated string (the lexer scans terminated ones itself).
        return (LexKind::Str, line_end(j).max(j + 1));
    }
    // One character, whole.
    let len = src[i..].chars().next().map_or(1, char::len_utf8);
    (LexKind::Unknown, i + len)
}

fn kind_of(t: Tok) -> LexKind {
    use Tok::*;
    match t {
        Name => LexKind::Name,
        Number => LexKind::Number,
        Str => LexKind::Str,
        Scoped => LexKind::ScopedName,
        True | False | None => LexKind::Constant,
        Scope | If | Elif | Else | While | For | In | Def | Sync | Return | Try | Except
        | Finally | Raise | From | Assert | Import | As | With | Struct | Interface | Lambda
        | And | Or | Not | Is | Pass | Break | Continue | Niche => LexKind::Keyword,
        At => LexKind::At,
        LParen | RParen | LBracket | RBracket | LBrace | RBrace | Colon | Comma | Semi | Dot => {
            LexKind::Punct
        }
        Dollars | Assign | Arrow | Walrus | AugAssign | Plus | Minus | Star | StarStar | Slash
        | SlashSlash | Percent | Pipe | Caret | Amp | Tilde | Shl | Shr | Lt | Le | Gt | Ge
        | EqEq | NotEq => LexKind::Operator,
        Eof | Indent | Dedent | Newline => LexKind::Punct,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(LexKind, &str)> {
        lexemes(src)
            .into_iter()
            .map(|l| (l.kind, &src[l.start as usize..l.end as usize]))
            .collect()
    }

    #[test]
    fn comments_and_code_resume() {
        use LexKind::*;
        assert_eq!(
            kinds("x = 1  # one\nif x: # two\n    y"),
            [
                (Name, "x"),
                (Operator, "="),
                (Number, "1"),
                (Comment, "# one"),
                (Keyword, "if"),
                (Name, "x"),
                (Punct, ":"),
                (Comment, "# two"),
                (Name, "y"),
            ]
        );
    }

    #[test]
    fn strings_stray_characters_and_unterminated_strings() {
        use LexKind::*;
        assert_eq!(
            kinds("s = f'a#{b}' ? é True\nt = \"open\nu"),
            [
                (Name, "s"),
                (Operator, "="),
                (Str, "f'a#{b}'"),
                (Unknown, "?"),
                (Unknown, "é"),
                (Constant, "True"),
                (Name, "t"),
                (Operator, "="),
                (Str, "\"open"),
                (Name, "u"),
            ]
        );
        assert_eq!(
            kinds("x = 'never closed"),
            [(Name, "x"), (Operator, "="), (Str, "'never closed")]
        );
        assert_eq!(
            kinds("private:x @d"),
            [(ScopedName, "private:x"), (At, "@"), (Name, "d")]
        );
    }
}
