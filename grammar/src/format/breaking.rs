//! One logical line → its physical lines: the spacing between tokens, and breaking inside
//! brackets when the line does not fit.
//!
//! Spacing is decided per pair of neighbouring tokens from their kinds and a little context
//! (which bracket encloses them, whether a `lambda` is waiting for its `::`, whether the
//! current parameter has an annotation). Breaking follows one rule, applied recursively: a
//! unit (a whole line, or one item inside brackets) that does not fit, or holds a comment, or
//! holds brackets closed by a trailing comma, is split at one of its bracket pairs: the head
//! up to the opening bracket, one item per line one level deeper (each followed by a comma,
//! with a trailing comma where the syntax allows it), then the closing bracket and the rest.

use super::collect::Tk;
use super::options::FormatOptions;
use crate::fast::lexer::Tok;

/// What an opening bracket opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bracket {
    /// `f(…)` (arguments, parameters, decorator arguments, struct bases).
    Call,
    /// `(…)` after no operand: grouping, tuple, receiver, import list.
    Paren,
    /// `x[…]` (index, slice, type arguments).
    Subscript,
    /// `[…]` after no operand.
    List,
    /// `{…}`.
    Brace,
}

/// One output line: comment lines have their text in `text` and no `comment`.
#[derive(Clone, Debug)]
pub(crate) struct Out<'a> {
    pub depth: usize,
    pub text: String,
    pub comment: Option<&'a str>,
}

/// What the context walk learns about each token.
#[derive(Clone, Copy, Debug, Default)]
struct Info {
    /// A space before it (when on the same line as the token before).
    space: bool,
    /// For an opening bracket: the index of its closing one.
    close: usize,
    /// The opening bracket enclosing it (`usize::MAX` at the top of the line).
    owner: usize,
    bracket: Option<Bracket>,
    /// A comma between items (not one between a lambda's parameters).
    sep: bool,
    /// A slice colon (`a[1:2]`, `a[::2]`): no spaces around it.
    slice: bool,
    /// The `::` of a lambda: spaces around it.
    lambda_sep: bool,
    /// A keyword argument's or unannotated default's `=`: no spaces around it.
    kw_eq: bool,
    /// A prefix operator: no space after it.
    unary: bool,
}

const ROOT: usize = usize::MAX;

struct Frame {
    open: usize,
    kind: Option<Bracket>,
    lambdas: usize,
    annotated: bool,
}

/// A token after which an operator is binary and a bracket is a call or subscript.
fn operand_end(k: Tok) -> bool {
    matches!(
        k,
        Tok::Name
            | Tok::Number
            | Tok::Str
            | Tok::Scoped
            | Tok::Scope
            | Tok::True
            | Tok::False
            | Tok::None
            | Tok::RParen
            | Tok::RBracket
            | Tok::RBrace
            | Tok::Dollars
    )
}

fn is_open(k: Tok) -> bool {
    matches!(k, Tok::LParen | Tok::LBracket | Tok::LBrace)
}

fn is_close(k: Tok) -> bool {
    matches!(k, Tok::RParen | Tok::RBracket | Tok::RBrace)
}

/// The physical lines of one logical line.
pub(crate) struct Breaker<'a, 't> {
    toks: &'t [Tk<'a>],
    info: Vec<Info>,
    width: usize,
    indent: usize,
}

impl<'a, 't> Breaker<'a, 't> {
    pub(crate) fn new(toks: &'t [Tk<'a>], opts: &FormatOptions) -> Breaker<'a, 't> {
        let mut b = Breaker {
            toks,
            info: vec![Info::default(); toks.len()],
            width: opts.width,
            indent: opts.indent,
        };
        b.walk();
        b
    }

    /// The context walk: brackets, lambdas, annotations, then the spacing of each token.
    fn walk(&mut self) {
        let toks = self.toks;
        let mut stack = vec![Frame {
            open: ROOT,
            kind: None,
            lambdas: 0,
            annotated: false,
        }];
        for (k, t) in toks.iter().enumerate() {
            let prev = k.checked_sub(1).map(|p| toks[p].kind);
            let after_operand = prev.is_some_and(operand_end);
            let mut info = Info::default();
            {
                let top = stack.last_mut().expect("the root frame stays");
                info.owner = top.open;
                match t.kind {
                    Tok::Colon if t.text == "::" => {
                        if top.lambdas > 0 {
                            top.lambdas -= 1;
                            info.lambda_sep = true;
                        } else {
                            info.slice = true;
                        }
                    }
                    Tok::Colon => {
                        if top.kind == Some(Bracket::Subscript) && top.lambdas == 0 {
                            info.slice = true;
                        } else {
                            top.annotated = true;
                        }
                    }
                    Tok::Comma => {
                        info.sep = top.lambdas == 0;
                        top.annotated = false;
                    }
                    Tok::Assign => {
                        info.kw_eq = (matches!(top.kind, Some(Bracket::Call | Bracket::Paren))
                            || top.lambdas > 0)
                            && !top.annotated;
                    }
                    Tok::Lambda => {
                        top.lambdas += 1;
                        top.annotated = false;
                    }
                    Tok::Minus | Tok::Plus | Tok::Star | Tok::StarStar => {
                        info.unary = !after_operand;
                    }
                    Tok::Tilde => info.unary = true,
                    _ => {}
                }
            }
            if is_open(t.kind) {
                let kind = match t.kind {
                    Tok::LParen if after_operand => Bracket::Call,
                    Tok::LParen => Bracket::Paren,
                    Tok::LBracket if after_operand => Bracket::Subscript,
                    Tok::LBracket => Bracket::List,
                    _ => Bracket::Brace,
                };
                info.bracket = Some(kind);
                stack.push(Frame {
                    open: k,
                    kind: Some(kind),
                    lambdas: 0,
                    annotated: false,
                });
            } else if is_close(t.kind) && stack.len() > 1 {
                if let Some(f) = stack.pop() {
                    self.info[f.open].close = k;
                }
            }
            if k > 0 {
                info.space = space(&toks[k - 1], &self.info[k - 1], t, &info, k == 1);
            }
            self.info[k] = info;
        }
    }

    /// The tokens `a..b` on one line.
    fn flat(&self, a: usize, b: usize) -> String {
        let mut s = String::new();
        for k in a..b {
            if k > a && self.info[k].space {
                s.push(' ');
            }
            s.push_str(self.toks[k].text);
        }
        s
    }

    /// Whether `text` fits at `depth` (every physical line of it, for multi-line strings).
    fn fits(&self, depth: usize, text: &str) -> bool {
        text.split('\n').enumerate().all(|(i, l)| {
            let lead = if i == 0 { depth * self.indent } else { 0 };
            lead + l.chars().count() <= self.width
        })
    }

    /// The separating commas directly inside the bracket opened at `o`.
    fn commas(&self, o: usize) -> impl Iterator<Item = usize> + '_ {
        (o + 1..self.info[o].close)
            .filter(move |&k| self.toks[k].kind == Tok::Comma && self.info[k].owner == o)
            .filter(move |&k| self.info[k].sep)
    }

    /// Holds a comprehension (`for` directly inside): its items cannot get a trailing comma.
    fn comprehension(&self, o: usize) -> bool {
        (o + 1..self.info[o].close)
            .any(|k| self.toks[k].kind == Tok::For && self.info[k].owner == o)
    }

    /// The brackets opened at `o` end with a trailing comma that asks for one item per line.
    fn magic(&self, o: usize) -> bool {
        let c = self.info[o].close;
        if c <= o + 1 || self.toks[c - 1].kind != Tok::Comma || self.info[c - 1].owner != o {
            return false;
        }
        match self.info[o].bracket {
            Some(Bracket::Call | Bracket::List | Bracket::Brace) => true,
            Some(Bracket::Paren) => self.commas(o).count() >= 2,
            _ => false,
        }
    }

    /// A trailing comma may be added after the last item in the brackets opened at `o`.
    fn can_trail(&self, o: usize) -> bool {
        if self.comprehension(o) {
            return false;
        }
        match self.info[o].bracket {
            Some(Bracket::Call | Bracket::List | Bracket::Brace) => true,
            Some(Bracket::Paren) => self.commas(o).count() >= 1,
            _ => false,
        }
    }

    /// `a..b` cannot stay on one line: a comment inside, or a magic trailing comma.
    fn forced(&self, a: usize, b: usize) -> bool {
        (a..b).any(|k| {
            let t = &self.toks[k];
            (k > a && !t.before.is_empty())
                || (k + 1 < b && t.after.is_some())
                || (t.kind != Tok::Eof && self.info[k].bracket.is_some() && self.magic(k))
        })
    }

    /// Lays out the whole line at `depth`.
    pub(crate) fn line(&self, depth: usize, out: &mut Vec<Out<'a>>) {
        if !self.toks.is_empty() {
            self.unit(0, self.toks.len(), depth, out);
        }
    }

    /// Lays out `a..b` at `depth` (the comments before token `a` are the caller's).
    fn unit(&self, a: usize, b: usize, depth: usize, out: &mut Vec<Out<'a>>) {
        let text = self.flat(a, b);
        let fits = self.fits(depth, &text);
        let forced = self.forced(a, b);
        if !forced && fits {
            out.push(Out {
                depth,
                text,
                comment: self.toks[b - 1].after,
            });
            return;
        }
        let mut pairs = Vec::new();
        let mut k = a;
        while k < b {
            let c = self.info[k].close;
            if self.info[k].bracket.is_some() && c < b && c > k + 1 {
                pairs.push(k);
                k = c + 1;
            } else {
                k += 1;
            }
        }
        let chosen = match pairs
            .iter()
            .copied()
            .find(|&o| self.forced(o, self.info[o].close + 1))
        {
            Some(o) => Some(o),
            None if !fits => {
                // The largest pair, among those that take a trailing comma when there are
                // any: the comma keeps them broken on the next pass, so the choice is stable.
                let trailing = pairs.iter().any(|&o| self.can_trail(o));
                let mut best: Option<(usize, usize)> = None;
                for &o in &pairs {
                    if trailing && !self.can_trail(o) {
                        continue;
                    }
                    let len = self.flat(o + 1, self.info[o].close).chars().count();
                    if best.is_none_or(|(l, _)| len >= l) {
                        best = Some((len, o));
                    }
                }
                best.map(|(_, o)| o)
            }
            None => None,
        };
        let Some(o) = chosen else {
            self.fallback(a, b, depth, out);
            return;
        };
        let c = self.info[o].close;
        self.fallback(a, o + 1, depth, out);
        self.items(o, depth + 1, out);
        for cm in &self.toks[c].before {
            out.push(comment_line(depth + 1, cm.text));
        }
        self.unit(c, b, depth, out);
    }

    /// The items inside the brackets opened at `o`, one per line at `depth`.
    fn items(&self, o: usize, depth: usize, out: &mut Vec<Out<'a>>) {
        let c = self.info[o].close;
        let mut items = Vec::new();
        let mut start = o + 1;
        for k in self.commas(o) {
            items.push((start, k, Some(k)));
            start = k + 1;
        }
        if start < c {
            items.push((start, c, None));
        }
        let trail = self.can_trail(o);
        let last = items.len().saturating_sub(1);
        for (i, &(s, e, comma)) in items.iter().enumerate() {
            if s == e {
                continue;
            }
            for cm in &self.toks[s].before {
                out.push(comment_line(depth, cm.text));
            }
            self.unit(s, e, depth, out);
            if comma.is_some() || (i == last && trail) {
                if let Some(l) = out.last_mut() {
                    l.text.push(',');
                }
            }
            if let Some(k) = comma {
                let t = &self.toks[k];
                if let Some(cm) = t.after {
                    match out.last_mut() {
                        Some(l) if l.comment.is_none() => l.comment = Some(cm),
                        _ => out.push(comment_line(depth, cm)),
                    }
                }
                for cm in &t.before {
                    out.push(comment_line(depth, cm.text));
                }
            }
        }
    }

    /// `a..b` on one line whatever its width; the comments inside it go on their own lines
    /// before it (one level deeper when it starts with a closing bracket, where the comments
    /// before that bracket go).
    fn fallback(&self, a: usize, b: usize, depth: usize, out: &mut Vec<Out<'a>>) {
        let cdepth = if is_close(self.toks[a].kind) {
            depth + 1
        } else {
            depth
        };
        for k in a..b {
            let t = &self.toks[k];
            if k > a {
                for cm in &t.before {
                    out.push(comment_line(cdepth, cm.text));
                }
            }
            if k + 1 < b {
                if let Some(cm) = t.after {
                    out.push(comment_line(cdepth, cm));
                }
            }
        }
        out.push(Out {
            depth,
            text: self.flat(a, b),
            comment: self.toks[b - 1].after,
        });
    }
}

fn comment_line<'a>(depth: usize, text: &str) -> Out<'a> {
    Out {
        depth,
        text: text.to_string(),
        comment: None,
    }
}

/// Whether a space separates `p` (described by `pi`) from the next token `t` (`ti`).
/// `first`: `p` opens the line.
fn space(p: &Tk, pi: &Info, t: &Tk, ti: &Info, first: bool) -> bool {
    if is_open(p.kind) || is_close(t.kind) || matches!(t.kind, Tok::Comma | Tok::Semi) {
        return false;
    }
    if ti.lambda_sep || pi.lambda_sep {
        return true;
    }
    if ti.slice {
        // `local :x` must not become the scoped name `local:x`.
        return p.kind == Tok::Scope;
    }
    if pi.slice || t.kind == Tok::Colon {
        return false;
    }
    if t.kind == Tok::Dot {
        // `a.b`, `from ..m`; but `from . import`, `[int, ...]`, `1 .real`.
        return p.kind == Tok::Number || (p.kind != Tok::Dot && !operand_end(p.kind));
    }
    if p.kind == Tok::Dot {
        return t.kind == Tok::Import;
    }
    if pi.unary || (p.kind == Tok::At && first) {
        return false;
    }
    if matches!(t.kind, Tok::LParen | Tok::LBracket) && operand_end(p.kind) {
        return false;
    }
    !(ti.kw_eq || pi.kw_eq)
}
