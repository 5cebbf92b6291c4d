//! Source files known to the interpreter, and byte offset → line/column conversion.

use dana_grammar::ast::Span;
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
}
