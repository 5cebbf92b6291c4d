//! LlmError: everything that can go wrong between a request and its answer.

use std::time::Duration;

/// The error of every operation of this crate. Its texts never contain the API key: the
/// client redacts it from anything that came from the network before building one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum LlmError {
    /// Bad or inconsistent configuration (environment, dana.toml, request).
    #[error("LLM configuration: {0}")]
    #[diagnostic(code(llm::config), help("llm/README.md lists the settings"))]
    Config(String),

    /// The offline provider was asked for an answer.
    #[error("no LLM is configured (the provider is offline)")]
    #[diagnostic(
        code(llm::offline),
        help(
            "set DANA_LLM_PROVIDER (openai, anthropic, mock), DANA_LLM_BASE_URL for an \
             OpenAI-compatible server such as Ollama, or OPENAI_API_KEY / ANTHROPIC_API_KEY; \
             DANA_MOCK_LLM=true gives deterministic answers without a network"
        )
    )]
    Offline,

    /// The request did not get an HTTP answer (connection refused, DNS, TLS, reset …).
    #[error("could not reach the LLM provider: {0}")]
    #[diagnostic(code(llm::network))]
    Network(String),

    /// No answer within the deadline (the overall one, or the read timeout on every attempt).
    #[error("the LLM request timed out after {}", show_duration(*.0))]
    #[diagnostic(
        code(llm::timeout),
        help("raise `timeout` / `read_timeout` in dana.toml [llm] or DANA_LLM_TIMEOUT")
    )]
    Timeout(Duration),

    /// An HTTP error status that retrying did not cure (or that is not worth retrying).
    #[error("the LLM provider answered HTTP {status}: {body}")]
    #[diagnostic(code(llm::http))]
    Http {
        status: u16,
        /// The start of the response body (at most 300 characters, key redacted).
        body: String,
    },

    /// The endpoint answered with a redirect, which LLM requests never follow.
    #[error("the LLM endpoint answered HTTP {status}, a redirect to {target}; LLM requests do not follow redirects")]
    #[diagnostic(
        code(llm::redirect),
        help("set base_url (DANA_LLM_BASE_URL or dana.toml [llm]) to the address the requests should go to")
    )]
    Redirect {
        status: u16,
        /// The origin of the `Location` (scheme, host, port), never its path or query.
        target: String,
    },

    /// HTTP 429 on every attempt.
    #[error("the LLM provider is rate limiting requests (HTTP 429){}", retry_hint(*.retry_after))]
    #[diagnostic(code(llm::rate_limited))]
    RateLimited { retry_after: Option<Duration> },

    /// An answer that is not what the API promises (not JSON, no text, a refusal …).
    #[error("unusable answer from the LLM provider: {0}")]
    #[diagnostic(code(llm::bad_response))]
    BadResponse(String),
}

impl LlmError {
    /// `true` for [`LlmError::Timeout`] (callers map it to their own timeout error).
    pub fn is_timeout(&self) -> bool {
        matches!(self, LlmError::Timeout(_))
    }
}

fn show_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 && s.fract() == 0.0 {
        format!("{s:.0} s")
    } else if s >= 1.0 {
        format!("{s:.1} s")
    } else {
        format!("{} ms", d.as_millis())
    }
}

fn retry_hint(after: Option<Duration>) -> String {
    match after {
        Some(d) => format!("; it asks to retry after {}", show_duration(d)),
        None => String::new(),
    }
}

/// `text` with every occurrence of the key replaced by `***`.
pub(crate) fn redact(text: &str, key: Option<&str>) -> String {
    match key {
        // A very short "key" would blank out ordinary words; real keys are long.
        Some(k) if k.len() >= 4 => text.replace(k, "***"),
        _ => text.to_string(),
    }
}

/// The first `max` characters of `text`, marked when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}
