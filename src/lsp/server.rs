//! The message loop of `dana lsp`: the lifecycle (initialize, shutdown, exit), the open
//! documents (incremental sync), and the dispatch of each request to the file that answers
//! it. Requests are answered in order on this thread; diagnostics are computed by the worker
//! of `diagnostics.rs`.
//!
//! Protocol errors are answered, never fatal: a request before `initialize` gets
//! `ServerNotInitialized`, an unknown method `MethodNotFound`, bad parameters `InvalidParams`,
//! a request after `shutdown` `InvalidRequest`. The process ends on `exit` (code 0 after a
//! `shutdown`, 1 otherwise) or when the client closes its end (code 1).

use super::analysis::{Analysis, World};
use super::diagnostics::{spawn_worker, Analyses, Job, Ready, Versions};
use super::features::{self, SHOW_ENHANCED};
use super::navigate::{self, Place};
use super::style;
use super::text::{apply_change, path_uri, uri_path, LineIndex};
use super::transport::{Incoming, Outgoing, Transport};
use crossbeam_channel::Sender;
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lt;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::time::Duration;

/// How long a request waits for the diagnostics worker's analysis of the current version
/// before it analyses the text itself (the worker checks every latest version; this only
/// guards against a worker that is stuck).
const PATIENCE: Duration = Duration::from_secs(10);

/// Runs the server on stdin/stdout until `exit` or the end of input; returns the exit code.
pub fn run() -> i32 {
    let transport = match Transport::stdio() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("dana lsp: cannot start: {e}");
            return 1;
        }
    };
    let code = {
        let mut server = match Server::new(transport.outgoing.clone()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("dana lsp: cannot start the diagnostics worker: {e}");
                return 1;
            }
        };
        server.serve(&transport.incoming)
    };
    transport.join();
    code
}

struct Document {
    uri: lt::Uri,
    path: PathBuf,
    text: String,
    version: i32,
    /// The analysis of `version`, once asked for (`None` inside: it does not parse).
    analysis: Option<(i32, Option<Arc<Analysis>>)>,
    /// The latest analysis of a version that parsed.
    last_good: Option<Arc<Analysis>>,
}

#[derive(PartialEq)]
enum State {
    Uninitialized,
    Running,
    ShutDown,
}

struct Server {
    out: Sender<Outgoing>,
    state: State,
    docs: HashMap<String, Document>,
    versions: Versions,
    /// The analyses the diagnostics worker made.
    analyses: Arc<Analyses>,
    jobs: Option<Sender<Job>>,
    worker: Option<std::thread::JoinHandle<()>>,
    world: Option<World>,
    roots: Vec<PathBuf>,
    next_id: i32,
}

/// A request's failure: the JSON-RPC error code and message.
type Failure = (ErrorCode, String);

impl Server {
    fn new(out: Sender<Outgoing>) -> std::io::Result<Server> {
        let versions: Versions = Arc::default();
        let analyses = Arc::new(Analyses::new());
        let (jobs, rx) = crossbeam_channel::unbounded();
        let worker = spawn_worker(rx, versions.clone(), analyses.clone(), out.clone())?;
        Ok(Server {
            out,
            state: State::Uninitialized,
            docs: HashMap::new(),
            versions,
            analyses,
            jobs: Some(jobs),
            worker: Some(worker),
            world: None,
            roots: Vec::new(),
            next_id: 1,
        })
    }

    fn send(&self, m: Message) {
        let _ = self.out.send(Outgoing::Message(m));
    }

    fn serve(&mut self, incoming: &crossbeam_channel::Receiver<Incoming>) -> i32 {
        let code = loop {
            let item = match incoming.recv() {
                Ok(i) => i,
                Err(_) => break 1,
            };
            match item {
                Incoming::Message(Message::Request(req)) => self.on_request(req),
                Incoming::Message(Message::Notification(n)) => {
                    if n.method == "exit" {
                        break if self.state == State::ShutDown { 0 } else { 1 };
                    }
                    self.on_notification(n);
                }
                // Answers to our own requests (window/showDocument): nothing to do.
                Incoming::Message(Message::Response(_)) => {}
                Incoming::Malformed => {}
                Incoming::Closed => break 1,
            }
        };
        // Stop the worker before the writer closes.
        self.jobs = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
        code
    }

    fn on_request(&mut self, req: Request) {
        let id = req.id.clone();
        let result: Result<Value, Failure> = match (&self.state, req.method.as_str()) {
            (State::Uninitialized, "initialize") => self.initialize(req.params),
            (State::Uninitialized, _) => Err((
                ErrorCode::ServerNotInitialized,
                format!("'{}' before 'initialize'", req.method),
            )),
            (State::ShutDown, _) => Err((
                ErrorCode::InvalidRequest,
                format!("'{}' after 'shutdown'", req.method),
            )),
            (State::Running, "initialize") => Err((
                ErrorCode::InvalidRequest,
                "the server is already initialized".into(),
            )),
            (State::Running, "shutdown") => {
                self.state = State::ShutDown;
                Ok(Value::Null)
            }
            (State::Running, method) => {
                let method = method.to_string();
                // A bug in one answer must not take the server down.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.dispatch(&method, req.params)
                }))
                .unwrap_or_else(|_| {
                    Err((
                        ErrorCode::InternalError,
                        format!("internal error while answering '{method}'"),
                    ))
                })
            }
        };
        let response = match result {
            Ok(v) => Response {
                id,
                result: Some(v),
                error: None,
            },
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(Message::Response(response));
    }

    fn initialize(&mut self, params: Value) -> Result<Value, Failure> {
        let params: lt::InitializeParams = parse(params)?;
        for f in params.workspace_folders.iter().flatten() {
            self.roots.extend(uri_path(&f.uri));
        }
        #[allow(deprecated)]
        if self.roots.is_empty() {
            self.roots
                .extend(params.root_uri.as_ref().and_then(uri_path));
        }
        self.world = Some(World::new());
        self.state = State::Running;
        let caps = lt::ServerCapabilities {
            text_document_sync: Some(lt::TextDocumentSyncCapability::Options(
                lt::TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(lt::TextDocumentSyncKind::INCREMENTAL),
                    ..Default::default()
                },
            )),
            hover_provider: Some(lt::HoverProviderCapability::Simple(true)),
            completion_provider: Some(lt::CompletionOptions {
                trigger_characters: Some(vec![".".into()]),
                ..Default::default()
            }),
            signature_help_provider: Some(lt::SignatureHelpOptions {
                trigger_characters: Some(vec!["(".into(), ",".into()]),
                ..Default::default()
            }),
            definition_provider: Some(lt::OneOf::Left(true)),
            references_provider: Some(lt::OneOf::Left(true)),
            document_symbol_provider: Some(lt::OneOf::Left(true)),
            rename_provider: Some(lt::OneOf::Left(true)),
            code_action_provider: Some(lt::CodeActionProviderCapability::Options(
                lt::CodeActionOptions {
                    code_action_kinds: Some(vec![lt::CodeActionKind::QUICKFIX]),
                    ..Default::default()
                },
            )),
            code_lens_provider: Some(lt::CodeLensOptions {
                resolve_provider: Some(false),
            }),
            semantic_tokens_provider: Some(
                lt::SemanticTokensServerCapabilities::SemanticTokensOptions(
                    lt::SemanticTokensOptions {
                        legend: style::legend(),
                        full: Some(lt::SemanticTokensFullOptions::Bool(true)),
                        ..Default::default()
                    },
                ),
            ),
            document_formatting_provider: Some(lt::OneOf::Left(true)),
            execute_command_provider: Some(lt::ExecuteCommandOptions {
                commands: vec![SHOW_ENHANCED.into()],
                ..Default::default()
            }),
            ..Default::default()
        };
        let result = lt::InitializeResult {
            capabilities: caps,
            server_info: Some(lt::ServerInfo {
                name: "dana".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        };
        to_value(result)
    }

    // `WorkspaceEdit::changes` is keyed by `Uri`, whose only inner cell caches a parse of its
    // authority and takes no part in hashing or equality.
    #[allow(clippy::mutable_key_type)]
    fn dispatch(&mut self, method: &str, params: Value) -> Result<Value, Failure> {
        match method {
            "textDocument/hover" => {
                let p: lt::HoverParams = parse(params)?;
                let (a, offset) = self.at(&p.text_document_position_params)?;
                let world = self.world();
                let sources = |p: &Path| self.source(p);
                to_value(a.and_then(|a| features::hover(world, &a, offset, &sources)))
            }
            "textDocument/completion" => {
                let p: lt::CompletionParams = parse(params)?;
                let pos = &p.text_document_position;
                let (text, offset) = self.text_at(pos)?;
                let Some(a) = self.completion_analysis(&pos.text_document.uri, offset) else {
                    return to_value(Vec::<lt::CompletionItem>::new());
                };
                let items = features::completion(self.world(), &a, &text, offset);
                to_value(lt::CompletionResponse::Array(items))
            }
            "textDocument/signatureHelp" => {
                let p: lt::SignatureHelpParams = parse(params)?;
                let pos = &p.text_document_position_params;
                let (text, offset) = self.text_at(pos)?;
                let a = self.completion_analysis(&pos.text_document.uri, offset);
                let world = self.world();
                to_value(a.and_then(|a| features::signature_help(world, &a, &text, offset)))
            }
            "textDocument/definition" => {
                let p: lt::GotoDefinitionParams = parse(params)?;
                let (a, offset) = self.at(&p.text_document_position_params)?;
                let Some(a) = a else {
                    return Ok(Value::Null);
                };
                let places = navigate::definition(&a, offset, &|p| self.source(p));
                to_value(self.locations(&places))
            }
            "textDocument/references" => {
                let p: lt::ReferenceParams = parse(params)?;
                let (a, offset) = self.at(&p.text_document_position)?;
                let Some(a) = a else {
                    return Ok(Value::Null);
                };
                let files = navigate::workspace_files(&self.roots_for(&a.path));
                let places =
                    navigate::references(&a, offset, p.context.include_declaration, &files, &|p| {
                        self.source(p)
                    });
                to_value(self.locations(&places))
            }
            "textDocument/rename" => {
                let p: lt::RenameParams = parse(params)?;
                let (a, offset) = self.at(&p.text_document_position)?;
                let Some(a) = a else {
                    return Err((
                        ErrorCode::RequestFailed,
                        "the file has a syntax error: fix it before renaming".into(),
                    ));
                };
                let files = navigate::workspace_files(&self.roots_for(&a.path));
                let places = navigate::rename(&a, offset, &p.new_name, &files, &|p| self.source(p))
                    .map_err(|e| (ErrorCode::InvalidParams, e))?;
                let mut changes: HashMap<lt::Uri, Vec<lt::TextEdit>> = HashMap::new();
                for l in self.locations(&places) {
                    changes.entry(l.uri).or_default().push(lt::TextEdit {
                        range: l.range,
                        new_text: p.new_name.clone(),
                    });
                }
                to_value(lt::WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                })
            }
            "textDocument/documentSymbol" => {
                let p: lt::DocumentSymbolParams = parse(params)?;
                let a = self.analysis(&p.text_document.uri)?;
                to_value(
                    a.map(|a| lt::DocumentSymbolResponse::Nested(features::document_symbols(&a))),
                )
            }
            "textDocument/codeAction" => {
                let p: lt::CodeActionParams = parse(params)?;
                let doc = self.doc(&p.text_document.uri)?;
                to_value(features::code_actions(
                    &doc.uri,
                    &doc.text,
                    &p.context.diagnostics,
                ))
            }
            "textDocument/codeLens" => {
                let p: lt::CodeLensParams = parse(params)?;
                let a = self.analysis(&p.text_document.uri)?;
                to_value(a.map(|a| features::code_lenses(&a)).unwrap_or_default())
            }
            "textDocument/semanticTokens/full" => {
                let p: lt::SemanticTokensParams = parse(params)?;
                let doc = self.doc(&p.text_document.uri)?;
                to_value(style::tokens(&doc.text))
            }
            "textDocument/formatting" => {
                let p: lt::DocumentFormattingParams = parse(params)?;
                let doc = self.doc(&p.text_document.uri)?;
                to_value(style::format(&doc.path, &doc.text))
            }
            "workspace/executeCommand" => {
                let p: lt::ExecuteCommandParams = parse(params)?;
                self.execute(p)
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("unknown method '{method}'"),
            )),
        }
    }

    /// `dana.showEnhancedVersion URI`: asks the client to show `code.na`.
    fn execute(&mut self, p: lt::ExecuteCommandParams) -> Result<Value, Failure> {
        if p.command != SHOW_ENHANCED {
            return Err((
                ErrorCode::InvalidParams,
                format!("unknown command '{}'", p.command),
            ));
        }
        let Some(uri) = p.arguments.first().and_then(Value::as_str) else {
            return Err((
                ErrorCode::InvalidParams,
                format!("{SHOW_ENHANCED} takes the URI of the version's code.na"),
            ));
        };
        let uri: lt::Uri = uri
            .parse()
            .map_err(|_| (ErrorCode::InvalidParams, format!("'{uri}' is not a URI")))?;
        let params = lt::ShowDocumentParams {
            uri,
            external: None,
            take_focus: Some(true),
            selection: None,
        };
        let id = RequestId::from(self.next_id);
        self.next_id += 1;
        self.send(Message::Request(Request::new(
            id,
            "window/showDocument".into(),
            params,
        )));
        Ok(Value::Null)
    }

    fn on_notification(&mut self, n: Notification) {
        if self.state != State::Running {
            return;
        }
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = serde_json::from_value::<lt::DidOpenTextDocumentParams>(n.params)
                else {
                    return;
                };
                let d = p.text_document;
                let path = uri_path(&d.uri).unwrap_or_else(|| untitled_path(&d.uri));
                let doc = Document {
                    uri: d.uri.clone(),
                    path,
                    text: d.text,
                    version: d.version,
                    analysis: None,
                    last_good: None,
                };
                self.docs.insert(d.uri.as_str().to_string(), doc);
                self.changed(d.uri.as_str());
            }
            "textDocument/didChange" => {
                let Ok(p) = serde_json::from_value::<lt::DidChangeTextDocumentParams>(n.params)
                else {
                    return;
                };
                let key = p.text_document.uri.as_str().to_string();
                let Some(doc) = self.docs.get_mut(&key) else {
                    return;
                };
                for c in &p.content_changes {
                    apply_change(&mut doc.text, c);
                }
                doc.version = p.text_document.version;
                self.analyses.discard(doc.analysis.take());
                self.changed(&key);
            }
            "textDocument/didClose" => {
                let Ok(p) = serde_json::from_value::<lt::DidCloseTextDocumentParams>(n.params)
                else {
                    return;
                };
                let key = p.text_document.uri.as_str();
                self.analyses.discard(self.docs.remove(key));
                if let Ok(mut v) = self.versions.lock() {
                    v.remove(key);
                }
                self.analyses.forget(key);
                let clear = lt::PublishDiagnosticsParams {
                    uri: p.text_document.uri,
                    diagnostics: Vec::new(),
                    version: None,
                };
                self.send(Message::Notification(Notification::new(
                    "textDocument/publishDiagnostics".into(),
                    clear,
                )));
            }
            _ => {}
        }
    }

    /// A document's text changed: record its version and queue a check.
    fn changed(&mut self, key: &str) {
        let Some(doc) = self.docs.get(key) else {
            return;
        };
        if let Ok(mut v) = self.versions.lock() {
            v.insert(key.to_string(), doc.version);
        }
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Job {
                uri: doc.uri.clone(),
                path: doc.path.clone(),
                version: doc.version,
                text: Arc::from(doc.text.as_str()),
                at: std::time::Instant::now(),
            });
        }
    }

    fn world(&self) -> &World {
        self.world.as_ref().expect("set by initialize")
    }

    fn doc(&self, uri: &lt::Uri) -> Result<&Document, Failure> {
        self.docs.get(uri.as_str()).ok_or_else(|| {
            (
                ErrorCode::InvalidParams,
                format!("'{}' is not open", uri.as_str()),
            )
        })
    }

    /// The analysis of the document's current text, else of its latest text that parsed.
    /// It is built from the diagnostics worker's run (each version is parsed and checked
    /// once); only if the worker fails is the text analysed here.
    fn analysis(&mut self, uri: &lt::Uri) -> Result<Option<Arc<Analysis>>, Failure> {
        self.doc(uri)?;
        let world = self.world.as_ref().expect("set by initialize");
        let doc = self.docs.get_mut(uri.as_str()).expect("checked above");
        if !matches!(&doc.analysis, Some((v, _)) if *v == doc.version) {
            let fresh = match self.analyses.take(uri.as_str(), doc.version, PATIENCE) {
                Some(Ready::Parsed(p)) => Some(Arc::new(p.analysis(&doc.path, &doc.text))),
                Some(Ready::NoParse) => None,
                Some(Ready::Failed) | None => {
                    Analysis::new(world, &doc.path, &doc.text).map(Arc::new)
                }
            };
            // The analyses replaced here are freed on the reaper thread, after the answer.
            if let Some(a) = &fresh {
                let old = doc.last_good.replace(a.clone());
                self.analyses.discard(old);
            }
            let old = doc.analysis.replace((doc.version, fresh));
            self.analyses.discard(old);
        }
        Ok(match &doc.analysis {
            Some((_, Some(a))) => Some(a.clone()),
            _ => doc.last_good.clone(),
        })
    }

    /// For completion and signature help while a line is being typed: the current analysis,
    /// else one of the text with the cursor's line replaced by `pass` (the rest of the file
    /// keeps its offsets up to that line), else the latest that parsed.
    fn completion_analysis(&mut self, uri: &lt::Uri, offset: usize) -> Option<Arc<Analysis>> {
        let current = self.analysis(uri).ok()?;
        let doc = self.docs.get(uri.as_str())?;
        if matches!(&doc.analysis, Some((_, Some(_)))) {
            return current;
        }
        let text = &doc.text;
        let start = text[..offset.min(text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        let indent = &line[..line.len() - line.trim_start().len()];
        let repaired = format!("{}{indent}pass{}", &text[..start], &text[end..]);
        Analysis::new(self.world(), &doc.path, &repaired)
            .map(Arc::new)
            .or(current)
    }

    fn text_at(&self, pos: &lt::TextDocumentPositionParams) -> Result<(String, usize), Failure> {
        let doc = self.doc(&pos.text_document.uri)?;
        let offset = LineIndex::new(&doc.text).offset(&doc.text, pos.position);
        Ok((doc.text.clone(), offset))
    }

    /// The analysis of a position's document and the byte offset there (in the analysed
    /// text).
    fn at(
        &mut self,
        pos: &lt::TextDocumentPositionParams,
    ) -> Result<(Option<Arc<Analysis>>, usize), Failure> {
        let a = self.analysis(&pos.text_document.uri)?;
        let offset = match &a {
            Some(a) => a.lines.offset(&a.text, pos.position),
            None => 0,
        };
        Ok((a, offset))
    }

    /// The text of a file: the open document's, else the disk's.
    fn source(&self, path: &Path) -> Option<String> {
        let open = self
            .docs
            .values()
            .find(|d| d.path == path || d.path.canonicalize().ok() == path.canonicalize().ok());
        match open {
            Some(d) => Some(d.text.clone()),
            None => std::fs::read_to_string(path).ok(),
        }
    }

    /// The workspace folders, else the project (or folder) of the document.
    fn roots_for(&self, doc: &Path) -> Vec<PathBuf> {
        if !self.roots.is_empty() {
            return self.roots.clone();
        }
        let folder = doc.parent().unwrap_or(Path::new("."));
        vec![dana_llm::project::find_anchor(folder).unwrap_or_else(|| folder.to_path_buf())]
    }

    fn locations(&self, places: &[Place]) -> Vec<lt::Location> {
        let mut texts: HashMap<&Path, (String, LineIndex)> = HashMap::new();
        let mut out = Vec::new();
        for p in places {
            let (text, lines) = texts.entry(&p.path).or_insert_with(|| {
                let t = self.source(&p.path).unwrap_or_default();
                let l = LineIndex::new(&t);
                (t, l)
            });
            let uri = self
                .docs
                .values()
                .find(|d| d.path == p.path)
                .map(|d| d.uri.clone())
                .or_else(|| path_uri(&p.path));
            if let Some(uri) = uri {
                let loc = lt::Location::new(uri, lines.range(text, p.span));
                if !out.contains(&loc) {
                    out.push(loc);
                }
            }
        }
        out
    }
}

fn untitled_path(uri: &lt::Uri) -> PathBuf {
    let name = uri
        .as_str()
        .rsplit(['/', ':'])
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("untitled.na");
    std::env::current_dir().unwrap_or_default().join(name)
}

fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, Failure> {
    serde_json::from_value(params)
        .map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters: {e}")))
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value, Failure> {
    serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}
