//! Python's string formatting: the format-spec mini-language (`spec.rs`: `f"{x:.2f}"`,
//! `format(x, ">5")`), `str.format` templates (`template.rs`) and printf-style `%` formatting
//! (`percent.rs`).

mod percent;
mod spec;
mod template;

pub(crate) use percent::percent_format;
pub(crate) use spec::format_spec;
pub(crate) use template::str_format;
