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
}
