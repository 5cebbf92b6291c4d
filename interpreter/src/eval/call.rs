//! Calls: argument evaluation, binding to parameters, Dana functions, natives, pipelines.

use super::{Flow, Frame, Function, Interp};
use crate::error::{did_you_mean, type_error, Exc, ExcKind, RtError, StackEntry};
use crate::ir::{Arg, Body, Call, Ex, FuncCode, Pipeline, Place, Stage, StageKind};
use crate::value::{coerce, methods, Args, DictMap, Key, MethodTarget, TypeAnn, Value};
use dana_grammar::ast::{ParamKind, Sym};
use std::cell::RefCell;
use std::rc::Rc;

type Kw = Vec<(Sym, Value)>;

/// Calls of natives with at most this many positional arguments pass them in an array.
const SMALL_ARGS: usize = 4;

impl Interp {
    pub(crate) fn eval_call(&mut self, fr: &mut Frame<'_>, c: &Call) -> Result<Value, Exc> {
        // A typed assignment's type is for this call only, not for calls in the callee or
        // argument expressions, nor for calls a Dana callee makes.
        let expected = self.expected.take();
        if let (Ex::Name(Place::Global(g), ..), true) = (&c.func, c.simple) {
            // A call of a module-level function: the function is taken out of its slot
            // without going through a `Value` clone.
            let func = match &fr.globals.slots.borrow()[*g as usize] {
                Some(Value::Func(func)) => Some(func.clone()),
                _ => None,
            };
            if let Some(func) = func {
                let base = self.stack.len();
                self.push_args(fr, &c.args, base)?;
                return match self.call_function(&func, base, &[]) {
                    Ok(v) => Ok(v),
                    Err(e) => Err(self.call_error(e, c.span, fr.src)),
                };
            }
        }
        let f = self.eval(fr, &c.func)?;
        let Value::Func(func) = &f else {
            return self.call_other(fr, c, &f, expected);
        };
        if !c.simple {
            return self.call_other(fr, c, &f, expected);
        }
        // Fast path: arguments go straight into the callee's frame slots.
        let base = self.stack.len();
        self.push_args(fr, &c.args, base)?;
        match self.call_function(func, base, &[]) {
            Ok(v) => Ok(v),
            Err(e) => Err(self.call_error(e, c.span, fr.src)),
        }
    }

    /// Locates an error that escaped a call at the call's span.
    #[cold]
    pub(crate) fn call_error(
        &mut self,
        e: Exc,
        span: dana_grammar::ast::Span,
        src: &crate::source::SourceFile,
    ) -> Exc {
        let e = self.locate(e, span, src);
        self.pending_loc = Some(src.location(span));
        e
    }

    /// The calls that are not all-positional calls of Dana functions. An error in an argument
    /// propagates as it is; an error of the call itself is located at the call.
    #[inline(never)]
    fn call_other(
        &mut self,
        fr: &mut Frame<'_>,
        c: &Call,
        f: &Value,
        expected: Option<super::ExpectedType>,
    ) -> Result<Value, Exc> {
        let native = matches!(f, Value::Native(_));
        let r = if !c.simple {
            let (pos, kw) = self.eval_args(fr, &c.args)?;
            if native {
                self.expected = expected;
            }
            self.call_value(f, pos, &kw)
        } else if c.args.len() <= SMALL_ARGS {
            // Natives and types take their arguments as a slice: a few of them need no vector.
            let mut buf: [Value; SMALL_ARGS] = Default::default();
            for (slot, a) in buf.iter_mut().zip(&c.args) {
                if let Arg::Pos(e) = a {
                    *slot = self.operand(fr, e)?;
                }
            }
            if native {
                self.expected = expected;
            }
            self.call_slice(f, &buf[..c.args.len()], &[])
        } else {
            let mut pos = Vec::with_capacity(c.args.len());
            for a in &c.args {
                if let Arg::Pos(e) = a {
                    pos.push(self.operand(fr, e)?);
                }
            }
            if native {
                self.expected = expected;
            }
            self.call_value(f, pos, &[])
        };
        match r {
            Ok(v) => Ok(v),
            Err(e) => Err(self.call_error(e, c.span, fr.src)),
        }
    }

    /// Pushes the values of all-positional arguments onto the stack (the callee's parameter
    /// slots); on an error the stack is cut back to `base`.
    #[inline]
    pub(crate) fn push_args(
        &mut self,
        fr: &mut Frame<'_>,
        args: &[Arg],
        base: usize,
    ) -> Result<(), Exc> {
        for a in args {
            if let Arg::Pos(e) = a {
                match self.operand(fr, e) {
                    Ok(v) => self.stack.push(Some(v)),
                    Err(err) => {
                        self.stack.truncate(base);
                        return Err(err);
                    }
                }
            }
        }
        Ok(())
    }

    /// Evaluates call arguments, expanding `*xs` and `**kw`.
    pub(crate) fn eval_args(
        &mut self,
        fr: &mut Frame<'_>,
        args: &[Arg],
    ) -> Result<(Vec<Value>, Kw), Exc> {
        let mut pos = Vec::with_capacity(args.len());
        let mut kw = Vec::new();
        for a in args {
            match a {
                Arg::Pos(e) => pos.push(self.eval(fr, e)?),
                Arg::Kw(n, e) => {
                    let v = self.eval(fr, e)?;
                    if kw.iter().any(|(k, _)| k == n) {
                        return Err(type_error(format!("keyword argument repeated: {n}")));
                    }
                    kw.push((*n, v));
                }
                Arg::Star(e) => {
                    let v = self.eval(fr, e)?;
                    pos.extend(crate::value::collect(self, &v)?);
                }
                Arg::StarStar(e) => match self.eval(fr, e)? {
                    Value::Dict(d) => {
                        for (k, v) in d.borrow().iter() {
                            match k.value() {
                                Value::Str(s) => kw.push((Sym::intern(s), v.clone())),
                                _ => return Err(type_error("keywords must be strings")),
                            }
                        }
                    }
                    other => {
                        return Err(type_error(format!(
                            "argument after ** must be a dict, not {}",
                            other.type_name()
                        )))
                    }
                },
            }
        }
        Ok((pos, kw))
    }

    /// Calls any callable value.
    pub fn call_value(
        &mut self,
        f: &Value,
        pos: Vec<Value>,
        kw: &[(Sym, Value)],
    ) -> Result<Value, Exc> {
        match f {
            Value::Func(func) => {
                let base = self.stack.len();
                self.stack.extend(pos.into_iter().map(Some));
                self.call_function(func, base, kw)
            }
            Value::Method(bm) => match &bm.target {
                MethodTarget::Func(g) => {
                    let mut all = Vec::with_capacity(pos.len() + 1);
                    all.push(bm.recv.clone());
                    all.extend(pos);
                    self.call_value(g, all, kw)
                }
                MethodTarget::Builtin(_) => self.call_slice(f, &pos, kw),
            },
            _ => self.call_slice(f, &pos, kw),
        }
    }

    /// Calls any callable value with borrowed positional arguments.
    pub(crate) fn call_slice(
        &mut self,
        f: &Value,
        pos: &[Value],
        kw: &[(Sym, Value)],
    ) -> Result<Value, Exc> {
        match f {
            Value::Func(func) => {
                let base = self.stack.len();
                self.stack.extend(pos.iter().cloned().map(Some));
                self.call_function(func, base, kw)
            }
            Value::Native(n) => {
                self.tick()?;
                n.call(self, Args::new(pos, kw))
            }
            Value::Method(bm) => match &bm.target {
                MethodTarget::Builtin(name) => {
                    let recv = bm.recv.clone();
                    match methods::call_method(self, &recv, *name, Args::new(pos, kw)) {
                        Some(r) => r,
                        None => Err(crate::error::attribute_error(format!(
                            "'{}' object has no attribute '{name}'",
                            recv.type_name()
                        ))),
                    }
                }
                MethodTarget::Func(g) => {
                    let mut all = Vec::with_capacity(pos.len() + 1);
                    all.push(bm.recv.clone());
                    all.extend_from_slice(pos);
                    self.call_value(g, all, kw)
                }
            },
            Value::Type(t) => crate::builtins::call_type(self, *t, Args::new(pos, kw)),
            Value::ExcType(k) => crate::builtins::call_exc_type(*k, Args::new(pos, kw)),
            Value::StructType(st) => {
                let g = st.globals.as_ref().and_then(std::rc::Weak::upgrade);
                let lookup = |s: Sym| {
                    g.as_ref()
                        .and_then(|g| g.get(s))
                        .or_else(|| self.global_fallback(s))
                };
                coerce::construct_struct(st, pos, kw, &lookup)
            }
            Value::Object(o) => {
                self.tick()?;
                o.call(self, f, Args::new(pos, kw))
            }
            other => Err(type_error(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }

    /// Runs a Dana function whose positional arguments are already on the stack at `base`.
    #[inline]
    pub(crate) fn call_function(
        &mut self,
        func: &Rc<Function>,
        base: usize,
        kw: &[(Sym, Value)],
    ) -> Result<Value, Exc> {
        // Calls between generated (contained) code and the program's change the rules.
        if func.globals.contained.is_some() != crate::sandbox::is_contained() {
            return self.call_across(func, base, kw);
        }
        self.call_function_inner(func, base, kw)
    }

    /// [`Interp::call_function`] once the containment of the callee is settled.
    pub(crate) fn call_function_inner(
        &mut self,
        func: &Rc<Function>,
        base: usize,
        kw: &[(Sym, Value)],
    ) -> Result<Value, Exc> {
        let code = &func.code;
        if self.depth >= self.limits.max_call_depth {
            self.stack.truncate(base);
            return Err(
                RtError::new(ExcKind::RecursionError, "maximum recursion depth exceeded")
                    .with_help(format!(
                        "the call depth limit is {}; check the recursion's base case",
                        self.limits.max_call_depth
                    )),
            );
        }
        if let Err(e) = self.tick() {
            self.stack.truncate(base);
            return Err(e);
        }
        let nargs = self.stack.len() - base;
        let fast = kw.is_empty() && nargs == code.params.len() && code.n_positional == nargs;
        if !fast {
            if let Err(e) = self.bind_slow(func, base, kw) {
                self.stack.truncate(base);
                return Err(e);
            }
        }
        // Parameter annotations are checked, not coerced (DANA_SPEC §5.3). A value exactly of
        // the annotation's type passes inline; anything else takes the out-of-line check.
        for (i, p) in code.params.iter().enumerate() {
            if let Some(ann) = &p.ann {
                if let Some(v) = &self.stack[base + i] {
                    if exact_fit(v, ann) {
                        continue;
                    }
                }
                if let Err(e) = self.check_param(func, base, i) {
                    self.stack.truncate(base);
                    return Err(e);
                }
            }
        }
        // The locals beyond the parameters start unbound (a loop: `resize` is out of line).
        for _ in self.stack.len()..base + code.n_slots as usize {
            self.stack.push(None);
        }
        let mut cells: Vec<super::Cell> = Vec::new();
        if code.n_cells > 0 {
            cells = (0..code.n_cells)
                .map(|_| Rc::new(RefCell::new(None)))
                .collect();
            for (i, p) in code.params.iter().enumerate() {
                if let crate::ir::Place::Cell(c) = p.place {
                    *cells[c as usize].borrow_mut() = self.stack[base + i].take();
                }
            }
        }
        self.depth += 1;
        let mut fr = Frame {
            base,
            cells,
            func: Some(func),
            globals: &func.globals,
            src: &code.src,
        };
        let mut ret_span = code.span;
        let r = match &code.body {
            Body::Block(b) => match self.exec_block(&mut fr, b) {
                Ok(Flow::Return(v)) => {
                    ret_span = self.ret_span;
                    Ok(v)
                }
                Ok(_) => Ok(Value::None),
                Err(e) => Err(e),
            },
            Body::Expr(e) => self.eval(&mut fr, e),
            Body::Pipeline(p) => self.run_pipeline(&mut fr, code, p),
        };
        self.depth -= 1;
        pop_frame(&mut self.stack, base);
        match r {
            Ok(v) => {
                if let Some(ann) = &code.returns {
                    if !exact_fit(&v, ann) {
                        self.check_return(func, &v, ret_span)?;
                    }
                }
                Ok(v)
            }
            Err(mut e) => {
                e.stack.push(StackEntry {
                    function: code.name.as_str().to_string(),
                    location: self.pending_loc.take().or_else(|| e.location.clone()),
                });
                Err(e)
            }
        }
    }

    /// The check of parameter `i`'s annotation on its argument (at `base + i`), beyond
    /// [`exact_fit`]; parameters other than plain ones are not checked here.
    #[inline(never)]
    fn check_param(&self, func: &Function, base: usize, i: usize) -> Result<(), Exc> {
        let code = &func.code;
        let p = &code.params[i];
        let (Some(ann), ParamKind::Normal) = (&p.ann, p.kind) else {
            return Ok(());
        };
        let Some(v) = &self.stack[base + i] else {
            return Ok(());
        };
        if self.fits(func, v, ann) {
            return Ok(());
        }
        let mut e = type_error(format!(
            "{}() argument '{}' must be {}, got {}",
            code.name,
            p.name,
            ann,
            describe(v)
        ));
        if let TypeAnn::Int | TypeAnn::Float | TypeAnn::Str | TypeAnn::Bool = ann {
            e = e.with_help(format!(
                "arguments are checked, not converted: pass {} or convert with {ann}(...)",
                crate::error::with_article(&ann.to_string())
            ));
        }
        Err(e)
    }

    /// Whether `v`, passed as positional argument `i` of `f`, passes the annotation check a
    /// call of `f` makes (`true` without an annotation). `false` when `f` is not a Dana
    /// function or `i` is not one of its positional parameters. For a caller that skips a
    /// call whose body it knows to be the identity on fitting arguments.
    pub fn param_fits(&self, f: &Value, i: usize, v: &Value) -> bool {
        let Value::Func(func) = f else {
            return false;
        };
        let code = &func.code;
        match code.params.get(i) {
            Some(p) if i < code.n_positional && p.kind == ParamKind::Normal => match &p.ann {
                None => true,
                Some(ann) => exact_fit(v, ann) || self.fits(func, v, ann),
            },
            _ => false,
        }
    }

    /// Whether `v` fits `ann`, names in the annotation read in `func`'s globals.
    fn fits(&self, func: &Function, v: &Value, ann: &TypeAnn) -> bool {
        coerce::quick_match(v, ann).unwrap_or_else(|| {
            let g = func.globals.clone();
            coerce::matches(v, ann, &|s| g.get(s).or_else(|| self.global_fallback(s)))
        })
    }

    /// The check of a returned value against the function's return annotation, beyond
    /// [`exact_fit`]; the error is located at the `return` (`ret_span`).
    #[inline(never)]
    fn check_return(
        &mut self,
        func: &Function,
        v: &Value,
        ret_span: dana_grammar::ast::Span,
    ) -> Result<(), Exc> {
        let code = &func.code;
        let Some(ann) = &code.returns else {
            return Ok(());
        };
        if self.fits(func, v, ann) {
            return Ok(());
        }
        let mut e = type_error(format!(
            "{}() must return {}, got {}",
            code.name,
            ann,
            describe(v)
        ));
        e.location = Some(code.src.location(ret_span));
        self.pending_loc = e.location.clone();
        Err(e)
    }

    /// Binds keyword arguments, defaults, `*args` and `**kwargs`: rewrites the stack above
    /// `base` so that it holds exactly one value per parameter.
    #[inline(never)]
    fn bind_slow(&mut self, func: &Function, base: usize, kw: &[(Sym, Value)]) -> Result<(), Exc> {
        let code = &func.code;
        let given: Vec<Value> = self
            .stack
            .drain(base..)
            .map(|v| v.unwrap_or_default())
            .collect();
        let mut slots: Vec<Option<Value>> = vec![None; code.params.len()];
        // Positional arguments fill the Normal parameters before `*args`, in order.
        let positional: Vec<usize> = code
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == ParamKind::Normal)
            .map(|(i, _)| i)
            .take(code.n_positional)
            .collect();
        let n_given = given.len();
        let mut extra_pos = Vec::new();
        for (k, v) in given.into_iter().enumerate() {
            match positional.get(k) {
                Some(&i) => slots[i] = Some(v),
                None if code.has_varargs => extra_pos.push(v),
                None => return Err(self.too_many_positional(func, n_given)),
            }
        }
        let mut extra_kw = DictMap::default();
        for (k, v) in kw {
            match code
                .params
                .iter()
                .position(|p| p.name == *k && p.kind == ParamKind::Normal)
            {
                Some(i) => {
                    if slots[i].is_some() {
                        return Err(type_error(format!(
                            "{}() got multiple values for argument '{k}'",
                            code.name
                        )));
                    }
                    slots[i] = Some(v.clone());
                }
                None if code.has_kwargs => {
                    extra_kw.insert(Key(Value::str(k.as_str())), v.clone());
                }
                None => {
                    let mut e = type_error(format!(
                        "{}() got an unexpected keyword argument '{k}'",
                        code.name
                    ));
                    let names: Vec<&str> = code.params.iter().map(|p| p.name.as_str()).collect();
                    if let Some(s) = did_you_mean(k.as_str(), names) {
                        e = e.with_help(format!("did you mean '{s}'?"));
                    }
                    return Err(e);
                }
            }
        }
        let mut missing_pos = Vec::new();
        let mut missing_kw = Vec::new();
        for (i, p) in code.params.iter().enumerate() {
            match p.kind {
                ParamKind::VarArgs if !code.has_varargs => slots[i] = Some(Value::None),
                ParamKind::VarArgs => slots[i] = Some(Value::tuple(std::mem::take(&mut extra_pos))),
                ParamKind::KwArgs => slots[i] = Some(Value::dict(std::mem::take(&mut extra_kw))),
                ParamKind::Normal => {
                    if slots[i].is_none() {
                        match p.default {
                            Some(d) => slots[i] = Some(func.defaults[d].clone()),
                            None if positional.contains(&i) => missing_pos.push(p.name),
                            None => missing_kw.push(p.name),
                        }
                    }
                }
            }
        }
        for (missing, what) in [(missing_pos, "positional"), (missing_kw, "keyword-only")] {
            if missing.is_empty() {
                continue;
            }
            let names: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
            let list = match names.len() {
                1 => names[0].clone(),
                n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
            };
            return Err(type_error(format!(
                "{}() missing {} required {what} argument{}: {list}",
                code.name,
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
            )));
        }
        self.stack.extend(slots);
        Ok(())
    }

    /// Python's "takes N positional arguments but M were given".
    #[inline(never)]
    fn too_many_positional(&self, func: &Function, given: usize) -> Exc {
        let code = &func.code;
        let max = code.n_positional;
        let min = code
            .params
            .iter()
            .take_while(|p| p.kind == ParamKind::Normal)
            .take(max)
            .filter(|p| p.default.is_none())
            .count();
        let takes = if min == max {
            format!(
                "{max} positional argument{}",
                if max == 1 { "" } else { "s" }
            )
        } else {
            format!("from {min} to {max} positional arguments")
        };
        type_error(format!(
            "{}() takes {takes} but {given} {} given",
            code.name,
            if given == 1 { "was" } else { "were" }
        ))
    }

    #[inline(never)]
    fn run_pipeline(
        &mut self,
        fr: &mut Frame<'_>,
        code: &FuncCode,
        p: &Pipeline,
    ) -> Result<Value, Exc> {
        // The first stage receives all the arguments.
        let args: Vec<Value> = (0..code.params.len())
            .map(|i| self.stack[fr.base + i].clone().unwrap_or_default())
            .collect();
        let mut value = Value::None;
        for (i, st) in p.stages.iter().enumerate() {
            let input = if i == 0 {
                args.clone()
            } else {
                vec![value.clone()]
            };
            self.stack[fr.base + p.value_slot as usize] =
                Some(input.first().cloned().unwrap_or_default());
            value = self
                .run_stage(fr, st, input)
                .map_err(|e| self.locate(e, st.span, fr.src))?;
        }
        Ok(value)
    }

    fn run_stage(
        &mut self,
        fr: &mut Frame<'_>,
        st: &Stage,
        input: Vec<Value>,
    ) -> Result<Value, Exc> {
        let v = match &st.kind {
            StageKind::Callee(e) => {
                let f = self.eval(fr, e)?;
                self.call_stage(&f, input, &[])?
            }
            StageKind::Partial { func, args, insert } => {
                let f = self.eval(fr, func)?;
                let (mut pos, kw) = self.eval_args(fr, args)?;
                if *insert {
                    let mut all = input;
                    all.append(&mut pos);
                    pos = all;
                }
                self.call_stage(&f, pos, &kw)?
            }
            StageKind::FanOut(stages) => {
                let mut out = Vec::with_capacity(stages.len());
                for s in stages {
                    out.push(self.run_stage(fr, s, input.clone())?);
                }
                Value::list(out)
            }
        };
        if let Some(place) = st.capture {
            self.write_place(fr, place, v.clone());
        }
        Ok(v)
    }

    /// A pipeline stage call: a Dana function that takes fewer positional parameters than it
    /// is handed receives only what it takes (DANA_SPEC §6.4).
    fn call_stage(
        &mut self,
        f: &Value,
        mut pos: Vec<Value>,
        kw: &[(Sym, Value)],
    ) -> Result<Value, Exc> {
        if let Value::Func(func) = f {
            if !func.code.has_varargs && pos.len() > func.code.n_positional {
                pos.truncate(func.code.n_positional);
            }
        }
        self.call_value(f, pos, kw)
    }
}

/// Drops a returning call's slots. Scalars own nothing: only reference values go through the
/// (out-of-line) drop glue, which otherwise runs once per slot on every return.
#[inline]
fn pop_frame(stack: &mut Vec<Option<Value>>, base: usize) {
    while stack.len() > base {
        match stack.pop() {
            Some(Some(v)) => {
                if v.is_scalar() {
                    std::mem::forget(v);
                } else {
                    drop(v);
                }
            }
            Some(None) => {}
            None => break,
        }
    }
}

/// `true` when `v` is exactly of the annotation's type (`int` for `int`, `float` for
/// `float`, …, an instance of the struct the annotation names): the common case of a
/// parameter or return check, decided inline.
#[inline(always)]
fn exact_fit(v: &Value, ann: &TypeAnn) -> bool {
    match (ann, v) {
        (TypeAnn::Int, Value::Int(_))
        | (TypeAnn::Float, Value::Float(_))
        | (TypeAnn::Str, Value::Str(_))
        | (TypeAnn::Bool, Value::Bool(_)) => true,
        (TypeAnn::Named(n), Value::Struct(inst)) => inst.ty.name == *n,
        (TypeAnn::Union(ts), _) => optional_fit(v, ts),
        _ => false,
    }
}

/// [`exact_fit`] for `Name | None` (a struct or nothing): `None`, or an instance of the
/// struct the annotation names.
#[inline]
fn optional_fit(v: &Value, ts: &[TypeAnn]) -> bool {
    match (ts, v) {
        ([TypeAnn::Named(_), TypeAnn::None], Value::None) => true,
        ([TypeAnn::Named(n), TypeAnn::None], Value::Struct(inst)) => inst.ty.name == *n,
        _ => false,
    }
}

/// `str 'abc'` style description of a value for type errors.
fn describe(v: &Value) -> String {
    let r = crate::value::repr::repr(v);
    let r = if r.chars().count() > 40 {
        let s: String = r.chars().take(37).collect();
        format!("{s}...")
    } else {
        r
    };
    format!("{} {}", v.type_name(), r)
}
