//! Dict views: `d.keys()`, `d.values()` and `d.items()` are live native objects over the
//! dict, as in Python. They print as `dict_keys(['a'])`, have `len`, iterate without copying
//! (a size change during the loop is Python's `RuntimeError`), test `in` in constant time
//! (keys, items), and keys and items views compare and combine like sets (`d.keys() & other`).

use super::data::{DictMap, Key, Object, SetMap, Value};
use super::ops;
use super::repr::repr;
use super::runtime::Interp;
use crate::error::{type_error, Exc};
use dana_grammar::ast::{BinOp, CmpOp};
use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

/// Which view of the dict.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ViewKind {
    Keys,
    Values,
    Items,
}

/// A live view of a dict.
pub struct DictView {
    pub dict: Rc<RefCell<DictMap>>,
    pub kind: ViewKind,
}

impl DictView {
    /// The view `kind` of `dict` as a value.
    pub fn value(dict: Rc<RefCell<DictMap>>, kind: ViewKind) -> Value {
        Value::object(DictView { dict, kind })
    }

    /// The view's items as set members (keys, or `(key, value)` pairs); `None` for a values
    /// view (values need not be hashable).
    fn members(&self) -> Option<Result<SetMap, Exc>> {
        match self.kind {
            ViewKind::Values => None,
            _ => Some(
                self.to_vec()
                    .unwrap_or_default()
                    .into_iter()
                    .map(Key::new)
                    .collect(),
            ),
        }
    }
}

/// The members of `other` as a set, for the set operators and comparisons: a set, a keys or
/// items view, or (`iterables`) any finite iterable.
fn other_members(other: &Value, iterables: bool) -> Option<Result<SetMap, Exc>> {
    match other {
        Value::Set(s) => Some(Ok(s.borrow().clone())),
        Value::Object(_) => match other.downcast::<DictView>() {
            Some(v) => v.members(),
            None if iterables => {
                Some(ops::iter_to_vec(other).and_then(|xs| xs.into_iter().map(Key::new).collect()))
            }
            None => None,
        },
        _ if iterables => {
            Some(ops::iter_to_vec(other).and_then(|xs| xs.into_iter().map(Key::new).collect()))
        }
        _ => None,
    }
}

impl Object for DictView {
    fn type_name(&self) -> &str {
        match self.kind {
            ViewKind::Keys => "dict_keys",
            ViewKind::Values => "dict_values",
            ViewKind::Items => "dict_items",
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn repr(&self) -> String {
        format!(
            "{}({})",
            self.type_name(),
            repr(&Value::list(self.to_vec().unwrap_or_default()))
        )
    }
    fn method_names(&self) -> &[&'static str] {
        match self.kind {
            ViewKind::Values => &[],
            _ => &["isdisjoint"],
        }
    }
    fn call_method(
        &self,
        _it: &mut Interp,
        _this: &Value,
        _name: &str,
        args: super::data::Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        // `isdisjoint(iterable)`.
        let r = (|| {
            let [other] = args.pos else {
                return Err(type_error(format!(
                    "isdisjoint() takes exactly one argument ({} given)",
                    args.pos.len()
                )));
            };
            let mine = self.members().unwrap_or_else(|| Ok(SetMap::default()))?;
            let theirs = ops::iter_to_vec(other)?;
            Ok(Value::Bool(
                !theirs
                    .into_iter()
                    .any(|x| Key::new(x).is_ok_and(|k| mine.contains(&k))),
            ))
        })();
        Some(r)
    }
    fn to_vec(&self) -> Option<Vec<Value>> {
        let d = self.dict.borrow();
        Some(match self.kind {
            ViewKind::Keys => d.keys().map(|k| k.0.clone()).collect(),
            ViewKind::Values => d.values().cloned().collect(),
            ViewKind::Items => d
                .iter()
                .map(|(k, v)| Value::tuple(vec![k.0.clone(), v.clone()]))
                .collect(),
        })
    }
    fn len(&self) -> Option<usize> {
        Some(self.dict.borrow().len())
    }
    fn contains(&self, item: &Value) -> Option<Result<bool, Exc>> {
        let d = self.dict.borrow();
        Some(match self.kind {
            ViewKind::Keys => Key::new(item.clone()).map(|k| d.contains_key(&k)),
            ViewKind::Values => Ok(d
                .values()
                .any(|v| v.is_same(item) || ops::eq_python(v, item))),
            ViewKind::Items => match item {
                Value::Tuple(t) if t.len() == 2 => Key::new(t[0].clone()).map(|k| {
                    d.get(&k)
                        .is_some_and(|v| v.is_same(&t[1]) || ops::eq_python(v, &t[1]))
                }),
                _ => Ok(false),
            },
        })
    }
    fn eq(&self, other: &Value) -> Option<bool> {
        let mine = self.members()?;
        Some(match other_members(other, false) {
            Some(theirs) => match (mine, theirs) {
                (Ok(a), Ok(b)) => a.len() == b.len() && a.iter().all(|k| b.contains(k)),
                _ => false,
            },
            None => false,
        })
    }
    fn hash(&self) -> Option<Result<u64, Exc>> {
        Some(Err(type_error(format!(
            "unhashable type: '{}'",
            self.type_name()
        ))))
    }
    fn compare(&self, op: CmpOp, other: &Value) -> Option<Result<bool, Exc>> {
        let mine = self.members()?;
        let theirs = other_members(other, false)?;
        Some((|| {
            let (a, b) = (mine?, theirs?);
            let sub = |x: &SetMap, y: &SetMap| x.iter().all(|k| y.contains(k));
            Ok(match op {
                CmpOp::Lt => a.len() < b.len() && sub(&a, &b),
                CmpOp::LtE => sub(&a, &b),
                CmpOp::Gt => a.len() > b.len() && sub(&b, &a),
                _ => sub(&b, &a),
            })
        })())
    }
    fn binary(&self, op: BinOp, other: &Value, reflected: bool) -> Option<Result<Value, Exc>> {
        if !matches!(
            op,
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Sub
        ) {
            return None;
        }
        let mine = self.members()?;
        let theirs = other_members(other, true)?;
        Some((|| {
            let (mine, theirs) = (mine?, theirs?);
            let (a, b) = if reflected {
                (&theirs, &mine)
            } else {
                (&mine, &theirs)
            };
            let out: SetMap = match op {
                BinOp::BitOr => a.union(b).cloned().collect(),
                BinOp::BitAnd => a.intersection(b).cloned().collect(),
                BinOp::BitXor => a.symmetric_difference(b).cloned().collect(),
                _ => a.difference(b).cloned().collect(),
            };
            Ok(Value::set(out))
        })())
    }
}
