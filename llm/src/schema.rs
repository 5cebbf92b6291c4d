//! How a prompt names the type of answer it wants, so that a real model reads it as an
//! instruction and the mock provider can answer with a value of that type.
//!
//! The prompt carries one line `JSON Schema of the answer: {…}` (compact JSON on that line);
//! `reason()` writes it for a typed assignment and [`crate::mock`] reads it back.

use serde_json::Value as J;

/// The start of the line that carries the answer's JSON Schema.
pub const SCHEMA_MARKER: &str = "JSON Schema of the answer:";

/// The prompt line for `schema`.
pub fn schema_line(schema: &J) -> String {
    format!("{SCHEMA_MARKER} {schema}")
}

/// The schema of the last schema line of `text`, if any parses.
pub fn find_schema(text: &str) -> Option<J> {
    text.lines().rev().find_map(|line| {
        let rest = line.trim_start().strip_prefix(SCHEMA_MARKER)?;
        serde_json::from_str(rest.trim()).ok()
    })
}

/// The start of the line that shows an example answer.
pub const EXAMPLE_MARKER: &str = "Example answer:";

/// A small example value of `schema` (the subset `reason()` writes), shown to the model so
/// that it sees the exact shape of the answer.
pub fn example_value(schema: &J) -> J {
    example_at(schema, 0)
}

fn example_at(schema: &J, depth: usize) -> J {
    use serde_json::json;
    if depth > 6 || schema.get("$ref").is_some() {
        return J::Null;
    }
    if let Some(J::Array(alts)) = schema.get("anyOf") {
        let pick = alts
            .iter()
            .find(|a| a.get("type").and_then(J::as_str) != Some("null"))
            .or(alts.first());
        return pick.map_or(J::Null, |a| example_at(a, depth + 1));
    }
    match schema.get("type").and_then(J::as_str) {
        Some("integer") => json!(42),
        Some("number") => json!(0.5),
        Some("boolean") => json!(true),
        Some("string") => json!("text"),
        Some("null") => J::Null,
        Some("array") => match schema.get("prefixItems").and_then(J::as_array) {
            Some(items) => J::Array(items.iter().map(|i| example_at(i, depth + 1)).collect()),
            None => match schema.get("items") {
                Some(i) => J::Array(vec![example_at(i, depth + 1)]),
                None => json!([]),
            },
        },
        Some("object") => match schema.get("properties").and_then(J::as_object) {
            Some(props) => J::Object(
                props
                    .iter()
                    .map(|(k, v)| (k.clone(), example_at(v, depth + 1)))
                    .collect(),
            ),
            None => json!({}),
        },
        _ => J::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip() {
        let s = json!({"type": "object", "properties": {"a": {"type": "integer", "description": "multi\nline"}}});
        let prompt = format!("How many?\n\n{}\n", schema_line(&s));
        assert_eq!(find_schema(&prompt), Some(s));
        assert_eq!(find_schema("no schema here"), None);
        assert_eq!(find_schema(&format!("{SCHEMA_MARKER} {{broken")), None);
    }

    #[test]
    fn examples_have_the_schema_shape() {
        let s = json!({"type": "object", "properties": {"n": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "p": {"anyOf": [{"type": "null"}, {"type": "number"}]}}});
        assert_eq!(
            example_value(&s),
            json!({"n": 42, "tags": ["text"], "p": 0.5})
        );
        assert_eq!(example_value(&json!({"type": "boolean"})), json!(true));
    }
}
