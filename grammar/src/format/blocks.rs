//! The module level: indentation, the blank lines between statements, and the own-line
//! comments between them.
//!
//! Blank lines follow Python's common style: the user's blank lines are kept, at most two at
//! the top level and one inside a block; none at the start of a block or of the file; two
//! before and after a top-level `def`/`struct`/`interface`/agent block (with its decorators
//! and the comments directly above it), one around such a block nested in another.
//! An own-line comment between a block's last line and a line further out belongs to the
//! deepest block whose indentation it does not pass.

use super::breaking::{Breaker, Out};
use super::collect::{Comment, Doc, Line};
use super::options::FormatOptions;
use crate::fast::lexer::Tok;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A decorator line.
    Deco,
    /// The header of a definition with a block body, or a pipeline definition
    /// (`def f(x) = a | b`).
    Def,
    Other,
}

fn kind_of(doc: &Doc, line: &Line) -> Kind {
    let toks = &doc.toks[line.start..line.end];
    match (toks.first(), toks.last()) {
        (Some(f), _) if f.kind == Tok::At => Kind::Deco,
        (Some(f), Some(l))
            if matches!(
                f.kind,
                Tok::Def | Tok::Sync | Tok::Struct | Tok::Interface | Tok::Niche
            ) && ((l.kind == Tok::Colon && l.text == ":")
                || (matches!(f.kind, Tok::Def | Tok::Sync)
                    && toks.iter().any(|t| t.kind == Tok::Assign))) =>
        {
            Kind::Def
        }
        _ => Kind::Other,
    }
}

/// Most blank lines kept at `depth`.
fn cap(depth: usize) -> usize {
    if depth == 0 {
        2
    } else {
        1
    }
}

/// The text being written.
struct Writer {
    out: String,
    indent: usize,
    started: bool,
    /// The line ending: the source's first one (`\r\n` or `\n`).
    nl: &'static str,
}

impl Writer {
    fn push(&mut self, blank: usize, line: &Out) {
        if self.started {
            for _ in 0..blank {
                self.out.push_str(self.nl);
            }
        }
        self.started = true;
        for _ in 0..line.depth * self.indent {
            self.out.push(' ');
        }
        self.out.push_str(&line.text);
        if let Some(c) = line.comment {
            self.out.push_str("  ");
            self.out.push_str(c);
        }
        self.out.push_str(self.nl);
    }
}

/// The depth of each own-line comment in `lead`, met between a line at depth `p` and one at
/// depth `n`, given the original columns `cols` of the open blocks.
fn comment_depths(lead: &[Comment], n: usize, p: usize, cols: &[usize]) -> Vec<usize> {
    lead.iter()
        .map(|c| {
            if n >= p {
                n
            } else {
                (n..=p)
                    .rev()
                    .find(|&d| cols.get(d).is_some_and(|&col| col <= c.col))
                    .unwrap_or(n)
            }
        })
        .collect()
}

/// The formatted text of `doc`; `crlf`: lines end with `\r\n`.
pub(crate) fn render(doc: &Doc, opts: &FormatOptions, crlf: bool) -> String {
    let mut w = Writer {
        out: String::new(),
        indent: opts.indent,
        started: false,
        nl: if crlf { "\r\n" } else { "\n" },
    };
    if doc.bom {
        w.out.push('\u{FEFF}');
    }
    let mut cols: Vec<usize> = Vec::new();
    let mut kinds: Vec<Kind> = Vec::new();
    let mut prev: Option<(usize, Kind)> = None;
    let mut lines = Vec::new();
    for line in &doc.lines {
        let n = line.depth;
        let p = prev.map_or(0, |x| x.0);
        let kind = kind_of(doc, line);
        // No blank line opens the file or a block.
        let opening = prev.is_none() || n > p;
        // Leaving a definition's block, or right after a pipeline definition.
        let after_def = prev.is_some_and(|(_, k)| n < p || (n == p && k == Kind::Def))
            && kinds.get(n) == Some(&Kind::Def);
        let group_start =
            matches!(kind, Kind::Deco | Kind::Def) && prev.map(|x| x.1) != Some(Kind::Deco);
        let req = if opening {
            0
        } else if group_start || after_def {
            cap(n)
        } else {
            0
        };
        let depths = comment_depths(&line.lead, n, p, &cols);
        let mut first = true;
        let mut applied = false;
        for (c, &d) in line.lead.iter().zip(&depths) {
            let mut blank = if first && opening {
                0
            } else {
                c.blank_before.min(cap(d))
            };
            if d == n && !applied {
                blank = blank.max(req);
                applied = true;
            }
            w.push(blank, &comment(d, c.text));
            first = false;
        }
        let mut blank = if first && opening {
            0
        } else {
            line.blank_before.min(cap(n))
        };
        if !applied || (group_start && blank > 0) {
            blank = blank.max(req);
        }
        lines.clear();
        Breaker::new(&doc.toks[line.start..line.end], opts).line(n, &mut lines);
        for (i, l) in lines.iter().enumerate() {
            w.push(if i == 0 { blank } else { 0 }, l);
        }
        cols.truncate(n);
        cols.resize(n, 0);
        cols.push(line.col);
        kinds.truncate(n);
        kinds.resize(n, Kind::Other);
        kinds.push(kind);
        prev = Some((n, kind));
    }
    let p = prev.map_or(0, |x| x.0);
    let after_def =
        prev.is_some_and(|(_, k)| p > 0 || k == Kind::Def) && kinds.first() == Some(&Kind::Def);
    let depths = comment_depths(&doc.tail, 0, p, &cols);
    let mut applied = false;
    for (i, (c, &d)) in doc.tail.iter().zip(&depths).enumerate() {
        let mut blank = if i == 0 && prev.is_none() {
            0
        } else {
            c.blank_before.min(cap(d))
        };
        if d == 0 && after_def && !applied {
            blank = blank.max(2);
            applied = true;
        }
        w.push(blank, &comment(d, c.text));
    }
    w.out
}

fn comment(depth: usize, text: &str) -> Out<'_> {
    Out {
        depth,
        text: text.to_string(),
        comment: None,
    }
}
