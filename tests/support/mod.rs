//! Helpers shared by the root package's integration tests.

pub mod fake_llm;
pub mod llm_client;
pub mod redis_server;
