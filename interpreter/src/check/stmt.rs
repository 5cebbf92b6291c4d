//! Statements: blocks and reachability, branches and loops (their flow types), `try` (what
//! it catches), `return` against the declared type, and assignments (plain, typed with the
//! runtime's conversion, to struct fields, unpacking).

use super::checker::Checker;
use super::diag::{Code, Diagnostic};
use super::scan;
use super::suggest::suggest;
use super::ty::{Compat, Type};
use dana_grammar::ast::{self, Expr, ExprKind, ScopeKind, Span, Stmt, StmtKind, Sym};

impl<'o, 'a> Checker<'o, 'a> {
    // ---- statements ----

    /// Checks a block; returns `true` when its end can be reached.
    pub(crate) fn block(&mut self, body: &'a [Stmt]) -> bool {
        let mut live = true;
        let mut warned = false;
        for s in body {
            if !live && !warned {
                warned = true;
                self.warn(Diagnostic::warning(
                    Code::Unreachable,
                    s.span,
                    "unreachable code",
                ));
                self.silent += 1;
            }
            let ft = self.stmt(s);
            live = live && ft;
        }
        if warned {
            self.silent -= 1;
        }
        live
    }

    pub(crate) fn stmt(&mut self, s: &'a Stmt) -> bool {
        match &s.kind {
            StmtKind::Expr(e) => {
                self.infer(e);
                true
            }
            StmtKind::Assign { targets, value } => {
                let t = self.infer(value);
                for target in targets {
                    self.assign(target, &t, value, false);
                }
                true
            }
            StmtKind::TypedAssign { target, ann, value } => {
                self.typed_assign(target, ann, value.as_ref(), s.span);
                true
            }
            StmtKind::AugAssign { target, op, value } => {
                let cur = self.infer(target);
                let v = self.infer(value);
                let t = self.binary_type(*op, &cur, &v);
                self.assign(target, &t, value, true);
                true
            }
            StmtKind::If { cond, body, orelse } => {
                self.infer(cond);
                // `if False:` / `if True: … else:` bodies never run: checked silently.
                let (dead_body, dead_else) = match cond.kind {
                    ExprKind::Bool(b) => (!b, b),
                    _ => (false, false),
                };
                let before = self.snapshot();
                self.silent += u32::from(dead_body);
                let ft_body = self.block(body) && !dead_body;
                self.silent -= u32::from(dead_body);
                let after_body = self.snapshot();
                self.restore(&before);
                self.silent += u32::from(dead_else);
                let ft_else = self.block(orelse) && !dead_else;
                self.silent -= u32::from(dead_else);
                let after_else = self.snapshot();
                let mut paths = Vec::new();
                if ft_body {
                    paths.push(after_body);
                }
                if ft_else {
                    paths.push(after_else);
                }
                self.merge(&paths);
                ft_body || ft_else
            }
            StmtKind::While { cond, body, orelse } => {
                self.widen_assigned(body);
                self.widen_assigned(orelse);
                self.infer(cond);
                let dead = matches!(cond.kind, ExprKind::Bool(false));
                self.silent += u32::from(dead);
                self.block(body);
                self.silent -= u32::from(dead);
                self.block(orelse);
                let forever = matches!(cond.kind, ExprKind::Bool(true));
                !forever || scan::has_break(body)
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                let it = self.infer(iter);
                self.widen_assigned(body);
                self.widen_assigned(orelse);
                let item = it.item_type();
                self.bind_target(target, &item);
                self.block(body);
                self.block(orelse);
                true
            }
            StmtKind::FunctionDef(f) => {
                self.function_def(f, None);
                true
            }
            StmtKind::Return(value) => {
                self.ret(value.as_ref(), s.span);
                false
            }
            StmtKind::Pass => true,
            StmtKind::Break | StmtKind::Continue => false,
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => self.try_stmt(body, handlers, orelse, finalbody),
            StmtKind::Raise { exc, cause } => {
                if let Some(e) = exc {
                    self.infer(e);
                }
                if let Some(c) = cause {
                    self.infer(c);
                }
                false
            }
            StmtKind::Assert { test, msg } => {
                self.infer(test);
                if let Some(m) = msg {
                    self.infer(m);
                }
                !matches!(test.kind, ExprKind::Bool(false))
            }
            StmtKind::Import { path, alias } => {
                self.import(path, alias.as_ref(), s.span);
                true
            }
            StmtKind::FromImport {
                level,
                path,
                names,
                star,
            } => {
                self.import_from(*level, path, names, *star, s.span);
                true
            }
            StmtKind::Struct(d) => {
                self.struct_body(d.name, &d.fields, &d.methods);
                true
            }
            StmtKind::Niche(d) => {
                self.struct_body(d.name, &d.fields, &d.methods);
                true
            }
            StmtKind::Interface(d) => {
                for e in &d.embeds {
                    self.read_name(e.name, e.span);
                }
                self.bind(d.name.name, Type::Opaque(d.name.name), d.name.span);
                true
            }
            StmtKind::With { items, body } => {
                for it in items {
                    self.infer(&it.context);
                    if let Some(t) = &it.target {
                        self.bind_target(t, &Type::Any);
                    }
                }
                self.block(body)
            }
            StmtKind::Delete(targets) => {
                // A deleted name must be bound (else `del` raises NameError); an item or
                // attribute target is checked as the expression it is.
                for t in targets {
                    self.infer(t);
                }
                true
            }
            // The resolver applies them; the function's scope already treats the names as
            // bound elsewhere (see `decl.rs`).
            StmtKind::Global(_) | StmtKind::Nonlocal(_) => true,
        }
    }

    pub(crate) fn try_stmt(
        &mut self,
        body: &'a [Stmt],
        handlers: &'a [ast::ExceptHandler],
        orelse: &'a [Stmt],
        finalbody: &'a [Stmt],
    ) -> bool {
        let mut caught: Vec<&'static str> = Vec::new();
        for h in handlers {
            match &h.types {
                None => caught.push("*"),
                Some(t) => exc_names(t, &mut caught),
            }
        }
        let before = self.snapshot();
        self.catches.push(caught);
        let ft_body = self.block(body);
        self.catches.pop();
        let ft_else = ft_body && self.block(orelse);
        let after_ok = self.snapshot();
        let mut paths = Vec::new();
        if ft_body && ft_else {
            paths.push(after_ok.clone());
        }
        let mut any_handler = false;
        for h in handlers {
            // A handler may start from any point of the body.
            self.merge(&[before.clone(), after_ok.clone()]);
            if let Some(t) = &h.types {
                self.infer(t);
            }
            if let Some(n) = h.name {
                self.bind(n.name, Type::Any, n.span);
            }
            if self.block(&h.body) {
                any_handler = true;
                paths.push(self.snapshot());
            }
        }
        if paths.is_empty() {
            self.merge(&[before, after_ok]);
        } else {
            self.merge(&paths);
        }
        let ft_final = self.block(finalbody);
        ((ft_body && ft_else) || any_handler) && ft_final
    }

    pub(crate) fn ret(&mut self, value: Option<&Expr>, span: Span) {
        let t = match value {
            Some(e) => self.infer(e),
            None => Type::None,
        };
        let Some(decl) = self.scopes.last().and_then(|s| s.ret.clone()) else {
            return;
        };
        if self.scopes.last().is_some_and(|s| s.module) {
            return;
        }
        if t.compat(&decl, self) == Compat::No {
            let name = self.scope().fn_name.clone();
            let at = value.map(|e| e.span).unwrap_or(span);
            self.error(
                Diagnostic::error(
                    Code::ReturnType,
                    at,
                    format!("{name}() must return {decl}, got {t}"),
                )
                .with_label(format!("this is {t}")),
            );
        }
    }

    // ---- assignments ----

    /// `target = value` (or `target op= value` when `aug`).
    pub(crate) fn assign(&mut self, target: &Expr, t: &Type, value: &Expr, aug: bool) {
        match &target.kind {
            ExprKind::Name {
                scope: None | Some(ScopeKind::Local),
                name,
            } => {
                if let Some(decl) = self.declared_type(*name) {
                    if t.compat(&decl, self) == Compat::No {
                        let what = if aug { "the result" } else { "a value" };
                        self.error(
                            Diagnostic::error(
                                Code::AssignType,
                                value.span,
                                format!(
                                    "cannot assign {t} to '{name}: {decl}' ({what} of type {t} never fits)"
                                ),
                            )
                            .with_label(format!("this is {t}"))
                            .with_help(format!(
                                "'{name}' was declared '{decl}'; a plain assignment is not converted: write '{name}: {decl} = …' to convert, or use another name"
                            )),
                        );
                    }
                }
                self.bind(*name, t.clone(), target.span);
            }
            ExprKind::Name { .. } => {}
            ExprKind::Attribute { value: obj, attr } => {
                let ot = self.infer(obj);
                self.assign_attr(&ot, *attr, t, value.span);
            }
            ExprKind::Index { value: obj, index } => {
                self.infer(obj);
                self.infer(index);
            }
            ExprKind::Tuple(_) | ExprKind::List(_) => self.bind_target(target, t),
            _ => {
                self.infer(target);
            }
        }
    }

    /// Binds the names of a target (unpacking a tuple type where the lengths agree).
    pub(crate) fn bind_target(&mut self, target: &Expr, t: &Type) {
        match &target.kind {
            ExprKind::Name {
                scope: None | Some(ScopeKind::Local),
                name,
            } => self.bind(*name, t.clone(), target.span),
            ExprKind::Name { .. } => {}
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let has_star = items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_)));
                for (i, it) in items.iter().enumerate() {
                    let et = match (t, has_star) {
                        (Type::Tuple(ts), false) if ts.len() == items.len() => ts[i].clone(),
                        _ => t.item_type(),
                    };
                    match &it.kind {
                        ExprKind::Starred(inner) => {
                            self.bind_target(inner, &Type::list(t.item_type()))
                        }
                        _ => self.bind_target(it, &et),
                    }
                }
            }
            ExprKind::Attribute { value, attr } => {
                let ot = self.infer(value);
                self.assign_attr(&ot, *attr, t, target.span);
            }
            _ => {
                self.infer(target);
            }
        }
    }

    pub(crate) fn assign_attr(&mut self, obj: &Type, attr: ast::Ident, t: &Type, span: Span) {
        let Type::Struct(sname) = obj else { return };
        if self.ambiguous_structs.contains(sname) {
            return;
        }
        let Some(st) = self.structs.get(sname) else {
            return;
        };
        match st.field(attr.name) {
            Some(f) => {
                let fty = f.ty.clone();
                if t.compat(&fty, self) == Compat::No {
                    self.error(
                        Diagnostic::error(
                            Code::AssignType,
                            span,
                            format!("{sname}.{} must be {fty}, got {t}", attr.name),
                        )
                        .with_label(format!("this is {t}")),
                    );
                }
            }
            None => {
                // Composition: the assignment goes where a read would be delegated.
                match self.field_holder(*sname, attr.name, &mut Vec::new()) {
                    Holder::Struct(inner) if inner != *sname => {
                        return self.assign_attr(&Type::Struct(inner), attr, t, span);
                    }
                    Holder::Unknown => return,
                    _ => {}
                }
                if st.methods.contains_key(&attr.name) {
                    return;
                }
                let cands: Vec<&str> = st.fields.iter().map(|f| f.name.as_str()).collect();
                let mut d = Diagnostic::error(
                    Code::UnknownField,
                    attr.span,
                    format!("'{sname}' object has no attribute '{}'", attr.name),
                );
                if let Some(s) = suggest(attr.name.as_str(), cands) {
                    d = d.with_help(format!("did you mean '{s}'?"));
                }
                self.error_as(d, Some("AttributeError"));
            }
        }
    }

    /// The struct that holds field `name` for struct `s`: `s` itself, else the first of its
    /// `_` fields (in order, recursively) that has it; `Unknown` when a delegate's type is not
    /// a known struct.
    fn field_holder(&self, s: Sym, name: Sym, seen: &mut Vec<Sym>) -> Holder {
        if !self.is_known_struct(s) || self.ambiguous_structs.contains(&s) || seen.contains(&s) {
            return Holder::Unknown;
        }
        seen.push(s);
        let Some(st) = self.structs.get(&s) else {
            return Holder::Unknown;
        };
        if st.field(name).is_some() {
            return Holder::Struct(s);
        }
        for d in st.delegates() {
            match &d.ty {
                Type::Struct(inner) => match self.field_holder(*inner, name, seen) {
                    Holder::Nowhere => {}
                    found => return found,
                },
                _ => return Holder::Unknown,
            }
        }
        Holder::Nowhere
    }

    pub(crate) fn typed_assign(
        &mut self,
        target: &Expr,
        ann: &ast::TypeExpr,
        value: Option<&Expr>,
        span: Span,
    ) {
        let decl = Type::from_ann(ann, self);
        if let Some(v) = value {
            let t = self.infer(v);
            self.check_conversion(v, &t, ann, &decl, target, span);
        }
        match &target.kind {
            ExprKind::Name {
                scope: None | Some(ScopeKind::Local),
                name,
            } => self.declare(*name, decl, target.span),
            ExprKind::Name { .. } => {}
            ExprKind::Attribute { value: obj, .. } | ExprKind::Index { value: obj, .. } => {
                self.infer(obj);
            }
            _ => {}
        }
    }

    /// `name: T = value` converts (DANA_SPEC §5.3): only a value that can never convert is an
    /// error. A literal is converted here exactly as the runtime would.
    pub(crate) fn check_conversion(
        &mut self,
        v: &Expr,
        t: &Type,
        ann: &ast::TypeExpr,
        decl: &Type,
        target: &Expr,
        _span: Span,
    ) {
        let display = match &target.kind {
            ExprKind::Name { name, .. } => name.as_str().to_string(),
            ExprKind::Attribute { attr, .. } => attr.name.as_str().to_string(),
            _ => "target".into(),
        };
        if let Some(lit) = literal_value(v) {
            let rt = crate::value::TypeAnn::from_ast(ann);
            if type_ann_is_plain(&rt) {
                let lookup = |_s: Sym| None;
                if let Err(e) = crate::value::coerce::coerce(lit, &rt, &display, &lookup) {
                    self.error(
                        Diagnostic::error(Code::AssignType, v.span, e.message.clone())
                            .with_label("this never converts"),
                    );
                }
                return;
            }
        }
        if never_converts(t, decl) {
            self.error(
                Diagnostic::error(
                    Code::AssignType,
                    v.span,
                    format!("cannot assign {t} to '{display}: {decl}'"),
                )
                .with_label(format!(
                    "{} never converts to {decl}",
                    crate::error::with_article(&t.runtime_name())
                )),
            );
        }
    }
}

fn exc_names(t: &Expr, out: &mut Vec<&'static str>) {
    match &t.kind {
        ExprKind::Name { name, .. } => out.push(name.as_str()),
        ExprKind::Attribute { attr, .. } => out.push(attr.name.as_str()),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            for i in items {
                exc_names(i, out);
            }
        }
        _ => out.push("*"),
    }
}

/// The runtime value of a literal expression (strings, numbers, bools, None, negatives).
fn literal_value(e: &Expr) -> Option<crate::value::Value> {
    use crate::value::Value;
    Some(match &e.kind {
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Float(f) => Value::Float(*f),
        ExprKind::Str(s) => Value::str(s.clone()),
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::None => Value::None,
        ExprKind::Unary(ast::UnaryOp::Neg, inner) => match &inner.kind {
            ExprKind::Int(i) => Value::Int(i.checked_neg()?),
            ExprKind::Float(f) => Value::Float(-f),
            _ => return None,
        },
        _ => return None,
    })
}

/// Annotations the literal conversion can test without looking names up.
fn type_ann_is_plain(t: &crate::value::TypeAnn) -> bool {
    use crate::value::TypeAnn as A;
    match t {
        A::Named(_) => false,
        A::Union(v) => v.iter().all(type_ann_is_plain),
        A::List(Some(x)) | A::Set(Some(x)) => type_ann_is_plain(x),
        A::Dict(Some(kv)) => type_ann_is_plain(&kv.0) && type_ann_is_plain(&kv.1),
        A::Tuple(Some((v, _))) => v.iter().all(type_ann_is_plain),
        _ => true,
    }
}

/// `true` when no value of type `t` converts to `decl` by DANA_SPEC §5.3 (conservative).
fn never_converts(t: &Type, decl: &Type) -> bool {
    use Type::*;
    match decl {
        Union(ds) => ds.iter().all(|d| never_converts(t, d)),
        Int | Float => match t {
            Union(ts) => ts.iter().all(|x| never_converts(x, decl)),
            List(_) | Dict(..) | Set(_) | Tuple(_) | TupleOf(_) | Func(_) | StructType(_)
            | Module(_) | Struct(_) => true,
            _ => false,
        },
        List(_) | Dict(..) | Set(_) | Tuple(_) | TupleOf(_) => match t {
            Union(ts) => ts.iter().all(|x| never_converts(x, decl)),
            Int | Float | Bool | Func(_) | Module(_) | StructType(_) => true,
            _ => false,
        },
        _ => false,
    }
}

/// Where an assigned struct field lives (see `Checker::field_holder`).
enum Holder {
    Struct(Sym),
    Unknown,
    Nowhere,
}
