//! The sandboxed trial run of the validation gate (POET_SPEC §4): before a generated module is
//! stored, its pipeline runs on inputs synthesised from the parameter types, next to the
//! original function, under tight limits. Where the original answers, the candidate must answer
//! too, with a value of the declared return type.
//!
//! The program's state is recorded first ([`Snapshot`]: every module, scoped name and value
//! on the stack, and every container they reach) and put back after each run, the output, logs
//! and LLM calls of both are captured instead of performed, and the candidate runs contained
//! (`crate::make::contain`), so the trial changes nothing the program can see.

use crate::call::outcome::Stage;
use crate::function::{PoetFunction, Stages};
use dana_grammar::ast::{ParamKind, Sym};
use dana_interpreter::eval::Interp;
use dana_interpreter::snapshot::Snapshot;
use dana_interpreter::value::{repr, DictMap, Globals, StructInstance, StructType, TypeAnn, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Wall-clock limit of one trial call.
const TRIAL_TIMEOUT: Duration = Duration::from_millis(500);
/// Operation budget of one trial call.
const TRIAL_BUDGET: u64 = 5_000_000;
/// Memory of one trial call (or of loading the module) beyond what the program holds.
const TRIAL_MEMORY: usize = 256 << 20;
/// At most this many synthesised inputs.
const MAX_INPUTS: usize = 6;

/// Wall-clock limit of loading a generated module.
const LOAD_TIMEOUT: Duration = Duration::from_millis(500);
/// Operation budget of loading a generated module.
const LOAD_BUDGET: u64 = 1_000_000;

/// Runs a generated module's top level (definitions and constants) under the load limits.
pub(crate) fn load_module(
    it: &mut Interp,
    path: &str,
    code: &str,
    module: &Rc<Globals>,
) -> Result<(), String> {
    crate::call::pipeline::limited(it, Instant::now() + LOAD_TIMEOUT, LOAD_BUDGET, |it| {
        it.with_memory_allowance(TRIAL_MEMORY, |it| it.run_source(path, code, module))
    })
    .map_err(|e| format!("{}: {}", e.kind.name(), e.message))
}

impl PoetFunction {
    /// Runs `code`'s pipeline and the original on synthesised inputs; the problems found.
    /// Whatever either does to the program's data is undone after each run, and their output,
    /// logs and LLM calls are captured, not performed.
    pub(crate) fn trial_run(&self, it: &mut Interp, code: &str) -> Result<(), Vec<String>> {
        let Some(inputs) = synthesise(&self.params, &self.globals) else {
            // A callable parameter (or a type with nothing to build from): no input, so
            // nothing could judge the candidate's answers (POET_SPEC §4).
            return Err(vec![
                "no trial input can be built for the parameters' types, so nothing checks the answers"
                    .into(),
            ]);
        };
        let snapshot = Snapshot::take(it, std::slice::from_ref(&self.globals));
        let saved = it.capture_effects();
        let r = self.trial_inputs(it, code, &inputs, &snapshot);
        snapshot.restore(it);
        it.release_effects(saved);
        r
    }

    fn trial_inputs(
        &self,
        it: &mut Interp,
        code: &str,
        inputs: &[Vec<Value>],
        snapshot: &Snapshot,
    ) -> Result<(), Vec<String>> {
        let candidate = self.candidate_module(it, "<trial candidate>".into(), None);
        let loaded = load_module(it, "code.na", code, &candidate);
        snapshot.restore(it);
        if let Err(e) = loaded {
            return Err(vec![format!("the module does not load: {e}")]);
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
        let mut answered = 0;
        for args in inputs {
            let shown = args.iter().map(repr::repr).collect::<Vec<_>>().join(", ");
            let answer = crate::call::pipeline::limited(
                it,
                Instant::now() + TRIAL_TIMEOUT,
                TRIAL_BUDGET,
                |it| {
                    it.with_memory_allowance(TRIAL_MEMORY, |it| {
                        it.call_value(&self.original, args.clone(), &[])
                    })
                },
            );
            snapshot.restore(it);
            let Ok(expected) = answer else { continue };
            if it.check_limits().is_err() {
                continue;
            }
            answered += 1;
            let problem = self.trial_candidate(it, &stages, args, &shown, &expected);
            snapshot.restore(it);
            problems.extend(problem);
            if problems.len() >= 5 {
                break;
            }
        }
        if problems.is_empty() && answered == 0 {
            problems.push(format!(
                "the original answered none of the {} trial inputs, so nothing checks the answers",
                inputs.len()
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Runs the candidate's stages on one input the original answers with `expected`; the
    /// problem, if any. The original is the oracle: the candidate must give the same answer
    /// (floats within [`FLOAT_TOLERANCE`], relative).
    fn trial_candidate(
        &self,
        it: &mut Interp,
        stages: &Stages,
        args: &[Value],
        shown: &str,
        expected: &Value,
    ) -> Option<String> {
        let bound = (args.to_vec(), Vec::new());
        let (pos, kw) = match &stages.perceive {
            None => bound,
            Some(p) => match self.perceive(it, p, &bound) {
                Ok(a) => a,
                // Refusing an input is perceive's job (the caller's fault by contract).
                Err(e) if e.kind == dana_interpreter::ExcKind::ValueError => return None,
                Err(e) => {
                    return Some(format!(
                        "{}({shown}): perceive failed on an input the original accepts: {}: {}",
                        self.shape.name,
                        e.kind.name(),
                        e.message
                    ))
                }
            },
        };
        let deadline = Instant::now() + TRIAL_TIMEOUT;
        let run = it.with_memory_allowance(TRIAL_MEMORY, |it| {
            self.run_stages(it, stages, &pos, &kw, deadline, TRIAL_BUDGET)
        });
        let (stage, e) = match run {
            Ok(got) if agree(&got, expected, 0) => return None,
            Ok(got) => {
                return Some(format!(
                    "{}({shown}): operate answered {}, but the original answers {}",
                    self.shape.name,
                    clip(&repr::repr(&got)),
                    clip(&repr::repr(expected))
                ))
            }
            Err(failed) => failed,
        };
        let what = match stage {
            Stage::Enforce => "enforce or the return type",
            _ => stage.as_str(),
        };
        Some(format!(
            "{}({shown}): {what} failed where the original answers: {}: {}",
            self.shape.name,
            e.kind.name(),
            e.message
        ))
    }
}

/// Relative tolerance of float answers compared with the original's (POET_SPEC §4).
const FLOAT_TOLERANCE: f64 = 1e-9;

/// `true` when a candidate's answer is the original's: equal, floats within the tolerance,
/// containers and structs item by item.
fn agree(got: &Value, want: &Value, depth: usize) -> bool {
    if depth > 100 {
        return dana_interpreter::value::ops::eq_python(got, want);
    }
    let close = |a: f64, b: f64| {
        a == b
            || (a.is_nan() && b.is_nan())
            || (a - b).abs() <= FLOAT_TOLERANCE * a.abs().max(b.abs())
    };
    let all = |a: &[Value], b: &[Value]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| agree(x, y, depth + 1))
    };
    match (got, want) {
        (Value::Float(a), Value::Float(b)) => close(*a, *b),
        (Value::Float(a), Value::Int(b)) | (Value::Int(b), Value::Float(a)) => close(*a, *b as f64),
        (Value::List(a), Value::List(b)) => all(&a.borrow(), &b.borrow()),
        (Value::Tuple(a), Value::Tuple(b)) => all(a, b),
        (Value::Dict(a), Value::Dict(b)) => {
            let (a, b) = (a.borrow(), b.borrow());
            a.len() == b.len()
                && a.iter()
                    .all(|(k, x)| b.get(k).is_some_and(|y| agree(x, y, depth + 1)))
        }
        (Value::Struct(a), Value::Struct(b)) => {
            Rc::ptr_eq(&a.ty, &b.ty) && all(&a.fields.borrow(), &b.fields.borrow())
        }
        _ => dana_interpreter::value::ops::eq_python(got, want),
    }
}

/// A value's text, shortened for a problem report.
fn clip(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Input tuples for the positional parameters, from their annotations; `None` when a
/// parameter's type cannot be synthesised.
fn synthesise(params: &[crate::function::ParamInfo], g: &Globals) -> Option<Vec<Vec<Value>>> {
    let mut columns: Vec<Vec<Value>> = Vec::new();
    for p in params {
        match p.kind {
            ParamKind::Normal if !p.keyword_only => {
                let samples = match &p.ann {
                    None => vec![Value::Int(1), Value::str("a")],
                    Some(a) => samples(a, 0, g)?,
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

fn samples(t: &TypeAnn, depth: usize, g: &Globals) -> Option<Vec<Value>> {
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
                Some(t) => samples(t, depth + 1, g)?,
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
                    let v = samples(&kv.1, depth + 1, g)?.into_iter().next()?;
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
                out.extend(samples(t, depth + 1, g)?);
            }
            out
        }
        TypeAnn::Named(name) => match g.get(*name) {
            Some(Value::StructType(st)) => struct_samples(&st, depth, g)?,
            _ => return None,
        },
        TypeAnn::Callable => return None,
    })
}

/// Instances of a struct from its fields' types: the first sample of every field, then the
/// second (fields with a default keep it).
fn struct_samples(st: &Rc<StructType>, depth: usize, g: &Globals) -> Option<Vec<Value>> {
    let home = st.globals.as_ref().and_then(std::rc::Weak::upgrade);
    let g = home.as_deref().unwrap_or(g);
    let mut columns = Vec::with_capacity(st.fields.len());
    for f in &st.fields {
        columns.push(match (&f.default, &f.ann) {
            (Some(d), _) => vec![d.clone()],
            (None, Some(a)) => samples(a, depth + 1, g)?,
            (None, None) => vec![Value::Int(1)],
        });
    }
    Some(
        (0..2)
            .map(|i| {
                Value::Struct(Rc::new(StructInstance {
                    ty: st.clone(),
                    fields: RefCell::new(columns.iter().map(|c| c[i % c.len()].clone()).collect()),
                }))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_come_from_the_annotations() {
        use crate::function::ParamInfo;
        let p = |name: &str, ann: Option<TypeAnn>| ParamInfo {
            name: Sym::intern(name),
            ann,
            kind: ParamKind::Normal,
            default: None,
            keyword_only: false,
        };
        let g = Globals::new("m", None);
        let ins = synthesise(
            &[
                p("n", Some(TypeAnn::Int)),
                p("xs", Some(TypeAnn::List(Some(Box::new(TypeAnn::Float))))),
            ],
            &g,
        )
        .unwrap();
        assert_eq!(ins.len(), 4);
        assert!(ins.iter().all(|a| a.len() == 2));
        assert_eq!(repr::repr(&ins[0][1]), "[0.5, 0.0, 2.5]");
        // An unknown type name: nothing to build.
        assert!(synthesise(&[p("s", Some(TypeAnn::Named(Sym::intern("Point"))))], &g).is_none());
    }
}
