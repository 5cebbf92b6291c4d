//! The LLM job types shared by generation and the function's state.

use crate::make::domains::DomainTemplate;
use dana_llm::{LlmClient, LlmError};
use std::sync::mpsc;

/// What every LLM generation of one function needs.
pub(crate) struct LlmJob {
    pub client: LlmClient,
    pub model: String,
    pub domain: DomainTemplate,
    /// The offline version: the prompt's baseline.
    pub offline_code: String,
    /// The capabilities granted to the generated code.
    pub capabilities: Vec<String>,
}

/// An LLM request running on a helper thread.
pub(crate) struct BackgroundJob {
    pub rx: mpsc::Receiver<Result<dana_llm::ChatResponse, LlmError>>,
    pub attempt: u32,
    pub attempts: Vec<serde_json::Value>,
}

/// What a background generation needs between polls.
pub(crate) struct Background {
    pub job: BackgroundJob,
    pub llm: LlmJob,
    /// The cache key the LLM version is stored under.
    pub key: String,
}
