//! The sandboxed trial run of the validation gate (POET_SPEC §4): before a generated module is
//! stored, its pipeline runs on inputs synthesised from the parameter types, next to the
//! original function, under tight limits. Where the original answers, the candidate must answer
//! too, with a value of the declared return type.
//!
//! Both run against deep copies of the defining module's data (lists, dicts, sets, tuples and
//! struct instances are copied; functions, types and imported modules are shared), and their
//! output is captured and dropped, so the trial changes nothing the program can see — except
//! through other modules' state or user functions the code calls, which are not copied.

use crate::pipeline::Stage;
use crate::runtime::{PoetFunction, Stages};
use dana_grammar::ast::{ParamKind, Sym};
use dana_interpreter::eval::{Interp, Output};
use dana_interpreter::value::{repr, DictMap, Globals, StructInstance, TypeAnn, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Wall-clock limit of one trial call.
const TRIAL_TIMEOUT: Duration = Duration::from_millis(500);
/// Operation budget of one trial call.
const TRIAL_BUDGET: u64 = 5_000_000;
/// At most this many synthesised inputs.
const MAX_INPUTS: usize = 6;

impl PoetFunction {
    /// Runs `code`'s pipeline and the original on synthesised inputs; the problems found.
    pub(crate) fn trial_run(&self, it: &mut Interp, code: &str) -> Result<(), Vec<String>> {
        let Some(inputs) = synthesise(&self.params) else {
            // A struct or callable parameter: nothing sensible to invent. The gate's static
            // checks stand alone.
            return Ok(());
        };
        let saved = it.replace_output(Output::Capture(String::new()));
        let r = self.trial_inputs(it, code, &inputs);
        it.replace_output(saved);
        r
    }

    fn trial_inputs(
        &self,
        it: &mut Interp,
        code: &str,
        inputs: &[Vec<Value>],
    ) -> Result<(), Vec<String>> {
        let sandbox = Rc::new(copy_globals(&self.globals));
        let original_module = Rc::new(Globals::child("<trial original>", None, sandbox.clone()));
        let original = it
            .run_source("<trial original>", &self.shape.source, &original_module)
            .ok()
            .and_then(|_| original_module.get(Sym::intern(&self.shape.name)))
            .unwrap_or_else(|| self.original.clone());
        let candidate = Rc::new(Globals::child("<trial candidate>", None, sandbox));
        candidate.set(Sym::intern("_original"), original.clone());
        if let Err(e) = it.run_source("code.na", code, &candidate) {
            return Err(vec![format!(
                "the module does not load: {}: {}",
                e.kind.name(),
                e.message
            )]);
        }
        let get = |n: &str| candidate.get(Sym::intern(n)).filter(Value::is_callable);
        let Some(operate) = get("operate") else {
            return Err(vec!["the module defines no operate()".into()]);
        };
        let stages = Stages {
            version: 0,
            store: None,
            perceive: get("perceive"),
            operate,
            enforce: get("enforce"),
            train: None,
        };
        let mut problems = Vec::new();
        for args in inputs {
            let shown = args.iter().map(repr::repr).collect::<Vec<_>>().join(", ");
            let answered = it
                .with_limits(
                    Some(Instant::now() + TRIAL_TIMEOUT),
                    Some(TRIAL_BUDGET),
                    |it| it.call_value(&original, args.clone(), &[]),
                )
                .is_ok();
            if !answered || it.check_limits().is_err() {
                continue;
            }
            let bound = (args.clone(), Vec::new());
            let (pos, kw) = match &stages.perceive {
                None => bound,
                Some(p) => match self.perceive(it, p, &bound) {
                    Ok(a) => a,
                    // Refusing an input is perceive's job (the caller's fault by contract).
                    Err(e) if e.kind == dana_interpreter::ExcKind::ValueError => continue,
                    Err(e) => {
                        problems.push(format!(
                            "{}({shown}): perceive failed on an input the original accepts: {}: {}",
                            self.shape.name,
                            e.kind.name(),
                            e.message
                        ));
                        continue;
                    }
                },
            };
            let deadline = Instant::now() + TRIAL_TIMEOUT;
            if let Err((stage, e)) = self.run_stages(it, &stages, &pos, &kw, deadline, TRIAL_BUDGET)
            {
                let what = match stage {
                    Stage::Enforce => "enforce or the return type",
                    _ => stage.as_str(),
                };
                problems.push(format!(
                    "{}({shown}): {what} failed where the original answers: {}: {}",
                    self.shape.name,
                    e.kind.name(),
                    e.message
                ));
            }
            if problems.len() >= 5 {
                break;
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// Input tuples for the positional parameters, from their annotations; `None` when a
/// parameter's type cannot be synthesised.
fn synthesise(params: &[crate::runtime::ParamInfo]) -> Option<Vec<Vec<Value>>> {
    let mut columns: Vec<Vec<Value>> = Vec::new();
    for p in params {
        match p.kind {
            ParamKind::Normal if !p.keyword_only => {
                let samples = match &p.ann {
                    None => vec![Value::Int(1), Value::str("a")],
                    Some(a) => samples(a, 0)?,
                };
                columns.push(samples);
            }
            // Keyword-only parameters take their defaults; without one, give up.
            ParamKind::Normal if p.default.is_none() => return None,
            _ => {}
        }
    }
    let n = columns
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(1)
        .min(MAX_INPUTS);
    Some(
        (0..n.max(1))
            .map(|i| columns.iter().map(|c| c[i % c.len()].clone()).collect())
            .collect(),
    )
}

fn samples(t: &TypeAnn, depth: usize) -> Option<Vec<Value>> {
    if depth > 3 {
        return None;
    }
    Some(match t {
        TypeAnn::Any => vec![Value::Int(3), Value::str("text")],
        TypeAnn::Int => vec![Value::Int(0), Value::Int(1), Value::Int(7), Value::Int(-3)],
        TypeAnn::Float => vec![Value::Float(0.5), Value::Float(0.0), Value::Float(2.5)],
        TypeAnn::Str => vec![Value::str("hello"), Value::str(""), Value::str("Ab 1")],
        TypeAnn::Bool => vec![Value::Bool(true), Value::Bool(false)],
        TypeAnn::None => vec![Value::None],
        TypeAnn::List(inner) => {
            let items = match inner {
                Some(t) => samples(t, depth + 1)?,
                None => vec![Value::Int(1), Value::Int(2)],
            };
            vec![
                Value::list(items.clone()),
                Value::list(items.iter().take(1).cloned().collect()),
                Value::list(Vec::new()),
            ]
        }
        TypeAnn::Set(_) | TypeAnn::Tuple(_) => return None,
        TypeAnn::Dict(kv) => {
            let mut d = DictMap::default();
            match kv {
                Some(kv) if matches!(kv.0, TypeAnn::Str | TypeAnn::Any) => {
                    let v = samples(&kv.1, depth + 1)?.into_iter().next()?;
                    d.insert(dana_interpreter::value::Key(Value::str("a")), v);
                }
                None => {
                    d.insert(dana_interpreter::value::Key(Value::str("a")), Value::Int(1));
                }
                Some(_) => return None,
            }
            vec![Value::dict(d), Value::dict(DictMap::default())]
        }
        TypeAnn::Union(ts) => {
            let mut out = Vec::new();
            for t in ts {
                out.extend(samples(t, depth + 1)?);
            }
            out
        }
        TypeAnn::Callable | TypeAnn::Named(_) => return None,
    })
}

/// A module with the same names, its data deep-copied.
fn copy_globals(g: &Globals) -> Globals {
    let copy = Globals::new(g.name.clone(), g.file.clone());
    let mut seen = HashMap::new();
    for name in g.names() {
        if let Some(v) = g.get(name) {
            copy.set(name, deep_copy(&v, &mut seen, 0));
        }
    }
    copy
}

/// Copies containers and struct instances (shared sub-values stay shared, cycles stay cycles).
fn deep_copy(v: &Value, seen: &mut HashMap<usize, Value>, depth: usize) -> Value {
    if depth > 200 {
        return v.clone();
    }
    let key = match v {
        Value::List(l) => Rc::as_ptr(l) as *const () as usize,
        Value::Dict(d) => Rc::as_ptr(d) as *const () as usize,
        Value::Struct(s) => Rc::as_ptr(s) as *const () as usize,
        Value::Set(s) => Rc::as_ptr(s) as *const () as usize,
        Value::Tuple(t) => Rc::as_ptr(t) as *const () as usize,
        _ => return v.clone(),
    };
    if let Some(done) = seen.get(&key) {
        return done.clone();
    }
    match v {
        Value::List(l) => {
            let out = Value::list(Vec::new());
            seen.insert(key, out.clone());
            let items: Vec<Value> = l
                .borrow()
                .iter()
                .map(|x| deep_copy(x, seen, depth + 1))
                .collect();
            if let Value::List(o) = &out {
                *o.borrow_mut() = items;
            }
            out
        }
        Value::Dict(d) => {
            let out = Value::dict(DictMap::default());
            seen.insert(key, out.clone());
            let items: Vec<_> = d
                .borrow()
                .iter()
                .map(|(k, x)| (k.clone(), deep_copy(x, seen, depth + 1)))
                .collect();
            if let Value::Dict(o) = &out {
                o.borrow_mut().extend(items);
            }
            out
        }
        Value::Set(s) => {
            let out = Value::set(s.borrow().clone());
            seen.insert(key, out.clone());
            out
        }
        Value::Tuple(t) => {
            let out = Value::tuple(t.iter().map(|x| deep_copy(x, seen, depth + 1)).collect());
            seen.insert(key, out.clone());
            out
        }
        Value::Struct(s) => {
            let out = Value::Struct(Rc::new(StructInstance {
                ty: s.ty.clone(),
                fields: RefCell::new(Vec::new()),
            }));
            seen.insert(key, out.clone());
            let fields: Vec<Value> = s
                .fields
                .borrow()
                .iter()
                .map(|x| deep_copy(x, seen, depth + 1))
                .collect();
            if let Value::Struct(o) = &out {
                *o.fields.borrow_mut() = fields;
            }
            out
        }
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_copies_are_independent_and_keep_cycles() {
        let inner = Value::list(vec![Value::Int(1)]);
        let outer = Value::list(vec![inner.clone(), inner.clone()]);
        if let Value::List(l) = &outer {
            l.borrow_mut().push(outer.clone());
        }
        let mut seen = HashMap::new();
        let copy = deep_copy(&outer, &mut seen, 0);
        if let Value::List(l) = &inner {
            l.borrow_mut().push(Value::Int(2));
        }
        let Value::List(c) = &copy else { panic!() };
        let c = c.borrow();
        // The copy's shared inner list is one list, unaffected by the original's change.
        assert_eq!(repr::repr(&c[0]), "[1]");
        match (&c[0], &c[1], &c[2]) {
            (Value::List(a), Value::List(b), Value::List(me)) => {
                assert!(Rc::ptr_eq(a, b));
                assert_eq!(me.borrow().len(), 3);
            }
            _ => panic!(),
        }
        // Break the cycles so the test does not leak.
        if let Value::List(l) = &outer {
            l.borrow_mut().clear();
        }
        drop(c);
        if let Value::List(l) = &copy {
            l.borrow_mut().clear();
        }
    }

    #[test]
    fn inputs_come_from_the_annotations() {
        use crate::runtime::ParamInfo;
        let p = |name: &str, ann: Option<TypeAnn>| ParamInfo {
            name: Sym::intern(name),
            ann,
            kind: ParamKind::Normal,
            default: None,
            keyword_only: false,
        };
        let ins = synthesise(&[
            p("n", Some(TypeAnn::Int)),
            p("xs", Some(TypeAnn::List(Some(Box::new(TypeAnn::Float))))),
        ])
        .unwrap();
        assert_eq!(ins.len(), 4);
        assert!(ins.iter().all(|a| a.len() == 2));
        assert_eq!(repr::repr(&ins[0][1]), "[0.5, 0.0, 2.5]");
        assert!(synthesise(&[p("s", Some(TypeAnn::Named(Sym::intern("Point"))))]).is_none());
    }
}
