//! `import datetime`: `timedelta`, `date`, `datetime` and fixed-offset `timezone`, as
//! Python 3.12's `datetime` module (proleptic Gregorian calendar, years 1..9999, microsecond
//! resolution).
//!
//! This file builds the four type values with their constructors and class methods. Below
//! it: the objects in `datetime/date.rs` (`date`, `datetime`) and `datetime/delta.rs`
//! (`timedelta`, `timezone`), `strftime`, `strptime` and the ISO 8601 parsers in
//! `datetime/format.rs`, and at the bottom the calendar arithmetic and argument helpers in
//! `datetime/calendar.rs`.
//!
//! Local time is UTC: no crate of the build reads the system's time zone portably, so
//! `now()`, `today()`, `fromtimestamp()` and `timestamp()` of a naive datetime use UTC.

mod calendar;
mod date;
mod delta;
mod format;

use calendar::{
    bind, bind_named, check_date, check_time, epoch_to_local, int_of, no_args, now_us, ord_to_ymd,
    repr_str, str_arg, Ctx, DAY_US, MAX_ORD,
};
use dana_interpreter::error::{type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::host::{build_module, float_arg, int_arg, Big, NativeFn};
use dana_interpreter::value::{Args, Globals, NativeType, Object, Value};
use date::{Date, DateTime};
use delta::{tz_of, TimeDelta, TimeZone};
use std::rc::Rc;

type New = fn(&Ctx, Args<'_>) -> Result<Value, Exc>;

pub(crate) fn module() -> Rc<Globals> {
    let ctx: Ctx = Rc::default();
    let ty = |name: &str, new: New| {
        let c = ctx.clone();
        Value::object(NativeType::new(
            "datetime",
            name,
            Some(Box::new(move |_it, _this, args| new(&c, args))),
        ))
    };
    let date_t = ty("date", date_new);
    let datetime_t = ty("datetime", datetime_new);
    let delta_t = ty("timedelta", delta_new);
    let tz_t = ty("timezone", tz_new);
    let weak = |v: &Value| match v {
        Value::Object(o) => Rc::downgrade(o),
        _ => unreachable!("a type value is an object"),
    };
    let _ = ctx.types.set([
        weak(&date_t),
        weak(&datetime_t),
        weak(&delta_t),
        weak(&tz_t),
    ]);
    let attr = |t: &Value, name: &str, v: Value| {
        if let Some(nt) = t.downcast::<NativeType>() {
            nt.set_attr_value(name, v);
        }
    };
    let method = |t: &Value, name: &'static str, f: New, doc: &'static str| {
        let c = ctx.clone();
        let v = NativeFn::closure(name, move |_it: &mut Interp, args| f(&c, args));
        attr(t, name, with_doc(v, doc));
    };
    method(
        &date_t,
        "today",
        date_today,
        "date.today()\n\nThe current date (UTC).",
    );
    method(
        &date_t,
        "fromisoformat",
        date_fromiso,
        "date.fromisoformat(s)\n\nThe date of an ISO 8601 text: YYYY-MM-DD or YYYYMMDD.",
    );
    method(
        &date_t,
        "fromordinal",
        date_fromordinal,
        "date.fromordinal(n)\n\nThe date of a proleptic Gregorian ordinal (1 is 0001-01-01).",
    );
    method(
        &date_t,
        "fromtimestamp",
        date_fromts,
        "date.fromtimestamp(t)\n\nThe date (UTC) of a POSIX timestamp.",
    );
    method(
        &datetime_t,
        "now",
        dt_now,
        "datetime.now(tz=None)\n\nThe current date and time: naive UTC, or in the time zone tz.",
    );
    method(
        &datetime_t,
        "utcnow",
        dt_utcnow,
        "datetime.utcnow()\n\nThe current UTC date and time, naive.",
    );
    method(
        &datetime_t,
        "today",
        dt_utcnow,
        "datetime.today()\n\nThe current date and time (UTC), naive.",
    );
    method(&datetime_t, "fromisoformat", dt_fromiso, "datetime.fromisoformat(s)\n\nThe datetime of an ISO 8601 text: YYYY-MM-DD[*HH[:MM[:SS[.ffffff]]][+HH:MM|Z]].");
    method(&datetime_t, "fromtimestamp", dt_fromts, "datetime.fromtimestamp(t, tz=None)\n\nThe datetime of a POSIX timestamp: naive UTC, or in the time zone tz.");
    method(
        &datetime_t,
        "fromordinal",
        dt_fromordinal,
        "datetime.fromordinal(n)\n\nMidnight of the date with proleptic Gregorian ordinal n.",
    );
    method(&datetime_t, "strptime", dt_strptime, "datetime.strptime(text, format)\n\nParses text by a format of strftime directives (%Y %m %d %H %M %S %f %y %b %B\n%a %A %j %p %I %z %Z %%).");
    let td = |us: i128| TimeDelta::value(&ctx, us);
    attr(&delta_t, "min", td(-999_999_999 * DAY_US));
    attr(&delta_t, "max", td(1_000_000_000 * DAY_US - 1));
    attr(&delta_t, "resolution", td(1));
    attr(&date_t, "min", Date::value(&ctx, 1, 1, 1));
    attr(&date_t, "max", Date::value(&ctx, 9999, 12, 31));
    attr(&date_t, "resolution", td(DAY_US));
    attr(&datetime_t, "resolution", td(1));
    attr(&tz_t, "utc", TimeZone::utc(&ctx));
    build_module(
        "datetime",
        &[],
        vec![
            ("date", date_t),
            ("datetime", datetime_t),
            ("timedelta", delta_t),
            ("timezone", tz_t.clone()),
            ("UTC", TimeZone::utc(&ctx)),
            ("MINYEAR", Value::Int(1)),
            ("MAXYEAR", Value::Int(9999)),
        ],
    )
}

/// A native closure value with its `help()` text.
fn with_doc(v: Value, doc: &'static str) -> Value {
    match v {
        Value::Native(f) => match Rc::try_unwrap(f) {
            Ok(mut f) => {
                f.doc = Some(doc);
                Value::Native(Rc::new(f))
            }
            Err(f) => Value::Native(f),
        },
        other => other,
    }
}

// ---- constructors and class methods ----

fn date_new(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    let a = bind(&args, &["year", "month", "day"], 3)?;
    let (y, m, d) = (int_of(a[0], 0)?, int_of(a[1], 0)?, int_of(a[2], 0)?);
    check_date(y, m, d)?;
    Ok(Date::value(ctx, y, m, d))
}

fn datetime_new(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    let names = [
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "microsecond",
        "tzinfo",
        "fold",
    ];
    let a = bind(&args, &names, 3)?;
    let f = |i: usize| int_of(a[i], 0);
    let (y, m, d) = (f(0)?, f(1)?, f(2)?);
    check_date(y, m, d)?;
    let (h, mi, s, us) = (f(3)?, f(4)?, f(5)?, f(6)?);
    check_time(h, mi, s, us)?;
    let tz = tz_of(a[7])?;
    Ok(DateTime::value(
        ctx,
        calendar::fields_us(y, m, d, h, mi, s, us),
        tz,
    ))
}

fn delta_new(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    let names = [
        "days",
        "seconds",
        "microseconds",
        "milliseconds",
        "minutes",
        "hours",
        "weeks",
    ];
    let a = bind_named(&args, "__new__()", &names, 0)?;
    let scale: [i128; 7] = [
        DAY_US,
        1_000_000,
        1,
        1_000,
        60_000_000,
        3_600_000_000,
        7 * DAY_US,
    ];
    let (mut whole, mut frac) = (0i128, 0f64);
    for ((v, name), k) in a.iter().zip(names).zip(scale) {
        match v {
            None => {}
            Some(Value::Float(f)) => frac += f * k as f64,
            Some(v @ (Value::Int(_) | Value::Bool(_))) => {
                whole += int_arg(v, Big::Overflow)? as i128 * k
            }
            Some(Value::BigInt(_)) => {
                return Err(dana_interpreter::error::overflow_error(
                    "Python int too large to convert to C int",
                ))
            }
            Some(v) => {
                return Err(type_error(format!(
                    "unsupported type for timedelta {name} component: {}",
                    v.type_name()
                )))
            }
        }
    }
    if !frac.is_finite() || frac.abs() > 1e30 {
        return Err(dana_interpreter::error::overflow_error(
            "cannot convert float to integer",
        ));
    }
    delta::checked(ctx, whole + frac.round_ties_even() as i128)
}

fn tz_new(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    let a = bind(&args, &["offset", "name"], 1)?;
    let Some(off) = a[0].and_then(|v| v.downcast::<TimeDelta>()) else {
        return Err(type_error(format!(
            "timezone() argument 1 must be datetime.timedelta, not {}",
            a[0].map_or("None".to_string(), |v| v.type_name())
        )));
    };
    let name = match a[1] {
        None => None,
        Some(Value::Str(s)) => Some(s.to_string()),
        Some(v) => {
            return Err(type_error(format!(
                "timezone() argument 2 must be str, not {}",
                v.type_name()
            )))
        }
    };
    if off.us.abs() >= DAY_US {
        return Err(value_error(format!("offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24), not {}.", off.repr())));
    }
    Ok(TimeZone::value(ctx, off.us as i64, name))
}

fn date_today(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    no_args(&args, "date", "today")?;
    let (y, m, d) = ord_to_ymd((epoch_to_local(now_us()).div_euclid(DAY_US) + 1) as i64);
    Ok(Date::value(ctx, y, m, d))
}

fn date_fromiso(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    args.check("fromisoformat", 1, 1, &[])?;
    let s = str_arg(&args.pos[0], "fromisoformat")?;
    let (y, m, d) = format::parse_iso_date(s)
        .ok_or_else(|| value_error(format!("Invalid isoformat string: {}", repr_str(s))))?;
    check_date(y, m, d)?;
    Ok(Date::value(ctx, y, m, d))
}

fn ordinal_arg(args: &Args<'_>, name: &str) -> Result<i64, Exc> {
    args.check(name, 1, 1, &[])?;
    let n = int_arg(&args.pos[0], Big::Overflow)?;
    if !(1..=MAX_ORD).contains(&n) {
        return Err(value_error(if n < 1 {
            "ordinal must be >= 1".to_string()
        } else {
            format!("year {} is out of range", ord_to_ymd(MAX_ORD).0 + 1)
        }));
    }
    Ok(n)
}

fn date_fromordinal(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    let (y, m, d) = ord_to_ymd(ordinal_arg(&args, "fromordinal")?);
    Ok(Date::value(ctx, y, m, d))
}

fn timestamp_arg(v: &Value) -> Result<i128, Exc> {
    let f = float_arg(v).map_err(|_| {
        type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            v.type_name()
        ))
    })?;
    let us = (f * 1e6).round_ties_even();
    if !(-62_135_596_800e6..=253_402_300_799e6).contains(&us) {
        return Err(value_error("year is out of range"));
    }
    Ok(match v {
        Value::Int(i) => *i as i128 * 1_000_000,
        _ => us as i128,
    })
}

fn date_fromts(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    args.check("fromtimestamp", 1, 1, &[])?;
    let us = epoch_to_local(timestamp_arg(&args.pos[0])?);
    let (y, m, d) = ord_to_ymd((us.div_euclid(DAY_US) + 1) as i64);
    Ok(Date::value(ctx, y, m, d))
}

/// A naive datetime of a UTC moment, or that moment in the time zone `tz`.
fn at_utc(ctx: &Ctx, epoch_us: i128, tz: Option<Value>) -> Result<Value, Exc> {
    let off = tz
        .as_ref()
        .and_then(|t| t.downcast::<TimeZone>())
        .map_or(0, |t| t.offset as i128);
    DateTime::checked(ctx, epoch_to_local(epoch_us) + off, tz)
}

fn dt_now(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    let a = bind(&args, &["tz"], 0)?;
    at_utc(ctx, now_us(), tz_of(a[0])?)
}

fn dt_utcnow(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    no_args(&args, "datetime", "utcnow")?;
    at_utc(ctx, now_us(), None)
}

fn dt_fromiso(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    args.check("fromisoformat", 1, 1, &[])?;
    let s = str_arg(&args.pos[0], "fromisoformat")?;
    let (f, off) = format::parse_iso_datetime(s)
        .ok_or_else(|| value_error(format!("Invalid isoformat string: {}", repr_str(s))))?;
    check_date(f[0], f[1], f[2])?;
    check_time(f[3], f[4], f[5], f[6])?;
    let tz = off.map(|o| TimeZone::value(ctx, o, None));
    let us = calendar::fields_us(f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
    Ok(DateTime::value(ctx, us, tz))
}

fn dt_fromts(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    let a = bind(&args, &["timestamp", "tz"], 1)?;
    let us = timestamp_arg(a[0].unwrap_or(&Value::None))?;
    at_utc(ctx, us, tz_of(a[1])?)
}

fn dt_fromordinal(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    let n = ordinal_arg(&args, "fromordinal")?;
    Ok(DateTime::value(ctx, (n as i128 - 1) * DAY_US, None))
}

fn dt_strptime(ctx: &Ctx, args: Args<'_>) -> Result<Value, Exc> {
    let a = bind(&args, &["date_string", "format"], 2)?;
    let (text, fmt) = match (a[0], a[1]) {
        (Some(Value::Str(t)), Some(Value::Str(f))) => (t.as_str(), f.as_str()),
        (Some(t), Some(f)) => {
            let (n, bad) = if matches!(t, Value::Str(_)) {
                (2, f)
            } else {
                (1, t)
            };
            return Err(type_error(format!(
                "strptime() argument {n} must be str, not {}",
                bad.type_name()
            )));
        }
        _ => unreachable!("bound as required"),
    };
    let (f, off) = format::strptime(text, fmt)?;
    let tz = off.map(|o| TimeZone::value(ctx, o, None));
    let us = calendar::fields_us(f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
    Ok(DateTime::value(ctx, us, tz))
}
