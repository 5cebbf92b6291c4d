//! Expression shapes: literals, operators and precedence (DANA_SPEC §1, §3).
mod common;
use common::*;
use dana_grammar::ast::ExprKind;

#[test]
fn integer_literals() {
    assert_eq!(ex("0"), "0");
    assert_eq!(ex("42"), "42");
    assert_eq!(ex("1_000"), "1000");
    assert_eq!(ex("0x1F"), "31");
    assert_eq!(ex("0o17"), "15");
    assert_eq!(ex("0b101"), "5");
    assert_eq!(ex("0XfF"), "255");
    assert_eq!(ex("9223372036854775807"), "9223372036854775807");
    assert_eq!(ex("9223372036854775808"), "big:9223372036854775808");
    assert_eq!(
        ex("123456789012345678901234567890"),
        "big:123456789012345678901234567890"
    );
    assert_eq!(ex("0x10000000000000000"), "big:18446744073709551616");
    assert_eq!(ex("000"), "0");
}

#[test]
fn float_literals() {
    assert_eq!(ex("3.14"), "3.14");
    assert_eq!(ex(".5"), "0.5");
    assert_eq!(ex("1."), "1.0");
    assert_eq!(ex("1e3"), "1000.0");
    assert_eq!(ex("1.2e-4"), "0.00012");
    assert_eq!(ex("1_0.5"), "10.5");
    assert_eq!(ex("2E+2"), "200.0");
}

#[test]
fn bool_and_none_spellings() {
    for t in ["True", "true", "TRUE"] {
        assert_eq!(ex(t), "True");
    }
    for f in ["False", "false", "FALSE"] {
        assert_eq!(ex(f), "False");
    }
    for n in ["None", "none", "NONE", "null", "NULL"] {
        assert_eq!(ex(n), "None");
    }
    // Only exact spellings are literals.
    assert_eq!(ex("Nonesuch"), "Nonesuch");
    assert_eq!(ex("truely"), "truely");
}

#[test]
fn names_and_scopes() {
    assert_eq!(ex("x"), "x");
    assert_eq!(ex("_private_thing2"), "_private_thing2");
    assert_eq!(ex("private:x"), "private:x");
    assert_eq!(ex("public:cfg"), "public:cfg");
    assert_eq!(ex("system:flag"), "system:flag");
    assert_eq!(ex("local:tmp"), "local:tmp");
    assert_eq!(ex("private:x + 1"), "(+ private:x 1)");
    assert_eq!(ex("private_x"), "private_x");
}

#[test]
fn arithmetic_precedence() {
    assert_eq!(ex("1 + 2 * 3"), "(+ 1 (* 2 3))");
    assert_eq!(ex("(1 + 2) * 3"), "(* (+ 1 2) 3)");
    assert_eq!(ex("1 - 2 - 3"), "(- (- 1 2) 3)");
    assert_eq!(ex("a / b // c % d"), "(% (// (/ a b) c) d)");
    assert_eq!(ex("2 ** 3 ** 2"), "(** 2 (** 3 2))");
    assert_eq!(ex("-2 ** 2"), "(neg (** 2 2))");
    assert_eq!(ex("2 ** -1"), "(** 2 (neg 1))");
    assert_eq!(ex("2 ** -1 ** 2"), "(** 2 (neg (** 1 2)))");
    assert_eq!(ex("-a * b"), "(* (neg a) b)");
    assert_eq!(ex("+a"), "(pos a)");
    assert_eq!(ex("~a & b"), "(& (inv a) b)");
    assert_eq!(ex("- - - x"), "(neg (neg (neg x)))");
    assert_eq!(ex("a * -b ** c"), "(* a (neg (** b c)))");
}

#[test]
fn bitwise_precedence() {
    assert_eq!(ex("a | b ^ c & d"), "(| a (^ b (& c d)))");
    assert_eq!(ex("a << 1 + 2"), "(<< a (+ 1 2))");
    assert_eq!(ex("a & b << c"), "(& a (<< b c))");
    assert_eq!(ex("a >> b | c"), "(| (>> a b) c)");
    assert_eq!(ex("a | b == c"), "(cmp (| a b) == c)");
}

#[test]
fn boolean_operators() {
    assert_eq!(ex("a or b and c"), "(or a (and b c))");
    assert_eq!(ex("a and b or c"), "(or (and a b) c)");
    assert_eq!(ex("not a and b"), "(and (not a) b)");
    assert_eq!(ex("not a == b"), "(not (cmp a == b))");
    assert_eq!(ex("not not x"), "(not (not x))");
    assert_eq!(ex("a or b or c"), "(or (or a b) c)");
    assert_eq!(ex("not -x"), "(not (neg x))");
}

#[test]
fn comparisons() {
    assert_eq!(ex("a < b"), "(cmp a < b)");
    assert_eq!(ex("1 < x < 3"), "(cmp 1 < x < 3)");
    assert_eq!(
        ex("a == b != c <= d >= e > f"),
        "(cmp a == b != c <= d >= e > f)"
    );
    assert_eq!(ex("x in xs"), "(cmp x in xs)");
    assert_eq!(ex("x not in xs"), "(cmp x not in xs)");
    assert_eq!(ex("x not  in xs"), "(cmp x not in xs)");
    assert_eq!(ex("x is None"), "(cmp x is None)");
    assert_eq!(ex("x is not None"), "(cmp x is not None)");
    assert_eq!(ex("(a < b) < c"), "(cmp (cmp a < b) < c)");
    assert_eq!(ex("a < b + 1"), "(cmp a < (+ b 1))");
    assert_eq!(ex("x is notable"), "(cmp x is notable)");
    assert_eq!(ex("a in b in c"), "(cmp a in b in c)");
    assert_eq!(ex("index"), "index");
    assert_eq!(ex("a < b and b < c"), "(and (cmp a < b) (cmp b < c))");
}

#[test]
fn ternary() {
    assert_eq!(ex("a if c else b"), "(if c a b)");
    assert_eq!(ex("a if c else b if d else e"), "(if c a (if d b e))");
    assert_eq!(ex("x or y if c else z"), "(if c (or x y) z)");
    assert_eq!(ex("not a if c else b"), "(if c (not a) b)");
    assert_eq!(ex("a if b or c else d"), "(if (or b c) a d)");
    assert_eq!(ex("(a if b else c) + 1"), "(+ (if b a c) 1)");
}

#[test]
fn lambdas() {
    assert_eq!(ex("lambda x, y :: x + y"), "(lambda (x y) (+ x y))");
    assert_eq!(ex("lambda :: 42"), "(lambda () 42)");
    assert_eq!(
        ex("lambda x: int, y: int = 2 :: x * y"),
        "(lambda (x:int y:int=2) (* x y))"
    );
    assert_eq!(ex("lambda x::x"), "(lambda (x) x)");
    assert_eq!(ex("lambda *a, **k :: a"), "(lambda (*a **k) a)");
    assert_eq!(ex("lambda x :: x if x else 0"), "(lambda (x) (if x x 0))");
    assert_eq!(ex("lambda :: lambda :: 1"), "(lambda () (lambda () 1))");
    assert_eq!(ex("f(lambda x :: x, 2)"), "(call f (lambda (x) x) 2)");
    assert_eq!(
        ex("sorted(xs, key=lambda p :: p[1])"),
        "(call sorted xs key=(lambda (p) (idx p 1)))"
    );
}

#[test]
fn collections() {
    assert_eq!(ex("[1, 2]"), "[1 2]");
    assert_eq!(ex("[]"), "[]");
    assert_eq!(ex("[1, 2,]"), "[1 2]");
    assert_eq!(ex("()"), "(tuple)");
    assert_eq!(ex("(1,)"), "(tuple 1)");
    assert_eq!(ex("(1, 2)"), "(tuple 1 2)");
    assert_eq!(ex("(1, 2,)"), "(tuple 1 2)");
    assert_eq!(ex("(1)"), "1");
    assert_eq!(ex("{}"), "{dict}");
    assert_eq!(ex("{\"a\": 1, 'b': 2,}"), "{dict (\"a\" 1) (\"b\" 2)}");
    assert_eq!(ex("{1, 2}"), "{set 1 2}");
    assert_eq!(ex("{1}"), "{set 1}");
    assert_eq!(ex("[*a, *b, 3]"), "[*a *b 3]");
    assert_eq!(ex("(*a, b)"), "(tuple *a b)");
    assert_eq!(ex("{*a, 1}"), "{set *a 1}");
    assert_eq!(ex("1, 2"), "(tuple 1 2)");
    assert_eq!(ex("1,"), "(tuple 1)");
    assert_eq!(ex("[[1, 2], [3]]"), "[[1 2] [3]]");
    assert_eq!(ex("{'k': [1, {2}]}"), "{dict (\"k\" [1 {set 2}])}");
}

#[test]
fn comprehensions() {
    assert_eq!(
        ex("[f(x) for x in xs if p(x)]"),
        "(listcomp (call f x) (for x xs (if (call p x))))"
    );
    assert_eq!(
        ex("[x * y for x in a for y in b if x if y]"),
        "(listcomp (* x y) (for x a) (for y b (if x) (if y)))"
    );
    assert_eq!(ex("{x for x in xs}"), "(setcomp x (for x xs))");
    assert_eq!(
        ex("{k: v for k, v in d.items()}"),
        "(dictcomp k v (for (tuple k v) (call (. d items))))"
    );
    assert_eq!(
        ex("{(k: v) for k, v in pairs}"),
        "(dictcomp k v (for (tuple k v) pairs))"
    );
    assert_eq!(
        ex("[a if a else b for a in xs]"),
        "(listcomp (if a a b) (for a xs))"
    );
    assert_eq!(
        ex("[(i, j) for (i, j) in ps]"),
        "(listcomp (tuple i j) (for (tuple i j) ps))"
    );
    assert_eq!(
        ex("sum(x for x in xs)"),
        "(call sum (listcomp x (for x xs)))"
    );
    assert_eq!(ex("(x for x in xs)"), "(listcomp x (for x xs))");
    assert_eq!(
        ex("[x for x in range(10) if x % 2 == 0]"),
        "(listcomp x (for x (call range 10) (if (cmp (% x 2) == 0))))"
    );
}

#[test]
fn calls() {
    assert_eq!(ex("f()"), "(call f)");
    assert_eq!(ex("f(1, 2)"), "(call f 1 2)");
    assert_eq!(ex("f(1, b=2,)"), "(call f 1 b=2)");
    assert_eq!(ex("f(*xs, **kw)"), "(call f *xs **kw)");
    assert_eq!(ex("f(a, *xs, k=1, **kw)"), "(call f a *xs k=1 **kw)");
    assert_eq!(ex("f(k=1, *xs)"), "(call f k=1 *xs)");
    assert_eq!(ex("fs[0](1)"), "(call (idx fs 0) 1)");
    assert_eq!(ex("make()(2)"), "(call (call make) 2)");
    assert_eq!(ex("(lambda :: 1)()"), "(call (lambda () 1))");
    assert_eq!(ex("f(a == b)"), "(call f (cmp a == b))");
    assert_eq!(ex("a.b.c(d).e"), "(. (call (. (. a b) c) d) e)");
    assert_eq!(ex("-f(x)"), "(neg (call f x))");
    assert_eq!(ex("\"x\".join(ys)"), "(call (. \"x\" join) ys)");
}

#[test]
fn indexing_and_slices() {
    assert_eq!(ex("xs[0]"), "(idx xs 0)");
    assert_eq!(ex("xs[-1]"), "(idx xs (neg 1))");
    assert_eq!(ex("xs[::-1]"), "(idx xs (slice _ _ (neg 1)))");
    assert_eq!(ex("s[1:3]"), "(idx s (slice 1 3 _))");
    assert_eq!(ex("xs[:]"), "(idx xs (slice _ _ _))");
    assert_eq!(ex("xs[1:]"), "(idx xs (slice 1 _ _))");
    assert_eq!(ex("xs[:2]"), "(idx xs (slice _ 2 _))");
    assert_eq!(ex("xs[a:b:c]"), "(idx xs (slice a b c))");
    assert_eq!(ex("xs[::2]"), "(idx xs (slice _ _ 2))");
    assert_eq!(ex("xs[1::2]"), "(idx xs (slice 1 _ 2))");
    assert_eq!(ex("d[1, 2]"), "(idx d (tuple 1 2))");
    assert_eq!(ex("d[1,]"), "(idx d (tuple 1))");
    assert_eq!(ex("m[i][j]"), "(idx (idx m i) j)");
    assert_eq!(ex("d['k']"), "(idx d \"k\")");
}

#[test]
fn placeholder_only_in_pipelines() {
    let e = expr_err("$$");
    assert!(e.message.contains("'$$'"), "{}", e.message);
    let e = expr_err("f($$)");
    assert!(e.message.contains("pipeline"), "{}", e.message);
}

#[test]
fn comments_inside_brackets() {
    assert_eq!(ex("f(1,  # first\n  2,  # second\n)"), "(call f 1 2)");
    assert_eq!(ex("[\n  1, # one\n  # nothing\n  2\n]"), "[1 2]");
}

#[test]
fn multi_line_brackets() {
    assert_eq!(ex("(1 +\n 2)"), "(+ 1 2)");
    assert_eq!(ex("{\n 'a': 1,\n 'b': 2\n}"), "{dict (\"a\" 1) (\"b\" 2)}");
}

#[test]
fn deep_but_reasonable_nesting() {
    let src = format!("{}1{}", "(".repeat(150), ")".repeat(150));
    assert_eq!(ex(&src), "1");
    let src = format!("{}1{}", "[".repeat(150), "]".repeat(150));
    assert!(matches!(expr_ast(&src).kind, ExprKind::List(_)));
    let chain = vec!["1"; 500].join(" + ");
    assert!(matches!(expr_ast(&chain).kind, ExprKind::Binary(..)));
}

#[test]
fn dict_unpacking() {
    // `**m` is stored as the entry (Starred(m), None) (documented on ExprKind::Dict).
    assert_eq!(ex("{**a, **b}"), "{dict (*a None) (*b None)}");
    assert_eq!(ex("{'w': 0, **a}"), "{dict (\"w\" 0) (*a None)}");
    assert_eq!(
        ex("{**f(x), 'k': [1]}"),
        "{dict (*(call f x) None) (\"k\" [1])}"
    );
    let e = expr_err("{**a, 1}");
    assert!(e.message.contains("cannot mix"), "{}", e.message);
    let e = expr_err("{**a for a in b}");
    assert!(e.message.contains("dict comprehension"), "{}", e.message);
}

#[test]
fn radix_and_float_edge_cases() {
    assert_eq!(ex("0e5"), "0.0");
    assert_eq!(ex("0_0"), "0");
    assert_eq!(ex("0x_ff"), "255");
    assert_eq!(ex("0b1_0"), "2");
    let e = expr_err("0o8");
    assert_eq!(e.message, "invalid digit '8' in octal literal");
    assert_eq!(e.span.start, 2);
    let e = expr_err("0b102");
    assert!(e.message.contains("'2' in binary"), "{}", e.message);
    let e = expr_err("0xfg");
    assert!(e.message.contains("'g' in hexadecimal"), "{}", e.message);
    let e = expr_err("0x");
    assert!(
        e.message.contains("invalid hexadecimal literal"),
        "{}",
        e.message
    );
}
