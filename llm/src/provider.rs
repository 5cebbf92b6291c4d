//! Which API a client talks to: [`Provider`] and its configuration names.

use crate::error::LlmError;
use crate::suggest::did_you_mean;
use std::fmt;

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
        if let Some(s) = did_you_mean(&lower, &names) {
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
