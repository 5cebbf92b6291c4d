//! String literals in the pest tree: a `strings` pair's adjacent tokens, decoded and
//! concatenated by the shared literal decoder, with the builder as the host that parses
//! f-string fields (through the grammar's `expr_entry` rule) and counts their nesting.

use super::builder::Builder;
use super::grammar::Pair;
use crate::ast::*;
use crate::build::kit::{internal, too_deep, Built, Result, MAX_NESTING};
use crate::build::literals::{FieldHost, StringsAcc};

impl<'s> Builder<'s> {
    /// A `strings` pair: one or more adjacent literals, concatenated.
    pub(super) fn strings(&mut self, p: Pair<'_>) -> Result<Built> {
        let mut acc = StringsAcc::default();
        for tok in p.into_inner() {
            let span = self.span(&tok);
            // Strings contain no layout markers, so the token is also a slice of the source.
            let text: &'s str = self.src.get(span.range()).ok_or_else(|| internal(span))?;
            acc.push(self, text, span)?;
        }
        acc.finish()
    }
}

impl<'s> FieldHost<'s> for Builder<'s> {
    fn field_expr(&mut self, text: &'s str, base: usize) -> Result<Built> {
        self.sub_expr(text, base)
    }

    fn enter(&mut self, span: Span) -> Result<()> {
        if self.ctx.nesting >= MAX_NESTING {
            return Err(too_deep(span));
        }
        self.ctx.nesting += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.ctx.nesting -= 1;
    }
}
