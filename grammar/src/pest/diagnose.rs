//! pest errors → readable [`SyntaxError`]s.
//!
//! A failed parse is re-run once with pest's error detail switched on: that records every
//! literal token tried at the furthest position reached, which tells precisely what would have
//! been accepted there (`:`, `)`, an expression, an indented block, …). The fast path never pays
//! for it. pest's switch is process-global, so it is reference-counted: concurrent failing
//! parses keep it on until the last one is done (other parses running meanwhile are only
//! slower).

use std::sync::Mutex;

use pest::Parser as _;

use super::grammar::{DanaParser, Rule};
use crate::ast::Span;
use crate::build::kit::{is_reserved, reserved_error, too_deep};
use crate::error::SyntaxError;
use crate::layout::{OffsetMap, DEDENT, INDENT, NEWLINE};

static DETAIL_USERS: Mutex<usize> = Mutex::new(0);

struct DetailGuard;

impl DetailGuard {
    fn new() -> DetailGuard {
        let mut n = DETAIL_USERS.lock().unwrap_or_else(|e| e.into_inner());
        if *n == 0 {
            pest::set_error_detail(true);
        }
        *n += 1;
        DetailGuard
    }
}

impl Drop for DetailGuard {
    fn drop(&mut self) {
        let mut n = DETAIL_USERS.lock().unwrap_or_else(|e| e.into_inner());
        *n = n.saturating_sub(1);
        if *n == 0 {
            pest::set_error_detail(false);
        }
    }
}

/// What the parser would have accepted at the error position.
#[derive(Default)]
struct Expected {
    indent: bool,
    newline: bool,
    expr: bool,
    name_start: bool,
    /// An expression could continue here (binary operators were tried).
    operator: bool,
    /// Structural tokens worth naming, in display order.
    tokens: Vec<&'static str>,
    /// Other literal tokens (shown only when nothing better is known).
    other: Vec<String>,
}

const STRUCTURAL: &[&str] = &[
    ":", ",", "::", "in", "import", "else", "def", "(", ")", "]", "}", "=", "->",
];

/// Converts a pest failure on `text` (parsed with `rule`) into a SyntaxError on `src`.
pub(super) fn pest_error(
    err: pest::error::Error<Rule>,
    rule: Rule,
    text: &str,
    map: OffsetMap<'_>,
    src: &str,
) -> SyntaxError {
    let first_pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((p, _)) => p,
    };
    if let pest::error::ErrorVariant::CustomError { .. } = err.variant {
        // pest's own stack guard: the input nests deeper than the stack allows.
        let at = map.orig(first_pos);
        return too_deep(Span::new(at, at));
    }
    let detailed = {
        let _guard = DetailGuard::new();
        DanaParser::parse(rule, text).err()
    };
    let mut pos = first_pos;
    let mut exp = Expected::default();
    if let Some(att) = detailed.as_ref().and_then(|e| e.parse_attempts()) {
        pos = pos.max(att.max_position);
        // Right after a name or number, letter/digit tokens were tried to extend it; they are
        // not expectations. After a keyword they are (`import` + a module name).
        let prev_is_word = word_before(text, pos, map).is_some_and(|(w, _)| {
            !is_reserved(w) && text.get(..pos).is_some_and(|t| t.ends_with(w))
        });
        for tok in att.expected_tokens() {
            let t = tok.to_string();
            classify(&t, prev_is_word, &mut exp);
        }
    }
    let eof = if rule == Rule::expr_entry {
        "end of the expression"
    } else {
        "end of file"
    };
    build(pos, &exp, text, map, src, eof)
}

fn classify(t: &str, prev_is_word: bool, exp: &mut Expected) {
    match t {
        "\u{1}" => exp.indent = true,
        "\u{3}" => exp.newline = true,
        // Only a primary tries these, so they mean "an expression may start here".
        "{" | "$$" => exp.expr = true,
        // Continuation attempts of the word just before are not expectations.
        "a..z" | "A..Z" | "_" => exp.name_start |= !prev_is_word,
        "+" | "==" | "and" | "or" => exp.operator = true,
        // Whitespace and comments may always come next.
        " " | "\t" | "\n" | "\r" | "#" | "\u{c}" | "\u{feff}" => {}
        _ => {
            if let Some(s) = STRUCTURAL.iter().find(|s| **s == t) {
                if !exp.tokens.contains(s) {
                    exp.tokens.push(s);
                    // Keep the display order of STRUCTURAL (`',' or ')'`).
                    exp.tokens
                        .sort_by_key(|t| STRUCTURAL.iter().position(|s| s == t));
                }
            } else if !t.contains("..") && !t.is_empty() && t.chars().all(|c| !c.is_control()) {
                exp.other.push(t.to_string());
            }
        }
    }
}

fn build(
    pos: usize,
    exp: &Expected,
    text: &str,
    map: OffsetMap<'_>,
    src: &str,
    eof: &str,
) -> SyntaxError {
    let found = Found::at(text, pos, eof);
    let span = map.span(pos, pos + found.len);
    let at = map.orig(pos);

    if found.kind == FoundKind::Indent {
        let line_start = src
            .get(..at)
            .and_then(|s| s.rfind('\n'))
            .map_or(0, |i| i + 1);
        return SyntaxError::new("unexpected indent", Span::new(line_start, at))
            .with_label("this line is indented more than the block it belongs to")
            .with_help("remove the extra indentation (only a line ending with ':' opens a block)");
    }
    if exp.indent {
        return SyntaxError::new("expected an indented block", span)
            .with_label(format!(
                "expected an indented line here, found {}",
                found.desc
            ))
            .with_help(
                "indent the body of the block (e.g. by 4 spaces), or write `pass` for an empty one",
            );
    }
    // `x := 1` where no expression is expected (a statement, the value of `=`): Python's
    // "invalid syntax", with the two ways out.
    if found.text.starts_with('=') && pos > 0 && text.as_bytes().get(pos - 1) == Some(&b':') {
        return SyntaxError::new("invalid syntax", map.span(pos - 1, pos + 1))
            .with_label("an assignment expression cannot stand here")
            .with_help(
                "assign with `=`, or put the assignment expression in parentheses: `(x := value)`",
            );
    }
    // `lambda = 1`, `import = 2`, `for = 3`: a reserved word used as a name just before.
    if matches!(found.text, "=" | "+=" | "-=" | "*=" | "/=" | ".") {
        if let Some((word, wspan)) = word_before(text, pos, map) {
            if is_reserved(word) {
                return reserved_error(word, wspan);
            }
        }
    }
    if matches!(found.kind, FoundKind::Word)
        && is_reserved(found.text)
        && (exp.name_start || exp.expr)
    {
        return reserved_error(found.text, span);
    }

    if let Some(c) = text.get(pos..).and_then(|t| t.chars().next()) {
        if !c.is_ascii() {
            return SyntaxError::new(
                format!("invalid character '{c}' (U+{:04X})", c as u32),
                span,
            )
            .with_label("not allowed outside strings and comments")
            .with_help("names use only ASCII letters, digits and '_'");
        }
    }
    if let Some((word, wspan)) = line_first_word(text, pos, map) {
        if word == "class" {
            return SyntaxError::new("Dana has no classes", wspan)
                .with_label("'class' is not Dana")
                .with_help("use `struct Name:` with typed fields; methods are `def (self: Name) m(...)` or defs inside the struct");
        }
    }

    let mut wanted: Vec<String> = Vec::new();
    let closer = exp.tokens.iter().any(|t| matches!(*t, ")" | "]" | "}"));
    let lambda_sep = exp.tokens.contains(&"::");
    if !exp.newline {
        for t in &exp.tokens {
            let keep = match *t {
                "," => closer || lambda_sep,
                ":" => !lambda_sep,
                // `in` also continues an expression (`x in xs`): only a `for` header needs it.
                "in" => !exp.operator,
                "=" | "->" | "(" => false,
                _ => true,
            };
            if keep {
                wanted.push(format!("'{t}'"));
            }
        }
    }
    if exp.expr {
        wanted.push("an expression".into());
    } else if exp.name_start && wanted.is_empty() {
        wanted.push("a name".into());
    }
    if wanted.is_empty() && !exp.newline && !exp.operator {
        // Nothing structural: name the literal tokens that were expected (e.g. '(' after a
        // function name).
        for t in exp
            .tokens
            .iter()
            .map(|t| t.to_string())
            .chain(exp.other.iter().cloned())
        {
            let q = format!("'{t}'");
            if !wanted.contains(&q) && wanted.len() < 4 {
                wanted.push(q);
            }
        }
    }

    if wanted.is_empty() {
        let label = if exp.newline {
            "expected an operator or the end of the line"
        } else {
            "not expected here"
        };
        let mut e = SyntaxError::new(format!("unexpected {}", found.desc), span).with_label(label);
        if found.kind == FoundKind::Word && exp.newline {
            e = e.with_help("two expressions in a row: is a comma or an operator missing?");
        }
        return e;
    }
    let list = join_or(&wanted);
    let mut e = SyntaxError::new(format!("expected {list}, found {}", found.desc), span)
        .with_label(format!("expected {list}"));
    if wanted.first().is_some_and(|w| w == "':'") && found.kind == FoundKind::Newline {
        e = e.with_help("a block header (if, for, def, …) ends with ':'");
    }
    if found.kind == FoundKind::Word && matches!(found.text, "elif" | "else" | "except" | "finally")
    {
        e = e.with_help(format!(
            "'{}' must line up with the statement it continues",
            found.text
        ));
    }
    e
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum FoundKind {
    Eof,
    Indent,
    Dedent,
    Newline,
    Word,
    Number,
    Str,
    Punct,
}

struct Found<'t> {
    kind: FoundKind,
    text: &'t str,
    len: usize,
    desc: String,
}

impl<'t> Found<'t> {
    fn at(text: &'t str, pos: usize, eof: &str) -> Found<'t> {
        let b = text.as_bytes();
        let mk = |kind, len: usize, desc: String| Found {
            kind,
            text: text.get(pos..pos + len).unwrap_or(""),
            len,
            desc,
        };
        let Some(&c) = b.get(pos) else {
            return mk(FoundKind::Eof, 0, eof.into());
        };
        match c {
            INDENT => mk(FoundKind::Indent, 0, "an indent".into()),
            DEDENT => mk(FoundKind::Dedent, 0, "the end of the block".into()),
            NEWLINE => mk(FoundKind::Newline, 0, "end of line".into()),
            b'"' | b'\'' => mk(FoundKind::Str, 1, "a string".into()),
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let len = b[pos..]
                    .iter()
                    .take_while(|&&x| x.is_ascii_alphanumeric() || x == b'_')
                    .count();
                let w = &text[pos..pos + len];
                if matches!(b.get(pos + len), Some(b'"' | b'\''))
                    && crate::layout::is_string_prefix(w)
                {
                    return mk(FoundKind::Str, len, "a string".into());
                }
                let desc = if is_reserved(w) {
                    format!("keyword '{w}'")
                } else {
                    format!("name '{w}'")
                };
                mk(FoundKind::Word, len, desc)
            }
            _ if c.is_ascii_digit() => {
                let len = b[pos..]
                    .iter()
                    .take_while(|&&x| x.is_ascii_alphanumeric() || x == b'_' || x == b'.')
                    .count();
                mk(
                    FoundKind::Number,
                    len,
                    format!("number '{}'", &text[pos..pos + len]),
                )
            }
            _ => {
                const OPS: &[&str] = &[
                    "**=", "//=", "<<=", ">>=", "**", "//", "<<", ">>", "<=", ">=", "==", "!=",
                    "->", "::", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "$$",
                ];
                let rest = &text[pos..];
                let len = OPS.iter().find(|op| rest.starts_with(**op)).map_or_else(
                    || rest.chars().next().map_or(1, char::len_utf8),
                    |op| op.len(),
                );
                let t = &text[pos..pos + len];
                mk(FoundKind::Punct, len, format!("'{t}'"))
            }
        }
    }
}

/// The first word of the logical line containing `pos`, with its original span.
fn line_first_word<'t>(text: &'t str, pos: usize, map: OffsetMap<'_>) -> Option<(&'t str, Span)> {
    let b = text.as_bytes();
    let upto = pos.min(b.len());
    let mut start = b[..upto]
        .iter()
        .rposition(|&c| c == b'\n' || c == NEWLINE)
        .map_or(0, |i| i + 1);
    while start < upto && matches!(b[start], b' ' | b'\t' | b'\r' | INDENT | DEDENT) {
        start += 1;
    }
    let len = b[start..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    (len > 0).then(|| (&text[start..start + len], map.span(start, start + len)))
}

/// The identifier ending just before `pos` (skipping spaces), with its original span.
fn word_before<'t>(text: &'t str, pos: usize, map: OffsetMap<'_>) -> Option<(&'t str, Span)> {
    let b = text.as_bytes();
    let mut end = pos.min(b.len());
    while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_') {
        start -= 1;
    }
    if start == end {
        return None;
    }
    Some((&text[start..end], map.span(start, end)))
}
