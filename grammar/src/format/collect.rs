//! From the layout pass's tokens to the formatter's input: the logical lines (their tokens,
//! block depth and original column) and every comment, attached where it stood.
//!
//! Comments are not tokens: they sit in the gaps between tokens of the original source. A
//! comment on the same line as the token before it is that token's *trailing* comment; a
//! comment on a line of its own is *leading*: it belongs to the logical line that follows (or,
//! inside brackets, to the token that follows). Blank lines are counted where they matter:
//! before each line and before each own-line comment.

use crate::fast::lexer::{Tok, Token};

/// A comment on a line of its own.
#[derive(Clone, Debug)]
pub(crate) struct Comment<'a> {
    /// From the `#` to the end of the line, trailing spaces removed.
    pub text: &'a str,
    /// Blank lines between it and what precedes it.
    pub blank_before: usize,
    /// Its column in the original source (used to tell which block it belongs to).
    pub col: usize,
}

/// A token of a logical line with the comments around it.
#[derive(Clone, Debug)]
pub(crate) struct Tk<'a> {
    pub kind: Tok,
    /// The token's source text (`::` is one token here: two adjacent colons).
    pub text: &'a str,
    /// Own-line comments just before it (only inside brackets; a line's leading comments are
    /// the line's).
    pub before: Vec<Comment<'a>>,
    /// The comment after it on the same line.
    pub after: Option<&'a str>,
}

/// One logical line: `toks[start..end]` of [`Doc::toks`].
#[derive(Clone, Debug)]
pub(crate) struct Line<'a> {
    pub start: usize,
    pub end: usize,
    /// Block depth (0 at the top of the module).
    pub depth: usize,
    /// Column of its first token in the original source.
    pub col: usize,
    /// Own-line comments between the previous line and this one.
    pub lead: Vec<Comment<'a>>,
    /// Blank lines just before the line (after its leading comments).
    pub blank_before: usize,
}

/// A whole module as the formatter sees it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Doc<'a> {
    pub toks: Vec<Tk<'a>>,
    pub lines: Vec<Line<'a>>,
    /// Own-line comments after the last line.
    pub tail: Vec<Comment<'a>>,
    /// Blank lines before the end of the file.
    pub tail_blank: usize,
    /// The source opens with a byte-order mark.
    pub bom: bool,
}

/// What a gap between two tokens holds.
struct Gap<'a> {
    trailing: Option<&'a str>,
    comments: Vec<Comment<'a>>,
    /// Blank lines after the last comment (or in the whole gap when there is none).
    blank_after: usize,
}

/// Reads the gap `text` (whitespace and comments only). `has_prev`: a token precedes it (its
/// first segment is the rest of that token's line). `eof`: nothing follows it.
fn gap(text: &str, has_prev: bool, eof: bool) -> Result<Gap<'_>, String> {
    let mut segs: Vec<&str> = text.split('\n').collect();
    let mut out = Gap {
        trailing: None,
        comments: Vec::new(),
        blank_after: 0,
    };
    if has_prev {
        let first = segs.remove(0);
        let t = first.trim_start();
        if t.starts_with('#') {
            out.trailing = Some(t.trim_end());
        } else if !t.trim().is_empty() {
            return Err(format!("unexpected text between tokens: {t:?}"));
        }
    }
    // The last segment is the indentation of the next token (unless at the end of the file).
    if !eof {
        segs.pop();
    }
    let mut blank = 0;
    for seg in segs {
        let t = seg.trim();
        if t.is_empty() {
            blank += 1;
        } else if t.starts_with('#') {
            out.comments.push(Comment {
                text: t,
                blank_before: blank,
                col: seg.len() - seg.trim_start().len(),
            });
            blank = 0;
        } else {
            return Err(format!("unexpected text between tokens: {t:?}"));
        }
    }
    out.blank_after = blank;
    Ok(out)
}

/// Column of byte offset `at` in `src`.
fn column(src: &str, at: usize) -> usize {
    at - src[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Groups the tokens of the layout pass (`toks`, ending with `Eof`) into lines and attaches
/// the comments of `src`.
pub(crate) fn collect<'a>(src: &'a str, toks: &[Token]) -> Result<Doc<'a>, String> {
    let mut doc = Doc {
        bom: src.starts_with('\u{FEFF}'),
        ..Doc::default()
    };
    let mut prev_end = if doc.bom { 3 } else { 0 };
    let mut depth = 0usize;
    let mut line_start: Option<usize> = None;
    let mut pending: Option<(Vec<Comment<'a>>, usize, usize)> = None;
    for t in toks {
        match t.kind {
            Tok::Indent => depth += 1,
            Tok::Dedent => depth = depth.saturating_sub(1),
            Tok::Newline => {
                if let (Some(start), Some((lead, blank, col))) = (line_start.take(), pending.take())
                {
                    doc.lines.push(Line {
                        start,
                        end: doc.toks.len(),
                        depth,
                        col,
                        lead,
                        blank_before: blank,
                    });
                }
            }
            Tok::Eof => {
                let g = gap(&src[prev_end..], !doc.toks.is_empty(), true)?;
                if let Some(c) = g.trailing {
                    if let Some(last) = doc.toks.last_mut() {
                        last.after = Some(c);
                    }
                }
                doc.tail = g.comments;
                doc.tail_blank = g.blank_after;
                break;
            }
            _ => {
                let (start, end) = (t.start as usize, t.end as usize);
                let text = &src[start..end];
                // `::` (lambda separator or slice) is one token for the formatter.
                if t.kind == Tok::Colon && start == prev_end && line_start.is_some() {
                    if let Some(last) = doc.toks.last_mut() {
                        if last.text == ":" && last.after.is_none() && last.before.is_empty() {
                            last.text = &src[start - 1..end];
                            prev_end = end;
                            continue;
                        }
                    }
                }
                let g = gap(&src[prev_end..start], !doc.toks.is_empty(), false)?;
                if let Some(c) = g.trailing {
                    if let Some(last) = doc.toks.last_mut() {
                        last.after = Some(c);
                    }
                }
                let mut before = Vec::new();
                if line_start.is_none() {
                    line_start = Some(doc.toks.len());
                    pending = Some((g.comments, g.blank_after, column(src, start)));
                } else {
                    before = g.comments;
                }
                doc.toks.push(Tk {
                    kind: t.kind,
                    text,
                    before,
                    after: None,
                });
                prev_end = end;
            }
        }
    }
    Ok(doc)
}
