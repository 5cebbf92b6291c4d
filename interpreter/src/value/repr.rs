//! Python-compatible `str()` and `repr()` of values (float repr, container repr, structs), a
//! value's `Debug` (its repr) and a function's signature as `help()` shows it.

use super::data::{Function, MethodTarget, Value};
use dana_grammar::ast::Sym;
use std::fmt::Write;
use std::rc::Rc;

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&repr(self))
    }
}

impl Function {
    /// The signature as Python's `help()` shows it: `area(w: float, h: float = 1.0) -> float`.
    pub fn signature(&self) -> String {
        use dana_grammar::ast::ParamKind;
        let params: Vec<String> = self
            .code
            .params
            .iter()
            .map(|p| {
                let star = match p.kind {
                    _ if p.name.as_str() == "*" => "",
                    ParamKind::Normal => "",
                    ParamKind::VarArgs => "*",
                    ParamKind::KwArgs => "**",
                };
                let default = p.default.and_then(|d| self.defaults.get(d)).map(repr);
                match (&p.ann, default) {
                    (Some(a), Some(d)) => format!("{star}{}: {a} = {d}", p.name),
                    (Some(a), None) => format!("{star}{}: {a}", p.name),
                    (None, Some(d)) => format!("{star}{}={d}", p.name),
                    (None, None) => format!("{star}{}", p.name),
                }
            })
            .collect();
        let ret = self
            .code
            .returns
            .as_ref()
            .map(|r| format!(" -> {r}"))
            .unwrap_or_default();
        format!("{}({}){ret}", self.name, params.join(", "))
    }
}

/// `repr(v)`: strings quoted, containers with element reprs, structs as `Point(x=1, y=2)`.
pub fn repr(v: &Value) -> String {
    let mut p = Printer::default();
    p.repr(v);
    p.out
}

/// `str(v)`: like `repr` except a string is its own text and an exception is its message.
pub(crate) fn to_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.as_str().to_owned(),
        Value::Exception(e) => e.message.clone(),
        Value::Object(o) => o.to_str(),
        Value::Int(i) => {
            let mut out = String::with_capacity(20);
            push_int(&mut out, *i);
            out
        }
        _ => repr(v),
    }
}

/// Appends `str(v)` to `out` (f-strings, `join`): strings and ints without an intermediate
/// `String`.
pub fn push_str(out: &mut String, v: &Value) {
    match v {
        Value::Str(s) => out.push_str(s),
        Value::Int(i) => push_int(out, *i),
        Value::Exception(e) => out.push_str(&e.message),
        Value::Object(o) => out.push_str(&o.to_str()),
        _ => {
            let mut p = Printer {
                out: std::mem::take(out),
                ..Printer::default()
            };
            p.repr(v);
            *out = p.out;
        }
    }
}

/// Appends the decimal digits of `i` (the hot path of `str(int)` and f-strings; the `fmt`
/// machinery costs several times more). Two digits at a time from a table.
pub(crate) fn push_int(out: &mut String, i: i64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let mut n = i.unsigned_abs();
    while n >= 100 {
        let d = (n % 100) as usize * 2;
        n /= 100;
        pos -= 2;
        buf[pos] = PAIRS[d];
        buf[pos + 1] = PAIRS[d + 1];
    }
    if n >= 10 {
        let d = n as usize * 2;
        pos -= 2;
        buf[pos] = PAIRS[d];
        buf[pos + 1] = PAIRS[d + 1];
    } else {
        pos -= 1;
        buf[pos] = b'0' + n as u8;
    }
    out.reserve(21 - pos);
    if i < 0 {
        out.push('-');
    }
    for &b in &buf[pos..] {
        out.push(char::from(b));
    }
}

/// Python's `repr(float)`: shortest round-tripping digits, `1.0`, `1e+16`, `1e-05`, `inf`, `nan`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Python switches to exponent notation when the decimal exponent is < -4 or >= 16.
    let (neg, digits, exp) = shortest(f);
    let mut s = String::with_capacity(digits.len() + 8);
    if neg {
        s.push('-');
    }
    if (-4..16).contains(&exp) {
        s.push_str(&fixed_from_digits(&digits, exp, 1));
    } else {
        s.push_str(&sci_from_digits(&digits, exp, false));
    }
    s
}

/// The shortest decimal digits that round-trip to `f` (finite), as Python's repr picks them:
/// (negative, digits, decimal exponent). Rust's `{:e}` finds the shortest length, but when two
/// candidates of that length are equally close it may pick the upper one (`…623.63` for
/// `…623.625`) where Python picks the even one; the correctly rounded (half-even) form of the
/// same length is preferred whenever it round-trips.
pub(crate) fn shortest(f: f64) -> (bool, String, i32) {
    let short = format!("{f:e}");
    let (neg, digits, exp) = decompose(&short);
    if digits.len() > 1 {
        let exact = format!("{:.*e}", digits.len() - 1, f);
        if exact != short && exact.parse::<f64>().ok() == Some(f) {
            return decompose(&exact);
        }
    }
    (neg, digits, exp)
}

/// Splits Rust's `{:e}` output (`-1.2345e-7`) into (negative, significant digits, exponent).
pub(crate) fn decompose(e_form: &str) -> (bool, String, i32) {
    let (neg, body) = match e_form.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, e_form),
    };
    let (mant, exp) = body.split_once('e').unwrap_or((body, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    (neg, digits, exp.parse().unwrap_or(0))
}

/// Lays out `d.ddd × 10^exp` in fixed notation with at least `min_frac` fractional digits.
pub(crate) fn fixed_from_digits(digits: &str, exp: i32, min_frac: usize) -> String {
    let mut s = String::with_capacity(digits.len() + exp.unsigned_abs() as usize + 4);
    if exp < 0 {
        s.push_str("0.");
        for _ in 0..(-exp - 1) {
            s.push('0');
        }
        s.push_str(digits);
        let frac = s.len() - 2;
        for _ in frac..min_frac {
            s.push('0');
        }
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            s.push_str(digits);
            for _ in digits.len()..int_len {
                s.push('0');
            }
            if min_frac > 0 {
                s.push('.');
                for _ in 0..min_frac {
                    s.push('0');
                }
            }
        } else {
            s.push_str(&digits[..int_len]);
            s.push('.');
            s.push_str(&digits[int_len..]);
            for _ in (digits.len() - int_len)..min_frac {
                s.push('0');
            }
        }
    }
    s
}

/// Lays out `d.ddd × 10^exp` as Python does: `1e+16`, `1.5e-07` (`E` when `upper`).
pub(crate) fn sci_from_digits(digits: &str, exp: i32, upper: bool) -> String {
    let mut s = String::with_capacity(digits.len() + 6);
    s.push_str(&digits[..1.min(digits.len())]);
    if digits.len() > 1 {
        s.push('.');
        s.push_str(&digits[1..]);
    }
    s.push(if upper { 'E' } else { 'e' });
    s.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(s, "{:02}", exp.unsigned_abs());
    s
}

/// Python's `repr(str)`: single quotes unless the text contains `'` and no `"`.
pub(crate) fn str_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str_repr(&mut out, s);
    out
}

fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => {
                let n = c as u32;
                let _ = if n < 0x100 {
                    write!(out, "\\x{n:02x}")
                } else if n < 0x10000 {
                    write!(out, "\\u{n:04x}")
                } else {
                    write!(out, "\\U{n:08x}")
                };
            }
        }
    }
    out.push(quote);
}

/// An approximation of Python's `str.isprintable` for one character: control characters,
/// separators other than the ASCII space, format characters and private-use characters are
/// escaped. (Unassigned code points are not detected: that needs the Unicode tables.)
fn is_printable(c: char) -> bool {
    let n = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() {
        return false;
    }
    !matches!(n,
        // Separators and format characters.
        0xA0 | 0xAD | 0x1680 | 0x180E | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x2064
        | 0x2066..=0x206F | 0x3000 | 0xFEFF | 0xFFF9..=0xFFFB
        // Noncharacters, private use, and the planes with nothing assigned.
        | 0xFDD0..=0xFDEF | 0xFFFE | 0xFFFF | 0xE000..=0xF8FF | 0x2FA20..=0x2FFFF
        | 0x323B0..=0xDFFFF | 0xE0000..=0xE00FF | 0xE01F0..=0x10FFFF)
}

/// Walks a value writing its repr, remembering the containers being printed so that a
/// container that contains itself prints as `[...]` instead of recursing forever. The walk
/// keeps its own stack of open containers, so data nested to any depth prints in full.
#[derive(Default)]
struct Printer {
    out: String,
    /// The containers being printed, outermost first.
    active: Vec<usize>,
    /// The same, for fast lookup once `active` is long.
    active_set: std::collections::HashSet<usize>,
    /// The open containers and where each one's printing is.
    frames: Vec<Frame>,
}

/// Containers open deeper than this are looked up in a hash set rather than by a scan.
const LINEAR_ACTIVE: usize = 32;

struct Frame {
    container: Value,
    /// The next element (for a dict: 2 × entry index, +1 for the value).
    next: usize,
    /// Elements written so far.
    written: usize,
}

/// The next thing a frame prints.
enum Step {
    /// An element, after `sep` and `prefix` (struct field name and `=`).
    Elem(&'static str, Option<Sym>, Value),
    /// A hidden struct field.
    Skip,
    /// The closing text.
    End(&'static str),
}

impl Printer {
    /// Enters the container at `ptr`; `false` when it is already being printed (a cycle).
    fn enter(&mut self, ptr: usize) -> bool {
        let cyclic = if self.active.len() <= LINEAR_ACTIVE {
            self.active.contains(&ptr)
        } else {
            self.active_set.contains(&ptr)
        };
        if cyclic {
            return false;
        }
        self.active.push(ptr);
        if self.active.len() == LINEAR_ACTIVE + 1 {
            self.active_set.extend(self.active.iter().copied());
        } else if self.active.len() > LINEAR_ACTIVE {
            self.active_set.insert(ptr);
        }
        true
    }

    fn leave(&mut self) {
        if let Some(ptr) = self.active.pop() {
            if self.active.len() > LINEAR_ACTIVE {
                self.active_set.remove(&ptr);
            } else if !self.active_set.is_empty() {
                self.active_set.clear();
            }
        }
    }

    fn repr(&mut self, v: &Value) {
        let base = self.frames.len();
        self.open(v);
        while self.frames.len() > base {
            let step = {
                let Some(f) = self.frames.last_mut() else {
                    break;
                };
                let i = f.next;
                f.next += 1;
                next_step(&f.container, i, f.written)
            };
            match step {
                Step::Elem(sep, prefix, x) => {
                    if let Some(f) = self.frames.last_mut() {
                        f.written += 1;
                    }
                    self.out.push_str(sep);
                    if let Some(name) = prefix {
                        self.out.push_str(name.as_str());
                        self.out.push('=');
                    }
                    self.open(&x);
                }
                Step::Skip => {}
                Step::End(close) => {
                    self.out.push_str(close);
                    self.frames.pop();
                    self.leave();
                }
            }
        }
    }

    /// Writes a value, or the opening of a container (then pushes its frame).
    fn open(&mut self, v: &Value) {
        let (ptr, open, cycle) = match v {
            Value::List(l) => (Rc::as_ptr(l) as *const u8 as usize, "[", "[...]"),
            Value::Tuple(t) => (Rc::as_ptr(t) as *const u8 as usize, "(", "(...)"),
            Value::Dict(d) => (Rc::as_ptr(d) as *const u8 as usize, "{", "{...}"),
            Value::Set(s) => {
                if s.borrow().is_empty() {
                    self.out.push_str("set()");
                    return;
                }
                (Rc::as_ptr(s) as *const u8 as usize, "{", "{...}")
            }
            // Like a recursive dataclass repr.
            Value::Struct(inst) => (Rc::as_ptr(inst) as *const u8 as usize, "(", "..."),
            other => return self.leaf(other),
        };
        if !self.enter(ptr) {
            self.out.push_str(cycle);
            return;
        }
        if let Value::Struct(inst) = v {
            self.out.push_str(inst.ty.name.as_str());
        }
        self.out.push_str(open);
        self.frames.push(Frame {
            container: v.clone(),
            next: 0,
            written: 0,
        });
    }

    fn leaf(&mut self, v: &Value) {
        match v {
            Value::None => self.out.push_str("None"),
            Value::Bool(true) => self.out.push_str("True"),
            Value::Bool(false) => self.out.push_str("False"),
            Value::Int(i) => push_int(&mut self.out, *i),
            Value::BigInt(b) => {
                let _ = write!(self.out, "{b}");
            }
            Value::Float(f) => self.out.push_str(&float_repr(*f)),
            Value::Str(s) => write_str_repr(&mut self.out, s),
            Value::Func(f) => {
                let _ = write!(self.out, "<function {}>", f.name());
            }
            Value::Native(n) => {
                let _ = write!(self.out, "<built-in function {}>", n.name);
            }
            Value::Method(m) => {
                let name = match &m.target {
                    MethodTarget::Builtin(s) => s.as_str().to_owned(),
                    MethodTarget::Func(Value::Func(f)) => f.name().as_str().to_owned(),
                    MethodTarget::Func(Value::Native(n)) => n.name.as_str().to_owned(),
                    MethodTarget::Func(other) => repr(other),
                };
                let _ = write!(self.out, "<bound method {name}>");
            }
            Value::Type(t) => self.out.push_str(t.name()),
            Value::StructType(t) => self.out.push_str(t.name.as_str()),
            Value::Interface(t) => self.out.push_str(t.name.as_str()),
            Value::ExcType(k) => self.out.push_str(k.name()),
            Value::Exception(e) => {
                self.out.push_str(e.kind.name());
                self.out.push('(');
                if !e.message.is_empty() {
                    write_str_repr(&mut self.out, &e.message);
                }
                self.out.push(')');
            }
            Value::Module(m) => {
                let _ = write!(self.out, "<module '{}'>", m.name);
            }
            Value::Range(r) => {
                let _ = if r.step == 1 {
                    write!(self.out, "range({}, {})", r.start, r.stop)
                } else {
                    write!(self.out, "range({}, {}, {})", r.start, r.stop, r.step)
                };
            }
            Value::Object(o) => self.out.push_str(&o.repr()),
            // Containers go through `open`.
            Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::Struct(_) => self.open(v),
        }
    }
}

/// What the container prints at step `i`, `written` elements in.
fn next_step(c: &Value, i: usize, written: usize) -> Step {
    let sep = if written > 0 { ", " } else { "" };
    match c {
        Value::List(l) => match l.borrow().get(i) {
            Some(x) => Step::Elem(sep, None, x.clone()),
            None => Step::End("]"),
        },
        Value::Tuple(t) => match t.get(i) {
            Some(x) => Step::Elem(sep, None, x.clone()),
            None if t.len() == 1 => Step::End(",)"),
            None => Step::End(")"),
        },
        Value::Dict(d) => match d.borrow().get_index(i / 2) {
            Some((k, _)) if i.is_multiple_of(2) => Step::Elem(sep, None, k.value().clone()),
            Some((_, x)) => Step::Elem(": ", None, x.clone()),
            None => Step::End("}"),
        },
        Value::Set(s) => match s.borrow().get_index(i) {
            Some(k) => Step::Elem(sep, None, k.value().clone()),
            None => Step::End("}"),
        },
        Value::Struct(inst) => {
            let ty = &inst.ty;
            match (ty.fields.get(i), inst.fields.borrow().get(i)) {
                // A host object's handle field is an implementation detail.
                (Some(f), Some(_)) if ty.kind == "host" && f.name.as_str() == "_host" => Step::Skip,
                (Some(f), Some(x)) => Step::Elem(sep, Some(f.name), x.clone()),
                _ => Step::End(")"),
            }
        }
        _ => Step::End(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{DictMap, Key, RangeValue, SetMap};
    use std::rc::Rc;

    #[test]
    fn float_reprs_match_python() {
        // Expected values from python3 -c 'print(repr(x))'.
        let table: &[(f64, &str)] = &[
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0, "1.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1e-5, "1e-05"),
            (1e-4, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (123456789012345.0, "123456789012345.0"),
            (1234567890123456789.0, "1.2345678901234568e+18"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (-2.5, "-2.5"),
            (1e100, "1e+100"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (0.001234, "0.001234"),
            (12345.678, "12345.678"),
            (1e22, "1e+22"),
            (9999999999999998.0, "9999999999999998.0"),
            // Ties between two shortest candidates go to the even digit, as in Python.
            (-82_417_527_869_623.63, "-82417527869623.62"),
            (988_598_592_847_819.3, "988598592847819.2"),
        ];
        for (f, want) in table {
            assert_eq!(float_repr(*f), *want, "repr of {f:e}");
        }
    }

    #[test]
    fn string_reprs() {
        assert_eq!(str_repr("abc"), "'abc'");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("both ' and \""), "'both \\' and \"'");
        assert_eq!(str_repr("a\nb\t\\"), "'a\\nb\\t\\\\'");
        assert_eq!(str_repr("\x00\x7f\u{a0}"), "'\\x00\\x7f\\xa0'");
        assert_eq!(str_repr("é日本"), "'é日本'");
        assert_eq!(str_repr("\u{200b}"), "'\\u200b'");
    }

    #[test]
    fn container_reprs() {
        let l = Value::list(vec![
            Value::Int(1),
            Value::str("a"),
            Value::Bool(true),
            Value::None,
        ]);
        assert_eq!(repr(&l), "[1, 'a', True, None]");
        assert_eq!(to_str(&l), "[1, 'a', True, None]");
        assert_eq!(repr(&Value::tuple(vec![Value::Int(1)])), "(1,)");
        assert_eq!(repr(&Value::tuple(vec![])), "()");
        assert_eq!(repr(&Value::set(SetMap::default())), "set()");
        let mut s = SetMap::default();
        s.insert(Key(Value::Int(1)));
        s.insert(Key(Value::Int(2)));
        assert_eq!(repr(&Value::set(s)), "{1, 2}");
        let mut d = DictMap::default();
        d.insert(Key(Value::str("k")), Value::str("v"));
        assert_eq!(repr(&Value::dict(d)), "{'k': 'v'}");
        assert_eq!(repr(&Value::dict(DictMap::default())), "{}");
        let r = Value::Range(Rc::new(RangeValue {
            start: 0,
            stop: 5,
            step: 1,
        }));
        assert_eq!(repr(&r), "range(0, 5)");
        let r = Value::Range(Rc::new(RangeValue {
            start: 0,
            stop: 5,
            step: 2,
        }));
        assert_eq!(repr(&r), "range(0, 5, 2)");
        assert_eq!(to_str(&Value::str("x")), "x");
        assert_eq!(repr(&Value::Float(2.0)), "2.0");
    }

    #[test]
    fn recursive_containers() {
        let l = Value::list(vec![Value::Int(1)]);
        if let Value::List(inner) = &l {
            inner.borrow_mut().push(l.clone());
        }
        assert_eq!(repr(&l), "[1, [...]]");
        let d = Value::dict(DictMap::default());
        if let Value::Dict(inner) = &d {
            inner.borrow_mut().insert(Key(Value::str("me")), d.clone());
        }
        assert_eq!(repr(&d), "{'me': {...}}");
        // Break the cycles so the test does not leak.
        if let Value::List(inner) = &l {
            inner.borrow_mut().clear();
        }
        if let Value::Dict(inner) = &d {
            inner.borrow_mut().clear();
        }
    }

    #[test]
    fn exceptions_and_types() {
        use crate::error::ExcKind;
        let e = crate::value::exception_value(ExcKind::ValueError, "bad");
        assert_eq!(repr(&e), "ValueError('bad')");
        assert_eq!(to_str(&e), "bad");
        assert_eq!(repr(&Value::ExcType(ExcKind::KeyError)), "KeyError");
        assert_eq!(repr(&Value::Type(crate::value::BuiltinType::Int)), "int");
    }

    /// Deep acyclic data prints in full (no `[...]`, which would claim a cycle); a cycle
    /// deep inside still prints as one.
    #[test]
    fn deep_values_print_in_full() {
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(|| {
                const DEPTH: usize = 20_000;
                let mut l = Value::Int(1);
                let mut t = Value::None;
                let mut d = Value::Int(2);
                for _ in 0..DEPTH {
                    l = Value::list(vec![l]);
                    t = Value::tuple(vec![t]);
                    let mut m = DictMap::default();
                    m.insert(Key(Value::str("k")), d);
                    d = Value::dict(m);
                }
                let want = format!("{}1{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
                assert_eq!(repr(&l), want);
                assert_eq!(to_str(&l), want);
                let want = format!("{}None{}", "(".repeat(DEPTH), ",)".repeat(DEPTH));
                assert_eq!(repr(&t), want);
                let want = format!("{}2{}", "{'k': ".repeat(DEPTH), "}".repeat(DEPTH));
                assert_eq!(repr(&d), want);
                // A self-reference at the bottom of a deep list.
                let bottom = Value::list(vec![]);
                if let Value::List(inner) = &bottom {
                    inner.borrow_mut().push(bottom.clone());
                }
                let mut top = bottom.clone();
                for _ in 0..DEPTH {
                    top = Value::list(vec![top, Value::Int(0)]);
                }
                let want = format!("{}[[...]]{}", "[".repeat(DEPTH), ", 0]".repeat(DEPTH));
                assert_eq!(repr(&top), want);
                // The same list twice (shared, not a cycle) prints twice.
                let shared = Value::list(vec![Value::Int(3)]);
                let pair = Value::list(vec![shared.clone(), shared]);
                assert_eq!(repr(&pair), "[[3], [3]]");
                if let Value::List(inner) = &bottom {
                    inner.borrow_mut().clear();
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
