//! The LLM client as the client tests build it: a configuration pointed at a fake server, a
//! client, one question, and Dana code run with `reason`/`llm` bound to a configuration.

// Each test binary that includes this file uses only part of it.
#![allow(dead_code)]

use super::fake_llm::FakeLlm;
use dana_llm::{ChatRequest, LlmClient, LlmConfig, LlmError, Provider, Secret};
use std::time::Duration;

/// A configuration for `provider` at the fake server, with `key` and a short backoff.
pub fn config(server: &FakeLlm, provider: Provider, key: Option<&str>) -> LlmConfig {
    LlmConfig {
        provider,
        base_url: Some(server.base_url()),
        api_key: key.map(Secret::new),
        backoff: Duration::from_millis(10),
        ..LlmConfig::default()
    }
}

pub fn client(cfg: LlmConfig) -> LlmClient {
    LlmClient::new(cfg).unwrap_or_else(|e| panic!("client: {e}"))
}

/// One user message, blocking.
pub fn ask(c: &LlmClient, prompt: &str) -> Result<dana_llm::ChatResponse, LlmError> {
    c.complete_blocking(&ChatRequest::user(prompt))
}

/// Runs Dana code with `reason`/`llm` bound to `config`; the output, or the error.
pub fn run_dana(config: LlmConfig, src: &str) -> String {
    use dana_interpreter::eval::{Interp, Output};
    let mut it = Interp::new();
    dana_stdlib::install(&mut it);
    dana_stdlib::llm::install_with(&mut it, config);
    it.set_output(Output::Capture(String::new()));
    let g = it.new_globals("__main__", None);
    match it.run_source("<test>", src, &g) {
        Ok(()) => it.take_output(),
        Err(e) => format!("{}: {}", e.kind, e.message),
    }
}
