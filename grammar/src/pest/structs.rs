//! `struct`, `interface` and the niche blocks (`agent`, `agent_blueprint`, `resource`,
//! `workflow`): docstrings, typed fields with their trailing comments, methods and method
//! signatures. Inheritance is reported with a composition hint.

use super::builder::Builder;
use super::grammar::{Pair, Rule};
use crate::ast::*;
use crate::build::kit::{internal, Result};
use crate::build::nodes::{field_node, method_sig_node, niche_kind, Members};
use crate::error::SyntaxError;

impl<'s> Builder<'s> {
    /// `struct` and the niche blocks (`agent`, `agent_blueprint`, `resource`, `workflow`).
    pub(super) fn struct_like(&mut self, p: Pair<'_>) -> Result<(StmtKind, u32)> {
        let start = self.start(&p);
        let here = Span::new(start as usize, start as usize);
        let mut niche = None;
        let mut name = None;
        let mut members = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::niche_kw => niche = Some(niche_kind(c.as_str())),
                Rule::ident => name = Some(self.ident(&c)?),
                Rule::struct_bases => {
                    let what = if niche.is_some() {
                        "this block"
                    } else {
                        "a struct"
                    };
                    return Err(SyntaxError::new(
                        format!("{what} cannot inherit: Dana has no inheritance"),
                        self.span(&c),
                    )
                    .with_label("base types are not allowed")
                    .with_help(
                        "use composition: add a field whose name starts with '_' (e.g. `_base: A`); \
                         attribute and method lookups that miss are delegated to it",
                    ));
                }
                Rule::members => members = Some(self.members(c)?),
                _ => {}
            }
        }
        let name = name.ok_or_else(|| internal(here))?;
        let members = members.ok_or_else(|| internal(here))?;
        Ok(members.finish(niche, name))
    }

    /// The body of a struct-like block.
    pub(super) fn members(&mut self, p: Pair<'_>) -> Result<Members> {
        let mut members = Members::default();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::inline_body => return Err(self.inline_body_error(&c)),
                Rule::docstring_line => members.string_line(self.docstring_line(c)?),
                Rule::funcdef => members.method(self.funcdef(c)?),
                Rule::field_line => members.field(self.field(c)?),
                Rule::pass_stmt => members.pass(self.span(&c).end),
                _ => {}
            }
        }
        Ok(members)
    }

    pub(super) fn docstring_line(&mut self, p: Pair<'_>) -> Result<(Option<String>, u32)> {
        let here = self.span(&p);
        let s = p.into_inner().next().ok_or_else(|| internal(here))?;
        let e = self.strings(s)?.0;
        match e.kind {
            ExprKind::Str(text) => Ok((Some(text), e.span.end)),
            _ => Ok((None, e.span.end)),
        }
    }

    pub(super) fn field(&mut self, p: Pair<'_>) -> Result<FieldDef> {
        let here = self.span(&p);
        let mut name = None;
        let mut ann = None;
        let mut default = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)?),
                Rule::type_expr => ann = Some(self.type_expr(c)?),
                Rule::expr => default = Some(self.stream(c)?.0),
                _ => {}
            }
        }
        let name: Ident = name.ok_or_else(|| internal(here))?;
        Ok(field_node(self.src, name, ann, default))
    }

    pub(super) fn interface(&mut self, p: Pair<'_>) -> Result<(StmtKind, u32)> {
        let start = self.start(&p);
        let mut end = start;
        let here = Span::new(start as usize, start as usize);
        let mut name = None;
        let mut docstring = None;
        let mut methods = Vec::new();
        let mut embeds = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)?),
                Rule::iface_members => {
                    let mut first = true;
                    for m in c.into_inner() {
                        match m.as_rule() {
                            Rule::inline_body => return Err(self.inline_body_error(&m)),
                            Rule::docstring_line => {
                                let (doc, dend) = self.docstring_line(m)?;
                                end = end.max(dend);
                                if first {
                                    docstring = doc;
                                }
                            }
                            Rule::method_sig => {
                                let sig = self.method_sig(m)?;
                                end = end.max(sig.span.end);
                                methods.push(sig);
                            }
                            Rule::embed_line => {
                                let id = m.into_inner().next().ok_or_else(|| internal(here))?;
                                let id = self.ident(&id)?;
                                end = end.max(id.span.end);
                                embeds.push(id);
                            }
                            Rule::pass_stmt => end = end.max(self.span(&m).end),
                            _ => {}
                        }
                        first = false;
                    }
                }
                _ => {}
            }
        }
        Ok((
            StmtKind::Interface(Box::new(InterfaceDef {
                name: name.ok_or_else(|| internal(here))?,
                docstring,
                methods,
                embeds,
            })),
            end,
        ))
    }

    pub(super) fn method_sig(&mut self, p: Pair<'_>) -> Result<MethodSig> {
        let start = self.start(&p);
        let here = Span::new(start as usize, start as usize);
        let mut name = None;
        let mut params = Vec::new();
        let mut returns = None;
        let mut params_end = start;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(self.ident(&c)?),
                Rule::params => {
                    params_end = self.span(&c).end;
                    params = self.params(c)?;
                }
                Rule::ret_ann => {
                    let t = c.into_inner().next().ok_or_else(|| internal(here))?;
                    returns = Some(self.type_expr(t)?);
                }
                _ => {}
            }
        }
        let name = name.ok_or_else(|| internal(here))?;
        Ok(method_sig_node(start, name, params, returns, params_end))
    }
}
