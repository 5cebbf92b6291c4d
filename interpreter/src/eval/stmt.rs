//! Statements.

use super::{Flow, Frame, Interp};
use crate::error::{assertion_error, runtime_error, type_error, Exc, ExcKind, RtError};
use crate::ir::{
    Ex, ForSt, FuncDef, Handler, InterfaceDefIr, Place, St, StructDefIr, Target, TrySt,
};
use crate::value::ValueIter;
use crate::value::{
    coerce, repr, FxBuild, InterfaceType, NativeFn, StructField, StructType, TypeAnn, Value,
};
use dana_grammar::ast::{BinOp, ScopeKind, Sym};
use std::cell::RefCell;
use std::rc::Rc;

impl Interp {
    pub(crate) fn exec_block(&mut self, fr: &mut Frame<'_>, body: &[St]) -> Result<Flow, Exc> {
        for s in body {
            let f = self.exec(fr, s)?;
            if !matches!(f, Flow::Normal) {
                return Ok(f);
            }
        }
        Ok(Flow::Normal)
    }

    fn exec(&mut self, fr: &mut Frame<'_>, s: &St) -> Result<Flow, Exc> {
        match s {
            St::Expr(e, span) => {
                self.eval(fr, e)
                    .map_err(|err| self.locate(err, *span, fr.src))?;
            }
            St::Assign(t, e, span) => {
                let v = self.operand(fr, e)?;
                self.assign(fr, t, v)
                    .map_err(|err| self.locate(err, *span, fr.src))?;
            }
            St::AssignMany(ts, e, span) => {
                let v = self.eval(fr, e)?;
                for t in ts {
                    self.assign(fr, t, v.clone())
                        .map_err(|err| self.locate(err, *span, fr.src))?;
                }
            }
            St::TypedAssign(t, ann, e, display, span) => {
                if let Some(e) = e {
                    let v = if let Ex::Call(_) = e {
                        self.expected = Some(super::ExpectedType {
                            ann: ann.clone(),
                            globals: fr.globals.clone(),
                        });
                        let v = self.eval(fr, e);
                        self.expected = None;
                        v?
                    } else {
                        self.eval(fr, e)?
                    };
                    let v = {
                        let globals = fr.globals.clone();
                        let lookup = |s: Sym| globals.get(s).or_else(|| self.global_fallback(s));
                        coerce::coerce(v, ann, display, &lookup)
                    }
                    .map_err(|err| self.locate(err, *span, fr.src))?;
                    self.assign(fr, t, v)
                        .map_err(|err| self.locate(err, *span, fr.src))?;
                }
            }
            St::AugAssign(Target::Name(place, name), op, e, span) => {
                let rhs = match self.operand(fr, e) {
                    Ok(v) => v,
                    Err(err) => return Err(self.locate(err, *span, fr.src)),
                };
                // Fast path: `i += 1` on a local int, updated in its slot.
                if let (Place::Local(s), Value::Int(b)) = (*place, &rhs) {
                    if let Some(Value::Int(a)) = &mut self.stack[fr.base + s as usize] {
                        let r = match op {
                            BinOp::Add => a.checked_add(*b),
                            BinOp::Sub => a.checked_sub(*b),
                            BinOp::Mul => a.checked_mul(*b),
                            _ => None,
                        };
                        if let Some(r) = r {
                            *a = r;
                            // Ints own nothing: skip the out-of-line drop glue.
                            std::mem::forget(rhs);
                            return Ok(Flow::Normal);
                        }
                    }
                }
                self.aug_assign_name(fr, *place, *name, *op, rhs)
                    .map_err(|err| self.locate(err, *span, fr.src))?;
            }
            St::AugAssign(t, op, e, span) => {
                self.aug_assign(fr, t, *op, e)
                    .map_err(|err| self.locate(err, *span, fr.src))?;
            }
            St::If(cond, body, orelse) => {
                return if self.cond(fr, cond)? {
                    self.exec_block(fr, body)
                } else if orelse.is_empty() {
                    Ok(Flow::Normal)
                } else {
                    self.exec_block(fr, orelse)
                };
            }
            St::While(cond, body, orelse, span) => {
                loop {
                    self.tick().map_err(|err| self.locate(err, *span, fr.src))?;
                    if !self.cond(fr, cond)? {
                        break;
                    }
                    match self.exec_block(fr, body)? {
                        Flow::Break => return Ok(Flow::Normal),
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        _ => {}
                    }
                }
                return self.exec_block(fr, orelse);
            }
            St::For(f) => {
                let iterable = self.eval(fr, &f.iter)?;
                let mut it =
                    ValueIter::new(&iterable).map_err(|err| self.locate(err, f.span, fr.src))?;
                if let (ValueIter::Range { cur, stop, step }, Target::Name(Place::Local(s), _)) =
                    (&it, &f.target)
                {
                    return self.for_range(fr, f, *s, (*cur, *stop, *step));
                }
                while let Some(v) = it
                    .next_value(self)
                    .map_err(|err| self.locate(err, f.span, fr.src))?
                {
                    self.tick()
                        .map_err(|err| self.locate(err, f.span, fr.src))?;
                    match &f.target {
                        Target::Name(Place::Local(s), _) => {
                            self.stack[fr.base + *s as usize] = Some(v)
                        }
                        t => self.assign(fr, t, v)?,
                    }
                    match self.exec_block(fr, &f.body)? {
                        Flow::Break => return Ok(Flow::Normal),
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        _ => {}
                    }
                }
                return self.exec_block(fr, &f.orelse);
            }
            St::Return(e, span) => {
                let v = match e {
                    Some(e) => self.operand(fr, e)?,
                    None => Value::None,
                };
                self.ret_span = *span;
                return Ok(Flow::Return(v));
            }
            St::Break => return Ok(Flow::Break),
            St::Continue => return Ok(Flow::Continue),
            St::Pass => {}
            St::Try(t) => return self.exec_try(fr, t),
            St::Raise(exc, cause, span) => {
                if let Some(c) = cause {
                    self.eval(fr, c)?;
                }
                let err = self.raise_value(fr, exc)?;
                return Err(self.locate(err, *span, fr.src));
            }
            St::Assert(test, msg, span) => {
                if !self.cond(fr, test)? {
                    let m = match msg {
                        Some(m) => repr::to_str(&self.eval(fr, m)?),
                        None => String::new(),
                    };
                    return Err(self.locate(assertion_error(m), *span, fr.src));
                }
            }
            St::FuncDef(d) => {
                self.define_function(fr, d)?;
            }
            St::StructDef(d) => self.define_struct(fr, d)?,
            St::InterfaceDef(d) => self.define_interface(fr, d)?,
            St::Import(i) => self.exec_import(fr, i)?,
            St::Del(targets, span) => {
                for t in targets {
                    self.delete(fr, t)
                        .map_err(|e| self.locate(e, *span, fr.src))?;
                }
            }
            St::With(w) => {
                let v = self.eval(fr, &w.items[0].0)?;
                let e = type_error(format!(
                    "'{}' object does not support the context manager protocol",
                    v.type_name()
                ))
                .with_help("`with` works with host objects that implement enter/exit");
                return Err(self.locate(e, w.span, fr.src));
            }
        }
        Ok(Flow::Normal)
    }

    /// `for i in range(...)` into a local: the ints are counted here, without the general
    /// iterator, and written over the slot's previous int in place (no drop glue).
    #[inline(never)]
    fn for_range(
        &mut self,
        fr: &mut Frame<'_>,
        f: &ForSt,
        slot: u32,
        (mut cur, mut stop, step): (i64, i64, i64),
    ) -> Result<Flow, Exc> {
        let at = fr.base + slot as usize;
        while (step > 0 && cur < stop) || (step < 0 && cur > stop) {
            let v = cur;
            cur = cur.saturating_add(step);
            if cur == v {
                // Saturated at the i64 edge: stop after this element.
                stop = v;
            }
            self.tick()
                .map_err(|err| self.locate(err, f.span, fr.src))?;
            match &mut self.stack[at] {
                Some(Value::Int(x)) => *x = v,
                other => *other = Some(Value::Int(v)),
            }
            match self.exec_block(fr, &f.body)? {
                Flow::Break => return Ok(Flow::Normal),
                Flow::Return(v) => return Ok(Flow::Return(v)),
                _ => {}
            }
        }
        self.exec_block(fr, &f.orelse)
    }

    /// `name op= rhs` beyond the local-int fast path of [`Interp::exec`].
    #[inline(never)]
    fn aug_assign_name(
        &mut self,
        fr: &mut Frame<'_>,
        place: Place,
        name: Sym,
        op: BinOp,
        rhs: Value,
    ) -> Result<(), Exc> {
        // Take the current value out of its slot so a single-owner string or list can be
        // extended in place (this makes `s += x` in a loop linear).
        let cur = match place {
            Place::Local(s) => match self.stack[fr.base + s as usize].take() {
                Some(v) => v,
                None => {
                    return Err(self
                        .read_place(fr, place, name)
                        .err()
                        .unwrap_or_else(|| runtime_error("unbound")))
                }
            },
            _ => self.read_place(fr, place, name)?,
        };
        let backup = match (&cur, op) {
            (Value::Str(_), BinOp::Add) | (Value::List(_), BinOp::Add) => None,
            _ => Some(cur.clone()),
        };
        match self.inplace(op, cur, rhs) {
            Ok(v) => {
                self.write_place(fr, place, v);
                Ok(())
            }
            Err((err, orig)) => {
                if let Some(v) = orig.or(backup) {
                    self.write_place(fr, place, v);
                }
                Err(err)
            }
        }
    }

    /// `target op= e` for the targets other than a name (a name is done by
    /// [`Interp::exec`] and [`Interp::aug_assign_name`]).
    #[inline(never)]
    fn aug_assign(
        &mut self,
        fr: &mut Frame<'_>,
        t: &Target,
        op: BinOp,
        e: &crate::ir::Ex,
    ) -> Result<(), Exc> {
        match t {
            Target::Name(place, name) => {
                let rhs = self.operand(fr, e)?;
                self.aug_assign_name(fr, *place, *name, op, rhs)
            }
            Target::Scoped(scope, name) => {
                let rhs = self.eval(fr, e)?;
                let map = match scope {
                    ScopeKind::Private => &mut self.private,
                    ScopeKind::Public => &mut self.public,
                    _ => &mut self.system,
                };
                let cur = map.get(name).cloned().ok_or_else(|| {
                    crate::error::name_error(format!("name '{name}' is not defined"))
                })?;
                let v = self.binary(op, cur, rhs)?;
                let map = match scope {
                    ScopeKind::Private => &mut self.private,
                    ScopeKind::Public => &mut self.public,
                    _ => &mut self.system,
                };
                map.insert(*name, v);
                Ok(())
            }
            Target::Attr(obj, name, _, hint) => self.aug_assign_attr(fr, obj, *name, hint, op, e),
            Target::Index(obj, idx, _) => {
                let o = self.eval(fr, obj)?;
                let i = self.eval(fr, idx)?;
                let cur = match &o {
                    Value::Object(obj) => match obj.get_item(self, &i) {
                        Some(r) => r?,
                        None => crate::value::ops::get_index(&o, &i)?,
                    },
                    _ => crate::value::ops::get_index(&o, &i)?,
                };
                let rhs = self.eval(fr, e)?;
                let v = self.binary(op, cur, rhs)?;
                crate::value::ops::set_index(&o, &i, v)
            }
            Target::Slice(..) | Target::Unpack(..) => Err(crate::error::RtError::new(
                ExcKind::SyntaxError,
                "illegal expression for augmented assignment",
            )),
        }
    }

    /// `obj.name op= e`.
    #[inline(never)]
    fn aug_assign_attr(
        &mut self,
        fr: &mut Frame<'_>,
        obj: &crate::ir::Ex,
        name: Sym,
        hint: &crate::ir::FieldHint,
        op: BinOp,
        e: &crate::ir::Ex,
    ) -> Result<(), Exc> {
        let o = self.eval(fr, obj)?;
        if let Value::Struct(inst) = &o {
            // `b.vx -= dx * m` on a field of the struct itself: one field search.
            if let Some(i) = hint.find(&inst.ty, name) {
                let cur = inst.fields.borrow()[i].clone();
                let rhs = self.eval(fr, e)?;
                if let (Value::Float(x), Value::Float(y)) = (&cur, &rhs) {
                    // A float field updated by a float (`b.vx -= dx * m`): a float result
                    // fits a field declared `float` (or undeclared) as it is, so it is written
                    // over the old float in place, with no type check.
                    let r = match op {
                        BinOp::Add => Some(x + y),
                        BinOp::Sub => Some(x - y),
                        BinOp::Mul => Some(x * y),
                        _ => None,
                    };
                    if let (Some(r), None | Some(TypeAnn::Float | TypeAnn::Any)) =
                        (r, &inst.ty.fields[i].ann)
                    {
                        if crate::sandbox::is_contained() {
                            crate::sandbox::check_mutation(&o)?;
                        }
                        inst.fields.borrow_mut()[i] = Value::Float(r);
                        return Ok(());
                    }
                }
                let v = self.binary(op, cur, rhs)?;
                if crate::sandbox::is_contained() {
                    crate::sandbox::check_mutation(&o)?;
                }
                return super::attr::store_field(inst, i, v);
            }
        }
        let cur = self.get_attr(fr, &o, name)?;
        let rhs = self.eval(fr, e)?;
        let v = self.binary(op, cur, rhs)?;
        self.set_attr(&o, name, v)
    }

    /// `cur op= rhs`; strings and lists owned only by the variable grow in place. On failure
    /// the original value is handed back when it was consumed.
    fn inplace(
        &mut self,
        op: BinOp,
        cur: Value,
        rhs: Value,
    ) -> Result<Value, (Exc, Option<Value>)> {
        if crate::sandbox::is_contained() && matches!((op, &cur), (BinOp::Add, Value::List(_))) {
            if let Err(e) = crate::sandbox::check_mutation(&cur) {
                return Err((e, Some(cur)));
            }
        }
        match (op, cur, rhs) {
            (BinOp::Add, Value::Str(mut s), Value::Str(r)) => {
                match Rc::get_mut(&mut s) {
                    Some(owned) => owned.push_str(&r),
                    None => {
                        let mut n = String::with_capacity(s.len() + r.len());
                        n.push_str(&s);
                        n.push_str(&r);
                        s = Rc::new(n);
                    }
                }
                Ok(Value::Str(s))
            }
            (BinOp::Add, Value::List(l), rhs) => {
                // Python: `xs += iterable` extends the same list object.
                let items = match crate::value::collect(self, &rhs) {
                    Ok(items) => items,
                    Err(_) => {
                        let e = type_error(format!(
                            "can only concatenate list (not \"{}\") to list",
                            rhs.type_name()
                        ));
                        return Err((e, Some(Value::List(l))));
                    }
                };
                l.borrow_mut().extend(items);
                Ok(Value::List(l))
            }
            (op, cur @ Value::Str(_), rhs) => {
                let keep = cur.clone();
                self.binary(op, cur, rhs).map_err(|e| (e, Some(keep)))
            }
            (op, cur, rhs) => self.binary(op, cur, rhs).map_err(|e| (e, None)),
        }
    }

    #[inline(never)]
    fn exec_try(&mut self, fr: &mut Frame<'_>, t: &TrySt) -> Result<Flow, Exc> {
        let result = match self.exec_block(fr, &t.body) {
            Ok(Flow::Normal) => self.exec_block(fr, &t.orelse),
            Ok(flow) => Ok(flow),
            Err(e) => match self.find_handler(fr, &t.handlers, &e) {
                Ok(Some(h)) => {
                    let exc_value = Value::Exception(Rc::new(*e));
                    if let Some(place) = h.name {
                        self.write_place(fr, place, exc_value.clone());
                    }
                    self.handling.push(exc_value);
                    let r = self.exec_block(fr, &h.body);
                    self.handling.pop();
                    // As in Python, the `as` name is unbound when the handler ends.
                    if let Some(place) = h.name {
                        self.unbind_place(fr, place);
                    }
                    r
                }
                Ok(None) => Err(e),
                Err(e2) => Err(e2),
            },
        };
        if t.finalbody.is_empty() {
            return result;
        }
        let ret_span = self.ret_span;
        match self.exec_block(fr, &t.finalbody)? {
            Flow::Normal => {
                self.ret_span = ret_span;
                result
            }
            other => Ok(other),
        }
    }

    fn find_handler<'h>(
        &mut self,
        fr: &mut Frame<'_>,
        hs: &'h [Handler],
        e: &RtError,
    ) -> Result<Option<&'h Handler>, Exc> {
        for h in hs {
            let Some(types) = &h.types else {
                return Ok(Some(h));
            };
            let tv = self.eval(fr, types)?;
            if exc_matches(&tv, e.kind).map_err(|err| self.locate(err, h.span, fr.src))? {
                return Ok(Some(h));
            }
        }
        Ok(None)
    }

    fn raise_value(&mut self, fr: &mut Frame<'_>, exc: &Option<crate::ir::Ex>) -> Result<Exc, Exc> {
        let Some(exc) = exc else {
            return Ok(match self.handling.last() {
                Some(Value::Exception(rc)) => Box::new((**rc).clone()),
                _ => runtime_error("No active exception to reraise"),
            });
        };
        let v = self.eval(fr, exc)?;
        Ok(match v {
            Value::Exception(rc) => {
                let mut e = (*rc).clone();
                e.stack.clear();
                Box::new(e)
            }
            Value::ExcType(k) => RtError::new(k, ""),
            Value::Str(s) => runtime_error(s.as_str()),
            other => type_error(format!(
                "exceptions must be an exception class, an exception or a string, not '{}'",
                other.type_name()
            )),
        })
    }

    #[inline(never)]
    pub(crate) fn define_function(
        &mut self,
        fr: &mut Frame<'_>,
        d: &FuncDef,
    ) -> Result<Value, Exc> {
        let mut defaults = Vec::with_capacity(d.defaults.len());
        for e in &d.defaults {
            defaults.push(self.eval(fr, e)?);
        }
        let mut f = self.make_function(fr, &d.code, defaults);
        for deco in d.decorators.iter().rev() {
            let dv = self.eval(fr, &deco.func)?;
            if let Some(hook) = self.hook_for(&dv) {
                f = self
                    .decorate_with_hook(fr, d, deco, &*hook, f)
                    .map_err(|e| self.locate(e, deco.span, fr.src))?;
                continue;
            }
            let r = match &deco.args {
                None => self.call_value(&dv, vec![f], &[]),
                Some(args) => match self.eval_args(fr, args) {
                    Ok((pos, kw)) => self
                        .call_value(&dv, pos, &kw)
                        .and_then(|made| self.call_value(&made, vec![f], &[])),
                    Err(e) => Err(e),
                },
            };
            f = r.map_err(|e| self.locate(e, deco.span, fr.src))?;
        }
        let mut types = Vec::with_capacity(d.receivers.len());
        for (_, ex) in &d.receivers {
            let tv = self
                .eval(fr, ex)
                .map_err(|e| self.locate(e, d.span, fr.src))?;
            if let Value::StructType(st) = &tv {
                if crate::sandbox::is_contained() {
                    let own = st
                        .globals
                        .as_ref()
                        .is_some_and(|g| std::ptr::eq(g.as_ptr(), Rc::as_ptr(fr.globals)));
                    if !own {
                        return Err(self.locate(
                            crate::sandbox::receiver_refused(st.name, d.code.name),
                            d.span,
                            fr.src,
                        ));
                    }
                }
                st.methods.borrow_mut().insert(d.code.name, f.clone());
            }
            types.push(tv);
        }
        if let Some(place) = d.bind {
            let bound = if types.is_empty() {
                f.clone()
            } else {
                // Receiver methods of several types may share a name (`area` of Circle and of
                // Rect), and may share it with a builtin (`len`): the name dispatches on the
                // receiver and falls back to what it named before.
                let prev = self
                    .read_place(fr, place, d.code.name)
                    .ok()
                    .filter(Value::is_callable);
                receiver_dispatch(d.code.name, types, f.clone(), prev)
            };
            self.write_place(fr, place, bound);
        }
        Ok(f)
    }

    fn decorate_with_hook(
        &mut self,
        fr: &mut Frame<'_>,
        d: &FuncDef,
        deco: &crate::ir::Decorator,
        hook: &dyn crate::hooks::DecoratorHook,
        f: Value,
    ) -> Result<Value, Exc> {
        let (pos, kw) = match &deco.args {
            Some(args) => self.eval_args(fr, args)?,
            None => (Vec::new(), Vec::new()),
        };
        let def = crate::hooks::DecoratedDef {
            function: f,
            name: d.code.name.as_str(),
            source: fr.src,
            def_span: d.def_span,
            decorator_span: deco.span,
            globals: fr.globals,
            is_method: !d.receivers.is_empty(),
        };
        hook.decorate(self, def, crate::value::Args::new(&pos, &kw))
    }

    fn define_struct(&mut self, fr: &mut Frame<'_>, d: &StructDefIr) -> Result<(), Exc> {
        let mut fields = Vec::with_capacity(d.fields.len());
        for f in &d.fields {
            let default = match &f.default {
                Some(e) => Some(self.eval(fr, e)?),
                None => None,
            };
            fields.push(StructField {
                name: f.name,
                ann: f.ann.clone(),
                default,
                comment: f.comment.clone(),
            });
        }
        let kind = match d.kind {
            None => "struct",
            Some(dana_grammar::ast::NicheKind::Agent) => "agent",
            Some(dana_grammar::ast::NicheKind::AgentBlueprint) => "agent_blueprint",
            Some(dana_grammar::ast::NicheKind::Resource) => "resource",
            Some(dana_grammar::ast::NicheKind::Workflow) => "workflow",
        };
        let st = Rc::new(StructType {
            name: d.name,
            kind,
            doc: d.doc.clone(),
            fields,
            methods: RefCell::new(indexmap::IndexMap::with_hasher(FxBuild::default())),
            globals: Some(Rc::downgrade(fr.globals)),
        });
        // Bind first so methods can mention the type.
        self.write_place(fr, d.bind, Value::StructType(st.clone()));
        for m in &d.methods {
            self.define_function(fr, m)?;
        }
        Ok(())
    }

    fn define_interface(&mut self, fr: &mut Frame<'_>, d: &InterfaceDefIr) -> Result<(), Exc> {
        let mut methods = d.methods.clone();
        for (e, span) in &d.embeds {
            match self.eval(fr, e)? {
                Value::Interface(i) => methods.extend(i.methods.iter().copied()),
                other => {
                    let err = type_error(format!(
                        "an interface can only embed interfaces, not '{}'",
                        other.type_name()
                    ));
                    return Err(self.locate(err, *span, fr.src));
                }
            }
        }
        let it = InterfaceType {
            name: d.name,
            doc: d.doc.clone(),
            methods,
        };
        self.write_place(fr, d.bind, Value::Interface(Rc::new(it)));
        Ok(())
    }
}

/// A function value that calls `f` when the first argument is of one of `types`, else `prev`
/// (or `f` itself, which then reports the type mismatch).
fn receiver_dispatch(name: Sym, types: Vec<Value>, f: Value, prev: Option<Value>) -> Value {
    let Some(prev) = prev else {
        return f;
    };
    NativeFn::closure(name.as_str(), move |it, args| {
        let mine = args.pos.first().is_some_and(|v| {
            types
                .iter()
                .any(|t| crate::builtins::is_instance(v, t).unwrap_or(false))
        });
        if mine {
            it.call_with(&f, args)
        } else {
            it.call_with(&prev, args)
        }
    })
}

/// Does an `except` clause's type value catch `kind`?
fn exc_matches(tv: &Value, kind: ExcKind) -> Result<bool, Exc> {
    match tv {
        Value::ExcType(k) => Ok(kind.is_subclass_of(*k)),
        Value::Tuple(items) => {
            for t in items.iter() {
                if exc_matches(t, kind)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        other => Err(type_error(format!(
            "catching '{}' is not allowed: except clauses take exception classes",
            repr::repr(other)
        ))),
    }
}
