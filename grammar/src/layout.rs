//! The layout pre-pass: Python-style indentation → explicit markers for the pest grammar.
//!
//! The output is the original text with single-byte markers *inserted* (never replacing
//! anything), so the offset map is just the sorted list of marker positions:
//! `original = rewritten - (markers before it)`. Markers:
//!
//! * [`INDENT`] before the first token of a line that is indented deeper than the enclosing one;
//! * [`DEDENT`] (once per closed level) before the first token of a line that dedents, and at
//!   the end of the file for every level still open;
//! * [`NEWLINE`] right after the last token of every logical line (not after the trailing
//!   whitespace/comment, so errors at "end of line" point just past the last token).
//!
//! Newlines inside brackets, blank lines and comment-only lines get no markers. The pass also
//! tracks strings (all quote forms, prefixes, triple quotes spanning lines) so brackets and `#`
//! inside them are not mistaken for code, and it rejects early — before pest runs — the
//! inputs that would otherwise recurse deeply: more than [`MAX_BRACKET_DEPTH`] nested brackets
//! or more than [`MAX_INDENT_LEVELS`] indentation levels.

use crate::ast::Span;
use crate::error::SyntaxError;

pub(crate) const INDENT: u8 = 0x01;
pub(crate) const DEDENT: u8 = 0x02;
pub(crate) const NEWLINE: u8 = 0x03;

/// Deepest bracket nesting accepted (CPython's tokenizer uses the same limit).
pub(crate) const MAX_BRACKET_DEPTH: usize = 200;
/// Deepest block nesting accepted (CPython's tokenizer uses the same limit).
pub(crate) const MAX_INDENT_LEVELS: usize = 100;

/// The rewritten text plus what is needed to map its offsets back to the original source.
#[derive(Debug)]
pub(crate) struct Layout {
    pub text: String,
    /// Offsets in `text` of the inserted marker bytes, ascending.
    pub marks: Vec<u32>,
    /// An upper bound of how deeply building the AST will recurse: deepest brackets + deepest
    /// blocks + every `lambda` + every bracket inside f-strings. Normal code stays far below
    /// the threshold at which the parser moves to a thread with a large stack.
    pub nesting_hint: usize,
}

/// Maps offsets of a text handed to pest back to offsets of the original file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OffsetMap<'a> {
    /// Marker positions in the parsed text (empty for texts without markers).
    pub marks: &'a [u32],
    /// Offset of the parsed text inside the original file (non-zero for f-string fields).
    pub base: usize,
}

impl OffsetMap<'_> {
    /// The original offset of `pos` (a position in the parsed text). A marker position maps to
    /// the original position where the marker was inserted.
    #[inline]
    pub fn orig(&self, pos: usize) -> usize {
        let before = self.marks.partition_point(|&m| (m as usize) < pos);
        self.base + pos - before
    }

    #[inline]
    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.orig(start), self.orig(end))
    }
}

struct Scanner<'s> {
    src: &'s str,
    out: String,
    /// Prefix of `src` already copied into `out`.
    copied: usize,
    marks: Vec<u32>,
}

impl Scanner<'_> {
    /// Replaces the comment starting at `at` with spaces (same byte length, so offsets are
    /// unchanged) and returns where it ends. The grammar then never sees comments; the
    /// builder reads field comments from the original text.
    fn blank_comment(&mut self, at: usize) -> usize {
        let end = skip_comment(self.src.as_bytes(), at);
        self.out.push_str(&self.src[self.copied..at]);
        self.out.extend(std::iter::repeat_n(' ', end - at));
        self.copied = end;
        end
    }

    /// Inserts `marker` at original offset `at` (which is always on a char boundary: it is
    /// either the start of a token or the end of one).
    fn mark(&mut self, marker: u8, at: usize) {
        self.out.push_str(&self.src[self.copied..at]);
        self.copied = at;
        self.marks.push(self.out.len() as u32);
        self.out.push(marker as char);
    }
}

/// Runs the layout pass over a whole file.
pub(crate) fn layout(src: &str) -> Result<Layout, SyntaxError> {
    if src.len() > u32::MAX as usize / 2 {
        return Err(SyntaxError::new("source file too large", Span::new(0, 0)));
    }
    let bytes = src.as_bytes();
    let n = bytes.len();
    let mut sc = Scanner {
        src,
        out: String::with_capacity(n + n / 16 + 16),
        copied: 0,
        marks: Vec::with_capacity(n / 24 + 8),
    };
    // (column with tabs to 8, column with tabs as 1) of each open block.
    let mut indents: Vec<(u32, u32)> = vec![(0, 0)];
    let mut brackets: Vec<(u8, usize)> = Vec::new();
    let mut at_line_start = true;
    let mut line_has_tokens = false;
    let mut last_tok_end = 0usize;
    let mut hint = Hint::default();
    let mut i = if src.starts_with('\u{FEFF}') { 3 } else { 0 };

    while i < n {
        if at_line_start {
            // Measure the indentation of a new logical line.
            let line_start = i;
            // `col` expands tabs to 8 columns, `alt` counts a tab as 1: as in Python, a line
            // whose indentation compares differently under the two is ambiguous (tabs and
            // spaces mixed inconsistently) and rejected.
            let mut col: u32 = 0;
            let mut alt: u32 = 0;
            while i < n {
                match bytes[i] {
                    b' ' => {
                        col += 1;
                        alt += 1;
                    }
                    b'\t' => {
                        col = (col / 8 + 1) * 8;
                        alt += 1;
                    }
                    0x0C => {
                        col = 0;
                        alt = 0;
                    }
                    b'\r' => {}
                    _ => break,
                }
                i += 1;
            }
            if i >= n {
                break;
            }
            match bytes[i] {
                // Blank and comment-only lines never affect indentation.
                b'\n' => {
                    i += 1;
                    continue;
                }
                b'#' => {
                    i = sc.blank_comment(i);
                    continue;
                }
                _ => {}
            }
            at_line_start = false;
            let here = Span::new(line_start, i);
            let (top, top_alt) = indents.last().copied().unwrap_or((0, 0));
            if col > top {
                if alt <= top_alt {
                    return Err(inconsistent_tabs(here));
                }
                if indents.len() > MAX_INDENT_LEVELS {
                    return Err(SyntaxError::new(
                        format!("too many levels of indentation (limit {MAX_INDENT_LEVELS})"),
                        here,
                    )
                    .with_label("nested too deeply")
                    .with_help("move the inner blocks into separate functions"));
                }
                indents.push((col, alt));
                hint.indent = hint.indent.max(indents.len());
                sc.mark(INDENT, i);
            } else {
                while indents.last().is_some_and(|&(c, _)| c > col) {
                    indents.pop();
                    sc.mark(DEDENT, i);
                }
                let (top, top_alt) = indents.last().copied().unwrap_or((0, 0));
                if top != col {
                    return Err(SyntaxError::new(
                        "unindent does not match any outer indentation level",
                        here,
                    )
                    .with_label("this indentation matches no enclosing block")
                    .with_help("indent this line to the same column as the block it continues"));
                }
                if top_alt != alt {
                    return Err(inconsistent_tabs(here));
                }
            }
        }

        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\r' | 0x0C => i += 1,
            b'\n' => {
                i += 1;
                if brackets.is_empty() {
                    if line_has_tokens {
                        sc.mark(NEWLINE, last_tok_end);
                        hint.end_line();
                    }
                    line_has_tokens = false;
                    at_line_start = true;
                }
            }
            b'#' => {
                // The NEWLINE marker goes before the comment, which is blanked now.
                if brackets.is_empty() && line_has_tokens {
                    sc.mark(NEWLINE, last_tok_end);
                    hint.end_line();
                    line_has_tokens = false;
                }
                i = sc.blank_comment(i);
            }
            b'\\' => {
                return Err(SyntaxError::new(
                    "unexpected '\\': line continuation is not supported",
                    Span::new(i, i + 1),
                )
                .with_label("line continuation")
                .with_help("wrap the expression in parentheses to continue it on the next line"));
            }
            b'"' | b'\'' => {
                i = scan_string(bytes, i, i)?;
                line_has_tokens = true;
                last_tok_end = i;
            }
            b'(' | b'[' | b'{' => {
                brackets.push((c, i));
                if brackets.len() > MAX_BRACKET_DEPTH {
                    return Err(too_many_brackets(i));
                }
                hint.brackets = hint.brackets.max(brackets.len());
                i += 1;
                line_has_tokens = true;
                last_tok_end = i;
            }
            b')' | b']' | b'}' => {
                close_bracket(&mut brackets, c, i, src)?;
                i += 1;
                line_has_tokens = true;
                last_tok_end = i;
            }
            INDENT | DEDENT | NEWLINE | 0 => {
                return Err(invalid_char(src, i));
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < n && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if i < n
                    && (bytes[i] == b'"' || bytes[i] == b'\'')
                    && is_string_prefix(&src[start..i])
                {
                    let q = i;
                    i = scan_string(bytes, start, q)?;
                    hint.note_string(&bytes[start..i], q - start);
                } else {
                    hint.note_word(&bytes[start..i]);
                }
                line_has_tokens = true;
                last_tok_end = i;
            }
            _ => {
                // Any other byte is part of a token: operators, digits, and every byte of a
                // multi-byte UTF-8 character (so `last_tok_end` ends on a char boundary).
                i += 1;
                line_has_tokens = true;
                last_tok_end = i;
            }
        }
    }

    if let Some(&(open, at)) = brackets.last() {
        return Err(unclosed_bracket(open, at));
    }
    if line_has_tokens {
        sc.mark(NEWLINE, last_tok_end);
    }
    while indents.len() > 1 {
        indents.pop();
        sc.mark(DEDENT, n);
    }
    let mut out = sc.out;
    out.push_str(&src[sc.copied..]);
    Ok(Layout {
        text: out,
        marks: sc.marks,
        nesting_hint: hint.total(),
    })
}

/// Counters behind [`Layout::nesting_hint`]: maxima of what can nest at one point (deepest
/// brackets, deepest block, most `lambda`s in one logical line, most brackets in one f-string),
/// whose sum bounds the builder's recursion anywhere in the file.
#[derive(Default)]
struct Hint {
    brackets: usize,
    indent: usize,
    lambdas_in_line: usize,
    lambdas: usize,
    fstring_brackets: usize,
}

impl Hint {
    fn note_word(&mut self, word: &[u8]) {
        if word == b"lambda" {
            self.lambdas_in_line += 1;
            self.lambdas = self.lambdas.max(self.lambdas_in_line);
        }
    }

    fn end_line(&mut self) {
        self.lambdas_in_line = 0;
    }

    /// `token` is a whole string literal whose prefix is `plen` bytes long.
    fn note_string(&mut self, token: &[u8], plen: usize) {
        if token[..plen].iter().any(|c| matches!(c, b'f' | b'F')) {
            let n = token
                .iter()
                .filter(|c| matches!(c, b'(' | b'[' | b'{'))
                .count();
            self.fstring_brackets = self.fstring_brackets.max(n);
        }
    }

    fn total(&self) -> usize {
        self.brackets + self.indent + self.lambdas + self.fstring_brackets
    }
}

/// Prepares a text that is parsed as a bare expression (`parse_expr`, f-string fields):
/// brackets must balance, strings must be terminated, nesting must stay under `max_depth`.
/// Such texts need no markers (newlines in them are whitespace); comments are blanked as in
/// [`layout`]. Returns the nesting hint (see [`Layout::nesting_hint`]) and the text to parse.
pub(crate) fn prepare_expr_text(
    text: &str,
    base: usize,
    max_depth: usize,
) -> Result<(usize, std::borrow::Cow<'_, str>), SyntaxError> {
    let mut hint = Hint::default();
    let mut comments: Vec<(usize, usize)> = Vec::new();
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut brackets: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    let shift = |mut e: SyntaxError| {
        e.span = Span::new(e.span.start as usize + base, e.span.end as usize + base);
        e
    };
    while i < n {
        let c = bytes[i];
        match c {
            b'#' => {
                let end = skip_comment(bytes, i);
                comments.push((i, end));
                i = end;
            }
            b'"' | b'\'' => i = scan_string(bytes, i, i).map_err(shift)?,
            b'(' | b'[' | b'{' => {
                brackets.push((c, i));
                if brackets.len() > max_depth {
                    return Err(shift(too_many_brackets(i)));
                }
                hint.brackets = hint.brackets.max(brackets.len());
                i += 1;
            }
            b')' | b']' | b'}' => {
                close_bracket(&mut brackets, c, i, text).map_err(shift)?;
                i += 1;
            }
            INDENT | DEDENT | NEWLINE | 0 => return Err(shift(invalid_char(text, i))),
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < n && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if i < n
                    && (bytes[i] == b'"' || bytes[i] == b'\'')
                    && is_string_prefix(&text[start..i])
                {
                    let q = i;
                    i = scan_string(bytes, start, q).map_err(shift)?;
                    hint.note_string(&bytes[start..i], q - start);
                } else {
                    hint.note_word(&bytes[start..i]);
                }
            }
            _ => i += 1,
        }
    }
    if let Some(&(open, at)) = brackets.last() {
        return Err(shift(unclosed_bracket(open, at)));
    }
    if comments.is_empty() {
        return Ok((hint.total(), std::borrow::Cow::Borrowed(text)));
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (from, to) in comments {
        out.push_str(&text[copied..from]);
        out.extend(std::iter::repeat_n(' ', to - from));
        copied = to;
    }
    out.push_str(&text[copied..]);
    Ok((hint.total(), std::borrow::Cow::Owned(out)))
}

/// The string prefixes Dana accepts (raw, f-string, both), any letter case.
pub(crate) fn is_string_prefix(word: &str) -> bool {
    matches!(
        word.as_bytes(),
        [b'r' | b'R' | b'f' | b'F'] | [b'r' | b'R', b'f' | b'F'] | [b'f' | b'F', b'r' | b'R']
    )
}

fn skip_comment(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

/// Scans a string literal whose prefix starts at `start` and whose opening quote is at `q`;
/// returns the offset just past the closing quote. A backslash always skips the next
/// character (also in raw strings, as in Python), so `\"` never closes a string.
pub(crate) fn scan_string(bytes: &[u8], start: usize, q: usize) -> Result<usize, SyntaxError> {
    let quote = bytes[q];
    let n = bytes.len();
    let triple = q + 2 < n && bytes[q + 1] == quote && bytes[q + 2] == quote;
    let mut i = if triple { q + 3 } else { q + 1 };
    while i < n {
        let c = bytes[i];
        if c == b'\\' {
            i += if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                3
            } else {
                2
            };
            continue;
        }
        if c == quote {
            if !triple {
                return Ok(i + 1);
            }
            if i + 2 < n && bytes[i + 1] == quote && bytes[i + 2] == quote {
                return Ok(i + 3);
            }
        }
        // A single-quoted string may span lines too (DANA_SPEC §1): its newlines are text.
        i += 1;
    }
    let q_char = quote as char;
    if triple {
        Err(
            SyntaxError::new("unterminated triple-quoted string", Span::new(start, q + 3))
                .with_label("this string is never closed")
                .with_help(format!("close it with {q_char}{q_char}{q_char}")),
        )
    } else {
        let mut end = q + 1;
        while end < n && bytes[end] != b'\n' && bytes[end] != b'\r' {
            end += 1;
        }
        Err(SyntaxError::new("unterminated string literal", Span::new(start, end))
            .with_label("this string is never closed")
            .with_help(format!(
                "close it with {q_char}; a string may span lines, so every later line was read as part of it"
            )))
    }
}

fn inconsistent_tabs(span: Span) -> SyntaxError {
    SyntaxError::new("inconsistent use of tabs and spaces in indentation", span)
        .with_label("tabs and spaces mixed here")
        .with_help("indent every line of a block the same way (preferably with spaces)")
}

fn too_many_brackets(at: usize) -> SyntaxError {
    SyntaxError::new(
        format!("too many nested brackets (limit {MAX_BRACKET_DEPTH})"),
        Span::new(at, at + 1),
    )
    .with_label("nested too deeply")
    .with_help("split the expression into smaller parts with intermediate variables")
}

fn invalid_char(text: &str, at: usize) -> SyntaxError {
    let c = text[at..].chars().next().unwrap_or('\0');
    SyntaxError::new(
        format!("invalid character U+{:04X} in source", c as u32),
        Span::new(at, at + c.len_utf8()),
    )
    .with_label("control character")
}

fn closer_of(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

fn close_bracket(
    brackets: &mut Vec<(u8, usize)>,
    close: u8,
    at: usize,
    text: &str,
) -> Result<(), SyntaxError> {
    match brackets.pop() {
        None => Err(SyntaxError::new(
            format!("unmatched '{}'", close as char),
            Span::new(at, at + 1),
        )
        .with_label("no opening bracket for this")
        .with_help("remove it, or add the missing opening bracket before it")),
        Some((open, open_at)) if closer_of(open) != close => Err(SyntaxError::new(
            format!(
                "closing '{}' does not match opening '{}'",
                close as char, open as char
            ),
            Span::new(open_at, open_at + 1),
        )
        .with_label(format!("this '{}' is not closed", open as char))
        .with_help(format!(
            "close it with '{}' before the '{}' on line {}",
            closer_of(open) as char,
            close as char,
            line_of(text, at)
        ))),
        Some(_) => Ok(()),
    }
}

/// 1-based line number of `offset` (used in help texts only).
fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

fn unclosed_bracket(open: u8, at: usize) -> SyntaxError {
    SyntaxError::new(
        format!("'{}' was never closed", open as char),
        Span::new(at, at + 1),
    )
    .with_label("unclosed bracket")
    .with_help(format!("add the matching '{}'", closer_of(open) as char))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(src: &str) -> String {
        let l = layout(src).expect("layout should succeed");
        l.text
            .replace('\u{1}', "<I>")
            .replace('\u{2}', "<D>")
            .replace('\u{3}', "<NL>")
    }

    #[test]
    fn markers_for_blocks() {
        assert_eq!(
            show("if x:\n    y\nz\n"),
            "if x:<NL>\n    <I>y<NL>\n<D>z<NL>\n"
        );
        assert_eq!(show("a # c\n"), "a<NL>    \n");
        assert_eq!(show("if a:\n  b # c"), "if a:<NL>\n  <I>b<NL>    <D>");
    }

    #[test]
    fn blank_and_comment_lines_are_ignored() {
        assert_eq!(
            show("if x:\n\n  # c\n      \n  y\n"),
            "if x:<NL>\n\n     \n      \n  <I>y<NL>\n<D>"
        );
    }

    #[test]
    fn newlines_inside_brackets_are_whitespace() {
        assert_eq!(show("f(1,\n  2)\nx"), "f(1,\n  2)<NL>\nx<NL>");
        assert_eq!(show("s = '''a\n(b'''\n"), "s = '''a\n(b'''<NL>\n");
        assert_eq!(show("s = '(' # )\n"), "s = '('<NL>    \n");
    }

    #[test]
    fn crlf_and_tabs() {
        assert_eq!(show("if x:\r\n\ty\r\n"), "if x:<NL>\r\n\t<I>y<NL>\r\n<D>");
        // A tab is 8 columns, but a block must not be ambiguous: a tab line and an
        // 8-space line in one block are rejected, as in Python.
        let e = layout("if x:\n\ty\n        z\n").unwrap_err();
        assert!(e.message.contains("inconsistent use of tabs"));
        assert!(layout("if x:\n\ty\n\tif y:\n\t\tz\n\tw\n").is_ok());
        assert!(layout("if x:\n  \ty\n  \tz\n").is_ok());
    }

    #[test]
    fn offset_map_roundtrip() {
        let src = "if x:\n    y\nz";
        let l = layout(src).unwrap();
        let map = OffsetMap {
            marks: &l.marks,
            base: 0,
        };
        let zi = l.text.find('z').unwrap();
        assert_eq!(map.orig(zi), src.find('z').unwrap());
        let yi = l.text.find('y').unwrap();
        assert_eq!(map.orig(yi), src.find('y').unwrap());
    }

    #[test]
    fn errors() {
        let e = layout("if x:\n    a\n  b\n").unwrap_err();
        assert!(e.message.contains("unindent"));
        assert_eq!(e.span, Span::new(12, 14));
        let e = layout("x = (1,\n2\n").unwrap_err();
        assert_eq!(e.span, Span::new(4, 5));
        let e = layout("x = 'abc\n").unwrap_err();
        assert_eq!(e.message, "unterminated string literal");
        let e = layout(&"(".repeat(10_000)).unwrap_err();
        assert!(e.message.contains("too many nested brackets"));
    }
}
