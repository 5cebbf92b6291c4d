//! Comparing trees with their spans erased: two sources that differ only in layout
//! (whitespace, line breaks, comments, trailing commas in brackets) build the same tree up to
//! spans. The formatter uses it to check its own output, the tests to prove it safe.
//!
//! The comparison is on the derived `Debug` text with every `Span { start: …, end: … }`
//! replaced by `Span`: every node and every field takes part, so a field added to the AST is
//! compared without anyone updating a hand-written walk. (String contents are printed escaped,
//! so no literal can fake the end of a node.)

use super::Module;

/// The tree's `Debug` text with every span erased.
pub fn without_spans(module: &Module) -> String {
    erase_spans(&format!("{module:?}"))
}

/// Whether the two trees are equal when spans are ignored.
pub fn same_tree(a: &Module, b: &Module) -> bool {
    without_spans(a) == without_spans(b)
}

/// `text` with every `Span { start: N, end: M }` written `Span`.
fn erase_spans(text: &str) -> String {
    const OPEN: &str = "Span { start: ";
    let mut out = String::with_capacity(text.len() / 2);
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        match span_end(after) {
            Some(len) => {
                out.push_str("Span");
                rest = &after[len..];
            }
            None => {
                out.push_str(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The length of `N, end: M }` at the start of `s`, if it is there.
fn span_end(s: &str) -> Option<usize> {
    let digits = |t: &str| t.bytes().take_while(u8::is_ascii_digit).count();
    let a = digits(s);
    let s2 = s[a..].strip_prefix(", end: ")?;
    let b = digits(s2);
    s2[b..].strip_prefix(" }")?;
    (a > 0 && b > 0).then_some(a + ", end: ".len() + b + " }".len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_module;

    #[test]
    fn layout_does_not_matter_but_content_does() {
        let a = parse_module("x = f(1,2)\n").unwrap();
        let b = parse_module("x   =   f(\n    1,\n    2,\n)  # note\n").unwrap();
        let c = parse_module("x = f(1, 3)\n").unwrap();
        assert!(same_tree(&a, &b));
        assert!(!same_tree(&a, &c));
        assert!(!without_spans(&a).contains("start:"));
    }

    #[test]
    fn only_span_text_is_erased() {
        assert_eq!(erase_spans("A(Span { start: 10, end: 12 })"), "A(Span)");
        assert_eq!(erase_spans("Span { start: x"), "Span { start: x");
    }
}
