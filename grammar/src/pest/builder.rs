//! The pest tree builder's state and core: the original text, the offset map back to it, the
//! context flags, the shared precedence pass, the name cache, and the helpers every node
//! builder uses (original spans of pairs, identifiers, nesting, sub-expressions).

use std::cell::{Cell, RefCell};

use pest::Parser as _;

use super::diagnose;
use super::grammar::{DanaParser, Pair, Rule};
use crate::ast::{Expr, Ident, Span, Sym};
use crate::build::kit::{
    internal, is_reserved, reserved_error, too_deep, Ctx, Names, Result, MAX_NESTING,
};
use crate::build::shunt::Shunt;
use crate::error::SyntaxError;
use crate::layout::{self, OffsetMap};

/// Walks pest pairs and builds the AST.
pub(super) struct Builder<'s> {
    /// The original file text (comments, f-string bodies and error texts are read from it).
    pub(super) src: &'s str,
    /// Maps offsets of the text pest parsed back to `src`.
    pub(super) map: OffsetMap<'s>,
    pub(super) ctx: Ctx,
    /// The operator-precedence pass (its stacks are shared by nested expressions).
    pub(super) shunt: Shunt,
    /// How many markers precede the last position mapped: pairs are visited roughly in
    /// order, so the next lookup usually starts right there instead of a binary search.
    mark_hint: Cell<usize>,
    names: RefCell<Names<'s>>,
}

impl<'s> Builder<'s> {
    pub(super) fn new(src: &'s str, map: OffsetMap<'s>, ctx: Ctx) -> Builder<'s> {
        Builder {
            src,
            map,
            ctx,
            shunt: Shunt::default(),
            mark_hint: Cell::new(0),
            names: RefCell::new(Names::default()),
        }
    }

    /// The original offset of `pos`, a position in the text pest parsed.
    #[inline]
    pub(super) fn orig(&self, pos: usize) -> usize {
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
    pub(super) fn sym(&self, text: &'s str) -> Sym {
        self.names.borrow_mut().sym(text)
    }

    /// The original span of a pair. Only for pairs that end exactly at their last token
    /// (atomic rules, rules ending with a literal): a non-atomic rule that ends with an
    /// optional part also covers the whitespace and comments pest skipped before trying it,
    /// so such spans are computed from the children instead.
    #[inline]
    pub(super) fn span(&self, p: &Pair<'_>) -> Span {
        let s = p.as_span();
        Span::new(self.orig(s.start()), self.orig(s.end()))
    }

    /// The original offset where a pair starts.
    #[inline]
    pub(super) fn start(&self, p: &Pair<'_>) -> u32 {
        self.orig(p.as_span().start()) as u32
    }

    /// The original text of a token pair (tokens contain no layout markers).
    #[inline]
    pub(super) fn token_text(&self, span: Span) -> &'s str {
        self.src.get(span.range()).unwrap_or("")
    }

    /// An identifier; a reserved word is an error naming the word.
    pub(super) fn ident(&self, p: &Pair<'_>) -> Result<Ident> {
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
    pub(super) fn nested<T>(
        &mut self,
        span: Span,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
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
    pub(super) fn sub_expr(&mut self, text: &str, base: usize) -> Result<(Expr, u32)> {
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

pub(super) fn starred_here(span: Span) -> SyntaxError {
    SyntaxError::new("can't use a starred expression here", span)
        .with_label("starred expression")
        .with_help(
            "'*' unpacking works in list, tuple and set displays, calls and assignment targets",
        )
}
