//! Tests of the regular-expression translation and matching.

use super::*;

fn tr(p: &str) -> String {
    translate_pattern(p, false).unwrap_or_else(|e| format!("ERR {e}"))
}

fn strs(v: &Value) -> Vec<String> {
    let Value::List(l) = v else {
        return vec!["<not a list>".into()];
    };
    l.borrow()
        .iter()
        .map(|x| match x {
            Value::Str(s) => s.to_string(),
            Value::None => "None".into(),
            Value::Tuple(t) => format!(
                "({})",
                t.iter()
                    .map(|y| y.as_str().unwrap_or("None").to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            _ => "?".into(),
        })
        .collect()
}

fn t(p: &str) -> (Rc<String>, i64) {
    (Rc::new(p.to_string()), 0)
}

fn s(x: &str) -> Value {
    Value::str(x)
}

#[test]
fn translates_python_syntax() {
    assert_eq!(tr(r"\d+\Z"), r"\d+\z");
    assert_eq!(tr(r"a{2}b{1,3}c{2,}d{,4}"), r"a{2}b{1,3}c{2,}d{0,4}");
    assert_eq!(tr(r"{x}"), r"\{x\}");
    assert_eq!(tr(r"[[a]"), r"[\[a]");
    assert_eq!(tr(r"[]a]"), r"[\]a]");
    assert_eq!(tr(r"[^]a]"), r"[^\]a]");
    assert_eq!(tr(r"[a&&b~~c]"), r"[a\x{26}\x{26}b\x{7E}\x{7E}c]");
    assert_eq!(tr(r"a(?#note)b"), "ab");
    assert_eq!(tr(r"(?P<year>\d{4})"), r"(?P<year>\d{4})");
    assert_eq!(tr(r"\0\012"), r"\x{0}\x{A}");
    assert_eq!(tr(r"\ \#\<"), r"\x{20}\x{23}\x{3C}");
    assert_eq!(tr(r"\u00e9\x41"), "éA");
    assert_eq!(tr(r"[\b]"), r"[\x08]");
    assert!(tr(r"(a)\1").contains("backreferences"));
    assert!(tr(r"(?P<a>x)(?P=a)").contains("backreferences"));
    assert!(tr(r"a(?=b)").contains("look-around"));
    assert!(tr(r"(?<!a)b").contains("look-around"));
    assert!(tr(r"\q").contains("bad escape \\q"));
    assert!(tr(r"abc\").contains("end of pattern"));
    assert!(tr(r"[abc").contains("unterminated"));
    assert_eq!(
        translate_pattern(r"\w+\s[\d]", true).unwrap_or_default(),
        r"[0-9A-Za-z_]+[\t\n\x0B\x0C\r ][0-9]"
    );
}

#[test]
fn translated_patterns_compile_and_escape_round_trips() {
    for p in [
        r"\d+\Z",
        r"{x}",
        r"[[a]",
        r"[]a]",
        r"[a&&b~~c]",
        r"\ \#\<",
        r"[\b]",
        r"a{,4}",
        r"[+--]",
    ] {
        let src = regex_source(p, 0, None);
        assert!(
            src.as_ref().is_ok_and(|s| regex::Regex::new(s).is_ok()),
            "{p} → {src:?}"
        );
    }
    let text = "a.b*c d-e#f&~(x)[y]{z}^$|?+\\";
    let escaped = escape(text);
    assert_eq!(escape("a.b*c d-e#f&~"), r"a\.b\*c\ d\-e\#f\&\~");
    let m = find(Mode::Full, t(&escaped), &s(text));
    assert!(
        matches!(m, Ok(Value::Struct(_))),
        "escape must produce a pattern matching the text"
    );
    let v = find(Mode::Full, (Rc::new(escaped), VERBOSE), &s(text));
    assert!(
        matches!(v, Ok(Value::Struct(_))),
        "escaped text works in verbose mode too"
    );
}

#[test]
fn translates_replacements() {
    let r = |x: &str| {
        translate_repl(x)
            .map(|(s, _)| s)
            .unwrap_or_else(|e| format!("ERR {e}"))
    };
    assert_eq!(r(r"\2 \1"), "${2} ${1}");
    assert_eq!(r(r"\g<1>0\g<name>"), "${1}0${name}");
    assert_eq!(r(r"cost: $5\n"), "cost: $$5\n");
    assert_eq!(r(r"a\\b"), "a\\b");
    assert_eq!(r(r"\12"), "${12}");
    assert_eq!(r(r"\0"), "\0");
    assert_eq!(r(r"\."), r"\.");
    assert!(r(r"\q").starts_with("ERR bad escape"));
    assert!(r(r"\g<1").starts_with("ERR"));
    let refs = translate_repl(r"\1\g<x>")
        .map(|(_, r)| r)
        .unwrap_or_default();
    assert_eq!(refs, vec![GroupRef::Index(1), GroupRef::Name("x".into())]);
}

#[test]
fn findall_split_and_sub_like_python() {
    let ok = |r: Result<Value, Exc>| r.unwrap_or(Value::None);
    assert_eq!(strs(&ok(findall_in(t("x*"), &s("axb")))), ["", "x", "", ""]);
    assert_eq!(
        strs(&ok(findall_in(t(r"(\w)(\d)?"), &s("a1 b")))),
        ["(a,1)", "(b,)"]
    );
    assert_eq!(strs(&ok(findall_in(t(r"(\w+)@"), &s("x@ y@")))), ["x", "y"]);
    assert_eq!(
        strs(&ok(split_in(t(r"\b"), &s("a b"), None))),
        ["", "a", " ", "b", ""]
    );
    assert_eq!(
        strs(&ok(split_in(t(r"(,)"), &s("a,b,c"), Some(&Value::Int(1))))),
        ["a", ",", "b,c"]
    );
    assert_eq!(
        strs(&ok(split_in(t(r"\s+"), &s(" a b  c "), None))),
        ["", "a", "b", "c", ""]
    );
    let sub = |p: &str, r: &str, x: &str| {
        sub_in(None, t(p), &s(r), &s(x), None)
            .map(|(o, _)| o)
            .unwrap_or_else(|e| format!("ERR {e}"))
    };
    assert_eq!(sub("x*", "-", "abxd"), "-a-b--d-");
    assert_eq!(sub(r"(\w+) (\w+)", r"\2 \1", "hello world"), "world hello");
    assert_eq!(sub(r"a|(b)", r"[\1]", "ab"), "[][b]");
    assert_eq!(sub(r"(?P<n>\d)", r"<\g<n>>$", "a1b2"), "a<1>$b<2>$");
    assert!(sub(r"(a)", r"\2", "a").contains("invalid group reference 2"));
    assert!(sub(r"(a)", r"\g<zz>", "a").contains("unknown group name 'zz'"));
    let counted = sub_in(None, t("a"), &s("b"), &s("aaa"), Some(&Value::Int(2))).ok();
    assert_eq!(counted, Some(("bba".to_string(), 2)));
}

#[test]
fn match_values_carry_code_point_offsets() {
    let m = find(Mode::Search, t(r"(?P<k>\w+)=(?P<v>\d+)?"), &s("é k=")).unwrap_or(Value::None);
    let Value::Struct(inst) = &m else {
        panic!("no match")
    };
    let f = inst.fields.borrow();
    assert_eq!(f[0].as_str(), Some("k="));
    let regs = matchobj_regs(&f[2]);
    assert_eq!(regs, vec![(2, 4), (2, 3), (-1, -1)]);
    assert!(matches!(
        find(Mode::Match, t("b"), &s("ab")),
        Ok(Value::None)
    ));
    assert!(matches!(
        find(Mode::Match, t("a"), &s("ab")),
        Ok(Value::Struct(_))
    ));
    assert!(matches!(
        find(Mode::Full, t("a|ab"), &s("ab")),
        Ok(Value::Struct(_))
    ));
    assert!(matches!(
        find(Mode::Full, t("a"), &s("ab")),
        Ok(Value::None)
    ));
    assert!(matches!(
        find(
            Mode::Search,
            (Rc::new(r"^b".to_string()), MULTILINE),
            &s("a\nb")
        ),
        Ok(Value::Struct(_))
    ));
    assert!(matches!(
        find(
            Mode::Search,
            (Rc::new("A".to_string()), IGNORECASE),
            &s("a")
        ),
        Ok(Value::Struct(_))
    ));
    assert!(matches!(
        find(
            Mode::Match,
            (Rc::new("a # letter".to_string()), VERBOSE),
            &s("a")
        ),
        Ok(Value::Struct(_))
    ));
    assert!(find(Mode::Search, t("(a"), &s("a")).is_err());
    assert!(find(Mode::Search, t("a"), &Value::Int(1)).is_err());
    assert!(find(Mode::Search, (Rc::new("a".to_string()), 1 << 20), &s("a")).is_err());
}

fn matchobj_regs(v: &Value) -> Vec<(i64, i64)> {
    let Value::Tuple(t) = v else { return vec![] };
    t.iter()
        .map(|p| match p {
            Value::Tuple(p) => match (&p[0], &p[1]) {
                (Value::Int(a), Value::Int(b)) => (*a, *b),
                _ => (0, 0),
            },
            _ => (0, 0),
        })
        .collect()
}

#[test]
fn char_slices() {
    assert_eq!(matchobj::char_slice("héllo", 1, 3), "él");
    assert_eq!(matchobj::char_slice("hello", 1, 3), "el");
    assert_eq!(matchobj::char_slice("hi", 5, 9), "");
}

#[test]
fn char_slices_of_mixed_text() {
    assert_eq!(matchobj::char_slice("ab é", 0, 2), "ab");
    assert_eq!(matchobj::char_slice("ab é", 3, 4), "é");
    assert_eq!(matchobj::char_slice("éab", 1, 3), "ab");
}

#[test]
fn recent_patterns_are_found_by_identity_with_their_flags_and_mode() {
    let p = Rc::new("a+".to_string());
    let (a, b) = (
        compile(&p, 0, Mode::Search).map_err(|e| e.message),
        compile(&p, 0, Mode::Search).map_err(|e| e.message),
    );
    let (a, b) = (
        a.unwrap_or_else(|e| panic!("{e}")),
        b.unwrap_or_else(|e| panic!("{e}")),
    );
    assert!(Rc::ptr_eq(&a, &b));
    let ci = compile(&p, IGNORECASE, Mode::Search).unwrap_or_else(|e| panic!("{}", e.message));
    assert!(ci.re.is_match("AA") && !a.re.is_match("AA"));
    let at_start = compile(&p, 0, Mode::Match).unwrap_or_else(|e| panic!("{}", e.message));
    assert!(a.re.is_match("ba") && !at_start.re.is_match("ba"));
    // The same text in another string is the same pattern.
    let q = Rc::new("a+".to_string());
    let c = compile(&q, 0, Mode::Search).unwrap_or_else(|e| panic!("{}", e.message));
    assert!(c.re.is_match("a") && !c.re.is_match("b"));
}

/// The matched text and the group offsets of a match (`None` for no match).
fn match_parts(m: &Value) -> Option<(String, Vec<(i64, i64)>)> {
    let Value::Struct(inst) = m else { return None };
    let f = inst.fields.borrow();
    Some((
        f[0].as_str().unwrap_or("?").to_string(),
        matchobj_regs(&f[2]),
    ))
}

#[test]
fn ascii_text_takes_the_ascii_automaton_with_the_same_matches() {
    // (pattern, flags, ASCII text): each is searched in both automata and must agree.
    let cases: &[(&str, i64, &str)] = &[
        (
            r#"^(\d+\.\d+\.\d+\.\d+) \S+ \S+ \[([^\]]+)\] "(\w+) (\S+) [^"]*" (\d{3}) (\d+)"#,
            0,
            r#"10.1.2.3 - - [07/Dec/2026:10:00:01 +0000] "GET /api HTTP/1.1" 200 512 3ms"#,
        ),
        (r"rid=(\d+)", 0, "x rid=00042 y"),
        (r"(?P<k>\w+)=(?P<v>\d+)?", 0, "  key= 7"),
        (r"\bfoo\b", 0, "a foo_bar foo."),
        (r"K(s)", IGNORECASE, "xx ks"),
        (r"a.c", 0, "a\nc abc"),
        (r"a.c", DOTALL, "a\nc"),
        (r"^b$", MULTILINE, "a\nb\nc"),
        (r"\s+(\S)", 0, "a \t\x0b\x0cb"),
        (r"(x)?(y)", 0, "y"),
        (r"\d+", ASCII, "ab 12"),
    ];
    for &(p, flags, text) in cases {
        let c = compile(&Rc::new(p.to_string()), flags, Mode::Search)
            .unwrap_or_else(|e| panic!("{p}: {}", e.message));
        assert!(c.ascii().is_some(), "{p}: no ASCII automaton");
        let got = find(Mode::Search, (Rc::new(p.to_string()), flags), &s(text))
            .unwrap_or_else(|e| panic!("{p}: {}", e.message));
        let want = c.re.captures(text).map(|caps| {
            let regs = (0..caps.len())
                .map(|i| {
                    caps.get(i)
                        .map_or((-1, -1), |m| (m.start() as i64, m.end() as i64))
                })
                .collect::<Vec<_>>();
            (caps[0].to_string(), regs)
        });
        assert_eq!(match_parts(&got), want, "{p} on {text:?}");
    }
    // A character beyond ASCII in the pattern: no ASCII automaton; ASCII text is searched
    // with the Unicode one.
    for (p, text, want) in [
        (r"[^\xa0]+", "\u{a0}ab", (1, 3)),
        (r"[^\xa0]+", "ab", (0, 2)),
    ] {
        let c = compile(&Rc::new(p.to_string()), 0, Mode::Search)
            .unwrap_or_else(|e| panic!("{}", e.message));
        assert!(c.ascii().is_none(), "{p}");
        let m = find(Mode::Search, t(p), &s(text)).unwrap_or(Value::None);
        assert_eq!(match_parts(&m), Some(("ab".to_string(), vec![want])), "{p}");
    }
    // Non-ASCII text goes through the Unicode automaton: `\d` and `\w` take Unicode digits
    // and letters there.
    let m = find(Mode::Search, t(r"(\w+) (\d+)"), &s("né ٣4")).unwrap_or(Value::None);
    assert_eq!(
        match_parts(&m),
        Some(("né ٣4".to_string(), vec![(0, 5), (0, 2), (3, 5)]))
    );
}
