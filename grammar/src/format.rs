//! The formatter: the canonical layout of a module (`dana fmt`, the language server's
//! formatting request).
//!
//! It works on tokens, not on the tree, so nothing but layout can change: the layout pass and
//! the fast lexer give the tokens and the block structure, `collect` attaches the comments
//! (which the tree does not hold) and counts blank lines, `blocks` writes the lines of the
//! module with their indentation and blank lines, and `breaking` spaces each logical line and
//! breaks it inside brackets when it is too wide. Strings (docstrings, f-strings, multi-line
//! strings) are tokens and come out byte for byte. Lines end as the source's first line does
//! (`\r\n` or `\n`).
//!
//! Every result is checked before it is returned: the formatted text must parse to the same
//! tree as the source, spans aside ([`crate::ast::spanless`]); otherwise the source is left
//! alone and [`FormatError::Unsupported`] says so.

mod blocks;
mod breaking;
mod collect;
mod options;
#[cfg(test)]
mod tests;

pub use options::{FormatError, FormatOptions};

use crate::ast::spanless::same_tree;
use crate::build::kit::INLINE_NESTING;
use crate::fast::lexer;
use crate::layout;

/// The canonical layout of `source`, a whole `.na` module. A source that does not parse is a
/// [`FormatError::Syntax`] (the error `dana check` reports); the source itself is never
/// changed.
pub fn format_source(source: &str, options: &FormatOptions) -> Result<String, FormatError> {
    let options = FormatOptions {
        width: options.width.max(1),
        indent: options.indent.max(1),
    };
    let lay = layout::layout(source).map_err(FormatError::Syntax)?;
    crate::on_stack(lay.nesting_hint > INLINE_NESTING, || {
        let before = crate::parse_module(source).map_err(FormatError::Syntax)?;
        let mut toks = Vec::new();
        if lexer::lex(&lay.text, 0, true, &mut toks).is_err() {
            return Err(FormatError::Unsupported(
                "the formatter cannot read this file's tokens; it is left as it is".into(),
            ));
        }
        let doc = collect::collect(source, &toks).map_err(FormatError::Unsupported)?;
        let crlf = source
            .find('\n')
            .is_some_and(|i| source[..i].ends_with('\r'));
        let text = blocks::render(&doc, &options, crlf);
        match crate::parse_module(&text) {
            Ok(after) if same_tree(&before, &after) => Ok(text),
            Ok(_) => Err(FormatError::Unsupported(
                "the formatted text would build a different program; the file is left as it \
                 is (a formatter bug: please report it with the file)"
                    .into(),
            )),
            Err(e) => Err(FormatError::Unsupported(format!(
                "the formatted text would not parse ({}); the file is left as it is (a \
                 formatter bug: please report it with the file)",
                e.message
            ))),
        }
    })
}
