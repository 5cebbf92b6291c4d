//! Builtin-value methods (DANA_SPEC §6.2): `str`, `list`, `dict`, `set`, `tuple`.

use super::{Args, Value};
use crate::error::Exc;
use crate::eval::Interp;
use dana_grammar::ast::Sym;

/// Calls `recv.name(args)`; `None` when the receiver's type has no such method.
pub fn call_method(it: &mut Interp, recv: &Value, name: Sym, args: Args<'_>) -> Option<Result<Value, Exc>> {
    let _ = (it, recv, name, args);
    todo!("value::methods::call_method")
}

/// `true` when `recv`'s type has a builtin method `name`.
pub fn has_method(recv: &Value, name: &str) -> bool {
    let _ = (recv, name);
    todo!("value::methods::has_method")
}

/// The builtin method names of a type name (`"str"`, `"list"`, …), for completion and help.
pub fn method_names(type_name: &str) -> &'static [&'static str] {
    let _ = type_name;
    &[]
}
