//! Python regular-expression syntax → the `regex` crate's syntax.
//!
//! The two agree on most syntax; the differences handled here: `\Z` (Python's end of text) is
//! `\z`; a `{` that is not a repetition is a literal in Python; `[` inside a class is a literal
//! in Python (a nested class in `regex`); `(?#…)` comments; `\0`/octal escapes; escaped
//! punctuation that `regex` does not accept; the ASCII flag. Features the `regex` crate cannot
//! run (backreferences, look-around, atomic groups) are refused with a clear message instead of
//! a confusing parse error.

/// Characters that are special in `regex` syntax and may be escaped with a backslash.
const META: &str = r"\.+*?()|[]{}^$";

/// Appends `c` as a literal that is valid both inside and outside a class.
fn push_literal(out: &mut String, c: char) {
    if META.contains(c) || c == '-' {
        out.push('\\');
        out.push(c);
    } else if c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_whitespace()) {
        out.push(c);
    } else {
        // Whitespace, `#`, `&`, `~`, … : a hex escape is literal in every mode (even `(?x)`).
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    }
}

/// The ASCII-only spelling of a class escape (`re.ASCII`), or `None` to keep it.
fn ascii_class(c: char, in_class: bool) -> Option<&'static str> {
    Some(match (c, in_class) {
        ('d', false) => "[0-9]",
        ('D', false) => "[^0-9]",
        ('w', false) => "[0-9A-Za-z_]",
        ('W', false) => "[^0-9A-Za-z_]",
        ('s', false) => r"[\t\n\x0B\x0C\r ]",
        ('S', false) => r"[^\t\n\x0B\x0C\r ]",
        ('d', true) => "0-9",
        ('w', true) => "0-9A-Za-z_",
        ('s', true) => r"\t\n\x0B\x0C\r ",
        // Nested classes are unions in `regex`, so the negated forms still work in a class.
        ('D', true) => "[^0-9]",
        ('W', true) => "[^0-9A-Za-z_]",
        ('S', true) => r"[^\t\n\x0B\x0C\r ]",
        _ => return None,
    })
}

/// Reads a `{m}`, `{m,}`, `{,n}` or `{m,n}` repetition starting at `chars[i] == '{'`;
/// returns its `regex` spelling and the index after it.
fn repetition(chars: &[char], i: usize) -> Option<(String, usize)> {
    let close = chars[i..].iter().position(|&c| c == '}')? + i;
    let body: String = chars[i + 1..close].iter().collect();
    let (lo, hi) = match body.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (body.as_str(), None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(lo) || !hi.is_none_or(digits) || (lo.is_empty() && hi.is_none_or(str::is_empty)) {
        return None;
    }
    let lo = if lo.is_empty() { "0" } else { lo };
    let text = match hi {
        None => format!("{{{lo}}}"),
        Some(h) => format!("{{{lo},{h}}}"),
    };
    Some((text, close + 1))
}

/// Translates a Python pattern; `Err` carries a Python-like message (`bad escape \q`).
pub fn translate_pattern(pattern: &str, ascii: bool) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    // Index in `chars` where the current class's items start (for a leading `]`).
    let mut class_items_start = 0;
    let mut prev_class_char: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&e) = chars.get(i + 1) else {
                return Err("bad escape (end of pattern)".into());
            };
            i += 2;
            match e {
                '1'..='9' if !in_class => {
                    return Err(format!(
                        "backreferences (\\{e}) are not supported by Dana's regex engine"
                    ))
                }
                '0'..='7' => {
                    // Octal: `\0`, `\012`, and in classes `\1`… too (Python reads up to 3 digits).
                    let mut n = e.to_digit(8).unwrap_or(0);
                    let mut len = 1;
                    while len < 3 {
                        match chars.get(i).and_then(|d| d.to_digit(8)) {
                            Some(d) => {
                                n = n * 8 + d;
                                i += 1;
                                len += 1;
                            }
                            None => break,
                        }
                    }
                    out.push_str(&format!("\\x{{{n:X}}}"));
                }
                '8' | '9' => return Err(format!("bad escape \\{e}")),
                'Z' if !in_class => out.push_str(r"\z"),
                'A' | 'B' if !in_class => {
                    out.push('\\');
                    out.push(e);
                }
                'b' if in_class => out.push_str(r"\x08"),
                'b' => out.push_str(if ascii { r"(?-u:\b)" } else { r"\b" }),
                'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                    match ascii_class(e, in_class).filter(|_| ascii) {
                        Some(s) => out.push_str(s),
                        None => {
                            out.push('\\');
                            out.push(e);
                        }
                    }
                }
                'a' | 'f' | 'n' | 'r' | 't' | 'v' => {
                    out.push('\\');
                    out.push(e);
                }
                'x' | 'u' | 'U' => {
                    let n = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex: String = chars.iter().skip(i).take(n).collect();
                    if hex.len() != n || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                        return Err(format!("incomplete escape \\{e}{hex}"));
                    }
                    let code =
                        u32::from_str_radix(&hex, 16).map_err(|_| format!("bad escape \\{e}"))?;
                    let ch =
                        char::from_u32(code).ok_or_else(|| format!("bad escape \\{e}{hex}"))?;
                    i += n;
                    push_literal(&mut out, ch);
                }
                e if e.is_ascii_alphanumeric() => return Err(format!("bad escape \\{e}")),
                e => push_literal(&mut out, e),
            }
            prev_class_char = None;
            continue;
        }
        if in_class {
            match c {
                ']' if i > class_items_start => {
                    in_class = false;
                    out.push(']');
                }
                // Python reads these literally inside a class; `regex` gives them meaning.
                '[' | '&' | '~' => push_literal(&mut out, c),
                ']' => out.push_str(r"\]"),
                '-' if prev_class_char == Some('-') => out.push_str(r"\-"),
                c => out.push(c),
            }
            prev_class_char = Some(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class_items_start = i;
                prev_class_char = None;
                continue;
            }
            '{' => match repetition(&chars, i) {
                Some((text, next)) => {
                    out.push_str(&text);
                    i = next;
                    continue;
                }
                None => out.push_str(r"\{"),
            },
            '}' => out.push_str(r"\}"),
            '(' if chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..chars.len().min(i + 5)].iter().collect();
                if rest.starts_with('#') {
                    // A comment group: dropped.
                    match chars[i..].iter().position(|&c| c == ')') {
                        Some(p) => {
                            i += p + 1;
                            continue;
                        }
                        None => return Err("missing ), unterminated comment".into()),
                    }
                }
                if rest.starts_with("P=") {
                    return Err(
                        "backreferences ((?P=name)) are not supported by Dana's regex engine"
                            .into(),
                    );
                }
                if rest.starts_with('=')
                    || rest.starts_with('!')
                    || rest.starts_with("<=")
                    || rest.starts_with("<!")
                {
                    return Err(
                        "look-around assertions are not supported by Dana's regex engine".into(),
                    );
                }
                if rest.starts_with('>') {
                    return Err("atomic groups are not supported by Dana's regex engine".into());
                }
                if rest.starts_with('(') {
                    return Err(
                        "conditional groups are not supported by Dana's regex engine".into(),
                    );
                }
                out.push('(');
            }
            c => out.push(c),
        }
        i += 1;
    }
    if in_class {
        return Err("unterminated character set".into());
    }
    Ok(out)
}

/// A group reference found in a replacement template.
#[derive(Debug, PartialEq, Eq)]
pub enum GroupRef {
    Index(usize),
    Name(String),
}

/// Translates a Python replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`, `\\`) to the
/// `regex` crate's (`${1}`, `${name}`, `$$`), listing the groups it refers to.
pub fn translate_repl(repl: &str) -> Result<(String, Vec<GroupRef>), String> {
    let chars: Vec<char> = repl.chars().collect();
    let mut out = String::with_capacity(repl.len());
    let mut refs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '$' => out.push_str("$$"),
            '\\' => {
                let Some(&e) = chars.get(i) else {
                    return Err("bad escape (end of pattern)".into());
                };
                i += 1;
                match e {
                    '0'..='9' => {
                        // `\0` and 3-digit forms are octal in Python; 1–2 digits are a group.
                        let d2 = chars.get(i).filter(|d| d.is_ascii_digit()).copied();
                        let d3 = chars
                            .get(i + 1)
                            .filter(|d| matches!(**d, '0'..='7'))
                            .copied();
                        if e == '0' || (d2.is_some() && d3.is_some() && ('0'..='7').contains(&e)) {
                            let mut n = e.to_digit(8).unwrap_or(0);
                            let mut len = 1;
                            while len < 3 {
                                match chars.get(i).and_then(|d| d.to_digit(8)) {
                                    Some(d) => {
                                        n = n * 8 + d;
                                        i += 1;
                                        len += 1;
                                    }
                                    None => break,
                                }
                            }
                            out.push(char::from_u32(n).unwrap_or('\u{FFFD}'));
                        } else {
                            let mut n = e.to_digit(10).unwrap_or(0) as usize;
                            if let Some(d) = d2 {
                                n = n * 10 + d.to_digit(10).unwrap_or(0) as usize;
                                i += 1;
                            }
                            out.push_str(&format!("${{{n}}}"));
                            refs.push(GroupRef::Index(n));
                        }
                    }
                    'g' => {
                        if chars.get(i) != Some(&'<') {
                            return Err("missing <".into());
                        }
                        let close = chars[i..]
                            .iter()
                            .position(|&c| c == '>')
                            .ok_or("missing >, unterminated name")?
                            + i;
                        let name: String = chars[i + 1..close].iter().collect();
                        i = close + 1;
                        if name.is_empty() {
                            return Err("missing group name".into());
                        }
                        if let Ok(n) = name.parse::<usize>() {
                            out.push_str(&format!("${{{n}}}"));
                            refs.push(GroupRef::Index(n));
                        } else if name.chars().all(|c| c.is_alphanumeric() || c == '_')
                            && !name.starts_with(|c: char| c.is_ascii_digit())
                        {
                            out.push_str(&format!("${{{name}}}"));
                            refs.push(GroupRef::Name(name));
                        } else {
                            return Err(format!("bad character in group name '{name}'"));
                        }
                    }
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    '\\' => out.push('\\'),
                    e if e.is_ascii_alphabetic() => return Err(format!("bad escape \\{e}")),
                    // Python keeps unknown non-letter escapes as written.
                    e => {
                        out.push('\\');
                        if e == '$' {
                            out.push_str("$$");
                        } else {
                            out.push(e);
                        }
                    }
                }
            }
            c => out.push(c),
        }
    }
    Ok((out, refs))
}

/// Python's `re.escape`: backslashes before the characters special in patterns.
pub fn escape(text: &str) -> String {
    const SPECIAL: &str = "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}";
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if SPECIAL.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
