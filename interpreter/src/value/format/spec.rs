//! Python's format-spec mini-language (`f"{x:.2f}"`, `format(x, ">5")`): the spec parser and
//! the int, float and string formatting `%`-formatting and `str.format` share.

use crate::error::{limit_error, overflow_error, type_error, value_error, Exc};
use crate::value::repr::{decompose, fixed_from_digits, sci_from_digits, shortest, to_str};
use crate::value::Value;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};

/// Formatting output larger than this many bytes (a huge width or precision) is refused
/// instead of exhausting memory.
pub(crate) const MAX_FORMAT_LEN: usize = 1 << 26;

/// Formats `v` with a Python format spec (`.2f`, `>5`, `,`, `.1%`, `08.3f`, `x`, `b`, …).
pub(crate) fn format_spec(v: &Value, spec: &str) -> Result<String, Exc> {
    if spec.is_empty() {
        return Ok(to_str(v));
    }
    let sp = Spec::parse(spec)?;
    match v {
        Value::Int(i) => format_int(&IntArg::Small(*i), &sp, "int"),
        Value::Bool(b) => format_int(&IntArg::Small(*b as i64), &sp, "bool"),
        Value::BigInt(b) => format_int(&IntArg::Big(b), &sp, "int"),
        Value::Float(f) => format_float(*f, &sp),
        Value::Str(s) => format_str(s, &sp),
        other => Err(type_error(format!(
            "unsupported format string passed to {}.__format__",
            other.type_name()
        ))),
    }
}

/// A parsed format spec: `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    pub fill: char,
    /// Whether a fill character was given explicitly (then `0` is not the zero-pad flag).
    pub(crate) fill_given: bool,
    pub align: Option<char>,
    pub sign: char,
    /// Whether a sign was given explicitly (even `-` is an error for strings).
    pub(crate) sign_given: bool,
    /// `z`: negative zero prints as zero.
    pub z: bool,
    /// `#`: alternate form.
    pub alt: bool,
    /// The `0` flag before the width.
    pub zero: bool,
    pub width: usize,
    pub grouping: Option<char>,
    pub precision: Option<usize>,
    pub ty: Option<char>,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            fill: ' ',
            fill_given: false,
            align: None,
            sign: '-',
            sign_given: false,
            z: false,
            alt: false,
            zero: false,
            width: 0,
            grouping: None,
            precision: None,
            ty: None,
        }
    }
}

fn is_align(c: char) -> bool {
    matches!(c, '<' | '>' | '=' | '^')
}

/// Reads a run of decimal digits starting at `*i`; `None` when there are none.
pub(super) fn read_number(cs: &[char], i: &mut usize) -> Result<Option<usize>, Exc> {
    let start = *i;
    let mut n: usize = 0;
    while let Some(d) = cs.get(*i).and_then(|c| c.to_digit(10)) {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(d as usize))
            .ok_or_else(|| value_error("Too many decimal digits in format string"))?;
        *i += 1;
    }
    if n > MAX_FORMAT_LEN {
        return Err(limit_error("string too large"));
    }
    Ok((*i > start).then_some(n))
}

impl Spec {
    pub(crate) fn parse(spec: &str) -> Result<Spec, Exc> {
        let cs: Vec<char> = spec.chars().collect();
        let mut sp = Spec::default();
        let mut i = 0;
        if cs.len() >= 2 && is_align(cs[1]) {
            sp.fill = cs[0];
            sp.fill_given = true;
            sp.align = Some(cs[1]);
            i = 2;
        } else if !cs.is_empty() && is_align(cs[0]) {
            sp.align = Some(cs[0]);
            i = 1;
        }
        if let Some(&c @ ('+' | '-' | ' ')) = cs.get(i) {
            sp.sign = c;
            sp.sign_given = true;
            i += 1;
        }
        if cs.get(i) == Some(&'z') {
            sp.z = true;
            i += 1;
        }
        if cs.get(i) == Some(&'#') {
            sp.alt = true;
            i += 1;
        }
        if cs.get(i) == Some(&'0') && !sp.fill_given {
            sp.zero = true;
            i += 1;
        }
        sp.width = read_number(&cs, &mut i)?.unwrap_or(0);
        if let Some(&c @ (',' | '_')) = cs.get(i) {
            sp.grouping = Some(c);
            i += 1;
            if matches!(cs.get(i), Some(',' | '_')) {
                return Err(value_error("Cannot specify both ',' and '_'."));
            }
        }
        if cs.get(i) == Some(&'.') {
            i += 1;
            sp.precision = Some(
                read_number(&cs, &mut i)?
                    .ok_or_else(|| value_error("Format specifier missing precision"))?,
            );
        }
        if i < cs.len() {
            if cs.len() - i > 1 {
                return Err(value_error("Invalid format specifier"));
            }
            sp.ty = Some(cs[i]);
        }
        Ok(sp)
    }

    /// Applies the `0` flag: sign-aware zero padding for numbers.
    fn numeric(&self) -> Spec {
        let mut sp = self.clone();
        if sp.zero && !sp.fill_given {
            sp.fill = '0';
            if sp.align.is_none() {
                sp.align = Some('=');
            }
        }
        sp
    }

    fn sign_str(&self, negative: bool) -> &'static str {
        match (negative, self.sign) {
            (true, _) => "-",
            (false, '+') => "+",
            (false, ' ') => " ",
            _ => "",
        }
    }
}

/// Pads `body` (already carrying its sign) to the spec's width.
pub(super) fn pad(sign_and_prefix: &str, body: &str, sp: &Spec, default_align: char) -> String {
    let len = sign_and_prefix.chars().count() + body.chars().count();
    let mut out = String::with_capacity(sp.width.max(len) + 4);
    if len >= sp.width {
        out.push_str(sign_and_prefix);
        out.push_str(body);
        return out;
    }
    let n = sp.width - len;
    let fill = |out: &mut String, k: usize| out.extend(std::iter::repeat_n(sp.fill, k));
    match sp.align.unwrap_or(default_align) {
        '<' => {
            out.push_str(sign_and_prefix);
            out.push_str(body);
            fill(&mut out, n);
        }
        '^' => {
            fill(&mut out, n / 2);
            out.push_str(sign_and_prefix);
            out.push_str(body);
            fill(&mut out, n - n / 2);
        }
        '=' => {
            out.push_str(sign_and_prefix);
            fill(&mut out, n);
            out.push_str(body);
        }
        _ => {
            fill(&mut out, n);
            out.push_str(sign_and_prefix);
            out.push_str(body);
        }
    }
    out
}

/// Inserts `sep` every `every` digits from the right; when `min_width` is set (zero padding
/// with `=` alignment) the digits are extended with zeros until the grouped text is at least
/// that wide, as Python does (`format(1234, "08,") == "0,001,234"`).
fn group_digits(digits: &str, sep: char, every: usize, min_width: usize) -> String {
    let ds: Vec<char> = digits.chars().collect();
    let mut rev: Vec<char> = Vec::with_capacity(ds.len() * 2 + min_width);
    let mut count = 0;
    let mut idx = ds.len();
    loop {
        let have_digit = idx > 0;
        if !have_digit && rev.len() >= min_width {
            break;
        }
        if count == every {
            rev.push(sep);
            count = 0;
        }
        if have_digit {
            idx -= 1;
            rev.push(ds[idx]);
        } else {
            rev.push('0');
        }
        count += 1;
    }
    rev.iter().rev().collect()
}

/// Assembles a formatted number from its parts and pads it.
pub(super) fn finish_number(
    negative: bool,
    prefix: &str,
    int_part: &str,
    rest: &str,
    sp: &Spec,
    every: usize,
) -> String {
    let sign = sp.sign_str(negative);
    let head = format!("{sign}{prefix}");
    let int_part = match sp.grouping {
        Some(sep) => {
            let min = if sp.fill == '0' && sp.align == Some('=') {
                sp.width
                    .saturating_sub(head.chars().count() + rest.chars().count())
            } else {
                0
            };
            group_digits(int_part, sep, every, min)
        }
        None => int_part.to_owned(),
    };
    pad(&head, &format!("{int_part}{rest}"), sp, '>')
}

/// An integer argument: the i64 fast path or a big integer.
pub(crate) enum IntArg<'a> {
    Small(i64),
    Big(&'a BigInt),
}

impl IntArg<'_> {
    pub(super) fn negative(&self) -> bool {
        match self {
            IntArg::Small(i) => *i < 0,
            IntArg::Big(b) => b.is_negative(),
        }
    }
    /// The magnitude's digits in `radix`.
    pub(super) fn abs_digits(&self, radix: u32) -> String {
        match self {
            IntArg::Small(i) => {
                let u = i.unsigned_abs();
                match radix {
                    2 => format!("{u:b}"),
                    8 => format!("{u:o}"),
                    16 => format!("{u:x}"),
                    _ => u.to_string(),
                }
            }
            IntArg::Big(b) => b.abs().to_str_radix(radix),
        }
    }
    pub(crate) fn to_f64(&self) -> Result<f64, Exc> {
        let f = match self {
            IntArg::Small(i) => *i as f64,
            IntArg::Big(b) => b.to_f64().unwrap_or(f64::INFINITY),
        };
        if f.is_finite() {
            Ok(f)
        } else {
            Err(overflow_error("int too large to convert to float"))
        }
    }
}

pub(crate) fn format_int(n: &IntArg<'_>, sp: &Spec, type_name: &str) -> Result<String, Exc> {
    let ty = sp.ty.unwrap_or('d');
    if matches!(ty, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') {
        return format_float(n.to_f64()?, sp);
    }
    if !matches!(ty, 'd' | 'n' | 'b' | 'o' | 'x' | 'X' | 'c') {
        return Err(value_error(format!(
            "Unknown format code '{ty}' for object of type '{type_name}'"
        )));
    }
    if sp.precision.is_some() {
        return Err(value_error(
            "Precision not allowed in integer format specifier",
        ));
    }
    if let Some(g) = sp.grouping {
        if g == ',' && ty != 'd' || g == '_' && matches!(ty, 'n' | 'c') {
            return Err(value_error(format!("Cannot specify '{g}' with '{ty}'.")));
        }
    }
    let sp = sp.numeric();
    if ty == 'c' {
        if sp.sign_given {
            return Err(value_error(
                "Sign not allowed with integer format specifier 'c'",
            ));
        }
        if sp.alt {
            return Err(value_error(
                "Alternate form (#) not allowed with integer format specifier 'c'",
            ));
        }
        let c = match n {
            IntArg::Small(i) => u32::try_from(*i).ok().and_then(char::from_u32),
            IntArg::Big(_) => None,
        };
        let c = c.ok_or_else(|| overflow_error("%c arg not in range(0x110000)"))?;
        return Ok(pad("", &c.to_string(), &sp, '>'));
    }
    let (radix, prefix, every) = match ty {
        'b' => (2, "0b", 4),
        'o' => (8, "0o", 4),
        'x' => (16, "0x", 4),
        'X' => (16, "0X", 4),
        _ => (10, "", 3),
    };
    let mut digits = n.abs_digits(radix);
    if ty == 'X' {
        digits.make_ascii_uppercase();
    }
    let prefix = if sp.alt { prefix } else { "" };
    Ok(finish_number(n.negative(), prefix, &digits, "", &sp, every))
}

/// Python's rounding of `x` (≥ 0, finite) to `sig` significant digits: (digits, exponent).
fn round_sig(x: f64, sig: usize) -> (String, i32) {
    let (_, digits, exp) = decompose(&format!("{:.*e}", sig.saturating_sub(1), x));
    (digits, exp)
}

/// Removes trailing zeros from a fraction (and the point when nothing is left), for `g`.
fn strip_frac_zeros(s: &str) -> String {
    if !s.contains('.') {
        return s.to_owned();
    }
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The body of a finite, non-negative float for a spec type (without sign or padding).
fn float_body(x: f64, ty: Option<char>, precision: Option<usize>, alt: bool) -> String {
    match ty {
        None if precision.is_none() => {
            // Like repr, with Python's repr thresholds.
            let (_, digits, exp) = shortest(x);
            if (-4..16).contains(&exp) {
                fixed_from_digits(&digits, exp, 1)
            } else {
                let mut s = sci_from_digits(&digits, exp, false);
                if alt && digits.len() == 1 {
                    s.insert(1, '.');
                }
                s
            }
        }
        Some('f' | 'F' | '%') => {
            let p = precision.unwrap_or(6);
            let mut s = format!("{x:.p$}");
            if alt && p == 0 {
                s.push('.');
            }
            s
        }
        Some(c @ ('e' | 'E')) => {
            let p = precision.unwrap_or(6);
            let (_, digits, exp) = decompose(&format!("{x:.p$e}"));
            let mut s = sci_from_digits(&digits, exp, c == 'E');
            if alt && p == 0 {
                s.insert(1, '.');
            }
            s
        }
        _ => {
            // `g`, `G`, `n`, and no type with a precision (which keeps a `.0` on integers and
            // switches to exponent notation one digit earlier, as CPython's "add dot 0" mode).
            let general = ty.is_none();
            let p = precision.unwrap_or(6).max(1);
            let (digits, exp) = round_sig(x, p);
            let upper = ty == Some('G');
            let limit = if general { p as i32 - 1 } else { p as i32 };
            if exp < -4 || exp >= limit {
                let mut digits = digits;
                if !alt {
                    let trimmed = digits.trim_end_matches('0');
                    digits = if trimmed.is_empty() {
                        "0".into()
                    } else {
                        trimmed.into()
                    };
                }
                let mut s = sci_from_digits(&digits, exp, upper);
                if alt && digits.len() == 1 {
                    s.insert(1, '.');
                }
                s
            } else {
                let frac = (p as i32 - 1 - exp).max(0) as usize;
                let mut s = format!("{x:.frac$}");
                if !alt {
                    s = strip_frac_zeros(&s);
                } else if !s.contains('.') {
                    s.push('.');
                }
                if general && !s.contains('.') {
                    s.push_str(".0");
                }
                s
            }
        }
    }
}

pub(crate) fn format_float(f: f64, sp: &Spec) -> Result<String, Exc> {
    let ty = sp.ty;
    if let Some(c) = ty {
        if !matches!(c, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%') {
            return Err(value_error(format!(
                "Unknown format code '{c}' for object of type 'float'"
            )));
        }
    }
    if sp.grouping.is_some() && ty == Some('n') {
        return Err(value_error(format!(
            "Cannot specify '{}' with 'n'.",
            sp.grouping.unwrap_or(',')
        )));
    }
    if let Some(p) = sp.precision {
        // `{:.1000000f}` of a big float would allocate without bound.
        if p > 10_000 && f.is_finite() {
            return Err(limit_error("string too large"));
        }
    }
    let sp = sp.numeric();
    let upper = matches!(ty, Some('E' | 'F' | 'G'));
    let mut negative = f.is_sign_negative() && !f.is_nan();
    let x = if ty == Some('%') {
        f.abs() * 100.0
    } else {
        f.abs()
    };
    let mut body = if x.is_nan() {
        "nan".to_owned()
    } else if x.is_infinite() {
        "inf".to_owned()
    } else {
        float_body(x, ty, sp.precision, sp.alt)
    };
    if upper {
        body.make_ascii_uppercase();
    }
    if ty == Some('%') {
        body.push('%');
    }
    if negative
        && sp.z
        && body
            .chars()
            .all(|c| matches!(c, '0' | '.' | '%' | 'e' | 'E' | '+' | '-'))
    {
        negative = false;
    }
    // Split the integer digits (grouped) from the rest (fraction, exponent, `%`).
    let split = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    let (int_part, rest) = body.split_at(split);
    if int_part.is_empty() {
        // inf/nan: no digits to group.
        return Ok(finish_number(
            negative,
            "",
            "",
            rest,
            &Spec {
                grouping: None,
                ..sp
            },
            3,
        ));
    }
    Ok(finish_number(negative, "", int_part, rest, &sp, 3))
}

pub(crate) fn format_str(s: &str, sp: &Spec) -> Result<String, Exc> {
    if let Some(c) = sp.ty {
        if c != 's' {
            return Err(value_error(format!(
                "Unknown format code '{c}' for object of type 'str'"
            )));
        }
    }
    if sp.sign_given {
        return Err(value_error("Sign not allowed in string format specifier"));
    }
    if sp.alt {
        return Err(value_error(
            "Alternate form (#) not allowed in string format specifier",
        ));
    }
    if let Some(g) = sp.grouping {
        return Err(value_error(format!("Cannot specify '{g}' with 's'.")));
    }
    if sp.align == Some('=') {
        return Err(value_error(
            "'=' alignment not allowed in string format specifier",
        ));
    }
    let mut sp = sp.clone();
    if sp.zero && !sp.fill_given {
        sp.fill = '0';
    }
    let text: String = match sp.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_owned(),
    };
    Ok(pad("", &text, &sp, '<'))
}

/// Python's `ascii()` of a text: non-ASCII characters escaped as `\xNN`, `\uNNNN`, `\UNNNNNNNN`.
pub(crate) fn ascii_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let n = c as u32;
        if n < 0x80 {
            out.push(c);
        } else if n < 0x100 {
            out.push_str(&format!("\\x{n:02x}"));
        } else if n < 0x10000 {
            out.push_str(&format!("\\u{n:04x}"));
        } else {
            out.push_str(&format!("\\U{n:08x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: Value, spec: &str) -> String {
        match format_spec(&v, spec) {
            Ok(s) => s,
            Err(e) => format!("!{}: {}", e.kind, e.message),
        }
    }

    #[test]
    fn int_specs() {
        // Expected values from python3 `format(v, spec)`.
        let table: &[(i64, &str, &str)] = &[
            (1234, "0=10,", "00,001,234"),
            (1234, "010,", "00,001,234"),
            (1234, "08,", "0,001,234"),
            (1234, "07,", "001,234"),
            (-1234, "010,", "-0,001,234"),
            (1234, "x<010,", "1,234xxxxx"),
            (5, "<05", "50000"),
            (255, "#010x", "0x000000ff"),
            (255, "#_b", "0b1111_1111"),
            (1099511627776, "_x", "100_0000_0000"),
            (65, "c", "A"),
            (65, "3c", "  A"),
            (
                65,
                "-c",
                "!ValueError: Sign not allowed with integer format specifier 'c'",
            ),
            (5, "+", "+5"),
            (5, " ", " 5"),
            (-5, " ", "-5"),
            (5, "=+5", "+   5"),
            (1234, "n", "1234"),
            (12, "e", "1.200000e+01"),
            (12, "%", "1200.000000%"),
            (12, ".2f", "12.00"),
            (123, "", "123"),
            (42, ">6", "    42"),
            (42, "^6", "  42  "),
            (-42, "06", "-00042"),
            (255, "X", "FF"),
            (255, "#o", "0o377"),
            (1234567, ",", "1,234,567"),
            (1234567, "_", "1_234_567"),
            (
                1,
                ".2",
                "!ValueError: Precision not allowed in integer format specifier",
            ),
            (1, ",x", "!ValueError: Cannot specify ',' with 'x'."),
            (
                1,
                "q",
                "!ValueError: Unknown format code 'q' for object of type 'int'",
            ),
        ];
        for (v, spec, want) in table {
            assert_eq!(f(Value::Int(*v), spec), *want, "format({v}, {spec:?})");
        }
        assert_eq!(f(Value::Bool(true), "d"), "1");
        assert_eq!(
            f(Value::Bool(true), "s"),
            "!ValueError: Unknown format code 's' for object of type 'bool'"
        );
        assert_eq!(f(Value::Bool(true), ""), "True");
        assert_eq!(f(Value::Bool(false), "^7"), "   0   ");
        let big = Value::BigInt(std::rc::Rc::new(BigInt::from(1u128 << 64)));
        assert_eq!(f(big.clone(), ","), "18,446,744,073,709,551,616");
        assert_eq!(f(big, "e"), "1.844674e+19");
    }

    #[test]
    fn float_specs() {
        let table: &[(f64, &str, &str)] = &[
            (1.5, ".0", "2e+00"),
            (2.5, ".0", "2e+00"),
            (1e20, ".3", "1e+20"),
            (0.0001, ".3", "0.0001"),
            (1e-5, ".3", "1e-05"),
            (100.0, ".3", "1e+02"),
            (123.0, ".3", "1.23e+02"),
            (1234.5, ".2", "1.2e+03"),
            (1234.5, ",", "1,234.5"),
            (1e16, ",", "1e+16"),
            (1e15, "", "1000000000000000.0"),
            (1234567.891, ",.2f", "1,234,567.89"),
            (-0.001, ".1f", "-0.0"),
            (-0.001, "z.1f", "0.0"),
            (0.5, "%", "50.000000%"),
            (0.125, ".1%", "12.5%"),
            (1.0, "#.0f", "1."),
            (1.0, "#.0e", "1.e+00"),
            (1.0, "g", "1"),
            (1.0, "#g", "1.00000"),
            (123456789.0, "g", "1.23457e+08"),
            (1e-5, "g", "1e-05"),
            (0.0001, "g", "0.0001"),
            (f64::NAN, "+", "+nan"),
            (f64::INFINITY, "+.2f", "+inf"),
            (f64::INFINITY, "E", "INF"),
            (f64::INFINITY, "010", "0000000inf"),
            (1.5, "E", "1.500000E+00"),
            (1234.5, "_", "1_234.5"),
            (1234.5, "n", "1234.5"),
            (3.0, "n", "3"),
            (0.1, ".20f", "0.10000000000000000555"),
            (1.0, "", "1.0"),
            (1.0, ".5", "1.0"),
            (1.0, "5", "  1.0"),
            (-1.0, "08.2f", "-0001.00"),
            (-1.0, "=8.2f", "-   1.00"),
            (12345.678, "010,.1f", "0,012,345.7"),
            (9.99, ".1f", "10.0"),
            (0.0, "e", "0.000000e+00"),
            (0.0, "g", "0"),
            (0.0, ".3", "0.0"),
            (100.0, ".3g", "100"),
            (1e6, ".7", "1e+06"),
            (1e-7, ".2", "1e-07"),
            (0.125, ".2f", "0.12"),
            (1e-5, "#018,", "0,000,000,001.e-05"),
            (0.375, ".2f", "0.38"),
            (2.5, ".0f", "2"),
            (3.14149, ".2f", "3.14"),
            (3.14149, "8.3f", "   3.141"),
            (3.14149, "<8.1f", "3.1     "),
            (
                1.5,
                "d",
                "!ValueError: Unknown format code 'd' for object of type 'float'",
            ),
        ];
        for (v, spec, want) in table {
            assert_eq!(f(Value::Float(*v), spec), *want, "format({v}, {spec:?})");
        }
    }

    #[test]
    fn str_specs() {
        let table: &[(&str, &str, &str)] = &[
            ("abc", ".2", "ab"),
            ("abc", "^7", "  abc  "),
            ("ab", "^5", " ab  "),
            ("abc", "*>6", "***abc"),
            ("ab", "05", "ab000"),
            ("ab", "5", "ab   "),
            ("ab", "s", "ab"),
            (
                "ab",
                "-5",
                "!ValueError: Sign not allowed in string format specifier",
            ),
            (
                "a",
                "=5",
                "!ValueError: '=' alignment not allowed in string format specifier",
            ),
            (
                "a",
                "+",
                "!ValueError: Sign not allowed in string format specifier",
            ),
            ("a", ",", "!ValueError: Cannot specify ',' with 's'."),
            (
                "a",
                "d",
                "!ValueError: Unknown format code 'd' for object of type 'str'",
            ),
        ];
        for (v, spec, want) in table {
            assert_eq!(f(Value::str(*v), spec), *want, "format({v:?}, {spec:?})");
        }
        assert_eq!(
            f(Value::list(vec![]), "x"),
            "!TypeError: unsupported format string passed to list.__format__"
        );
        assert_eq!(f(Value::None, ""), "None");
        assert!(f(Value::Int(1), "999999999999999999999999").starts_with("!ValueError"));
        assert!(f(Value::Int(1), "999999999").starts_with("!LimitError"));
    }
}
