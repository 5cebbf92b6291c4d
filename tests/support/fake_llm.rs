//! A scripted fake LLM server on 127.0.0.1 for tests: OpenAI-compatible
//! `POST /v1/chat/completions` and Anthropic `POST /v1/messages`, answered from a script.
//!
//! It runs on its own thread and tokio runtime, so plain `#[test]`s use it. Other crates'
//! tests include this file with `#[path = "../../tests/support/fake_llm.rs"] mod fake_llm;`
//! (it needs only std, axum, tokio and serde_json).

// Each test binary that includes this file uses only part of it.
#![allow(dead_code)]

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// How long the server waits before answering.
    pub delay: Duration,
}

impl Reply {
    /// 200 with a chat-completions body whose message content is `text`.
    pub fn openai_text(text: &str) -> Reply {
        Reply::json(serde_json::json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": "fake-model",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop"
            }]
        }))
    }

    /// 200 with an Anthropic messages body holding one text block.
    pub fn anthropic_text(text: &str) -> Reply {
        Reply::json(serde_json::json!({
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": "fake-claude",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn"
        }))
    }

    /// `code` with a small JSON error body.
    pub fn status(code: u16) -> Reply {
        Reply {
            status: code,
            ..Reply::json(serde_json::json!({
                "error": {"message": format!("fake error {code}"), "type": "fake"}
            }))
        }
    }

    /// 200 with `body` as it is (not necessarily JSON).
    pub fn raw(body: impl Into<String>) -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// 200 with an OpenAI-compatible stream (server-sent events) whose deltas are `parts`.
    pub fn openai_sse(parts: &[&str]) -> Reply {
        let mut body = String::new();
        for p in parts {
            let chunk = serde_json::json!({
                "object": "chat.completion.chunk",
                "model": "fake-model",
                "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": null}]
            });
            body.push_str(&format!("data: {chunk}\n\n"));
        }
        body.push_str("data: [DONE]\n\n");
        Reply::raw(body).with_header("content-type", "text/event-stream")
    }

    /// 200 with a JSON body.
    pub fn json(body: serde_json::Value) -> Reply {
        Reply::raw(body.to_string()).with_header("content-type", "application/json")
    }

    pub fn with_status(mut self, code: u16) -> Reply {
        self.status = code;
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: serde_json::Value,
    pub raw_body: String,
}

impl RecordedRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    script: Vec<Reply>,
    requests: Mutex<Vec<RecordedRequest>>,
    /// Answer `GET /props` as a llama.cpp server does (else 404).
    llamacpp: bool,
}

/// The running server; dropping it stops it.
pub struct FakeLlm {
    port: u16,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeLlm {
    /// Starts a server that answers the n-th chat request with `script[n]`, repeating the
    /// last reply once the script is used up (an empty script answers 500).
    pub fn start(script: Vec<Reply>) -> FakeLlm {
        FakeLlm::start_with(script, false)
    }

    /// [`FakeLlm::start`] for a server that looks like llama.cpp's to a capability probe
    /// (`GET /props` answers 200).
    pub fn start_llamacpp(script: Vec<Reply>) -> FakeLlm {
        FakeLlm::start_with(script, true)
    }

    fn start_with(script: Vec<Reply>, llamacpp: bool) -> FakeLlm {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let shared = Arc::new(Shared {
            script,
            requests: Mutex::new(Vec::new()),
            llamacpp,
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("fake LLM runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let app = axum::Router::new().fallback(
                    move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                        answer(state.clone(), method, uri, headers, body)
                    },
                );
                let server = tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                });
                // Stop when told to (or when the handle is gone); in-flight slow replies are
                // dropped with the runtime instead of being waited for.
                let _ = stopped.await;
                server.abort();
            });
        });
        FakeLlm {
            port,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// The chat requests received so far, in order (capability probes left out).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.all_requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .collect()
    }

    /// Every request received so far, capability probes (`GET`) included.
    pub fn all_requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// How many chat requests came.
    pub fn request_count(&self) -> usize {
        self.requests().len()
    }
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn answer(
    shared: Arc<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw_body = String::from_utf8_lossy(&body).into_owned();
    let recorded = RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: serde_json::from_str(&raw_body).unwrap_or(serde_json::Value::Null),
        raw_body,
    };
    let known =
        method == Method::POST && matches!(uri.path(), "/v1/chat/completions" | "/v1/messages");
    let index = {
        let mut requests = match shared.requests.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        let chat_requests_before = requests
            .iter()
            .filter(|r| matches!(r.path.as_str(), "/v1/chat/completions" | "/v1/messages"))
            .count();
        requests.push(recorded);
        chat_requests_before
    };
    if shared.llamacpp && method == Method::GET && uri.path() == "/props" {
        return build(
            200,
            &[],
            r#"{"default_generation_settings":{}}"#.to_string(),
        );
    }
    if !known {
        return build(404, &[], r#"{"error":{"message":"not found"}}"#.to_string());
    }
    let reply = shared
        .script
        .get(index)
        .or(shared.script.last())
        .cloned()
        .unwrap_or_else(|| Reply::status(500));
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    build(reply.status, &reply.headers, reply.body)
}

fn build(status: u16, headers: &[(String, String)], body: String) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (n, v) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(n.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().append(n, v);
        }
    }
    resp
}

/// A server that accepts one connection, reads the request, sends the headers of a streamed
/// answer and then nothing: a model that hangs. It notes when the client closes the
/// connection.
pub struct HungServer {
    port: u16,
    closed: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HungServer {
    pub fn start() -> HungServer {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = closed.clone();
        let thread = std::thread::spawn(move || {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            // The request: headers, then as many body bytes as Content-Length says.
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let header_end = loop {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
            };
            let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < header_end + len {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
            );
            let _ = conn.flush();
            // Nothing more; wait (bounded) for the client to hang up.
            let _ = conn.set_read_timeout(Some(Duration::from_secs(60)));
            if matches!(conn.read(&mut chunk), Ok(0) | Err(_)) {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        });
        HungServer {
            port,
            closed,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Waits (at most `limit`) until the client closed the connection; `true` when it did.
    pub fn wait_closed(&mut self, limit: Duration) -> bool {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if self.closed.load(std::sync::atomic::Ordering::SeqCst) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for HungServer {
    fn drop(&mut self) {
        // The thread ends when the client hangs up or its read times out; not joined, so a
        // test that kept the connection does not wait for it.
        self.thread.take();
    }
}
