//! End-to-end tests of the builtins through the evaluator (`print` output is captured).

use crate::eval::{Interp, Output};
use crate::ExcKind;

fn run(src: &str) -> Result<String, (ExcKind, String)> {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    let g = it.new_globals("__main__", None);
    it.run_source("<test>", src, &g)
        .map_err(|e| (e.kind, e.message.clone()))?;
    Ok(it.take_output())
}

/// The printed output of `print(<expr>)`.
fn show(expr: &str) -> String {
    match run(&format!("print({expr})\n")) {
        Ok(out) => out.trim_end_matches('\n').to_string(),
        Err((k, m)) => format!("{k}: {m}"),
    }
}

#[test]
fn conversions() {
    assert_eq!(
        show("int('42'), int(3.9), int('ff', 16), int('0x1f', 0), int()"),
        "42 3 255 31 0"
    );
    assert_eq!(show("float('1.5'), float(2), float()"), "1.5 2.0 0.0");
    assert_eq!(show("str(5), str(True), str(None), str()"), "5 True None ");
    assert_eq!(
        show("bool('no'), bool('yes please'), bool(''), bool([0]), bool(0)"),
        "False True False True False"
    );
    assert_eq!(
        show("list('ab'), tuple([1]), set([1, 1, 2]), list()"),
        "['a', 'b'] (1,) {1, 2} []"
    );
    assert_eq!(
        show("dict([('a', 1)], b=2), dict({'x': 1}), dict()"),
        "{'a': 1, 'b': 2} {'x': 1} {}"
    );
    assert_eq!(
        show("int('12', base=1)"),
        "ValueError: int() base must be >= 2 and <= 36, or 0"
    );
    assert_eq!(
        show("int(5, 2)"),
        "TypeError: int() can't convert non-string with explicit base"
    );
    assert_eq!(
        show("dict([(1, 2, 3)])"),
        "ValueError: dictionary update sequence element #0 has length 3; 2 is required"
    );
    assert_eq!(show("set([[1]])"), "TypeError: unhashable type: 'list'");
}

#[test]
fn types_and_isinstance() {
    assert_eq!(
        show("type(5), type(5) == int, type('x') == 'str', type(range(3)) == range"),
        "int True True True"
    );
    assert_eq!(
        show("type(None), type(len), type(int), type(ValueError('x'))"),
        "NoneType function type ValueError"
    );
    assert_eq!(
        show("isinstance(True, int), isinstance(1, bool), isinstance(1.0, (int, float))"),
        "True False True"
    );
    assert_eq!(
        show("isinstance(KeyError('k'), LookupError), isinstance(KeyError('k'), IndexError)"),
        "True False"
    );
    assert_eq!(
        show("isinstance(1, 2)"),
        "TypeError: isinstance() arg 2 must be a type or a tuple of types, not int"
    );
    let src = "struct P:\n    x: int\nstruct Q:\n    x: int\ninterface HasArea:\n    area() -> float\ndef (p: P) area() -> float:\n    return 1.0\np = P(x=1)\nprint(type(p) == P, isinstance(p, P), isinstance(p, Q), isinstance(p, HasArea), isinstance(Q(x=1), HasArea))\n";
    assert_eq!(
        run(src).ok().as_deref(),
        Some("True True False True False\n")
    );
}

#[test]
fn exception_classes() {
    assert_eq!(
        show("ValueError('bad'), str(KeyError()), ValueError(1, 2)"),
        "bad  (1, 2)"
    );
    let src = "try:\n    raise ValueError('bad ' + str(3))\nexcept Exception as e:\n    print(e.type, e.message)\n";
    assert_eq!(run(src).ok().as_deref(), Some("ValueError bad 3\n"));
}

#[test]
fn print_and_len() {
    assert_eq!(
        run("print('a', 1, None, sep='-', end='!')\nprint()\n")
            .ok()
            .as_deref(),
        Some("a-1-None!\n")
    );
    assert_eq!(
        show("len('héllo'), len([1, 2]), len({'a': 1}), len(range(0, 10, 3))"),
        "5 2 1 4"
    );
    assert_eq!(
        show("len(5)"),
        "TypeError: object of type 'int' has no len()"
    );
    assert_eq!(
        show("print(1, sep=2)"),
        "TypeError: sep must be None or a string, not int"
    );
    assert_eq!(
        show("len()"),
        "TypeError: len() takes 1 positional argument but 0 were given"
    );
}

#[test]
fn numbers() {
    assert_eq!(
        show("abs(-5), abs(-2.5), abs(True), abs(-9223372036854775807 - 1)"),
        "5 2.5 1 9223372036854775808"
    );
    assert_eq!(
        show("round(2.5), round(3.5), round(-0.5), round(0.125, 2), round(2.675, 2)"),
        "2 4 0 0.12 2.67"
    );
    assert_eq!(
        show("round(1234, -2), round(1250, -2), round(7), round(1.5, None)"),
        "1200 1200 7 2"
    );
    assert_eq!(
        show("round('x')"),
        "TypeError: type str doesn't define __round__ method"
    );
    assert_eq!(
        show("sum([1, 2, 3]), sum([0.1] * 10), sum([[1], [2]], []), sum([], 5)"),
        "6 1.0 [1, 2] 5"
    );
    assert_eq!(
        show("sum(range(10 ** 7)), sum(range(10, 0, -3), 100), sum(range(3), 0.5)"),
        "49999995000000 122 3.5"
    );
    assert_eq!(
        show("sum(['a', 'b'])"),
        "TypeError: sum() can't sum strings [use ''.join(seq) instead]"
    );
    assert_eq!(
        show("divmod(7, 2), divmod(-7, 2), divmod(7.5, 2)"),
        "(3, 1) (-4, 1) (3.0, 1.5)"
    );
    assert_eq!(
        show("pow(2, 10), pow(2, -1), pow(3, 4, 5), pow(3, -1, 7)"),
        "1024 0.5 1 5"
    );
    assert_eq!(
        show("pow(2, 3, 0)"),
        "ValueError: pow() 3rd argument cannot be 0"
    );
    assert_eq!(
        show("bin(5), oct(8), hex(-255), hex(2 ** 70)"),
        "0b101 0o10 -0xff 0x400000000000000000"
    );
}

#[test]
fn max_and_min() {
    assert_eq!(
        show("max([3, 1, 2]), min(3, 1, 2), max('abc'), max([], default=9)"),
        "3 1 c 9"
    );
    assert_eq!(
        show("max(['aa', 'b'], key=len), min(['aa', 'b', 'c'], key=len)"),
        "aa b"
    );
    assert_eq!(show("max([1, 3], reverse=True)"), "1");
    assert_eq!(
        show("max([])"),
        "ValueError: max() arg is an empty sequence"
    );
    assert_eq!(
        show("min()"),
        "TypeError: min expected at least 1 argument, got 0"
    );
    assert_eq!(
        show("max(1, 2, default=0)"),
        "TypeError: Cannot specify a default for max() with multiple positional arguments"
    );
}

#[test]
fn iteration_helpers() {
    assert_eq!(
        show("sorted([3, 1, 2], reverse=True), sorted('bca'), sorted({'b': 1, 'a': 2})"),
        "[3, 2, 1] ['a', 'b', 'c'] ['a', 'b']"
    );
    assert_eq!(
        show("sorted([(1, 'b'), (0, 'x'), (1, 'a')], key=lambda p :: p[0], reverse=True)"),
        "[(1, 'b'), (1, 'a'), (0, 'x')]"
    );
    assert_eq!(
        show("sorted([1, 'a'])").split(':').next(),
        Some("TypeError")
    );
    assert_eq!(
        show("reversed([1, 2, 3]), reversed('ab'), reversed(range(3))"),
        "[3, 2, 1] ['b', 'a'] [2, 1, 0]"
    );
    assert_eq!(
        show("enumerate('ab'), enumerate(['x'], start=5)"),
        "[(0, 'a'), (1, 'b')] [(5, 'x')]"
    );
    assert_eq!(show("zip([1, 2], 'abc'), zip()"), "[(1, 'a'), (2, 'b')] []");
    assert_eq!(
        show("zip([1], [1, 2], strict=True)"),
        "ValueError: zip() argument 2 is longer than argument 1"
    );
    assert_eq!(
        show("map(lambda x, y :: x + y, [1, 2], [10, 20, 30]), filter(None, [0, 1, '', 'a'])"),
        "[11, 22] [1, 'a']"
    );
    assert_eq!(show("filter(lambda x :: x > 1, [1, 2, 3])"), "[2, 3]");
    assert_eq!(
        show("all([1, 2]), all([]), any([0, '']), any([0, 3])"),
        "True True False True"
    );
    assert_eq!(
        show("list(range(5)), list(range(10, 0, -3)), list(range(2, 4))"),
        "[0, 1, 2, 3, 4] [10, 7, 4, 1] [2, 3]"
    );
    assert_eq!(
        show("range(1, 2, 0)"),
        "ValueError: range() arg 3 must not be zero"
    );
    assert_eq!(
        show("range(1.5)"),
        "TypeError: 'float' object cannot be interpreted as an integer"
    );
}

#[test]
fn small_builtins() {
    assert_eq!(
        show("ord('a'), chr(233), callable(len), callable(5), callable(int), repr('a')"),
        "97 é True False True 'a'"
    );
    assert_eq!(
        show("ord('ab')"),
        "TypeError: ord() expected a character, but string of length 2 found"
    );
    assert_eq!(
        show("chr(-1)"),
        "ValueError: chr() arg not in range(0x110000)"
    );
    assert_eq!(
        show("hash(1) == hash(1.0), hash('a') == hash('a')"),
        "True True"
    );
    assert_eq!(show("hash([])"), "TypeError: unhashable type: 'list'");
    assert_eq!(
        show("format(3.14159, '.2f'), format(5), format(42, '>5')"),
        "3.14 5    42"
    );
}

#[test]
fn logging_and_help() {
    assert_eq!(
        run("log_level('info')\nprint(log_level())\nlog_level('WARN')\nprint(log_level())\n")
            .ok()
            .as_deref(),
        Some("INFO\nWARNING\n")
    );
    assert_eq!(
        run("log('x', 'loud')\n").err().map(|e| e.0),
        Some(ExcKind::ValueError)
    );
    assert_eq!(
        run("log('x', 'debug', 'my.namespace')\n").ok().as_deref(),
        Some("")
    );
    let out = run("def f(x):\n    \"\"\"Doubles x.\n\n    Returns 2x.\n    \"\"\"\n    return 2 * x\nhelp(f)\n").unwrap_or_default();
    assert_eq!(
        out,
        "Help on function f in module __main__:\n\nf(x)\n    Doubles x.\n\n    Returns 2x.\n\n"
    );
    let out = run("help(len)\n").unwrap_or_default();
    assert!(
        out.starts_with("Help on builtin function len:\n\nlen(obj) -> int\n    The number"),
        "{out}"
    );
    let out = run("help(int)\nhelp(ValueError)\nhelp()\n").unwrap_or_default();
    assert!(
        out.contains("Help on type int")
            && out.contains("subclass of Exception")
            && out.contains("Dana builtins"),
        "{out}"
    );
}
