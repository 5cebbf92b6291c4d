//! `str` methods with Python semantics (indices count code points).

use crate::error::{limit_error, type_error, value_error, Exc};
use crate::host::{bind, given, int_arg, Big};
use crate::value::coerce::is_py_space;
use crate::value::format::str_format;
use crate::value::ops::{
    check_new_items, check_new_str, iter_to_vec, str_items_worth_counting, MAX_STR_LEN,
    STR_ITEM_BYTES,
};
use crate::value::{Args, Value};
use std::rc::Rc;

/// `rc` is the receiver's string: a method whose result equals it (`strip` with nothing to
/// strip, `lower` of a lower-case string) returns it shared, as Python returns the same object.
pub(super) fn call(rc: &Rc<String>, name: &str, args: Args<'_>) -> Result<Value, Exc> {
    let s = rc.as_str();
    if name == "format" {
        return str_format(s, args.pos, args.kw).map(Value::str);
    }
    let (params, required): (&[&str], usize) = match name {
        "strip" | "lstrip" | "rstrip" => (&["chars"], 0),
        "split" | "rsplit" => (&["sep", "maxsplit"], 0),
        "splitlines" => (&["keepends"], 0),
        "join" | "zfill" | "partition" | "rpartition" | "removeprefix" | "removesuffix" => {
            (&["x"], 1)
        }
        "replace" => (&["old", "new", "count"], 2),
        "startswith" | "endswith" | "find" | "rfind" | "index" | "rindex" | "count" => {
            (&["sub", "start", "end"], 1)
        }
        "center" | "ljust" | "rjust" => (&["width", "fillchar"], 1),
        _ => (&[], 0),
    };
    let a = bind(name, args, params, required)?;
    let arg = |i: usize| a.get(i).copied().flatten();
    let first = arg(0).cloned().unwrap_or_default();
    Ok(match name {
        "upper" => change_case(rc, true),
        "lower" => change_case(rc, false),
        "casefold" => Value::str(s.to_lowercase().replace('ß', "ss")),
        "swapcase" => Value::str(swapcase(s)),
        "title" => Value::str(title(s)),
        "capitalize" => Value::str(capitalize(s)),
        "strip" | "lstrip" | "rstrip" => {
            let kept = strip(s, name, given(arg(0)))?;
            if kept.len() == s.len() {
                Value::Str(rc.clone())
            } else {
                Value::str(kept)
            }
        }
        "split" | "rsplit" => split(s, name == "rsplit", given(arg(0)), given(arg(1)))?,
        "splitlines" => splitlines(s, arg(0).is_some_and(Value::truthy))?,
        "join" => Value::str(join(s, &first)?),
        "replace" => {
            let (old, new) = (
                str_arg(name, &first)?,
                str_arg(name, arg(1).unwrap_or(&first))?,
            );
            let count = given(arg(2))
                .map(|v| int_arg(v, Big::Saturate))
                .transpose()?
                .unwrap_or(-1);
            replace(s, old, new, count)?
        }
        "startswith" | "endswith" => {
            let (lo, hi) = char_bounds(s, arg(1), arg(2))?;
            let Some((b0, b1)) = byte_range(s, lo, hi) else {
                return Ok(Value::Bool(false));
            };
            let hay = &s[b0..b1];
            let test = |p: &str| {
                if name == "startswith" {
                    hay.starts_with(p)
                } else {
                    hay.ends_with(p)
                }
            };
            let ok = match &first {
                Value::Str(p) => test(p),
                Value::Tuple(ps) if ps.iter().all(|p| matches!(p, Value::Str(_))) => {
                    ps.iter().any(|p| test(p.as_str().unwrap_or_default()))
                }
                other => {
                    return Err(type_error(format!(
                        "{name} first arg must be str or a tuple of str, not {}",
                        other.type_name()
                    )))
                }
            };
            Value::Bool(ok)
        }
        "find" | "rfind" | "index" | "rindex" => {
            let sub = str_arg(name, &first)?;
            let found = find(s, sub, name.starts_with('r'), arg(1), arg(2))?;
            match found {
                Some(i) => Value::Int(i as i64),
                None if name.contains("index") => return Err(value_error("substring not found")),
                None => Value::Int(-1),
            }
        }
        "count" => {
            let sub = str_arg(name, &first)?;
            let (lo, hi) = char_bounds(s, arg(1), arg(2))?;
            let n = match byte_range(s, lo, hi) {
                None => 0,
                Some((b0, b1)) if sub.is_empty() => s[b0..b1].chars().count() + 1,
                Some((b0, b1)) => s[b0..b1].matches(sub).count(),
            };
            Value::Int(n as i64)
        }
        "isdigit" | "isnumeric" | "isdecimal" => {
            let pred: fn(char) -> bool = if name == "isnumeric" {
                char::is_numeric
            } else {
                is_decimal
            };
            Value::Bool(!s.is_empty() && s.chars().all(pred))
        }
        "isalpha" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "isalnum" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "isspace" => Value::Bool(!s.is_empty() && s.chars().all(is_py_space)),
        "isascii" => Value::Bool(s.is_ascii()),
        "isupper" => {
            Value::Bool(s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase))
        }
        "islower" => {
            Value::Bool(s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase))
        }
        "istitle" => Value::Bool(istitle(s)),
        "zfill" => Value::str(zfill(s, width_arg(&first)?)),
        "center" | "ljust" | "rjust" => {
            let fill = match given(arg(1)) {
                None => ' ',
                Some(Value::Str(f)) if f.chars().count() == 1 => f.chars().next().unwrap_or(' '),
                Some(_) => {
                    return Err(type_error(
                        "The fill character must be exactly one character long",
                    ))
                }
            };
            Value::str(justify(s, name, width_arg(&first)?, fill))
        }
        "partition" | "rpartition" => {
            let sep = str_arg(name, &first)?;
            if sep.is_empty() {
                return Err(value_error("empty separator"));
            }
            let found = if name == "partition" {
                s.find(sep)
            } else {
                s.rfind(sep)
            };
            let parts = match found {
                Some(i) => [&s[..i], sep, &s[i + sep.len()..]],
                None if name == "partition" => [s, "", ""],
                None => ["", "", s],
            };
            Value::tuple(parts.iter().map(|p| Value::str(*p)).collect())
        }
        "removeprefix" => Value::str(s.strip_prefix(str_arg(name, &first)?).unwrap_or(s)),
        "removesuffix" => Value::str(s.strip_suffix(str_arg(name, &first)?).unwrap_or(s)),
        _ => return Err(type_error(format!("'str' object has no method '{name}'"))),
    })
}

fn str_arg<'v>(name: &str, v: &'v Value) -> Result<&'v str, Exc> {
    v.as_str().ok_or_else(|| {
        type_error(format!(
            "{name}() argument must be str, not {}",
            v.type_name()
        ))
    })
}

/// A width for padding methods (huge widths are refused rather than allocated).
fn width_arg(v: &Value) -> Result<usize, Exc> {
    let w = int_arg(v, Big::Saturate)?.max(0) as u64;
    crate::limits::check_alloc(usize::try_from(w).unwrap_or(usize::MAX))?;
    if w > MAX_STR_LEN as u64 {
        return Err(limit_error("string too large"));
    }
    Ok(w as usize)
}

/// Decimal digits (`str.isdigit` / `isdecimal`): characters with a decimal digit value.
fn is_decimal(c: char) -> bool {
    // ASCII, Arabic-Indic, extended Arabic-Indic, Devanagari and full-width digits (an
    // approximation of Unicode category Nd without the full tables).
    c.is_ascii_digit()
        || matches!(c as u32, 0x660..=0x669 | 0x6F0..=0x6F9 | 0x966..=0x96F | 0xFF10..=0xFF19)
}

/// The title-case form of a character (Python uses it for the first letter of a word):
/// the digraphs `ǆ`/`ǉ`/`ǌ`/`ǳ` have their own title forms, and a character whose upper
/// case is several characters (`ß` → `SS`, `ﬁ` → `FI`) keeps only the first one upper-case
/// (`Ss`, `Fi`).
fn push_title(out: &mut String, c: char) {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => out.push('ǅ'),
        'Ǉ' | 'ǈ' | 'ǉ' => out.push('ǈ'),
        'Ǌ' | 'ǋ' | 'ǌ' => out.push('ǋ'),
        'Ǳ' | 'ǲ' | 'ǳ' => out.push('ǲ'),
        'ŉ' => out.push_str("ʼN"),
        c => {
            let mut up = c.to_uppercase();
            if let Some(first) = up.next() {
                out.push(first);
                out.extend(up.flat_map(char::to_lowercase));
            }
        }
    }
}

fn is_cased(c: char) -> bool {
    c.is_uppercase() || c.is_lowercase()
}

/// Python's `title()`: a letter is upper-cased after an uncased character and lower-cased
/// after a cased one (`"hello world's"` → `"Hello World'S"`).
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            push_title(&mut out, c);
        }
        prev_cased = is_cased(c);
    }
    out
}

fn istitle(s: &str) -> bool {
    let mut prev_cased = false;
    let mut any = false;
    for c in s.chars() {
        if c.is_uppercase() {
            if prev_cased {
                return false;
            }
            prev_cased = true;
            any = true;
        } else if c.is_lowercase() {
            if !prev_cased {
                return false;
            }
            prev_cased = true;
            any = true;
        } else {
            prev_cased = false;
        }
    }
    any
}

fn capitalize(s: &str) -> String {
    let mut cs = s.chars();
    let mut out = String::with_capacity(s.len());
    if let Some(c) = cs.next() {
        push_title(&mut out, c);
        out.push_str(&cs.as_str().to_lowercase());
    }
    out
}

fn swapcase(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else if c.is_lowercase() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `upper()`/`lower()`: the receiver itself when no character changes; ASCII text without
/// the Unicode tables.
fn change_case(rc: &Rc<String>, upper: bool) -> Value {
    let s = rc.as_str();
    if s.is_ascii() {
        let changes = if upper {
            s.bytes().any(|b| b.is_ascii_lowercase())
        } else {
            s.bytes().any(|b| b.is_ascii_uppercase())
        };
        return match (changes, upper) {
            (false, _) => Value::Str(rc.clone()),
            (true, true) => Value::str(s.to_ascii_uppercase()),
            (true, false) => Value::str(s.to_ascii_lowercase()),
        };
    }
    let out = if upper {
        s.to_uppercase()
    } else {
        s.to_lowercase()
    };
    if out == s {
        Value::Str(rc.clone())
    } else {
        Value::str(out)
    }
}

/// The part of `s` that `strip`/`lstrip`/`rstrip` keep (borrowed: the caller decides whether
/// a new string is needed).
fn strip<'s>(s: &'s str, name: &str, chars: Option<&Value>) -> Result<&'s str, Exc> {
    let set: &str = match chars {
        None => {
            return Ok(match name {
                "lstrip" => s.trim_start_matches(is_py_space),
                "rstrip" => s.trim_end_matches(is_py_space),
                _ => s.trim_matches(is_py_space),
            })
        }
        Some(Value::Str(c)) => c.as_str(),
        Some(_) => return Err(type_error(format!("{name} arg must be None or str"))),
    };
    let pred = |c: char| set.contains(c);
    Ok(match name {
        "lstrip" => s.trim_start_matches(pred),
        "rstrip" => s.trim_end_matches(pred),
        _ => s.trim_matches(pred),
    })
}

fn split(
    s: &str,
    from_right: bool,
    sep: Option<&Value>,
    maxsplit: Option<&Value>,
) -> Result<Value, Exc> {
    let max = maxsplit
        .map(|v| int_arg(v, Big::Saturate))
        .transpose()?
        .unwrap_or(-1);
    let max = if max < 0 { usize::MAX } else { max as usize };
    let parts: Vec<Value> = match sep {
        None => {
            // The words, counted first so that the list is refused before it is built.
            let words = s.split(is_py_space).filter(|w| !w.is_empty()).count();
            let n = words.min(max.saturating_add(1));
            check_new_items(n, s.len().saturating_add(n.saturating_mul(STR_ITEM_BYTES)))?;
            // The characters, while splitting.
            crate::limits::check_alloc(s.len().saturating_mul(4))?;
            if from_right {
                split_whitespace_right(s, max)
            } else {
                split_whitespace(s, n, max)
            }
        }
        Some(Value::Str(sep)) => {
            if sep.is_empty() {
                return Err(value_error("empty separator"));
            }
            let n = max.saturating_add(1);
            let bound = str_items_worth_counting();
            let found = match sep.as_bytes() {
                // One byte (ASCII: it cannot sit inside a longer UTF-8 character).
                &[b] => s.bytes().filter(|&x| x == b).take(bound).count(),
                _ => s.matches(sep.as_str()).take(bound).count(),
            };
            let pieces = found.saturating_add(1).min(n);
            check_new_items(
                pieces,
                s.len()
                    .saturating_add(pieces.saturating_mul(STR_ITEM_BYTES)),
            )?;
            let mut v: Vec<Value> = Vec::with_capacity(pieces);
            if from_right {
                v.extend(s.rsplitn(n, sep.as_str()).map(Value::str));
                v.reverse();
            } else {
                v.extend(s.splitn(n, sep.as_str()).map(Value::str));
            }
            v
        }
        Some(other) => {
            return Err(type_error(format!(
                "must be str or None, not {}",
                other.type_name()
            )))
        }
    };
    Ok(Value::list(parts))
}

/// `split()` without a separator: runs of whitespace separate words; leading and trailing
/// whitespace is ignored, except that the unsplit remainder after `max` splits keeps it on
/// its far side. `words` is the number of pieces (to size the list).
fn split_whitespace(s: &str, words: usize, max: usize) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(words);
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(is_py_space);
        if rest.is_empty() {
            break;
        }
        if out.len() == max {
            out.push(Value::str(rest));
            break;
        }
        let end = rest.find(is_py_space).unwrap_or(rest.len());
        out.push(Value::str(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

/// `rsplit()` without a separator: [`split_whitespace`] from the right.
fn split_whitespace_right(s: &str, max: usize) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_end_matches(is_py_space);
        if rest.is_empty() {
            break;
        }
        if out.len() == max {
            out.push(Value::str(rest));
            break;
        }
        let start = rest.rfind(is_py_space).map_or(0, |i| {
            i + rest[i..].chars().next().map_or(1, char::len_utf8)
        });
        out.push(Value::str(&rest[start..]));
        rest = &rest[..start];
    }
    out.reverse();
    out
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

fn splitlines(s: &str, keepends: bool) -> Result<Value, Exc> {
    let lines = s.chars().filter(|&c| is_line_break(c)).count() + 1;
    check_new_items(
        lines,
        s.len().saturating_add(lines.saturating_mul(STR_ITEM_BYTES)),
    )?;
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if !is_line_break(c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        if c == '\r' {
            if let Some(&(_, '\n')) = it.peek() {
                it.next();
                end += 1;
            }
        }
        out.push(Value::str(if keepends {
            &s[start..end]
        } else {
            &s[start..i]
        }));
        start = end;
    }
    if start < s.len() {
        out.push(Value::str(&s[start..]));
    }
    Ok(Value::list(out))
}

fn join(sep: &str, items: &Value) -> Result<String, Exc> {
    match items {
        Value::List(l) => join_slice(sep, &l.borrow()),
        Value::Tuple(t) => join_slice(sep, t),
        _ => join_slice(sep, &iter_to_vec(items)?),
    }
}

/// Joins string items: one pass to check them and size the result, one to copy.
fn join_slice(sep: &str, items: &[Value]) -> Result<String, Exc> {
    let mut total = sep.len().saturating_mul(items.len().saturating_sub(1));
    for (i, x) in items.iter().enumerate() {
        let Value::Str(t) = x else {
            return Err(type_error(format!(
                "sequence item {i}: expected str instance, {} found",
                x.type_name()
            )));
        };
        total = total.saturating_add(t.len());
    }
    check_new_str(total)?;
    let mut out = String::with_capacity(total);
    for (i, x) in items.iter().enumerate() {
        if let Value::Str(t) = x {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(t);
        }
    }
    Ok(out)
}

fn replace(s: &str, old: &str, new: &str, count: i64) -> Result<Value, Exc> {
    let n = if count < 0 {
        usize::MAX
    } else {
        count as usize
    };
    let hits = if old.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(old).count()
    }
    .min(n);
    let grow = new.len().saturating_sub(old.len()).saturating_mul(hits);
    check_new_str(s.len().saturating_add(grow))?;
    Ok(Value::str(if n == usize::MAX {
        s.replace(old, new)
    } else {
        s.replacen(old, new, n)
    }))
}

/// Python's slice-style `start`/`end` arguments, in code points: `(start, end)` after
/// negative indices and clamping (start may exceed the length: then nothing matches).
fn char_bounds(s: &str, start: Option<&Value>, end: Option<&Value>) -> Result<(i64, i64), Exc> {
    let len = s.chars().count() as i64;
    let fix = |v: Option<&Value>, default: i64| -> Result<i64, Exc> {
        match given(v) {
            None => Ok(default),
            Some(v) => {
                let i = int_arg(v, Big::Saturate)?;
                Ok(if i < 0 {
                    (i.saturating_add(len)).max(0)
                } else {
                    i.min(len + 1)
                })
            }
        }
    };
    Ok((fix(start, 0)?, fix(end, len)?.min(len)))
}

/// Byte offsets of the code-point range `lo..hi`; `None` when `lo` is past the end or past `hi`.
fn byte_range(s: &str, lo: i64, hi: i64) -> Option<(usize, usize)> {
    let len = s.chars().count() as i64;
    if lo > len || lo > hi {
        return None;
    }
    let at = |k: i64| {
        s.char_indices()
            .nth(k as usize)
            .map(|(b, _)| b)
            .unwrap_or(s.len())
    };
    Some((at(lo), at(hi)))
}

fn find(
    s: &str,
    sub: &str,
    from_right: bool,
    start: Option<&Value>,
    end: Option<&Value>,
) -> Result<Option<usize>, Exc> {
    let (lo, hi) = char_bounds(s, start, end)?;
    let Some((b0, b1)) = byte_range(s, lo, hi) else {
        return Ok(None);
    };
    let hay = &s[b0..b1];
    let found = if from_right {
        hay.rfind(sub)
    } else {
        hay.find(sub)
    };
    Ok(found.map(|b| lo as usize + hay[..b].chars().count()))
}

fn zfill(s: &str, width: usize) -> String {
    let len = s.chars().count();
    if len >= width {
        return s.to_owned();
    }
    let zeros = "0".repeat(width - len);
    match s.chars().next() {
        Some(c @ ('+' | '-')) => format!("{c}{zeros}{}", &s[1..]),
        _ => format!("{zeros}{s}"),
    }
}

fn justify(s: &str, name: &str, width: usize, fill: char) -> String {
    let len = s.chars().count();
    if len >= width {
        return s.to_owned();
    }
    let marg = width - len;
    // CPython's centering rounds the odd padding character to the left for odd widths.
    let left = match name {
        "ljust" => 0,
        "rjust" => marg,
        _ => marg / 2 + (marg & width & 1),
    };
    let mut out = String::with_capacity(s.len() + marg);
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(s);
    out.extend(std::iter::repeat_n(fill, marg - left));
    out
}

#[cfg(test)]
mod tests;
