//! The value operations containment watches (see `sandbox.rs`): building a list, dict or set
//! (noted while contained code runs, so it may change what it built) and calling a native
//! (checked against the contained module's policy).

use super::data::{Args, DictMap, NativeFn, NativeImpl, SetMap, Value};
use super::runtime::Interp;
use crate::error::Exc;
use crate::sandbox;
use std::cell::RefCell;
use std::rc::Rc;

impl Value {
    pub fn list(v: Vec<Value>) -> Value {
        let rc = Rc::new(RefCell::new(v));
        if sandbox::is_contained() {
            sandbox::note_list(&rc);
        }
        Value::List(rc)
    }
    pub fn dict(d: DictMap) -> Value {
        let rc = Rc::new(RefCell::new(d));
        if sandbox::is_contained() {
            sandbox::note_dict(&rc);
        }
        Value::Dict(rc)
    }
    pub fn set(s: SetMap) -> Value {
        let rc = Rc::new(RefCell::new(s));
        if sandbox::is_contained() {
            sandbox::note_set(&rc);
        }
        Value::Set(rc)
    }
}

impl NativeFn {
    pub fn call(&self, it: &mut Interp, args: Args<'_>) -> Result<Value, Exc> {
        if sandbox::is_contained() {
            sandbox::check_native(self)?;
        }
        match &self.imp {
            NativeImpl::Ptr(f) => f(it, args),
            NativeImpl::Closure(f) => f(it, args),
        }
    }
}
