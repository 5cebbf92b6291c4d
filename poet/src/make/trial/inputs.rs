//! The trial's inputs (POET_SPEC §4): recorded calls first (the positional arguments the
//! function's recent executions were called with, as kept in `state.json`), then inputs
//! synthesised from each parameter's type, its name and the domain's input rules: numbers at
//! and around boundaries and the domain's ranges, strings shaped like what the name suggests
//! (an `email` looks like an address, a `date` like a date), a few-element lists and dicts,
//! structs from their field types, every member of a union.

use crate::function::ParamInfo;
use crate::make::domains::{self, DomainTemplate};
use dana_grammar::ast::ParamKind;
use dana_interpreter::value::coerce::{coerce, matches};
use dana_interpreter::value::repr::repr;
use dana_interpreter::value::{DictMap, Globals, Key, StructInstance, StructType, TypeAnn, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// At most this many trial inputs in all.
pub(crate) const MAX_INPUTS: usize = 12;
/// At most this many of them from recorded calls.
const MAX_RECORDED: usize = 6;
/// Samples kept per parameter.
const MAX_SAMPLES: usize = 10;

/// Strings by what a parameter's name suggests: the name fragments, then the samples.
const SHAPED_STRINGS: &[(&[&str], &[&str])] = &[
    (
        &["email", "mail"],
        &[
            "ada@example.com",
            "bob.smith+news@mail.example.org",
            "not-an-email",
        ],
    ),
    (
        &["url", "uri", "link", "endpoint", "href"],
        &[
            "https://example.com/path?q=1",
            "http://localhost:8080/",
            "/api/v1/items",
        ],
    ),
    (
        &["date", "day", "birth"],
        &["2024-03-15", "1999-12-31", "2024-02-29"],
    ),
    (
        &["time", "timestamp", "when"],
        &["2024-03-15T10:30:00Z", "12:45", "2024-03-15 08:00:00"],
    ),
    (
        &["json", "payload"],
        &["{\"a\": 1, \"b\": [1, 2]}", "[1, 2, 3]", "{}"],
    ),
    (&["csv", "row", "line"], &["a,b,c", "1,2,3\n4,5,6", "x"]),
    (
        &["path", "file", "dir", "folder"],
        &["data/input.txt", "/tmp/report.csv", "notes.md"],
    ),
    (&["method", "verb"], &["GET", "post", "DELETE"]),
    (&["phone", "tel"], &["+1 555 0100", "555-0199"]),
    (
        &["id", "key", "code", "token", "sku", "ref"],
        &["abc-123", "A1B2C3", "42"],
    ),
    (
        &["name", "user", "author", "title", "label"],
        &["Ada Lovelace", "bob", "Zoë O'Neil"],
    ),
    (&["lang", "locale", "country"], &["en", "fr-FR", "de"]),
    (&["color", "colour"], &["red", "#ff8800", "rgb(0, 0, 255)"]),
    (
        &[
            "text",
            "message",
            "msg",
            "sentence",
            "content",
            "body",
            "comment",
            "review",
            "query",
            "question",
            "prompt",
            "description",
            "doc",
            "note",
            "subject",
            "ticket",
        ],
        &[
            "The quick brown fox jumps over the lazy dog.",
            "hello world",
            "  spaced   out  words ",
            "Great product, would buy again!",
        ],
    ),
    (
        &["word", "tag", "keyword"],
        &["hello", "Rust", "data-science", "Level"],
    ),
    (
        &["amount", "price", "number", "num", "qty", "count"],
        &["42", "3.14", "-7"],
    ),
];

/// Strings for a name that suggests nothing: several shapes, so that a picky parser finds
/// some it accepts.
const PLAIN_STRINGS: &[&str] = &[
    "hello",
    "",
    "hello world",
    "42",
    "3.5",
    "a,b,c",
    "key=value",
    "2024-03-15",
    "{\"a\": 1}",
    "Ab 1",
    // Predicates (`is_palindrome`, `is_valid`, …) must see both answers.
    "racecar",
    "Never odd or even",
];

/// The trial's inputs, with how many came from recorded calls.
pub(crate) struct Inputs {
    pub rows: Vec<Vec<Value>>,
    pub recorded: usize,
}

/// The positional parameters that take arguments (keyword-only ones keep their defaults);
/// `None` when a keyword-only parameter has no default or `*args`/`**kw` stand in the way.
fn positional(params: &[ParamInfo]) -> Option<Vec<&ParamInfo>> {
    let mut out = Vec::new();
    for p in params {
        match p.kind {
            ParamKind::Normal if !p.keyword_only => out.push(p),
            ParamKind::Normal if p.default.is_none() => return None,
            _ => {}
        }
    }
    Some(out)
}

/// Recorded argument lists (JSON lists of the positional arguments, newest last) that still
/// fit the parameters: the right count, each converting to its annotation. Newest first,
/// duplicates dropped.
pub(crate) fn from_records(
    params: &[ParamInfo],
    g: &Globals,
    records: &[serde_json::Value],
) -> Vec<Vec<Value>> {
    let Some(ps) = positional(params) else {
        return Vec::new();
    };
    let lookup = |s| g.get(s);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for r in records.iter().rev() {
        if out.len() >= MAX_RECORDED {
            break;
        }
        let Some(items) = r.as_array() else { continue };
        if items.len() != ps.len() || !seen.insert(r.to_string()) {
            continue;
        }
        let row: Option<Vec<Value>> = items
            .iter()
            .zip(&ps)
            .map(|(j, p)| {
                let v = dana_interpreter::engine::to_value(j).ok()?;
                let Some(a) = &p.ann else { return Some(v) };
                if matches(&v, a, &lookup) {
                    return Some(v);
                }
                // A struct was recorded as a JSON object: rebuild it (nothing else converts,
                // so a recorded list never becomes a str).
                let v = coerce(v, a, "", &lookup).ok().filter(|_| has_object(j))?;
                matches(&v, a, &lookup).then_some(v)
            })
            .collect();
        out.extend(row);
    }
    out
}

fn has_object(j: &serde_json::Value) -> bool {
    match j {
        serde_json::Value::Object(_) => true,
        serde_json::Value::Array(a) => a.iter().any(has_object),
        _ => false,
    }
}

/// Recorded rows, then synthesised ones, [`MAX_INPUTS`] at most; `None` when a parameter's
/// type gives nothing to build and nothing was recorded.
pub(crate) fn build(
    params: &[ParamInfo],
    g: &Globals,
    recorded: Vec<Vec<Value>>,
    domain: Option<&DomainTemplate>,
) -> Option<Inputs> {
    let mut seen = std::collections::HashSet::new();
    let mut fresh = |row: &Vec<Value>| seen.insert(row.iter().map(repr).collect::<Vec<_>>());
    let mut rows: Vec<Vec<Value>> = recorded
        .into_iter()
        .filter(|r| fresh(r))
        .take(MAX_RECORDED)
        .collect();
    let n_recorded = rows.len();
    match synthesise(params, g, domain) {
        Some(more) => rows.extend(
            more.into_iter()
                .filter(|r| fresh(r))
                .take(MAX_INPUTS - rows.len()),
        ),
        None if rows.is_empty() => return None,
        None => {}
    }
    Some(Inputs {
        rows,
        recorded: n_recorded,
    })
}

/// Input tuples for the positional parameters, from their annotations, names and the
/// domain; `None` when a parameter's type cannot be synthesised.
pub(crate) fn synthesise(
    params: &[ParamInfo],
    g: &Globals,
    domain: Option<&DomainTemplate>,
) -> Option<Vec<Vec<Value>>> {
    let mut columns: Vec<Vec<Value>> = Vec::new();
    for p in positional(params)? {
        let name = p.name.as_str();
        let mut samples = match &p.ann {
            None => vec![Value::Int(1), Value::str("a")],
            Some(a) => samples(a, name, 0, g)?,
        };
        if let (Some(d), Some(a)) = (domain, &p.ann) {
            samples.splice(0..0, domain_numbers(d, name, a));
        }
        dedup(&mut samples);
        samples.truncate(MAX_SAMPLES);
        if samples.is_empty() {
            return None;
        }
        columns.push(samples);
    }
    let n = columns
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(1)
        .clamp(1, MAX_INPUTS);
    // Column j is shifted by j so that two parameters of one type do not always get equal
    // values.
    Some(
        (0..n)
            .map(|i| {
                columns
                    .iter()
                    .enumerate()
                    .map(|(j, c)| c[(i + j) % c.len()].clone())
                    .collect()
            })
            .collect(),
    )
}

fn dedup(v: &mut Vec<Value>) {
    let mut seen = Vec::<String>::new();
    v.retain(|x| {
        let r = format!("{}:{}", x.type_name(), repr(x));
        if seen.contains(&r) {
            false
        } else {
            seen.push(r);
            true
        }
    });
}

/// Numbers the domain's input rules for this parameter mention (`100 <= {p} <= 599`,
/// `_poet_in_range({p}, 0.0, 1.0)`), each bound with a value just inside and just outside.
fn domain_numbers(d: &DomainTemplate, name: &str, ann: &TypeAnn) -> Vec<Value> {
    let t = domains::strip_none(ann.clone());
    let (int, float) = match &t {
        TypeAnn::Int => (true, false),
        TypeAnn::Float => (false, true),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for rule in &d.input_rules {
        if !domains::pattern_matches(&rule.applies_to, ann)
            || !domains::names_match(&rule.names, name)
        {
            continue;
        }
        let bounds = numbers_in(&rule.check);
        for b in &bounds {
            let step = if int { 1.0 } else { 0.01 };
            for x in [*b, b - step, b + step] {
                out.push(if int {
                    Value::Int(x.round() as i64)
                } else {
                    Value::Float(x)
                });
            }
        }
        if let [lo, hi] = bounds[..] {
            let mid = (lo + hi) / 2.0;
            out.push(if float {
                Value::Float(mid)
            } else {
                Value::Int(mid.round() as i64)
            });
        }
    }
    out
}

/// The finite numeric literals of a check's text that are not part of a name.
fn numbers_in(check: &str) -> Vec<f64> {
    let b = check.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit()
            && (i == 0
                || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let neg = i > 0 && b[i - 1] == b'-';
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.' || b[j] == b'e') {
            j += 1;
        }
        if let Ok(x) = check[i..j].parse::<f64>() {
            let x = if neg { -x } else { x };
            if x.is_finite() && x.abs() < 1e15 && !out.contains(&x) {
                out.push(x);
            }
        }
        i = j;
    }
    out
}

/// Strings for a parameter named `name`: shaped by the name when it suggests a kind of text,
/// then a few plain ones.
fn strings_for(name: &str) -> Vec<Value> {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower.split('_').filter(|w| !w.is_empty()).collect();
    let mut out: Vec<Value> = Vec::new();
    for (frags, samples) in SHAPED_STRINGS {
        // `id` and other short fragments match a whole word; longer ones anywhere.
        let hit = frags.iter().any(|f| {
            if f.len() <= 3 {
                words.iter().any(|w| w == f)
            } else {
                lower.contains(f)
            }
        });
        if hit {
            out.extend(samples.iter().map(|s| Value::str(*s)));
        }
    }
    let plain = if out.is_empty() {
        PLAIN_STRINGS.len()
    } else {
        3
    };
    out.extend(PLAIN_STRINGS.iter().take(plain).map(|s| Value::str(*s)));
    out
}

fn samples(t: &TypeAnn, name: &str, depth: usize, g: &Globals) -> Option<Vec<Value>> {
    if depth > 3 {
        return None;
    }
    Some(match t {
        TypeAnn::Any => vec![Value::Int(3), Value::str("text"), Value::Float(0.5)],
        TypeAnn::Int => [0, 1, -1, 2, 7, 10, 100, -3, 1_000_000]
            .into_iter()
            .map(Value::Int)
            .collect(),
        TypeAnn::Float => [0.5, 0.0, 1.0, -1.0, 0.25, 0.99, 2.5, 1e6, -0.001, 100.0]
            .into_iter()
            .map(Value::Float)
            .collect(),
        TypeAnn::Str => strings_for(name),
        TypeAnn::Bool => vec![Value::Bool(true), Value::Bool(false)],
        TypeAnn::None => vec![Value::None],
        TypeAnn::List(inner) | TypeAnn::Set(inner) => {
            let items = match inner {
                Some(t) => samples(t, singular(name), depth + 1, g)?,
                None => vec![Value::Int(1), Value::Int(2), Value::Int(3)],
            };
            let mut lists = vec![
                items.iter().take(3).cloned().collect::<Vec<_>>(),
                items.iter().skip(1).take(4).cloned().collect(),
                items.iter().take(1).cloned().collect(),
                Vec::new(),
            ];
            lists.dedup_by(|a, b| {
                let shown = |l: &[Value]| l.iter().map(repr).collect::<Vec<_>>();
                shown(a) == shown(b)
            });
            match t {
                TypeAnn::Set(_) => {
                    let hashable = |v: &Value| {
                        matches!(
                            v,
                            Value::Int(_) | Value::Float(_) | Value::Str(_) | Value::Bool(_)
                        )
                    };
                    if !items.iter().all(hashable) {
                        return None;
                    }
                    lists
                        .into_iter()
                        .map(|l| Value::set(l.into_iter().map(Key).collect()))
                        .collect()
                }
                _ => lists.into_iter().map(Value::list).collect(),
            }
        }
        TypeAnn::Tuple(None) => vec![Value::tuple(vec![Value::Int(1), Value::str("a")])],
        TypeAnn::Tuple(Some((ts, variadic))) => {
            let cols: Vec<Vec<Value>> = ts
                .iter()
                .map(|t| samples(t, name, depth + 1, g))
                .collect::<Option<_>>()?;
            let n = if *variadic { 3 } else { 2 };
            (0..n)
                .map(|i| {
                    let items: Vec<Value> = if *variadic {
                        cols.first()
                            .map(|c| c.iter().take(i + 1).cloned().collect())
                            .unwrap_or_default()
                    } else {
                        cols.iter().map(|c| c[i % c.len()].clone()).collect()
                    };
                    Value::tuple(items)
                })
                .collect()
        }
        TypeAnn::Dict(kv) => {
            let (keys, vals) = match kv {
                Some(kv) => match &kv.0 {
                    TypeAnn::Str | TypeAnn::Any => (
                        vec![Value::str("a"), Value::str("b"), Value::str("total")],
                        samples(&kv.1, "value", depth + 1, g)?,
                    ),
                    TypeAnn::Int => (
                        vec![Value::Int(1), Value::Int(2), Value::Int(0)],
                        samples(&kv.1, "value", depth + 1, g)?,
                    ),
                    _ => return None,
                },
                None => (
                    vec![Value::str("a"), Value::str("b")],
                    vec![Value::Int(1), Value::Int(2)],
                ),
            };
            let dict = |n: usize, shift: usize| {
                let mut d = DictMap::default();
                for (i, k) in keys.iter().take(n).enumerate() {
                    d.insert(Key(k.clone()), vals[(i + shift) % vals.len()].clone());
                }
                Value::dict(d)
            };
            vec![dict(2, 0), dict(3, 1), dict(1, 2), dict(0, 0)]
        }
        TypeAnn::Union(ts) => {
            let mut out = Vec::new();
            for t in ts {
                out.extend(samples(t, name, depth + 1, g)?.into_iter().take(4));
            }
            out
        }
        TypeAnn::Named(n) => match g.get(*n) {
            Some(Value::StructType(st)) => struct_samples(&st, depth, g)?,
            _ => return None,
        },
        TypeAnn::Callable => return None,
    })
}

/// `emails` → `email`, so that the items of a list are shaped like its name suggests.
fn singular(name: &str) -> &str {
    name.strip_suffix('s')
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
}

/// Instances of a struct from its fields' types and names: the first samples of every field,
/// then the next ones (fields with a default keep it).
fn struct_samples(st: &Rc<StructType>, depth: usize, g: &Globals) -> Option<Vec<Value>> {
    let home = st.globals.as_ref().and_then(std::rc::Weak::upgrade);
    let g = home.as_deref().unwrap_or(g);
    let mut columns = Vec::with_capacity(st.fields.len());
    for f in &st.fields {
        columns.push(match (&f.default, &f.ann) {
            (Some(d), _) => vec![d.clone()],
            (None, Some(a)) => samples(a, f.name.as_str(), depth + 1, g)?,
            (None, None) => vec![Value::Int(1)],
        });
    }
    Some(
        (0..3)
            .map(|i| {
                Value::Struct(Rc::new(StructInstance {
                    ty: st.clone(),
                    fields: RefCell::new(columns.iter().map(|c| c[i % c.len()].clone()).collect()),
                }))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use dana_grammar::ast::Sym;

    fn p(name: &str, ann: Option<TypeAnn>) -> ParamInfo {
        ParamInfo {
            name: Sym::intern(name),
            ann,
            kind: ParamKind::Normal,
            default: None,
            keyword_only: false,
        }
    }

    #[test]
    fn inputs_come_from_the_annotations() {
        let g = Globals::new("m", None);
        let ins = synthesise(
            &[
                p("n", Some(TypeAnn::Int)),
                p("xs", Some(TypeAnn::List(Some(Box::new(TypeAnn::Float))))),
            ],
            &g,
            None,
        )
        .unwrap();
        assert_eq!(ins.len(), 9);
        assert!(ins.iter().all(|a| a.len() == 2));
        assert_eq!(repr(&ins[0][0]), "0");
        assert_eq!(repr(&ins[0][1]), "[0.0, 1.0, -1.0, 0.25]");
        // An unknown type name: nothing to build.
        let unknown = p("s", Some(TypeAnn::Named(Sym::intern("Point"))));
        assert!(synthesise(&[unknown], &g, None).is_none());
    }

    #[test]
    fn strings_look_like_what_the_name_suggests() {
        let first = |name: &str| repr(&strings_for(name)[0]);
        assert_eq!(first("email"), "'ada@example.com'");
        assert_eq!(first("start_date"), "'2024-03-15'");
        assert_eq!(first("url"), "'https://example.com/path?q=1'");
        assert_eq!(first("user_id"), "'abc-123'");
        assert!(first("text").contains("quick brown fox"));
        // `id` is a whole word: `valid` is not an id.
        assert_eq!(first("valid"), "'hello'");
        assert!(strings_for("s").len() >= 8);
        // Predicates see both answers: palindromes, one with capitals.
        let has = |name: &str, want: &str| strings_for(name).iter().any(|v| repr(v) == want);
        assert!(has("word", "'Level'") && has("s", "'racecar'"));
    }

    #[test]
    fn numbers_include_boundaries_and_the_domains_ranges() {
        let g = Globals::new("m", None);
        let d = crate::make::domains::Domains::builtin()
            .resolve("api")
            .unwrap();
        let rows = synthesise(&[p("status", Some(TypeAnn::Int))], &g, Some(&d)).unwrap();
        let shown: Vec<String> = rows.iter().map(|r| repr(&r[0])).collect();
        for want in ["100", "99", "599", "600"] {
            assert!(shown.contains(&want.to_string()), "{shown:?}");
        }
        assert_eq!(
            numbers_in("_poet_in_range({p}, -1.0, 1e3) and x2 > 5"),
            vec![-1.0, 1000.0, 5.0]
        );
    }

    #[test]
    fn recorded_arguments_are_rebuilt_and_checked_against_the_types() {
        let g = Globals::new("m", None);
        let ps = [p("text", Some(TypeAnn::Str)), p("k", Some(TypeAnn::Float))];
        let records = vec![
            serde_json::json!(["a b", 2]),
            serde_json::json!(["only one"]),
            serde_json::json!([[1], 0.5]),
            serde_json::json!(["c d e", 0.5]),
            serde_json::json!(["c d e", 0.5]),
        ];
        let rows = from_records(&ps, &g, &records);
        let shown: Vec<String> = rows
            .iter()
            .map(|r| r.iter().map(repr).collect::<Vec<_>>().join(", "))
            .collect();
        assert_eq!(shown, vec!["'c d e', 0.5", "'a b', 2"]);
    }
}
