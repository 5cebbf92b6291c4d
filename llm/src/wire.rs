//! The two wire formats: request bodies and lenient answer parsing.

use crate::chat::{ChatRequest, Role};
use crate::error::LlmError;
use serde_json::{json, Map, Value as J};

/// What one answer body yields.
#[derive(Debug, PartialEq)]
pub(crate) struct Parsed {
    pub text: String,
    pub model: Option<String>,
}

/// The body of an OpenAI-compatible `/chat/completions` request. `completion_tokens_field`
/// is `max_tokens`, or `max_completion_tokens` for the OpenAI models that refuse the former.
pub(crate) fn openai_body(
    req: &ChatRequest,
    model: &str,
    max_tokens: u32,
    temperature: Option<f32>,
    completion_tokens_field: &str,
) -> J {
    let messages: Vec<J> = req
        .messages
        .iter()
        .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
        .collect();
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert("messages".into(), J::Array(messages));
    body.insert(completion_tokens_field.into(), json!(max_tokens));
    if let Some(t) = temperature {
        body.insert("temperature".into(), json!(t));
    }
    body.insert("stream".into(), json!(false));
    J::Object(body)
}

/// The body of an Anthropic `/messages` request: system messages go to the `system` field.
pub(crate) fn anthropic_body(
    req: &ChatRequest,
    model: &str,
    max_tokens: u32,
    temperature: Option<f32>,
) -> Result<J, LlmError> {
    let system: Vec<&str> = req
        .messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(|m| m.content.as_str())
        .collect();
    let messages: Vec<J> = req
        .messages
        .iter()
        .filter(|m| m.role != Role::System)
        .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
        .collect();
    if messages.is_empty() {
        return Err(LlmError::Config(
            "an Anthropic request needs at least one user message".into(),
        ));
    }
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert("max_tokens".into(), json!(max_tokens));
    if !system.is_empty() {
        body.insert("system".into(), json!(system.join("\n\n")));
    }
    body.insert("messages".into(), J::Array(messages));
    if let Some(t) = temperature {
        body.insert("temperature".into(), json!(t));
    }
    Ok(J::Object(body))
}

fn parse_json(body: &str) -> Result<J, LlmError> {
    serde_json::from_str(body).map_err(|_| {
        LlmError::BadResponse(format!(
            "the answer is not JSON: {}",
            crate::error::truncate(body.trim(), 200)
        ))
    })
}

/// An `{"error": {"message": …}}` object some servers send with a success status.
fn embedded_error(j: &J) -> Option<String> {
    let e = j.get("error")?;
    if e.is_null() {
        return None;
    }
    Some(
        e.get("message")
            .and_then(J::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| e.to_string()),
    )
}

/// Text content that is a string or an array of parts (`[{"type": "text", "text": …}]`).
fn content_text(c: &J) -> Option<String> {
    match c {
        J::String(s) => Some(s.clone()),
        J::Array(parts) => {
            let text: String = parts
                .iter()
                .filter_map(|p| match p {
                    J::String(s) => Some(s.as_str()),
                    J::Object(_) => {
                        let kind = p.get("type").and_then(J::as_str).unwrap_or("text");
                        if kind == "text" || kind == "output_text" {
                            p.get("text").and_then(J::as_str)
                        } else {
                            None
                        }
                    }
                    _ => None,
                })
                .collect();
            Some(text)
        }
        _ => None,
    }
}

fn model_of(j: &J) -> Option<String> {
    j.get("model")
        .and_then(J::as_str)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
}

/// Parses a chat-completions answer: `choices[0].message.content` (a string or parts), else
/// `choices[0].text` (completion-style servers).
pub(crate) fn parse_openai(body: &str) -> Result<Parsed, LlmError> {
    let j = parse_json(body)?;
    if let Some(e) = embedded_error(&j) {
        return Err(LlmError::BadResponse(format!(
            "the server reported an error: {e}"
        )));
    }
    let choice = j
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or_else(|| LlmError::BadResponse("the answer has no choices".into()))?;
    let message = choice.get("message");
    let mut text = message
        .and_then(|m| m.get("content"))
        .and_then(content_text)
        .unwrap_or_default();
    if text.trim().is_empty() {
        if let Some(t) = choice.get("text").and_then(J::as_str) {
            text = t.to_string();
        }
    }
    if text.trim().is_empty() {
        if let Some(r) = message.and_then(|m| m.get("refusal")).and_then(J::as_str) {
            return Err(LlmError::BadResponse(format!("the model refused: {r}")));
        }
        return Err(empty_answer(choice, "finish_reason"));
    }
    Ok(Parsed {
        text,
        model: model_of(&j),
    })
}

/// "the answer is empty", with the reason the server gave under `key` when there is one.
fn empty_answer(obj: &J, key: &str) -> LlmError {
    let reason = obj
        .get(key)
        .and_then(J::as_str)
        .map(|r| format!(" ({key}: {r})"))
        .unwrap_or_default();
    LlmError::BadResponse(format!("the answer is empty{reason}"))
}

/// Parses an Anthropic messages answer: the text blocks of `content`, concatenated.
pub(crate) fn parse_anthropic(body: &str) -> Result<Parsed, LlmError> {
    let j = parse_json(body)?;
    if j.get("type").and_then(J::as_str) == Some("error") {
        let e = embedded_error(&j).unwrap_or_else(|| "unknown error".into());
        return Err(LlmError::BadResponse(format!(
            "the server reported an error: {e}"
        )));
    }
    let text = j.get("content").and_then(content_text).unwrap_or_default();
    if text.trim().is_empty() {
        return Err(empty_answer(&j, "stop_reason"));
    }
    Ok(Parsed {
        text,
        model: model_of(&j),
    })
}

/// `true` when a 400 answer says the model wants `max_completion_tokens` instead of
/// `max_tokens` (newer OpenAI models).
pub(crate) fn wants_max_completion_tokens(status: u16, body: &str) -> bool {
    status == 400 && body.contains("max_completion_tokens")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Message;

    fn text(r: Result<Parsed, LlmError>) -> String {
        match r {
            Ok(p) => p.text,
            Err(e) => format!("ERR {e}"),
        }
    }

    #[test]
    fn openai_content_variants() {
        let ok = r#"{"model":"m1","choices":[{"message":{"role":"assistant","content":"hi"}}]}"#;
        assert_eq!(
            parse_openai(ok),
            Ok(Parsed {
                text: "hi".into(),
                model: Some("m1".into())
            })
        );
        let parts = r#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"image_url"},{"type":"text","text":"b"}]}}]}"#;
        assert_eq!(text(parse_openai(parts)), "ab");
        let fallback = r#"{"choices":[{"message":{"content":null},"text":"legacy"}]}"#;
        assert_eq!(text(parse_openai(fallback)), "legacy");
        let completion = r#"{"choices":[{"text":"plain"}]}"#;
        assert_eq!(text(parse_openai(completion)), "plain");
        let no_model = parse_openai(r#"{"choices":[{"message":{"content":"x"}}]}"#);
        assert_eq!(no_model.map(|p| p.model), Ok(None));
    }

    #[test]
    fn openai_unusable_answers() {
        for (body, want) in [
            ("not json", "not JSON"),
            ("{}", "no choices"),
            (r#"{"choices":[]}"#, "no choices"),
            (r#"{"choices":[{"message":{"content":""}}]}"#, "empty"),
            (
                r#"{"choices":[{"message":{}, "finish_reason":"length"}]}"#,
                "length",
            ),
            (
                r#"{"choices":[{"message":{"content":null,"refusal":"no"}}]}"#,
                "refused",
            ),
            (
                r#"{"error":{"message":"model not loaded"}}"#,
                "model not loaded",
            ),
        ] {
            let got = text(parse_openai(body));
            assert!(
                got.starts_with("ERR") && got.contains(want),
                "{body}: {got}"
            );
        }
    }

    #[test]
    fn anthropic_blocks() {
        let body = r#"{"model":"claude-x","content":[{"type":"thinking","thinking":"hmm"},{"type":"text","text":"one "},{"type":"text","text":"two"}]}"#;
        assert_eq!(
            parse_anthropic(body),
            Ok(Parsed {
                text: "one two".into(),
                model: Some("claude-x".into())
            })
        );
        assert!(text(parse_anthropic(r#"{"content":[]}"#)).contains("empty"));
        assert!(text(parse_anthropic(
            r#"{"type":"error","error":{"message":"overloaded"}}"#
        ))
        .contains("overloaded"));
    }

    #[test]
    fn bodies() {
        let req = ChatRequest {
            messages: vec![Message::system("be brief"), Message::user("hi")],
            ..ChatRequest::default()
        };
        let o = openai_body(&req, "m", 10, Some(0.5), "max_tokens");
        assert_eq!(o["messages"][0]["role"], "system");
        assert_eq!(o["max_tokens"], 10);
        let a = anthropic_body(&req, "c", 20, None).unwrap_or_default();
        assert_eq!(a["system"], "be brief");
        assert_eq!(a["messages"].as_array().map(Vec::len), Some(1));
        assert!(a.get("temperature").is_none());
        let only_system = ChatRequest {
            messages: vec![Message::system("x")],
            ..ChatRequest::default()
        };
        assert!(anthropic_body(&only_system, "c", 1, None).is_err());
    }
}
