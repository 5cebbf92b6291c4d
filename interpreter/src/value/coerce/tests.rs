//! Tests of the coercions: JSON, struct and annotation conversions.

use super::convert::*;
use super::scalar::*;
use crate::value::repr::repr;
use crate::value::{BuiltinType, TypeAnn, Value};
use crate::value::{StructField, StructType};
use dana_grammar::ast::Sym;
use std::cell::RefCell;
use std::rc::Rc;

fn no_types(_: Sym) -> Option<Value> {
    None
}

fn co(v: Value, ann: &TypeAnn) -> String {
    match coerce(v, ann, "n", &no_types) {
        Ok(v) => repr(&v),
        Err(e) => format!("!{}: {}", e.kind, e.message),
    }
}

fn s(t: &str) -> Value {
    Value::str(t)
}

#[test]
fn smart_bool_table() {
    let table: &[(&str, bool)] = &[
        ("true", true),
        (" YES ", true),
        ("y", true),
        ("On", true),
        ("ok", true),
        ("okay", true),
        ("1", true),
        ("sure", true),
        ("correct", true),
        ("right", true),
        ("false", false),
        ("No", false),
        ("n", false),
        ("off", false),
        ("0", false),
        ("0.0", false),
        ("none", false),
        ("NULL", false),
        ("", false),
        ("   ", false),
        ("nope", false),
        ("never", false),
        ("wrong", false),
        ("no way", false),
        ("No, thanks.", false),
        ("yes please", true),
        ("**Yes**", true),
        ("Nope!", false),
        ("nothing", true),
        ("maybe", true),
        ("wrong answer", false),
        ("0 items", false),
    ];
    for (text, want) in table {
        assert_eq!(smart_bool(text), *want, "smart_bool({text:?})");
    }
}

#[test]
fn coercion_table_of_spec_5_3() {
    use TypeAnn as T;
    let table: &[(Value, TypeAnn, &str)] = &[
        (Value::None, T::Int, "None"),
        (Value::None, T::Str, "None"),
        (Value::Float(3.98), T::Int, "3"),
        (Value::Float(-3.98), T::Int, "-3"),
        (s("42"), T::Int, "42"),
        (s(" 42\n"), T::Int, "42"),
        (Value::Bool(true), T::Int, "True"),
        (
            s("3.7"),
            T::Int,
            "!TypeError: cannot assign '3.7' to 'n: int'",
        ),
        (
            s("abc"),
            T::Int,
            "!TypeError: cannot assign 'abc' to 'n: int'",
        ),
        (Value::Int(3), T::Float, "3.0"),
        (s("2.5"), T::Float, "2.5"),
        (s("1e3"), T::Float, "1000.0"),
        (
            s("x"),
            T::Float,
            "!TypeError: cannot assign 'x' to 'n: float'",
        ),
        (Value::Int(5), T::Str, "'5'"),
        (Value::Float(1.5), T::Str, "'1.5'"),
        (Value::Bool(true), T::Str, "'true'"),
        (Value::Bool(false), T::Str, "'false'"),
        (
            Value::list(vec![Value::Int(1), s("a")]),
            T::Str,
            "\"[1, 'a']\"",
        ),
        (s("yes please"), T::Bool, "True"),
        (s("no way"), T::Bool, "False"),
        (Value::Int(0), T::Bool, "False"),
        (Value::Float(0.5), T::Bool, "True"),
        (s("[1, 2, 3]"), T::List(None), "[1, 2, 3]"),
        (
            s("```json\n[1, \"a\", 2.5, null, true]\n```"),
            T::List(None),
            "[1, 'a', 2.5, None, True]",
        ),
        (
            s("Here you go: [\"x\", \"y\"] hope it helps"),
            T::List(Some(Box::new(T::Str))),
            "['x', 'y']",
        ),
        (Value::tuple(vec![Value::Int(1)]), T::List(None), "[1]"),
        (
            s("not json"),
            T::List(None),
            "!TypeError: cannot assign 'not json' to 'n: list'",
        ),
        (
            s("{\"a\": 1, \"b\": {\"c\": [1]}}"),
            T::Dict(None),
            "{'a': 1, 'b': {'c': [1]}}",
        ),
        (s("```\n{\"k\": 2}\n```"), T::Dict(None), "{'k': 2}"),
        (
            Value::list(vec![Value::Int(1), Value::Int(2)]),
            T::Tuple(None),
            "(1, 2)",
        ),
        (
            Value::list(vec![Value::Int(1), Value::Int(1)]),
            T::Set(None),
            "{1}",
        ),
        (
            Value::list(vec![Value::Int(1), s("2")]),
            T::List(Some(Box::new(T::Int))),
            "[1, 2]",
        ),
        (
            Value::list(vec![Value::Int(1), Value::Int(2)]),
            T::List(Some(Box::new(T::Float))),
            "[1.0, 2.0]",
        ),
        (
            s("{\"1\": \"2\"}"),
            T::Dict(Some(Box::new((T::Int, T::Float)))),
            "{1: 2.0}",
        ),
        (s("5"), T::Union(vec![T::Int, T::Str]), "5"),
        (s("5"), T::Union(vec![T::Str, T::Int]), "'5'"),
        (Value::Int(1), T::Union(vec![T::Float, T::None]), "1.0"),
        (Value::Float(3.7), T::Union(vec![T::Float, T::Int]), "3.7"),
        (Value::Int(5), T::Union(vec![T::Str, T::Int]), "'5'"),
        (Value::Int(5), T::Union(vec![T::Int, T::Str]), "5"),
        (s("3"), T::Union(vec![T::Float, T::Int]), "3.0"),
        (
            s("abc"),
            T::Union(vec![T::Int, T::Float]),
            "!TypeError: cannot assign 'abc' to 'n: int | float'",
        ),
        (s("x"), T::Any, "'x'"),
        (s("Thinking...\nFINAL_ANSWER: 42"), T::Int, "42"),
        (s("reasoning FINAL_ANSWER:  yes "), T::Bool, "True"),
        (
            Value::tuple(vec![Value::Int(1), s("2")]),
            T::Tuple(Some((vec![T::Str, T::Int], false))),
            "('1', 2)",
        ),
    ];
    for (v, ann, want) in table {
        assert_eq!(co(v.clone(), ann), *want, "coerce({v:?}, {ann})");
    }
    assert_eq!(
        coerce(s("x"), &TypeAnn::Int, "", &no_types)
            .unwrap_err()
            .message,
        "cannot assign 'x' to 'int'"
    );
}

#[test]
fn coercion_keeps_shared_references() {
    let l = Value::list(vec![Value::Int(1)]);
    let out = coerce(
        l.clone(),
        &TypeAnn::List(Some(Box::new(TypeAnn::Int))),
        "xs",
        &no_types,
    )
    .unwrap();
    assert!(out.is_same(&l));
}

#[test]
fn int_and_float_conversions() {
    let int = |v: Value, base: Option<u32>| match to_int(&v, base) {
        Ok(v) => repr(&v),
        Err(e) => format!("!{}: {}", e.kind, e.message),
    };
    assert_eq!(int(s(" 1_000 "), None), "1000");
    assert_eq!(int(s("0x1f"), Some(0)), "31");
    assert_eq!(int(s("0x_1f"), Some(16)), "31");
    assert_eq!(int(s("0b101"), Some(16)), "45313");
    assert_eq!(
        int(s("010"), Some(0)),
        "!ValueError: invalid literal for int() with base 0: '010'"
    );
    assert_eq!(int(s("00"), Some(0)), "0");
    assert_eq!(
        int(s("1__0"), None),
        "!ValueError: invalid literal for int() with base 10: '1__0'"
    );
    assert_eq!(
        int(s("x"), None),
        "!ValueError: invalid literal for int() with base 10: 'x'"
    );
    assert_eq!(int(s("ff"), Some(16)), "255");
    assert_eq!(int(s("99999999999999999999"), None), "99999999999999999999");
    assert_eq!(int(s("-9223372036854775808"), None), "-9223372036854775808");
    assert_eq!(int(Value::Float(-2.7), None), "-2");
    assert_eq!(int(Value::Float(1e20), None), "100000000000000000000");
    assert_eq!(
        int(Value::Float(f64::NAN), None),
        "!ValueError: cannot convert float NaN to integer"
    );
    assert_eq!(
        int(Value::Float(f64::INFINITY), None),
        "!OverflowError: cannot convert float infinity to integer"
    );
    assert_eq!(int(Value::Bool(true), None), "1");
    assert_eq!(
        int(s("1"), Some(99)),
        "!ValueError: int() base must be >= 2 and <= 36, or 0"
    );
    assert_eq!(
        int(Value::Int(1), Some(10)),
        "!TypeError: int() can't convert non-string with explicit base"
    );
    assert_eq!(
        int(Value::list(vec![]), None),
        "!TypeError: int() argument must be a string, a bytes-like object or a real number, not 'list'"
    );
    let fl = |v: Value| match to_float(&v) {
        Ok(f) => crate::value::repr::float_repr(f),
        Err(e) => format!("!{}: {}", e.kind, e.message),
    };
    assert_eq!(fl(s("inf")), "inf");
    assert_eq!(fl(s("-Infinity")), "-inf");
    assert_eq!(fl(s("nan")), "nan");
    assert_eq!(fl(s("1e3")), "1000.0");
    assert_eq!(fl(s(" .5 ")), "0.5");
    assert_eq!(fl(s("1.")), "1.0");
    assert_eq!(fl(s("1_000.5")), "1000.5");
    assert_eq!(
        fl(s("1e")),
        "!ValueError: could not convert string to float: '1e'"
    );
    assert_eq!(
        fl(s("x")),
        "!ValueError: could not convert string to float: 'x'"
    );
    assert_eq!(
        fl(s(".")),
        "!ValueError: could not convert string to float: '.'"
    );
    assert_eq!(fl(Value::Bool(true)), "1.0");
    assert_eq!(
        fl(Value::None),
        "!TypeError: float() argument must be a string or a real number, not 'NoneType'"
    );
}

fn point_type() -> Rc<StructType> {
    let field = |n: &str, ann: TypeAnn, default: Option<Value>| StructField {
        name: Sym::intern(n),
        ann: Some(ann),
        default,
        comment: None,
    };
    Rc::new(StructType {
        name: Sym::intern("Point"),
        kind: "struct",
        doc: None,
        fields: vec![
            field("x", TypeAnn::Int, None),
            field("y", TypeAnn::Float, None),
            field("tags", TypeAnn::List(None), Some(Value::list(vec![]))),
        ],
        methods: RefCell::new(Default::default()),
        globals: None,
    })
}

#[test]
fn struct_construction() {
    let pt = point_type();
    let lookup_pt = pt.clone();
    let lookup =
        move |s: Sym| (s.as_str() == "Point").then(|| Value::StructType(lookup_pt.clone()));
    let kw = |pairs: &[(&str, Value)]| -> Vec<(Sym, Value)> {
        pairs
            .iter()
            .map(|(k, v)| (Sym::intern(k), v.clone()))
            .collect()
    };
    let p = construct_struct(&pt, &[Value::Int(1)], &kw(&[("y", Value::Int(2))]), &lookup).unwrap();
    assert_eq!(repr(&p), "Point(x=1, y=2.0, tags=[])");
    let q = construct_struct(&pt, &[Value::Int(1), Value::Float(2.0)], &[], &lookup).unwrap();
    assert!(crate::value::ops::eq(&p, &q));
    // Defaults are fresh per instance.
    if let (Value::Struct(a), Value::Struct(b)) = (&p, &q) {
        assert!(!a.fields.borrow()[2].is_same(&b.fields.borrow()[2]));
    }
    let err = |pos: &[Value], k: &[(&str, Value)]| {
        construct_struct(&pt, pos, &kw(k), &lookup).unwrap_err()
    };
    assert_eq!(
        err(&[Value::Int(1)], &[]).message,
        "Point() missing required field 'y'"
    );
    assert_eq!(
        err(&[], &[]).message,
        "Point() missing required fields 'x' and 'y'"
    );
    let e = err(&[Value::Int(1), Value::Int(2)], &[("z", Value::Int(3))]);
    assert_eq!(e.message, "Point() got an unknown field 'z'");
    let e = err(&[Value::Int(1), Value::Int(2)], &[("tag", Value::Int(3))]);
    assert_eq!(e.help.as_deref(), Some("did you mean 'tags'?"));
    assert_eq!(
        err(&[s("a"), Value::Int(2)], &[]).message,
        "Point.x must be int, got str"
    );
    assert_eq!(
        err(
            &[Value::Int(1), Value::Int(2), Value::None, Value::Int(4)],
            &[]
        )
        .message,
        "Point() takes 3 positional arguments but 4 were given"
    );
    assert_eq!(
        err(&[Value::Int(1)], &[("x", Value::Int(2))]).message,
        "Point() got multiple values for field 'x'"
    );
    assert!(
        matches!(check_field_assign(&pt, 1, Value::Int(3), &lookup), Ok(Value::Float(f)) if f == 3.0)
    );
    assert!(check_field_assign(&pt, 0, s("3"), &lookup).is_err());

    // Coercion from a dict / JSON object.
    let ann = TypeAnn::Named(Sym::intern("Point"));
    let from_json = coerce(
        s("```json\n{\"x\": \"4\", \"y\": 1}\n```"),
        &ann,
        "p",
        &lookup,
    )
    .unwrap();
    assert_eq!(repr(&from_json), "Point(x=4, y=1.0, tags=[])");
    assert!(matches(&from_json, &ann, &lookup));
    assert!(coerce(s("{\"x\": 1}"), &ann, "p", &lookup).is_err());
    assert!(coerce(s("{\"x\": 1, \"y\": 2, \"w\": 0}"), &ann, "p", &lookup).is_err());
    assert!(coerce(p.clone(), &ann, "p", &lookup).unwrap().is_same(&p));
}

#[test]
fn type_matching() {
    use TypeAnn as T;
    let m = |v: &Value, t: &TypeAnn| matches(v, t, &no_types);
    assert!(m(&Value::Bool(true), &T::Int));
    assert!(m(&Value::Int(1), &T::Float));
    assert!(!m(&Value::Float(1.0), &T::Int));
    assert!(!m(&Value::None, &T::Int));
    assert!(m(&Value::None, &T::Union(vec![T::Int, T::None])));
    let xs = Value::list(vec![Value::Int(1), s("a")]);
    assert!(m(&xs, &T::List(None)));
    assert!(!m(&xs, &T::List(Some(Box::new(T::Int)))));
    assert!(m(
        &xs,
        &T::List(Some(Box::new(T::Union(vec![T::Int, T::Str]))))
    ));
    let t = Value::tuple(vec![Value::Int(1), s("a")]);
    assert!(m(&t, &T::Tuple(Some((vec![T::Int, T::Str], false)))));
    assert!(!m(&t, &T::Tuple(Some((vec![T::Int], true)))));
    assert!(!m(&xs, &T::Callable));
    assert!(m(&Value::Type(BuiltinType::Int), &T::Callable));
}
