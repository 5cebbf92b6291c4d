//! Diagnostics as the user types: a worker thread checks documents as `dana check` does (the
//! parser's syntax error, the resolver's, the type checker's diagnostics and the `@poet`
//! decorator checks), publishes them, and keeps the run of the checked version for hover,
//! completion and navigation.
//!
//! Each change is sent to the worker with the document's version and the time it arrived.
//! The worker starts checking at once when it is idle; the changes that arrive while it checks
//! are coalesced (only the latest version of each document is checked next), and a check
//! whose version went stale is abandoned between its phases (after parsing, after resolving
//! and checking). A result is published only if its version is still the document's latest
//! ([`Versions`]) and no sooner than [`SETTLE`] after the version arrived: a burst of
//! keystrokes publishes only its last version, and on a file whose check takes longer than
//! that, the wait costs nothing (it overlaps the check). No stale diagnostics reach the editor.
//!
//! One run serves both the diagnostics and the editor's questions: the type checker records
//! the types it infers (`check::analyse`) on a thread of its own while the resolver runs and
//! then the index of names is built (the resolver is the shorter of the two), and the worker
//! leaves what the run made (the index, the types, the imported modules) in [`Analyses`]; the
//! message loop builds the version's [`Analysis`] from it when a request needs one instead of
//! checking the text again.
//! What a new version replaces (the previous run's tree and types, an old analysis) is freed
//! on a reaper thread, off the path of the next diagnostics and answers.
//!
//! With `DANA_LOG=debug`, each publication logs its phases: time queued, parsing, resolving
//! and checking, and the total from the change's arrival.

use super::analysis::{Analysis, World};
use super::index::Index;
use super::text::LineIndex;
use super::transport::Outgoing;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use dana_grammar::ast::{Module, Span};
use dana_interpreter::check;
use lsp_server::{Message, Notification};
use lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString, PublishDiagnosticsParams, Uri};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a version must stay the latest before its diagnostics are published.
pub(crate) const SETTLE: Duration = Duration::from_millis(25);

/// The stack of the threads that check: the checker and the resolver recurse over the tree,
/// so deeply nested programs need room.
const STACK: usize = 256 << 20;

/// The latest version of each open document (`None` once closed), shared by the message loop
/// (which writes it before sending the job) and the worker (which reads it before publishing).
pub(crate) type Versions = Arc<Mutex<HashMap<String, i32>>>;

/// One document to check.
pub(crate) struct Job {
    pub(crate) uri: Uri,
    pub(crate) path: PathBuf,
    pub(crate) version: i32,
    pub(crate) text: Arc<str>,
    /// When the change arrived.
    pub(crate) at: Instant,
}

/// What the worker made of one version of a document.
pub(crate) enum Ready {
    /// The version parsed: what its analysis is built from.
    Parsed(Box<Parts>),
    /// The version does not parse.
    NoParse,
    /// The check failed (a bug): the message loop analyses the text itself.
    Failed,
}

/// The runs the worker made, the latest of each document until the message loop takes it, and
/// a signal for the message loop waiting for one.
pub(crate) struct Analyses {
    slots: Mutex<HashMap<String, (i32, Ready)>>,
    ready: Condvar,
    /// Where the trees and analyses nobody needs any more go to be freed: freeing a 5,000-line
    /// module's tree and types takes milliseconds, which would otherwise delay the next
    /// diagnostics or answer. `None` if the thread could not be started (they are freed in
    /// place then).
    reaper: Option<Sender<Box<dyn Send>>>,
}

impl Analyses {
    /// Empty, with the thread that frees what [`Analyses::discard`] is given (it ends when the
    /// `Analyses` is dropped).
    pub(crate) fn new() -> Analyses {
        let (tx, rx) = crossbeam_channel::unbounded::<Box<dyn Send>>();
        let reaper = std::thread::Builder::new()
            .name("lsp-reaper".into())
            .spawn(move || {
                for garbage in rx {
                    drop(garbage)
                }
            })
            .ok()
            .map(|_| tx);
        Analyses {
            slots: Mutex::default(),
            ready: Condvar::new(),
            reaper,
        }
    }

    /// Frees `garbage` on the reaper thread, off the path of diagnostics and answers.
    pub(crate) fn discard<T: Send + 'static>(&self, garbage: T) {
        if let Some(tx) = &self.reaper {
            // If the reaper is gone, the value comes back in the error and is freed here.
            let _ = tx.send(Box::new(garbage));
        }
    }

    fn put(&self, uri: &Uri, version: i32, ready: Ready) {
        let old = match self.slots.lock() {
            Ok(mut slots) => slots.insert(uri.as_str().to_string(), (version, ready)),
            Err(_) => None,
        };
        self.ready.notify_all();
        // A run nobody asked for (a version superseded before any request needed it).
        self.discard(old);
    }

    /// Drops what is kept for a closed document.
    pub(crate) fn forget(&self, uri: &str) {
        let old = match self.slots.lock() {
            Ok(mut slots) => slots.remove(uri),
            Err(_) => None,
        };
        self.discard(old);
    }

    /// Takes the worker's result for `version` of `uri`, waiting for it up to `patience` (the
    /// worker checks every latest version, so it comes unless the worker is stuck).
    pub(crate) fn take(&self, uri: &str, version: i32, patience: Duration) -> Option<Ready> {
        let deadline = Instant::now() + patience;
        let mut slots = self.slots.lock().ok()?;
        loop {
            if slots.get(uri).is_some_and(|(v, _)| *v == version) {
                return slots.remove(uri).map(|(_, ready)| ready);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            slots = self.ready.wait_timeout(slots, left).ok()?.0;
        }
    }
}

fn is_latest(versions: &Versions, uri: &Uri, version: i32) -> bool {
    versions
        .lock()
        .map(|v| v.get(uri.as_str()) == Some(&version))
        .unwrap_or(false)
}

/// Keeps only the latest job of each document.
fn coalesce(pending: &mut Vec<Job>, job: Job) {
    pending.retain(|p| p.uri != job.uri);
    pending.push(job);
}

/// Starts the worker; it ends when `jobs` is closed.
pub(crate) fn spawn_worker(
    jobs: Receiver<Job>,
    versions: Versions,
    analyses: Arc<Analyses>,
    out: Sender<Outgoing>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("lsp-diagnostics".into())
        .stack_size(STACK)
        .spawn(move || {
            let world = World::new();
            let mut checker = DocChecker::new(&world);
            let mut pending: Vec<Job> = Vec::new();
            loop {
                if pending.is_empty() {
                    match jobs.recv() {
                        Ok(j) => pending.push(j),
                        Err(_) => return,
                    }
                }
                // Whatever arrived meanwhile: only the latest version of a document is checked.
                loop {
                    match jobs.try_recv() {
                        Ok(j) => coalesce(&mut pending, j),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => return,
                    }
                }
                let job = pending.remove(0);
                let stale = || !is_latest(&versions, &job.uri, job.version);
                if stale() {
                    continue;
                }
                let started = Instant::now();
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    checker.check(&job.path, &job.text, &stale)
                }));
                let run = match run {
                    // Abandoned: a newer version is waiting.
                    Ok(None) => continue,
                    Ok(Some(run)) => run,
                    Err(_) => {
                        analyses.put(&job.uri, job.version, Ready::Failed);
                        checker = DocChecker::new(&world);
                        continue;
                    }
                };
                analyses.discard(run.tree);
                let ready = match run.parsed {
                    Some(p) => Ready::Parsed(Box::new(p)),
                    None => Ready::NoParse,
                };
                analyses.put(&job.uri, job.version, ready);
                let settled = job.at + SETTLE;
                if Instant::now() < settled && !settle(&jobs, &mut pending, &job.uri, settled) {
                    continue;
                }
                // Stale: a newer version arrived while this one was checked.
                if stale() {
                    continue;
                }
                let count = run.diagnostics.len();
                let params = PublishDiagnosticsParams {
                    uri: job.uri.clone(),
                    diagnostics: run.diagnostics,
                    version: Some(job.version),
                };
                let note = Notification::new("textDocument/publishDiagnostics".into(), params);
                if out
                    .send(Outgoing::Message(Message::Notification(note)))
                    .is_err()
                {
                    return;
                }
                let ms = |d: Duration| d.as_secs_f64() * 1e3;
                tracing::debug!(
                    uri = job.uri.as_str(),
                    version = job.version,
                    diagnostics = count,
                    queued_ms = ms(started - job.at),
                    parse_ms = ms(run.parsed_at - started),
                    check_ms = ms(run.checked_at - run.parsed_at),
                    total_ms = ms(job.at.elapsed()),
                    "lsp: diagnostics published"
                );
            }
        })
}

/// Waits until `until` for `job`'s version to settle, queueing the jobs that arrive; `false`
/// when a newer version of the same document arrives (or the server is closing).
fn settle(jobs: &Receiver<Job>, pending: &mut Vec<Job>, uri: &Uri, until: Instant) -> bool {
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match jobs.recv_timeout(left) {
            Ok(j) => {
                let same = j.uri == *uri;
                coalesce(pending, j);
                if same {
                    return false;
                }
            }
            Err(RecvTimeoutError::Timeout) => return true,
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
    true
}

/// One check of a document: its diagnostics for the client, and what the analysis is built
/// from when the text parsed.
pub(crate) struct Run {
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) parsed: Option<Parts>,
    /// The parsed tree, which nothing needs once the run is made (freed on the reaper).
    tree: Option<Module>,
    /// When parsing ended, and when resolving and checking ended (for the debug log).
    parsed_at: Instant,
    checked_at: Instant,
}

/// What the analysis of a parsed version is made of: the index of its names (built while the
/// type checker runs), its line starts, the checker's result (types recorded) and the
/// imported modules.
pub(crate) struct Parts {
    index: Index,
    lines: LineIndex,
    result: check::Analysis,
    modules: HashMap<String, check::ModuleInfo>,
}

impl Parts {
    /// The analysis of the version whose run this is (`text` is its text).
    pub(crate) fn analysis(self, path: &Path, text: &str) -> Analysis {
        Analysis::of_check(
            path,
            text,
            self.lines,
            self.index,
            self.result,
            self.modules,
        )
    }
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

    /// Checks `text` (the document at `path`): its diagnostics positioned in UTF-16, and the
    /// parts of its analysis. `None` when `stale()` turns true between two phases.
    pub(crate) fn check(
        &mut self,
        path: &Path,
        text: &Arc<str>,
        stale: &dyn Fn() -> bool,
    ) -> Option<Run> {
        let lines = LineIndex::new(text);
        let name = path.to_string_lossy().to_string();
        let one = |span: Span, message: String, help: Option<String>| {
            let d = to_lsp(
                &lines,
                text,
                span,
                check::Severity::Error,
                "syntax",
                message,
                help,
            );
            vec![d]
        };
        let parsed = match dana_interpreter::load::parse(name.as_str(), text.clone()) {
            Ok(p) => p,
            Err(e) => {
                let e = e.error;
                let now = Instant::now();
                return Some(Run {
                    diagnostics: one(e.span, e.message, e.help),
                    parsed: None,
                    tree: None,
                    parsed_at: now,
                    checked_at: now,
                });
            }
        };
        let parsed_at = Instant::now();
        if stale() {
            return None;
        }
        let globals = self
            .interp
            .new_globals("__main__", Some(parsed.name.clone()));
        let opts = crate::runner::check_options(path, &parsed.module, &self.world.stdlib);
        // The resolver (on this thread: it needs the interpreter) and the type checker (on a
        // thread of its own: it only reads the tree) at the same time; the resolver takes less
        // time, so this thread builds the index of names for the analysis after it.
        let module = &parsed.module;
        let (resolved, index, result) = std::thread::scope(|s| {
            let checker = std::thread::Builder::new()
                .name("lsp-check".into())
                .stack_size(STACK)
                .spawn_scoped(s, || check::analyse(module, &opts));
            let resolved = parsed.resolve(globals);
            let index = Index::build(module, text.len());
            let result = match checker {
                Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                Err(_) => check::analyse(module, &opts),
            };
            (resolved, index, result)
        });
        let checked_at = Instant::now();
        if stale() {
            return None;
        }
        let mut result = result;
        let diagnostics = match resolved {
            Err(e) => {
                let span = e.location.as_ref().map(|l| l.span).unwrap_or_default();
                one(span, e.message.clone(), e.help.clone())
            }
            Ok(()) => {
                let mut diags = std::mem::take(&mut result.diagnostics);
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
        };
        Some(Run {
            diagnostics,
            parsed_at,
            checked_at,
            parsed: Some(Parts {
                index,
                lines,
                result,
                modules: opts.modules,
            }),
            tree: Some(parsed.module),
        })
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
