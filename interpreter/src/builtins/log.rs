//! `log(msg, level="INFO", namespace=None)` and `log_level(level)` (DANA_SPEC §10).
//!
//! Lines go to standard error as `HH:MM:SS [LEVEL] msg`. The time is UTC (no time-zone
//! database is needed, and logs from machines in different zones line up).

use crate::error::{type_error, value_error, Exc};
use crate::value::runtime::Interp;
use crate::value::{repr, Args, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// Canonical level names, indexed by level number.
pub(crate) const LEVEL_NAMES: [&str; 5] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

/// A level name (case-insensitive; `warn` is `warning`) → its number.
pub(crate) fn parse_level(name: &str) -> Option<u8> {
    match name.trim().to_ascii_lowercase().as_str() {
        "debug" => Some(0),
        "info" => Some(1),
        "warning" | "warn" => Some(2),
        "error" => Some(3),
        "critical" => Some(4),
        _ => None,
    }
}

fn level_arg(fname: &str, v: &Value) -> Result<u8, Exc> {
    let Some(s) = v.as_str() else {
        return Err(type_error(format!(
            "{fname}() level must be a str, not {}",
            v.type_name()
        )));
    };
    parse_level(s).ok_or_else(|| {
        value_error(format!(
            "unknown log level '{s}' (expected debug, info, warning, error or critical)"
        ))
    })
}

/// `HH:MM:SS` (UTC) of a number of seconds since the Unix epoch.
pub(crate) fn clock_text(epoch_secs: u64) -> String {
    let s = epoch_secs % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The full log line (without the newline).
pub(crate) fn log_line(epoch_secs: u64, level: u8, msg: &str) -> String {
    let name = LEVEL_NAMES.get(level as usize).copied().unwrap_or("INFO");
    format!("{} [{name}] {msg}", clock_text(epoch_secs))
}

pub(super) fn log(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("log", 1, 3, &["message", "msg", "level", "namespace"])?;
    let msg = args
        .pos
        .first()
        .or_else(|| args.kw("message"))
        .or_else(|| args.kw("msg"))
        .ok_or_else(|| type_error("log() missing required argument 'message'"))?;
    let level = match args.get(1, "level") {
        None | Some(Value::None) => 1,
        Some(v) => level_arg("log", v)?,
    };
    // The namespace argument is accepted and ignored (§10).
    if level >= it.log_threshold {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let line = log_line(now, level, &repr::to_str(msg));
        it.write_stderr(&format!("{line}\n"));
    }
    Ok(Value::None)
}

pub(super) fn log_level(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("log_level", 0, 2, &["level", "namespace"])?;
    match args.get(0, "level") {
        None => {
            let name = LEVEL_NAMES
                .get(it.log_threshold as usize)
                .copied()
                .unwrap_or("WARNING");
            Ok(Value::str(name))
        }
        Some(v) => {
            it.log_threshold = level_arg("log_level", v)?;
            Ok(Value::None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(parse_level("DEBUG"), Some(0));
        assert_eq!(parse_level("Info"), Some(1));
        assert_eq!(parse_level("warn"), Some(2));
        assert_eq!(parse_level("warning"), Some(2));
        assert_eq!(parse_level("error"), Some(3));
        assert_eq!(parse_level("CRITICAL"), Some(4));
        assert_eq!(parse_level("verbose"), None);
    }

    #[test]
    fn line_format() {
        assert_eq!(clock_text(0), "00:00:00");
        assert_eq!(clock_text(86_399), "23:59:59");
        assert_eq!(clock_text(86_400 + 3_661), "01:01:01");
        assert_eq!(
            log_line(45_296, 2, "disk low"),
            "12:34:56 [WARNING] disk low"
        );
    }
}
