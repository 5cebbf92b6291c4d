//! The fast parser: a hand-written lexer and recursive-descent parser that builds the same AST
//! as the pest grammar and its builder, several times faster.
//!
//! It reads the layout pass's output (the same text pest parses, with its INDENT / DEDENT /
//! NEWLINE markers and blanked comments) and gives every node the span the builder would give
//! it, in the original source. It builds with the kit it shares with the pest builder
//! ([`crate::build`]): the precedence pass ([`Shunt`]), literal and f-string decoding, the node
//! constructors that fix spans, the target and parameter checks and the limits, so each rule
//! has one implementation. It never imports from the pest path.
//!
//! `dana.pest` stays the definition of the syntax and the builder the source of every
//! diagnostic: the fast parser only accepts what it can build exactly as they would. On any
//! syntax error, any error the builder reports, any limit, or any construct it does not
//! handle, it *bails* ([`Bail`]) and the caller runs the pest path, which produces the error
//! (or the tree). Bailing is always safe; accepting an input pest rejects, or building a
//! different tree, would be a bug — `tests/fast_parser/` compares both paths on every
//! `.na` file of the repository, the benchmark program and thousands of mutants.
//!
//! The grammar is mostly decided by the next token. Where pest relies on backtracking, the
//! fast parser either reproduces it exactly (an `if` without `else` after a lambda body is
//! left to the enclosing comprehension) or bails. Its recursion
//! follows the builder's: the same [`MAX_NESTING`] levels through brackets, lambdas, type
//! arguments, fan-outs and f-strings, inside the same deep-stack thread for deep inputs.

mod defs;
mod displays;
mod expr;
pub(crate) mod lexer;
mod stmt;

use crate::ast::{Arg, Expr, ExprKind, Module, Param, Span, Stmt};
use crate::build::kit::{check_depth, Built, Ctx, Names, INLINE_NESTING, MAX_NESTING};
use crate::build::literals::{number, FieldHost};
use crate::build::shunt::Shunt;
use crate::error::SyntaxError;
use crate::layout::{self, Layout, MAX_BRACKET_DEPTH};
use lexer::{Tok, Token};

/// The fast parser gives up: the input is invalid, or uses something it does not handle.
/// The caller then runs the pest path, which parses it or reports the error.
#[derive(Debug)]
pub(crate) struct Bail;

impl From<SyntaxError> for Bail {
    fn from(_: SyntaxError) -> Bail {
        Bail
    }
}

impl From<lexer::Stop> for Bail {
    fn from(_: lexer::Stop) -> Bail {
        Bail
    }
}

type R<T> = Result<T, Bail>;

/// The expression `kind` spanning `span`, `depth` levels deep, within the depth limit.
fn finish(kind: ExprKind, depth: u32, span: Span) -> R<Built> {
    check_depth(depth, span)?;
    Ok((Expr { kind, span }, depth))
}

/// Parses a whole file from its layout; `Err` when the pest path must decide, with where the
/// fast parser stopped (see [`Parser::stopped_at`]).
pub(crate) fn parse_module(src: &str, lay: &Layout) -> Result<Module, Result<Span, SyntaxError>> {
    let mut toks = Vec::with_capacity(lay.text.len() / 3 + 16);
    if lexer::lex(&lay.text, 0, true, &mut toks).is_err() {
        let end = toks.last().map_or(0, |t| t.end) as usize;
        return Err(Ok(Span::new(end, end)));
    }
    let mut p = Parser::new(src, toks, Ctx::default());
    match p.module() {
        Ok(body) => Ok(Module { body }),
        Err(Bail) => Err(p.stopped_at()),
    }
}

impl Parser<'_> {
    /// Where the parser stopped: the span of the current token, or the error of the number
    /// literal just before or at it when decoding that literal is what failed.
    pub(crate) fn stopped_at(&self) -> Result<Span, SyntaxError> {
        let near = [self.pos.checked_sub(1), Some(self.pos)];
        for t in near.into_iter().flatten().filter_map(|i| self.toks.get(i)) {
            if t.kind == Tok::Number {
                let span = Span::new(t.start as usize, t.end as usize);
                number(self.text(*t).unwrap_or(""), span)?;
            }
        }
        Ok(self.toks.get(self.pos).map_or(Span::default(), |t| {
            Span::new(t.start as usize, t.end as usize)
        }))
    }
}

/// Parses a single expression (list); `None` when the pest path must decide. Deeply nested
/// input is left to the pest path, which runs on the caller's stack as before.
pub(crate) fn parse_expr(src: &str) -> Option<Expr> {
    let (hint, _) = layout::prepare_expr_text(src, 0, MAX_BRACKET_DEPTH).ok()?;
    if hint > INLINE_NESTING {
        return None;
    }
    let mut p = Parser::new(src, Vec::new(), Ctx::default());
    p.sub_expr(src, 0).ok().map(|(e, _)| e)
}

pub(crate) struct Parser<'s> {
    /// The original source (names, literals and comments are read from it).
    src: &'s str,
    toks: Vec<Token>,
    /// The current token (never past the final [`Tok::Eof`]).
    pos: usize,
    ctx: Ctx,
    shunt: Shunt,
    names: Names<'s>,
    /// Token buffers of finished f-string fields, for reuse.
    spare: Vec<Vec<Token>>,
    /// Scratch stacks for the lists being built: a list is collected above the stack height
    /// it started at and moved out at its exact size (nested lists finish first).
    stmts: Vec<Stmt>,
    exprs: Vec<Expr>,
    args: Vec<Arg>,
    params: Vec<Param>,
    /// Of the last expression stream: whether it had an infix operator, and whether its last
    /// operand ended with a postfix (see [`Parser::expr_pair_end`]).
    last_stream: (bool, bool),
}

impl<'s> Parser<'s> {
    fn new(src: &'s str, toks: Vec<Token>, ctx: Ctx) -> Parser<'s> {
        Parser {
            src,
            toks,
            pos: 0,
            ctx,
            shunt: Shunt::default(),
            names: Names::default(),
            spare: Vec::new(),
            stmts: Vec::new(),
            exprs: Vec::new(),
            args: Vec::new(),
            params: Vec::new(),
            last_stream: (false, false),
        }
    }

    #[inline]
    fn tok(&self) -> Token {
        self.toks[self.pos]
    }

    #[inline]
    fn peek(&self) -> Tok {
        self.toks[self.pos].kind
    }

    /// The kind of the token after the current one.
    #[inline]
    fn peek2(&self) -> Tok {
        self.toks.get(self.pos + 1).map_or(Tok::Eof, |t| t.kind)
    }

    #[inline]
    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos];
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    #[inline]
    fn expect(&mut self, kind: Tok) -> R<Token> {
        if self.peek() == kind {
            Ok(self.bump())
        } else {
            Err(Bail)
        }
    }

    #[inline]
    fn eat(&mut self, kind: Tok) -> bool {
        if self.peek() == kind {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Where the previous token ends.
    #[inline]
    fn prev_end(&self) -> u32 {
        self.toks[self.pos.saturating_sub(1)].end
    }

    /// A `:` immediately followed by another (the grammar's `::` token).
    fn at_double_colon(&self) -> bool {
        let t = self.tok();
        t.kind == Tok::Colon
            && self
                .toks
                .get(self.pos + 1)
                .is_some_and(|u| u.kind == Tok::Colon && u.start == t.end)
    }

    /// The source text of a token.
    #[inline]
    fn text(&self, t: Token) -> R<&'s str> {
        self.src.get(t.start as usize..t.end as usize).ok_or(Bail)
    }

    /// One nesting level deeper (brackets, lambdas, type arguments, fan-outs, f-strings), at
    /// the points where the builder's `nested` counts one.
    #[inline]
    fn enter(&mut self) -> R<()> {
        if self.ctx.nesting >= MAX_NESTING {
            return Err(Bail);
        }
        self.ctx.nesting += 1;
        Ok(())
    }

    #[inline]
    fn leave(&mut self) {
        self.ctx.nesting -= 1;
    }

    /// Parses `text`, a slice of the source at `base`, as an expression list (f-string fields
    /// and [`parse_expr`]): the same preparation as the builder's, then its own tokens.
    fn sub_expr(&mut self, text: &'s str, base: usize) -> R<Built> {
        let room = MAX_BRACKET_DEPTH.saturating_sub(self.ctx.nesting as usize);
        let (_, prepared) = layout::prepare_expr_text(text, base, room)?;
        let mut toks = self.spare.pop().unwrap_or_default();
        toks.clear();
        lexer::lex(&prepared, base, false, &mut toks)?;
        let outer = std::mem::replace(&mut self.toks, toks);
        let outer_pos = std::mem::replace(&mut self.pos, 0);
        let r = self.exprlist();
        let at_end = self.peek() == Tok::Eof;
        let toks = std::mem::replace(&mut self.toks, outer);
        self.pos = outer_pos;
        self.spare.push(toks);
        match r {
            Ok(e) if at_end => Ok(e),
            _ => Err(Bail),
        }
    }
}

/// The f-string decoder calls back into the fast parser for fields; a bail travels through it
/// as an (empty) error and is turned back into a bail by the caller.
impl<'s> FieldHost<'s> for Parser<'s> {
    fn field_expr(&mut self, text: &'s str, base: usize) -> Result<Built, SyntaxError> {
        self.sub_expr(text, base)
            .map_err(|_| SyntaxError::new(String::new(), Span::default()))
    }

    fn enter(&mut self, span: Span) -> Result<(), SyntaxError> {
        Parser::enter(self).map_err(|_| SyntaxError::new(String::new(), span))
    }

    fn leave(&mut self) {
        Parser::leave(self);
    }
}
