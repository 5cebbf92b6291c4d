//! What the standard library, POET and other hosts of the interpreter use to write native
//! functions: the registration types (re-exported from `value/`) and the argument-unpacking
//! helpers every native shares (binding arguments to parameter names, reading an int or a
//! float argument with Python's messages).

use crate::error::{overflow_error, type_error, Exc};
use crate::value::{Args, Value};
use dana_grammar::ast::Sym;
use num_bigint::BigInt;
use num_traits::ToPrimitive;
use std::rc::Rc;

pub use crate::value::runtime::Interp;
pub use crate::value::{Globals, NativeClosure, NativeFn, NativeFnPtr, NativeImpl};

/// A native function value with its `help()` text.
pub fn native(name: &str, f: NativeFnPtr, doc: &'static str) -> Value {
    Value::Native(Rc::new(NativeFn {
        name: Sym::intern(name),
        imp: NativeImpl::Ptr(f),
        doc: Some(doc),
    }))
}

/// A module's globals built from its functions and constants.
pub fn build_module(
    name: &str,
    functions: &[(&str, NativeFnPtr, &'static str)],
    constants: Vec<(&str, Value)>,
) -> Rc<Globals> {
    let g = Globals::new(name, None);
    g.set(Sym::intern("__name__"), Value::str(name));
    for (n, v) in constants {
        g.set(Sym::intern(n), v);
    }
    for &(n, f, doc) in functions {
        g.set(Sym::intern(n), native(n, f, doc));
    }
    Rc::new(g)
}

/// A number argument as f64 (ints, bools, big ints that fit a float).
pub fn float_arg(v: &Value) -> Result<f64, Exc> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(*b as i64 as f64),
        Value::BigInt(b) => big_to_f64(b),
        other => Err(type_error(format!(
            "must be real number, not {}",
            other.type_name()
        ))),
    }
}

/// An int argument as a big integer (bools count as ints; floats are refused like Python).
pub fn bigint_arg(v: &Value) -> Result<BigInt, Exc> {
    match v {
        Value::Int(i) => Ok(BigInt::from(*i)),
        Value::Bool(b) => Ok(BigInt::from(*b as i64)),
        Value::BigInt(b) => Ok((**b).clone()),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    }
}

/// What [`int_arg`] does with an int that does not fit in 64 bits.
#[derive(Clone, Copy)]
pub enum Big<'a> {
    /// Clamp it to `i64::MIN`/`i64::MAX` (an index or count past either end is past it).
    Saturate,
    /// `OverflowError: NAME() argument is too large (does not fit in 64 bits)`.
    TooLarge(&'a str),
    /// `OverflowError: Python int too large to convert to C long`.
    Overflow,
    /// The error this function makes.
    Fail(fn() -> Exc),
}

/// An int argument as i64 (bools count as ints, as in Python); anything else is Python's
/// `TypeError: 'T' object cannot be interpreted as an integer`.
pub fn int_arg(v: &Value, big: Big<'_>) -> Result<i64, Exc> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::BigInt(b) => match big {
            Big::Saturate => {
                use num_traits::Signed;
                Ok(if b.is_negative() { i64::MIN } else { i64::MAX })
            }
            Big::TooLarge(fname) => Err(overflow_error(format!(
                "{fname}() argument is too large (does not fit in 64 bits)"
            ))),
            Big::Overflow => Err(overflow_error("Python int too large to convert to C long")),
            Big::Fail(f) => Err(f()),
        },
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    }
}

/// A big integer as a float, or Python's `OverflowError` when it does not fit.
pub fn big_to_f64(b: &BigInt) -> Result<f64, Exc> {
    match b.to_f64() {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(overflow_error("int too large to convert to float")),
    }
}

/// `true` for int, float, bool and big-int values.
pub(crate) fn is_number(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_) | Value::BigInt(_) | Value::Float(_) | Value::Bool(_)
    )
}

/// The most parameters a builtin method binds with [`bind`].
const MAX_BOUND: usize = 4;

/// The arguments [`bind`] gives, one per parameter (`None`: not given); a slice of them, kept
/// inline because every builtin method call makes one.
#[derive(Debug)]
pub(crate) struct Bound<'a> {
    vals: [Option<&'a Value>; MAX_BOUND],
    n: usize,
}

impl<'a> std::ops::Deref for Bound<'a> {
    type Target = [Option<&'a Value>];
    fn deref(&self) -> &Self::Target {
        &self.vals[..self.n]
    }
}

/// Binds a method call's arguments to `params` (positional, or by keyword name), with
/// Python's argument-count messages (`append() takes exactly one argument (2 given)`).
pub(crate) fn bind<'a>(
    name: &str,
    args: Args<'a>,
    params: &[&str],
    required: usize,
) -> Result<Bound<'a>, Exc> {
    let n = args.pos.len();
    let max = params.len();
    if max > MAX_BOUND {
        return Err(type_error(format!(
            "{name}() has more parameters than a builtin method binds"
        )));
    }
    if n > max || (n < required && args.kw.is_empty()) {
        let plural = |k: usize| if k == 1 { "" } else { "s" };
        return Err(type_error(if max == 0 {
            format!("{name}() takes no arguments ({n} given)")
        } else if max == 1 && required == 1 {
            format!("{name}() takes exactly one argument ({n} given)")
        } else if n > max {
            format!(
                "{name}() takes at most {max} argument{} ({n} given)",
                plural(max)
            )
        } else {
            format!(
                "{name}() takes at least {required} argument{} ({n} given)",
                plural(required)
            )
        }));
    }
    let mut out = Bound {
        vals: [None; MAX_BOUND],
        n: max,
    };
    for (slot, v) in out.vals.iter_mut().zip(args.pos) {
        *slot = Some(v);
    }
    for (k, v) in args.kw {
        let Some(i) = params.iter().position(|p| *p == k.as_str()) else {
            if params.is_empty() {
                return Err(type_error(format!("{name}() takes no keyword arguments")));
            }
            return Err(type_error(format!(
                "{name}() got an unexpected keyword argument '{k}'"
            )));
        };
        if out.vals[i].is_some() {
            return Err(type_error(format!(
                "{name}() got multiple values for argument '{k}'"
            )));
        }
        out.vals[i] = Some(v);
    }
    if let Some(missing) = out.iter().take(required).position(|x| x.is_none()) {
        return Err(type_error(format!(
            "{name}() missing required argument '{}' (pos {})",
            params[missing],
            missing + 1
        )));
    }
    Ok(out)
}

/// An optional argument that is absent or `None`.
pub(crate) fn given(v: Option<&Value>) -> Option<&Value> {
    v.filter(|x| !x.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dana_grammar::ast::Sym;

    #[test]
    fn argument_messages() {
        let two = [Value::Int(1), Value::Int(2)];
        let e = bind("append", Args::positional(&two), &["x"], 1).unwrap_err();
        assert_eq!(e.message, "append() takes exactly one argument (2 given)");
        let e = bind("copy", Args::positional(&two), &[], 0).unwrap_err();
        assert_eq!(e.message, "copy() takes no arguments (2 given)");
        let e = bind("pop", Args::positional(&two), &["i"], 0).unwrap_err();
        assert_eq!(e.message, "pop() takes at most 1 argument (2 given)");
        let e = bind(
            "replace",
            Args::positional(&two[..1]),
            &["old", "new", "count"],
            2,
        )
        .unwrap_err();
        assert_eq!(e.message, "replace() takes at least 2 arguments (1 given)");
        let kw = [(Sym::intern("maxsplit"), Value::Int(1))];
        let b = bind("split", Args::new(&[], &kw), &["sep", "maxsplit"], 0).unwrap();
        assert!(b[0].is_none() && b[1].is_some());
        let kw = [(Sym::intern("maxsplt"), Value::Int(1))];
        let e = bind("split", Args::new(&[], &kw), &["sep", "maxsplit"], 0).unwrap_err();
        assert_eq!(
            e.message,
            "split() got an unexpected keyword argument 'maxsplt'"
        );
    }

    #[test]
    fn int_arguments() {
        assert_eq!(int_arg(&Value::Bool(true), Big::Overflow).unwrap(), 1);
        let big = Value::from_bigint(BigInt::from(i64::MAX) * 4);
        assert_eq!(int_arg(&big, Big::Saturate).unwrap(), i64::MAX);
        let e = int_arg(&big, Big::TooLarge("chr")).unwrap_err();
        assert_eq!(
            e.message,
            "chr() argument is too large (does not fit in 64 bits)"
        );
        let e = int_arg(&Value::Float(1.0), Big::Saturate).unwrap_err();
        assert_eq!(
            e.message,
            "'float' object cannot be interpreted as an integer"
        );
    }
}
