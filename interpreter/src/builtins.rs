//! The builtin functions of DANA_SPEC §10 (`print`, `len`, `range`, `sorted`, …) and the
//! builtin names bound to types and exception classes.
//!
//! Layout: `table` (every builtin with its help text), `type_values` (the type values `int`,
//! `str`, … as conversion functions, `type()`, `isinstance`, exception classes), `core` (I/O, `len`, `repr`, `hash`, `ord`, `chr`, `help`),
//! `numeric` (`abs`, `round`, `sum`, `max`, `min`, `divmod`, `pow`, `bin`/`oct`/`hex`), `iter`
//! (`sorted`, `reversed`, `enumerate`, `zip`, `map`, `filter`, `all`, `any`, `iter`, `next`), `log`
//! (`log`, `log_level`). Each builtin is a plain `fn(&mut Interp, Args) -> Result<Value, Exc>`;
//! the logic that needs no interpreter lives in pure helpers so it can be unit-tested. The
//! argument helpers they share are in `crate::host`.

mod core;
mod iter;
mod log;
mod numeric;
pub(crate) mod signatures;
mod table;
mod type_values;

pub use numeric::{float_to_int, round_float, round_half_even_int, FloatSum};
pub use table::{all, builtin_function_names, builtin_function_signatures};
pub(crate) use type_values::{call_exc_type, call_type, is_instance};

#[cfg(test)]
mod tests_e2e;
#[cfg(test)]
mod tests_object;
