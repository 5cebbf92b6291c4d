//! The core both parsers build with: the result type and the errors every part can raise
//! (internal, too deep, reserved word), the limits (expression depth, nesting, the deep-stack
//! threshold, integer literal length), the context flags (`Ctx`), the per-parse name cache
//! (`Names`), the reserved words, and the depth bookkeeping of built expressions.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::ast::{Expr, ScopeKind, Span, Sym};
use crate::error::SyntaxError;

/// Longest decimal integer literal accepted, in digits. Converting decimal text to a big
/// integer takes quadratic time; `int(text)` refuses longer texts with the same limit.
pub const MAX_INT_DIGITS: usize = 400_000;

pub(crate) type Result<T> = std::result::Result<T, SyntaxError>;

/// Deepest expression tree accepted (leaf = 1). Statements add at most two levels per block
/// and blocks are limited to 100 levels, so a whole AST stays within ~1000 levels.
pub(crate) const MAX_EXPR_DEPTH: u32 = 800;

/// Deepest recursion of the builder through brackets, lambdas and f-string fields.
pub(crate) const MAX_NESTING: u32 = 250;

/// Flags that depend on where the builder is.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ctx {
    /// Inside a `def` body (`return` allowed).
    pub(crate) in_function: bool,
    /// Inside a loop body (`break` / `continue` allowed).
    pub(crate) in_loop: bool,
    /// Inside a pipeline stage expression (its call arguments may use `$$`).
    pub(crate) in_stage: bool,
    /// Inside the arguments of a pipeline stage call.
    pub(crate) placeholder_ok: bool,
    /// Current builder recursion through brackets, lambdas and f-strings.
    pub(crate) nesting: u32,
}

/// Names already interned by one parse (the global interner takes a lock and hashes with
/// SipHash; most names repeat).
#[derive(Default)]
pub(crate) struct Names<'s>(HashMap<&'s str, Sym, BuildHasherDefault<FxHasher>>);

impl<'s> Names<'s> {
    /// Interns a name taken from the source.
    #[inline]
    pub(crate) fn sym(&mut self, text: &'s str) -> Sym {
        if let Some(&s) = self.0.get(text) {
            return s;
        }
        let s = Sym::intern(text);
        self.0.insert(text, s);
        s
    }
}

/// Inputs whose [`nesting_hint`](crate::layout::Layout::nesting_hint) exceeds this are parsed
/// on a helper thread with a large stack (see `on_stack` in lib.rs); the fast parser leaves
/// expressions nested deeper than this to the pest path.
pub(crate) const INLINE_NESTING: usize = 32;

/// The error for states the grammar rules out; reaching it is a bug, reported instead of
/// panicking.
pub(crate) fn internal(span: Span) -> SyntaxError {
    SyntaxError::new("internal parser error (unexpected syntax tree shape)", span)
        .with_label("while parsing this")
}

/// The words of DANA_SPEC §1 that can never be names.
pub(crate) fn is_reserved(word: &str) -> bool {
    matches!(
        word,
        "True"
            | "true"
            | "TRUE"
            | "False"
            | "false"
            | "FALSE"
            | "None"
            | "none"
            | "NONE"
            | "null"
            | "NULL"
            | "private"
            | "public"
            | "local"
            | "system"
            | "break"
            | "continue"
            | "pass"
            | "return"
            | "if"
            | "else"
            | "elif"
            | "while"
            | "for"
            | "def"
            | "struct"
            | "resource"
            | "workflow"
            | "interface"
            | "try"
            | "except"
            | "finally"
            | "raise"
            | "assert"
            | "import"
            | "from"
            | "with"
            | "agent"
            | "agent_blueprint"
            | "lambda"
            | "and"
            | "or"
            | "not"
            | "in"
            | "is"
            | "as"
            | "sync"
    )
}

pub(crate) fn reserved_error(word: &str, span: Span) -> SyntaxError {
    SyntaxError::new(
        format!("'{word}' is a reserved word and cannot be used as a name"),
        span,
    )
    .with_label("reserved word")
    .with_help(format!("choose another name, e.g. '{word}_'"))
}

/// A small, fast, non-cryptographic hasher for the per-parse name cache (the FxHash mix used
/// by rustc). Collisions only cost time, and the keys come from one source file.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) fn too_deep(span: Span) -> SyntaxError {
    SyntaxError::new("expression too deeply nested", span)
        .with_label("nested too deeply")
        .with_help("split it into smaller expressions with intermediate variables")
}

/// An expression with the depth of its tree (a leaf is 1).
pub(crate) type Built = (Expr, u32);

pub(crate) fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// Rejects an expression tree deeper than [`MAX_EXPR_DEPTH`].
#[inline]
pub(crate) fn check_depth(depth: u32, span: Span) -> Result<()> {
    if depth > MAX_EXPR_DEPTH {
        Err(too_deep(span))
    } else {
        Ok(())
    }
}

/// The scope and the name of a scoped name's text (`private:x`).
pub(crate) fn split_scoped(text: &str) -> Option<(ScopeKind, &str)> {
    let (scope, name) = text.split_once(':')?;
    let scope = match scope {
        "private" => ScopeKind::Private,
        "public" => ScopeKind::Public,
        "system" => ScopeKind::System,
        _ => ScopeKind::Local,
    };
    Some((scope, name))
}
