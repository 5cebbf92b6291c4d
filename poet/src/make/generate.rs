//! Where a new version's code comes from (POET_SPEC §4): the configured LLM, through the
//! validation gate and the trial run, up to [`MAX_ATTEMPTS`] attempts, each retry quoting the
//! previous answer with its failing lines marked and sampling with another seed; then the
//! offline enhancement; then (in the caller) the original. A request asks for `operate` only,
//! in the shape the server can constrain decoding to (a grammar, a JSON Schema), with
//! `max_tokens` sized to the function and a stop at the closing fence; the answer is repaired
//! where a repair is certain and merged with the offline checks before the gate sees it.
//!
//! Every request runs on a helper thread. `generate="lazy"` waits for all attempts together
//! at most the generation deadline (`[llm] generation_deadline`, 30 s); an attempt still
//! running then goes on in the background while the offline version serves, exactly as in
//! `generate="background"` mode: the answer is validated and stored on the interpreter's
//! thread at a later call (values and the interpreter are not `Send`).

use crate::function::PoetFunction;
use crate::make::answer;
use crate::make::gate::{self, GateInput, GateReport};
use crate::make::job::{BackgroundJob, LlmJob};
use crate::make::prompt::{self, Evidence, Previous, PromptInput};
use dana_interpreter::eval::Interp;
use dana_llm::{AnswerShape, ChatRequest, LlmError, Message, Role};
use serde_json::json;
use std::sync::mpsc;
use std::time::Instant;

/// The code of an answer (its one fenced block).
fn prompt_code(answer: &str) -> Result<String, String> {
    answer::extract_code(answer)
}

/// What one attempt's answer leads to.
enum Judged {
    Accepted(Candidate),
    GiveUp,
    /// Another attempt, quoting this answer when there was one.
    Retry(Option<Rejected>),
}

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

/// How a generation with a deadline ended.
pub(crate) enum Outcome {
    Accepted(Candidate),
    /// Every attempt failed (the attempts say why).
    Failed,
    /// The deadline passed with an attempt still running: it goes on in the background.
    Deferred(BackgroundJob),
}

/// An answer the gate or the trial refused: its code (for the retry prompt) and why.
pub(crate) struct Rejected {
    pub code: String,
    pub problems: Vec<String>,
}

/// The `max_tokens` of a code answer, sized to the function: room for about three times the
/// original's tokens and the fence, 320 at least (a short function), 2048 at most. A small
/// model that loses its way writes until `max_tokens`, and on a CPU a cap of 800 let one such
/// answer take the whole 30 s deadline; this cap leaves time for the retries.
fn code_tokens(source: &str) -> u32 {
    (source.len() * 3 / 4 + 200).clamp(320, 2048) as u32
}

/// The temperature of attempt `n` (from 1): the configured one first (`None`: the client's);
/// each retry samples 0.3 wider, up to 1.0. At a low temperature another seed alone gives
/// nearly the same answer again, so a retry would repeat the refused answer.
fn attempt_temperature(configured: Option<f32>, attempt: u32) -> Option<f32> {
    if attempt <= 1 {
        return None;
    }
    let base = configured.unwrap_or(0.1);
    Some((base + 0.3 * (attempt - 1) as f32).min(1.0))
}

/// One line per attempt, for the final warning: `attempt 1/3: <why>`.
pub(crate) fn attempt_lines(attempts: &[serde_json::Value]) -> String {
    let mut out = String::new();
    for a in attempts {
        let n = a.get("attempt").and_then(|n| n.as_u64()).unwrap_or(0);
        let why = a
            .get("error")
            .and_then(|e| e.as_str())
            .or_else(|| {
                a.get("problems")
                    .and_then(|p| p.get(0))
                    .and_then(|p| p.as_str())
            })
            .or_else(|| a.get("outcome").and_then(|o| o.as_str()))
            .unwrap_or("no answer");
        let why: String = why.lines().next().unwrap_or("").chars().take(160).collect();
        out.push_str(&format!("\n  attempt {n}/{MAX_ATTEMPTS}: {why}"));
    }
    out
}

impl PoetFunction {
    fn prompt_for(
        &self,
        job: &LlmJob,
        previous: Option<&Rejected>,
        evidence: Option<&Evidence>,
        attempt: u32,
    ) -> ChatRequest {
        let structs = self.struct_sources();
        let user = prompt::build(&PromptInput {
            shape: &self.shape,
            structs: &structs,
            domain: &job.domain,
            optimize_for: self.config.optimize_for.as_deref(),
            capabilities: &job.capabilities,
            previous: previous.map(|r| Previous {
                code: &r.code,
                problems: &r.problems,
            }),
            evidence,
            improve: self.config.improve,
        });
        let operate = prompt::operate_line(&self.shape);
        let stage_lines: Vec<String> = prompt::extra_stages(&self.shape, &job.domain)
            .into_iter()
            .map(|(_, line)| line)
            .collect();
        // Each stage written besides operate needs room too.
        let max_tokens = code_tokens(&self.shape.source) + 300 * stage_lines.len() as u32;
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
            max_tokens: Some(max_tokens),
            temperature: attempt_temperature(job.client.config().temperature, attempt),
            stop: vec!["\n```\n".into()],
            // Another seed per attempt: a retry is not the same sample again.
            seed: Some(
                dana_llm::mock::stable_hash(&self.shape.source) % 1_000_000 + u64::from(attempt),
            ),
            shape: Some(AnswerShape {
                name: "dana_operate".into(),
                grammar: Some(answer::grammar(&operate, &stage_lines)),
                schema: Some(answer::code_schema()),
            }),
            mock_answer: Some(format!("```dana\n{}\n```", job.offline_code.trim_end())),
            ..ChatRequest::default()
        }
    }

    /// Gate + trial run of an answer: the code taken from it, repaired where a repair is
    /// certain, merged with the offline checks. The problems when it is refused.
    pub(crate) fn check_answer(
        &self,
        it: &mut Interp,
        answer: &str,
        job: &LlmJob,
    ) -> Result<(String, GateReport, Option<String>), Rejected> {
        let code = prompt_code(answer).map_err(|why| Rejected {
            code: String::new(),
            problems: vec![why],
        })?;
        let (code, note) = answer::repair(&code, &prompt::operate_line(&self.shape));
        let module = answer::merge(&code, &job.offline_code);
        let report = gate::validate(&GateInput {
            code: &module,
            shape: &self.shape,
            capabilities: &job.capabilities,
            options: self.gate_options(),
            program: gate::ProgramNames::from_globals(&self.globals),
        });
        tracing::debug!(function = %self.display, passed = report.passed(), summary = %report.summary(), "poet: gate verdict");
        if !report.passed() {
            let mut problems = report.diagnostics.clone();
            if problems.is_empty() {
                problems.push(report.summary());
            }
            return Err(Rejected { code, problems });
        }
        let trial = self.trial_run(it, &module);
        tracing::debug!(function = %self.display, passed = trial.is_ok(), problems = trial.as_ref().err().map_or(0, Vec::len), "poet: trial verdict");
        trial.map_err(|problems| Rejected {
            code: code.clone(),
            problems,
        })?;
        Ok((module, report, note))
    }

    /// Up to [`MAX_ATTEMPTS`] LLM attempts, waiting as long as they take; `None` when none
    /// passed (the attempts say why).
    pub(crate) fn generate_llm(
        &self,
        it: &mut Interp,
        job: &LlmJob,
        evidence: Option<&Evidence>,
        attempts: &mut Vec<serde_json::Value>,
    ) -> Option<Candidate> {
        match self.generate_within(it, job, evidence, None, std::mem::take(attempts)) {
            (Outcome::Accepted(c), _) => Some(c),
            (_, done) => {
                *attempts = done;
                None
            }
        }
    }

    /// Up to [`MAX_ATTEMPTS`] LLM attempts within `deadline` (all attempts together). Each
    /// request runs on a helper thread; when the deadline passes first, the running attempt
    /// is handed back to go on in the background. The second value holds the attempts'
    /// records when none was accepted.
    pub(crate) fn generate_within(
        &self,
        it: &mut Interp,
        job: &LlmJob,
        evidence: Option<&Evidence>,
        deadline: Option<Instant>,
        mut attempts: Vec<serde_json::Value>,
    ) -> (Outcome, Vec<serde_json::Value>) {
        let mut previous: Option<Rejected> = None;
        let model = &job.model;
        for n in 1..=MAX_ATTEMPTS {
            let req = self.prompt_for(job, previous.as_ref(), evidence, n);
            tracing::info!(function = %self.display, model = %model, attempt = n, "poet: generation attempt");
            let label = format!(
                "poet: generating {} with {model} (attempt {n}/{MAX_ATTEMPTS})",
                self.display
            );
            let (tx, rx) = mpsc::channel();
            let client = job.client.clone();
            std::thread::spawn(move || {
                let _ = tx.send(client.complete_blocking(&req));
            });
            let waited = dana_llm::progress::with_progress(&label, || match deadline {
                None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
            });
            let answer = match waited {
                Ok(a) => a,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return (
                        Outcome::Deferred(BackgroundJob {
                            rx,
                            attempt: n,
                            attempts,
                        }),
                        Vec::new(),
                    );
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    Err(LlmError::Network("the request thread stopped".into()))
                }
            };
            match self.judge(it, job, n, answer, &mut attempts) {
                Judged::Accepted(c) => {
                    return (
                        Outcome::Accepted(Candidate {
                            attempts: std::mem::take(&mut attempts),
                            ..c
                        }),
                        Vec::new(),
                    )
                }
                Judged::GiveUp => break,
                Judged::Retry(r) => previous = r,
            }
        }
        (Outcome::Failed, attempts)
    }

    /// What one answer (or request error) means for the generation; its record is added.
    fn judge(
        &self,
        it: &mut Interp,
        job: &LlmJob,
        n: u32,
        answer: Result<dana_llm::ChatResponse, LlmError>,
        attempts: &mut Vec<serde_json::Value>,
    ) -> Judged {
        let resp = match answer {
            Ok(r) => r,
            Err(e) => {
                tracing::info!(function = %self.display, attempt = n, error = %e, "poet: generation attempt failed");
                attempts.push(json!({"attempt": n, "outcome": "error", "error": e.to_string()}));
                // The client already retried what can be retried; a configuration or
                // offline error will not get better.
                if matches!(e, LlmError::Config(_) | LlmError::Offline) {
                    return Judged::GiveUp;
                }
                return Judged::Retry(None);
            }
        };
        match self.check_answer(it, &resp.text, job) {
            Ok((code, report, note)) => {
                tracing::info!(function = %self.display, attempt = n, "poet: generation accepted");
                let mut rec =
                    json!({"attempt": n, "outcome": "accepted", "requests": resp.attempts});
                if let (Some(note), Some(o)) = (note, rec.as_object_mut()) {
                    o.insert("repaired".into(), json!(note));
                }
                attempts.push(rec);
                Judged::Accepted(Candidate {
                    code,
                    generator: format!("llm:{}", job.model),
                    report,
                    attempts: Vec::new(),
                })
            }
            Err(r) => {
                tracing::info!(function = %self.display, attempt = n, problems = r.problems.len(), "poet: generation attempt rejected");
                attempts.push(
                    json!({"attempt": n, "outcome": "rejected", "problems": r.problems,
                    "answer": r.code, "requests": resp.attempts}),
                );
                Judged::Retry(Some(r))
            }
        }
    }

    /// Starts an LLM request on a helper thread (background mode).
    pub(crate) fn start_background(
        &self,
        job: &LlmJob,
        previous: Option<&Rejected>,
        attempt: u32,
        attempts: Vec<serde_json::Value>,
    ) -> BackgroundJob {
        let req = self.prompt_for(job, previous, None, attempt);
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
    /// to keep waiting (possibly a new attempt), `None` when it gave up (the attempts are
    /// handed back for the warning).
    pub(crate) fn poll_background(
        &self,
        it: &mut Interp,
        mut job: BackgroundJob,
        llm: &LlmJob,
    ) -> Result<Result<Candidate, BackgroundJob>, Vec<serde_json::Value>> {
        let answer = match job.rx.try_recv() {
            Ok(a) => a,
            Err(mpsc::TryRecvError::Empty) => return Ok(Err(job)),
            Err(mpsc::TryRecvError::Disconnected) => return Err(job.attempts),
        };
        let n = job.attempt;
        let previous = match self.judge(it, llm, n, answer, &mut job.attempts) {
            Judged::Accepted(c) => {
                return Ok(Ok(Candidate {
                    attempts: job.attempts,
                    ..c
                }))
            }
            Judged::GiveUp => return Err(job.attempts),
            Judged::Retry(r) => r,
        };
        if n >= MAX_ATTEMPTS {
            return Err(job.attempts);
        }
        Ok(Err(self.start_background(
            llm,
            previous.as_ref(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_tokens_follow_the_functions_size_within_bounds() {
        assert_eq!(code_tokens("def f(x: int) -> int:\n    return x\n"), 320);
        // A ten-line function of 420 characters.
        assert_eq!(code_tokens(&"x".repeat(420)), 515);
        assert_eq!(code_tokens(&"x".repeat(100_000)), 2048);
    }

    #[test]
    fn retries_sample_wider_up_to_one() {
        assert_eq!(attempt_temperature(None, 1), None);
        assert_eq!(attempt_temperature(Some(0.2), 1), None);
        assert!((attempt_temperature(None, 2).unwrap() - 0.4).abs() < 1e-6);
        assert!((attempt_temperature(Some(0.2), 3).unwrap() - 0.8).abs() < 1e-6);
        assert_eq!(attempt_temperature(Some(0.9), 3), Some(1.0));
    }
}
