//! Expressions.

use super::{Frame, Function, Interp};
use crate::error::{type_error, value_error, Exc};
use crate::ir::{Comp, CompKind, Ex, FPart, FuncCode, Place, Target};
use crate::value::{format, ops, repr, DictMap, Key, NativeFn, SetMap, Value, ValueIter};
use dana_grammar::ast::{BinOp, CmpOp, ScopeKind, UnaryOp};
use std::cell::RefCell;
use std::rc::Rc;

impl Interp {
    /// Evaluates an operand: a bound local or a constant is read inline, anything else goes
    /// through [`Interp::eval`]. Most operands are leaves, and a recursive `eval` call costs
    /// several times the read itself.
    #[inline(always)]
    pub(crate) fn operand(&mut self, fr: &mut Frame<'_>, e: &Ex) -> Result<Value, Exc> {
        match e {
            Ex::Name(Place::Local(s), ..) => {
                if let Some(v) = &self.stack[fr.base + *s as usize] {
                    return Ok(v.clone());
                }
            }
            Ex::Const(v) => return Ok(v.clone()),
            _ => {}
        }
        self.eval(fr, e)
    }

    /// Evaluates a condition (`if`, `while`, `not`, `and`/`or` operands): a single comparison
    /// of two ints is decided without building a `bool` value.
    #[inline]
    pub(crate) fn cond(&mut self, fr: &mut Frame<'_>, e: &Ex) -> Result<bool, Exc> {
        if let Ex::Compare(left, rest, span) = e {
            if let [(op, right)] = rest.as_slice() {
                let a = self.operand(fr, left)?;
                let b = self.operand(fr, right)?;
                if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
                    let r = match op {
                        CmpOp::Lt => Some(x < y),
                        CmpOp::LtE => Some(x <= y),
                        CmpOp::Gt => Some(x > y),
                        CmpOp::GtE => Some(x >= y),
                        CmpOp::Eq => Some(x == y),
                        CmpOp::NotEq => Some(x != y),
                        _ => None,
                    };
                    if let Some(r) = r {
                        // Ints own nothing: skip the out-of-line drop glue.
                        std::mem::forget(a);
                        std::mem::forget(b);
                        return Ok(r);
                    }
                }
                return match compare(self, *op, &a, &b) {
                    Ok(ok) => Ok(ok),
                    Err(err) => Err(self.locate(err, *span, fr.src)),
                };
            }
        }
        self.cond_other(fr, e)
    }

    /// `x is None` (`is` true) / `x is not None`: a bound local is looked at in place.
    #[inline(never)]
    fn is_none_test(&mut self, fr: &mut Frame<'_>, left: &Ex, is: bool) -> Result<bool, Exc> {
        if let Ex::Name(Place::Local(s), ..) = left {
            if let Some(v) = &self.stack[fr.base + *s as usize] {
                return Ok(v.is_none() == is);
            }
        }
        let v = self.operand(fr, left)?;
        Ok(v.is_none() == is)
    }

    /// The conditions other than one comparison; `and`, `or` and `not` are decided without
    /// building `bool` values.
    #[inline(never)]
    fn cond_other(&mut self, fr: &mut Frame<'_>, e: &Ex) -> Result<bool, Exc> {
        match e {
            Ex::And(ab) => Ok(self.cond(fr, &ab.0)? && self.cond(fr, &ab.1)?),
            Ex::Or(ab) => Ok(self.cond(fr, &ab.0)? || self.cond(fr, &ab.1)?),
            Ex::Not(a) => Ok(!self.cond(fr, a)?),
            Ex::IsNone(a, is) => self.is_none_test(fr, a, *is),
            Ex::Attr(obj, name, _, hint) => {
                // A bool field of a struct held in a local (`if t.waiting:`) is tested in
                // place: no clone of the field.
                if let Ex::Name(Place::Local(s), ..) = &**obj {
                    if let Some(Value::Struct(inst)) = &self.stack[fr.base + *s as usize] {
                        if let Some(i) = hint.find(&inst.ty, *name) {
                            if let Value::Bool(b) = inst.fields.borrow()[i] {
                                return Ok(b);
                            }
                        }
                    }
                }
                Ok(truth(self.eval(fr, e)?))
            }
            _ => Ok(truth(self.eval(fr, e)?)),
        }
    }

    pub(crate) fn eval(&mut self, fr: &mut Frame<'_>, e: &Ex) -> Result<Value, Exc> {
        match e {
            Ex::Const(v) => Ok(v.clone()),
            Ex::Name(place, name, span) => match self.read_place(fr, *place, *name) {
                Ok(v) => Ok(v),
                Err(err) => Err(self.locate(err, *span, fr.src)),
            },
            Ex::Scoped(scope, name, span) => {
                let map = match scope {
                    ScopeKind::Private => &self.private,
                    ScopeKind::Public => &self.public,
                    ScopeKind::System => &self.system,
                    ScopeKind::Local => unreachable!("local: names resolve to places"),
                };
                match map.get(name) {
                    Some(v) => Ok(v.clone()),
                    None => {
                        let scope_name = match scope {
                            ScopeKind::Private => "private",
                            ScopeKind::Public => "public",
                            _ => "system",
                        };
                        let e = crate::error::name_error(format!(
                            "name '{scope_name}:{name}' is not defined"
                        ));
                        Err(self.locate(e, *span, fr.src))
                    }
                }
            }
            Ex::Pipe(p) => self.pipe(fr, p),
            Ex::Binary(op, ab, span) => {
                let a = self.operand(fr, &ab.0)?;
                let b = self.operand(fr, &ab.1)?;
                if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
                    let r = match op {
                        BinOp::Add => x.checked_add(*y),
                        BinOp::Sub => x.checked_sub(*y),
                        BinOp::Mul => x.checked_mul(*y),
                        _ => None,
                    };
                    if let Some(r) = r {
                        // Ints own nothing: skip the out-of-line drop glue.
                        std::mem::forget(a);
                        std::mem::forget(b);
                        return Ok(Value::Int(r));
                    }
                }
                if let (Value::Float(x), Value::Float(y)) = (&a, &b) {
                    // Float arithmetic inline; division by zero takes the general path (its
                    // error).
                    let r = match op {
                        BinOp::Add => Some(x + y),
                        BinOp::Sub => Some(x - y),
                        BinOp::Mul => Some(x * y),
                        BinOp::Div if *y != 0.0 => Some(x / y),
                        _ => None,
                    };
                    if let Some(r) = r {
                        std::mem::forget(a);
                        std::mem::forget(b);
                        return Ok(Value::Float(r));
                    }
                }
                match self.binary(*op, a, b) {
                    Ok(v) => Ok(v),
                    Err(err) => Err(self.locate(err, *span, fr.src)),
                }
            }
            Ex::Compare(left, ops_, span) => {
                let mut a = self.operand(fr, left)?;
                let n = ops_.len();
                for (i, (op, rhs)) in ops_.iter().enumerate() {
                    let b = self.operand(fr, rhs)?;
                    let ok = match compare(self, *op, &a, &b) {
                        Ok(ok) => ok,
                        Err(err) => return Err(self.locate(err, *span, fr.src)),
                    };
                    if !ok {
                        return Ok(Value::Bool(false));
                    }
                    if i + 1 < n {
                        a = b;
                    }
                }
                Ok(Value::Bool(true))
            }
            Ex::Call(c) => self.eval_call(fr, c),
            Ex::MethodCall(m) => self.eval_method_call(fr, m),
            Ex::Attr(obj, name, span, hint) => {
                // A field of a struct held in a local is read in place: no clone of the
                // receiver.
                match &**obj {
                    Ex::Name(Place::Local(s), ..) => {
                        if let Some(Value::Struct(inst)) = &self.stack[fr.base + *s as usize] {
                            if let Some(i) = hint.find(&inst.ty, *name) {
                                return Ok(inst.fields.borrow()[i].clone());
                            }
                        }
                    }
                    Ex::Name(Place::Global(g), ..) => {
                        if let Some(Value::Struct(inst)) = &fr.globals.slots.borrow()[*g as usize] {
                            if let Some(i) = hint.find(&inst.ty, *name) {
                                return Ok(inst.fields.borrow()[i].clone());
                            }
                        }
                    }
                    _ => {}
                }
                let o = self.operand(fr, obj)?;
                if let Value::Struct(inst) = &o {
                    if let Some(i) = hint.find(&inst.ty, *name) {
                        return Ok(inst.fields.borrow()[i].clone());
                    }
                }
                match self.get_attr(fr, &o, *name) {
                    Ok(v) => Ok(v),
                    Err(err) => Err(self.locate(err, *span, fr.src)),
                }
            }
            Ex::Index(ab, span) => {
                let v = self.eval(fr, &ab.0)?;
                let i = self.eval(fr, &ab.1)?;
                let r = match (&v, &i) {
                    (Value::List(l), Value::Int(ix)) => {
                        let l = l.borrow();
                        let n = l.len() as i64;
                        let k = if *ix < 0 { ix + n } else { *ix };
                        if k >= 0 && k < n {
                            return Ok(l[k as usize].clone());
                        }
                        ops::get_index(&v, &i)
                    }
                    (Value::Object(o), _) => match o.get_item(self, &i) {
                        Some(r) => r,
                        None => ops::get_index(&v, &i),
                    },
                    _ => ops::get_index(&v, &i),
                };
                r.map_err(|err| self.locate(err, *span, fr.src))
            }
            Ex::Slice(s, span) => {
                let v = self.eval(fr, &s.value)?;
                let lo = self.eval_opt(fr, &s.lower)?;
                let hi = self.eval_opt(fr, &s.upper)?;
                let st = self.eval_opt(fr, &s.step)?;
                ops::get_slice(&v, &lo, &hi, &st).map_err(|err| self.locate(err, *span, fr.src))
            }
            Ex::Walrus(tv) => {
                let v = self.eval(fr, &tv.1)?;
                self.assign(fr, &tv.0, v.clone())?;
                Ok(v)
            }
            Ex::And(ab) => Ok(Value::Bool(self.cond(fr, &ab.0)? && self.cond(fr, &ab.1)?)),
            Ex::Or(ab) => Ok(Value::Bool(self.cond(fr, &ab.0)? || self.cond(fr, &ab.1)?)),
            Ex::Not(a) => Ok(Value::Bool(!self.cond(fr, a)?)),
            Ex::IsNone(a, is) => Ok(Value::Bool(self.is_none_test(fr, a, *is)?)),
            Ex::Unary(op, a, span) => {
                let v = self.eval(fr, a)?;
                match (op, &v) {
                    (UnaryOp::Neg, Value::Int(i)) if *i != i64::MIN => Ok(Value::Int(-i)),
                    (UnaryOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
                    _ => ops::unary(*op, &v).map_err(|err| self.locate(err, *span, fr.src)),
                }
            }
            Ex::IfExp(t) => {
                if self.cond(fr, &t.0)? {
                    self.eval(fr, &t.1)
                } else {
                    self.eval(fr, &t.2)
                }
            }
            Ex::List(items) => Ok(Value::list(self.eval_items(fr, items)?)),
            Ex::Tuple(items) => Ok(Value::tuple(self.eval_items(fr, items)?)),
            Ex::Set(items) => {
                let mut s = SetMap::default();
                for v in self.eval_items(fr, items)? {
                    s.insert(Key::new(v)?);
                }
                Ok(Value::set(s))
            }
            Ex::Dict(items) => {
                let mut d = crate::value::data::dict_with_room(items.len());
                for (k, v) in items {
                    // `{**other, ...}` merges another dict at this position.
                    if let Ex::Starred(inner) = k {
                        match self.eval(fr, inner)? {
                            Value::Dict(o) => {
                                for (ok, ov) in o.borrow().iter() {
                                    d.insert(ok.clone(), ov.clone());
                                }
                            }
                            other => {
                                return Err(type_error(format!(
                                    "'{}' object is not a mapping",
                                    other.type_name()
                                )))
                            }
                        }
                        continue;
                    }
                    let k = self.eval(fr, k)?;
                    let v = self.eval(fr, v)?;
                    d.insert(Key::new(k)?, v);
                }
                Ok(Value::dict(d))
            }
            Ex::Starred(_) => Err(type_error("can't use starred expression here")),
            Ex::FString(parts) => Ok(Value::str(self.fstring(fr, parts)?)),
            Ex::Comp(c) => self.comprehension(fr, c),
            Ex::MakeFunction(code, defaults) => {
                let mut ds = Vec::with_capacity(defaults.len());
                for d in defaults {
                    ds.push(self.eval(fr, d)?);
                }
                Ok(self.make_function(fr, code, ds))
            }
        }
    }

    pub(crate) fn eval_opt(&mut self, fr: &mut Frame<'_>, e: &Option<Ex>) -> Result<Value, Exc> {
        match e {
            Some(e) => self.eval(fr, e),
            None => Ok(Value::None),
        }
    }

    /// Evaluates display items, expanding `*xs`.
    #[inline(never)]
    fn eval_items(&mut self, fr: &mut Frame<'_>, items: &[Ex]) -> Result<Vec<Value>, Exc> {
        let mut out = Vec::with_capacity(items.len());
        for it in items {
            if let Ex::Starred(inner) = it {
                let v = self.eval(fr, inner)?;
                out.extend(crate::value::collect(self, &v)?);
            } else {
                out.push(self.eval(fr, it)?);
            }
        }
        Ok(out)
    }

    /// Builds a closure over the current frame.
    #[inline(never)]
    pub(crate) fn make_function(
        &mut self,
        fr: &Frame<'_>,
        code: &Rc<FuncCode>,
        defaults: Vec<Value>,
    ) -> Value {
        let captures = code
            .captures
            .iter()
            .map(|p| match p {
                crate::ir::Place::Cell(c) => fr.cells[*c as usize].clone(),
                crate::ir::Place::Free(f) => match fr.func {
                    Some(func) => func.captures[*f as usize].clone(),
                    None => Rc::new(RefCell::new(None)),
                },
                // The resolver only captures cells and free variables.
                _ => Rc::new(RefCell::new(None)),
            })
            .collect();
        Value::Func(Rc::new(Function {
            name: code.name,
            code: code.clone(),
            defaults,
            captures,
            globals: fr.globals.clone(),
        }))
    }

    /// `a op b`, with integer fast paths and callable composition.
    #[inline]
    pub(crate) fn binary(&mut self, op: BinOp, a: Value, b: Value) -> Result<Value, Exc> {
        if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
            let r = match op {
                BinOp::Add => x.checked_add(*y),
                BinOp::Sub => x.checked_sub(*y),
                BinOp::Mul => x.checked_mul(*y),
                BinOp::Mod if *y > 0 && *x >= 0 => Some(x % y),
                BinOp::FloorDiv if *y > 0 && *x >= 0 => Some(x / y),
                BinOp::BitAnd => Some(x & y),
                BinOp::BitXor => Some(x ^ y),
                BinOp::BitOr => Some(x | y),
                _ => None,
            };
            if let Some(r) = r {
                return Ok(Value::Int(r));
            }
        }
        if let (Value::Float(x), Value::Float(y)) = (&a, &b) {
            match op {
                BinOp::Add => return Ok(Value::Float(x + y)),
                BinOp::Sub => return Ok(Value::Float(x - y)),
                BinOp::Mul => return Ok(Value::Float(x * y)),
                _ => {}
            }
        }
        binary_other(op, a, b)
    }

    #[inline(never)]
    fn fstring(&mut self, fr: &mut Frame<'_>, parts: &[FPart]) -> Result<String, Exc> {
        let guess: usize = parts
            .iter()
            .map(|p| match p {
                FPart::Lit(s) => s.len(),
                FPart::Expr { .. } => 8,
            })
            .sum();
        let mut out = String::with_capacity(guess);
        for p in parts {
            match p {
                FPart::Lit(s) => out.push_str(s),
                FPart::Expr {
                    expr,
                    conversion,
                    spec,
                    debug_text,
                    span,
                } => {
                    let v = self.operand(fr, expr)?;
                    if conversion.is_none() && spec.is_none() && debug_text.is_none() {
                        repr::push_str(&mut out, &v);
                        continue;
                    }
                    if let Some(t) = debug_text {
                        out.push_str(t);
                    }
                    let spec_text = match spec {
                        Some(s) => self.fstring(fr, s)?,
                        None => String::new(),
                    };
                    let conv = conversion.or(if debug_text.is_some() && spec.is_none() {
                        Some('r')
                    } else {
                        None
                    });
                    let v = match conv {
                        Some('r') | Some('a') => Value::str(repr::repr(&v)),
                        Some('s') => Value::str(repr::to_str(&v)),
                        _ => v,
                    };
                    if spec_text.is_empty() {
                        repr::push_str(&mut out, &v);
                    } else {
                        let s = format::format_spec(&v, &spec_text)
                            .map_err(|e| self.locate(e, *span, fr.src))?;
                        out.push_str(&s);
                    }
                }
            }
        }
        Ok(out)
    }

    #[inline(never)]
    fn comprehension(&mut self, fr: &mut Frame<'_>, c: &Comp) -> Result<Value, Exc> {
        let mut acc = match &c.kind {
            CompKind::List(_) => Acc::List(Vec::new()),
            CompKind::Set(_) => Acc::Set(SetMap::default()),
            CompKind::Dict(..) => Acc::Dict(DictMap::default()),
        };
        self.comp_level(fr, c, 0, &mut acc)
            .map_err(|e| self.locate(e, c.span, fr.src))?;
        Ok(match acc {
            Acc::List(v) => Value::list(v),
            Acc::Set(s) => Value::set(s),
            Acc::Dict(d) => Value::dict(d),
        })
    }

    fn comp_level(
        &mut self,
        fr: &mut Frame<'_>,
        c: &Comp,
        level: usize,
        acc: &mut Acc,
    ) -> Result<(), Exc> {
        let g = &c.gens[level];
        let iterable = self.eval(fr, &g.iter)?;
        let mut it = ValueIter::new(&iterable)?;
        'outer: while let Some(v) = it.next_value(self)? {
            self.tick()?;
            self.assign(fr, &g.target, v)?;
            for cond in &g.ifs {
                if !self.eval(fr, cond)?.truthy() {
                    continue 'outer;
                }
            }
            if level + 1 < c.gens.len() {
                self.comp_level(fr, c, level + 1, acc)?;
            } else {
                match (&c.kind, &mut *acc) {
                    (CompKind::List(e), Acc::List(v)) => {
                        let x = self.eval(fr, e)?;
                        crate::limits::memory::push_checked(v, x)?;
                    }
                    (CompKind::Set(e), Acc::Set(s)) => {
                        let x = self.eval(fr, e)?;
                        s.insert(Key::new(x)?);
                    }
                    (CompKind::Dict(k, e), Acc::Dict(d)) => {
                        let k = self.eval(fr, k)?;
                        let x = self.eval(fr, e)?;
                        d.insert(Key::new(k)?, x);
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Stores `v` into an assignment target.
    pub(crate) fn assign(&mut self, fr: &mut Frame<'_>, t: &Target, v: Value) -> Result<(), Exc> {
        match t {
            Target::Name(place, _) => {
                self.write_place(fr, *place, v);
                Ok(())
            }
            Target::Scoped(scope, name) => {
                if crate::sandbox::is_contained() {
                    let s = match scope {
                        ScopeKind::Private => "private",
                        ScopeKind::Public => "public",
                        ScopeKind::System => "system",
                        ScopeKind::Local => "local",
                    };
                    return Err(crate::sandbox::scoped_write_refused(s, *name));
                }
                match scope {
                    ScopeKind::Private => self.private.insert(*name, v),
                    ScopeKind::Public => self.public.insert(*name, v),
                    ScopeKind::System => self.system.insert(*name, v),
                    ScopeKind::Local => unreachable!("local: names resolve to places"),
                };
                Ok(())
            }
            Target::Attr(obj, name, span, hint) => {
                if let Ex::Name(Place::Local(s), ..) = obj {
                    if let Some(Value::Struct(inst)) = &self.stack[fr.base + *s as usize] {
                        if !crate::sandbox::is_contained() {
                            if let Some(i) = hint.find(&inst.ty, *name) {
                                return super::attr::store_field(inst, i, v)
                                    .map_err(|e| self.locate(e, *span, fr.src));
                            }
                        }
                    }
                }
                let o = self.eval(fr, obj)?;
                if let Value::Struct(inst) = &o {
                    if let Some(i) = hint.find(&inst.ty, *name) {
                        if crate::sandbox::is_contained() {
                            crate::sandbox::check_mutation(&o)
                                .map_err(|e| self.locate(e, *span, fr.src))?;
                        }
                        return super::attr::store_field(inst, i, v)
                            .map_err(|e| self.locate(e, *span, fr.src));
                    }
                }
                self.set_attr(&o, *name, v)
                    .map_err(|e| self.locate(e, *span, fr.src))
            }
            Target::Index(obj, idx, span) => {
                let o = self.eval(fr, obj)?;
                let i = self.eval(fr, idx)?;
                if crate::sandbox::is_contained() {
                    crate::sandbox::check_mutation(&o)
                        .map_err(|e| self.locate(e, *span, fr.src))?;
                }
                if let (Value::List(l), Value::Int(ix)) = (&o, &i) {
                    let mut l = l.borrow_mut();
                    let n = l.len() as i64;
                    let k = if *ix < 0 { ix + n } else { *ix };
                    if k >= 0 && k < n {
                        l[k as usize] = v;
                        return Ok(());
                    }
                }
                ops::set_index(&o, &i, v).map_err(|e| self.locate(e, *span, fr.src))
            }
            Target::Slice(s, span) => {
                let o = self.eval(fr, &s.value)?;
                if crate::sandbox::is_contained() {
                    crate::sandbox::check_mutation(&o)
                        .map_err(|e| self.locate(e, *span, fr.src))?;
                }
                let lo = self.eval_opt(fr, &s.lower)?;
                let hi = self.eval_opt(fr, &s.upper)?;
                let st = self.eval_opt(fr, &s.step)?;
                ops::set_slice(&o, &lo, &hi, &st, v).map_err(|e| self.locate(e, *span, fr.src))
            }
            Target::Unpack(targets, star, span) => {
                let items = match &v {
                    Value::Tuple(t) => t.as_ref().clone(),
                    Value::List(l) => l.borrow().clone(),
                    other => crate::value::collect(self, other)
                        .map_err(|e| self.locate(e, *span, fr.src))?,
                };
                let n = targets.len();
                match star {
                    None => {
                        if items.len() != n {
                            let e = if items.len() > n {
                                value_error(format!("too many values to unpack (expected {n})"))
                            } else {
                                value_error(format!(
                                    "not enough values to unpack (expected {n}, got {})",
                                    items.len()
                                ))
                            };
                            return Err(self.locate(e, *span, fr.src));
                        }
                        for (t, x) in targets.iter().zip(items) {
                            self.assign(fr, t, x)?;
                        }
                    }
                    Some(si) => {
                        let si = *si;
                        if items.len() < n - 1 {
                            let e = value_error(format!(
                                "not enough values to unpack (expected at least {}, got {})",
                                n - 1,
                                items.len()
                            ));
                            return Err(self.locate(e, *span, fr.src));
                        }
                        let after = n - 1 - si;
                        let mut items = items;
                        let tail = items.split_off(items.len() - after);
                        let middle = items.split_off(si);
                        for (t, x) in targets[..si].iter().zip(items) {
                            self.assign(fr, t, x)?;
                        }
                        self.assign(fr, &targets[si], Value::list(middle))?;
                        for (t, x) in targets[si + 1..].iter().zip(tail) {
                            self.assign(fr, t, x)?;
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

enum Acc {
    List(Vec<Value>),
    Set(SetMap),
    Dict(DictMap),
}

/// A comparison with integer and float fast paths.
#[inline]
pub(crate) fn compare(it: &mut Interp, op: CmpOp, a: &Value, b: &Value) -> Result<bool, Exc> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        return Ok(match op {
            CmpOp::Eq | CmpOp::Is => x == y,
            CmpOp::NotEq | CmpOp::IsNot => x != y,
            CmpOp::Lt => x < y,
            CmpOp::LtE => x <= y,
            CmpOp::Gt => x > y,
            CmpOp::GtE => x >= y,
            CmpOp::In | CmpOp::NotIn => return ops::contains(b, a).map(|r| r == (op == CmpOp::In)),
        });
    }
    match op {
        CmpOp::In | CmpOp::NotIn if matches!(b, Value::Object(_)) => {
            object_contains(it, b, a).map(|r| r == (op == CmpOp::In))
        }
        CmpOp::In => ops::contains(b, a),
        CmpOp::NotIn => ops::contains(b, a).map(|r| !r),
        CmpOp::Is => Ok(a.is_same(b)),
        CmpOp::IsNot => Ok(!a.is_same(b)),
        CmpOp::Eq => Ok(ops::eq(a, b)),
        CmpOp::NotEq => Ok(!ops::eq(a, b)),
        _ => ops::compare(op, a, b),
    }
}

impl Interp {
    /// `a | g(3)` (see `ir::Pipe`): a callable on the left composes with the stage function;
    /// anything else is the operator `|` on the right operand's value.
    #[inline(never)]
    fn pipe(&mut self, fr: &mut Frame<'_>, p: &crate::ir::Pipe) -> Result<Value, Exc> {
        let a = self.eval(fr, &p.left)?;
        if a.is_callable() {
            let stage = self.eval(fr, &p.stage)?;
            return Ok(compose(a, stage));
        }
        let r = match &p.plain {
            Some(x) => {
                let b = self.eval(fr, x)?;
                self.binary(BinOp::BitOr, a, b)
            }
            None => Err(crate::error::type_error(format!(
                "unsupported operand for |: {} (a pipe with '$$' needs a callable on its left)",
                a.type_name()
            ))),
        };
        r.map_err(|e| self.locate(e, p.span, fr.src))
    }
}

/// `f | g`: a function that calls `f` with its arguments and `g` with the result.
fn compose(f: Value, g: Value) -> Value {
    NativeFn::closure("<composed>", move |it, args| {
        let v = it.call_with(&f, args)?;
        it.call(&g, &[v])
    })
}

/// `item in obj` for a native object: its own test or its base's, else a walk of its
/// iterator (stopping at the first equal item, as Python does with an iterator).
#[inline(never)]
fn object_contains(it: &mut Interp, obj: &Value, item: &Value) -> Result<bool, Exc> {
    if let Value::Object(o) = obj {
        if o.contains(item).is_none() && o.base().is_none() && o.iter(obj).is_some() {
            let mut walk = ValueIter::new(obj)?;
            while let Some(x) = walk.next_value(it)? {
                it.tick()?;
                if x.is_same(item) || ops::eq_python(&x, item) {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
    }
    ops::contains(obj, item)
}

/// The binary operations [`Interp::binary`] does not do inline: float division and an int
/// mixed with a float for `+ - * /` here (the int converted as Python converts it, to the
/// nearest float; division by zero takes the full path and its error), composition of
/// callables, and `ops::binary` for the rest.
#[inline(never)]
fn binary_other(op: BinOp, a: Value, b: Value) -> Result<Value, Exc> {
    let floats = match (&a, &b) {
        (Value::Float(x), Value::Float(y)) => Some((*x, *y)),
        (Value::Int(x), Value::Float(y)) => Some((*x as f64, *y)),
        (Value::Float(x), Value::Int(y)) => Some((*x, *y as f64)),
        _ => None,
    };
    if let Some((x, y)) = floats {
        match op {
            BinOp::Add => return Ok(Value::Float(x + y)),
            BinOp::Sub => return Ok(Value::Float(x - y)),
            BinOp::Mul => return Ok(Value::Float(x * y)),
            BinOp::Div if y != 0.0 => return Ok(Value::Float(x / y)),
            _ => {}
        }
    }
    if op == BinOp::BitOr && a.is_callable() && b.is_callable() {
        return Ok(compose(a, b));
    }
    ops::binary(op, &a, &b)
}

/// The truth of a condition's value: a bool (the usual case) is read inline.
#[inline]
fn truth(v: Value) -> bool {
    match v {
        Value::Bool(b) => b,
        v => v.truthy(),
    }
}
