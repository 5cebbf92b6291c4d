//! `datetime.date` (a day ordinal) and `datetime.datetime` (microseconds since
//! 0001-01-01T00:00 on its own clock, and an optional fixed-offset `timezone`).

use super::calendar::{
    bind, bind_named, check_date, check_time, clock, fields_us, int_of, local_to_epoch, no_args,
    ord_to_ymd, weekday, ymd_to_ord, Ctx, Kind, DAY_US, MAX_ORD,
};
use super::delta::{cmp, tz_of, TimeDelta, TimeZone};
use super::format::strftime;
use dana_grammar::ast::{BinOp, CmpOp};
use dana_interpreter::error::{overflow_error, type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::repr::repr;
use dana_interpreter::value::{Args, Object, Value};
use std::any::Any;
use std::hash::{Hash, Hasher};

fn hash_of(v: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

fn out_of_range() -> Exc {
    overflow_error("date value out of range")
}

pub(crate) struct Date {
    pub ctx: Ctx,
    /// The proleptic Gregorian ordinal (0001-01-01 is 1).
    pub ord: i64,
}

impl Date {
    pub(crate) fn value(ctx: &Ctx, y: i64, m: i64, d: i64) -> Value {
        Date::of_ord(ctx, ymd_to_ord(y, m, d))
    }
    pub(crate) fn of_ord(ctx: &Ctx, ord: i64) -> Value {
        Value::object(Date {
            ctx: ctx.clone(),
            ord,
        })
    }
    fn checked(ctx: &Ctx, ord: i64) -> Result<Value, Exc> {
        if (1..=MAX_ORD).contains(&ord) {
            Ok(Date::of_ord(ctx, ord))
        } else {
            Err(out_of_range())
        }
    }
}

/// The methods `date` and `datetime` share.
const DATE_METHODS: &[&str] = &[
    "weekday",
    "isoweekday",
    "isoformat",
    "strftime",
    "replace",
    "toordinal",
    "isocalendar",
    "ctime",
];

/// `date.isocalendar()`: (ISO year, ISO week, ISO weekday).
fn isocalendar(ord: i64) -> (i64, i64, i64) {
    let (y, _, _) = ord_to_ymd(ord);
    let week1 = |y: i64| {
        let first = ymd_to_ord(y, 1, 1);
        let wd = weekday(first);
        let monday = first - wd;
        if wd > 3 {
            monday + 7
        } else {
            monday
        }
    };
    let mut year = y;
    let mut start = week1(year);
    if ord < start {
        year -= 1;
        start = week1(year);
    } else if ord >= week1(year + 1) {
        year += 1;
        start = week1(year);
    }
    (year, (ord - start) / 7 + 1, weekday(ord) + 1)
}

/// `isocalendar()`'s result: a named tuple `(year, week, weekday)`.
struct IsoCalendarDate(Value);

impl Object for IsoCalendarDate {
    fn type_name(&self) -> &str {
        "IsoCalendarDate"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn base(&self) -> Option<Value> {
        Some(self.0.clone())
    }
    fn repr(&self) -> String {
        let Value::Tuple(t) = &self.0 else {
            return String::new();
        };
        format!(
            "datetime.IsoCalendarDate(year={}, week={}, weekday={})",
            repr(&t[0]),
            repr(&t[1]),
            repr(&t[2])
        )
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        let Value::Tuple(t) = &self.0 else {
            return None;
        };
        let i = ["year", "week", "weekday"]
            .iter()
            .position(|n| *n == name)?;
        Some(t[i].clone())
    }
}

/// A method both types share (`tod` is the time of day in microseconds, 0 for a date).
fn shared_method(
    owner: &str,
    ord: i64,
    tod: i128,
    tz: Option<&TimeZone>,
    name: &str,
    args: &Args<'_>,
) -> Option<Result<Value, Exc>> {
    let no_args = |n: &str| no_args(args, owner, n);
    Some(match name {
        "weekday" => no_args(name).map(|()| Value::Int(weekday(ord))),
        "isoweekday" => no_args(name).map(|()| Value::Int(weekday(ord) + 1)),
        "toordinal" => no_args(name).map(|()| Value::Int(ord)),
        "isocalendar" => no_args(name).map(|()| {
            let (y, w, d) = isocalendar(ord);
            Value::object(IsoCalendarDate(Value::tuple(vec![
                Value::Int(y),
                Value::Int(w),
                Value::Int(d),
            ])))
        }),
        "ctime" => no_args(name).map(|()| Value::str(strftime("%c", ord, tod, tz))),
        "strftime" => bind(args, &["format"], 1).and_then(|a| match a[0] {
            Some(Value::Str(f)) => Ok(Value::str(strftime(f, ord, tod, tz))),
            Some(v) => Err(type_error(format!(
                "strftime() argument 1 must be str, not {}",
                v.type_name()
            ))),
            None => unreachable!("bound as required"),
        }),
        _ => return None,
    })
}

fn ymd_text(ord: i64) -> String {
    let (y, m, d) = ord_to_ymd(ord);
    format!("{y:04}-{m:02}-{d:02}")
}

impl Object for Date {
    fn type_name(&self) -> &str {
        "datetime.date"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        self.ctx.get(Kind::Date)
    }
    fn repr(&self) -> String {
        let (y, m, d) = ord_to_ymd(self.ord);
        format!("datetime.date({y}, {m}, {d})")
    }
    fn to_str(&self) -> String {
        ymd_text(self.ord)
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        let (y, m, d) = ord_to_ymd(self.ord);
        Some(Value::Int(match name {
            "year" => y,
            "month" => m,
            "day" => d,
            _ => return None,
        }))
    }
    fn method_names(&self) -> &[&'static str] {
        DATE_METHODS
    }
    fn call_method(
        &self,
        _it: &mut Interp,
        _this: &Value,
        name: &str,
        args: Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        match name {
            "isoformat" => {
                Some(no_args(&args, "date", "isoformat").map(|()| Value::str(ymd_text(self.ord))))
            }
            "replace" => Some((|| {
                let a = bind_named(&args, "replace()", &["year", "month", "day"], 0)?;
                let (y, m, d) = ord_to_ymd(self.ord);
                let (y, m, d) = (int_of(a[0], y)?, int_of(a[1], m)?, int_of(a[2], d)?);
                check_date(y, m, d)?;
                Ok(Date::value(&self.ctx, y, m, d))
            })()),
            _ => shared_method("date", self.ord, 0, None, name, &args),
        }
    }
    fn eq(&self, other: &Value) -> Option<bool> {
        Some(other.downcast::<Date>().is_some_and(|o| o.ord == self.ord))
    }
    fn hash(&self) -> Option<Result<u64, Exc>> {
        Some(Ok(hash_of(self.ord)))
    }
    fn compare(&self, op: CmpOp, other: &Value) -> Option<Result<bool, Exc>> {
        let o = other.downcast::<Date>()?;
        Some(Ok(cmp(op, self.ord.cmp(&o.ord))))
    }
    fn binary(&self, op: BinOp, other: &Value, reflected: bool) -> Option<Result<Value, Exc>> {
        if let Some(td) = other.downcast::<TimeDelta>() {
            let days = td.us.div_euclid(DAY_US);
            let days = i64::try_from(days).unwrap_or(i64::MAX / 2);
            return match (op, reflected) {
                (BinOp::Add, _) => Some(Date::checked(&self.ctx, self.ord + days)),
                (BinOp::Sub, false) => Some(Date::checked(&self.ctx, self.ord - days)),
                _ => None,
            };
        }
        let o = other.downcast::<Date>()?;
        match op {
            BinOp::Sub => {
                let (a, b) = if reflected {
                    (o.ord, self.ord)
                } else {
                    (self.ord, o.ord)
                };
                Some(Ok(TimeDelta::value(&self.ctx, (a - b) as i128 * DAY_US)))
            }
            _ => None,
        }
    }
}

pub(crate) struct DateTime {
    pub ctx: Ctx,
    /// Microseconds since 0001-01-01T00:00 on the datetime's own clock.
    pub us: i128,
    /// A `timezone`, or `None` for a naive datetime.
    pub tz: Option<Value>,
}

impl DateTime {
    pub(crate) fn value(ctx: &Ctx, us: i128, tz: Option<Value>) -> Value {
        Value::object(DateTime {
            ctx: ctx.clone(),
            us,
            tz,
        })
    }
    /// A datetime, or Python's `OverflowError` outside years 1..9999.
    pub(crate) fn checked(ctx: &Ctx, us: i128, tz: Option<Value>) -> Result<Value, Exc> {
        if (0..MAX_ORD as i128 * DAY_US).contains(&us) {
            Ok(DateTime::value(ctx, us, tz))
        } else {
            Err(out_of_range())
        }
    }
    fn zone(&self) -> Option<&TimeZone> {
        self.tz.as_ref().and_then(|t| t.downcast::<TimeZone>())
    }
    fn ord(&self) -> i64 {
        (self.us.div_euclid(DAY_US) + 1) as i64
    }
    fn tod(&self) -> i128 {
        self.us.rem_euclid(DAY_US)
    }
    /// The moment in UTC (the own clock for a naive datetime).
    fn utc(&self) -> i128 {
        self.us - self.zone().map_or(0, |z| z.offset as i128)
    }
    fn isoformat(&self, sep: &str, timespec: &str) -> Result<String, Exc> {
        let tod = self.tod();
        let (h, mi, s, us) = clock(tod);
        let time = match timespec {
            "auto" if us == 0 => format!("{h:02}:{mi:02}:{s:02}"),
            "auto" | "microseconds" => format!("{h:02}:{mi:02}:{s:02}.{us:06}"),
            "hours" => format!("{h:02}"),
            "minutes" => format!("{h:02}:{mi:02}"),
            "seconds" => format!("{h:02}:{mi:02}:{s:02}"),
            "milliseconds" => format!("{h:02}:{mi:02}:{s:02}.{:03}", us / 1000),
            _ => return Err(value_error("Unknown timespec value")),
        };
        let off = self.zone().map_or(String::new(), |z| {
            super::delta::offset_text(z.offset as i128, ":")
        });
        Ok(format!("{}{sep}{time}{off}", ymd_text(self.ord())))
    }
    fn method(&self, name: &str, args: &Args<'_>) -> Option<Result<Value, Exc>> {
        let ctx = &self.ctx;
        let no_args = |n: &str| no_args(args, "datetime", n);
        Some(match name {
            "date" => no_args(name).map(|()| Date::of_ord(ctx, self.ord())),
            "timestamp" => {
                no_args(name).map(|()| Value::Float(local_to_epoch(self.utc()) as f64 / 1e6))
            }
            "utcoffset" => no_args(name).map(|()| match self.zone() {
                Some(z) => TimeDelta::value(ctx, z.offset as i128),
                None => Value::None,
            }),
            "tzname" => no_args(name).map(|()| match self.zone() {
                Some(z) => Value::str(z.tzname()),
                None => Value::None,
            }),
            "dst" => no_args(name).map(|()| Value::None),
            "isoformat" => (|| {
                let a = bind_named(args, "isoformat()", &["sep", "timespec"], 0)?;
                let sep = match a[0] {
                    None => "T",
                    Some(Value::Str(s)) if s.chars().count() == 1 => s.as_str(),
                    Some(v) => {
                        return Err(type_error(format!(
                            "isoformat() argument 1 must be a unicode character, not {}",
                            v.type_name()
                        )))
                    }
                };
                let spec = match a[1] {
                    None => "auto",
                    Some(Value::Str(s)) => s.as_str(),
                    Some(v) => {
                        return Err(type_error(format!(
                            "isoformat() argument 2 must be str, not {}",
                            v.type_name()
                        )))
                    }
                };
                self.isoformat(sep, spec).map(Value::str)
            })(),
            "astimezone" => (|| {
                let a = bind(args, &["tz"], 0)?;
                let tz = match tz_of(a[0])? {
                    Some(t) => t,
                    None => TimeZone::value(ctx, 0, Some("UTC".into())),
                };
                let off = tz.downcast::<TimeZone>().map_or(0, |z| z.offset as i128);
                DateTime::checked(ctx, self.utc() + off, Some(tz))
            })(),
            "replace" => (|| {
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
                let a = bind_named(args, "replace()", &names, 0)?;
                let (y, m, d) = ord_to_ymd(self.ord());
                let tod = self.tod();
                let (h, mi, s, us) = (
                    (tod / 3_600_000_000) as i64,
                    (tod / 60_000_000 % 60) as i64,
                    (tod / 1_000_000 % 60) as i64,
                    (tod % 1_000_000) as i64,
                );
                let (y, m, d) = (int_of(a[0], y)?, int_of(a[1], m)?, int_of(a[2], d)?);
                check_date(y, m, d)?;
                let (h, mi, s, us) = (
                    int_of(a[3], h)?,
                    int_of(a[4], mi)?,
                    int_of(a[5], s)?,
                    int_of(a[6], us)?,
                );
                check_time(h, mi, s, us)?;
                let tz = if a[7].is_some() {
                    tz_of(a[7])?
                } else {
                    self.tz.clone()
                };
                Ok(DateTime::value(ctx, fields_us(y, m, d, h, mi, s, us), tz))
            })(),
            _ => return shared_method("datetime", self.ord(), self.tod(), self.zone(), name, args),
        })
    }
}

const DATETIME_METHODS: &[&str] = &[
    "weekday",
    "isoweekday",
    "isoformat",
    "strftime",
    "replace",
    "toordinal",
    "isocalendar",
    "ctime",
    "date",
    "timestamp",
    "utcoffset",
    "tzname",
    "dst",
    "astimezone",
];

impl Object for DateTime {
    fn type_name(&self) -> &str {
        "datetime.datetime"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        self.ctx.get(Kind::DateTime)
    }
    fn repr(&self) -> String {
        let (y, m, d) = ord_to_ymd(self.ord());
        let tod = self.tod();
        let (h, mi, s, us) = clock(tod);
        let mut t = format!("datetime.datetime({y}, {m}, {d}, {h}, {mi}");
        if s != 0 || us != 0 {
            t += &format!(", {s}");
        }
        if us != 0 {
            t += &format!(", {us}");
        }
        if let Some(tz) = &self.tz {
            t += &format!(", tzinfo={}", repr(tz));
        }
        t + ")"
    }
    fn to_str(&self) -> String {
        self.isoformat(" ", "auto").unwrap_or_default()
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        let (y, m, d) = ord_to_ymd(self.ord());
        let tod = self.tod();
        Some(Value::Int(match name {
            "year" => y,
            "month" => m,
            "day" => d,
            "hour" => (tod / 3_600_000_000) as i64,
            "minute" => (tod / 60_000_000 % 60) as i64,
            "second" => (tod / 1_000_000 % 60) as i64,
            "microsecond" => (tod % 1_000_000) as i64,
            "fold" => 0,
            "tzinfo" => return Some(self.tz.clone().unwrap_or(Value::None)),
            _ => return None,
        }))
    }
    fn method_names(&self) -> &[&'static str] {
        DATETIME_METHODS
    }
    fn call_method(
        &self,
        _it: &mut Interp,
        _this: &Value,
        name: &str,
        args: Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        self.method(name, &args)
    }
    fn eq(&self, other: &Value) -> Option<bool> {
        Some(
            other
                .downcast::<DateTime>()
                .is_some_and(|o| self.tz.is_some() == o.tz.is_some() && self.utc() == o.utc()),
        )
    }
    fn hash(&self) -> Option<Result<u64, Exc>> {
        Some(Ok(hash_of(self.utc())))
    }
    fn compare(&self, op: CmpOp, other: &Value) -> Option<Result<bool, Exc>> {
        let o = other.downcast::<DateTime>()?;
        if self.tz.is_some() != o.tz.is_some() {
            return Some(Err(type_error(
                "can't compare offset-naive and offset-aware datetimes",
            )));
        }
        Some(Ok(cmp(op, self.utc().cmp(&o.utc()))))
    }
    fn binary(&self, op: BinOp, other: &Value, reflected: bool) -> Option<Result<Value, Exc>> {
        if let Some(td) = other.downcast::<TimeDelta>() {
            return match (op, reflected) {
                (BinOp::Add, _) => Some(DateTime::checked(
                    &self.ctx,
                    self.us + td.us,
                    self.tz.clone(),
                )),
                (BinOp::Sub, false) => Some(DateTime::checked(
                    &self.ctx,
                    self.us - td.us,
                    self.tz.clone(),
                )),
                _ => None,
            };
        }
        let o = other.downcast::<DateTime>()?;
        if op != BinOp::Sub {
            return None;
        }
        if self.tz.is_some() != o.tz.is_some() {
            return Some(Err(type_error(
                "can't subtract offset-naive and offset-aware datetimes",
            )));
        }
        let (a, b) = if reflected {
            (o.utc(), self.utc())
        } else {
            (self.utc(), o.utc())
        };
        Some(Ok(TimeDelta::value(&self.ctx, a - b)))
    }
}
