//! Tests of JSON encoding and decoding.

use super::*;
use dana_interpreter::value::{DictMap, Key};

fn enc(v: &Value) -> String {
    encode(v, &EncodeOptions::default(), None).unwrap_or_else(|e| format!("ERR {e}"))
}

fn enc_with(v: &Value, opts: &EncodeOptions) -> String {
    encode(v, opts, None).unwrap_or_else(|e| format!("ERR {e}"))
}

fn dict(pairs: Vec<(Value, Value)>) -> Value {
    let mut d = DictMap::default();
    for (k, v) in pairs {
        d.insert(Key(k), v);
    }
    Value::dict(d)
}

fn err_of(text: &str) -> String {
    match decode(text) {
        Ok(_) => "ok".into(),
        Err(e) => e.message.clone(),
    }
}

#[test]
fn encodes_scalars_and_containers_like_python() {
    let v = dict(vec![
        (
            Value::str("a"),
            Value::list(vec![Value::Int(1), Value::None, Value::Bool(true)]),
        ),
        (Value::str("b"), dict(vec![])),
        (Value::Int(1), Value::str("x")),
        (Value::None, Value::tuple(vec![])),
        (Value::Bool(false), Value::str("q\"\\\n")),
    ]);
    assert_eq!(
        enc(&v),
        r#"{"a": [1, null, true], "b": {}, "1": "x", "null": [], "false": "q\"\\\n"}"#
    );
}

#[test]
fn ensure_ascii_and_control_characters() {
    assert_eq!(
        enc(&Value::str("é\u{7f}😀\u{1}")),
        r#""\u00e9\u007f\ud83d\ude00\u0001""#
    );
    let opts = EncodeOptions {
        ensure_ascii: false,
        ..Default::default()
    };
    assert_eq!(
        enc_with(&Value::str("é\u{7f}😀\u{1}"), &opts),
        "\"é\u{7f}😀\\u0001\""
    );
}

#[test]
fn indent_and_sort_keys() {
    let v = dict(vec![
        (
            Value::str("b"),
            Value::list(vec![Value::Int(1), Value::Int(2)]),
        ),
        (Value::str("a"), dict(vec![])),
    ]);
    let opts = EncodeOptions {
        indent: Some("  ".into()),
        item_sep: ",".into(),
        sort_keys: true,
        ..Default::default()
    };
    assert_eq!(
        enc_with(&v, &opts),
        "{\n  \"a\": {},\n  \"b\": [\n    1,\n    2\n  ]\n}"
    );
    let nums = dict(vec![
        (Value::Int(10), Value::None),
        (Value::Int(9), Value::None),
    ]);
    let sorted = EncodeOptions {
        sort_keys: true,
        ..Default::default()
    };
    assert_eq!(enc_with(&nums, &sorted), r#"{"9": null, "10": null}"#);
    let mixed = dict(vec![
        (Value::Int(1), Value::None),
        (Value::str("a"), Value::None),
    ]);
    assert!(enc_with(&mixed, &sorted).starts_with("ERR"));
}

#[test]
fn floats_use_python_repr() {
    let v = Value::list(vec![
        Value::Float(1.0),
        Value::Float(0.1),
        Value::Float(1e16),
        Value::Float(f64::INFINITY),
        Value::Float(f64::NAN),
    ]);
    assert_eq!(enc(&v), "[1.0, 0.1, 1e+16, Infinity, NaN]");
    let strict = EncodeOptions {
        allow_nan: false,
        ..Default::default()
    };
    assert!(enc_with(&Value::Float(f64::NAN), &strict).starts_with("ERR"));
}

#[test]
fn refuses_unserializable_values_and_cycles() {
    assert_eq!(
        enc(&Value::set(Default::default())),
        "ERR TypeError: Object of type set is not JSON serializable"
    );
    let l = Value::list(vec![]);
    if let Value::List(inner) = &l {
        inner.borrow_mut().push(l.clone());
    }
    assert_eq!(enc(&l), "ERR ValueError: Circular reference detected");
    if let Value::List(inner) = &l {
        inner.borrow_mut().clear(); // break the cycle so the test does not leak
    }
    let bad_key = dict(vec![(Value::tuple(vec![Value::Int(1)]), Value::None)]);
    assert!(enc(&bad_key).contains("keys must be str, int, float, bool or None, not tuple"));
    // The same list twice (not a cycle) is fine.
    let shared = Value::list(vec![Value::Int(1)]);
    assert_eq!(
        enc(&Value::list(vec![shared.clone(), shared])),
        "[[1], [1]]"
    );
}

#[test]
fn default_hook_converts_unknown_values() {
    let mut hook = |_v: &Value| Ok(Value::str("S"));
    let out = encode(
        &Value::list(vec![Value::set(Default::default())]),
        &EncodeOptions::default(),
        Some(&mut hook),
    );
    assert_eq!(out.ok().as_deref(), Some(r#"["S"]"#));
}

#[test]
fn decodes_values() {
    let v = decode(
        r#" {"a": [1, -2, 3.5, 1e2, true, false, null], "b": "x\u00e9\ud83d\ude00\n", "a": 7} "#,
    );
    let Ok(Value::Dict(d)) = v else {
        panic!("not a dict")
    };
    let d = d.borrow();
    assert_eq!(d.len(), 2, "duplicate keys keep the last value");
    assert!(matches!(d.get(&Key(Value::str("a"))), Some(Value::Int(7))));
    assert_eq!(
        d.get(&Key(Value::str("b")))
            .and_then(|v| v.as_str().map(String::from))
            .as_deref(),
        Some("xé😀\n")
    );
    assert!(matches!(
        decode("12345678901234567890123"),
        Ok(Value::BigInt(_))
    ));
    assert!(matches!(decode("-0"), Ok(Value::Int(0))));
    assert!(matches!(decode("NaN"), Ok(Value::Float(f)) if f.is_nan()));
    assert!(matches!(decode("-Infinity"), Ok(Value::Float(f)) if f == f64::NEG_INFINITY));
    assert!(matches!(decode("1E400"), Ok(Value::Float(f)) if f == f64::INFINITY));
    assert!(matches!(decode("\"\\ud83d\""), Ok(Value::Str(s)) if s.as_str() == "\u{FFFD}"));
}

#[test]
fn decode_errors_match_python() {
    assert_eq!(
        err_of("[1,2"),
        "Expecting ',' delimiter: line 1 column 5 (char 4)"
    );
    assert_eq!(
        err_of("{\"a\" 1}"),
        "Expecting ':' delimiter: line 1 column 6 (char 5)"
    );
    assert_eq!(
        err_of("{1:2}"),
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    );
    assert_eq!(err_of("tru"), "Expecting value: line 1 column 1 (char 0)");
    assert_eq!(
        err_of("\"abc"),
        "Unterminated string starting at: line 1 column 1 (char 0)"
    );
    assert_eq!(
        err_of("\"a\\qb\""),
        "Invalid \\escape: line 1 column 3 (char 2)"
    );
    assert_eq!(
        err_of("\"\\u12\""),
        "Invalid \\uXXXX escape: line 1 column 3 (char 2)"
    );
    assert_eq!(err_of("[1] x"), "Extra data: line 1 column 5 (char 4)");
    assert_eq!(err_of(""), "Expecting value: line 1 column 1 (char 0)");
    assert_eq!(err_of("  "), "Expecting value: line 1 column 3 (char 2)");
    assert_eq!(err_of("-"), "Expecting value: line 1 column 1 (char 0)");
    assert_eq!(err_of("01"), "Extra data: line 1 column 2 (char 1)");
    assert_eq!(
        err_of("\"a\nb\""),
        "Invalid control character at: line 1 column 3 (char 2)"
    );
    assert_eq!(
        err_of("[1 2]"),
        "Expecting ',' delimiter: line 1 column 4 (char 3)"
    );
    assert_eq!(
        err_of("[\n1,\n]"),
        "Illegal trailing comma before end of array: line 2 column 2 (char 3)"
    );
    assert_eq!(
        err_of("{\"a\":1,}"),
        "Illegal trailing comma before end of object: line 1 column 7 (char 6)"
    );
    assert_eq!(
        err_of("[\"é\", x]"),
        "Expecting value: line 1 column 7 (char 6)"
    );
    assert_eq!(decode("[1]").err().map(|e| e.kind), None);
    assert_eq!(
        decode("[").err().map(|e| e.kind),
        Some(dana_interpreter::ExcKind::ValueError)
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000);
    assert_eq!(
        decode(&deep).err().map(|e| e.kind),
        Some(dana_interpreter::ExcKind::RecursionError)
    );
    let mut v = Value::list(vec![]);
    for _ in 0..5000 {
        v = Value::list(vec![v]);
    }
    assert!(enc(&v).starts_with("ERR RecursionError"));
}

#[test]
fn round_trips() {
    for text in [
        r#"{"a": [1, 2, {"b": null}], "c": "d\"e", "f": true}"#,
        r#"[1, -5, 12345678901234567890, "\u00e9\t"]"#,
        r#"{}"#,
        r#"[[], [[]], {"": ""}]"#,
    ] {
        let v = decode(text).unwrap_or(Value::None);
        assert_eq!(enc(&v), text);
    }
}

#[test]
fn repeated_object_keys_share_one_string() {
    let v = decode(r#"[{"id": 1, "n\u0061me": "x"}, {"id": 2, "name": "y", "name": "z"}]"#)
        .unwrap_or_default();
    let Value::List(l) = &v else {
        panic!("not a list: {}", enc(&v));
    };
    let l = l.borrow();
    let keys = |d: &Value| -> Vec<std::rc::Rc<String>> {
        let Value::Dict(d) = d else { return vec![] };
        d.borrow()
            .keys()
            .filter_map(|k| match &k.0 {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    };
    let (a, b) = (keys(&l[0]), keys(&l[1]));
    assert_eq!((a.len(), b.len()), (2, 2));
    assert!(std::rc::Rc::ptr_eq(&a[0], &b[0]), "\"id\" is one string");
    assert!(
        std::rc::Rc::ptr_eq(&a[1], &b[1]),
        "an escaped key is shared too"
    );
    assert_eq!(a[1].as_str(), "name");
    // A duplicate key keeps its first place and its last value, as in Python.
    assert_eq!(enc(&l[1]), r#"{"id": 2, "name": "z"}"#);
    assert_eq!(enc(&l[0]), r#"{"id": 1, "name": "x"}"#);
}
