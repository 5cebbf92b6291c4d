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
        Value::Str(s) => map.get(&StrKey(s.as_str())).cloned(),
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
        if let Some(slot) = map.get_mut(&StrKey(s.as_str())) {
            return Ok(Some(std::mem::replace(slot, value)));
        }
        return Ok(map.insert(Key(key.clone()), value));
    }
    Ok(map.insert(Key::new(key.clone())?, value))
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
