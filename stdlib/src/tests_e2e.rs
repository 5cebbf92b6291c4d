//! End-to-end tests of the modules through the evaluator (`import`, attribute calls, struct
//! methods on Match/Pattern values).

use dana_interpreter::eval::{Interp, Output};

fn run(src: &str) -> String {
    let mut it = Interp::new();
    crate::install(&mut it);
    it.set_output(Output::Capture(String::new()));
    let g = it.new_globals("__main__", None);
    match it.run_source("<test>", src, &g) {
        Ok(()) => it.take_output(),
        Err(e) => format!("{}: {}", e.kind, e.message),
    }
}

/// `import <module>` then `print(<expr>)`.
fn show(module: &str, expr: &str) -> String {
    run(&format!("import {module}\nprint({expr})\n"))
        .trim_end_matches('\n')
        .to_string()
}

#[test]
fn math_module() {
    assert_eq!(
        show(
            "math",
            "math.pi, math.sqrt(16), math.floor(-2.5), math.ceil(2.1), math.trunc(-2.7)"
        ),
        "3.141592653589793 4.0 -3 3 -2"
    );
    assert_eq!(show("math", "math.factorial(25), math.gcd(12, 18), math.lcm(4, 6), math.comb(10, 3), math.perm(5, 2)"), "15511210043330985984000000 6 12 120 20");
    assert_eq!(
        show(
            "math",
            "math.log(8, 2), math.log10(1000), math.log2(1024), math.exp(0)"
        ),
        "3.0 3.0 10.0 1.0"
    );
    assert_eq!(show("math", "math.isclose(0.1 + 0.2, 0.3), math.fsum([0.1] * 10), math.hypot(3, 4), math.prod([2, 3, 4])"), "True 1.0 5.0 24");
    assert_eq!(
        show(
            "math",
            "math.floor(1e20), math.isqrt(10 ** 20), math.isinf(math.inf), math.isnan(math.nan)"
        ),
        "100000000000000000000 10000000000 True True"
    );
    assert_eq!(
        show("math", "math.sqrt(-1)"),
        "ValueError: math domain error"
    );
    assert_eq!(
        show("math", "math.exp(1000)"),
        "OverflowError: math range error"
    );
    assert_eq!(
        show("math", "math.sqrt('x')"),
        "TypeError: must be real number, not str"
    );
    assert_eq!(
        show("math", "math.factorial(-1)"),
        "ValueError: factorial() not defined for negative values"
    );
    assert_eq!(
        show("math", "math.floor(math.nan)"),
        "ValueError: cannot convert float NaN to integer"
    );
}

#[test]
fn json_module() {
    assert_eq!(
        show(
            "json",
            "json.dumps({'a': [1, 2.5, None, True], 'b': 'é', 3: (1,)})"
        ),
        r#"{"a": [1, 2.5, null, true], "b": "\u00e9", "3": [1]}"#
    );
    assert_eq!(
        show(
            "json",
            "json.dumps({'b': 1, 'a': [1]}, indent=2, sort_keys=True)"
        ),
        "{\n  \"a\": [\n    1\n  ],\n  \"b\": 1\n}"
    );
    assert_eq!(
        show(
            "json",
            "json.dumps('é', ensure_ascii=False), json.dumps([1, 2], separators=(',', ':'))"
        ),
        "\"é\" [1,2]"
    );
    assert_eq!(
        show("json", "json.dumps({1, 2}, default=lambda s :: sorted(s))"),
        "[1, 2]"
    );
    assert_eq!(
        show("json", "json.dumps({1})"),
        "TypeError: Object of type set is not JSON serializable"
    );
    assert_eq!(
        run("import json\nstruct P:\n    x: int\n    y: list\nprint(json.dumps(P(x=1, y=[2])))\n"),
        "{\"x\": 1, \"y\": [2]}\n"
    );
    assert_eq!(
        show(
            "json",
            "json.loads('{\"x\": [1, {\"y\": null}], \"z\": 1.5e3}')"
        ),
        "{'x': [1, {'y': None}], 'z': 1500.0}"
    );
    assert_eq!(
        show("json", "json.loads('[1,')"),
        "ValueError: Expecting value: line 1 column 4 (char 3)"
    );
    assert_eq!(
        show("json", "json.loads(5)"),
        "TypeError: the JSON object must be str, not int"
    );
    let v = show("json", "json.loads(json.dumps({'a': [1, 'two', 3.5, None, False]})) == {'a': [1, 'two', 3.5, None, False]}");
    assert_eq!(v, "True");
}

#[test]
fn time_module() {
    let out = show(
        "time",
        "time.time() > 1e9, type(time.time_ms()), time.monotonic() <= time.monotonic()",
    );
    assert_eq!(out, "True int True");
    let out = run("import time\nt = time.perf_counter()\ntime.sleep(0.01)\nprint(time.perf_counter() - t >= 0.01)\n");
    assert_eq!(out, "True\n");
    assert_eq!(
        show("time", "time.sleep(-1)"),
        "ValueError: sleep length must be non-negative"
    );
}

#[test]
fn random_module() {
    let src = "import random\nrandom.seed(42)\na = [random.randint(1, 6) for i in range(20)]\nrandom.seed(42)\nb = [random.randint(1, 6) for i in range(20)]\nprint(a == b, min(a) >= 1, max(a) <= 6)\n";
    assert_eq!(run(src), "True True True\n");
    let src = "import random\nrandom.seed('x')\nxs = list(range(20))\nrandom.shuffle(xs)\nprint(sorted(xs) == list(range(20)), len(random.sample(xs, 5)), len(set(random.sample(xs, 20))))\n";
    assert_eq!(run(src), "True 5 20\n");
    assert_eq!(show("random", "random.choice([7]), random.choice('a'), random.randrange(3, 4), 0 <= random.random() < 1"), "7 a 3 True");
    assert_eq!(show("random", "len(random.choices([1, 2], weights=[0, 1], k=4)), random.choices([1, 2], weights=[0, 1], k=2)"), "4 [2, 2]");
    assert_eq!(
        show("random", "random.choice([])"),
        "IndexError: Cannot choose from an empty sequence"
    );
    assert_eq!(
        show("random", "random.randint(5, 1)"),
        "ValueError: empty range in randint(5, 1)"
    );
    assert_eq!(
        show("random", "random.sample([1], 2)"),
        "ValueError: Sample larger than population or is negative"
    );
}

#[test]
fn re_module() {
    let src = "import re\nm = re.search(r\"(\\w+)@(\\w+)\\.com\", \"mail bob@example.com now\")\nprint(m.group(), m.group(1), m.group(1, 2), m.groups(), m.span(), m.start(2), m.end())\n";
    assert_eq!(
        run(src),
        "bob@example.com bob ('bob', 'example') ('bob', 'example') (5, 20) 9 20\n"
    );
    assert_eq!(
        show(
            "re",
            "re.findall(r'\\d+', 'a1 b22'), re.findall(r'(\\w)=(\\d)', 'a=1 b=2')"
        ),
        "['1', '22'] [('a', '1'), ('b', '2')]"
    );
    assert_eq!(show("re", "re.sub(r'(\\w+) (\\w+)', r'\\2 \\1', 'hello world'), re.subn('a', 'b', 'aaa', count=2)"), "world hello ('bba', 2)");
    assert_eq!(
        show(
            "re",
            "re.sub(r'\\d', lambda m :: str(int(m.group()) * 2), 'a1b4')"
        ),
        "a2b8"
    );
    assert_eq!(
        show(
            "re",
            "re.split(r',\\s*', 'a, b,c'), re.split(r'(-)', 'a-b')"
        ),
        "['a', 'b', 'c'] ['a', '-', 'b']"
    );
    assert_eq!(
        show(
            "re",
            "re.match('b', 'abc'), re.fullmatch(r'\\d+', '123') != None, re.escape('a.b')"
        ),
        "None True a\\.b"
    );
    assert_eq!(show("re", "re.search('A', 'xa', re.I).span(), re.search('^b', 'a\\nb', flags=re.M | re.I) != None"), "(1, 2) True");
    let src = "import re\nm = re.match(r\"(?P<key>\\w+)=(?P<val>\\w+)?\", \"k=\")\nprint(m.group('key'), m.groupdict(), m.groups('-'), m.span('val'), type(m), m.match)\n";
    assert_eq!(
        run(src),
        "k {'key': 'k', 'val': None} ('k', '-') (-1, -1) Match k=\n"
    );
    let src = "import re\np = re.compile(r\"\\d+\")\nprint(p.findall('1 22'), p.sub('#', 'a1b2'), p.search('x9').group(), p.split('a1b'), p.pattern, re.findall(p, '7'))\n";
    assert_eq!(run(src), "['1', '22'] a#b# 9 ['a', 'b'] \\d+ ['7']\n");
    assert!(show("re", "re.search(r'(a)\\1', 'aa')")
        .starts_with("ValueError: invalid regular expression: backreferences"));
    assert_eq!(
        show("re", "re.search('(', 'a')"),
        "ValueError: invalid regular expression: unclosed group"
    );
    assert_eq!(
        show("re", "re.search('a', 5)"),
        "TypeError: expected string, got 'int'"
    );
    assert_eq!(
        show("re", "re.search('a', 'b').group()"),
        "AttributeError: 'NoneType' object has no attribute 'group'"
    );
}
