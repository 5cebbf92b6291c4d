//! The two answers the language server borrows from other parts of the facade: semantic
//! tokens (`crate::highlight`), encoded as LSP's relative five-number groups, and the
//! formatting request (`crate::fmt`), answered with one edit of the whole text.

use super::text::LineIndex;
use crate::highlight::{semantic_tokens, TOKEN_TYPES};
use lsp_types as lt;
use std::path::Path;

/// The legend published at `initialize`: the token types in the order of their numbers.
pub(crate) fn legend() -> lt::SemanticTokensLegend {
    lt::SemanticTokensLegend {
        token_types: TOKEN_TYPES
            .iter()
            .map(|t| lt::SemanticTokenType::new(t))
            .collect(),
        token_modifiers: Vec::new(),
    }
}

/// `textDocument/semanticTokens/full`: every token, each as (line delta, start delta, length,
/// type, modifiers) relative to the token before it, as the protocol wants.
pub(crate) fn tokens(text: &str) -> lt::SemanticTokens {
    let mut data = Vec::new();
    let (mut line, mut start) = (0u32, 0u32);
    for t in semantic_tokens(text) {
        let delta_line = t.line - line;
        let delta_start = if delta_line == 0 {
            t.start - start
        } else {
            t.start
        };
        data.push(lt::SemanticToken {
            delta_line,
            delta_start,
            length: t.length,
            token_type: t.kind as u32,
            token_modifiers_bitset: 0,
        });
        (line, start) = (t.line, t.start);
    }
    lt::SemanticTokens {
        result_id: None,
        data,
    }
}

/// `textDocument/formatting`: the canonical layout at the width of the file's project
/// (`dana.toml [fmt] width`, else the default), as one edit replacing the whole text; no edit
/// when the text is already formatted or does not parse (the diagnostics show why).
pub(crate) fn format(path: &Path, text: &str) -> Vec<lt::TextEdit> {
    let Ok(options) = crate::fmt::options_for(path, None) else {
        return Vec::new();
    };
    match crate::fmt::format_source(text, &options) {
        Ok(formatted) if formatted != text => {
            let index = LineIndex::new(text);
            vec![lt::TextEdit {
                range: lt::Range::new(lt::Position::new(0, 0), index.position(text, text.len())),
                new_text: formatted,
            }]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_encoded_relative_to_the_one_before() {
        let t = tokens("x = 1\ny = \"é\" # c\n");
        let groups: Vec<(u32, u32, u32, &str)> = t
            .data
            .iter()
            .map(|s| {
                (
                    s.delta_line,
                    s.delta_start,
                    s.length,
                    TOKEN_TYPES[s.token_type as usize],
                )
            })
            .collect();
        assert_eq!(
            groups,
            vec![
                (0, 0, 1, "variable"),
                (0, 2, 1, "operator"),
                (0, 2, 1, "number"),
                (1, 0, 1, "variable"),
                (0, 2, 1, "operator"),
                (0, 2, 3, "string"),
                (0, 4, 3, "comment"),
            ]
        );
    }

    #[test]
    fn formatting_replaces_the_whole_text_once_and_leaves_bad_code_alone() {
        let path = Path::new("/nonexistent/app.na");
        let edits = format(path, "x=1\n");
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].new_text, "x = 1\n");
        assert_eq!(edits[0].range.end, lt::Position::new(1, 0));
        assert!(format(path, "x = 1\n").is_empty());
        assert!(format(path, "def f(:\n").is_empty());
    }
}
