//! `dana lsp`: a Language Server Protocol server over stdio, for any editor that speaks LSP.
//!
//! It offers diagnostics as the user types (the parser's, the resolver's and the type
//! checker's, as `dana check` gives them), hover with the inferred type, the docstring and, on
//! `@poet` functions, the stored version from the project's `.poet` store; completion,
//! signature help, go to definition, find references and rename across the workspace's
//! modules, document symbols, the did-you-mean quick fixes, and a code lens that opens a
//! `@poet` function's enhanced `code.na`; semantic tokens (`crate::highlight`) and formatting
//! (`crate::fmt`). Positions are in UTF-16 code units, as the protocol
//! requires. The files of `lsp/`, from the bottom up:
//!
//! | file | what it holds |
//! |---|---|
//! | `text.rs` | byte offsets ↔ LSP positions, incremental edits, the word under the cursor, URIs |
//! | `transport.rs` | `Content-Length` framing on stdin/stdout, tolerant of malformed input |
//! | `index.rs` | the names of a module: definitions, uses, attribute accesses, scopes |
//! | `analysis.rs` | one document: its module, index and the checker's inferred types |
//! | `poet.rs` | what POET's store holds for a `@poet` function |
//! | `diagnostics.rs` | the debounced diagnostics worker |
//! | `features.rs` | hover, completion, signature help, symbols, code actions, code lens |
//! | `navigate.rs` | definition, references and rename across the workspace |
//! | `style.rs` | semantic tokens and the formatting edit, from `highlight` and `fmt` |
//! | `server.rs` | the lifecycle, the documents and the dispatch of requests |

mod analysis;
mod diagnostics;
mod features;
mod index;
mod navigate;
mod poet;
mod server;
mod style;
mod text;
mod transport;

pub use server::run;
