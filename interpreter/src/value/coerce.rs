//! Conversions: typed-assignment coercion (DANA_SPEC §5.3) and struct construction
//! (`convert.rs`), smart truthiness (§5.2) and the scalar conversions behind `int()`,
//! `float()`, `bool()` (`scalar.rs`), JSON text for struct fields (`json.rs`).

mod convert;
mod json;
mod scalar;

pub use convert::{check_field_assign, coerce, construct_struct, matches, quick_match, TypeLookup};
pub(crate) use scalar::{is_py_space, parse_bool_text, parse_float_text, parse_int_text};
pub(crate) use scalar::{smart_bool, to_float, to_int};

#[cfg(test)]
mod tests;
