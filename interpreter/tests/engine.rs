//! The embedding API: engine, programs, scopes, conversions, host functions and types,
//! output, limits, cancellation, errors and serde.

use dana_interpreter::engine::{
    from_value, to_value, Engine, Error, ErrorKind, FromValue, Host, IntoValue, Program, Scope,
};
use dana_interpreter::{ExcKind, Value};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

const _: () = {
    const fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Program>();
    send_sync::<Error>();
};

fn quiet() -> Engine {
    Engine::builder()
        .capture_output()
        .max_call_depth(100)
        .build()
}

#[test]
fn error_is_a_diagnostic_with_the_source() {
    fn diagnostic<T: miette::Diagnostic>(_: &T) {}
    let err = quiet().compile_named("bad.na", "x = (1 +\n").unwrap_err();
    diagnostic(&err);
    assert_eq!(err.kind(), ErrorKind::Syntax);
    use miette::Diagnostic;
    let src = err.source_code().expect("source attached");
    let label = err.labels().unwrap().next().unwrap();
    let snippet = src.read_span(label.inner(), 0, 0).unwrap();
    assert_eq!(snippet.name(), Some("bad.na"));
    assert_eq!(err.code().unwrap().to_string(), "dana::SyntaxError");
}

#[test]
fn runtime_errors_have_kind_location_and_source() {
    let mut e = quiet();
    let err = e
        .run_source("def f(d):\n    return d['missing']\nf({})\n")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Runtime);
    assert_eq!(err.exception().kind, ExcKind::KeyError);
    assert_eq!(err.line(), Some(2));
    assert!(
        err.exception().stack.len() >= 2,
        "{:?}",
        err.exception().stack
    );
    use miette::Diagnostic;
    assert!(err.source_code().is_some());
    assert_eq!(err.labels().unwrap().count(), 1);
}

#[test]
fn eval_returns_the_last_expression() {
    let mut e = quiet();
    assert_eq!(e.eval::<i64>("1 + 2 * 3").unwrap(), 7);
    assert_eq!(e.eval::<f64>("x = 2\nx / 4").unwrap(), 0.5);
    assert_eq!(e.eval::<String>("'ab' * 2").unwrap(), "abab");
    assert!(e.eval::<bool>("3 > 2").unwrap());
    // A last line that is not an expression gives None.
    e.eval::<()>("x = 1").unwrap();
    assert_eq!(e.eval::<Option<i64>>("y = 5").unwrap(), None);
    // The wrong type is a conversion error.
    let err = e.eval::<String>("42").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
    assert!(err.to_string().contains("expected str, got int"), "{err}");
}

#[test]
fn conversions_round_trip() {
    let mut e = quiet();
    let v: Vec<Option<i64>> = e.eval("[1, None, 3]").unwrap();
    assert_eq!(v, [Some(1), None, Some(3)]);
    let m: HashMap<String, Vec<String>> = e.eval("{'a': ['x'], 'b': []}").unwrap();
    assert_eq!(m["a"], ["x"]);
    assert!(m["b"].is_empty());
    let t: (i64, String, f64) = e.eval("(1, 'two', 3.5)").unwrap();
    assert_eq!(t, (1, "two".to_string(), 3.5));
    let pair: (bool, ()) = e.eval("[True, None]").unwrap();
    assert_eq!(pair, (true, ()));
    assert!(e.eval::<(i64, i64)>("(1, 2, 3)").is_err());
    assert!(e.eval::<i32>("2 ** 40").is_err());
    assert_eq!(e.eval::<i32>("-7").unwrap(), -7);
    assert!(e.eval::<usize>("-1").is_err());
    assert!(e.eval::<i64>("2 ** 80").is_err());
    assert_eq!(e.eval::<f64>("3").unwrap(), 3.0);
    let raw: Value = e.eval("{1, 2}").unwrap();
    assert_eq!(raw.type_name(), "set");
    assert_eq!(format!("{:?}", ("a", 1, 2.5).into_value()), "('a', 1, 2.5)");
    let mut hm = HashMap::new();
    hm.insert("b".to_string(), 2);
    hm.insert("a".to_string(), 1);
    assert_eq!(format!("{:?}", hm.into_value()), "{'a': 1, 'b': 2}");
    assert_eq!(
        Vec::<i64>::from_value(vec![1i64, 2].into_value()).unwrap(),
        [1, 2]
    );
    assert!(Option::<i64>::from_value(Value::None).unwrap().is_none());
}

#[test]
fn scope_passes_values_in_and_out_and_keeps_state() {
    let mut e = quiet();
    let mut scope = Scope::new();
    scope.set("items", vec!["a", "b"]).set("limit", 3);
    let p = e.compile("n = len(items)\nok = n < limit").unwrap();
    e.run_with_scope(&p, &mut scope).unwrap();
    assert_eq!(scope.get::<i64>("n").unwrap(), 2);
    assert!(scope.get::<bool>("ok").unwrap());
    // A later run sees what the earlier one defined.
    let total: i64 = e
        .eval_with_scope(&mut scope, "def twice(x):\n    return 2 * x\ntwice(n)")
        .unwrap();
    assert_eq!(total, 4);
    let again: i64 = e.call_fn_in(&scope, "twice", (21,)).unwrap();
    assert_eq!(again, 42);
    assert!(scope.contains("twice"));
    assert!(scope.names().contains(&"limit".to_string()));
    assert!(scope.remove("limit").is_some());
    assert!(!scope.contains("limit"));
    let err = scope.get::<i64>("nope").unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::NameError);
    // The eval result name does not leak into the scope.
    assert!(!scope.names().iter().any(|n| n.contains("eval")));
}

#[test]
fn call_fn_runs_the_top_level_once_and_reuses_it() {
    let mut e = quiet();
    let p = e
        .compile("print('loaded')\nseen = []\ndef add(a, b):\n    seen.append(a)\n    return a + b\ndef count():\n    return len(seen)\n")
        .unwrap();
    assert_eq!(e.call_fn::<i64>(&p, "add", (1, 2)).unwrap(), 3);
    assert_eq!(e.call_fn::<String>(&p, "add", ("a", "b")).unwrap(), "ab");
    assert_eq!(e.call_fn::<i64>(&p, "count", ()).unwrap(), 2);
    assert_eq!(e.take_output(), "loaded\n");
    let args = vec![Value::Int(5), Value::Int(6)];
    assert_eq!(e.call_fn::<i64>(&p, "add", args).unwrap(), 11);
    let err = e.call_fn::<i64>(&p, "missing", ()).unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::NameError);
    let err = e.call_fn::<i64>(&p, "add", (1,)).unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::TypeError);
    // A function value taken from Dana can be called too.
    let f: Value = e.eval("def f(x):\n    return x * 10\nf").unwrap();
    let r = e.call_value(&f, vec![Value::Int(4)]).unwrap();
    assert_eq!(i64::from_value(r).unwrap(), 40);
}

#[test]
fn programs_run_on_other_threads() {
    let p = quiet().compile("def sq(x):\n    return x * x\n").unwrap();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let p = p.clone();
            std::thread::spawn(move || quiet().call_fn::<i64>(&p, "sq", (i,)).unwrap())
        })
        .collect();
    let r: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(r, [0, 1, 4, 9]);
    assert_eq!(p.name(), "<string>");
    assert!(p.source().contains("def sq"));
}

#[test]
fn register_fn_of_every_arity() {
    let mut e = quiet();
    e.register_fn("zero", || 0)
        .register_fn("one", |a: i64| a + 1)
        .register_fn("two", |a: String, b: i64| a.repeat(b as usize))
        .register_fn("three", |a: f64, b: f64, c: f64| a + b + c)
        .register_fn("four", |a: i64, b: i64, c: i64, d: i64| vec![a, b, c, d])
        .register_fn("maybe", |a: Option<i64>| a.unwrap_or(-1))
        .register_value("ANSWER", 42);
    assert_eq!(
        e.eval::<Vec<i64>>("[zero(), one(1), int(three(1, 2, 3)), ANSWER] + four(1, 2, 3, 4)")
            .unwrap(),
        [0, 2, 6, 42, 1, 2, 3, 4]
    );
    assert_eq!(e.eval::<String>("two('x', 3)").unwrap(), "xxx");
    assert_eq!(e.eval::<i64>("maybe(None) + maybe(5)").unwrap(), 4);
    let err = e.eval::<i64>("one()").unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::TypeError);
    assert!(err.to_string().contains("one() takes 1"), "{err}");
    let err = e.eval::<i64>("one(a=1)").unwrap_err();
    assert!(err.to_string().contains("keyword"), "{err}");
    let err = e.eval::<i64>("one('1')").unwrap_err();
    assert!(err.to_string().contains("one() argument 1"), "{err}");
}

#[test]
fn host_function_errors_are_catchable_dana_exceptions() {
    let mut e = quiet();
    e.register_fn("parse", |s: String| s.parse::<i64>());
    assert_eq!(e.eval::<i64>("parse('12')").unwrap(), 12);
    let msg: String = e
        .eval("try:\n    parse('x')\n    r = 'no'\nexcept RuntimeError as err:\n    r = err.message\nr")
        .unwrap();
    assert!(msg.contains("invalid digit"), "{msg}");
    // Host closures can hold host state.
    let log = Rc::new(RefCell::new(Vec::new()));
    let sink = log.clone();
    e.register_fn("record", move |s: String| sink.borrow_mut().push(s));
    e.run_source("for w in ['a', 'b']:\n    record(w)\n")
        .unwrap();
    assert_eq!(*log.borrow(), ["a", "b"]);
}

#[derive(Clone, Debug, PartialEq)]
struct Vec2 {
    x: f64,
    y: f64,
}

fn with_vec2() -> Engine {
    let mut e = quiet();
    e.register_type::<Vec2>("Vec2")
        .constructor(|x: f64, y: f64| Vec2 { x, y })
        .getter("x", |v: &Vec2| v.x)
        .setter("x", |v: &mut Vec2, x: f64| v.x = x)
        .getter("y", |v: &Vec2| v.y)
        .getter("len", |v: &Vec2| (v.x * v.x + v.y * v.y).sqrt())
        .method("scale", |v: &mut Vec2, k: f64| {
            v.x *= k;
            v.y *= k;
        })
        .method("dot", |v: &mut Vec2, o: Host<Vec2>| {
            v.x * o.0.x + v.y * o.0.y
        })
        .method("sum", |v: &mut Vec2| v.x + v.y)
        .build();
    e
}

#[test]
fn host_types_have_constructors_methods_getters_and_setters() {
    let mut e = with_vec2();
    assert_eq!(e.eval::<f64>("Vec2.new(3, 4).len").unwrap(), 5.0);
    let v: Host<Vec2> = e.eval("v = Vec2.new(1, 2)\nv.scale(3)\nv").unwrap();
    assert_eq!(v.0, Vec2 { x: 3.0, y: 6.0 });
    // A setter writes through; getters are refreshed after each method call.
    let r: (f64, f64) = e
        .eval("v = Vec2.new(1, 1)\nv.x = 5\nv.scale(2)\n(v.x, v.len)")
        .unwrap();
    assert_eq!(r.0, 10.0);
    assert!((r.1 - 104f64.sqrt()).abs() < 1e-9);
    assert_eq!(
        e.eval::<f64>("Vec2.new(1, 2).dot(Vec2.new(3, 4))").unwrap(),
        11.0
    );
    // Host values go in from Rust and come back out.
    let mut scope = Scope::new();
    scope.set("p", Host(Vec2 { x: 2.0, y: 0.5 }));
    let s: f64 = e.eval_with_scope(&mut scope, "p.sum()").unwrap();
    assert_eq!(s, 2.5);
    let back: Host<Vec2> = scope.get("p").unwrap();
    assert_eq!(back.0.x, 2.0);
    // The type name works in annotations and type().
    assert_eq!(
        e.eval::<String>("def f(v: Vec2) -> str:\n    return type(v).__name__ if False else 'ok'\nf(Vec2.new(0, 0))")
            .unwrap(),
        "ok"
    );
    assert_eq!(
        e.eval::<String>("str(type(Vec2.new(0, 0)) == Vec2)")
            .unwrap(),
        "True"
    );
}

#[test]
fn host_type_misuse_is_a_clean_error() {
    let mut e = with_vec2();
    let err = e
        .eval::<()>("v = Vec2.new(1, 1)\nv.y = 3\nv.scale(2)")
        .unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::AttributeError);
    assert!(err.to_string().contains("read-only"), "{err}");
    let err = e
        .eval::<()>("v = Vec2.new(1, 1)\nv.x = 'a'\nv.sum()")
        .unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::TypeError);
    let err = e.eval::<Host<Vec2>>("42").unwrap_err();
    assert!(err.to_string().contains("expected Vec2"), "{err}");
    let err = e.eval::<f64>("Vec2.new(1)").unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::TypeError);
    let err = e.eval::<f64>("Vec2.new('a', 1)").unwrap_err();
    assert!(err.to_string().contains("Vec2.new() argument 1"), "{err}");
    // A struct of the same shape built by Dana is not a host value.
    assert!(e.eval::<Host<Vec2>>("Vec2(1, 2, None)").is_err());
}

#[test]
fn unregistered_host_types_still_travel_opaquely() {
    #[derive(Clone, PartialEq, Debug)]
    struct Token(u32);
    let mut e = quiet();
    e.register_fn("make", || Host(Token(7)));
    e.register_fn("read", |t: Host<Token>| t.0 .0 as i64);
    assert_eq!(e.eval::<i64>("read(make())").unwrap(), 7);
    let t: Host<Token> = e.eval("make()").unwrap();
    assert_eq!(t.0, Token(7));
}

#[test]
fn print_goes_to_the_handler() {
    let out = Rc::new(RefCell::new(String::new()));
    let sink = out.clone();
    let mut e = Engine::builder()
        .on_print(move |s| sink.borrow_mut().push_str(s))
        .build();
    e.run_source("print('a', 1)\nprint('b')").unwrap();
    assert_eq!(*out.borrow(), "a 1\nb\n");
    let mut e = quiet();
    e.run_source("print('x')").unwrap();
    assert_eq!(e.take_output(), "x\n");
    let late = Rc::new(RefCell::new(String::new()));
    let sink = late.clone();
    e.on_print(move |s| sink.borrow_mut().push_str(s));
    e.run_source("print('y')").unwrap();
    assert_eq!(*late.borrow(), "y\n");
}

#[test]
fn limits_apply_per_run() {
    let mut e = Engine::builder()
        .capture_output()
        .max_operations(20_000)
        .max_call_depth(30)
        .build();
    let err = e.run_source("while True:\n    pass\n").unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::LimitError);
    // A fresh budget for the next run.
    assert_eq!(e.eval::<i64>("sum(range(5000))").unwrap(), 12497500);
    let err = e
        .run_source("def f(n):\n    return f(n + 1)\nf(0)\n")
        .unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::RecursionError);
    let err = e
        .call_fn::<i64>(
            &e.compile("def spin():\n    while True:\n        pass\n")
                .unwrap(),
            "spin",
            (),
        )
        .unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::LimitError);
    let mut t = Engine::builder().timeout(Duration::from_millis(30)).build();
    let err = t.run_source("while True:\n    pass\n").unwrap_err();
    assert_eq!(err.exception().kind, ExcKind::TimeoutError);
    // The deadline is set again at each run.
    assert_eq!(t.eval::<i64>("1").unwrap(), 1);
}

#[test]
fn cancellation_from_another_thread() {
    let mut e = quiet();
    let flag = e.cancel_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        flag.store(true, Ordering::Relaxed);
    });
    let err = e.run_source("while True:\n    pass\n").unwrap_err();
    t.join().unwrap();
    assert_eq!(err.exception().kind, ExcKind::LimitError);
    assert!(err.to_string().contains("cancelled"));
    e.cancel_handle().store(false, Ordering::Relaxed);
    assert_eq!(e.eval::<i64>("2 + 2").unwrap(), 4);
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Order {
    id: String,
    qty: u32,
    tags: Vec<String>,
    note: Option<String>,
    price: f64,
}

#[test]
fn serde_values_cross_both_ways() {
    let order = Order {
        id: "A1".into(),
        qty: 3,
        tags: vec!["x".into()],
        note: None,
        price: 2.5,
    };
    let v = to_value(&order).unwrap();
    let mut e = quiet();
    let mut scope = Scope::new();
    scope.set("order", v);
    let total: f64 = e
        .eval_with_scope(&mut scope, "order['qty'] * order['price']")
        .unwrap();
    assert_eq!(total, 7.5);
    let back: Value = e
        .eval_with_scope(
            &mut scope,
            "order['qty'] = 4\norder['note'] = 'rush'\norder",
        )
        .unwrap();
    let back: Order = from_value(&back).unwrap();
    assert_eq!(back.qty, 4);
    assert_eq!(back.note.as_deref(), Some("rush"));
    // Dana structs become maps of their fields.
    let s: Value = e
        .eval("struct P:\n    x: int\n    y: int\nP(x=1, y=2)")
        .unwrap();
    let m: HashMap<String, i64> = from_value(&s).unwrap();
    assert_eq!(m["y"], 2);
    // What JSON cannot say is a conversion error, not a panic.
    let bad: Value = e.eval("{1: 'a'}").unwrap();
    assert_eq!(
        from_value::<HashMap<String, String>>(&bad)
            .unwrap_err()
            .kind(),
        ErrorKind::Conversion
    );
    let cyclic: Value = e.eval("a = []\na.append(a)\na").unwrap();
    assert!(from_value::<Vec<i64>>(&cyclic).is_err());
    let wrong: Value = e.eval("{'id': 1}").unwrap();
    assert!(from_value::<Order>(&wrong).is_err());
}

#[test]
fn host_values_print_and_resist_tampering() {
    let mut e = with_vec2();
    e.capture_output();
    e.run_source("print(Vec2.new(1, 2))").unwrap();
    let shown = e.take_output();
    assert!(shown.starts_with("Vec2(x=1.0, y=2.0"), "{shown}");
    // Replacing the hidden handle makes the value an ordinary struct, not a crash.
    let err = e
        .eval::<f64>("v = Vec2.new(1, 2)\nv._host = len\nv.sum()")
        .unwrap_err();
    assert!(err.to_string().contains("expected Vec2"), "{err}");
}
