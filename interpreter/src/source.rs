//! Source files known to the interpreter, and byte offset → line/column conversion.

use dana_grammar::ast::Span;
use miette::SourceCode as _;
use std::sync::Arc;

/// A loaded source file.
pub struct SourceFile {
    /// Display name (the path as given, `<repl>`, `<string>`).
    pub name: Arc<str>,
    pub text: Arc<str>,
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        (line as u32 + 1, col as u32 + 1)
    }

    /// The location of a span in this file.
    pub fn location(&self, span: Span) -> crate::error::Location {
        let (line, column) = self.line_col(span.start);
        crate::error::Location {
            file: self.name.clone(),
            span,
            line,
            column,
        }
    }
}

/// A named source text for miette reports, shared rather than copied, that reads only the
/// lines around a span. miette's own `str` source scans from the start of the file for every
/// span, which makes rendering the hundreds of diagnostics of a large file quadratic.
#[derive(Clone, Debug)]
pub struct Snippet {
    name: Arc<str>,
    text: Arc<str>,
    /// Offsets of the line breaks (`\n`, `\r\n` counted at its `\n`, a lone `\r`).
    breaks: Arc<[u32]>,
}

impl Snippet {
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Snippet {
        let text: Arc<str> = text.into();
        let bytes = text.as_bytes();
        let breaks = (0..bytes.len())
            .filter(|&i| is_break(bytes, i))
            .map(|i| i as u32)
            .collect();
        Snippet {
            name: name.into(),
            text,
            breaks,
        }
    }
}

/// A line ends at `i` (miette's rule: `\n`, or `\r` not followed by `\n`).
fn is_break(text: &[u8], i: usize) -> bool {
    text[i] == b'\n' || (text[i] == b'\r' && text.get(i + 1) != Some(&b'\n'))
}

/// Where the line `lines` line breaks before the one holding `offset` starts (0 at the top).
fn lines_back(text: &[u8], offset: usize, lines: usize) -> usize {
    let mut breaks = 0;
    let mut i = offset.min(text.len());
    while i > 0 {
        if is_break(text, i - 1) {
            if breaks == lines {
                return i;
            }
            breaks += 1;
        }
        i -= 1;
    }
    0
}

/// Where the text ends `lines` line breaks after `offset` (the end of the text at most).
fn lines_forward(text: &[u8], offset: usize, lines: usize) -> usize {
    let mut breaks = 0;
    let mut i = offset.min(text.len());
    while i < text.len() {
        if is_break(text, i) {
            breaks += 1;
            if breaks > lines {
                return i + 1;
            }
        }
        i += 1;
    }
    text.len()
}

impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text = self.text.as_bytes();
        let end = span.offset().saturating_add(span.len());
        if end > text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        // A window of whole lines around the span, wider than miette's own reading on both
        // sides (its scan looks one byte before the span), then its results shifted back to
        // file coordinates.
        let from = lines_back(text, span.offset(), context_lines_before + 1);
        let to = lines_forward(text, end, context_lines_after + 2);
        let window = &text[from..to];
        let inner = miette::SourceSpan::new((span.offset() - from).into(), span.len());
        let c = window.read_span(&inner, context_lines_before, context_lines_after)?;
        let lines_before = self.breaks.partition_point(|&b| (b as usize) < from);
        let shifted = miette::SourceSpan::new((c.span().offset() + from).into(), c.span().len());
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.to_string(),
            c.data(),
            shifted,
            c.line() + lines_before,
            c.column(),
            c.line_count() + lines_before,
        )))
    }
}

/// Lines longer than this many bytes are clipped when a diagnostic shows them: miette pads
/// to a label's column with a format width, which cannot exceed 65535, and a megabyte line is
/// no help to a reader anyway.
pub(crate) const MAX_SHOWN_LINE: usize = 240;
/// Characters kept on each side of a label's start and end on a clipped line.
const CLIP_MARGIN: usize = 48;
/// Stands for the characters a clipped line leaves out.
const ELLIPSIS: &str = "…";
/// Lines read around a label when deciding whether to clip (miette shows one line of context
/// on each side; these include a margin).
const CLIP_CONTEXT: usize = 3;

impl Snippet {
    /// What a diagnostic with one label at `span` shows of this file: the file itself when
    /// every line near the label is short, otherwise an excerpt of the lines around it with
    /// long lines clipped to windows around the label's ends (`…` for what is left out). Line
    /// and column numbers stay those of the file. Use [`Shown::span`] as the label's span.
    pub fn show(&self, span: impl Into<miette::SourceSpan>) -> Shown {
        let span: miette::SourceSpan = span.into();
        let whole = |span| Shown {
            src: ShownSource::Whole(self.clone()),
            span,
        };
        let text = self.text.as_bytes();
        let start = span.offset();
        let end = start.saturating_add(span.len());
        if end > text.len() {
            return whole(span);
        }
        let from = lines_back(text, start, CLIP_CONTEXT);
        let to = lines_forward(text, end, CLIP_CONTEXT + 1);
        let long = text[from..to]
            .split(|&b| b == b'\n' || b == b'\r')
            .any(|line| line.len() > MAX_SHOWN_LINE);
        if !long {
            return whole(span);
        }
        let excerpt = Excerpt::build(self, from, to, [start, end]);
        let mapped = excerpt.map(start);
        let len = excerpt.map(end).saturating_sub(mapped);
        Shown {
            span: miette::SourceSpan::new(mapped.into(), len),
            src: ShownSource::Excerpt(excerpt),
        }
    }
}

/// The source a diagnostic shows, with its label's span in that source's coordinates (see
/// [`Snippet::show`]).
#[derive(Clone, Debug)]
pub struct Shown {
    src: ShownSource,
    span: miette::SourceSpan,
}

#[derive(Clone, Debug)]
enum ShownSource {
    Whole(Snippet),
    Excerpt(Excerpt),
}

impl Shown {
    /// The label's span, for this source.
    pub fn span(&self) -> miette::SourceSpan {
        self.span
    }

    /// Whether long lines were clipped.
    pub fn is_clipped(&self) -> bool {
        matches!(self.src, ShownSource::Excerpt(_))
    }
}

impl miette::SourceCode for Shown {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        match &self.src {
            ShownSource::Whole(s) => s.read_span(span, context_lines_before, context_lines_after),
            ShownSource::Excerpt(e) => e.read_span(span, context_lines_before, context_lines_after),
        }
    }
}

/// Whole lines of a file, long ones clipped, and where each kept piece came from.
#[derive(Clone, Debug)]
struct Excerpt {
    name: Arc<str>,
    /// The file's text (columns are computed from it).
    orig: Arc<str>,
    text: String,
    /// 0-based line number of the excerpt's first line in the file.
    first_line: usize,
    /// Kept runs: (offset in `text`, offset in the file, length), in order.
    pieces: Vec<(usize, usize, usize)>,
}

impl Excerpt {
    /// The lines of `snip` in `from..to` (whole lines), long lines clipped around `points`.
    fn build(snip: &Snippet, from: usize, to: usize, points: [usize; 2]) -> Excerpt {
        let src: &str = &snip.text;
        let bytes = src.as_bytes();
        let mut e = Excerpt {
            name: snip.name.clone(),
            orig: snip.text.clone(),
            text: String::new(),
            first_line: snip.breaks.partition_point(|&b| (b as usize) < from),
            pieces: Vec::new(),
        };
        let mut ls = from;
        while ls < to {
            // The line's content ends at its first `\r` or `\n`; its terminator follows.
            let ce = bytes[ls..to]
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .map_or(to, |i| ls + i);
            let next = match bytes.get(ce) {
                Some(b'\r') if bytes.get(ce + 1) == Some(&b'\n') => ce + 2,
                Some(_) => ce + 1,
                None => ce,
            }
            .min(to);
            if ce - ls <= MAX_SHOWN_LINE {
                e.keep(src, ls, next);
            } else {
                let mut ranges: Vec<(usize, usize)> = points
                    .iter()
                    .filter(|&&p| ls <= p && p <= ce)
                    .map(|&p| {
                        let mut p = p;
                        while !src.is_char_boundary(p) {
                            p -= 1;
                        }
                        (
                            chars_back(src, p, ls, CLIP_MARGIN),
                            chars_forward(src, p, ce, CLIP_MARGIN),
                        )
                    })
                    .collect();
                if ranges.is_empty() {
                    ranges.push((ls, chars_forward(src, ls, ce, 2 * CLIP_MARGIN)));
                }
                ranges.sort_unstable();
                let mut at = ls;
                for (a, b) in ranges {
                    let a = a.max(at);
                    if a > at {
                        e.text.push_str(ELLIPSIS);
                    }
                    if b > a {
                        e.keep(src, a, b);
                    }
                    at = at.max(b);
                }
                if at < ce {
                    e.text.push_str(ELLIPSIS);
                }
                e.keep(src, ce, next);
            }
            ls = next;
        }
        e
    }

    /// Copies `src[a..b]` and records where it came from.
    fn keep(&mut self, src: &str, a: usize, b: usize) {
        if b <= a {
            return;
        }
        match self.pieces.last_mut() {
            Some((at, o, len)) if *o + *len == a && *at + *len == self.text.len() => *len += b - a,
            _ => self.pieces.push((self.text.len(), a, b - a)),
        }
        self.text.push_str(&src[a..b]);
    }

    /// The excerpt offset of file offset `o` (which lies in a kept piece, or at its end).
    fn map(&self, o: usize) -> usize {
        let i = self.pieces.partition_point(|&(_, po, len)| po + len < o);
        match self.pieces.get(i) {
            Some(&(at, po, _)) if po <= o => at + (o - po),
            Some(&(at, _, _)) => at,
            None => self.text.len(),
        }
    }

    /// The file offset of excerpt offset `x` (the start of the next kept piece when `x` is
    /// in an ellipsis).
    fn unmap(&self, x: usize) -> usize {
        let i = self.pieces.partition_point(|&(at, _, len)| at + len < x);
        match self.pieces.get(i) {
            Some(&(at, po, _)) if at <= x => po + (x - at),
            Some(&(_, po, _)) => po,
            None => self.orig.len(),
        }
    }

    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let c = self
            .text
            .as_bytes()
            .read_span(span, context_lines_before, context_lines_after)?;
        // Without context, miette's column is the label's byte column: take the file's.
        let column = if context_lines_before == 0 {
            let o = self.unmap(span.offset());
            o - lines_back(self.orig.as_bytes(), o, 0)
        } else {
            c.column()
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.to_string(),
            c.data(),
            *c.span(),
            c.line() + self.first_line,
            column,
            c.line_count() + self.first_line,
        )))
    }
}

/// The offset `n` characters before `p`, not before `floor`.
fn chars_back(s: &str, p: usize, floor: usize, n: usize) -> usize {
    s[floor..p]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(floor, |(i, _)| floor + i)
}

/// The offset `n` characters after `p`, not after `ceil`.
fn chars_forward(s: &str, p: usize, ceil: usize, n: usize) -> usize {
    s[p..ceil]
        .char_indices()
        .nth(n)
        .map_or(ceil, |(i, _)| p + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col() {
        let f = SourceFile::new("x.na", "ab\ncdé\nf");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(7), (2, 4));
        assert_eq!(f.line_col(8), (3, 1));
    }

    /// The windowed reader gives exactly what miette's whole-text reader gives.
    #[test]
    fn snippet_reads_like_miette() {
        use miette::SourceCode;
        let texts = [
            "a = 1\nb = 2\n\nc = a +\n  b\nprint(c)\n",
            "x\r\ny = 2\r\n\r\nz\rw\n",
            "one line, no newline",
            "\n\n\nlast",
        ];
        for text in texts {
            let snip = Snippet::new("f.na", text);
            for start in 0..=text.len() {
                for len in [0, 1, 3, 9] {
                    if start + len > text.len() {
                        continue;
                    }
                    let span = miette::SourceSpan::new(start.into(), len);
                    for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                        let want = text.read_span(&span, before, after).ok();
                        let got = snip.read_span(&span, before, after).ok();
                        let key = |c: &dyn miette::SpanContents<'_>| {
                            (
                                c.data().to_vec(),
                                c.span().offset(),
                                c.span().len(),
                                c.line(),
                                c.column(),
                                c.line_count(),
                            )
                        };
                        let want = want.as_deref().map(key);
                        let got = got.as_deref().map(key);
                        assert_eq!(
                            got, want,
                            "{text:?} span {start}+{len} context {before}/{after}"
                        );
                    }
                }
            }
        }
    }

    /// A label far right on a long line: the excerpt keeps a window around it, marks the
    /// cuts, and reports the file's line and column.
    #[test]
    fn long_lines_are_clipped_around_the_label() {
        use miette::SourceCode;
        let pad = "é".repeat(40_000);
        let text = format!("first\n{pad}x = BAD + 1{pad}\n{pad}\nlast\n");
        let start = text.find("BAD").unwrap();
        let snip = Snippet::new("f.na", text.as_str());
        let shown = snip.show(miette::SourceSpan::new(start.into(), 3));
        assert!(shown.is_clipped());
        let c = shown.read_span(&shown.span(), 0, 0).unwrap();
        assert!(
            c.data().starts_with(b"BAD"),
            "{:?}",
            String::from_utf8_lossy(c.data())
        );
        assert_eq!((c.line(), c.column()), (1, start - 6));
        let c = shown.read_span(&shown.span(), 1, 1).unwrap();
        let lines: Vec<&str> = std::str::from_utf8(c.data()).unwrap().lines().collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[0], "first");
        assert!(
            lines[1].starts_with('…') && lines[1].ends_with('…'),
            "{}",
            lines[1]
        );
        assert!(lines[1].contains("x = BAD + 1"));
        assert!(
            lines[1].chars().count() < 2 * CLIP_MARGIN + 10,
            "{}",
            lines[1]
        );
        // A long context line without the label keeps its start.
        assert!(lines[2].starts_with("éé") && lines[2].ends_with('…'));
        assert_eq!(c.line(), 0);
        // A label that covers most of a long line: both ends are shown.
        let eol = 6 + text[6..].find('\n').unwrap();
        let all = miette::SourceSpan::new(6.into(), eol - 6);
        let shown = snip.show(all);
        let c = shown.read_span(&shown.span(), 0, 0).unwrap();
        let data = std::str::from_utf8(c.data()).unwrap();
        assert!(data.contains('…') && data.len() < 1000, "{data}");
        // Short lines are shown as they are.
        let short = Snippet::new("g.na", "a = 1\nb = c\n");
        let shown = short.show(miette::SourceSpan::new(10.into(), 1));
        assert!(!shown.is_clipped());
        assert_eq!(shown.span(), miette::SourceSpan::new(10.into(), 1));
        // Out-of-range spans are passed through (miette reports them).
        let shown = short.show(miette::SourceSpan::new(100.into(), 1));
        assert!(shown.read_span(&shown.span(), 0, 0).is_err());
    }
}
