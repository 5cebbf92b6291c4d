//! The chat exchange every provider speaks: messages, the request and the completion.

use std::time::Duration;

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
    /// Where the server stops generating (the text is left out of the answer). With a
    /// streamed answer the client also stops reading there.
    pub stop: Vec<String>,
    /// The sampling seed (OpenAI-compatible servers; a retry sends another one).
    pub seed: Option<u64>,
    /// The answer's shape, for servers that can constrain decoding to it.
    pub shape: Option<AnswerShape>,
    /// What the mock provider answers with (never sent over the network).
    pub mock_answer: Option<String>,
}

/// The shape an answer must have, as the servers that constrain decoding take it
/// (`dana.toml [llm] constrained`): a GBNF grammar (llama.cpp `grammar`), or a JSON Schema
/// (`response_format` on OpenAI-compatible servers, Ollama's `format`, an Anthropic tool's
/// input schema).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnswerShape {
    /// A short name (`[a-zA-Z0-9_-]`) for the schema or the tool.
    pub name: String,
    /// The whole answer as a GBNF grammar.
    pub grammar: Option<String>,
    /// The answer as a JSON Schema. Where the server wants an object at the top (OpenAI,
    /// Anthropic tools), any other schema is wrapped as `{"value": …}`.
    pub schema: Option<serde_json::Value>,
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
