//! A JSON encoder with Python's `json.dumps` output: `", "`/`": "` separators (`","` with an
//! indent), `ensure_ascii` escaping, `NaN`/`Infinity`, floats in Python repr, keys converted
//! like Python (`1` → `"1"`, `True` → `"true"`), struct instances as objects.

use dana_interpreter::error::{limit_error, recursion_error, type_error, value_error, Exc};
use dana_interpreter::limits::{Progress, MAX_STR_LEN};
use dana_interpreter::value::{repr, Value};

/// Nesting deeper than this is refused rather than risking the native stack.
const MAX_DEPTH: usize = 1000;

/// The options of `json.dumps`.
#[derive(Clone, Debug)]
pub struct EncodeOptions {
    /// `None`: one line; `Some(s)`: one item per line, each level indented by `s`.
    pub indent: Option<String>,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
    pub allow_nan: bool,
    pub item_sep: String,
    pub key_sep: String,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            indent: None,
            sort_keys: false,
            ensure_ascii: true,
            allow_nan: true,
            item_sep: ", ".into(),
            key_sep: ": ".into(),
        }
    }
}

/// Converts values JSON cannot represent (`default=` of `json.dumps`).
pub type DefaultFn<'a> = &'a mut dyn FnMut(&Value) -> Result<Value, Exc>;

/// Encodes `v` as JSON text.
pub fn encode(
    v: &Value,
    opts: &EncodeOptions,
    default: Option<DefaultFn<'_>>,
) -> Result<String, Exc> {
    let mut e = Encoder {
        opts,
        default,
        out: String::new(),
        stack: Vec::new(),
        progress: Progress::new(),
    };
    e.value(v)?;
    Ok(e.out)
}

struct Encoder<'a, 'd> {
    opts: &'a EncodeOptions,
    default: Option<DefaultFn<'d>>,
    out: String,
    /// Addresses of the containers being encoded, to detect cycles.
    stack: Vec<usize>,
    /// Memory checks as the text grows (shared values can make it huge).
    progress: Progress,
}

/// Appends `s` as a JSON string literal.
pub(crate) fn write_str(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ensure_ascii && (c as u32) > 0x7e) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Encoder<'_, '_> {
    fn float(&mut self, f: f64) -> Result<(), Exc> {
        let text = if f.is_nan() {
            "NaN".to_string()
        } else if f.is_infinite() {
            if f > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
        } else {
            repr::float_repr(f)
        };
        if !f.is_finite() && !self.opts.allow_nan {
            return Err(value_error(format!(
                "Out of range float values are not JSON compliant: {}",
                repr::float_repr(f)
            )));
        }
        self.out.push_str(&text);
        Ok(())
    }

    fn newline(&mut self) {
        if let Some(ind) = &self.opts.indent {
            self.out.push('\n');
            for _ in 0..self.stack.len() {
                self.out.push_str(ind);
            }
        }
    }

    /// Enters a container: cycle and depth checks.
    fn enter(&mut self, addr: usize) -> Result<(), Exc> {
        if self.stack.contains(&addr) {
            return Err(value_error("Circular reference detected"));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(recursion_error(
                "maximum recursion depth exceeded while encoding a JSON object",
            ));
        }
        self.stack.push(addr);
        Ok(())
    }

    fn value(&mut self, v: &Value) -> Result<(), Exc> {
        // One list shared many times encodes many times: bound the text before it grows.
        if self.out.len() > MAX_STR_LEN {
            return Err(limit_error("string too large"));
        }
        self.progress.check(self.out.len())?;
        match v {
            Value::None => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => self.out.push_str(&i.to_string()),
            Value::BigInt(b) => self.out.push_str(&b.to_string()),
            Value::Float(f) => self.float(*f)?,
            Value::Str(s) => write_str(&mut self.out, s, self.opts.ensure_ascii),
            Value::List(l) => {
                let items = l.borrow().clone();
                self.array(std::rc::Rc::as_ptr(l) as usize, &items)?;
            }
            Value::Tuple(t) => self.array(std::rc::Rc::as_ptr(t) as usize, t)?,
            Value::Dict(d) => {
                let pairs: Vec<(Value, Value)> = d
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.value().clone(), v.clone()))
                    .collect();
                self.object(std::rc::Rc::as_ptr(d) as usize, pairs)?;
            }
            Value::Struct(s) => {
                let fields = s.fields.borrow();
                let pairs =
                    s.ty.fields
                        .iter()
                        .zip(fields.iter())
                        .map(|(f, v)| (Value::str(f.name.as_str()), v.clone()))
                        .collect();
                drop(fields);
                self.object(std::rc::Rc::as_ptr(s) as usize, pairs)?;
            }
            // A native object extending a builtin value (a Counter's dict) is written as it.
            Value::Object(o) if o.base().is_some() => {
                let base = o.base().unwrap_or_default();
                self.value(&base)?;
            }
            other => {
                let Some(default) = self.default.as_mut() else {
                    return Err(type_error(format!(
                        "Object of type {} is not JSON serializable",
                        other.type_name()
                    )));
                };
                let replacement = default(other)?;
                // The same object again would loop forever; Python reports it as a cycle.
                let addr = v as *const Value as usize;
                self.enter(addr)?;
                let r = self.value(&replacement);
                self.stack.pop();
                r?;
            }
        }
        Ok(())
    }

    fn array(&mut self, addr: usize, items: &[Value]) -> Result<(), Exc> {
        if items.is_empty() {
            self.out.push_str("[]");
            return Ok(());
        }
        self.enter(addr)?;
        self.out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(&self.opts.item_sep);
            }
            self.newline();
            self.value(item)?;
        }
        self.stack.pop();
        self.newline();
        self.out.push(']');
        Ok(())
    }

    fn object(&mut self, addr: usize, pairs: Vec<(Value, Value)>) -> Result<(), Exc> {
        if pairs.is_empty() {
            self.out.push_str("{}");
            return Ok(());
        }
        let mut keyed: Vec<(String, Value, Value)> = pairs
            .into_iter()
            .map(|(k, v)| Ok((key_text(&k)?, k, v)))
            .collect::<Result<_, Exc>>()?;
        if self.opts.sort_keys {
            sort_keys(&mut keyed)?;
        }
        self.enter(addr)?;
        self.out.push('{');
        for (i, (k, _, v)) in keyed.iter().enumerate() {
            if i > 0 {
                self.out.push_str(&self.opts.item_sep);
            }
            self.newline();
            write_str(&mut self.out, k, self.opts.ensure_ascii);
            self.out.push_str(&self.opts.key_sep);
            self.value(v)?;
        }
        self.stack.pop();
        self.newline();
        self.out.push('}');
        Ok(())
    }
}

/// The JSON text of a dict key, converted like Python's `json.dumps`.
fn key_text(k: &Value) -> Result<String, Exc> {
    Ok(match k {
        Value::Str(s) => s.to_string(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Value::None => "null".to_string(),
        Value::Int(i) => i.to_string(),
        Value::BigInt(b) => b.to_string(),
        Value::Float(f) if f.is_nan() => "NaN".to_string(),
        Value::Float(f) if f.is_infinite() => {
            if *f > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
        }
        Value::Float(f) => repr::float_repr(*f),
        other => {
            return Err(type_error(format!(
                "keys must be str, int, float, bool or None, not {}",
                other.type_name()
            )))
        }
    })
}

/// Sorts like Python's `sort_keys=True`, which compares the original keys: numbers
/// numerically, strings by code point, a mix of the two is a TypeError.
fn sort_keys(keyed: &mut [(String, Value, Value)]) -> Result<(), Exc> {
    let num = |v: &Value| -> Option<f64> {
        match v {
            Value::Int(i) => Some(*i as f64),
            Value::Bool(b) => Some(*b as i64 as f64),
            Value::Float(f) => Some(*f),
            Value::BigInt(b) => num_traits::ToPrimitive::to_f64(&**b),
            _ => None,
        }
    };
    let all_num = keyed.iter().all(|(_, k, _)| num(k).is_some());
    let all_str = keyed.iter().all(|(_, k, _)| matches!(k, Value::Str(_)));
    if all_num {
        keyed.sort_by(|a, b| {
            // total_cmp: a total order even with NaN keys (sort_by may panic without one).
            let (x, y) = (num(&a.1).unwrap_or(0.0), num(&b.1).unwrap_or(0.0));
            x.total_cmp(&y)
        });
    } else if all_str {
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
    } else {
        return Err(type_error(
            "'<' not supported between dict keys of different types",
        ));
    }
    Ok(())
}
