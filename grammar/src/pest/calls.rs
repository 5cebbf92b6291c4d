//! Call arguments (positional, keyword, `*xs`, `**kw`, a sole generator expression) and
//! subscripts (indexes, slices, tuples of them).

use super::builder::Builder;
use super::grammar::{Pair, Rule};
use crate::ast::*;
use crate::build::exprs::{slice_node, subscript_tuple_node};
use crate::build::kit::{boxed, internal, Built, Result};
use crate::build::nodes::generator_arg;
use crate::error::SyntaxError;

impl<'s> Builder<'s> {
    /// The arguments of a call (also used by decorators).
    pub(super) fn call_args(&mut self, p: Pair<'_>) -> Result<(Vec<Arg>, u32)> {
        let span = self.span(&p);
        let saved = self.ctx;
        if self.ctx.in_stage {
            self.ctx.placeholder_ok = true;
        }
        self.ctx.in_stage = false;
        let r = self.nested(span, |b| b.call_args_inner(p, span));
        self.ctx.placeholder_ok = saved.placeholder_ok;
        self.ctx.in_stage = saved.in_stage;
        r
    }

    pub(super) fn call_args_inner(&mut self, p: Pair<'_>, span: Span) -> Result<(Vec<Arg>, u32)> {
        let mut args: Vec<Arg> = Vec::new();
        let mut gens = Vec::new();
        let mut depth = 0;
        let mut seen_kw = false;
        // Not allocated until the first keyword argument.
        let mut keywords = std::collections::HashSet::new();
        let mut seen_starstar = false;
        for c in p.into_inner() {
            let start = self.start(&c);
            let rule = c.as_rule();
            if rule == Rule::comp_for {
                let (g, d) = self.comp_for(c)?;
                depth = depth.max(d);
                gens.push(g);
                continue;
            }
            let (kind, end) = match rule {
                Rule::kwarg => {
                    let mut it = c.into_inner().filter(|x| x.as_rule() != Rule::eq);
                    let (Some(name), Some(value)) = (it.next(), it.next()) else {
                        return Err(internal(span));
                    };
                    let name = self.ident(&name)?;
                    if !keywords.insert(name.name) {
                        return Err(SyntaxError::new(
                            format!("keyword argument repeated: '{}'", name.name),
                            name.span,
                        )
                        .with_label("given a second time")
                        .with_help("pass each keyword argument once"));
                    }
                    let (v, d) = self.stream(value)?;
                    depth = depth.max(d);
                    seen_kw = true;
                    let end = v.span.end;
                    (ArgKind::Keyword(name, v), end)
                }
                Rule::star_arg | Rule::starstar_arg => {
                    let inner = c.into_inner().next().ok_or_else(|| internal(span))?;
                    let (v, d) = self.stream(inner)?;
                    depth = depth.max(d);
                    let end = v.span.end;
                    if rule == Rule::starstar_arg {
                        seen_starstar = true;
                        (ArgKind::StarStar(v), end)
                    } else {
                        if seen_starstar {
                            return Err(SyntaxError::new(
                                "'*' argument follows '**' argument",
                                Span { start, end },
                            )
                            .with_label("iterable unpacking after keyword unpacking")
                            .with_help("move the '*' argument before the '**' argument"));
                        }
                        (ArgKind::Star(v), end)
                    }
                }
                _ => {
                    let (v, d) = self.stream(c)?;
                    depth = depth.max(d);
                    if seen_kw || seen_starstar {
                        return Err(SyntaxError::new(
                            "positional argument follows keyword argument",
                            v.span,
                        )
                        .with_label("positional argument")
                        .with_help("move positional arguments before keyword arguments"));
                    }
                    let end = v.span.end;
                    (ArgKind::Positional(v), end)
                }
            };
            args.push(Arg {
                kind,
                span: Span { start, end },
            });
        }
        if !gens.is_empty() {
            let Some(arg) = generator_arg(args.pop(), gens, span.end - 1) else {
                return Err(SyntaxError::new(
                    "a generator expression must be the only argument or be parenthesised",
                    span,
                )
                .with_label("generator expression"));
            };
            args.push(arg);
            depth += 1;
        }
        Ok((args, depth + 1))
    }

    /// The contents of `[...]` after an expression: an index, a slice or a tuple of them.
    pub(super) fn subscript(&mut self, p: Pair<'_>) -> Result<Built> {
        let span = self.span(&p);
        self.nested(span, |b| {
            let mut items = Vec::new();
            let mut depth = 0;
            let mut trailing = false;
            for c in p.into_inner() {
                if c.as_rule() == Rule::tcomma {
                    trailing = true;
                    continue;
                }
                let (e, d) = b.sub_item(c)?;
                depth = depth.max(d);
                items.push(e);
            }
            if items.len() == 1 && !trailing {
                let e = items.pop().ok_or_else(|| internal(span))?;
                return Ok((e, depth));
            }
            let (tuple, depth) = subscript_tuple_node(items, depth, span.start + 1, span.end - 1);
            b.check_depth(depth, tuple.span)?;
            Ok((tuple, depth))
        })
    }

    pub(super) fn sub_item(&mut self, p: Pair<'_>) -> Result<Built> {
        let start = self.start(&p);
        let mut slots: [Option<Box<Expr>>; 3] = [None, None, None];
        let mut slot = 0;
        let mut end = start;
        let mut depth = 0;
        for c in p.into_inner() {
            if c.as_rule() == Rule::slice_colon {
                slot += 1;
                end = self.span(&c).end;
                continue;
            }
            let (e, d) = self.stream(c)?;
            depth = depth.max(d);
            end = e.span.end;
            match slots.get_mut(slot) {
                Some(s) => *s = Some(boxed(e)),
                None => return Err(internal(Span { start, end })),
            }
        }
        if slot == 0 {
            let [lower, _, _] = slots;
            return match lower {
                Some(e) => Ok((*e, depth)),
                None => Err(internal(Span { start, end })),
            };
        }
        let (slice, depth) = slice_node(slots, depth, start, end);
        self.check_depth(depth, slice.span)?;
        Ok((slice, depth))
    }
}
