//! Decorator hooks: how POET (or a host) takes over a decorated `def`.
//!
//! A plain decorator is a Dana callable: it receives the function value and returns a value.
//! A hook receives more: the definition's source text and location, the module it lives in and
//! whether it is a receiver method, so that it can store, regenerate and audit the function.
//! The interpreter knows nothing of what a hook does; it only calls it when the decorator
//! expression evaluates to the hook's marker value (so a local variable that shadows the name
//! is an ordinary decorator).

use crate::error::Exc;
use crate::source::SourceFile;
use crate::value::runtime::Interp;
use crate::value::{Args, Globals, NativeFn, Value};
use dana_grammar::ast::Span;
use std::rc::Rc;

/// The definition a hook decorates.
pub struct DecoratedDef<'a> {
    /// The function value (after any decorators below this one).
    pub function: Value,
    /// The function's name.
    pub name: &'a str,
    /// The file that defines it.
    pub source: &'a Rc<SourceFile>,
    /// From the `def` keyword to the end of the body.
    pub def_span: Span,
    /// Where the decorator is written (for diagnostics).
    pub decorator_span: Span,
    /// The globals of the defining module.
    pub globals: &'a Rc<Globals>,
    /// `def (p: Point) area()` or a `def` in a struct block.
    pub is_method: bool,
}

impl DecoratedDef<'_> {
    /// The definition's text as written, from `def` to the end of its last line.
    pub fn text(&self) -> &str {
        let text = &*self.source.text;
        let start = (self.def_span.start as usize).min(text.len());
        let end = complete_lines(text, start, self.def_span.end as usize);
        text.get(start..end).unwrap_or("")
    }

    /// The 0-based column of the `def` keyword (the text's first line is not indented).
    pub fn column(&self) -> usize {
        let start = self.def_span.start as usize;
        let before = self.source.text.get(..start).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        before[line_start..].chars().count()
    }
}

/// Extends `end` to the end of its line, and further while brackets opened since `start` are
/// still open (the span of a parenthesised expression stops before its `)`). Strings (also
/// triple-quoted ones) and comments are skipped, so their brackets do not count.
fn complete_lines(text: &str, start: usize, end: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth: i32 = 0;
    let mut i = start;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'"' | b'\'' => {
                let triple = bytes.get(i..i + 3) == Some(&[c, c, c][..]);
                i += if triple { 3 } else { 1 };
                while i < bytes.len() {
                    if bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if triple && bytes.get(i..i + 3) == Some(&[c, c, c][..]) {
                        i += 3;
                        break;
                    }
                    if !triple && (bytes[i] == c || bytes[i] == b'\n') {
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b'\n' if i >= end && depth <= 0 => return i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Something that decorates functions with access to their definitions.
pub trait DecoratorHook {
    /// Called once per decorated definition with the decorator's arguments (`@poet(...)`;
    /// none for a bare `@poet`); returns the value bound to the function's name.
    fn decorate(
        &self,
        it: &mut Interp,
        def: DecoratedDef<'_>,
        args: Args<'_>,
    ) -> Result<Value, Exc>;
}

/// A registered hook and the builtin value that stands for it.
pub(crate) struct HookEntry {
    pub(crate) marker: Rc<NativeFn>,
    pub(crate) hook: Rc<dyn DecoratorHook>,
}

#[cfg(test)]
mod tests {
    use super::complete_lines;

    #[test]
    fn a_definition_ends_with_its_last_line_and_closing_brackets() {
        let src = "def f(x):\n    return (x +\n        1) * (\n    2)\nprint(f(1))\n";
        // As if the body's span ended at the `1`.
        let end = src.find("1)").unwrap() + 1;
        let e = complete_lines(src, 0, end);
        assert_eq!(
            &src[..e],
            "def f(x):\n    return (x +\n        1) * (\n    2)"
        );
        // Brackets in strings and comments do not count.
        let src = "def g():\n    \"\"\"Opens ( but\n    never closes.\"\"\"\n    return ')'  # (\nx = 1\n";
        let end = src.find("')'").unwrap() + 3;
        let e = complete_lines(src, 0, end);
        assert!(src[..e].ends_with("return ')'  # ("), "{:?}", &src[..e]);
    }
}
