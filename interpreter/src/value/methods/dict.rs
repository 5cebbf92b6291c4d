//! `dict` and `set` methods. `keys()`, `values()` and `items()` return Python's live views
//! (`value/views.rs`).

use crate::error::{key_error, type_error, value_error, Exc};
use crate::host::bind;
use crate::value::ops::iter_to_vec;
use crate::value::repr::repr;
use crate::value::{Args, DictView, Key, SetMap, Value, ViewKind};

pub(super) fn call_dict(recv: &Value, name: &str, args: Args<'_>) -> Result<Value, Exc> {
    let Value::Dict(d) = recv else {
        return Err(type_error("dict method on a non-dict"));
    };
    if name == "update" {
        if args.pos.len() > 1 {
            return Err(type_error(format!(
                "update expected at most 1 argument, got {}",
                args.pos.len()
            )));
        }
        // Collect everything before borrowing: `d.update(d)` reads the dict being updated.
        let mut pairs = match args.pos.first() {
            Some(other) => update_pairs(other)?,
            None => Vec::new(),
        };
        for (k, v) in args.kw {
            pairs.push((Key(Value::str(k.as_str())), v.clone()));
        }
        let mut map = d.borrow_mut();
        for (k, v) in pairs {
            map.insert(k, v);
        }
        return Ok(Value::None);
    }
    // `d.get(k)` and `d.get(k, default)`, the commonest call, without binding the arguments.
    if name == "get" && args.kw.is_empty() && matches!(args.pos.len(), 1 | 2) {
        let found = crate::value::strkey::dict_lookup(&d.borrow(), &args.pos[0])?;
        return Ok(found.unwrap_or_else(|| args.pos.get(1).cloned().unwrap_or_default()));
    }
    let (params, required): (&[&str], usize) = match name {
        "get" | "setdefault" | "pop" => (&["key", "default"], 1),
        _ => (&[], 0),
    };
    let a = bind(name, args, params, required)?;
    let key = || -> Result<Key, Exc> { Key::new(a[0].cloned().unwrap_or_default()) };
    Ok(match name {
        "get" => {
            let k = key()?;
            let found = d.borrow().get(&k).cloned();
            found.unwrap_or_else(|| a[1].cloned().unwrap_or_default())
        }
        "setdefault" => {
            let k = key()?;
            let found = d.borrow().get(&k).cloned();
            match found {
                Some(v) => v,
                None => {
                    let v = a[1].cloned().unwrap_or_default();
                    d.borrow_mut().insert(k, v.clone());
                    v
                }
            }
        }
        "pop" => {
            let k = key()?;
            let removed = d.borrow_mut().shift_remove(&k);
            match (removed, a[1]) {
                (Some(v), _) => v,
                (None, Some(default)) => default.clone(),
                (None, None) => return Err(key_error(repr(&k.0))),
            }
        }
        "popitem" => {
            let last = d.borrow_mut().pop();
            match last {
                Some((k, v)) => Value::tuple(vec![k.0, v]),
                None => return Err(key_error("'popitem(): dictionary is empty'")),
            }
        }
        "keys" => DictView::value(d.clone(), ViewKind::Keys),
        "values" => DictView::value(d.clone(), ViewKind::Values),
        "items" => DictView::value(d.clone(), ViewKind::Items),
        "copy" => Value::dict(d.borrow().clone()),
        "clear" => {
            let old = std::mem::take(&mut *d.borrow_mut());
            drop(old);
            Value::None
        }
        _ => return Err(type_error(format!("'dict' object has no method '{name}'"))),
    })
}

/// The pairs of `dict.update(other)`: a dict, or an iterable of 2-item sequences.
fn update_pairs(other: &Value) -> Result<Vec<(Key, Value)>, Exc> {
    if let Value::Dict(o) = other {
        return Ok(o
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect());
    }
    let mut pairs = Vec::new();
    for (i, item) in iter_to_vec(other)?.into_iter().enumerate() {
        let kv = iter_to_vec(&item).map_err(|_| {
            type_error(format!(
                "cannot convert dictionary update sequence element #{i} to a sequence"
            ))
        })?;
        if kv.len() != 2 {
            return Err(value_error(format!(
                "dictionary update sequence element #{i} has length {}; 2 is required",
                kv.len()
            )));
        }
        let mut kv = kv.into_iter();
        let (k, v) = (kv.next().unwrap_or_default(), kv.next().unwrap_or_default());
        pairs.push((Key::new(k)?, v));
    }
    Ok(pairs)
}

/// The elements of an iterable as set keys (unhashable elements are a TypeError).
fn keys_of(v: &Value) -> Result<SetMap, Exc> {
    if let Value::Set(s) = v {
        return Ok(s.borrow().clone());
    }
    iter_to_vec(v)?.into_iter().map(Key::new).collect()
}

pub(super) fn call_set(recv: &Value, name: &str, args: Args<'_>) -> Result<Value, Exc> {
    let Value::Set(set) = recv else {
        return Err(type_error("set method on a non-set"));
    };
    // Methods taking any number of iterables.
    if matches!(
        name,
        "union"
            | "intersection"
            | "difference"
            | "update"
            | "intersection_update"
            | "difference_update"
    ) {
        if !args.kw.is_empty() {
            return Err(type_error(format!("{name}() takes no keyword arguments")));
        }
        let others: Vec<SetMap> = args.pos.iter().map(keys_of).collect::<Result<_, _>>()?;
        let mut out = set.borrow().clone();
        for o in &others {
            match name {
                "union" | "update" => out.extend(o.iter().cloned()),
                "intersection" | "intersection_update" => out.retain(|k| o.contains(k)),
                _ => out.retain(|k| !o.contains(k)),
            }
        }
        if name.ends_with("update") {
            let old = std::mem::replace(&mut *set.borrow_mut(), out);
            drop(old);
            return Ok(Value::None);
        }
        return Ok(Value::set(out));
    }
    let (params, required): (&[&str], usize) = match name {
        "add"
        | "remove"
        | "discard"
        | "symmetric_difference"
        | "symmetric_difference_update"
        | "issubset"
        | "issuperset"
        | "isdisjoint" => (&["x"], 1),
        _ => (&[], 0),
    };
    let a = bind(name, args, params, required)?;
    let first = a.first().copied().flatten().cloned().unwrap_or_default();
    Ok(match name {
        "add" => {
            let k = Key::new(first)?;
            set.borrow_mut().insert(k);
            Value::None
        }
        "remove" => {
            let k = Key::new(first)?;
            if !set.borrow_mut().shift_remove(&k) {
                return Err(key_error(repr(&k.0)));
            }
            Value::None
        }
        "discard" => {
            let k = Key::new(first)?;
            set.borrow_mut().shift_remove(&k);
            Value::None
        }
        "symmetric_difference" | "symmetric_difference_update" => {
            let other = keys_of(&first)?;
            let out: SetMap = set.borrow().symmetric_difference(&other).cloned().collect();
            if name.ends_with("update") {
                *set.borrow_mut() = out;
                return Ok(Value::None);
            }
            Value::set(out)
        }
        "issubset" => {
            let other = keys_of(&first)?;
            Value::Bool(set.borrow().iter().all(|k| other.contains(k)))
        }
        "issuperset" => {
            let other = keys_of(&first)?;
            let s = set.borrow();
            Value::Bool(other.iter().all(|k| s.contains(k)))
        }
        "isdisjoint" => {
            let other = keys_of(&first)?;
            Value::Bool(!set.borrow().iter().any(|k| other.contains(k)))
        }
        "pop" => {
            let first = set.borrow_mut().shift_remove_index(0);
            match first {
                Some(k) => k.0,
                None => return Err(key_error("'pop from an empty set'")),
            }
        }
        "copy" => Value::set(set.borrow().clone()),
        "clear" => {
            let old = std::mem::take(&mut *set.borrow_mut());
            drop(old);
            Value::None
        }
        _ => return Err(type_error(format!("'set' object has no method '{name}'"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::DictMap;
    use dana_grammar::ast::Sym;

    fn s(t: &str) -> Value {
        Value::str(t)
    }

    fn run(recv: &Value, name: &str, pos: &[Value]) -> String {
        let r = match recv {
            Value::Dict(_) => call_dict(recv, name, Args::positional(pos)),
            _ => call_set(recv, name, Args::positional(pos)),
        };
        match r {
            Ok(v) => repr(&v),
            Err(e) => format!("!{}: {}", e.kind, e.message),
        }
    }

    #[test]
    fn dict_methods() {
        let d = Value::dict(DictMap::default());
        run(
            &d,
            "update",
            &[Value::list(vec![Value::tuple(vec![s("a"), Value::Int(1)])])],
        );
        let kw = [(Sym::intern("b"), Value::Int(2))];
        call_dict(&d, "update", Args::new(&[], &kw)).unwrap();
        assert_eq!(repr(&d), "{'a': 1, 'b': 2}");
        assert_eq!(run(&d, "get", &[s("a")]), "1");
        assert_eq!(run(&d, "get", &[s("z")]), "None");
        assert_eq!(run(&d, "get", &[s("z"), Value::Int(0)]), "0");
        assert_eq!(run(&d, "keys", &[]), "dict_keys(['a', 'b'])");
        assert_eq!(run(&d, "values", &[]), "dict_values([1, 2])");
        assert_eq!(run(&d, "items", &[]), "dict_items([('a', 1), ('b', 2)])");
        assert_eq!(run(&d, "setdefault", &[s("c"), Value::Int(3)]), "3");
        assert_eq!(run(&d, "setdefault", &[s("c"), Value::Int(4)]), "3");
        assert_eq!(run(&d, "pop", &[s("a")]), "1");
        assert_eq!(run(&d, "pop", &[s("a"), Value::None]), "None");
        assert_eq!(run(&d, "pop", &[s("a")]), "!KeyError: 'a'");
        assert_eq!(run(&d, "popitem", &[]), "('c', 3)");
        run(&d, "update", std::slice::from_ref(&d));
        assert_eq!(repr(&d), "{'b': 2}");
        assert_eq!(
            run(
                &d,
                "update",
                &[Value::list(vec![Value::tuple(vec![Value::Int(1); 3])])]
            ),
            "!ValueError: dictionary update sequence element #0 has length 3; 2 is required"
        );
        assert_eq!(
            run(&d, "update", &[Value::Int(5)]),
            "!TypeError: 'int' object is not iterable"
        );
        assert_eq!(
            run(&d, "get", &[Value::list(vec![])]),
            "!TypeError: unhashable type: 'list'"
        );
        run(&d, "clear", &[]);
        assert_eq!(
            run(&d, "popitem", &[]),
            "!KeyError: 'popitem(): dictionary is empty'"
        );
    }

    #[test]
    fn set_methods() {
        let set = Value::set(SetMap::default());
        run(&set, "add", &[Value::Int(1)]);
        run(
            &set,
            "update",
            &[Value::list(vec![Value::Int(2), Value::Int(3)])],
        );
        assert_eq!(repr(&set), "{1, 2, 3}");
        assert_eq!(run(&set, "remove", &[Value::Int(9)]), "!KeyError: 9");
        run(&set, "discard", &[Value::Int(9)]);
        assert_eq!(
            run(&set, "union", &[Value::list(vec![Value::Int(4)]), s("a")]),
            "{1, 2, 3, 4, 'a'}"
        );
        assert_eq!(
            run(
                &set,
                "intersection",
                &[Value::list(vec![Value::Int(2), Value::Int(5)])]
            ),
            "{2}"
        );
        assert_eq!(
            run(&set, "difference", &[Value::list(vec![Value::Int(2)])]),
            "{1, 3}"
        );
        assert_eq!(
            run(
                &set,
                "symmetric_difference",
                &[Value::list(vec![Value::Int(3), Value::Int(4)])]
            ),
            "{1, 2, 4}"
        );
        assert_eq!(
            run(
                &set,
                "issubset",
                &[Value::list(vec![
                    Value::Int(1),
                    Value::Int(2),
                    Value::Int(3)
                ])]
            ),
            "True"
        );
        assert_eq!(
            run(&set, "issuperset", &[Value::list(vec![Value::Int(1)])]),
            "True"
        );
        assert_eq!(
            run(&set, "isdisjoint", &[Value::list(vec![Value::Int(7)])]),
            "True"
        );
        assert_eq!(run(&set, "pop", &[]), "1");
        run(&set, "clear", &[]);
        assert_eq!(run(&set, "pop", &[]), "!KeyError: 'pop from an empty set'");
        assert_eq!(
            run(&set, "add", &[Value::list(vec![])]),
            "!TypeError: unhashable type: 'list'"
        );
    }
}
