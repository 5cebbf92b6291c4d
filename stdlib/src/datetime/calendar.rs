//! The calendar arithmetic of `datetime` (proleptic Gregorian, as Python's), the type
//! values every object refers to ([`Classes`]), and the argument helpers the constructors and
//! methods share.

use dana_interpreter::error::{type_error, value_error, Exc};
use dana_interpreter::host::{int_arg, Big};
use dana_interpreter::value::{Args, Object, Value};
use std::cell::OnceCell;
use std::rc::{Rc, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds in a day.
pub(crate) const DAY_US: i128 = 86_400_000_000;
/// The ordinal of 9999-12-31.
pub(crate) const MAX_ORD: i64 = 3_652_059;
/// The ordinal of 1970-01-01.
pub(crate) const EPOCH_ORD: i64 = 719_163;

/// The module's type values, shared by every object it makes (weakly: the module's globals
/// own the types, and the types' constructors own this).
#[derive(Default)]
pub(crate) struct Classes {
    pub(crate) types: OnceCell<[Weak<Box<dyn Object>>; 4]>,
}

pub(crate) type Ctx = Rc<Classes>;

/// Which type value [`Classes::get`] returns.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Date = 0,
    DateTime = 1,
    TimeDelta = 2,
    TimeZone = 3,
}

impl Classes {
    pub(crate) fn get(&self, k: Kind) -> Option<Value> {
        self.types.get()?[k as usize].upgrade().map(Value::Object)
    }
}

// ---- calendar arithmetic (proleptic Gregorian, as Python's datetime) ----

const DAYS_BEFORE_MONTH: [i64; 13] = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/// Hours, minutes, seconds and microseconds of a non-negative count of microseconds (a time
/// of day, or the magnitude of an offset).
pub(crate) fn clock(us: i128) -> (i128, i128, i128, i128) {
    (
        us / 3_600_000_000,
        us / 60_000_000 % 60,
        us / 1_000_000 % 60,
        us % 1_000_000,
    )
}

pub(crate) fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

pub(crate) fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_before_month(y: i64, m: i64) -> i64 {
    DAYS_BEFORE_MONTH[m as usize] + i64::from(m > 2 && is_leap(y))
}

/// The ordinal of a date: 0001-01-01 is 1.
pub(crate) fn ymd_to_ord(y: i64, m: i64, d: i64) -> i64 {
    let y1 = y - 1;
    y1 * 365 + y1 / 4 - y1 / 100 + y1 / 400 + days_before_month(y, m) + d
}

/// The date of an ordinal (`1..=MAX_ORD`).
pub(crate) fn ord_to_ymd(n: i64) -> (i64, i64, i64) {
    let n = n - 1;
    let (n400, n) = (n.div_euclid(146_097), n.rem_euclid(146_097));
    let (n100, n) = (n / 36_524, n % 36_524);
    let (n4, n) = (n / 1_461, n % 1_461);
    let (n1, n) = (n / 365, n % 365);
    let year = n400 * 400 + 1 + n100 * 100 + n4 * 4 + n1;
    if n1 == 4 || n100 == 4 {
        return (year - 1, 12, 31);
    }
    let leap = n1 == 3 && (n4 != 24 || n100 == 3);
    let mut month = (n + 50) >> 5;
    let mut preceding = DAYS_BEFORE_MONTH[month as usize] + i64::from(month > 2 && leap);
    if preceding > n {
        month -= 1;
        preceding -= days_in_month(if leap { 4 } else { 1 }, month);
    }
    (year, month, n - preceding + 1)
}

/// Monday is 0.
pub(crate) fn weekday(ord: i64) -> i64 {
    (ord + 6) % 7
}

/// Microseconds since 0001-01-01T00:00 of valid fields.
pub(crate) fn fields_us(y: i64, m: i64, d: i64, h: i64, mi: i64, s: i64, us: i64) -> i128 {
    (ymd_to_ord(y, m, d) as i128 - 1) * DAY_US
        + ((h * 3600 + mi * 60 + s) as i128) * 1_000_000
        + us as i128
}

/// `Ok` when the fields make a date, else Python's `ValueError`.
pub(crate) fn check_date(y: i64, m: i64, d: i64) -> Result<(), Exc> {
    if !(1..=9999).contains(&y) {
        return Err(value_error(format!("year {y} is out of range")));
    }
    if !(1..=12).contains(&m) {
        return Err(value_error("month must be in 1..12"));
    }
    if d < 1 || d > days_in_month(y, m) {
        return Err(value_error("day is out of range for month"));
    }
    Ok(())
}

pub(crate) fn check_time(h: i64, mi: i64, s: i64, us: i64) -> Result<(), Exc> {
    for (v, name, max) in [
        (h, "hour", 23),
        (mi, "minute", 59),
        (s, "second", 59),
        (us, "microsecond", 999_999),
    ] {
        if !(0..=max).contains(&v) {
            return Err(value_error(format!("{name} must be in 0..{max}")));
        }
    }
    Ok(())
}

/// Microseconds since the Unix epoch, now.
pub(crate) fn now_us() -> i128 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i128,
        Err(e) => -(e.duration().as_micros() as i128),
    }
}

/// Microseconds since 0001-01-01T00:00 of a moment given in microseconds since the epoch.
pub(crate) fn epoch_to_local(us: i128) -> i128 {
    us + (EPOCH_ORD as i128 - 1) * DAY_US
}

pub(crate) fn local_to_epoch(us: i128) -> i128 {
    us - (EPOCH_ORD as i128 - 1) * DAY_US
}

// ---- argument helpers ----

/// Binds `args` to `names` like Python's C functions: `required` leading names are needed.
pub(crate) fn bind<'a>(
    args: &Args<'a>,
    names: &[&str],
    required: usize,
) -> Result<Vec<Option<&'a Value>>, Exc> {
    bind_named(args, "function", names, required)
}

/// [`bind`] for a function Python names in its messages (`__new__()`).
pub(crate) fn bind_named<'a>(
    args: &Args<'a>,
    fname: &str,
    names: &[&str],
    required: usize,
) -> Result<Vec<Option<&'a Value>>, Exc> {
    if args.pos.len() > names.len() {
        return Err(type_error(format!(
            "{fname} takes at most {} argument{} ({} given)",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            args.pos.len()
        )));
    }
    let mut unknown = None;
    let mut out: Vec<Option<&Value>> = args.pos.iter().map(Some).collect();
    out.resize(names.len(), None);
    for (k, v) in args.kw {
        match names.iter().position(|n| *n == k.as_str()) {
            Some(i) if out[i].is_none() => out[i] = Some(v),
            Some(i) => {
                return Err(type_error(format!(
                    "argument for function given by name ('{k}') and position ({})",
                    i + 1
                )))
            }
            None => unknown = unknown.or(Some(k)),
        }
    }
    for (i, slot) in out.iter().enumerate().take(required) {
        if slot.is_none() {
            return Err(type_error(format!(
                "function missing required argument '{}' (pos {})",
                names[i],
                i + 1
            )));
        }
    }
    if let Some(k) = unknown {
        let target = if fname == "function" {
            "this function".to_string()
        } else {
            fname.to_string()
        };
        return Err(type_error(format!(
            "'{k}' is an invalid keyword argument for {target}"
        )));
    }
    Ok(out)
}

/// Fails unless a method call has no arguments, with Python's messages
/// (`date.weekday() takes no arguments (1 given)`).
pub(crate) fn no_args(args: &Args<'_>, owner: &str, name: &str) -> Result<(), Exc> {
    if !args.pos.is_empty() {
        return Err(type_error(format!(
            "{owner}.{name}() takes no arguments ({} given)",
            args.pos.len()
        )));
    }
    if !args.kw.is_empty() {
        return Err(type_error(format!(
            "{owner}.{name}() takes no keyword arguments"
        )));
    }
    Ok(())
}

pub(crate) fn int_of(v: Option<&Value>, default: i64) -> Result<i64, Exc> {
    match v {
        None => Ok(default),
        Some(v) => int_arg(v, Big::Overflow),
    }
}

pub(crate) fn str_arg<'a>(v: &'a Value, fname: &str) -> Result<&'a str, Exc> {
    match v {
        Value::Str(s) => Ok(s.as_str()),
        _ => Err(type_error(format!("{fname}: argument must be str"))),
    }
}

pub(crate) fn repr_str(s: &str) -> String {
    dana_interpreter::value::repr::repr(&Value::str(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_round_trip_over_every_year() {
        let mut ord = 0;
        for y in 1..=9999 {
            for m in 1..=12 {
                for d in 1..=days_in_month(y, m) {
                    ord += 1;
                    assert_eq!(ymd_to_ord(y, m, d), ord, "{y}-{m}-{d}");
                    assert_eq!(ord_to_ymd(ord), (y, m, d), "ordinal {ord}");
                }
            }
        }
        assert_eq!(ord, MAX_ORD);
    }

    #[test]
    fn known_dates() {
        assert_eq!(ymd_to_ord(1970, 1, 1), EPOCH_ORD);
        assert_eq!(weekday(ymd_to_ord(2024, 1, 1)), 0); // a Monday
        assert_eq!(weekday(ymd_to_ord(2000, 2, 29)), 1); // a Tuesday
        assert!(is_leap(2000) && !is_leap(1900) && is_leap(2024));
        assert!(check_date(2023, 2, 29).is_err() && check_date(2024, 2, 29).is_ok());
    }
}
