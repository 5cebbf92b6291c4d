//! JSON text (as LLMs write it) to Dana values, for `list`/`dict`/struct coercion.

use crate::value::{DictMap, Key, Value};
use num_bigint::BigInt;

/// Parses JSON held in `text`, leniently: the whole text, else the body of a markdown code
/// fence (```` ```json … ``` ````), else the span from the first `open` bracket (`[` or `{`) to
/// the last matching close bracket (an answer with prose around the data). Only a value that
/// starts with `open` is accepted.
pub(crate) fn parse_json_text(text: &str, open: char) -> Option<Value> {
    let close = if open == '[' { ']' } else { '}' };
    let accept = |s: &str| -> Option<Value> {
        let s = s.trim();
        if !s.starts_with(open) {
            return None;
        }
        serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .map(|j| from_json(&j))
    };
    if let Some(v) = accept(text) {
        return Some(v);
    }
    if let Some(start) = text.find("```") {
        let after = &text[start + 3..];
        // Skip the language tag on the fence line.
        let body_start = after.find('\n').map(|i| i + 1).unwrap_or(0);
        let body = &after[body_start..];
        let body = body.find("```").map(|end| &body[..end]).unwrap_or(body);
        if let Some(v) = accept(body) {
            return Some(v);
        }
    }
    let first = text.find(open)?;
    let last = text.rfind(close)?;
    if last > first {
        return accept(&text[first..=last]);
    }
    None
}

/// A JSON value as a Dana value: objects → dict, arrays → list, integers → int, other
/// numbers → float.
pub(crate) fn from_json(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::None,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                Value::from_bigint(BigInt::from(u))
            } else {
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        J::String(s) => Value::str(s.as_str()),
        J::Array(a) => Value::list(a.iter().map(from_json).collect()),
        J::Object(o) => {
            let mut d = DictMap::default();
            for (k, v) in o {
                d.insert(Key(Value::str(k.as_str())), from_json(v));
            }
            Value::dict(d)
        }
    }
}
