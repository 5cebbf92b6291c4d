//! Python-compatible `str()` and `repr()` of values (float repr, container repr, structs).

use super::Value;

/// `repr(v)`: strings quoted, containers with element reprs, structs as `Point(x=1, y=2)`.
pub fn repr(v: &Value) -> String {
    let _ = v;
    todo!("value::repr::repr")
}

/// `str(v)`: like `repr` except a string is its own text.
pub fn to_str(v: &Value) -> String {
    let _ = v;
    todo!("value::repr::to_str")
}

/// Python's `repr(float)`: shortest round-tripping digits, `1.0`, `1e+16`, `1e-05`, `inf`, `nan`.
pub fn float_repr(f: f64) -> String {
    let _ = f;
    todo!("value::repr::float_repr")
}
