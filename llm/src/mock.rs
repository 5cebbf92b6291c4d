//! The mock provider: deterministic answers without a network, for tests and demos.
//!
//! * A prompt with a [`crate::schema`] line gets a JSON value of that schema, derived from a
//!   hash of the whole conversation (the same prompt always gets the same value).
//! * A request that carries its own mock answer ([`ChatRequest::mock_answer`]: POET puts the
//!   offline version's `operate` there) gets it.
//! * A POET generation prompt (a [`POET_REQUEST_MARKER`] line) gets the code between
//!   [`OFFLINE_CODE_BEGIN`] and [`OFFLINE_CODE_END`] in a ```` ```dana ```` fence: the poet
//!   crate puts its offline version there, so the mock "generates" code that is valid.
//! * Anything else gets a short sentence naming the prompt's hash.

use crate::chat::ChatRequest;
use crate::error::LlmError;
use serde_json::{Map, Value as J};

/// The line that marks a POET generation prompt.
pub const POET_REQUEST_MARKER: &str = "POET-GENERATION-REQUEST";
/// The line before the offline code in a POET generation prompt.
pub const OFFLINE_CODE_BEGIN: &str = "BEGIN OFFLINE CODE";
/// The line after the offline code in a POET generation prompt.
pub const OFFLINE_CODE_END: &str = "END OFFLINE CODE";

/// Nested schemas deeper than this get `null` (a guard against self-referencing schemas).
const MAX_DEPTH: usize = 16;

/// A stable 64-bit FNV-1a hash (the same on every platform and run).
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The mock's answer to `req`.
pub fn answer(req: &ChatRequest) -> Result<String, LlmError> {
    if let Some(a) = &req.mock_answer {
        return Ok(a.clone());
    }
    let text = req.full_text();
    let seed = stable_hash(&text);
    if text.contains(POET_REQUEST_MARKER) {
        return offline_code(&text).map(|code| format!("```dana\n{code}\n```"));
    }
    if let Some(schema) = crate::schema::find_schema(&text) {
        return Ok(value_for(&schema, seed, 0).to_string());
    }
    Ok(format!(
        "This is a mock answer ({:08x}); no LLM was called.",
        seed as u32
    ))
}

/// The code between the offline-code markers, without a fence of its own.
fn offline_code(text: &str) -> Result<String, LlmError> {
    let missing = || {
        LlmError::BadResponse(format!(
            "mock: the POET request has no code between {OFFLINE_CODE_BEGIN:?} and \
             {OFFLINE_CODE_END:?}"
        ))
    };
    let start = text.find(OFFLINE_CODE_BEGIN).ok_or_else(missing)?;
    let after = &text[start + OFFLINE_CODE_BEGIN.len()..];
    // The code starts on the line after the marker.
    let after = after.find('\n').map(|i| &after[i + 1..]).unwrap_or("");
    let end = after.find(OFFLINE_CODE_END).ok_or_else(missing)?;
    let body = &after[..end];
    // Drop the rest of the line the end marker is on (e.g. a comment sign before it).
    let body = body.rfind('\n').map(|i| &body[..i]).unwrap_or("");
    let mut code = body.trim_matches('\n').to_string();
    if code.trim_start().starts_with("```") {
        let inner: Vec<&str> = code
            .lines()
            .skip(1)
            .take_while(|l| !l.trim_start().starts_with("```"))
            .collect();
        code = inner.join("\n");
    }
    if code.trim().is_empty() {
        return Err(missing());
    }
    Ok(code)
}

/// A new seed for a part of a value (splitmix64), so siblings differ.
fn mix(seed: u64, part: u64) -> u64 {
    let mut z = seed ^ part.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A value that satisfies `schema` (the subset of JSON Schema `reason()` writes).
fn value_for(schema: &J, seed: u64, depth: usize) -> J {
    if depth > MAX_DEPTH {
        return J::Null;
    }
    // A reference back to an enclosing schema (a recursive struct) ends the recursion.
    if schema.get("$ref").is_some() {
        return J::Null;
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(J::Array(options)) = schema.get("enum") {
        if !options.is_empty() {
            return options[(seed % options.len() as u64) as usize].clone();
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(J::Array(alts)) = schema.get(key) {
            let pick = alts
                .iter()
                .find(|a| {
                    a.get("type").and_then(J::as_str) != Some("null") && a.get("$ref").is_none()
                })
                .or(alts.first());
            return match pick {
                Some(a) => value_for(a, seed, depth + 1),
                None => J::Null,
            };
        }
    }
    let kind = match schema.get("type") {
        Some(J::String(t)) => t.as_str(),
        Some(J::Array(ts)) => ts
            .iter()
            .filter_map(J::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => "string",
    };
    match kind {
        "integer" => J::from(seed % 100),
        "number" => J::from((seed % 10_000) as f64 / 100.0),
        "boolean" => J::Bool(seed & 1 == 1),
        "null" => J::Null,
        "array" => {
            if let Some(J::Array(items)) = schema.get("prefixItems") {
                return J::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, s)| value_for(s, mix(seed, i as u64), depth + 1))
                        .collect(),
                );
            }
            let item = schema.get("items").cloned().unwrap_or(J::Null);
            J::Array(
                (0..3)
                    .map(|i| value_for(&item, mix(seed, i), depth + 1))
                    .collect(),
            )
        }
        "object" => {
            let mut out = Map::new();
            if let Some(J::Object(props)) = schema.get("properties") {
                for (i, (name, s)) in props.iter().enumerate() {
                    out.insert(name.clone(), value_for(s, mix(seed, i as u64), depth + 1));
                }
            } else {
                let values = match schema.get("additionalProperties") {
                    Some(s @ J::Object(_)) => s.clone(),
                    _ => J::Null,
                };
                for i in 0..2u64 {
                    out.insert(
                        format!("key{}", i + 1),
                        value_for(&values, mix(seed, i), depth + 1),
                    );
                }
            }
            J::Object(out)
        }
        _ => J::String(format!("mock-{:08x}", seed as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::schema_line;
    use serde_json::json;

    fn ask(prompt: &str) -> String {
        answer(&ChatRequest::user(prompt)).unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn plain_prompts_get_a_stable_sentence() {
        let a = ask("hello");
        assert_eq!(a, ask("hello"));
        assert_ne!(a, ask("hello!"));
        assert!(a.contains("mock answer"));
    }

    #[test]
    fn typed_prompts_get_values_of_the_type() {
        let typed = |s: J| {
            let text = ask(&format!("question\n{}", schema_line(&s)));
            serde_json::from_str::<J>(&text).unwrap_or(J::String(format!("not JSON: {text}")))
        };
        assert!(typed(json!({"type": "integer"})).is_u64());
        assert!(typed(json!({"type": "number"})).is_number());
        assert!(typed(json!({"type": "boolean"})).is_boolean());
        assert!(typed(json!({"type": "string"})).is_string());
        let list = typed(json!({"type": "array", "items": {"type": "integer"}}));
        assert_eq!(list.as_array().map(Vec::len), Some(3));
        let point = typed(json!({"type": "object", "properties": {
            "x": {"type": "integer"}, "label": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}}}}));
        assert!(point["x"].is_u64() && point["label"].is_string() && point["tags"].is_array());
        let dict = typed(json!({"type": "object", "additionalProperties": {"type": "number"}}));
        assert!(dict["key1"].is_number());
        let opt = typed(json!({"anyOf": [{"type": "null"}, {"type": "boolean"}]}));
        assert!(opt.is_boolean());
        let node = typed(json!({"type": "object", "properties": {
            "next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}}}));
        assert!(node["next"].is_null());
        let tuple = typed(
            json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]}),
        );
        assert!(tuple[0].is_u64() && tuple[1].is_string());
    }

    #[test]
    fn poet_prompts_get_the_offline_code() {
        let prompt = format!(
            "Improve this.\n{POET_REQUEST_MARKER}\n...\n{OFFLINE_CODE_BEGIN}\ndef operate(x: int) -> int:\n    return x\n{OFFLINE_CODE_END}\nAnswer in one block."
        );
        assert_eq!(
            ask(&prompt),
            "```dana\ndef operate(x: int) -> int:\n    return x\n```"
        );
        let fenced = format!(
            "{POET_REQUEST_MARKER}\n{OFFLINE_CODE_BEGIN}\n```dana\ndef operate() -> int:\n    return 1\n```\n# {OFFLINE_CODE_END}\n"
        );
        assert_eq!(
            ask(&fenced),
            "```dana\ndef operate() -> int:\n    return 1\n```"
        );
        assert!(ask(POET_REQUEST_MARKER).starts_with("ERR"));
        assert!(ask(&format!(
            "{POET_REQUEST_MARKER}\n{OFFLINE_CODE_BEGIN}\n{OFFLINE_CODE_END}"
        ))
        .starts_with("ERR"));
    }
}
