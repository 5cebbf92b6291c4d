//! Bracketed displays: parentheses (grouping, tuples, eager generator expressions), lists,
//! dicts, sets and every comprehension form, including the Dana dict-comprehension key
//! `{(k: v) for …}`. Each display is one grammar rule decided after its first element, so
//! building never re-parses nested brackets.

use super::builder::{starred_here, Builder};
use super::grammar::{Pair, Rule};
use crate::ast::*;
use crate::build::kit::{boxed, internal, Built, Result};
use crate::build::nodes::dict_unpack;
use crate::error::SyntaxError;

impl<'s> Builder<'s> {
    pub(super) fn paren(&mut self, p: Pair<'_>) -> Result<Built> {
        let span = self.span(&p);
        self.nested(span, |b| {
            let mut it = p.into_inner();
            let Some(first) = it.next() else {
                return Ok((
                    Expr {
                        kind: ExprKind::Tuple(Vec::new()),
                        span,
                    },
                    1,
                ));
            };
            let (e0, d0) = b.star_elem(first)?;
            let Some(second) = it.next() else {
                if matches!(e0.kind, ExprKind::Starred(_)) {
                    return Err(starred_here(e0.span));
                }
                return Ok((e0, d0));
            };
            match second.as_rule() {
                Rule::comp_for => {
                    let mut gens = Vec::new();
                    let mut depth = d0;
                    for g in std::iter::once(second).chain(it) {
                        let (g, d) = b.comp_for(g)?;
                        depth = depth.max(d);
                        gens.push(g);
                    }
                    if matches!(e0.kind, ExprKind::Starred(_)) {
                        return Err(starred_here(e0.span));
                    }
                    // A generator expression is built eagerly, as a list comprehension.
                    b.finish(
                        ExprKind::ListComp {
                            elt: boxed(e0),
                            gens,
                        },
                        depth + 1,
                        span,
                    )
                }
                Rule::tuple_tail => {
                    let mut items = vec![e0];
                    let mut depth = d0;
                    for c in second.into_inner() {
                        let (e, d) = b.star_elem(c)?;
                        depth = depth.max(d);
                        items.push(e);
                    }
                    b.finish(ExprKind::Tuple(items), depth + 1, span)
                }
                _ => Err(SyntaxError::new(
                    "'(key: value)' is only valid in a dict comprehension",
                    span,
                )
                .with_label("key/value pair in parentheses")
                .with_help("write a dict comprehension `{(k: v) for …}`, or a dict `{k: v}`")),
            }
        })
    }

    pub(super) fn finish(&self, kind: ExprKind, depth: u32, span: Span) -> Result<Built> {
        self.check_depth(depth, span)?;
        Ok((Expr { kind, span }, depth))
    }

    pub(super) fn list_disp(&mut self, p: Pair<'_>) -> Result<Built> {
        let span = self.span(&p);
        self.nested(span, |b| {
            let mut items = Vec::new();
            let mut gens = Vec::new();
            let mut depth = 0;
            for c in p.into_inner() {
                if c.as_rule() == Rule::comp_for {
                    let (g, d) = b.comp_for(c)?;
                    depth = depth.max(d);
                    gens.push(g);
                } else {
                    let (e, d) = b.star_elem(c)?;
                    depth = depth.max(d);
                    items.push(e);
                }
            }
            if gens.is_empty() {
                return b.finish(ExprKind::List(items), depth + 1, span);
            }
            let elt = items.pop().ok_or_else(|| internal(span))?;
            if matches!(elt.kind, ExprKind::Starred(_)) {
                return Err(starred_here(elt.span));
            }
            b.finish(
                ExprKind::ListComp {
                    elt: boxed(elt),
                    gens,
                },
                depth + 1,
                span,
            )
        })
    }

    pub(super) fn brace_disp(&mut self, p: Pair<'_>) -> Result<Built> {
        let span = self.span(&p);
        self.nested(span, |b| {
            let mut singles = Vec::new();
            let mut pairs = Vec::new();
            let mut gens = Vec::new();
            let mut depth = 0;
            for c in p.into_inner() {
                if c.as_rule() == Rule::comp_for {
                    let (g, d) = b.comp_for(c)?;
                    depth = depth.max(d);
                    gens.push(g);
                    continue;
                }
                let mut parts = c.into_inner();
                let Some(k) = parts.next() else {
                    return Err(internal(span));
                };
                if k.as_rule() == Rule::dict_unpack {
                    // `**m` is stored as the entry `(Starred(m), None)` (see ExprKind::Dict).
                    let uspan = b.span(&k);
                    let inner = k.into_inner().next().ok_or_else(|| internal(span))?;
                    let (m, md) = b.stream(inner)?;
                    depth = depth.max(md + 1);
                    pairs.push(dict_unpack(m, uspan));
                    continue;
                }
                match parts.next() {
                    Some(v) => {
                        let (k, kd) = b.star_elem(k)?;
                        if matches!(k.kind, ExprKind::Starred(_)) {
                            return Err(starred_here(k.span));
                        }
                        let (v, vd) = b.stream(v)?;
                        depth = depth.max(kd).max(vd);
                        pairs.push((k, v));
                    }
                    None => {
                        // The Dana spelling `{(k: v) for …}`: a parenthesised pair.
                        if let Some((kp, vp)) = paren_pair(&k) {
                            let (k, kd) = b.nested(span, |b| b.star_elem(kp))?;
                            let (v, vd) = b.nested(span, |b| b.stream(vp))?;
                            depth = depth.max(kd).max(vd);
                            pairs.push((k, v));
                        } else {
                            let (e, d) = b.star_elem(k)?;
                            depth = depth.max(d);
                            singles.push(e);
                        }
                    }
                }
            }
            if !gens.is_empty() {
                if let Some((k, v)) = pairs.pop() {
                    if matches!(k.kind, ExprKind::Starred(_)) {
                        return Err(SyntaxError::new(
                            "'**' unpacking cannot be used in a dict comprehension",
                            k.span,
                        )
                        .with_label("dict unpacking")
                        .with_help("write the entries as `k: v for …`"));
                    }
                    return b.finish(
                        ExprKind::DictComp {
                            key: boxed(k),
                            value: boxed(v),
                            gens,
                        },
                        depth + 1,
                        span,
                    );
                }
                let elt = singles.pop().ok_or_else(|| internal(span))?;
                if matches!(elt.kind, ExprKind::Starred(_)) {
                    return Err(starred_here(elt.span));
                }
                return b.finish(
                    ExprKind::SetComp {
                        elt: boxed(elt),
                        gens,
                    },
                    depth + 1,
                    span,
                );
            }
            if !singles.is_empty() && !pairs.is_empty() {
                return Err(SyntaxError::new(
                    "cannot mix 'key: value' entries and set elements",
                    span,
                )
                .with_label("in this display")
                .with_help("use `{k: v, …}` for a dict or `{a, b, …}` for a set"));
            }
            if pairs.is_empty() && !singles.is_empty() {
                return b.finish(ExprKind::Set(singles), depth + 1, span);
            }
            b.finish(ExprKind::Dict(pairs), depth + 1, span)
        })
    }

    pub(super) fn comp_for(&mut self, p: Pair<'_>) -> Result<(Comprehension, u32)> {
        let whole = self.span(&p);
        let mut target = None;
        let mut iter = None;
        let mut ifs = Vec::new();
        let mut depth = 0;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::target_list => {
                    let (t, d) = self.target_list(c)?;
                    depth = depth.max(d);
                    target = Some(t);
                }
                Rule::test => {
                    let (e, d) = self.stream(c)?;
                    depth = depth.max(d);
                    iter = Some(e);
                }
                Rule::comp_if => {
                    let test = c
                        .into_inner()
                        .find(|t| t.as_rule() == Rule::test)
                        .ok_or_else(|| internal(whole))?;
                    let (e, d) = self.stream(test)?;
                    depth = depth.max(d);
                    ifs.push(e);
                }
                _ => {}
            }
        }
        match (target, iter) {
            (Some(target), Some(iter)) => Ok((Comprehension { target, iter, ifs }, depth + 1)),
            _ => Err(internal(whole)),
        }
    }
}

/// `(k: v)` written as a whole brace item: the `expr` pair holds nothing but a `paren` with
/// two children (the grammar's pair form).
fn paren_pair<'i>(item: &Pair<'i>) -> Option<(Pair<'i>, Pair<'i>)> {
    if item.as_rule() != Rule::expr {
        return None;
    }
    let mut inner = item.clone().into_inner();
    let paren = inner.next()?;
    if paren.as_rule() != Rule::paren || inner.next().is_some() {
        return None;
    }
    let mut parts = paren.into_inner();
    let (k, v) = (parts.next()?, parts.next()?);
    if v.as_rule() != Rule::expr || parts.next().is_some() {
        return None;
    }
    Some((k, v))
}
