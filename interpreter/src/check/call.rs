//! Calls: binding arguments to parameters (arity, keyword names), argument types against
//! annotations, struct constructors, builtin-value methods, uniform call syntax, and the
//! result types of the generic builtins (`sorted`, `zip`, `enumerate`, …).

use super::checker::Checker;
use super::diag::{Code, Diagnostic};
use super::suggest::suggest;
use super::ty::{fn_type_from_signatures, Compat, FnType, ParamT, Sig, Type};
use dana_grammar::ast::{self, ArgKind, Expr, ExprKind, ParamKind, Span, Sym};
use std::sync::Arc;

/// A call's arguments with their types.
pub(crate) struct CallArgs {
    pub pos: Vec<(Type, Span)>,
    pub kw: Vec<(ast::Ident, Type, Span)>,
    /// `*xs` or `**kw` present: the arity cannot be known.
    pub spread: bool,
}

impl Checker<'_, '_> {
    fn call_args(&mut self, args: &[ast::Arg]) -> CallArgs {
        let mut out = CallArgs {
            pos: Vec::new(),
            kw: Vec::new(),
            spread: false,
        };
        for a in args {
            match &a.kind {
                ArgKind::Positional(e) => {
                    let t = self.infer(e);
                    out.pos.push((t, e.span));
                }
                ArgKind::Keyword(n, e) => {
                    let t = self.infer(e);
                    out.kw.push((*n, t, a.span));
                }
                ArgKind::Star(e) | ArgKind::StarStar(e) => {
                    self.infer(e);
                    out.spread = true;
                }
            }
        }
        out
    }

    /// `func(args)`.
    pub(crate) fn call(&mut self, e: &Expr, func: &Expr, args: &[ast::Arg]) -> Type {
        if let ExprKind::Attribute { value, attr } = &func.kind {
            return self.method_call(e, value, *attr, args);
        }
        let ft = self.infer(func);
        let ca = self.call_args(args);
        let builtin_name = match &func.kind {
            ExprKind::Name { scope: None, name } if self.is_builtin_ref(*name) => Some(*name),
            _ => None,
        };
        self.apply(&ft, &ca, e.span, func.span, builtin_name)
    }

    /// Calls a value of type `ft` with `ca`; returns the result type.
    fn apply(
        &mut self,
        ft: &Type,
        ca: &CallArgs,
        span: Span,
        callee_span: Span,
        builtin_name: Option<Sym>,
    ) -> Type {
        match ft {
            Type::Func(f) => {
                self.bind_call(f, ca, span);
                match builtin_name {
                    Some(n) => self.builtin_result(n.as_str(), ca, f.ret()),
                    None => f.ret(),
                }
            }
            Type::StructType(s) => {
                self.construct(*s, ca, span);
                if self.is_known_struct(*s) {
                    Type::Struct(*s)
                } else {
                    Type::Any
                }
            }
            Type::BuiltinType(n) => {
                if let Some(sig) = crate::builtins::signatures::type_signature(n.as_str()) {
                    let f = fn_type_from_signatures(n.as_str(), &[sig]);
                    self.bind_call(&f, ca, span);
                }
                self.builtin_result(n.as_str(), ca, Type::Any)
            }
            t if t.is_never_callable() => {
                self.error(
                    Diagnostic::error(
                        Code::NotCallable,
                        callee_span,
                        format!("'{}' object is not callable", t.runtime_name()),
                    )
                    .with_label(format!("this is {t}")),
                );
                Type::Any
            }
            _ => Type::Any,
        }
    }

    /// `recv.name(args)`: a module member, a struct field or method, a builtin-value method,
    /// or a function `name` whose first parameter takes `recv` (uniform call syntax).
    fn method_call(&mut self, e: &Expr, recv: &Expr, name: ast::Ident, args: &[ast::Arg]) -> Type {
        let rt = self.infer(recv);
        let rt = match &rt {
            Type::Union(ts) => {
                let rest: Vec<&Type> = ts.iter().filter(|t| **t != Type::None).collect();
                match rest.as_slice() {
                    [one] => (*one).clone(),
                    _ => rt.clone(),
                }
            }
            _ => rt,
        };
        match &rt {
            Type::Module(key) => {
                let mt = self.module_member(*key, name, recv);
                let ca = self.call_args(args);
                self.apply(&mt, &ca, e.span, name.span, None)
            }
            Type::Struct(s) => {
                let s = *s;
                let ca = self.call_args(args);
                match self.struct_attr(s, name, true) {
                    Some(t) => self.apply(&t, &ca, e.span, name.span, None),
                    None => match self.ufcs(name.name) {
                        Some(Some(f)) => self.ufcs_call(&f, &rt, &ca, e.span),
                        Some(None) => Type::Any,
                        None => {
                            self.struct_attr(s, name, false);
                            Type::Any
                        }
                    },
                }
            }
            Type::Str | Type::List(_) | Type::Set(_) | Type::Tuple(_) | Type::TupleOf(_) => {
                let ca = self.call_args(args);
                match self.builtin_method(&rt, name.name) {
                    Some(f) => {
                        self.bind_call(&f, &ca, e.span);
                        f.ret()
                    }
                    None => match self.ufcs(name.name) {
                        Some(Some(f)) => self.ufcs_call(&f, &rt, &ca, e.span),
                        Some(None) => Type::Any,
                        None => {
                            self.unknown_builtin_attr(&rt, name);
                            Type::Any
                        }
                    },
                }
            }
            Type::Dict(..) => {
                let ca = self.call_args(args);
                match self.builtin_method(&rt, name.name) {
                    Some(f) => {
                        self.bind_call(&f, &ca, e.span);
                        f.ret()
                    }
                    None => {
                        // The key may hold a function (attribute reads the key), or a function
                        // in scope takes the dict first: nothing to report.
                        if let Some(Some(f)) = self.ufcs(name.name) {
                            return self.ufcs_call(&f, &rt, &ca, e.span);
                        }
                        Type::Any
                    }
                }
            }
            _ => {
                if let Some(Some(f)) = self.ufcs(name.name) {
                    let _ = f;
                }
                self.call_args(args);
                Type::Any
            }
        }
    }

    /// The function uniform call syntax would fall back to: `None` when nothing is named
    /// `name`; `Some(None)` when something is, but its signature is unknown.
    fn ufcs(&mut self, name: Sym) -> Option<Option<Arc<FnType>>> {
        if self.star_import {
            return Some(None);
        }
        match self.lookup(name, true)? {
            Type::Func(f) => Some(Some(f)),
            _ => Some(None),
        }
    }

    fn ufcs_call(&mut self, f: &Arc<FnType>, recv: &Type, ca: &CallArgs, span: Span) -> Type {
        // The receiver must suit the first parameter, else the runtime would not pick it.
        let fits = f.sigs.iter().any(|s| {
            s.params
                .first()
                .is_some_and(|p| recv.compat(&p.ty, self) != Compat::No)
        });
        if !fits {
            return Type::Any;
        }
        let mut pos = vec![(recv.clone(), span)];
        pos.extend(ca.pos.iter().cloned());
        let full = CallArgs {
            pos,
            kw: ca.kw.clone(),
            spread: ca.spread,
        };
        self.bind_call(f, &full, span);
        f.ret()
    }

    /// `Point(x=1, y=2)` / `Point(1, 2)`: fields are the parameters.
    fn construct(&mut self, s: Sym, ca: &CallArgs, span: Span) {
        if !self.is_known_struct(s) {
            return;
        }
        let Some(st) = self.structs.get(&s) else {
            return;
        };
        let params: Vec<ParamT> = st
            .fields
            .iter()
            .map(|f| ParamT {
                name: f.name,
                ty: f.ty.clone(),
                annotated: true,
                has_default: f.has_default,
                kind: ParamKind::Normal,
                keyword_only: false,
            })
            .collect();
        let f = FnType {
            name: s.as_str().to_string(),
            sigs: vec![Sig {
                params,
                ret: Type::Struct(s),
                ret_annotated: true,
            }],
            user: true,
        };
        let errs = self.bind_sig(&f, &f.sigs[0], ca, span, true);
        for (d, exc) in errs {
            self.error_as(d, exc);
        }
    }

    /// Checks a call against a function's signatures (reports when no overload fits).
    pub(crate) fn bind_call(&mut self, f: &FnType, ca: &CallArgs, span: Span) {
        let mut first: Option<Vec<(Diagnostic, Option<&'static str>)>> = None;
        for s in &f.sigs {
            let errs = self.bind_sig(f, s, ca, span, false);
            if errs.is_empty() {
                return;
            }
            first.get_or_insert(errs);
        }
        for (d, exc) in first.unwrap_or_default() {
            self.error_as(d, exc);
        }
    }

    /// Binds `ca` to one signature; returns what is wrong.
    fn bind_sig(
        &self,
        f: &FnType,
        s: &Sig,
        ca: &CallArgs,
        span: Span,
        is_struct: bool,
    ) -> Vec<(Diagnostic, Option<&'static str>)> {
        let mut errs = Vec::new();
        let fname = &f.name;
        let positional: Vec<usize> = s
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == ParamKind::Normal && !p.keyword_only)
            .map(|(i, _)| i)
            .collect();
        let has_varargs = s.params.iter().any(|p| p.kind == ParamKind::VarArgs);
        let has_kwargs = s.params.iter().any(|p| p.kind == ParamKind::KwArgs);
        let mut given: Vec<Option<(Type, Span)>> = vec![None; s.params.len()];
        if !ca.spread && ca.pos.len() > positional.len() && !has_varargs {
            let n = positional.len();
            let required = positional
                .iter()
                .filter(|&&i| !s.params[i].has_default)
                .count();
            let given_n = ca.pos.len();
            let was = if given_n == 1 { "was" } else { "were" };
            let msg = if is_struct {
                format!(
                    "{fname}() takes {n} positional field{} but {given_n} {was} given",
                    plural(n)
                )
            } else if required < n {
                format!(
                    "{fname}() takes from {required} to {n} positional arguments but {given_n} {was} given"
                )
            } else {
                format!(
                    "{fname}() takes {n} positional argument{} but {given_n} {was} given",
                    plural(n)
                )
            };
            let at = ca.pos.get(n).map(|x| x.1.to(ca.pos[ca.pos.len() - 1].1));
            errs.push((
                Diagnostic::error(Code::Arity, at.unwrap_or(span), msg)
                    .with_label("too many arguments"),
                None,
            ));
            return errs;
        }
        for (k, (t, sp)) in ca.pos.iter().enumerate() {
            if let Some(&i) = positional.get(k) {
                given[i] = Some((t.clone(), *sp));
            }
        }
        for (name, t, sp) in &ca.kw {
            let idx = s
                .params
                .iter()
                .position(|p| p.name == name.name && p.kind == ParamKind::Normal);
            match idx {
                Some(i) => {
                    if given[i].is_some() {
                        if !ca.spread {
                            errs.push((
                                Diagnostic::error(
                                    Code::Arity,
                                    *sp,
                                    format!(
                                        "{fname}() got multiple values for argument '{}'",
                                        name.name
                                    ),
                                ),
                                None,
                            ));
                        }
                    } else {
                        given[i] = Some((t.clone(), *sp));
                    }
                }
                None if has_kwargs => {}
                None => {
                    let cands: Vec<&str> = s
                        .params
                        .iter()
                        .filter(|p| p.kind == ParamKind::Normal)
                        .map(|p| p.name.as_str())
                        .collect();
                    let msg = if is_struct {
                        format!("{fname}() has no field '{}'", name.name)
                    } else {
                        format!(
                            "{fname}() got an unexpected keyword argument '{}'",
                            name.name
                        )
                    };
                    let mut d = Diagnostic::error(
                        if is_struct {
                            Code::UnknownField
                        } else {
                            Code::UnknownKeyword
                        },
                        name.span,
                        msg,
                    );
                    if let Some(x) = suggest(name.name.as_str(), cands.iter().copied()) {
                        d = d.with_help(format!("did you mean '{x}'?"));
                    } else if !cands.is_empty() {
                        d = d.with_help(format!("the parameters are: {}", cands.join(", ")));
                    }
                    errs.push((d, Some("TypeError")));
                }
            }
        }
        if !ca.spread {
            for kw_only in [false, true] {
                let missing: Vec<String> = s
                    .params
                    .iter()
                    .zip(&given)
                    .filter(|(p, g)| {
                        p.kind == ParamKind::Normal
                            && p.keyword_only == kw_only
                            && !p.has_default
                            && g.is_none()
                    })
                    .map(|(p, _)| format!("'{}'", p.name))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let k = missing.len();
                let msg = if is_struct {
                    format!(
                        "{fname}() missing required field{}: {}",
                        plural(k),
                        python_list(&missing)
                    )
                } else {
                    format!(
                        "{fname}() missing {k} required {} argument{}: {}",
                        if kw_only {
                            "keyword-only"
                        } else {
                            "positional"
                        },
                        plural(k),
                        python_list(&missing)
                    )
                };
                errs.push((
                    Diagnostic::error(Code::Arity, span, msg).with_label("missing arguments"),
                    None,
                ));
            }
        }
        for (p, g) in s.params.iter().zip(&given) {
            let Some((t, sp)) = g else { continue };
            if !p.annotated {
                continue;
            }
            if t.compat(&p.ty, self) == Compat::No {
                let msg = if is_struct {
                    format!("{fname}.{} must be {}, got {t}", p.name, p.ty)
                } else {
                    format!("{fname}() argument '{}' must be {}, got {t}", p.name, p.ty)
                };
                errs.push((
                    Diagnostic::error(Code::ArgType, *sp, msg).with_label(format!("this is {t}")),
                    None,
                ));
            }
        }
        errs
    }

    /// The result types of the builtins whose result depends on their arguments.
    fn builtin_result(&self, name: &str, ca: &CallArgs, declared: Type) -> Type {
        let arg = |i: usize| ca.pos.get(i).map(|x| x.0.clone());
        let item = |i: usize| arg(i).map(|t| t.item_type()).unwrap_or(Type::Any);
        let never_to_any = |t: Type| if t == Type::Never { Type::Any } else { t };
        match name {
            "print" | "help" | "log" => Type::None,
            "int" => Type::Int,
            "float" => Type::Float,
            "str" => Type::Str,
            "bool" => Type::Bool,
            "list" | "sorted" | "reversed" | "filter" => match arg(usize::from(name == "filter")) {
                Some(_) if ca.spread => Type::list(Type::Any),
                Some(_) => Type::list(item(usize::from(name == "filter"))),
                None if name == "list" => Type::list(Type::Never),
                None => Type::list(Type::Any),
            },
            "set" => match arg(0) {
                Some(_) => Type::set(item(0)),
                None => Type::set(Type::Never),
            },
            "tuple" => match arg(0) {
                Some(_) => Type::TupleOf(Box::new(never_to_any(item(0)))),
                None => Type::Tuple(Vec::new()),
            },
            "dict" => Type::dict(Type::Any, Type::Any),
            "range" => Type::Opaque(Sym::intern("range")),
            "type" => Type::Opaque(Sym::intern("type")),
            "enumerate" => Type::list(Type::Tuple(vec![Type::Int, never_to_any(item(0))])),
            "zip" if !ca.spread => Type::list(Type::Tuple(
                (0..ca.pos.len()).map(|i| never_to_any(item(i))).collect(),
            )),
            "map" => match arg(0) {
                Some(Type::Func(f)) => Type::list(f.ret()),
                Some(Type::BuiltinType(n)) => Type::list(self.builtin_result(
                    n.as_str(),
                    &CallArgs {
                        pos: Vec::new(),
                        kw: Vec::new(),
                        spread: true,
                    },
                    Type::Any,
                )),
                _ => Type::list(Type::Any),
            },
            "abs" => match arg(0) {
                Some(Type::Int | Type::Bool) => Type::Int,
                Some(Type::Float) => Type::Float,
                _ => Type::Any,
            },
            "round" => match (arg(0), ca.pos.len() + ca.kw.len()) {
                (_, 1) => Type::Int,
                (Some(Type::Float), _) => Type::Float,
                (Some(Type::Int), _) => Type::Int,
                _ => Type::Any,
            },
            "sum" => match item(0) {
                t @ (Type::Int | Type::Float) if ca.pos.len() == 1 => t,
                _ => Type::Any,
            },
            "max" | "min" if !ca.spread && ca.kw.iter().all(|k| k.0.name.as_str() == "key") => {
                match ca.pos.len() {
                    1 => never_to_any(item(0)),
                    0 => Type::Any,
                    _ => ca
                        .pos
                        .iter()
                        .fold(Type::Never, |acc, (t, _)| Type::join(&acc, t)),
                }
            }
            "max" | "min" => Type::Any,
            _ => declared,
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'` (Python's wording).
fn python_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}
