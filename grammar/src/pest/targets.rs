//! Assignment targets (DANA_SPEC §2): `for` / comprehension target lists and the check that
//! an expression can be assigned to, with errors naming what it is instead.

use super::builder::Builder;
use super::grammar::{Pair, Rule};
use crate::build::checks::check_target;
use crate::build::exprs::{starred_node, tuple_node};
use crate::build::kit::{internal, Built, Result};

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
                    let (e, d) = starred_node(start, self.stream(inner)?);
                    end = e.span.end;
                    depth = depth.max(d);
                    items.push(e);
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
            let tuple;
            (tuple, depth) = tuple_node(items, depth, whole.start, end);
            tuple
        };
        check_target(self.src, &target, false)?;
        Ok((target, depth))
    }
}
