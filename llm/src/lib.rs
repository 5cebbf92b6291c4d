//! dana-llm: the LLM providers behind Dana's `reason()`/`llm()` and POET's generator.
//!
//! * [`LlmConfig`] comes from the environment and `dana.toml` (`[llm]`); with nothing
//!   configured the provider is [`Provider::Offline`], which never touches the network.
//! * [`LlmClient`] sends a [`ChatRequest`] to an OpenAI-compatible endpoint (OpenAI, Ollama,
//!   vLLM, a llama.cpp server …) or to Anthropic's messages API, with connect/read timeouts, an
//!   overall deadline and retries (exponential backoff with full jitter, `Retry-After`).
//! * [`Provider::Mock`] answers deterministically without a network (tests, demos).
//!
//! The API key is a [`Secret`]: it never appears in a `Debug`/`Display` text or an error.
//! llm/README.md explains the configuration with examples.

mod client;
mod config;
mod error;
pub mod mock;
mod retry;
pub mod schema;
pub mod secrets;
mod wire;

pub use client::LlmClient;
pub use config::{LlmConfig, Secret};
pub use error::LlmError;
pub use secrets::{redact_secrets, register_secret};

use std::fmt;
use std::time::Duration;

/// Which API a client talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp …).
    OpenAi,
    /// Anthropic's messages API.
    Anthropic,
    /// No LLM: every request fails with [`LlmError::Offline`] (callers use built-in rules).
    Offline,
    /// Deterministic canned answers without a network (see [`mock`]).
    Mock,
}

impl Provider {
    /// Every provider with the name used in configuration.
    pub const ALL: [(Provider, &'static str); 4] = [
        (Provider::OpenAi, "openai"),
        (Provider::Anthropic, "anthropic"),
        (Provider::Offline, "offline"),
        (Provider::Mock, "mock"),
    ];

    /// The configuration name (`"openai"`, `"anthropic"`, `"offline"`, `"mock"`).
    pub fn name(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
            Provider::Offline => "offline",
            Provider::Mock => "mock",
        }
    }

    /// Parses a configuration name (case-insensitive); the error names the valid ones and
    /// the closest match.
    pub fn parse(name: &str) -> Result<Provider, String> {
        let lower = name.trim().to_ascii_lowercase();
        if let Some((p, _)) = Provider::ALL.iter().find(|(_, n)| *n == lower) {
            return Ok(*p);
        }
        let names: Vec<&str> = Provider::ALL.iter().map(|(_, n)| *n).collect();
        let mut msg = format!(
            "unknown LLM provider {name:?}; expected one of {}",
            names.join(", ")
        );
        if let Some(s) = config::did_you_mean(&lower, &names) {
            msg.push_str(&format!(" (did you mean {s:?}?)"));
        }
        msg.push_str(
            "; Ollama, vLLM and llama.cpp servers use \"openai\" with a base URL such as \
             http://127.0.0.1:11434/v1",
        );
        Err(msg)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Provider {
    type Err = LlmError;
    fn from_str(s: &str) -> Result<Provider, LlmError> {
        Provider::parse(s).map_err(LlmError::Config)
    }
}

/// Who wrote a chat message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    /// The role name both APIs use.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One chat message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Message {
        Message {
            role: Role::System,
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> Message {
        Message {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A chat completion request. The `Option` fields override the client's configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub model: Option<String>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
    /// A tighter overall deadline for this request (retries included) than the configured
    /// `timeout`; the smaller of the two applies.
    pub timeout: Option<Duration>,
}

impl ChatRequest {
    /// A request of one user message.
    pub fn user(prompt: impl Into<String>) -> ChatRequest {
        ChatRequest {
            messages: vec![Message::user(prompt)],
            ..ChatRequest::default()
        }
    }

    /// Puts a system message first.
    pub fn with_system(mut self, system: impl Into<String>) -> ChatRequest {
        self.messages.insert(0, Message::system(system));
        self
    }

    /// All message texts, for hashing and marker searches (the mock provider).
    pub(crate) fn full_text(&self) -> String {
        let mut s = String::new();
        for m in &self.messages {
            s.push_str(m.role.as_str());
            s.push_str(":\n");
            s.push_str(&m.content);
            s.push('\n');
        }
        s
    }
}

/// A completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatResponse {
    /// The answer text (never empty).
    pub text: String,
    /// The model that answered (as the provider reports it, else the one requested).
    pub model: String,
    /// HTTP requests made for this answer, retries included (1 for the mock provider).
    pub attempts: u32,
}
