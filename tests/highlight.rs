//! The TextMate grammar of the VS Code extension (`editors/vscode/syntaxes/dana.tmLanguage.json`)
//! against semantic highlighting (`dana::highlight::semantic_tokens`), over every conformance
//! case: both must agree, byte by byte, on what is a keyword, a string, a comment, a number and
//! a decorator.
//!
//! The grammar's single source is the JSON file VS Code loads. The TextMate engine here is
//! syntect, which reads Sublime's `.sublime-syntax` format, so [`to_sublime`] converts the JSON
//! grammar: a `match` rule stays a match (capture 0 becomes the match's scope); a
//! `begin`/`end` rule becomes a match of `begin` pushing an anonymous context whose
//! `meta_scope` is the rule's `name`, whose `meta_content_scope` is its `contentName`, and
//! whose first pattern pops on `end` (TextMate tries `end` before the rule's own patterns, and
//! so does this: the first pattern wins a tie); `patterns` follow; `include: "#x"` is
//! `include: x`; a repository entry is a context. The converted definition is written as
//! JSON, which is YAML too (with capture numbers as integer keys, as syntect wants).
//!
//! A byte's category, on the TextMate side, is the innermost scope of its stack that has one
//! ([`category_of_scope`]); whitespace is not compared. The one allowed difference: after an
//! *unterminated string*, the lexer ends the string at the end of its line and goes on, while
//! a TextMate string (which may span lines in Dana) runs to the end of the file, so the rest
//! of such a file is not compared ([`unterminated_string`]).
//!
//! Known divergences that no case exercises today, so they are not allowed (a case that shows
//! one fails this test, and then belongs in the list above):
//! - `del`, `global` and `nonlocal` are soft keywords: the grammar recognises them at the start
//!   of a line outside brackets, semantic highlighting at the start of any line;
//! - a decorator name with more than two dots: the grammar's rule takes three names.

use dana::highlight::{semantic_tokens, TokenKind};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use syntect::parsing::{ParseState, ScopeStack, SyntaxDefinition, SyntaxSet, SyntaxSetBuilder};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cat {
    Keyword,
    Str,
    Comment,
    Number,
    Decorator,
    Other,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// One TextMate rule → the Sublime patterns it becomes (a bare `patterns` group is inlined).
fn rule(r: &Value) -> Vec<Value> {
    let o = r.as_object().expect("a rule is an object");
    if let Some(inc) = o.get("include").and_then(Value::as_str) {
        let name = inc
            .strip_prefix('#')
            .expect("only repository includes are used");
        return vec![json!({ "include": name })];
    }
    let scope = |m: Option<&Value>| m.and_then(|v| v.as_str()).map(str::to_string);
    let captures = |c: Option<&Value>, whole: &mut Option<String>| -> Map<String, Value> {
        let mut out = Map::new();
        for (k, v) in c.and_then(Value::as_object).into_iter().flatten() {
            let name = v["name"]
                .as_str()
                .expect("a capture has a name")
                .to_string();
            if k == "0" {
                *whole = Some(name);
            } else {
                out.insert(k.clone(), Value::String(name));
            }
        }
        out
    };
    if let Some(m) = o.get("match") {
        let mut whole = scope(o.get("name"));
        let caps = captures(o.get("captures"), &mut whole);
        let mut p = Map::new();
        p.insert("match".into(), m.clone());
        if let Some(s) = whole {
            p.insert("scope".into(), s.into());
        }
        if !caps.is_empty() {
            p.insert("captures".into(), caps.into());
        }
        return vec![Value::Object(p)];
    }
    if let Some(begin) = o.get("begin") {
        let end = o.get("end").expect("begin without end");
        let mut context = Vec::new();
        if let Some(n) = scope(o.get("name")) {
            context.push(json!({ "meta_scope": n }));
        }
        if let Some(n) = scope(o.get("contentName")) {
            context.push(json!({ "meta_content_scope": n }));
        }
        let shared = o.get("captures");
        let mut end_whole = None;
        let mut end_caps = captures(o.get("endCaptures").or(shared), &mut end_whole);
        let mut pop = Map::new();
        pop.insert("match".into(), end.clone());
        pop.insert("pop".into(), true.into());
        if let Some(s) = end_whole {
            pop.insert("scope".into(), s.into());
        }
        if !end_caps.is_empty() {
            pop.insert("captures".into(), std::mem::take(&mut end_caps).into());
        }
        context.push(Value::Object(pop));
        for p in o
            .get("patterns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            context.extend(rule(p));
        }
        let mut begin_whole = None;
        let begin_caps = captures(o.get("beginCaptures").or(shared), &mut begin_whole);
        let mut push = Map::new();
        push.insert("match".into(), begin.clone());
        if let Some(s) = begin_whole {
            push.insert("scope".into(), s.into());
        }
        if !begin_caps.is_empty() {
            push.insert("captures".into(), begin_caps.into());
        }
        push.insert("push".into(), Value::Array(context));
        return vec![Value::Object(push)];
    }
    let pats = o
        .get("patterns")
        .and_then(Value::as_array)
        .expect("a rule matches, begins, includes or groups");
    pats.iter().flat_map(rule).collect()
}

/// The JSON grammar as a Sublime syntax definition (see the file's header).
fn to_sublime(grammar: &Value) -> String {
    let mut contexts = Map::new();
    let top: Vec<Value> = grammar["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(rule)
        .collect();
    contexts.insert("main".into(), top.into());
    for (name, r) in grammar["repository"].as_object().unwrap() {
        contexts.insert(name.clone(), rule(r).into());
    }
    let def = json!({
        "name": grammar["name"],
        "scope": grammar["scopeName"],
        "file_extensions": grammar["fileTypes"],
        "contexts": contexts,
    });
    // Capture numbers must be integer keys: `"1":` → `1:` (YAML flow mapping).
    let text = serde_json::to_string_pretty(&def).unwrap();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let t = line.trim_start();
        match t.strip_prefix('"').and_then(|r| r.split_once("\":")) {
            Some((k, rest)) if !k.is_empty() && k.bytes().all(|c| c.is_ascii_digit()) => {
                out.push_str(&line[..line.len() - t.len()]);
                out.push_str(k);
                out.push(':');
                out.push_str(rest);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn grammar() -> Value {
    let path = root().join("editors/vscode/syntaxes/dana.tmLanguage.json");
    let text = std::fs::read_to_string(&path).expect("the grammar");
    serde_json::from_str(&text).expect("the grammar is JSON")
}

fn syntax_set_from(grammar: &Value) -> SyntaxSet {
    let def = SyntaxDefinition::load_from_str(&to_sublime(grammar), true, None)
        .expect("the converted grammar loads");
    let mut b = SyntaxSetBuilder::new();
    b.add(def);
    b.build()
}

fn syntax_set() -> SyntaxSet {
    syntax_set_from(&grammar())
}

/// The category a scope gives (innermost first); `None`: look further out.
fn category_of_scope(s: &str) -> Option<Cat> {
    let has = |p: &str| s.starts_with(p);
    Some(if has("comment") {
        Cat::Comment
    } else if has("storage.type.string") || has("string") || has("constant.character") {
        Cat::Str
    } else if has("keyword.operator.word") {
        Cat::Keyword
    } else if has("keyword.operator") {
        Cat::Other
    } else if has("keyword") || has("storage") || has("constant.language") {
        Cat::Keyword
    } else if has("constant.numeric") {
        Cat::Number
    } else if has("entity.name.function.decorator") || has("punctuation.definition.decorator") {
        Cat::Decorator
    } else if has("meta.embedded") || has("source.") {
        Cat::Other
    } else {
        return None;
    })
}

fn category_of_stack(stack: &ScopeStack) -> Cat {
    stack
        .as_slice()
        .iter()
        .rev()
        .find_map(|s| category_of_scope(&s.build_string()))
        .unwrap_or(Cat::Other)
}

/// The TextMate category of every byte of `src`.
fn textmate_categories(ss: &SyntaxSet, src: &str) -> Vec<Cat> {
    let syntax = ss.find_syntax_by_name("Dana").expect("the Dana syntax");
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Vec::with_capacity(src.len());
    for line in src.split_inclusive('\n') {
        let ops = state.parse_line(line, ss).expect("syntect parses the line");
        let mut last = 0;
        for (i, op) in ops {
            let c = category_of_stack(&stack);
            out.extend(std::iter::repeat_n(c, i - last));
            stack.apply(&op).expect("a valid scope operation");
            last = i;
        }
        let c = category_of_stack(&stack);
        out.extend(std::iter::repeat_n(c, line.len() - last));
    }
    out
}

/// The semantic category of every byte of `src`.
fn semantic_categories(src: &str) -> Vec<Cat> {
    // Line starts, with LSP's line breaks (\n, \r\n, \r).
    let b = src.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
        i += 1;
    }
    let mut out = vec![Cat::Other; src.len()];
    for t in semantic_tokens(src) {
        let line_start = starts[t.line as usize];
        // UTF-16 columns → bytes.
        let (mut col, mut at) = (0u32, line_start);
        let byte_at = |target: u32, col: &mut u32, at: &mut usize| {
            while *col < target {
                let ch = src[*at..].chars().next().unwrap();
                *col += ch.len_utf16() as u32;
                *at += ch.len_utf8();
            }
            *at
        };
        let s = byte_at(t.start, &mut col, &mut at);
        let e = byte_at(t.start + t.length, &mut col, &mut at);
        let c = match t.kind {
            TokenKind::Keyword => Cat::Keyword,
            TokenKind::String => Cat::Str,
            TokenKind::Comment => Cat::Comment,
            TokenKind::Number => Cat::Number,
            TokenKind::Decorator => Cat::Decorator,
            _ => Cat::Other,
        };
        out[s..e].fill(c);
    }
    out
}

/// Where the lexer recovered from an unterminated string, if it did (the first such offset).
fn unterminated_string(src: &str) -> Option<usize> {
    dana::grammar::tokens::lexemes(src)
        .into_iter()
        .filter(|l| l.kind == dana::grammar::tokens::LexKind::Str)
        .find(|l| {
            let text = &src[l.start as usize..l.end as usize];
            let b = text
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .as_bytes();
            let q = b[0];
            let qlen = if b.len() >= 6 && b[1] == q && b[2] == q {
                3
            } else {
                1
            };
            let mut i = qlen;
            while i < b.len() {
                if b[i] == b'\\' {
                    i += 2;
                } else if b[i..].len() >= qlen && b[i..i + qlen].iter().all(|&c| c == q) {
                    return i + qlen != b.len();
                } else {
                    i += 1;
                }
            }
            true
        })
        .map(|l| l.start as usize)
}

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            cases(&p, out);
        } else if p.extension().is_some_and(|x| x == "na") {
            out.push(p);
        }
    }
}

/// The differences between the two highlightings of `src`, as readable lines.
fn differences(ss: &SyntaxSet, src: &str) -> Vec<String> {
    let tm = textmate_categories(ss, src);
    let sem = semantic_categories(src);
    assert_eq!(tm.len(), sem.len());
    let stop = unterminated_string(src).unwrap_or(src.len());
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < stop {
        if b[i].is_ascii_whitespace() || tm[i] == sem[i] || !src.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let line = src[..i].matches('\n').count() + 1;
        let ls = src[..i].rfind('\n').map_or(0, |p| p + 1);
        let le = src[i..].find('\n').map_or(src.len(), |p| i + p);
        out.push(format!(
            "line {line} col {}: TextMate {:?}, semantic {:?}: {}",
            i - ls + 1,
            tm[i],
            sem[i],
            &src[ls..le]
        ));
        i = le;
    }
    out
}

#[test]
fn textmate_grammar_agrees_with_semantic_tokens_on_every_conformance_case() {
    let ss = syntax_set();
    let mut files = Vec::new();
    cases(&root().join("tests/conformance"), &mut files);
    assert!(files.len() > 200, "found {} cases", files.len());
    cases(&root().join("examples"), &mut files);
    files.sort();
    let mut report = String::new();
    let mut bad = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        let diffs = differences(&ss, &src);
        if !diffs.is_empty() {
            bad += 1;
            report.push_str(&format!("{}:\n", f.strip_prefix(root()).unwrap().display()));
            for d in diffs.iter().take(5) {
                report.push_str(&format!("  {d}\n"));
            }
        }
    }
    assert!(bad == 0, "{bad} of {} files differ:\n{report}", files.len());
}

/// The comparison itself can fail: a grammar that lost a keyword, or that calls a name a
/// number, is caught.
#[test]
fn a_difference_is_reported() {
    let src = "x = 1  # c\nwhile x:\n    print(f\"{x!r:>4}\", 'a\\'b', 0x1F, 2.5e-3, d2)\n";
    assert_eq!(differences(&syntax_set(), src), Vec::<String>::new());
    let mut g = grammar();
    let kw = &mut g["repository"]["keyword"]["patterns"][0]["match"];
    *kw = Value::String(kw.as_str().unwrap().replace("|while", ""));
    let diffs = differences(&syntax_set_from(&g), src);
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert!(
        diffs[0].starts_with("line 2 col 1: TextMate Other, semantic Keyword"),
        "{diffs:?}"
    );
    let mut g = grammar();
    g["repository"]["number"]["match"] = Value::String("[0-9]+|d".into());
    let diffs = differences(&syntax_set_from(&g), src);
    assert!(
        diffs
            .iter()
            .any(|d| d.starts_with("line 3") && d.contains("semantic Number")),
        "{diffs:?}"
    );
}

/// The scopes the grammar gives the main kinds of tokens.
#[test]
fn grammar_scopes_each_kind() {
    let ss = syntax_set();
    let src = "@poet(domain=\"x\")\ndef f(a: int = 0x10) -> str:  # doc\n    return f\"{a + 1}\" if not a else None\n";
    let tm = textmate_categories(&ss, src);
    let at = |needle: &str| tm[src.find(needle).unwrap()];
    assert_eq!(at("@poet"), Cat::Decorator);
    assert_eq!(at("poet"), Cat::Decorator);
    assert_eq!(at("\"x\""), Cat::Str);
    assert_eq!(at("def"), Cat::Keyword);
    assert_eq!(at("0x10"), Cat::Number);
    assert_eq!(at("# doc"), Cat::Comment);
    assert_eq!(at("return"), Cat::Keyword);
    assert_eq!(at("f\"{"), Cat::Str);
    assert_eq!(at("a + 1"), Cat::Other, "a field's expression is code");
    assert_eq!(at("1}"), Cat::Number);
    assert_eq!(at("not"), Cat::Keyword);
    assert_eq!(at("None"), Cat::Keyword);
    assert_eq!(at("+ 1"), Cat::Other);
}
