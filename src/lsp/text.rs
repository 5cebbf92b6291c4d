//! Text positions for the language server: byte offsets (what the parser's spans hold) to and
//! from LSP positions (line and UTF-16 code unit, as the protocol requires), incremental edits,
//! the identifier under the cursor, and `file:` URIs to paths and back.

use dana_grammar::ast::Span;
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The byte offset where each line starts.
#[derive(Clone, Debug, Default)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The LSP position of byte `offset` (clamped to the text, moved back to a character
    /// boundary).
    pub(crate) fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of an LSP position; a line past the end is the end of the text, a
    /// character past the end of its line is the end of that line.
    pub(crate) fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |&e| e.saturating_sub(1));
        let line = &text[start..end.max(start)];
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= pos.character as usize || c == '\r' && i + 1 == line.len() {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }

    pub(crate) fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start as usize),
            self.position(text, span.end as usize),
        )
    }
}

/// Applies one `didChange` edit (a range, or the whole text when it has none).
pub(crate) fn apply_change(text: &mut String, change: &TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text.clone(),
        Some(r) => {
            let lines = LineIndex::new(text);
            let start = lines.offset(text, r.start);
            let end = lines.offset(text, r.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The identifier touching byte `offset` (under the cursor, or just before it), as a span.
pub(crate) fn word_at(text: &str, offset: usize) -> Option<Span> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_ident_char(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    let word = &text[start..end];
    (!word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| Span::new(start, end))
}

/// The dotted name ending just before byte `end` (`a.b.` before the cursor gives `["a", "b"]`
/// and the cursor's own partial word separately): the parts before the last dot.
pub(crate) fn chain_before(text: &str, end: usize) -> Vec<String> {
    let before = &text[..end];
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c) || *c == '.')
        .last()
        .map_or(end, |(i, _)| i);
    before[start..]
        .split('.')
        .map(str::to_string)
        .collect::<Vec<_>>()
}

/// `true` for a name the parser takes as an identifier (and no keyword).
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(is_ident_char)
        && !crate::repl::KEYWORDS.contains(&s)
}

/// The path of a `file:` URI (percent-decoded); `None` for other schemes.
pub(crate) fn uri_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    // `file:///home/x` (empty authority) or `file://localhost/home/x`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// The `file:` URI of a path (made absolute; characters outside the unreserved set
/// percent-encoded).
pub(crate) fn path_uri(path: &Path) -> Option<Uri> {
    let abs = std::path::absolute(path).ok()?;
    let mut s = String::from("file://");
    for b in abs.to_str()?.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_positions_round_trip() {
        // 'é' is one UTF-16 unit (two bytes), '𝄞' two units (four bytes).
        let text = "x = 1\ns = \"é𝄞\" + y\n";
        let lines = LineIndex::new(text);
        let y = text.find('y').unwrap();
        let p = lines.position(text, y);
        assert_eq!(p, Position::new(1, 12));
        assert_eq!(lines.offset(text, p), y);
        assert_eq!(lines.offset(text, Position::new(9, 0)), text.len());
        assert_eq!(lines.offset(text, Position::new(0, 99)), 5);
    }

    #[test]
    fn incremental_edit_after_non_ascii() {
        let mut text = String::from("a = \"é\"\nb = 2\n");
        let change = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(0, 5), Position::new(0, 6))),
            range_length: None,
            text: "ü".into(),
        };
        apply_change(&mut text, &change);
        assert_eq!(text, "a = \"ü\"\nb = 2\n");
    }

    #[test]
    fn words_and_uris() {
        let t = "print(total_sum)";
        assert_eq!(word_at(t, 9), Some(Span::new(6, 15)));
        assert_eq!(word_at(t, 15), Some(Span::new(6, 15)));
        assert_eq!(chain_before("x = a.b.c", 9), ["a", "b", "c"]);
        let uri = path_uri(Path::new("/tmp/a b/é.na")).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%A9.na");
        assert_eq!(uri_path(&uri).unwrap(), PathBuf::from("/tmp/a b/é.na"));
        assert!(is_identifier("naïve") && !is_identifier("1x") && !is_identifier("def"));
    }
}
