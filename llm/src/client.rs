//! LlmClient: one request with timeouts, retries and lenient parsing.

use crate::chat::{ChatRequest, ChatResponse};
use crate::config::{Constrained, LlmConfig};
use crate::error::LlmError;
use crate::error::{redact, truncate};
use crate::provider::Provider;
use crate::retry::{backoff, parse_retry_after, parse_retry_after_ms};
use crate::{mock, wire};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// Answer bodies beyond this are cut off: no chat answer is this large, and an endless body
/// must not exhaust memory.
const MAX_BODY: usize = 8 << 20;
/// How much of an error body an [`LlmError::Http`] keeps.
const ERROR_BODY_CHARS: usize = 300;

/// A client for the configured provider. Cloning is cheap (the state is shared); it is
/// `Send + Sync`, so one client can serve every thread.
#[derive(Clone)]
pub struct LlmClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: LlmConfig,
    /// Used only on `runtime`, whose pooled connections it keeps alive between calls.
    blocking_http: Option<reqwest::Client>,
    /// Used from the caller's runtime. Without pooling: a pooled connection is served by a
    /// task of the runtime that opened it, which may no longer run when the next call comes.
    async_http: Option<reqwest::Client>,
    runtime: OnceLock<Result<tokio::runtime::Runtime, String>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which tokio refuses inside another runtime; the last
        // clone of a client may well be dropped there.
        if let Some(Ok(rt)) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// What came back from one HTTP request.
struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    /// The `Location` header of a redirect.
    location: Option<String>,
    body: String,
    /// A streamed answer as it was read (asked for, and a success status).
    stream: Option<wire::SseText>,
}

/// Why one HTTP request got no answer.
#[derive(Debug)]
enum SendError {
    Timeout(Duration),
    Network(String),
}

impl LlmClient {
    /// A client for `config`. Fails only on a configuration that cannot work (a key that
    /// cannot be sent in a header, a TLS setup error).
    pub fn new(config: LlmConfig) -> Result<LlmClient, LlmError> {
        let (blocking_http, async_http) = match config.provider {
            Provider::OpenAi | Provider::Anthropic => {
                if let Some(key) = &config.api_key {
                    let ok = reqwest::header::HeaderValue::from_str(key.expose()).is_ok();
                    if !ok || key.expose().trim() != key.expose() {
                        return Err(LlmError::Config(
                            "the API key contains characters that cannot be sent in an HTTP \
                             header (spaces, line breaks or non-ASCII)"
                                .into(),
                        ));
                    }
                }
                if let Some(key) = &config.api_key {
                    crate::secrets::register_secret(key.expose());
                }
                // A password in the base URL is a configured secret too.
                if let Some(pw) = config
                    .base_url
                    .as_deref()
                    .and_then(|u| reqwest::Url::parse(u).ok())
                    .and_then(|u| u.password().map(str::to_string))
                {
                    crate::secrets::register_secret(&pw);
                }
                // reqwest's rustls needs a process-wide crypto provider; an error means one
                // is installed already, which serves as well.
                let _ = rustls::crypto::ring::default_provider().install_default();
                (
                    Some(http_client(&config, true)?),
                    Some(http_client(&config, false)?),
                )
            }
            Provider::Offline | Provider::Mock => (None, None),
        };
        Ok(LlmClient {
            inner: Arc::new(Inner {
                config,
                blocking_http,
                async_http,
                runtime: OnceLock::new(),
            }),
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &LlmConfig {
        &self.inner.config
    }

    /// [`LlmClient::complete`] for synchronous code, on any thread. The client runs its own
    /// current-thread runtime; called from inside another tokio runtime it blocks that
    /// thread while a helper thread does the work (prefer `complete` there).
    pub fn complete_blocking(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let http = match self.without_network(req) {
            Some(answer) => return answer,
            None => self.http(&self.inner.blocking_http)?,
        };
        let rt = match self.inner.runtime.get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        }) {
            Ok(rt) => rt,
            Err(e) => {
                return Err(LlmError::Network(format!(
                    "cannot start the I/O runtime: {e}"
                )))
            }
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                s.spawn(|| rt.block_on(self.over_http(http, req)))
                    .join()
                    .unwrap_or_else(|_| Err(LlmError::Network("the request thread stopped".into())))
            })
        } else {
            rt.block_on(self.over_http(http, req))
        }
    }

    /// Sends `req` and returns the answer text. Needs a tokio runtime with time and I/O
    /// enabled (as reqwest does).
    pub async fn complete(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        match self.without_network(req) {
            Some(answer) => answer,
            None => {
                let http = self.http(&self.inner.async_http)?;
                self.over_http(http, req).await
            }
        }
    }

    /// The answer of the providers that need no network (`None` for the others).
    fn without_network(&self, req: &ChatRequest) -> Option<Result<ChatResponse, LlmError>> {
        if req.messages.is_empty() {
            return Some(Err(LlmError::Config(
                "a chat request needs at least one message".into(),
            )));
        }
        match self.inner.config.provider {
            Provider::Offline => Some(Err(LlmError::Offline)),
            Provider::Mock => Some(mock::answer(req).map(|text| {
                ChatResponse {
                    text,
                    model: req
                        .model
                        .clone()
                        .unwrap_or_else(|| self.inner.config.model_name()),
                    attempts: 1,
                }
            })),
            Provider::OpenAi | Provider::Anthropic => None,
        }
    }

    fn http<'a>(&self, c: &'a Option<reqwest::Client>) -> Result<&'a reqwest::Client, LlmError> {
        c.as_ref()
            .ok_or_else(|| LlmError::Config("no HTTP client for this provider".into()))
    }

    fn key(&self) -> Option<&str> {
        self.inner.config.api_key.as_ref().map(|k| k.expose())
    }

    /// The request loop: attempts, retries with backoff, the overall deadline.
    async fn over_http(
        &self,
        http: &reqwest::Client,
        req: &ChatRequest,
    ) -> Result<ChatResponse, LlmError> {
        let cfg = &self.inner.config;
        let provider = cfg.provider;
        let overall = req.timeout.map_or(cfg.timeout, |t| t.min(cfg.timeout));
        let deadline = Instant::now() + overall;
        let url = cfg
            .endpoint()
            .ok_or_else(|| LlmError::Config(format!("{provider} has no endpoint")))?;
        let model = req.model.clone().unwrap_or_else(|| cfg.model_name());
        let max_tokens = req.max_tokens.unwrap_or(cfg.max_tokens);
        let temperature = req.temperature.or(cfg.temperature);
        let mode = match (cfg.constrained, req.shape.is_some()) {
            (_, false) => Constrained::Off,
            (Constrained::Auto, true) => self.probe(http, &url).await,
            (m, true) => m,
        };
        let mut tokens_field = "max_tokens";
        let mut attempts = 0u32;
        let mut retries = 0u32;
        loop {
            let refused = refused_fields(&url);
            let extras = wire::Extras {
                max_tokens,
                temperature,
                tokens_field,
                stream: cfg.stream,
                mode,
                refused: &refused,
            };
            let body = match provider {
                Provider::Anthropic => wire::anthropic_body(req, &model, &extras)?,
                _ => wire::openai_body(req, &model, &extras),
            };
            let streamed = body.get("stream") == Some(&serde_json::Value::Bool(true));
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(LlmError::Timeout(overall));
            }
            attempts += 1;
            tracing::trace!(provider = %provider, body = %self.scrub(&body.to_string()), "llm: request body");
            let started = Instant::now();
            // On the deadline the request future is dropped, which closes the connection: a
            // streaming server then stops generating.
            let sent =
                tokio::time::timeout(remaining, self.send(http, &url, &body, streamed, &req.stop))
                    .await;
            match &sent {
                Ok(Ok(a)) => {
                    tracing::debug!(provider = %provider, model = %model, status = a.status, duration_ms = started.elapsed().as_millis() as u64, tokens = %usage(&a.body), attempt = attempts, "llm: request")
                }
                Ok(Err(e)) => {
                    tracing::debug!(provider = %provider, model = %model, error = ?e, duration_ms = started.elapsed().as_millis() as u64, attempt = attempts, "llm: request failed")
                }
                Err(_) => {
                    tracing::debug!(provider = %provider, model = %model, duration_ms = started.elapsed().as_millis() as u64, attempt = attempts, "llm: request timed out")
                }
            }
            let (failure, wait) = match sent {
                Err(_) => {
                    // The request was dropped; its connection's task must run once more to
                    // see that and close the socket (on a current-thread runtime it runs
                    // only inside this call).
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    return Err(LlmError::Timeout(overall));
                }
                Ok(Ok(a)) if (200..300).contains(&a.status) => {
                    let parsed = match (a.stream, provider) {
                        (Some(sse), _) if sse.events => sse.finish(),
                        (_, Provider::Anthropic) => wire::parse_anthropic(&a.body),
                        _ => wire::parse_openai(&a.body),
                    };
                    // An endpoint may echo the key back inside its answer; it never goes further.
                    return parsed.map_err(|e| self.redacted(e)).map(|p| ChatResponse {
                        text: self.scrub(&p.text),
                        model: self.scrub(&p.model.unwrap_or(model)),
                        attempts,
                    });
                }
                Ok(Ok(a)) if (300..400).contains(&a.status) => {
                    // Following a redirect would post the prompt (and, cross-origin, perhaps
                    // the key) to a server nobody configured.
                    return Err(LlmError::Redirect {
                        status: a.status,
                        target: a.location.as_deref().map_or_else(
                            || "an unnamed location".to_string(),
                            |l| origin_of(&url, l),
                        ),
                    });
                }
                Ok(Ok(a))
                    if provider == Provider::OpenAi
                        && tokens_field == "max_tokens"
                        && wire::wants_max_completion_tokens(a.status, &a.body) =>
                {
                    // Newer OpenAI models refuse `max_tokens`; the same request with the new
                    // name is not a retry.
                    tokens_field = "max_completion_tokens";
                    continue;
                }
                Ok(Ok(a)) if wire::refused_field(a.status, &a.body, &body).is_some() => {
                    // The server does not take a field (a grammar, a schema, a seed …): the
                    // same request without it, and this endpoint never gets it again in this
                    // process. Not a retry.
                    if let Some(field) = wire::refused_field(a.status, &a.body, &body) {
                        refuse_field(&url, field);
                    }
                    continue;
                }
                Ok(Ok(a)) if a.status == 429 => (
                    LlmError::RateLimited {
                        retry_after: a.retry_after,
                    },
                    a.retry_after,
                ),
                Ok(Ok(a)) if a.status >= 500 => (self.http_error(&a), a.retry_after),
                Ok(Ok(a)) => return Err(self.http_error(&a)),
                Ok(Err(SendError::Timeout(d))) => (LlmError::Timeout(d), None),
                Ok(Err(SendError::Network(m))) => (LlmError::Network(m), None),
            };
            if retries >= cfg.max_retries {
                return Err(failure);
            }
            let wait = wait.unwrap_or_else(|| backoff(cfg.backoff, retries));
            // A wait that would pass the deadline is not started: the error now says more
            // than a timeout later would.
            if wait >= deadline.saturating_duration_since(Instant::now()) {
                return Err(failure);
            }
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    /// One HTTP request: status, `Retry-After`, body.
    async fn send(
        &self,
        http: &reqwest::Client,
        url: &str,
        body: &serde_json::Value,
        streamed: bool,
        stop: &[String],
    ) -> Result<Answer, SendError> {
        let mut rb = http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        match self.inner.config.provider {
            Provider::Anthropic => {
                if let Some(k) = self.key() {
                    let mut v = reqwest::header::HeaderValue::from_str(k).map_err(|_| {
                        SendError::Network("the API key is not a valid header".into())
                    })?;
                    v.set_sensitive(true);
                    rb = rb.header("x-api-key", v);
                }
                rb = rb.header("anthropic-version", "2023-06-01");
            }
            _ => {
                if let Some(k) = self.key() {
                    rb = rb.bearer_auth(k);
                }
            }
        }
        let mut resp = rb.send().await.map_err(|e| self.send_error(&e))?;
        let status = resp.status().as_u16();
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok());
        let retry_after = header("retry-after-ms")
            .and_then(parse_retry_after_ms)
            .or_else(|| {
                header("retry-after").and_then(|v| parse_retry_after(v, SystemTime::now()))
            });
        let location = header("location").map(str::to_string);
        let mut stream = (streamed && (200..300).contains(&status)).then(wire::SseText::default);
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.send_error(&e))? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_BODY {
                bytes.truncate(MAX_BODY);
                break;
            }
            if let Some(sse) = &mut stream {
                sse.feed(&chunk);
                // A stop reached: the rest is not wanted, and dropping the response closes
                // the connection, which ends the server's work too.
                if let Some(at) = stop.iter().filter_map(|s| sse.text.find(s.as_str())).min() {
                    sse.text.truncate(at);
                    break;
                }
            }
        }
        Ok(Answer {
            status,
            retry_after,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            stream,
        })
    }

    /// The constrained-decoding mode `auto` stands for at `url`, found once per process: a
    /// llama.cpp server (its `/props`, or a model list that names it) takes `grammar`, an
    /// Ollama server (`/api/version`) `format`, OpenAI `response_format`, Anthropic a tool.
    async fn probe(&self, http: &reqwest::Client, url: &str) -> Constrained {
        let cfg = &self.inner.config;
        if cfg.provider == Provider::Anthropic {
            return Constrained::Json;
        }
        if let Some(m) = probed(url) {
            return m;
        }
        let base = cfg
            .base_url
            .as_deref()
            .unwrap_or("https://api.openai.com/v1");
        let base = base.trim_end_matches('/');
        let origin = reqwest::Url::parse(base)
            .map(|u| origin_of(base, u.as_str()))
            .unwrap_or_default();
        let get = |target: String| async move {
            let r = tokio::time::timeout(PROBE_TIMEOUT, async {
                let resp = http.get(&target).send().await.ok()?;
                let ok = resp.status().is_success();
                let text = resp.text().await.ok()?;
                ok.then_some(text)
            })
            .await;
            r.ok().flatten()
        };
        let mode = if origin.contains("api.openai.com") {
            Constrained::Json
        } else if get(format!("{origin}/props")).await.is_some()
            || get(format!("{base}/models")).await.is_some_and(|t| {
                t.contains("llamacpp")
                    || t.contains("llama-cpp")
                    || t.contains("\"owned_by\":\"me\"")
            })
        {
            Constrained::Grammar
        } else if get(format!("{origin}/api/version")).await.is_some() {
            Constrained::Ollama
        } else {
            Constrained::Off
        };
        set_probed(url, mode);
        mode
    }

    fn send_error(&self, e: &reqwest::Error) -> SendError {
        let cfg = &self.inner.config;
        if e.is_timeout() {
            return SendError::Timeout(if e.is_connect() {
                cfg.connect_timeout
            } else {
                cfg.read_timeout
            });
        }
        // reqwest's own text is terse ("error sending request"); the causes say what failed.
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !msg.contains(&text) {
                msg.push_str(": ");
                msg.push_str(&text);
            }
            source = cause.source();
        }
        SendError::Network(redact(&msg, self.key()))
    }

    fn http_error(&self, a: &Answer) -> LlmError {
        LlmError::Http {
            status: a.status,
            body: truncate(redact(a.body.trim(), self.key()).as_str(), ERROR_BODY_CHARS),
        }
    }

    /// `text` without the key or any other registered secret.
    fn scrub(&self, text: &str) -> String {
        crate::secrets::redact_secrets(&redact(text, self.key())).into_owned()
    }

    /// `e` with the key removed from its text (parse errors quote the body).
    fn redacted(&self, e: LlmError) -> LlmError {
        match e {
            LlmError::BadResponse(m) => LlmError::BadResponse(redact(&m, self.key())),
            other => other,
        }
    }
}

/// How long one capability probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What `constrained = "auto"` found per endpoint, in this process.
static PROBED: Mutex<Option<HashMap<String, Constrained>>> = Mutex::new(None);
/// The request fields each endpoint refused, in this process.
static REFUSED: Mutex<Option<HashMap<String, HashSet<&'static str>>>> = Mutex::new(None);

/// What `auto` was found to mean at `url`, if it was probed already.
fn probed(url: &str) -> Option<Constrained> {
    let g = PROBED.lock().unwrap_or_else(|p| p.into_inner());
    g.as_ref().and_then(|m| m.get(url)).copied()
}

fn set_probed(url: &str, mode: Constrained) {
    let mut g = PROBED.lock().unwrap_or_else(|p| p.into_inner());
    g.get_or_insert_with(HashMap::new)
        .insert(url.to_string(), mode);
}

/// The fields `url` refused so far.
fn refused_fields(url: &str) -> HashSet<&'static str> {
    let g = REFUSED.lock().unwrap_or_else(|p| p.into_inner());
    g.as_ref()
        .and_then(|m| m.get(url))
        .cloned()
        .unwrap_or_default()
}

fn refuse_field(url: &str, field: &'static str) {
    let mut g = REFUSED.lock().unwrap_or_else(|p| p.into_inner());
    g.get_or_insert_with(HashMap::new)
        .entry(url.to_string())
        .or_default()
        .insert(field);
}

/// The origin (`scheme://host[:port]`) of a redirect's `Location`, resolved against the
/// request's URL; user names, passwords, paths and queries are left out (they may hold
/// tokens).
fn origin_of(base: &str, location: &str) -> String {
    match reqwest::Url::parse(base).and_then(|b| b.join(location)) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("");
            match u.port() {
                Some(p) => format!("{}://{host}:{p}", u.scheme()),
                None => format!("{}://{host}", u.scheme()),
            }
        }
        Err(_) => "an unreadable location".to_string(),
    }
}

fn http_client(config: &LlmConfig, pooled: bool) -> Result<reqwest::Client, LlmError> {
    let mut b = reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.read_timeout)
        .user_agent(concat!("dana-llm/", env!("CARGO_PKG_VERSION")))
        // A redirect is an error (see `over_http`): never re-post a prompt elsewhere.
        .redirect(reqwest::redirect::Policy::none());
    if !pooled {
        b = b.pool_max_idle_per_host(0);
    }
    b.build()
        .map_err(|e| LlmError::Config(format!("cannot set up the HTTP client: {e}")))
}

/// The token counts an answer reports, for the request log: `in=N out=M` (OpenAI's
/// `prompt_tokens`/`completion_tokens`, Anthropic's `input_tokens`/`output_tokens`), `-` when
/// absent.
fn usage(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let u = &v["usage"];
    let n = |a: &str, b: &str| u[a].as_u64().or_else(|| u[b].as_u64());
    match (
        n("prompt_tokens", "input_tokens"),
        n("completion_tokens", "output_tokens"),
    ) {
        (None, None) => "-".into(),
        (i, o) => format!(
            "in={} out={}",
            i.map_or("-".into(), |x| x.to_string()),
            o.map_or("-".into(), |x| x.to_string())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        assert_send_sync::<LlmClient>();
        let c = LlmClient::new(LlmConfig::default());
        assert!(matches!(&c, Ok(a) if Arc::ptr_eq(&a.inner, &a.clone().inner)));
    }

    #[test]
    fn offline_fails_at_once_and_mock_answers() {
        let offline = LlmClient::new(LlmConfig::default());
        let req = ChatRequest::user("hi");
        assert_eq!(
            offline.map(|c| c.complete_blocking(&req)).ok(),
            Some(Err(LlmError::Offline))
        );
        let mock = LlmClient::new(LlmConfig {
            provider: Provider::Mock,
            ..LlmConfig::default()
        });
        let a = mock.as_ref().map(|c| c.complete_blocking(&req));
        let b = mock.as_ref().map(|c| c.complete_blocking(&req));
        assert!(matches!(&a, Ok(Ok(r)) if r.model == "mock" && r.attempts == 1));
        assert_eq!(a.ok(), b.ok());
    }

    #[test]
    fn empty_requests_and_bad_keys_are_config_errors() {
        let mock = LlmClient::new(LlmConfig {
            provider: Provider::Mock,
            ..LlmConfig::default()
        });
        let r = mock.map(|c| c.complete_blocking(&ChatRequest::default()));
        assert!(matches!(r, Ok(Err(LlmError::Config(_)))));
        let bad = LlmClient::new(LlmConfig {
            provider: Provider::OpenAi,
            api_key: Some(Secret::new("sk-line\nbreak")),
            ..LlmConfig::default()
        });
        assert!(
            matches!(&bad, Err(e @ LlmError::Config(_)) if !e.to_string().contains("sk-line")),
            "a key with a line break must be refused"
        );
    }

    #[test]
    fn unreachable_server_is_a_network_error() {
        // Port 9 on the loopback (discard) is closed on any test machine; nothing leaves it.
        let c = LlmClient::new(LlmConfig {
            provider: Provider::OpenAi,
            base_url: Some("http://127.0.0.1:9/v1".into()),
            max_retries: 1,
            backoff: Duration::from_millis(1),
            ..LlmConfig::default()
        });
        let r = c.map(|c| c.complete_blocking(&ChatRequest::user("hi")));
        assert!(
            matches!(&r, Ok(Err(LlmError::Network(m))) if m.contains("127.0.0.1")),
            "{r:?}"
        );
    }
}
