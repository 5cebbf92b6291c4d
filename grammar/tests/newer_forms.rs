//! The forms of issue 14 (DANA_SPEC §1–§3): scoped names in f-string fields, strings spanning
//! lines, `except as e:`, lambda receivers, `:=`, `del`, `global` and `nonlocal`. Every helper
//! cross-checks the fast parser against the pest path, so each input is also a differential
//! test.
mod common;
use common::*;

#[test]
fn scoped_names_in_fstring_fields() {
    assert_eq!(ex("f'{private:x}'"), "(f {private:x})");
    assert_eq!(ex("f'{public:total:.2f}'"), "(f {public:total :\".2f\"})");
    assert_eq!(ex("f'{system:flag!r}'"), "(f {system:flag !r})");
    assert_eq!(ex("f'{local:n:>5}'"), "(f {local:n :\">5\"})");
    // Only a scope word directly followed by `:` and a name is a scoped name.
    assert_eq!(ex("f'{x:>5}'"), "(f {x :\">5\"})");
    assert_eq!(ex("f'{total:local}'"), "(f {total :\"local\"})");
    let e = expr_err("f'{private:5}'");
    assert!(
        e.message.contains("'private' is a reserved word"),
        "{}",
        e.message
    );
}

#[test]
fn strings_span_lines() {
    assert_eq!(ex("'a\nb'"), "\"a\\nb\"");
    assert_eq!(ex("\"a\r\nb\""), "\"a\\nb\"");
    assert_eq!(ex("r'a\\\nb'"), "\"a\\\\\\nb\"");
    assert_eq!(ex("f'{x}\n{y}'"), "(f {x} \"\\n\" {y})");
    // The block structure around a string spanning lines is unchanged.
    let m = module("if x:\n    s = 'a\nb'\n    y = 1\nz = 2\n");
    assert_eq!(m.body.len(), 2);
    assert_eq!(
        st("if x:\n    s = 'a\n  b'\n    y = 1\n"),
        "(if x [(= s \"a\\n  b\") (= y 1)] [])"
    );
    // An unterminated string points at its opening quote, even with more lines after it.
    let src = "x = 1\ny = 'abc\nz = 2\n";
    let e = err(src);
    assert_eq!(e.message, "unterminated string literal");
    assert_eq!(line_col(src, e.span.start as usize), (2, 5));
}

#[test]
fn except_as_name_catches_everything() {
    let s = st("try:\n    f()\nexcept as e:\n    g(e)\n");
    assert_eq!(
        s,
        "(try [(call f)] (except _ as e [(call g e)]) else [] finally [])"
    );
    let e = err("try:\n    f()\nexcept as e:\n    pass\nexcept ValueError:\n    pass\n");
    assert!(
        e.message.contains("must be the last handler"),
        "{}",
        e.message
    );
}

#[test]
fn lambda_receivers() {
    assert_eq!(
        ex("lambda (p: Point) dx :: p.x + dx"),
        "(lambda [p:Point] (dx) (+ (. p x) dx))"
    );
    assert_eq!(
        ex("lambda (p: Point) :: p.x"),
        "(lambda [p:Point] () (. p x))"
    );
    let e = expr_err("lambda (p: Point = 1) :: p");
    assert!(
        e.message.contains("a receiver is a single parameter"),
        "{}",
        e.message
    );
}

#[test]
fn assignment_expressions() {
    assert_eq!(ex("(n := len(xs)) > 3"), "(cmp (:= n (call len xs)) > 3)");
    assert_eq!(
        st("if n := f():\n    pass\n"),
        "(if (:= n (call f)) [pass] [])"
    );
    assert_eq!(
        st("while (line := g()):\n    pass\n"),
        "(while (:= line (call g)) [pass] [])"
    );
    assert_eq!(ex("print(n := 10)"), "(call print (:= n 10))");
    assert_eq!(
        ex("[y for x in xs if (y := f(x))]"),
        "(listcomp y (for x xs (if (:= y (call f x)))))"
    );
    for bad in ["x := 1\n", "x = y := 1\n", "f(a.b := 1)\n", "(True := 1)\n"] {
        err(bad);
    }
    let e = err("x := 1\n");
    assert_eq!(e.message, "invalid syntax");
}

#[test]
fn del_statements() {
    assert_eq!(st("del x"), "(del x)");
    assert_eq!(st("del d[\"k\"], xs[0]"), "(del (idx d \"k\") (idx xs 0))");
    assert_eq!(st("del xs[1:3]"), "(del (idx xs (slice 1 3 _)))");
    assert_eq!(st("del a, b.c,"), "(del a (. b c))");
    assert_eq!(st("del (a, b)"), "(call del a b)");
    // `del` is not a reserved word: without a name after it, it is a name.
    assert_eq!(st("del = 1"), "(= del 1)");
    assert_eq!(err("del f()\n").message, "cannot delete function call");
    assert_eq!(err("del x, 1\n").message, "cannot delete literal");
    assert_eq!(
        err("del private:x\n").message,
        "cannot delete a scoped name"
    );
}

#[test]
fn global_and_nonlocal() {
    assert_eq!(st("global a, b"), "(global a b)");
    assert_eq!(st("nonlocal n"), "(nonlocal n)");
    assert_eq!(st("global = 1"), "(= global 1)");
    let e = err("global if\n");
    assert!(e.message.contains("'if'"), "{}", e.message);
}
