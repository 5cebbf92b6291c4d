//! Tests of the value operations: arithmetic, comparison, indexing and iteration.

use super::*;
use crate::value::repr::repr;
use crate::value::{DictMap, RangeValue, SetMap};

fn s(t: &str) -> Value {
    Value::str(t)
}

fn bin(op: BinOp, a: &Value, b: &Value) -> String {
    match binary(op, a, b) {
        Ok(v) => repr(&v),
        Err(e) => format!("!{}: {}", e.kind, e.message),
    }
}

fn cmp(op: CmpOp, a: &Value, b: &Value) -> String {
    match compare(op, a, b) {
        Ok(v) => v.to_string(),
        Err(e) => format!("!{}: {}", e.kind, e.message),
    }
}

fn ints(v: &[i64]) -> Value {
    Value::list(v.iter().map(|&i| Value::Int(i)).collect())
}

fn set(v: &[i64]) -> Value {
    Value::set(v.iter().map(|&i| Key(Value::Int(i))).collect::<SetMap>())
}

fn range(start: i64, stop: i64, step: i64) -> Value {
    Value::Range(Rc::new(RangeValue { start, stop, step }))
}

#[test]
fn mixed_type_rules() {
    use Value::{Bool as B, Float as F, Int as I};
    let table: &[(BinOp, Value, Value, &str)] = &[
        (BinOp::Add, s("Total: "), I(5), "'Total: 5'"),
        (BinOp::Add, I(5), s(" items"), "'5 items'"),
        (BinOp::Add, s("x"), F(1.5), "'x1.5'"),
        (BinOp::Add, s("x"), F(1e16), "'x1e+16'"),
        (BinOp::Add, s("ok: "), B(true), "'ok: true'"),
        (BinOp::Add, B(false), s("!"), "'false!'"),
        (BinOp::Add, s("a"), s("b"), "'ab'"),
        (
            BinOp::Add,
            s("a"),
            Value::None,
            "!TypeError: can only concatenate str (not \"NoneType\") to str",
        ),
        (
            BinOp::Add,
            s("a"),
            ints(&[1]),
            "!TypeError: can only concatenate str (not \"list\") to str",
        ),
        (
            BinOp::Add,
            ints(&[1]),
            s("a"),
            "!TypeError: can only concatenate list (not \"str\") to list",
        ),
        (
            BinOp::Add,
            Value::None,
            I(1),
            "!TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'",
        ),
        (BinOp::Add, ints(&[1]), ints(&[2]), "[1, 2]"),
        (
            BinOp::Add,
            Value::tuple(vec![I(1)]),
            Value::tuple(vec![I(2)]),
            "(1, 2)",
        ),
        (BinOp::Mul, s("ab"), I(3), "'ababab'"),
        (BinOp::Mul, I(2), s("ab"), "'abab'"),
        (BinOp::Mul, s("ab"), I(-1), "''"),
        (BinOp::Mul, s("ab"), B(true), "'ab'"),
        (BinOp::Mul, ints(&[1, 2]), I(2), "[1, 2, 1, 2]"),
        (BinOp::Mul, Value::tuple(vec![I(0)]), I(3), "(0, 0, 0)"),
        (
            BinOp::Mul,
            s("a"),
            s("b"),
            "!TypeError: can't multiply sequence by non-int of type 'str'",
        ),
        (
            BinOp::Mul,
            s("a"),
            I(1_000_000_000_000),
            "!LimitError: string too large",
        ),
        (
            BinOp::Mul,
            ints(&[1]),
            I(1 << 40),
            "!LimitError: list too large",
        ),
        (BinOp::Mul, s(""), I(1 << 40), "''"),
        (BinOp::Mod, s("%d items"), I(3), "'3 items'"),
        (
            BinOp::Pow,
            I(2),
            s("a"),
            "!TypeError: unsupported operand type(s) for ** or pow(): 'int' and 'str'",
        ),
        (BinOp::Add, B(true), I(1), "2"),
        (BinOp::Add, B(true), B(true), "2"),
        (BinOp::BitAnd, B(true), B(false), "False"),
        (BinOp::BitOr, B(true), I(2), "3"),
        (
            BinOp::BitAnd,
            F(1.0),
            I(1),
            "!TypeError: unsupported operand type(s) for &: 'float' and 'int'",
        ),
        (BinOp::Div, I(7), I(2), "3.5"),
        (BinOp::FloorDiv, I(-7), I(2), "-4"),
        (BinOp::Mod, I(-7), I(3), "2"),
        (BinOp::Mod, F(7.5), I(2), "1.5"),
        (BinOp::Add, F(0.1), F(0.2), "0.30000000000000004"),
        (BinOp::Add, I(i64::MAX), I(1), "9223372036854775808"),
        (BinOp::Pow, I(2), I(100), "1267650600228229401496703205376"),
        (BinOp::BitOr, set(&[1, 2]), set(&[2, 3]), "{1, 2, 3}"),
        (BinOp::BitAnd, set(&[1, 2]), set(&[2, 3]), "{2}"),
        (BinOp::Sub, set(&[1, 2]), set(&[2, 3]), "{1}"),
        (BinOp::BitXor, set(&[1, 2]), set(&[2, 3]), "{1, 3}"),
        (
            BinOp::Sub,
            ints(&[1]),
            ints(&[1]),
            "!TypeError: unsupported operand type(s) for -: 'list' and 'list'",
        ),
    ];
    for (op, a, b, want) in table {
        assert_eq!(bin(*op, a, b), *want, "{a:?} {} {b:?}", op.symbol());
    }
    let mut d1 = DictMap::default();
    d1.insert(Key(s("a")), Value::Int(1));
    d1.insert(Key(s("b")), Value::Int(2));
    let mut d2 = DictMap::default();
    d2.insert(Key(s("b")), Value::Int(3));
    d2.insert(Key(s("c")), Value::Int(4));
    assert_eq!(
        bin(BinOp::BitOr, &Value::dict(d1), &Value::dict(d2)),
        "{'a': 1, 'b': 3, 'c': 4}"
    );
}

#[test]
fn unary_ops() {
    let u = |op, v: Value| match unary(op, &v) {
        Ok(v) => repr(&v),
        Err(e) => format!("!{}: {}", e.kind, e.message),
    };
    assert_eq!(u(UnaryOp::Neg, Value::Bool(true)), "-1");
    assert_eq!(u(UnaryOp::Invert, Value::Bool(true)), "-2");
    assert_eq!(u(UnaryOp::Pos, Value::Bool(true)), "1");
    assert_eq!(u(UnaryOp::Neg, Value::Int(i64::MIN)), "9223372036854775808");
    assert_eq!(u(UnaryOp::Neg, Value::Float(0.0)), "-0.0");
    assert_eq!(u(UnaryOp::Invert, Value::Int(5)), "-6");
    assert_eq!(
        u(UnaryOp::Neg, s("a")),
        "!TypeError: bad operand type for unary -: 'str'"
    );
    assert_eq!(
        u(UnaryOp::Invert, Value::Float(1.5)),
        "!TypeError: bad operand type for unary ~: 'float'"
    );
}

#[test]
fn dana_equality() {
    use Value::{Bool as B, Float as F, Int as I};
    let yes: &[(Value, Value)] = &[
        (s("5"), I(5)),
        (I(5), s(" 5 ")),
        (s("5"), F(5.0)),
        (s("2.5"), F(2.5)),
        (s("1"), B(true)),
        (s("TRUE"), B(true)),
        (s("0"), B(false)),
        (I(1), F(1.0)),
        (B(true), I(1)),
        (ints(&[1, 2]), Value::list(vec![F(1.0), I(2)])),
        (Value::Type(crate::value::BuiltinType::Int), s("int")),
        (s("int"), Value::Type(crate::value::BuiltinType::Int)),
        (range(0, 0, 1), range(2, 2, 1)),
        (range(0, 3, 2), range(0, 4, 2)),
        (set(&[1, 2]), set(&[2, 1])),
        (Value::None, Value::None),
    ];
    for (a, b) in yes {
        assert!(eq(a, b), "{a:?} == {b:?}");
    }
    let no: &[(Value, Value)] = &[
        (s("5.0"), I(5)),
        (s("abc"), I(5)),
        (s("yes"), B(true)),
        (s("5"), B(true)),
        (F(f64::NAN), F(f64::NAN)),
        (ints(&[1]), Value::tuple(vec![I(1)])),
        (Value::None, I(0)),
        (Value::Type(crate::value::BuiltinType::Int), s("str")),
        // The str/number rule is for `==` itself; elements compare as in Python.
        (ints(&[5]), Value::list(vec![s("5")])),
        (Value::tuple(vec![s("5")]), Value::tuple(vec![I(5)])),
    ];
    for (a, b) in no {
        assert!(!eq(a, b), "{a:?} != {b:?}");
    }
    let mut d1 = DictMap::default();
    d1.insert(Key(s("a")), I(1));
    d1.insert(Key(s("b")), I(2));
    let mut d2 = DictMap::default();
    d2.insert(Key(s("b")), F(2.0));
    d2.insert(Key(s("a")), I(1));
    assert!(eq(&Value::dict(d1), &Value::dict(d2)));
    // A list containing itself equals itself (identity short-cut), without recursing forever.
    let l = ints(&[1]);
    if let Value::List(inner) = &l {
        inner.borrow_mut().push(l.clone());
    }
    assert!(eq(&l, &l));
    let m = ints(&[1]);
    if let Value::List(inner) = &m {
        inner.borrow_mut().push(m.clone());
    }
    assert!(!eq(&l, &ints(&[1, 2])));
    let _ = eq(&l, &m);
    for v in [&l, &m] {
        if let Value::List(inner) = v {
            inner.borrow_mut().clear();
        }
    }
}

#[test]
fn ordering() {
    use Value::{Float as F, Int as I};
    let table: &[(CmpOp, Value, Value, &str)] = &[
        (CmpOp::Gt, s("10"), I(9), "true"),
        (
            CmpOp::Gt,
            Value::list(vec![s("10")]),
            ints(&[9]),
            "!TypeError: '>' not supported between instances of 'str' and 'int'",
        ),
        (CmpOp::Lt, I(9), s("10"), "true"),
        (
            CmpOp::Lt,
            s("abc"),
            I(1),
            "!TypeError: '<' not supported between instances of 'str' and 'int'",
        ),
        (
            CmpOp::GtE,
            I(1),
            s("x"),
            "!TypeError: '>=' not supported between instances of 'int' and 'str'",
        ),
        (CmpOp::Lt, s("B"), s("a"), "true"),
        (CmpOp::Lt, s("a"), s("ab"), "true"),
        (CmpOp::Lt, ints(&[1, 2]), ints(&[1, 2, 3]), "true"),
        (
            CmpOp::Lt,
            Value::tuple(vec![I(1), I(2)]),
            Value::tuple(vec![I(1), I(3)]),
            "true",
        ),
        (
            CmpOp::Lt,
            Value::list(vec![I(1), F(f64::NAN)]),
            ints(&[1, 2]),
            "false",
        ),
        (CmpOp::Lt, F(f64::NAN), I(1), "false"),
        (CmpOp::Lt, set(&[1, 2]), set(&[1, 2, 3]), "true"),
        (CmpOp::LtE, set(&[1]), set(&[2]), "false"),
        (
            CmpOp::Lt,
            Value::None,
            Value::None,
            "!TypeError: '<' not supported between instances of 'NoneType' and 'NoneType'",
        ),
        (
            CmpOp::Lt,
            Value::tuple(vec![I(1)]),
            ints(&[1]),
            "!TypeError: '<' not supported between instances of 'tuple' and 'list'",
        ),
        (CmpOp::Lt, I(1), F(1.5), "true"),
        (CmpOp::NotEq, s("5"), I(5), "false"),
        (CmpOp::NotEq, s("x"), I(5), "true"),
    ];
    for (op, a, b, want) in table {
        assert_eq!(cmp(*op, a, b), *want, "{a:?} {} {b:?}", op.symbol());
    }
    assert_eq!(cmp_values(&I(2), &F(1.5)).ok(), Some(Ordering::Greater));
    assert_eq!(cmp_values(&F(f64::NAN), &I(1)).ok(), Some(Ordering::Equal));
    assert!(cmp_values(&I(1), &Value::None).is_err());
}

#[test]
fn membership() {
    use Value::{Float as F, Int as I};
    let c = |container: &Value, item: &Value| match contains(container, item) {
        Ok(v) => v.to_string(),
        Err(e) => format!("!{}: {}", e.kind, e.message),
    };
    assert_eq!(c(&s("hello"), &s("ell")), "true");
    assert_eq!(
        c(&s("hello"), &I(1)),
        "!TypeError: 'in <string>' requires string as left operand, not int"
    );
    assert_eq!(c(&ints(&[1, 2]), &F(2.0)), "true");
    assert_eq!(c(&ints(&[5]), &s("5")), "false");
    assert_eq!(c(&Value::list(vec![s("5")]), &I(5)), "false");
    assert_eq!(c(&Value::list(vec![F(f64::NAN)]), &F(f64::NAN)), "true");
    assert_eq!(c(&set(&[1]), &F(1.0)), "true");
    assert_eq!(
        c(&set(&[1]), &ints(&[])),
        "!TypeError: unhashable type: 'list'"
    );
    assert_eq!(c(&range(0, 10, 3), &I(3)), "true");
    assert_eq!(c(&range(0, 10, 3), &I(4)), "false");
    assert_eq!(c(&range(0, -10, -3), &I(-3)), "true");
    assert_eq!(c(&range(0, 5, 1), &F(3.0)), "true");
    assert_eq!(c(&range(0, 5, 1), &s("3")), "false");
    assert_eq!(
        c(&Value::None, &I(5)),
        "!TypeError: argument of type 'NoneType' is not iterable"
    );
    let mut d = DictMap::default();
    d.insert(Key(s("k")), I(1));
    assert_eq!(c(&Value::dict(d), &s("k")), "true");
}

#[test]
fn iteration_and_len() {
    assert_eq!(len(&s("héllo")).ok(), Some(5));
    assert_eq!(len(&range(0, 10, 3)).ok(), Some(4));
    assert_eq!(
        len(&Value::Int(5)).unwrap_err().message,
        "object of type 'int' has no len()"
    );
    let chars = iter_to_vec(&s("añ")).unwrap();
    assert_eq!(repr(&Value::list(chars)), "['a', 'ñ']");
    assert_eq!(
        repr(&Value::list(iter_to_vec(&range(5, 0, -2)).unwrap())),
        "[5, 3, 1]"
    );
    assert_eq!(
        iter_to_vec(&Value::Int(5)).unwrap_err().message,
        "'int' object is not iterable"
    );
    assert!(iter_to_vec(&range(0, i64::MAX, 1)).is_err());
}

/// Runs `f` on a thread with a large stack: dropping data nested thousands deep recurses
/// (only the drop: comparing and printing it must not).
fn with_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// `wrap` applied `depth` times around `leaf`.
fn nest(depth: usize, leaf: Value, wrap: impl Fn(Value) -> Value) -> Value {
    (0..depth).fold(leaf, |v, _| wrap(v))
}

const DEEP: usize = 20_000;

#[test]
fn deep_acyclic_equality_is_structural() {
    with_big_stack(|| {
        let list = |v| Value::list(vec![v]);
        let a = nest(DEEP, Value::Int(1), list);
        let b = nest(DEEP, Value::Int(1), list);
        let c = nest(DEEP, Value::Int(2), list);
        assert!(eq(&a, &b), "equal lists {DEEP} deep");
        assert!(!eq(&a, &c));
        assert_eq!(cmp(CmpOp::NotEq, &a, &c), "true");
        assert_eq!(cmp(CmpOp::Lt, &a, &c), "true");
        assert_eq!(cmp(CmpOp::GtE, &a, &b), "true");
        // Membership in a list compares the same way.
        let holder = Value::list(vec![Value::Int(0), b.clone()]);
        assert_eq!(cmp(CmpOp::In, &a, &holder), "true");
        assert_eq!(cmp(CmpOp::In, &c, &holder), "false");

        let tuple = |v| Value::tuple(vec![Value::Int(7), v]);
        let (t1, t2) = (
            nest(DEEP, Value::None, tuple),
            nest(DEEP, Value::None, tuple),
        );
        assert!(eq(&t1, &t2));
        assert_eq!(cmp(CmpOp::LtE, &t1, &t2), "true");

        let dict = |v| {
            let mut d = DictMap::default();
            d.insert(Key(s("k")), v);
            Value::dict(d)
        };
        let (d1, d2, d3) = (
            nest(DEEP, Value::Int(1), dict),
            nest(DEEP, Value::Int(1), dict),
            nest(DEEP, Value::Int(3), dict),
        );
        assert!(eq(&d1, &d2));
        assert!(!eq(&d1, &d3));
        // Mixed nesting: a list of dicts of tuples.
        let mixed = |leaf: i64| {
            nest(DEEP / 3, Value::Int(leaf), |v| {
                let mut d = DictMap::default();
                d.insert(Key(Value::Int(0)), Value::tuple(vec![v]));
                Value::list(vec![Value::dict(d)])
            })
        };
        assert!(eq(&mixed(5), &mixed(5)));
        assert!(!eq(&mixed(5), &mixed(6)));
    });
}

#[test]
fn deep_tuples_hash_and_look_up() {
    with_big_stack(|| {
        let tuple = |v| Value::tuple(vec![v, Value::Int(1)]);
        let a = nest(DEEP, Value::Int(0), tuple);
        let b = nest(DEEP, Value::Int(0), tuple);
        let c = nest(DEEP, Value::Int(9), tuple);
        let set = Value::set([Key::new(a.clone()).unwrap()].into_iter().collect());
        assert_eq!(cmp(CmpOp::In, &b, &set), "true");
        assert_eq!(cmp(CmpOp::In, &c, &set), "false");
        let mut d = DictMap::default();
        d.insert(Key::new(a).unwrap(), s("found"));
        assert_eq!(repr(d.get(&Key::new(b).unwrap()).unwrap()), "'found'");
        assert!(d.get(&Key::new(c).unwrap()).is_none());
        // A list deep inside a tuple is still unhashable.
        let bad = nest(DEEP, Value::list(vec![]), tuple);
        let e = Key::new(bad).err().unwrap();
        assert_eq!(e.message, "unhashable type: 'list'");
    });
}

/// Cycles: equality terminates (two values that unfold the same way are equal, any
/// difference makes them unequal), ordering that never finds a difference is a
/// RecursionError.
#[test]
fn cyclic_values_compare_without_hanging() {
    let cyclic = |extra: Value| {
        let l = Value::list(vec![]);
        if let Value::List(inner) = &l {
            inner.borrow_mut().push(l.clone());
            inner.borrow_mut().push(extra);
        }
        l
    };
    let a = cyclic(Value::Int(1));
    let b = cyclic(Value::Int(1));
    let c = cyclic(Value::Int(2));
    assert!(eq(&a, &a));
    assert!(eq(&a, &b));
    assert!(!eq(&a, &c));
    let e = compare(CmpOp::Lt, &a, &c).unwrap_err();
    assert_eq!(e.kind, crate::error::ExcKind::RecursionError);
    // Two-step cycles through a dict.
    let dcyc = |leaf: i64| {
        let d = Value::dict(DictMap::default());
        let l = Value::list(vec![d.clone(), Value::Int(leaf)]);
        if let Value::Dict(inner) = &d {
            inner.borrow_mut().insert(Key(s("back")), l.clone());
        }
        l
    };
    let (x, y, z) = (dcyc(1), dcyc(1), dcyc(2));
    assert!(eq(&x, &y));
    assert!(!eq(&x, &z));
    for v in [&a, &b, &c] {
        if let Value::List(inner) = v {
            inner.borrow_mut().clear();
        }
    }
    for v in [&x, &y, &z] {
        if let Value::List(inner) = v {
            inner.borrow_mut().clear();
        }
    }
}

/// A DAG with heavy sharing compares in time proportional to its distinct nodes, not to its
/// unfolded size (2^60 paths here).
#[test]
fn shared_structure_compares_once_per_pair() {
    let build = |leaf: i64| {
        let mut v = Value::Int(leaf);
        for _ in 0..60 {
            v = Value::list(vec![v.clone(), v]);
        }
        v
    };
    assert!(eq(&build(1), &build(1)));
    assert!(!eq(&build(1), &build(2)));
}
