//! Attribute access and method calls: struct fields and methods, `_` delegation, dict keys as
//! attributes, builtin-value methods and uniform call syntax (`x.m(a)` → `m(x, a)`).

use super::{Frame, Interp};
use crate::error::{attribute_error, did_you_mean, type_error, Exc};
use crate::ir::{Arg, Ex, MethodCall, Place};
use crate::value::hash::StrKey;
use crate::value::{
    coerce, methods, Args, BoundMethod, BuiltinType, Key, MethodTarget, NativeFn, StructInstance,
    TypeAnn, Value,
};
use dana_grammar::ast::Sym;
use std::cell::RefCell;
use std::rc::Rc;

enum Found {
    /// A value (a field, a dict entry, a module member): called as is.
    Plain(Value),
    /// A function taking the receiver first.
    Method(Value, Value),
    /// A builtin-value method on this receiver.
    Builtin(Value),
}

impl Interp {
    /// Looks `name` up on `obj` without uniform call syntax.
    fn lookup_attr(&self, obj: &Value, name: Sym, depth: usize) -> Option<Found> {
        match obj {
            Value::Struct(inst) => {
                if let Some(i) = inst.ty.field_index(name) {
                    return Some(Found::Plain(inst.fields.borrow()[i].clone()));
                }
                if let Some(m) = inst.ty.methods.borrow().get(&name) {
                    return Some(Found::Method(m.clone(), obj.clone()));
                }
                if depth < 32 {
                    // Composition: misses are delegated, in order, to `_`-prefixed fields.
                    for (i, f) in inst.ty.fields.iter().enumerate() {
                        if f.name.as_str().starts_with('_') {
                            let inner = inst.fields.borrow()[i].clone();
                            if let Some(found) = self.lookup_attr(&inner, name, depth + 1) {
                                return Some(found);
                            }
                        }
                    }
                }
                None
            }
            Value::Dict(d) => {
                if let Some(v) = d.borrow().get(&StrKey(name.as_str())) {
                    return Some(Found::Plain(v.clone()));
                }
                methods::has_method_sym(obj, name).then(|| Found::Builtin(obj.clone()))
            }
            Value::Module(g) => {
                if name.as_str().starts_with('_') && name.as_str() != "__name__" {
                    return None;
                }
                g.get(name).map(Found::Plain)
            }
            Value::StructType(st) => st.methods.borrow().get(&name).cloned().map(Found::Plain),
            // `str.lower`: the method as a function taking the receiver first.
            Value::Type(t) => {
                // Python's static and class methods take no receiver.
                match (t, name.as_str()) {
                    (BuiltinType::Str, "maketrans") => {
                        return Some(Found::Plain(NativeFn::new("maketrans", |_, args| {
                            methods::maketrans(args)
                        })))
                    }
                    (BuiltinType::Dict, "fromkeys") => {
                        return Some(Found::Plain(NativeFn::new("fromkeys", |_, args| {
                            methods::fromkeys(args)
                        })))
                    }
                    _ => {}
                }
                let sample = match t {
                    BuiltinType::Int => Value::Int(0),
                    BuiltinType::Str => Value::str(""),
                    BuiltinType::List => Value::list(Vec::new()),
                    BuiltinType::Dict => Value::dict(Default::default()),
                    BuiltinType::Set => Value::set(Default::default()),
                    BuiltinType::Tuple => Value::tuple(Vec::new()),
                    _ => return None,
                };
                if !methods::has_method(&sample, name.as_str()) {
                    return None;
                }
                let tname = t.name();
                Some(Found::Plain(NativeFn::closure(
                    name.as_str(),
                    move |it, args| {
                        let Some((recv, rest)) = args.pos.split_first() else {
                            return Err(crate::error::type_error(format!(
                                "{tname}.{name}() needs a receiver argument"
                            )));
                        };
                        match methods::call_method(it, recv, name, Args::new(rest, args.kw)) {
                            Some(r) => r,
                            None => Err(crate::error::type_error(format!(
                                "{tname}.{name}() does not apply to '{}'",
                                recv.type_name()
                            ))),
                        }
                    },
                )))
            }
            Value::Exception(e) => {
                let v = match name.as_str() {
                    "type" => Value::str(e.kind.name()),
                    "message" => Value::str(e.message.clone()),
                    "args" => Value::tuple(vec![Value::str(e.message.clone())]),
                    "line" => e
                        .location
                        .as_ref()
                        .map_or(Value::None, |l| Value::Int(l.line as i64)),
                    "column" => e
                        .location
                        .as_ref()
                        .map_or(Value::None, |l| Value::Int(l.column as i64)),
                    "file" => e
                        .location
                        .as_ref()
                        .map_or(Value::None, |l| Value::str(l.file.to_string())),
                    _ => return None,
                };
                Some(Found::Plain(v))
            }
            Value::Object(o) => {
                if let Some(v) = o.get_attr(obj, name.as_str()) {
                    return Some(Found::Plain(v));
                }
                methods::has_method(obj, name.as_str()).then(|| Found::Builtin(obj.clone()))
            }
            _ => methods::has_method_sym(obj, name).then(|| Found::Builtin(obj.clone())),
        }
    }

    /// Uniform call syntax: a function `name` in scope whose first parameter accepts `obj`.
    fn ufcs(&self, fr: &Frame<'_>, fallback: Option<(Place, Sym)>, obj: &Value) -> Option<Value> {
        let (place, name) = fallback?;
        let f = self.read_place(fr, place, name).ok()?;
        let accepts = match &f {
            Value::Func(func) => match func.code.params.first() {
                None => false,
                Some(p) => match &p.ann {
                    None => true,
                    Some(ann) => {
                        let g = fr.globals.clone();
                        coerce::matches(obj, ann, &|s| g.get(s).or_else(|| self.global_fallback(s)))
                    }
                },
            },
            Value::Native(_) => true,
            _ => false,
        };
        accepts.then_some(f)
    }

    pub(super) fn attr_error(&self, obj: &Value, name: Sym) -> Exc {
        let mut candidates: Vec<&'static str> = Vec::new();
        let what = match obj {
            Value::Module(g) => {
                candidates.extend(g.names().iter().map(|s| s.as_str()));
                format!("module '{}' has no attribute '{name}'", g.name)
            }
            Value::Struct(inst) if inst.ty.kind.starts_with("agent") => {
                return crate::error::RtError::new(
                    crate::ExcKind::NotImplementedError,
                    format!("{} '{}' has no method '{name}'", inst.ty.kind, inst.ty.name),
                )
                .with_help("LLM-backed agent methods are not supported yet; define the method in the agent block");
            }
            Value::Struct(inst) => {
                candidates.extend(inst.ty.fields.iter().map(|f| f.name.as_str()));
                candidates.extend(inst.ty.methods.borrow().keys().map(|k| k.as_str()));
                format!("'{}' object has no attribute '{name}'", inst.ty.name)
            }
            Value::Object(o) => {
                candidates.extend(o.method_names().iter().copied());
                if let Some(b) = o.base() {
                    candidates.extend(methods::method_names(&b.type_name()).iter().copied());
                }
                format!("'{}' object has no attribute '{name}'", o.type_name())
            }
            other => {
                candidates.extend(methods::method_names(&other.type_name()).iter().copied());
                format!("'{}' object has no attribute '{name}'", other.type_name())
            }
        };
        let mut e = attribute_error(what);
        if let Some(s) = did_you_mean(name.as_str(), candidates) {
            e = e.with_help(format!("did you mean '{s}'?"));
        }
        e
    }

    /// `obj.name` as a value.
    #[inline(never)]
    pub(crate) fn get_attr(
        &mut self,
        fr: &Frame<'_>,
        obj: &Value,
        name: Sym,
    ) -> Result<Value, Exc> {
        match self.lookup_attr(obj, name, 0) {
            Some(Found::Plain(v)) => Ok(v),
            Some(Found::Method(f, recv)) => Ok(Value::Method(Rc::new(BoundMethod {
                recv,
                target: MethodTarget::Func(f),
            }))),
            Some(Found::Builtin(recv)) => Ok(Value::Method(Rc::new(BoundMethod {
                recv,
                target: MethodTarget::Builtin(name),
            }))),
            None => {
                let fallback = fr
                    .globals
                    .index
                    .borrow()
                    .get(&name)
                    .map(|&g| (Place::Global(g), name));
                match self.ufcs(fr, fallback, obj) {
                    Some(f) => Ok(Value::Method(Rc::new(BoundMethod {
                        recv: obj.clone(),
                        target: MethodTarget::Func(f),
                    }))),
                    None => Err(self.attr_error(obj, name)),
                }
            }
        }
    }

    /// `obj.name = v`.
    pub(crate) fn set_attr(&mut self, obj: &Value, name: Sym, v: Value) -> Result<(), Exc> {
        match obj {
            Value::Struct(inst) => {
                if crate::sandbox::is_contained() {
                    crate::sandbox::check_mutation(obj)?;
                }
                match set_field(inst, name, v) {
                    Ok(r) => r,
                    // Composition: a field the struct lacks is assigned where a read of it
                    // would be delegated (DANA_SPEC §7).
                    Err(v) => {
                        set_delegated(inst, name, v, 0).ok_or_else(|| self.attr_error(obj, name))?
                    }
                }
            }
            Value::Dict(d) => {
                if crate::sandbox::is_contained() {
                    crate::sandbox::check_mutation(obj)?;
                }
                d.borrow_mut().insert(Key(Value::str(name.as_str())), v);
                Ok(())
            }
            Value::Module(g) => Err(type_error(format!(
                "cannot assign {}.{name}: a module's names are read-only from outside it",
                g.name
            ))
            .with_help("assign it inside the module, or keep the value in a name of your own")),
            Value::Object(o) => match o.set_attr(name.as_str(), v) {
                Some(r) => r,
                None => Err(attribute_error(format!(
                    "'{}' object has no attribute '{name}'",
                    o.type_name()
                ))),
            },
            other => Err(attribute_error(format!(
                "'{}' object attribute '{name}' cannot be assigned",
                other.type_name()
            ))),
        }
    }

    #[inline(never)]
    pub(crate) fn eval_method_call(
        &mut self,
        fr: &mut Frame<'_>,
        m: &MethodCall,
    ) -> Result<Value, Exc> {
        if m.append {
            if let (
                Ex::Name(Place::Local(s), ..),
                [Arg::Pos(e @ (Ex::Name(Place::Local(_), ..) | Ex::Const(_)))],
            ) = (&m.recv, m.args.as_slice())
            {
                // `xs.append(v)` with a local list and a leaf argument (reading it has no
                // effect on `xs`): the list is used in its slot, without a clone of the `Rc`.
                let at = fr.base + *s as usize;
                if let Some(recv @ Value::List(_)) = &self.stack[at] {
                    if crate::sandbox::is_contained() {
                        crate::sandbox::check_mutation(recv)?;
                    }
                    let v = self.operand(fr, e)?;
                    if let Some(Value::List(list)) = &self.stack[at] {
                        let r = push_item(list, v);
                        return match r {
                            Ok(()) => Ok(Value::None),
                            Err(e) => Err(self.locate(e, m.span, fr.src)),
                        };
                    }
                }
            }
        }
        let recv = self.operand(fr, &m.recv)?;
        if m.append {
            if let (Value::List(list), [Arg::Pos(e)]) = (&recv, m.args.as_slice()) {
                if crate::sandbox::is_contained() {
                    crate::sandbox::check_mutation(&recv)?;
                }
                let v = self.operand(fr, e)?;
                return match push_item(list, v) {
                    Ok(()) => Ok(Value::None),
                    Err(e) => Err(self.locate(e, m.span, fr.src)),
                };
            }
        }
        if m.simple {
            if let Some(func) = struct_method(&recv, m) {
                // Fast path: the receiver and the arguments go straight into the callee's
                // frame slots.
                let base = self.stack.len();
                self.stack.push(Some(recv));
                self.push_args(fr, &m.args, base)?;
                return match self.call_function(&func, base, &[]) {
                    Ok(v) => Ok(v),
                    Err(e) => Err(self.call_error(e, m.span, fr.src)),
                };
            }
        }
        if m.simple && m.args.len() <= SMALL_ARGS && builtin_first(&recv, m.name) {
            return self.call_builtin_small(fr, &recv, m);
        }
        let (pos, kw) = if m.simple {
            let mut pos = Vec::with_capacity(m.args.len() + 1);
            for a in &m.args {
                if let Arg::Pos(e) = a {
                    pos.push(self.operand(fr, e)?);
                }
            }
            (pos, Vec::new())
        } else {
            self.eval_args(fr, &m.args)?
        };
        let r = self.dispatch_method(fr, &recv, m, pos, &kw);
        match r {
            Ok(v) => Ok(v),
            Err(e) => Err(self.call_error(e, m.span, fr.src)),
        }
    }

    /// A builtin-value method with a few positional arguments: they stay in an array.
    #[inline(never)]
    fn call_builtin_small(
        &mut self,
        fr: &mut Frame<'_>,
        recv: &Value,
        m: &MethodCall,
    ) -> Result<Value, Exc> {
        let mut buf: [Value; SMALL_ARGS] = Default::default();
        for (slot, a) in buf.iter_mut().zip(&m.args) {
            if let Arg::Pos(e) = a {
                *slot = self.operand(fr, e)?;
            }
        }
        let args = Args::new(&buf[..m.args.len()], &[]);
        if let Some(r) = methods::call_method(self, recv, m.name, args) {
            return r.map_err(|e| self.call_error(e, m.span, fr.src));
        }
        let pos = buf[..m.args.len()].to_vec();
        self.dispatch_method(fr, recv, m, pos, &[])
            .map_err(|e| self.call_error(e, m.span, fr.src))
    }

    fn dispatch_method(
        &mut self,
        fr: &Frame<'_>,
        recv: &Value,
        m: &MethodCall,
        pos: Vec<Value>,
        kw: &[(Sym, Value)],
    ) -> Result<Value, Exc> {
        // Builtin-value methods first for the builtin containers (the common case), except that
        // a dict key shadows a method of the same name.
        match recv {
            Value::Struct(_) | Value::Module(_) | Value::StructType(_) | Value::Exception(_) => {}
            Value::Dict(d) if d.borrow().contains_key(&StrKey(m.name.as_str())) => {}
            _ => {
                if let Some(r) = methods::call_method(self, recv, m.name, Args::new(&pos, kw)) {
                    return r;
                }
            }
        }
        match self.lookup_attr(recv, m.name, 0) {
            Some(Found::Plain(f)) => self.call_value(&f, pos, kw),
            Some(Found::Method(f, r)) => {
                let mut all = Vec::with_capacity(pos.len() + 1);
                all.push(r);
                all.extend(pos);
                self.call_value(&f, all, kw)
            }
            Some(Found::Builtin(r)) => {
                match methods::call_method(self, &r, m.name, Args::new(&pos, kw)) {
                    Some(res) => res,
                    None => Err(self.attr_error(&r, m.name)),
                }
            }
            None => match self.ufcs(fr, m.fallback, recv) {
                Some(f) => {
                    let mut all = Vec::with_capacity(pos.len() + 1);
                    all.push(recv.clone());
                    all.extend(pos);
                    self.call_value(&f, all, kw)
                }
                None => Err(self.attr_error(recv, m.name)),
            },
        }
    }
}

/// Appends `v` to `list` within the memory limit.
#[inline]
fn push_item(list: &RefCell<Vec<Value>>, v: Value) -> Result<(), Exc> {
    let mut items = list.borrow_mut();
    if items.len() == items.capacity() {
        crate::limits::memory::grow_for_push(&mut items)?;
    }
    items.push(v);
    Ok(())
}

/// Calls of builtin-value methods with at most this many arguments pass them in an array.
const SMALL_ARGS: usize = 4;

/// `true` when `recv.name(...)` tries the builtin-value methods first (as `dispatch_method`
/// does): strings, lists, tuples and sets, and dicts without a key `name`.
#[inline]
fn builtin_first(recv: &Value, name: Sym) -> bool {
    match recv {
        Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Set(_) => true,
        Value::Dict(d) => !d.borrow().contains_key(&StrKey(name.as_str())),
        _ => false,
    }
}

/// The Dana method `m.name` of a struct instance, unless a field of that name shadows it.
#[inline]
fn struct_method(recv: &Value, m: &MethodCall) -> Option<Rc<crate::value::Function>> {
    let Value::Struct(inst) = recv else {
        return None;
    };
    if let Some(f) = m.cache.get(&inst.ty, m.name) {
        return Some(f);
    }
    if inst.ty.field_index(m.name).is_some() {
        return None;
    }
    let methods = inst.ty.methods.borrow();
    match methods.get_full(&m.name) {
        Some((i, _, Value::Func(f))) => {
            m.cache.set(&inst.ty, i);
            Some(f.clone())
        }
        _ => None,
    }
}

/// Assigns `name` in the first `_`-prefixed field, in order, whose value has it (a struct
/// field, through its own delegates too, or an existing dict key): the order reads delegate
/// in. `None` when no delegate has it.
fn set_delegated(
    inst: &StructInstance,
    name: Sym,
    v: Value,
    depth: usize,
) -> Option<Result<(), Exc>> {
    if depth >= 32 {
        return None;
    }
    let mut v = v;
    for (i, f) in inst.ty.fields.iter().enumerate() {
        if !f.name.as_str().starts_with('_') {
            continue;
        }
        let inner = inst.fields.borrow()[i].clone();
        if crate::sandbox::is_contained() {
            if let Err(e) = crate::sandbox::check_mutation(&inner) {
                return Some(Err(e));
            }
        }
        match &inner {
            Value::Struct(s) => match set_field(s, name, v) {
                Ok(r) => return Some(r),
                Err(back) => match set_delegated(s, name, back.clone(), depth + 1) {
                    Some(r) => return Some(r),
                    None => v = back,
                },
            },
            Value::Dict(d) => {
                let key = Key(Value::str(name.as_str()));
                if d.borrow().contains_key(&key) {
                    d.borrow_mut().insert(key, v);
                    return Some(Ok(()));
                }
            }
            _ => {}
        }
    }
    None
}

/// Assigns a struct field with re-validation; `Err(v)` (the value back) when the struct has
/// no such field.
fn set_field(inst: &StructInstance, name: Sym, v: Value) -> Result<Result<(), Exc>, Value> {
    let Some(i) = inst.ty.field_index(name) else {
        return Err(v);
    };
    Ok(store_field(inst, i, v))
}

/// Stores `v` in field `i` of `inst` after the check of the field's annotation. The check
/// is skipped when the value surely fits as it is (a float into `float`, `None` or a
/// `Packet` into `Packet | None`); an int for a float field is widened by the full check.
#[inline]
pub(super) fn store_field(inst: &StructInstance, i: usize, v: Value) -> Result<(), Exc> {
    let v = match &inst.ty.fields[i].ann {
        None | Some(TypeAnn::Any) => v,
        Some(ann) if fits_as_is(&v, ann) => v,
        Some(_) => {
            let g = inst.ty.globals.as_ref().and_then(std::rc::Weak::upgrade);
            let lookup = |s: Sym| g.as_ref().and_then(|g| g.get(s));
            coerce::check_field_assign(&inst.ty, i, v, &lookup)?
        }
    };
    inst.fields.borrow_mut()[i] = v;
    Ok(())
}

/// `true` when `v` matches `ann` and is stored unchanged: a bool for `bool`, numbers only
/// where the annotation names `int` itself (a field that takes float but not int widens them).
#[inline]
fn fits_as_is(v: &Value, ann: &TypeAnn) -> bool {
    match v {
        Value::Bool(_) if matches!(ann, TypeAnn::Bool) => true,
        Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => match ann {
            TypeAnn::Int => true,
            TypeAnn::Union(ts) => ts.iter().any(|t| matches!(t, TypeAnn::Int)),
            _ => false,
        },
        _ => coerce::quick_match(v, ann) == Some(true),
    }
}
