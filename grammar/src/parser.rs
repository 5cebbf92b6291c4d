//! pest pairs → AST.
//!
//! [`layout`] makes the indentation explicit, `dana.pest` parses the rewritten
//! text, and the [`Builder`] here walks the pairs once to build the AST, converting every pest
//! offset back to an offset of the original source through the layout's [`OffsetMap`].
//!
//! [`parse_module`] and [`parse_expr`] try the fast parser (`crate::fast`) first and take this
//! path when it bails; the precedence pass (`expr::Shunt`), literal decoding (`strings`) and
//! the context checks in these modules are shared with it.
//!
//! Submodules: `stmt` (statements and blocks), `defs` (`def`, parameters, pipelines, type
//! annotations), `structs` (struct / interface / niche blocks), `expr` (the operator-precedence
//! pass, primaries, lambdas), `displays` (brackets and comprehensions), `calls` (arguments and
//! subscripts), `targets` (assignment targets), `strings` (literals and f-strings) and
//! `diagnose` (pest errors → readable [`SyntaxError`]s).
//!
//! Depth is bounded everywhere, because both the interpreter and `Drop` walk the AST
//! recursively: the layout pass bounds brackets and blocks before pest runs, operator chains are
//! built iteratively and rejected past [`MAX_EXPR_DEPTH`], and the builder's own recursion
//! (brackets, lambdas, f-string fields) is bounded by [`MAX_NESTING`].

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use pest::Parser as _;
use pest_derive::Parser;

use crate::ast::{Ident, Module, Span, Sym};
use crate::error::SyntaxError;
use crate::layout::{self, OffsetMap};

pub(crate) mod calls;
pub(crate) mod defs;
mod diagnose;
pub(crate) mod displays;
pub(crate) mod expr;
pub(crate) mod stmt;
pub(crate) mod strings;
pub(crate) mod structs;
pub(crate) mod targets;

#[derive(Parser)]
#[grammar = "../dana.pest"]
pub(crate) struct DanaParser;

pub(crate) type Pair<'i> = pest::iterators::Pair<'i, Rule>;
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

/// Walks pest pairs and builds the AST.
pub(crate) struct Builder<'s> {
    /// The original file text (comments, f-string bodies and error texts are read from it).
    src: &'s str,
    /// Maps offsets of the text pest parsed back to `src`.
    map: OffsetMap<'s>,
    ctx: Ctx,
    /// The operator-precedence pass (its stacks are shared by nested expressions).
    shunt: expr::Shunt,
    /// How many markers precede the last position mapped: pairs are visited roughly in
    /// order, so the next lookup usually starts right there instead of a binary search.
    mark_hint: Cell<usize>,
    names: RefCell<Names<'s>>,
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

/// Inputs whose [`nesting_hint`](layout::Layout::nesting_hint) exceeds this are parsed on a
/// thread with a [`DEEP_STACK`] stack: building the AST recurses once per bracket, block,
/// lambda and f-string level, and unoptimised builds use several KiB per level.
pub(crate) const INLINE_NESTING: usize = 32;
const DEEP_STACK: usize = 64 << 20;

/// Runs `f` here, or on a helper thread with a large stack when `deep` (falling back to this
/// thread if no thread can be started).
fn on_stack<T: Send>(deep: bool, f: impl Fn() -> T + Sync) -> T {
    if !deep {
        return f();
    }
    std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name("dana-parse".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(s, &f);
        match spawned {
            Ok(handle) => match handle.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => f(),
        }
    })
}

/// Largest text (in bytes) the pest path parses after the fast parser bailed. pest keeps a
/// record of every rule it matches, and re-runs with error tracking: its memory grows by
/// several hundred bytes per byte of input (a 10 MB line needed over 4 GB). Larger invalid
/// input is reported where the fast parser stopped instead (see [`too_large`]).
pub const MAX_PEST_INPUT: usize = 1 << 20;

/// The error for invalid input too large for the pest path: where the fast parser stopped.
fn too_large(src: &str, at: Span) -> SyntaxError {
    let start = (at.start as usize).min(src.len());
    let end = (at.end as usize).clamp(start, src.len());
    SyntaxError::new(
        format!(
            "invalid syntax (the input is {} bytes, too large for a detailed diagnostic: the \
             limit is {MAX_PEST_INPUT})",
            src.len()
        ),
        Span::new(start, end),
    )
    .with_label("the parser stopped here")
    .with_help(format!(
        "the mistake is here or just before; a text under {MAX_PEST_INPUT} bytes gets a \
         precise message"
    ))
}

/// Parses a file: the fast parser first, the pest grammar and its builder when it bails
/// (unless the text is larger than [`MAX_PEST_INPUT`]).
pub(crate) fn parse_module(src: &str) -> Result<Module> {
    let lay = layout::layout(src)?;
    on_stack(
        lay.nesting_hint > INLINE_NESTING,
        || match crate::fast::parse_module(src, &lay) {
            Ok(m) => Ok(m),
            Err(at) if lay.text.len() > MAX_PEST_INPUT => {
                Err(at.map_or_else(|e| e, |at| too_large(src, at)))
            }
            Err(_) => build_module(src, &lay),
        },
    )
}

/// Parses a file with the pest grammar and its builder only.
pub(crate) fn parse_module_reference(src: &str) -> Result<Module> {
    let lay = layout::layout(src)?;
    on_stack(lay.nesting_hint > INLINE_NESTING, || {
        build_module(src, &lay)
    })
}

/// Parses a file with the fast parser only (`None`: it bailed, or the layout pass failed).
pub(crate) fn parse_module_fast(src: &str) -> Option<Module> {
    let lay = layout::layout(src).ok()?;
    on_stack(lay.nesting_hint > INLINE_NESTING, || {
        crate::fast::parse_module(src, &lay).ok()
    })
}

fn build_module(src: &str, lay: &layout::Layout) -> Result<Module> {
    let map = OffsetMap {
        marks: &lay.marks,
        base: 0,
    };
    let file = match DanaParser::parse(Rule::file, &lay.text) {
        Ok(mut pairs) => pairs.next(),
        Err(e) => return Err(diagnose::pest_error(e, Rule::file, &lay.text, map, src)),
    };
    let Some(file) = file else {
        return Err(internal(Span::new(0, 0)));
    };
    let mut b = Builder::new(src, map, Ctx::default());
    let body = b.module(file)?;
    Ok(Module { body })
}

/// Parses an expression: the fast parser first, the pest grammar when it bails.
pub(crate) fn parse_expr(src: &str) -> Result<crate::ast::Expr> {
    match crate::fast::parse_expr(src) {
        Some(e) => Ok(e),
        None if src.len() > MAX_PEST_INPUT => Err(too_large(src, Span::new(0, 0))),
        None => parse_expr_reference(src),
    }
}

/// Parses an expression with the pest grammar and its builder only.
pub(crate) fn parse_expr_reference(src: &str) -> Result<crate::ast::Expr> {
    let mut b = Builder::new(
        src,
        OffsetMap {
            marks: &[],
            base: 0,
        },
        Ctx::default(),
    );
    b.sub_expr(src, 0).map(|(e, _)| e)
}

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

impl<'s> Builder<'s> {
    fn new(src: &'s str, map: OffsetMap<'s>, ctx: Ctx) -> Builder<'s> {
        Builder {
            src,
            map,
            ctx,
            shunt: expr::Shunt::default(),
            mark_hint: Cell::new(0),
            names: RefCell::new(Names::default()),
        }
    }

    /// The original offset of `pos`, a position in the text pest parsed.
    #[inline]
    fn orig(&self, pos: usize) -> usize {
        let marks = self.map.marks;
        let n = marks.len();
        // `k` = number of markers before `pos`: marks[k-1] < pos <= marks[k].
        let mut k = self.mark_hint.get().min(n);
        let before_ok = k == 0 || (marks[k - 1] as usize) < pos;
        let after_ok = k == n || (marks[k] as usize) >= pos;
        if !(before_ok && after_ok) {
            if !before_ok && k >= 2 && (marks[k - 2] as usize) < pos {
                k -= 1;
            } else if !after_ok && (k + 1 == n || (marks[k + 1] as usize) >= pos) {
                k += 1;
            } else {
                k = marks.partition_point(|&m| (m as usize) < pos);
            }
            self.mark_hint.set(k);
        }
        self.map.base + pos - k
    }

    /// Interns a name taken from the original source.
    fn sym(&self, text: &'s str) -> Sym {
        self.names.borrow_mut().sym(text)
    }

    /// The original span of a pair. Only for pairs that end exactly at their last token
    /// (atomic rules, rules ending with a literal): a non-atomic rule that ends with an
    /// optional part also covers the whitespace and comments pest skipped before trying it,
    /// so such spans are computed from the children instead.
    #[inline]
    fn span(&self, p: &Pair<'_>) -> Span {
        let s = p.as_span();
        Span::new(self.orig(s.start()), self.orig(s.end()))
    }

    /// The original offset where a pair starts.
    #[inline]
    fn start(&self, p: &Pair<'_>) -> u32 {
        self.orig(p.as_span().start()) as u32
    }

    /// The original text of a token pair (tokens contain no layout markers).
    #[inline]
    fn token_text(&self, span: Span) -> &'s str {
        self.src.get(span.range()).unwrap_or("")
    }

    /// An identifier; a reserved word is an error naming the word.
    fn ident(&self, p: &Pair<'_>) -> Result<Ident> {
        let span = self.span(p);
        let text = self.token_text(span);
        if is_reserved(text) {
            return Err(reserved_error(text, span));
        }
        Ok(Ident {
            name: self.sym(text),
            span,
        })
    }

    /// Runs `f` one nesting level deeper (brackets, lambda bodies, f-string fields).
    fn nested<T>(&mut self, span: Span, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.ctx.nesting >= MAX_NESTING {
            return Err(too_deep(span));
        }
        self.ctx.nesting += 1;
        let r = f(self);
        self.ctx.nesting -= 1;
        r
    }

    /// Parses `text`, a slice of the original source starting at `base`, as an expression
    /// list (f-string fields and `parse_expr`).
    fn sub_expr(&mut self, text: &str, base: usize) -> Result<(crate::ast::Expr, u32)> {
        let room = (layout::MAX_BRACKET_DEPTH).saturating_sub(self.ctx.nesting as usize);
        let (_, text) = layout::prepare_expr_text(text, base, room)?;
        let text: &str = &text;
        let map = OffsetMap { marks: &[], base };
        let entry = match DanaParser::parse(Rule::expr_entry, text) {
            Ok(mut pairs) => pairs.next(),
            Err(e) => {
                return Err(diagnose::pest_error(
                    e,
                    Rule::expr_entry,
                    text,
                    map,
                    self.src,
                ))
            }
        };
        let whole = Span::new(base, base + text.len());
        let list = entry
            .and_then(|e| e.into_inner().find(|p| p.as_rule() == Rule::exprlist))
            .ok_or_else(|| internal(whole))?;
        let mut sub = Builder::new(self.src, map, self.ctx);
        sub.exprlist(list)
    }
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
