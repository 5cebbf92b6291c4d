//! The `Match` and `Pattern` values of `re`: struct instances (so they print, compare and
//! carry fields like any struct) whose methods are native functions in the struct type's method
//! table, called with the instance first (`m.group(1)`, `p.search(text)`). The `Pattern` type
//! itself is built in `re.rs`, beside its methods, with the helpers here.
//!
//! Match fields: `match` (the matched text), `string` (the searched text), `regs` (a tuple of
//! `(start, end)` per group, group 0 first, `(-1, -1)` for a group that did not take part) and
//! `groupindex` (group name → number). Offsets count code points, as Python's do.

use dana_grammar::ast::Sym;
use dana_interpreter::error::{index_error, type_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{
    Args, DictMap, FxBuild, Key, NativeFnPtr, StructField, StructInstance, StructType, Value,
};
use std::cell::RefCell;
use std::rc::Rc;

/// Field indices of a Match instance.
const F_MATCH: usize = 0;
const F_STRING: usize = 1;
const F_REGS: usize = 2;
const F_GROUPINDEX: usize = 3;

pub(crate) fn field(name: &str, comment: &str) -> StructField {
    StructField {
        name: Sym::intern(name),
        ann: None,
        default: None,
        comment: Some(comment.into()),
    }
}

pub(crate) fn make_type(
    name: &str,
    doc: &str,
    fields: Vec<StructField>,
    methods: &[(&str, NativeFnPtr, &'static str)],
) -> Rc<StructType> {
    let mut table = indexmap::IndexMap::with_hasher(FxBuild::default());
    for &(m, f, d) in methods {
        table.insert(Sym::intern(m), dana_interpreter::host::native(m, f, d));
    }
    Rc::new(StructType {
        name: Sym::intern(name),
        kind: "struct",
        doc: Some(doc.into()),
        fields,
        methods: RefCell::new(table),
        globals: None,
    })
}

thread_local! {
    static MATCH_TYPE: Rc<StructType> = make_type(
        "Match",
        "The result of a successful re.match/search/fullmatch/finditer.",
        vec![
            field("match", "the matched text (group 0)"),
            field("string", "the text that was searched"),
            field("regs", "(start, end) of each group, group 0 first; (-1, -1) when unmatched"),
            field("groupindex", "group name -> group number"),
        ],
        &[
            ("group", group, "group(*groups)\n\nThe text of a group (0 = the whole match) by number or name; several\ngroups give a tuple. None for a group that did not take part."),
            ("groups", groups, "groups(default=None) -> tuple\n\nThe texts of all groups from 1."),
            ("groupdict", groupdict, "groupdict(default=None) -> dict\n\nThe texts of the named groups."),
            ("start", start, "start(group=0) -> int\n\nWhere a group starts (-1 when unmatched)."),
            ("end", end, "end(group=0) -> int\n\nWhere a group ends (-1 when unmatched)."),
            ("span", span, "span(group=0) -> (int, int)\n\n(start, end) of a group."),
        ],
    );
}

/// A new Match value.
pub(crate) fn new_match(
    matched: String,
    string: Value,
    regs: Vec<(i64, i64)>,
    groupindex: Value,
) -> Value {
    let regs = regs
        .into_iter()
        .map(|(s, e)| Value::tuple(vec![Value::Int(s), Value::Int(e)]))
        .collect();
    let fields = vec![Value::str(matched), string, Value::tuple(regs), groupindex];
    MATCH_TYPE.with(|t| {
        Value::Struct(Rc::new(StructInstance {
            ty: t.clone(),
            fields: RefCell::new(fields),
        }))
    })
}

/// A group-name → number dict.
pub(crate) fn groupindex_dict(names: &[(String, usize)]) -> Value {
    let mut d = DictMap::default();
    for (n, i) in names {
        d.insert(Key(Value::str(n.as_str())), Value::Int(*i as i64));
    }
    Value::dict(d)
}

/// The receiver of a Match method and its fields.
fn recv(args: &Args, method: &str) -> Result<Vec<Value>, Exc> {
    match args.pos.first() {
        Some(Value::Struct(s)) if MATCH_TYPE.with(|t| Rc::ptr_eq(t, &s.ty)) => {
            Ok(s.fields.borrow().clone())
        }
        _ => Err(type_error(format!("Match.{method}() needs a Match object"))),
    }
}

fn regs_of(fields: &[Value]) -> Vec<(i64, i64)> {
    let Some(Value::Tuple(regs)) = fields.get(F_REGS) else {
        return Vec::new();
    };
    regs.iter().map(reg_pair).collect()
}

/// One `(start, end)` of the `regs` field.
fn reg_pair(r: &Value) -> (i64, i64) {
    match r {
        Value::Tuple(p) => match (p.first(), p.get(1)) {
            (Some(Value::Int(s)), Some(Value::Int(e))) => (*s, *e),
            _ => (-1, -1),
        },
        _ => (-1, -1),
    }
}

/// The group number of a group argument (an int or a group name).
fn group_number(fields: &[Value], g: &Value, n_groups: usize) -> Result<usize, Exc> {
    let n = match g {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        Value::Str(name) => {
            let Some(Value::Dict(d)) = fields.get(F_GROUPINDEX) else {
                return Err(index_error("no such group"));
            };
            match d.borrow().get(&Key(Value::str(name.as_str()))) {
                Some(Value::Int(i)) => Some(*i),
                _ => return Err(index_error("no such group")),
            }
        }
        _ => None,
    };
    match n {
        Some(i) if i >= 0 && (i as usize) < n_groups => Ok(i as usize),
        _ => Err(index_error("no such group")),
    }
}

/// The text of group `i`, or `default` when it did not take part.
fn group_text(fields: &[Value], regs: &[(i64, i64)], i: usize, default: &Value) -> Value {
    let (s, e) = regs.get(i).copied().unwrap_or((-1, -1));
    if s < 0 {
        return default.clone();
    }
    if i == 0 {
        return fields.get(F_MATCH).cloned().unwrap_or(Value::None);
    }
    let Some(text) = fields.get(F_STRING).and_then(Value::as_str) else {
        return default.clone();
    };
    Value::str(char_slice(text, s as usize, e as usize))
}

/// `text[start:end]` in code points.
pub(crate) fn char_slice(text: &str, start: usize, end: usize) -> String {
    // Spans count code points: on ASCII text (checked up to the end of the span) they are
    // byte offsets.
    if text.as_bytes()[..end.min(text.len())].is_ascii() {
        return text.get(start..end).unwrap_or("").to_string();
    }
    text.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

/// `m.group()` or `m.group(i)` with an int, the commonest calls: the fields are read in
/// place (no copy of them or of the spans). `None` for any other call.
fn group_fast(args: &Args) -> Option<Result<Value, Exc>> {
    let (Some(Value::Struct(s)), true) = (args.pos.first(), args.kw.is_empty()) else {
        return None;
    };
    let i = match args.pos.get(1..) {
        Some([]) => 0,
        Some([Value::Int(i)]) => *i,
        _ => return None,
    };
    if !MATCH_TYPE.with(|t| Rc::ptr_eq(t, &s.ty)) {
        return None;
    }
    let f = s.fields.borrow();
    let Some(Value::Tuple(regs)) = f.get(F_REGS) else {
        return None;
    };
    if i < 0 || i as usize >= regs.len() {
        return Some(Err(index_error("no such group")));
    }
    let (start, end) = reg_pair(&regs[i as usize]);
    Some(Ok(if start < 0 {
        Value::None
    } else if i == 0 {
        f.get(F_MATCH).cloned().unwrap_or(Value::None)
    } else {
        match f.get(F_STRING).and_then(Value::as_str) {
            Some(text) => Value::str(char_slice(text, start as usize, end as usize)),
            None => Value::None,
        }
    }))
}

fn group(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    if let Some(r) = group_fast(&args) {
        return r;
    }
    let f = recv(&args, "group")?;
    let regs = regs_of(&f);
    let wanted = &args.pos[1..];
    if wanted.is_empty() {
        return Ok(group_text(&f, &regs, 0, &Value::None));
    }
    let texts: Vec<Value> = wanted
        .iter()
        .map(|g| group_number(&f, g, regs.len()).map(|i| group_text(&f, &regs, i, &Value::None)))
        .collect::<Result<_, _>>()?;
    Ok(if texts.len() == 1 {
        texts.into_iter().next().unwrap_or(Value::None)
    } else {
        Value::tuple(texts)
    })
}

fn groups(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("groups", 1, 2, &["default"])?;
    let f = recv(&args, "groups")?;
    let regs = regs_of(&f);
    let default = args.get(1, "default").cloned().unwrap_or(Value::None);
    Ok(Value::tuple(
        (1..regs.len())
            .map(|i| group_text(&f, &regs, i, &default))
            .collect(),
    ))
}

fn groupdict(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("groupdict", 1, 2, &["default"])?;
    let f = recv(&args, "groupdict")?;
    let regs = regs_of(&f);
    let default = args.get(1, "default").cloned().unwrap_or(Value::None);
    let mut out = DictMap::default();
    if let Some(Value::Dict(d)) = f.get(F_GROUPINDEX) {
        for (k, v) in d.borrow().iter() {
            if let Value::Int(i) = v {
                out.insert(k.clone(), group_text(&f, &regs, *i as usize, &default));
            }
        }
    }
    Ok(Value::dict(out))
}

fn span_of(args: &Args, method: &str) -> Result<(i64, i64), Exc> {
    args.check(method, 1, 2, &[])?;
    let f = recv(args, method)?;
    let regs = regs_of(&f);
    let i = match args.pos.get(1) {
        Some(g) => group_number(&f, g, regs.len())?,
        None => 0,
    };
    Ok(regs.get(i).copied().unwrap_or((-1, -1)))
}

fn start(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    Ok(Value::Int(span_of(&args, "start")?.0))
}

fn end(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    Ok(Value::Int(span_of(&args, "end")?.1))
}

fn span(_it: &mut Interp, args: Args) -> Result<Value, Exc> {
    let (s, e) = span_of(&args, "span")?;
    Ok(Value::tuple(vec![Value::Int(s), Value::Int(e)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `group()` and `group(i)` (read in place) agree with the general path (several groups).
    #[test]
    fn group_by_number_agrees_with_the_general_path() {
        let mut it = Interp::new();
        let m = new_match(
            "ab".into(),
            Value::str("zab"),
            vec![(1, 3), (1, 2), (-1, -1), (2, 3)],
            groupindex_dict(&[("last".to_string(), 3)]),
        );
        let call = |it: &mut Interp, extra: &[Value]| {
            let mut pos = vec![m.clone()];
            pos.extend_from_slice(extra);
            match group(it, Args::positional(&pos)) {
                Ok(v) => dana_interpreter::value::repr::repr(&v),
                Err(e) => format!("!{}", e.message),
            }
        };
        assert_eq!(call(&mut it, &[]), "'ab'");
        assert_eq!(call(&mut it, &[Value::Int(0)]), "'ab'");
        assert_eq!(call(&mut it, &[Value::Int(1)]), "'a'");
        assert_eq!(call(&mut it, &[Value::Int(2)]), "None");
        assert_eq!(call(&mut it, &[Value::Int(3)]), "'b'");
        assert_eq!(call(&mut it, &[Value::Int(4)]), "!no such group");
        assert_eq!(call(&mut it, &[Value::Int(-1)]), "!no such group");
        assert_eq!(call(&mut it, &[Value::str("last")]), "'b'");
        assert_eq!(
            call(&mut it, &[Value::Int(1), Value::Int(2), Value::Int(3)]),
            "('a', None, 'b')"
        );
    }
}
