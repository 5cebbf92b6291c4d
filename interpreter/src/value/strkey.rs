//! Dict look-ups by a borrowed string: [`StrKey`] hashes and compares as a `Value::Str` key
//! does without building one, and [`dict_lookup`] / [`dict_store`] use it for `d[k]`,
//! `d[k] = v` and `d.get(k)` (no `Key`, no `Rc` clone, no hashability walk for a string).

use super::data::{DictMap, Key, Value};
use crate::error::Exc;
use std::hash::{Hash, Hasher};

/// `map[key]` without building a [`Key`] for a string (no `Rc` traffic, no hashability
/// walk); other keys are checked as [`Key::new`] checks them.
pub(crate) fn dict_lookup(map: &DictMap, key: &Value) -> Result<Option<Value>, Exc> {
    Ok(match key {
        Value::Str(s) => match scan(map, s.as_str()) {
            Some(i) => i.map(|i| map[i].clone()),
            None => map.get(&StrKey(s.as_str())).cloned(),
        },
        _ => map.get(&Key::new(key.clone())?).cloned(),
    })
}

/// `map[key] = value`: an existing string key has its value replaced in place (the stored key
/// is kept, as Python keeps it); returns the value replaced.
pub(crate) fn dict_store(
    map: &mut DictMap,
    key: &Value,
    value: Value,
) -> Result<Option<Value>, Exc> {
    if let Value::Str(s) = key {
        let slot = match scan(map, s.as_str()) {
            Some(Some(i)) => map.get_index_mut(i).map(|(_, v)| v),
            Some(None) => None,
            None => map.get_mut(&StrKey(s.as_str())),
        };
        if let Some(slot) = slot {
            return Ok(Some(std::mem::replace(slot, value)));
        }
        return Ok(map.insert(Key(key.clone()), value));
    }
    Ok(map.insert(Key::new(key.clone())?, value))
}

/// Dicts of at most this many entries are searched for a string key by comparing the keys
/// in order: cheaper than hashing the string (records such as `{"id": 1, "name": "x"}`).
const SCAN_MAX: usize = 8;

/// The index of the string key `s` in a small `map` (`Some(None)`: not there), found by
/// comparing the keys in order; `None` when the map is larger than [`SCAN_MAX`] or holds a
/// native object key (which may equal a string: the hashed look-up decides then). A string
/// key equal to `s` is the one the hashed look-up finds, as keys are unique.
#[inline]
fn scan(map: &DictMap, s: &str) -> Option<Option<usize>> {
    if map.len() > SCAN_MAX {
        return None;
    }
    for (i, k) in map.keys().enumerate() {
        match &k.0 {
            Value::Str(ks) if ks.as_str() == s => return Some(Some(i)),
            Value::Object(_) => return None,
            _ => {}
        }
    }
    Some(None)
}

/// A borrowed string looked up as a dict key without building a `Value` (hashes as a
/// `Value::Str` key does).
pub(crate) struct StrKey<'a>(pub &'a str);

impl Hash for StrKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

impl indexmap::Equivalent<Key> for StrKey<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        match &key.0 {
            Value::Str(s) => s.as_str() == self.0,
            Value::Object(_) => Key(Value::str(self.0)) == *key,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(keys: &[Value]) -> DictMap {
        let mut d = DictMap::default();
        for (i, k) in keys.iter().enumerate() {
            d.insert(Key::new(k.clone()).unwrap(), Value::Int(i as i64));
        }
        d
    }

    fn get(d: &DictMap, k: &str) -> Option<i64> {
        match dict_lookup(d, &Value::str(k)).unwrap() {
            Some(Value::Int(i)) => Some(i),
            _ => None,
        }
    }

    #[test]
    fn small_and_large_dicts_find_the_same_string_keys() {
        for n in [0usize, 1, 5, SCAN_MAX, SCAN_MAX + 1, 40] {
            let mut keys: Vec<Value> = (0..n).map(|i| Value::str(format!("k{i}"))).collect();
            // Keys of other types do not match a string.
            keys.push(Value::Int(7));
            let mut d = dict(&keys);
            for i in 0..n {
                assert_eq!(get(&d, &format!("k{i}")), Some(i as i64), "n={n}");
            }
            assert_eq!(get(&d, "7"), None);
            assert_eq!(get(&d, "k"), None);
            // A store replaces the value of an existing key in place, keeping its position,
            // and appends a new key.
            if n > 0 {
                let old = dict_store(&mut d, &Value::str("k0"), Value::Int(-1)).unwrap();
                assert!(matches!(old, Some(Value::Int(0))));
                assert_eq!(d.get_index_of(&Key(Value::str("k0"))), Some(0));
                assert_eq!(get(&d, "k0"), Some(-1));
            }
            let old = dict_store(&mut d, &Value::str("new"), Value::Int(99)).unwrap();
            assert!(old.is_none());
            assert_eq!(d.len(), n + 2);
            assert_eq!(get(&d, "new"), Some(99));
        }
    }
}
