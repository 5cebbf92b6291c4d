//! Where a new version's code comes from (POET_SPEC §4): the configured LLM, through the
//! validation gate and the trial run, up to [`MAX_ATTEMPTS`] attempts, each retry carrying the
//! previous answer's problems; then the offline enhancement; then (in the caller) the original.
//!
//! In `generate="background"` mode the HTTP requests run on a helper thread while the offline
//! version serves; the answer is validated and stored on the interpreter's thread at the next
//! call (values and the interpreter are not `Send`).

use crate::function::PoetFunction;
use crate::make::gate::{self, GateInput, GateReport};
use crate::make::job::{BackgroundJob, LlmJob};
use crate::make::prompt::{self, Evidence, PromptInput};
use dana_interpreter::eval::Interp;
use dana_llm::{ChatRequest, LlmError, Message, Role};
use serde_json::json;
use std::sync::mpsc;

/// LLM attempts per generation.
pub const MAX_ATTEMPTS: u32 = 3;

/// A module that passed the gate, with how it was obtained.
pub(crate) struct Candidate {
    pub code: String,
    /// `"llm:<model>"` or `"offline"`.
    pub generator: String,
    pub report: GateReport,
    /// One JSON object per LLM attempt (outcome, problems, HTTP requests).
    pub attempts: Vec<serde_json::Value>,
}

impl Candidate {
    /// The validation report with the attempts, as stored in `metadata.json`.
    pub fn validation_json(&self) -> serde_json::Value {
        let mut v = self.report.to_json();
        if let Some(o) = v.as_object_mut() {
            o.insert("attempts".into(), json!(self.attempts));
        }
        v
    }
}

impl PoetFunction {
    fn prompt_for(
        &self,
        job: &LlmJob,
        previous_errors: &[String],
        evidence: Option<&Evidence>,
    ) -> ChatRequest {
        let structs = self.struct_sources();
        let user = prompt::build(&PromptInput {
            shape: &self.shape,
            structs: &structs,
            domain: &job.domain,
            optimize_for: self.config.optimize_for.as_deref(),
            capabilities: &job.capabilities,
            offline_code: &job.offline_code,
            previous_errors,
            evidence,
        });
        ChatRequest {
            messages: vec![
                Message {
                    role: Role::System,
                    content: prompt::system(),
                },
                Message {
                    role: Role::User,
                    content: user,
                },
            ],
            model: self.config.model.clone(),
            ..ChatRequest::default()
        }
    }

    /// Gate + trial run of an answer; the problems when it is refused.
    pub(crate) fn check_answer(
        &self,
        it: &mut Interp,
        answer: &str,
        capabilities: &[String],
    ) -> Result<(String, GateReport), Vec<String>> {
        let code = prompt::extract_code(answer).map_err(|why| vec![why])?;
        let report = gate::validate(&GateInput {
            code: &code,
            shape: &self.shape,
            capabilities,
            options: self.gate_options(),
            program: gate::ProgramNames::from_globals(&self.globals),
        });
        tracing::debug!(function = %self.display, passed = report.passed(), summary = %report.summary(), "poet: gate verdict");
        if !report.passed() {
            let mut problems = report.diagnostics.clone();
            if problems.is_empty() {
                problems.push(report.summary());
            }
            return Err(problems);
        }
        let trial = self.trial_run(it, &code);
        tracing::debug!(function = %self.display, passed = trial.is_ok(), problems = trial.as_ref().err().map_or(0, Vec::len), "poet: trial verdict");
        trial?;
        Ok((code, report))
    }

    /// Up to [`MAX_ATTEMPTS`] LLM attempts; `None` when none passed (the attempts say why).
    pub(crate) fn generate_llm(
        &self,
        it: &mut Interp,
        job: &LlmJob,
        evidence: Option<&Evidence>,
        attempts: &mut Vec<serde_json::Value>,
    ) -> Option<Candidate> {
        let mut problems: Vec<String> = Vec::new();
        let model = &job.model;
        for n in 1..=MAX_ATTEMPTS {
            let req = self.prompt_for(job, &problems, evidence);
            tracing::info!(function = %self.display, model = %model, attempt = n, "poet: generation attempt");
            let label = format!("poet: generating {} with {model}", self.display);
            let answer =
                dana_llm::progress::with_progress(&label, || job.client.complete_blocking(&req));
            let resp = match answer {
                Ok(r) => r,
                Err(e) => {
                    tracing::info!(function = %self.display, attempt = n, error = %e, "poet: generation attempt failed");
                    attempts
                        .push(json!({"attempt": n, "outcome": "error", "error": e.to_string()}));
                    // The client already retried what can be retried; a configuration or
                    // offline error will not get better.
                    if matches!(e, LlmError::Config(_) | LlmError::Offline) {
                        break;
                    }
                    problems.clear();
                    continue;
                }
            };
            match self.check_answer(it, &resp.text, &job.capabilities) {
                Ok((code, report)) => {
                    tracing::info!(function = %self.display, attempt = n, "poet: generation accepted");
                    attempts.push(
                        json!({"attempt": n, "outcome": "accepted", "requests": resp.attempts}),
                    );
                    return Some(Candidate {
                        code,
                        generator: format!("llm:{model}"),
                        report,
                        attempts: std::mem::take(attempts),
                    });
                }
                Err(p) => {
                    tracing::info!(function = %self.display, attempt = n, problems = p.len(), "poet: generation attempt rejected");
                    attempts.push(json!({"attempt": n, "outcome": "rejected", "problems": p, "requests": resp.attempts}));
                    problems = p;
                }
            }
        }
        None
    }

    /// Starts an LLM request on a helper thread (background mode).
    pub(crate) fn start_background(
        &self,
        job: &LlmJob,
        problems: &[String],
        attempt: u32,
        attempts: Vec<serde_json::Value>,
    ) -> BackgroundJob {
        let req = self.prompt_for(job, problems, None);
        let (tx, rx) = mpsc::channel();
        let client = job.client.clone();
        std::thread::spawn(move || {
            let _ = tx.send(client.complete_blocking(&req));
        });
        BackgroundJob {
            rx,
            attempt,
            attempts,
        }
    }

    /// Polls a background job: `Some(Ok(candidate))` when an answer passed, `Some(Err(job))`
    /// to keep waiting (possibly a new attempt), `None` when it gave up.
    pub(crate) fn poll_background(
        &self,
        it: &mut Interp,
        mut job: BackgroundJob,
        llm: &LlmJob,
    ) -> Option<Result<Candidate, BackgroundJob>> {
        let model = &llm.model;
        let answer = match job.rx.try_recv() {
            Ok(a) => a,
            Err(mpsc::TryRecvError::Empty) => return Some(Err(job)),
            Err(mpsc::TryRecvError::Disconnected) => return None,
        };
        let n = job.attempt;
        let problems = match answer {
            Err(e) => {
                job.attempts
                    .push(json!({"attempt": n, "outcome": "error", "error": e.to_string()}));
                if matches!(e, LlmError::Config(_) | LlmError::Offline) {
                    return None;
                }
                Vec::new()
            }
            Ok(resp) => match self.check_answer(it, &resp.text, &llm.capabilities) {
                Ok((code, report)) => {
                    job.attempts.push(
                        json!({"attempt": n, "outcome": "accepted", "requests": resp.attempts}),
                    );
                    return Some(Ok(Candidate {
                        code,
                        generator: format!("llm:{model}"),
                        report,
                        attempts: job.attempts,
                    }));
                }
                Err(p) => {
                    job.attempts.push(json!({"attempt": n, "outcome": "rejected", "problems": p, "requests": resp.attempts}));
                    p
                }
            },
        };
        if n >= MAX_ATTEMPTS {
            return None;
        }
        Some(Err(self.start_background(
            llm,
            &problems,
            n + 1,
            job.attempts,
        )))
    }

    /// The struct definitions the signature mentions, as Dana source for the prompt.
    fn struct_sources(&self) -> Vec<String> {
        use dana_interpreter::value::{TypeAnn, Value};
        fn names(t: &TypeAnn, out: &mut Vec<dana_grammar::ast::Sym>) {
            match t {
                TypeAnn::Named(n) => out.push(*n),
                TypeAnn::List(Some(t)) | TypeAnn::Set(Some(t)) => names(t, out),
                TypeAnn::Dict(Some(kv)) => {
                    names(&kv.0, out);
                    names(&kv.1, out);
                }
                TypeAnn::Union(ts) => ts.iter().for_each(|t| names(t, out)),
                TypeAnn::Tuple(Some((ts, _))) => ts.iter().for_each(|t| names(t, out)),
                _ => {}
            }
        }
        let mut wanted = Vec::new();
        for p in &self.params {
            if let Some(a) = &p.ann {
                names(a, &mut wanted);
            }
        }
        if let Some(r) = &self.returns {
            names(r, &mut wanted);
        }
        wanted.dedup();
        wanted
            .into_iter()
            .filter_map(|n| match self.globals.get(n) {
                Some(Value::StructType(st)) => {
                    let mut s = format!("struct {}:\n", st.name);
                    for f in &st.fields {
                        let ann = f
                            .ann
                            .as_ref()
                            .map(|a| a.to_string())
                            .unwrap_or("any".into());
                        s.push_str(&format!("    {}: {ann}", f.name));
                        if let Some(c) = &f.comment {
                            s.push_str(&format!("  # {c}"));
                        }
                        s.push('\n');
                    }
                    Some(s)
                }
                _ => None,
            })
            .collect()
    }
}
