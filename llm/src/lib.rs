//! dana-llm: the LLM providers behind Dana's `reason()`/`llm()` and POET's generator.
//!
//! * [`LlmConfig`] comes from the environment and `dana.toml` (`[llm]`); with nothing
//!   configured the provider is [`Provider::Offline`], which never touches the network.
//! * [`LlmClient`] sends a [`ChatRequest`] to an OpenAI-compatible endpoint (OpenAI, Ollama,
//!   vLLM, a llama.cpp server …) or to Anthropic's messages API, with connect/read timeouts, an
//!   overall deadline and retries (exponential backoff with full jitter, `Retry-After`).
//! * [`Provider::Mock`] answers deterministically without a network (tests, demos).
//!
//! [`progress::with_progress`] is the terminal progress line both show while they wait;
//! [`project`] finds the project folder (`dana.toml`, `.poet`) for every command.
//!
//! The API key is a [`Secret`]: it never appears in a `Debug`/`Display` text or an error.
//! llm/README.md explains the configuration with examples.

mod chat;
mod client;
mod config;
mod error;
pub mod mock;
pub mod progress;
pub mod project;
mod provider;
mod retry;
pub mod schema;
pub mod secrets;
mod suggest;
mod wire;

pub use chat::{AnswerShape, ChatRequest, ChatResponse, Message, Role};
pub use client::LlmClient;
pub use config::{Constrained, LlmConfig, Secret};
pub use error::LlmError;
pub use provider::Provider;
pub use secrets::{redact_secrets, register_secret};
