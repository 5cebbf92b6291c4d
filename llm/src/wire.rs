//! The two wire formats: request bodies and lenient answer parsing.

use crate::chat::{ChatRequest, Role};
use crate::config::Constrained;
use crate::error::LlmError;
use serde_json::{json, Map, Value as J};
use std::collections::HashSet;

/// What one answer body yields.
#[derive(Debug, PartialEq)]
pub(crate) struct Parsed {
    pub text: String,
    pub model: Option<String>,
}

/// What a body carries besides the messages: the settings, the constrained-decoding mode in
/// force and the fields this endpoint refused before (left out from then on).
pub(crate) struct Extras<'a> {
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    /// `max_tokens`, or `max_completion_tokens` for the OpenAI models that refuse the former.
    pub tokens_field: &'a str,
    pub stream: bool,
    /// The resolved mode (never `Auto`).
    pub mode: Constrained,
    pub refused: &'a HashSet<&'static str>,
}

impl Extras<'_> {
    fn allows(&self, field: &str) -> bool {
        !self.refused.contains(field)
    }
}

/// `schema` with an object at the top: any other schema becomes `{"value": schema}` (OpenAI's
/// `response_format` and Anthropic's tools want an object).
pub(crate) fn object_schema(schema: &J) -> J {
    if schema.get("type").and_then(J::as_str) == Some("object") {
        return schema.clone();
    }
    json!({
        "type": "object",
        "properties": {"value": schema},
        "required": ["value"],
        "additionalProperties": false
    })
}

/// The body of an OpenAI-compatible `/chat/completions` request.
pub(crate) fn openai_body(req: &ChatRequest, model: &str, x: &Extras<'_>) -> J {
    let messages: Vec<J> = req
        .messages
        .iter()
        .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
        .collect();
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert("messages".into(), J::Array(messages));
    body.insert(x.tokens_field.into(), json!(x.max_tokens));
    if let Some(t) = x.temperature.filter(|_| x.allows("temperature")) {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(seed) = req.seed.filter(|_| x.allows("seed")) {
        body.insert("seed".into(), json!(seed));
    }
    if !req.stop.is_empty() && x.allows("stop") {
        body.insert("stop".into(), json!(req.stop));
    }
    body.insert("stream".into(), json!(x.stream && x.allows("stream")));
    if let Some(shape) = &req.shape {
        let name = if shape.name.is_empty() {
            "answer"
        } else {
            shape.name.as_str()
        };
        let response_format = |schema: J| json!({"type": "json_schema", "json_schema": {"name": name, "schema": schema}});
        match x.mode {
            Constrained::Grammar => {
                if let Some(g) = shape.grammar.as_ref().filter(|_| x.allows("grammar")) {
                    body.insert("grammar".into(), json!(g));
                } else if let Some(s) = shape
                    .schema
                    .as_ref()
                    .filter(|_| x.allows("response_format"))
                {
                    body.insert("response_format".into(), response_format(s.clone()));
                }
            }
            Constrained::Json => {
                if let Some(s) = shape
                    .schema
                    .as_ref()
                    .filter(|_| x.allows("response_format"))
                {
                    body.insert("response_format".into(), response_format(object_schema(s)));
                }
            }
            Constrained::Ollama => {
                if let Some(s) = shape.schema.as_ref().filter(|_| x.allows("format")) {
                    body.insert("format".into(), s.clone());
                }
            }
            Constrained::Off | Constrained::Auto => {}
        }
    }
    J::Object(body)
}

/// The body of an Anthropic `/messages` request: system messages go to the `system` field; a
/// JSON Schema of the answer becomes the one tool the model must call.
pub(crate) fn anthropic_body(
    req: &ChatRequest,
    model: &str,
    x: &Extras<'_>,
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
    body.insert("max_tokens".into(), json!(x.max_tokens));
    if !system.is_empty() {
        body.insert("system".into(), json!(system.join("\n\n")));
    }
    body.insert("messages".into(), J::Array(messages));
    if let Some(t) = x.temperature.filter(|_| x.allows("temperature")) {
        body.insert("temperature".into(), json!(t));
    }
    if !req.stop.is_empty() && x.allows("stop") {
        body.insert("stop_sequences".into(), json!(req.stop));
    }
    if x.stream && x.allows("stream") {
        body.insert("stream".into(), json!(true));
    }
    let schema = req
        .shape
        .as_ref()
        .and_then(|s| Some((s, s.schema.as_ref()?)));
    if let (Some((shape, schema)), true) = (schema, x.mode != Constrained::Off && x.allows("tools"))
    {
        let name = if shape.name.is_empty() {
            "answer"
        } else {
            shape.name.as_str()
        };
        body.insert(
            "tools".into(),
            json!([{"name": name, "description": "Give the answer.", "input_schema": object_schema(schema)}]),
        );
        body.insert("tool_choice".into(), json!({"type": "tool", "name": name}));
    }
    Ok(J::Object(body))
}

/// The fields a 400 answer may blame, with the words that name each in an error text.
const BLAMEABLE: &[(&str, &[&str])] = &[
    ("grammar", &["grammar"]),
    ("response_format", &["response_format", "json_schema"]),
    ("tools", &["tool_choice", "tools", "tool"]),
    ("format", &["format"]),
    ("seed", &["seed"]),
    ("stop", &["stop_sequences", "stop"]),
    ("stream", &["stream"]),
    ("temperature", &["temperature"]),
];

/// The field of `body` that a 400/422 answer refuses by name (`None` when it names none of
/// them): the request is then sent again without it.
pub(crate) fn refused_field(status: u16, answer: &str, body: &J) -> Option<&'static str> {
    if status != 400 && status != 422 {
        return None;
    }
    let answer = answer.to_ascii_lowercase();
    BLAMEABLE.iter().find_map(|(field, words)| {
        let sent = match *field {
            "tools" => body.get("tools").is_some(),
            "stop" => body.get("stop").is_some() || body.get("stop_sequences").is_some(),
            "stream" => body.get("stream") == Some(&J::Bool(true)),
            f => body.get(f).is_some(),
        };
        (sent && words.iter().any(|w| answer.contains(w))).then_some(*field)
    })
}

/// A streamed answer (server-sent events) read as it comes: the text so far.
#[derive(Default)]
pub(crate) struct SseText {
    pending: Vec<u8>,
    pub text: String,
    pub model: Option<String>,
    /// Whether any `data:` line came (else the server did not stream).
    pub events: bool,
    pub error: Option<String>,
}

impl SseText {
    /// Takes the next bytes; complete lines are parsed, the rest waits for more.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        while let Some(i) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=i).collect();
            let line = String::from_utf8_lossy(&line);
            self.line(line.trim_end_matches(['\r', '\n']));
        }
    }

    fn line(&mut self, line: &str) {
        let Some(data) = line.strip_prefix("data:") else {
            return;
        };
        let data = data.trim();
        self.events = true;
        if data == "[DONE]" || data.is_empty() {
            return;
        }
        let Ok(j) = serde_json::from_str::<J>(data) else {
            return;
        };
        if self.model.is_none() {
            self.model = model_of(&j).or_else(|| j.get("message").and_then(model_of));
        }
        if let Some(e) = embedded_error(&j) {
            self.error.get_or_insert(e);
            return;
        }
        // OpenAI-compatible: choices[0].delta.content (or .text).
        if let Some(choice) = j.get("choices").and_then(|c| c.get(0)) {
            if let Some(t) = choice
                .get("delta")
                .and_then(|d| d.get("content"))
                .and_then(content_text)
                .or_else(|| choice.get("text").and_then(J::as_str).map(str::to_string))
            {
                self.text.push_str(&t);
            }
            return;
        }
        // Anthropic: content_block_delta with a text or a tool input delta.
        if let Some(d) = j.get("delta") {
            if let Some(t) = d
                .get("text")
                .or_else(|| d.get("partial_json"))
                .and_then(J::as_str)
            {
                self.text.push_str(t);
            }
        }
    }

    /// The whole answer once the stream ended (or was cut at a stop).
    pub fn finish(mut self) -> Result<Parsed, LlmError> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.line(String::from_utf8_lossy(&rest).trim_end());
        }
        if let Some(e) = self.error {
            return Err(LlmError::BadResponse(format!(
                "the server reported an error: {e}"
            )));
        }
        if self.text.trim().is_empty() {
            return Err(LlmError::BadResponse("the streamed answer is empty".into()));
        }
        Ok(Parsed {
            text: self.text,
            model: self.model,
        })
    }
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
    let mut text = j.get("content").and_then(content_text).unwrap_or_default();
    if text.trim().is_empty() {
        // A forced tool call: its input is the answer.
        if let Some(input) = j
            .get("content")
            .and_then(J::as_array)
            .and_then(|blocks| {
                blocks
                    .iter()
                    .find(|b| b.get("type").and_then(J::as_str) == Some("tool_use"))
            })
            .and_then(|b| b.get("input"))
        {
            text = input.to_string();
        }
    }
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
    use crate::chat::{AnswerShape, Message};

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

    fn extras<'a>(mode: Constrained, refused: &'a HashSet<&'static str>) -> Extras<'a> {
        Extras {
            max_tokens: 10,
            temperature: Some(0.5),
            tokens_field: "max_tokens",
            stream: true,
            mode,
            refused,
        }
    }

    #[test]
    fn bodies() {
        let none = HashSet::new();
        let req = ChatRequest {
            messages: vec![Message::system("be brief"), Message::user("hi")],
            ..ChatRequest::default()
        };
        let o = openai_body(&req, "m", &extras(Constrained::Off, &none));
        assert_eq!(o["messages"][0]["role"], "system");
        assert_eq!(o["max_tokens"], 10);
        assert_eq!(o["stream"], true);
        assert!(o.get("stop").is_none() && o.get("seed").is_none());
        let x = Extras {
            temperature: None,
            stream: false,
            ..extras(Constrained::Off, &none)
        };
        let a = anthropic_body(&req, "c", &x).unwrap_or_default();
        assert_eq!(a["system"], "be brief");
        assert_eq!(a["messages"].as_array().map(Vec::len), Some(1));
        assert!(a.get("temperature").is_none() && a.get("stream").is_none());
        let only_system = ChatRequest {
            messages: vec![Message::system("x")],
            ..ChatRequest::default()
        };
        assert!(anthropic_body(&only_system, "c", &x).is_err());
    }

    #[test]
    fn constrained_fields_per_mode() {
        let none = HashSet::new();
        let req = ChatRequest {
            messages: vec![Message::user("n?")],
            stop: vec!["\n```\n".into()],
            seed: Some(7),
            shape: Some(AnswerShape {
                name: "n".into(),
                grammar: Some("root ::= [0-9]+".into()),
                schema: Some(json!({"type": "integer"})),
            }),
            ..ChatRequest::default()
        };
        let g = openai_body(&req, "m", &extras(Constrained::Grammar, &none));
        assert_eq!(g["grammar"], "root ::= [0-9]+");
        assert_eq!(
            (g["seed"].as_u64(), g["stop"][0].as_str()),
            (Some(7), Some("\n```\n"))
        );
        assert!(g.get("response_format").is_none());
        let j = openai_body(&req, "m", &extras(Constrained::Json, &none));
        let schema = &j["response_format"]["json_schema"]["schema"];
        assert_eq!(schema["properties"]["value"]["type"], "integer", "{j}");
        assert!(j.get("grammar").is_none());
        let o = openai_body(&req, "m", &extras(Constrained::Ollama, &none));
        assert_eq!(o["format"], json!({"type": "integer"}));
        let off = openai_body(&req, "m", &extras(Constrained::Off, &none));
        assert!(off.get("grammar").is_none() && off.get("format").is_none());
        // A refused grammar falls back to the schema; a refused seed is left out.
        let refused: HashSet<&'static str> = ["grammar", "seed"].into_iter().collect();
        let r = openai_body(&req, "m", &extras(Constrained::Grammar, &refused));
        assert!(r.get("grammar").is_none() && r.get("seed").is_none());
        assert_eq!(
            r["response_format"]["json_schema"]["schema"]["type"],
            "integer"
        );
        let a = anthropic_body(&req, "c", &extras(Constrained::Json, &none)).unwrap_or_default();
        assert_eq!(a["tool_choice"]["name"], "n");
        assert_eq!(a["tools"][0]["input_schema"]["required"][0], "value");
        assert_eq!(a["stop_sequences"][0], "\n```\n");
    }

    #[test]
    fn a_refusal_names_the_field_that_was_sent() {
        let body = json!({"grammar": "x", "stream": true, "seed": 1});
        assert_eq!(
            refused_field(400, "unknown field `grammar`", &body),
            Some("grammar")
        );
        assert_eq!(
            refused_field(400, "seed is not supported", &body),
            Some("seed")
        );
        // Not sent, or not a client error: nothing to drop.
        assert_eq!(
            refused_field(400, "response_format is invalid", &body),
            None
        );
        assert_eq!(refused_field(500, "grammar", &body), None);
        assert_eq!(refused_field(400, "bad request", &body), None);
    }

    #[test]
    fn streamed_answers_are_put_together() {
        let mut s = SseText::default();
        let body = "data: {\"model\":\"m1\",\"choices\":[{\"delta\":{\"content\":\"He\"}}]}\n\n\
                    data: {\"choices\":[{\"delta\":{\"content\":\"llo é\"}}]}\n\ndata: [DONE]\n\n";
        // Split inside a multi-byte character: the line waits for its end.
        let bytes = body.as_bytes();
        let cut = body.find('é').unwrap_or(10) + 1;
        s.feed(&bytes[..cut]);
        s.feed(&bytes[cut..]);
        assert_eq!(
            s.finish(),
            Ok(Parsed {
                text: "Hello é".into(),
                model: Some("m1".into())
            })
        );
        let mut a = SseText::default();
        a.feed(b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-x\"}}\n\n\
                 event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"value\\\": 4\"}}\n\n\
                 data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"2}\"}}\n");
        let p = a.finish();
        assert_eq!(p.as_ref().map(|p| p.text.as_str()), Ok("{\"value\": 42}"));
        let mut e = SseText::default();
        e.feed(b"data: {\"error\":{\"message\":\"context full\"}}\n");
        assert!(matches!(e.finish(), Err(LlmError::BadResponse(m)) if m.contains("context full")));
    }
}
