//! `register_fn`: host closures of any arity up to 4 as Dana builtins.

use super::convert::{FromValue, IntoValue};
use crate::error::{runtime_error, type_error, Exc};
use crate::value::{Args, NativeFn, Value};
use std::fmt::Display;

/// The result of a host function: a value, or `Result<value, error>` (an `Err` raises a Dana
/// `RuntimeError` with the error's text).
pub trait IntoNativeResult {
    /// Converts into what a native function returns.
    fn into_native_result(self) -> Result<Value, Exc>;
}

impl<R: IntoValue> IntoNativeResult for R {
    fn into_native_result(self) -> Result<Value, Exc> {
        Ok(self.into_value())
    }
}

impl<R: IntoValue, E: Display> IntoNativeResult for Result<R, E> {
    fn into_native_result(self) -> Result<Value, Exc> {
        self.map(IntoValue::into_value)
            .map_err(|e| runtime_error(e.to_string()))
    }
}

/// A Rust closure callable from Dana. Implemented for `Fn(A, …) -> R` with up to four
/// arguments, each [`FromValue`], and `R:` [`IntoNativeResult`]. `M` is a marker that tells
/// the arities apart; it is inferred.
pub trait RegisterFn<M>: 'static {
    /// The closure as a native function value named `name`.
    fn into_native(self, name: &str) -> Value;
}

/// Converts argument `i` of `fname`, naming it in the error.
pub(crate) fn arg<T: FromValue>(fname: &str, i: usize, v: &Value) -> Result<T, Exc> {
    T::from_value(v.clone()).map_err(|mut e| {
        e.message = format!("{fname}() argument {}: {}", i + 1, e.message);
        e
    })
}

pub(crate) fn check_arity(fname: &str, args: &Args<'_>, n: usize) -> Result<(), Exc> {
    if let Some((k, _)) = args.kw.first() {
        return Err(type_error(format!(
            "{fname}() got an unexpected keyword argument '{k}'"
        )));
    }
    args.check(fname, n, n, &[])
}

macro_rules! register_impl {
    ($n:expr; $($a:ident $i:tt),*) => {
        impl<F, R, $($a,)*> RegisterFn<($($a,)* R,)> for F
        where
            F: Fn($($a),*) -> R + 'static,
            R: IntoNativeResult,
            $($a: FromValue,)*
        {
            #[allow(unused_variables)]
            fn into_native(self, name: &str) -> Value {
                let fname = name.to_string();
                NativeFn::closure(name, move |_it, args: Args<'_>| {
                    check_arity(&fname, &args, $n)?;
                    self($(arg::<$a>(&fname, $i, &args.pos[$i])?),*).into_native_result()
                })
            }
        }
    };
}

register_impl!(0;);
register_impl!(1; A 0);
register_impl!(2; A 0, B 1);
register_impl!(3; A 0, B 1, C 2);
register_impl!(4; A 0, B 1, C 2, D 3);
