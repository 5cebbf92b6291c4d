//! Syntax errors: readable messages (never pest rule names), precise spans in the original
//! text, labels, and help lines where a fix is likely (DANA_SPEC §1, §2).
mod common;
use common::*;
use dana_grammar::SyntaxError;

/// Asserts the message contains `msg` and the span starts at `line:col`; returns the error.
fn check(src: &str, msg: &str, at: (usize, usize)) -> SyntaxError {
    let e = err(src);
    assert!(
        e.message.contains(msg),
        "for {src:?}: message {:?} does not contain {msg:?}",
        e.message
    );
    assert_eq!(
        line_col(src, e.span.start as usize),
        at,
        "for {src:?}: span {:?} ({:?})",
        e.span,
        e.message
    );
    assert!(!e.label.is_empty());
    for word in [
        "Rule::",
        "expr_stmt",
        "small_stmt",
        "EOI",
        "WHITESPACE",
        "\u{1}",
        "\u{3}",
    ] {
        assert!(
            !e.message.contains(word) && !e.label.contains(word),
            "{e:?}"
        );
    }
    e
}

fn has_help(e: &SyntaxError, needle: &str) {
    let h = e.help.as_deref().unwrap_or("");
    assert!(h.contains(needle), "help {h:?} does not contain {needle:?}");
}

#[test]
fn inline_bodies() {
    let e = check("if x: y()", "own line", (1, 7));
    assert_eq!(text("if x: y()", e.span), "y()");
    has_help(&e, "next line");
    check("while True: pass", "own line", (1, 13));
    check("for i in xs: print(i)", "own line", (1, 14));
    check("def f(): return 1", "own line", (1, 10));
    check("if a:\n    b\nelse: c", "own line", (3, 7));
    check("try: x()\nexcept: pass", "own line", (1, 6));
    check("struct P: x: int", "own line", (1, 11));
}

#[test]
fn reserved_words_as_names() {
    for (src, word, at) in [
        ("if = 3", "if", (1, 1)),
        ("x = pass", "pass", (1, 5)),
        ("def in():\n  pass", "in", (1, 5)),
        ("lambda = 5", "lambda", (1, 1)),
        ("import = 3", "import", (1, 1)),
        ("for = 1", "for", (1, 1)),
        ("y = x.if", "if", (1, 7)),
        ("f(in=3)", "in", (1, 3)),
        ("private:if = 1", "if", (1, 9)),
        ("def f(return):\n  pass", "return", (1, 7)),
        ("struct from:\n  x: int", "from", (1, 8)),
        ("x = system", "system", (1, 5)),
        ("import a.while", "while", (1, 10)),
        ("for x, is in y:\n  pass", "is", (1, 8)),
        ("sync = 1", "sync", (1, 1)),
        ("agent_blueprint = 2", "agent_blueprint", (1, 1)),
    ] {
        let e = check(src, &format!("'{word}' is a reserved word"), at);
        assert_eq!(text(src, e.span), word);
        assert!(e.help.is_some());
    }
    let e = check("True = 5", "'True'", (1, 1));
    assert!(e.message.contains("reserved word"));
    check("none = 1", "'none'", (1, 1));
}

#[test]
fn incomplete_keyword_statements() {
    check("import", "incomplete 'import'", (1, 1));
    check("x = 1\nassert", "incomplete 'assert'", (2, 1));
    check("from m import", "expected a name", (1, 14));
    check("from import x", "module name", (1, 1));
}

#[test]
fn struct_inheritance() {
    let e = check("struct B(A):\n    x: int\n", "no inheritance", (1, 9));
    assert_eq!(text("struct B(A):\n    x: int\n", e.span), "(A)");
    has_help(&e, "composition");
    has_help(&e, "_");
    check("agent X(Base):\n  pass", "no inheritance", (1, 8));
}

#[test]
fn return_break_continue_placement() {
    check("return 1", "'return' outside function", (1, 1));
    check("if x:\n    return", "'return' outside function", (2, 5));
    check(
        "struct P:\n    x: int\nreturn",
        "'return' outside function",
        (3, 1),
    );
    check("break", "'break' outside loop", (1, 1));
    check("continue", "'continue' outside loop", (1, 1));
    check(
        "for x in y:\n  pass\nelse:\n  break",
        "'break' outside loop",
        (4, 3),
    );
    check(
        "while x:\n  def f():\n    continue",
        "'continue' outside loop",
        (3, 5),
    );
    // Allowed forms.
    module("def f():\n    for x in y:\n        if x:\n            break\n        continue\n    return 1\n");
    module("while a:\n    try:\n        break\n    finally:\n        pass\n");
    module("def f():\n    def g():\n        return 2\n    return g\n");
    module("struct P:\n    def m(self):\n        return 1\n");
}

#[test]
fn placeholder_outside_pipelines() {
    let e = check("x = $$", "'$$'", (1, 5));
    has_help(&e, "def f(x)");
    check("def f(x) = $$ | g", "'$$'", (1, 12));
    check("def f(x) = g[$$]", "'$$'", (1, 14));
    check("def f(x):\n    return h($$)", "'$$'", (2, 14));
    module("def f(x) = g | h(1, $$) | k(a=$$, b=[$$])");
    // Outside a `def`: only in the calls of the operand right after `|`.
    module("p = f | h(1, $$) | k(a=$$)");
    check("p = h($$) | f", "'$$'", (1, 7));
    check("p = f | (h($$))", "'$$'", (1, 12));
    check("p = f | [h($$)]", "'$$'", (1, 12));
    check("p = f | g + h($$)", "'$$'", (1, 15));
}

#[test]
fn unterminated_strings() {
    let e = check("x = \"abc\ny = 2", "unterminated string", (1, 5));
    assert_eq!(text("x = \"abc\ny = 2", e.span), "\"abc");
    has_help(&e, "may span lines");
    check("x = 'abc", "unterminated string", (1, 5));
    check("x = f\"{a}", "unterminated string", (1, 5));
    let e = check(
        "x = 1\ns = '''abc\n\nmore",
        "unterminated triple-quoted",
        (2, 5),
    );
    has_help(&e, "'''");
    check("x = r\"\\\"", "unterminated string", (1, 5));
}

#[test]
fn unmatched_brackets() {
    let e = check("foo(1, 2\nx = 3\n", "'(' was never closed", (1, 4));
    has_help(&e, "')'");
    check("x = [1, 2", "'[' was never closed", (1, 5));
    check("x = {\n  'a': 1,\n", "'{' was never closed", (1, 5));
    check("x = 1)", "unmatched ')'", (1, 6));
    let e = check("y = [1, 2)", "does not match", (1, 5));
    has_help(&e, "']'");
    check("s = '(' + ')'\nz = (\n", "'(' was never closed", (2, 5));
}

#[test]
fn indentation_errors() {
    let e = check(
        "if x:\n        a\n    b\n",
        "unindent does not match any outer indentation level",
        (3, 1),
    );
    assert!(e.help.is_some());
    check("if x:\n  a\n else:\n  b", "unindent does not match", (3, 1));
    let e = check("  x = 1", "unexpected indent", (1, 1));
    assert!(e.help.is_some());
    check("x = 1\n    y = 2", "unexpected indent", (2, 1));
    check("if x: y()\n    z()", "own line", (1, 7));
    let e = check("if x:\ny = 1", "expected an indented block", (2, 1));
    has_help(&e, "pass");
    check("if x:", "expected an indented block", (1, 6));
    check(
        "def f():\n# only a comment\n\nx = 1",
        "expected an indented block",
        (4, 1),
    );
    check(
        "for x in range(3):\npass\n",
        "expected an indented block",
        (2, 1),
    );
}

#[test]
fn stray_clauses() {
    check("elif x:\n  pass", "'elif' does not continue", (1, 1));
    check("x = 1\nelse:\n  pass", "'else' does not continue", (2, 1));
    check(
        "if a:\n    b\n    else:\n        c",
        "'else' does not continue",
        (3, 5),
    );
    check("except:\n  pass", "'except' does not continue", (1, 1));
}

#[test]
fn expected_tokens_are_readable() {
    let e = check("if x\n  y", "expected ':'", (1, 5));
    has_help(&e, "ends with ':'");
    check("while x y:\n  pass", "expected ':'", (1, 9));
    check("x =", "expected an expression", (1, 4));
    check("x = 1 +", "expected an expression", (1, 8));
    check("foo(1 2)", "expected ',' or ')'", (1, 7));
    check("x = [1 2]", "expected ',' or ']'", (1, 8));
    check("x = [1, 2,, 3]", "an expression", (1, 11));
    check("def f:\n  pass", "expected '('", (1, 6));
    check("for x y:\n  pass", "expected 'in'", (1, 7));
    check("x = {'a' 1}", "expected ':', ',' or '}'", (1, 10));
    check("a if b", "expected 'else'", (1, 7));
    check("x = lambda x y :: 1", "expected ',' or '::'", (1, 14));
    check("print(x for x in)", "expected an expression", (1, 17));
    check("def f(x) -> :\n  pass", "expected a name", (1, 13));
    check("@deco\nx = 1", "expected 'def'", (2, 1));
    let e = check("x = 1 2", "unexpected number '2'", (1, 7));
    assert!(e.label.contains("end of the line"));
    check("class A:\n  pass", "no classes", (1, 1));
    check("x = 1 +* 2", "expected an expression", (1, 8));
    check("print('a' 'b' c)", "expected ',' or ')'", (1, 15));
}

#[test]
fn invalid_targets_and_arguments() {
    check("1 = x", "cannot assign to a literal", (1, 1));
    check("f() = 3", "cannot assign to a function call", (1, 1));
    check("a + b = c", "cannot assign to an expression", (1, 1));
    check("a, b += 1", "single target", (1, 1));
    check("*a = b", "starred", (1, 1));
    check("a, *b, *c = d", "multiple starred", (1, 8));
    check("for f() in x:\n  pass", "cannot assign", (1, 5));
    check("x = [y for 1 in z]", "cannot assign", (1, 12));
    check(
        "f(a=1, 2)",
        "positional argument follows keyword argument",
        (1, 8),
    );
    check("f(**k, *a)", "'*' argument follows '**'", (1, 8));
    check("f(x for x in y, 1)", "expected ')'", (1, 15));
}

#[test]
fn invalid_definitions() {
    check("def f(a=1, b):\n  pass", "without a default", (1, 12));
    check("def f(x, x):\n  pass", "duplicate parameter 'x'", (1, 10));
    check("def f(**k, a):\n  pass", "must be the last", (1, 12));
    check("def f(*a, *b):\n  pass", "only one '*'", (1, 11));
    check("def f(*a=1):\n  pass", "cannot have a default", (1, 10));
    check("try:\n  x\ny = 1", "needs an 'except' or 'finally'", (1, 1));
    check("try:\n  x\nelse:\n  y", "needs an 'except'", (3, 1));
    check(
        "try:\n  x\nexcept:\n  a\nexcept E:\n  b",
        "bare 'except:' must be the last",
        (3, 1),
    );
}

#[test]
fn literal_errors() {
    check("x = 007", "leading zeros", (1, 5));
    check("x = \"\\xZZ\"", "invalid \\x escape", (1, 6));
    check("x = {1: 2, 3}", "cannot mix", (1, 5));
    check("x = (k: v)", "dict comprehension", (1, 5));
    check("x = f\"{}\"", "empty expression", (1, 7));
    check("x = f\"}\"", "single '}'", (1, 7));
    check("x = f\"{a!x}\"", "invalid conversion", (1, 9));
    check("x = 1 + \\\n  2", "line continuation", (1, 9));
    check("x = \u{1}", "invalid character", (1, 5));
}

#[test]
fn errors_render_through_miette() {
    let e = err("if x: y()");
    let d: &dyn miette::Diagnostic = &e;
    assert!(d.help().is_some());
    assert_eq!(e.to_string(), e.message);
}

#[test]
fn diagnostic_has_a_labelled_span() {
    let e = err("x = [1, 2");
    let d: &dyn miette::Diagnostic = &e;
    let labels: Vec<_> = d.labels().expect("a label").collect();
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].offset(), 4);
    assert_eq!(labels[0].label(), Some("unclosed bracket"));
}

#[test]
fn more_readable_errors() {
    check(
        "print(1)\nx = = 1",
        "expected an expression, found '='",
        (2, 5),
    );
    let e = check("print(1)\ncafé = 1", "invalid character 'é'", (2, 4));
    has_help(&e, "ASCII");
    check("x = 0o8", "invalid digit '8' in octal literal", (1, 7));
}

#[test]
fn repeated_keywords_and_tab_mixing() {
    check(
        "print(f(x=1, x=2))",
        "keyword argument repeated: 'x'",
        (1, 14),
    );
    check(
        "x = 1\nif x:\n\tprint(\"tab\")\n        print(\"8 spaces\")\n",
        "inconsistent use of tabs and spaces",
        (4, 1),
    );
    module("if x:\n\ta\n\tif y:\n\t\tb\n\tc\n");
}

#[test]
fn lone_statement_keywords() {
    for kw in [
        "import", "from", "assert", "if", "while", "for", "def", "struct", "with", "try",
    ] {
        let e = err(&format!("x = 1\n{kw}\n"));
        assert_eq!(e.message, format!("incomplete '{kw}' statement"), "{kw}");
        assert_eq!(
            line_col(&format!("x = 1\n{kw}\n"), e.span.start as usize),
            (2, 1)
        );
    }
    let e = err("not\n");
    assert!(
        e.message.contains("expected an expression"),
        "{}",
        e.message
    );
}
