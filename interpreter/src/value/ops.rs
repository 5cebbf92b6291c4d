//! Operators on values: arithmetic (with big-int promotion), Dana's mixed-type rules,
//! comparisons, membership, indexing and slicing.

pub(crate) mod arith;
mod index;
mod items;

pub(crate) use index::{get_index, get_slice, set_index, set_slice};
pub(crate) use items::{
    check_new_items, check_new_str, str_items_worth_counting, tuple_bytes, STR_ITEM_BYTES,
};
pub use items::{iter_to_vec, len, MAX_LIST_LEN, MAX_STR_LEN};

use super::coerce::{parse_bool_text, parse_float_text, parse_int_text};
use super::repr::float_repr;
use super::{Key, Value};
use crate::error::{type_error, Exc};
use arith::{as_num, num_binary, num_cmp, num_unary, Num};
use dana_grammar::ast::{BinOp, CmpOp, UnaryOp};
use num_traits::{Signed, ToPrimitive};
use std::cmp::Ordering;
use std::rc::Rc;

/// The text a number or bool contributes to a Dana string concatenation (`"n=" + 5`).
fn concat_text(v: &Value) -> Option<String> {
    match v {
        Value::Bool(true) => Some("true".into()),
        Value::Bool(false) => Some("false".into()),
        Value::Int(i) => Some(i.to_string()),
        Value::BigInt(b) => Some(b.to_string()),
        Value::Float(f) => Some(float_repr(*f)),
        _ => None,
    }
}

fn unsupported(op: BinOp, a: &Value, b: &Value) -> Exc {
    let sym = if op == BinOp::Pow {
        "** or pow()"
    } else {
        op.symbol()
    };
    type_error(format!(
        "unsupported operand type(s) for {sym}: '{}' and '{}'",
        a.type_name(),
        b.type_name()
    ))
}

/// A repetition count (`"ab" * n`): ints and bools; `None` for other types.
fn repeat_count(v: &Value) -> Option<Result<usize, Exc>> {
    match v {
        Value::Int(i) => Some(Ok((*i).max(0) as usize)),
        Value::Bool(b) => Some(Ok(*b as usize)),
        Value::BigInt(b) if b.is_negative() => Some(Ok(0)),
        Value::BigInt(_) => Some(Ok(usize::MAX)),
        _ => None,
    }
}

fn repeat(seq: &Value, n: usize) -> Result<Value, Exc> {
    match seq {
        Value::Str(s) => {
            if s.is_empty() || n == 0 {
                return Ok(Value::str(""));
            }
            check_new_str(s.len().saturating_mul(n))?;
            Ok(Value::str(s.repeat(n)))
        }
        Value::List(l) => {
            let items = l.borrow().clone();
            Ok(Value::list(repeat_items(&items, n)?))
        }
        Value::Tuple(t) => Ok(Value::tuple(repeat_items(t, n)?)),
        _ => Err(type_error("can't multiply sequence")),
    }
}

fn repeat_items(items: &[Value], n: usize) -> Result<Vec<Value>, Exc> {
    if items.is_empty() || n == 0 {
        return Ok(Vec::new());
    }
    let total = items.len().saturating_mul(n);
    check_new_items(total, 0)?;
    let mut out = Vec::with_capacity(total);
    for _ in 0..n {
        out.extend_from_slice(items);
    }
    Ok(out)
}

fn is_seq(v: &Value) -> bool {
    matches!(v, Value::Str(_) | Value::List(_) | Value::Tuple(_))
}

fn concat_items(a: &[Value], b: &[Value]) -> Result<Vec<Value>, Exc> {
    check_new_items(a.len() + b.len(), 0)?;
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    Ok(out)
}

/// `a op b` for every operator except callable composition (`f | g`, handled by the evaluator).
pub fn binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, Exc> {
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        // `True & False` is a bool, as in Python.
        if let (Value::Bool(p), Value::Bool(q)) = (a, b) {
            match op {
                BinOp::BitAnd => return Ok(Value::Bool(p & q)),
                BinOp::BitOr => return Ok(Value::Bool(p | q)),
                BinOp::BitXor => return Ok(Value::Bool(p ^ q)),
                _ => {}
            }
        }
        return num_binary(op, x, y).map_err(|e| {
            if e.message.starts_with("unsupported operand") {
                unsupported(op, a, b)
            } else {
                e
            }
        });
    }
    if matches!(a, Value::Object(_)) || matches!(b, Value::Object(_)) {
        return object_binary(op, a, b);
    }
    match op {
        BinOp::Add => add(a, b),
        BinOp::Mul => {
            if is_seq(a) {
                match repeat_count(b) {
                    Some(n) => repeat(a, n?),
                    None => Err(type_error(format!(
                        "can't multiply sequence by non-int of type '{}'",
                        b.type_name()
                    ))),
                }
            } else if is_seq(b) {
                match repeat_count(a) {
                    Some(n) => repeat(b, n?),
                    None => Err(type_error(format!(
                        "can't multiply sequence by non-int of type '{}'",
                        a.type_name()
                    ))),
                }
            } else {
                Err(unsupported(op, a, b))
            }
        }
        BinOp::Mod => match a {
            Value::Str(s) => super::format::percent_format(s, b).map(Value::str),
            _ => Err(unsupported(op, a, b)),
        },
        BinOp::BitOr | BinOp::BitAnd | BinOp::BitXor | BinOp::Sub => match (a, b) {
            (Value::Set(x), Value::Set(y)) => {
                let (x, y) = (x.borrow(), y.borrow());
                let out: super::SetMap = match op {
                    BinOp::BitOr => x.union(&y).cloned().collect(),
                    BinOp::BitAnd => x.intersection(&y).cloned().collect(),
                    BinOp::BitXor => x.symmetric_difference(&y).cloned().collect(),
                    _ => x.difference(&y).cloned().collect(),
                };
                Ok(Value::set(out))
            }
            (Value::Dict(x), Value::Dict(y)) if op == BinOp::BitOr => {
                let mut out = x.borrow().clone();
                for (k, v) in y.borrow().iter() {
                    out.insert(k.clone(), v.clone());
                }
                Ok(Value::dict(out))
            }
            _ => Err(unsupported(op, a, b)),
        },
        _ => Err(unsupported(op, a, b)),
    }
}

/// The base value of a native object (`None` for other values and objects without one).
fn base_of(v: &Value) -> Option<Value> {
    match v {
        Value::Object(o) => o.base(),
        _ => None,
    }
}

/// `a op b` when either side is a native object: its hook (the left operand's first), else
/// the operator on their base values.
#[inline(never)]
fn object_binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, Exc> {
    if let Value::Object(o) = a {
        if let Some(r) = o.binary(op, b, false) {
            return r;
        }
    }
    if let Value::Object(o) = b {
        if let Some(r) = o.binary(op, a, true) {
            return r;
        }
    }
    match (base_of(a), base_of(b)) {
        (None, None) => Err(unsupported(op, a, b)),
        (x, y) => binary(op, x.as_ref().unwrap_or(a), y.as_ref().unwrap_or(b)),
    }
}

/// `x + y` for texts, within the size limit.
fn join2(x: &str, y: &str) -> Result<Value, Exc> {
    check_new_str(x.len() + y.len())?;
    let mut s = String::with_capacity(x.len() + y.len());
    s.push_str(x);
    s.push_str(y);
    Ok(Value::str(s))
}

fn add(a: &Value, b: &Value) -> Result<Value, Exc> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => join2(x, y),
        (Value::List(x), Value::List(y)) => {
            let joined = concat_items(&x.borrow(), &y.borrow())?;
            Ok(Value::list(joined))
        }
        (Value::Tuple(x), Value::Tuple(y)) => Ok(Value::tuple(concat_items(x, y)?)),
        // Dana rule: text and a number or bool concatenate (`"n=" + 5`, `5 + " items"`).
        (Value::Str(x), other) => match concat_text(other) {
            Some(t) => join2(x, &t),
            None => Err(cannot_concat(a, b)),
        },
        (Value::List(_) | Value::Tuple(_), _) => Err(cannot_concat(a, b)),
        (other, Value::Str(y)) => match concat_text(other) {
            Some(t) => join2(&t, y),
            None => Err(unsupported(BinOp::Add, a, b)),
        },
        _ => Err(unsupported(BinOp::Add, a, b)),
    }
}

fn cannot_concat(a: &Value, b: &Value) -> Exc {
    type_error(format!(
        "can only concatenate {} (not \"{}\") to {}",
        a.type_name(),
        b.type_name(),
        a.type_name()
    ))
}

/// `-v`, `+v`, `~v`.
pub(crate) fn unary(op: UnaryOp, v: &Value) -> Result<Value, Exc> {
    match as_num(v) {
        Some(n) => num_unary(op, n),
        None if matches!(v, Value::Object(_)) => {
            if let Value::Object(o) = v {
                if let Some(r) = o.unary(op) {
                    return r;
                }
            }
            match base_of(v) {
                Some(b) => unary(op, &b),
                None => unary(op, &Value::None).map_err(|e| {
                    type_error(
                        e.message
                            .replace("'NoneType'", &format!("'{}'", v.type_name())),
                    )
                }),
            }
        }
        None => {
            let sym = match op {
                UnaryOp::Neg => "-",
                UnaryOp::Pos => "+",
                UnaryOp::Invert => "~",
            };
            Err(type_error(format!(
                "bad operand type for unary {sym}: '{}'",
                v.type_name()
            )))
        }
    }
}

/// Dana's reading of a text compared with a number or bool (`"5" == 5`, `"1" == True`):
/// the text converted to the other operand's type, or `None` when it does not parse.
fn text_as(s: &str, like: &Value) -> Option<Value> {
    match like {
        Value::Int(_) | Value::BigInt(_) => parse_int_text(s, 10),
        Value::Float(_) => parse_float_text(s).map(Value::Float),
        Value::Bool(_) => parse_bool_text(s).map(Value::Bool),
        _ => None,
    }
}

fn type_value_name(v: &Value) -> Option<&str> {
    match v {
        Value::Type(t) => Some(t.name()),
        Value::StructType(t) => Some(t.name.as_str()),
        Value::Interface(t) => Some(t.name.as_str()),
        Value::ExcType(k) => Some(k.name()),
        _ => None,
    }
}

/// `a == b` with Dana's rules: a str compared with a number or bool is converted when it
/// parses (`"5" == 5`, §5.4). The rule is for the operator itself: elements of containers,
/// dict values and struct fields compare as in Python (`[5] == ["5"]` is False), and
/// containers and structs compare structurally.
pub(crate) fn eq(a: &Value, b: &Value) -> bool {
    eq_top(a, b, true)
}

/// Python's `==` (no str/number conversion): membership, `list.index`, `count`, `remove`.
pub fn eq_python(a: &Value, b: &Value) -> bool {
    eq_top(a, b, false)
}

fn eq_top(a: &Value, b: &Value, dana: bool) -> bool {
    match shallow_eq(a, b, dana) {
        Shallow::Equal(r) => r,
        Shallow::Deep => deep_eq(a, b),
    }
}

/// The result of comparing two values without looking inside containers.
enum Shallow {
    Equal(bool),
    /// Two distinct containers of the same kind: their contents decide.
    Deep,
}

fn shallow_eq(a: &Value, b: &Value, dana: bool) -> Shallow {
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        return Shallow::Equal(num_cmp(x, y) == Some(Ordering::Equal));
    }
    let r = match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Str(s), other) | (other, Value::Str(s)) if dana && as_num(other).is_some() => {
            text_as(s, other).is_some_and(|t| eq_top(&t, other, false))
        }
        (Value::Str(s), t) | (t, Value::Str(s)) if type_value_name(t).is_some() => {
            type_value_name(t) == Some(s.as_str())
        }
        (Value::None, Value::None) => true,
        (Value::List(x), Value::List(y)) if !Rc::ptr_eq(x, y) => return Shallow::Deep,
        (Value::Tuple(x), Value::Tuple(y)) if !Rc::ptr_eq(x, y) => {
            if x.len() != y.len() {
                return Shallow::Equal(false);
            }
            return Shallow::Deep;
        }
        (Value::Dict(x), Value::Dict(y)) if !Rc::ptr_eq(x, y) => return Shallow::Deep,
        (Value::Set(x), Value::Set(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().all(|k| y.contains(k))
        }
        (Value::Struct(x), Value::Struct(y)) if !Rc::ptr_eq(x, y) => {
            if !Rc::ptr_eq(&x.ty, &y.ty) {
                return Shallow::Equal(false);
            }
            return Shallow::Deep;
        }
        (Value::List(_), Value::List(_))
        | (Value::Tuple(_), Value::Tuple(_))
        | (Value::Dict(_), Value::Dict(_))
        | (Value::Struct(_), Value::Struct(_)) => true,
        (Value::Range(x), Value::Range(y)) => {
            let (n, m) = (x.len(), y.len());
            n == m && (n == 0 || (x.start == y.start && (n == 1 || x.step == y.step)))
        }
        (Value::Method(x), Value::Method(y)) => Rc::ptr_eq(x, y),
        (Value::Object(_), _) | (_, Value::Object(_)) => object_eq(a, b, dana),
        _ => a.is_same(b),
    };
    Shallow::Equal(r)
}

/// `a == b` when either side is a native object: identity, its hook (the left operand's
/// first), else equality of their base values.
#[inline(never)]
fn object_eq(a: &Value, b: &Value, dana: bool) -> bool {
    if a.is_same(b) {
        return true;
    }
    if let Value::Object(o) = a {
        if let Some(r) = o.eq(b) {
            return r;
        }
    }
    if let Value::Object(o) = b {
        if let Some(r) = o.eq(a) {
            return r;
        }
    }
    match (base_of(a), base_of(b)) {
        (None, None) => false,
        (x, y) => eq_top(x.as_ref().unwrap_or(a), y.as_ref().unwrap_or(b), dana),
    }
}

/// After this many container pairs, [`deep_eq`] remembers the pairs it has compared.
const EQ_MEMO_AFTER: usize = 64;

/// The identity of a container (for the pairs [`deep_eq`] remembers).
fn container_id(v: &Value) -> usize {
    match v {
        Value::List(x) => Rc::as_ptr(x) as *const u8 as usize,
        Value::Tuple(x) => Rc::as_ptr(x) as *const u8 as usize,
        Value::Dict(x) => Rc::as_ptr(x) as *const u8 as usize,
        Value::Struct(x) => Rc::as_ptr(x) as *const u8 as usize,
        _ => 0,
    }
}

/// Structural equality of two containers of the same kind, element by element, as Python's
/// `==` (elements: `is` or `==`), on an explicit stack so that any depth compares correctly
/// without using the native stack. A pair of containers met again is not compared again:
/// either it is being compared (a cycle: both sides unfold the same way, so they are equal if
/// everything else is) or its elements are already queued. Cyclic values therefore compare
/// in time proportional to their size, never forever.
fn deep_eq(a: &Value, b: &Value) -> bool {
    let mut pending: Vec<(Value, Value)> = vec![(a.clone(), b.clone())];
    let mut visits = 0usize;
    let mut seen: std::collections::HashSet<(usize, usize)> = Default::default();
    // Queues a pair of elements: true when they are equal or still to be compared.
    let elem = |p: &Value, q: &Value, pending: &mut Vec<(Value, Value)>| -> bool {
        if p.is_same(q) {
            return true;
        }
        match shallow_eq(p, q, false) {
            Shallow::Equal(r) => r,
            Shallow::Deep => {
                pending.push((p.clone(), q.clone()));
                true
            }
        }
    };
    let items = |x: &[Value], y: &[Value], pending: &mut Vec<(Value, Value)>| -> bool {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| elem(p, q, pending))
    };
    while let Some((a, b)) = pending.pop() {
        visits += 1;
        if visits > EQ_MEMO_AFTER && !seen.insert((container_id(&a), container_id(&b))) {
            continue;
        }
        let ok = match (&a, &b) {
            (Value::List(x), Value::List(y)) => {
                Rc::ptr_eq(x, y) || items(&x.borrow(), &y.borrow(), &mut pending)
            }
            (Value::Tuple(x), Value::Tuple(y)) => items(x, y, &mut pending),
            (Value::Struct(x), Value::Struct(y)) => {
                items(&x.fields.borrow(), &y.fields.borrow(), &mut pending)
            }
            (Value::Dict(x), Value::Dict(y)) => {
                let (x, y) = (x.borrow(), y.borrow());
                x.len() == y.len()
                    && x.iter()
                        .all(|(k, v)| y.get(k).is_some_and(|w| elem(v, w, &mut pending)))
            }
            _ => a.is_same(&b),
        };
        if !ok {
            return false;
        }
    }
    true
}

fn not_supported(op: &str, a: &Value, b: &Value) -> Exc {
    type_error(format!(
        "'{op}' not supported between instances of '{}' and '{}'",
        a.type_name(),
        b.type_name()
    ))
}

/// Lists and tuples nested deeper than this in both operands of an ordering comparison
/// raise `RecursionError` (only a cycle gets there in practice, e.g. `a = [a, 1]` against
/// `b = [b, 2]`).
pub(crate) const MAX_ORDER_DEPTH: usize = 100_000;

/// The ordering of `a` and `b` (`None` when unordered, like NaN), or TypeError. With `dana`,
/// a str compared with a number converts when it parses (§5.4); elements of lists and tuples
/// compare as in Python: the first pair that is not `==` decides, else the lengths.
fn order(op: &str, a: &Value, b: &Value, dana: bool) -> Result<Option<Ordering>, Exc> {
    match (a, b) {
        (Value::Str(s), other) if dana && as_num(other).is_some() => match text_as(s, other) {
            Some(t) => order(op, &t, other, false),
            None => Err(not_supported(op, a, b)),
        },
        (other, Value::Str(s)) if dana && as_num(other).is_some() => match text_as(s, other) {
            Some(t) => order(op, other, &t, false),
            None => Err(not_supported(op, a, b)),
        },
        (Value::List(_), Value::List(_)) | (Value::Tuple(_), Value::Tuple(_)) => {
            order_seqs(op, a, b)
        }
        _ => order_leaf(op, a, b),
    }
}

/// The ordering of two values that are not both lists or both tuples.
fn order_leaf(op: &str, a: &Value, b: &Value) -> Result<Option<Ordering>, Exc> {
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        return Ok(num_cmp(x, y));
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(Some(x.as_str().cmp(y.as_str()))),
        _ => Err(not_supported(op, a, b)),
    }
}

/// The element at `i` of two lists or two tuples, or their lengths when one has run out.
fn seq_step(a: &Value, b: &Value, i: usize) -> Result<(Value, Value), (usize, usize)> {
    fn at(v: &Value, i: usize) -> (Option<Value>, usize) {
        match v {
            Value::List(x) => {
                let x = x.borrow();
                (x.get(i).cloned(), x.len())
            }
            Value::Tuple(x) => (x.get(i).cloned(), x.len()),
            _ => (None, 0),
        }
    }
    match (at(a, i), at(b, i)) {
        ((Some(p), _), (Some(q), _)) => Ok((p, q)),
        ((_, n), (_, m)) => Err((n, m)),
    }
}

/// Lexicographic ordering of two lists or two tuples, nested ones included, on an explicit
/// stack (a depth-first walk to the first pair of elements that differ).
fn order_seqs(op: &str, a: &Value, b: &Value) -> Result<Option<Ordering>, Exc> {
    let mut frames: Vec<(Value, Value, usize)> = vec![(a.clone(), b.clone(), 0)];
    while let Some(top) = frames.last_mut() {
        let (p, q) = match seq_step(&top.0, &top.1, top.2) {
            Ok(pair) => pair,
            Err((n, m)) => {
                frames.pop();
                if n != m {
                    return Ok(Some(n.cmp(&m)));
                }
                continue;
            }
        };
        top.2 += 1;
        if p.is_same(&q) {
            continue;
        }
        match (&p, &q) {
            (Value::List(_), Value::List(_)) | (Value::Tuple(_), Value::Tuple(_)) => {
                if frames.len() >= MAX_ORDER_DEPTH {
                    return Err(crate::error::recursion_error(
                        "maximum recursion depth exceeded in comparison",
                    ));
                }
                frames.push((p, q, 0));
            }
            _ if eq_python(&p, &q) => {}
            _ => return order_leaf(op, &p, &q),
        }
    }
    Ok(Some(Ordering::Equal))
}

/// Subset ordering of sets for `<`, `<=`, `>`, `>=`.
fn set_compare(op: CmpOp, x: &super::SetMap, y: &super::SetMap) -> bool {
    let sub = |p: &super::SetMap, q: &super::SetMap| {
        p.len() <= q.len() && p.iter().all(|k| q.contains(k))
    };
    match op {
        CmpOp::Lt => x.len() < y.len() && sub(x, y),
        CmpOp::LtE => sub(x, y),
        CmpOp::Gt => x.len() > y.len() && sub(y, x),
        _ => sub(y, x),
    }
}

/// A comparison operator (`in`/`not in`/`is`/`is not` are accepted too, for convenience).
pub fn compare(op: CmpOp, a: &Value, b: &Value) -> Result<bool, Exc> {
    let want = |o: Ordering| match op {
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::LtE => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        _ => o != Ordering::Less,
    };
    match op {
        CmpOp::Eq => Ok(eq(a, b)),
        CmpOp::NotEq => Ok(!eq(a, b)),
        CmpOp::In => contains(b, a),
        CmpOp::NotIn => contains(b, a).map(|r| !r),
        CmpOp::Is => Ok(a.is_same(b)),
        CmpOp::IsNot => Ok(!a.is_same(b)),
        CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE => {
            if let (Value::Set(x), Value::Set(y)) = (a, b) {
                return Ok(set_compare(op, &x.borrow(), &y.borrow()));
            }
            if matches!(a, Value::Object(_)) || matches!(b, Value::Object(_)) {
                return object_compare(op, a, b);
            }
            Ok(order(op.symbol(), a, b, true)?.is_some_and(want))
        }
    }
}

/// `a < b` (or `<=`, `>`, `>=`) when either side is a native object: its hook (the left
/// operand's first, the right one's with the operator flipped), else the ordering of their
/// base values.
#[inline(never)]
fn object_compare(op: CmpOp, a: &Value, b: &Value) -> Result<bool, Exc> {
    if let Value::Object(o) = a {
        if let Some(r) = o.compare(op, b) {
            return r;
        }
    }
    if let Value::Object(o) = b {
        let flipped = match op {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::LtE => CmpOp::GtE,
            CmpOp::Gt => CmpOp::Lt,
            _ => CmpOp::LtE,
        };
        if let Some(r) = o.compare(flipped, a) {
            return r;
        }
    }
    match (base_of(a), base_of(b)) {
        (None, None) => Err(not_supported(op.symbol(), a, b)),
        (x, y) => compare(op, x.as_ref().unwrap_or(a), y.as_ref().unwrap_or(b)),
    }
}

/// Python ordering for `sorted`, `min`, `max` (TypeError for unorderable pairs). Unordered
/// pairs (NaN) compare equal, so sorting stays well defined.
pub fn cmp_values(a: &Value, b: &Value) -> Result<Ordering, Exc> {
    if let (Value::Set(x), Value::Set(y)) = (a, b) {
        let (x, y) = (x.borrow(), y.borrow());
        return Ok(if set_compare(CmpOp::Lt, &x, &y) {
            Ordering::Less
        } else if set_compare(CmpOp::Gt, &x, &y) {
            Ordering::Greater
        } else {
            Ordering::Equal
        });
    }
    if matches!(a, Value::Object(_)) || matches!(b, Value::Object(_)) {
        return Ok(if object_compare(CmpOp::Lt, a, b)? {
            Ordering::Less
        } else if object_compare(CmpOp::Gt, a, b)? {
            Ordering::Greater
        } else {
            Ordering::Equal
        });
    }
    Ok(order("<", a, b, true)?.unwrap_or(Ordering::Equal))
}

/// `item in container`.
pub fn contains(container: &Value, item: &Value) -> Result<bool, Exc> {
    match container {
        Value::Str(s) => match item {
            Value::Str(sub) => Ok(s.contains(sub.as_str())),
            other => Err(type_error(format!(
                "'in <string>' requires string as left operand, not {}",
                other.type_name()
            ))),
        },
        Value::List(l) => Ok(l
            .borrow()
            .iter()
            .any(|x| x.is_same(item) || eq_python(x, item))),
        Value::Tuple(t) => Ok(t.iter().any(|x| x.is_same(item) || eq_python(x, item))),
        Value::Dict(d) => Ok(d.borrow().contains_key(&Key::new(item.clone())?)),
        Value::Set(s) => Ok(s.borrow().contains(&Key::new(item.clone())?)),
        Value::Range(r) => {
            let n = match as_num(item) {
                Some(Num::I(i)) => i,
                Some(Num::F(f)) if f.fract() == 0.0 && f.abs() < 9.2e18 => f as i64,
                _ => return Ok(false),
            };
            let (start, stop, step) = (r.start as i128, r.stop as i128, r.step as i128);
            let n = n as i128;
            let inside = if step > 0 {
                start <= n && n < stop
            } else {
                stop < n && n <= start
            };
            Ok(inside && (n - start) % step == 0)
        }
        Value::Object(o) => match o.contains(item) {
            Some(r) => r,
            None => match o.base() {
                Some(b) => contains(&b, item),
                None => Err(type_error(format!(
                    "argument of type '{}' is not iterable",
                    o.type_name()
                ))),
            },
        },
        other => Err(type_error(format!(
            "argument of type '{}' is not iterable",
            other.type_name()
        ))),
    }
}

/// An int value as `i64` (bools count), for callers that need a machine integer.
pub fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        Value::BigInt(b) => b.to_i64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
