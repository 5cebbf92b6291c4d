//! Assignment targets (DANA_SPEC §2): `for` / comprehension target lists and the check that
//! an expression can be assigned to, with errors naming what it is instead.

use super::expr::{boxed, Built};
use super::{internal, Builder, Pair, Result, Rule};
use crate::ast::*;
use crate::error::SyntaxError;

impl<'s> Builder<'s> {
    /// The target list of a `for` loop or comprehension.
    pub(super) fn target_list(&mut self, p: Pair<'_>) -> Result<Built> {
        let whole = self.span(&p);
        let mut items = Vec::new();
        let mut depth = 0;
        let mut trailing = false;
        let mut end = whole.start;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::tcomma => {
                    trailing = true;
                    end = self.span(&c).end;
                }
                Rule::starred_target => {
                    let start = self.start(&c);
                    let inner = c.into_inner().next().ok_or_else(|| internal(whole))?;
                    let (e, d) = self.stream(inner)?;
                    let span = Span {
                        start,
                        end: e.span.end,
                    };
                    end = span.end;
                    depth = depth.max(d + 1);
                    items.push(Expr {
                        kind: ExprKind::Starred(boxed(e)),
                        span,
                    });
                }
                _ => {
                    let (e, d) = self.stream(c)?;
                    end = e.span.end;
                    depth = depth.max(d);
                    items.push(e);
                }
            }
        }
        let target = if items.len() == 1 && !trailing {
            items.pop().ok_or_else(|| internal(whole))?
        } else {
            depth += 1;
            let span = Span {
                start: items.first().map_or(whole.start, |e| e.span.start),
                end,
            };
            Expr {
                kind: ExprKind::Tuple(items),
                span,
            }
        };
        check_target(self.src, &target, false)?;
        Ok((target, depth))
    }
}

/// Checks that `e` can be assigned to (DANA_SPEC §2); `src` is the source it was parsed from.
pub(crate) fn check_target(src: &str, e: &Expr, in_sequence: bool) -> Result<()> {
    match &e.kind {
        ExprKind::Name { .. } | ExprKind::Attribute { .. } | ExprKind::Index { .. } => Ok(()),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            let mut stars = 0;
            for item in items {
                if matches!(item.kind, ExprKind::Starred(_)) {
                    stars += 1;
                    if stars > 1 {
                        return Err(SyntaxError::new(
                            "multiple starred expressions in assignment",
                            item.span,
                        )
                        .with_label("second starred target"));
                    }
                }
                check_target(src, item, true)?;
            }
            Ok(())
        }
        ExprKind::Starred(inner) if in_sequence => check_target(src, inner, false),
        ExprKind::Starred(_) => Err(SyntaxError::new(
            "a starred assignment target must be in a list or tuple",
            e.span,
        )
        .with_label("starred target")
        .with_help("add a comma: `*rest, = values`")),
        ExprKind::Bool(_) | ExprKind::None => {
            let word = src.get(e.span.range()).unwrap_or("this literal");
            Err(SyntaxError::new(
                format!("cannot assign to '{word}': it is a reserved word"),
                e.span,
            )
            .with_label("reserved word")
            .with_help(format!("choose another name, e.g. '{word}_'")))
        }
        _ => Err(
            SyntaxError::new(format!("cannot assign to {}", describe(e)), e.span)
                .with_label("not assignable")
                .with_help(
                    "assign to a name, an attribute (`p.x`), an item (`d[k]`) or a tuple of them",
                ),
        ),
    }
}

fn describe(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::BigInt(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None => "a literal",
        ExprKind::FString(_) => "an f-string",
        ExprKind::Call { .. } => "a function call",
        ExprKind::Compare { .. } => "a comparison",
        ExprKind::Lambda(_) => "a lambda",
        ExprKind::IfExp { .. } => "a conditional expression",
        ExprKind::Dict(_) | ExprKind::Set(_) => "a dict or set display",
        ExprKind::ListComp { .. } | ExprKind::SetComp { .. } | ExprKind::DictComp { .. } => {
            "a comprehension"
        }
        ExprKind::Placeholder => "the '$$' placeholder",
        _ => "an expression",
    }
}
