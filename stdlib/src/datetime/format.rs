//! Text forms of dates: `strftime`, `datetime.strptime` and the ISO 8601 parsers of
//! `fromisoformat`, with Python 3.12's output and messages (C locale).

use super::calendar::{check_date, check_time, clock, ord_to_ymd, repr_str, weekday, ymd_to_ord};
use super::delta::{offset_text, TimeZone};
use dana_interpreter::error::{value_error, Exc};

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `strftime(fmt)` of a day ordinal, a time of day in microseconds and an optional zone.
/// Unknown directives are copied as they are (as glibc does).
pub(crate) fn strftime(fmt: &str, ord: i64, tod: i128, tz: Option<&TimeZone>) -> String {
    let (y, m, d) = ord_to_ymd(ord);
    let wd = weekday(ord) as usize;
    let (h, mi, s, us) = clock(tod);
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let yday = ord - ymd_to_ord(y, 1, 1) + 1;
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(k) = chars.next() else {
            out.push('%');
            break;
        };
        let piece = match k {
            'Y' => y.to_string(),
            'y' => format!("{:02}", y % 100),
            'm' => format!("{m:02}"),
            'd' => format!("{d:02}"),
            'e' => format!("{d:>2}"),
            'H' => format!("{h:02}"),
            'I' => format!("{h12:02}"),
            'M' => format!("{mi:02}"),
            'S' => format!("{s:02}"),
            'f' => format!("{us:06}"),
            'p' => (if h < 12 { "AM" } else { "PM" }).into(),
            'a' => DAYS[wd][..3].into(),
            'A' => DAYS[wd].into(),
            'w' => ((wd + 1) % 7).to_string(),
            'u' => (wd + 1).to_string(),
            'b' | 'h' => MONTHS[m as usize - 1][..3].into(),
            'B' => MONTHS[m as usize - 1].into(),
            'j' => format!("{yday:03}"),
            'U' => format!("{:02}", (yday - 1 + 7 - (wd as i64 + 1) % 7) / 7),
            'W' => format!("{:02}", (yday - 1 + 7 - wd as i64) / 7),
            'z' => tz.map_or(String::new(), |z| offset_text(z.offset as i128, "")),
            'Z' => tz.map_or(String::new(), |z| z.tzname()),
            'F' => format!("{y:04}-{m:02}-{d:02}"),
            'T' | 'X' => format!("{h:02}:{mi:02}:{s:02}"),
            'D' | 'x' => format!("{m:02}/{d:02}/{:02}", y % 100),
            'c' => format!(
                "{} {} {d:>2} {h:02}:{mi:02}:{s:02} {y}",
                &DAYS[wd][..3],
                &MONTHS[m as usize - 1][..3]
            ),
            '%' => "%".into(),
            other => format!("%{other}"),
        };
        out += &piece;
    }
    out
}

/// The fields `strptime` reads.
#[derive(Default)]
struct Parsed {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    yday: Option<i64>,
    hour: i64,
    hour12: Option<i64>,
    pm: Option<bool>,
    minute: i64,
    second: i64,
    micro: i64,
    offset: Option<i64>,
}

/// Reads 1..=`max` digits (exactly `max` when `exact`) at the start of `s`.
fn digits(s: &str, max: usize, exact: bool) -> Option<(i64, usize)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n == 0 || (exact && n != max) {
        return None;
    }
    Some((s[..n].parse().ok()?, n))
}

/// Reads one of `names` (or its three-letter form) at the start of `s`, case-insensitively.
fn name_of(s: &str, names: &[&str]) -> Option<(i64, usize)> {
    let lower = s.to_ascii_lowercase();
    for (i, n) in names.iter().enumerate() {
        let n = n.to_ascii_lowercase();
        if lower.starts_with(&n) {
            return Some((i as i64, n.len()));
        }
    }
    for (i, n) in names.iter().enumerate() {
        if lower.starts_with(&n[..3].to_ascii_lowercase()) {
            return Some((i as i64, 3));
        }
    }
    None
}

/// A UTC offset `±HH[:]MM[[:]SS[.ffffff]]` or `Z` at the start of `s`, in microseconds.
fn offset_at(s: &str) -> Option<(i64, usize)> {
    if s.starts_with('Z') {
        return Some((0, 1));
    }
    let sign = match s.bytes().next()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let b = s.as_bytes();
    let mut i = 1;
    let mut parts = Vec::new();
    for k in 0..3 {
        if k > 0 && b.get(i) == Some(&b':') {
            i += 1;
        }
        match digits(&s[i..], 2, true) {
            Some((v, n)) => {
                parts.push(v);
                i += n;
            }
            None if k >= 2 => break,
            None => return None,
        }
    }
    let mut us = 0;
    if parts.len() == 3 && b.get(i) == Some(&b'.') {
        let (f, n) = digits(&s[i + 1..], 6, false)?;
        us = f * 10i64.pow(6 - n as u32);
        i += n + 1;
    }
    if parts[1] > 59 || parts.get(2).is_some_and(|&v| v > 59) {
        return None;
    }
    let secs = parts[0] * 3600 + parts[1] * 60 + parts.get(2).copied().unwrap_or(0);
    Some((sign * (secs * 1_000_000 + us), i))
}

/// Parses `text` by `fmt`; `None` when it does not match.
fn parse(text: &str, fmt: &str) -> Result<Option<(Parsed, usize)>, Exc> {
    let mut p = Parsed::default();
    let mut pos = 0;
    let mut f = fmt.chars().peekable();
    while let Some(c) = f.next() {
        let rest = &text[pos..];
        if c.is_whitespace() {
            let n = rest.len() - rest.trim_start().len();
            if n == 0 {
                return Ok(None);
            }
            pos += n;
            while f.peek().is_some_and(|c| c.is_whitespace()) {
                f.next();
            }
            continue;
        }
        if c != '%' {
            match rest.chars().next() {
                Some(t) if t.eq_ignore_ascii_case(&c) => pos += t.len_utf8(),
                _ => return Ok(None),
            }
            continue;
        }
        let Some(k) = f.next() else {
            return Err(value_error(format!("stray % in format {}", repr_str(fmt))));
        };
        let got = match k {
            'Y' => digits(rest, 4, true).map(|(v, n)| (p.year = Some(v), n)),
            'y' => digits(rest, 2, true)
                .map(|(v, n)| (p.year = Some(if v < 69 { v + 2000 } else { v + 1900 }), n)),
            'm' => digits(rest, 2, false)
                .filter(|&(v, _)| (1..=12).contains(&v))
                .map(|(v, n)| (p.month = Some(v), n)),
            'd' => digits(rest, 2, false)
                .filter(|&(v, _)| (1..=31).contains(&v))
                .map(|(v, n)| (p.day = Some(v), n)),
            'j' => digits(rest, 3, false)
                .filter(|&(v, _)| (1..=366).contains(&v))
                .map(|(v, n)| (p.yday = Some(v), n)),
            'H' => digits(rest, 2, false)
                .filter(|&(v, _)| v <= 23)
                .map(|(v, n)| (p.hour = v, n)),
            'I' => digits(rest, 2, false)
                .filter(|&(v, _)| (1..=12).contains(&v))
                .map(|(v, n)| (p.hour12 = Some(v), n)),
            'M' => digits(rest, 2, false)
                .filter(|&(v, _)| v <= 59)
                .map(|(v, n)| (p.minute = v, n)),
            'S' => digits(rest, 2, false)
                .filter(|&(v, _)| v <= 61)
                .map(|(v, n)| (p.second = v, n)),
            'f' => digits(rest, 6, false).map(|(v, n)| (p.micro = v * 10i64.pow(6 - n as u32), n)),
            'p' => {
                let l = rest.get(..2).map(str::to_ascii_lowercase);
                match l.as_deref() {
                    Some("am") => Some((p.pm = Some(false), 2)),
                    Some("pm") => Some((p.pm = Some(true), 2)),
                    _ => None,
                }
            }
            'a' | 'A' => name_of(rest, &DAYS).map(|(_, n)| ((), n)),
            'b' | 'B' | 'h' => name_of(rest, &MONTHS).map(|(v, n)| (p.month = Some(v + 1), n)),
            'z' => offset_at(rest).map(|(v, n)| (p.offset = Some(v), n)),
            'Z' => ["UTC", "GMT"]
                .iter()
                .find(|z| rest.get(..3).is_some_and(|r| r.eq_ignore_ascii_case(z)))
                .map(|_| ((), 3)),
            '%' => rest.starts_with('%').then_some(((), 1)),
            other => {
                return Err(value_error(format!(
                    "'{other}' is a bad directive in format {}",
                    repr_str(&format!("%{other}"))
                )))
            }
        };
        match got {
            Some(((), n)) => pos += n,
            None => return Ok(None),
        }
    }
    Ok(Some((p, pos)))
}

/// `datetime.strptime(text, format)`: the fields (y, m, d, h, mi, s, us), checked, and the
/// `%z` offset in microseconds.
pub(crate) fn strptime(text: &str, fmt: &str) -> Result<([i64; 7], Option<i64>), Exc> {
    let Some((p, used)) = parse(text, fmt)? else {
        return Err(value_error(format!(
            "time data {} does not match format {}",
            repr_str(text),
            repr_str(fmt)
        )));
    };
    if used < text.len() {
        return Err(value_error(format!(
            "unconverted data remains: {}",
            &text[used..]
        )));
    }
    let year = p.year.unwrap_or(1900);
    let (mut month, mut day) = (p.month.unwrap_or(1), p.day.unwrap_or(1));
    if let (Some(j), None, None) = (p.yday, p.month, p.day) {
        let ord = ymd_to_ord(year, 1, 1) + j - 1;
        let (_, m, d) = ord_to_ymd(ord);
        (month, day) = (m, d);
    }
    let hour = match (p.hour12, p.pm) {
        (Some(h), Some(true)) => h % 12 + 12,
        (Some(h), _) => h % 12,
        (None, _) => p.hour,
    };
    let second = p.second.min(59);
    check_date(year, month, day)?;
    check_time(hour, p.minute, second, p.micro)?;
    Ok((
        [year, month, day, hour, p.minute, second, p.micro],
        p.offset,
    ))
}

/// `YYYY-MM-DD` or `YYYYMMDD` (not validated).
pub(crate) fn parse_iso_date(s: &str) -> Option<(i64, i64, i64)> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' => Some((num(0..4)?, num(5..7)?, num(8..10)?)),
        8 => Some((num(0..4)?, num(4..6)?, num(6..8)?)),
        _ => None,
    }
}

/// An ISO 8601 date and time: the date, one separator character, then
/// `HH[:MM[:SS[.fff[fff]]]]` and an offset (`Z`, `±HH:MM[:SS[.ffffff]]`). Returns the
/// fields (y, m, d, h, mi, s, us) and the offset in microseconds.
pub(crate) fn parse_iso_datetime(s: &str) -> Option<([i64; 7], Option<i64>)> {
    let date_len = if s.len() >= 10 && s.as_bytes().get(4) == Some(&b'-') {
        10
    } else {
        8
    };
    let (y, m, d) = parse_iso_date(s.get(..date_len)?)?;
    let mut f = [y, m, d, 0, 0, 0, 0];
    let rest = s.get(date_len..)?;
    let mut chars = rest.chars();
    let Some(_sep) = chars.next() else {
        return Some((f, None));
    };
    let t = chars.as_str();
    let end = t.find(['+', '-', 'Z']).unwrap_or(t.len());
    let (time, off) = t.split_at(end);
    let b = time.as_bytes();
    let mut i = 0;
    for (k, slot) in f.iter_mut().enumerate().skip(3).take(3) {
        if k > 3 && i == b.len() {
            break;
        }
        if k > 3 && b[i] == b':' {
            i += 1;
        }
        let (v, n) = digits(&time[i..], 2, true)?;
        *slot = v;
        i += n;
    }
    if i < b.len() {
        if !matches!(b[i], b'.' | b',') {
            return None;
        }
        let (v, n) = digits(&time[i + 1..], 6, false)?;
        f[6] = v * 10i64.pow(6 - n as u32);
        i += n + 1;
    }
    if i != b.len() {
        return None;
    }
    if off.is_empty() {
        return Some((f, None));
    }
    let (o, n) = offset_at(off)?;
    (n == off.len() && o.abs() < 86_400_000_000).then_some((f, Some(o)))
}
