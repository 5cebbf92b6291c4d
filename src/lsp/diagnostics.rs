//! Diagnostics as the user types: a worker thread checks documents as `dana check` does (the
//! parser's syntax error, the resolver's, the type checker's diagnostics and the `@poet`
//! decorator checks) and publishes them.
//!
//! Each change is sent to the worker with the document's version. The worker waits for
//! [`DEBOUNCE`] of quiet before it checks (a burst of keystrokes is checked once), and a result
//! is published only if its version is still the document's latest ([`Versions`]): a result
//! computed for version N is dropped once N+1 has arrived, so no stale diagnostics reach the
//! editor.

use super::analysis::World;
use super::text::LineIndex;
use super::transport::Outgoing;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use dana_grammar::ast::Span;
use dana_interpreter::check;
use lsp_server::{Message, Notification};
use lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString, PublishDiagnosticsParams, Uri};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the worker waits for the typing to pause before it checks.
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(25);

/// The latest version of each open document (`None` once closed), shared by the message loop
/// (which writes it before sending the job) and the worker (which reads it before publishing).
pub(crate) type Versions = Arc<Mutex<HashMap<String, i32>>>;

/// One document to check.
pub(crate) struct Job {
    pub(crate) uri: Uri,
    pub(crate) path: PathBuf,
    pub(crate) version: i32,
    pub(crate) text: Arc<str>,
}

fn is_latest(versions: &Versions, uri: &Uri, version: i32) -> bool {
    versions
        .lock()
        .map(|v| v.get(uri.as_str()) == Some(&version))
        .unwrap_or(false)
}

/// Starts the worker; it ends when `jobs` is closed.
pub(crate) fn spawn_worker(
    jobs: Receiver<Job>,
    versions: Versions,
    out: Sender<Outgoing>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("lsp-diagnostics".into())
        // The checker recurses over the tree: room for deeply nested programs.
        .stack_size(256 << 20)
        .spawn(move || {
            let world = World::new();
            let mut checker = DocChecker::new(&world);
            while let Ok(first) = jobs.recv() {
                let mut pending: Vec<Job> = vec![first];
                // Debounce: take every job that arrives while the typing goes on.
                let mut open = true;
                loop {
                    match jobs.recv_timeout(DEBOUNCE) {
                        Ok(j) => {
                            pending.retain(|p| p.uri != j.uri);
                            pending.push(j);
                        }
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => {
                            open = false;
                            break;
                        }
                    }
                }
                for job in pending {
                    if !is_latest(&versions, &job.uri, job.version) {
                        continue;
                    }
                    let diagnostics = checker.check(&job.path, &job.text);
                    // Stale: a newer version arrived while this one was checked.
                    if !is_latest(&versions, &job.uri, job.version) {
                        continue;
                    }
                    let params = PublishDiagnosticsParams {
                        uri: job.uri,
                        diagnostics,
                        version: Some(job.version),
                    };
                    let note = Notification::new("textDocument/publishDiagnostics".into(), params);
                    if out
                        .send(Outgoing::Message(Message::Notification(note)))
                        .is_err()
                    {
                        return;
                    }
                }
                if !open {
                    return;
                }
            }
        })
}

/// Checks documents as `dana check` does, with an interpreter kept for the resolver.
pub(crate) struct DocChecker<'w> {
    world: &'w World,
    interp: dana_interpreter::eval::Interp,
}

impl<'w> DocChecker<'w> {
    pub(crate) fn new(world: &'w World) -> DocChecker<'w> {
        DocChecker {
            world,
            interp: crate::runner::new_interp(),
        }
    }

    /// The diagnostics of `text` (the document at `path`), positioned in UTF-16.
    pub(crate) fn check(&mut self, path: &std::path::Path, text: &str) -> Vec<Diagnostic> {
        let lines = LineIndex::new(text);
        let name = path.to_string_lossy().to_string();
        let one = |span: Span, message: String, code: &str, help: Option<String>| {
            vec![to_lsp(
                &lines,
                text,
                span,
                check::Severity::Error,
                code,
                message,
                help,
            )]
        };
        let parsed = match dana_interpreter::load::parse(name.as_str(), text) {
            Ok(p) => p,
            Err(e) => {
                let e = e.error;
                return one(e.span, e.message, "syntax", e.help);
            }
        };
        let globals = self
            .interp
            .new_globals("__main__", Some(parsed.name.clone()));
        if let Err(e) = parsed.resolve(globals) {
            let span = e.location.as_ref().map(|l| l.span).unwrap_or_default();
            return one(span, e.message.clone(), "syntax", e.help.clone());
        }
        let opts = crate::runner::check_options(path, &parsed.module, &self.world.stdlib);
        let mut diags = check::check_module(&parsed.module, &opts);
        diags.extend(crate::runner::poet_decorator_diagnostics(
            &name,
            &parsed.module,
            text,
        ));
        diags
            .into_iter()
            .map(|d| {
                to_lsp(
                    &lines,
                    text,
                    d.span,
                    d.severity,
                    d.code.as_str(),
                    d.message,
                    d.help,
                )
            })
            .collect()
    }
}

/// One diagnostic for the client. A did-you-mean help is kept in `data.suggestion`, which the
/// code actions read back.
fn to_lsp(
    lines: &LineIndex,
    text: &str,
    span: Span,
    severity: check::Severity,
    code: &str,
    message: String,
    help: Option<String>,
) -> Diagnostic {
    let suggestion = help.as_deref().and_then(suggestion_of);
    let message = match &help {
        Some(h) => format!("{message}\nhelp: {h}"),
        None => message,
    };
    Diagnostic {
        range: lines.range(text, span),
        severity: Some(match severity {
            check::Severity::Error => DiagnosticSeverity::ERROR,
            check::Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(code.to_string())),
        source: Some("dana".into()),
        message,
        data: suggestion.map(|s| serde_json::json!({ "suggestion": s })),
        ..Diagnostic::default()
    }
}

/// The name a "did you mean 'x'?" help suggests.
pub(crate) fn suggestion_of(help: &str) -> Option<String> {
    let rest = &help[help.find("did you mean '")? + "did you mean '".len()..];
    let name = &rest[..rest.find('\'')?];
    (!name.is_empty()).then(|| name.to_string())
}
