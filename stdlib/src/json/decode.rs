//! A JSON decoder with Python's `json.loads` behaviour: `NaN`, `Infinity` and `-Infinity`
//! are accepted, integers are arbitrary precision, duplicate keys keep the last value, and
//! errors are `ValueError`s worded like Python's (`Expecting value: line 1 column 1 (char 0)`).
//!
//! Hand-written rather than serde_json because serde_json rejects `NaN`/`Infinity`, needs a
//! feature flag for big integers and words its errors differently.

use dana_interpreter::error::{recursion_error, value_error, Exc};
use dana_interpreter::value::{DictMap, FxBuild, Key, Value};
use num_bigint::BigInt;
use std::collections::HashMap;
use std::rc::Rc;

/// Nesting deeper than this is refused rather than risking the native stack.
const MAX_DEPTH: usize = 1000;

/// Parses a JSON document into Dana values (objects → dicts, arrays → lists).
pub fn decode(text: &str) -> Result<Value, Exc> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        pos: 0,
        depth: 0,
        keys: HashMap::default(),
    };
    p.skip_ws();
    let v = p.value()?;
    p.skip_ws();
    if p.pos < p.b.len() {
        return Err(p.err("Extra data", p.pos));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: usize,
    /// The object keys met so far: a key that repeats (the same field in every record) is
    /// one shared string, as CPython's decoder shares them.
    keys: HashMap<String, Rc<String>, FxBuild>,
}

impl Parser<'_> {
    /// A ValueError located like Python's JSONDecodeError (char offsets, 1-based line/column).
    fn err(&self, msg: &str, byte_pos: usize) -> Exc {
        let before = self.s.get(..byte_pos).unwrap_or(self.s);
        let char_pos = before.chars().count();
        let line = before.matches('\n').count() + 1;
        let col = match before.rfind('\n') {
            Some(nl) => char_pos - before[..nl].chars().count(),
            None => char_pos + 1,
        };
        value_error(format!("{msg}: line {line} column {col} (char {char_pos})"))
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn starts_with(&self, lit: &str) -> bool {
        self.b[self.pos..].starts_with(lit.as_bytes())
    }

    fn value(&mut self) -> Result<Value, Exc> {
        let start = self.pos;
        let literal = |p: &mut Self, lit: &str, v: Value| {
            p.pos += lit.len();
            Ok(v)
        };
        match self.peek() {
            Some(b'"') => Ok(Value::str(self.string()?)),
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'n') if self.starts_with("null") => literal(self, "null", Value::None),
            Some(b't') if self.starts_with("true") => literal(self, "true", Value::Bool(true)),
            Some(b'f') if self.starts_with("false") => literal(self, "false", Value::Bool(false)),
            Some(b'N') if self.starts_with("NaN") => literal(self, "NaN", Value::Float(f64::NAN)),
            Some(b'I') if self.starts_with("Infinity") => {
                literal(self, "Infinity", Value::Float(f64::INFINITY))
            }
            Some(b'-') if self.starts_with("-Infinity") => {
                literal(self, "-Infinity", Value::Float(f64::NEG_INFINITY))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err("Expecting value", start)),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Value, Exc>) -> Result<Value, Exc> {
        if self.depth >= MAX_DEPTH {
            return Err(recursion_error(
                "maximum recursion depth exceeded while decoding a JSON document",
            ));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, like Python's NUMBER_RE.
    fn number(&mut self) -> Result<Value, Exc> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("Expecting value", start)),
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') && matches!(self.b.get(self.pos + 1), Some(b'0'..=b'9')) {
            self.pos += 1;
            self.digits();
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            let save = self.pos;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                self.pos = save;
            } else {
                is_float = true;
            }
        }
        let text = &self.s[start..self.pos];
        if is_float {
            let f: f64 = text
                .parse()
                .map_err(|_| self.err("Expecting value", start))?;
            return Ok(Value::Float(f));
        }
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Value::Int(i));
        }
        text.parse::<BigInt>()
            .map(Value::from_bigint)
            .map_err(|_| self.err("Expecting value", start))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.s.get(at..at + 4)?;
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(h, 16).ok()
    }

    /// A string starting at the opening quote; lone surrogates become U+FFFD (Dana strings
    /// are UTF-8 and cannot hold them).
    fn string(&mut self) -> Result<String, Exc> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let seg = self.pos;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.s[seg..self.pos]);
            match self.peek() {
                None => return Err(self.err("Unterminated string starting at", open)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let bs = self.pos;
                    let Some(e) = self.b.get(bs + 1).copied() else {
                        return Err(self.err("Unterminated string starting at", open));
                    };
                    self.pos += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let bad = || self.err("Invalid \\uXXXX escape", bs + 1);
                            let hi = self.hex4(bs + 2).ok_or_else(bad)?;
                            self.pos = bs + 6;
                            let mut code = hi;
                            if (0xD800..0xDC00).contains(&hi) && self.starts_with("\\u") {
                                if let Some(lo) = self.hex4(self.pos + 2) {
                                    if (0xDC00..0xE000).contains(&lo) {
                                        code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                        self.pos += 6;
                                    }
                                }
                            }
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(self.err("Invalid \\escape", bs)),
                    }
                }
                Some(_) => return Err(self.err("Invalid control character at", self.pos)),
            }
        }
    }

    /// An object key starting at its opening quote, shared with the earlier keys of the same
    /// text.
    fn key(&mut self) -> Result<Rc<String>, Exc> {
        let start = self.pos + 1;
        let mut end = start;
        while let Some(&c) = self.b.get(end) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            end += 1;
        }
        if self.b.get(end) == Some(&b'"') {
            // No escapes: look the text up in place.
            let text = &self.s[start..end];
            self.pos = end + 1;
            if let Some(k) = self.keys.get(text) {
                return Ok(k.clone());
            }
            let k = Rc::new(text.to_string());
            self.keys.insert(text.to_string(), k.clone());
            return Ok(k);
        }
        let text = self.string()?;
        if let Some(k) = self.keys.get(text.as_str()) {
            return Ok(k.clone());
        }
        let k = Rc::new(text.clone());
        self.keys.insert(text, k.clone());
        Ok(k)
    }

    fn object(&mut self) -> Result<Value, Exc> {
        self.pos += 1;
        let mut d = DictMap::default();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::dict(d));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.err(
                    "Expecting property name enclosed in double quotes",
                    self.pos,
                ));
            }
            let k = self.key()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.err("Expecting ':' delimiter", self.pos));
            }
            self.pos += 1;
            self.skip_ws();
            let v = self.value()?;
            d.insert(Key(Value::Str(k)), v);
            self.skip_ws();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::dict(d));
                }
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        return Err(self.err("Illegal trailing comma before end of object", comma));
                    }
                }
                _ => return Err(self.err("Expecting ',' delimiter", self.pos)),
            }
        }
    }

    fn array(&mut self) -> Result<Value, Exc> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::list(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::list(items));
                }
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        return Err(self.err("Illegal trailing comma before end of array", comma));
                    }
                }
                _ => return Err(self.err("Expecting ',' delimiter", self.pos)),
            }
        }
    }
}
