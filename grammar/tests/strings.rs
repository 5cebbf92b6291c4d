//! String literals, escapes, concatenation and f-strings (DANA_SPEC §1).
mod common;
use common::*;
use dana_grammar::ast::{ExprKind, FPart};

#[test]
fn quote_forms() {
    assert_eq!(ex("\"abc\""), "\"abc\"");
    assert_eq!(ex("'abc'"), "\"abc\"");
    assert_eq!(ex("\"\"\"a\nb\"\"\""), "\"a\\nb\"");
    assert_eq!(ex("'''a 'quoted' b'''"), "\"a 'quoted' b\"");
    assert_eq!(ex("''"), "\"\"");
    assert_eq!(ex("\"\"\"\"\"\""), "\"\"");
    assert_eq!(ex("\"it's\""), "\"it's\"");
    assert_eq!(ex("'say \"hi\"'"), "\"say \\\"hi\\\"\"");
    assert_eq!(
        ex("\"\"\"ends with quote\\\"\"\"\""),
        "\"ends with quote\\\"\""
    );
}

#[test]
fn escapes() {
    let s = |src: &str| match expr_ast(src).kind {
        ExprKind::Str(s) => s,
        other => panic!("not a string: {other:?}"),
    };
    assert_eq!(s(r#""a\nb\tc""#), "a\nb\tc");
    assert_eq!(s(r#""\\ \' \" \r \0""#), "\\ ' \" \r \0");
    assert_eq!(s(r#""\x41\u00e9\U0001F600""#), "Aé😀");
    assert_eq!(
        s(r#""\d\w""#),
        "\\d\\w",
        "unknown escapes keep the backslash"
    );
    assert_eq!(s(r#""\101""#), "A", "octal escapes");
    assert_eq!(
        s("\"a\\\nb\""),
        "ab",
        "backslash-newline continues the string"
    );
    assert_eq!(
        s("\"\"\"a\r\nb\"\"\""),
        "a\nb",
        "CRLF inside strings reads as \\n"
    );
    assert_eq!(s("'é ü 日本'"), "é ü 日本");
}

#[test]
fn raw_strings() {
    let s = |src: &str| match expr_ast(src).kind {
        ExprKind::Str(s) => s,
        other => panic!("not a string: {other:?}"),
    };
    assert_eq!(s(r#"r"\d+\n""#), r"\d+\n");
    assert_eq!(s(r#"R'\t'"#), r"\t");
    assert_eq!(s(r#"r"a\"b""#), r#"a\"b"#);
    assert_eq!(s(r#"r"""x\y""""#), r"x\y");
}

#[test]
fn bad_escapes_are_errors() {
    let e = expr_err(r#""ab\xZZ""#);
    assert!(e.message.contains("\\x"), "{}", e.message);
    assert_eq!(e.span.start, 3);
    let e = expr_err(r#""\uD800""#);
    assert!(e.message.contains("\\u"), "{}", e.message);
}

#[test]
fn adjacent_literals_concatenate() {
    assert_eq!(ex("\"a\" \"b\""), "\"ab\"");
    assert_eq!(ex("'a' \"b\" '''c'''"), "\"abc\"");
    assert_eq!(ex("(\"a\"\n \"b\")"), "\"ab\"");
    assert_eq!(ex("\"a\" f\"{x}\" \"c\""), "(f \"a\" {x} \"c\")");
    assert_eq!(ex("f\"{x}\" \"b\" f\"{y}\""), "(f {x} \"b\" {y})");
    assert_eq!(ex("r\"\\d\" \"\\n\""), "\"\\\\d\\n\"");
}

#[test]
fn fstring_fields() {
    assert_eq!(ex("f\"hi {name}!\""), "(f \"hi \" {name} \"!\")");
    assert_eq!(ex("f'{a + b}'"), "(f {(+ a b)})");
    assert_eq!(ex("F\"{x}\""), "(f {x})");
    assert_eq!(ex("f\"\"\"{x}\n{y}\"\"\""), "(f {x} \"\\n\" {y})");
    assert_eq!(ex("f'''{x}'''"), "(f {x})");
    assert_eq!(ex("f\"{{literal}} {x}\""), "(f \"{literal} \" {x})");
    assert_eq!(ex("f\"}}{{\""), "(f \"}{\")");
    assert_eq!(ex("f\"\""), "(f )");
    assert_eq!(ex("f\"{d['k']}\""), "(f {(idx d \"k\")})");
    assert_eq!(ex("f\"{f(a, b)}\""), "(f {(call f a b)})");
    assert_eq!(
        ex("f\"{ {'a': 1}['a'] }\""),
        "(f {(idx {dict (\"a\" 1)} \"a\")})"
    );
    assert_eq!(ex("f\"{x if y else z}\""), "(f {(if y x z)})");
    assert_eq!(ex("f\"{a != b}\""), "(f {(cmp a != b)})");
    assert_eq!(ex("f\"{xs[1:2]}\""), "(f {(idx xs (slice 1 2 _))})");
    assert_eq!(ex("f\"{(lambda :: 1)()}\""), "(f {(call (lambda () 1))})");
    assert_eq!(ex("f\"a\\tb{x}\\n\""), "(f \"a\\tb\" {x} \"\\n\")");
    assert_eq!(ex("rf\"\\d{x}\""), "(f \"\\\\d\" {x})");
    assert_eq!(ex("fR'{x}\\n'"), "(f {x} \"\\\\n\")");
    assert_eq!(ex("f\"{f'{x}'}\""), "(f {(f {x})})");
    assert_eq!(ex("f\"{a, b}\""), "(f {(tuple a b)})");
}

#[test]
fn fstring_conversions_and_specs() {
    assert_eq!(ex("f\"{x!r}\""), "(f {x !r})");
    assert_eq!(ex("f\"{x!s}\""), "(f {x !s})");
    assert_eq!(ex("f\"{x!a}\""), "(f {x !a})");
    assert_eq!(ex("f\"{x:.2f}\""), "(f {x :\".2f\"})");
    assert_eq!(ex("f\"{n:>5}\""), "(f {n :\">5\"})");
    assert_eq!(ex("f\"{v:,}\""), "(f {v :\",\"})");
    assert_eq!(ex("f\"{p:.1%}\""), "(f {p :\".1%\"})");
    assert_eq!(ex("f\"{x!r:>10}\""), "(f {x !r :\">10\"})");
    assert_eq!(ex("f\"{x:{w}}\""), "(f {x :{w}})");
    assert_eq!(ex("f\"{x:{w}.{p}f}\""), "(f {x :{w} \".\" {p} \"f\"})");
    assert_eq!(ex("f\"{d['a']:>{w}}\""), "(f {(idx d \"a\") :\">\" {w}})");
}

#[test]
fn fstring_debug_fields() {
    assert_eq!(ex("f\"{x=}\""), "(f {x debug=\"x=\"})");
    assert_eq!(ex("f\"{x = }\""), "(f {x debug=\"x = \"})");
    assert_eq!(ex("f\"{a+b=!s}\""), "(f {(+ a b) debug=\"a+b=\" !s})");
    assert_eq!(ex("f\"{x=:.2f}\""), "(f {x debug=\"x=\" :\".2f\"})");
    assert_eq!(ex("f\"{a==b}\""), "(f {(cmp a == b)})");
    assert_eq!(ex("f\"{a<=b}\""), "(f {(cmp a <= b)})");
    assert_eq!(ex("f\"{f(k=1)}\""), "(f {(call f k=1)})");
}

#[test]
fn fstring_errors() {
    let e = expr_err("f\"{}\"");
    assert!(e.message.contains("empty expression"), "{}", e.message);
    let e = expr_err("f\"a } b\"");
    assert!(e.message.contains("single '}'"), "{}", e.message);
    assert_eq!(e.span.start, 4);
    let e = expr_err("f\"{x\"");
    assert!(e.message.contains("expecting '}'"), "{}", e.message);
    assert_eq!(e.span.start, 2);
    let e = expr_err("f\"{x!z}\"");
    assert!(e.message.contains("conversion"), "{}", e.message);
    let e = expr_err("f\"{x +}\"");
    assert!(
        e.message.contains("expected an expression"),
        "{}",
        e.message
    );
    assert_eq!(
        e.span.start, 6,
        "error inside the field points into the original text"
    );
}

#[test]
fn fstring_parts_are_separate() {
    let e = expr_ast("f\"a{b}c\"");
    let ExprKind::FString(parts) = e.kind else {
        panic!("not an f-string")
    };
    assert_eq!(parts.len(), 3);
    assert!(matches!(&parts[0], FPart::Lit(s) if s == "a"));
    assert!(matches!(&parts[2], FPart::Lit(s) if s == "c"));
}
