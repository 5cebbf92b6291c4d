//! A minimal Language Server Protocol client for the tests of `dana lsp`: it spawns the built
//! binary, frames JSON-RPC messages with `Content-Length` headers, and reads the server's
//! messages on a thread, keeping notifications and server requests until a test asks for them.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::Duration;

/// How long a test waits for one message before it fails (a guard against a hung server, not
/// a measure of speed).
const PATIENCE: Duration = Duration::from_secs(120);

pub struct LspClient {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Notifications and server requests not yet asked for, in arrival order.
    pub backlog: Vec<Value>,
    next_id: i64,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl LspClient {
    /// Starts `dana lsp` in `dir` (POET's store found from there).
    pub fn spawn(dir: &Path) -> LspClient {
        LspClient::spawn_with(dir, &[])
    }

    /// [`LspClient::spawn`] with extra environment variables.
    pub fn spawn_with(dir: &Path, envs: &[(&str, &str)]) -> LspClient {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dana"))
            .arg("lsp")
            .current_dir(dir)
            .env_remove("DANA_POET_DIR")
            .env_remove("DANAPATH")
            .env_remove("DANA_LOG")
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dana lsp");
        let stdout = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("the server sent Content-Length")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("the server sent JSON");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        LspClient {
            stdin: child.stdin.take(),
            child,
            incoming: rx,
            backlog: Vec::new(),
            next_id: 1,
            stderr: Some(stderr),
        }
    }

    /// Writes bytes to the server as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to the server");
        stdin.flush().expect("flush");
    }

    pub fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn next(&mut self) -> Value {
        match self.incoming.recv_timeout(PATIENCE) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("the server said nothing more"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(&json!(id))
    }

    /// The response with this id (other messages are kept in the backlog).
    pub fn response(&mut self, id: &Value) -> Value {
        loop {
            let v = self.next();
            if v.get("method").is_none() && v.get("id") == Some(id) {
                return v;
            }
            self.backlog.push(v);
        }
    }

    /// A request's `result`, failing the test on an error response.
    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let r = self.request(method, params);
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The first message (from the backlog, then new ones) with this method that `keep`
    /// accepts; the ones before it stay in the backlog.
    pub fn wait_for(&mut self, method: &str, keep: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self
            .backlog
            .iter()
            .position(|v| v["method"] == method && keep(v))
        {
            return self.backlog.remove(i);
        }
        loop {
            let v = self.next();
            if v["method"] == method && keep(&v) {
                return v;
            }
            self.backlog.push(v);
        }
    }

    /// The diagnostics published for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let n = self.wait_for("textDocument/publishDiagnostics", |v| {
            v["params"]["uri"] == uri && v["params"]["version"] == version
        });
        n["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `initialize` with `root` as the workspace folder, then `initialized`.
    pub fn initialize(&mut self, root: &Path) -> Value {
        let uri = file_uri(root);
        let r = self.result(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "ws"}],
                "capabilities": {},
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    pub fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = file_uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "dana", "version": 1, "text": text}}),
        );
        uri
    }

    /// Closes the server's input and waits for it to end: its exit status and stderr.
    pub fn close(mut self) -> (ExitStatus, String) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait for the server");
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        (status, stderr)
    }

    /// `shutdown`, then `exit`; the exit status and stderr.
    pub fn shutdown(mut self) -> (ExitStatus, String) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null);
        self.close()
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `file:` URI of a path, as an editor sends it.
pub fn file_uri(path: &Path) -> String {
    let mut s = String::from("file://");
    for b in path.to_str().expect("UTF-8 path").bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// A position as LSP counts it: the line and the UTF-16 column of the first occurrence of
/// `needle` in `text` (plus `plus` characters).
pub fn pos(text: &str, needle: &str, plus: usize) -> Value {
    let at = text.find(needle).expect("needle in text");
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let col = text[start..at].encode_utf16().count() + plus;
    json!({"line": line, "character": col})
}
