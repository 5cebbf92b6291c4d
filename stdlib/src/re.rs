//! `import re`: Python's regular expressions on the `regex` crate (linear time; no
//! backreferences or look-around, which are refused with a clear error). Patterns are
//! translated from Python syntax (see `translate`) and compiled regexes are cached.
//! `match`/`search`/`fullmatch` return a `Match` struct value or None (see `matchobj`).

mod matchobj;
mod translate;

pub use translate::{escape, translate_pattern, translate_repl, GroupRef};

use dana_interpreter::error::{index_error, limit_error, type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::build_module;
use dana_interpreter::host::{int_arg, Big};
use dana_interpreter::limits::{Progress, MAX_STR_LEN};
use dana_interpreter::value::{Args, Globals, NativeFnPtr, Value};
use dana_interpreter::value::{StructInstance, StructType};
use matchobj::{field, groupindex_dict, make_type, new_match};
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

pub const IGNORECASE: i64 = 2;
pub const MULTILINE: i64 = 8;
pub const DOTALL: i64 = 16;
/// Accepted for compatibility: str patterns are always Unicode-aware.
pub const UNICODE: i64 = 32;
pub const VERBOSE: i64 = 64;
pub const ASCII: i64 = 256;
const KNOWN_FLAGS: i64 = IGNORECASE | MULTILINE | DOTALL | UNICODE | VERBOSE | ASCII;

/// Where a pattern must match: anywhere, at the start, or the whole text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Mode {
    Search,
    Match,
    Full,
}

struct Compiled {
    re: regex::Regex,
    /// Named groups with their numbers.
    names: Vec<(String, usize)>,
    /// The `regex` source `re` was built from.
    source: String,
    /// The same source built for ASCII text only (see [`Compiled::ascii`]), once asked for.
    ascii: OnceCell<Option<regex::bytes::Regex>>,
}

impl Compiled {
    fn groups(&self) -> usize {
        self.re.captures_len().saturating_sub(1)
    }

    /// `re` compiled without Unicode classes, for searching ASCII text: on ASCII text it
    /// matches exactly what `re` matches (each Unicode class, case folding, `\b` and `.` agree
    /// with their ASCII forms on ASCII characters), with a far smaller automaton (Unicode `\d`
    /// and `\w` are hundreds of ranges), so a capture search does not clear a large visited
    /// set on every call. `None` when the source has a non-ASCII character or needs Unicode
    /// (`\p{..}`, an escape above `\x7F` in a range): `re` is used then.
    fn ascii(&self) -> Option<&regex::bytes::Regex> {
        self.ascii
            .get_or_init(|| {
                if !self.source.is_ascii() {
                    return None;
                }
                let re = regex::bytes::RegexBuilder::new(&self.source)
                    .unicode(false)
                    .build()
                    .ok()?;
                // The groups must be the same ones, in the same order.
                (re.captures_len() == self.re.captures_len()).then_some(re)
            })
            .as_ref()
    }
}

/// Bounded so a program that builds many patterns cannot grow the cache without limit.
const CACHE_MAX: usize = 256;

/// How many compiled patterns [`RECENT`] keeps.
const RECENT_MAX: usize = 8;

/// A recently used pattern: its text, flags and mode, and what they compiled to.
type Recent = (Rc<String>, i64, Mode, Rc<Compiled>);

thread_local! {
    static CACHE: RefCell<HashMap<(String, i64, Mode), Rc<Compiled>>> = RefCell::new(HashMap::new());
    /// The last patterns used, found by the identity of their text (a Pattern's field, or a
    /// string constant of the program): a loop calling `p.match(line)` neither hashes nor
    /// copies the pattern. Holding the `Rc` keeps the text alive, so its address is not
    /// reused while it is here.
    static RECENT: RefCell<Vec<Recent>> =
        const { RefCell::new(Vec::new()) };
}

/// The last line of a `regex` error (`error: unclosed group`) without the ASCII-art context.
fn regex_error_text(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text.lines().last().unwrap_or("").trim();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

/// The `regex` source of a Python pattern with flags, for one mode.
pub fn regex_source(pattern: &str, flags: i64, whole: Option<bool>) -> Result<String, Exc> {
    if flags & !KNOWN_FLAGS != 0 {
        return Err(value_error(format!("unknown flags in re: {flags}")));
    }
    let body = translate_pattern(pattern, flags & ASCII != 0)
        .map_err(|m| value_error(format!("invalid regular expression: {m}")))?;
    let mut letters = String::new();
    for (bit, l) in [
        (IGNORECASE, 'i'),
        (MULTILINE, 'm'),
        (DOTALL, 's'),
        (VERBOSE, 'x'),
    ] {
        if flags & bit != 0 {
            letters.push(l);
        }
    }
    let prefix = if letters.is_empty() {
        String::new()
    } else {
        format!("(?{letters})")
    };
    // In verbose mode a trailing `# comment` would swallow the closing of the wrapper.
    let nl = if flags & VERBOSE != 0 { "\n" } else { "" };
    Ok(match whole {
        None => format!("{prefix}{body}"),
        Some(false) => format!("{prefix}\\A(?:{body}{nl})"),
        Some(true) => format!("{prefix}\\A(?:{body}{nl})\\z"),
    })
}

fn compile(pattern: &Rc<String>, flags: i64, mode: Mode) -> Result<Rc<Compiled>, Exc> {
    let recent = RECENT.with(|r| {
        r.borrow()
            .iter()
            .find(|(p, f, m, _)| Rc::ptr_eq(p, pattern) && *f == flags && *m == mode)
            .map(|e| e.3.clone())
    });
    if let Some(c) = recent {
        return Ok(c);
    }
    let c = compile_cached(pattern, flags, mode)?;
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() >= RECENT_MAX {
            r.remove(0);
        }
        r.push((pattern.clone(), flags, mode, c.clone()));
    });
    Ok(c)
}

/// [`compile`] through the cache keyed by the pattern's text.
fn compile_cached(pattern: &str, flags: i64, mode: Mode) -> Result<Rc<Compiled>, Exc> {
    let key = (pattern.to_string(), flags, mode);
    if let Some(c) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(c);
    }
    let whole = match mode {
        Mode::Search => None,
        Mode::Match => Some(false),
        Mode::Full => Some(true),
    };
    let source = regex_source(pattern, flags, whole)?;
    let re = regex::Regex::new(&source).map_err(|e| {
        value_error(format!(
            "invalid regular expression: {}",
            regex_error_text(&e)
        ))
    })?;
    let names = re
        .capture_names()
        .enumerate()
        .filter_map(|(i, n)| n.map(|n| (n.to_string(), i)))
        .collect();
    let c = Rc::new(Compiled {
        re,
        names,
        source,
        ascii: OnceCell::new(),
    });
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(key, c.clone());
    });
    Ok(c)
}

/// Byte offsets → code-point offsets of one text.
struct Offsets {
    /// `None` for ASCII text, where both are the same.
    map: Option<Vec<u32>>,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        if text.is_ascii() {
            return Offsets { map: None };
        }
        let mut map = vec![0u32; text.len() + 1];
        let mut n = 0u32;
        for (b, _) in text.char_indices() {
            map[b] = n;
            n += 1;
        }
        map[text.len()] = n;
        Offsets { map: Some(map) }
    }
    fn char_of(&self, byte: usize) -> i64 {
        match &self.map {
            None => byte as i64,
            Some(m) => m.get(byte).copied().unwrap_or(0) as i64,
        }
    }
}

/// The pattern and flags of a call: a pattern text with `flags`, or a compiled Pattern.
fn target(pattern: &Value, flags: Option<&Value>) -> Result<(Rc<String>, i64), Exc> {
    let flags = match flags {
        None | Some(Value::None) => 0,
        Some(f) => int_arg(f, Big::Overflow)?,
    };
    match pattern {
        Value::Str(s) => Ok((s.clone(), flags)),
        other => match pattern_parts(other) {
            Some(parts) if flags == 0 => Ok(parts),
            Some(_) => Err(value_error(
                "cannot process flags argument with a compiled pattern",
            )),
            None => Err(type_error(format!(
                "first argument must be string or compiled pattern, not {}",
                other.type_name()
            ))),
        },
    }
}

fn text_arg(v: &Value) -> Result<Rc<String>, Exc> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(type_error(format!(
            "expected string, got '{}'",
            other.type_name()
        ))),
    }
}

/// Every match, in order, with Python's rules for empty matches: an empty match may follow a
/// non-empty one directly (the `regex` crate's iterator skips it), but two empty matches never
/// share a position. `limit` 0 means no limit.
fn all_captures<'t>(
    re: &regex::Regex,
    text: &'t str,
    limit: usize,
) -> Result<Vec<regex::Captures<'t>>, Exc> {
    // Each match holds its group slots: an empty pattern over a long text matches at every
    // character, so memory is checked as matches accumulate.
    let per_match = std::mem::size_of::<regex::Captures>() + 16 * (re.captures_len() + 1);
    let mut progress = Progress::new();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut must_advance = false;
    while pos <= text.len() && (limit == 0 || out.len() < limit) {
        let Some(caps) = re.captures_at(text, pos) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        if must_advance && m.start() == pos && m.end() == pos {
            // A second empty match here: search again one character later.
            match text[pos..].chars().next() {
                Some(c) => {
                    pos += c.len_utf8();
                    must_advance = false;
                    continue;
                }
                None => break,
            }
        }
        must_advance = m.start() == m.end();
        pos = m.end();
        out.push(caps);
        progress.check(out.len().saturating_mul(per_match))?;
    }
    Ok(out)
}

fn match_value(c: &Compiled, caps: &regex::Captures, text: &Rc<String>, off: &Offsets) -> Value {
    let regs = (0..caps.len())
        .map(|i| {
            caps.get(i)
                .map_or((-1, -1), |m| (off.char_of(m.start()), off.char_of(m.end())))
        })
        .collect();
    let matched = caps.get(0).map_or("", |m| m.as_str()).to_string();
    new_match(
        matched,
        Value::Str(text.clone()),
        regs,
        groupindex_dict(&c.names),
    )
}

fn find(mode: Mode, (pat, flags): (Rc<String>, i64), text: &Value) -> Result<Value, Exc> {
    let text = text_arg(text)?;
    let c = compile(&pat, flags, mode)?;
    if text.is_ascii() {
        if let Some(re) = c.ascii() {
            return Ok(match re.captures(text.as_bytes()) {
                Some(caps) => ascii_match_value(&c, &caps, &text),
                None => Value::None,
            });
        }
    }
    Ok(match c.re.captures(&text) {
        Some(caps) => match_value(&c, &caps, &text, &Offsets::new(&text)),
        None => Value::None,
    })
}

/// [`match_value`] for a match of [`Compiled::ascii`] in ASCII text (byte offsets are
/// character offsets).
fn ascii_match_value(c: &Compiled, caps: &regex::bytes::Captures, text: &Rc<String>) -> Value {
    let regs = (0..caps.len())
        .map(|i| {
            caps.get(i)
                .map_or((-1, -1), |m| (m.start() as i64, m.end() as i64))
        })
        .collect();
    let matched = caps
        .get(0)
        .map_or("", |m| &text[m.start()..m.end()])
        .to_string();
    new_match(
        matched,
        Value::Str(text.clone()),
        regs,
        groupindex_dict(&c.names),
    )
}

fn findall_in((pat, flags): (Rc<String>, i64), text: &Value) -> Result<Value, Exc> {
    let text = text_arg(text)?;
    let c = compile(&pat, flags, Mode::Search)?;
    let n = c.groups();
    let group =
        |caps: &regex::Captures, i: usize| Value::str(caps.get(i).map_or("", |m| m.as_str()));
    let out = all_captures(&c.re, &text, 0)?
        .into_iter()
        .map(|caps| match n {
            0 => group(&caps, 0),
            1 => group(&caps, 1),
            _ => Value::tuple((1..=n).map(|i| group(&caps, i)).collect()),
        })
        .collect();
    Ok(Value::list(out))
}

fn finditer_in((pat, flags): (Rc<String>, i64), text: &Value) -> Result<Value, Exc> {
    let text = text_arg(text)?;
    let c = compile(&pat, flags, Mode::Search)?;
    let off = Offsets::new(&text);
    Ok(Value::list(
        all_captures(&c.re, &text, 0)?
            .iter()
            .map(|caps| match_value(&c, caps, &text, &off))
            .collect(),
    ))
}

/// `sub`/`subn`: `repl` is a template (`\1`, `\g<name>`) or a function of the Match.
fn sub_in(
    mut it: Option<&mut Interp>,
    (pat, flags): (Rc<String>, i64),
    repl: &Value,
    text: &Value,
    count: Option<&Value>,
) -> Result<(String, i64), Exc> {
    let text = text_arg(text)?;
    let c = compile(&pat, flags, Mode::Search)?;
    let count = match count {
        None | Some(Value::None) => 0,
        Some(v) => int_arg(v, Big::Overflow)?,
    };
    if count < 0 {
        return Err(value_error("count must be a non-negative int"));
    }
    let template = match repl {
        Value::Str(r) => {
            let (t, refs) =
                translate_repl(r).map_err(|m| value_error(format!("invalid replacement: {m}")))?;
            for r in refs {
                match r {
                    GroupRef::Index(i) if i > c.groups() => {
                        return Err(value_error(format!("invalid group reference {i}")))
                    }
                    GroupRef::Name(n) if !c.names.iter().any(|(k, _)| *k == n) => {
                        return Err(index_error(format!("unknown group name '{n}'")))
                    }
                    _ => {}
                }
            }
            Some(t)
        }
        f if f.is_callable() => None,
        other => {
            return Err(type_error(format!(
                "sub() repl must be a str or a function, not {}",
                other.type_name()
            )))
        }
    };
    let off = Offsets::new(&text);
    let mut progress = Progress::new();
    let mut out = String::with_capacity(text.len());
    let (mut last, mut n) = (0, 0i64);
    for caps in all_captures(&c.re, &text, count as usize)? {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&text[last..m.start()]);
        match &template {
            Some(t) => caps.expand(t, &mut out),
            None => match it
                .as_deref_mut()
                .ok_or_else(|| type_error("sub() with a function needs an interpreter"))?
                .call(repl, &[match_value(&c, &caps, &text, &off)])?
            {
                Value::Str(s) => out.push_str(&s),
                other => {
                    return Err(type_error(format!(
                        "sub() function must return a str, not {}",
                        other.type_name()
                    )))
                }
            },
        }
        last = m.end();
        n += 1;
        if out.len() > MAX_STR_LEN {
            return Err(limit_error("string too large"));
        }
        progress.check(out.len())?;
    }
    out.push_str(&text[last..]);
    Ok((out, n))
}

fn split_in(
    (pat, flags): (Rc<String>, i64),
    text: &Value,
    maxsplit: Option<&Value>,
) -> Result<Value, Exc> {
    let text = text_arg(text)?;
    let c = compile(&pat, flags, Mode::Search)?;
    let maxsplit = match maxsplit {
        None | Some(Value::None) => 0,
        Some(v) => int_arg(v, Big::Overflow)?,
    };
    let mut out = Vec::new();
    let mut last = 0;
    if maxsplit >= 0 {
        for caps in all_captures(&c.re, &text, maxsplit as usize)? {
            let Some(m) = caps.get(0) else { continue };
            out.push(Value::str(&text[last..m.start()]));
            // Captured groups are part of the result, as in Python.
            for i in 1..caps.len() {
                out.push(caps.get(i).map_or(Value::None, |g| Value::str(g.as_str())));
            }
            last = m.end();
        }
    }
    out.push(Value::str(&text[last..]));
    Ok(Value::list(out))
}

// ---- module functions ----

fn search(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    find_at("search", Mode::Search, args)
}

fn match_(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    find_at("match", Mode::Match, args)
}

fn fullmatch(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    find_at("fullmatch", Mode::Full, args)
}

/// `re.search`/`re.match`/`re.fullmatch(pattern, string, flags=0)`.
fn find_at(name: &str, mode: Mode, args: Args) -> Result<Value, Exc> {
    args.check(name, 2, 3, &["flags"])?;
    find(
        mode,
        target(&args.pos[0], args.get(2, "flags"))?,
        &args.pos[1],
    )
}

fn findall(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("findall", 2, 3, &["flags"])?;
    findall_in(target(&args.pos[0], args.get(2, "flags"))?, &args.pos[1])
}

fn finditer(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("finditer", 2, 3, &["flags"])?;
    finditer_in(target(&args.pos[0], args.get(2, "flags"))?, &args.pos[1])
}

fn sub(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("sub", 3, 5, &["count", "flags"])?;
    let t = target(&args.pos[0], args.get(4, "flags"))?;
    Ok(Value::str(
        sub_in(
            Some(it),
            t,
            &args.pos[1],
            &args.pos[2],
            args.get(3, "count"),
        )?
        .0,
    ))
}

fn subn(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("subn", 3, 5, &["count", "flags"])?;
    let t = target(&args.pos[0], args.get(4, "flags"))?;
    let (s, n) = sub_in(
        Some(it),
        t,
        &args.pos[1],
        &args.pos[2],
        args.get(3, "count"),
    )?;
    Ok(Value::tuple(vec![Value::str(s), Value::Int(n)]))
}

fn split(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("split", 2, 4, &["maxsplit", "flags"])?;
    split_in(
        target(&args.pos[0], args.get(3, "flags"))?,
        &args.pos[1],
        args.get(2, "maxsplit"),
    )
}

fn escape_fn(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("escape", 1, 1, &[])?;
    Ok(Value::str(escape(&text_arg(&args.pos[0])?)))
}

fn compile_fn(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("compile", 1, 2, &["flags"])?;
    if pattern_parts(&args.pos[0]).is_some() && args.get(1, "flags").is_none() {
        return Ok(args.pos[0].clone());
    }
    let (pat, flags) = target(&args.pos[0], args.get(1, "flags"))?;
    let c = compile(&pat, flags, Mode::Search)?;
    Ok(new_pattern(
        pat,
        flags,
        c.groups(),
        groupindex_dict(&c.names),
    ))
}

fn purge(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("purge", 0, 0, &[])?;
    CACHE.with(|c| c.borrow_mut().clear());
    RECENT.with(|r| r.borrow_mut().clear());
    Ok(Value::None)
}

// ---- Pattern methods (the receiver comes first) ----

fn recv_target(args: &Args, method: &str) -> Result<(Rc<String>, i64), Exc> {
    args.pos
        .first()
        .and_then(pattern_parts)
        .ok_or_else(|| type_error(format!("Pattern.{method}() needs a Pattern object")))
}

fn p_search(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("search", 2, 2, &[])?;
    find(Mode::Search, recv_target(&args, "search")?, &args.pos[1])
}

fn p_match(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("match", 2, 2, &[])?;
    find(Mode::Match, recv_target(&args, "match")?, &args.pos[1])
}

fn p_fullmatch(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("fullmatch", 2, 2, &[])?;
    find(Mode::Full, recv_target(&args, "fullmatch")?, &args.pos[1])
}

fn p_findall(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("findall", 2, 2, &[])?;
    findall_in(recv_target(&args, "findall")?, &args.pos[1])
}

fn p_finditer(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("finditer", 2, 2, &[])?;
    finditer_in(recv_target(&args, "finditer")?, &args.pos[1])
}

fn p_sub(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("sub", 3, 4, &["count"])?;
    let t = recv_target(&args, "sub")?;
    Ok(Value::str(
        sub_in(
            Some(it),
            t,
            &args.pos[1],
            &args.pos[2],
            args.get(3, "count"),
        )?
        .0,
    ))
}

fn p_subn(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("subn", 3, 4, &["count"])?;
    let t = recv_target(&args, "subn")?;
    let (s, n) = sub_in(
        Some(it),
        t,
        &args.pos[1],
        &args.pos[2],
        args.get(3, "count"),
    )?;
    Ok(Value::tuple(vec![Value::str(s), Value::Int(n)]))
}

fn p_split(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("split", 2, 3, &["maxsplit"])?;
    split_in(
        recv_target(&args, "split")?,
        &args.pos[1],
        args.get(2, "maxsplit"),
    )
}

thread_local! {
    static PATTERN_TYPE: Rc<StructType> = make_type(
        "Pattern",
        "A compiled regular expression (re.compile).",
        vec![
            field("pattern", "the pattern text"),
            field("flags", "the flags it was compiled with"),
            field("groups", "the number of capturing groups"),
            field("groupindex", "group name -> group number"),
        ],
        &PATTERN_METHODS,
    );
}

/// A new Pattern value.
pub(crate) fn new_pattern(
    pattern: Rc<String>,
    flags: i64,
    groups: usize,
    groupindex: Value,
) -> Value {
    let fields = vec![
        Value::Str(pattern),
        Value::Int(flags),
        Value::Int(groups as i64),
        groupindex,
    ];
    PATTERN_TYPE.with(|t| {
        Value::Struct(Rc::new(StructInstance {
            ty: t.clone(),
            fields: RefCell::new(fields),
        }))
    })
}

/// The pattern text and flags of a Pattern value.
pub(crate) fn pattern_parts(v: &Value) -> Option<(Rc<String>, i64)> {
    let Value::Struct(s) = v else { return None };
    if !PATTERN_TYPE.with(|t| Rc::ptr_eq(t, &s.ty)) {
        return None;
    }
    let f = s.fields.borrow();
    match (f.first(), f.get(1)) {
        (Some(Value::Str(p)), Some(Value::Int(fl))) => Some((p.clone(), *fl)),
        _ => None,
    }
}

pub(crate) const PATTERN_METHODS: [(&str, NativeFnPtr, &str); 8] = [
    (
        "search",
        p_search,
        "search(text) -> Match | None\n\nThe first match anywhere in text.",
    ),
    (
        "match",
        p_match,
        "match(text) -> Match | None\n\nA match at the start of text.",
    ),
    (
        "fullmatch",
        p_fullmatch,
        "fullmatch(text) -> Match | None\n\nA match of the whole text.",
    ),
    (
        "findall",
        p_findall,
        "findall(text) -> list\n\nAll matches (group texts when the pattern has groups).",
    ),
    (
        "finditer",
        p_finditer,
        "finditer(text) -> list\n\nAll matches as Match values.",
    ),
    (
        "sub",
        p_sub,
        "sub(repl, text, count=0) -> str\n\ntext with matches replaced.",
    ),
    (
        "subn",
        p_subn,
        "subn(repl, text, count=0) -> (str, int)\n\nLike sub, with the number of replacements.",
    ),
    (
        "split",
        p_split,
        "split(text, maxsplit=0) -> list\n\ntext split around matches.",
    ),
];

const FUNCTIONS: &[(&str, NativeFnPtr, &str)] = &[
    ("match", match_, "match(pattern, text, flags=0) -> Match | None\n\nA match at the start of text."),
    ("search", search, "search(pattern, text, flags=0) -> Match | None\n\nThe first match anywhere in text."),
    ("fullmatch", fullmatch, "fullmatch(pattern, text, flags=0) -> Match | None\n\nA match of the whole text."),
    ("findall", findall, "findall(pattern, text, flags=0) -> list\n\nAll non-overlapping matches: strings, or the group texts (a tuple per match\nwhen the pattern has several groups)."),
    ("finditer", finditer, "finditer(pattern, text, flags=0) -> list\n\nAll matches as Match values (a list, not a lazy iterator)."),
    ("sub", sub, "sub(pattern, repl, text, count=0, flags=0) -> str\n\ntext with matches replaced by repl: a template (\\1, \\g<1>, \\g<name>) or a\nfunction called with each Match."),
    ("subn", subn, "subn(pattern, repl, text, count=0, flags=0) -> (str, int)\n\nLike sub, with the number of replacements."),
    ("split", split, "split(pattern, text, maxsplit=0, flags=0) -> list\n\ntext split around matches (captured groups included)."),
    ("escape", escape_fn, "escape(text) -> str\n\ntext with the pattern-special characters backslash-escaped."),
    ("compile", compile_fn, "compile(pattern, flags=0) -> Pattern\n\nA compiled pattern with the methods search, match, fullmatch, findall,\nfinditer, sub, subn and split."),
    ("purge", purge, "purge()\n\nClears the cache of compiled patterns."),
];

pub(crate) fn module() -> Rc<Globals> {
    let mut constants = Vec::new();
    for (long, short, v) in [
        ("IGNORECASE", "I", IGNORECASE),
        ("MULTILINE", "M", MULTILINE),
        ("DOTALL", "S", DOTALL),
        ("VERBOSE", "X", VERBOSE),
        ("ASCII", "A", ASCII),
        ("UNICODE", "U", UNICODE),
    ] {
        constants.push((long, Value::Int(v)));
        constants.push((short, Value::Int(v)));
    }
    build_module("re", FUNCTIONS, constants)
}

#[cfg(test)]
mod tests;
