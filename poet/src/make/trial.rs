//! The sandboxed trial run of the validation gate (POET_SPEC §4): before a generated module is
//! stored, its pipeline runs on trial inputs next to the original function, under tight
//! limits, and an oracle judges its answers:
//!
//! - with `improve=False` (the default) the original is the oracle: wherever it answers, the
//!   candidate must give the same answer (floats within 1e-9 relative, item by item in lists,
//!   dicts and structs); where it raises, the candidate may answer or raise;
//! - the examples of the docstring (`>>> f(2)` then `4`, [`crate::make::examples`]) must hold
//!   in both modes;
//! - with `improve=True` the original is a placeholder: the examples, the enforce stage (the
//!   domain's output rules) and the return type judge the candidate, which must still answer
//!   wherever the original answers; a version judged by nothing but types is `unverified`.
//!
//! A trial in which nothing could judge an answer (no input the original answered, no
//! example) fails. Inputs come from recorded calls first, then are synthesised
//! ([`inputs`]). What judged the version and on which inputs is kept for `metadata.json`.
//!
//! The program's state is recorded first ([`Snapshot`]: every module, scoped name and value
//! on the stack, and every container they reach) and put back after each run, the output, logs
//! and LLM calls of both are captured instead of performed, and the candidate runs contained
//! (`crate::make::contain`), so the trial changes nothing the program can see.

mod compare;
mod inputs;

use crate::call::outcome::Stage;
use crate::function::{PoetFunction, Stages};
use crate::make::examples::{self, Example};
use compare::{agree, clip, shown, shown_args};
use dana_grammar::ast::Sym;
use dana_interpreter::eval::Interp;
use dana_interpreter::snapshot::Snapshot;
use dana_interpreter::value::{repr, Args, Globals, Value};
use inputs::Inputs;
use serde_json::json;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Wall-clock limit of one trial call.
const TRIAL_TIMEOUT: Duration = Duration::from_millis(500);
/// Operation budget of one trial call.
const TRIAL_BUDGET: u64 = 5_000_000;
/// Memory of one trial call (or of loading the module) beyond what the program holds.
const TRIAL_MEMORY: usize = 256 << 20;
/// Wall-clock limit of a whole trial (its calls stop being made after it).
const TRIAL_TOTAL: Duration = Duration::from_secs(4);
/// A trial stops after this many problems.
const MAX_PROBLEMS: usize = 5;

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

/// What judged a version (`metadata.json` → `validation.oracle`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Oracle {
    /// The candidate answered like the original on inputs the original answers.
    Original,
    /// The docstring's examples (and nothing the original answered).
    Examples,
    /// `improve=True`: the enforce stage with the domain's output rules, and the types.
    EnforceDomain,
    /// `improve=True`: only the return type.
    Unverified,
}

impl Oracle {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Oracle::Original => "original",
            Oracle::Examples => "examples",
            Oracle::EnforceDomain => "enforce+domain",
            Oracle::Unverified => "unverified",
        }
    }
}

/// How one run of the candidate's pipeline ended.
enum Run {
    Answer(Value),
    /// Perceive refused the input (a `ValueError`: the caller's fault by contract).
    Refused,
    /// What failed: `operate failed: ZeroDivisionError: …`; `true` when it ran out of time or
    /// budget (the trial then stops: the next inputs would only wait as long).
    Failed(String, bool),
}

/// An example with its arguments and expected answer evaluated.
struct ReadyExample<'a> {
    example: &'a Example,
    pos: Vec<Value>,
    kw: Vec<(Sym, Value)>,
    /// `None` when the expected text does not evaluate: the answer's repr is compared.
    expected: Option<Value>,
}

/// What a passed trial found.
struct Verdict {
    oracle: Oracle,
    answered: usize,
    compared: usize,
    examples: usize,
    skipped_examples: Vec<String>,
}

/// Counts while the inputs run.
#[derive(Default)]
struct Tally {
    /// Inputs the original answered.
    answered: usize,
    /// Inputs where the candidate's answer was compared with the original's and agreed.
    compared: usize,
    /// Inputs the candidate answered (`improve=True`).
    candidate_answered: usize,
}

impl PoetFunction {
    /// Runs `code`'s pipeline and the original on the trial inputs and the docstring's
    /// examples; the problems found. Whatever either does to the program's data is undone
    /// after each run, and their output, logs and LLM calls are captured, not performed. On
    /// success the oracle and the inputs are kept for the version's `metadata.json`.
    pub(crate) fn trial_run(&self, it: &mut Interp, code: &str) -> Result<(), Vec<String>> {
        *self.trial_record.borrow_mut() = None;
        let examples = self.examples();
        let mut recorded: Vec<Vec<Value>> = self.first_args.borrow().iter().cloned().collect();
        recorded.extend(inputs::from_records(
            &self.params,
            &self.globals,
            &self.recorded_args(),
        ));
        let domain = self.trial_domain();
        let inputs = match inputs::build(&self.params, &self.globals, recorded, domain.as_ref()) {
            Some(i) => i,
            None if !examples.is_empty() => Inputs {
                rows: Vec::new(),
                recorded: 0,
            },
            None => {
                // A callable parameter (or a type with nothing to build from), and no example:
                // nothing could judge the candidate's answers.
                return Err(vec![format!(
                    "no trial input can be built for the parameters' types and the docstring has no example ('>>> {}(…)' then the answer), so nothing checks the answers",
                    self.shape.name
                )]);
            }
        };
        let snapshot = Snapshot::take(it, std::slice::from_ref(&self.globals));
        let saved = it.capture_effects();
        let r = self.trial_inputs(it, code, &inputs, &examples, &snapshot);
        snapshot.restore(it);
        it.release_effects(saved);
        let verdict = r?;
        *self.trial_record.borrow_mut() = Some(record(&verdict, &inputs, self.config.improve));
        Ok(())
    }

    /// The docstring's examples that parse (`dana check` reports the others).
    fn examples(&self) -> Vec<Example> {
        match &self.shape.doc {
            Some(doc) => examples::parse(doc, &self.shape.name).0,
            None => Vec::new(),
        }
    }

    /// The function's domain template, when the runtime can resolve it.
    fn trial_domain(&self) -> Option<crate::make::domains::DomainTemplate> {
        let rt = self.rt()?;
        let domains = rt.domains_for(&self.poet_dir).ok()?;
        domains.resolve(&self.config.domain).ok()
    }

    /// The positional arguments of recorded executions, oldest first: those of the version in
    /// the store (`state.json`), then this process's.
    fn recorded_args(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        let stored = crate::store::PoetDir::new(&self.poet_dir)
            .function(&self.store_name)
            .ok()
            .and_then(|s| {
                let n = s.current().ok()??;
                s.load(n).ok()
            });
        if let Some(v) = stored {
            if let Some(records) = v.state.get("records").and_then(|r| r.as_array()) {
                out.extend(
                    records
                        .iter()
                        .filter_map(|r| r.get("args"))
                        .filter(|a| a.is_array())
                        .cloned(),
                );
            }
        }
        out.extend(
            self.live
                .borrow()
                .records
                .iter()
                .filter_map(|r| r.args.clone()),
        );
        out
    }

    fn trial_inputs(
        &self,
        it: &mut Interp,
        code: &str,
        inputs: &Inputs,
        examples: &[Example],
        snapshot: &Snapshot,
    ) -> Result<Verdict, Vec<String>> {
        let stages = self.trial_stages(it, code, snapshot)?;
        let until = Instant::now() + TRIAL_TOTAL;
        let (ready, skipped_examples) = self.ready_examples(it, examples, snapshot);
        let (examples, mut problems) = self.check_examples(it, &stages, &ready, snapshot, until);
        let improve = self.config.improve;
        let mut tally = Tally::default();
        for args in &inputs.rows {
            if problems.len() >= MAX_PROBLEMS || Instant::now() > until {
                break;
            }
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
            let expected = answer.ok().filter(|_| it.check_limits().is_ok());
            tally.answered += usize::from(expected.is_some());
            if expected.is_none() && !improve {
                // Where the original raises, the candidate may answer or raise.
                continue;
            }
            let run = self.run_candidate(it, &stages, args, &[]);
            snapshot.restore(it);
            let call = format!("{}({})", self.shape.name, shown_args(args));
            match (run, &expected) {
                (Run::Refused, _) => {}
                (Run::Answer(_), _) if improve => tally.candidate_answered += 1,
                (Run::Answer(got), Some(want)) if agree(&got, want) => tally.compared += 1,
                (Run::Answer(got), Some(want)) => problems.push(format!(
                    "{call}: the candidate answered {}, but the original answers {}",
                    shown(&got),
                    shown(want)
                )),
                (Run::Failed(what, timed_out), Some(want)) => {
                    problems.push(format!(
                        "{call}: {what}, where the original answers {}",
                        shown(want)
                    ));
                    if timed_out {
                        break;
                    }
                }
                (_, None) => {}
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let oracle = if !improve && tally.compared > 0 {
            Oracle::Original
        } else if examples > 0 {
            Oracle::Examples
        } else if improve && tally.candidate_answered > 0 {
            // The enforce stage is the offline one (generated answers are `operate` only):
            // it judges more than the types only where the domain has an output rule.
            let rules = self
                .trial_domain()
                .is_some_and(|d| crate::make::offline::domain_rules_output(&self.shape, &d));
            if stages.enforce.is_some() && rules {
                Oracle::EnforceDomain
            } else {
                Oracle::Unverified
            }
        } else {
            return Err(vec![self.nothing_judged(inputs, &tally)]);
        };
        Ok(Verdict {
            oracle,
            answered: tally.answered,
            compared: tally.compared,
            examples,
            skipped_examples,
        })
    }

    /// Why a trial in which nothing judged an answer fails.
    fn nothing_judged(&self, inputs: &Inputs, tally: &Tally) -> String {
        let tried: Vec<String> = inputs
            .rows
            .iter()
            .take(3)
            .map(|a| format!("{}({})", self.shape.name, shown_args(a)))
            .collect();
        let no_example = format!(
            "the docstring has no example ('>>> {}(…)' then the expected answer)",
            self.shape.name
        );
        if self.config.improve {
            format!(
                "the candidate answered none of the {} trial inputs ({}…) and {no_example}, so nothing checks it",
                inputs.rows.len(),
                tried.join(", ")
            )
        } else if tally.answered == 0 {
            format!(
                "the original answered none of the {} trial inputs ({}…) and {no_example}, so nothing checks the candidate's answers",
                inputs.rows.len(),
                tried.join(", ")
            )
        } else {
            format!(
                "the candidate's perceive refused every one of the {} inputs the original answers, so nothing checks its answers",
                tally.answered
            )
        }
    }

    /// Loads the candidate module and finds its stages.
    fn trial_stages(
        &self,
        it: &mut Interp,
        code: &str,
        snapshot: &Snapshot,
    ) -> Result<Stages, Vec<String>> {
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
        Ok(Stages {
            version: 0,
            store: None,
            perceive: get("perceive"),
            operate,
            enforce: get("enforce"),
            train: None,
            plain: Default::default(),
        })
    }

    /// Perceive, operate, enforce and the return type on one input, under the trial's limits.
    fn run_candidate(
        &self,
        it: &mut Interp,
        stages: &Stages,
        pos: &[Value],
        kw: &[(Sym, Value)],
    ) -> Run {
        let bound = (pos.to_vec(), kw.to_vec());
        let (pos, kw) = match &stages.perceive {
            None => bound,
            Some(p) => match self.perceive(it, p, &bound) {
                Ok(a) => a,
                Err(e) if e.kind == dana_interpreter::ExcKind::ValueError => return Run::Refused,
                Err(e) => {
                    return Run::Failed(
                        format!("perceive failed: {}: {}", e.kind.name(), clip(&e.message)),
                        e.kind == dana_interpreter::ExcKind::TimeoutError,
                    )
                }
            },
        };
        let deadline = Instant::now() + TRIAL_TIMEOUT;
        let run = it.with_memory_allowance(TRIAL_MEMORY, |it| {
            self.run_stages(it, stages, &pos, &kw, deadline, TRIAL_BUDGET)
        });
        match run {
            Ok(v) => Run::Answer(v),
            Err((stage, e)) => {
                let what = match stage {
                    Stage::Enforce => "enforce or the return type",
                    _ => stage.as_str(),
                };
                Run::Failed(
                    format!("{what} failed: {}: {}", e.kind.name(), clip(&e.message)),
                    e.kind == dana_interpreter::ExcKind::TimeoutError,
                )
            }
        }
    }

    /// Evaluates the examples' arguments and expected answers in a contained scratch module
    /// reading the program's names; those whose arguments do not evaluate are skipped (their
    /// text is returned, for the record).
    fn ready_examples<'a>(
        &self,
        it: &mut Interp,
        examples: &'a [Example],
        snapshot: &Snapshot,
    ) -> (Vec<ReadyExample<'a>>, Vec<String>) {
        let mut ready = Vec::new();
        let mut skipped = Vec::new();
        for ex in examples {
            let scratch = self.candidate_module(it, "<docstring example>".into(), None);
            let eval = |it: &mut Interp, text: &str| -> Option<Value> {
                let r = load_module(
                    it,
                    "<example>",
                    &format!("__poet_value = ({text})\n"),
                    &scratch,
                );
                snapshot.restore(it);
                r.ok()?;
                scratch.get(Sym::intern("__poet_value"))
            };
            let pos: Option<Vec<Value>> = ex.args.iter().map(|a| eval(it, a)).collect();
            let kw: Option<Vec<(Sym, Value)>> = ex
                .kwargs
                .iter()
                .map(|(k, a)| Some((Sym::intern(k), eval(it, a)?)))
                .collect();
            let (Some(pos), Some(kw)) = (pos, kw) else {
                skipped.push(clip(&ex.call));
                continue;
            };
            let expected = eval(it, &ex.expected);
            ready.push(ReadyExample {
                example: ex,
                pos,
                kw,
                expected,
            });
        }
        (ready, skipped)
    }

    /// Runs the candidate on each example (until `until`); how many ran, and the problems.
    fn check_examples(
        &self,
        it: &mut Interp,
        stages: &Stages,
        ready: &[ReadyExample],
        snapshot: &Snapshot,
        until: Instant,
    ) -> (usize, Vec<String>) {
        let mut problems = Vec::new();
        let mut ran = 0;
        for ex in ready {
            if problems.len() >= MAX_PROBLEMS || Instant::now() > until {
                break;
            }
            ran += 1;
            let Some((pos, kw)) = self.bind(Args::new(&ex.pos, &ex.kw)) else {
                problems.push(format!(
                    "docstring line {}: the example '{}' does not match the parameters",
                    ex.example.line, ex.example.call
                ));
                continue;
            };
            let run = self.run_candidate(it, stages, &pos, &kw);
            snapshot.restore(it);
            let head = format!(
                "docstring line {}: {} should answer {}",
                ex.example.line,
                clip(&ex.example.call),
                clip(&ex.example.expected)
            );
            match run {
                Run::Answer(got) => {
                    let ok = match &ex.expected {
                        Some(want) => agree(&got, want),
                        None => repr::repr(&got) == ex.example.expected,
                    };
                    if !ok {
                        problems.push(format!("{head}; the candidate answered {}", shown(&got)));
                    }
                }
                Run::Refused => {
                    problems.push(format!("{head}; the candidate's perceive refused it"))
                }
                Run::Failed(what, _) => problems.push(format!("{head}; {what}")),
            }
        }
        (ran, problems)
    }

    /// The docstring's examples against the offline version (the original's body): a failing
    /// example is the program's own bug, reported as warnings, never a refusal. Keeps the
    /// record for `metadata.json` (the original is the oracle by construction).
    pub(crate) fn check_offline(&self, it: &mut Interp, code: &str) -> Vec<String> {
        let examples = self.examples();
        if examples.is_empty() {
            *self.trial_record.borrow_mut() = Some(json!({
                "oracle": Oracle::Original.as_str(),
                "improve": self.config.improve,
                "note": "the offline version runs the original's body",
                "inputs": [],
            }));
            return Vec::new();
        }
        *self.trial_record.borrow_mut() = None;
        let snapshot = Snapshot::take(it, std::slice::from_ref(&self.globals));
        let saved = it.capture_effects();
        let r = self.trial_stages(it, code, &snapshot).map(|stages| {
            let (ready, skipped) = self.ready_examples(it, &examples, &snapshot);
            let until = Instant::now() + TRIAL_TOTAL;
            let (checked, failed) = self.check_examples(it, &stages, &ready, &snapshot, until);
            let failed: Vec<String> = failed
                .into_iter()
                .map(|p| p.replace("the candidate", "the offline version"))
                .collect();
            (checked, skipped, failed)
        });
        snapshot.restore(it);
        it.release_effects(saved);
        let (checked, skipped, failed) = match r {
            Ok(x) => x,
            Err(problems) => return problems,
        };
        *self.trial_record.borrow_mut() = Some(json!({
            "oracle": Oracle::Original.as_str(),
            "improve": self.config.improve,
            "note": "the offline version runs the original's body",
            "inputs": [],
            "examples": {"checked": checked, "skipped": skipped, "failed": failed},
        }));
        failed
    }
}

/// The trial's record for `metadata.json`: the oracle, the inputs (bounded reprs) and counts.
fn record(v: &Verdict, inputs: &Inputs, improve: bool) -> serde_json::Value {
    json!({
        "oracle": v.oracle.as_str(),
        "improve": improve,
        "inputs": inputs.rows.iter().map(|a| shown_args(a)).collect::<Vec<_>>(),
        "recorded_inputs": inputs.recorded,
        "answered_by_original": v.answered,
        "agreed_with_original": v.compared,
        "examples": {"checked": v.examples, "skipped": v.skipped_examples},
    })
}
