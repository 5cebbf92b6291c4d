//! The pest parser generated from `dana.pest` (the normative grammar: every rule, and the
//! `Rule` enum the builder matches on).

use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "pest/dana.pest"]
pub(crate) struct DanaParser;

pub(crate) type Pair<'i> = pest::iterators::Pair<'i, Rule>;
