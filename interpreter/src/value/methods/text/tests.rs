//! Tests of the `str` methods against Python's results.
use super::*;
use crate::value::repr::repr;
use std::rc::Rc;

fn m(s: &str, name: &str, pos: &[Value]) -> String {
    match call(&Rc::new(s.to_string()), name, Args::positional(pos)) {
        Ok(v) => repr(&v),
        Err(e) => format!("!{}: {}", e.kind, e.message),
    }
}

fn v(s: &str) -> Value {
    Value::str(s)
}

#[test]
fn case_methods_match_python() {
    assert_eq!(m("hello world's", "title", &[]), "\"Hello World'S\"");
    assert_eq!(
        m("they're bill's friends from the UK", "title", &[]),
        "\"They'Re Bill'S Friends From The Uk\""
    );
    assert_eq!(m("1st 2nd", "title", &[]), "'1St 2Nd'");
    assert_eq!(m("hELLO wORLD", "capitalize", &[]), "'Hello world'");
    assert_eq!(m("Hello", "swapcase", &[]), "'hELLO'");
    assert_eq!(m("ABC", "isupper", &[]), "True");
    assert_eq!(m("A1", "isupper", &[]), "True");
    assert_eq!(m("1", "isupper", &[]), "False");
    assert_eq!(m("Hello World", "istitle", &[]), "True");
    assert_eq!(m("Hello world", "istitle", &[]), "False");
    assert_eq!(m("123", "isdigit", &[]), "True");
    assert_eq!(m("", "isdigit", &[]), "False");
    assert_eq!(m(" \t\x1c", "isspace", &[]), "True");
    assert_eq!(m("Straße", "casefold", &[]), "'strasse'");
    assert_eq!(m("ÄÖü ß ǆemal ﬁsh", "title", &[]), "'Äöü Ss ǅemal Fish'");
    assert_eq!(m("ßa", "capitalize", &[]), "'Ssa'");
}

#[test]
fn split_family_matches_python() {
    let k = |s: &str, name: &str, pos: &[Value]| m(s, name, pos);
    assert_eq!(
        k("a b  c  ", "split", &[Value::None, Value::Int(1)]),
        "['a', 'b  c  ']"
    );
    assert_eq!(
        k("  a b  c ", "rsplit", &[Value::None, Value::Int(1)]),
        "['  a b', 'c']"
    );
    assert_eq!(k("  a\tb\n c ", "split", &[]), "['a', 'b', 'c']");
    assert_eq!(k("a,b,,c", "split", &[v(",")]), "['a', 'b', '', 'c']");
    assert_eq!(
        k("a,b,,c", "split", &[v(","), Value::Int(1)]),
        "['a', 'b,,c']"
    );
    assert_eq!(
        k("a,b,,c", "rsplit", &[v(","), Value::Int(1)]),
        "['a,b,', 'c']"
    );
    assert_eq!(k("", "split", &[]), "[]");
    assert_eq!(k("", "split", &[v(",")]), "['']");
    assert_eq!(k("  ", "split", &[v(" ")]), "['', '', '']");
    assert_eq!(k("a", "split", &[v("")]), "!ValueError: empty separator");
    assert_eq!(
        k("ab\ncd\r\nef\rgh\x0bij\x1ck\u{2028}l\n", "splitlines", &[]),
        "['ab', 'cd', 'ef', 'gh', 'ij', 'k', 'l']"
    );
    assert_eq!(
        k("a\nb\n", "splitlines", &[Value::Bool(true)]),
        "['a\\n', 'b\\n']"
    );
    assert_eq!(k("\n", "splitlines", &[]), "['']");
    assert_eq!(k("a b", "partition", &[v(" ")]), "('a', ' ', 'b')");
    assert_eq!(k("abc", "partition", &[v("x")]), "('abc', '', '')");
    assert_eq!(k("abc", "rpartition", &[v("x")]), "('', '', 'abc')");
    let kw = [(dana_grammar::ast::Sym::intern("maxsplit"), Value::Int(1))];
    let r = call(&Rc::new("a b c".to_string()), "split", Args::new(&[], &kw)).unwrap();
    assert_eq!(repr(&r), "['a', 'b c']");
}

#[test]
fn search_methods_match_python() {
    assert_eq!(m("abc", "find", &[v(""), Value::Int(4)]), "-1");
    assert_eq!(m("abc", "find", &[v(""), Value::Int(3)]), "3");
    assert_eq!(
        m("abc", "find", &[v(""), Value::Int(2), Value::Int(1)]),
        "-1"
    );
    assert_eq!(m("abcabc", "find", &[v("c"), Value::Int(-2)]), "5");
    assert_eq!(
        m("abcabc", "rfind", &[v("c"), Value::Int(0), Value::Int(4)]),
        "2"
    );
    assert_eq!(m("héllo", "find", &[v("l")]), "2");
    assert_eq!(
        m("abc", "index", &[v("z")]),
        "!ValueError: substring not found"
    );
    assert_eq!(m("aaa", "count", &[v("a")]), "3");
    assert_eq!(m("aaaa", "count", &[v("aa")]), "2");
    assert_eq!(m("abc", "count", &[v("")]), "4");
    assert_eq!(m("abc", "count", &[v(""), Value::Int(1)]), "3");
    assert_eq!(m("abc", "count", &[v(""), Value::Int(5)]), "0");
    assert_eq!(
        m("abc", "startswith", &[Value::tuple(vec![v("x"), v("a")])]),
        "True"
    );
    assert_eq!(
        m("abc", "endswith", &[v("bc"), Value::Int(0), Value::Int(2)]),
        "False"
    );
    assert_eq!(m("abc", "startswith", &[v("b"), Value::Int(1)]), "True");
    assert_eq!(
        m("a", "startswith", &[Value::Int(1)]),
        "!TypeError: startswith first arg must be str or a tuple of str, not int"
    );
}

#[test]
fn editing_methods_match_python() {
    assert_eq!(m("-42", "zfill", &[Value::Int(6)]), "'-00042'");
    assert_eq!(m("+x", "zfill", &[Value::Int(4)]), "'+00x'");
    assert_eq!(m("abc", "zfill", &[Value::Int(2)]), "'abc'");
    assert_eq!(m("ab", "ljust", &[Value::Int(5), v("*")]), "'ab***'");
    assert_eq!(m("ab", "rjust", &[Value::Int(5)]), "'   ab'");
    assert_eq!(m("ab", "center", &[Value::Int(5)]), "'  ab '");
    assert_eq!(m("ab", "center", &[Value::Int(6)]), "'  ab  '");
    assert_eq!(m("abc", "center", &[Value::Int(6)]), "' abc  '");
    assert_eq!(m("a", "center", &[Value::Int(4)]), "' a  '");
    assert_eq!(
        m("a", "center", &[Value::Int(5), v("ab")]),
        "!TypeError: The fill character must be exactly one character long"
    );
    assert_eq!(m("xxhixx", "strip", &[v("x")]), "'hi'");
    assert_eq!(m("  hi  ", "lstrip", &[]), "'hi  '");
    assert_eq!(m("abcba", "rstrip", &[v("ab")]), "'abc'");
    assert_eq!(
        m("a", "join", &[Value::list(vec![v("x"), v("y"), v("z")])]),
        "'xayaz'"
    );
    assert_eq!(m(", ", "join", &[v("abc")]), "'a, b, c'");
    assert_eq!(
        m("", "join", &[Value::list(vec![Value::Int(1)])]),
        "!TypeError: sequence item 0: expected str instance, int found"
    );
    assert_eq!(m("abc", "replace", &[v(""), v("-")]), "'-a-b-c-'");
    assert_eq!(
        m("aaa", "replace", &[v("a"), v("b"), Value::Int(2)]),
        "'bba'"
    );
    assert_eq!(
        m("abc", "replace", &[v("a")]),
        "!TypeError: replace() takes at least 2 arguments (1 given)"
    );
    assert_eq!(
        m("a", "zfill", &[]),
        "!TypeError: zfill() takes exactly one argument (0 given)"
    );
    assert_eq!(m("prefix-x", "removeprefix", &[v("prefix-")]), "'x'");
    assert_eq!(m("x.txt", "removesuffix", &[v(".txt")]), "'x'");
    assert_eq!(
        m("{} and {name}", "format", &[Value::Int(1)]),
        "!KeyError: 'name'"
    );
    assert_eq!(
        m("a", "upper", &[Value::Int(1)]),
        "!TypeError: upper() takes no arguments (1 given)"
    );
}

/// The receiver itself when nothing changes (no new string), a new string otherwise; the
/// results are Python's either way.
#[test]
fn unchanged_results_share_the_receiver() {
    let same = |s: &str, name: &str, pos: &[Value]| {
        let rc = Rc::new(s.to_string());
        match call(&rc, name, Args::positional(pos)) {
            Ok(Value::Str(out)) => (Rc::ptr_eq(&rc, &out), out.to_string()),
            other => panic!("{name}: {:?}", other.map(|v| repr(&v))),
        }
    };
    assert_eq!(same("word", "strip", &[]), (true, "word".into()));
    assert_eq!(same(" word ", "strip", &[]), (false, "word".into()));
    assert_eq!(same("word,", "strip", &[v(",.")]), (false, "word".into()));
    assert_eq!(same("word", "strip", &[v(",.")]), (true, "word".into()));
    assert_eq!(
        same("\u{2003}wörd\u{2003}", "lstrip", &[]),
        (false, "wörd\u{2003}".into())
    );
    assert_eq!(same("x\u{2003}", "rstrip", &[]), (false, "x".into()));
    assert_eq!(same("lower", "lower", &[]), (true, "lower".into()));
    assert_eq!(same("Lower", "lower", &[]), (false, "lower".into()));
    assert_eq!(same("UPPER1", "upper", &[]), (true, "UPPER1".into()));
    assert_eq!(same("straße", "upper", &[]), (false, "STRASSE".into()));
    assert_eq!(same("ÄÖ", "lower", &[]), (false, "äö".into()));
    assert_eq!(same("äö", "lower", &[]), (true, "äö".into()));
}

#[test]
fn whitespace_split_handles_unicode_spaces_and_limits() {
    let k = |s: &str, name: &str, pos: &[Value]| m(s, name, pos);
    assert_eq!(k("a\u{2003}b\u{85}c", "split", &[]), "['a', 'b', 'c']");
    assert_eq!(k("a\u{2003}b\u{85}c", "rsplit", &[]), "['a', 'b', 'c']");
    assert_eq!(
        k(
            "\u{2003}é b\u{2003}c\u{2003}",
            "rsplit",
            &[Value::None, Value::Int(1)]
        ),
        "['\\u2003é b', 'c']"
    );
    assert_eq!(
        k(" a  b c ", "split", &[Value::None, Value::Int(0)]),
        "['a  b c ']"
    );
    assert_eq!(
        k(" a  b c ", "rsplit", &[Value::None, Value::Int(0)]),
        "[' a  b c']"
    );
    assert_eq!(k(" \t ", "rsplit", &[]), "[]");
    assert_eq!(k("ab", "rsplit", &[]), "['ab']");
}
