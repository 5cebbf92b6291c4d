//! Literals: numbers, string escapes, adjacent-literal concatenation and f-strings.
//!
//! Both parsers only delimit a string token; its contents are decoded here. An f-string's
//! `{expr}` fields are found by scanning (brackets and quotes inside a field are respected) and
//! each field's text is handed back to the parser through [`FieldHost`] (the pest builder parses
//! it with the grammar's `expr_entry` rule, the fast parser with its own expression parser),
//! with offsets based at the field's position in the original file, so inner expressions get
//! exact spans.
//! The f-string body ends at the first matching quote, as in Python before 3.12: a field
//! cannot reuse the quote character of its f-string.

use super::kit::{check_depth, internal, Built, Result, MAX_INT_DIGITS};
use crate::ast::*;
use crate::error::SyntaxError;

/// Longest non-decimal integer literal accepted (its conversion to decimal is quadratic).
const MAX_RADIX_DIGITS: usize = 4096;

/// What decoding f-strings needs from a parser: parsing a field's expression list, and the
/// nesting bookkeeping that bounds recursion through nested f-strings.
pub(crate) trait FieldHost<'s> {
    /// Parses `text`, the expression of an f-string field: a slice of the source at `base`.
    fn field_expr(&mut self, text: &'s str, base: usize) -> Result<Built>;
    /// Enters one nesting level (an error past [`MAX_NESTING`]).
    fn enter(&mut self, span: Span) -> Result<()>;
    /// Leaves the level [`FieldHost::enter`] entered.
    fn leave(&mut self);
}

/// Adjacent string literals being concatenated (`"a" f"{b}" 'c'`).
#[derive(Default)]
pub(crate) struct StringsAcc {
    lits: Option<String>,
    parts: Option<Vec<FPart>>,
    depth: u32,
    start: Option<u32>,
    end: u32,
}

impl StringsAcc {
    /// Adds one string token: `text` is its source text (prefix and quotes included), `span`
    /// where it is in the source.
    pub(crate) fn push<'s>(
        &mut self,
        host: &mut impl FieldHost<'s>,
        text: &'s str,
        span: Span,
    ) -> Result<()> {
        self.start.get_or_insert(span.start);
        self.end = span.end;
        let piece = string_token(host, text, span.start as usize)?;
        match (piece, &mut self.parts) {
            (Piece::Lit(s), None) => match &mut self.lits {
                Some(acc) => acc.push_str(&s),
                None => self.lits = Some(s),
            },
            (Piece::Lit(s), Some(ps)) => push_lit(ps, s),
            (Piece::F(fparts, d), ps) => {
                self.depth = self.depth.max(d);
                let lits = &mut self.lits;
                let list = ps.get_or_insert_with(|| match lits.take() {
                    Some(s) if !s.is_empty() => vec![FPart::Lit(s)],
                    _ => Vec::new(),
                });
                for part in fparts {
                    match part {
                        FPart::Lit(s) => push_lit(list, s),
                        other => list.push(other),
                    }
                }
            }
        }
        Ok(())
    }

    /// The string (or f-string) expression and its depth.
    pub(crate) fn finish(self) -> Result<Built> {
        let span = Span {
            start: self.start.unwrap_or(0),
            end: self.end,
        };
        let kind = match self.parts {
            Some(ps) => ExprKind::FString(ps),
            None => ExprKind::Str(self.lits.unwrap_or_default()),
        };
        let depth = self.depth.max(1);
        check_depth(depth, span)?;
        Ok((Expr { kind, span }, depth))
    }
}

/// Decodes one string token (prefix, quotes and body) found at original offset `at`.
fn string_token<'s>(host: &mut impl FieldHost<'s>, text: &'s str, at: usize) -> Result<Piece> {
    let bytes = text.as_bytes();
    let whole = Span::new(at, at + text.len());
    let plen = bytes
        .iter()
        .position(|&b| b == b'"' || b == b'\'')
        .ok_or_else(|| internal(whole))?;
    let prefix = &text[..plen];
    let raw = prefix.contains(['r', 'R']);
    let is_f = prefix.contains(['f', 'F']);
    let q = bytes[plen];
    let rest = &bytes[plen..];
    let qlen = if rest.len() >= 6 && rest[1] == q && rest[2] == q {
        3
    } else {
        1
    };
    let body = text
        .get(plen + qlen..text.len() - qlen)
        .ok_or_else(|| internal(whole))?;
    let base = at + plen + qlen;
    if is_f {
        host.enter(whole)?;
        let r = fparts(host, body, base, raw, 0);
        host.leave();
        let (parts, depth) = r?;
        Ok(Piece::F(parts, depth + 1))
    } else {
        let mut out = String::with_capacity(body.len());
        decode_into(body, raw, base, &mut out)?;
        Ok(Piece::Lit(out))
    }
}

/// The parts of an f-string body (or of a format spec when `spec_level > 0`).
fn fparts<'s>(
    host: &mut impl FieldHost<'s>,
    body: &'s str,
    base: usize,
    raw: bool,
    spec_level: u32,
) -> Result<(Vec<FPart>, u32)> {
    let b = body.as_bytes();
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut depth = 0;
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            c @ (b'{' | b'}') if spec_level == 0 && b.get(i + 1) == Some(&c) => {
                decode_into(&body[run..i], raw, base + run, &mut lit)?;
                lit.push(c as char);
                i += 2;
                run = i;
            }
            b'{' => {
                decode_into(&body[run..i], raw, base + run, &mut lit)?;
                if !lit.is_empty() {
                    parts.push(FPart::Lit(std::mem::take(&mut lit)));
                }
                let (part, next, d) = ffield(host, body, base, raw, i, spec_level)?;
                depth = depth.max(d);
                parts.push(part);
                i = next;
                run = i;
            }
            b'}' => {
                return Err(SyntaxError::new(
                    "f-string: single '}' is not allowed",
                    Span::new(base + i, base + i + 1),
                )
                .with_label("unmatched '}'")
                .with_help("write '}}' for a literal brace"));
            }
            _ => i += 1,
        }
    }
    decode_into(&body[run..], raw, base + run, &mut lit)?;
    if !lit.is_empty() {
        parts.push(FPart::Lit(lit));
    }
    Ok((parts, depth))
}

/// One `{…}` field starting at `open`; returns the part, the offset after its `}` and the
/// depth of its expressions.
fn ffield<'s>(
    host: &mut impl FieldHost<'s>,
    body: &'s str,
    base: usize,
    raw: bool,
    open: usize,
    spec_level: u32,
) -> Result<(FPart, usize, u32)> {
    let b = body.as_bytes();
    let n = b.len();
    let unclosed = || {
        SyntaxError::new(
            "f-string: expecting '}'",
            Span::new(base + open, base + open + 1),
        )
        .with_label("this field is never closed")
        .with_help("close the field with '}', or write '{{' for a literal brace")
    };
    let s = open + 1;
    let mut j = s;
    let mut nest = 0u32;
    let mut quote: Option<u8> = None;
    let mut expr_end = None;
    let mut debug_end = None;
    while j < n {
        let c = b[j];
        if let Some(qc) = quote {
            if c == qc {
                quote = None;
            }
            j += 1;
            continue;
        }
        match c {
            b'\'' | b'"' => quote = Some(c),
            b'(' | b'[' | b'{' => nest += 1,
            b')' | b']' => nest = nest.saturating_sub(1),
            b'}' if nest > 0 => nest -= 1,
            b'}' => {
                expr_end = Some(j);
                break;
            }
            b'!' if nest == 0 && b.get(j + 1) != Some(&b'=') => {
                expr_end = Some(j);
                break;
            }
            // A scoped name (`{private:x}`): a scope word directly followed by `:` and a
            // name is part of the expression, not the start of a format spec.
            b':' if nest == 0 && !scoped_colon(b, s, j) => {
                expr_end = Some(j);
                break;
            }
            b'=' if nest == 0
                && b.get(j + 1) != Some(&b'=')
                && !matches!(b.get(j.wrapping_sub(1)), Some(b'=' | b'!' | b'<' | b'>')) =>
            {
                // `{x=}` / `{x = !r}`: self-documenting only before `}`, `!` or `:`.
                let mut k = j + 1;
                while k < n && b[k].is_ascii_whitespace() {
                    k += 1;
                }
                if k < n && matches!(b[k], b'}' | b'!' | b':') {
                    expr_end = Some(j);
                    debug_end = Some(k);
                    j = k;
                    break;
                }
            }
            _ => {}
        }
        j += 1;
    }
    let expr_end = expr_end.ok_or_else(unclosed)?;
    let expr_text = &body[s..expr_end];
    if expr_text.trim().is_empty() {
        return Err(SyntaxError::new(
            "f-string: empty expression not allowed",
            Span::new(base + open, base + j.min(n - 1) + 1),
        )
        .with_label("empty field")
        .with_help("put an expression between the braces, or write '{{' for a literal brace"));
    }
    let fspan = Span::new(base + open, base + j);
    let (expr, mut depth) = host.field_expr(expr_text, base + s)?;
    let debug_text = debug_end.map(|k| body[s..k].to_string());

    let mut conversion = None;
    if b.get(j) == Some(&b'!') {
        match b.get(j + 1) {
            Some(&c @ (b'r' | b's' | b'a')) if matches!(b.get(j + 2), Some(b'}' | b':')) => {
                conversion = Some(c as char);
                j += 2;
            }
            _ => {
                return Err(SyntaxError::new(
                    "f-string: invalid conversion; expected '!r', '!s' or '!a'",
                    Span::new(base + j, base + (j + 2).min(n)),
                )
                .with_label("invalid conversion"));
            }
        }
    }
    let mut spec = None;
    if b.get(j) == Some(&b':') {
        let mut k = j + 1;
        let mut nest = 0u32;
        while k < n {
            match b[k] {
                b'{' => nest += 1,
                b'}' if nest == 0 => break,
                b'}' => nest -= 1,
                _ => {}
            }
            k += 1;
        }
        if k >= n {
            return Err(unclosed());
        }
        if spec_level >= 1 {
            return Err(SyntaxError::new(
                "f-string: format specs nested too deeply",
                Span::new(base + j, base + k),
            )
            .with_label("nested spec"));
        }
        let (parts, d) = fparts(host, &body[j + 1..k], base + j + 1, raw, spec_level + 1)?;
        depth = depth.max(d);
        spec = Some(parts);
        j = k;
    }
    if b.get(j) != Some(&b'}') {
        return Err(unclosed());
    }
    let _ = fspan;
    Ok((
        FPart::Expr {
            expr: Box::new(expr),
            conversion,
            spec,
            debug_text,
        },
        j + 1,
        depth + 1,
    ))
}

/// Whether the `:` at `colon` (in a field whose expression starts at `s`) joins a scope word
/// to a name: `private:x`, `public:total` (the grammar's `scoped_name`: no spaces around the
/// colon, a name starting with a letter or `_`).
fn scoped_colon(b: &[u8], s: usize, colon: usize) -> bool {
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut w = colon;
    while w > s && is_word(b[w - 1]) {
        w -= 1;
    }
    let word = &b[w..colon];
    matches!(word, b"private" | b"public" | b"system" | b"local")
        && (w == s || b[w - 1] != b'.')
        && b.get(colon + 1)
            .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
}

enum Piece {
    Lit(String),
    /// f-string parts and their depth.
    F(Vec<FPart>, u32),
}

fn push_lit(parts: &mut Vec<FPart>, s: String) {
    if s.is_empty() {
        return;
    }
    if let Some(FPart::Lit(prev)) = parts.last_mut() {
        prev.push_str(&s);
    } else {
        parts.push(FPart::Lit(s));
    }
}

/// Decodes the escapes of a literal run (`base` is its original offset) into `out`. Raw runs
/// keep backslashes. `\r\n` in the source becomes `\n`, as Python reads files.
fn decode_into(run: &str, raw: bool, base: usize, out: &mut String) -> Result<()> {
    if !run.contains(['\\', '\r']) {
        out.push_str(run);
        return Ok(());
    }
    let b = run.as_bytes();
    let mut i = 0;
    let mut start = 0;
    while i < b.len() {
        match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                out.push_str(&run[start..i]);
                i += 1;
                start = i;
            }
            b'\\' if !raw => {
                out.push_str(&run[start..i]);
                let esc = i;
                let Some(&e) = b.get(i + 1) else {
                    out.push('\\');
                    i += 1;
                    start = i;
                    continue;
                };
                i += 2;
                match e {
                    b'\n' => {}
                    b'\r' => {
                        if b.get(i) == Some(&b'\n') {
                            i += 1;
                        }
                    }
                    b'\\' => out.push('\\'),
                    b'\'' => out.push('\''),
                    b'"' => out.push('"'),
                    b'n' => out.push('\n'),
                    b't' => out.push('\t'),
                    b'r' => out.push('\r'),
                    b'a' => out.push('\x07'),
                    b'b' => out.push('\x08'),
                    b'f' => out.push('\x0c'),
                    b'v' => out.push('\x0b'),
                    b'0'..=b'7' => {
                        let mut v = u32::from(e - b'0');
                        let mut k = 0;
                        while k < 2 && matches!(b.get(i), Some(b'0'..=b'7')) {
                            v = v * 8 + u32::from(b[i] - b'0');
                            i += 1;
                            k += 1;
                        }
                        // At most 0o777, always a valid scalar value.
                        out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
                    }
                    b'x' | b'u' | b'U' => {
                        let len = match e {
                            b'x' => 2,
                            b'u' => 4,
                            _ => 8,
                        };
                        let digits = run
                            .get(i..i + len)
                            .filter(|d| d.len() == len && d.bytes().all(|c| c.is_ascii_hexdigit()));
                        let ch = digits
                            .and_then(|d| u32::from_str_radix(d, 16).ok())
                            .and_then(char::from_u32);
                        match ch {
                            Some(ch) => {
                                out.push(ch);
                                i += len;
                            }
                            None => {
                                let end = (i + len).min(b.len());
                                return Err(SyntaxError::new(
                                    format!(
                                        "invalid \\{} escape: expected {len} hex digits{}",
                                        e as char,
                                        if len > 2 { " naming a valid character" } else { "" }
                                    ),
                                    Span::new(base + esc, base + end),
                                )
                                .with_label("bad escape")
                                .with_help("write '\\\\' for a literal backslash, or use a raw string r\"…\""));
                            }
                        }
                    }
                    _ => {
                        // Unknown escapes keep their backslash, as in Python.
                        out.push('\\');
                        i -= 1;
                    }
                }
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&run[start..]);
    Ok(())
}

/// Converts a `number` token (§1 literals) to an expression kind.
pub(crate) fn number(text: &str, span: Span) -> Result<ExprKind> {
    let clean: std::borrow::Cow<'_, str> = if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    };
    let b = clean.as_bytes();
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B') {
        let (radix, what) = match b[1] {
            b'x' | b'X' => (16, "hexadecimal"),
            b'o' | b'O' => (8, "octal"),
            _ => (2, "binary"),
        };
        // The grammar takes every letter and digit after the prefix: check them here.
        let bad = text[2..]
            .char_indices()
            .find(|&(_, c)| c != '_' && !c.is_digit(radix));
        if let Some((i, c)) = bad {
            let at = span.start as usize + 2 + i;
            return Err(SyntaxError::new(
                format!("invalid digit '{c}' in {what} literal"),
                Span::new(at, at + c.len_utf8()),
            )
            .with_label(format!("not a base-{radix} digit")));
        }
        if b.len() == 2 {
            return Err(SyntaxError::new(format!("invalid {what} literal"), span)
                .with_label("no digits after the prefix"));
        }
        let digits = &clean[2..];
        return match i64::from_str_radix(digits, radix) {
            Ok(v) => Ok(ExprKind::Int(v)),
            Err(_) if digits.len() > MAX_RADIX_DIGITS => Err(SyntaxError::new(
                format!("integer literal too long (more than {MAX_RADIX_DIGITS} digits)"),
                span,
            )
            .with_label("too long")),
            Err(_) => Ok(ExprKind::BigInt(radix_to_decimal(digits, radix))),
        };
    }
    if clean.contains(['.', 'e', 'E']) {
        return clean
            .parse::<f64>()
            .map(ExprKind::Float)
            .map_err(|_| SyntaxError::new("invalid float literal", span).with_label("here"));
    }
    if b.len() > 1 && b[0] == b'0' && b.iter().any(|&c| c != b'0') {
        return Err(SyntaxError::new(
            "leading zeros in decimal integer literals are not permitted",
            span,
        )
        .with_label("leading zero")
        .with_help("remove the leading zeros, or write an octal number as 0o17"));
    }
    if clean.len() > MAX_INT_DIGITS {
        return Err(SyntaxError::new(
            format!(
                "integer literal too long ({} digits; the limit is {})",
                clean.len(),
                MAX_INT_DIGITS
            ),
            span,
        )
        .with_label("too long")
        .with_help(format!(
            "int() refuses texts over {} digits too; compute a larger number instead, \
             e.g. 10 ** n",
            MAX_INT_DIGITS
        )));
    }
    match clean.parse::<i64>() {
        Ok(v) => Ok(ExprKind::Int(v)),
        Err(_) => {
            let digits = clean.trim_start_matches('0');
            Ok(ExprKind::BigInt(if digits.is_empty() {
                "0".into()
            } else {
                digits.to_string()
            }))
        }
    }
}

/// Converts digits in base 2, 8 or 16 to decimal digits (schoolbook, base-10⁹ limbs).
fn radix_to_decimal(digits: &str, radix: u32) -> String {
    const LIMB: u64 = 1_000_000_000;
    let mut limbs: Vec<u64> = vec![0]; // little-endian
    for c in digits.chars() {
        let mut carry = u64::from(c.to_digit(radix).unwrap_or(0));
        for limb in limbs.iter_mut() {
            let v = *limb * u64::from(radix) + carry;
            *limb = v % LIMB;
            carry = v / LIMB;
        }
        while carry > 0 {
            limbs.push(carry % LIMB);
            carry /= LIMB;
        }
    }
    let mut out = String::with_capacity(limbs.len() * 9);
    let mut it = limbs.iter().rev();
    if let Some(top) = it.next() {
        out.push_str(&top.to_string());
    }
    for limb in it {
        out.push_str(&format!("{limb:09}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn radix_conversion() {
        assert_eq!(radix_to_decimal("ff", 16), "255");
        assert_eq!(
            radix_to_decimal("10000000000000000", 16),
            "18446744073709551616"
        );
        assert_eq!(radix_to_decimal("0", 2), "0");
    }

    #[test]
    pub(super) fn escapes() {
        let mut s = String::new();
        decode_into(r"a\n\t\\\'\x41\u00e9\U0001F600\q\101\0", false, 0, &mut s).unwrap();
        assert_eq!(s, "a\n\t\\'Aé😀\\qA\0");
        let mut r = String::new();
        decode_into(r"a\n", true, 0, &mut r).unwrap();
        assert_eq!(r, r"a\n");
        assert!(decode_into(r"\xZZ", false, 0, &mut String::new()).is_err());
    }
}
