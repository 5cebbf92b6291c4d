//! Python's format-spec mini-language (`f"{x:.2f}"`, `format(x, ">5")`, `str.format`) and
//! printf-style `%` formatting.

use super::Value;
use crate::error::Exc;

/// Formats `v` with a Python format spec (`.2f`, `>5`, `,`, `.1%`, `08.3f`, `x`, `b`, …).
pub fn format_spec(v: &Value, spec: &str) -> Result<String, Exc> {
    let _ = (v, spec);
    todo!("value::format::format_spec")
}

/// `fmt % args` for a str `fmt` (`args` a tuple, a dict for `%(name)s`, or a single value).
pub fn percent_format(fmt: &str, args: &Value) -> Result<String, Exc> {
    let _ = (fmt, args);
    todo!("value::format::percent_format")
}
