//! Expressions: names, calls and arguments, assignment targets, slices, f-strings,
//! comprehensions (whose variables get fresh slots visible only inside them).

use super::function::FnBody;
use super::names::{target_names, BindKind};
use super::scope::{syntax_error, Resolver, R};
use crate::ir::*;
use crate::value::Value;
use dana_grammar::ast::{self, ExprKind, ScopeKind, Span, Sym};
use std::collections::HashMap;
use std::rc::Rc;

impl Resolver {
    pub(super) fn target(&mut self, t: &ast::Expr) -> R<Target> {
        Ok(match &t.kind {
            ExprKind::Name { scope, name } => match scope {
                None | Some(ScopeKind::Local) => Target::Name(self.store_place(*name), *name),
                Some(s) => Target::Scoped(*s, *name),
            },
            ExprKind::Attribute { value, attr } => {
                Target::Attr(self.expr(value)?, attr.name, t.span, Default::default())
            }
            ExprKind::Index { value, index } => {
                if let ExprKind::Slice { lower, upper, step } = &index.kind {
                    Target::Slice(Box::new(self.slice(value, lower, upper, step)?), t.span)
                } else {
                    Target::Index(self.expr(value)?, self.expr(index)?, t.span)
                }
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let mut ts = Vec::new();
                let mut star = None;
                for (i, it) in items.iter().enumerate() {
                    if let ExprKind::Starred(inner) = &it.kind {
                        if star.is_some() {
                            return Err(syntax_error(
                                &self.src,
                                it.span,
                                "multiple starred expressions in assignment",
                            ));
                        }
                        star = Some(i);
                        ts.push(self.target(inner)?);
                    } else {
                        ts.push(self.target(it)?);
                    }
                }
                Target::Unpack(ts, star, t.span)
            }
            _ => {
                return Err(syntax_error(
                    &self.src,
                    t.span,
                    "cannot assign to expression",
                ))
            }
        })
    }

    pub(super) fn slice(
        &mut self,
        value: &ast::Expr,
        lower: &Option<Box<ast::Expr>>,
        upper: &Option<Box<ast::Expr>>,
        step: &Option<Box<ast::Expr>>,
    ) -> R<SliceEx> {
        Ok(SliceEx {
            value: self.expr(value)?,
            lower: lower.as_ref().map(|e| self.expr(e)).transpose()?,
            upper: upper.as_ref().map(|e| self.expr(e)).transpose()?,
            step: step.as_ref().map(|e| self.expr(e)).transpose()?,
        })
    }

    pub(super) fn args(&mut self, args: &[ast::Arg]) -> R<(Vec<Arg>, bool)> {
        let mut out = Vec::with_capacity(args.len());
        let mut simple = true;
        for a in args {
            out.push(match &a.kind {
                ast::ArgKind::Positional(e) => Arg::Pos(self.expr(e)?),
                ast::ArgKind::Keyword(n, e) => {
                    simple = false;
                    Arg::Kw(n.name, self.expr(e)?)
                }
                ast::ArgKind::Star(e) => {
                    simple = false;
                    Arg::Star(self.expr(e)?)
                }
                ast::ArgKind::StarStar(e) => {
                    simple = false;
                    Arg::StarStar(self.expr(e)?)
                }
            });
        }
        Ok((out, simple))
    }

    pub(super) fn exprs(&mut self, es: &[ast::Expr]) -> R<Vec<Ex>> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    pub(super) fn bx(&mut self, e: &ast::Expr) -> R<Box<Ex>> {
        Ok(Box::new(self.expr(e)?))
    }

    pub(crate) fn expr(&mut self, e: &ast::Expr) -> R<Ex> {
        let span = e.span;
        Ok(match &e.kind {
            ExprKind::Int(i) => Ex::Const(Value::Int(*i)),
            ExprKind::BigInt(digits) => match digits.parse::<num_bigint::BigInt>() {
                Ok(b) => Ex::Const(Value::from_bigint(b)),
                Err(_) => return Err(syntax_error(&self.src, span, "invalid integer literal")),
            },
            ExprKind::Float(f) => Ex::Const(Value::Float(*f)),
            ExprKind::Str(s) => Ex::Const(Value::str(s.clone())),
            ExprKind::Bool(b) => Ex::Const(Value::Bool(*b)),
            ExprKind::None => Ex::Const(Value::None),
            ExprKind::FString(parts) => Ex::FString(self.fparts(parts)?),
            ExprKind::Name { scope, name } => match scope {
                None | Some(ScopeKind::Local) => Ex::Name(self.lookup(*name), *name, span),
                Some(s) => Ex::Scoped(*s, *name, span),
            },
            ExprKind::Placeholder => match self.scopes.last().and_then(|s| s.pipeline_slot) {
                Some(slot) => Ex::Name(Place::Local(slot), Sym::intern("$$"), span),
                None => {
                    return Err(syntax_error(
                        &self.src,
                        span,
                        "'$$' is only valid inside a pipeline stage",
                    ))
                }
            },
            ExprKind::List(items) => Ex::List(self.exprs(items)?),
            ExprKind::Tuple(items) => Ex::Tuple(self.exprs(items)?),
            ExprKind::Set(items) => Ex::Set(self.exprs(items)?),
            ExprKind::Dict(items) => {
                let mut out = Vec::new();
                for (k, v) in items {
                    out.push((self.expr(k)?, self.expr(v)?));
                }
                Ex::Dict(out)
            }
            ExprKind::Starred(inner) => Ex::Starred(self.bx(inner)?),
            ExprKind::ListComp { elt, gens } => {
                self.comp(gens, span, |r| Ok(CompKind::List(r.expr(elt)?)))?
            }
            ExprKind::SetComp { elt, gens } => {
                self.comp(gens, span, |r| Ok(CompKind::Set(r.expr(elt)?)))?
            }
            ExprKind::DictComp { key, value, gens } => self.comp(gens, span, |r| {
                Ok(CompKind::Dict(r.expr(key)?, r.expr(value)?))
            })?,
            ExprKind::NamedExpr { target, value } => {
                let v = self.expr(value)?;
                let ExprKind::Name { name, .. } = &target.kind else {
                    return Err(syntax_error(
                        &self.src,
                        target.span,
                        "cannot use assignment expressions with this target",
                    ));
                };
                let place = self.walrus_place(*name, target.span)?;
                Ex::Walrus(Box::new((Target::Name(place, *name), v)))
            }
            ExprKind::Lambda(l) => {
                // A receiver (`lambda (p: Point) dx :: …`) is the first parameter.
                let params: Vec<&ast::Param> = l.receiver.iter().chain(&l.params).collect();
                let mut defaults = Vec::new();
                for p in &params {
                    if let Some(d) = &p.default {
                        defaults.push(self.expr(d)?);
                    }
                }
                let code = self.function_code(
                    Sym::intern("<lambda>"),
                    &params,
                    FnBody::Expr(&l.body),
                    None,
                    None,
                    span,
                )?;
                Ex::MakeFunction(code, defaults)
            }
            ExprKind::IfExp { test, body, orelse } => Ex::IfExp(Box::new((
                self.expr(test)?,
                self.expr(body)?,
                self.expr(orelse)?,
            ))),
            ExprKind::And(a, b) => Ex::And(Box::new((self.expr(a)?, self.expr(b)?))),
            ExprKind::Or(a, b) => Ex::Or(Box::new((self.expr(a)?, self.expr(b)?))),
            ExprKind::Not(a) => Ex::Not(self.bx(a)?),
            ExprKind::Unary(op, a) => Ex::Unary(*op, self.bx(a)?, span),
            ExprKind::Binary(op, a, b) => {
                if *op == ast::BinOp::BitOr {
                    if let Some(stage) = ast::PipeStage::from_operand(b) {
                        return self.pipe(a, b, &stage, span);
                    }
                }
                Ex::Binary(*op, Box::new((self.expr(a)?, self.expr(b)?)), span)
            }
            ExprKind::Compare { left, ops } => {
                if let [(op @ (ast::CmpOp::Is | ast::CmpOp::IsNot), r)] = ops.as_slice() {
                    if let ExprKind::None = r.kind {
                        return Ok(Ex::IsNone(self.bx(left)?, *op == ast::CmpOp::Is));
                    }
                }
                let l = self.bx(left)?;
                let mut os = Vec::new();
                for (op, r) in ops {
                    os.push((*op, self.expr(r)?));
                }
                Ex::Compare(l, os, span)
            }
            ExprKind::Call { func, args } => {
                if let ExprKind::Attribute { value, attr } = &func.kind {
                    let recv = self.expr(value)?;
                    let (args, simple) = self.args(args)?;
                    let fallback = Some((self.lookup(attr.name), attr.name));
                    let append = simple && args.len() == 1 && attr.name.as_str() == "append";
                    Ex::MethodCall(Box::new(MethodCall {
                        recv,
                        name: attr.name,
                        args,
                        simple,
                        fallback,
                        append,
                        span,
                        cache: Default::default(),
                    }))
                } else {
                    let f = self.expr(func)?;
                    let (args, simple) = self.args(args)?;
                    Ex::Call(Box::new(Call {
                        func: f,
                        args,
                        simple,
                        span,
                    }))
                }
            }
            ExprKind::Attribute { value, attr } => {
                Ex::Attr(self.bx(value)?, attr.name, span, Default::default())
            }
            ExprKind::Index { value, index } => {
                if let ExprKind::Slice { lower, upper, step } = &index.kind {
                    Ex::Slice(Box::new(self.slice(value, lower, upper, step)?), span)
                } else {
                    Ex::Index(Box::new((self.expr(value)?, self.expr(index)?)), span)
                }
            }
            ExprKind::Slice { .. } => {
                return Err(syntax_error(
                    &self.src,
                    span,
                    "a slice is only valid inside brackets",
                ))
            }
        })
    }

    pub(super) fn fparts(&mut self, parts: &[ast::FPart]) -> R<Vec<FPart>> {
        let mut out = Vec::new();
        for p in parts {
            out.push(match p {
                ast::FPart::Lit(s) => FPart::Lit(Rc::new(s.clone())),
                ast::FPart::Expr {
                    expr,
                    conversion,
                    spec,
                    debug_text,
                } => FPart::Expr {
                    span: expr.span,
                    expr: self.expr(expr)?,
                    conversion: *conversion,
                    spec: spec.as_ref().map(|s| self.fparts(s)).transpose()?,
                    debug_text: debug_text.clone(),
                },
            });
        }
        Ok(out)
    }

    pub(super) fn comp(
        &mut self,
        gens: &[ast::Comprehension],
        span: Span,
        elt: impl FnOnce(&mut Self) -> R<CompKind>,
    ) -> R<Ex> {
        // The first iterable is evaluated in the enclosing scope (as in Python).
        let mut cgens = Vec::new();
        let depth = self.scope().blocks.len();
        let mut result = Ok(());
        for g in gens {
            let iter = self.expr(&g.iter);
            let iter = match iter {
                Ok(x) => x,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let mut names = Vec::new();
            target_names(&g.target, BindKind::Other, &mut names);
            let mut block = HashMap::new();
            for (n, _, _) in names {
                let captured = self.scope().captured.contains(&n);
                let p = if captured {
                    self.scope().new_cell(n)
                } else {
                    self.scope().new_slot(n)
                };
                block.insert(n, p);
            }
            self.scope().blocks.push(block);
            let target = match self.target(&g.target) {
                Ok(t) => t,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let ifs = match self.exprs(&g.ifs) {
                Ok(x) => x,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            cgens.push(CompGen { target, iter, ifs });
        }
        let kind = match result {
            Ok(()) => elt(self),
            Err(e) => Err(e),
        };
        self.scope().blocks.truncate(depth);
        Ok(Ex::Comp(Box::new(Comp {
            kind: kind?,
            gens: cgens,
            span,
        })))
    }
}
