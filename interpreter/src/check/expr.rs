//! Expression types: literals, names, operators (Dana's mixed-type rules), collections,
//! comprehensions, lambdas, attributes and indexing.

use super::checker::{Checker, ExternalRef, Scope, Var};
use super::diag::{Code, Diagnostic};
use super::scan::BindKind;
use super::suggest::suggest;
use super::ty::{fn_type_from_signatures, FnType, Sig, Type};
use dana_grammar::ast::{self, BinOp, Expr, ExprKind, ParamKind, Sym, UnaryOp};
use std::collections::HashMap;
use std::sync::Arc;

impl Checker<'_, '_> {
    /// The type of an expression (reporting what is wrong inside it).
    pub(crate) fn infer(&mut self, e: &Expr) -> Type {
        let t = self.infer_kind(e);
        if let Some(types) = &mut self.types {
            types.push((e.span, t.clone()));
        }
        t
    }

    fn infer_kind(&mut self, e: &Expr) -> Type {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::BigInt(_) => Type::Int,
            ExprKind::Float(_) => Type::Float,
            ExprKind::Str(_) => Type::Str,
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::None => Type::None,
            ExprKind::FString(parts) => {
                self.fparts(parts);
                Type::Str
            }
            ExprKind::Name { scope, name } => match scope {
                None | Some(ast::ScopeKind::Local) => {
                    let t = self.read_name(*name, e.span);
                    if self.is_builtin_ref(*name) {
                        self.refs.push(ExternalRef {
                            name: name.as_str().to_string(),
                            span: e.span,
                        });
                    }
                    t
                }
                Some(_) => Type::Any,
            },
            ExprKind::Placeholder => Type::Any,
            ExprKind::List(items) => Type::list(self.items(items)),
            ExprKind::Set(items) => Type::set(self.items(items)),
            ExprKind::Tuple(items) => {
                if items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_))) {
                    Type::TupleOf(Box::new(self.items(items)))
                } else {
                    Type::Tuple(items.iter().map(|i| self.infer(i)).collect())
                }
            }
            ExprKind::Dict(pairs) => {
                let mut k = Type::Never;
                let mut v = Type::Never;
                for (a, b) in pairs {
                    let ka = self.infer(a);
                    let vb = self.infer(b);
                    k = Type::join(&k, &ka);
                    v = Type::join(&v, &vb);
                }
                Type::dict(k, v)
            }
            ExprKind::ListComp { elt, gens } => {
                self.comprehension(gens, |c| Type::list(c.infer(elt)))
            }
            ExprKind::SetComp { elt, gens } => {
                self.comprehension(gens, |c| Type::set(c.infer(elt)))
            }
            ExprKind::DictComp { key, value, gens } => self.comprehension(gens, |c| {
                let k = c.infer(key);
                let v = c.infer(value);
                Type::dict(k, v)
            }),
            ExprKind::Lambda(l) => self.lambda(l),
            ExprKind::NamedExpr { target, value } => {
                let t = self.infer(value);
                if let ExprKind::Name { name, .. } = &target.kind {
                    self.bind(*name, t.clone(), target.span);
                }
                t
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.infer(test);
                let a = self.infer(body);
                let b = self.infer(orelse);
                Type::join(&a, &b)
            }
            // Dana rule: `and`/`or` return a bool.
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                self.infer(a);
                self.infer(b);
                Type::Bool
            }
            ExprKind::Not(a) => {
                self.infer(a);
                Type::Bool
            }
            ExprKind::Unary(op, a) => {
                let t = self.infer(a);
                match (op, &t) {
                    (UnaryOp::Neg | UnaryOp::Pos, Type::Int | Type::Bool) => Type::Int,
                    (UnaryOp::Neg | UnaryOp::Pos, Type::Float) => Type::Float,
                    (UnaryOp::Invert, Type::Int | Type::Bool) => Type::Int,
                    _ => Type::Any,
                }
            }
            ExprKind::Binary(op, a, b) => {
                let ta = self.infer(a);
                // `f | g(3)`, `f | [g, h]`: on a left operand that may be callable, the right
                // one is a pipeline stage (as in a `def … = …`), not a call made now.
                if *op == BinOp::BitOr {
                    if let Some(stage) = ast::PipeStage::from_operand(b) {
                        let callable = match &ta {
                            Type::Func(_)
                            | Type::Callable
                            | Type::StructType(_)
                            | Type::BuiltinType(_) => Some(true),
                            Type::Any | Type::Opaque(_) | Type::Union(_) => None,
                            _ => Some(false),
                        };
                        if callable != Some(false) {
                            self.pipe_stage(&stage);
                            return if callable.is_some() {
                                Type::Callable
                            } else {
                                Type::Any
                            };
                        }
                    }
                }
                let tb = self.infer(b);
                self.binary_type(*op, &ta, &tb)
            }
            ExprKind::Compare { left, ops } => {
                self.infer(left);
                for (_, r) in ops {
                    self.infer(r);
                }
                Type::Bool
            }
            ExprKind::Call { func, args } => self.call(e, func, args),
            ExprKind::Attribute { value, attr } => {
                let t = self.infer(value);
                self.attribute(&t, value, *attr)
            }
            ExprKind::Index { value, index } => {
                let t = self.infer(value);
                if let ExprKind::Slice { lower, upper, step } = &index.kind {
                    for x in [lower, upper, step].into_iter().flatten() {
                        self.infer(x);
                    }
                    return match t {
                        Type::Str => Type::Str,
                        Type::List(x) => Type::List(x),
                        Type::Tuple(ts) => Type::TupleOf(Box::new(Type::union(ts))),
                        Type::TupleOf(x) => Type::TupleOf(x),
                        _ => Type::Any,
                    };
                }
                let it = self.infer(index);
                self.index_type(&t, index, &it)
            }
            ExprKind::Slice { lower, upper, step } => {
                for x in [lower, upper, step].into_iter().flatten() {
                    self.infer(x);
                }
                Type::Any
            }
            ExprKind::Starred(inner) => {
                self.infer(inner);
                Type::Any
            }
        }
    }

    fn fparts(&mut self, parts: &[ast::FPart]) {
        for p in parts {
            if let ast::FPart::Expr { expr, spec, .. } = p {
                self.infer(expr);
                if let Some(s) = spec {
                    self.fparts(s);
                }
            }
        }
    }

    /// The join of a display's items (`*xs` contributes the items of `xs`).
    fn items(&mut self, items: &[Expr]) -> Type {
        let mut t = Type::Never;
        for i in items {
            let it = match &i.kind {
                ExprKind::Starred(inner) => self.infer(inner).item_type(),
                _ => self.infer(i),
            };
            t = Type::join(&t, &it);
        }
        t
    }

    fn comprehension(
        &mut self,
        gens: &[ast::Comprehension],
        elt: impl FnOnce(&mut Self) -> Type,
    ) -> Type {
        let depth = self.scope().comps.len();
        for g in gens {
            let it = self.infer(&g.iter);
            let mut names = Vec::new();
            super::scan::target_names(&g.target, BindKind::Other, &mut names);
            let mut block = HashMap::new();
            for (n, _, _) in names {
                block.insert(n, Type::Any);
            }
            self.scope().comps.push(block);
            self.bind_target(&g.target, &it.item_type());
            for c in &g.ifs {
                self.infer(c);
            }
        }
        let t = elt(self);
        self.scope().comps.truncate(depth);
        t
    }

    fn lambda(&mut self, l: &ast::Lambda) -> Type {
        for p in &l.params {
            if let Some(d) = &p.default {
                self.infer(d);
            }
        }
        let mut params = Vec::new();
        let mut keyword_only = false;
        // A receiver (`lambda (p: Point) dx :: …`) is the first parameter.
        for p in l.receiver.iter().chain(&l.params) {
            params.push(self.param_t(p, keyword_only));
            if p.kind == ParamKind::VarArgs {
                keyword_only = true;
            }
        }
        let mut scope = Scope {
            module: false,
            vars: HashMap::new(),
            comps: Vec::new(),
            ret: None,
            fn_name: "<lambda>".into(),
            deferred: Vec::new(),
        };
        for p in &params {
            let t = match p.kind {
                ParamKind::VarArgs => Type::TupleOf(Box::new(p.ty.clone())),
                ParamKind::KwArgs => Type::dict(Type::Str, p.ty.clone()),
                ParamKind::Normal => p.ty.clone(),
            };
            scope.vars.insert(
                p.name,
                Var {
                    cur: Some(t.clone()),
                    all: t.clone(),
                    declared: p.annotated.then(|| t.clone()),
                    span: Default::default(),
                    used: true,
                    param: true,
                    kind: BindKind::Other,
                },
            );
        }
        self.scopes.push(scope);
        self.in_lambda += 1;
        let ret = self.infer(&l.body);
        self.in_lambda -= 1;
        self.scopes.pop();
        Type::Func(FnType::single(
            "<lambda>",
            Sig {
                params,
                ret,
                ret_annotated: false,
            },
            true,
        ))
    }

    /// The result type of `a op b` (Dana's mixed-type rules, DANA_SPEC §5.4); `any` when the
    /// combination is unknown or fails at run time (operator errors are left to the runtime).
    pub(crate) fn binary_type(&self, op: BinOp, a: &Type, b: &Type) -> Type {
        use Type::*;
        let num = |t: &Type| matches!(t, Int | Float | Bool);
        let arith = |a: &Type, b: &Type| -> Type {
            if matches!(a, Float) || matches!(b, Float) {
                Float
            } else {
                Int
            }
        };
        match op {
            BinOp::Add => match (a, b) {
                (x, y) if num(x) && num(y) => arith(x, y),
                (Str, Str) => Str,
                (Str, y) if num(y) => Str,
                (x, Str) if num(x) => Str,
                (List(x), List(y)) => Type::list(Type::join(x, y)),
                (Tuple(x), Tuple(y)) => Tuple(x.iter().chain(y.iter()).cloned().collect()),
                _ => Any,
            },
            BinOp::Sub => match (a, b) {
                (x, y) if num(x) && num(y) => arith(x, y),
                (Set(x), Set(_)) => Set(x.clone()),
                _ => Any,
            },
            BinOp::Mul => match (a, b) {
                (x, y) if num(x) && num(y) => arith(x, y),
                (Str, Int | Bool) | (Int | Bool, Str) => Str,
                (List(x), Int | Bool) | (Int | Bool, List(x)) => List(x.clone()),
                _ => Any,
            },
            BinOp::Div => match (a, b) {
                (x, y) if num(x) && num(y) => Float,
                _ => Any,
            },
            BinOp::FloorDiv => match (a, b) {
                (x, y) if num(x) && num(y) => arith(x, y),
                _ => Any,
            },
            BinOp::Mod => match (a, b) {
                (Str, _) => Str,
                (x, y) if num(x) && num(y) => arith(x, y),
                _ => Any,
            },
            BinOp::Pow => match (a, b) {
                (Float, y) | (y, Float) if num(y) => Float,
                // A negative exponent gives a float.
                (x, y) if num(x) && num(y) => Type::union(vec![Int, Float]),
                _ => Any,
            },
            BinOp::BitOr | BinOp::BitAnd | BinOp::BitXor => match (a, b) {
                (Bool, Bool) => Bool,
                (Int | Bool, Int | Bool) => Int,
                (Set(x), Set(y)) => Type::set(Type::join(x, y)),
                (Dict(..), Dict(..)) if op == BinOp::BitOr => a.clone(),
                (Func(_) | Callable, Func(_) | Callable) if op == BinOp::BitOr => Callable,
                _ => Any,
            },
            BinOp::Shl | BinOp::Shr => match (a, b) {
                (Int | Bool, Int | Bool) => Int,
                _ => Any,
            },
        }
    }

    fn index_type(&self, t: &Type, index: &Expr, it: &Type) -> Type {
        match t {
            Type::List(x) | Type::TupleOf(x) => (**x).clone(),
            Type::Str => Type::Str,
            Type::Dict(_, v) => (**v).clone(),
            Type::Tuple(ts) => {
                let i = match &index.kind {
                    ExprKind::Int(i) => Some(*i),
                    ExprKind::Unary(UnaryOp::Neg, inner) => match inner.kind {
                        ExprKind::Int(i) => Some(-i),
                        _ => None,
                    },
                    _ => None,
                };
                match i {
                    Some(i) if i >= 0 && (i as usize) < ts.len() => ts[i as usize].clone(),
                    Some(i) if i < 0 && ((-i) as usize) <= ts.len() => {
                        ts[ts.len() - (-i) as usize].clone()
                    }
                    _ => Type::union(ts.clone()),
                }
            }
            _ => {
                let _ = it;
                Type::Any
            }
        }
    }

    /// `value.attr` read (not called).
    fn attribute(&mut self, t: &Type, value: &Expr, attr: ast::Ident) -> Type {
        match t {
            Type::Module(key) => self.module_member(*key, attr, value),
            Type::Struct(s) => self.struct_attr(*s, attr, false).unwrap_or(Type::Any),
            Type::Union(ts) => {
                let rest: Vec<&Type> = ts.iter().filter(|t| **t != Type::None).collect();
                match rest.as_slice() {
                    [one @ Type::Struct(_)] => self.attribute(&(*one).clone(), value, attr),
                    _ => Type::Any,
                }
            }
            Type::Str | Type::List(_) | Type::Set(_) | Type::Tuple(_) | Type::TupleOf(_) => {
                match self.builtin_method(t, attr.name) {
                    Some(ft) => Type::Func(ft),
                    None => {
                        self.unknown_builtin_attr(t, attr);
                        Type::Any
                    }
                }
            }
            Type::Dict(_, v) => match self.builtin_method(t, attr.name) {
                Some(ft) => Type::Func(ft),
                // Dana rule: an attribute on a dict reads the key.
                None => (**v).clone(),
            },
            _ => Type::Any,
        }
    }

    pub(crate) fn unknown_builtin_attr(&mut self, t: &Type, attr: ast::Ident) {
        let tn = t.runtime_name();
        let cands = crate::value::methods::method_names(&tn);
        let mut d = Diagnostic::error(
            Code::UnknownMethod,
            attr.span,
            format!("'{tn}' object has no attribute '{}'", attr.name),
        );
        if let Some(s) = suggest(attr.name.as_str(), cands.iter().copied()) {
            d = d.with_help(format!("did you mean '{s}'?"));
        }
        self.error(d);
    }

    pub(crate) fn module_member(&mut self, key: Sym, attr: ast::Ident, value: &Expr) -> Type {
        let _ = value;
        let k = key.as_str();
        self.refs.push(ExternalRef {
            name: format!("{k}.{}", attr.name),
            span: attr.span,
        });
        let Some(info) = self.opts.modules.get(k) else {
            return Type::Any;
        };
        if let Some(t) = info.members.get(attr.name.as_str()) {
            return t.clone();
        }
        let sub = format!("{k}.{}", attr.name);
        if self.opts.modules.contains_key(&sub) {
            return Type::Module(Sym::intern(&sub));
        }
        if info.complete {
            let cands: Vec<&str> = info.members.keys().map(|s| s.as_str()).collect();
            let mut d = Diagnostic::error(
                Code::UnknownMember,
                attr.span,
                format!("module '{k}' has no attribute '{}'", attr.name),
            );
            if let Some(s) = suggest(attr.name.as_str(), cands) {
                d = d.with_help(format!("did you mean '{s}'?"));
            }
            self.error(d);
        }
        Type::Any
    }

    /// A field or method of a struct instance; `None` (after reporting, unless `quiet`) when
    /// the struct has neither and no `_` field to delegate to.
    pub(crate) fn struct_attr(&mut self, s: Sym, attr: ast::Ident, quiet: bool) -> Option<Type> {
        let mut seen = Vec::new();
        match self.struct_member(s, attr.name, &mut seen) {
            Some(t) => Some(t),
            None => {
                if !quiet {
                    let st = self.structs.get(&s)?;
                    let mut cands: Vec<&str> = st.fields.iter().map(|f| f.name.as_str()).collect();
                    cands.extend(st.methods.keys().map(|m| m.as_str()));
                    let mut d = Diagnostic::error(
                        Code::UnknownField,
                        attr.span,
                        format!("'{s}' object has no attribute '{}'", attr.name),
                    );
                    if let Some(x) = suggest(attr.name.as_str(), cands) {
                        d = d.with_help(format!("did you mean '{x}'?"));
                    }
                    self.error_as(d, Some("AttributeError"));
                }
                None
            }
        }
    }

    /// Looks `name` up in struct `s`: fields, methods, then its `_` fields. `Some(any)` when
    /// the answer cannot be known.
    fn struct_member(&self, s: Sym, name: Sym, seen: &mut Vec<Sym>) -> Option<Type> {
        if !self.is_known_struct(s) || seen.contains(&s) {
            return Some(Type::Any);
        }
        seen.push(s);
        let st = self.structs.get(&s)?;
        if let Some(f) = st.field(name) {
            return Some(f.ty.clone());
        }
        if let Some(m) = st.methods.get(&name) {
            return Some(Type::Func(m.clone()));
        }
        for d in st.delegates() {
            match &d.ty {
                Type::Struct(inner) => {
                    if let Some(t) = self.struct_member(*inner, name, seen) {
                        return Some(t);
                    }
                }
                _ => return Some(Type::Any),
            }
        }
        None
    }

    pub(crate) fn is_known_struct(&self, s: Sym) -> bool {
        use super::ty::NameKinds;
        self.is_struct(s)
    }

    /// A builtin-value method's type, its generic names replaced by the receiver's types.
    pub(crate) fn builtin_method(&self, recv: &Type, name: Sym) -> Option<Arc<FnType>> {
        let tn = match recv {
            Type::Str => "str",
            Type::List(_) => "list",
            Type::Set(_) => "set",
            Type::Tuple(_) | Type::TupleOf(_) => "tuple",
            Type::Dict(..) => "dict",
            _ => return None,
        };
        let sig = crate::builtins::signatures::method_signature(tn, name.as_str())?;
        let ft = fn_type_from_signatures(name.as_str(), &[sig]);
        let (t, k, v) = match recv {
            Type::List(x) | Type::Set(x) | Type::TupleOf(x) => {
                ((**x).clone(), Type::Any, Type::Any)
            }
            Type::Tuple(ts) => (Type::union(ts.clone()), Type::Any, Type::Any),
            Type::Dict(k, v) => (Type::Any, (**k).clone(), (**v).clone()),
            _ => (Type::Any, Type::Any, Type::Any),
        };
        let sub = |x: &Type| subst(x, &t, &k, &v);
        let mut ft = ft;
        for s in &mut ft.sigs {
            s.ret = sub(&s.ret);
            // Element types of a value are not constraints (`[1].append("a")` is fine):
            // parameters take `any` for the generic names.
            for p in &mut s.params {
                p.ty = subst(&p.ty, &Type::Any, &Type::Any, &Type::Any);
            }
        }
        Some(Arc::new(ft))
    }
}

/// Replaces the generic names `T`, `K`, `V` of method signatures (an empty-list element type
/// `never` becomes `any`: `[].append(1)` is fine).
fn subst(x: &Type, t: &Type, k: &Type, v: &Type) -> Type {
    let fix = |y: &Type| {
        if *y == Type::Never {
            Type::Any
        } else {
            y.clone()
        }
    };
    match x {
        Type::Opaque(n) => match n.as_str() {
            "T" => fix(t),
            "K" => fix(k),
            "V" => fix(v),
            "dict_keys" => Type::View(*n, Box::new(fix(k))),
            "dict_values" => Type::View(*n, Box::new(fix(v))),
            "dict_items" => Type::View(*n, Box::new(Type::Tuple(vec![fix(k), fix(v)]))),
            _ => x.clone(),
        },
        Type::List(a) => Type::list(subst(a, t, k, v)),
        Type::Set(a) => Type::set(subst(a, t, k, v)),
        Type::TupleOf(a) => Type::TupleOf(Box::new(subst(a, t, k, v))),
        Type::Dict(a, b) => Type::dict(subst(a, t, k, v), subst(b, t, k, v)),
        Type::Tuple(ts) => Type::Tuple(ts.iter().map(|y| subst(y, t, k, v)).collect()),
        Type::Union(ts) => Type::union(ts.iter().map(|y| subst(y, t, k, v)).collect()),
        _ => x.clone(),
    }
}
