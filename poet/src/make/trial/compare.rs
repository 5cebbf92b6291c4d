//! How the trial compares a candidate's answer with the oracle's (POET_SPEC §4): equal by
//! value, floats within a relative tolerance, containers and structs item by item; and the
//! bounded text of a value in a problem report.

use dana_interpreter::value::ops::eq_python;
use dana_interpreter::value::{repr, Value};
use std::rc::Rc;

/// Relative tolerance of float answers compared with the oracle's.
pub(crate) const FLOAT_TOLERANCE: f64 = 1e-9;

/// `true` when a candidate's answer is the expected one: equal, floats within the tolerance,
/// containers and structs item by item.
pub(crate) fn agree(got: &Value, want: &Value) -> bool {
    agree_at(got, want, 0)
}

fn agree_at(got: &Value, want: &Value, depth: usize) -> bool {
    if depth > 100 {
        return eq_python(got, want);
    }
    let close = |a: f64, b: f64| {
        a == b
            || (a.is_nan() && b.is_nan())
            || (a - b).abs() <= FLOAT_TOLERANCE * a.abs().max(b.abs())
    };
    let all = |a: &[Value], b: &[Value]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| agree_at(x, y, depth + 1))
    };
    match (got, want) {
        (Value::Float(a), Value::Float(b)) => close(*a, *b),
        (Value::Float(a), Value::Int(b)) | (Value::Int(b), Value::Float(a)) => close(*a, *b as f64),
        (Value::List(a), Value::List(b)) => all(&a.borrow(), &b.borrow()),
        (Value::Tuple(a), Value::Tuple(b)) => all(a, b),
        (Value::Dict(a), Value::Dict(b)) => {
            let (a, b) = (a.borrow(), b.borrow());
            a.len() == b.len()
                && a.iter()
                    .all(|(k, x)| b.get(k).is_some_and(|y| agree_at(x, y, depth + 1)))
        }
        (Value::Struct(a), Value::Struct(b)) => {
            Rc::ptr_eq(&a.ty, &b.ty) && all(&a.fields.borrow(), &b.fields.borrow())
        }
        _ => eq_python(got, want),
    }
}

/// Characters of a value's text kept in a problem report or in `metadata.json`.
pub(crate) const SHOWN_CHARS: usize = 80;

/// A text shortened to [`SHOWN_CHARS`] characters.
pub(crate) fn clip(s: &str) -> String {
    match s.char_indices().nth(SHOWN_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A value's repr, shortened.
pub(crate) fn shown(v: &Value) -> String {
    clip(&repr::repr(v))
}

/// Argument values as a call shows them (`'a b', 2`), shortened.
pub(crate) fn shown_args(args: &[Value]) -> String {
    clip(&args.iter().map(repr::repr).collect::<Vec<_>>().join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dana_interpreter::value::{DictMap, Key};

    #[test]
    fn floats_agree_within_the_tolerance_inside_containers() {
        let f = Value::Float;
        assert!(agree(&f(0.1 + 0.2), &f(0.3)));
        assert!(!agree(&f(0.8), &f(0.5)));
        assert!(agree(&Value::Int(2), &f(2.0)));
        let l = |x: f64| Value::list(vec![Value::Int(1), f(x)]);
        assert!(agree(&l(1.0 + 1e-12), &l(1.0)));
        assert!(!agree(&l(1.001), &l(1.0)));
        let d = |x: f64| {
            let mut m = DictMap::default();
            m.insert(Key(Value::str("score")), f(x));
            Value::dict(m)
        };
        assert!(agree(&d(0.5), &d(0.5 * (1.0 + 1e-12))));
        assert!(!agree(&d(1.0), &d(0.5)));
        assert!(!agree(&Value::str("1"), &Value::Int(1)));
    }

    #[test]
    fn long_values_are_clipped() {
        let s = "x".repeat(200);
        let c = clip(&s);
        assert_eq!(c.chars().count(), SHOWN_CHARS + 1);
        assert!(c.ends_with('…'));
        assert_eq!(clip("short"), "short");
    }
}
