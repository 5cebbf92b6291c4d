//! `datetime.timedelta` (a signed duration in microseconds, normalised to days, seconds and
//! microseconds as Python's) and `datetime.timezone` (a fixed UTC offset).

use super::calendar::{bind, clock, no_args, repr_str, Ctx, Kind, DAY_US};
use dana_grammar::ast::{BinOp, CmpOp, UnaryOp};
use dana_interpreter::error::{overflow_error, type_error, zero_division, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{Args, Object, Value};
use std::any::Any;
use std::hash::{Hash, Hasher};

/// The largest magnitude of `timedelta.days`.
const MAX_DAYS: i128 = 999_999_999;

pub(crate) struct TimeDelta {
    pub ctx: Ctx,
    /// The whole duration in microseconds.
    pub us: i128,
}

/// A `timedelta` of `us` microseconds, or Python's `OverflowError` past ±999999999 days.
pub(crate) fn checked(ctx: &Ctx, us: i128) -> Result<Value, Exc> {
    let days = us.div_euclid(DAY_US);
    if days.abs() > MAX_DAYS {
        return Err(overflow_error(format!(
            "days={days}; must have magnitude <= {MAX_DAYS}"
        )));
    }
    Ok(TimeDelta::value(ctx, us))
}

/// `a / b` rounded half to even (`b > 0` or `b < 0`, never 0).
pub(crate) fn div_round(a: i128, b: i128) -> i128 {
    let (a, b) = if b < 0 { (-a, -b) } else { (a, b) };
    let q = a.div_euclid(b);
    let r = a.rem_euclid(b);
    if 2 * r > b || (2 * r == b && q % 2 != 0) {
        q + 1
    } else {
        q
    }
}

impl TimeDelta {
    pub(crate) fn value(ctx: &Ctx, us: i128) -> Value {
        Value::object(TimeDelta {
            ctx: ctx.clone(),
            us,
        })
    }
    /// `(days, seconds, microseconds)` as Python normalises them.
    pub(crate) fn parts(&self) -> (i128, i128, i128) {
        let days = self.us.div_euclid(DAY_US);
        let rest = self.us.rem_euclid(DAY_US);
        (days, rest / 1_000_000, rest % 1_000_000)
    }
    fn arith(&self, op: BinOp, other: &Value, reflected: bool) -> Option<Result<Value, Exc>> {
        let ctx = &self.ctx;
        if let Some(o) = other.downcast::<TimeDelta>() {
            let (a, b) = if reflected {
                (o.us, self.us)
            } else {
                (self.us, o.us)
            };
            return Some(match op {
                BinOp::Add => checked(ctx, a + b),
                BinOp::Sub => checked(ctx, a - b),
                BinOp::Div if b == 0 => Err(zero_division("division by zero")),
                BinOp::Div => Ok(Value::Float(a as f64 / b as f64)),
                BinOp::FloorDiv | BinOp::Mod if b == 0 => {
                    Err(zero_division("integer division or modulo by zero"))
                }
                BinOp::FloorDiv => Ok(int_value(floor_div(a, b))),
                BinOp::Mod => checked(ctx, a - b * floor_div(a, b)),
                _ => return None,
            });
        }
        match (op, other) {
            (BinOp::Mul, Value::Int(_) | Value::Bool(_)) => {
                let n = match other {
                    Value::Int(n) => *n as i128,
                    Value::Bool(b) => *b as i128,
                    _ => 0,
                };
                Some(self.us.checked_mul(n).map_or_else(
                    || Err(overflow_error("Python int too large to convert to C int")),
                    |us| checked(ctx, us),
                ))
            }
            (BinOp::Mul, Value::Str(_) | Value::List(_) | Value::Tuple(_)) => Some(Err(
                type_error("can't multiply sequence by non-int of type 'datetime.timedelta'"),
            )),
            (BinOp::Mul, Value::Float(f)) => {
                Some(float_us(self.us as f64 * f).and_then(|us| checked(ctx, us)))
            }
            (BinOp::Div | BinOp::FloorDiv, Value::Int(0) | Value::Bool(false)) if !reflected => {
                Some(Err(zero_division("integer division or modulo by zero")))
            }
            (BinOp::Div, Value::Int(n)) if !reflected => {
                Some(checked(ctx, div_round(self.us, *n as i128)))
            }
            (BinOp::FloorDiv, Value::Int(n)) if !reflected => {
                Some(checked(ctx, floor_div(self.us, *n as i128)))
            }
            (BinOp::Div, Value::Float(f)) if !reflected => Some(if *f == 0.0 {
                Err(zero_division("division by zero"))
            } else {
                float_us(self.us as f64 / f).and_then(|us| checked(ctx, us))
            }),
            _ => None,
        }
    }
}

fn floor_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

fn int_value(n: i128) -> Value {
    match i64::try_from(n) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::BigInt(std::rc::Rc::new(n.into())),
    }
}

fn float_us(f: f64) -> Result<i128, Exc> {
    if !f.is_finite() || f.abs() > 1e30 {
        return Err(overflow_error("cannot convert float to integer"));
    }
    Ok(f.round_ties_even() as i128)
}

fn hash_of(v: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

impl Object for TimeDelta {
    fn type_name(&self) -> &str {
        "datetime.timedelta"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        self.ctx.get(Kind::TimeDelta)
    }
    fn repr(&self) -> String {
        let (d, s, us) = self.parts();
        let mut parts = Vec::new();
        for (v, name) in [(d, "days"), (s, "seconds"), (us, "microseconds")] {
            if v != 0 {
                parts.push(format!("{name}={v}"));
            }
        }
        if parts.is_empty() {
            parts.push("0".into());
        }
        format!("datetime.timedelta({})", parts.join(", "))
    }
    fn to_str(&self) -> String {
        let (d, s, us) = self.parts();
        let mut out = String::new();
        if d != 0 {
            let plural = if d.abs() != 1 { "s" } else { "" };
            out = format!("{d} day{plural}, ");
        }
        out += &format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
        if us != 0 {
            out += &format!(".{us:06}");
        }
        out
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        let (d, s, us) = self.parts();
        Some(Value::Int(match name {
            "days" => d as i64,
            "seconds" => s as i64,
            "microseconds" => us as i64,
            _ => return None,
        }))
    }
    fn method_names(&self) -> &[&'static str] {
        &["total_seconds"]
    }
    fn call_method(
        &self,
        _it: &mut Interp,
        _this: &Value,
        name: &str,
        args: Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        match name {
            "total_seconds" => Some(
                no_args(&args, "timedelta", "total_seconds")
                    .map(|()| Value::Float(self.us as f64 / 1e6)),
            ),
            _ => None,
        }
    }
    fn eq(&self, other: &Value) -> Option<bool> {
        Some(
            other
                .downcast::<TimeDelta>()
                .is_some_and(|o| o.us == self.us),
        )
    }
    fn hash(&self) -> Option<Result<u64, Exc>> {
        Some(Ok(hash_of(self.us)))
    }
    fn compare(&self, op: CmpOp, other: &Value) -> Option<Result<bool, Exc>> {
        let o = other.downcast::<TimeDelta>()?;
        Some(Ok(cmp(op, self.us.cmp(&o.us))))
    }
    fn truthy(&self) -> Option<bool> {
        Some(self.us != 0)
    }
    fn binary(&self, op: BinOp, other: &Value, reflected: bool) -> Option<Result<Value, Exc>> {
        self.arith(op, other, reflected)
    }
    fn abs(&self) -> Option<Result<Value, Exc>> {
        Some(Ok(TimeDelta::value(&self.ctx, self.us.abs())))
    }
    fn unary(&self, op: UnaryOp) -> Option<Result<Value, Exc>> {
        match op {
            UnaryOp::Neg => Some(checked(&self.ctx, -self.us)),
            UnaryOp::Pos => Some(Ok(TimeDelta::value(&self.ctx, self.us))),
            UnaryOp::Invert => None,
        }
    }
}

/// The result of an ordering operator from an [`std::cmp::Ordering`].
pub(crate) fn cmp(op: CmpOp, o: std::cmp::Ordering) -> bool {
    match op {
        CmpOp::Lt => o.is_lt(),
        CmpOp::LtE => o.is_le(),
        CmpOp::Gt => o.is_gt(),
        CmpOp::GtE => o.is_ge(),
        CmpOp::Eq => o.is_eq(),
        _ => o.is_ne(),
    }
}

/// `datetime.timezone`: a fixed offset from UTC with an optional name.
pub(crate) struct TimeZone {
    pub ctx: Ctx,
    /// The offset in microseconds (strictly within a day).
    pub offset: i64,
    pub name: Option<String>,
}

impl TimeZone {
    pub(crate) fn value(ctx: &Ctx, offset: i64, name: Option<String>) -> Value {
        Value::object(TimeZone {
            ctx: ctx.clone(),
            offset,
            name,
        })
    }
    pub(crate) fn utc(ctx: &Ctx) -> Value {
        TimeZone::value(ctx, 0, None)
    }
    /// `UTC`, `UTC+02:00`, or the name it was given.
    pub(crate) fn tzname(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None if self.offset == 0 => "UTC".into(),
            None => format!("UTC{}", offset_text(self.offset as i128, ":")),
        }
    }
}

/// `+02:00` (`+0200` with an empty `sep`), with seconds and microseconds when not zero.
pub(crate) fn offset_text(off: i128, sep: &str) -> String {
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.abs();
    let (h, m, s, us) = clock(a);
    let mut t = format!("{sign}{h:02}{sep}{m:02}");
    if s != 0 || us != 0 {
        t += &format!("{sep}{s:02}");
    }
    if us != 0 {
        t += &format!(".{us:06}");
    }
    t
}

impl Object for TimeZone {
    fn type_name(&self) -> &str {
        "datetime.timezone"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        self.ctx.get(Kind::TimeZone)
    }
    fn repr(&self) -> String {
        let td = TimeDelta {
            ctx: self.ctx.clone(),
            us: self.offset as i128,
        };
        match &self.name {
            None if self.offset == 0 => "datetime.timezone.utc".into(),
            None => format!("datetime.timezone({})", td.repr()),
            Some(n) => format!("datetime.timezone({}, {})", td.repr(), repr_str(n)),
        }
    }
    fn to_str(&self) -> String {
        self.tzname()
    }
    fn method_names(&self) -> &[&'static str] {
        &["utcoffset", "tzname", "dst"]
    }
    fn call_method(
        &self,
        _it: &mut Interp,
        _this: &Value,
        name: &str,
        args: Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        let r = bind(&args, &["dt"], 1).map(|_| ());
        Some(r.map(|()| match name {
            "utcoffset" => TimeDelta::value(&self.ctx, self.offset as i128),
            "tzname" => Value::str(self.tzname()),
            _ => Value::None,
        }))
        .filter(|_| matches!(name, "utcoffset" | "tzname" | "dst"))
    }
    fn eq(&self, other: &Value) -> Option<bool> {
        Some(
            other
                .downcast::<TimeZone>()
                .is_some_and(|o| o.offset == self.offset),
        )
    }
    fn hash(&self) -> Option<Result<u64, Exc>> {
        Some(Ok(hash_of(self.offset)))
    }
    fn compare(&self, op: CmpOp, other: &Value) -> Option<Result<bool, Exc>> {
        other.downcast::<TimeZone>()?;
        Some(Err(type_error(format!(
            "'{}' not supported between instances of 'datetime.timezone' and 'datetime.timezone'",
            op.symbol()
        ))))
    }
}

/// A `tzinfo` argument: `None` or a `timezone`.
pub(crate) fn tz_of(v: Option<&Value>) -> Result<Option<Value>, Exc> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) if v.downcast::<TimeZone>().is_some() => Ok(Some(v.clone())),
        Some(v) => Err(type_error(format!(
            "tzinfo argument must be None or of a tzinfo subclass, not type '{}'",
            v.type_name()
        ))),
    }
}
